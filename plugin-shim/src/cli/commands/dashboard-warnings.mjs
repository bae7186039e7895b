// dashboard's "Warnings: do they work?" section: per warn rule, users warned and how many logged in
// after their warning (only once / more than once / not known). The counting is the engine's
// (warningOutcomes, docs/engine-api.md); the record of warnings sent is read from the Jira store
// the same way `run` reads it (app/warn-record.mjs loadSent).
import { table } from '../table.mjs';
import { sanitize, plural } from '../text.mjs';
import { expectSuccess, defined } from './shared.mjs';

/**
 * The warnings sent, from the record in Jira, or `null` (with why) when it is not read: no --jira,
 * or the record could not be read. Only called when the policy has warn rules.
 * @returns {Promise<{ sent: object[] } | { sent: null, why: string }>}
 */
export async function readSent(ctx, url) {
  if (url === undefined) return { sent: null, why: 'no Jira' };
  const { loadSent } = await import('../../../app/warn-record.mjs');
  try {
    const { createStore } = await import('../../store/index.mjs');
    const r = await loadSent(createStore({ baseUrl: url, token: ctx.env.USER_CLEANUP_TOKEN }));
    for (const p of r.problems) ctx.io.err(sanitize(`warning: ${p.message}`));
    // Maybe sent (an intent without a result) is not counted as sent, as in a run.
    if (r.maybeSent.length) ctx.io.err(sanitize(`${plural(r.maybeSent.length, 'warning')} may have been sent (no result recorded): not counted as sent (see user-cleanup warn)`));
    return { sent: r.sent };
  } catch (e) {
    ctx.io.err(sanitize(`The record of warnings sent could not be read from Jira (${e?.message ?? e}).`));
    return { sent: null, why: 'the record could not be read from Jira' };
  }
}

/**
 * The engine's WarningOutcomes for the dashboard, or null when the record was not read.
 * An engine refusal is reported like any other and ends the command (exit 2).
 */
export function outcomes(engine, texts, files, sent, { asOf, actor }, io) {
  if (sent === null) return null;
  return expectSuccess(engine.warningOutcomes(texts.policy, texts.snapshot, defined({ asOf, actor, sent })), files, io);
}

/** The text lines of the section. `value` null: the record was not read (`why`). */
export function renderWarningOutcomes(value, why, { width, c }) {
  const out = ['', c.bold('Warnings: do they work?')];
  if (value === null) {
    out.push(`  warnings sent: not read (${why})`);
    return out;
  }
  out.push(c.dim('  A warned user who logs in keeps the account; one who logs in only once after the warning keeps it without using it.'));
  if (!value.rules.length) {
    out.push('  no rule with warn');
    return out;
  }
  out.push(
    ...table({
      columns: [
        { header: 'RULE', min: 10 },
        { header: 'WARNED', align: 'right', shrink: false },
        { header: 'LOGGED IN AFTER', align: 'right', shrink: false },
        { header: 'ONLY ONCE', align: 'right', shrink: false },
        { header: 'MORE THAN ONCE', align: 'right', shrink: false },
        { header: 'NOT KNOWN', align: 'right', shrink: false },
      ],
      rows: value.rules.map((r) => [r.rule, r.warned, r.loggedInAfter, r.onlyOnce, r.moreThanOnce, r.notKnown]),
      width,
      c,
    }),
  );
  const noLastLogin = value.rules.reduce((n, r) => n + r.lastLoginNotKnown, 0);
  if (noLastLogin) out.push(`  ${plural(noLastLogin, 'warned user')} with no known last login (or no longer in the snapshot): not counted as logged in after`);
  if (value.rules.some((r) => r.notKnown)) {
    out.push(c.dim("  Not known: once or more since the warning needs the login before the last one, which Jira's REST API does not report."));
    out.push(c.dim('  Give the last-login SQL export with its previous_login column: --last-login-csv FILE (docs/last-login-export.md).'));
  }
  return out;
}
