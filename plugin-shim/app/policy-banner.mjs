// The banner a view shows when the policy it applies is not the one saved in Jira: the starting
// template (nothing saved yet) or the development server's file. Saved policies need no banner.
import { h } from './dom.mjs';
import { TEMPLATE_LABEL } from './template.mjs';

/**
 * @param {{source: 'saved'|'template'|'dev-file', label?: string, reason?: string}} policy  data.savedPolicy()'s answer
 * @param {string} what  what the view does with it ("The dashboard applies", "This form holds")
 * @returns {HTMLElement|null}
 */
export function policyBanner(policy, what) {
  if (!policy || policy.source === 'saved') return null;
  if (policy.source === 'dev-file') {
    return h('div', { class: 'uc-message uc-message-warning uc-policy-banner', role: 'status', id: 'uc-policy-banner', dataset: { source: 'dev-file' } },
      h('p', { class: 'uc-message-title' }, 'Development file — not saved'),
      h('p', {}, `${what} ${policy.label ?? 'a policy file'} passed to the development server. Nothing is saved in Jira, and nothing can be run from it.`));
  }
  return h('div', { class: 'uc-message uc-message-warning uc-policy-banner', role: 'status', id: 'uc-policy-banner', dataset: { source: 'template' } },
    h('p', { class: 'uc-message-title' }, TEMPLATE_LABEL),
    h('p', {}, `${policy.reason ?? 'No policy is saved in Jira.'} ${what} a starting template, not your policy: nothing has been saved and nothing can be run. `
      + 'Adapt the template in the Rules view and save it to use it.'));
}
