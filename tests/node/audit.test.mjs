// The audit trail: hash chain (append, verify, tamper detection), the trail file (fsync'd appends,
// torn last line), and the auditors' CSV (quoting, formula-injection neutralisation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256Hex } from '../../plugin-shim/src/runner/hash.mjs';
import { seal, verifyText, recordHash, GENESIS } from '../../plugin-shim/src/runner/chain.mjs';
import { openTrail, readTrail, loadAuditKey } from '../../plugin-shim/src/runner/trail.mjs';
import { csvCell, toCsv } from '../../plugin-shim/src/runner/csv.mjs';
import { trailCsv, CSV_HEADER } from '../../plugin-shim/src/runner/report.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'plugin-shim/bin/user-cleanup.mjs';
const tmp = () => mkdtempSync(join(tmpdir(), 'uc-audit-'));

function cliEnv(args, env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', USER_CLEANUP_AUDIT_KEY: '', ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const cli = (args) => cliEnv(args);

/** A small valid trail (one run, two users), as text. */
async function sampleTrail(extraItems = []) {
  const recs = [];
  const add = async (f) => recs.push(await seal({ at: `2026-11-27T03:00:0${recs.length}Z`, ...f }, recs.at(-1) ?? null));
  const runId = 'run-1';
  await add({ type: 'runStarted', runId, who: { actor: 'admin', operator: 'ops' }, policy: { hash: 'ab'.repeat(32), path: 'p.json' }, jira: 'https://jira.example.com', counts: { executable: 2 } });
  const items = [
    { i: 1, user: 'bob', action: 'deactivate', rule: 'r1', reasons: ['idle 100 days'] },
    { i: 2, user: 'dave', action: 'removeFromGroups', groups: ['jira-core-users'], rule: 'r2', reasons: ['idle, holds jira-core-users'] },
    ...extraItems,
  ];
  await add({ type: 'planned', runId, items, protected: [{ user: 'root', rule: 'r1', code: 'protect.group', reason: 'member of protected group jira-administrators' }] });
  for (const it of items) {
    if (it.action === 'review') continue;
    await add({ type: 'intent', runId, item: it.i, user: it.user, action: it.action, groups: it.groups, rule: it.rule });
    await add({ type: 'outcome', runId, item: it.i, user: it.user, action: it.action, status: it.user === 'dave' ? 'failed' : 'done', reason: it.user === 'dave' ? 'Jira said: "no", then =1+1' : undefined });
  }
  await add({ type: 'runFinished', runId, totals: { done: 1, failed: 1 } });
  return { text: recs.map((r) => JSON.stringify(r)).join('\n') + '\n', recs };
}

const lines = (text) => text.split('\n').filter(Boolean);
const joinLines = (ls) => ls.join('\n') + '\n';

test('sha256 over Web Crypto and canonical JSON', async () => {
  assert.equal(await sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1, y: 2 } }), '{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});

test('a sealed chain verifies; each record links to the previous hash', async () => {
  const { text, recs } = await sampleTrail();
  const v = await verifyText(text);
  assert.equal(v.ok, true, JSON.stringify(v.error));
  assert.equal(v.count, recs.length);
  assert.equal(recs[0].prevHash, GENESIS);
  assert.equal(recs[0].seq, 1);
  for (let k = 1; k < recs.length; k++) {
    assert.equal(recs[k].prevHash, recs[k - 1].hash);
    assert.equal(recs[k].seq, k + 1);
  }
  assert.equal(await recordHash(recs[2]), recs[2].hash);
  assert.deepEqual(v.warnings, []);
});

test('verify catches an edited line (even a one-character change) and names its line', async () => {
  const { text } = await sampleTrail();
  const ls = lines(text);
  ls[3] = ls[3].replace('"bob"', '"bib"');
  const v = await verifyText(joinLines(ls));
  assert.equal(v.ok, false);
  assert.equal(v.error.line, 4);
  assert.equal(v.error.problem, 'edited');
});

test('verify catches an edit whose hash was recomputed: the next line no longer links', async () => {
  const { text } = await sampleTrail();
  const ls = lines(text);
  const rec = JSON.parse(ls[4]);
  rec.status = 'done';
  rec.hash = await recordHash(rec);
  ls[4] = JSON.stringify(rec);
  const v = await verifyText(joinLines(ls));
  assert.equal(v.ok, false);
  assert.equal(v.error.line, 6);
});

test('verify catches a removed line', async () => {
  const { text } = await sampleTrail();
  const ls = lines(text);
  ls.splice(4, 1);
  const v = await verifyText(joinLines(ls));
  assert.equal(v.ok, false);
  assert.equal(v.error.line, 5);
  assert.equal(v.error.problem, 'removed');
  // Removing the first line is caught at line 1.
  const first = await verifyText(joinLines(lines(text).slice(1)));
  assert.equal(first.ok, false);
  assert.equal(first.error.line, 1);
});

test('verify catches reordered lines', async () => {
  const { text } = await sampleTrail();
  const ls = lines(text);
  [ls[2], ls[3]] = [ls[3], ls[2]];
  const v = await verifyText(joinLines(ls));
  assert.equal(v.ok, false);
  assert.equal(v.error.line, 3);
});

test('verify catches a truncated last line, and warns about a run without its end', async () => {
  const { text } = await sampleTrail();
  const cut = text.slice(0, text.length - 40);
  const v = await verifyText(cut);
  assert.equal(v.ok, false);
  assert.equal(v.error.problem, 'truncated');
  assert.equal(v.error.line, lines(text).length);
  // Whole lines cut off the end still verify (nothing to compare with) but the unfinished run is reported.
  const short = await verifyText(joinLines(lines(text).slice(0, -1)));
  assert.equal(short.ok, true);
  assert.match(short.warnings.join('\n'), /run run-1 has no finishing record/);
});

test('audit verify (CLI): exit 0 when intact, 1 with the first bad line number otherwise', async () => {
  const dir = tmp();
  const { text } = await sampleTrail();
  const good = join(dir, 'good.jsonl');
  writeFileSync(good, text);
  const ok = cli(['audit', 'verify', good]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^OK: .*good\.jsonl: 7 records, hash chain intact$/m);
  const ls = lines(text);
  ls[3] = ls[3].replace('"done"', '"failed"');
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, joinLines(ls));
  const r = cli(['audit', 'verify', bad]);
  assert.equal(r.code, 1);
  assert.match(r.out, /BROKEN: .*bad\.jsonl: line 4: .*edited/);
  const j = cli(['audit', 'verify', bad, '--json']);
  assert.equal(j.code, 1);
  assert.equal(JSON.parse(j.out).error.line, 4);
  assert.equal(cli(['audit', 'verify']).code, 2);
  assert.equal(cli(['audit', 'frobnicate', good]).code, 2);
});

