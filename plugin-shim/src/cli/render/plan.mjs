// The readable preview of a Plan (docs/engine-api.md "Plan").
import { table } from '../table.mjs';
import { safe, sanitize, pad } from '../text.mjs';
import { EXECUTABLE } from '../../runner/items.mjs';

const PROTECTION = {
  'protect.actor': 'acting admin',
  'protect.user': 'protected user',
  'protect.group': 'protected group',
  'protect.serviceAccount': 'service account',
};

export function overLimitLine(plan) {
  const max = plan.limit?.maxActionsPerRun;
  return `!! OVER LIMIT: ${plan.counts.executable} executable actions > maxActionsPerRun ${max} — a run would refuse`;
}

/** The reason a reader needs first: the activity one (last login / never logged in), else the first. */
export function mainReason(action) {
  const reasons = action.reasons ?? [];
  return reasons.find((r) => /last login|never logged in|created/i.test(r)) ?? reasons[0] ?? '';
}

/**
 * @param {object} plan        the engine's Plan
 * @param {object} o
 * @param {string} o.asOfSource  how the instant was chosen ("--as-of" | "now")
 * @param {string[]} [o.ruleOrder] rule ids in policy order
 * @param {number} o.limit      rows per table (Infinity for all)
 * @param {number} o.width      terminal columns
 * @param {object} o.c          colours
 */
