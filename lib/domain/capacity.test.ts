import { describe, expect, it } from 'vitest';
import {
  type BusySpan,
  busySpan,
  capacityBasis,
  DEFAULT_CPU_MS_PER_MESSAGE,
  keptSpans,
  localTeamWarning,
  MEASURED_MESSAGES_KEPT,
  machineCapacity,
  measurementOf,
  type StackReading,
} from './capacity';

function teamsOf(kind: string, count: number) {
  return Array.from({ length: count }, () => ({ kind, active: true }));
}

/** A reading of the stack: CPU ms by process id, messages processed by team. */
function reading(at: number, cpu: Record<number, number>, messages: Record<string, number>, busy = false): StackReading {
  const byProcess = Object.entries(cpu).map(([pid, ms]): [number, number] => [Number(pid), ms]);
  return { at, cpuMsByProcess: new Map(byProcess), messagesByTeam: new Map(Object.entries(messages)), busy };
}

describe('busySpan', () => {
  it('sums the CPU the processes used and the messages the teams processed between two readings', () => {
    const before = reading(0, { 10: 1000, 11: 500 }, { reference: 2000, 'my-team': 0 });
    const after = reading(5000, { 10: 4000, 11: 1500 }, { reference: 4000, 'my-team': 1000 });
    expect(busySpan(before, after)).toEqual({ endedAt: 5000, cpuMs: 4000, messages: 3000 });
  });

  it('is null for an idle span (no messages, not busy at either reading), whatever the idle CPU', () => {
    expect(busySpan(reading(0, { 10: 1000 }, { reference: 2000 }), reading(5000, { 10: 1090 }, { reference: 2000 }))).toBeNull();
  });

  it('counts a span without new messages while a pipeline is at work at either end (Map and Reduce after State)', () => {
    const span = busySpan(reading(0, { 10: 1000 }, { reference: 2000 }, true), reading(5000, { 10: 3000 }, { reference: 2000 }));
    expect(span).toEqual({ endedAt: 5000, cpuMs: 2000, messages: 0 });
  });

  it('counts a process and a team first seen from then on, a process gone not at all, and a counter that went back from zero', () => {
    const before = reading(0, { 10: 1000, 12: 700 }, { reference: 9000 });
    const after = reading(5000, { 10: 1500, 13: 2600 }, { reference: 300, 'new-team': 50 });
    expect(busySpan(before, after)).toEqual({ endedAt: 5000, cpuMs: 500, messages: 300 });
  });
});

describe('keptSpans and measurementOf', () => {
  const span = (endedAt: number, cpuMs: number, messages: number): BusySpan => ({ endedAt, cpuMs, messages });

  it('keeps the newest spans holding at least the messages kept, and all of them while fewer', () => {
    const spans = [span(1, 100, 30_000), span(2, 200, 30_000), span(3, 300, 25_000), span(4, 400, 0)];
    expect(keptSpans(spans)).toEqual(spans.slice(1));
    expect(keptSpans(spans.slice(2))).toEqual(spans.slice(2));
    expect(MEASURED_MESSAGES_KEPT).toBe(50_000);
  });

  it('adds the kept spans up', () => {
    expect(measurementOf([span(1, 1400.4, 1000), span(2, 1400.4, 1000)], 2, new Date('2026-12-02T07:00:00Z'))).toEqual({
      cpuMs: 2801,
      messages: 2000,
      cores: 2,
      measuredAt: '2026-12-02T07:00:00.000Z',
    });
  });
});

describe('machineCapacity', () => {
  it('carries half the cores’ time within the deadline at the measured CPU per message; only active local teams count', () => {
    const capacity = machineCapacity({
      measurement: { cpuMs: 48_000, messages: 20_000, cores: 2, measuredAt: '' },
      cores: 8,
      settings: { roundDeadlineSeconds: 30, roundMessages: 10_000 },
      teams: [...teamsOf('local', 2), ...teamsOf('remote', 3), ...teamsOf('aws', 1), { kind: 'local', active: false }],
    });
    // 2 cores × 30 s × ½ = 30,000 ms of CPU; at 2.4 ms a message, 12,500 messages; the measurement's cores win.
    expect(capacity).toEqual({
      cores: 2,
      deadlineSeconds: 30,
      cpuMsPerMessage: 2.4,
      measuredMessages: 20_000,
      messagesPerRound: 12_500,
      localTeams: 2,
      localMessagesPerRound: 20_000,
    });
    expect(capacityBasis(capacity)).toBe(
      "2 cores, the 30 s deadline, 2.40 ms of CPU per message, measured over this machine's last 20,000 local-team messages",
    );
  });

  it('assumes the README’s 1.4 ms per message on this machine’s cores until 1,000 messages were measured', () => {
    const inputs = { cores: 4, settings: { roundDeadlineSeconds: 30, roundMessages: 10_000 }, teams: [] };
    for (const measurement of [null, { cpuMs: 5000, messages: 999, cores: 4, measuredAt: '' }]) {
      const capacity = machineCapacity({ ...inputs, measurement });
      expect(capacity.cpuMsPerMessage).toBe(DEFAULT_CPU_MS_PER_MESSAGE);
      expect(capacity.measuredMessages).toBe(0);
      expect(capacity.messagesPerRound).toBe(Math.floor(60_000 / 1.4));
      expect(capacityBasis(capacity)).toContain('(assumed until this machine has measured 1,000 local-team messages)');
    }
  });

  it('grows with the deadline and the cores', () => {
    const base = { measurement: { cpuMs: 1000, messages: 1000, cores: 2, measuredAt: '' }, cores: 2, teams: [] };
    const settings = (roundDeadlineSeconds: number) => ({ roundDeadlineSeconds, roundMessages: 1000 });
    expect(machineCapacity({ ...base, settings: settings(30) }).messagesPerRound).toBe(30_000);
    expect(machineCapacity({ ...base, settings: settings(60) }).messagesPerRound).toBe(60_000);
    expect(machineCapacity({ ...base, settings: settings(30), measurement: { ...base.measurement, cores: 4 } }).messagesPerRound).toBe(60_000);
  });
});

describe('localTeamWarning', () => {
  const capacityWith = (localTeams: number, roundMessages: number) =>
    machineCapacity({
      measurement: { cpuMs: 2000, messages: 1000, cores: 2, measuredAt: '' },
      cores: 2,
      settings: { roundDeadlineSeconds: 30, roundMessages },
      teams: [...teamsOf('local', localTeams), ...teamsOf('remote', 10)],
    });

  it('is null while another local team still fits, exactly up to the capacity', () => {
    // 2 cores × 30 s × ½ ÷ 2 ms = 15,000 messages a round.
    expect(capacityWith(0, 10_000).messagesPerRound).toBe(15_000);
    expect(localTeamWarning(capacityWith(0, 10_000), 10_000)).toBeNull();
    expect(localTeamWarning(capacityWith(2, 5000), 5000)).toBeNull();
  });

  it('says what the machine carries, on what basis, what the local teams would get, and what to do instead', () => {
    expect(localTeamWarning(capacityWith(1, 10_000), 10_000)).toBe(
      "this machine carries about 15,000 local-team messages per round (2 cores, the 30 s deadline, 2.00 ms of CPU per message, measured over this machine's last 1,000 local-team messages); " +
        'with 2 local teams of 10,000 messages it would get 20,000, so rounds are likely to miss the deadline. ' +
        'Use fewer messages per round, or add the team as remote (on its own laptop) or on AWS.',
    );
    expect(localTeamWarning(capacityWith(3, 5000), 5000)).toContain('with 4 local teams of 5,000 messages it would get 20,000');
  });
});
