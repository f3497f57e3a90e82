/**
 * Comparing a presented organiser secret with the configured one in constant time: both are hashed
 * to the same length first, so neither the content nor the length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function secretMatches(presented: string, secret: string): boolean {
  return timingSafeEqual(digest(presented), digest(secret));
}
