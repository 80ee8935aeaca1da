// The service clock. In development mode it can be moved (PUT /_emulator/clock) so certificate activation and
// expiry can be tested without waiting: a not-yet-valid certificate becomes active the moment the clock passes its
// notBefore. Token lifetimes are checked against real time, never this clock.
import type { Clock } from './model.js';

export class AdjustableClock {
  private offsetMs = 0;

  constructor(private readonly realNow: Clock = Date.now) {}

  readonly now: Clock = () => this.realNow() + this.offsetMs;

  /** Moves the clock so that it reads `ms` now (and keeps running from there). */
  set(ms: number): void {
    this.offsetMs = ms - this.realNow();
  }

  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
