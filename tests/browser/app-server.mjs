// Moved to plugin-shim/dev/page-server.mjs (next to the code it serves); kept so that an import
// of the old path still works.
export * from '../../plugin-shim/dev/page-server.mjs';
