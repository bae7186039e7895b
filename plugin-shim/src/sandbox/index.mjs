// The sandbox Jira: a faithful stand-in for Jira Data Center's REST API (see server.mjs).
export { startSandbox } from './server.mjs';
export { resolveMode, MODE_NAMES } from './modes.mjs';
export { AUDIT_NAMES } from './audit.mjs';
