// The audit trail kept in Jira, opened from Node: the stored chain is read and verified, then
// continued with compare-and-set appends exactly as the page continues it (app/page-trail.mjs).
import { createJiraTrail } from '../../app/page-trail.mjs';
import * as chain from '../runner/chain.mjs';

/** → a trail (append, records, close) continuing the verified chain stored in Jira; throws when it does not verify. */
export async function openJiraTrail(store, { now = () => new Date() } = {}) {
  const loaded = await store.loadAudit();
  const v = await chain.verifyText(loaded.text);
  if (!v.ok) {
    throw Object.assign(new Error(`The audit trail stored in Jira does not verify (${v.error.message}), so it is never extended.`), { code: 'trail.brokenInJira' });
  }
  return createJiraTrail({ store, chain, records: v.records, now });
}
