// The Node CLI (plugin-shim/bin/user-cleanup.mjs), run as a child process like a user would.
// Expected answers are worked out by hand from docs/matching.md for the fixtures in
// tests/fixtures/cli/ (see the comments beside each user below), not copied from the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'plugin-shim/bin/user-cleanup.mjs';
const FX = 'tests/fixtures/cli';
const POLICY = `${FX}/policy.json`;
const SNAPSHOT = `${FX}/snapshot.json`;
const AS_OF = '2026-11-27T00:00:00Z';

function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // A wide "terminal" so that table cells are not cut (the truncation has its own test).
    env: { ...process.env, NO_COLOR: '1', COLUMNS: '250', USER_CLEANUP_DEBUG: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (s) => assert.doesNotMatch(s, /^\s+at /m, `a stack trace leaked:\n${s}`);

// At 2026-11-27T00:00:00Z, policy.json (rules: contractors-90d deactivate, licence-180d
// removeFromGroups [jira-servicedesk-users, jira-core-users], idle-365d-review review):
//   alice   excluded by name from contractors-90d; no servicedesk/core group; 695 days → review
//   bob     ext-globex, external, exactly 90 × 24 h → deactivate (the threshold is ≥)
//   carol   contractors, external, 1 s short of 90 days; 89 days < 180, < 365 → nothing
//   dave    internal email (not contractors-90d); jira-servicedesk-users, 544 days → removeFromGroups
//   erin    never logged in, created 57 days ago (≥ 30) → deactivate
//   frank   never logged in, created 17 days ago → nothing; gina: last login not known → nothing
//   root    jira-administrators (protected group); svc-ci: service account until 2027 (protected)
//   svc-old service account expired 2026-01-01 → not protected → deactivate, listed as expired
//   henry   inactive already → nothing
//   ivan    email domain in capitals (PARTNER.IO), 330 days → deactivate; hostile display name
//   judy    sub.acme.com belongs to acme.com → internal; 330 days < 365 → nothing
//   kim     keep-forever (excluded from contractors-90d), 695 days → review
//   admin   contractors, external, 695 days → deactivate, unless --actor admin (then protected)
//   svc-backup  protect.users; selected by idle-365d-review (no include = everyone) → protected
//   Mallory group "Contractors" matches "contractors" case-insensitively, 179 days → deactivate
//   nina    group "EXT-Acme" matches "ext-*", gmail.com is external, 210 days → deactivate
//   oscar   "context-team" does not match "ext-*" (whole name); jira-core-users, 240 days → removeFromGroups
const EXPECTED_WITH_ACTOR = [
  ['alice', 'idle-365d-review', 'review'],
  ['bob', 'contractors-90d', 'deactivate'],
  ['dave', 'licence-180d', 'removeFromGroups'],
  ['erin', 'contractors-90d', 'deactivate'],
  ['ivan', 'contractors-90d', 'deactivate'],
  ['kim', 'idle-365d-review', 'review'],
  ['Mallory', 'contractors-90d', 'deactivate'],
  ['nina', 'contractors-90d', 'deactivate'],
  ['oscar', 'licence-180d', 'removeFromGroups'],
  ['svc-old', 'contractors-90d', 'deactivate'],
];

test('preview --json (the contract line) prints the Plan and exits 0', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--json']);
  assert.equal(r.code, 0, r.err);
  noStack(r.err);
  const plan = JSON.parse(r.out);
  assert.equal(plan.type, undefined, 'the value, not the result envelope');
  assert.equal(plan.asOf, AS_OF);
  assert.equal(plan.actor, null);
  // Without --actor, admin is an ordinary idle contractor.
  const expected = [['admin', 'contractors-90d', 'deactivate'], ...EXPECTED_WITH_ACTOR];
  assert.deepEqual(
    plan.actions.map((a) => [a.user, a.rule, a.action]),
    expected,
  );
  assert.equal(plan.counts.executable, 9);
  assert.equal(plan.overLimit, false);
  // The expired service account warns on stderr but does not change the exit code.
  assert.match(r.err, /^warning: .*policy\.json: serviceAccounts\[1\]\.expires: .*svc-old.*\[serviceAccount\.expired\]$/m);
});

