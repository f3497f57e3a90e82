/**
 * Every organiser endpoint refuses whoever is not the organiser, proved over HTTP against the real web
 * app (lib/web/main.ts) with a real organiser store: the handlers are found by reading app/api/admin/
 * (every exported method of every route.ts), and each is called without credentials, with a wrong
 * secret and with the cookie of a session that signed out (refused by a second instance too). Also over HTTP: throttling (429 with
 * Retry-After, never for another address), 503 without a configured secret, the cookie's attributes.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@/lib/auth/session';
import { stackOutputs } from '@/testing/cdk-outputs';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { jsonOf, type Reply, webAppFixture } from '@/testing/web-app';
import { newLocalTeam } from '../store/team-records';

const SECRET = 'organiser-auth-test-secret';
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const ADMIN_ROUTES = path.resolve(import.meta.dirname, '../../app/api/admin');

const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
const web = webAppFixture(db, store, { secret: SECRET });
const proxied = webAppFixture(db, store, { secret: SECRET, env: { TRUST_PROXY: '1' } });
const unconfigured = webAppFixture(db, store);

interface Endpoint {
  method: (typeof HTTP_METHODS)[number];
  /** The route file's folder under app/api/admin, e.g. `teams/[slug]`. */
  route: string;
  /** A path to call it by. */
  path: string;
}

