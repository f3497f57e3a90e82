/**
 * The trade-risk message (docs/game.md, "Messages"): its type, its JSON form on the wire, its
 * partition key, and a strict parser for the receiving side.
 */
import { createHash } from 'node:crypto';
import { type Hierarchy, isHierarchy } from './hierarchy';

export interface RiskMessage {
  TradeID: string;
  /** Risk value, at most 2 decimals, 0.00 – 100000.00. */
  Value: number;
  /** Newer versions of a trade replace older ones. */
  Version: number;
  /** Seconds since the epoch (fractional). */
  Timestamp: number;
  Hierarchy: Hierarchy;
}

export const MAX_VALUE = 100_000;

/** Serialises a message the way it travels in a Kinesis record's `Data` (fixed field order). */
export function serialiseMessage(message: RiskMessage): string {
  return JSON.stringify({
    TradeID: message.TradeID,
    Value: message.Value,
    Version: message.Version,
    Timestamp: message.Timestamp,
    Hierarchy: {
      RiskType: message.Hierarchy.RiskType,
      Region: message.Hierarchy.Region,
      TradeDesk: message.Hierarchy.TradeDesk,
    },
  });
}

/** The record's partition key: lower-case hex SHA-256 of the serialised message. */
export function partitionKeyOf(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses and validates a serialised message; throws an Error naming the offending field. */
export function parseMessage(data: string): RiskMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new Error('message is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('message is not a JSON object');
  const candidate = parsed as Record<string, unknown>;
  if (typeof candidate.TradeID !== 'string' || candidate.TradeID.length === 0) {
    throw new Error('message field TradeID must be a non-empty string');
  }
  if (typeof candidate.Value !== 'number' || !(candidate.Value >= 0 && candidate.Value <= MAX_VALUE)) {
    throw new Error(`message field Value must be a number between 0 and ${MAX_VALUE}`);
  }
  if (!Number.isInteger(candidate.Version) || (candidate.Version as number) < 0) {
    throw new Error('message field Version must be an integer ≥ 0');
  }
  if (typeof candidate.Timestamp !== 'number' || !Number.isFinite(candidate.Timestamp)) {
    throw new Error('message field Timestamp must be a number (seconds since the epoch)');
  }
  if (!isHierarchy(candidate.Hierarchy)) {
    throw new Error('message field Hierarchy must be {RiskType, Region, TradeDesk} with known values');
  }
  return candidate as unknown as RiskMessage;
}
