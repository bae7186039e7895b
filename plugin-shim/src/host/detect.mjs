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
  const fast = parseCanonical(s);
  if (fast !== undefined) return fast;
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

// The snapshot normalises every user's last login time (100,000 at once, after the last group
// page and before the first Dashboard): the shape Jira writes, and ISO output, are read and written
// here without a regular expression or a Date (five times faster), with the same answers as the
// general path (which every other shape takes).
const digit = (s, i) => s.charCodeAt(i) - 48;
const two = (s, i) => {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/** 'YYYY-MM-DDTHH:MM:SS' [+ '.mmm'] + 'Z' | '±HHMM' | '±HH:MM' → epoch millis (NaN: out of range); undefined: another shape. */
function parseCanonical(s) {
  const n = s.length;
  if (n < 20 || n > 29 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const y1 = two(s, 0), y2 = two(s, 2), mo = two(s, 5), d = two(s, 8), h = two(s, 11), mi = two(s, 14), se = two(s, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return undefined;
  const y = y1 * 100 + y2;
  if (y < 100) return undefined; // Date.UTC reads years 0–99 as 1900–1999: the general path keeps that
  let p = 19; // where the offset starts
  let ms = 0;
  if (s[19] === '.') {
    const ms2 = two(s, 20);
    const ms3 = digit(s, 22);
    if (ms2 < 0 || !(ms3 >= 0 && ms3 <= 9)) return undefined;
    ms = ms2 * 10 + ms3;
    p = 23;
  }
  let off = 0;
  if (n === p + 1 && s[p] === 'Z') off = 0;
  else if ((n === p + 5 || n === p + 6) && (s[p] === '+' || s[p] === '-')) {
    const oh = two(s, p + 1);
    const om = n === p + 5 ? two(s, p + 3) : s[p + 3] === ':' ? two(s, p + 4) : -1;
    if (oh < 0 || om < 0) return undefined;
    off = (s[p] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, se, ms) - off;
}

const pad2 = (x) => (x < 10 ? `0${x}` : `${x}`);

/** Epoch millis -> '2026-11-27T10:00:00Z' (milliseconds kept when not zero). */
export function toIso(ms) {
  if (!Number.isInteger(ms) || ms < 0 || ms > 253402300799999) {
    const s = new Date(ms).toISOString();
    return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
  }
  // 1970–9999: the civil date of a day number (H. Hinnant's days_from_civil, inverted).
  const days = Math.floor(ms / 86_400_000);
  let rem = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const se = Math.floor(rem / 1000);
  const msec = rem - se * 1000;
  const at = `${y}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(se)}`;
  return msec === 0 ? `${at}Z` : `${at}.${msec < 10 ? '00' : msec < 100 ? '0' : ''}${msec}Z`;
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