test('preview --json --actor: who is actioned, who is protected, and the facts used', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--actor', 'admin', '--json']);
  assert.equal(r.code, 0, r.err);
  const plan = JSON.parse(r.out);
  assert.equal(plan.actor, 'admin');
  assert.deepEqual(plan.actions.map((a) => [a.user, a.rule, a.action]), EXPECTED_WITH_ACTOR);
  const by = Object.fromEntries(plan.actions.map((a) => [a.user, a]));
  assert.deepEqual(by.dave.groups, ['jira-servicedesk-users']);
  assert.deepEqual(by.oscar.groups, ['jira-core-users']);
  assert.equal(by.bob.facts.daysInactive, 90);
  assert.equal(by.erin.facts.lastLogin, null);
  assert.equal(by.erin.facts.daysInactive, 57);
  assert.equal(by.ivan.facts.emailDomain, 'partner.io');
  assert.deepEqual(by.nina.facts.matchedGroups, ['EXT-Acme']);
  for (const nobody of ['carol', 'frank', 'gina', 'henry', 'judy', 'root', 'svc-ci', 'svc-backup', 'admin']) {
    assert.equal(by[nobody], undefined, `${nobody} must not be actioned`);
  }
  assert.deepEqual(
    plan.protected.map((p) => [p.user, p.rule, p.code]).sort(),
    [
      ['admin', 'contractors-90d', 'protect.actor'],
      ['root', 'contractors-90d', 'protect.group'],
      ['svc-backup', 'idle-365d-review', 'protect.user'],
      ['svc-ci', 'contractors-90d', 'protect.serviceAccount'],
    ],
  );
  assert.deepEqual(
    plan.expiredServiceAccounts.map((s) => [s.user, s.actioned]),
    [['svc-old', true]],
  );
  assert.deepEqual(plan.counts.byAction, { deactivate: 6, removeFromGroups: 2, review: 2 });
  assert.equal(plan.counts.executable, 8);
  // Seats: software held by alice, bob, carol, ivan, root (5); bob and ivan go → 3.
  // Service desk: dave only, removed → 0. Core (unlimited): oscar only, removed → 0.
  const seats = Object.fromEntries(plan.licence.map((l) => [l.role, [l.seatsBefore, l.seatsAfter, l.seatsFreed]]));
  assert.deepEqual(seats, { 'jira-software': [5, 3, 2], 'jira-servicedesk': [1, 0, 1], 'jira-core': [1, 0, 1] });
});

test('preview readable: header, actions table, counts, protected, licence; as-of shown', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--actor', 'admin']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /as of\s+2026-11-27T00:00:00Z/);
  assert.match(r.out, /actor\s+admin/);
  assert.match(r.out, /19 in the snapshot, 18 active/);
  assert.match(r.out, /^\s+dave\s+Dave Internal\s+licence-180d\s+removeFromGroups\s+jira-servicedesk-users\s+544\s/m);
  assert.match(r.out, /^\s+removeFromGroups\s+2\s/m);
  assert.match(r.out, /^\s+svc-backup\s+idle-365d-review\s+/m);
  assert.match(r.out, /Jira Service Management \(jira-servicedesk\)\s+1 → 0\s+1\s+4 → 5\s+5/);
  assert.doesNotMatch(r.out, /OVER LIMIT/);
});

test('preview tables fit the terminal width, cutting long values with "…"', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--all'], { COLUMNS: '80' });
  assert.equal(r.code, 0, r.err);
  const table = r.out.split('\n').filter((l) => /^\s+(USER|alice|bob|dave|svc-old)\s/.test(l));
  assert.ok(table.length >= 5, r.out);
  for (const line of table) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  assert.match(r.out, /…/);
  assert.match(r.out, /^\s+dave\s+.*\s544\s/m, 'the days column is never cut');
});

