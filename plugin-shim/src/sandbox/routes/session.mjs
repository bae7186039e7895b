// Logins: REST session (/rest/auth/1/session), the UI form (/login.jsp), WebSudo elevation.
import { HttpError, escapeHtml } from '../http.mjs';
import { jiraTimeMillis } from '../time.mjs';

function loginInfo(ctx, u) {
  const info = { failedLoginCount: u.failedLoginCount ?? 0, loginCount: u.loginCount ?? 0 };
  if (u.previousLogin) info.previousLoginTime = jiraTimeMillis(u.previousLogin, ctx.timeZone);
  return info;
}

function doLogin(ctx, username, password) {
  const u = ctx.auth.checkPassword(username, password);
  if (!u || !u.active) {
    const known = ctx.state.user(username ?? '');
    if (known) known.failedLoginCount = (known.failedLoginCount ?? 0) + 1;
    return null;
  }
  ctx.state.recordLogin(u);
  return { u, session: ctx.auth.createSession(u) };
}

function restLogin(ctx, { json }) {
  if (!ctx.basicAuth) {
    throw new HttpError(403, 'Authentication with username and password has been disabled on this instance. Use a personal access token.');
  }
  const { username, password } = json && typeof json === 'object' ? json : {};
  const r = doLogin(ctx, username, password);
  if (!r) throw new HttpError(401, 'Login failed');
  return {
    body: { session: { name: 'JSESSIONID', value: r.session.sid }, loginInfo: loginInfo(ctx, r.u) },
    headers: { 'Set-Cookie': ctx.auth.sessionCookies(r.session), 'X-Seraph-LoginReason': 'OK' },
  };
}

function currentSession(ctx, { principal }) {
  const u = principal.user;
  return { body: { self: `${ctx.baseUrl}/rest/api/latest/user?username=${encodeURIComponent(u.name)}`, name: u.name, loginInfo: loginInfo(ctx, u) } };
}

function logout(ctx, { principal }) {
  if (principal.via !== 'cookie') throw new HttpError(401, 'You are not logged in.');
  ctx.auth.logout(principal.session);
  return { status: 204, headers: { 'Set-Cookie': 'JSESSIONID=; Path=/; Max-Age=0' } };
}

function dropWebsudo(ctx, { principal }) {
  if (principal.session) principal.session.websudoUntil = 0;
  return { status: 204 };
}

function page(title, body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} - Jira</title></head><body>${body}</body></html>`;
}

function formLogin(ctx, { form }) {
  const r = doLogin(ctx, form.get('os_username'), form.get('os_password'));
  if (!r) {
    return {
      status: 200,
      html: page('Log in', '<div class="aui-message error">Sorry, your username and password are incorrect - please try again.</div>'),
      headers: { 'X-Seraph-LoginReason': 'AUTHENTICATED_FAILED' },
    };
  }
  const dest = form.get('os_destination') || '/secure/Dashboard.jspa';
  return {
    status: 302,
    headers: { Location: `${ctx.baseUrl}${dest.startsWith('/') ? dest : `/${dest}`}`, 'Set-Cookie': ctx.auth.sessionCookies(r.session), 'X-Seraph-LoginReason': 'OK' },
    html: '',
  };
}

/** Jira's login form (GET): what a person opening the demo in a browser is sent to. */
function loginPage(ctx, { url }) {
  const dest = escapeHtml(url.searchParams.get('os_destination') ?? '');
  return {
    html: page(
      'Log in',
      `<form method="post" action="${ctx.baseUrl}/login.jsp"><h1>Log in to Jira</h1>` +
        '<label>Username <input name="os_username" autocomplete="username" autofocus></label> ' +
        '<label>Password <input type="password" name="os_password" autocomplete="current-password"></label> ' +
        `<input type="hidden" name="os_destination" value="${dest}"><input type="submit" value="Log in"></form>` +
        '<p>Sandbox accounts: admin/admin (a Jira administrator), viewer/viewer (not one).</p>',
    ),
  };
}

function websudoPage(ctx, { url }) {
  const dest = escapeHtml(url.searchParams.get('webSudoDestination') ?? '');
  return {
    html: page('Administrator Access', `<form method="post" action="${ctx.baseUrl}/secure/admin/WebSudoAuthenticate.jspa"><input type="password" name="webSudoPassword"><input type="hidden" name="webSudoDestination" value="${dest}"><input type="submit" value="Confirm"></form>`),
  };
}

function websudoAuthenticate(ctx, { principal, form }) {
  if (principal.via !== 'cookie') return { status: 302, headers: { Location: `${ctx.baseUrl}/login.jsp` }, html: '' };
  const ok = ctx.auth.checkPassword(principal.user.name, form.get('webSudoPassword') ?? '');
  if (!ok) return { status: 200, html: page('Administrator Access', '<div class="aui-message error">You have entered an invalid password.</div>') };
  principal.session.websudoUntil = ctx.state.now() + ctx.opts.websudoTtlMs;
  const dest = form.get('webSudoDestination');
  if (dest) return { status: 302, headers: { Location: `${ctx.baseUrl}${dest.startsWith('/') ? dest : `/${dest}`}` }, html: '' };
  return { status: 200, html: page('Administrator Access', '<p>Administrator access confirmed.</p>') };
}

export const sessionRoutes = [
  { method: 'POST', path: '/rest/auth/1/session', auth: false, mutation: true, xsrfExempt: true, handler: restLogin },
  { method: 'GET', path: '/rest/auth/1/session', auth: true, handler: currentSession },
  { method: 'DELETE', path: '/rest/auth/1/session', auth: false, mutation: true, xsrfExempt: true, handler: logout },
  { method: 'DELETE', path: '/rest/auth/1/websudo', auth: true, mutation: true, handler: dropWebsudo },
  { method: 'GET', path: '/login.jsp', auth: false, handler: loginPage },
  { method: 'POST', path: '/login.jsp', auth: false, form: true, handler: formLogin },
  { method: 'GET', path: '/secure/admin/WebSudoAuthenticate!default.jspa', auth: false, handler: websudoPage },
  { method: 'POST', path: '/secure/admin/WebSudoAuthenticate.jspa', auth: false, form: true, handler: websudoAuthenticate },
];
