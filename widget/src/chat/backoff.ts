/**
 * Reconnect delays: exponential from `baseMs` up to `maxMs`, each drawn from
 * the upper half of its step ("equal jitter"), so a server restart is not
 * met by every widget reconnecting in the same instant, yet no retry comes
 * sooner than half its step.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt, counting one more failure. */
  next(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  /** A connection succeeded: start over at the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }
}
