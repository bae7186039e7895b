// Time from page open to a drawn dashboard, to its plan section (what the policy would free: the
// impact reads and open-issue counts come after the first paint), and to the complete groups table
// (the other groups' members read in the background), in Chromium, against the sandbox Jira, with
// the sample policy.
//   node tests/browser/perf.mjs [users=100000] [--jira 10.3] [--group-page-max N] [--no-devtools]
// --group-page-max: the members per group/member page the sandbox serves (50 by default, as Jira is
// said to; the page asks for 1000 and follows the answer) — to see what a Jira serving more would give.
// --no-devtools: Chromium on its own, without Playwright's DevTools connection (perf-plain.mjs), as
// an administrator's browser runs the page.
// Prints one JSON line: users, openToDrawnMs, openToPlanMs, openToGroupsCompleteMs and the page's
// own breakdown (timings; hostAtDrawn: requests and the adaptive in-flight limit at the first paint).
import { startAppSandbox } from '../../plugin-shim/dev/page-server.mjs';
import { launch, login, settled } from './helpers.mjs';
import { measurePlain, perfPage, PERF_PAGE } from './perf-plain.mjs';

const n = Number(process.argv[2] ?? 100_000);
const ji = process.argv.indexOf('--jira');
const jira = ji > 0 ? process.argv[ji + 1] : '10.3';
const gi = process.argv.indexOf('--group-page-max');
const groupMemberMax = gi > 0 ? Number(process.argv[gi + 1]) : undefined;
if (groupMemberMax !== undefined && !(Number.isInteger(groupMemberMax) && groupMemberMax > 0)) throw new Error(`--group-page-max: a whole number > 0, not ${process.argv[gi + 1]}`);
const plain = process.argv.includes('--no-devtools');
const pages = {};
let t = Date.now();
const sb = await startAppSandbox({ users: n, jira, logRequests: true, ...(groupMemberMax ? { groupMemberMax } : {}), ...(plain ? { pages } : {}) });
const seedMs = Date.now() - t;
const APP = `${sb.appUrl}?policy=../samples/policy.json`;
if (plain) {
  pages[PERF_PAGE] = perfPage(APP);
  try {
    console.log(JSON.stringify({ users: n, jira, groupPageMax: groupMemberMax ?? 50, devtools: false, seedMs, ...(await measurePlain(sb)) }));
  } finally {
    await sb.close();
  }
  process.exit(0);
}
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await login(context, sb.url, 'admin');
  const page = await context.newPage();
  const from = sb.requests.length;
  t = Date.now();
  await page.goto(APP);
  const state = await settled(page, 600_000);
  const openToDrawnMs = Date.now() - t;
  const restAtDrawn = sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/')).length;
  const plan = await page.waitForSelector('#uc-impact[data-plan="ready"], #uc-impact[data-plan="error"]', { timeout: 900_000 }).then((el) => el.getAttribute('data-plan'), () => null);
  const openToPlanMs = Date.now() - t;
  const restAtPlan = sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/')).length;
  await page.waitForSelector('#uc-groups-box[data-fill="complete"], #uc-groups-box[data-fill="error"]', { timeout: 900_000 }).catch(() => null);
  const openToGroupsCompleteMs = Date.now() - t;
  const groupsProgress = await page.textContent('#uc-groups-progress').catch(() => null);
  const timings = await page.evaluate(() => globalThis.__userCleanup.timings);
  const total = await page.textContent('.uc-summary strong').catch(() => null);
  const rest = sb.requests.slice(from).filter((r) => r.path.startsWith('/rest/')).length;
  const heapMB = await page.evaluate(() => (performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) : null));
  console.log(JSON.stringify({ users: n, jira, groupPageMax: groupMemberMax ?? 50, devtools: true, state, shownTotal: total, seedMs, openToDrawnMs, restAtDrawn, plan, openToPlanMs, restAtPlan, openToGroupsCompleteMs, groupsProgress, restRequests: rest, heapMB, timings }));
  if (process.argv.includes('--screenshot')) await page.screenshot({ path: new URL(`screenshots/dashboard-${n}.png`, import.meta.url).pathname, fullPage: true });
} finally {
  await browser.close();
  await sb.close();
}
