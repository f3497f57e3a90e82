/**
 * Deterministic hashes of a trigger batch: the same records (as a retry delivers them) always give
 * the same hash. Map uses it as the ReduceTable MessageId; Reduce as its ClientRequestToken.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal records serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) => {
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) return nested;
    const source = nested as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(source)
        .sort()
        .map((key) => [key, source[key]]),
    );
  });
}

/** Lower-case hex SHA-256 of the whole batch (64 characters). */
export function batchHash(records: readonly unknown[]): string {
  return createHash('sha256').update(canonicalJson(records)).digest('hex');
}

/** DynamoDB accepts a ClientRequestToken of 1 to 36 characters. */
export const CLIENT_REQUEST_TOKEN_MAX_LENGTH = 36;

/** A ClientRequestToken for a batch: the first 32 hex characters (128 bits) of its hash. */
export function batchToken(records: readonly unknown[]): string {
  return batchHash(records).slice(0, 32);
}
