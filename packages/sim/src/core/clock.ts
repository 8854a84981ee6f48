/**
 * Simulated time and the event queue that moves the simulated world.
 *
 * Simulated time = start epoch + (real time elapsed x timeScale) + manual advances. The world only
 * moves when something asks it to catch up (every request does): the scheduler then runs every event
 * due up to "now" in (time, insertion) order, and while an event runs, `world time` is the event's own
 * time. So a task that crashes 5 simulated seconds after it started records exactly that, whether the
 * catch-up happens one real millisecond or one real hour later: results depend only on simulated time.
 */
export interface ClockOptions {
  /** simulated seconds per real second; 0 freezes time except for manual advances */
  timeScale?: number;
  /** simulated epoch (ms) at start; defaults to the real time at start, to the second */
  startEpochMs?: number;
  /** real-time source in ms (injectable for tests of the clock itself) */
  realNowMs?: () => number;
}

interface ScheduledEvent {
  at: number;
  seq: number;
  what: string;
  run: () => void;
}

export class SimClock {
  readonly startEpochMs: number;
  private timeScale: number;
  private readonly realNowMs: () => number;
  /** real ms and simulated ms at the last change of time scale */
  private anchorRealMs: number;
  private anchorSimMs: number;
  /** the time the world has been brought to; never goes backwards */
  private worldMs: number;
  private queue: ScheduledEvent[] = [];
  private seq = 0;
  private running = false;

  constructor(options: ClockOptions = {}) {
    this.realNowMs = options.realNowMs ?? (() => performance.timeOrigin + performance.now());
    this.timeScale = checkScale(options.timeScale ?? 1);
    this.startEpochMs = options.startEpochMs ?? Math.floor(Date.now() / 1000) * 1000;
    this.anchorRealMs = this.realNowMs();
    this.anchorSimMs = this.startEpochMs;
    this.worldMs = this.startEpochMs;
  }

  /** Simulated wall clock right now (what the world will be brought to on the next catch-up). */
  clockMs(): number {
    return this.anchorSimMs + (this.realNowMs() - this.anchorRealMs) * this.timeScale;
  }

  /** The world's time: the current event's time while events run, else the last catch-up point. */
  nowMs(): number {
    return this.worldMs;
  }

  scale(): number {
    return this.timeScale;
  }

  setScale(timeScale: number): void {
    const now = this.clockMs();
    this.anchorRealMs = this.realNowMs();
    this.anchorSimMs = now;
    this.timeScale = checkScale(timeScale);
  }

  /** Moves simulated time forward by hand, then lets the world catch up. */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new Error(`advance needs seconds >= 0, got ${seconds}`);
    this.anchorSimMs += seconds * 1000;
    this.catchUp();
    return this.worldMs;
  }

  /** Schedules `run` at simulated time `atMs` (not before the world's current time). */
  at(atMs: number, what: string, run: () => void): void {
    const event: ScheduledEvent = { at: Math.max(atMs, this.worldMs), seq: this.seq++, what, run };
    // keep the queue sorted; it stays small (a few events per live task)
    let i = this.queue.length;
    while (i > 0 && compare(this.queue[i - 1], event) > 0) i--;
    this.queue.splice(i, 0, event);
  }

  /** Schedules `run` `seconds` of simulated time after the world's current time. */
  after(seconds: number, what: string, run: () => void): void {
    this.at(this.worldMs + seconds * 1000, what, run);
  }

  /** Runs every event due up to the simulated clock, in order; events may schedule more events. */
  catchUp(): void {
    if (this.running) return;
    this.running = true;
    try {
      const target = Math.max(this.clockMs(), this.worldMs);
      while (this.queue.length > 0 && this.queue[0].at <= target) {
        const event = this.queue.shift()!;
        this.worldMs = event.at;
        event.run();
      }
      this.worldMs = target;
    } finally {
      this.running = false;
    }
  }

  /** Drops every pending event (reset). Time keeps going. */
  clearEvents(): void {
    this.queue = [];
  }

  pendingEvents(): number {
    return this.queue.length;
  }
}

function compare(a: ScheduledEvent, b: ScheduledEvent): number {
  return a.at - b.at || a.seq - b.seq;
}

function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale < 0) throw new Error(`timeScale must be a number >= 0, got ${scale}`);
  return scale;
}
