import type { Logger } from '@deploy-suite/core';

export interface LogLine {
  level: 'info' | 'warning' | 'error' | 'debug' | 'group';
  message: string;
}

/** A logger that keeps every line, applying masks as the runner would, for tests and rehearsals. */
export class MemoryLogger implements Logger {
  readonly lines: LogLine[] = [];
  readonly masked: string[] = [];

  constructor(private readonly echo?: (line: LogLine) => void) {}

  private push(level: LogLine['level'], message: string): void {
    const line = { level, message };
    this.lines.push(line);
    this.echo?.(line);
  }

  info(message: string): void {
    this.push('info', message);
  }
  warning(message: string): void {
    this.push('warning', message);
  }
  error(message: string): void {
    this.push('error', message);
  }
  debug(message: string): void {
    this.push('debug', message);
  }
  async group<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.push('group', title);
    return work();
  }
  mask(secret: string): void {
    if (secret) this.masked.push(secret);
  }

  /** Everything logged, one line per entry, as written (before masking). */
  text(): string {
    return this.lines
      .map(line => (line.level === 'info' ? line.message : `[${line.level}] ${line.message}`))
      .join('\n');
  }

  messages(level?: LogLine['level']): string[] {
    return this.lines.filter(line => !level || line.level === level).map(line => line.message);
  }
}
