'use client';
/**
 * The organiser console's warning that the organiser's own AWS credentials expire before the event
 * could end, saying when (GET /api/admin/credentials, checked once a minute; nothing in local mode).
 */
import type { CredentialsAnswer } from '@/lib/api/organiser-credentials';
import { useLive } from '../live/use-live';
import { Notice } from '../ui';

const CHECK_INTERVAL_MS = 60_000;

export function CredentialWarning() {
  const { data } = useLive<CredentialsAnswer>('/api/admin/credentials', undefined, CHECK_INTERVAL_MS);
  if (!data?.warning) return null;
  return (
    <Notice tone="warn" title="The organiser's AWS credentials may not last the event">
      <span data-testid="credential-warning">{data.warning}</span>
    </Notice>
  );
}
