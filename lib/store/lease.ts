/**
 * The scheduler's lease (one record, `LEASE`/`scheduler`): whoever holds it runs rounds. A holder
 * takes it when it is free or expired and renews it before it expires; every write that starts or
 * scores a round checks `leaseHeldBy` in the same transaction, so a scheduler that lost the lease
 * (paused, partitioned, replaced) can no longer change anything.
 */
import {
  allOf,
  anyOf,
  attributeAbove,
  attributeBelow,
  attributeIs,
  type Condition,
  conditionHeld,
  itemAbsent,
  type StoreTable,
  type TransactionPart,
} from './table';

const LEASE_KEY = { pk: 'LEASE', sk: 'scheduler' };

/** Proof of leadership: the holder id, checked inside every scoring transaction. */
export interface LeaseToken {
  holder: string;
}

/** The lease is `holder`'s and has not expired at `now` (epoch ms). */
export const leaseHeldBy = (lease: LeaseToken, now = Date.now()): Condition => allOf(attributeIs('holder', lease.holder), attributeAbove('expiresAt', now));

/** `holder` may take the lease at `now`: nobody has it, `holder` has it, or it expired. */
export const leaseFreeFor = (holder: string, now: number): Condition => anyOf(itemAbsent, attributeIs('holder', holder), attributeBelow('expiresAt', now));

export class LeaseRecords {
  constructor(private readonly table: StoreTable) {}

  /** Takes or renews the scheduler lease; false when another live holder has it. */
  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return conditionHeld(this.table.put(LEASE_KEY, { holder, expiresAt: now + ttlMs }, leaseFreeFor(holder, now)));
  }

  /** Gives the lease up, if `holder` still has it. */
  async release(holder: string): Promise<void> {
    await conditionHeld(this.table.delete(LEASE_KEY, attributeIs('holder', holder)));
  }

  /** The transaction part that fails the transaction unless `lease` is held now. */
  heldCheck(lease: LeaseToken): TransactionPart {
    return this.table.checkPart(LEASE_KEY, leaseHeldBy(lease));
  }
}
