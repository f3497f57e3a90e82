/**
 * What a team should look at for each diagnosis, in the workshop's terms (docs/game.md: "The
 * pipeline and its handed-out defects", "Diagnosis"): the lab step that fixes the bug, and where in
 * the repository or the AWS console it lives.
 */
import type { DiagnosisCode } from '@/lib/store/types';

const HINTS: Record<DiagnosisCode, string> = {
  offline:
    'Your machine was not connected to the game: is npm start -- --join still running on your laptop, and does it reach the organiser’s address? Its terminal says why it stopped.',
  'no-change':
    'Is State triggered by the Kinesis stream, and Reduce by the ReduceTable stream (one at a time)? Locally that is pipeline/handlers/triggers.json; on AWS, the functions’ triggers, Reduce’s concurrency and its permissions.',
  'missing-table': 'The AggregateTable does not exist where the scoreboard looks: check the stack is deployed and the table name in the team settings.',
  'access-denied': 'The scoreboard may not read the AggregateTable: check the role ARN, its trust policy and the external id.',
  partial: 'Some messages did not arrive before the deadline: look for errors in the State, Map and Reduce logs, and check every trigger runs.',
  'stale-versions':
    'Look at State’s write to the StateTable (pipeline/handlers/state.ts): what happens to a stored trade when an older version of it arrives after a newer one?',
  'double-applied':
    'Look at Reduce’s transaction (pipeline/handlers/reduce.ts): what happens to the totals when the trigger delivers the same batch again after a failure?',
  'bad-value':
    'A key of the AggregateTable holds something that is not a total (a string, a map, a number beyond any total): look at how Reduce writes Value (a DynamoDB number with at most 2 decimals), then fix or delete that item.',
  unknown: 'The totals are off in a way no single known bug explains: compare the keys below with the expected totals and read the function logs.',
};

export function hintFor(code: DiagnosisCode): string {
  return HINTS[code] ?? HINTS.unknown;
}
