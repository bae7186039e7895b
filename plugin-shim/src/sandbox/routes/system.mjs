// serverInfo, mypermissions, application roles (seats from live state) and the private licence endpoint.
import { createHash } from 'node:crypto';
import { HttpError } from '../http.mjs';
import { roleBean } from '../beans.mjs';
import { isAdmin, myPermissions } from '../permissions.mjs';
import { jiraTimeMillis } from '../time.mjs';

function serverInfo(ctx) {
  const m = ctx.mode;
  return {
    body: {
      baseUrl: ctx.baseUrl,
      version: m.version,
      versionNumbers: m.versionNumbers,
      deploymentType: ctx.opts.deploymentType ?? m.deploymentType,
      buildNumber: m.buildNumber,
      buildDate: '2026-10-01T00:00:00.000+0000',
      serverTime: jiraTimeMillis(ctx.state.now(), ctx.timeZone),
      scmInfo: '6f8d9a4c0b2e1d3f5a7c9e0b1d2f3a4c5e6f7a8b',
      serverTitle: 'Jira (User Cleanup sandbox)',
    },
  };
}

function mypermissions(ctx, { principal }) {
  return { body: myPermissions(ctx.state, principal.user) };
}

function roles(ctx, { principal }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You are not authorized to perform this operation. Please log in.');
  const body = ctx.state.roleStats().map(roleBean);
  const etag = `"${createHash('sha1').update(JSON.stringify(body)).digest('hex').slice(0, 16)}"`;
  return { body, headers: { ETag: etag } };
}

function role(ctx, { principal, params }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You are not authorized to perform this operation. Please log in.');
  const r = ctx.state.roleStats().find((x) => x.key === params[0]);
  if (!r) throw new HttpError(404, `No application role with key '${params[0]}'.`);
  return { body: roleBean(r) };
}

function licence(ctx, { principal, params }) {
  if (!isAdmin(principal.user)) throw new HttpError(403, 'You do not have permission to access this resource.');
  const r = ctx.state.roleStats().find((x) => x.key === params[0]);
  if (!r) throw new HttpError(404, `Application '${params[0]}' is not installed.`);
  return {
    body: {
      valid: true,
      evaluation: false,
      maximumNumberOfUsers: r.hasUnlimitedSeats ? -1 : r.numberOfSeats,
      licenseType: 'Commercial',
      creationDateString: '01/Dec/25',
      expiryDate: Date.UTC(2027, 11, 1),
      expiryDateString: '01/Dec/27',
      organizationName: 'ACME Corp',
      dataCenter: true,
      subscription: true,
      rawLicense: `AAAB${Buffer.from(`sandbox:${r.key}`).toString('base64')}`,
      maintenanceExpired: false,
      enterprise: false,
      active: true,
      autoRenewal: false,
    },
  };
}

export const systemRoutes = [
  { method: 'GET', path: '/rest/api/2/serverInfo', auth: false, handler: serverInfo },
  { method: 'GET', path: '/rest/api/2/mypermissions', auth: true, handler: mypermissions },
  { method: 'GET', path: '/rest/api/2/applicationrole', auth: true, admin: true, handler: roles },
  { method: 'GET', path: /^\/rest\/api\/2\/applicationrole\/([^/]+)$/, auth: true, admin: true, handler: role },
  { method: 'GET', path: /^\/rest\/plugins\/applications\/1\.0\/installed\/([^/]+)\/license$/, auth: true, admin: true, handler: licence },
];
