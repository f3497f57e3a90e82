/**
 * Whether the organiser's own AWS credentials (the SDK's default chain: environment, SSO, profile,
 * instance or task role) outlive the event: temporary ones that expire mid-event stop the rounds.
 * Resolved once at start (AWS mode) for the banner; the warning itself is a pure function.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { errorMessage } from '../errors';

/** What the default chain gave: when its credentials expire (null: they never do, or renew themselves), or why none came. */
export type CredentialExpiry = { expiration: Date | null } | { problem: string };

/** The organiser's credentials' expiry, resolved within `timeoutMs`. */
export async function organiserCredentialExpiry(timeoutMs = 10_000): Promise<CredentialExpiry> {
  try {
    const credentials = await Promise.race([
      fromNodeProviderChain()(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    return { expiration: credentials.expiration ?? null };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

/** A warning when the credentials expire before `now` + the event's length, saying when; null when they last. */
export function credentialExpiryWarning(expiry: CredentialExpiry, now: Date, eventHours: number): string | null {
  if ('problem' in expiry) return `the organiser's AWS credentials could not be resolved (${expiry.problem}): rounds cannot run without them`;
  if (!expiry.expiration) return null;
  const eventEnd = new Date(now.getTime() + eventHours * 3_600_000);
  if (expiry.expiration >= eventEnd) return null;
  const minutes = Math.max(0, Math.round((expiry.expiration.getTime() - now.getTime()) / 60_000));
  const left = minutes >= 120 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
  return (
    `the organiser's AWS credentials expire at ${expiry.expiration.toISOString()} (in ${left}), before an event of ${eventHours} h (EVENT_HOURS) could end: ` +
    'from then on rounds stop counting; run with a role that renews itself (instance/task role, or a profile with role_arn) — see the README, Running a workshop on AWS'
  );
}
