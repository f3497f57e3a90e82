/**
 * The team slug rule, the one definition: a short, URL-safe team identifier of 2–32 lower-case
 * letters, digits and dashes, starting and ending with a letter or digit. It names the team in URLs
 * (`/teams/<slug>`), in the organiser store's keys, in local resource directories and, as a prefix,
 * in AWS resource names. The organiser API, the add-team form, the pipeline synth's `--prefix` and
 * the local runtime all check it from here.
 */

/** The rule as an HTML `pattern` (implicitly anchored) and, anchored, as a RegExp source. */
export const TEAM_SLUG_PATTERN = '[a-z0-9][a-z0-9-]{0,30}[a-z0-9]';

/** What the rule says, for error messages and hints. */
export const TEAM_SLUG_RULE = '2–32 lower-case letters, digits or dashes, starting and ending with a letter or digit';

const TEAM_SLUG = new RegExp(`^${TEAM_SLUG_PATTERN}$`);

export function isTeamSlug(value: string): boolean {
  return TEAM_SLUG.test(value);
}
