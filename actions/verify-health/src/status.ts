import { inputError } from '@deploy-suite/core';

/** Accepted HTTP statuses: single codes and inclusive ranges, e.g. `200-299,301`. */
export interface StatusRange {
  from: number;
  to: number;
}

const SHAPE = 'status codes or ranges such as 200, 200-299 or 200-299,301 (each from 100 to 599)';

export function parseExpectedStatus(text: string, input = 'expected-status'): StatusRange[] {
  const items = text
    .split(/[\s,]+/)
    .map(item => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw inputError(`Input "${input}" is empty: give ${SHAPE}`);
  return items.map(item => {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(item);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from < 100 || to > 599 || from > to) {
      throw inputError(`Input "${input}" must be ${SHAPE}; ${JSON.stringify(item)} is not`);
    }
    return { from, to };
  });
}

export function statusAccepted(status: number, ranges: StatusRange[]): boolean {
  return ranges.some(range => status >= range.from && status <= range.to);
}

export function describeStatusRanges(ranges: StatusRange[]): string {
  return ranges
    .map(range => (range.from === range.to ? String(range.from) : `${range.from}-${range.to}`))
    .join(',');
}
