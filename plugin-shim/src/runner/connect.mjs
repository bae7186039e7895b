// Connecting to Jira Data Center: the token from USER_CLEANUP_TOKEN only, and the host adapter.
import { InputError } from '../errors.mjs';

/** The Jira base URL checked; credentials in it are refused (they would end up in logs). */
export function jiraUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`--jira: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError('--jira: the URL must start with https:// or http://');
  if (url.username || url.password) throw new InputError('--jira: do not put credentials in the URL; set USER_CLEANUP_TOKEN to a personal access token');
  if (url.search || url.hash) throw new InputError('--jira: give the base URL of Jira, without a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * @param {{url: string, env: object, concurrency?: number, onProgress?: Function, signal?: AbortSignal}} o
 * @returns {Promise<{host: object, url: string}>}
 */
export async function connectJira({ url, env, concurrency, onProgress, signal }) {
  const base = jiraUrl(url);
  const token = env.USER_CLEANUP_TOKEN;
  if (!token) {
    throw new InputError('--jira needs a personal access token of a Jira administrator in the environment variable USER_CLEANUP_TOKEN');
  }
  let mod;
  try {
    mod = await import('../host/index.mjs');
  } catch (e) {
    throw new InputError(`--jira: the Jira host adapter cannot be loaded (${e.message})`);
  }
  const common = { baseUrl: base, token, fetch: globalThis.fetch, concurrency, signal };
  const reader = mod.createJiraHost({ ...common, onProgress });
  // Writes are never repeated blindly by the adapter (retries: 0; a 429 is still waited out, it
  // was not processed): after a failure that may have been applied, the runner reads the user
  // first and only sends the change again when Jira does not show it (execution.mjs).
  const writer = mod.createJiraHost({ ...common, retries: 0 });
  const host = {
    ...reader,
    deactivate: writer.deactivate,
    reactivate: writer.reactivate,
    removeFromGroup: writer.removeFromGroup,
    addToGroup: writer.addToGroup,
  };
  return { host, url: base };
}

/** Replaces every occurrence of the secret in text (defence in depth: nothing should contain it). */
export function redactor(secret) {
  if (!secret || secret.length < 4) return (s) => s;
  return (s) => (typeof s === 'string' && s.includes(secret) ? s.split(secret).join('[REDACTED]') : s);
}
