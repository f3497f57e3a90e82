/** `/admin`: the organiser console, behind a sign-in with the organiser secret. */
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { AdminConsole } from '@/components/admin/AdminConsole';
import { SignIn } from '@/components/admin/SignIn';
import { Notice } from '@/components/ui';
import { loadAdmin, organiserSession } from '@/lib/api/pages';
import { SESSION_COOKIE } from '@/lib/auth/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Organiser' };

export default async function AdminPage() {
  const session = await organiserSession((await cookies()).get(SESSION_COOKIE)?.value);
  if (session.problem)
    return (
      <Notice tone="error" title="The organiser console is not available">
        {session.problem}
      </Notice>
    );
  if (!session.signedIn) return <SignIn />;
  const loaded = await loadAdmin();
  if (!loaded.data)
    return (
      <Notice tone="error" title="The scoreboard cannot read its data">
        {loaded.problem}
      </Notice>
    );
  return <AdminConsole initial={loaded.data} />;
}
