/**
 * Browser tests: Debian's Chromium (headless) against the real `npm start` stack with a fresh data
 * directory, its own ports and short rounds (see e2e/stack.ts). Tests share that one stack and run
 * in order, one at a time.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_BASE_URL, E2E_ENV } from './e2e/stack';

process.env.E2E_WORKSHOP_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'workshop-e2e-'));

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Upper bounds only (a busy 2-core machine is slow, never wrong): what a test waits for it awaits.
  timeout: 600_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: E2E_BASE_URL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 960 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'npm start',
    url: `${E2E_BASE_URL}/api/scoreboard`,
    env: { ...E2E_ENV, WORKSHOP_DATA_DIR: process.env.E2E_WORKSHOP_DATA_DIR, NEXT_TELEMETRY_DISABLED: '1' },
    reuseExistingServer: false,
    timeout: 900_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
  },
});
