/**
 * The agent's end of the organiser's agent stream (lib/agent-stream/frames.ts, docs/room.md): one
 * WebSocket, kept open while the agent runs, that carries the agent API's calls as frames and brings
 * the organiser's round offers as they happen, so a round costs the organiser no HTTP request. While
 * it is not open (not offered here, lost, replaced) the client makes the same calls over HTTP and the
 * stream is tried again (with backoff after a network failure, a minute later after a refusal); a
 * token refused at its upgrade, or revoked while it is open, stops the agent as a 401 does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  AGENT_STREAM_PATH,
  type AnswerFrame,
  type CallFrame,
  CLOSE_CODES,
  MAX_FRAME_BYTES,
  type OfferFrame,
  PING_INTERVAL_MS,
} from '@/lib/agent-stream/frames';
import { errorMessage } from '@/lib/errors';
import { Backoff } from './backoff';
import { networkProblem, OrganiserUnreachableError, tokenRefusedError } from './organiser-errors';
import { offerSchema, type RoundOffer } from './protocol';

/** After a refused upgrade, a replaced link or unreadable frames, the stream is tried again this much later. */
const RETRY_LATER_MS = 60_000;
/** An upgrade not answered within this long counts as a network error. */
const HANDSHAKE_TIMEOUT_MS = 15_000;
/** The organiser pings every PING_INTERVAL_MS: a link silent for two of them and a margin is dead. */
const SILENCE_LIMIT_MS = 2 * PING_INTERVAL_MS + 5_000;
/** The start of a refused upgrade's body kept for the sentence that reports it. */
const REFUSAL_BODY_BYTES = 4096;

const answerFrameSchema = z.object({
  type: z.literal('answer'),
  id: z.number().int().min(0),
  status: z.number().int(),
  body: z.unknown(),
  retryAfterSeconds: z.number().optional(),
}) satisfies z.ZodType<AnswerFrame>;
const offerFrameSchema = z.object({ type: z.literal('offer'), offer: offerSchema }) satisfies z.ZodType<OfferFrame>;
const organiserFrameSchema = z.discriminatedUnion('type', [answerFrameSchema, offerFrameSchema]);

/** The organiser's answer to a call: what the HTTP route would have answered. */
export interface StreamAnswer {
  status: number;
  json: unknown;
  /** A 429's Retry-After, in seconds. */
  retryAfterSeconds?: number;
}

/** How one attempt at the link ended. */
type LinkEnd =
  /** The upgrade was answered 401: the token was refused. */
  | { kind: 'refused'; text: string }
  /** The upgrade was answered otherwise (503, 404, …): no stream here. */
  | { kind: 'not-offered'; status: number }
  /** The upgrade did not reach the organiser, or got no answer. */
  | { kind: 'unreachable'; problem: string }
  /** The link was open and closed. */
  | { kind: 'closed'; code: number; reason: string };

interface PendingCall {
  /** The call, as `POST /api/agent/logs`, for the sentence saying it went unanswered. */
  what: string;
  settle: (outcome: { answer: StreamAnswer } | { error: unknown }) => void;
}

interface OfferWaiter {
  after: number;
  settle: (offer: RoundOffer | null) => void;
}

export class OrganiserStream {
  private socket: WebSocket | null = null;
  private nextCallId = 0;
  private readonly pending = new Map<number, PendingCall>();
  /** An offer that came while no one waited for one (the agent was running a round). */
  private heldOffer: RoundOffer | null = null;
  private readonly offerWaiters = new Set<OfferWaiter>();
  private report: (line: string) => void = () => undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Whether calls and offers go over the stream now. */
  get open(): boolean {
    return this.socket !== null;
  }

