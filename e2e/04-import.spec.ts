/**
 * The organiser imports AWS teams from `cdk deploy --outputs-file` files: the console previews which
 * teams would be created and which stacks skipped before anything is created, then creates them.
 */
import { expect, test } from '@playwright/test';
import { stackOutputs } from '@/testing/cdk-outputs';
import { signIn } from './helpers';
import { E2E_SECRET } from './stack';

const organiser = { authorization: `Bearer ${E2E_SECRET}` };

test('the organiser uploads cdk outputs, checks the preview, and imports the teams', async ({ page, request }) => {
  // Paused, so no round is started for the made-up accounts while they are registered.
  expect((await request.patch('/api/admin/settings', { headers: organiser, data: { paused: true } })).status()).toBe(200);
  await signIn(page);
  const outputs = {
    ...stackOutputs({ prefix: 'cdk-a', account: '444455556666' }),
    ...stackOutputs({ prefix: 'cdk-b', account: '444455556666' }),
    'cdk-c-AggregationPipeline-starting': { Region: 'eu-west-1' },
  };
  const perAccount = stackOutputs({ prefix: '', account: '777788889999' });
  const panel = page.getByTestId('import-teams');
  await panel.getByLabel('Outputs file(s)').setInputFiles([
    { name: 'outputs.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(outputs)) },
    { name: 'outputs-team09.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(perAccount)) },
  ]);
  await expect(panel.getByTestId('import-summary')).toHaveText('3 teams would be created, 1 stack skipped.');
  const rows = panel.getByTestId('import-create').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(2)).toContainText('account-777788889999');
  await expect(rows.nth(2)).toContainText('AggregationPipeline-starting (outputs-team09.json)');
  await expect(panel.getByTestId('import-skip')).toContainText('cdk-c-AggregationPipeline-starting (outputs.json): missing outputs ScoreboardRoleArn');
  const before = (await (await request.get('/api/admin/teams', { headers: organiser })).json()) as { teams: Array<{ slug: string }> };
  expect(before.teams.map((team) => team.slug)).not.toContain('cdk-a');

  await panel.getByRole('button', { name: 'Import 3 teams' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Imported 3 teams from the cdk outputs.');
  for (const slug of ['cdk-a', 'cdk-b', 'account-777788889999']) await expect(page.locator(`[data-testid=admin-team][data-slug="${slug}"]`)).toBeVisible();
  await expect(panel.getByTestId('import-summary')).toHaveCount(0);

  for (const slug of ['cdk-a', 'cdk-b', 'account-777788889999'])
    expect((await request.delete(`/api/admin/teams/${slug}`, { headers: organiser })).status()).toBe(200);
  expect((await request.patch('/api/admin/settings', { headers: organiser, data: { paused: false } })).status()).toBe(200);
});