/** Every exported method of every route.ts under app/api/admin, with a path to call it by. */
async function organiserEndpoints(): Promise<Endpoint[]> {
  const files = readdirSync(ADMIN_ROUTES, { recursive: true, encoding: 'utf8' }).filter((file) => path.basename(file) === 'route.ts');
  const endpoints = await Promise.all(
    files.map(async (file) => {
      const route = path.dirname(file) === '.' ? '' : path.dirname(file).split(path.sep).join('/');
      const handlers = (await import(path.join(ADMIN_ROUTES, file))) as Record<string, unknown>;
      const urlPath = `/api/admin/${route.replace('[slug]', 'reference').replace('[...path]', 'no-such-endpoint')}`.replace(/\/$/, '');
      return HTTP_METHODS.filter((method) => typeof handlers[method] === 'function').map((method) => ({ method, route, path: urlPath }));
    }),
  );
  return endpoints.flat().sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Bodies that would change the event if the endpoint accepted them. */
const BODIES: Record<string, unknown> = {
  'POST teams': { kind: 'local', slug: 'intruder', name: 'Intruder' },
  'POST teams/import': stackOutputs({ prefix: 'intruder', account: '123456789012' }),
  'PATCH teams/[slug]': { name: 'Pwned' },
  'POST rounds': {},
  'PATCH settings': { paused: true },
  'POST freeze': { frozen: true },
  'POST announcement': { text: 'pwned' },
};

const SIGN_IN = 'POST session';

let endpoints: Endpoint[];
let address = 0;
/** A loopback address of its own for each wrong secret, so throttling never answers in the place of the check. */
const freshAddress = () => `127.0.1.${++address}`;

function call(endpoint: Endpoint, options: { headers?: Record<string, string>; body?: unknown; from?: string } = {}): Promise<Reply> {
  const key = `${endpoint.method} ${endpoint.route}`;
  const body = options.body ?? (endpoint.method === 'GET' || endpoint.method === 'DELETE' ? undefined : (BODIES[key] ?? {}));
  return web().send(endpoint.method, endpoint.path, { body, headers: options.headers, from: options.from });
}

function cookieOf(reply: Reply): string {
  const cookie = reply.headers['set-cookie']?.[0];
  if (!cookie) throw new Error(`no session cookie in the answer ${reply.status} ${reply.text}`);
  return cookie;
}

beforeAll(async () => {
  endpoints = await organiserEndpoints();
  await store().createTeam(newLocalTeam('reference', 'Reference solution', 'solution', 'us-east-1'));
});

describe('every organiser endpoint', () => {
  it('is found in app/api/admin: the table covers each exported method', () => {
    const names = endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET scoreboard',
        'POST teams',
        'DELETE teams/[slug]',
        'POST teams/[slug]/reset',
        'POST teams/[slug]/token',
        'POST teams/import',
        'GET export/rounds',
        SIGN_IN,
      ]),
    );
    expect(names.length).toBeGreaterThanOrEqual(19);
  });

  it('refuses a request without credentials, and one with a forged session cookie', async () => {
    for (const endpoint of endpoints.filter((candidate) => `${candidate.method} ${candidate.route}` !== SIGN_IN)) {
      for (const headers of [{}, { cookie: `${SESSION_COOKIE}=v1.99999999999999.forged` }] as Record<string, string>[]) {
        const reply = await call(endpoint, { headers });
        expect([reply.status, jsonOf(reply).error], `${endpoint.method} ${endpoint.path}`).toEqual([401, expect.stringMatching(/^organiser sign-in required/)]);
        expect(reply.headers['www-authenticate']).toBe('Bearer realm="organiser"');
        expect(reply.headers['set-cookie']).toBeUndefined();
      }
    }
  });

  it('refuses a wrong secret, as a bearer token or at sign-in', async () => {
    for (const endpoint of endpoints) {
      const signIn = `${endpoint.method} ${endpoint.route}` === SIGN_IN;
      const reply = signIn
        ? await call(endpoint, { body: { secret: 'not-the-secret' }, from: freshAddress() })
        : await call(endpoint, { headers: { authorization: 'Bearer not-the-secret' }, from: freshAddress() });
      expect([reply.status, jsonOf(reply).error], `${endpoint.method} ${endpoint.path}`).toEqual([401, 'wrong organiser secret']);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses the cookie of a session that signed out, on this instance at once and on another one sharing the store', async () => {
    const session = cookieOf(await web().send('POST', '/api/admin/session', { body: { secret: SECRET } })).split(';')[0]!;
    expect((await proxied().send('GET', '/api/admin/settings', { headers: { cookie: session } })).status).toBe(200);
    const signOut = await web().send('DELETE', '/api/admin/session', { headers: { cookie: session } });
    expect(signOut.status).toBe(200);
    expect(cookieOf(signOut)).toBe(`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    for (const endpoint of endpoints) {
      const reply = await call(endpoint, { headers: { cookie: session } });
      if (`${endpoint.method} ${endpoint.route}` === SIGN_IN) {
        expect([reply.status, jsonOf(reply).error]).toEqual([400, expect.stringMatching(/^secret: /)]);
      } else {
        expect([reply.status, jsonOf(reply).error], `${endpoint.method} ${endpoint.path}`).toEqual([
          401,
          'organiser sign-in required: this session signed out; sign in again at /admin',
        ]);
      }
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    await eventually(
      'the other instance to refuse the signed-out session',
      () => proxied().send('GET', '/api/admin/settings', { headers: { cookie: session } }),
      (reply) => reply.status === 401,
    );
  });

  it('changed nothing while refusing', async () => {
    expect((await store().listTeams()).map((team) => [team.slug, team.name])).toEqual([['reference', 'Reference solution']]);
    expect(await store().getSettings()).toMatchObject({ paused: false, frozen: false, announcement: null });
    expect(await store().takeCommands()).toEqual([]);
  });
});

describe('signing in', () => {
  it('sets an httpOnly, SameSite=Strict session cookie for the whole site for 12 hours, Secure only over HTTPS', async () => {
    const plain = await web().send('POST', '/api/admin/session', { body: { secret: SECRET }, headers: { 'x-forwarded-proto': 'https' } });
    expect(plain.status).toBe(200);
    expect(cookieOf(plain)).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));

    const behindProxy = await proxied().send('POST', '/api/admin/session', { body: { secret: SECRET }, headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(behindProxy)).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const overHttp = await proxied().send('POST', '/api/admin/session', { body: { secret: SECRET }, headers: { 'x-forwarded-proto': 'http' } });
    expect(cookieOf(overHttp)).not.toContain('Secure');

    const session = cookieOf(plain).split(';')[0]!;
    expect((await web().send('GET', '/api/admin/session', { headers: { cookie: session } })).status).toBe(200);
  });

  it('slows down an address sending wrong secrets with 429 and Retry-After, never the organiser at another address', async () => {
    const attacker = '127.0.2.1';
    const wrong = () => web().send('POST', '/api/admin/session', { body: { secret: 'guess' }, from: attacker });
    for (let guess = 0; guess < 5; guess++) expect((await wrong()).status).toBe(401);
    expect(jsonOf(await wrong()).error).toMatch(/^wrong organiser secret; the next try is possible in 1 s$/);
    const refused = await web().send('POST', '/api/admin/session', { body: { secret: SECRET }, from: attacker });
    expect([refused.status, refused.headers['retry-after'], jsonOf(refused).error]).toEqual([429, '1', expect.stringMatching(/too many wrong secrets/)]);
    const bearer = await web().send('GET', '/api/admin/settings', { headers: { authorization: `Bearer ${SECRET}` }, from: attacker });
    expect(bearer.status).toBe(429);
    expect(Number(bearer.headers['retry-after'])).toBeGreaterThan(0);

    expect((await web().send('POST', '/api/admin/session', { body: { secret: SECRET }, from: '127.0.2.2' })).status).toBe(200);
    expect((await web().send('GET', '/api/admin/settings', { headers: { authorization: `Bearer ${SECRET}` }, from: '127.0.2.3' })).status).toBe(200);
  });

  it('turns organiser endpoints off with 503 and a sentence when no secret is configured', async () => {
    for (const [method, pathname, body] of [
      ['POST', '/api/admin/session', { secret: SECRET }],
      ['GET', '/api/admin/scoreboard', undefined],
      ['POST', '/api/admin/freeze', { frozen: true }],
    ] as const) {
      const reply = await unconfigured().send(method, pathname, { body, headers: { authorization: `Bearer ${SECRET}` } });
      expect([reply.status, jsonOf(reply).error], `${method} ${pathname}`).toEqual([503, expect.stringMatching(/^ORGANISER_SECRET is not set on the server/)]);
    }
    expect((await unconfigured().send('GET', '/admin')).text).toContain('The organiser console is not available');
  });
});
