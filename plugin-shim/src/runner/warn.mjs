// Sending the warning emails of rules with `warn` (Node): the CLI's `warn`, and the daemon before a
// scheduled run. Who is warned now is the engine's answer (`warnings`); this module only renders
// (the mail module's renderTemplate(warningValues(...)), the code the page's preview runs),
// records and sends.
//
// Never the same warning twice. A warning is identified by its Message-ID,
// stableMessageId(['warning', user, rule, cycle]) where the cycle is the user's last login as the
// snapshot shows it ('never' when none): a login after a warning voids it (the engine starts
// over), and the next warning of that user is a new cycle with a new id. Per warning:
//   1. an `intent` entry in the record in Jira (app/warn-record.mjs) and a `warningIntent` trail record,
//   2. the email, sent with that Message-ID,
//   3. `sent` / `failed` in the record and `warningSent` / `warningFailed` (with the SMTP reason) in the trail.
// A user without an email address gets `skipped` / `warningSkipped` (reported each run, recorded once a cycle).
//
// An intent with no result (the process died between 1 and 3) is "maybe sent": it is NOT sent
// again (a duplicate warning is worse than none: it is the same Message-ID, but not every mail
// system drops duplicates) and it is NOT counted as sent, so the rule never acts on that user on
// the strength of a warning that may not have arrived. Both readings are the safe one for the user.
// It is reported on every run until an admin checks the mail server's log and resends it
// (`warn --resend-maybe-sent`, same Message-ID). A failed send is retried on the next run.
import * as render from '../mail/render.mjs';
import { renderWarning as renderWarningWith } from '../../app/warn-email.mjs';
import { sendMail, stableMessageId } from '../mail/send.mjs';
import { openWarningRecord, foldWarnings, pairKey } from '../../app/warn-record.mjs';
import { PlanFailed } from '../errors.mjs';
import { newRunId } from './run-id.mjs';

const answer = (raw) => (typeof raw === 'string' ? JSON.parse(raw) : raw);

/** The cycle of a warning: the user's last login as the snapshot shows it. */
export function warningCycle(snapshotUser) {
  return typeof snapshotUser?.lastLogin === 'string' && snapshotUser.lastLogin ? snapshotUser.lastLogin : 'never';
}

export function warningMessageId(user, rule, cycle) {
  return stableMessageId(['warning', String(user).toLowerCase(), String(rule).toLowerCase(), cycle]);
}

/** The email a warned user receives: app/warn-email.mjs with the mail module (the page's preview runs the same). */
export function renderWarning(policy, w) {
  return renderWarningWith(render, policy, w);
}

/** The engine's warnings answer; PlanFailed when the policy or snapshot does not validate. */
export function whoToWarn(engine, policyText, snapshot, o) {
  return warningsOutcome(engine, policyText, snapshot, o).value;
}

function warningsOutcome(engine, policyText, snapshot, { asOf, actor, schedule, sent }) {
  const r = answer(engine.warnings(policyText, snapshot, { asOf, ...(actor ? { actor } : {}), ...(schedule ? { schedule } : {}), sent: sent ?? [] }));
  if (r.type !== 'success') throw new PlanFailed(r);
  return r;
}

/**
 * The `sent` records the engine did not count because they are dated after now (its
 * `options.sentInFuture` warnings, path `sent[i].sentAt`): Set of `pairKey\0sentAt`.
 */
function notCounted(sentInFuture, sent) {
  const out = new Set();
  for (const w of sentInFuture) {
    const m = /^sent\[(\d+)\]\.sentAt$/.exec(w.path ?? '');
    const x = m ? sent[Number(m[1])] : null;
    if (x) out.add(`${pairKey(x.user, x.rule)}\0${x.sentAt}`);
  }
  return out;
}

/**
 * What a send would do, without sending: the engine's list joined with the record.
 * → {warnings (the engine's answer), todo: [{w, messageId, cycle, retry?}], maybeSent: [...], noEmail: [...], sent, record}
 */
