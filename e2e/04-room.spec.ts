/**
 * Room mode in the browser (docs/room.md): the organiser adds a remote team and sees its join
 * command; the team's page shows the live table its agent reports (fed here through the agent API
 * with the team's join token, as the participant's agent does) and when its machine was last seen.
 */
import { expect, test } from '@playwright/test';
import { signIn } from './helpers';
import { E2E_SECRET } from './stack';

test('the organiser adds a remote team and sees its join command; its page shows the table its agent reports', async ({ page, request }) => {
  test.setTimeout(600_000);
  await signIn(page);
  const form = page.getByTestId('add-team');
  await page.getByRole('radio', { name: 'Remote (team’s laptop)' }).click();
  await form.getByLabel('Slug').fill('e2e-remote');
  await form.getByLabel('Name').fill('E2E Remote');
  await form.getByRole('button', { name: 'Add team' }).click();
  await expect(page.getByTestId('feedback')).toContainText('Added E2E Remote');
  const row = page.locator('[data-testid=admin-team][data-slug="e2e-remote"]');
  const command = row.getByTestId('join-command-text');
  await expect(command).toContainText(/^npm install && npm start -- --join http:\/\/\S+ --token wsj_[A-Za-z0-9_-]{43}$/);
  await expect(row.getByTestId('join-command')).toContainText('never connected');
  const token = ((await command.textContent()) ?? '').split('--token ')[1] ?? '';

  const api = await request.get('/api/admin/teams/e2e-remote/token', { headers: { authorization: `Bearer ${E2E_SECRET}` } });
  expect((await api.json()).joinToken).toBe(token);
  const agent = { authorization: `Bearer ${token}` };
  expect((await request.get('/api/agent/hello?version=e2e&pipeline=solution&host=e2e-laptop', { headers: agent })).status()).toBe(200);
  const table = await request.put('/api/agent/table', {
    headers: agent,
    data: { values: { PV: '1234.56', 'PV:FXSpot': '1234.56', 'PV:FXSpot:EMEA': '1234.56', message_count: '7' } },
  });
  expect(table.status()).toBe(200);

  await page.goto('/teams/e2e-remote');
  await expect(page.getByTestId('team-title')).toHaveText('E2E Remote');
  await expect(page.getByTestId('team-last-seen')).toContainText('online');
  const pv = page.locator('[data-testid=key-row][data-key="PV:FXSpot:EMEA"]');
  await expect(pv.getByTestId('actual')).toHaveText('1,234.56');
  await expect(page.getByText('Function logs')).toBeVisible();
});
