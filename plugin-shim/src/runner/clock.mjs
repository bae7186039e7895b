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

/**
 * The runner's clock moved by `offsetMs` (Jira's clock minus the runner's, as measured): the
 * decision instant. Marked `jira` so that a step given it does not measure again.
 */
export function withOffset(local, offsetMs) {
  const clock = () => clockMs(local) + offsetMs;
  clock.jira = true;
  clock.offsetMs = offsetMs;
  return clock;
}

/**
 * A clock that keeps Jira's time: the runner's clock `local` plus the offset between Jira's
 * serverTime, read now (`host.serverTime()`), and `local` just before that read. A plan's
 * capturedAt is Jira's serverTime, so its age and "now" must be measured on Jira's clock: on the
 * machine's, a machine whose clock lags Jira's by more than the skew the engine allows would have
 * every plan refused as coming from the future, and one running ahead would see plans expire early.
 *
 * The offset comes from Jira's answer and nothing else — never from a plan or a trail read back
 * from storage (a forged capturedAt would otherwise move "now" along with it and never look ahead).
 * Measured against `local` before the request, it can only put "now" later than Jira's by the
 * request's time, so a plan's age is never under-counted.
 *
 * `local` is returned unchanged when it already tracks Jira (`withOffset`), and when the host cannot
 * say Jira's time (a test double without serverTime, a Jira that answers none): then the runner's
 * own clock decides, as before.
 */
export async function jiraClock(host, local = () => Date.now()) {
  if (local?.jira || typeof host?.serverTime !== 'function') return local;
  const before = clockMs(local);
  const server = Date.parse((await host.serverTime()) ?? '');
  if (!Number.isFinite(server) || !Number.isFinite(before)) return local;
  return withOffset(local, server - before);
}