test('the trail file: appends are chained and fsynced, a broken trail is never extended, a torn last line is dropped', async () => {
  const dir = tmp();
  const path = join(dir, 'sub', 't.jsonl');
  const t = await openTrail(path);
  await Promise.all([t.append({ type: 'a', runId: 'x' }), t.append({ type: 'b', runId: 'x' }), t.append({ type: 'c', runId: 'x' })]);
  await t.close();
  const r = await readTrail(path);
  assert.deepEqual(r.records.map((x) => [x.seq, x.type]), [[1, 'a'], [2, 'b'], [3, 'c']]);
  // Reopen and continue the chain.
  const t2 = await openTrail(path);
  await t2.append({ type: 'd', runId: 'x' });
  await t2.close();
  assert.equal((await verifyText(readFileSync(path, 'utf8'))).count, 4);
  // A crash in mid-write: the partial line is dropped and the repair recorded.
  appendFileSync(path, '{"seq":5,"at":"2026-');
  const t3 = await openTrail(path);
  await t3.append({ type: 'e', runId: 'x' });
  await t3.close();
  const after = await verifyText(readFileSync(path, 'utf8'));
  assert.equal(after.ok, true);
  assert.deepEqual(after.records.slice(-2).map((x) => x.type), ['repaired', 'e']);
  // A tampered trail is refused.
  const ls = lines(readFileSync(path, 'utf8'));
  ls[1] = ls[1].replace('"b"', '"B"');
  writeFileSync(path, joinLines(ls));
  await assert.rejects(openTrail(path), /does not verify, refusing to append: line 2/);
});

