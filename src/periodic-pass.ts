// A job that runs a pass at start-up and then every interval, one pass at a time, for the
// daemon's housekeeping (history retention, room retention). A pass checks `stopping` between its
// steps, so stop() does not wait for a whole pass to finish.
import type { Logger } from './logger.js';

export abstract class PeriodicPass<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<R> | undefined;
  private started = false;
  /** Set by stop(): a pass in progress ends after its current step. */
  protected stopping = false;

  constructor(
    private readonly intervalMs: number,
    protected readonly log: Logger,
    /** Logged when a pass fails, with the error; the next pass comes at its time. */
    private readonly failure: string,
  ) {}

  /** One pass. */
  protected abstract pass(): Promise<R>;

  /** Told what each scheduled pass did (to log it). */
  protected abstract done(report: R): void;

  /** Runs a pass now, then one every interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress, which stops after its current step. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Runs one pass now, or joins the one in progress. */
  run(): Promise<R> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    this.timer = setTimeout(() => {
      this.run()
        .then((report) => this.done(report))
        .catch((err: unknown) => this.log.error({ err: (err as Error).message }, this.failure))
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
