// Carrying out planned actions: the logic lives in executor.mjs (browser-safe, shared with the
// admin page); this module keeps the runner's import path.
export { READONLY_FALLBACKS, hasGroup, roleGroupsOf, executeItems, EXECUTABLE, planItems, carryOut } from './executor.mjs';
