/**
 * What a team should look at for each diagnosis, in the workshop's terms (SPEC §5 and §7): the lab
 * step that fixes the bug, and where in the repository or the AWS console it lives.
 */
import type { DiagnosisCode } from '../store/types';

const HINTS: Record<DiagnosisCode, string> = {
  'no-change':
    'Lab 1: connect State to the Kinesis stream and Reduce to the ReduceTable stream (concurrency 1) in pipeline/handlers/triggers.json, and give Reduce the rights to read that stream and update the AggregateTable.',
  'missing-table': 'The AggregateTable does not exist where the scoreboard looks: check the stack is deployed and the table name in the team settings.',
  'access-denied': 'The scoreboard may not read the AggregateTable: check the role ARN, its trust policy and the external id.',
  partial: 'Some messages did not arrive before the deadline: look for errors in the State, Map and Reduce logs, and check every trigger runs (Lab 1).',
  'stale-versions':
    'Lab 2, step 1: make State’s write conditional (attribute_not_exists(id) OR Version < :new_version) and skip ConditionalCheckFailedException.',
  'double-applied': 'Lab 2, step 2: give Reduce’s TransactWriteItems a ClientRequestToken derived from the batch, so a retried batch is applied once.',
  unknown: 'The totals are off in a way no single known bug explains: compare the keys below with the expected totals and read the function logs.',
};

export function hintFor(code: DiagnosisCode): string {
  return HINTS[code] ?? HINTS.unknown;
}
