/**
 * The round scheduler (docs/game.md, "A round" and "Void rounds"): a single leader, by a lease in the organiser store, runs a round
 * for every active team every `roundIntervalSeconds`, each team on its own so that one broken
 * pipeline never delays another, records every round as it progresses, scores it at most once,
 * carries out organiser commands, and voids rounds a crashed leader left running.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AgentHub } from '@/lib/agent-stream/hub';
import { warmCredentials } from '@/lib/aws/clients';
import { errorMessage } from '@/lib/errors';
import { DEFAULT_FAILURE_PERCENTAGES } from '@/lib/pipeline-resources';
import { AgentRecords, type RemoteRoundReads } from '@/lib/store/agent-records';
import { type LeaseToken, type OrganiserStore, ROUNDS_PER_START } from '@/lib/store/organiser-store';
import type { FailurePercentages, Lab, Round, Settings, Team } from '@/lib/store/types';
import { agentChannel, REMOTE_POLL_INTERVAL_MS, REMOTE_READ_WINDOW_MS, roundOffer } from './agent-channel';
import { BurstWorkers, type MadeRound } from './burst-workers';
import { type RoundPlan, type RoundTotals, roundTotals } from './messages';
import { roundSeed } from './random';
import { type RoundGenerator, type RoundHooks, type RoundProgress, type RoundSettings, runRoundOver } from './round';
import { closedRound, voidRound } from './scoring';
import { type BurstSender, sdkChannel, type TeamChannel } from './team-channel';

export const LEASE_TTL_MS = 15_000;
export const LEASE_RENEW_MS = 5_000;
export const TICK_MS = 1_000;
/** The first round after becoming leader (or after a pause) starts this soon, or one interval if shorter. */
export const FIRST_ROUND_DELAY_MS = 10_000;
/**
 * A timed round's messages are made this long before its scheduled start (issue 13 point 2), stamped
 * with that start, so that at the start every team's burst only waits for its baseline: made at the
 * start on the one worker thread, 50 teams' rounds took up to 27 s to begin (bench figure 7).
 */
export const MAKE_AHEAD_MS = 15_000;
/**
 * A timed round starts this long before its scheduled time (at most a quarter of the interval and a lease renewal):
 * its teams are listed, its round records written and each local or aws team's tables prepared
 * (failure percentages, baseline) before that time, and every burst waits for it (issue 13 point 8).
 * At the scheduled time, 100 teams' starts took ~1.35 s more before their bursts (bench figure 7).
 * A remote team's round is recorded at the scheduled time (its agent starts it on seeing it).
 */
export const START_LEAD_MS = 3000;
const CLOSE_ATTEMPTS = 5;
const STOP_GRACE_MS = 5_000;

export const INTERRUPTED_REASON = 'interrupted: the scheduler stopped during this round';
export const STOPPED_REASON = 'the scheduler was stopped during this round';

const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };
/** Stands in for the team when closing a round that awards no points (the team is not touched). */
const UNSCORED = { lab: 1 as Lab, labOverride: null, score: 0 };

export interface SchedulerOptions {
  store: OrganiserStore;
  /** This process's name in the lease (unique per process by default). */
  holder?: string;
  leaseTtlMs?: number;
  /** Default: every 5 s, or a third of a shorter lease. */
  leaseRenewMs?: number;
  tickMs?: number;
  firstRoundDelayMs?: number;
  /** Default START_LEAD_MS. */
  startLeadMs?: number;
  /** Remote teams' agent streams (lib/agent-stream/hub.ts): their rounds are offered down them and read from what they report. */
  agentHub?: AgentHub;
  log?: (line: string) => void;
}

type Plan = Omit<RoundPlan, 'now'>;

/** The rounds of the next timed round, made ahead for the round number it was expected to get. */
interface MadeAhead {
  /** The scheduled start (ms since the epoch). */
  at: number;
  rounds: Map<string, { plan: Plan; made: Promise<MadeRound> }>;
}

