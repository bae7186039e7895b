// Jira DC's rate limiting (reference §3.4): a token bucket per user, for external REST requests
// (PAT, Basic, and cookie requests that are not UI requests). Every limited-class request gets the
// X-RateLimit-* headers; an empty bucket answers 429 with Retry-After.

export class RateLimiter {
  /**
   * @param {{capacity?: number, fillRate?: number, intervalSeconds?: number, exempt?: string[], now?: () => number, legacyHeaders?: boolean}} o
   *   capacity = "Max requests" (bucket size), fillRate = "Requests allowed" per interval.
   */
  constructor({ capacity = 20, fillRate = 10, intervalSeconds = 1, exempt = [], now = Date.now, legacyHeaders = false } = {}) {
    this.capacity = capacity;
    this.fillRate = fillRate;
    this.intervalMs = intervalSeconds * 1000;
    this.intervalSeconds = intervalSeconds;
    this.exempt = new Set(exempt.map((n) => n.toLowerCase()));
    this.now = now;
    this.legacyHeaders = legacyHeaders;
    this.buckets = new Map();
    this.limited = 0;
  }

  /** Takes a token for `user`. Returns { allowed, headers }. */
  take(userLc) {
    if (this.exempt.has(userLc)) return { allowed: true, headers: {} };
    const now = this.now();
    let b = this.buckets.get(userLc);
    if (!b) {
      b = { tokens: this.capacity, last: now };
      this.buckets.set(userLc, b);
    }
    const intervals = Math.floor((now - b.last) / this.intervalMs);
    if (intervals > 0) {
      b.tokens = Math.min(this.capacity, b.tokens + intervals * this.fillRate);
      b.last += intervals * this.intervalMs;
    }
    let allowed = false;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      allowed = true;
    } else this.limited++;
    const retry = allowed ? 0 : Math.max(1, Math.ceil((b.last + this.intervalMs - now) / 1000));
    const headers = {
      'X-RateLimit-Limit': String(this.capacity),
      'X-RateLimit-Remaining': String(Math.floor(b.tokens)),
      'X-RateLimit-Interval-Seconds': String(this.intervalSeconds),
      'X-RateLimit-FillRate': String(this.fillRate),
    };
    if (!allowed) headers['Retry-After'] = String(retry);
    if (this.legacyHeaders) {
      for (const [k, v] of Object.entries(headers)) if (k.startsWith('X-RateLimit-')) headers[k.replace('X-RateLimit-', 'X-RateLimiting-')] = v;
    }
    return { allowed, headers };
  }
}
