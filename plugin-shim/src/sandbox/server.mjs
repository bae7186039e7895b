// The sandbox Jira: a node:http server that answers like Jira Data Center (9.x, 10.0-10.2,
// 10.3 LTS, 11) for the endpoints User Cleanup uses. See README-style notes in index.mjs.
//
// Request pipeline: context path -> latency -> plugin resources -> who is calling -> injected
// fault -> rate limiter -> route -> 401 -> XSRF -> WebSudo -> body -> handler (checks) -> commit
// -> response. A mutation refused or failed by an injected fault is never applied (unless
// faultsAfterCommit, which applies it and then drops the answer).
import { createServer } from 'node:http';
import { resolveMode } from './modes.mjs';
import { sourceSnapshot, buildState } from './seed.mjs';
import { Auth, AUTH_FAILURES } from './auth.mjs';
import { RateLimiter } from './ratelimit.mjs';
import { Faults } from './faults.mjs';
import { xsrfCheck, isMutative } from './xsrf.mjs';
import { isResourcePath, serveResource } from './resources.mjs';
import { HttpError, sendJson, sendError, sendText, sendEmpty, readBody, errorBody } from './http.mjs';
import { systemRoutes } from './routes/system.mjs';
import { userRoutes } from './routes/users.mjs';
import { groupRoutes } from './routes/groups.mjs';
import { sessionRoutes } from './routes/session.mjs';
import { propertyRoutes } from './routes/properties.mjs';
import { auditRoutes } from './routes/audit.mjs';
import { projectRoutes } from './routes/projects.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  jira: '10.3',
  rateLimit: false,
  faults: 0,
  seed: 1,
  websudo: false,
  latencyMs: 0,
  faultsAfterCommit: false,
  faultKinds: undefined,
  slowMs: 1500,
  resources: {},
  pages: {},
  contextPath: '',
  timeZone: 'Europe/Oslo',
  xsrf: 'jira', // 'jira' (what Jira does) | 'strict' (every mutation needs the header) | 'off' (see xsrf.mjs)
  enforceOriginOnAll: false,
  basicAuth: undefined, // default: on, except in 11 mode
  deploymentType: undefined,
  neverLoginAs: 'null', // 'null': "lastLoginTime": null for never; 'omit': no key
  lastLoginIn: ['user', 'search', 'list', 'member'],
  userListMax: 2000,
  userListIncludesInactive: true,
  groupMemberMax: 50,
  autocompleteLimit: 20, // jira.ajax.autocomplete.limit
  pickerHonoursMaxResults: true,
  groupRemoveStatus: 200,
  websudoTtlMs: 600_000,
  websudoReads: false,
  wasmContentType: 'application/wasm',
  readOnlyDirectories: null,
  localGroups: [],
  passwords: {},
  tokens: {},
  now: Date.now,
  logRequests: true,
  capturedAt: undefined,
  nestedGroups: {}, // { parent: [child, ...] }: group/member and effective groups include nested members
  auditRetentionDays: 365, // the audit log keeps events this long; seeded users created earlier have no event
  auditNames: {}, // { kind: {category?, action?} } overrides the assumed event names (audit.mjs AUDIT_NAMES)
  searchMax: 1000, // /rest/api/2/search: most issues per page (jira.search.views.default.max)
  projects: undefined, // seed projects/components/issues: default from users' `leads`/`openAssigned`, derived for `users: N`
};

const XSRF_MODES = ['jira', 'strict', 'off'];

/**
 * Starts a sandbox Jira. Resolves to { url, token, viewerToken, state, requests, close(), ... }.
 * See the option list in DEFAULTS; the main ones: port, host, jira ('9'|'10.0'|'10.3'|'11'),
 * users (N generated) | snapshot (object or path) | sample, rateLimit (true | {capacity, fillRate,
 * intervalSeconds, exempt}), faults (share 0..1), seed, websudo, latencyMs, resources.
 */
