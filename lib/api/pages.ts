/**
 * Data for the first render of each page (server side), taken from the shared snapshot so a page
 * load costs no more than a poll, and the address links to the scoreboard start with. Configuration
 * problems come back as a sentence, never a stack.
 */
import { headers } from 'next/headers';
import { readConfig } from '../config';
import { ConfigError, errorMessage } from '../errors';
import type { AdminView, ScoreboardView, TeamView } from '../scoreboard/views/types';
import { isHttps } from './client';
import { appContext } from './context';

export type Loaded<T> = { data: T; problem: null } | { data: null; problem: string };

async function load<T>(read: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { data: await read(), problem: null };
  } catch (error) {
    if (!(error instanceof ConfigError)) console.error('page data failed:', error);
    return { data: null, problem: errorMessage(error) };
  }
}

export function loadPublicBoard(): Promise<Loaded<ScoreboardView>> {
  return load(async () => (await appContext().snapshots.current()).publicView());
}

/** A team's page data; data is null (with no problem) for an unknown team. */
export async function loadTeam(slug: string): Promise<Loaded<TeamView | null>> {
  return load(async () => (await appContext().snapshots.current()).teamView(slug));
}

export function loadAdmin(): Promise<Loaded<AdminView>> {
  return load(async () => (await appContext().snapshots.current()).adminView());
}

/** Whether a session cookie value belongs to a signed-in organiser, or why organiser pages are off. */
export async function organiserSession(token: string | undefined): Promise<{ signedIn: boolean; problem: string | null }> {
  try {
    const { gate } = appContext();
    if (!gate.configured)
      return {
        signedIn: false,
        problem: 'ORGANISER_SECRET is not set on the server, so the organiser console is disabled; start the workshop with npm start, which sets one.',
      };
    return { signedIn: await gate.hasSession(token), problem: null };
  } catch (error) {
    return { signedIn: false, problem: errorMessage(error) };
  }
}

/**
 * Where the scoreboard is reached, for absolute links in link previews: PUBLIC_URL when set, else
 * the host and scheme this request came to.
 */
export async function publicOrigin(): Promise<URL> {
  const configured = readConfigOrNull()?.PUBLIC_URL;
  if (configured) return new URL(configured);
  const request = await headers();
  const scheme = isHttps({ headers: request }) ? 'https' : 'http';
  try {
    return new URL(`${scheme}://${request.get('host')}`);
  } catch {
    return new URL(`${scheme}://localhost`);
  }
}

function readConfigOrNull() {
  try {
    return readConfig();
  } catch {
    return null;
  }
}
