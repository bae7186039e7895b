// One WASM measurement in a fresh process (so peak memory is this measurement's own):
//   node tests/bench/worker.mjs MODE POLICY SNAPSHOT
// MODE: text (planJson on JSON text) | object (plan on objects) | parse (JSON.parse only).
// Prints one JSON line: { mode, ms (best of runs), runs, maxRssMiB, actions }.
import { readFileSync } from 'node:fs';
import * as engine from '../../plugin-shim/src/engine.mjs';

const [mode, policyPath, snapshotPath] = process.argv.slice(2);
const policyText = readFileSync(policyPath, 'utf8');
const snapshotText = readFileSync(snapshotPath, 'utf8');
const options = { asOf: '2026-11-27T10:00:00Z' };
const optionsText = JSON.stringify(options);
const runs = snapshotText.length > 100e6 ? 2 : 5;

let best = Infinity;
let actions = null;
const policyObj = JSON.parse(policyText);
const snapshotObj = mode === 'object' ? JSON.parse(snapshotText) : null;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  if (mode === 'parse') {
    JSON.parse(snapshotText);
  } else if (mode === 'text') {
    const out = engine.planJson(policyText, snapshotText, optionsText);
    best = Math.min(best, performance.now() - t);
    if (i === 0) {
      const r = JSON.parse(out);
      if (r.type !== 'success') throw new Error(JSON.stringify(r.errors.slice(0, 3)));
      actions = r.value.counts.actions;
    }
    continue;
  } else if (mode === 'object') {
    const r = engine.plan(policyObj, snapshotObj, options);
    if (r.type !== 'success') throw new Error(JSON.stringify(r.errors.slice(0, 3)));
    actions = r.value.counts.actions;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  best = Math.min(best, performance.now() - t);
}
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ mode, ms: +best.toFixed(1), runs, maxRssMiB: +maxRssMiB.toFixed(0), actions }));
