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

// ?policy=<same-origin URL>: a policy file for development, applied while nothing is saved in
// Jira. main.mjs honours it only when the development server serves the page; the app served from
// its JAR ignores it and says so. Another origin is ignored here already.
function policyOverride() {
  const v = params.get('policy');
  if (!v || v === 'none') return {};
  const u = new URL(v, location.href);
  return u.origin === location.origin ? { policyUrl: u } : {};
}