export function planWarnings({ engine, policyText, snapshot, asOf, actor, schedule, entries, resendMaybeSent = false }) {
  const folded = foldWarnings(entries);
  const outcome = warningsOutcome(engine, policyText, snapshot, { asOf, actor, schedule, sent: folded.sent });
  const warnings = outcome.value;
  // A "sent" dated after now cannot be true (forged, or a wrong clock): the engine does not count
  // it and says `warn`; the record's word "sent" is not taken either, so the user is warned now.
  const sentInFuture = (outcome.warnings ?? []).filter((w) => w?.code === 'options.sentInFuture');
  const future = notCounted(sentInFuture, folded.sent);
  const users = new Map((snapshot.users ?? []).map((u) => [String(u.name).toLowerCase(), u]));
  const todo = [];
  const maybeSent = [];
  const noEmail = [];
  const already = [];
  for (const w of warnings.users) {
    if (w.state !== 'warn') continue;
    const cycle = warningCycle(users.get(String(w.user).toLowerCase()));
    const messageId = warningMessageId(w.user, w.rule, cycle);
    const prior = folded.byId.get(messageId);
    if (prior?.state === 'intent' && !resendMaybeSent) {
      maybeSent.push({ w, messageId, cycle, since: prior.at });
      continue;
    }
    const refused = prior?.state === 'sent' && future.has(`${pairKey(w.user, w.rule)}\0${prior.at}`);
    if (prior?.state === 'sent' && !refused) {
      // The record says sent and the engine still says warn: the record's entry was not passed
      // (e.g. another rule spelling); never send twice.
      already.push({ w, messageId, cycle, sentAt: prior.at });
      continue;
    }
    if (!w.email) {
      noEmail.push({ w, messageId, cycle, recorded: prior?.state === 'skipped' });
      continue;
    }
    todo.push({ w, messageId, cycle, ...(prior?.state === 'failed' ? { retry: { code: prior.code, at: prior.at } } : {}), ...(prior?.state === 'intent' ? { resend: true } : {}), ...(refused ? { notCounted: prior.at } : {}) });
  }
  return { warnings, todo, maybeSent, noEmail, already, sent: folded.sent, sentInFuture };
}

/**
 * Sends the warnings the engine lists as `warn` now.
 * @param {object} o
 * @param {object} o.engine
 * @param {string} o.policyText
 * @param {object} o.snapshot        the snapshot the run plans over (users with lastLogin and email)
 * @param {string} o.asOf            now (or the fake clock): the instant recorded as sentAt
 * @param {object} o.store           createStore() — the record lives in Jira (app/warn-record.mjs)
 * @param {object} [o.trail]         an open trail (file or Jira); every intent and result is appended
 * @param {object} [o.record]        an open warning record (openWarningRecord(store)); opened from o.store otherwise
 * @param {object} [o.mail]          {env, url, from, timeoutMs, send?} — send defaults to sendMail
 * @param {string} [o.actor], o.schedule, o.runId, o.node, o.via
 * @param {boolean} [o.resendMaybeSent]   send again the warnings whose intent has no result
 * @param {(stage, item) => void} [o.hook]  tests: called at 'beforeSend' / 'afterSend' (a crash there)
 * @param {(item) => void} [o.onResult]
 * @param {AbortSignal} [o.signal]
 * → {runId, sent: [...engine sent after], results: [{user, rule, email, messageId, status, code?, reason?}], maybeSent, noEmail, counts}
 */
