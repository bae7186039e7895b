// Whether the storage account (store.mjs: the Jira account whose properties hold the policy and
// the audit trail) is safe to use, and the page-level message that says why not and how to fix
// it. While it is not safe the page loads no saved policy, and saving and running are off
// (the Rules and Run views read `watch.status`).
import { h, clear, errorBox } from './dom.mjs';

/**
 * store.accountStatus()'s answer as {ok, problem?, message, fix, account}. Also reads the older
 * {account, exists, active} shape, so the page works with either store.
 */
export function normaliseStatus(st, account) {
  const name = st?.account ?? account;
  if (st && typeof st.ok === 'boolean') return { account: name, ...st };
  if (st?.exists === false) {
    return {
      ok: false, problem: 'missing', account: name,
      message: `The storage account "${name}" does not exist, so the policy and the audit trail have nowhere to be kept in Jira.`,
      fix: 'Create it here: it gets no application access and is deactivated at once, so it holds no licence and no rule can select it. Do not delete it afterwards: its properties hold the policy and the audit trail.',
    };
  }
  if (st?.exists && st.active) {
    return {
      ok: false, problem: 'active', account: name,
      message: `The storage account "${name}" is active: someone could log in as it, and a rule could select it.`,
      fix: `Deactivate "${name}" in Jira's User management (it must hold no licence), then reload this page.`,
    };
  }
  return { ok: true, account: name, message: `The storage account "${name}" is inactive and holds no licence.`, fix: '' };
}

/**
 * @param {object} store  store.mjs
 * @returns {{status: object, ready: Promise<object>, check: () => Promise<object>, create: () => Promise<object>, subscribe: (fn: Function, el?: Element) => void}}
 */
export function createAccountWatch(store) {
  const listeners = new Set();
  const watch = {
    status: { ok: true, pending: true, account: store?.account, message: 'Checking the storage account…', fix: '' },
    ready: null,
    async check() {
      let st;
      if (typeof store?.accountStatus !== 'function') st = { ok: true, account: store?.account, message: 'The storage account cannot be checked by this version of the page.', fix: '' };
      else {
        try {
          st = normaliseStatus(await store.accountStatus(), store.account);
        } catch (e) {
          st = {
            ok: false, problem: 'unreadable', account: store.account,
            message: `The storage account "${store.account}" could not be checked: ${e?.message ?? e}`,
            fix: 'Reload the page; if it persists, check that you are still logged in as a Jira administrator.',
          };
        }
      }
      watch.status = st;
      for (const l of [...listeners]) {
        if (l.el && !l.el.isConnected) listeners.delete(l);
        else l.fn(st);
      }
      return st;
    },
    /** Creates the missing account (store.createAccount), then checks again. */
    async create() {
      await store.createAccount();
      return watch.check();
    },
    /** Calls fn(status) on every change while `el` (when given) is in the document. */
    subscribe(fn, el) {
      listeners.add({ fn, el });
    },
  };
  watch.ready = watch.check();
  return watch;
}

/** The page-level message: nothing when the account is fine, else why and how to fix it. */
export function accountBanner(watch) {
  const box = h('div', { class: 'uc-account-banner', id: 'uc-account' });
  const draw = (st, { created = false } = {}) => {
    clear(box);
    box.dataset.ok = String(st.ok);
    if (st.pending) return;
    if (st.ok) {
      if (created) box.append(h('div', { class: 'uc-message', role: 'status', id: 'uc-account-created' }, `The storage account "${st.account}" was created (inactive, no application access). You can save now.`));
      return;
    }
    box.dataset.problem = st.problem ?? '';
    const msg = h('div', { class: 'uc-message uc-message-error', role: 'alert' },
      h('p', { class: 'uc-message-title' }, st.problem === 'missing' ? 'Nowhere to save yet: saving and running are off' : 'The storage account is not safe: saving and running are off'),
      h('p', { class: 'uc-account-why' }, st.message),
      st.fix ? h('p', { class: 'uc-account-fix' }, st.fix) : null);
    if (st.problem === 'missing') {
      const btn = h('button', { type: 'button', class: 'uc-button', id: 'uc-account-create' }, `Create the account "${st.account}"`);
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          draw(await watch.create(), { created: true });
        } catch (e) {
          btn.disabled = false;
          msg.append(errorBox('The account could not be created', e));
        }
      });
      msg.append(h('p', {}, btn));
    }
    box.append(msg);
  };
  draw(watch.status);
  watch.subscribe((st) => { if (!box.querySelector('#uc-account-created') || !st.ok) draw(st); }, null);
  return box;
}
