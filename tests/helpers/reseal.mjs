// A trail file rewritten as an attacker who holds the sealing code would: the records' fields
// edited, then every record sealed again from the first on, so that the chain itself verifies and
// only checks beyond it (the stored policy, Jira's clock, the engine's answers) can catch the edit.
import { writeFileSync } from 'node:fs';
import { readTrail } from '../../plugin-shim/src/runner/trail.mjs';
import { seal } from '../../plugin-shim/src/runner/chain.mjs';

/** Rewrites the trail at `path` with `edit(records)` applied (records without their seals), re-sealed. */
export async function reseal(path, edit) {
  const { records } = await readTrail(path);
  const fields = records.map(({ seq: _s, prevHash: _p, hash: _h, mac: _m, ...rest }) => rest);
  edit(fields);
  let prev = null;
  const out = [];
  for (const f of fields) {
    prev = await seal(f, prev);
    out.push(`${JSON.stringify(prev)}\n`);
  }
  writeFileSync(path, out.join(''));
}
