/**
 * Reads of single records gathered into BatchGetItem calls: a `get` waits up to `windowMs` for others
 * to join it and is answered from one strongly consistent call for all of them, made after each was
 * asked (never an answer read before the question). The scheduler's remote rounds look at their
 * round records, uploaded tables and team records through one of these (generator/agent-channel.ts):
 * rounds that began together poll together, so N remote teams cost one store call per look, not N.
 */
import { type ItemKey, keyId, type StoreTable } from './table';

interface Asked {
  key: ItemKey;
  answers: Array<{ resolve: (record: unknown) => void; reject: (error: unknown) => void }>;
}

export class BatchedGets {
  /** The keys asked for since the pending call was scheduled (null: no call pending). */
  private pending: Map<string, Asked> | null = null;

  constructor(
    private readonly table: StoreTable,
    private readonly windowMs: number,
  ) {}

  get<T>(key: ItemKey): Promise<T | null> {
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        const batch = new Map<string, Asked>();
        this.pending = batch;
        setTimeout(() => this.read(batch), this.windowMs);
      }
      const id = keyId(key);
      const asked = this.pending.get(id) ?? { key, answers: [] };
      asked.answers.push({ resolve: resolve as (record: unknown) => void, reject });
      this.pending.set(id, asked);
    });
  }

  private async read(batch: Map<string, Asked>): Promise<void> {
    if (this.pending === batch) this.pending = null;
    const asked = [...batch.values()];
    try {
      const records = await this.table.getMany(asked.map(({ key }) => key));
      asked.forEach(({ answers }, index) => {
        for (const { resolve } of answers) resolve(records[index]);
      });
    } catch (error) {
      for (const { answers } of asked) for (const { reject } of answers) reject(error);
    }
  }
}
