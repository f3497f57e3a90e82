'use client';
/** Freezing the public standings and posting an announcement on every screen. */
import { type FormEvent, useState } from 'react';
import type { AdminView } from '@/lib/scoreboard/views/types';
import { formatClock } from '../format';
import { Panel } from '../ui';
import type { Act } from './AdminConsole';
import { Button, Input } from './controls';

export function BoardControls({ view, act }: { view: AdminView; act: Act }) {
  const { live } = view;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);

  async function run(method: string, url: string, body: unknown, success: string): Promise<boolean> {
    setBusy(true);
    const ok = await act(method, url, body, success);
    setBusy(false);
    return ok;
  }

  async function announce(event: FormEvent) {
    event.preventDefault();
    if (await run('POST', '/api/admin/announcement', { text }, 'Announcement posted on every screen.')) setText('');
  }

  return (
    <Panel title="Public board">
      <div className="flex flex-wrap items-center gap-3">
        {live.frozen ? (
          <Button
            tone="warn"
            disabled={busy}
            onClick={() => run('POST', '/api/admin/freeze', { frozen: false }, 'Standings unfrozen: everybody sees them live again.')}
            data-testid="unfreeze"
          >
            Unfreeze the standings
          </Button>
        ) : (
          <Button
            disabled={busy}
            onClick={() =>
              run('POST', '/api/admin/freeze', { frozen: true }, 'Standings frozen: the public board keeps today’s order; you still see it live below.')
            }
            data-testid="freeze"
          >
            Freeze the standings
          </Button>
        )}
        <span className="text-sm text-slate-400">{live.frozen ? `Frozen since ${formatClock(live.frozenAt)}.` : 'Everybody sees the standings live.'}</span>
      </div>
      <form onSubmit={announce} className="mt-4 flex flex-col gap-2 sm:flex-row">
        <Input
          name="announcement"
          placeholder="Announcement, e.g. “Lab 2 starts at 14:00”"
          maxLength={280}
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-label="Announcement"
        />
        <Button type="submit" tone="primary" disabled={busy || !text.trim()}>
          Post
        </Button>
        {live.announcement && (
          <Button disabled={busy} onClick={() => run('DELETE', '/api/admin/announcement', undefined, 'Announcement taken down.')}>
            Take down
          </Button>
        )}
      </form>
    </Panel>
  );
}
