/**
 * The State stage's domain code: decoding a Kinesis record into a risk message, the 60-second
 * freshness rule, and the StateTable item a message becomes (numbers as exact decimal strings).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { Hierarchy } from '../../lib/domain/hierarchy';
import { parseMessage, type RiskMessage } from '../../lib/domain/message';
import { centsToDecimal, toCents } from '../../lib/domain/money';

/** Messages older than this (by their Timestamp) are skipped by State (docs/game.md, "The pipeline and its handed-out defects"). */
export const MAX_MESSAGE_AGE_SECONDS = 60;

/** Decodes a Kinesis record's base64 `data` and parses the risk message it carries. */
export function decodeKinesisRecord(record: KinesisStreamRecord): RiskMessage {
  const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
  try {
    return parseMessage(data);
  } catch (error) {
    throw new Error(`Kinesis record ${record.kinesis.sequenceNumber} is not a risk message: ${(error as Error).message}`);
  }
}

/** Whether a message's Timestamp is more than 60 s before `nowSeconds`. */
export function isTooOld(message: RiskMessage, nowSeconds: number = Date.now() / 1000): boolean {
  return nowSeconds - message.Timestamp > MAX_MESSAGE_AGE_SECONDS;
}

/** The Hierarchy as a JSON string with its keys sorted, as StateTable stores it. */
export function hierarchyJson(hierarchy: Hierarchy): string {
  return JSON.stringify({ Region: hierarchy.Region, RiskType: hierarchy.RiskType, TradeDesk: hierarchy.TradeDesk });
}

/** A message's exact value as a decimal string with 2 decimals (e.g. 12.3 → "12.30"). */
export function exactValue(message: RiskMessage): string {
  return centsToDecimal(toCents(message.Value));
}

/** The StateTable item of a message: id = TradeID, Value, Version, Hierarchy (sorted JSON), Timestamp. */
export function stateItem(message: RiskMessage): Record<string, AttributeValue> {
  return {
    id: { S: message.TradeID },
    Value: { N: exactValue(message) },
    Version: { N: String(message.Version) },
    Hierarchy: { S: hierarchyJson(message.Hierarchy) },
    Timestamp: { N: String(message.Timestamp) },
  };
}
