/**
 * The project's one errors module: `errorMessage()` turns anything thrown into a sentence, and the
 * error classes that cross module boundaries live here so callers import them from one place.
 */

/** The message of anything thrown: an Error's message, a string as it is, anything else as JSON or text. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** A request named a team the local function runtime does not run. */
export class UnknownTeamError extends Error {
  constructor(readonly slug: string) {
    super(`unknown team "${slug}"`);
  }
}

/** A team was to be added under a slug another team has. */
export class TeamExistsError extends Error {}

/** A team was to be changed that the organiser store does not have. */
export class TeamNotFoundError extends Error {}

/**
 * A remote team's machine could not play its round (room mode, docs/room.md): not connected when it
 * began, not started in time, the burst not reported sent (or not sent whole), or silent since. The
 * message says which, in words that follow "Your machine was not connected: ". The round fails `offline`.
 */
export class AgentOfflineError extends Error {}

/** The organiser refused the agent's join token (401): revoked, regenerated, or its team removed. */
export class TokenRefusedError extends Error {}

/**
 * The organiser's credentials could not assume a team's role (STS refused it: access denied, a wrong
 * external id, a malformed or unknown role ARN, or the organiser's own credentials missing or
 * expired). Rounds that meet it are void: the team did nothing wrong.
 */
export class RoleAssumptionError extends Error {
  constructor(
    readonly roleArn: string,
    readonly externalId: string | undefined,
    cause: unknown,
  ) {
    super(
      `the scoreboard could not assume role ${roleArn} (${externalId ? 'with the external id registered for the team' : 'with no external id'}): ${errorMessage(cause)}. Check the role ARN and that the role's trust policy allows the organiser's account with that external id, and that the organiser's credentials are valid`,
      { cause },
    );
    this.name = 'RoleAssumptionError';
  }
}

/** The RoleAssumptionError in an error's cause chain (5 deep at most), if any: the failure is then the organiser's, not the team's. */
export function roleAssumptionIn(error: unknown): RoleAssumptionError | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof RoleAssumptionError) return cause;
  }
  return null;
}

/** The configuration (environment variables) is not usable; the message says which variable and what it must be. */
export class ConfigError extends Error {}

/** What kind of failure kept a team's table from being read or written. */
export type ReadFailureKind = 'missing-table' | 'access-denied' | 'unreachable' | 'throttled' | 'other';

/** Why a team's table could not be read, with a sentence for people. */
export class TableReadError extends Error {
  constructor(
    readonly kind: ReadFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
