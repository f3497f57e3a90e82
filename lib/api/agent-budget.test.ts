/** The per-team budget of agent calls (./agent-budget.ts), on a clock of the test's. */
import { describe, expect, it } from 'vitest';
import { AgentCallBudget } from './agent-budget';

function budgetAt(start = 0) {
  const clock = { now: start };
  return { clock, budget: new AgentCallBudget(() => clock.now, { burst: 10, perSecond: 2 }) };
}

describe('a team’s budget of agent calls', () => {
  it('grants a full bucket at once, then refuses, saying how many whole seconds until the call would be granted', () => {
    const { budget } = budgetAt();
    for (let call = 0; call < 10; call++) expect(budget.take('blue', 1)).toBeNull();
    expect(budget.take('blue', 1)).toBe(1);
    expect(budget.take('blue', 5)).toBe(3);
  });

  it('refills at its rate, never beyond the full bucket', () => {
    const { clock, budget } = budgetAt();
    for (let call = 0; call < 10; call++) budget.take('blue', 1);
    clock.now += 1500;
    expect(budget.take('blue', 3)).toBeNull();
    expect(budget.take('blue', 1)).toBe(1);
    clock.now += 3_600_000;
    for (let call = 0; call < 10; call++) expect(budget.take('blue', 1)).toBeNull();
    expect(budget.take('blue', 1)).not.toBeNull();
  });

  it('keeps every team’s bucket apart: one team’s spent budget refuses nothing of another’s', () => {
    const { budget } = budgetAt();
    for (let call = 0; call < 12; call++) budget.take('blue', 1);
    expect(budget.take('blue', 1)).not.toBeNull();
    expect(budget.take('green', 10)).toBeNull();
  });

  it('leaves an honest agent’s busiest minute inside the budget: a call every 250 ms, a log batch and a hello', () => {
    const clock = { now: 0 };
    const budget = new AgentCallBudget(() => clock.now);
    expect(budget.take('blue', 5)).toBeNull();
    for (let call = 0; call < 240; call++, clock.now += 250) expect(budget.take('blue', call % 60 === 0 ? 5 : 1)).toBeNull();
  });
});
