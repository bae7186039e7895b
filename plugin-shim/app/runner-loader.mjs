// The runner's browser-safe modules (plugin-shim/src/runner, shipped under runner/ in the JAR),
// loaded once per base URL: the executor, the audit chain, hashing, CSV and the trail reports.
// reconcile.mjs (audit against Jira's own audit log) is optional: a build without it still runs.
const cache = new Map();

export function runnerModules(ctx) {
  const base = String(ctx.runnerBase);
  if (!cache.has(base)) {
    const at = (n) => import(new URL(n, base).href);
    const p = Promise.all([at('executor.mjs'), at('chain.mjs'), at('hash.mjs'), at('csv.mjs'), at('report.mjs'), at('reconcile.mjs').catch(() => null)])
      .then(([executor, chain, hash, csv, report, reconcile]) => ({ executor, chain, hash, csv, report, reconcile }));
    cache.set(base, p);
    p.catch(() => cache.delete(base));
  }
  return cache.get(base);
}
