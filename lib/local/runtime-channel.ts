/**
 * The supervisor's side of the IPC channel to the local function runtime process: request/response
 * messages (`upsert-team`, `remove-team` → `done`) matched by id.
 */
import type { ChildProcess } from 'node:child_process';
import type { RuntimeTeam } from '../runtime/runtime';

type Request = { type: 'upsert-team'; team: RuntimeTeam } | { type: 'remove-team'; slug: string };
interface Reply {
  type: 'done';
  id: number;
  error?: string;
}

export class RuntimeChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Reply) => {
      const waiter = message?.type === 'done' ? this.pending.get(message.id) : undefined;
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve();
    });
    child.once('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the function runtime exited'));
      this.pending.clear();
    });
  }

  private request(request: Request): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...request, id }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  upsertTeam(team: RuntimeTeam): Promise<void> {
    return this.request({ type: 'upsert-team', team });
  }

  removeTeam(slug: string): Promise<void> {
    return this.request({ type: 'remove-team', slug });
  }
}
