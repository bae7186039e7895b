// The HTTP layer: one place that talks to Jira. Bounded concurrency, retries with exponential
// backoff and jitter for idempotent requests, Retry-After honoured on 429/503 (and shared by all
// requests in flight, so a rate-limited client backs off as a whole), per-request timeouts,
// request statistics. Uses only fetch, URL, AbortController and setTimeout, so the same module
// runs in the browser (same-origin session cookies) and in Node (PAT bearer token).
import { HostError, reasonFromBody, classifyStatus, statusText, cleanMessage } from './errors.mjs';

const RETRY_STATUSES = new Set([500, 502, 503, 504]);

/** Sleep that wakes early (rejecting) when `signal` aborts. */
export function abortableSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One signal that aborts when either does (the client's own, and one request's, e.g. a run's Stop).
 * `release()` removes the listeners, so a long-lived signal does not collect one per request.
 */
function joinSignals(a, b) {
  if (!a || !b) return { signal: a || b || undefined, release() {} };
  const ctl = new AbortController();
  const onA = () => ctl.abort(a.reason);
  const onB = () => ctl.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: ctl.signal,
    release() {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}

function abortError(signal) {
  const r = signal?.reason;
  return new HostError('host.aborted', `aborted${r && r.message ? `: ${r.message}` : ''}`, { reason: 'The operation was cancelled' });
}

/**
 * A FIFO semaphore whose bound can move (the adaptive limit below), with a second, lower-priority
 * queue for bulk work: a walk of thousands of group-member pages is queued all at once, and a
 * sequential chain (user/list cursor pages, each needing the one before) must not wait behind it.
 */
export function createLimiter(max) {
  let limit = Math.max(1, max);
  let active = 0;
  const queue = [];
  const bulk = [];
  const next = () => {
    while (active < limit && (queue.length || bulk.length)) {
      active++;
      const { fn, resolve, reject } = queue.length ? queue.shift() : bulk.shift();
      Promise.resolve()
        .then(fn)
        .then(resolve, reject)
        .finally(() => {
          active--;
          next();
        });
    }
  };
  return {
    /** `low`: bulk work, started only when nothing else waits. */
    run(fn, { low = false } = {}) {
      return new Promise((resolve, reject) => {
        (low ? bulk : queue).push({ fn, resolve, reject });
        next();
      });
    },
    /** A new bound: more requests start at once when it grows; when it shrinks, in-flight ones finish. */
    setMax(n) {
      limit = Math.max(1, n);
      next();
    },
    get max() { return limit; },
    get active() { return active; },
    get pending() { return queue.length + bulk.length; },
  };
}

/**
 * Adaptive in-flight limit (additive increase, multiplicative decrease, like TCP congestion
 * control): a large Jira answers faster with more requests in flight, a busy or rate-limited one
 * says so with 429 / Retry-After or with answers that slow down as requests queue up on it.
 * - 429, or any answer carrying Retry-After: halve the limit (at most once per window, since every
 *   request in flight at that moment tends to be refused together);
 * - per window (as many answers as the limit): when the mean latency grew past `growth` × the
 *   best window seen while above the start, the server is queueing: one less; otherwise, when requests were waiting for a
 *   slot, one more, up to `cap`.
 * `settled` is the limit at the end; `peak` the highest reached.
 */
export function createAdaptiveLimit({ start = 4, cap = 16, floor = 1, growth = 2, slackMs = 5, onChange } = {}) {
  let limit = Math.min(cap, Math.max(floor, start));
  let baseline = null;
  let windowN = 0;
  let windowSum = 0;
  let waited = false;
  let cooldown = 0; // answers to let pass after a decrease before the next one
  const st = { start: limit, cap, peak: limit, low: limit, raised: 0, lowered: 0, throttled: 0 };
  const set = (n, why) => {
    const v = Math.min(cap, Math.max(floor, n));
    if (v === limit) return;
    if (v > limit) st.raised++;
    else st.lowered++;
    limit = v;
    st.peak = Math.max(st.peak, v);
    st.low = Math.min(st.low, v);
    onChange?.(limit, why);
  };
  const resetWindow = () => { windowN = 0; windowSum = 0; waited = false; };
  return {
    get limit() { return limit; },
    /** One answer: its latency, whether requests were queued behind it, and whether Jira pushed back. */
    observe({ ms, queued = false, pushedBack = false }) {
      if (cooldown > 0) cooldown--;
      if (pushedBack) {
        st.throttled++;
        if (cooldown === 0) {
          set(Math.floor(limit / 2), 'throttled');
          cooldown = limit + 1;
        }
        resetWindow();
        return;
      }
      windowN++;
      windowSum += ms;
      waited ||= queued;
      if (windowN < limit) return;
      const mean = windowSum / windowN;
      if (baseline == null) baseline = mean;
      // Latency growth backs off only from what demand added: below the start only Jira's own
      // push-back (429, Retry-After) lowers the limit (endpoints differ in speed, so a slower
      // mix of requests alone is no evidence of a struggling server).
      if (mean > growth * baseline + slackMs && limit > st.start) {
        if (cooldown === 0) {
          set(limit - 1, 'latency');
          cooldown = limit + 1;
        }
      } else if (waited) {
        set(limit + 1, 'demand');
      }
      baseline = Math.min(baseline, mean);
      resetWindow();
    },
    stats() {
      return { ...st, settled: limit, baselineMs: baseline == null ? null : Math.round(baseline) };
    },
  };
}

/**
 * Parses Retry-After: delta-seconds or an HTTP date. Returns milliseconds, or null.
 * @param {string|null} v
 * @param {number} now
 */
export function parseRetryAfter(v, now = Date.now()) {
  if (v == null || v === '') return null;
  const s = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now);
}

function header(res, ...names) {
  for (const n of names) {
    const v = res.headers?.get?.(n);
    if (v != null) return v;
  }
  return null;
}

/**
 * @param {object} o
 * @param {string} o.baseUrl  Jira base URL including any context path (https://jira.acme.com/jira)
 * @param {string} [o.token]  personal access token (Node). Never logged, never in a URL or a message.
 * @param {RequestCredentials} [o.credentials]  'same-origin' in the browser when there is no token
 * @param {typeof fetch} [o.fetch]
 * @param {number} [o.concurrency]  requests in flight to start with (4). Given explicitly, it is
 *   also the ceiling unless `maxConcurrency` says otherwise (an administrator's choice is kept)
 * @param {number} [o.maxConcurrency]  the adaptive limit's ceiling (16 when `concurrency` is not
 *   given); the limit rises and falls with Jira's answers between 1 and this (createAdaptiveLimit)
 * @param {boolean} [o.adaptive]  false: a fixed limit (`concurrency`), lowered on nothing
 * @param {(limit:number, why:string)=>void} [o.onConcurrency]  the limit changed ('demand', 'latency', 'throttled')
 * @param {number} [o.retries]  retries of one idempotent request after a failure (4)
 * @param {number} [o.rateLimitRetries]  extra budget for 429 answers (which mean "not processed") (20)
 * @param {number} [o.retryBaseMs]  first backoff (300 ms), doubled each retry, with jitter
 * @param {number} [o.retryMaxMs]  backoff ceiling (10 s)
 * @param {number} [o.maxRetryAfterMs]  longest Retry-After honoured (120 s); longer waits give up
 * @param {number} [o.timeoutMs]  per-attempt timeout (60 s)
 * @param {AbortSignal} [o.signal]
 * @param {(ms:number, signal?:AbortSignal)=>Promise<void>} [o.sleep]  injectable for tests
 * @param {()=>number} [o.random]  injectable for tests
 * @param {()=>number} [o.now]  clock, injectable for tests (Date.now)
 * @param {(e:object)=>void} [o.onRetry]  ({endpoint, attempt, status, code, delayMs})
 */
export function createHttp(o) {
  if (!o || !o.baseUrl) throw new HostError('host.config', 'baseUrl is required');
  const fetchFn = o.fetch || globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new HostError('host.config', 'no fetch available');
  const base = String(o.baseUrl).replace(/\/+$/, '');
  // Validate early, without echoing anything secret (a token never goes in baseUrl, but be safe).
  try { new URL(base); } catch { throw new HostError('host.config', 'baseUrl is not an absolute URL'); }
  const token = o.token || null;
  const credentials = o.credentials || (token ? 'omit' : 'same-origin');
  const retries = o.retries ?? 4;
  const rateLimitRetries = o.rateLimitRetries ?? 20;
  const baseMs = o.retryBaseMs ?? 300;
  const maxMs = o.retryMaxMs ?? 10_000;
  const maxRetryAfterMs = o.maxRetryAfterMs ?? 120_000;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const sleep = o.sleep || abortableSleep;
  const random = o.random || Math.random;
  const now = o.now || Date.now;
  const start = Math.max(1, o.concurrency ?? 4);
  const cap = Math.max(start, o.maxConcurrency ?? (o.concurrency != null ? start : 16));
  const limiter = createLimiter(start);
  const adaptive = o.adaptive === false ? null : createAdaptiveLimit({
    start,
    cap,
    onChange: (n, why) => {
      limiter.setMax(n);
      try { o.onConcurrency?.(n, why); } catch { /* a listener never breaks a request */ }
    },
  });
  const stats = { requests: 0, retries: 0, rateLimited: 0, failures: 0, byEndpoint: /** @type {Record<string, number>} */ ({}) };
  let gateUntil = 0; // no new attempt starts before this instant (shared Retry-After)

  // Attempt timeouts share one timer, armed for the earliest deadline: every attempt has the same
  // timeoutMs, so that is the oldest attempt still running (the set keeps them in start order). A
  // setTimeout and a clearTimeout per attempt were ~8% of the page's own script time while it
  // reads thousands of group-member pages. Real time (performance.now), never the injectable `now`,
  // as setTimeout was.
  const running = new Set(); // {deadline, expire}
  let watchTimer = null;
  const watch = () => {
    watchTimer = null;
    const t = performance.now();
    for (const a of running) {
      if (a.deadline > t) {
        watchTimer = setTimeout(watch, a.deadline - t);
        return;
      }
      running.delete(a);
      a.expire();
    }
  };

  const scrub = (s) => (token && typeof s === 'string' ? s.split(token).join('***') : s);

  function buildUrl(path, query) {
    const u = new URL(base + path);
    if (query) {
      // The URL's query is serialised once, not after every parameter (as u.searchParams.set
      // does): the same text, for a request the page makes thousands of times.
      let sp = null;
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null) continue;
        if (Array.isArray(v)) for (const x of v) (sp ??= new URLSearchParams(u.search)).append(k, String(x));
        else (sp ??= new URLSearchParams(u.search)).set(k, String(v));
      }
      if (sp) u.search = sp.toString();
    }
    return u;
  }

  function backoff(attempt) {
    const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + random() * (exp / 2)); // "equal jitter": never 0, never above the ceiling
  }

  async function waitGate(signal) {
    for (;;) {
      const wait = gateUntil - now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }

  /** One attempt. Resolves {res, text, json} or throws a HostError (network/timeout/abort). */
  async function attemptOnce(method, url, init, endpoint, outer) {
    await waitGate(outer);
    if (outer?.aborted) throw abortError(outer);
    const ctl = new AbortController();
    let timedOut = false;
    const deadline = { deadline: performance.now() + timeoutMs, expire: () => { timedOut = true; ctl.abort(); } };
    running.add(deadline);
    watchTimer ??= setTimeout(watch, timeoutMs);
    const onAbort = () => ctl.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    stats.requests++;
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] || 0) + 1;
    const began = now();
    try {
      const res = await fetchFn(url.toString(), { ...init, signal: ctl.signal });
      const text = await res.text();
      if (adaptive) {
        const pushedBack = res.status === 429 || header(res, 'retry-after') != null;
        adaptive.observe({ ms: now() - began, queued: limiter.pending > 0, pushedBack });
      }
      let json;
      const ct = header(res, 'content-type') || '';
      if (text && (/json/i.test(ct) || (!ct && /^\s*[[{]/.test(text)))) {
        try { json = JSON.parse(text); } catch { json = undefined; }
      }
      return { res, text, json, ct };
    } catch (e) {
      if (outer?.aborted) throw abortError(outer);
      if (timedOut) throw new HostError('host.timeout', `${endpoint}: no answer within ${timeoutMs} ms`, { endpoint, reason: `No answer from Jira within ${Math.round(timeoutMs / 1000)} s` });
      const cause = e && /** @type {any} */ (e).cause;
      const detail = cause && (cause.code || cause.message) ? ` (${cause.code || cause.message})` : '';
      const msg = scrub(`${e && e.message ? e.message : String(e)}${detail}`);
      throw new HostError('host.network', `${endpoint}: ${msg}`, { endpoint, reason: `Network error: ${cleanMessage(msg)}` });
    } finally {
      running.delete(deadline);
      // Nothing left to watch: no timer keeps a Node process (the CLI) alive.
      if (running.size === 0 && watchTimer != null) { clearTimeout(watchTimer); watchTimer = null; }
      outer?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Sends a request. Throws HostError for any non-2xx answer or network failure after retries.
   * @param {string} method
   * @param {string} path  e.g. '/rest/api/2/user/list'
   * @param {object} [opt]
   * @param {Record<string, unknown>} [opt.query]
   * @param {unknown} [opt.body]  JSON body
   * @param {boolean} [opt.idempotent]  default: GET/HEAD/PUT/DELETE
   * @param {boolean} [opt.json]  expect a JSON body on success (default true for GET)
   * @param {boolean} [opt.bulk]  one of many queued at once (a group walk): lower priority than the rest
   * @param {AbortSignal} [opt.signal]  this request only (e.g. a run's Stop): every wait and the
   *   attempt in flight end when it aborts (host.aborted), like the client's own signal
   * @returns {Promise<{status:number, json:any, text:string, headers:Headers|any, attempts:number}>}
   */
  async function request(method, path, opt = {}) {
    const joined = joinSignals(o.signal, opt.signal);
    try {
      return await send(method, path, opt, joined.signal);
    } finally {
      joined.release();
    }
  }

  async function send(method, path, opt, outer) {
    const endpoint = `${method} ${path}`;
    const url = buildUrl(path, opt.query);
    const mutating = !/^(GET|HEAD|OPTIONS)$/.test(method);
    const idempotent = opt.idempotent ?? /^(GET|HEAD|OPTIONS|PUT|DELETE)$/.test(method);
    const expectJson = opt.json ?? (method === 'GET');
    /** @type {Record<string,string>} */
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (mutating) headers['X-Atlassian-Token'] = 'no-check';
    if (opt.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opt.body);
    }
    const init = { method, headers, body, credentials, redirect: 'manual' };
    let attempt = 0;
    let limited = 0;
    for (;;) {
      attempt++;
      let out;
      let err;
      try {
        out = await limiter.run(() => attemptOnce(method, url, init, endpoint, outer), { low: opt.bulk === true });
      } catch (e) {
        err = e;
      }
      if (err) {
        if (!(err instanceof HostError) || err.code === 'host.aborted') throw err;
        // Network failure or timeout: the request may or may not have reached Jira.
        if (idempotent && attempt <= retries) {
          await pause(endpoint, attempt, 0, err.code, backoff(attempt), false, outer);
          continue;
        }
        stats.failures++;
        err.attempts = attempt;
        throw err;
      }
      const { res, text, json, ct } = out;
      const status = res.status;
      // Proactive throttle: the bucket is empty, wait before the next request starts.
      const remaining = header(res, 'x-ratelimit-remaining', 'x-ratelimiting-remaining');
      if (remaining === '0') {
        const ra = parseRetryAfter(header(res, 'retry-after'), now());
        if (ra && ra > 0) gateUntil = Math.max(gateUntil, now() + Math.min(ra, maxRetryAfterMs));
      }
      if (status >= 200 && status < 300) {
        if (expectJson && status !== 204 && text && json === undefined) {
          stats.failures++;
          throw new HostError('host.badResponse', `${endpoint}: expected JSON, got ${ct || 'no content type'}`, {
            status, endpoint,
            reason: `Jira answered with ${ct || 'an unknown content type'} instead of JSON (a login page or a proxy in between?)`,
          });
        }
        return { status, json, text, headers: res.headers, attempts: attempt };
      }
      if ((status >= 300 && status < 400) || status === 0 || res.type === 'opaqueredirect') {
        stats.failures++;
        throw new HostError('host.unauthorized', `${endpoint}: redirected (HTTP ${status})`, {
          status, endpoint, reason: `Jira redirected the request (HTTP ${status}); the session or token is probably not accepted`,
        });
      }
      const reason = scrub(reasonFromBody(json, ct && /html/i.test(ct) && status !== 401 ? '' : text) || statusText(status));
      const code = classifyStatus(status, reason);
      // 429: not processed, safe to repeat for any method. 503 with Retry-After: same promise.
      const retryAfter = status === 429 || status === 503 ? parseRetryAfter(header(res, 'retry-after'), now()) : null;
      if (status === 429) {
        stats.rateLimited++;
        limited++;
        if (limited <= rateLimitRetries) {
          let wait = retryAfter;
          if (wait == null) {
            const iv = header(res, 'x-ratelimit-interval-seconds', 'x-ratelimiting-interval-seconds');
            wait = iv != null && /^\d+$/.test(iv) ? Number(iv) * 1000 : backoff(limited);
          }
          if (wait <= maxRetryAfterMs) {
            wait = Math.max(wait, 50) + Math.round(random() * 100);
            // Every request waits (the gate), not just this one: the bucket is shared.
            gateUntil = Math.max(gateUntil, now() + wait);
            attempt--; // 429s use their own budget
            await pause(endpoint, attempt + 1, status, code, wait, true, outer);
            continue;
          }
        }
      } else if (idempotent && attempt <= retries && RETRY_STATUSES.has(status)) {
        let wait = backoff(attempt);
        let gated = false;
        if (retryAfter != null && retryAfter <= maxRetryAfterMs) {
          wait = Math.max(retryAfter, 50) + Math.round(random() * 100);
          gateUntil = Math.max(gateUntil, now() + wait);
          gated = true;
        }
        await pause(endpoint, attempt, status, code, wait, gated, outer);
        continue;
      }
      stats.failures++;
      const e = new HostError(code, `${endpoint}: HTTP ${status}: ${reason}`, { status, endpoint, reason });
      e.attempts = attempt;
      throw e;
    }
  }

  async function pause(endpoint, attempt, status, code, delayMs, gated, signal) {
    stats.retries++;
    o.onRetry?.({ endpoint, attempt, status, code, delayMs });
    if (gated) await waitGate(signal); // the shared gate holds this request (and every other) back
    else await sleep(delayMs, signal);
  }

  /** GET returning the parsed JSON body. */
  async function getJson(path, query, opt = {}) {
    const r = await request('GET', path, { ...opt, query });
    return r.json;
  }

  return {
    request,
    getJson,
    buildUrl,
    stats() {
      return {
        requests: stats.requests, retries: stats.retries, rateLimited: stats.rateLimited, failures: stats.failures, byEndpoint: { ...stats.byEndpoint },
        concurrency: adaptive ? adaptive.stats() : { start, cap: start, settled: start, peak: start, low: start, raised: 0, lowered: 0, throttled: 0, baselineMs: null },
      };
    },
  };
}
