// The run summary to the policy's notify.admins after a scheduled run, a refused or failed slot
// (the mail module renders and sends). A failed email never fails the run: the result, whatever
// it is, is recorded in the trail as a `notified` record {to, subject, result}.
import { renderRunSummary } from '../mail/render.mjs';
import { sendMail } from '../mail/send.mjs';

/** → the `notified` record's result, or null when the policy names no admins. */
export async function notifyRun({ trail, runId, admins, mode, schedule, node, jiraUrl, refused, error, planned, env, log }) {
  const to = Array.isArray(admins) ? admins.filter((a) => typeof a === 'string' && a) : [];
  if (!to.length) return null;
  let result;
  let subject = null;
  try {
    const mail = renderRunSummary({ runId, mode, records: trail?.records, schedule, node, jiraUrl, refused, error, planned });
    subject = mail.subject;
    result = await sendMail({ to, subject: mail.subject, text: mail.text, html: mail.html }, { env });
  } catch (e) {
    result = { ok: false, code: 'mail.failed', reason: e?.message ?? String(e), retryable: false };
  }
  log?.({ event: 'notified', runId, to, ok: result.ok, ...(result.ok ? {} : { code: result.code, reason: result.reason }) });
  try {
    await trail?.append({ type: 'notified', runId, to, subject, result });
  } catch (e) {
    log?.({ event: 'notifyNotRecorded', runId, message: e?.message ?? String(e) });
  }
  return result;
}
