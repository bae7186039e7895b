// Sending one email through SMTP (Node only; nodemailer). Configuration: USER_CLEANUP_SMTP_URL,
// `smtp://[user:pass@]host[:port]` (STARTTLS when the server offers it; REQUIRED when credentials are
// given and the host is not this machine) or `smtps://…` (TLS from the start); the sender from
// USER_CLEANUP_MAIL_FROM (default user-cleanup@<hostname>).
//
// A failed email must never fail a run: `sendMail` never throws. It answers
// {ok:true, messageId, accepted, rejected} or {ok:false, code, reason, retryable, responseCode?}
// and the caller records that in the trail. Every reason is redacted: the password (and the user
// name, and their encodings on the wire) never appear in it, and the URL is only ever shown
// without credentials.
import nodemailer from 'nodemailer';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

export const SMTP_ENV = 'USER_CLEANUP_SMTP_URL';
export const FROM_ENV = 'USER_CLEANUP_MAIL_FROM';
/** Bound on one send, connection to last reply (each SMTP step also times out after this long). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A configuration problem (bad URL, bad sender): message and code, never the credentials. */
export class MailConfigError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'MailConfigError';
    this.code = code;
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Parses an SMTP URL. Throws MailConfigError (code mail.badUrl) naming what is wrong — with the URL
 * shown redacted. Returns {secure, host, port, user?, pass?, display, requireTLS}.
 */
export function parseSmtpUrl(text) {
  if (typeof text !== 'string' || text.trim() === '') throw new MailConfigError(`${SMTP_ENV} is not set`, 'mail.notConfigured');
  let u;
  try {
    u = new URL(text.trim());
  } catch {
    // Do not echo the text: it may hold a password.
    throw new MailConfigError(`${SMTP_ENV} is not a URL (expected smtp://host:port or smtps://user:password@host:port)`, 'mail.badUrl');
  }
  let user;
  let pass;
  try {
    user = decodeURIComponent(u.username);
    pass = decodeURIComponent(u.password);
  } catch {
    throw new MailConfigError(`${SMTP_ENV}: the user name or password has a bad %-escape`, 'mail.badUrl');
  }
  const secure = u.protocol === 'smtps:';
  const port = u.port === '' ? (secure ? 465 : 587) : Number(u.port);
  const display = `${u.protocol}//${user ? `${user}:***@` : ''}${u.hostname}:${port}`;
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new MailConfigError(`${SMTP_ENV} must start with smtp:// or smtps://, got ${u.protocol}//`, 'mail.badUrl');
  if (u.hostname === '') throw new MailConfigError(`${SMTP_ENV} has no host`, 'mail.badUrl');
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    throw new MailConfigError(`${SMTP_ENV} takes no path, query or fragment (${display})`, 'mail.badUrl');
  }
  if (pass && !user) throw new MailConfigError(`${SMTP_ENV} has a password but no user name (${display})`, 'mail.badUrl');
  // A password over a plain connection to another machine is readable on the wire: demand STARTTLS.
  const requireTLS = !secure && Boolean(user) && !LOOPBACK.test(u.hostname);
  return { secure, host: u.hostname.replace(/^\[|\]$/g, ''), port, user: user || undefined, pass: pass || undefined, display, requireTLS };
}

/** The configured server for logs and `daemon --check`, credentials hidden; null when not configured. */
export function describeSmtp(env = process.env) {
  const url = env[SMTP_ENV];
  if (!url) return null;
  try {
    return parseSmtpUrl(url).display;
  } catch (e) {
    return `invalid (${e.message})`;
  }
}

/**
 * A deterministic Message-ID for the same email (e.g. parts = ['warning', user, rule, warnedFor]):
 * a resend after a crash carries the same id, which the trail (and many mail systems) recognise.
 */
export function stableMessageId(parts, domain = 'user-cleanup.invalid') {
  const h = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 40);
  return `<${h}@${domain}>`;
}

