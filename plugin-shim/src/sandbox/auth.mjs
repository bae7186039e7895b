// Who is calling: a PAT (Authorization: Bearer), Basic (refused when the mode or option turns it
// off, as Jira 11 does by default), or a JSESSIONID session cookie. Sessions also carry the
// atlassian.xsrf.token and the WebSudo elevation.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookies } from './http.mjs';

const same = (a, b) => {
  const x = Buffer.from(String(a)), y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};

export class Auth {
  constructor({ state, passwords, tokens, basicAuth }) {
    this.state = state;
    this.passwords = passwords; // lc name -> password
    this.tokens = tokens; // lc name -> PAT
    this.byToken = new Map([...tokens].map(([n, t]) => [t, n]));
    this.basicAuth = basicAuth;
    /** sid -> { user (lc), xsrf, websudoUntil } */
    this.sessions = new Map();
  }

  checkPassword(name, password) {
    const u = this.state.user(name ?? '');
    if (!u) return null;
    const pw = this.passwords.get(u.lc);
    if (pw === undefined || !same(pw, password ?? '')) return null;
    return u;
  }

  createSession(u) {
    const sid = randomBytes(16).toString('hex').toUpperCase();
    const xsrf = `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}|${randomBytes(20).toString('hex')}|lin`;
    const s = { sid, user: u.lc, xsrf, websudoUntil: 0 };
    this.sessions.set(sid, s);
    return s;
  }

  sessionCookies(s) {
    return [`JSESSIONID=${s.sid}; Path=/; HttpOnly`, `atlassian.xsrf.token=${encodeURIComponent(s.xsrf)}; Path=/`];
  }

  /**
   * The principal of a request: { via: 'pat'|'basic'|'cookie'|'none', user?, session?, ui, failure? }.
   * `failure` is set when credentials were given but are not valid (401).
   */
  identify(req) {
    const h = req.headers.authorization;
    const cookies = parseCookies(req.headers.cookie);
    if (h) {
      const [scheme, rest = ''] = h.split(/\s+/, 2);
      if (/^bearer$/i.test(scheme)) {
        const name = this.byToken.get(rest.trim());
        const u = name && this.state.user(name);
        if (!u) return { via: 'pat', failure: 'token' };
        if (!u.active) return { via: 'pat', failure: 'inactive' };
        return { via: 'pat', user: u, ui: false };
      }
      if (/^basic$/i.test(scheme)) {
        if (!this.basicAuth) return { via: 'basic', failure: 'basic-disabled' };
        const text = Buffer.from(rest, 'base64').toString('utf8');
        const i = text.indexOf(':');
        const u = i < 0 ? null : this.checkPassword(text.slice(0, i), text.slice(i + 1));
        if (!u) return { via: 'basic', failure: 'password' };
        if (!u.active) return { via: 'basic', failure: 'inactive' };
        return { via: 'basic', user: u, ui: false };
      }
      return { via: 'none', failure: 'scheme' };
    }
    if (cookies.JSESSIONID) {
      const s = this.sessions.get(cookies.JSESSIONID);
      const u = s && this.state.user(s.user);
      if (!u || !u.active) return { via: 'none', cookies, staleSession: true };
      // Jira classifies a request carrying JSESSIONID and atlassian.xsrf.token as a UI request.
      return { via: 'cookie', user: u, session: s, cookies, ui: Boolean(cookies['atlassian.xsrf.token']) };
    }
    return { via: 'none', cookies };
  }

  /** A user was renamed: its password, PAT and sessions follow it (Jira ties them to the user, not the name). */
  renamed(oldLc, newLc) {
    if (oldLc === newLc) return;
    for (const m of [this.passwords, this.tokens]) {
      if (m.has(oldLc)) {
        m.set(newLc, m.get(oldLc));
        m.delete(oldLc);
      }
    }
    for (const [t, n] of this.byToken) if (n === oldLc) this.byToken.set(t, newLc);
    for (const s of this.sessions.values()) if (s.user === oldLc) s.user = newLc;
  }

  logout(s) {
    if (s) this.sessions.delete(s.sid);
  }
}

export const AUTH_FAILURES = {
  token: 'You are not authenticated. Authentication required to perform this operation.',
  inactive: 'You are not authenticated. Authentication required to perform this operation.',
  password: 'You are not authenticated. Authentication required to perform this operation.',
  scheme: 'You are not authenticated. Authentication required to perform this operation.',
  'basic-disabled': 'Basic authentication has been disabled on this instance. Use a personal access token (Authorization: Bearer) instead.',
};
