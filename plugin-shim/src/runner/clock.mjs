// Instants (browser-safe): the clocks a run is given (tests and the page pass their own) and the
// instant text the engine reads.

/** Epoch milliseconds from a clock that may answer a Date, a number or an instant string. */
export function clockMs(now) {
  const v = typeof now === 'function' ? now() : now ?? Date.now();
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return Date.parse(v);
  return Number(v);
}

/** An instant the engine reads: RFC 3339 UTC, milliseconds only when not zero. */
export function instant(ms) {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}