test('CSV cells: quoting and spreadsheet-formula neutralisation', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('=HYPERLINK("http://evil.example","click")'), `"'=HYPERLINK(""http://evil.example"",""click"")"`);
  assert.equal(csvCell('+cmd|" /C calc"!A0'), `"'+cmd|"" /C calc""!A0"`);
  assert.equal(csvCell('@x'), "'@x");
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('\rx'), `"'\rx"`);
  assert.equal(csvCell(' padded'), '" padded"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(['g1', 'g2']), 'g1; g2');
  assert.equal(toCsv(['a', 'b'], [['1', '2']]), 'a,b\r\n1,2\r\n');
});

/** RFC 4180 parser (for reading the export back). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (q) {
      if (ch === '"' && text[k + 1] === '"') {
        cell += '"';
        k++;
      } else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[k + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      k++;
    } else cell += ch;
  }
  return rows;
}

test('audit export --csv: one row per user with who, when, policy hash, outcome; hostile cells neutralised', async () => {
  const dir = tmp();
  const evil = { i: 3, user: '=HYPERLINK("http://evil.example","x")', action: 'review', rule: '@rule', reasons: ['+cmd', 'a, "quoted"\nline'] };
  const { text } = await sampleTrail([evil]);
  const path = join(dir, 't.jsonl');
  writeFileSync(path, text);
  const out = join(dir, 'out.csv');
  const r = cli(['audit', 'export', path, '--csv', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const csv = readFileSync(out, 'utf8');
  assert.equal(csv, trailCsv((await verifyText(text)).records));
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], CSV_HEADER);
  const col = (name) => CSV_HEADER.indexOf(name);
  const byUser = new Map(rows.slice(1).map((row) => [row[col('user')], row]));
  const bob = byUser.get('bob');
  assert.equal(bob[col('run_id')], 'run-1');
  assert.equal(bob[col('ran_by')], 'admin');
  assert.equal(bob[col('run_started')], '2026-11-27T03:00:00Z');
  assert.equal(bob[col('policy_sha256')], 'ab'.repeat(32));
  assert.equal(bob[col('action')], 'deactivate');
  assert.equal(bob[col('outcome')], 'done');
  const dave = byUser.get('dave');
  assert.equal(dave[col('outcome')], 'failed');
  assert.equal(dave[col('host_reason')], 'Jira said: "no", then =1+1');
  assert.equal(dave[col('groups')], 'jira-core-users');
  assert.equal(byUser.get('root')[col('outcome')], 'skipped (protected)');
  const hostile = byUser.get(`'=HYPERLINK("http://evil.example","x")`);
  assert.ok(hostile, 'the formula cell is kept as text with a leading apostrophe');
  assert.equal(hostile[col('rule')], "'@rule");
  assert.equal(hostile[col('reason')], `'+cmd; a, "quoted"\nline`);
  // No cell of the export starts with a formula character.
  for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
  // A tampered trail is not exported.
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, text.replace('"bob"', '"bib"'));
  const b = cli(['audit', 'export', bad, '--csv']);
  assert.equal(b.code, 2);
  assert.match(b.err, /does not verify, not exporting: line \d+/);
});

// ---------------------------------------------------------------------------------------------
// The audit key: every record MACed, verified with the key

const KEY = 'k3y-0f-the-aud1t-trail-0123456789';

/** A keyed trail written through the trail file, as the CLI and the daemon write it. */
async function keyedTrail(dir, key = KEY) {
  const path = join(dir, 'keyed.jsonl');
  const t = await openTrail(path, { key, now: () => new Date('2026-11-27T03:00:00Z') });
  await t.append({ type: 'runStarted', runId: 'run-k', who: { actor: 'admin', jiraUser: 'admin' } });
  await t.append({ type: 'outcome', runId: 'run-k', item: 1, user: 'bob', action: 'deactivate', status: 'failed' });
  await t.append({ type: 'runFinished', runId: 'run-k', totals: { failed: 1 } });
  await t.close();
  return path;
}

