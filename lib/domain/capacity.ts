/**
 * How many local-team messages per round the organiser's machine can carry (issue 10 point 5): the
 * CPU its local teams' stack (function runtime and sandboxes, the teams' DynamoDB Locals, the Kinesis
 * emulator) spends per message, measured over recent rounds, against the cores' time within the
 * round's deadline. Remote and AWS teams run their pipelines elsewhere and do not count. Pure: the
 * supervisor reads /proc and the runtime (lib/local/capacity-meter.ts), the console and the API
 * show and check what these functions compute.
 */

/** CPU per message assumed until this machine has measured its own: the README's Performance figure (one local team, 2 cores). */
export const DEFAULT_CPU_MS_PER_MESSAGE = 1.4;

/**
 * The share of the cores' time within the deadline that the estimate plans for. The measured cost of
 * a message grows when local teams share the cores (1.41 ms alone, 2.48 ms with two teams at once in
 * the README's Performance figure 1), the scheduler and the web app need their share, and a team's
 * work cannot spread evenly over the cores (a shard runs one batch at a time): so half, not all.
 */
export const PLANNED_CORE_SHARE = 0.5;

/** Messages measured before the measurement replaces the default. */
export const MIN_MEASURED_MESSAGES = 1000;

/** The measurement keeps the newest spans that together hold at least this many messages (about 5 rounds of 10,000). */
export const MEASURED_MESSAGES_KEPT = 50_000;

/** One reading of the local teams' stack. */
export interface StackReading {
  /** When it was read, ms since the epoch. */
  at: number;
  /** CPU time each process has used so far (user + system), ms, by process id. */
  cpuMsByProcess: ReadonlyMap<number, number>;
  /** Messages each local team's State function has processed so far, by slug. */
  messagesByTeam: ReadonlyMap<string, number>;
  /** Whether any local pipeline was at work when read (an invocation running, records waiting in a shard). */
  busy: boolean;
}

/** The CPU the stack spent and the messages its pipelines processed between two readings while they worked. */
export interface BusySpan {
  endedAt: number;
  cpuMs: number;
  messages: number;
}

/** What the organiser store keeps: the stack's CPU over the recent messages, on this many cores. */
export interface CpuMeasurement {
  cpuMs: number;
  messages: number;
  cores: number;
  measuredAt: string;
}

/** Growth of a counter between readings; a counter that went back (its process restarted) counts from zero. */
function growth(before: number | undefined, after: number): number {
  if (before === undefined) return 0;
  return after >= before ? after - before : after;
}

/**
 * The span between two readings if the local pipelines worked in it (messages processed, or busy at
 * either reading); null for an idle span, so that the emulators' idle polling does not count against
 * the messages. A process first seen in `current` counts from there (its start-up is not a message's cost).
 */
export function busySpan(previous: StackReading, current: StackReading): BusySpan | null {
  let cpuMs = 0;
  for (const [pid, ms] of current.cpuMsByProcess) {
    const before = previous.cpuMsByProcess.get(pid);
    if (before !== undefined) cpuMs += Math.max(0, ms - before);
  }
  let messages = 0;
  for (const [slug, count] of current.messagesByTeam) messages += growth(previous.messagesByTeam.get(slug), count);
  if (messages === 0 && !previous.busy && !current.busy) return null;
  return { endedAt: current.at, cpuMs, messages };
}

/** The newest spans that together hold at least MEASURED_MESSAGES_KEPT messages (all of them while fewer). */
export function keptSpans(spans: readonly BusySpan[]): BusySpan[] {
  let messages = 0;
  for (let index = spans.length - 1; index >= 0; index--) {
    messages += spans[index]!.messages;
    if (messages >= MEASURED_MESSAGES_KEPT) return spans.slice(index);
  }
  return [...spans];
}

/** The measurement over the spans kept. */
export function measurementOf(spans: readonly BusySpan[], cores: number, now: Date): CpuMeasurement {
  return {
    cpuMs: Math.round(spans.reduce((sum, span) => sum + span.cpuMs, 0)),
    messages: spans.reduce((sum, span) => sum + span.messages, 0),
    cores,
    measuredAt: now.toISOString(),
  };
}

/** What the console shows and the API checks. */
export interface MachineCapacity {
  cores: number;
  deadlineSeconds: number;
  /** CPU per message the estimate uses. */
  cpuMsPerMessage: number;
  /** Messages that CPU was measured over; 0 when it is the default (this machine has not measured enough yet). */
  measuredMessages: number;
  /** Local-team messages per round this machine can carry within the deadline. */
  messagesPerRound: number;
  /** Active local teams now. */
  localTeams: number;
  /** Messages per round the active local teams get now. */
  localMessagesPerRound: number;
}

export interface CapacityInputs {
  /** The stack's measurement; null before the supervisor wrote one. */
  measurement: CpuMeasurement | null;
  /** Cores of this machine when no measurement says. */
  cores: number;
  /** The round settings: the deadline, and messages per team and round. */
  settings: { roundDeadlineSeconds: number; roundMessages: number };
  /** Every team: only active local ones run their pipelines on this machine (remote and AWS teams run elsewhere). */
  teams: ReadonlyArray<{ kind: string; active: boolean }>;
}

export function machineCapacity(inputs: CapacityInputs): MachineCapacity {
  const { measurement, settings } = inputs;
  const measured = measurement !== null && measurement.messages >= MIN_MEASURED_MESSAGES && measurement.cpuMs > 0;
  const cpuMsPerMessage = measured ? measurement.cpuMs / measurement.messages : DEFAULT_CPU_MS_PER_MESSAGE;
  const cores = measurement?.cores ?? inputs.cores;
  const localTeams = inputs.teams.filter((team) => team.kind === 'local' && team.active).length;
  return {
    cores,
    deadlineSeconds: settings.roundDeadlineSeconds,
    cpuMsPerMessage,
    measuredMessages: measured ? measurement.messages : 0,
    messagesPerRound: Math.floor((cores * settings.roundDeadlineSeconds * 1000 * PLANNED_CORE_SHARE) / cpuMsPerMessage),
    localTeams,
    localMessagesPerRound: localTeams * settings.roundMessages,
  };
}

/** Where the estimate's CPU per message comes from, in words. */
export function capacityBasis(capacity: MachineCapacity): string {
  const cpu = `${capacity.cpuMsPerMessage.toFixed(2)} ms of CPU per message`;
  const source =
    capacity.measuredMessages > 0
      ? `${cpu}, measured over this machine's last ${capacity.measuredMessages.toLocaleString('en')} local-team messages`
      : `${cpu} (assumed until this machine has measured ${MIN_MEASURED_MESSAGES.toLocaleString('en')} local-team messages)`;
  return `${capacity.cores} core${capacity.cores === 1 ? '' : 's'}, the ${capacity.deadlineSeconds} s deadline, ${source}`;
}

/** The warning for adding `added` local teams at `roundMessages` each, or null when they fit. */
export function localTeamWarning(capacity: MachineCapacity, roundMessages: number, added = 1): string | null {
  const after = capacity.localMessagesPerRound + added * roundMessages;
  if (after <= capacity.messagesPerRound) return null;
  const teams = capacity.localTeams + added;
  return (
    `this machine carries about ${capacity.messagesPerRound.toLocaleString('en')} local-team messages per round (${capacityBasis(capacity)}); ` +
    `with ${teams} local team${teams === 1 ? '' : 's'} of ${roundMessages.toLocaleString('en')} messages it would get ${after.toLocaleString('en')}, ` +
    'so rounds are likely to miss the deadline. Use fewer messages per round, or add the team as remote (on its own laptop) or on AWS.'
  );
}
