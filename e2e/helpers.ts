/** Shared steps of the browser tests: reading the public API, signing in, reading what a page shows, saving screenshots. */
import { type APIRequestContext, expect, type Locator, type Page } from '@playwright/test';
import Big from 'big.js';
import type { ScoreboardView, StandingsTeam, TeamView } from '@/lib/scoreboard/views/types';
import { ARTIFACTS, E2E_SECRET } from './stack';

export async function readBoard(request: APIRequestContext): Promise<ScoreboardView> {
  const response = await request.get('/api/scoreboard');
  expect(response.status()).toBe(200);
  return (await response.json()) as ScoreboardView;
}

export async function readTeam(request: APIRequestContext, slug: string): Promise<TeamView> {
  const response = await request.get(`/api/teams/${slug}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as TeamView;
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

/** The amount a cell shows ("−1,234.50"), as an exact decimal; null for "—". */
export async function shownAmount(cell: Locator): Promise<Big | null> {
  const text = (await cell.textContent())?.trim() ?? '';
  return text === '—' ? null : new Big(text.replaceAll(',', '').replace('−', '-'));
}

/** Per team, the score and rank a standings page (or the presenter view) shows. */
export async function shownStandings(page: Page): Promise<Record<string, { score: number; rank: number }>> {
  const shown: Record<string, { score: number; rank: number }> = {};
  for (const row of await page.getByTestId('standing-row').all()) {
    const number = async (testId: string) => Number(((await row.getByTestId(testId).textContent()) ?? '').replaceAll(',', ''));
    shown[(await row.getAttribute('data-slug')) ?? ''] = { score: await number('score'), rank: await number('rank') };
  }
  return shown;
}

/** Per team, the score and rank of a board. */
export function standingsOf(board: ScoreboardView): Record<string, { score: number; rank: number }> {
  return Object.fromEntries(board.teams.map((team) => [team.slug, { score: team.score, rank: team.rank }]));
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}
