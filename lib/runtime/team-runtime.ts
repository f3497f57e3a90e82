/**
 * One team in the local runtime: applies its wiring file (functions and triggers), watches its code
 * and wiring for edits (rebuilding and swapping code, adding or removing triggers without losing
 * checkpoints), and gives handlers the environment they would have on AWS Lambda.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { waitAtMost } from '../async';
import { errorMessage } from '../errors';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '../pipeline-resources';
import { FunctionRuntime, type FunctionStatus, MEMORY_LIMIT_MB, type TeamContext } from './execution/function-runtime';
import { handlerFileProblem } from './execution/handler-file';
import { handlerEnvironment } from './execution/lambda-environment';
import { type SandboxStatus, TeamSandbox } from './execution/team-sandbox';
import type { LogBuffer } from './logs/log-buffer';
import type { RuntimeTeam } from './runtime';
import { TriggerRuntime, type TriggerStatus } from './streams/trigger';
import { parseWiring, type TriggerConfig, triggerKey, WIRING_FILE, type Wiring } from './wiring';

/** Edits arriving within this time are handled together (an editor's save can be several events). */
const CHANGE_DEBOUNCE_MS = 100;
/** How long applying the wiring waits for new triggers to position themselves in their streams. */
const TRIGGER_START_TIMEOUT_MS = 10_000;

export interface TeamFunctionStatus extends FunctionStatus {
  triggers: TriggerStatus[];
}

export interface TeamStatus {
  slug: string;
  codeDirectory: string;
  wiring: { valid: boolean; problem?: string };
  /** The process the team's handlers run in. */
  sandbox: SandboxStatus;
  functions: Partial<Record<PipelineFunction, TeamFunctionStatus>>;
}

export interface SharedRuntimeFiles {
  bundleDirectory: string;
  workerHostFile: string;
  sandboxFile: string;
}

export interface TeamRuntimeOptions extends SharedRuntimeFiles {
  /** Memory cap of the team's sandbox process. */
  sandboxMemoryMb: number;
}

function describeTrigger(trigger: TriggerConfig): string {
  const window = trigger.maximumBatchingWindowInSeconds ? `, window ${trigger.maximumBatchingWindowInSeconds} s` : '';
  const retries = trigger.maximumRetryAttempts >= 0 ? `, at most ${trigger.maximumRetryAttempts} retries` : '';
  return `batch size ${trigger.batchSize}${window}, starting at ${trigger.startingPosition}${retries}`;
}

export class TeamRuntime {
  private team: RuntimeTeam;
  private readonly context: TeamContext;
  private wiringText?: string;
  private wiringProblem?: string;
  private readonly functions = new Map<PipelineFunction, FunctionRuntime>();
  private readonly triggers = new Map<string, TriggerRuntime>();
  private watcher?: FSWatcher;
  private readonly changedFiles = new Set<string>();
  private changeTimer?: NodeJS.Timeout;
  /** Wiring and code changes are applied one after another. */
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;

  private readonly sandbox: TeamSandbox;

  constructor(
    team: RuntimeTeam,
    options: TeamRuntimeOptions,
    readonly logs: LogBuffer,
  ) {
    this.team = team;
    this.sandbox = new TeamSandbox({
      slug: team.slug,
      sandboxFile: options.sandboxFile,
      workingDirectory: team.codeDirectory,
      memoryLimitMb: options.sandboxMemoryMb,
      output: (fn, requestId, level, message) => this.logs.append({ function: fn, requestId, kind: 'output', level, message }),
      notice: (fn, level, message) => (fn ? this.logs.append({ function: fn, kind: 'system', level, message }) : this.announce(level, message)),
    });
    const { bundleDirectory, workerHostFile } = options;
    this.context = { slug: team.slug, connection: team.connection, logs, bundleDirectory, workerHostFile, sandbox: this.sandbox };
  }

  get slug(): string {
    return this.team.slug;
  }

