/** What participants see: the standings, a round's outcome, and a team's table against the expected totals. */
import { expect, test } from '@playwright/test';
import Big from 'big.js';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { readBoard, readTeam, saveScreenshot, shownAmount, teamOf } from './helpers';

test('a newcomer opens the standings and sees both default teams', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Standings' })).toBeVisible();
  await expect(page.locator('[data-testid=standing-row][data-slug=reference]')).toContainText('Reference solution');
  await expect(page.locator('[data-testid=standing-row][data-slug=my-team]')).toContainText('My team');
  await expect(page.getByTestId('round-status')).toBeVisible();
});

test('after a round, reference has 100 points and my-team 0 with the no-change diagnosis on its page', async ({ page, request }) => {
  await expect
    .poll(
      async () => {
        const board = await readBoard(request);
        return teamOf(board, 'reference').rounds.length > 0 && teamOf(board, 'my-team').rounds.length > 0;
      },
      { timeout: 300_000, intervals: [1000] },
    )
    .toBe(true);
  const board = await readBoard(request);
  const reference = teamOf(board, 'reference');
  const myTeam = teamOf(board, 'my-team');
  expect(reference.rounds[0]).toMatchObject({ passed: true, points: 100 });
  expect(reference.score).toBe(100 * reference.roundsPassed);
  expect(reference.roundsPassed).toBe(reference.roundsPlayed);
  expect(myTeam.score).toBe(0);
  // my-team runs the handed-out pipeline: only Map is wired, so nothing reaches its AggregateTable.
  expect(myTeam.rounds[0]).toMatchObject({ passed: false, points: 0, diagnosis: { code: 'no-change' } });
  const diagnosis = myTeam.rounds[0]?.diagnosis;

  await page.goto('/');
  await expect(page.locator('[data-testid=standing-row][data-slug=reference] [data-testid=score]')).toHaveText(/^[1-9][\d,]*00$/);
  await expect(page.locator('[data-testid=standing-row][data-slug=my-team] [data-testid=score]')).toHaveText('0');
  await expect(page.locator('[data-testid=standing-row][data-slug=reference] [data-testid=rank]')).toHaveText('1');
  await expect(page.locator('[data-testid=standing-row][data-slug=reference] [data-round-result=passed]:visible').first()).toBeVisible();
  await saveScreenshot(page, 'standings');

  await page.goto('/teams/my-team');
  await expect(page.getByTestId('team-title')).toHaveText('My team');
  await expect(page.getByTestId('diagnosis')).toContainText(diagnosis?.message ?? 'a diagnosis');
  await expect(page.getByTestId('team-score')).toHaveText('0');
  await expect(page.getByTestId('logs-state')).toBeVisible();
  await saveScreenshot(page, 'team-my-team');
});

test('a team page shows the 18 keys of the tree with the expected and actual change the API gives', async ({ page, request }) => {
  await page.goto('/teams/reference');
  const rows = page.getByTestId('key-row');
  await expect(rows).toHaveCount(18);
  expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-key')))).toEqual([...AGGREGATION_KEYS]);
  // The page polls the API; a round may start between two reads, so both are read again until they agree.
  await expect(async () => {
    const { live } = await readTeam(request, 'reference');
    expect(live.keys.map((key) => key.key)).toEqual([...AGGREGATION_KEYS]);
    expect(live.keys.some((key) => key.expected !== null && !new Big(key.expected).eq(0))).toBe(true);
    for (const key of live.keys) {
      const row = page.locator(`[data-testid=key-row][data-key="${key.key}"]`);
      const [expected, actual] = [await shownAmount(row.getByTestId('expected')), await shownAmount(row.getByTestId('actual'))];
      expect({ key: key.key, expected: expected?.toFixed(2) ?? null, actual: actual?.toFixed(2) }).toEqual({
        key: key.key,
        expected: key.expected === null ? null : new Big(key.expected).toFixed(2),
        actual: new Big(key.actual).toFixed(2),
      });
    }
  }).toPass({ timeout: 120_000 });
  await expect(page.getByTestId('round-history')).toBeVisible();
  await expect(page.getByTestId('logs-map')).toBeVisible();
  await saveScreenshot(page, 'team-reference');
});

test('the presenter view fits 1920×1080 without scrolling', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto('/present');
  await expect(page.locator('[data-testid=standing-row][data-slug=reference]')).toBeVisible();
  const name = page.locator('[data-testid=standing-row][data-slug=reference] [data-testid=team-name]');
  await expect(name).toHaveText('Reference solution');
  expect((await name.boundingBox())!.width).toBeGreaterThan(150);
  const size = await page.evaluate(() => ({ height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth }));
  expect(size.height).toBeLessThanOrEqual(1080);
  expect(size.width).toBeLessThanOrEqual(1920);
  await page.screenshot({ path: 'e2e/artifacts/presenter.png' });
  await page.close();
});

test('the standings and a team page fit a phone’s width', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  for (const path of ['/', '/teams/reference']) {
    await page.goto(path);
    await expect(page.locator('[data-testid=standing-row], [data-testid=key-row]').first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
  }
  await page.close();
});