export async function startSandbox(options = {}) {
  const opts = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) opts[k] = v;
  opts.lastLoginIn = new Set(opts.lastLoginIn);
  if (!XSRF_MODES.includes(opts.xsrf)) throw new Error(`xsrf must be one of ${XSRF_MODES.join(', ')}, not ${JSON.stringify(opts.xsrf)}`);
  const mode = resolveMode(opts.jira);
  const snap = await sourceSnapshot({ users: options.users, snapshot: options.snapshot, sample: options.sample, seed: opts.seed });
  const { state, passwords, tokens } = buildState(snap, {
    mode,
    timeZone: opts.timeZone,
    readOnlyDirectories: opts.readOnlyDirectories,
    neverLoginAs: opts.neverLoginAs,
    now: opts.now,
    passwords: opts.passwords,
    tokens: opts.tokens,
    nestedGroups: opts.nestedGroups,
    localGroups: opts.localGroups,
    auditRetentionDays: Number(opts.auditRetentionDays),
    auditNames: opts.auditNames,
    projects: opts.projects,
    // The built-in sample gets some history in its audit log (past deactivations).
    history: Boolean(options.sample) || (options.users === undefined && options.snapshot === undefined),
  });
  const basicAuth = opts.basicAuth ?? mode.basicAuth;
  const auth = new Auth({ state, passwords, tokens, basicAuth });
  const limiter = opts.rateLimit ? new RateLimiter({ now: opts.now, ...(opts.rateLimit === true ? {} : opts.rateLimit) }) : null;
  const faults = new Faults({ share: Number(opts.faults) || 0, seed: opts.seed, afterCommit: opts.faultsAfterCommit, slowMs: opts.slowMs, ...(opts.faultKinds ? { kinds: opts.faultKinds } : {}) });
  const contextPath = opts.contextPath.replace(/\/+$/, '');
  const ctx = { state, mode, opts, auth, basicAuth, timeZone: opts.timeZone, baseUrl: '' };
  const routes = [...systemRoutes, ...userRoutes, ...groupRoutes, ...sessionRoutes, ...propertyRoutes, ...auditRoutes, ...projectRoutes].filter((r) => !r.when || r.when(mode));
  const requests = [];
  const warnings = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) sendError(res, 500, `Internal server error: ${e?.message ?? e}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  function match(method, pathname) {
    let samePath = false;
    for (const r of routes) {
      let params;
      if (typeof r.path === 'string') {
        if (r.path !== pathname) continue;
        params = [];
      } else {
        const m = r.path.exec(pathname);
        if (!m) continue;
        params = m.slice(1).map(decodeURIComponent);
      }
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params };
      samePath = true;
    }
    return { route: null, samePath };
  }

  async function handle(req, res) {
    const entry = { method: req.method, path: req.url, status: 0, auth: 'none' };
    if (opts.logRequests) requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.setHeader('X-AREQUESTID', `${Math.floor(Date.now() / 60000) % 1440}x${requests.length}x1`);

    let url;
    try {
      url = new URL(req.url, ctx.baseUrl || 'http://localhost');
    } catch {
      return sendText(res, 400, 'Bad Request');
    }
    let pathname = url.pathname;
    if (contextPath) {
      if (pathname !== contextPath && !pathname.startsWith(`${contextPath}/`)) return sendText(res, 404, 'Not Found');
      pathname = pathname.slice(contextPath.length) || '/';
    }
    pathname = pathname.replace(/^\/rest\/api\/latest\//, '/rest/api/2/');
    if (opts.latencyMs > 0) await sleep(opts.latencyMs);

    if ((req.method === 'GET' || req.method === 'HEAD') && isResourcePath(pathname)) {
      return serveResource(req, res, pathname, opts.resources, { wasmContentType: opts.wasmContentType });
    }
    if (req.method === 'GET' && Object.hasOwn(opts.pages, pathname)) {
      return sendText(res, 200, String(opts.pages[pathname]), 'text/html;charset=UTF-8');
    }

    const principal = auth.identify(req);
    entry.auth = principal.via;
    if (principal.user) entry.user = principal.user.name;
    res.setHeader('X-AUSERNAME', principal.user ? encodeURIComponent(principal.user.name) : 'anonymous');
    const isRest = pathname.startsWith('/rest/');
    const { route, params, samePath } = match(req.method, pathname);

    // Injected faults (a proxy or an overloaded node): decided before anything is applied.
    const fault = isRest ? faults.decide(req.method, req.url, Boolean(route?.mutation)) : null;
    if (fault) entry.fault = fault.afterCommit ? `${fault.kind}-after-commit` : fault.kind;
    if (fault && !fault.afterCommit) {
      if (fault.kind === 'slow') await sleep(faults.slowMs);
      else return failWith(fault.kind, req, res);
    }

    // Rate limiting: external requests of an authenticated user; UI (cookie + xsrf cookie) exempt.
    let rl = {};
    if (isRest && limiter && principal.user && !principal.ui) {
      const t = limiter.take(principal.user.lc);
      rl = t.headers;
      if (!t.allowed) {
        entry.rateLimited = true;
        return sendJson(res, 429, errorBody('Rate limit exceeded.'), rl);
      }
    }

    try {
      if (!route) {
        if (samePath) throw new HttpError(405, `Method ${req.method} is not allowed on ${pathname}`);
        if (isRest) return sendJson(res, 404, { message: `null for uri: ${ctx.baseUrl}${pathname}${url.search}`, 'status-code': 404 }, rl);
        return sendText(res, 404, 'Not Found', 'text/plain;charset=UTF-8', rl);
      }
      if (route.auth && !principal.user) {
        const msg = AUTH_FAILURES[principal.failure] ?? AUTH_FAILURES.token;
        const h = { 'WWW-Authenticate': 'OAuth realm="' + ctx.baseUrl + '"', ...rl };
        if (principal.failure) h['X-Seraph-LoginReason'] = 'AUTHENTICATED_FAILED';
        return sendJson(res, 401, errorBody(msg), h);
      }
      if (isRest && isMutative(req.method)) {
        const xmode = route.xsrfExempt && opts.xsrf === 'strict' ? 'jira' : opts.xsrf;
        const why = xsrfCheck(req, url, { mode: xmode, session: principal.session, selfOrigin: new URL(ctx.baseUrl).origin, enforceOriginOnAll: opts.enforceOriginOnAll, warnings });
        if (why) {
          entry.xsrf = why;
          return sendText(res, 403, 'XSRF check failed', 'text/plain;charset=UTF-8', rl);
        }
      }
      if (opts.websudo && principal.via === 'cookie' && route.admin && (route.mutation || opts.websudoReads)) {
        if (!(principal.session.websudoUntil > state.now())) {
          entry.websudo = true;
          return sendText(res, 401, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><status><status-code>401</status-code><message>This resource requires WebSudo.</message></status>', 'application/xml', rl);
        }
      }
      let json, form;
      if (route.form) {
        form = new URLSearchParams(await readBody(req));
      } else if ((route.mutation || route.json) && req.method !== 'DELETE') {
        // A JSON body: every mutation's, and a read's that takes one (`json: true`, POST search).
        const text = await readBody(req);
        if (text.trim() !== '') {
          const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
          if (type !== 'application/json') throw new HttpError(415, `Unsupported media type: ${type || 'none'}; send application/json`);
          try {
            json = JSON.parse(text);
          } catch (e) {
            throw new HttpError(400, `Unexpected character in the request body: ${e.message}`);
          }
        }
      } else if (req.method !== 'GET' && req.method !== 'HEAD') await readBody(req);

      let result = await route.handler(ctx, { req, url, principal, params, json, form });
      if (result && typeof result.commit === 'function') result = result.commit();
      if (fault?.afterCommit) return failWith(fault.kind, req, res);
      const headers = { ...rl, ...(result.headers ?? {}) };
      const status = result.status ?? 200;
      if (result.html !== undefined) return sendText(res, status, result.html, 'text/html;charset=UTF-8', headers);
      if (result.body === undefined) return sendEmpty(res, status, headers);
      return sendJson(res, status, result.body, headers);
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e.status, e.messages, e.errors, rl);
      throw e;
    }
  }

  function failWith(kind, req, res) {
    if (kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (kind === '500') return sendError(res, 500, 'Internal server error');
    const text = kind === '502'
      ? '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>'
      : '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>';
    return sendText(res, Number(kind), text, 'text/html', kind === '503' ? { 'Retry-After': '1' } : {});
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  ctx.baseUrl = `http://${hostPart}:${addr.port}${contextPath}`;
  state.baseUrl = ctx.baseUrl;

  let closing;
  return {
    url: ctx.baseUrl,
    port: addr.port,
    token: tokens.get('admin'),
    viewerToken: tokens.get('viewer'),
    state,
    requests,
    warnings,
    mode,
    faults,
    limiter,
    auth,
    server,
    /** Stops listening and ends every open connection. */
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