  get definition(): RuntimeTeam {
    return this.team;
  }

  /** Starts the sandbox, loads the wiring, builds the functions, starts the triggers and the file watcher. */
  async start(): Promise<void> {
    await this.sandbox.start();
    await this.enqueue(() => this.reloadWiring());
    await this.watchCode();
  }

  /** Same team, new code directory or environment: checkpoints are kept. */
  async update(team: RuntimeTeam): Promise<void> {
    const movedCode = team.codeDirectory !== this.team.codeDirectory;
    this.team = team;
    for (const fn of this.functions.values()) fn.setEnvironment(this.handlerEnvironment(fn));
    if (movedCode) {
      await this.watcher?.close();
      this.wiringText = undefined;
      await this.enqueue(() => this.reloadWiring());
      await this.watchCode();
    }
  }

  private enqueue(change: () => Promise<void>): Promise<void> {
    this.changes = this.changes
      .then(() => (this.stopped ? undefined : change()))
      .catch((error: unknown) => this.announce('error', `could not apply a change of the code or wiring: ${errorMessage(error)}`));
    return this.changes;
  }

  /** A handler's environment: Lambda's variables, the team's tables and what the wiring declares; nothing of the host's. */
  private handlerEnvironment(fn: FunctionRuntime): Record<string, string> {
    const { connection, resources, environment, codeDirectory } = this.team;
    return handlerEnvironment({
      functionName: fn.functionName,
      handler: fn.settings.handler,
      codeDirectory,
      memorySizeMb: MEMORY_LIMIT_MB,
      connection,
      resources,
      team: environment,
      declared: fn.settings.environment,
    });
  }

  private get wiringFile(): string {
    return path.join(this.team.codeDirectory, WIRING_FILE);
  }

  /** A team-wide message goes to every function's log, so a per-function view shows it too. */
  announce(level: 'info' | 'warn' | 'error', message: string): void {
    const functions = this.functions.size > 0 ? [...this.functions.keys()] : PIPELINE_FUNCTIONS;
    for (const name of functions) this.logs.append({ function: name, kind: 'system', level, message });
  }

