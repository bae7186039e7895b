#!/usr/bin/env node
// Sanity checks for samples/snapshot.json and samples/policy.json (or any snapshot/policy pair),
// plus population statistics and a rough plan estimate.
//
//   node samples/check.mjs [--snapshot samples/snapshot.json] [--policy samples/policy.json] [--as-of ISO] [--json]
//
// This is a test aid for the sample data, not part of the app: the engine is the authority on
// plans. The estimate below follows docs/matching.md closely enough to size the
// sample (actions per rule, protected, over the limit) and to cross-check the engine.
// Exit code 1 when a check fails.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    snapshot: { type: "string", default: join(here, "snapshot.json") },
    policy: { type: "string", default: join(here, "policy.json") },
    "as-of": { type: "string" },
    json: { type: "boolean", default: false },
    show: { type: "string" },
    "no-generator": { type: "boolean", default: false }, // skip the generator self-tests // comma-separated usernames: print the estimated decision for each
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("Usage: node samples/check.mjs [--snapshot FILE] [--policy FILE] [--as-of ISO] [--json] [--show user1,user2]");
  process.exit(0);
}

const DAY = 86_400_000;
const errors = [];
const fail = (msg) => errors.push(msg);

// RFC 3339 or Jira's "+HHMM" offset form
const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
function parseTs(s) {
  if (typeof s !== "string") return NaN;
  const m = TS.exec(s);
  if (!m) return NaN;
  let z = m[8];
  if (z !== "Z" && z.length === 5) z = `${z.slice(0, 3)}:${z.slice(3)}`;
  return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}${z}`);
}
const tsStyle = (s) => (s.endsWith("Z") ? (s.includes(".") ? "Z+ms" : "Z") : /[+-]\d{2}:\d{2}$/.test(s) ? "+HH:MM" : "+HHMM");

const snapText = readFileSync(args.snapshot, "utf8");
const snap = JSON.parse(snapText);
const policy = JSON.parse(readFileSync(args.policy, "utf8"));
const capturedAt = parseTs(snap.capturedAt);
if (Number.isNaN(capturedAt)) fail(`capturedAt does not parse: ${snap.capturedAt}`);
const asOf = args["as-of"] ? parseTs(args["as-of"]) : capturedAt;

// ------------------------------------------------------------------ snapshot checks
const USER_FIELDS = new Set(["name", "key", "displayName", "email", "active", "groups", "directory", "created", "lastLogin", "leads", "openAssigned"]);
const names = new Map();
const keys = new Set();
const allGroups = new Map(); // lower -> spelled
const stats = {
  users: snap.users.length, active: 0, deactivated: 0, neverLoggedIn: 0, lastLoginUnknown: 0, createdUnknown: 0,
  directoryUnknown: 0, emailEmpty: 0, emailAbsent: 0, nonAsciiDisplayName: 0, upperCaseName: 0, upperCaseEmail: 0,
  byDomain: {}, byDirectory: {}, byTimestampStyle: {}, activity: {}, kinds: {},
};
const inc = (o, k, n = 1) => { o[k] = (o[k] ?? 0) + n; };
snap.users.forEach((u, i) => {
  const at = `users[${i}] (${u.name})`;
  for (const k of Object.keys(u)) if (!USER_FIELDS.has(k)) fail(`${at}: unknown field ${k}`);
  if (typeof u.name !== "string" || !u.name) fail(`${at}: bad name`);
  const ln = String(u.name).toLowerCase();
  if (names.has(ln)) fail(`${at}: duplicate name (case-insensitive) with ${names.get(ln)}`);
  names.set(ln, u.name);
  if (u.key !== undefined) { if (keys.has(u.key)) fail(`${at}: duplicate key ${u.key}`); keys.add(u.key); }
  if (typeof u.displayName !== "string") fail(`${at}: displayName`);
  if (typeof u.active !== "boolean") fail(`${at}: active`);
  if (!Array.isArray(u.groups)) fail(`${at}: groups`);
  const gl = new Set();
  for (const g of u.groups) {
    if (gl.has(g.toLowerCase())) fail(`${at}: duplicate group ${g}`);
    gl.add(g.toLowerCase());
    const prev = allGroups.get(g.toLowerCase());
    if (prev && prev !== g) fail(`${at}: group ${g} spelled differently elsewhere (${prev})`);
    allGroups.set(g.toLowerCase(), g);
  }
  if (u.email === undefined) stats.emailAbsent++;
  else if (u.email === "") stats.emailEmpty++;
  else {
    if (typeof u.email !== "string" || !u.email.includes("@")) fail(`${at}: email ${u.email}`);
    inc(stats.byDomain, u.email.slice(u.email.lastIndexOf("@") + 1).toLowerCase());
    if (u.email !== u.email.toLowerCase()) stats.upperCaseEmail++;
  }
  if (u.name !== ln) stats.upperCaseName++;
  if (/[^\x00-\x7f]/.test(u.displayName)) stats.nonAsciiDisplayName++;
  if (u.directory === undefined) stats.directoryUnknown++; else inc(stats.byDirectory, u.directory);
  let created;
  if (u.created === undefined) stats.createdUnknown++;
  else {
    created = parseTs(u.created);
    if (Number.isNaN(created)) fail(`${at}: created does not parse: ${u.created}`);
    if (created > capturedAt) fail(`${at}: created after capturedAt`);
    inc(stats.byTimestampStyle, tsStyle(u.created));
  }
  u.active ? stats.active++ : stats.deactivated++;
  if (!("lastLogin" in u)) { stats.lastLoginUnknown++; inc(stats.activity, "unknown"); }
  else if (u.lastLogin === null) { stats.neverLoggedIn++; inc(stats.activity, u.active ? "never" : "deactivated"); }
  else {
    const l = parseTs(u.lastLogin);
    if (Number.isNaN(l)) fail(`${at}: lastLogin does not parse: ${u.lastLogin}`);
    if (l > capturedAt) fail(`${at}: lastLogin after capturedAt`);
    if (created !== undefined && l < created) fail(`${at}: lastLogin before created`);
    inc(stats.byTimestampStyle, tsStyle(u.lastLogin));
    if (u.active) {
      const d = (capturedAt - l) / DAY;
      inc(stats.activity, d < 15 ? "0-15d" : d < 30 ? "15-30d" : d < 90 ? "30-90d" : d < 180 ? "90-180d" : d < 365 ? "180-365d" : d < 1095 ? "1-3y" : ">3y");
    } else inc(stats.activity, "deactivated");
  }
  const gs = u.groups.map((g) => g.toLowerCase());
  const kind = u.name.startsWith("svc-") || u.name.startsWith("bot-") || u.name === "jira-integration" || gs.includes("service-accounts") ? "service"
    : gs.includes("contractors") ? "contractor" : gs.some((g) => g.startsWith("ext-partner-")) ? "partner"
    : gs.includes("hooli-staff") ? "acquired (lastLogin unknown)" : gs.includes("acme-all-staff") ? "staff" : "other";
  inc(stats.kinds, kind);
});
stats.groups = allGroups.size;
stats.bytes = Buffer.byteLength(snapText);
stats.bytesPerUser = Math.round(stats.bytes / snap.users.length);
stats.adminsGroup = snap.users.filter((u) => u.groups.includes("jira-administrators")).length;

// roles
const roleReport = [];
for (const r of snap.applicationRoles ?? []) {
  const set = new Set(r.groups.map((g) => g.toLowerCase()));
  const used = snap.users.filter((u) => u.active && u.groups.some((g) => set.has(g.toLowerCase()))).length;
  if (r.userCount !== used) fail(`role ${r.key}: userCount ${r.userCount} but ${used} active users hold it`);
  if (!r.hasUnlimitedSeats && r.numberOfSeats < used) fail(`role ${r.key}: ${used} used > ${r.numberOfSeats} seats`);
  for (const g of r.groups) if (!allGroups.has(g.toLowerCase())) fail(`role ${r.key}: group ${g} has no members`);
  roleReport.push(`${r.key}: ${used}/${r.hasUnlimitedSeats ? "unlimited" : r.numberOfSeats}`);
}

// ------------------------------------------------------------------ policy checks
const ALLOWED = {
  top: ["version", "internalDomains", "protect", "serviceAccounts", "limits", "rules", "schedules"],
  protect: ["groups", "users"], sa: ["user", "owner", "purpose", "expires"], limits: ["maxActionsPerRun"],
  rule: ["id", "description", "include", "exclude", "email", "inactiveDays", "neverLoggedIn", "action"],
  include: ["groups"], exclude: ["groups", "users"], email: ["external", "domains"], never: ["createdMoreThanDays"],
  action: ["type", "groups"], schedule: ["id", "cron", "timezone", "rules"],
};
const only = (obj, allowed, path) => { for (const k of Object.keys(obj ?? {})) if (!allowed.includes(k)) fail(`policy ${path}: unknown field ${k}`); };
only(policy, ALLOWED.top, "$");
only(policy.protect, ALLOWED.protect, "protect");
only(policy.limits, ALLOWED.limits, "limits");
const userExists = (n) => names.has(n.toLowerCase());
const patternRe = (p) => new RegExp(`^${p.toLowerCase().split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
const groupPatternExists = (p) => { const re = patternRe(p); return [...allGroups.keys()].some((g) => re.test(g)); };
for (const g of policy.protect?.groups ?? []) if (!groupPatternExists(g)) fail(`protect.groups: ${g} matches no group`);
for (const u of policy.protect?.users ?? []) if (!userExists(u)) fail(`protect.users: no user ${u}`);
const saExpired = [];
(policy.serviceAccounts ?? []).forEach((s, i) => {
  only(s, ALLOWED.sa, `serviceAccounts[${i}]`);
  if (!userExists(s.user)) fail(`serviceAccounts[${i}]: no user ${s.user}`);
  const exp = /^\d{4}-\d{2}-\d{2}$/.test(s.expires) ? Date.parse(`${s.expires}T00:00:00Z`) : parseTs(s.expires);
  if (Number.isNaN(exp)) fail(`serviceAccounts[${i}]: expires does not parse`);
  if (!(exp > asOf)) saExpired.push(s.user);
});
if (saExpired.length === 0) fail("no expired service account");
const ruleIds = new Set();
(policy.rules ?? []).forEach((r, i) => {
  const p = `rules[${i}]`;
  only(r, ALLOWED.rule, p); only(r.include, ALLOWED.include, `${p}.include`); only(r.exclude, ALLOWED.exclude, `${p}.exclude`);
  only(r.email, ALLOWED.email, `${p}.email`); only(r.neverLoggedIn, ALLOWED.never, `${p}.neverLoggedIn`); only(r.action, ALLOWED.action, `${p}.action`);
  if (!r.id || !r.description) fail(`${p}: id and description required`);
  if (ruleIds.has(r.id)) fail(`${p}: duplicate id`);
  ruleIds.add(r.id);
  for (const g of [...(r.include?.groups ?? []), ...(r.exclude?.groups ?? []), ...(r.action?.groups ?? [])]) if (!groupPatternExists(g)) fail(`${p}: group ${g} matches no group`);
  for (const u of r.exclude?.users ?? []) if (!userExists(u)) fail(`${p}.exclude.users: no user ${u}`);
  if (!["deactivate", "removeFromGroups", "review"].includes(r.action?.type)) fail(`${p}: action type`);
});
(policy.schedules ?? []).forEach((s, i) => {
  only(s, ALLOWED.schedule, `schedules[${i}]`);
  for (const r of s.rules) if (!ruleIds.has(r)) fail(`schedules[${i}]: unknown rule ${r}`);
});

// ------------------------------------------------------------------ plan estimate
const internal = (policy.internalDomains ?? []).map((d) => d.toLowerCase());
const belongs = (dom, d) => dom === d || dom.endsWith(`.${d}`);
const protectGroups = (policy.protect?.groups ?? []).map(patternRe);
const protectUsers = new Set((policy.protect?.users ?? []).map((u) => u.toLowerCase()));
const saLive = new Map();
for (const s of policy.serviceAccounts ?? []) {
  const exp = /^\d{4}-\d{2}-\d{2}$/.test(s.expires) ? Date.parse(`${s.expires}T00:00:00Z`) : parseTs(s.expires);
  saLive.set(s.user.toLowerCase(), exp > asOf);
}
const rules = (policy.rules ?? []).map((r) => ({
  ...r,
  inc: (r.include?.groups ?? []).map(patternRe),
  exg: (r.exclude?.groups ?? []).map(patternRe),
  exu: new Set((r.exclude?.users ?? []).map((u) => u.toLowerCase())),
  act: (r.action?.groups ?? []).map(patternRe),
}));
const decisions = new Map();
const plan = { actions: 0, executable: 0, byRule: {}, byAction: {}, protected: {}, seatsFreed: {} };
for (const u of snap.users) {
  if (!u.active) { decisions.set(u.name.toLowerCase(), "inactive"); continue; }
  decisions.set(u.name.toLowerCase(), "not selected");
  const gs = u.groups.map((g) => g.toLowerCase());
  const dom = u.email ? u.email.slice(u.email.lastIndexOf("@") + 1).toLowerCase() : null;
  for (const r of rules) {
    if (r.inc.length && !gs.some((g) => r.inc.some((re) => re.test(g)))) continue;
    if (gs.some((g) => r.exg.some((re) => re.test(g))) || r.exu.has(u.name.toLowerCase())) continue;
    if (r.email) {
      if (!dom) continue;
      const isInternal = internal.some((d) => belongs(dom, d));
      if (r.email.external === true && isInternal) continue;
      if (r.email.external === false && !isInternal) continue;
      if (r.email.domains && !r.email.domains.some((d) => belongs(dom, d.toLowerCase()))) continue;
    }
    if (!("lastLogin" in u)) continue;
    if (u.lastLogin === null) {
      if (!r.neverLoggedIn || u.created === undefined) continue;
      if (asOf - parseTs(u.created) < r.neverLoggedIn.createdMoreThanDays * DAY) continue;
    } else if (r.inactiveDays === undefined || asOf - parseTs(u.lastLogin) < r.inactiveDays * DAY) continue;
    let groups;
    if (r.action.type === "removeFromGroups") {
      groups = u.groups.filter((g) => r.act.some((re) => re.test(g.toLowerCase())));
      if (!groups.length) continue;
    }
    const why = gs.some((g) => protectGroups.some((re) => re.test(g))) ? "protect.group"
      : protectUsers.has(u.name.toLowerCase()) ? "protect.user"
      : saLive.get(u.name.toLowerCase()) === true ? "protect.serviceAccount" : null;
    if (why) { inc(plan.protected, `${why}:${r.id}`); decisions.set(u.name.toLowerCase(), `${r.id} -> protected (${why})`); break; }
    decisions.set(u.name.toLowerCase(), `${r.id} -> ${r.action.type}${groups ? ` ${groups.join(",")}` : ""}`);
    plan.actions++;
    inc(plan.byRule, r.id);
    inc(plan.byAction, r.action.type);
    if (r.action.type !== "review") {
      plan.executable++;
      for (const role of snap.applicationRoles ?? []) {
        const held = u.groups.filter((g) => role.groups.some((rg) => rg.toLowerCase() === g.toLowerCase()));
        if (!held.length) continue;
        const left = r.action.type === "deactivate" ? [] : held.filter((g) => !groups.includes(g));
        if (!left.length) inc(plan.seatsFreed, role.key);
      }
    }
    break;
  }
}
const limit = policy.limits?.maxActionsPerRun;
plan.limit = limit ?? null;
plan.overLimit = limit !== undefined && plan.executable > limit;
plan.expiredServiceAccounts = saExpired;

// ------------------------------------------------------------------ generator self-tests
if (!args["no-generator"]) {
  const gen = await import("./generate.mjs");
  // the committed sample is what the generator makes now
  if (args.snapshot === join(here, "snapshot.json") && gen.snapshotText({ kind: "sample" }) !== snapText) {
    fail("samples/snapshot.json is out of date: run node samples/generate.mjs --kind sample --out samples/snapshot.json");
  }
  // the streamed bytes equal JSON.stringify of generateSnapshot, and runs are deterministic
  for (const o of [{ kind: "synthetic", users: 20000, seed: 11 }, { kind: "synthetic", users: 50, seed: 1 }, { kind: "sample", capturedAt: "2027-03-31T22:30:00Z" }]) {
    const a = JSON.stringify(gen.generateSnapshot(o));
    const t = gen.snapshotText(o);
    if (JSON.stringify(JSON.parse(t)) !== a) fail(`generator: streamed text differs from generateSnapshot for ${JSON.stringify(o)}`);
    if (gen.snapshotText(o) !== t) fail(`generator: not deterministic for ${JSON.stringify(o)}`);
    const s2 = JSON.parse(t);
    const seen = new Set();
    for (const u of s2.users) { const k = u.name.toLowerCase(); if (seen.has(k)) fail(`generator: duplicate ${u.name} for ${JSON.stringify(o)}`); seen.add(k); }
    if (s2.users.length !== (o.users ?? 3000)) fail(`generator: ${s2.users.length} users for ${JSON.stringify(o)}`);
  }
}

if (args.show) for (const n of args.show.split(",")) console.log(`${n}: ${decisions.get(n.toLowerCase()) ?? "no such user"}`);
const report = { ok: errors.length === 0, errors, stats, roles: roleReport, planEstimate: plan };
if (args.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(JSON.stringify({ stats, roles: roleReport, planEstimate: plan }, null, 1).replace(/\n\s*/g, " "));
  if (errors.length) { console.log(`\n${errors.length} problem(s):`); for (const e of errors.slice(0, 50)) console.log(`  - ${e}`); }
  else console.log("\nOK: all checks passed");
}
process.exitCode = errors.length ? 1 : 0;
