/**
 * The organiser's evening: sign in, add a team, run a round, post an announcement, freeze the board
 * (viewers and the presenter keep the standings of the freeze), pause the schedule, export the results.
 */
import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { readBoard, saveScreenshot, shownStandings, signIn, standingsOf, teamOf } from './helpers';

function adminTeam(page: Page, slug: string) {
  return page.locator(`[data-testid=admin-team][data-slug="${slug}"]`);
}

async function downloadText(page: Page, testId: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFile((await download.path()) ?? '', 'utf8');
}

/** The score the organiser's console shows for a team (live, even while the public board is frozen). */
async function adminScore(page: Page, slug: string): Promise<number> {
  return Number(((await adminTeam(page, slug).getByTestId('admin-score').textContent()) ?? '').replaceAll(',', ''));
}

test('the organiser signs in, adds a team, starts a round, announces, freezes the board, pauses, and exports CSV', async ({ page, browser, request }) => {
  test.setTimeout(900_000);
  await page.goto('/admin');
  await page.getByLabel('Organiser secret').fill('not the secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('That is not the organiser secret.')).toBeVisible();
  await signIn(page);

  const form = page.getByTestId('add-team');
  await form.getByLabel('Slug').fill('e2e-team');
  await form.getByLabel('Name').fill('E2E Team');
  await form.getByLabel('Pipeline').selectOption('solution');
  await form.getByRole('button', { name: 'Add team' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Added E2E Team');
  const added = adminTeam(page, 'e2e-team');
  await expect(added).toContainText('E2E Team');
  await expect(added.getByText('ready', { exact: true })).toBeVisible({ timeout: 300_000 });

  // One click: a round runs for the team now (or a scheduled one already does), and the reference solution passes it.
  await added.getByRole('button', { name: 'Round now' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Round requested for E2E Team');
  await expect(added.getByTestId('admin-score')).toHaveText(/^[1-9]\d*00$/, { timeout: 300_000 });
  await saveScreenshot(page, 'admin');

  const announcement = 'Lab 2 starts at 14:00 (posted by the e2e test)';
  await page.getByLabel('Announcement').fill(announcement);
  await page.getByRole('button', { name: 'Post' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Announcement posted on every screen.');
  expect((await readBoard(request)).announcement?.text).toBe(announcement);
  const viewer = await browser.newPage();
  await viewer.goto('/');
  await expect(viewer.getByTestId('announcement')).toContainText(announcement);

  await page.getByTestId('freeze').click();
  await expect(page.getByTestId('feedback')).toContainText('Standings frozen');
  await expect.poll(async () => (await readBoard(request)).frozen).toBe(true);
  const frozenBoard = await readBoard(request);
  const frozen = standingsOf(frozenBoard);
  expect(frozen['e2e-team']?.score).toBeGreaterThanOrEqual(100);
  await viewer.reload();
  await expect(viewer.getByText(/The standings are frozen/)).toBeVisible();
  expect(await shownStandings(viewer)).toEqual(frozen);

  // A round scored after the freeze shows in the console, and nowhere public.
  await adminTeam(page, 'reference').getByRole('button', { name: 'Round now' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Round requested for Reference solution');
  await expect.poll(() => adminScore(page, 'reference'), { timeout: 300_000, intervals: [1000] }).toBeGreaterThan(frozen.reference?.score ?? 0);
  expect(standingsOf(await readBoard(request))).toEqual(frozen);
  const polled = viewer.waitForResponse((response) => new URL(response.url()).pathname === '/api/scoreboard');
  await viewer.reload();
  await polled;
  await expect(viewer.getByText(/The standings are frozen/)).toBeVisible();
  expect(await shownStandings(viewer)).toEqual(frozen);
  await viewer.close();

  const presenter = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await presenter.goto('/present');
  await expect(presenter.getByTestId('announcement')).toContainText(announcement);
  await expect(presenter.locator('[data-testid=standing-row]')).toHaveCount(Object.keys(frozen).length);
  expect(await shownStandings(presenter)).toEqual(frozen);
  await presenter.screenshot({ path: 'e2e/artifacts/presenter-frozen.png' });
  await presenter.close();

  // Frozen and paused, the public board cannot change: a viewer holding its ETag gets 304, nothing else.
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('feedback')).toContainText('Schedule paused');
  await expect.poll(async () => (await readBoard(request)).nextRoundAt, { timeout: 60_000 }).toBeNull();
  const current = await request.get('/api/scoreboard');
  const etag = current.headers().etag ?? '';
  expect(etag).toMatch(/^"[\w-]+"$/);
  const again = await request.get('/api/scoreboard', { headers: { 'if-none-match': etag } });
  expect(again.status()).toBe(304);
  expect(again.headers().etag).toBe(etag);
  expect(await again.body()).toHaveLength(0);
  expect((await (await request.get('/api/metrics')).json()).snapshotBuilds).toBeGreaterThan(0);

  const standings = await downloadText(page, 'export-standings');
  expect(standings.split('\r\n')[0]).toBe('rank,slug,name,score,lab,rounds_played,rounds_passed,median_time_to_correct_ms,score_reached_at');
  expect(standings).toMatch(/\r\n\d+,e2e-team,E2E Team,[1-9]\d*00,[12],/);
  const rounds = await downloadText(page, 'export-rounds');
  expect(rounds.split('\r\n')[0]).toMatch(/^round,team,lab,status,points,/);
  expect(rounds).toMatch(/\r\n\d+,e2e-team,1,passed,100,/);
  expect(rounds).toMatch(/\r\n\d+,my-team,1,failed,0,/);

  await page.getByRole('button', { name: 'Take down' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Announcement taken down.');
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('feedback')).toContainText('Schedule resumed');
  await page.getByTestId('unfreeze').click();
  await expect(page.getByTestId('feedback')).toContainText('Standings unfrozen');
  expect(teamOf(await readBoard(request), 'reference').score).toBeGreaterThan(frozen.reference?.score ?? 0);
});
