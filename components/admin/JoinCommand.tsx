'use client';
/**
 * A remote team's join command in the organiser's console (room mode, docs/room.md): the command the
 * team runs on its laptop, with a copy button, and buttons to regenerate the token (the old one stops
 * working) or revoke it; and when the team's machine was last seen.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AdminTeam } from '@/lib/scoreboard/views/types';
import { formatClock } from '../format';
import { callApi } from './call-api';
import { Button } from './controls';

interface TokenView {
  joinToken: string | null;
  joinCommand: string | null;
}

export function JoinCommand({ team }: { team: AdminTeam }) {
  const [token, setToken] = useState<TokenView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const url = `/api/admin/teams/${team.slug}/token`;

  const load = useCallback(async () => {
    const result = await callApi<TokenView>('GET', url);
    setToken(result.ok ? result.data : null);
    setProblem(result.ok ? null : result.message);
  }, [url]);

  useEffect(() => {
    void load();
  }, [load]);

  async function change(method: 'POST' | 'DELETE') {
    const result = await callApi<TokenView>(method, url);
    if (!result.ok) setProblem(result.message);
    await load();
  }

  async function copy(text: string) {
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    setCopied(true);
  }

  const seen = team.remote?.lastSeenAt;
  return (
    <div className="space-y-2 rounded-lg bg-slate-950/60 p-3 text-sm" data-testid="join-command">
      <p className="text-xs text-slate-400">
        Its machine: {team.remote?.online ? 'online' : 'offline'}
        {seen ? `, last seen ${formatClock(seen)}` : ', never connected'}
        {team.remote?.agent ? ` (${team.remote.agent.host}, ${team.remote.agent.pipeline})` : ''}
      </p>
      {token?.joinCommand ? (
        <div className="flex flex-wrap items-center gap-2">
          <code className="min-w-0 flex-1 break-all text-emerald-200" data-testid="join-command-text">
            {token.joinCommand}
          </code>
          <Button onClick={() => copy(token.joinCommand!)}>{copied ? 'Copied' : 'Copy'}</Button>
        </div>
      ) : (
        <p className="text-amber-200">
          {problem ??
            'The join token was made under another organiser secret: it still works for the team’s agent, but cannot be shown. Regenerate it to show a new one.'}
        </p>
      )}
      <div className="flex gap-2">
        <Button onClick={() => change('POST')}>Regenerate token</Button>
        {token && (
          <Button tone="danger" onClick={() => change('DELETE')}>
            Revoke token
          </Button>
        )}
      </div>
    </div>
  );
}
