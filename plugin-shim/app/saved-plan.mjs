// The saved policy's plan over the snapshot the page read, for the Preview and Run views, with
// where the policy came from (data.savedPolicy()'s `source`): 'saved' (kept in Jira), 'template'
// (nothing saved: a starting template) or 'dev-file' (the development server's ?policy=).
import { h, clear, errorBox } from './dom.mjs';
import { problems } from './view-kit.mjs';

/**
 * The plan, or null after showing why not in `panel`.
 * → {snap, plan, warnings, policy: {text, source, …}, policySource, ms}
 */
export async function loadPlan(panel, ctx, what) {
  const loading = h('p', { class: 'uc-status', role: 'status' }, 'Reading users from Jira…');
  panel.append(loading);
  ctx.state('loading');
  try {
    const snap = await ctx.data.snapshot();
    loading.textContent = 'Evaluating the policy…';
    const [plan, policy] = await Promise.all([ctx.data.plan({ actor: ctx.me?.name }), ctx.data.savedPolicy()]);
    loading.remove();
    if (!plan.result) {
      panel.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-no-policy' }, h('p', { class: 'uc-message-title' }, 'No saved policy'), h('p', {}, `Write rules in the Rules view first; ${what} shows what they would do.`)));
      ctx.state('ready');
      return null;
    }
    if (plan.result.type !== 'success') {
      panel.append(problems('The policy or the data does not validate', plan.result.errors));
      ctx.state('ready');
      return null;
    }
    return { snap, plan: plan.result.value, warnings: plan.result.warnings ?? [], policy, ms: plan.ms, policySource: policy.source, policyLabel: policy.label ?? null };
  } catch (e) {
    clear(panel).append(errorBox(`The ${what} could not be built`, e));
    ctx.state('error');
    return null;
  }
}

/**
 * Jira's clock now, from the snapshot: its capturedAt is Jira's time when it was read, and the
 * page noted its own time then, so the age does not depend on the browser's clock being right.
 */
export function jiraNow(snap) {
  const captured = Date.parse(snap.snap?.capturedAt ?? '');
  const readAt = snap.at instanceof Date ? snap.at.getTime() : Number.isFinite(Date.parse(snap.at)) ? Date.parse(snap.at) : null;
  if (!Number.isFinite(captured) || readAt == null) return new Date();
  return new Date(captured + (Date.now() - readAt));
}
