/** Calls the organiser API from the browser (the session cookie goes along) and returns its sentence. */
export interface ApiResult<T = unknown> {
  ok: boolean;
  status: number;
  data: T | null;
  /** The server's error sentence when not ok. */
  message: string;
}

export async function callApi<T = unknown>(method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = (await response.json().catch(() => null)) as (T & { error?: string }) | null;
    return { ok: response.ok, status: response.status, data, message: response.ok ? '' : (data?.error ?? `the server answered ${response.status}`) };
  } catch {
    return { ok: false, status: 0, data: null, message: 'the scoreboard server is not answering' };
  }
}