/** Re-seals every record from line `from` on as someone without the key would (hash chain only). */
async function reseal(records, from) {
  const out = records.slice(0, from).map((r) => ({ ...r }));
  for (const r of records.slice(from)) {
    const { mac: _m, ...fields } = r;
    out.push(await seal(fields, out.at(-1)));
  }
  return joinLines(out.map((r) => JSON.stringify(r)));
}

test('audit key: each record carries mac = HMAC-SHA256(key, hash); verified with the key', async () => {
  const dir = tmp();
  const path = await keyedTrail(dir);
  const text = readFileSync(path, 'utf8');
  const recs = lines(text).map((l) => JSON.parse(l));
  const { createHmac } = await import('node:crypto');
  for (const r of recs) {
    assert.match(r.mac, /^[0-9a-f]{64}$/);
    assert.equal(r.mac, createHmac('sha256', KEY).update(r.hash).digest('hex'));
    // The mac is not part of the hash: the chain reads the same with or without a key.
    assert.equal(await recordHash(r), r.hash);
  }
  const withKey = await verifyText(text, { key: KEY });
  assert.equal(withKey.ok, true);
  assert.deepEqual(withKey.macs, { checked: true, present: 3 });
  const without = await verifyText(text);
  assert.equal(without.ok, true);
  assert.deepEqual(without.macs, { checked: false, present: 3 });
  // The wrong key fails at the first record.
  const wrong = await verifyText(text, { key: 'another-key-of-enough-length' });
  assert.equal(wrong.ok, false);
  assert.equal(wrong.error.line, 1);
  assert.equal(wrong.error.problem, 'badMac');
});

test('audit key: an edited record re-sealed without the key fails; a record without a mac in a keyed trail fails', async () => {
  const dir = tmp();
  const recs = lines(readFileSync(await keyedTrail(dir), 'utf8')).map((l) => JSON.parse(l));
  // The edit: bob's failure becomes a success, then the chain is recomputed from there (keeping the old macs).
  const edited = recs.map((r) => ({ ...r }));
  edited[1].status = 'done';
  let prev = edited[0];
  for (let k = 1; k < edited.length; k++) {
    const { mac, ...fields } = edited[k];
    edited[k] = { ...(await seal(fields, prev)), mac };
    prev = edited[k];
  }
  const text = joinLines(edited.map((r) => JSON.stringify(r)));
  assert.equal((await verifyText(text)).ok, true, 'the chain alone cannot tell');
  const v = await verifyText(text, { key: KEY });
  assert.equal(v.ok, false);
  assert.equal(v.error.line, 2);
  assert.equal(v.error.problem, 'badMac');
  assert.match(v.error.message, /re-sealed by someone without the key/);
  // Without macs from the edit on (stripped and re-sealed): missing.
  const stripped = await reseal(recs, 1);
  const s = await verifyText(stripped, { key: KEY });
  assert.equal(s.ok, false);
  assert.deepEqual([s.error.line, s.error.problem], [2, 'missingMac']);
  // An unkeyed trail checked with a key fails at line 1.
  const { text: plain } = await sampleTrail();
  assert.equal((await verifyText(plain, { key: KEY })).error.problem, 'missingMac');
});

test('audit key: a keyed trail is only extended with its key, and an unkeyed one never with a key', async () => {
  const dir = tmp();
  const path = await keyedTrail(dir);
  await assert.rejects(openTrail(path), /this audit trail is keyed .*give its key \(USER_CLEANUP_AUDIT_KEY or --audit-key-file\)/);
  await assert.rejects(openTrail(path, { key: 'another-key-of-enough-length' }), /does not verify, refusing to append: line 1 .*MAC does not match/);
  const t = await openTrail(path, { key: KEY });
  await t.append({ type: 'x', runId: 'r' });
  await t.close();
  assert.equal((await verifyText(readFileSync(path, 'utf8'), { key: KEY })).count, 4);
  const plainPath = join(dir, 'plain.jsonl');
  const p = await openTrail(plainPath);
  await p.append({ type: 'x', runId: 'r' });
  await p.close();
  await assert.rejects(openTrail(plainPath, { key: KEY }), /started without an audit key/);
  // readTrail checks macs when given the key.
  assert.equal((await readTrail(path, { key: KEY })).macs.checked, true);
  await assert.rejects(readTrail(path, { key: 'another-key-of-enough-length' }), /does not verify/);
});

