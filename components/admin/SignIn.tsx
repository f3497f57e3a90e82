'use client';
/** The organiser's sign-in: the secret printed in the `npm start` banner (or ORGANISER_SECRET). */
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { Notice } from '../ui';
import { callApi } from './call-api';

export function SignIn({ reason }: { reason?: string }) {
  const router = useRouter();
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await callApi('POST', '/api/admin/session', { secret });
    setBusy(false);
    if (!result.ok) {
      setError(result.status === 401 ? 'That is not the organiser secret.' : result.message);
      return;
    }
    setSecret('');
    router.refresh();
  }

  return (
    <div className="mx-auto max-w-md space-y-5 pt-8">
      <div>
        <h1 className="text-3xl font-bold tracking-tight">Organiser sign-in</h1>
        <p className="mt-2 text-slate-400">
          Enter the organiser secret: it is printed in the banner of <code>npm start</code>, or set with <code>ORGANISER_SECRET</code>.
        </p>
      </div>
      {reason && <Notice tone="warn">{reason}</Notice>}
      <form onSubmit={submit} className="space-y-4 rounded-2xl border border-slate-800 bg-slate-900/70 p-5">
        <label className="block">
          <span className="text-sm font-semibold text-slate-300">Organiser secret</span>
          <input
            type="password"
            name="secret"
            autoComplete="current-password"
            required
            value={secret}
            onChange={(event) => setSecret(event.target.value)}
            className="mt-1 w-full rounded-lg border border-slate-700 bg-slate-950 px-3 py-2 text-lg outline-none focus:border-emerald-400"
          />
        </label>
        {error && <Notice tone="error">{error}</Notice>}
        <button
          type="submit"
          disabled={busy || !secret}
          className="w-full rounded-lg bg-emerald-500 px-4 py-2.5 text-lg font-semibold text-slate-950 hover:bg-emerald-400 disabled:opacity-50"
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
