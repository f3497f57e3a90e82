/** Shared steps of the browser tests: reading the public board, signing in, saving screenshots. */
import { type APIRequestContext, expect, type Page } from '@playwright/test';
import type { ScoreboardView, StandingsTeam } from '@/lib/scoreboard/views/types';
import { ARTIFACTS, E2E_SECRET } from './stack';

export async function readBoard(request: APIRequestContext): Promise<ScoreboardView> {
  const response = await request.get('/api/scoreboard');
  expect(response.status()).toBe(200);
  return (await response.json()) as ScoreboardView;
}

export function teamOf(board: ScoreboardView, slug: string): StandingsTeam {
  const team = board.teams.find((candidate) => candidate.slug === slug);
  if (!team) throw new Error(`team ${slug} is not on the board`);
  return team;
}

export async function signIn(page: Page): Promise<void> {
  await page.goto('/admin');
  await page.getByLabel('Organiser secret').fill(E2E_SECRET);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Organiser', exact: true })).toBeVisible();
}

/** Score per team as a standings page shows it. */
export async function shownScores(page: Page): Promise<Record<string, string>> {
  const rows = page.getByTestId('standing-row');
  const scores: Record<string, string> = {};
  for (const row of await rows.all()) scores[(await row.getAttribute('data-slug'))!] = (await row.getByTestId('score').textContent())!.trim();
  return scores;
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}
