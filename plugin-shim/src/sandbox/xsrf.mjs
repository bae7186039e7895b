// The XSRF rule of atlassian-rest's XsrfResourceFilter (reference §3.2):
// - mode 'jira' (default): a mutative request (POST/PUT/DELETE/PATCH) whose Content-Type is null,
//   form, multipart or text/plain must carry `X-Atlassian-Token: no-check` (or the deprecated
//   "nocheck", or atl_token = the session's XSRF token); otherwise 403 "XSRF check failed". A JSON
//   request passes without it, with a PAT, Basic or a session alike — as ordinary scripts
//   (atlassian-python-api) rely on against a real Jira.
// - mode 'strict': every mutative request needs the header (or atl_token), whatever its content
//   type, so the project's own client tests catch a client that forgets it even on JSON PUTs.
// - mode 'off': no check.
// Both modes add the Origin/Referer rule for browser-looking requests: a cross-origin POST fails;
// PUT and DELETE only log (as the real filter does) unless `enforceOriginOnAll` is set.

const MUTATIVE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const XSRFABLE_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const BROWSER_UA = /mozilla|chrome|safari|firefox|opera|edge|msie|trident/i;

export function isMutative(method) {
  return MUTATIVE.has(method);
}

/**
 * Returns null when the request passes, else the reason (logged) — the caller answers 403
 * "XSRF check failed". `warnings` collects the passes the real filter would only log.
 */
export function xsrfCheck(req, url, { mode = 'jira', session, selfOrigin, enforceOriginOnAll = false, warnings }) {
  if (mode === 'off' || !isMutative(req.method)) return null;
  const token = String(req.headers['x-atlassian-token'] ?? '').toLowerCase();
  const atl = url.searchParams.get('atl_token');
  const hasToken = token === 'no-check' || token === 'nocheck' || (session && atl && atl === session.xsrf);
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const xsrfable = type === '' || XSRFABLE_TYPES.includes(type);
  if (!hasToken && (mode === 'strict' || xsrfable)) return 'missing X-Atlassian-Token: no-check';

  if (BROWSER_UA.test(String(req.headers['user-agent'] ?? ''))) {
    const origin = req.headers.origin ?? (req.headers.referer ? safeOrigin(req.headers.referer) : undefined);
    if (origin && origin !== 'null' && origin !== selfOrigin && !/^(chrome|moz)-extension:/.test(origin)) {
      if (req.method === 'POST' || enforceOriginOnAll) return `cross-origin ${req.method} from ${origin}`;
      warnings?.push(`XSRF failure not being enforced: ${req.method} ${url.pathname} from ${origin}`);
    }
  }
  return null;
}

function safeOrigin(s) {
  try {
    return new URL(s).origin;
  } catch {
    return undefined;
  }
}
