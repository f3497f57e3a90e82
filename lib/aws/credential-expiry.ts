/**
 * Whether the organiser's own AWS credentials (the SDK's default chain: environment, SSO, profile,
 * process, web identity, container or instance role) outlive the event: temporary ones that expire
 * mid-event stop the rounds. Resolved by `npm start` for its banner and by the web app for the
 * organiser console; which source they came from and the warning are pure functions.
 *
 * Every temporary credential carries an `expiration`, including those the SDK renews by itself (an
 * instance role's last about 6 h, a profile's assumed role 1 h): the expiration is the end only for
 * credentials nothing can renew (environment variables, a profile's static keys). SSO and
 * `aws login` credentials are renewed until their sign-in session ends, which they do not show.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { errorMessage } from '../errors';

/** fixed: nothing renews them (environment, a profile's keys); session: renewed until an SSO or `aws login` session ends; renewing: for as long as the event lasts. */
export type CredentialSource = 'fixed' | 'session' | 'renewing';

/** What the default chain gave: where the credentials came from and when they expire (null: not said), or why none came. */
export type CredentialExpiry = { source: CredentialSource; expiration: Date | null; sessionToken: boolean } | { problem: string };

/** The event the credentials must last: from its start, `hours` long (EVENT_HOURS). */
export interface EventSpan {
  startedAt: Date;
  hours: number;
}

/** The SDK's credential features (credentials.$source, @aws-sdk/types feature ids) that mean a sign-in session bounds the renewals. */
const SESSION_FEATURES = [
  'CREDENTIALS_SSO',
  'CREDENTIALS_SSO_LEGACY',
  'CREDENTIALS_PROFILE_SSO',
  'CREDENTIALS_PROFILE_SSO_LEGACY',
  'CREDENTIALS_LOGIN',
  'CREDENTIALS_PROFILE_LOGIN',
];
/** Features of credentials nothing renews: environment variables, a profile's static keys. */
const FIXED_FEATURES = ['CREDENTIALS_ENV_VARS', 'CREDENTIALS_PROFILE'];

/**
 * Where credentials came from, by the features the SDK records on them. Any other source renews
 * itself (an assumed role, a credential process, web identity, container credentials); instance
 * metadata credentials carry no feature at all.
 */
export function credentialSource(features: Readonly<Record<string, unknown>> | undefined): CredentialSource {
  const names = Object.keys(features ?? {}).filter((name) => name.startsWith('CREDENTIALS_'));
  if (names.some((name) => SESSION_FEATURES.includes(name))) return 'session';
  if (names.length > 0 && names.every((name) => FIXED_FEATURES.includes(name))) return 'fixed';
  return 'renewing';
}

/** The organiser's credentials as the default chain resolves them, within `timeoutMs`. */
export async function organiserCredentialExpiry(timeoutMs = 10_000): Promise<CredentialExpiry> {
  try {
    const credentials = await Promise.race([
      fromNodeProviderChain()(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    const features = (credentials as { $source?: Record<string, unknown> }).$source;
    return { source: credentialSource(features), expiration: credentials.expiration ?? null, sessionToken: Boolean(credentials.sessionToken) };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

function timeLeft(from: Date, to: Date): string {
  const minutes = Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
  return minutes >= 120 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

const ADVICE = 'run with a role that renews itself (instance/task role, or a profile with role_arn) — see the README, Running a workshop on AWS';

/** A warning when the credentials may stop before the event could end (`event`), saying when; null when they last. */
export function credentialExpiryWarning(expiry: CredentialExpiry, event: EventSpan, now: Date): string | null {
  if ('problem' in expiry) return `the organiser's AWS credentials could not be resolved (${expiry.problem}): rounds cannot run without them`;
  const eventEnd = new Date(event.startedAt.getTime() + event.hours * 3_600_000);
  const eventLength = `an event of ${event.hours} h (EVENT_HOURS, until ${eventEnd.toISOString()})`;
  if (expiry.source === 'renewing') return null;
  if (expiry.source === 'session') {
    return (
      `the organiser's AWS credentials come from an SSO or aws login session: the SDK renews them only until that session ends ` +
      `(often 8 h after signing in, set by the administrator; not visible from here), and if that is before ${eventLength} could end, rounds stop counting: ` +
      `sign in again before then, or ${ADVICE}`
    );
  }
  if (!expiry.expiration) {
    if (!expiry.sessionToken) return null;
    return (
      `the organiser's AWS credentials are session credentials (AWS_SESSION_TOKEN) with no expiry given: nothing can renew them, they usually last hours, ` +
      `and if they expire before ${eventLength} could end, rounds stop counting; ${ADVICE}`
    );
  }
  if (expiry.expiration >= eventEnd) return null;
  const at = expiry.expiration.toISOString();
  const when = expiry.expiration <= now ? `expired at ${at}` : `expire at ${at} (in ${timeLeft(now, expiry.expiration)})`;
  return `the organiser's AWS credentials ${when}, before ${eventLength} could end: from then on rounds stop counting; ${ADVICE}`;
}
