// Global permissions by group (Jira grants them to groups). ADMINISTER also comes with SYSTEM_ADMIN.

export const ADMIN_GROUP = 'jira-administrators';
export const SYSADMIN_GROUP = 'jira-system-administrators';

export function isSysAdmin(u) {
  return Boolean(u) && u.inGroup(SYSADMIN_GROUP);
}

export function isAdmin(u) {
  return Boolean(u) && (u.inGroup(ADMIN_GROUP) || u.inGroup(SYSADMIN_GROUP));
}

/** "Browse users and groups" (USER_PICKER): admins and anyone holding an application role. */
export function canBrowseUsers(state, u) {
  if (!u) return false;
  if (isAdmin(u)) return true;
  return state.roles.some((r) => r.groups.some((g) => u.inGroup(g)));
}

const GLOBAL = [
  ['ADMINISTER', 0, 'Administer Jira', 'Ability to perform most administration functions (excluding Import & Export, SMTP Configuration, etc.).', (s, u) => isAdmin(u)],
  ['USE', 1, 'Jira Users', 'Users with this permission are able to log in to Jira. They are counted towards the licence.', (s, u) => s.rolesOf(u).length > 0 || isAdmin(u)],
  ['SYSTEM_ADMIN', 44, 'Jira System Administrators', 'Ability to perform all administration functions. There must be at least one group with this permission.', (s, u) => isSysAdmin(u)],
  ['USER_PICKER', 27, 'Browse users and groups', 'Ability to select a user or group from a popup window as well as the ability to use the "share" issues feature.', (s, u) => canBrowseUsers(s, u)],
  ['CREATE_SHARED_OBJECTS', 22, 'Create Shared Objects', 'Ability to share dashboards and filters with other users, groups and roles.', (s, u) => canBrowseUsers(s, u)],
  ['MANAGE_GROUP_FILTER_SUBSCRIPTIONS', 24, 'Manage Group Filter Subscriptions', 'Ability to manage (create and delete) group filter subscriptions.', (s, u) => canBrowseUsers(s, u)],
  ['BULK_CHANGE', 33, 'Bulk Change', 'Ability to modify a collection of issues at once.', (s, u) => canBrowseUsers(s, u)],
  ['BROWSE_PROJECTS', 10, 'Browse Projects', 'Ability to browse projects and the issues within them.', (s, u) => canBrowseUsers(s, u)],
  ['CREATE_ISSUES', 11, 'Create Issues', 'Ability to create issues.', (s, u) => canBrowseUsers(s, u)],
  ['ADMINISTER_PROJECTS', 23, 'Administer Projects', 'Ability to administer a project in Jira.', (s, u) => isAdmin(u)],
];

export function myPermissions(state, u) {
  const permissions = {};
  for (const [key, id, name, description, has] of GLOBAL) {
    permissions[key] = {
      id: String(id),
      key,
      name,
      type: id === 10 || id === 11 || id === 23 ? 'PROJECT' : 'GLOBAL',
      description,
      havePermission: Boolean(has(state, u)),
    };
  }
  return { permissions };
}
