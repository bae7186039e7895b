// The runner's browser-safe API in one module: the admin page imports this file (Run and History
// views) and the Node runner uses the same functions, so both write the same audit trail.
//   execution.mjs    carrying out a plan: executePlan, carryOut, executeItems
//   undo-plan.mjs    what a run may undo, and undoing it
//   memory-trail.mjs an audit trail in memory
//   items.mjs        planned items, executable actions, application-role groups
export { executePlan, carryOut, executeItems } from './execution.mjs';
export { undoable, undoItems } from './undo-plan.mjs';
export { createMemoryTrail } from './memory-trail.mjs';
export { EXECUTABLE, READONLY_FALLBACKS, planItems, roleGroupsOf } from './items.mjs';
export { hasGroup } from './names.mjs';
export { newRunId, compactInstant } from './run-id.mjs';
