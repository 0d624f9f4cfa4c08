// Helper processes driven over Node's IPC channel: one request at a time, answered in order.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DIST_BENCH = fileURLToPath(new URL('../', import.meta.url));

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export class Helper {
  readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  /** Forks `script` (relative to dist/bench/) and waits for its first message, `{ ready }`. */
  static async start<T>(script: string, args: string[], nodeArgs: string[] = []): Promise<{ helper: Helper; ready: T }> {
    const proc = fork(`${DIST_BENCH}${script}`, args, { execArgv: nodeArgs, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<T>((resolve, reject) => {
      proc.once('message', (m) => resolve((m as { ready: T }).ready));
      proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    });
    return { helper: new Helper(proc), ready };
  }

  private constructor(proc: ChildProcess) {
    this.proc = proc;
    proc.on('message', (m) => {
      const reply = m as Reply;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.result);
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        for (const w of this.pending.values()) w.reject(new Error(`helper exited with ${code}`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  call<T>(request: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ ...request, id });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    await this.exited;
  }
}

/** The helper side: answers requests with `handle`, after announcing `ready`. */
export function serveRequests(ready: unknown, handle: (request: Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (m) => {
    const request = m as Record<string, unknown> & { id: number };
    handle(request).then(
      (result) => process.send?.({ id: request.id, result }),
      (err: unknown) => process.send?.({ id: request.id, error: (err as Error).stack ?? String(err) }),
    );
  });
  process.send?.({ ready });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