test('preview without --as-of uses the current time and says so', () => {
  const before = Date.now();
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT]);
  assert.equal(r.code, 0, r.err);
  const m = /as of\s+(\S+) \(the current time/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Math.abs(Date.parse(m[1]) - before) < 60_000, m[1]);
});

test('preview --limit cuts the table with "... and N more"; --all lists everything', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--actor', 'admin', '--limit', '3']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\.\.\. and 7 more/);
  assert.doesNotMatch(r.out, /^\s+svc-old\s+Old import bot/m);
  const all = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--all']);
  assert.match(all.out, /^\s+svc-old\s+Old import bot/m);
  assert.doesNotMatch(all.out, /\.\.\. and \d+ more/);
});

test('preview over the limit prints the loud warning', () => {
  // Without --actor: 7 deactivate + 2 removeFromGroups = 9 executable > 5.
  const r = cli(['preview', '--policy', `${FX}/policy-over-limit.json`, '--snapshot', SNAPSHOT, '--as-of', AS_OF]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /!! OVER LIMIT: 9 executable actions > maxActionsPerRun 5 — a run would refuse/);
  const json = JSON.parse(
    cli(['preview', '--policy', `${FX}/policy-over-limit.json`, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--json']).out,
  );
  assert.equal(json.overLimit, true);
  assert.equal(json.actions.length, 11, 'an over-limit plan still lists every action');
});

test('host strings are printed without escape sequences or control characters', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--all']);
  assert.equal(r.code, 0, r.err);
  assert.ok(!r.out.includes('\u001b'), 'no ESC byte on stdout');
  assert.ok(!r.out.includes('\u0007'), 'no BEL byte on stdout');
  assert.match(r.out, /Ivan Red/);
  assert.doesNotMatch(r.out, /\[31m/);
  // The JSON keeps the data as it is (escaped by JSON itself).
  const plan = JSON.parse(cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--json']).out);
  assert.ok(plan.actions.find((a) => a.user === 'ivan').displayName.includes('\u001b[31m'));
});

test('an invalid policy: exit 2, file + JSON path + code on stderr, no stack trace', () => {
  const r = cli(['preview', '--policy', `${FX}/policy-typo.json`, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(
    r.err,
    /^tests\/fixtures\/cli\/policy-typo\.json: rules\[0\]\.inactveDays: unknown field "inactveDays".*\(did you mean "inactiveDays"\?\) \[policy\.unknownField\]$/m,
  );
  noStack(r.err);
});

test('invalid JSON: exit 2 with the file, line and column', () => {
  const r = cli(['preview', '--policy', `${FX}/policy-bad-json.json`, '--snapshot', SNAPSHOT, '--as-of', AS_OF]);
  assert.equal(r.code, 2);
  assert.match(r.err, /policy-bad-json\.json: .*line 5 column \d+.*\[json\.syntax\]/);
  noStack(r.err);
});

test('an invalid snapshot names the snapshot file', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', `${FX}/policy.json`, '--as-of', AS_OF]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^tests\/fixtures\/cli\/policy\.json: .*\[snapshot\.[A-Za-z]+\]$/m);
  noStack(r.err);
});

test('a bad --as-of is reported against the flag', () => {
  const r = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', 'yesterday']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^--as-of: .*yesterday.*\[options\.invalidTimestamp\]$/m);
});

test('a missing or unreadable file: exit 2 with the path', () => {
  const missing = cli(['preview', '--policy', `${FX}/no-such-policy.json`, '--snapshot', SNAPSHOT]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no-such-policy\.json: cannot read the policy file: no such file/);
  noStack(missing.err);
  const dir = cli(['validate', '--policy', FX]);
  assert.equal(dir.code, 2);
  assert.match(dir.err, /tests\/fixtures\/cli: cannot read the policy file: is a directory/);
});

test('schedules --json: 0 3 * * MON in Europe/Oslo from 2026-11-27 runs Mondays at 02:00Z', () => {
  const r = cli(['schedules', '--policy', `${FX}/policy-schedules.json`, '--from', AS_OF, '--count', '3', '--json']);
  assert.equal(r.code, 0, r.err);
  const value = JSON.parse(r.out);
  assert.equal(value.schedules.length, 1);
  assert.equal(value.schedules[0].id, 'weekly');
  // 2026-11-27 is a Friday; Oslo is UTC+1 in winter, so 03:00 local = 02:00Z.
  assert.deepEqual(value.schedules[0].next, ['2026-11-30T02:00:00Z', '2026-12-07T02:00:00Z', '2026-12-14T02:00:00Z']);
  const readable = cli(['schedules', '--policy', `${FX}/policy-schedules.json`, '--from', AS_OF, '--count', '2']);
  assert.equal(readable.code, 0, readable.err);
  assert.match(readable.out, /2026-11-30T02:00:00Z\s+Mon 2026-11-30 03:00 UTC\+01:00/);
});

test('schedules: a bad --count is a usage error', () => {
  const r = cli(['schedules', '--policy', `${FX}/policy-schedules.json`, '--count', 'five']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--count needs a whole number/);
});

test('--help on the top level and on every subcommand exits 0 with usage', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['help', 'tier']]) {
    const r = cli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    assert.match(r.out, /^Usage: user-cleanup /);
  }
  for (const cmd of ['preview', 'schedules', 'dashboard', 'validate', 'tier', 'help']) {
    for (const flag of ['--help', '-h']) {
      const r = cli([cmd, flag]);
      assert.equal(r.code, 0, `${cmd} ${flag}: ${r.err}`);
      assert.match(r.out, new RegExp(`^Usage: user-cleanup ${cmd}`), `${cmd} ${flag}`);
    }
  }
});

test('unknown options and commands: exit 2 with a hint to the usage', () => {
  const opt = cli(['preview', '--policy', POLICY, '--snapshot', SNAPSHOT, '--bogus']);
  assert.equal(opt.code, 2);
  assert.match(opt.err, /unknown option --bogus/);
  assert.match(opt.err, /user-cleanup preview --help/);
  const typo = cli(['preview', '--polcy', POLICY]);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /did you mean --policy\?/);
  const cmd = cli(['previw']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.err, /unknown command "previw" \(did you mean preview\?\)/);
  const top = cli(['--bogus']);
  assert.equal(top.code, 2);
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /^Usage: /);
  const missing = cli(['preview', '--policy', POLICY]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /missing --snapshot/);
  for (const r of [opt, typo, cmd, top, none, missing]) noStack(r.err);
});