  /**
   * Keeps the stream open until `signal` aborts (then resolves), reconnecting when it is lost and
   * trying again later when it is not offered; rejects with TokenRefusedError when the organiser
   * refuses the token at the upgrade (401) or closes the link for it (revoked since).
   */
  async run(signal: AbortSignal, report: (line: string) => void): Promise<void> {
    this.report = report;
    const backoff = new Backoff();
    /** What the participant was last told about a stream that is not open (so a retry that fails alike says nothing). */
    let told = '';
    while (!signal.aborted) {
      const end = await this.link(signal);
      if (signal.aborted) return;
      if (end.kind === 'refused') throw tokenRefusedError(this.baseUrl, end.text);
      if (end.kind === 'closed' && end.code === CLOSE_CODES.tokenRefused) {
        throw tokenRefusedError(this.baseUrl, end.reason || `the agent stream closed with code ${end.code}`);
      }
      if (end.kind === 'closed') {
        backoff.reset();
        told = '';
      }
      const { line, pauseMs } = this.afterLink(end, backoff);
      if (line !== told) report(line);
      told = line;
      await sleep(pauseMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Makes a call of the agent API over the stream; rejects with OrganiserUnreachableError when it is not open, closes first, or no answer comes in time. */
  call(method: CallFrame['method'], path: string, body: unknown, options: { timeoutMs: number; signal?: AbortSignal }): Promise<StreamAnswer> {
    const what = `${method} ${path}`;
    const socket = this.socket;
    if (!socket) return Promise.reject(new OrganiserUnreachableError(`the organiser's agent stream is not open for ${what}`));
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextCallId++;
    return new Promise<StreamAnswer>((resolve, reject) => {
      const onAbort = () => settle({ error: signal?.reason });
      const timer = setTimeout(
        () => settle({ error: new OrganiserUnreachableError(`the organiser did not answer ${what} over its agent stream within ${timeoutMs / 1000} s`) }),
        timeoutMs,
      );
      const settle: PendingCall['settle'] = (outcome) => {
        this.pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if ('answer' in outcome) resolve(outcome.answer);
        else reject(outcome.error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { what, settle });
      const frame: CallFrame = { id, method, path, body };
      socket.send(JSON.stringify(frame), (error) => {
        if (error) settle({ error: new OrganiserUnreachableError(`${what} could not be sent over the organiser's agent stream: ${errorMessage(error)}`) });
      });
    });
  }

  /**
   * The next round offered over the stream (one that came while no one waited included), or null
   * after `waitMs` or when the stream closes first. As with the long poll's `after`, an offer not
   * yet started whose number is at most `after` is ignored: the agent has had it.
   */
  nextOffer(after: number, waitMs: number, signal?: AbortSignal): Promise<RoundOffer | null> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const held = this.heldOffer;
    this.heldOffer = null;
    if (held && wanted(held, after)) return Promise.resolve(held);
    if (!this.open) return Promise.resolve(null);
    return new Promise<RoundOffer | null>((resolve, reject) => {
      const onAbort = () => {
        finish();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => waiter.settle(null), waitMs);
      const finish = () => {
        this.offerWaiters.delete(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: OfferWaiter = {
        after,
        settle: (offer) => {
          finish();
          resolve(offer);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.offerWaiters.add(waiter);
    });
  }

  /** One attempt: opens the link and resolves once it has closed (or was never opened), saying how. */
  private link(signal: AbortSignal): Promise<LinkEnd> {
    return new Promise<LinkEnd>((resolve) => {
      const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}${AGENT_STREAM_PATH}`, {
        headers: { authorization: `Bearer ${this.token}` },
        maxPayload: MAX_FRAME_BYTES,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      });
      /** How the upgrade failed, once known. */
      let failure: LinkEnd | null = null;
      let silence: NodeJS.Timeout | undefined;
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(() => socket.terminate(), SILENCE_LIMIT_MS).unref();
      };
      const stop = () => socket.terminate();
      signal.addEventListener('abort', stop, { once: true });
      socket.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        failure = status === 401 ? { kind: 'refused', text: '' } : { kind: 'not-offered', status };
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          if (bytes < REFUSAL_BODY_BYTES) chunks.push(chunk);
          bytes += chunk.length;
        });
        response.on('end', () => {
          if (failure?.kind === 'refused') failure.text = Buffer.concat(chunks).toString('utf8').slice(0, REFUSAL_BODY_BYTES);
          socket.terminate();
        });
        response.on('error', stop);
      });
      socket.on('error', (error) => {
        failure ??= { kind: 'unreachable', problem: networkProblem(error) };
      });
      socket.on('open', () => {
        this.socket = socket;
        heard();
        this.report("connected to the organiser's agent stream");
      });
      socket.on('ping', heard);
      socket.on('message', (data, isBinary) => {
        heard();
        this.receive(isBinary ? null : data.toString());
      });
      socket.on('close', (code, reason) => {
        clearTimeout(silence);
        signal.removeEventListener('abort', stop);
        if (this.socket !== socket) {
          resolve(failure ?? { kind: 'unreachable', problem: 'the connection closed during the upgrade' });
          return;
        }
        this.socket = null;
        this.heldOffer = null; // an offer of the lost link may be stale: the next link, or the long poll, says what is open
        for (const [, call] of this.pending) {
          call.settle({ error: new OrganiserUnreachableError(`the organiser's agent stream closed before the organiser answered ${call.what}`) });
        }
        for (const waiter of this.offerWaiters) waiter.settle(null);
        resolve({ kind: 'closed', code, reason: reason.toString('utf8') });
      });
    });
  }

  /** A frame from the organiser (null: a binary one): an answer settles its call, an offer goes to the waiter or is held. */
  private receive(text: string | null): void {
    let json: unknown;
    try {
      json = text === null ? undefined : JSON.parse(text);
    } catch {
      // reported below, as any frame that is not one of the organiser's
    }
    const parsed = organiserFrameSchema.safeParse(json);
    if (!parsed.success) {
      this.report(`ignored a frame from the organiser's agent stream that this agent does not understand: ${(text ?? 'binary data').slice(0, 100)}`);
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'answer') {
      // No pending call: it gave up (timeout, stop) before the answer came.
      this.pending.get(frame.id)?.settle({ answer: { status: frame.status, json: frame.body, retryAfterSeconds: frame.retryAfterSeconds } });
      return;
    }
    for (const waiter of this.offerWaiters) {
      if (wanted(frame.offer, waiter.after)) {
        waiter.settle(frame.offer);
        return;
      }
    }
    this.heldOffer = frame.offer;
  }

  /** What to tell the participant after an attempt ended, and when to try again. */
  private afterLink(end: Exclude<LinkEnd, { kind: 'refused' }>, backoff: Backoff): { line: string; pauseMs: number } {
    if (end.kind === 'not-offered') {
      return { line: `the organiser at ${this.baseUrl} offers no agent stream (HTTP ${end.status}): using HTTP calls`, pauseMs: RETRY_LATER_MS };
    }
    if (end.kind === 'unreachable') {
      return { line: `could not open the organiser's agent stream (${end.problem}): using HTTP calls`, pauseMs: backoff.next() };
    }
    if (end.code === CLOSE_CODES.replaced) {
      return {
        line: "another run of this team's agent connected to the organiser's agent stream and replaced this one (is the agent running twice?): using HTTP calls, and the stream again in a minute",
        pauseMs: RETRY_LATER_MS,
      };
    }
    if (end.code === CLOSE_CODES.unreadable) {
      return {
        line: "the organiser could not read this agent's frames (is it running another version?): using HTTP calls, and the stream again in a minute",
        pauseMs: RETRY_LATER_MS,
      };
    }
    return { line: `lost the organiser's agent stream (close code ${end.code}): using HTTP calls while reconnecting`, pauseMs: backoff.next() };
  }
}

/** Whether the agent waiting with `after` wants this offer (the long poll's rule). */
function wanted(offer: RoundOffer, after: number): boolean {
  return offer.started !== null || offer.number > after;
}
