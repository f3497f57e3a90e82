/** The organiser's evening: sign in, add a team, run a round, freeze the board, export the results. */
import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { readBoard, saveScreenshot, shownScores, signIn, teamOf } from './helpers';

function adminTeam(page: Page, slug: string) {
  return page.locator(`[data-testid=admin-team][data-slug="${slug}"]`);
}

async function downloadText(page: Page, testId: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFile((await download.path())!, 'utf8');
}

test('the organiser signs in, adds a team, starts a round, sees it scored, freezes the board and exports CSV', async ({ page, browser, request }) => {
  test.setTimeout(480_000);
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
  await expect(added.getByText('ready', { exact: true })).toBeVisible({ timeout: 120_000 });

  await expect(async () => {
    await added.getByRole('button', { name: 'Round now' }).click();
    await expect(page.getByTestId('feedback')).toContainText('Round requested for E2E Team');
    await expect(added.getByTestId('admin-score')).toHaveText(/^[1-9]\d*00$/, { timeout: 90_000 });
  }).toPass({ timeout: 240_000 });
  await saveScreenshot(page, 'admin');

  await page.getByTestId('freeze').click();
  await expect(page.getByTestId('feedback')).toContainText('Standings frozen');
  const viewer = await browser.newPage();
  await viewer.goto('/');
  await expect(viewer.getByText(/The standings are frozen/)).toBeVisible();
  await expect(viewer.locator('[data-testid=standing-row][data-slug=e2e-team] [data-testid=score]')).toHaveText(/^[1-9]\d*00$/);
  const frozenScores = await shownScores(viewer);
  const frozenReference = teamOf(await readBoard(request), 'reference').score;

  await adminTeam(page, 'reference').getByRole('button', { name: 'Round now' }).click();
  await expect(async () => {
    const live = Number((await adminTeam(page, 'reference').getByTestId('admin-score').textContent())!.replaceAll(',', ''));
    expect(live).toBeGreaterThan(frozenReference);
  }).toPass({ timeout: 200_000, intervals: [1000] });

  await viewer.reload();
  await expect(viewer.getByText(/The standings are frozen/)).toBeVisible();
  await viewer.waitForTimeout(2500);
  expect(await shownScores(viewer)).toEqual(frozenScores);
  expect(teamOf(await readBoard(request), 'reference').score).toBe(frozenReference);
  await viewer.close();

  const standings = await downloadText(page, 'export-standings');
  expect(standings.split('\r\n')[0]).toBe('rank,slug,name,score,lab,rounds_played,rounds_passed,median_time_to_correct_ms,score_reached_at');
  expect(standings).toMatch(/\r\n\d+,e2e-team,E2E Team,[1-9]\d*00,[12],/);
  const rounds = await downloadText(page, 'export-rounds');
  expect(rounds.split('\r\n')[0]).toMatch(/^round,team,lab,status,points,/);
  expect(rounds).toMatch(/\r\n\d+,e2e-team,1,passed,100,/);
  expect(rounds).toMatch(/\r\n\d+,my-team,1,failed,0,/);

  await page.getByTestId('unfreeze').click();
  await expect(page.getByTestId('feedback')).toContainText('Standings unfrozen');
});
