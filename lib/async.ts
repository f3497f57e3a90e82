/**
 * Async helpers that have no native form, or whose native form fails here. Sleeping is native:
 * use `setTimeout` from `node:timers/promises` (with `{ signal }`). A deadline is `timeoutSignal`
 * (never `AbortSignal.any([..., AbortSignal.timeout(ms)])`, see there); `AbortSignal.timeout(ms)`
 * alone is fine where the call it is given listens to it (fetch, an SDK call).
 */

/**
 * A signal that aborts after `ms` with a `TimeoutError` (as `AbortSignal.timeout`'s does), or
 * earlier when `signal` aborts, with its reason.
 *
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: Node 20 holds the sources of `any`
 * weakly and a timeout signal's timer holds its signal weakly too, so once a garbage collection
 * runs before the timeout the timeout signal is gone and the combined signal never aborts
 * (nodejs/node#57736). Seen here: a write to a ParameterTable that never answers was to end at 5 s
 * and ended at 60 s, after three attempts of 15 s at the HTTP handler's own timeout. Here the timer
 * holds its controller strongly; it is unref'd, so it never keeps a process alive.
 */
export function timeoutSignal(ms: number, signal?: AbortSignal): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException(`the operation did not end within ${ms} ms`, 'TimeoutError')), ms).unref();
  return signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
}

/**
 * Settles as `promise` does, or rejects with `signal.reason` as soon as `signal` aborts, whichever
 * comes first. For waits that do not always end when their own signal aborts: Node 20's fetch
 * (undici 6) can leave reading a response's body (`text()`, `json()`) pending forever when the
 * request's signal aborts while the body is being read (nodejs/undici#4232 and #4089, both open).
 * Seen here with one core kept busy: the agent's `run()` had not settled 135 s after `stop()`, its
 * only pending wait the body of a `POST /api/agent/logs` whose signal, stop and timeout alike, had
 * aborted, and no socket open. Wrap both the fetch and the body read of every fetch with a signal.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined); // its later rejection is not ours to report
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * GETs `url` and reads its JSON answer, both ended by `signal` (see untilAborted: fetch alone may
 * never end the body read); a status other than 2xx throws, naming the path and the status.
 */
export async function fetchJson<T>(url: string | URL, signal: AbortSignal): Promise<T> {
  const response = await untilAborted(fetch(url, { signal }), signal);
  if (!response.ok) throw new Error(`${new URL(url).pathname} answered ${response.status}`);
  return (await untilAborted(response.json(), signal)) as T;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([
      promise.then(
        () => undefined,
        () => undefined,
      ),
      elapsed,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