const samePlan = (a: Plan, b: Plan) => a.seed === b.seed && a.lab === b.lab && a.messages === b.messages;

/** A timed round's start: begun ahead of its scheduled time, with the settings read and the rounds made ahead. */
interface TimedStart {
  /** The scheduled start (ms since the epoch). */
  at: number;
  settings: Settings;
  ahead: MadeAhead | null;
}

interface RunningRound {
  round: Round;
  controller: AbortController;
  done: Promise<void>;
}

/** The lab's failure percentages for a team (Lab 1: none). */
export function failurePercentagesFor(team: Pick<Team, 'failurePercentages'>, lab: Lab): FailurePercentages {
  return lab === 2 ? (team.failurePercentages ?? { ...DEFAULT_FAILURE_PERCENTAGES }) : NO_FAILURES;
}

/** Whether rounds can run for a team now: AWS and remote teams always (an agent offline fails its round), local teams once their resources are ready. */
export function isReady(team: Team): boolean {
  return team.kind === 'aws' || team.kind === 'remote' || team.local?.status === 'ready';
}

/** How the scheduler reaches a local or AWS team's pipeline for its rounds, its bursts sent by `sendBurst` (remote teams: ./agent-channel.ts). */
export function channelFor(team: Team, sendBurst: BurstSender<MadeRound>): TeamChannel<MadeRound> {
  return sdkChannel({ connection: team.connection, resources: team.resources }, sendBurst);
}

/**
 * A team's round record as it starts, and the settings it runs with (a remote team's offer is in its
 * record). Given `sendAt`, a time to come, the round started ahead of it: it is recorded as started
 * then, and its burst waits for it.
 */
function roundFor(
  team: Team,
  number: number,
  settings: Settings,
  secret: Uint8Array,
  sendAt: number | undefined,
): { round: Round; roundSettings: RoundSettings } {
  const lab = team.labOverride ?? team.lab;
  const round: Round = {
    team: team.slug,
    number,
    lab,
    seed: roundSeed(secret, team.slug, number),
    status: 'running',
    startedAt: new Date(sendAt ?? Date.now()).toISOString(),
    points: 0,
  };
  const roundSettings: RoundSettings = {
    seed: round.seed,
    lab,
    messages: settings.roundMessages,
    deadlineSeconds: settings.roundDeadlineSeconds,
    failurePercentages: failurePercentagesFor(team, lab),
    sendAt,
  };
  if (team.kind === 'remote') round.offer = roundOffer(roundSettings, new Date(round.startedAt));
  return { round, roundSettings };
}

/**
 * Calls `write` once per turn of the event loop with the fields given during that turn merged: a
 * round's "baseline read" and "sending started" come within one turn and make one store update.
 */
function mergedPerTurn<T extends object>(write: (fields: T) => void): (fields: T) => void {
  let pending: T | null = null;
  return (fields) => {
    if (pending) {
      Object.assign(pending, fields);
      return;
    }
    pending = { ...fields };
    setImmediate(() => {
      const merged = pending!;
      pending = null;
      write(merged);
    });
  };
}

/** A remote round's progress less what the agent's `start` and `sent` already wrote on its record, with the same values (lib/store/agent-records.ts). */
function withoutAgentReports({ sendStartedAt: _started, sentAt: _sent, deadlineAt: _deadline, ...rest }: Partial<RoundProgress>): Partial<RoundProgress> {
  return rest;
}

/**
 * `channel`, whose `prepare` also waits for the round's record (written meanwhile) and fails when it
 * could not be written: no burst is sent for a round the store does not have.
 */
function recordedBeforeSending<R extends RoundTotals>(channel: TeamChannel<R>, recorded: Promise<boolean>): TeamChannel<R> {
  return {
    ...channel,
    async prepare(failurePercentages, signal) {
      const preparing = channel.prepare(failurePercentages, signal);
      preparing.catch(() => undefined); // reported below once the record is written
      if (!(await recorded)) throw new Error('the round could not be recorded');
      return preparing;
    },
  };
}

