/**
 * Figure 5: staleness. The benchmark changes a team's AggregateTable itself (UpdateItem ADD on one
 * key) and times how long until the change shows in the JSON API that carries the live table
 * (/api/teams/{slug}) and on the team's page in a real browser (Debian's Chromium), over ~20 changes.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Browser, chromium } from '@playwright/test';
import Big from 'big.js';
import { dynamoDbClient } from '@/lib/aws/clients';
import type { TeamView } from '@/lib/scoreboard/views/types';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import type { FullStack } from '../full-stack';
import { median, percentile, rounded } from '../stats';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const API_POLL_MS = 50;
const GIVE_UP_MS = 15_000;

export interface StalenessInputs {
  changes: number;
  team: string;
  key: string;
  /** Added to the key at every change. */
  step: string;
}

export interface ChangeSample {
  writeMs: number;
  apiMs: number | null;
  browserMs: number | null;
}

export interface StalenessResults {
  samples: ChangeSample[];
  api: { medianMs: number | null; p95Ms: number | null; maxMs: number | null; missed: number };
  browser: { medianMs: number | null; p95Ms: number | null; maxMs: number | null; missed: number };
}

/** The key's `actual` (table now − the round's baseline) as the team's JSON shows it. */
async function apiActual(stack: FullStack, team: string, key: string): Promise<string | null> {
  const response = await fetch(`${stack.webUrl}/api/teams/${team}`);
  if (!response.ok) return null;
  const view = (await response.json()) as TeamView;
  return view.live.keys.find((entry) => entry.key === key)?.actual ?? null;
}

/** Polls the API until the key shows `expected`; ms from `since`, null after GIVE_UP_MS. */
async function watchApi(stack: FullStack, team: string, key: string, expected: Big, since: number): Promise<number | null> {
  while (performance.now() - since < GIVE_UP_MS) {
    const actual = await apiActual(stack, team, key);
    if (actual !== null && new Big(actual).eq(expected)) return performance.now() - since;
    await sleep(API_POLL_MS);
  }
  return null;
}

/** A value once it has stayed the same for two reads 1.5 s apart (the live table has settled). */
async function settledActual(stack: FullStack, team: string, key: string): Promise<Big> {
  let previous = await apiActual(stack, team, key);
  for (let attempt = 0; attempt < 40; attempt++) {
    await sleep(1500);
    const now = await apiActual(stack, team, key);
    if (now !== null && now === previous) return new Big(now);
    previous = now;
  }
  throw new Error(`the live value of ${key} did not settle`);
}

function summary(values: Array<number | null>) {
  const seen = values.filter((value): value is number => value !== null);
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  return {
    medianMs: round(median(seen)),
    p95Ms: round(percentile(seen, 95)),
    maxMs: seen.length ? Math.round(Math.max(...seen)) : null,
    missed: values.length - seen.length,
  };
}

export async function stalenessFigure(stack: FullStack, inputs: StalenessInputs, context: FigureContext): Promise<FigureOutput<StalenessResults>> {
  await stack.admin('PATCH', 'settings', { paused: true });
  await stack.settle(context.signal);
  const team = (await stack.teams()).find((candidate) => candidate.slug === inputs.team);
  if (!team?.connection.dynamodbEndpoint) throw new Error(`team ${inputs.team} has no local DynamoDB endpoint`);
  const client = dynamoDbClient(team.connection);
  let expected = await settledActual(stack, inputs.team, inputs.key);

  let browser: Browser | undefined;
  const samples: ChangeSample[] = [];
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    await page.goto(`${stack.webUrl}/teams/${inputs.team}`);
    const cell = `[data-testid="key-row"][data-key="${inputs.key}"] [data-testid="actual"]`;
    await page.waitForSelector(cell);
    for (let index = 0; index < inputs.changes; index++) {
      checkInterrupted(context.signal);
      expected = expected.plus(inputs.step);
      const written = performance.now();
      await client.send(
        new UpdateItemCommand({
          TableName: team.resources.aggregateTable,
          Key: { Identifier: { S: inputs.key } },
          UpdateExpression: 'ADD #value :step',
          ExpressionAttributeNames: { '#value': 'Value' },
          ExpressionAttributeValues: { ':step': { N: inputs.step } },
        }),
      );
      const since = performance.now();
      const shown = expected.toFixed(2);
      const [apiMs, browserMs] = await Promise.all([
        watchApi(stack, inputs.team, inputs.key, expected, since),
        page
          .waitForFunction(
            ({ selector, value }) => {
              const text = document.querySelector(selector)?.textContent ?? '';
              return text.replace(/,/g, '').replace('−', '-').trim() === value;
            },
            { selector: cell, value: shown },
            { polling: 20, timeout: GIVE_UP_MS },
          )
          .then(
            () => performance.now() - since,
            () => null,
          ),
      ]);
      samples.push({
        writeMs: rounded(since - written, 1),
        apiMs: apiMs === null ? null : Math.round(apiMs),
        browserMs: browserMs === null ? null : Math.round(browserMs),
      });
      context.log(
        `  change ${index + 1}/${inputs.changes}: API after ${apiMs === null ? 'never' : `${Math.round(apiMs)} ms`}, page after ${browserMs === null ? 'never' : `${Math.round(browserMs)} ms`}`,
      );
      await sleep(Math.random() * 1000, context.signal);
    }
  } finally {
    await browser?.close();
  }
  const results: StalenessResults = {
    samples,
    api: summary(samples.map((sample) => sample.apiMs)),
    browser: summary(samples.map((sample) => sample.browserMs)),
  };
  return { results, rows: stalenessRows(results, inputs) };
}

export function stalenessRows(results: StalenessResults, inputs: StalenessInputs): TableRow[] {
  const row = (what: string, stats: StalenessResults['api'], note: string): TableRow => ({
    measure: what,
    result: `median ${stats.medianMs ?? '—'} ms, p95 ${stats.p95Ms ?? '—'} ms, max ${stats.maxMs ?? '—'} ms${stats.missed ? `, ${stats.missed} not seen within ${GIVE_UP_MS / 1000} s` : ''}`,
    note,
  });
  return [
    row(
      `/api/teams/${inputs.team} (${results.samples.length} changes)`,
      results.api,
      `from the UpdateItem's answer to the first API answer showing it (polled every ${API_POLL_MS} ms): the snapshot is rebuilt at most once a second`,
    ),
    row(`/teams/${inputs.team} in Chromium`, results.browser, 'to the DOM showing it: the page polls the API every second (SWR), on top of the snapshot age'),
  ];
}
