// The readable dashboard (docs/engine-api.md "Dashboard").
import { table } from '../table.mjs';
import { safe, percent, day, pad } from '../text.mjs';

const BAR = 30;

/**
 * @param {object} d   the engine's Dashboard
 * @param {object} o   { top, width, c }
 */
export function renderDashboard(d, { top, asOfSource, policyGiven, width, c }) {
  const out = [];
  const t = d.thresholds;
  out.push(c.bold('User Cleanup dashboard'));
  out.push(
    safe`  as of       ${d.asOf}` +
      (asOfSource === 'now' ? c.dim(' (the current time; pass --as-of to pin it)') : c.dim(' (--as-of)')),
  );
  out.push(`  users       ${d.total}`);
  out.push(`  thresholds  low usage ≥ ${t.lowUsageDays} days, inactive ≥ ${t.inactiveDays} days since last login`);

  // Buckets
  out.push('', c.bold('Users by activity'));
  const buckets = [
    ['active', `active (last login < ${t.lowUsageDays} days ago)`],
    ['lowUsage', `low usage (${t.lowUsageDays}–${Math.max(t.lowUsageDays, t.inactiveDays - 1)} days)`],
    ['inactive', `inactive (≥ ${t.inactiveDays} days)`],
    ['neverLoggedIn', 'never logged in'],
    ['unknown', 'last login not known'],
    ['protected', 'protected'],
    ['deactivated', 'deactivated already'],
  ];
  const labelW = Math.max(...buckets.map(([, l]) => l.length));
  const numW = Math.max(...buckets.map(([k]) => String(d.buckets[k] ?? 0).length));
  const mark = c.enabled ? '█' : '#';
  for (const [key, label] of buckets) {
    const n = d.buckets[key] ?? 0;
    const share = d.total ? n / d.total : 0;
    const len = n === 0 ? 0 : Math.max(1, Math.round(share * BAR));
    const colour = key === 'inactive' || key === 'neverLoggedIn' ? c.yellow : key === 'active' ? c.green : (s) => s;
    const bar = len ? `  ${colour(mark.repeat(len))}` : '';
    out.push(`  ${pad(label, labelW)}  ${String(n).padStart(numW)}  ${percent(share).padStart(6)}${bar}`);
  }

  // Roles
  out.push('', c.bold('Application roles'));
  if (d.roles.length) {
    out.push(
      ...table({
        columns: [
          { header: 'ROLE', min: 10 },
          { header: 'USED / LIMIT', shrink: false },
          { header: 'SHARE', align: 'right', shrink: false },
          { header: 'REMAINING', align: 'right', shrink: false },
          { header: 'IDLE SEATS', align: 'right', shrink: false },
          { header: 'TIER NOW → NEXT LOWER', shrink: false },
        ],
        rows: d.roles.map((r) => [
          r.name && r.name !== r.key ? `${r.name} (${r.key})` : r.key,
          `${r.seatsUsed} / ${r.hasUnlimitedSeats ? 'unlimited' : r.numberOfSeats}`,
          percent(r.usedShare),
          r.remaining ?? '—',
          r.idleSeats,
          r.tier?.current == null ? '—' : `${r.tier.current} → ${r.tier.nextLower ?? 'none'}`,
        ]),
        width,
        c,
      }),
    );
    const mismatched = d.roles.filter((r) => r.userCount !== null && r.userCount !== undefined && r.userCount !== r.seatsUsed);
    for (const r of mismatched) {
      out.push(c.dim(safe`  ${r.key}: Jira reports ${r.userCount} users, the snapshot gives ${r.seatsUsed}`));
    }
  } else {
    out.push('  the snapshot lists no application roles');
  }

  // Groups
  const groups = (d.groups ?? []).filter((g) => g.inactive + g.neverLoggedIn > 0);
  const shown = groups.slice(0, top);
  out.push('', c.bold(`Groups with most idle members (${shown.length} of ${groups.length})`));
  if (shown.length) {
    out.push(
      ...table({
        columns: [
          { header: 'GROUP', min: 10 },
          { header: 'ACTIVE MEMBERS', align: 'right', shrink: false },
          { header: 'INACTIVE', align: 'right', shrink: false },
          { header: 'NEVER', align: 'right', shrink: false },
          { header: 'UNKNOWN', align: 'right', shrink: false },
          { header: 'IDLE SHARE', align: 'right', shrink: false },
        ],
        rows: shown.map((g) => [g.group, g.activeMembers, g.inactive, g.neverLoggedIn, g.unknown, percent(g.inactiveShare)]),
        width,
        c,
      }),
    );
    if (groups.length > shown.length) out.push(c.dim(`  ... and ${groups.length - shown.length} more (--top N)`));
  } else {
    out.push('  none: no group has inactive or never-logged-in members');
  }

  // External domains
  const domains = d.externalDomains ?? [];
  out.push('', c.bold(`External email domains (${domains.length})`));
  if (domains.length) {
    const shownD = domains.slice(0, top);
    out.push(
      ...table({
        columns: [
          { header: 'DOMAIN', min: 10 },
          { header: 'USERS', align: 'right', shrink: false },
          { header: 'ACTIVE', align: 'right', shrink: false },
          { header: 'INACTIVE', align: 'right', shrink: false },
          { header: 'NEVER', align: 'right', shrink: false },
          { header: 'LAST LOGINS (OLDEST → NEWEST)', shrink: false },
        ],
        rows: shownD.map((x) => [
          x.domain,
          x.users,
          x.activeUsers,
          x.inactive,
          x.neverLoggedIn,
          x.firstLogin == null ? 'none' : `${day(x.firstLogin)} → ${day(x.lastLogin)}`,
        ]),
        width,
        c,
      }),
    );
    if (domains.length > shownD.length) out.push(c.dim(`  ... and ${domains.length - shownD.length} more (--top N)`));
  } else {
    out.push('  none');
  }
  if (!policyGiven) {
    out.push('', c.dim('  without --policy every email domain counts as external and nobody is protected'));
  }
  return out;
}