export class Scheduler {
  readonly holder: string;
  private readonly store: OrganiserStore;
  /** What remote teams' rounds look at (room mode): their agents' reports and uploads, one BatchGetItem per look for all of them. */
  private readonly remoteReads: RemoteRoundReads;
  private readonly agentHub: AgentHub | null;
  private readonly leaseTtlMs: number;
  private readonly leaseRenewMs: number;
  private readonly tickMs: number;
  private readonly firstRoundDelayMs: number;
  private readonly startLeadMs: number;
  /** How long before its scheduled time the next timed round starts (START_LEAD_MS, or less: see there). */
  private leadMs = 0;
  private readonly log: (line: string) => void;
  private leader = false;
  private leaseRenewedAt = 0;
  private nextRoundAt: number | null = null;
  private readonly running = new Map<string, RunningRound>();
  /** Makes every team's messages and sends its bursts on worker threads: the ticks, table reads and store calls here never wait for them. */
  private readonly bursts = new BurstWorkers();
  private readonly sendBurst: BurstSender<MadeRound> = (round, { connection, resources }, options) =>
    this.bursts.send(round, connection, resources.streamName, options);
  private madeAhead: MadeAhead | null = null;
  private timer: NodeJS.Timeout | null = null;
  private tickInProgress: Promise<void> | null = null;
  /** When the tick in progress began (performance.now()), null between ticks. */
  private tickStartedAt: number | null = null;
  private stopping = false;
  /** The last tick's failure, logged once until ticks succeed again. */
  private lastTickError: string | null = null;

  constructor(options: SchedulerOptions) {
    this.store = options.store;
    const storeReads = new AgentRecords(options.store).batchedRoundReads(REMOTE_READ_WINDOW_MS);
    this.agentHub = options.agentHub ?? null;
    this.remoteReads = this.agentHub ? this.agentHub.reads(storeReads) : storeReads;
    this.holder = options.holder ?? `scheduler-${randomUUID()}`;
    this.leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
    this.leaseRenewMs = options.leaseRenewMs ?? Math.min(LEASE_RENEW_MS, this.leaseTtlMs / 3);
    this.tickMs = options.tickMs ?? TICK_MS;
    this.firstRoundDelayMs = options.firstRoundDelayMs ?? FIRST_ROUND_DELAY_MS;
    this.startLeadMs = options.startLeadMs ?? START_LEAD_MS;
    this.log = options.log ?? ((line) => console.log(line));
  }

  get isLeader(): boolean {
    return this.leader;
  }

  private get lease(): LeaseToken {
    return { holder: this.holder };
  }

  /** Starts ticking: lease, commands and the round timer, once a second. */
  start(): void {
    const loop = () => {
      if (this.stopping) return;
      this.tickStartedAt = performance.now();
      this.tickInProgress = this.tick().finally(() => {
        this.tickInProgress = null;
        this.tickStartedAt = null;
        if (!this.stopping) this.timer = setTimeout(loop, this.untilNextTickMs());
      });
    };
    loop();
  }

  /** The tick interval, or less when the next round's start is due sooner: it starts at its time, not up to a tick later. */
  private untilNextTickMs(): number {
    const untilRound = this.nextRoundAt === null ? Number.POSITIVE_INFINITY : this.nextRoundAt - this.leadMs - Date.now();
    return this.leader && untilRound > 0 && untilRound < this.tickMs ? untilRound : this.tickMs;
  }

  /**
   * How long the tick in progress has been running (0 between ticks). Every call a tick makes has a
   * deadline, so a tick running longer than the lease means something hangs that should not: the
   * scheduler's process watches this and exits (scheduler-main.ts), and its supervisor restarts it.
   */
  get tickRunningMs(): number {
    return this.tickStartedAt === null ? 0 : performance.now() - this.tickStartedAt;
  }

