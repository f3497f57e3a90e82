/**
 * The web app's process-wide parts, made once per process (kept on globalThis, since Next.js may
 * load a module once per route bundle): configuration, the organiser store, the shared snapshot,
 * the runtime log follower, the public reads, the organiser gate and the organiser's actions, and
 * the agent gate and API of remote teams, and the organiser's own AWS credentials' expiry.
 */
import { AgentGate } from '../auth/join-tokens';
import { OrganiserGate } from '../auth/organiser';
import { SessionRevocations } from '../auth/revocations';
import { type Config, readConfig } from '../config';
import { RuntimeLogs } from '../scoreboard/logs';
import { SnapshotBuilder } from '../scoreboard/snapshot';
import { AgentRecords } from '../store/agent-records';
import { OrganiserStore } from '../store/organiser-store';
import { SessionRecords } from '../store/sessions';
import { AgentApi } from './agent-api';
import { OrganiserActions } from './organiser-actions';
import { OrganiserCredentials } from './organiser-credentials';
import { ScoreboardReads } from './scoreboard-reads';
import { TeamTokens } from './team-tokens';

export interface AppContext {
  config: Config;
  store: OrganiserStore;
  snapshots: SnapshotBuilder;
  reads: ScoreboardReads;
  gate: OrganiserGate;
  actions: OrganiserActions;
  /** Remote teams' agents: who a join token names, and what an agent may do. */
  agentGate: AgentGate;
  agents: AgentApi;
  /** Whether the organiser's AWS credentials last the event (AWS mode). */
  credentials: OrganiserCredentials;
}

const KEY = Symbol.for('stream-aggregation-game.web-context');
type Holder = { [KEY]?: AppContext };

function createContext(): AppContext {
  const config = readConfig();
  const defaults = {
    roundIntervalSeconds: config.ROUND_INTERVAL_SECONDS,
    roundMessages: config.ROUND_MESSAGES,
    roundDeadlineSeconds: config.ROUND_DEADLINE_SECONDS,
  };
  const store = new OrganiserStore({ region: config.AWS_REGION, dynamodbEndpoint: config.ORGANISER_STORE_ENDPOINT }, config.ORGANISER_TABLE, defaults);
  const localTeams = config.WORKSHOP_MODE === 'local';
  const snapshots = new SnapshotBuilder({ store, settingsDefaults: defaults, localTeams });
  const agentRecords = new AgentRecords(store);
  const agentGate = new AgentGate((hash) => agentRecords.teamOfToken(hash));
  const tokens = new TeamTokens(agentRecords, agentGate, config.ORGANISER_SECRET);
  return {
    config,
    store,
    snapshots,
    reads: new ScoreboardReads(snapshots, new RuntimeLogs(config.RUNTIME_URL), agentRecords),
    gate: new OrganiserGate(config.ORGANISER_SECRET, new SessionRevocations(new SessionRecords(store))),
    actions: new OrganiserActions(store, snapshots, config.AWS_REGION, localTeams, tokens),
    agentGate,
    agents: new AgentApi(store, agentRecords, config.PUBLIC_URL, config.PORT),
    credentials: new OrganiserCredentials({ aws: !localTeams, event: { startedAt: new Date(performance.timeOrigin), hours: config.EVENT_HOURS } }),
  };
}

/** The context of this process (throws ConfigError, with the variable named, on a bad environment). */
export function appContext(): AppContext {
  const holder = globalThis as Holder;
  holder[KEY] ??= createContext();
  return holder[KEY];
}
