// The perf bench without DevTools attached (perf.mjs --no-devtools). Playwright drives Chromium
// over the DevTools protocol with its Network domain on, so each of the page's thousands of
// requests also makes protocol events, handled in the same Node process as the sandbox: work an
// administrator's browser never does. Here Chromium is started on its own with a small page of the
// sandbox's (`/perf.html`) that logs in, opens the app in a frame, watches it, and reports each step
// as a request the sandbox logs (`/perf-beacon/<step>?d=<json>`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers.mjs';

export const PERF_PAGE = '/perf.html';

/** The watching page: times from the frame's creation, as perf.mjs does from page.goto. */
export function perfPage(appUrl) {
  return `<!doctype html><html><body style="margin:0"><script>
(async () => {
  const beacon = (step, data) => fetch('/perf-beacon/' + step + '?d=' + encodeURIComponent(JSON.stringify(data)), { credentials: 'omit' });
  const r = await fetch('/rest/auth/1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin' }), credentials: 'same-origin' });
  if (r.status !== 200) { beacon('error', { login: r.status }); return; }
  const f = document.createElement('iframe');
  f.style.cssText = 'width:1280px;height:900px;border:0';
  const t0 = performance.now();
  f.src = ${JSON.stringify(appUrl)};
  document.body.append(f);
  const ms = () => Math.round(performance.now() - t0);
  let drawn = false, plan = false;
  const tick = () => {
    const w = f.contentWindow, d = w && w.document;
    const root = d && d.getElementById('user-cleanup');
    const st = root && root.dataset.state;
    if (!drawn && (st === 'ready' || st === 'error' || st === 'refused')) { drawn = true; beacon('drawn', { ms: ms(), state: st }); }
    const imp = d && d.querySelector('#uc-impact');
    if (drawn && !plan && imp && imp.dataset.plan !== 'loading') { plan = true; beacon('plan', { ms: ms(), plan: imp.dataset.plan }); }
    const g = d && d.querySelector('#uc-groups-box');
    if (drawn && (st !== 'ready' || (plan && g && (g.dataset.fill === 'complete' || g.dataset.fill === 'error')))) {
      beacon('groups', { ms: ms(), fill: g ? g.dataset.fill : null, total: (d.querySelector('.uc-summary strong') || {}).textContent || null, progress: (d.querySelector('#uc-groups-progress') || {}).textContent || null, timings: w.__userCleanup && w.__userCleanup.timings, heapMB: performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) : null });
      return;
    }
    setTimeout(tick, 50);
  };
  tick();
})();
</script></body></html>`;
}

/**
 * Opens `${sb.url}${PERF_PAGE}` (the sandbox must serve perfPage(appUrl) there) in a Chromium of its
 * own and waits for its last step. → {state, openToDrawnMs, restAtDrawn, plan, openToPlanMs,
 * restAtPlan, openToGroupsCompleteMs, groupsProgress, restRequests, heapMB, timings, shownTotal}
 */
export async function measurePlain(sb, { timeoutMs = 900_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'uc-perf-'));
  const from = sb.requests.length;
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${dir}`, '--window-size=1280,900', `${sb.url}${PERF_PAGE}`], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const steps = {};
    const started = Date.now();
    while (!steps.groups && !steps.error) {
      if (Date.now() - started > timeoutMs) throw new Error(`perf page: no last step within ${timeoutMs} ms (steps: ${Object.keys(steps).join(', ') || 'none'})`);
      await new Promise((r) => setTimeout(r, 200));
      const log = sb.requests.slice(from);
      // REST requests of the app: after the watching page's login.
      const login = log.findIndex((q) => q.path === '/rest/auth/1/session');
      for (let i = 0; i < log.length; i++) {
        const m = /^\/perf-beacon\/(\w+)\?d=(.*)$/.exec(log[i].path);
        if (!m || steps[m[1]]) continue;
        const rest = log.slice(login + 1, i).filter((q) => q.path.startsWith('/rest/')).length;
        steps[m[1]] = { rest, ...JSON.parse(decodeURIComponent(m[2])) };
      }
    }
    if (steps.error) throw new Error(`perf page: ${JSON.stringify(steps.error)}`);
    const { drawn, plan, groups } = steps;
    return {
      state: drawn.state, shownTotal: groups.total, openToDrawnMs: drawn.ms, restAtDrawn: drawn.rest,
      plan: plan?.plan ?? null, openToPlanMs: plan?.ms ?? null, restAtPlan: plan?.rest ?? null,
      openToGroupsCompleteMs: groups.ms, groupsProgress: groups.progress, restRequests: groups.rest, heapMB: groups.heapMB, timings: groups.timings,
    };
  } finally {
    child.kill();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
