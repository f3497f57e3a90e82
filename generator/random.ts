/**
 * The generator's seeded pseudo-random numbers (mulberry32, a small well-known 32-bit generator):
 * the same seed gives the same trade IDs, values, hierarchies, duplicates and modifications.
 */
import { createHmac, randomInt } from 'node:crypto';

const TWO_POW_32 = 2 ** 32;

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.state = Number(BigInt.asUintN(32, BigInt(seed)));
  }

  /** The next 32-bit unsigned integer (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A number in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    // int(n) is below n, so the index is in the list.
    return items[this.int(items.length)] as T;
  }

  /** Moves past the numbers `uuid()` would take, without making the UUID. */
  skipUuid(): void {
    for (let draw = 0; draw < 4; draw++) this.nextUint32();
  }

  /** A random (version 4) UUID made from this generator's numbers. */
  uuid(): string {
    const bytes = Buffer.alloc(16);
    for (let offset = 0; offset < 16; offset += 4) bytes.writeUInt32BE(this.nextUint32(), offset);
    bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x40, 6);
    bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

/**
 * The seed of a scheduled round: HMAC-SHA256 of the team and the round number under the event's
 * secret (lib/store/event-secret.ts). It can be replayed by whoever has the secret (the organiser's
 * store), and computed by nobody else before the round is sent.
 */
export function roundSeed(secret: Uint8Array, team: string, roundNumber: number): number {
  return createHmac('sha256', secret).update(`${team}#${roundNumber}`).digest().readUInt32BE(0);
}

/** A fresh seed for an ad-hoc round, from the operating system's cryptographic random source. */
export function randomSeed(): number {
  return randomInt(0, TWO_POW_32);
}