// One address, nothing else: no display name, no list, no comment, no group. Addresses come from
// Jira user profiles (untrusted); "a@x.com, b@y.com" must not become two recipients.
const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HEADER_NAME = /^X-[A-Za-z0-9-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

function checkMessage(m) {
  if (!m || typeof m !== 'object') return 'the message must be an object {to, subject, text, html?}';
  const to = Array.isArray(m.to) ? m.to : [m.to];
  if (to.length === 0) return 'the message has no recipient';
  for (const a of to) if (typeof a !== 'string' || a.length > 254 || !ADDRESS.test(a)) return `not one email address: ${JSON.stringify(String(a).slice(0, 80))}`;
  if (typeof m.subject !== 'string' || CONTROL.test(m.subject)) return 'the subject must be one line of text (render it with render.mjs)';
  if (typeof m.text !== 'string') return 'the message needs a text part';
  if (m.html !== undefined && typeof m.html !== 'string') return 'html must be text';
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (!HEADER_NAME.test(k)) return `extra header ${JSON.stringify(k)}: only X-… headers may be added`;
    if (typeof v !== 'string' || CONTROL.test(v)) return `extra header ${k}: the value must be one line of text`;
  }
  if (m.messageId !== undefined && (typeof m.messageId !== 'string' || !/^<?[^\s<>@]+@[^\s<>@]+>?$/.test(m.messageId))) {
    return 'messageId must look like <id@domain> (see stableMessageId)';
  }
  return null;
}

