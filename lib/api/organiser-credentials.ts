/**
 * The organiser's own AWS credentials as the web app holds them (AWS mode), for the console's
 * warning that they expire before the event could end (lib/aws/credential-expiry.ts).
 *
 * The web app resolves its own credential chain rather than reading something the scheduler
 * recorded: `npm start` gives the web app and the scheduler the same environment (the host's), so
 * both resolve the same credentials, and the web app knows them without any AWS call, so the
 * console can still say they expired when they no longer reach the organiser store. The event is
 * counted from the web app's start (within seconds of `npm start`'s), EVENT_HOURS long; the chain
 * is resolved again every few minutes, so a renewed SSO sign-in or a resolution that failed for a
 * while shows.
 */
import { type CredentialExpiry, credentialExpiryWarning, type EventSpan, organiserCredentialExpiry } from '../aws/credential-expiry';

const RECHECK_MS = 5 * 60_000;

export interface OrganiserCredentialsOptions {
  /** Whether the organiser side runs on AWS credentials (WORKSHOP_MODE=aws); local workshops need none. */
  aws: boolean;
  event: EventSpan;
  resolve?: () => Promise<CredentialExpiry>;
  now?: () => Date;
}

/** What GET /api/admin/credentials answers. */
export interface CredentialsAnswer {
  warning: string | null;
}

export class OrganiserCredentials {
  private resolved: { at: number; expiry: Promise<CredentialExpiry> } | null = null;

  constructor(private readonly options: OrganiserCredentialsOptions) {}

  /** The console's warning (null: the credentials last the event, or this workshop uses none). */
  async answer(): Promise<CredentialsAnswer> {
    return { warning: await this.warning() };
  }

  private async warning(): Promise<string | null> {
    if (!this.options.aws) return null;
    const now = (this.options.now ?? (() => new Date()))();
    if (!this.resolved || now.getTime() - this.resolved.at >= RECHECK_MS) {
      this.resolved = { at: now.getTime(), expiry: (this.options.resolve ?? organiserCredentialExpiry)() };
    }
    return credentialExpiryWarning(await this.resolved.expiry, this.options.event, now);
  }
}
