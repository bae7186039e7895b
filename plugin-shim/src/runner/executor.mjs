// The runner's browser-safe API in one module: the admin page imports this file (Run and History
// views) and the Node runner uses the same functions, so both write the same audit trail.
//   execution.mjs    carrying out a plan: executePlan, carryOut, executeItems
//   decide.mjs       deciding again per user (the engine's decide), plan expiry
//   undo-plan.mjs    what a run may undo, and undoing it
//   bounds.mjs       what a recorded run was allowed to do (its stored policy)
//   memory-trail.mjs an audit trail in memory
//   items.mjs        planned items, executable actions, application-role groups
export { executePlan, carryOut, executeItems } from './execution.mjs';
export { undoable, undoPlan, undoItems } from './undo-plan.mjs';
export { makeDecider, planAge } from './decide.mjs';
export { checkResumable } from './bounds.mjs';
export { createMemoryTrail } from './memory-trail.mjs';
export { EXECUTABLE, isExecutable, READONLY_FALLBACKS, planItems, roleGroupsOf } from './items.mjs';
export { hasGroup } from './names.mjs';
export { newRunId, compactInstant } from './run-id.mjs';
