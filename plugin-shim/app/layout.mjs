// Where the app finds its other files, relative to the app folder. The JAR's "assets" download
// resource (plugin-shim/atlassian-plugin.xml) holds:
//   app/      this folder            engine/   pkg/web (the wasm-pack web build)
//   host/     plugin-shim/src/host   vendor/   chart.umd.min.js (npm chart.js, dist/)
// so from .../com.usercleanup.jira:assets/app/ they are one level up. Every URL can be overridden.
// There is no policy file among them: the policy comes from Jira (store.mjs), else the starting
// template (template.mjs).
export function assetUrls(base, o = {}) {
  const b = new URL(String(base), document.baseURI);
  const at = (v, rel) => (v === null ? null : new URL(String(v ?? rel), b));
  return {
    host: at(o.hostUrl, '../host/index.mjs'),
    engine: at(o.engineBase, '../engine/'),
    chart: at(o.chartUrl, '../vendor/chart.umd.min.js'),
  };
}
