// An audit trail kept in memory (browser-safe): the admin page stores it in Jira or downloads it;
// trail.mjs is the Node one (an fsync'd file). Both seal records with chain.mjs, so either's text
// verifies with `user-cleanup audit verify`.
import { seal } from './chain.mjs';

/**
 * An audit trail in memory, continuing the chain of `records` (already verified). Appends are
 * sealed in order; `onAppend(record)` may return a promise (e.g. saving to Jira) that the append waits for.
 */
export function createMemoryTrail(records = [], { now = () => new Date(), onAppend } = {}) {
  let last = records.at(-1) ?? null;
  let queue = Promise.resolve();
  const trail = {
    records,
    append(fields) {
      // Sealing is serialised (the chain order); onAppend is called in that order, and the append
      // resolves once onAppend's promise does, so a sink may batch records appended meanwhile.
      const sealed = queue.then(async () => {
        const record = await seal({ at: now().toISOString(), ...fields }, last);
        last = record;
        records.push(record);
        return { record, saved: onAppend ? onAppend(record) : null };
      });
      queue = sealed.catch(() => {});
      return sealed.then(async ({ record, saved }) => {
        await saved;
        return record;
      });
    },
    async close() {
      await queue;
    },
    text: () => records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  };
  return trail;
}