  private async reloadWiring(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.wiringFile, 'utf8');
    } catch (error) {
      this.wiringProblem = `cannot read ${this.wiringFile}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`;
      this.wiringText = undefined;
      this.announce('error', `${this.wiringProblem}; the previous wiring stays in effect`);
      return;
    }
    if (text === this.wiringText) return;
    const parsed = parseWiring(text);
    if (!parsed.ok) {
      this.wiringProblem = parsed.problem;
      this.wiringText = undefined;
      this.announce('error', `${parsed.problem}; the previous wiring stays in effect`);
      return;
    }
    for (const [name, config] of Object.entries(parsed.wiring.functions)) {
      const problem = config && (await handlerFileProblem(this.team.codeDirectory, config.handler));
      if (!problem) continue;
      this.wiringProblem = `${WIRING_FILE} is invalid: functions.${name}.handler: ${problem}`;
      this.wiringText = undefined;
      this.announce('error', `${this.wiringProblem}; the previous wiring stays in effect`);
      return;
    }
    if (this.wiringProblem) this.announce('info', `${WIRING_FILE} is valid again`);
    this.wiringProblem = undefined;
    this.wiringText = text;
    await this.applyWiring(parsed.wiring);
  }

  private async applyWiring(wiring: Wiring): Promise<void> {
    const wanted = new Map(wiring.triggers.map((trigger) => [triggerKey(trigger), trigger]));
    for (const [key, trigger] of this.triggers) {
      if (wanted.has(key)) continue;
      this.triggers.delete(key);
      void trigger.stop();
      this.functions.get(trigger.settings.function)?.log({ kind: 'system', level: 'info', message: `trigger from ${trigger.settings.source} removed` });
    }
    const builds: Promise<void>[] = [];
    for (const name of PIPELINE_FUNCTIONS) {
      const config = wiring.functions[name];
      const existing = this.functions.get(name);
      if (!config) {
        if (existing) {
          this.functions.delete(name);
          existing.log({ kind: 'system', level: 'info', message: `function removed from ${WIRING_FILE}` });
          await existing.stop();
        }
        continue;
      }
      if (existing) {
        builds.push(existing.configure(config, this.team.codeDirectory));
      } else {
        const fn = new FunctionRuntime(this.context, name, config, this.team.codeDirectory, {});
        this.functions.set(name, fn);
        builds.push(fn.build());
      }
    }
    for (const fn of this.functions.values()) fn.setEnvironment(this.handlerEnvironment(fn));
    await Promise.all(builds);
    const started: Promise<void>[] = [];
    for (const [key, config] of wanted) {
      const fn = this.functions.get(config.function)!;
      const existing = this.triggers.get(key);
      if (!existing) {
        const trigger = new TriggerRuntime(config, fn, this.context, this.team.resources);
        this.triggers.set(key, trigger);
        started.push(trigger.ready);
        fn.log({ kind: 'system', level: 'info', message: `trigger from ${config.source} added (${describeTrigger(config)})` });
      } else if (JSON.stringify(existing.settings) !== JSON.stringify(config)) {
        existing.update(config);
        fn.log({ kind: 'system', level: 'info', message: `trigger from ${config.source} changed (${describeTrigger(config)}); checkpoints kept` });
      }
    }
    await waitAtMost(Promise.all(started), TRIGGER_START_TIMEOUT_MS);
  }

  private async watchCode(): Promise<void> {
    if (this.stopped) return;
    const watcher = watch(this.team.codeDirectory, {
      ignoreInitial: true,
      ignored: /(^|[/\\])(node_modules|\.git)([/\\]|$)/,
    });
    this.watcher = watcher;
    watcher.on('all', (_event, file) => this.noteChange(path.resolve(file)));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watchInputs();
  }

  /** Also watch the files a bundle pulls in from outside the code directory (shared code). */
  private watchInputs(): void {
    const inside = this.team.codeDirectory + path.sep;
    const outside = [...this.functions.values()].flatMap((fn) => [...fn.inputs]).filter((file) => !file.startsWith(inside));
    if (outside.length > 0) this.watcher?.add(outside);
  }

  private noteChange(file: string): void {
    this.changedFiles.add(file);
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => {
      const files = new Set(this.changedFiles);
      this.changedFiles.clear();
      void this.enqueue(() => this.applyChanges(files));
    }, CHANGE_DEBOUNCE_MS);
  }

  private async applyChanges(files: Set<string>): Promise<void> {
    if (files.has(this.wiringFile)) await this.reloadWiring();
    const builds = [...this.functions.values()]
      .filter((fn) => fn.codeState.state === 'build-error' || [...files].some((file) => fn.inputs.has(file)))
      .map((fn) => fn.build());
    await Promise.all(builds);
    this.watchInputs();
  }

  status(): TeamStatus {
    const functions: TeamStatus['functions'] = {};
    for (const [name, fn] of this.functions) {
      const triggers = [...this.triggers.values()].filter((trigger) => trigger.settings.function === name).map((trigger) => trigger.status());
      functions[name] = { ...fn.status(), triggers };
    }
    return {
      slug: this.team.slug,
      codeDirectory: this.team.codeDirectory,
      wiring: { valid: !this.wiringProblem, problem: this.wiringProblem },
      sandbox: this.sandbox.status(),
      functions,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.changeTimer);
    await this.watcher?.close();
    await this.changes;
    const triggersStopped = Promise.all([...this.triggers.values()].map((trigger) => trigger.stop()));
    this.triggers.clear();
    await Promise.all([...this.functions.values()].map((fn) => fn.stop()));
    this.functions.clear();
    await this.sandbox.stop();
    await triggersStopped;
  }
}
