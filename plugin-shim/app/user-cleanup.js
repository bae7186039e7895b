/*
 * User Cleanup — entry script, injected into Jira's admin pages by the "admin-page" web-resource
 * (context atl.admin, administrators only). It does nothing unless the page is the User Browser
 * with the hash #user-cleanup (the sidebar link), and then renders the app in place of the user
 * list. The app itself is ES modules loaded with dynamic import() from the "assets" download
 * resource; this file stays a classic script because the web-resource manager batches it.
 *
 * Overrides (tests, other layouts): window.USER_CLEANUP = { base: '<app folder URL>', ... } —
 * the same options as mount() in main.mjs.
 */
(function () {
  'use strict';
  var PLUGIN_KEY = 'com.usercleanup.jira';
  var HASH = /^#user-cleanup(\/|$)/;
  var mounted = null; // { host, hidden: [elements], promise }

  function contextPath() {
    try {
      if (window.AJS && typeof window.AJS.contextPath === 'function') return window.AJS.contextPath() || '';
    } catch (e) { /* fall through */ }
    var meta = document.querySelector('meta[name="ajs-context-path"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  function onUserBrowser() {
    return /\/secure\/admin\/user\/UserBrowser\.jspa$/.test(location.pathname) || (window.USER_CLEANUP && window.USER_CLEANUP.anyPage);
  }

  function target() {
    return document.querySelector('.aui-page-panel-content') || document.getElementById('content') || document.body;
  }

  function show() {
    if (mounted) return;
    var cfg = window.USER_CLEANUP || {};
    var cp = cfg.contextPath != null ? cfg.contextPath : contextPath();
    var base = cfg.base || (location.origin + cp + '/download/resources/' + PLUGIN_KEY + ':assets/app/');
    var parent = target();
    var hidden = [];
    for (var i = 0; i < parent.children.length; i++) {
      var c = parent.children[i];
      if (!c.hidden) {
        c.hidden = true;
        hidden.push(c);
      }
    }
    var host = document.createElement('div');
    host.id = 'user-cleanup';
    parent.appendChild(host);
    document.title = 'User Cleanup - ' + document.title.replace(/^.*? - /, '');
    mounted = { host: host, hidden: hidden };
    var opts = {};
    for (var k in cfg) if (Object.prototype.hasOwnProperty.call(cfg, k)) opts[k] = cfg[k];
    opts.base = base;
    opts.contextPath = cp;
    opts.embedded = true;
    import(base + 'main.mjs').then(function (m) {
      return m.mount(host, opts);
    }).catch(function (e) {
      host.textContent = 'User Cleanup could not start: ' + (e && e.message ? e.message : String(e));
      host.className = 'uc-app uc-message uc-message-error';
    });
  }

  function hide() {
    if (!mounted) return;
    mounted.host.remove();
    for (var i = 0; i < mounted.hidden.length; i++) mounted.hidden[i].hidden = false;
    mounted = null;
  }

  function route() {
    if (!onUserBrowser()) return;
    if (HASH.test(location.hash)) show();
    else hide();
  }

  window.addEventListener('hashchange', route);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', route);
  else route();
})();
