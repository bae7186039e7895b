// The store in Jira (the policy, the audit trail, leases, heartbeats) for Node: the daemon and the
// CLI use the very module the admin page uses, so both read and write the same properties in the
// same format. The implementation stays in plugin-shim/app/store.mjs because the JAR ships app/**
// to the page under the same relative paths (see plugin-shim/package/build-jar.mjs); this entry
// point is where Node code imports it from.
export * from '../../app/store.mjs';
export { openJiraTrail } from './jira-trail.mjs';
