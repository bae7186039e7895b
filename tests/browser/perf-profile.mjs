// A CPU profile of the page from open to the first drawn Dashboard (the snapshot walk), in
// Chromium against the sandbox Jira with the sample policy: which functions the page's main thread
// spends its time in, by self time, grouped by script (ours: the host adapter and the app; the
// browser's own: "(program)", "(garbage collector)", native functions).
//   node tests/browser/perf-profile.mjs [users=100000] [--top 30] [--out profile.cpuprofile]
// Prints the top functions by self time and the totals per script; --out keeps the profile (open
// it in Chrome DevTools' Performance panel).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { launch, login, settled } from './helpers.mjs';

const n = Number(process.argv[2] ?? 100_000);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const top = Number(arg('--top', 30));
const out = arg('--out', null);

const sb = await startAppSandbox({ users: n, jira: '10.3' });
const APP = `${sb.appUrl}?policy=../samples/policy.json`;
// When each request reached the sandbox (its log has no times of its own): the timeline below.
const log = sb.requests;
const push = log.push.bind(log);
log.push = (e) => push(Object.assign(e, { t: Date.now() }));
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await login(context, sb.url, 'admin');
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  // 1 ms between samples: thousands of requests of ~2 ms each need a fine grain.
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  const cpu0 = cpuByProcess();
  const node0 = process.cpuUsage();
  const t = Date.now();
  const from = log.length;
  await page.goto(APP);
  const state = await settled(page, 600_000);
  const openToDrawnMs = Date.now() - t;
  const node1 = process.cpuUsage(node0);
  const cpu1 = cpuByProcess();
  const { profile } = await cdp.send('Profiler.stop');
  if (out) writeFileSync(out, JSON.stringify(profile));
  const summary = summarise(profile);
  console.log(JSON.stringify({ users: n, state, openToDrawnMs, sampledMs: summary.totalMs }));
  // CPU seconds per process over the same span: is one of them the limit?
  const cpu = { 'node (sandbox + Playwright)': (node1.user + node1.system) / 1e6 };
  for (const [k, v] of Object.entries(cpu1)) cpu[`chromium ${k}`] = v - (cpu0[k] ?? 0);
  console.log('\nCPU s during open → drawn:', Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
  console.log('\nself time by script:');
  for (const [k, ms] of summary.byScript.slice(0, 20)) console.log(`${ms.toFixed(0).padStart(8)} ms  ${k}`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const f of summary.byFunction.slice(0, top)) console.log(`${f.ms.toFixed(0).padStart(8)} ms  ${f.name}  ${f.where}`);
  // Per second from page open: requests the sandbox got (group/member, user/list, other) and the
  // main thread's idle, browser-internal ("(program)", fetch, GC) and our JavaScript time.
  console.log('\nsecond  member  list  other | idle  browser  ours (ms of main thread)');
  const reqs = log.slice(from);
  const tl = summary.timeline(profile.startTime / 1000);
  const secs = Math.ceil(openToDrawnMs / 1000);
  for (let s = 0; s < secs; s++) {
    const inS = reqs.filter((r) => r.t - t >= s * 1000 && r.t - t < (s + 1) * 1000);
    const c = (re) => inS.filter((r) => re.test(r.path)).length;
    const m = c(/group\/member/), l = c(/user\/list/);
    const b = tl[s] ?? { idle: 0, browser: 0, ours: 0 };
    console.log(`${String(s).padStart(6)}  ${String(m).padStart(6)}  ${String(l).padStart(4)}  ${String(inS.length - m - l).padStart(5)} | ${b.idle.toFixed(0).padStart(4)}  ${b.browser.toFixed(0).padStart(7)}  ${b.ours.toFixed(0).padStart(4)}`);
  }
} finally {
  await browser.close();
  await sb.close();
}

/** CPU seconds of this process's Chromium (its descendants) by process type (renderer, network, gpu, browser…), Linux only. */
function cpuByProcess() {
  const tick = 100; // USER_HZ
  const procs = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      procs.push({ pid: Number(pid), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8') });
    } catch { /* gone meanwhile */ }
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const x of procs) if (!ours.has(x.pid) && ours.has(x.ppid)) { ours.add(x.pid); grew = true; }
  }
  const out = {};
  for (const x of procs) {
    if (x.pid === process.pid || !ours.has(x.pid) || !/chrom/i.test(x.cmd.split('\0')[0])) continue;
    // Chromium rewrites its command line into one string with spaces: arguments end at either.
    const type = /--type=([^\s\0]+)/.exec(x.cmd)?.[1] ?? 'browser';
    const sub = type === 'utility' ? (/--utility-sub-type=([^\s\0]+)/.exec(x.cmd)?.[1].split('.').pop() ?? 'utility') : type;
    out[sub] = (out[sub] ?? 0) + x.cpu;
  }
  return out;
}

/** Self time per node from the samples' time deltas, summed per function and per script. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const fn = new Map();
  const script = new Map();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const cf = byId.get(id).callFrame;
    const file = cf.url ? cf.url.replace(/^.*\/(app|host|engine|pkg)\//, '$1/').replace(/\?.*$/, '') : '(native)';
    const where = cf.url ? `${file}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}\u0000${where}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const sk = cf.url ? file : cf.functionName || '(native)';
    script.set(sk, (script.get(sk) ?? 0) + ms);
    totalMs += ms;
  }
  // Seconds from the profile's start (≈ page.goto): idle, the browser's own, and script time.
  const timeline = () => {
    const secs = [];
    let at = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      const cf = byId.get(profile.samples[i]).callFrame;
      const s = Math.floor(at / 1e6);
      secs[s] ??= { idle: 0, browser: 0, ours: 0 };
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      if (cf.functionName === '(idle)') secs[s].idle += ms;
      else if (cf.url) secs[s].ours += ms;
      else secs[s].browser += ms;
    }
    return secs;
  };
  const byFunction = [...fn].map(([k, ms]) => { const [name, where] = k.split('\u0000'); return { name, where, ms }; }).sort((a, b) => b.ms - a.ms);
  return { totalMs: Math.round(totalMs), timeline, byFunction, byScript: [...script].sort((a, b) => b[1] - a[1]) };
}
