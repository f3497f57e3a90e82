'use client';
/**
 * Adding a team: a local one (the supervisor starts its own DynamoDB Local and stream), one on AWS
 * (region, the role the scoreboard assumes, its external id and the names of its resources), or a
 * remote one (room mode: the team runs its pipeline on its own laptop and joins with a join command).
 * A local team beyond this machine's capacity is warned about before it is added.
 */
import { type FormEvent, useState } from 'react';
import type { MachineCapacity } from '@/lib/domain/capacity';
import { TEAM_SLUG_PATTERN, TEAM_SLUG_RULE } from '@/lib/domain/team-slug';
import { DEFAULT_RESOURCES, RESOURCE_FIELDS } from '@/lib/pipeline-resources';
import { Panel } from '../ui';
import type { Act } from './AdminConsole';
import { Button, Field, Input, Select } from './controls';
import { LocalTeamCapacityWarning } from './MachineCapacity';

/** Each resource's field: its label (a table's default name, "Stream" for the stream) and default name. */
const RESOURCES = RESOURCE_FIELDS.map((field) => [field, field === 'streamName' ? 'Stream' : DEFAULT_RESOURCES[field], DEFAULT_RESOURCES[field]] as const);

export function AddTeamForm({
  act,
  localTeams,
  capacity,
  roundMessages,
}: {
  act: Act;
  localTeams: boolean;
  capacity: MachineCapacity | null;
  roundMessages: number;
}) {
  const [kind, setKind] = useState<'local' | 'aws' | 'remote'>(localTeams ? 'local' : 'aws');
  const kinds = localTeams ? (['local', 'remote', 'aws'] as const) : (['aws', 'remote'] as const);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const body =
      kind === 'local'
        ? { kind, slug: text('slug'), name: text('name'), pipeline: text('pipeline') }
        : kind === 'remote'
          ? { kind, slug: text('slug'), name: text('name') }
          : {
              kind,
              slug: text('slug'),
              name: text('name'),
              region: text('region'),
              roleArn: text('roleArn'),
              ...(text('externalId') ? { externalId: text('externalId') } : {}),
              resources: Object.fromEntries(RESOURCE_FIELDS.map((name) => [name, text(name)]).filter(([, value]) => value)),
            };
    setBusy(true);
    const ok = await act(
      'POST',
      '/api/admin/teams',
      body,
      kind === 'local'
        ? `Added ${text('name')}: its local DynamoDB and stream are starting.`
        : kind === 'remote'
          ? `Added ${text('name')}: give the team its join command (in the team list below).`
          : `Added ${text('name')} on AWS.`,
    );
    setBusy(false);
    if (ok) setFormKey(formKey + 1);
  }

  return (
    <Panel title="Add a team">
      <div className="mb-4 flex gap-2" role="radiogroup" aria-label="where the team runs">
        {kinds.map((option) => (
          <Button key={option} role="radio" aria-checked={kind === option} tone={kind === option ? 'primary' : 'secondary'} onClick={() => setKind(option)}>
            {option === 'local' ? 'Local (emulators)' : option === 'remote' ? 'Remote (team’s laptop)' : 'AWS account'}
          </Button>
        ))}
      </div>
      <form key={`${kind}-${formKey}`} onSubmit={submit} className="grid grid-cols-1 gap-3 sm:grid-cols-2" data-testid="add-team">
        <Field label="Slug" hint={`${TEAM_SLUG_RULE}; it is the team’s address (/teams/slug).`}>
          <Input name="slug" required pattern={TEAM_SLUG_PATTERN} placeholder="blue-whales" />
        </Field>
        <Field label="Name">
          <Input name="name" required maxLength={60} placeholder="Blue Whales" />
        </Field>
        {kind === 'remote' ? null : kind === 'local' ? (
          <Field label="Pipeline" hint="The starting pipeline is the one participants fix.">
            <Select name="pipeline" defaultValue="handlers">
              <option value="handlers">pipeline/handlers (starting pipeline)</option>
              <option value="solution">pipeline/solution (reference)</option>
            </Select>
          </Field>
        ) : (
          <>
            <Field label="Region">
              <Input name="region" required placeholder="eu-west-1" />
            </Field>
            <Field label="Role ARN" hint="The role the scoreboard assumes in the team’s account.">
              <Input name="roleArn" required placeholder="arn:aws:iam::123456789012:role/WorkshopScoreboard" />
            </Field>
            <Field label="External id (optional)">
              <Input name="externalId" />
            </Field>
            {RESOURCES.map(([name, label, placeholder]) => (
              <Field key={name} label={label}>
                <Input name={name} placeholder={placeholder} />
              </Field>
            ))}
          </>
        )}
        {kind === 'local' && capacity && <LocalTeamCapacityWarning capacity={capacity} roundMessages={roundMessages} />}
        <div className="flex items-end sm:col-span-2">
          <Button type="submit" tone="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add team'}
          </Button>
        </div>
      </form>
    </Panel>
  );
}
