// Deciding again, per user, at the moment of change (browser-safe). The plan was made from a
// snapshot; between the preview and the write a user may have logged in, joined a protected
// group, been renamed and their name reused, or been deactivated by hand. Before every write the
// executor reads the user from Jira and asks the engine's `decide` whether the planned action still
// applies. Every rule is the engine's: this module only builds the engine's input from the fresh
// user and the planned item, and turns its answer into {decision, code, reason, action?}.
import { clockMs, instant } from './clock.mjs';

/** The engine's answer as an object (the Node facade may hand back JSON text). */
function answer(raw) {
  return typeof raw === 'string' ? JSON.parse(raw) : raw;
}

/**
 * A per-item decider: `(item, freshUser) → {decision: 'proceed'|'skip'|'failed', code, reason, action?}`.
 * @param {object} o
 * @param {{decide: Function}} o.engine
 * @param {string} o.policyText   the policy the run was planned with (stored in runStarted)
 * @param {string} [o.actor]      the acting admin (protected by the engine)
 * @param {string} [o.schedule]   the schedule the run belongs to (its rules only)
 * @param {string} [o.capturedAt] when the snapshot behind the plan was read
 * @param {object[]} [o.applicationRoles]
 * @param {object[]} [o.sent]     warnings known to be sent [{user, rule, sentAt}] (warn rules act only after them)
 * @param {() => Date|number} [o.now]
 */
export function makeDecider({ engine, policyText, actor, schedule, capturedAt, applicationRoles, sent, now = () => Date.now() }) {
  if (typeof engine?.decide !== 'function') {
    throw Object.assign(new Error('the engine has no decide(): it is older than this runner; rebuild it (./build.sh) or reload the page'), { code: 'runner.engineTooOld' });
  }
  if (typeof policyText !== 'string') throw Object.assign(new Error('the policy text the run was planned with is missing'), { code: 'runner.noPolicy' });
  const options = { ...(actor ? { actor } : {}), ...(schedule ? { schedule } : {}), ...(Array.isArray(sent) ? { sent } : {}) };
  return (item, user) => {
    const input = {
      user,
      ...(item.previous ? { previous: item.previous } : {}),
      planned: {
        user: item.user,
        ...(item.key != null ? { key: item.key } : {}),
        action: item.action,
        ...(item.groups ? { groups: item.groups } : {}),
        rule: item.rule,
        ...(item.handover ? { handover: item.handover } : {}),
      },
      ...(applicationRoles ? { applicationRoles } : {}),
      ...(capturedAt ? { capturedAt } : {}),
    };
    let result;
    try {
      result = answer(engine.decide(policyText, input, { asOf: instant(clockMs(now)), ...options }));
    } catch (e) {
      return { decision: 'failed', code: e?.code ?? 'engine.error', reason: `the engine could not decide: ${e?.message ?? String(e)}` };
    }
    if (result?.type !== 'success') {
      const errs = result?.errors ?? [];
      const first = errs[0];
      return {
        decision: 'failed',
        code: first?.code ?? 'engine.error',
        reason: `the engine could not decide: ${errs.map((x) => `${x.path ? `${x.path}: ` : ''}${x.message}`).join('; ') || 'no answer'}`,
      };
    }
    const v = result.value ?? {};
    if (v.decision === 'proceed') return { decision: 'proceed', code: v.code, reason: v.reason, action: v.action };
    if (v.decision === 'skip') return { decision: 'skip', code: v.code, reason: v.reason };
    return { decision: 'failed', code: 'engine.badAnswer', reason: `the engine answered an unknown decision ${JSON.stringify(v.decision)}` };
  };
}

/**
 * How far (minutes) `capturedAt` may lie after `now`: the engine's `CAPTURE_SKEW_MINUTES`
 * (decide.rs), which refuses each user of such a plan (`decide.planInFuture`). Checked here too so
 * that a run or resume of a forged or clock-skewed plan is refused before it starts, not skipped
 * user by user.
 */
export const CAPTURE_SKEW_MINUTES = 5;

/**
 * The plan may only be carried out while its snapshot is fresh: a refusal (code
 * `refused.planExpired`) when `now − capturedAt` is more than `limit.maxSnapshotAgeMinutes`
 * (60 when the plan has none), or when `capturedAt` lies more than CAPTURE_SKEW_MINUTES after
 * `now` (its age would be negative for ever). Returns null when fresh.
 */
export function planAge({ capturedAt, limit, now = () => Date.now() }) {
  const max = Number.isFinite(limit?.maxSnapshotAgeMinutes) ? limit.maxSnapshotAgeMinutes : 60;
  const at = Date.parse(capturedAt ?? '');
  const nowMs = clockMs(now);
  const refresh = 'Read the users from Jira again and plan again: run the command again (the CLI), or Refresh data and then Run (the admin page)';
  if (Number.isNaN(at)) {
    return { code: 'refused.planExpired', maxMinutes: max, message: `refused: the plan's snapshot has no capture time, so its age cannot be checked; nothing was changed. ${refresh}` };
  }
  const minutes = (nowMs - at) / 60_000;
  if (-minutes > CAPTURE_SKEW_MINUTES) {
    return {
      code: 'refused.planExpired',
      maxMinutes: max,
      aheadMinutes: Math.floor(-minutes),
      message: `refused: the plan says its users were read from Jira at ${capturedAt}, ${Math.floor(-minutes)} minutes after now (${instant(nowMs)}); a plan cannot come from the future, and clocks may differ by at most ${CAPTURE_SKEW_MINUTES} minutes (check this machine's clock and Jira's); nothing was changed. ${refresh}`,
    };
  }
  if (minutes <= max) return null;
  return {
    code: 'refused.planExpired',
    maxMinutes: max,
    ageMinutes: Math.floor(minutes),
    message: `refused: the plan was made from users read from Jira at ${capturedAt}, ${Math.floor(minutes)} minutes ago, more than the policy's limits.maxSnapshotAgeMinutes (${max}); nothing was changed. ${refresh}`,
  };
}
