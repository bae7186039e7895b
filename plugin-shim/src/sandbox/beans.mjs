// The JSON shapes Jira DC returns (reference §1): user beans, group refs, application roles.

/** A user bean. opts: { expand: Set<string>, groupsSize: bool, lastLogin: bool }. */
export function userBean(ctx, u, { expand, groupsSize = false, lastLogin = true } = {}) {
  const base = ctx.baseUrl;
  const enc = encodeURIComponent;
  const b = {
    self: `${base}/rest/api/2/user?username=${enc(u.name)}`,
    key: u.key,
    name: u.name,
    emailAddress: u.email,
    avatarUrls: {
      '48x48': `${base}/secure/useravatar?ownerId=${enc(u.key)}&avatarId=10122`,
      '24x24': `${base}/secure/useravatar?size=small&ownerId=${enc(u.key)}&avatarId=10122`,
      '16x16': `${base}/secure/useravatar?size=xsmall&ownerId=${enc(u.key)}&avatarId=10122`,
      '32x32': `${base}/secure/useravatar?size=medium&ownerId=${enc(u.key)}&avatarId=10122`,
    },
    displayName: u.displayName,
    active: u.active,
    deleted: false,
    timeZone: ctx.timeZone,
    locale: 'en_US',
  };
  if (lastLogin) {
    const ll = ctx.state.lastLoginTimeOf(u);
    if (ll !== undefined) b.lastLoginTime = ll;
  }
  if (groupsSize || expand) {
    const groups = expand?.has('groups');
    const roles = expand?.has('applicationRoles');
    const gs = u.groups;
    b.groups = { size: gs.length, items: groups ? gs.map((name) => groupRef(ctx, name)) : [] };
    const rs = ctx.state.rolesOf(u);
    b.applicationRoles = { size: rs.length, items: roles ? rs.map((r) => roleBean(r)) : [] };
    b.expand = 'groups,applicationRoles';
  }
  return b;
}

export function groupRef(ctx, name) {
  return { name, self: `${ctx.baseUrl}/rest/api/2/group?groupname=${encodeURIComponent(name)}` };
}

const DESCRIPTIONS = { 'jira-software': 'users', 'jira-servicedesk': 'agents', 'jira-core': 'users' };

/** An ApplicationRole (DC shape: no groupDetails). */
export function roleBean(r) {
  const unlimited = r.hasUnlimitedSeats;
  const noun = DESCRIPTIONS[r.key] ?? 'users';
  return {
    key: r.key,
    groups: [...r.groups],
    name: r.name,
    defaultGroups: r.groups.slice(0, 1),
    selectedByDefault: false,
    defined: false,
    numberOfSeats: unlimited ? -1 : r.numberOfSeats,
    remainingSeats: unlimited ? -1 : r.numberOfSeats - r.userCount,
    userCount: r.userCount,
    userCountDescription: `${r.userCount} ${r.userCount === 1 ? noun.replace(/s$/, '') : noun}`,
    hasUnlimitedSeats: unlimited,
    platform: r.key === 'jira-core',
  };
}