test('preview --jira: an unreachable Jira is a clear error, no stack, no token in the output', async () => {
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
  const token = 'pat-secret-never-printed';
  const r = cli(['preview', '--policy', POLICY, '--jira', `http://127.0.0.1:${port}`], { USER_CLEANUP_TOKEN: token });
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: .*mypermissions/m);
  assert.ok(!r.out.includes(token) && !r.err.includes(token));
  assert.equal(r.out, '');
  noStack(r.err);
});

test('validate: OK with counts, or the problems and exit 2', () => {
  const ok = cli(['validate', '--policy', POLICY, '--snapshot', SNAPSHOT]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^policy OK: 3 rules, 0 schedules$/m);
  assert.match(ok.out, /^snapshot OK: 19 users/m);
  const bad = cli(['validate', '--policy', `${FX}/policy-typo.json`]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /policy-typo\.json: rules\[0\]\.inactveDays: .*\[policy\.unknownField\]/);
  assert.equal(bad.out, '');
});

test('dashboard: buckets, roles, groups and domains', () => {
  const json = cli(['dashboard', '--snapshot', SNAPSHOT, '--policy', POLICY, '--as-of', AS_OF, '--json']);
  assert.equal(json.code, 0, json.err);
  const d = JSON.parse(json.out);
  assert.equal(d.total, 19);
  // protected without --actor: root (group), svc-ci (service account), svc-backup (user); henry is deactivated.
  assert.equal(d.buckets.protected, 3);
  assert.equal(d.buckets.deactivated, 1);
  const r = cli(['dashboard', '--snapshot', SNAPSHOT, '--policy', POLICY, '--as-of', AS_OF, '--top', '2']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\s+protected\s+3\s+15\.8%/m);
  assert.match(r.out, /Jira Software \(jira-software\)\s+5 \/ 10\s+50\.0%/);
  assert.match(r.out, /Groups with most idle members \(2 of \d+\)/);
  assert.match(r.out, /^\s+partner\.io\s+14\s/m);
  const thresholds = cli(['dashboard', '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--low-usage-days', '40', '--inactive-days', '20']);
  assert.equal(thresholds.code, 2);
  assert.match(thresholds.err, /^--low-usage-days: /m);
});