export async function sendWarnings(o) {
  const { engine, policyText, snapshot, asOf, trail } = o;
  const record = o.record ?? (await openWarningRecord(o.store));
  const policy = JSON.parse(policyText);
  const runId = o.runId ?? newRunId(new Date(Date.parse(asOf) || Date.now()), 'warn');
  const plan = planWarnings({ engine, policyText, snapshot, asOf, actor: o.actor, schedule: o.schedule, entries: record.entries, resendMaybeSent: o.resendMaybeSent });
  const send = o.mail?.send ?? sendMail;
  const mailOptions = { ...(o.mail?.env ? { env: o.mail.env } : {}), ...(o.mail?.url ? { url: o.mail.url } : {}), ...(o.mail?.from ? { from: o.mail.from } : {}), ...(o.mail?.timeoutMs ? { timeoutMs: o.mail.timeoutMs } : {}), ...(o.signal ? { signal: o.signal } : {}) };
  const base = { runId, ...(o.schedule ? { schedule: o.schedule } : {}), ...(o.via ? { via: o.via } : {}), ...(o.node ? { node: o.node } : {}) };
  const ident = (x) => ({ user: x.w.user, rule: x.w.rule, messageId: x.messageId, cycle: x.cycle });
  const results = [];
  const counts = { sent: 0, failed: 0, skipped: 0, maybeSent: plan.maybeSent.length, retried: 0 };
  if (trail && (plan.todo.length || plan.noEmail.some((x) => !x.recorded) || plan.maybeSent.length)) {
    await trail.append({
      type: 'warningsStarted', ...base, asOf, counts: plan.warnings.counts, toSend: plan.todo.length, noEmail: plan.noEmail.length,
      maybeSent: plan.maybeSent.map((x) => ({ user: x.w.user, rule: x.w.rule, messageId: x.messageId, since: x.since })),
    });
  }
  for (const x of plan.noEmail) {
    const reason = `${x.w.user} has no email address in Jira, so the warning of rule ${x.w.rule} cannot be sent; the rule does not act on them until they are warned`;
    if (!x.recorded) {
      await record.append({ ...ident(x), state: 'skipped', at: asOf, code: 'warning.noEmail', reason, runId });
      await trail?.append({ type: 'warningSkipped', ...base, ...ident(x), code: 'warning.noEmail', reason });
    }
    counts.skipped++;
    const r = { user: x.w.user, rule: x.w.rule, email: null, messageId: x.messageId, status: 'skipped', code: 'warning.noEmail', reason };
    results.push(r);
    o.onResult?.(r);
  }
  for (const x of plan.todo) {
    if (o.signal?.aborted) break;
    let mail;
    try {
      mail = renderWarning(policy, x.w);
    } catch (e) {
      const reason = `the warning email could not be made: ${e?.message ?? e}`;
      await record.append({ ...ident(x), state: 'failed', at: asOf, code: e?.code ?? 'template.invalid', reason, runId });
      await trail?.append({ type: 'warningFailed', ...base, ...ident(x), code: e?.code ?? 'template.invalid', reason, retryable: false });
      counts.failed++;
      const r = { user: x.w.user, rule: x.w.rule, email: x.w.email, messageId: x.messageId, status: 'failed', code: e?.code ?? 'template.invalid', reason };
      results.push(r);
      o.onResult?.(r);
      continue;
    }
    // The intent is stored in Jira (and the trail) before the email leaves: a crash after the send
    // leaves an intent without a result, which is never sent again.
    await record.append({ ...ident(x), state: 'intent', at: asOf, runId });
    // Nothing has been sent yet: a trail that cannot be written settles the intent as failed (not
    // "maybe sent") before the error ends the sending.
    const intentRecorded = trail?.append({
      type: 'warningIntent', ...base, ...ident(x), to: x.w.email, template: x.w.template, action: x.w.action, ...(x.w.groups ? { groups: x.w.groups } : {}),
      actionDate: x.w.actionDate, subject: mail.subject, ...(x.retry ? { retryOf: x.retry } : {}), ...(x.resend ? { resend: true } : {}),
      // The record said "sent" at this instant, after now: not counted, so sent now.
      ...(x.notCounted ? { notCounted: x.notCounted } : {}),
    });
    try {
      await intentRecorded;
    } catch (e) {
      await record.append({ ...ident(x), state: 'failed', at: asOf, code: 'warning.trailUnavailable', reason: `not sent: the audit trail could not be written (${e?.message ?? e})`, runId });
      throw e;
    }
    await o.hook?.('beforeSend', x);
    const result = await send(
      { to: x.w.email, subject: mail.subject, text: mail.text, html: mail.html, messageId: x.messageId, headers: { 'X-User-Cleanup-Rule': x.w.rule } },
      mailOptions,
    );
    await o.hook?.('afterSend', x, result);
    if (x.retry) counts.retried++;
    let r;
    if (result.ok) {
      await record.append({ ...ident(x), state: 'sent', at: asOf, runId });
      await trail?.append({ type: 'warningSent', ...base, ...ident(x), sentAt: asOf, result });
      counts.sent++;
      r = { user: x.w.user, rule: x.w.rule, email: x.w.email, messageId: x.messageId, status: 'sent', actionDate: x.w.actionDate };
    } else {
      await record.append({ ...ident(x), state: 'failed', at: asOf, code: result.code, reason: result.reason, runId });
      await trail?.append({ type: 'warningFailed', ...base, ...ident(x), code: result.code, reason: result.reason, retryable: result.retryable, result });
      counts.failed++;
      r = { user: x.w.user, rule: x.w.rule, email: x.w.email, messageId: x.messageId, status: 'failed', code: result.code, reason: result.reason };
    }
    results.push(r);
    o.onResult?.(r);
  }
  const after = foldWarnings(record.entries);
  if (trail && (plan.todo.length || plan.noEmail.some((x) => !x.recorded) || plan.maybeSent.length)) {
    await trail.append({ type: 'warningsFinished', ...base, counts });
  }
  return {
    runId,
    warnings: plan.warnings,
    sent: after.sent,
    maybeSent: plan.maybeSent.map((x) => ({ user: x.w.user, rule: x.w.rule, email: x.w.email, messageId: x.messageId, since: x.since })),
    already: plan.already.map((x) => ({ user: x.w.user, rule: x.w.rule, messageId: x.messageId, sentAt: x.sentAt })),
    // The engine's options.sentInFuture warnings: records of the store dated after now, not counted.
    sentInFuture: plan.sentInFuture,
    results,
    counts,
    record,
  };
}

