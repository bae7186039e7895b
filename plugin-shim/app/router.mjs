// The views as tabs. Location: `#user-cleanup` (dashboard) or `#user-cleanup/<view>`, so the
// page works inside Jira's User Browser (whose hash marks the app) and standalone alike.
// Keyboard: the tab list follows the WAI-ARIA tabs pattern (arrow keys, Home/End move focus
// and select; the selected tab alone is in the tab order).
import { h, clear } from './dom.mjs';

export const VIEWS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'rules', label: 'Rules' },
  { id: 'preview', label: 'Preview' },
  { id: 'run', label: 'Run' },
  { id: 'schedules', label: 'Schedules' },
  { id: 'history', label: 'History' },
  { id: 'users', label: 'Users' },
  { id: 'review', label: 'Review' },
];

export const HASH = 'user-cleanup';

export function viewFromHash(hash = location.hash) {
  // A view may carry its own state after `?` (the Users view's filters).
  const m = /^#user-cleanup(?:\/([a-z]+))?(?:\?.*)?$/.exec(hash || '');
  const id = m?.[1] ?? 'dashboard';
  return VIEWS.some((v) => v.id === id) ? id : 'dashboard';
}

/**
 * @param {HTMLElement} nav  where the tab list goes
 * @param {HTMLElement} panel  the tab panel
 * @param {Record<string, (panel: HTMLElement) => void | Promise<void>>} renderers  one per view in VIEWS
 */
export function createRouter(nav, panel, renderers) {
  const missing = VIEWS.filter((v) => typeof renderers[v.id] !== 'function').map((v) => v.id);
  if (missing.length) throw new Error(`createRouter: no renderer for ${missing.join(', ')}`);
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
    return renderers[id](panel);
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
