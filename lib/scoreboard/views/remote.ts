/**
 * A remote team's machine as the views show it (room mode, docs/room.md): when its agent was last
 * seen, whether that makes it online now, and what the agent said about itself.
 */
import { agentOnline } from '@/lib/store/agent-records';
import type { Team } from '@/lib/store/types';
import type { RemoteState } from './types';

export function remoteState(team: Team, now: number): RemoteState | null {
  if (!team.remote) return null;
  return { lastSeenAt: team.remote.lastSeenAt, online: agentOnline(team, now), agent: team.remote.agent };
}
