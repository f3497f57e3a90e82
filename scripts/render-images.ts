/**
 * Renders the web app's raster images into public/ from vector drawings, with Debian's Chromium (no
 * downloads): the Apple touch icon from public/icon.svg, and the 1200×630 social preview that link
 * previews of the scoreboard show. Run once after changing either drawing: `npm run images`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

const PUBLIC = path.resolve(import.meta.dirname, '..', 'public');
const ICON = readFileSync(path.join(PUBLIC, 'icon.svg'), 'utf8');

/** The scoreboard's colours (Tailwind's slate and emerald, as the pages use them). */
const INK = '#020617';
const TEXT = '#f8fafc';
const MUTED = '#94a3b8';
const CARD = '#0f172a';
const PASSED = '#34d399';
const FAILED = '#f43f5e';

/** A standings row as the board draws it: rank, team, the last 10 rounds (1 passed, 0 failed) and the score. */
function standingRow(y: number, rank: number, team: string, rounds: string, score: string): string {
  const strip = [...rounds]
    .map((result, index) => `<rect x="${560 + index * 26}" y="${y - 26}" width="16" height="32" rx="3" fill="${result === '1' ? PASSED : FAILED}"/>`)
    .join('');
  return `<text x="130" y="${y}" fill="${MUTED}" font-size="30" font-weight="700">#${rank}</text>
    <text x="210" y="${y}" fill="${TEXT}" font-size="30" font-weight="700">${team}</text>${strip}
    <text x="1070" y="${y}" fill="${TEXT}" font-size="34" font-weight="700" text-anchor="end">${score}</text>`;
}

const SOCIAL_PREVIEW = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630" font-family="DejaVu Sans, system-ui, sans-serif">
  <defs><radialGradient id="glow" cx="0.1" cy="0" r="0.9"><stop offset="0" stop-color="#10b981" stop-opacity="0.28"/><stop offset="1" stop-color="${INK}" stop-opacity="0"/></radialGradient></defs>
  <rect width="1200" height="630" fill="${INK}"/><rect width="1200" height="630" fill="url(#glow)"/>
  <svg x="80" y="72" width="120" height="120" viewBox="0 0 64 64">${ICON.replace(/^<svg[^>]*>|<\/svg>\s*$/g, '')}</svg>
  <text x="228" y="128" fill="${TEXT}" font-size="58" font-weight="700">Stream aggregation game</text>
  <text x="230" y="178" fill="${MUTED}" font-size="29">Live scoreboard · every team’s pipeline, scored to the cent</text>
  <rect x="80" y="250" width="1040" height="300" rx="24" fill="${CARD}" stroke="#1e293b" stroke-width="2"/>
  ${standingRow(330, 1, 'Blue Whales', '0111111111', '900')}
  ${standingRow(415, 2, 'Exactly Once', '0011011111', '700')}
  ${standingRow(500, 3, 'Late Batches', '0001010011', '400')}
</svg>`;

async function render(html: string, width: number, height: number, file: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${html}</body></html>`);
    await page.screenshot({ path: path.join(PUBLIC, file), clip: { x: 0, y: 0, width, height } });
    console.log(`wrote public/${file} (${width}×${height})`);
  } finally {
    await browser.close();
  }
}

// iOS rounds the corners itself: the touch icon fills its square.
await render(
  `<div style="background:#10b981;width:180px;height:180px">${ICON.replace('<svg ', '<svg width="180" height="180" ')}</div>`,
  180,
  180,
  'apple-touch-icon.png',
);
await render(SOCIAL_PREVIEW, 1200, 630, 'social-preview.png');
