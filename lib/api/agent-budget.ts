/**
 * How much one remote team's agent may ask of this web app (docs/room.md, "What an agent may ask"):
 * a participant holding a join token, or a broken agent, who loops over the agent API slows only
 * its own team down, never the organiser's other teams' rounds. Each team has a bucket of calls
 * (AGENT_CALL_BUDGET) that refills at a steady rate; a call that finds it short is answered 429 with
 * Retry-After, which the agent waits out. An honest agent makes 9–14 calls a round and at most
 * a few a second while its table changes, far inside it. Buckets are per web app instance, kept in
 * memory per team slug (a token names the team: no other key can grow the map).
 */

/** Calls a team's bucket holds when full, and how many it regains per second. */
export const AGENT_CALL_BUDGET = { burst: 60, perSecond: 5 } as const;

/**
 * What a call takes from the bucket: one, but a log batch (up to 1 MB to parse, merge and keep) and
 * `hello` (a store write of what the agent says about itself) cost the organiser more, so they take more.
 */
export const AGENT_CALL_COSTS = { call: 1, hello: 5, logs: 5 } as const;

/** Long polls a team may have held at once on one web app: one agent holds one; two laptops on one token hold two. */
export const HELD_POLLS_PER_TEAM = 4;

interface Bucket {
  calls: number;
  at: number;
}

export class AgentCallBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly budget: { burst: number; perSecond: number } = AGENT_CALL_BUDGET,
  ) {}

  /** Takes `cost` calls from the team's bucket: null when granted, else the whole seconds until it would be. */
  take(team: string, cost: number): number | null {
    const now = this.now();
    const bucket = this.buckets.get(team);
    const calls = bucket ? Math.min(this.budget.burst, bucket.calls + ((now - bucket.at) / 1000) * this.budget.perSecond) : this.budget.burst;
    const granted = calls >= cost;
    this.buckets.set(team, { calls: granted ? calls - cost : calls, at: now });
    return granted ? null : Math.max(1, Math.ceil((cost - calls) / this.budget.perSecond));
  }
}
