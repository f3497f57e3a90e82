'use client';
/**
 * Live data for the pages: SWR polling of a JSON endpoint (the browser revalidates with the
 * snapshot's ETag, so an unchanged board costs a 304), remembering the server's clock for countdowns.
 */
import { useEffect, useState } from 'react';
import useSWR, { type SWRConfiguration } from 'swr';

/** A failed request: the HTTP status and the server's sentence. */
export class FetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let serverOffsetMs = 0;

/** The server's idea of now (from the Date header of the last answer), for countdowns. */
export function serverNow(): number {
  return Date.now() + serverOffsetMs;
}

export async function fetchJson<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch {
    throw new FetchError(0, 'the scoreboard server is not answering');
  }
  const date = response.headers.get('date');
  if (date) {
    const offset = Date.parse(date) - Date.now();
    if (Number.isFinite(offset) && Math.abs(offset) > 1500) serverOffsetMs = offset;
    else if (Number.isFinite(offset)) serverOffsetMs = 0;
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: string }) | null;
  if (!response.ok) throw new FetchError(response.status, body?.error ?? `the server answered ${response.status}`);
  if (body === null) throw new FetchError(response.status, 'the server sent an empty answer');
  return body;
}

/** Polls a JSON endpoint every `intervalMs` (1 s by default), starting from server-rendered data. */
export function useLive<T>(url: string | null, fallbackData?: T, intervalMs = 1000, options: SWRConfiguration<T> = {}) {
  return useSWR<T, FetchError>(url, fetchJson, {
    refreshInterval: intervalMs,
    fallbackData,
    keepPreviousData: true,
    dedupingInterval: Math.min(500, intervalMs),
    errorRetryInterval: 2000,
    ...options,
  });
}

/** The current time, ticking every `intervalMs` once mounted (null during server rendering). */
export function useNow(intervalMs = 250): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(serverNow());
    const timer = setInterval(() => setNow(serverNow()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