export { pairKey };

/**
 * The daemon's step before a scheduled run: sends the warnings the schedule's warn rules call for
 * now and answers the warnings known to be sent, for the run's plan and decide (`sent`).
 * Undefined when the policy has no warn rule (the plan is then byte-identical to before). A record
 * that cannot be read or written answers [] (every warn-rule action waits): never acts on a guess.
 */
export async function warnBeforeRun({ store, engine, host, policyText, snapshot: given, snapshotOptions, asOf, trail, schedule, node, actor, env, log, signal }) {
  const { policyWarns } = await import('../../app/warn-record.mjs');
  if (!policyWarns(policyText)) return undefined;
  try {
    // `given`: the users as the run just read them (the daemon plans its run over the same snapshot).
    const snapshot = given ?? (await host.snapshot(snapshotOptions ?? {}));
    const res = await sendWarnings({ engine, policyText, snapshot, asOf, store, trail, schedule, node, actor, via: 'daemon', mail: { env }, signal });
    log?.({ event: 'warnings', schedule, runId: res.runId, counts: res.counts, ...(res.maybeSent.length ? { maybeSent: res.maybeSent.map((x) => `${x.user}/${x.rule}`) } : {}),
      ...(res.sentInFuture.length ? { sentInFuture: res.sentInFuture.map((w) => w.message) } : {}) });
    return res.sent;
  } catch (e) {
    log?.({ event: 'warningsFailed', schedule, message: e?.message ?? String(e), code: e?.code });
    return [];
  }
}
