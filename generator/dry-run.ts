/**
 * The dry run's files: `messages.jsonl` (one Kinesis record per line, in send order, duplicates
 * included) and `expected.json` (the 18 expected totals as exact decimal numbers, and the counts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { centsToDecimal } from '@/lib/domain/money';
import type { GeneratedRound } from './messages';

/** One `{"Data": …, "PartitionKey": …}` line per record. */
export function messagesJsonl(round: GeneratedRound): string {
  return round.records.map((record) => `${JSON.stringify({ Data: record.Data, PartitionKey: record.PartitionKey })}\n`).join('');
}

/** `{"totals": {key: decimal number, …}, "counts": {…}}`, totals written exactly from cents (e.g. 12.30). */
export function expectedJson(round: GeneratedRound): string {
  const totals = AGGREGATION_KEYS.map((key) => `    ${JSON.stringify(key)}: ${centsToDecimal(round.expected[key] ?? 0)}`).join(',\n');
  const counts = Object.entries(round.counts)
    .map(([name, value]) => `    ${JSON.stringify(name)}: ${value}`)
    .join(',\n');
  return `{\n  "totals": {\n${totals}\n  },\n  "counts": {\n${counts}\n  }\n}\n`;
}

/** Writes both files into `directory` (created if needed); returns their paths. */
export async function writeDryRun(round: GeneratedRound, directory: string): Promise<{ messages: string; expected: string }> {
  await mkdir(directory, { recursive: true });
  const files = { messages: path.join(directory, 'messages.jsonl'), expected: path.join(directory, 'expected.json') };
  await writeFile(files.messages, messagesJsonl(round));
  await writeFile(files.expected, expectedJson(round));
  return files;
}