/** Replaces every form in which the credentials could be echoed (raw, URL-encoded, base64 as in AUTH). */
function redactor(cfg, rawUrl) {
  const secrets = new Set();
  const add = (s) => typeof s === 'string' && s !== '' && secrets.add(s);
  if (typeof rawUrl === 'string') add(rawUrl.trim());
  // The user name is not secret (it is shown as smtp://user:***@host), the password is — in any
  // form a server could echo: as typed, %-encoded, base64 (AUTH LOGIN) and AUTH PLAIN's base64.
  // A URL that does not parse may still hold one: hide what sits between "//" and "@".
  if (typeof rawUrl === 'string') add(/\/\/([^/?#]*)@/.exec(rawUrl)?.[1]);
  if (cfg?.pass) {
    add(cfg.pass);
    add(encodeURIComponent(cfg.pass));
    add(Buffer.from(cfg.pass).toString('base64'));
    add(Buffer.from(`\u0000${cfg.user}\u0000${cfg.pass}`).toString('base64'));
  }
  const list = [...secrets].sort((a, b) => b.length - a.length); // longest first: the URL before its parts
  return (text) => {
    let out = String(text);
    for (const s of list) out = out.split(s).join('***');
    return out;
  };
}

const serverName = (cfg) => (cfg.host.includes(':') ? `[${cfg.host}]:${cfg.port}` : `${cfg.host}:${cfg.port}`);

function transportFor(cfg, timeoutMs) {
  return nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    requireTLS: cfg.requireTLS,
    auth: cfg.user ? { user: cfg.user, pass: cfg.pass ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false, // nodemailer's logger would print the AUTH exchange
    debug: false,
  });
}

function failure(code, reason, retryable, extra = {}) {
  return { ok: false, code, reason, retryable, ...extra };
}

function classify(e, where, redact, timeoutMs) {
  const detail = redact(e.response ?? e.message ?? String(e));
  const rc = Number.isInteger(e.responseCode) ? { responseCode: e.responseCode } : {};
  if (e.code === 'EABORT' || e.name === 'AbortError') return failure('mail.timeout', `${where} did not finish within ${timeoutMs} ms (sending abandoned)`, true);
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return failure('mail.auth', `${where} refused the login: ${detail}`, false, rc);
  if (e.code === 'ETLS' || e.code === 'EREQUIRETLS') return failure('mail.tls', `TLS with ${where} failed: ${detail}`, false);
  if (e.responseCode >= 400 && e.responseCode < 500) return failure('mail.tempFailure', `${where} answered ${detail} (temporary: try again later)`, true, rc);
  if (e.responseCode >= 500) return failure('mail.rejected', `${where} refused the message: ${detail}`, false, rc);
  if (e.code === 'ETIMEDOUT') return failure('mail.timeout', `no answer from ${where} within ${timeoutMs} ms (${detail})`, true);
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'EDNS' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET/.test(detail)) {
    return failure('mail.connection', `cannot reach ${where}: ${detail}`, true);
  }
  return failure('mail.failed', `sending through ${where} failed: ${detail}${e.code ? ` (${e.code})` : ''}`, true, rc);
}

/**
 * Sends one email. Never throws.
 * @param {{to: string|string[], subject: string, text: string, html?: string, headers?: Record<string,string>, messageId?: string}} message
 * @param {{url?: string, from?: string, timeoutMs?: number, signal?: AbortSignal, env?: object}} [options]
 *   url defaults to env.USER_CLEANUP_SMTP_URL, from to env.USER_CLEANUP_MAIL_FROM.
 * @returns {Promise<{ok: true, messageId, accepted: string[], rejected: string[], response} |
 *                   {ok: false, code, reason, retryable, responseCode?}>}
 *   codes: mail.notConfigured, mail.badUrl, mail.badMessage, mail.connection, mail.timeout, mail.auth,
 *   mail.tls, mail.tempFailure (4xx), mail.rejected (5xx), mail.stopped (options.signal), mail.failed.
 */
export async function sendMail(message, options) {
  try {
    return await send(message, options ?? {});
  } catch (e) {
    // A bug or an odd argument must not fail a run either; the reason is still scrubbed.
    return failure('mail.failed', scrub(options, e), true);
  }
}

function scrub(options, e) {
  const rawUrl = options?.url ?? (options?.env ?? process.env)[SMTP_ENV];
  let cfg = null;
  try {
    cfg = parseSmtpUrl(rawUrl);
  } catch {
    // the raw URL is still scrubbed below
  }
  return redactor(cfg, rawUrl)(`sending failed: ${e?.message ?? e}`);
}

/**
 * The mail server `options` name (url, or the environment's): its parsed settings, a redactor that
 * hides its password in any text, and the time bound. A bad URL comes back as `failed`, scrubbed.
 */
function serverSettings(options) {
  const rawUrl = options.url ?? (options.env ?? process.env)[SMTP_ENV];
  let cfg;
  try {
    cfg = parseSmtpUrl(rawUrl);
  } catch (e) {
    return { failed: failure(e.code ?? 'mail.badUrl', redactor(null, rawUrl)(e.message), false) };
  }
  const timeoutMs = Number.isFinite(options.timeoutMs) && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
  return { cfg, redact: redactor(cfg, rawUrl), timeoutMs };
}

async function send(message, options) {
  const env = options.env ?? process.env;
  const { failed, cfg, redact, timeoutMs } = serverSettings(options);
  if (failed) return failed;
  const where = serverName(cfg);
  const bad = checkMessage(message);
  if (bad) return failure('mail.badMessage', redact(bad), false);
  const from = options.from ?? env[FROM_ENV] ?? `user-cleanup@${hostname()}`;
  if (typeof from !== 'string' || CONTROL.test(from)) return failure('mail.badMessage', `${FROM_ENV} must be one line`, false);

  const transporter = transportFor(cfg, timeoutMs);
  // One deadline for the whole send (a server that trickles bytes resets the per-step timers).
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const messageId = message.messageId === undefined ? undefined : message.messageId.startsWith('<') ? message.messageId : `<${message.messageId}>`;
  try {
    const info = await transporter.sendMail({
      from,
      to: Array.isArray(message.to) ? message.to : [message.to],
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId,
      // RFC 3834: out-of-office replies and other auto-responders must not answer a machine.
      headers: { 'Auto-Submitted': 'auto-generated', ...(message.headers ?? {}) },
      disableFileAccess: true, // nothing in a message may make nodemailer read a file or a URL
      disableUrlAccess: true,
      signal,
    });
    return {
      ok: true,
      messageId: info.messageId,
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
      response: redact(info.response ?? ''),
    };
  } catch (e) {
    // Stopped by the caller (the daemon's SIGTERM), not by the deadline: say so.
    if (options.signal?.aborted && !deadline.aborted) return failure('mail.stopped', `sending through ${where} was stopped`, true);
    return classify(e, where, redact, timeoutMs);
  } finally {
    transporter.close();
  }
}

/**
 * Connects and logs in without sending (for `daemon --check`). Never throws.
 * @returns {Promise<{ok: true, server: string} | {ok: false, code, reason, retryable}>}
 */
export async function verifySmtp(options) {
  try {
    return await verify(options ?? {});
  } catch (e) {
    return failure('mail.failed', scrub(options, e), true);
  }
}

async function verify(options) {
  const { failed, cfg, redact, timeoutMs } = serverSettings(options);
  if (failed) return failed;
  const transporter = transportFor(cfg, timeoutMs);
  let timer;
  try {
    // verify() takes no signal: race it against the same bound.
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    await Promise.race([transporter.verify(), late]);
    return { ok: true, server: cfg.display };
  } catch (e) {
    return classify(e, serverName(cfg), redact, timeoutMs);
  } finally {
    clearTimeout(timer);
    transporter.close();
  }
}
