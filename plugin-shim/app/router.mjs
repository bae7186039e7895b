// The five views as tabs. Location: `#user-cleanup` (dashboard) or `#user-cleanup/<view>`, so the
// page works inside Jira's User Browser (whose hash marks the app) and standalone alike.
// Keyboard: the tab list follows the WAI-ARIA tabs pattern (arrow keys, Home/End move focus
// and select; the selected tab alone is in the tab order).
import { h, clear } from './dom.mjs';

export const VIEWS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'rules', label: 'Rules', next: 'Edit the cleanup policy: rules, protected users and groups, service accounts, limits and schedules, checked by the engine as you type and stored in Jira.' },
  { id: 'preview', label: 'Preview', next: 'Every account the policy would act on, with the reasons and facts, filterable and exportable as CSV or JSON.' },
  { id: 'run', label: 'Run', next: 'Carry out the plan with explicit confirmation, progress, a stop button and an audit record.' },
  { id: 'history', label: 'History', next: 'Past runs from the audit trail, with undo per run and per user.' },
];

export const HASH = 'user-cleanup';

export function viewFromHash(hash = location.hash) {
  const m = /^#user-cleanup(?:\/([a-z]+))?$/.exec(hash || '');
  const id = m?.[1] ?? 'dashboard';
  return VIEWS.some((v) => v.id === id) ? id : 'dashboard';
}

/**
 * @param {HTMLElement} nav  where the tab list goes
 * @param {HTMLElement} panel  the tab panel
 * @param {Record<string, (panel: HTMLElement) => void | Promise<void>>} renderers
 */
export function createRouter(nav, panel, renderers) {
  const tabs = new Map();
  const list = h('div', { class: 'uc-tabs', role: 'tablist', 'aria-label': 'User Cleanup views' });
  for (const v of VIEWS) {
    const tab = h('a', {
      class: 'uc-tab', role: 'tab', id: `uc-tab-${v.id}`, href: `#${HASH}/${v.id}`,
      'aria-controls': 'uc-panel', 'aria-selected': 'false', tabindex: '-1', dataset: { view: v.id },
    }, v.label);
    tabs.set(v.id, tab);
    list.appendChild(tab);
  }
  list.addEventListener('keydown', (e) => {
    const ids = VIEWS.map((v) => v.id);
    const i = ids.indexOf(document.activeElement?.dataset?.view);
    if (i < 0) return;
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % ids.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + ids.length) % ids.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = ids.length - 1;
    if (j == null) return;
    e.preventDefault();
    go(ids[j]);
    tabs.get(ids[j]).focus();
  });
  clear(nav).appendChild(list);
  panel.id = 'uc-panel';
  panel.setAttribute('role', 'tabpanel');

  let current = null;
  function show(id, { force = false } = {}) {
    if (id === current && !force) return;
    current = id;
    for (const [vid, tab] of tabs) {
      const sel = vid === id;
      tab.setAttribute('aria-selected', String(sel));
      tab.tabIndex = sel ? 0 : -1;
      tab.classList.toggle('uc-tab-selected', sel);
    }
    panel.setAttribute('aria-labelledby', `uc-tab-${id}`);
    clear(panel);
    const v = VIEWS.find((x) => x.id === id);
    const render = renderers[id];
    if (render) return render(panel);
    panel.appendChild(comingNext(v));
  }
  function go(id) {
    const hash = `#${HASH}/${id}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    return show(id);
  }
  const onHash = () => {
    if (/^#user-cleanup\b/.test(location.hash)) show(viewFromHash());
  };
  window.addEventListener('hashchange', onHash);
  return { show, go, current: () => current, reload: () => show(current, { force: true }), destroy: () => window.removeEventListener('hashchange', onHash) };
}

function comingNext(v) {
  return h('section', { class: 'uc-coming', 'aria-labelledby': `uc-coming-${v.id}` },
    h('h2', { id: `uc-coming-${v.id}` }, `${v.label} — coming next`),
    h('p', {}, v.next),
    h('p', { class: 'uc-muted' }, 'This view is not built yet. The Dashboard is ready now; the command-line runner already previews and runs a policy.'));
}
