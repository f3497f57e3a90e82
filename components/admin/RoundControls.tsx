'use client';
/** Starting a round now, pausing and resuming the schedule, and the round settings. */
import { type FormEvent, useState } from 'react';
import type { AdminView } from '@/lib/scoreboard/views/types';
import { Panel } from '../ui';
import type { Act } from './AdminConsole';
import { Button, Field, Input } from './controls';

export function RoundControls({ view, act }: { view: AdminView; act: Act }) {
  const { live } = view;
  const [busy, setBusy] = useState(false);
  const activeTeams = view.teams.filter((team) => team.active).length;

  async function run(method: string, url: string, body: unknown, success: string) {
    setBusy(true);
    await act(method, url, body, success);
    setBusy(false);
  }

  async function saveSettings(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const number = (name: string) => Number(form.get(name));
    await run(
      'PATCH',
      '/api/admin/settings',
      { roundIntervalSeconds: number('interval'), roundMessages: number('messages'), roundDeadlineSeconds: number('deadline') },
      'Round settings saved: they apply from the next round.',
    );
  }

  const settingsKey = `${live.roundIntervalSeconds}-${live.roundMessages}-${live.roundDeadlineSeconds}`;
  return (
    <Panel title="Rounds">
      <div className="flex flex-wrap gap-2">
        <Button
          tone="primary"
          disabled={busy || activeTeams === 0}
          onClick={() => run('POST', '/api/admin/rounds', {}, 'Round requested for every active team: the scheduler starts it within a second.')}
          data-testid="start-round"
        >
          Start a round now
        </Button>
        {live.paused ? (
          <Button tone="warn" disabled={busy} onClick={() => run('PATCH', '/api/admin/settings', { paused: false }, 'Schedule resumed.')} data-testid="resume">
            Resume the schedule
          </Button>
        ) : (
          <Button
            disabled={busy}
            onClick={() => run('PATCH', '/api/admin/settings', { paused: true }, 'Schedule paused: no new rounds start until you resume.')}
            data-testid="pause"
          >
            Pause the schedule
          </Button>
        )}
      </div>
      <form key={settingsKey} onSubmit={saveSettings} className="mt-4 grid grid-cols-1 gap-3 sm:grid-cols-[repeat(3,minmax(0,1fr))_auto] sm:items-end">
        <Field label="Every (s)">
          <Input name="interval" type="number" min={5} max={86400} required defaultValue={live.roundIntervalSeconds} />
        </Field>
        <Field label="Messages">
          <Input name="messages" type="number" min={1} max={100000} required defaultValue={live.roundMessages} />
        </Field>
        <Field label="Deadline (s)">
          <Input name="deadline" type="number" min={5} max={600} required defaultValue={live.roundDeadlineSeconds} />
        </Field>
        <Button type="submit" disabled={busy}>
          Save
        </Button>
      </form>
    </Panel>
  );
}
