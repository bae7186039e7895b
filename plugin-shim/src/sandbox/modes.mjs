// Jira DC version modes the sandbox emulates (docs/jira-rest.md).
//   9     user/search pages of up to 1000, no lastLoginTime, no user/list
//   10.0  user/search capped at 100 results in total (10.0-10.2), lastLoginTime present
//   10.3  as 10.0 plus user/list (cursor paging)
//   11    as 10.3, Basic auth and /rest/auth/1/session refused by default

const MODES = {
  '9': { version: '9.17.5', searchPageMax: 1000, searchWindow: Infinity, userList: false, lastLoginTime: false, basicAuth: true, deploymentType: 'Server' },
  '10.0': { version: '10.0.1', searchPageMax: 100, searchWindow: 100, userList: false, lastLoginTime: true, basicAuth: true, deploymentType: 'DataCenter' },
  '10.3': { version: '10.3.12', searchPageMax: 100, searchWindow: 100, userList: true, lastLoginTime: true, basicAuth: true, deploymentType: 'DataCenter' },
  '11': { version: '11.3.0', searchPageMax: 100, searchWindow: 100, userList: true, lastLoginTime: true, basicAuth: false, deploymentType: 'DataCenter' },
};

export const MODE_NAMES = Object.keys(MODES);

/** Accepts "9", "9.17", "10", "10.0", "10.2", "10.3", "10.3.12", "11", "11.3.0"; throws on anything else. */
export function resolveMode(jira = '10.3') {
  const s = String(jira).trim();
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`unknown Jira version ${JSON.stringify(jira)} (use 9, 10.0, 10.3 or 11)`);
  const major = Number(m[1]);
  const minor = m[2] === undefined ? undefined : Number(m[2]);
  let key;
  if (major === 9) key = '9';
  else if (major === 10) key = minor === undefined || minor < 3 ? '10.0' : '10.3';
  else if (major === 11) key = '11';
  else throw new Error(`unsupported Jira version ${JSON.stringify(jira)} (use 9, 10.0, 10.3 or 11)`);
  const base = MODES[key];
  // An exact version given on the command line is reported as is (e.g. 10.2 -> "10.2.0").
  let version = base.version;
  if (minor !== undefined && !(key === '10.0' && minor === 0) && !(key === '9' && minor === 17) && !(key === '10.3' && minor === 3) && !(key === '11' && minor === 3)) {
    version = `${major}.${minor}.${m[3] ?? 0}`;
  } else if (m[3] !== undefined) version = `${major}.${minor}.${m[3]}`;
  const versionNumbers = version.split('.').map(Number);
  return { key, ...base, version, versionNumbers, buildNumber: versionNumbers[0] * 100000 + versionNumbers[1] * 1000 + versionNumbers[2] };
}
