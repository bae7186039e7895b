// The Users view's filters as command-line flags (users, bulk, review): each flag becomes a field of
// the engine's `query` filter (docs/query.md). Matching is the engine's; this only spells the filter.
import { UsageError } from '../errors.mjs';
import { wholeNumber } from '../args.mjs';
import { FILTER_OPTIONS } from './users-specs.mjs';

export { FILTER_OPTIONS };

const both = (values, a, b, command) => {
  if (values[a] && values[b]) throw new UsageError(`--${a} and --${b} cannot both be given`, command);
  return values[a] ? true : values[b] ? false : undefined;
};

/** The engine's query filter from the flags (fields not given are left out). */
export function filterFrom(values, command) {
  const f = {};
  if (values.search !== undefined) f.search = values.search;
  if (values['include-group']?.length) f.include = { groups: values['include-group'] };
  if (values['exclude-group']?.length || values['exclude-user']?.length) {
    f.exclude = { ...(values['exclude-group']?.length ? { groups: values['exclude-group'] } : {}), ...(values['exclude-user']?.length ? { users: values['exclude-user'] } : {}) };
  }
  const external = both(values, 'external', 'internal', command);
  if (external !== undefined && values.domain?.length) throw new UsageError('--domain cannot be combined with --external or --internal', command);
  if (external !== undefined) f.email = { external };
  else if (values.domain?.length) f.email = { domains: values.domain };
  const inactiveDays = wholeNumber(values['inactive-days'], 'inactive-days', command);
  if (inactiveDays !== undefined) f.inactiveDays = inactiveDays;
  const createdMore = wholeNumber(values['created-more-than-days'], 'created-more-than-days', command);
  if (createdMore !== undefined && !values['never-logged-in']) throw new UsageError('--created-more-than-days needs --never-logged-in', command);
  if (values['never-logged-in']) f.neverLoggedIn = createdMore !== undefined ? { createdMoreThanDays: createdMore } : {};
  if (values['created-before'] !== undefined || values['created-after'] !== undefined) {
    f.created = { ...(values['created-before'] !== undefined ? { before: values['created-before'] } : {}), ...(values['created-after'] !== undefined ? { after: values['created-after'] } : {}) };
  }
  if (values.bucket?.length) f.buckets = values.bucket;
  if (values.role?.length) f.roles = values.role;
  if (values.directory?.length) f.directories = values.directory;
  const active = both(values, 'active', 'inactive', command);
  if (active !== undefined) f.active = active;
  const prot = both(values, 'protected', 'not-protected', command);
  if (prot !== undefined) f.protected = prot;
  const review = both(values, 'review', 'not-review', command);
  if (review !== undefined) f.review = review;
  return f;
}

/** True when any filter flag was given. */
export const hasFilter = (values) => Object.keys(FILTER_OPTIONS).some((k) => values[k] !== undefined && !(Array.isArray(values[k]) && values[k].length === 0));

export const USER_CSV_HEADER = ['user', 'display_name', 'email', 'active', 'last_login', 'days_inactive', 'bucket', 'created', 'directory', 'groups', 'roles', 'protected', 'review', 'reasons'];
/** One CSV row of a query user (cells go through csv.mjs's csvCell: neutralised). */
export const userCsvRow = (u) => [u.name, u.displayName, u.email, u.active, u.lastLogin === null ? 'never' : u.lastLogin, u.daysInactive, u.bucket, u.created ?? (u.createdBefore ? `before ${u.createdBefore}` : null),
  u.directory, u.groups ?? [], u.roles ?? [], u.protected?.reason ?? '', u.review ?? '', u.reasons ?? []];
