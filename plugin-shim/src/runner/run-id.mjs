// Run ids and trail file names share one compact UTC timestamp (browser-safe).

/** 2026-11-27T10:00:00.123Z → "20261127T100000Z" (sortable, safe in file names and property keys). */
export function compactInstant(date = new Date()) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** A run id: `run-20261127T100000Z-a1b2c3` (prefix `undo` for undo runs). */
export function newRunId(now = new Date(), prefix = 'run') {
  const rnd = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}-${compactInstant(now)}-${rnd}`;
}
