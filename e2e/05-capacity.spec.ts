/**
 * The organiser's machine knows its capacity (issue 10 point 5), end to end: `npm start`'s supervisor
 * measures the CPU its local teams' stack spends per message over the rounds the stack runs, the
 * console shows how many local-team messages per round the machine carries from that measurement,
 * and the add-team form warns before a local team is added beyond it (not before a remote one).
 */
import { expect, test } from '@playwright/test';
import { PLANNED_CORE_SHARE } from '@/lib/domain/capacity';
import type { AdminView } from '@/lib/scoreboard/views/types';
import type { Settings } from '@/lib/store/types';
import { saveScreenshot, signIn } from './helpers';
import { E2E_SECRET } from './stack';

const organiser = { authorization: `Bearer ${E2E_SECRET}` };

test('the console shows the capacity measured from the local rounds, and the add-team form warns before a local team beyond it', async ({ page, request }) => {
  test.setTimeout(600_000);
  const settings = async () => ((await (await request.get('/api/admin/settings', { headers: organiser })).json()) as { settings: Settings }).settings;
  const change = async (changes: Partial<Settings>) =>
    expect((await request.patch('/api/admin/settings', { headers: organiser, data: changes })).status()).toBe(200);
  const adminView = async () => (await (await request.get('/api/admin/scoreboard', { headers: organiser })).json()) as AdminView;
  const capacity = async () => {
    const { capacity } = await adminView();
    if (!capacity) throw new Error('the organiser view has no capacity in local mode');
    return capacity;
  };
  const before = await settings();
  await change({ paused: false });

  await signIn(page);
  const panel = page.getByTestId('machine-capacity');
  await expect(panel).toContainText('local-team messages per round');
  // The reference team's rounds (500 messages each) give the meter its first 1,000 messages within a few rounds.
  await expect(panel).toContainText("measured over this machine's last", { timeout: 540_000 });
  await change({ paused: true });
  // Once the last round closed, the measurement stops changing (the meter reads every 5 s and counts only busy spans).
  let previous = '';
  await expect
    .poll(
      async () => {
        const view = await adminView();
        const shown = JSON.stringify(view.capacity);
        const settled = view.live.runningRound === null && shown === previous;
        previous = shown;
        return settled;
      },
      { timeout: 300_000, intervals: [6000] },
    )
    .toBe(true);
  const measured = await capacity();
  expect(measured.measuredMessages).toBeGreaterThanOrEqual(1000);
  expect(measured.cpuMsPerMessage).toBeGreaterThan(0);
  expect(measured.messagesPerRound).toBe(Math.floor((measured.cores * measured.deadlineSeconds * 1000 * PLANNED_CORE_SHARE) / measured.cpuMsPerMessage));
  await expect
    .poll(async () => (await page.getByTestId('capacity-messages').textContent()) === (await capacity()).messagesPerRound.toLocaleString('en'))
    .toBe(true);

  // Messages per round such that one more local team goes well beyond what the machine carries.
  const now = await capacity();
  const beyond = Math.ceil((now.messagesPerRound * 1.5) / (now.localTeams + 1));
  expect(beyond).toBeLessThanOrEqual(100_000);
  await change({ roundMessages: beyond });
  const form = page.getByTestId('add-team');
  await page.getByRole('radio', { name: 'Local (emulators)' }).click();
  await expect(form.getByTestId('capacity-warning')).toContainText(
    `This machine carries about ${now.messagesPerRound.toLocaleString('en')} local-team messages per round`,
  );
  await expect(form.getByTestId('capacity-warning')).toContainText(`with ${now.localTeams + 1} local teams of ${beyond.toLocaleString('en')} messages`);
  await expect(page.getByTestId('capacity-load')).toContainText(`Local teams now: ${now.localTeams} × ${beyond.toLocaleString('en')}`);
  await saveScreenshot(page, 'admin-capacity-warning');
  await page.getByRole('radio', { name: 'Remote (team’s laptop)' }).click();
  await expect(form.getByTestId('capacity-warning')).toHaveCount(0);

  await change({ roundMessages: 1 });
  await page.getByRole('radio', { name: 'Local (emulators)' }).click();
  await expect(form.getByLabel('Pipeline')).toBeVisible();
  await expect(form.getByTestId('capacity-warning')).toHaveCount(0);
  await change({ roundMessages: before.roundMessages, paused: before.paused });
});
