// Host errors: one class, stable codes, and the host's own words as the reason.
// Never put a token, a header or a request body in a message.

/** Error thrown by the host adapter. `code` is stable (e.g. 'host.notAdmin'); `status` is the HTTP status or 0. */
export class HostError extends Error {
  name = 'HostError';
  /** attempts made (set by http.mjs when it gives up) */
  attempts = 0;
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ status?: number, reason?: string, endpoint?: string, cause?: unknown }} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.status = extra.status ?? 0;
    this.reason = extra.reason ?? message;
    if (extra.endpoint) this.endpoint = extra.endpoint;
  }
}

const READ_ONLY = /read[\s-]?only|cannot (be )?(updated?|modif(y|ied)|changed?) .*director|director(y|ies)[^.]*(does not allow|not (allowed|permitted|writable|updatable))|not (allowed|permitted) to (update|modify|edit|change) users? in/i;

/** Strips markup and squeezes whitespace; keeps messages short. */
function clean(s, max = 500) {
  let t = String(s)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/**
 * The host's own message from an error body: Jira's `{errorMessages:[...], errors:{field: msg}}`,
 * the WebSudo XML `<message>`, or plain text (e.g. "XSRF check failed"). '' when there is none.
 * @param {unknown} json parsed body or undefined
 * @param {string} text raw body
 */
export function reasonFromBody(json, text) {
  if (json && typeof json === 'object') {
    const parts = [];
    const j = /** @type {any} */ (json);
    if (Array.isArray(j.errorMessages)) for (const m of j.errorMessages) if (m) parts.push(String(m));
    if (j.errors && typeof j.errors === 'object') {
      for (const [k, v] of Object.entries(j.errors)) if (v) parts.push(k && !/^\d+$/.test(k) ? `${k}: ${v}` : String(v));
    }
    if (!parts.length && typeof j.message === 'string') parts.push(j.message);
    if (!parts.length && typeof j.error === 'string') parts.push(j.error);
    if (parts.length) return clean(parts.join('; '));
  }
  if (typeof text === 'string' && text.trim()) {
    const m = /<message>([\s\S]*?)<\/message>/i.exec(text);
    if (m) return clean(m[1]);
    const title = /<title>([\s\S]*?)<\/title>/i.exec(text);
    if (title && /<html/i.test(text)) return clean(title[1]);
    return clean(text, 300);
  }
  return '';
}

const STATUS_TEXT = {
  400: 'Bad request', 401: 'Not authenticated', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed',
  409: 'Conflict', 429: 'Too many requests (rate limited)', 500: 'Internal server error', 502: 'Bad gateway',
  503: 'Service unavailable', 504: 'Gateway timeout',
};

/**
 * Fine-grained code for an HTTP failure.
 * @returns {string} host.unauthorized | host.websudo | host.xsrf | host.forbidden | host.notFound |
 *   host.readOnlyDirectory | host.rateLimited | host.http
 */
export function classifyStatus(status, reason) {
  const r = reason || '';
  if (status === 401) return /websudo/i.test(r) ? 'host.websudo' : 'host.unauthorized';
  if (status === 403 && /xsrf/i.test(r)) return 'host.xsrf';
  if ((status === 400 || status === 403 || status === 409) && READ_ONLY.test(r)) return 'host.readOnlyDirectory';
  if (status === 403) return 'host.forbidden';
  if (status === 404) return 'host.notFound';
  if (status === 429) return 'host.rateLimited';
  return 'host.http';
}

/** Mutation results use five codes (the contract); the fine code goes in `detail`. */
export function mutationCode(code) {
  switch (code) {
    case 'host.readOnlyDirectory': case 'host.notFound': case 'host.forbidden': case 'host.http': case 'host.network':
      return code;
    case 'host.unauthorized': case 'host.websudo': case 'host.xsrf': case 'host.notAdmin':
      return 'host.forbidden';
    case 'host.aborted': case 'host.timeout':
      return 'host.network';
    default:
      return 'host.http';
  }
}

/** A default reason when the host said nothing. */
export function statusText(status) {
  return STATUS_TEXT[status] || `HTTP ${status}`;
}

/** Turns any failure into the mutation result shape `{ok:false, status, code, reason, detail?}`. */
export function toFailure(err) {
  if (err instanceof HostError) {
    const code = mutationCode(err.code);
    const out = { ok: false, status: err.status || 0, code, reason: err.reason || err.message };
    if (code !== err.code) out.detail = err.code;
    return out;
  }
  return { ok: false, status: 0, code: 'host.network', reason: clean(err && err.message ? err.message : String(err)) };
}

export { clean as cleanMessage };
