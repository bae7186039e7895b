// The readable tier plan (docs/engine-api.md "TierPlan").
import { table } from '../table.mjs';
import { safe, day } from '../text.mjs';

const SOURCES = { targetSeats: '--target-seats', headroom: '--headroom', nextLowerTier: 'the next lower tier' };

export function renderTier(t, { asOf, asOfSource, limit, width, c }) {
  const out = [];
  out.push(c.bold(safe`Tier plan for ${t.name && t.name !== t.role ? `${t.name} (${t.role})` : t.role}`));
  out.push(
    safe`  as of       ${asOf}` +
      (asOfSource === 'now' ? c.dim(' (the current time; pass --as-of to pin it)') : c.dim(' (--as-of)')),
  );
  out.push(`  seats       ${t.seatsUsed} used of ${t.numberOfSeats < 0 ? 'unlimited' : t.numberOfSeats}`);
  out.push(`  target      ${t.target} seats used (${SOURCES[t.targetSource] ?? t.targetSource})`);
  out.push(`  needed      ${t.needed} ${t.needed === 1 ? 'user' : 'users'} to free`);
  out.push(
    t.reachable
      ? `  reachable   ${c.green('yes')} — ${t.candidates.length} candidates`
      : `  reachable   ${c.bold(c.red('NO'))} — ${t.candidates.length} candidates, ${t.shortfall} seats short`,
  );
  const ex = t.excluded ?? {};
  out.push(`  excluded    ${ex.protected ?? 0} protected, ${ex.unknownLastLogin ?? 0} with last login not known, ${ex.unknownCreated ?? 0} never logged in with creation date not known`);

  out.push('', c.bold('Candidates') + c.dim(' — the fewest users that reach the target, longest inactive first'));
  if (!t.candidates.length) {
    out.push('  none');
    return out;
  }
  const shown = t.candidates.slice(0, limit);
  out.push(
    ...table({
      columns: [
        { header: '#', align: 'right', shrink: false },
        { header: 'USER', min: 8 },
        { header: 'NAME', min: 10, give: 3 },
        { header: 'LAST LOGIN', shrink: false },
        { header: 'DAYS', align: 'right', shrink: false },
        { header: 'GROUPS', min: 12, give: 3 },
        { header: 'REASON', min: 30, give: 4 },
      ],
      rows: shown.map((x, i) => [
        i + 1,
        x.user,
        x.displayName,
        day(x.lastLogin),
        x.daysInactive === null || x.daysInactive < 0 ? '—' : x.daysInactive,
        (x.groups ?? []).join(', '),
        x.reason,
      ]),
      width,
      c,
    }),
  );
  if (t.candidates.length > shown.length) {
    out.push(c.dim(`  ... and ${t.candidates.length - shown.length} more (--all lists every candidate)`));
  }
  return out;
}
