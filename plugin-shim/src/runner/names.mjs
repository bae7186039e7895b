// Jira compares user and group names case-insensitively; so does everything here (browser-safe).

/** The comparison key of a user or group name. */
export const lc = (s) => String(s).toLowerCase();

/** True when `a` and `b` name the same user or group. */
export const sameName = (a, b) => lc(a) === lc(b);

/** True when `groups` holds `g` (any case). */
export const hasGroup = (groups, g) => (groups ?? []).some((x) => sameName(x, g));