export function renderPlan(plan, { asOfSource, ruleOrder = [], limit, width, c }) {
  const out = [];
  const counts = plan.counts;
  const max = plan.limit?.maxActionsPerRun ?? null;
  const loud = (s) => c.bold(c.red(s));

  out.push(c.bold('User Cleanup preview') + c.dim(' — nothing is changed'));
  out.push(
    safe`  as of     ${plan.asOf}` +
      (asOfSource === 'now' ? c.dim(' (the current time; pass --as-of to pin it)') : c.dim(' (--as-of)')),
  );
  out.push(
    plan.actor
      ? safe`  actor     ${plan.actor} (never actioned)`
      : `  actor     none${c.dim(' (pass --actor NAME to protect the acting admin)')}`,
  );
  out.push(`  users     ${counts.users} in the snapshot, ${counts.activeUsers} active`);
  const ba = counts.byAction ?? {};
  // Blocked and skipped are ABSENT from counts when 0 (the engine's contract).
  const blocked = counts.blocked ?? 0;
  const skippedN = counts.skipped ?? 0;
  out.push(
    `  actions   ${counts.actions}: ${counts.executable} executable ` +
      `(${ba.deactivate ?? 0} deactivate, ${ba.removeFromGroups ?? 0} removeFromGroups), ${ba.review ?? 0} review only` +
      (blocked ? `, ${blocked} blocked (never carried out)` : ''),
  );
  if (skippedN) out.push(`  skipped   ${skippedN} ${skippedN === 1 ? 'user' : 'users'} a rule passed over for open assigned issues`);
  out.push(
    max === null
      ? `  limit     none${c.dim(' (the policy sets no limits.maxActionsPerRun)')}`
      : `  limit     ${max} executable actions per run`,
  );
  if (plan.overLimit) out.push('', loud(overLimitLine(plan)));

  // Actions
  out.push('', c.bold(`Actions (${counts.actions})`));
  const actions = plan.actions ?? [];
  if (actions.length === 0) {
    out.push('  none: no active user is selected by a rule');
  } else {
    const shown = actions.slice(0, limit);
    out.push(
      ...table({
        columns: [
          { header: 'USER', min: 12, give: 2 },
          { header: 'NAME', min: 10, give: 4 },
          { header: 'RULE', min: 12 },
          { header: 'ACTION', shrink: false, style: (s, row) => (row[3].endsWith(')') && !row[3].endsWith('(hand-over)') ? c.red(s) : EXECUTABLE.has(row[3].split(' ')[0]) ? c.yellow(s) : c.cyan(s)) },
          { header: 'GROUPS', min: 12, give: 4 },
          { header: 'DAYS', align: 'right', shrink: false },
          { header: 'REASON', min: 20, give: 3 },
        ],
        rows: shown.map((a) => [
          a.user,
          a.displayName,
          a.rule,
          actionWords(a),
          (a.action === 'removeFromGroups' ? a.groups : a.facts?.matchedGroups)?.join(', ') ?? '',
          a.facts?.daysInactive ?? '',
          a.status ? (a.blockedReason ?? a.warning?.reason ?? mainReason(a)) : mainReason(a),
        ]),
        width,
        c,
      }),
    );
    if (actions.length > shown.length) {
      out.push(c.dim(`  ... and ${actions.length - shown.length} more (--all lists every action, --json gives the full plan)`));
    }
  }

  out.push(...impactSections(plan, { limit, width, c }));

  // Counts
  out.push('', c.bold('By action'));
  const byAction = ['deactivate', 'removeFromGroups', 'review'].map((k) => [k, ba[k] ?? 0]);
  if (blocked) byAction.push(['blocked', blocked]);
  if (skippedN) byAction.push(['skipped', skippedN]);
  const note = { blocked: 'counted above, never carried out', skipped: 'users passed over, not actions' };
  out.push(...countLines(byAction, (k) => note[k] ?? (EXECUTABLE.has(k) ? 'executable' : 'listed only')));
  out.push('', c.bold('By rule'));
  const byRule = counts.byRule ?? {};
  const ids = [...ruleOrder, ...Object.keys(byRule).filter((k) => !ruleOrder.includes(k))];
  out.push(...(ids.length ? countLines(ids.map((id) => [id, byRule[id] ?? 0])) : ['  (no rules)']));

  // Protected
  const prot = plan.protected ?? [];
  out.push('', c.bold(`Protected (${prot.length})`) + c.dim(' — a rule selected them, protection kept them'));
  if (prot.length) {
    const shown = prot.slice(0, limit);
    out.push(
      ...table({
        columns: [{ header: 'USER', min: 8 }, { header: 'RULE', min: 8 }, { header: 'REASON', min: 12, give: 2 }],
        rows: shown.map((p) => [p.user, p.rule, p.reason]),
        width,
        c,
      }),
    );
    const byCode = {};
    for (const p of prot) byCode[p.code] = (byCode[p.code] ?? 0) + 1;
    if (prot.length > shown.length) out.push(c.dim(`  ... and ${prot.length - shown.length} more`));
    out.push(
      c.dim(
        `  by reason: ${Object.entries(byCode)
          .map(([code, n]) => safe`${PROTECTION[code] ?? code} ${n}`)
          .join(', ')}`,
      ),
    );
  } else {
    out.push('  none');
  }

  // Expired service accounts
  const expired = plan.expiredServiceAccounts ?? [];
  if (expired.length) {
    out.push('', c.bold(`Expired service accounts (${expired.length})`) + c.dim(' — no longer protected'));
    out.push(
      ...table({
        columns: [
          { header: 'USER', min: 8 },
          { header: 'EXPIRED', shrink: false },
          { header: 'OWNER', min: 8 },
          { header: 'IN PLAN', shrink: false },
          { header: 'PURPOSE', min: 8, give: 2 },
        ],
        rows: expired.map((s) => [
          s.user,
          s.expires,
          s.owner,
          s.present === false ? 'not in snapshot' : s.actioned ? 'actioned' : 'not selected',
          s.purpose,
        ]),
        width,
        c,
      }),
    );
  }

  // Licence impact
  const licence = plan.licence ?? [];
  out.push('', c.bold('Licence impact'));
  if (licence.length) {
    out.push(
      ...table({
        columns: [
          { header: 'ROLE', min: 10 },
          { header: 'SEATS BEFORE → AFTER', shrink: false },
          { header: 'FREED', align: 'right', shrink: false },
          { header: 'REMAINING BEFORE → AFTER', shrink: false },
          { header: 'LIMIT', align: 'right', shrink: false },
        ],
        rows: licence.map((l) => [
          l.name && l.name !== l.role ? `${l.name} (${l.role})` : l.role,
          `${l.seatsBefore} → ${l.seatsAfter}`,
          l.seatsFreed,
          l.hasUnlimitedSeats ? 'unlimited' : `${l.remainingBefore} → ${l.remainingAfter}`,
          l.hasUnlimitedSeats ? 'unlimited' : l.numberOfSeats,
        ]),
        width,
        c,
      }),
    );
    if (counts.byAction?.review) out.push(c.dim('  review actions free no seats until someone acts on them'));
  } else {
    out.push('  the snapshot lists no application roles');
  }

  if (plan.overLimit) out.push('', loud(overLimitLine(plan)));
  return out;
}

/** The ACTION cell: a blocked deactivation and one that hands projects over first say so. */
export function actionWords(a) {
  if (a.status === 'blocked') return `${a.action} (blocked)`;
  if (a.status) return `${a.action} (${a.status})`;
  if (a.handover) return `${a.action} (hand-over)`;
  return a.action;
}

/** "hand over OPS, LI to bob, then deactivate" */
export function handoverWords(a) {
  return `hand over ${a.handover.projects.join(', ')} to ${a.handover.projectLead}, then ${a.action}`;
}

