// Where the Rules view's policy comes from and where it goes: the policy saved in Jira
// (store.mjs), the starting template (or the development server's file) when nothing is saved,
// and JSON files (import, export). Anything read back — from Jira or a file — is untrusted: it is
// parsed, never evaluated, and the engine reports what is wrong with it.
import { h } from '../dom.mjs';
import { templateText, TEMPLATE_LABEL } from '../template.mjs';

/**
 * The policy to edit.
 * @returns {Promise<{model: any, loaded: {revision, savedAt, savedBy, account, source: 'saved'|'template'|'dev-file', label: string, reason: string|null, missing: null|'account'|'policy'|'error'}, problems: {title: string, error: any}[]}>}
 */
export async function loadForEditing(store, data, account) {
  const problems = [];
  const st = account ? await account.ready.then(() => account.status) : { ok: true };
  let saved;
  let reason = null;
  if (!st.ok && st.problem !== 'missing') {
    // A policy on an account that is not safe may have been changed by anyone who can use it.
    reason = `The policy saved in Jira is not used: ${st.message}`;
    saved = { text: null, missing: 'error', account: store.account, revision: null };
  } else {
    try {
      saved = await store.loadPolicy();
    } catch (e) {
      problems.push({ title: 'The policy saved in Jira could not be read', error: e });
      reason = 'The policy saved in Jira could not be read (see below).';
      saved = { text: null, missing: 'error', account: store.account, revision: null };
    }
  }
  let text = saved.text;
  let source = 'saved';
  let label = `saved in Jira (${saved.account})`;
  if (text == null) {
    // Nothing saved: the development server's file when it passed one, else the template.
    const dev = await data.savedPolicy().catch(() => null);
    if (dev?.source === 'dev-file') ({ text, source, label } = dev);
    else [text, source, label] = [templateText(), 'template', TEMPLATE_LABEL];
  }
  let model;
  try {
    model = JSON.parse(text);
  } catch (e) {
    model = { version: 1, rules: [] };
    problems.push({ title: 'The saved policy is not JSON', error: e });
  }
  const loaded = {
    revision: saved.revision ?? null, savedAt: saved.savedAt ?? null, savedBy: saved.savedBy ?? null,
    account: saved.account, source, label, reason, missing: saved.text != null ? null : saved.missing ?? 'policy',
  };
  return { model, loaded, problems };
}

/** Saves `model` over the revision the editor loaded; a conflict or refusal throws (store.mjs). */
export function savePolicy(store, model, loaded, savedBy) {
  const expectRevision = loaded.source === 'saved' ? loaded.revision : loaded.missing === 'policy' ? 0 : undefined;
  return store.savePolicy(model, { savedBy, expectRevision });
}

/** The policy object in a chosen file; throws an Error with `title` when it is not one. */
export async function readPolicyFile(file) {
  let obj;
  try {
    obj = JSON.parse(await file.text());
  } catch (e) {
    throw Object.assign(new Error(e?.message ?? String(e)), { title: `${file.name} is not JSON; nothing was imported` });
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw Object.assign(new Error('A policy is a JSON object.'), { title: `${file.name} is not a policy; nothing was imported` });
  }
  return obj;
}

/** Downloads the policy as it is being edited, unknown fields and all. */
export function exportPolicy(model, where) {
  const text = `${JSON.stringify(model, null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: 'user-cleanup-policy.json', hidden: true });
  where.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
