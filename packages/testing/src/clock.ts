import type { Clock } from '@deploy-suite/core';

/** A clock that only moves when something sleeps on it (or `advance` is called). */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