test('tier: the fewest longest-inactive seat holders, protection respected', () => {
  const base = ['tier', '--policy', POLICY, '--snapshot', SNAPSHOT, '--as-of', AS_OF, '--role', 'jira-software'];
  // Software seat holders (active): alice 695 days, ivan 330, bob 90, carol 89, root (protected).
  const r = cli([...base, '--target-seats', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  const t = JSON.parse(r.out);
  assert.equal(t.needed, 3);
  assert.deepEqual(t.candidates.map((c) => c.user), ['alice', 'ivan', 'bob']);
  const withActor = JSON.parse(cli([...base, '--target-seats', '2', '--actor', 'alice', '--json']).out);
  assert.deepEqual(withActor.candidates.map((c) => c.user), ['ivan', 'bob', 'carol']);
  const readable = cli([...base, '--target-seats', '2']);
  assert.equal(readable.code, 0, readable.err);
  assert.match(readable.out, /needed\s+3 users to free/);
  const two = cli([...base, '--target-seats', '2', '--next-lower-tier']);
  assert.equal(two.code, 2);
  assert.match(two.err, /give only one of/);
  const unknown = cli(['tier', '--policy', POLICY, '--snapshot', SNAPSHOT, '--role', 'nope', '--headroom', '1']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^--role: .*\[options\.unknownRole\]$/m);
});

test('sanitize, truncate and table (in process)', async () => {
  const { sanitize, truncate, displayWidth } = await import('../../plugin-shim/src/cli/text.mjs');
  const { table } = await import('../../plugin-shim/src/cli/table.mjs');
  const { colours } = await import('../../plugin-shim/src/cli/colour.mjs');
  assert.equal(sanitize('a\u001b[31mb\u001b[0mc'), 'abc');
  assert.equal(sanitize('x\u001b]0;title\u0007y'), 'xy', 'OSC (window title) is removed');
  assert.equal(sanitize('x\u009b31my'), 'xy', '8-bit CSI is removed');
  assert.equal(sanitize('evil\u202etxt.exe'), 'eviltxt.exe', 'bidi override is removed');
  assert.equal(sanitize('two\nlines\tand\u0000nul'), 'two lines andnul');
  assert.equal(sanitize(null), '');
  assert.equal(displayWidth('日本'), 4);
  assert.equal(truncate('日本語の名前', 7), '日本語…');
  assert.equal(truncate('short', 10), 'short');
  const lines = table({
    columns: [{ header: 'A' }, { header: 'B', align: 'right', shrink: false }, { header: 'C', give: 2 }],
    rows: [['x'.repeat(50), 12345, 'y'.repeat(80)]],
    width: 60,
    c: colours(false),
  });
  for (const l of lines) assert.ok(displayWidth(l) <= 60, l);
  assert.match(lines[1], /12345/);
});

test('sandbox: prints "ready URL token=PAT" once listening, serves Jira, stops cleanly on SIGTERM', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--jira', '10.3', '--users', '50'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const m = /^ready (http:\/\/127\.0\.0\.1:\d+) token=(\S+)$/.exec(line);
  assert.ok(m, line);
  const res = await fetch(`${m[1]}/rest/api/2/serverInfo`, { headers: { Authorization: `Bearer ${m[2]}` } });
  assert.equal(res.status, 200);
  assert.match((await res.json()).version, /^10\.3\./);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0);
});