test('loadAuditKey: from the file (trailing newline dropped) or the environment; too short or unreadable is an error naming the source, never the key', () => {
  const dir = tmp();
  const file = join(dir, 'key');
  writeFileSync(file, `${KEY}\n`);
  assert.equal(Buffer.from(loadAuditKey({ file })).toString(), KEY);
  assert.equal(Buffer.from(loadAuditKey({ env: { USER_CLEANUP_AUDIT_KEY: KEY } })).toString(), KEY);
  // The file wins over the environment.
  assert.equal(Buffer.from(loadAuditKey({ file, env: { USER_CLEANUP_AUDIT_KEY: 'x'.repeat(20) } })).toString(), KEY);
  assert.equal(loadAuditKey({ env: {} }), null);
  assert.equal(loadAuditKey({ env: { USER_CLEANUP_AUDIT_KEY: '' } }), null);
  assert.throws(() => loadAuditKey({ env: { USER_CLEANUP_AUDIT_KEY: 'short-secret' } }), (e) => /USER_CLEANUP_AUDIT_KEY is too short/.test(e.message) && !e.message.includes('short-secret'));
  assert.throws(() => loadAuditKey({ file: join(dir, 'nope') }), /cannot read the audit key file: no such file/);
});

test('audit verify / export (CLI) with the key: MACs checked, or said not to be; the key never printed', async () => {
  const dir = tmp();
  const path = await keyedTrail(dir);
  const keyFile = join(dir, 'audit.key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  const withFile = cli(['audit', 'verify', path, '--audit-key-file', keyFile]);
  assert.equal(withFile.code, 0, withFile.out + withFile.err);
  assert.match(withFile.out, /hash chain intact\nMACs: all 3 records verified with the audit key/);
  const withEnv = cliEnv(['audit', 'verify', path, '--json'], { USER_CLEANUP_AUDIT_KEY: KEY });
  assert.equal(withEnv.code, 0);
  assert.deepEqual(JSON.parse(withEnv.out).macs, { checked: true, present: 3 });
  const none = cliEnv(['audit', 'verify', path], { USER_CLEANUP_AUDIT_KEY: '' });
  assert.equal(none.code, 0);
  assert.match(none.out, /MACs: NOT checked, no audit key given \(USER_CLEANUP_AUDIT_KEY or --audit-key-file\); 3 of 3 records/);
  // Edited and re-sealed without the key: exit 1 with the key.
  const recs = lines(readFileSync(path, 'utf8')).map((l) => JSON.parse(l));
  recs[1].status = 'done';
  const forged = join(dir, 'forged.jsonl');
  writeFileSync(forged, await reseal(recs, 1));
  const bad = cliEnv(['audit', 'verify', forged], { USER_CLEANUP_AUDIT_KEY: KEY });
  assert.equal(bad.code, 1);
  assert.match(bad.out, /BROKEN: .*forged\.jsonl: line 2: .*has no MAC/);
  const badExport = cliEnv(['audit', 'export', forged, '--csv'], { USER_CLEANUP_AUDIT_KEY: KEY });
  assert.equal(badExport.code, 2);
  const wrongKey = cliEnv(['audit', 'verify', path], { USER_CLEANUP_AUDIT_KEY: 'not-the-key-but-long-enough' });
  assert.equal(wrongKey.code, 1);
  const short = cliEnv(['audit', 'verify', path], { USER_CLEANUP_AUDIT_KEY: 'tiny-key' });
  assert.equal(short.code, 2);
  for (const r of [withFile, withEnv, none, bad, badExport, wrongKey, short]) {
    assert.ok(!`${r.out}${r.err}`.includes(KEY) && !`${r.out}${r.err}`.includes('tiny-key'), 'the key was printed');
  }
  // The export file is created 0600.
  const out = join(dir, 'out.csv');
  const ex = cliEnv(['audit', 'export', path, '--csv', '--out', out], { USER_CLEANUP_AUDIT_KEY: KEY });
  assert.equal(ex.code, 0, ex.err);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.match(readFileSync(out, 'utf8'), /^run_id,/);
});
