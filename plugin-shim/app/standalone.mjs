// The app as a page of its own: index.html served as a download resource
// ({contextPath}/download/resources/com.usercleanup.jira:assets/app/index.html) or by the demo.
// Jira's context path is whatever precedes /download/ (or the cached /s/… form) in this URL.
import { mount } from './main.mjs';

const path = location.pathname;
const i = path.search(/\/(?:s\/.+?\/_\/)?download\/resources\//);
const contextPath = i > 0 ? path.slice(0, i) : '';
const params = new URLSearchParams(location.search);
const home = document.getElementById('uc-jira-home');
if (home) home.setAttribute('href', `${contextPath}/secure/admin/user/UserBrowser.jspa#user-cleanup`);

const cfg = globalThis.USER_CLEANUP ?? {};
mount(document.getElementById('user-cleanup'), {
  ...cfg,
  base: new URL('./', import.meta.url),
  contextPath: cfg.contextPath ?? contextPath,
    ...policyOverride(),
});

// ?policy=<same-origin URL> points the dashboard at another policy file (demo, tests);
// ?policy=none shows it without one. Another origin is ignored.
function policyOverride() {
  if (!params.has('policy')) return {};
  const v = params.get('policy');
  if (v === 'none') return { policyUrl: null };
  const u = new URL(v, location.href);
  return u.origin === location.origin ? { policyUrl: u } : {};
}