test('snapshot --jira: adds creation dates from the audit log and project leads (as preview --jira does); --no-impact skips them; a plan over the file equals one over Jira', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { startSandbox } = await import('../../plugin-shim/src/sandbox/index.mjs');
  const { world, AS_OF: WORLD_AS_OF } = await import('../fixtures/runner/world.mjs');
  const { runCli } = await import('../helpers/cli.mjs');
  const policy = 'tests/fixtures/runner/policy.json';
  const snap = world();
  // bob is one the policy deactivates: as a project lead his action is blocked, in both plans.
  snap.users.find((u) => u.name === 'bob').leads = { projects: [{ key: 'OPS', name: 'Operations' }], components: [] };
  const sb = await startSandbox({ port: 0, jira: '10.3', snapshot: snap });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'uc-cli-snap-'));
    const withImpact = join(dir, 'with.json');
    const without = join(dir, 'without.json');
    const a = await runCli(['snapshot', '--jira', sb.url, '--out', withImpact], { token: sb.token });
    assert.equal(a.code, 0, a.err);
    const b = await runCli(['snapshot', '--jira', sb.url, '--out', without, '--no-impact'], { token: sb.token });
    assert.equal(b.code, 0, b.err);
    const got = JSON.parse(readFileSync(withImpact, 'utf8'));
    const bare = JSON.parse(readFileSync(without, 'utf8'));
    // Creation dates: exactly the users the sandbox's audit log has a "User created" event for.
    const createdInLog = new Set(sb.state.auditEvents().filter((e) => e.type?.action === 'User created')
      .flatMap((e) => e.affectedObjects.map((o) => String(o.name).toLowerCase())));
    const withCreated = got.users.filter((u) => u.created).map((u) => u.name.toLowerCase());
    assert.ok(withCreated.length > 0, 'some users have an audit-log creation date');
    assert.deepEqual(new Set(withCreated), new Set([...createdInLog].filter((n) => got.users.some((u) => u.name.toLowerCase() === n))));
    assert.ok(got.source.created, 'source.created says the audit log was read');
    assert.deepEqual(got.users.find((u) => u.name === 'bob').leads?.projects?.map((p) => p.key), ['OPS']);
    assert.ok(got.source.leads && !got.source.leads.error, JSON.stringify(got.source.leads));
    // --no-impact: neither.
    assert.equal(bare.users.length, got.users.length);
    for (const u of bare.users) assert.ok(u.created === undefined && u.createdBefore === undefined && u.leads === undefined, u.name);
    assert.equal(bare.source.created, undefined);
    assert.equal(bare.source.leads, undefined);
    assert.equal(bare.users.some((u) => u.openAssigned !== undefined) || got.users.some((u) => u.openAssigned !== undefined), false);
    // The plan over the file is the plan over Jira (open assigned counts aside: a plan's own reads).
    const args = ['--policy', policy, '--as-of', WORLD_AS_OF, '--actor', 'admin', '--json'];
    const overJira = await runCli(['preview', '--jira', sb.url, ...args], { token: sb.token });
    assert.equal(overJira.code, 0, overJira.err);
    const overFile = await runCli(['preview', '--snapshot', withImpact, ...args]);
    assert.equal(overFile.code, 0, overFile.err);
    const decisions = (p) => p.actions.map((x) => JSON.stringify([x.user, x.action, x.groups ?? null, x.rule, x.status ?? null, x.blocked ?? null]));
    const jiraPlan = JSON.parse(overJira.out);
    assert.ok(jiraPlan.actions.length > 0);
    assert.deepEqual(decisions(JSON.parse(overFile.out)), decisions(jiraPlan));
    assert.ok(jiraPlan.actions.some((x) => x.user === 'bob' && JSON.stringify(x).includes('OPS')), 'bob is blocked as the lead of OPS');
    // Over the file read with --no-impact the plan is not the same: that is what the option trades.
    const overBare = await runCli(['preview', '--snapshot', without, ...args]);
    assert.equal(overBare.code, 0, overBare.err);
    assert.notDeepEqual(decisions(JSON.parse(overBare.out)), decisions(jiraPlan));
  } finally {
    await sb.close();
  }
});
