// GET /rest/auditing/1.0/events (Jira 8.8+): the audit log, admins only. Read-only: no REST call
// edits or deletes an event (a PUT/POST/DELETE here answers 405). See ../audit.mjs.
import { HttpError } from '../http.mjs';
import { isAdmin } from '../permissions.mjs';
import { auditPage } from '../audit.mjs';

function events(ctx, { principal, url }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to view the audit log.');
  return { body: auditPage(ctx.state.audit, ctx.baseUrl, url) };
}

export const auditRoutes = [{ method: 'GET', path: '/rest/auditing/1.0/events', auth: true, admin: true, handler: events }];