/**
 * What an action leaves behind, as the engine's facts give it (leads, openAssigned): blocked
 * actions with their reason, hand-overs, component leads and open assigned issues, and the users a
 * skipIfOpenAssignedIssues rule passed over. Sections appear only when the plan has such rows, so a
 * plan over a snapshot without these fields reads as before.
 */
function impactSections(plan, { limit, width, c }) {
  const out = [];
  const actions = plan.actions ?? [];
  const more = (all, shown) => (all > shown ? [c.dim(`  ... and ${all - shown} more (--all lists every row)`)] : []);

  // Blocked: Jira would refuse them (a project lead). Other statuses (awaiting a warning) are not
  // Jira's refusal and are listed in the actions with their own reason.
  const blocked = actions.filter((a) => a.status === 'blocked');
  if (blocked.length) {
    out.push('', c.bold(`Blocked (${blocked.length})`) + c.dim(' — Jira refuses these; a run does not carry them out'));
    const shown = blocked.slice(0, limit);
    out.push(...table({
      // Only deactivations are blocked (a project lead's): the reason gets the room.
      columns: [{ header: 'USER', min: 8 }, { header: 'RULE', min: 8 }, { header: 'REASON', min: 16, give: 6 }],
      rows: shown.map((a) => [a.user, a.rule, a.blockedReason ?? a.blockedCode]),
      width,
      c,
    }));
    out.push(...more(blocked.length, shown.length));
    if (blocked.some((a) => a.blockedCode === 'blocked.projectLead')) out.push(c.dim('  a policy handover.projectLead names who takes their projects over, then they can be deactivated'));
  }

  const handed = actions.filter((a) => !a.status && a.handover);
  if (handed.length) {
    out.push('', c.bold(`Hand-overs (${handed.length})`) + c.dim(' — the project lead changes first (undo gives it back)'));
    for (const a of handed.slice(0, limit)) out.push(sanitize(`  ${a.user}: ${handoverWords(a)}`));
    out.push(...more(handed.length, Math.min(limit, handed.length)));
  }

  // Most open issues first: the accounts whose work most needs a new assignee.
  const impact = actions.filter((a) => (a.facts?.openAssigned ?? 0) > 0 || (a.facts?.leads?.components?.length ?? 0) > 0)
    .map((a, i) => [a, i]).sort(([a, i], [b, j]) => (b.facts?.openAssigned ?? 0) - (a.facts?.openAssigned ?? 0) || i - j).map(([a]) => a);
  if (impact.length) {
    const open = impact.reduce((n, a) => n + (a.facts?.openAssigned ?? 0), 0);
    out.push('', c.bold(`Left behind (${impact.length})`) + c.dim(` — ${open} unresolved issues stay assigned; component leads stay as they are`));
    const shown = impact.slice(0, limit);
    out.push(...table({
      columns: [{ header: 'USER', min: 8 }, { header: 'ACTION', shrink: false }, { header: 'OPEN ISSUES', align: 'right', shrink: false }, { header: 'COMPONENT LEADS', min: 12, give: 3 }],
      rows: shown.map((a) => [
        a.user,
        actionWords(a),
        a.facts?.openAssigned ?? '',
        (a.facts?.leads?.components ?? []).map((x) => `${x.project}/${x.name}`).join(', '),
      ]),
      width,
      c,
    }));
    out.push(...more(impact.length, shown.length));
  }

  const skipped = plan.skipped ?? [];
  if (skipped.length) {
    out.push('', c.bold(`Skipped for open issues (${skipped.length})`) + c.dim(' — a rule with skipIfOpenAssignedIssues passed them over'));
    const shown = skipped.slice(0, limit);
    out.push(...table({
      columns: [{ header: 'USER', min: 8 }, { header: 'RULE', min: 8 }, { header: 'OPEN', align: 'right', shrink: false }, { header: 'REASON', min: 16, give: 3 }],
      rows: shown.map((s) => [s.user, s.rule, s.openAssigned ?? 'unknown', s.reason]),
      width,
      c,
    }));
    out.push(...more(skipped.length, shown.length));
  }
  return out;
}

function countLines(pairs, note) {
  pairs = pairs.map(([k, n]) => [sanitize(k), n]);
  const w = Math.max(...pairs.map(([k]) => k.length));
  const nw = Math.max(...pairs.map(([, n]) => String(n).length));
  return pairs.map(
    ([k, n]) => `  ${pad(k, w)}  ${String(n).padStart(nw)}` + (note ? `  ${note(k)}` : ''),
  );
}
