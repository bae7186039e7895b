// Version and capability detection from /rest/api/2/serverInfo (readable without user data).

/** '10.3.12' -> [10,3,12]; tolerant of suffixes ('10.3.0-m0003', '9.12.15-QR-...'). */
export function parseVersion(v) {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(String(v || '').trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)];
}

/**
 * The listing mode for a version:
 *  '9'    (≤ 9.x): user/search pages of 1000, no lastLoginTime
 *  '10.0' (10.0–10.2): user/search capped at 100 in total -> walk groups; lastLoginTime present
 *  '10.3' (10.3–10.x): user/list cursor paging
 *  '11'   (≥ 11): user/list; Basic auth off by default
 */
export function modeFor(nums) {
  if (!nums) return '9';
  const [major, minor] = nums;
  if (major < 10) return '9';
  if (major === 10) return minor < 3 ? '10.0' : '10.3';
  return '11';
}

export function capabilitiesFor(mode) {
  return {
    userList: mode === '10.3' || mode === '11',
    userSearchCap: mode === '9' ? 1000 : 100,
    // The 10.x/11.x user bean documents lastLoginTime. Whether the listing endpoints carry it is
    // confirmed per snapshot (the field's presence on the beans); see docs/last-login-export.md.
    lastLoginTime: mode !== '9',
  };
}

/**
 * Jira timestamps: '2023-08-30T16:37:01+1000', '2026-11-27T10:00:00.000+0000', RFC 3339 ('…Z',
 * '…+10:00'), a space instead of 'T', no offset (read as UTC). Returns epoch millis or NaN.
 */
export function parseJiraTime(s) {
  if (typeof s === 'number') return Number.isFinite(s) ? s : NaN;
  if (typeof s !== 'string') return NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$/.exec(s.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '', off] = m;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(se) > 60) return NaN;
  if (off && !/^(Z|z|UTC|GMT)$/.test(off)) {
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4) || 0);
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return t;
}

/** Epoch millis -> '2026-11-27T10:00:00Z' (milliseconds kept when not zero). */
export function toIso(ms) {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** A Jira timestamp normalised to ISO UTC, or null when it cannot be read. */
export function normaliseTime(s) {
  const t = parseJiraTime(s);
  return Number.isNaN(t) ? null : toIso(t);
}

/**
 * @param {{getJson: Function}} http
 * @returns {Promise<{version:string, versionNumbers:number[], mode:string, capabilities:object, serverTime:string|null, deploymentType?:string, baseUrl?:string, buildNumber?:number}>}
 */
export async function detect(http) {
  const info = (await http.getJson('/rest/api/2/serverInfo')) || {};
  const versionNumbers = Array.isArray(info.versionNumbers) && info.versionNumbers.length
    ? info.versionNumbers.map(Number).concat([0, 0, 0]).slice(0, 3)
    : parseVersion(info.version) || [0, 0, 0];
  const version = typeof info.version === 'string' ? info.version : versionNumbers.join('.');
  const mode = modeFor(versionNumbers);
  const out = {
    version,
    versionNumbers,
    mode,
    capabilities: capabilitiesFor(mode),
    serverTime: info.serverTime ? normaliseTime(info.serverTime) : null,
  };
  if (info.deploymentType) out.deploymentType = info.deploymentType;
  if (info.buildNumber != null) out.buildNumber = info.buildNumber;
  return out;
}
