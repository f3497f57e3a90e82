/** Vitest: unit and integration tests (real emulators); e2e browser tests run under Playwright. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `@/…` is the repository root, as tsconfig.json's `paths` says for tsc, tsx, esbuild and Next.js.
  resolve: { alias: [{ find: /^@\//, replacement: fileURLToPath(new URL('./', import.meta.url)) }] },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**', '.workshop/**', 'cdk.out/**'],
    // Only a guard against a hung test: what a test waits for has its own deadline (testing/eventually.ts),
    // and on a loaded 2-core machine a test that runs `npm run pipeline:synth` or starts JVMs took
    // over 120 s (the synth CLI test failed at 120 s while another process kept a core busy).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
