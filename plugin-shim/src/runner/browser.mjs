// The runner modules that also run in the browser (the admin page's Run and History views): no
// node: imports. The JAR and the test server ship exactly these under `runner/`.
export const BROWSER_MODULES = ['executor.mjs', 'execution.mjs', 'undo-plan.mjs', 'decide.mjs', 'clock.mjs', 'bounds.mjs', 'memory-trail.mjs', 'items.mjs', 'names.mjs', 'run-id.mjs', 'chain.mjs', 'hash.mjs', 'csv.mjs', 'report.mjs', 'reconcile.mjs', 'bulk.mjs'];
