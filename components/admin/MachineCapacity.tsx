/**
 * What the organiser's machine can carry (local mode): how many local-team messages per round, from
 * the CPU per message its local teams' stack measured, its cores and the deadline, against what its
 * active local teams get now; and the warning the add-team form shows before a local team is added
 * beyond it (lib/domain/capacity.ts). Remote and AWS teams run elsewhere and do not count.
 */
import { capacityBasis, localTeamWarning, type MachineCapacity } from '@/lib/domain/capacity';
import { Notice, Panel } from '../ui';

export function MachineCapacityPanel({ capacity }: { capacity: MachineCapacity }) {
  const share = capacity.messagesPerRound > 0 ? capacity.localMessagesPerRound / capacity.messagesPerRound : 1;
  const over = capacity.localMessagesPerRound > capacity.messagesPerRound;
  return (
    <Panel title="This machine">
      <div data-testid="machine-capacity">
        <p className="text-sm text-slate-300">
          Carries about{' '}
          <strong className="text-lg text-slate-100" data-testid="capacity-messages">
            {capacity.messagesPerRound.toLocaleString('en')}
          </strong>{' '}
          local-team messages per round.
        </p>
        <p className="mt-1 text-xs text-slate-400">From {capacityBasis(capacity)}; remote and AWS teams do not count.</p>
        <div className="mt-3 h-2 overflow-hidden rounded-full bg-slate-800" aria-hidden="true">
          <div className={`h-full ${over ? 'bg-amber-500' : 'bg-emerald-500'}`} style={{ width: `${Math.min(100, Math.round(share * 100))}%` }} />
        </div>
        <p className={`mt-2 text-sm ${over ? 'text-amber-200' : 'text-slate-300'}`} data-testid="capacity-load">
          Local teams now: {capacity.localTeams} × {capacity.localTeams ? (capacity.localMessagesPerRound / capacity.localTeams).toLocaleString('en') : 0} ={' '}
          {capacity.localMessagesPerRound.toLocaleString('en')} messages per round ({Math.round(share * 100)} %)
          {over ? ': more than this machine carries, so rounds are likely to miss the deadline.' : '.'}
        </p>
      </div>
    </Panel>
  );
}

/** The add-team form's warning when one more local team would go beyond the machine's capacity; nothing when it fits. */
export function LocalTeamCapacityWarning({ capacity, roundMessages }: { capacity: MachineCapacity; roundMessages: number }) {
  const warning = localTeamWarning(capacity, roundMessages);
  if (!warning) return null;
  return (
    <Notice tone="warn" title="Beyond this machine’s capacity" className="sm:col-span-2">
      <span data-testid="capacity-warning">{warning.charAt(0).toUpperCase() + warning.slice(1)}</span>
    </Notice>
  );
}
