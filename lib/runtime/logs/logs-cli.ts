/**
 * Prints a team's function logs from the local runtime:
 * `npm run logs -- --team my-team [--function state] [--follow] [--limit 200] [--url http://127.0.0.1:3001]`.
 * Exits 2 with one line saying why when the runtime is unreachable or the team is unknown.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
import { Command, Option } from 'commander';
import { wholeNumber } from '@/lib/cli-options';
import { errorMessage } from '@/lib/errors';
import { PIPELINE_FUNCTIONS } from '@/lib/pipeline-resources';
import type { LogEntry } from './log-entry';

const FOLLOW_INTERVAL_MS = 1_000;

class CliError extends Error {}

const options = new Command()
  .name('npm run logs --')
  .description("Show a team's function logs from the local runtime")
  .requiredOption('--team <slug>', 'the team, e.g. my-team')
  .addOption(new Option('--function <name>', 'only this function').choices([...PIPELINE_FUNCTIONS]))
  .option('--follow', 'keep printing new entries', false)
  .option('--limit <n>', 'how many recent entries to print first', wholeNumber(), 200)
  .option('--url <url>', "the runtime's URL (or RUNTIME_URL)", process.env.RUNTIME_URL || 'http://127.0.0.1:3001')
  .parse()
  .opts<{ team: string; function?: string; follow: boolean; limit: number; url: string }>();

const color = process.stdout.isTTY;
const paint = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text);

function clock(time: string): string {
  const date = new Date(time);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** One entry as a line (plus its stack for failed invocations). */
function formatEntry(entry: LogEntry): string {
  const request = entry.requestId ? entry.requestId.slice(0, 8) : 'runtime ';
  const prefix = `${paint('gray', clock(entry.time))} ${entry.function.padEnd(6)} ${paint('gray', request)} `;
  const text = entry.stack && entry.outcome !== 'success' ? `${entry.message}\n${entry.stack.replace(/^/gm, '    ')}` : entry.message;
  if (entry.level === 'error') return prefix + paint('red', text);
  if (entry.level === 'warn') return prefix + paint('yellow', text);
  if (entry.kind === 'system') return prefix + paint('cyan', text);
  if (entry.kind === 'start' || entry.kind === 'end') return prefix + paint('dim', text);
  return prefix + text;
}

async function fetchEntries(after?: number): Promise<LogEntry[]> {
  const url = new URL('/logs', options.url);
  url.searchParams.set('team', options.team);
  if (options.function) url.searchParams.set('function', options.function);
  if (after !== undefined) url.searchParams.set('after', String(after));
  url.searchParams.set('limit', String(after === undefined ? options.limit : 1000));
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? errorMessage(error);
    throw new CliError(`cannot reach the local runtime at ${options.url} (${cause}); is the workshop running (npm start)?`);
  }
  const body = (await response.json().catch(() => ({}))) as { entries?: LogEntry[]; error?: string };
  if (response.status === 404) throw new CliError(`${body.error ?? 'unknown team'}: the runtime runs no team "${options.team}"`);
  if (!response.ok || !body.entries) throw new CliError(`the runtime answered ${response.status}: ${body.error ?? 'no entries'}`);
  return body.entries;
}

async function main(): Promise<void> {
  let entries = await fetchEntries();
  let last = entries.at(-1)?.id ?? 0;
  for (const entry of entries) console.log(formatEntry(entry));
  while (options.follow) {
    await sleep(FOLLOW_INTERVAL_MS);
    entries = await fetchEntries(last);
    for (const entry of entries) console.log(formatEntry(entry));
    last = entries.at(-1)?.id ?? last;
  }
}

main().catch((error: Error) => {
  console.error(error instanceof CliError ? error.message : `logs: ${error.message}`);
  process.exit(2);
});
