'use client';
/**
 * The organiser's console: rounds and schedule, freezing and announcements, teams (add, edit,
 * reset, remove), exports, and the live standings (live even while the public board is frozen).
 */
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import type { AdminView } from '@/lib/scoreboard/views/types';
import { useLive } from '../live/use-live';
import { Announcement } from '../standings/BoardNotices';
import { RoundStatus } from '../standings/RoundStatus';
import { StandingsTable } from '../standings/StandingsTable';
import { teamColours } from '../standings/team-colours';
import { Notice, Panel } from '../ui';
import { AddTeamForm } from './AddTeamForm';
import { BoardControls } from './BoardControls';
import { CredentialWarning } from './CredentialWarning';
import { callApi } from './call-api';
import { Button } from './controls';
import { ImportTeams } from './ImportTeams';
import { MachineCapacityPanel } from './MachineCapacity';
import { RoundControls } from './RoundControls';
import { TeamList } from './TeamList';

export type Report = (tone: 'success' | 'error', message: string) => void;

/** Runs an organiser API call and reports its outcome; returns whether it worked. */
export type Act = (method: string, url: string, body: unknown, success: string) => Promise<boolean>;

export function AdminConsole({ initial }: { initial: AdminView }) {
  const router = useRouter();
  const { data, error, mutate } = useLive<AdminView>('/api/admin/scoreboard', initial);
  const [feedback, setFeedback] = useState<{ tone: 'success' | 'error'; message: string; at: number } | null>(null);
  const view = data ?? initial;

  useEffect(() => {
    if (!feedback || feedback.tone === 'error') return;
    const timer = setTimeout(() => setFeedback(null), 8000);
    return () => clearTimeout(timer);
  }, [feedback]);

  const act: Act = useCallback(
    async (method, url, body, success) => {
      const result = await callApi(method, url, body);
      setFeedback({ tone: result.ok ? 'success' : 'error', message: result.ok ? success : result.message, at: Date.now() });
      if (result.status === 401) router.refresh();
      if (result.ok) await mutate();
      return result.ok;
    },
    [mutate, router],
  );

  async function signOut() {
    await callApi('DELETE', '/api/admin/session');
    router.refresh();
  }

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Organiser</h1>
          <p className="mt-1 text-sm text-slate-400">Changes reach the scheduler through the organiser store within about a second.</p>
        </div>
        <div className="flex items-end gap-5">
          <RoundStatus board={view.live} />
          <Button onClick={signOut}>Sign out</Button>
        </div>
      </div>
      <div aria-live="polite" className="fixed right-4 bottom-4 z-50 w-[min(28rem,calc(100vw-2rem))] shadow-2xl" data-testid="feedback">
        {feedback && (
          <Notice key={feedback.at} tone={feedback.tone}>
            <div className="flex items-start justify-between gap-3">
              <span>{feedback.message}</span>
              <button type="button" onClick={() => setFeedback(null)} className="text-sm opacity-70 hover:opacity-100" aria-label="dismiss">
                ✕
              </button>
            </div>
          </Notice>
        )}
      </div>
      {error && error.status !== 401 && (
        <Notice tone="error" title="Lost contact with the scoreboard server — retrying">
          {error.message}
        </Notice>
      )}
      {error?.status === 401 && (
        <Notice tone="warn" title="Your session ended">
          Sign in again to keep organising.
        </Notice>
      )}
      <CredentialWarning />
      {view.live.problem && (
        <Notice tone="warn" title="Problem">
          {view.live.problem}
        </Notice>
      )}
      <Announcement board={view.live} />
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
        <RoundControls view={view} act={act} />
        <BoardControls view={view} act={act} />
      </div>
      <TeamList view={view} act={act} />
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <AddTeamForm act={act} localTeams={view.localTeams} capacity={view.capacity} roundMessages={view.live.roundMessages} />
        <div className="space-y-5">
          {view.capacity && <MachineCapacityPanel capacity={view.capacity} />}
          <ImportTeams act={act} />
          <Panel title="Export">
            <p className="mb-3 text-sm text-slate-400">CSV files of the live standings and of every round of every team.</p>
            <div className="flex flex-wrap gap-2">
              <a
                href="/api/admin/export/standings"
                download
                className="rounded-lg bg-slate-800 px-3 py-2 text-sm font-semibold ring-1 ring-slate-700 ring-inset hover:bg-slate-700"
                data-testid="export-standings"
              >
                Standings CSV
              </a>
              <a
                href="/api/admin/export/rounds"
                download
                className="rounded-lg bg-slate-800 px-3 py-2 text-sm font-semibold ring-1 ring-slate-700 ring-inset hover:bg-slate-700"
                data-testid="export-rounds"
              >
                All rounds CSV
              </a>
            </div>
          </Panel>
        </div>
      </div>
      <Panel title={view.live.frozen ? 'Live standings (the public board is frozen)' : 'Live standings'}>
        {view.live.teams.length === 0 ? (
          <p className="text-slate-400">No teams yet: add one above.</p>
        ) : (
          <StandingsTable teams={view.live.teams} colours={teamColours(view.live.scoreHistory.teams)} />
        )}
      </Panel>
    </div>
  );
}
