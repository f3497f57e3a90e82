/** The JSON API from outside the browser: the organiser's endpoints refuse callers without the secret. */
import { expect, test } from '@playwright/test';
import { E2E_BASE_URL, E2E_SECRET } from './stack';

const bearer = { authorization: `Bearer ${E2E_SECRET}` };

test('every admin call without the organiser secret gets 401', async ({ request }) => {
  const calls = [
    request.post('/api/admin/rounds', { data: {} }),
    request.post('/api/admin/rounds', { data: { teams: ['reference'] }, headers: { authorization: 'Bearer not-the-secret' } }),
    request.get('/api/admin/scoreboard'),
    request.post('/api/admin/teams', { data: { kind: 'local', slug: 'intruder', name: 'Intruder' } }),
    request.delete('/api/admin/teams/reference'),
    request.post('/api/admin/freeze', { data: { frozen: true } }),
    request.get('/api/admin/export/rounds', { headers: { cookie: 'organiser_session=v1.99999999999999.forged' } }),
    request.get('/api/admin/no-such-endpoint'),
  ];
  for (const response of await Promise.all(calls)) {
    expect(response.status(), response.url()).toBe(401);
    expect((await response.json()).error).toMatch(/organiser|secret/);
  }
  const board = await (await request.get('/api/scoreboard')).json();
  expect(board.frozen).toBe(false);
  expect(board.teams.map((team: { slug: string }) => team.slug)).not.toContain('intruder');
});

test('with the secret as a bearer token, bad input gets 400 naming the field and an unknown team 404', async ({ request }) => {
  expect((await request.get('/api/admin/settings', { headers: bearer })).status()).toBe(200);
  const badSettings = await request.patch('/api/admin/settings', { headers: bearer, data: { roundMessages: 0 } });
  expect(badSettings.status()).toBe(400);
  expect((await badSettings.json()).error).toMatch(/^roundMessages: /);
  const badTeam = await request.post('/api/admin/teams', {
    headers: bearer,
    data: { kind: 'aws', slug: 'acme', name: 'Acme', region: 'eu-west-1', roleArn: 'not-an-arn' },
  });
  expect(badTeam.status()).toBe(400);
  expect((await badTeam.json()).error).toMatch(/^roleArn: /);
  const unknownRound = await request.post('/api/admin/rounds', { headers: bearer, data: { teams: ['nobody-here'] } });
  expect(unknownRound.status()).toBe(404);
  expect((await request.get('/api/teams/nobody-here')).status()).toBe(404);
});

test('pages carry the app icon and an absolute social preview image for shared links', async ({ request }) => {
  const html = await (await request.get('/teams/reference')).text();
  expect(/<meta property="og:image" content="([^"]+)"/.exec(html)?.[1]).toBe(`${E2E_BASE_URL}/social-preview.png`);
  expect(html).toContain('<meta name="twitter:card" content="summary_large_image"/>');
  expect(html).toContain('<link rel="icon" href="/icon.svg" type="image/svg+xml"/>');
  expect(html).toContain('<link rel="apple-touch-icon" href="/apple-touch-icon.png"/>');
  for (const [path, type] of [
    ['/social-preview.png', 'image/png'],
    ['/apple-touch-icon.png', 'image/png'],
    ['/icon.svg', 'image/svg+xml'],
  ] as const) {
    const image = await request.get(path);
    expect(image.status(), path).toBe(200);
    expect(image.headers()['content-type'], path).toContain(type);
  }
});
