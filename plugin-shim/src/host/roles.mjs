// Application roles (seats) and, where the private endpoint answers, licence details.
import { HostError } from './errors.mjs';
import { normaliseTime, toIso } from './detect.mjs';

/** GET /rest/api/2/applicationrole -> the Snapshot's applicationRoles. */
export async function applicationRoles(http) {
  const arr = await http.getJson('/rest/api/2/applicationrole');
  if (!Array.isArray(arr)) return [];
  return arr.filter((r) => r && typeof r.key === 'string').map((r) => {
    const out = { key: r.key, name: typeof r.name === 'string' ? r.name : r.key, groups: Array.isArray(r.groups) ? r.groups.map(String) : [] };
    if (Array.isArray(r.defaultGroups)) out.defaultGroups = r.defaultGroups.map(String);
    for (const f of ['numberOfSeats', 'remainingSeats', 'userCount']) if (typeof r[f] === 'number') out[f] = r[f];
    if (typeof r.hasUnlimitedSeats === 'boolean') out.hasUnlimitedSeats = r.hasUnlimitedSeats;
    if (typeof r.platform === 'boolean') out.platform = r.platform;
    return out;
  });
}

/**
 * Licence details from the private endpoint
 * /rest/plugins/applications/1.0/installed/{key}/license, per role. Roles that do not answer
 * (404, 403, not JSON) are left out; the raw licence text is never copied.
 */
export async function licences(http, roleKeys) {
  const out = [];
  for (const key of roleKeys) {
    let l;
    try {
      l = await http.getJson(`/rest/plugins/applications/1.0/installed/${encodeURIComponent(key)}/license`, undefined, { });
    } catch (e) {
      if (e instanceof HostError && e.code !== 'host.aborted' && e.code !== 'host.network') continue;
      throw e;
    }
    if (!l || typeof l !== 'object') continue;
    const x = { key };
    for (const f of ['valid', 'evaluation', 'maximumNumberOfUsers', 'licenseType', 'organizationName', 'dataCenter', 'subscription', 'maintenanceExpired', 'enterprise', 'active', 'autoRenewal']) {
      if (l[f] !== undefined && l[f] !== null) x[f] = l[f];
    }
    if (typeof l.expiryDate === 'number') x.expiryDate = toIso(l.expiryDate);
    else if (typeof l.expiryDate === 'string') x.expiryDate = normaliseTime(l.expiryDate) || l.expiryDate;
    out.push(x);
  }
  return out;
}
