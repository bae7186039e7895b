// The engine for Node: loads the wasm-pack `nodejs` build from pkg/node and re-exports its API.
// Types: engine.d.ts beside this file; the API is described in docs/engine-api.md.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkgPath = fileURLToPath(new URL('../../pkg/node/user_cleanup_wasm.js', import.meta.url));
if (!existsSync(pkgPath)) {
  const err = new Error(`The WebAssembly engine is not built (${pkgPath} is missing): run ./build.sh first.`);
  err.name = 'UserCleanupError';
  err.code = 'engine.notBuilt';
  throw err;
}
const wasm = createRequire(import.meta.url)(pkgPath);

export const { version, validate, plan, planJson, dashboard, planTier, nextRuns, decide, removableGroups, policyGroups, query, queryJson, openQuery, warnings, warningOutcomes, planBulk } = wasm;
