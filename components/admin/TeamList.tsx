'use client';
/**
 * The teams, for the organiser: state, score and lab at a glance; a round for one team, reset
 * (local), remove (with a second click to confirm); and per team the name, whether it plays, the
 * lab override and the Lab 2 failure percentages. A team whose last round was void shows why (a
 * role that cannot be assumed, an unreachable table): the organiser's problem to fix.
 */
import { type FormEvent, useState } from 'react';
import type { AdminTeam, AdminView } from '@/lib/scoreboard/views/types';
import { formatCount } from '../format';
import { Badge, LabBadge, Panel } from '../ui';
import type { Act } from './AdminConsole';
import { Button, Field, Input, Select } from './controls';
import { JoinCommand } from './JoinCommand';

function StateBadge({ team }: { team: AdminTeam }) {
  if (team.local && team.local.status !== 'ready')
    return (
      <Badge tone={team.local.status === 'failed' ? 'bad' : 'busy'} title={team.local.message ?? undefined}>
        {team.local.status}
      </Badge>
    );
  if (team.local?.resetPending) return <Badge tone="busy">reset requested</Badge>;
  if (team.tableState === 'unreachable')
    return (
      <Badge tone="bad" title={team.tableMessage ?? undefined}>
        table unreachable
      </Badge>
    );
  if (team.tableState === 'ok') return <Badge tone="good">ready</Badge>;
  return <Badge>{team.tableState}</Badge>;
}

function TeamEditor({ team, view, act, onDone }: { team: AdminTeam; view: AdminView; act: Act; onDone: () => void }) {
  const defaults = view.defaultFailurePercentages;
  const [busy, setBusy] = useState(false);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const override = String(form.get('labOverride'));
    const percentage = (name: 'state' | 'map' | 'reduce') => {
      const raw = String(form.get(name) ?? '').trim();
      return raw === '' ? defaults[name] : Number(raw);
    };
    const custom = (['state', 'map', 'reduce'] as const).some((name) => String(form.get(name) ?? '').trim() !== '');
    setBusy(true);
    const ok = await act(
      'PATCH',
      `/api/admin/teams/${team.slug}`,
      {
        name: String(form.get('name')),
        active: form.get('active') === 'on',
        labOverride: override === 'auto' ? null : Number(override),
        failurePercentages: custom ? { state: percentage('state'), map: percentage('map'), reduce: percentage('reduce') } : null,
      },
      `Saved ${team.name}.`,
    );
    setBusy(false);
    if (ok) onDone();
  }

  return (
    <form
      onSubmit={save}
      className="grid grid-cols-1 gap-3 rounded-xl bg-slate-950/60 p-4 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_1fr_auto] lg:items-end"
      data-testid={`edit-${team.slug}`}
    >
      <Field label="Name">
        <Input name="name" defaultValue={team.name} required maxLength={60} />
      </Field>
      <Field label="Lab">
        <Select name="labOverride" defaultValue={team.labOverride === null ? 'auto' : String(team.labOverride)}>
          <option value="auto">automatic (Lab 2 at 300)</option>
          <option value="1">Lab 1</option>
          <option value="2">Lab 2</option>
        </Select>
      </Field>
      {(['state', 'map', 'reduce'] as const).map((name) => (
        <Field key={name} label={`${name} fail %`}>
          <Input
            name={name}
            type="number"
            min={0}
            max={100}
            step="any"
            placeholder={`${defaults[name]} (default)`}
            defaultValue={team.failurePercentages ? team.failurePercentages[name] : ''}
          />
        </Field>
      ))}
      <div className="flex items-center gap-3 sm:col-span-2 lg:col-span-1">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="active" defaultChecked={team.active} className="h-4 w-4 accent-emerald-500" />
          plays rounds
        </label>
        <Button type="submit" tone="primary" disabled={busy}>
          Save
        </Button>
      </div>
    </form>
  );
}

function TeamRow({ team, view, act }: { team: AdminTeam; view: AdminView; act: Act }) {
  const [editing, setEditing] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [busy, setBusy] = useState(false);

  async function run(method: string, url: string, body: unknown, success: string) {
    setBusy(true);
    await act(method, url, body, success);
    setBusy(false);
  }

  return (
    <li className="space-y-3 border-t border-slate-800 py-3 first:border-t-0" data-testid="admin-team" data-slug={team.slug}>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <div className="w-8 text-lg font-bold text-slate-400 tabular-nums">{team.rank}</div>
        <div className="min-w-[12rem] flex-1">
          <p className="font-semibold">
            {team.name} {!team.active && <span className="text-sm font-normal text-slate-500">(not playing)</span>}
          </p>
          <p className="text-xs text-slate-400">
            <code>{team.slug}</code> ·{' '}
            {team.kind === 'local'
              ? `local, ${team.local?.pipeline === 'solution' ? 'reference solution' : 'pipeline/handlers'}`
              : team.kind === 'remote'
                ? 'remote, on the team’s own machine'
                : `AWS ${team.region}, ${team.roleArn}`}
          </p>
        </div>
        <div className="flex items-center gap-2">
          <StateBadge team={team} />
          <LabBadge lab={team.lab} />
          {team.labOverride !== null && <Badge title="lab set by the organiser">override</Badge>}
          {team.failurePercentages && (
            <Badge title={`State ${team.failurePercentages.state}%, Map ${team.failurePercentages.map}%, Reduce ${team.failurePercentages.reduce}%`}>
              custom failures
            </Badge>
          )}
        </div>
        <div className="w-20 text-right text-xl font-bold tabular-nums" data-testid="admin-score">
          {formatCount(team.score)}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button disabled={busy || !team.active} onClick={() => run('POST', '/api/admin/rounds', { teams: [team.slug] }, `Round requested for ${team.name}.`)}>
            Round now
          </Button>
          {team.kind === 'local' && (
            <Button
              disabled={busy}
              onClick={() =>
                run('POST', `/api/admin/teams/${team.slug}/reset`, undefined, `Reset requested for ${team.name}: its tables and stream restart empty.`)
              }
            >
              Reset
            </Button>
          )}
          <Button onClick={() => setEditing(!editing)} aria-expanded={editing}>
            {editing ? 'Close' : 'Edit'}
          </Button>
          {confirmRemove ? (
            <>
              <Button
                tone="danger"
                disabled={busy}
                onClick={() => run('DELETE', `/api/admin/teams/${team.slug}`, undefined, `Removed ${team.name} and its rounds.`)}
              >
                Remove {team.slug} for good
              </Button>
              <Button onClick={() => setConfirmRemove(false)}>Keep</Button>
            </>
          ) : (
            <Button onClick={() => setConfirmRemove(true)}>Remove</Button>
          )}
        </div>
      </div>
      {team.kind === 'remote' && <JoinCommand team={team} />}
      {team.lastRound?.status === 'void' && (
        <p className="text-sm text-amber-300" data-testid="admin-void-reason">
          Round {team.lastRound.number} not scored (organiser&rsquo;s side): {team.lastRound.voidReason ?? 'no reason recorded'}
        </p>
      )}
      {editing && <TeamEditor team={team} view={view} act={act} onDone={() => setEditing(false)} />}
    </li>
  );
}

export function TeamList({ view, act }: { view: AdminView; act: Act }) {
  return (
    <Panel title={`Teams (${view.teams.length})`}>
      {view.teams.length === 0 ? (
        <p className="text-slate-400">No teams yet: add one below.</p>
      ) : (
        <ul>
          {view.teams.map((team) => (
            <TeamRow key={team.slug} team={team} view={view} act={act} />
          ))}
        </ul>
      )}
    </Panel>
  );
}