  /** Voids this scheduler's running rounds, gives up the lease and stops ticking. */
  async stop(reason = STOPPED_REASON): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tickInProgress;
    const rounds = [...this.running.values()];
    for (const running of rounds) running.controller.abort(reason);
    await Promise.race([Promise.all(rounds.map((running) => running.done)), sleep(STOP_GRACE_MS)]);
    await Promise.all([...this.running.values()].map((running) => this.closeWithRetries(voidRound(running.round, reason), 1)));
    if (this.leader) {
      this.leader = false;
      await this.store.updateSettings({ nextRoundAt: null }).catch((error) => this.log(`could not clear the next round time: ${errorMessage(error)}`));
      await this.store.releaseLease(this.holder).catch((error) => this.log(`could not release the lease: ${errorMessage(error)}`));
    }
    this.discard(this.madeAhead);
    await this.bursts.close();
  }

  /** Resolves once every round this scheduler has running now has closed. */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((running) => running.done));
  }

  /** One tick: keep or take the lease, then (as leader) commands and the round timer. */
  async tick(): Promise<void> {
    try {
      await this.maintainLease();
      if (this.leader && !this.stopping) {
        // One store call a tick reads both (commands only start rounds, which do not change the settings); a command is taken only when there is one.
        const { settings, commands } = await this.store.settingsAndCommands();
        for (const command of commands.length > 0 ? await this.store.takeCommands(commands) : []) {
          this.log(`organiser command: start a round for ${command.teams?.join(', ') ?? 'all active teams'}`);
          await this.startRounds(command.teams);
        }
        await this.followTimer(settings);
      }
      this.lastTickError = null;
    } catch (error) {
      const problem = errorMessage(error);
      if (problem !== this.lastTickError) this.log(`scheduler tick failed (retrying every tick): ${problem}`);
      this.lastTickError = problem;
    }
  }

  private async maintainLease(): Promise<void> {
    const now = Date.now();
    if (this.leader && now - this.leaseRenewedAt > this.leaseTtlMs) this.loseLeadership('the lease expired before it could be renewed');
    if (this.leader && now - this.leaseRenewedAt < this.leaseRenewMs) return;
    const held = await this.store.acquireLease(this.holder, this.leaseTtlMs);
    if (!held) {
      if (this.leader) this.loseLeadership('another scheduler holds the lease');
      return;
    }
    this.leaseRenewedAt = now;
    if (this.leader) return;
    this.leader = true;
    this.nextRoundAt = null;
    this.log(`${this.holder} leads the rounds`);
    await this.voidInterruptedRounds();
  }

  private loseLeadership(why: string): void {
    this.leader = false;
    this.log(`no longer leading the rounds: ${why}`);
    for (const running of this.running.values()) running.controller.abort(`the scheduler stopped leading: ${why}`);
  }

  /** Closes as void every round left running by a scheduler that is gone. */
  private async voidInterruptedRounds(): Promise<void> {
    for (const marker of await this.store.listRunningRounds()) {
      if (this.running.get(marker.team)?.round.number === marker.number) continue;
      const round = await this.store.getRound(marker.team, marker.number);
      if (round?.status !== 'running') continue;
      if (await this.store.closeRound(voidRound(round, INTERRUPTED_REASON), this.lease, UNSCORED)) {
        this.log(`round ${round.number} of ${round.team} was interrupted: closed as void`);
      }
    }
  }

  /** Starts the next round when its time has come, and keeps `nextRoundAt` in the settings for the countdown. */
  private async followTimer(settings: Settings): Promise<void> {
    const now = Date.now();
    const interval = settings.roundIntervalSeconds * 1000;
    if (settings.paused) {
      this.nextRoundAt = null;
      this.discard(this.madeAhead);
      this.madeAhead = null;
      if (settings.nextRoundAt !== null) await this.store.updateSettings({ nextRoundAt: null });
      return;
    }
    if (this.nextRoundAt === null || this.nextRoundAt > now + interval) {
      const stored = settings.nextRoundAt ? Date.parse(settings.nextRoundAt) : Number.NaN;
      this.nextRoundAt = stored > now && stored <= now + interval ? stored : now + Math.min(interval, this.firstRoundDelayMs);
    }
    // The tick waits for the scheduled time after such a start: within a lease renewal too.
    this.leadMs = Math.min(this.startLeadMs, interval / 4, this.leaseRenewMs);
    if (now >= this.nextRoundAt - this.leadMs) {
      const startingAt = this.nextRoundAt;
      const following = this.nextRoundAt + interval;
      this.nextRoundAt = following > now ? following : now + interval;
      const ahead = this.madeAhead?.at === startingAt ? this.madeAhead : null;
      if (!ahead) this.discard(this.madeAhead);
      this.madeAhead = null;
      const nextRoundAt = new Date(this.nextRoundAt).toISOString();
      try {
        // The countdown shows this round's time until it comes (a first round may begin ahead at once), then the next time.
        const showing = new Date(startingAt).toISOString();
        const countdown = async () => {
          if (settings.nextRoundAt !== showing) await this.store.updateSettings({ nextRoundAt: showing });
          await sleep(startingAt - Date.now());
          await this.store.updateSettings({ nextRoundAt });
        };
        const [counted, started] = await Promise.allSettled([countdown(), this.startRounds(undefined, { at: startingAt, settings, ahead })]);
        if (started.status === 'rejected') throw started.reason;
        if (counted.status === 'rejected') throw counted.reason;
      } finally {
        this.discard(ahead); // the rounds made ahead that no team took
      }
      return;
    }
    const nextRoundAt = new Date(this.nextRoundAt).toISOString();
    if (settings.nextRoundAt !== nextRoundAt) await this.store.updateSettings({ nextRoundAt });
    if (this.nextRoundAt - now <= MAKE_AHEAD_MS && this.madeAhead?.at !== this.nextRoundAt) this.makeAhead(this.nextRoundAt, settings);
  }

  /** Lets the burst workers forget the rounds made ahead that were not taken (a team takes its own out of `rounds`). */
  private discard(ahead: MadeAhead | null): void {
    for (const { made } of ahead?.rounds.values() ?? []) made.then((round) => this.bursts.release(round)).catch(() => undefined);
    ahead?.rounds.clear();
  }

  /**
   * Makes the next timed round's messages on the worker for every team it will likely start, under the
   * round number it will likely get (the counter's next); the round takes a team's only when its plan
   * (seed, lab, messages) is still the same at the start, and makes it then otherwise.
   */
  private makeAhead(at: number, settings: Settings): void {
    this.discard(this.madeAhead);
    const ahead: MadeAhead = { at, rounds: new Map() };
    this.madeAhead = ahead;
    const making = async () => {
      const [teams, secret, number] = await Promise.all([this.store.listTeams(), this.store.roundSeedSecret(), this.store.peekRoundNumber()]);
      for (const team of teams) {
        if (!team.active || team.kind === 'remote' || !isReady(team)) continue;
        const plan: Plan = { seed: roundSeed(secret, team.slug, number), lab: team.labOverride ?? team.lab, messages: settings.roundMessages };
        const made = this.bursts.make(plan, at, team.connection);
        made.catch(() => undefined); // a round that fails here is made again at the start (see launch)
        void warmCredentials(team.connection); // its table calls' role credentials, assumed or renewed now rather than at the start
        ahead.rounds.set(team.slug, { plan, made });
      }
    };
    making().catch((error) => this.log(`could not make the next round ahead (it is made at its start): ${errorMessage(error)}`));
  }

  /**
   * Starts a round (one shared round number) for the named teams, or for every active team; skips
   * local teams that are not ready and teams whose previous round still runs. Returns the round
   * number, or null when no team could start one. The rounds themselves run in the background. A
   * timed round (`timed`) may start ahead of its scheduled time: local and aws teams' rounds are
   * recorded and prepared now and send at that time; remote teams' are recorded at that time.
   */
  async startRounds(slugs?: readonly string[], timed?: TimedStart): Promise<number | null> {
    if (!this.leader || this.stopping) return null;
    const allTeams = await this.store.listTeams();
    const teams = allTeams.filter((team) => (slugs ? slugs.includes(team.slug) : team.active));
    for (const slug of slugs ?? []) if (!allTeams.some((team) => team.slug === slug)) this.log(`skipping ${slug}: no such team`);
    const eligible = teams.filter((team) => {
      if (!isReady(team)) this.log(`skipping ${team.slug}: its local pipeline is ${team.local?.status ?? 'not set up'}`);
      else if (this.running.has(team.slug)) this.log(`skipping ${team.slug}: its previous round is still running`);
      else return true;
      return false;
    });
    if (eligible.length === 0) return null;
    const settings = timed?.settings ?? (await this.store.getSettings());
    const secret = await this.store.roundSeedSecret();
    const number = await this.store.allocateRoundNumber();
    const ahead = timed?.ahead ?? null;
    const sendAt = () => (timed && timed.at > Date.now() ? timed.at : undefined);
    this.recordAndLaunch(
      eligible.filter((team) => team.kind !== 'remote'),
      { number, settings, secret, sendAt: sendAt() },
      ahead,
    );
    const remote = eligible.filter((team) => team.kind === 'remote');
    if (remote.length === 0) return number;
    if (timed && timed.at > Date.now()) await sleep(timed.at - Date.now());
    if (this.leader && !this.stopping) this.recordAndLaunch(remote, { number, settings, secret, sendAt: sendAt() }, null);
    return number;
  }

  /**
   * Writes the teams' round records, ROUNDS_PER_START to a transaction (100 teams: 3 transactions, not
   * 100), while each team's round goes on in the background: its burst waits for its record. A team
   * whose record was refused (recorded already) does not start; the others do.
   */
  private recordAndLaunch(
    teams: readonly Team[],
    start: { number: number; settings: Settings; secret: Uint8Array; sendAt: number | undefined },
    ahead: MadeAhead | null,
  ): void {
    const { number } = start;
    for (let first = 0; first < teams.length; first += ROUNDS_PER_START) {
      const chunk = teams.slice(first, first + ROUNDS_PER_START);
      const rounds = chunk.map((team) => roundFor(team, number, start.settings, start.secret, start.sendAt));
      const refusals = this.store
        .startRounds(
          rounds.map(({ round }) => round),
          this.lease,
        )
        .then(
          (refused) => {
            for (const round of refused) this.log(`round ${number} of ${round.team} could not start: its record exists already`);
            return new Set(refused.map((round) => round.team));
          },
          (error: unknown) => {
            this.log(`round ${number} of ${chunk.map((team) => team.slug).join(', ')} could not start: ${errorMessage(error)}`);
            return null;
          },
        );
      chunk.forEach((team, index) => {
        const madeAhead = ahead?.rounds.get(team.slug);
        ahead?.rounds.delete(team.slug);
        const { round, roundSettings } = rounds[index]!;
        const recorded = refusals.then((refused) => refused !== null && !refused.has(team.slug));
        this.launch(team, round, roundSettings, recorded, madeAhead);
      });
    }
  }

  /**
   * Starts one team's round in the background, once `recorded` (its record being written) says it
   * was; `madeAhead` is its timed round made ahead, used when the plan is the same.
   */
  private launch(
    team: Team,
    round: Round,
    roundSettings: RoundSettings,
    recorded: Promise<boolean>,
    madeAhead?: { plan: Plan; made: Promise<MadeRound> },
  ): void {
    const generate: RoundGenerator<MadeRound> = (plan) => {
      // Stamped with the scheduled start when the round began ahead of it, as a round made ahead is.
      const makeNow = () => this.bursts.make(plan, roundSettings.sendAt, team.connection);
      if (madeAhead && samePlan(madeAhead.plan, plan)) return madeAhead.made.catch(makeNow);
      madeAhead?.made.then((unused) => this.bursts.release(unused)).catch(() => undefined);
      return makeNow();
    };
    const controller = new AbortController();
    const running: RunningRound = { round, controller, done: Promise.resolve() };
    this.running.set(team.slug, running);
    running.done = this.runTeamRound(team, round, recorded, controller.signal, roundSettings, generate).finally(() => {
      if (this.running.get(team.slug) === running) this.running.delete(team.slug);
    });
  }

  private async runTeamRound(
    team: Team,
    round: Round,
    recorded: Promise<boolean>,
    signal: AbortSignal,
    settings: RoundSettings,
    generate: RoundGenerator<MadeRound>,
  ): Promise<void> {
    // A local or aws team's tables are prepared while its round is recorded (one store call less
    // before its burst, which waits for the record); a remote team's agent is offered the round from
    // its record, so that is written first.
    if (team.kind === 'remote') {
      if (!(await recorded)) return;
      this.agentHub?.offer(round);
    }
    let closing: Round;
    try {
      const hooks: RoundHooks = {
        signal,
        onProgress: mergedPerTurn((progress) => {
          const fields = team.kind === 'remote' ? withoutAgentReports(progress) : progress;
          if (Object.keys(fields).length === 0) return;
          this.store.updateRunningRound(round.team, round.number, fields).catch((error) => {
            if (!(error instanceof ConditionalCheckFailedException))
              this.log(`progress of round ${round.number} of ${team.slug} not recorded: ${errorMessage(error)}`);
          });
        }),
      };
      let made: MadeRound | null = null;
      const outcome =
        team.kind === 'remote'
          ? await runRoundOver(
              agentChannel({ reads: this.remoteReads, team, round }),
              { ...settings, pollIntervalMs: REMOTE_POLL_INTERVAL_MS },
              hooks,
              async (plan) => roundTotals(plan),
            )
          : await runRoundOver(recordedBeforeSending(channelFor(team, this.sendBurst), recorded), settings, hooks, async (plan) => {
              made = await generate(plan);
              return made;
            }).finally(() => {
              if (made) this.bursts.release(made); // its records, when the round ended before its burst took them
            });
      closing = closedRound(round, outcome);
    } catch (error) {
      closing = voidRound(round, `the generator failed: ${errorMessage(error)}`);
    }
    if (!(await recorded)) return; // no record to close, and nothing was sent
    if (team.kind === 'remote') this.agentHub?.closed(round);
    const closed = await this.closeWithRetries(closing);
    if (closed) this.log(`round ${round.number} of ${team.slug} (lab ${round.lab}): ${summary(closing)}`);
  }

  /** Closes a round and awards its points, at most once; retries when the store does not answer. */
  private async closeWithRetries(round: Round, attempts = CLOSE_ATTEMPTS): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const team = round.points > 0 ? await this.store.getTeam(round.team) : null;
        const closing = round.points > 0 && !team ? voidRound(round, 'the team was deleted during the round') : round;
        return await this.store.closeRound(closing, this.lease, team ?? UNSCORED);
      } catch (error) {
        if (attempt >= attempts) {
          this.log(`round ${round.number} of ${round.team} could not be closed (${errorMessage(error)}); the next leader will void it`);
          return false;
        }
        await sleep(500 * 2 ** attempt);
      }
    }
  }
}

function summary(round: Round): string {
  if (round.status === 'passed') return `passed, correct after ${((round.timeToCorrectMs ?? 0) / 1000).toFixed(1)} s (+${round.points})`;
  if (round.status === 'void') return `void (${round.voidReason})`;
  return `failed: ${round.diagnosis?.code ?? 'unknown'}: ${round.diagnosis?.message ?? ''}`;
}
