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

/** The organiser refused the agent's join token (401): revoked, regenerated, or its team removed. */
export class TokenRefusedError extends Error {}
