#!/usr/bin/env node
// User Cleanup — built-in sample and synthetic snapshot generator.
//
//   node samples/generate.mjs --kind sample --out samples/snapshot.json
//   node samples/generate.mjs --kind synthetic --users 1000000 --seed 7 --out /tmp/s.json
//
// Node 20, no dependencies, fully deterministic: a seeded PRNG (sfc32) and a fixed
// `capturedAt`; every date is computed relative to `capturedAt`. Never Math.random, never the clock.
//
// Library use (benchmarks):
//   import { generateSnapshot, writeSnapshot, snapshotChunks, snapshotText } from "./samples/generate.mjs";
//   const snap = generateSnapshot({ kind: "synthetic", users: 10000, seed: 7 });     // plain object
//   await writeSnapshot("/tmp/s.json", { kind: "synthetic", users: 1e6, seed: 7 });  // streamed
//   for (const buf of snapshotChunks({ ... })) { ... }                                // UTF-8 Buffer chunks
//   const text = snapshotText({ kind: "sample" });                                     // small ones as a string
//
// The snapshot follows the snapshot contract (docs/snapshot.md).

import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { jiraWork } from "./work.mjs";

export const DEFAULT_CAPTURED_AT = "2026-11-27T10:00:00Z";
export const SAMPLE_USERS = 3000;
export const SAMPLE_SEED = 20261127;
export const DEFAULT_SYNTHETIC_SEED = 7;

const DAY = 86_400_000;
const LDAP = "Corporate LDAP (read-only)";
const INTERNAL = "Jira Internal Directory";
const HOOLI_DIR = "Hooli Entra ID (first sync DATE)"; // DATE: the day before capturedAt
const JIRA8_UPGRADE = Date.UTC(2019, 1, 4); // accounts created before Jira 8 keep their legacy key (= username)
const JIRA_INSTALLED = Date.UTC(2014, 2, 3); // the instance went live; no account is older

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32 (good quality, fast, 32-bit state words).

function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed) {
  const sm = splitmix32(seed);
  let a = sm() | 0, b = sm() | 0, c = sm() | 0, d = sm() | 0; // int32 state words
  const next = () => {
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    // weighted pick over [[value, weight], ...] with precomputed cumulative table
    weighted: (table) => {
      const r = next() * table.total;
      const cum = table.cum;
      for (let i = 0; i < cum.length; i++) if (r < cum[i]) return table.values[i];
      return table.values[table.values.length - 1];
    },
  };
  return rng;
}

function table(pairs) {
  const values = [], cum = [];
  let total = 0;
  for (const [v, w] of pairs) { total += w; values.push(v); cum.push(total); }
  return { values, cum, total };
}

// ---------------------------------------------------------------------------------------------
// Time: civil dates, a few time zones with their real DST rules, RFC 3339 and Jira "+1000" forms.

function civilFromDays(z) {
  // Howard Hinnant's algorithm; z = days since 1970-01-01
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const dayCache = new Array(80_000).fill(undefined); // days since 1970 -> "YYYY-MM-DD" (packed array)
function dayString(days) {
  let s = dayCache[days];
  if (s === undefined) {
    const [y, m, d] = civilFromDays(days);
    s = `${y}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
    if (days >= 0 && days < 80_000) dayCache[days] = s;
  }
  return s;
}
const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? "0" : "") + i);
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

// nth (1-based, or -1 = last) Sunday of month m (1-12) of year y, at `utcHour`, as epoch ms
function sunday(y, m, nth, utcHour) {
  if (nth === -1) {
    const last = Date.UTC(y, m, 0); // last day of month m
    const dow = new Date(last).getUTCDay();
    return last - dow * DAY + utcHour * 3_600_000;
  }
  const first = Date.UTC(y, m - 1, 1);
  const dow = new Date(first).getUTCDay();
  return first + (((7 - dow) % 7) + (nth - 1) * 7) * DAY + utcHour * 3_600_000;
}

// zone: { std: minutes, dst: minutes, rule: "eu"|"us"|"au"|null }
const ZONES = {
  oslo: { std: 60, dst: 120, rule: "eu" },
  berlin: { std: 60, dst: 120, rule: "eu" },
  london: { std: 0, dst: 60, rule: "eu" },
  newyork: { std: -300, dst: -240, rule: "us" },
  sydney: { std: 600, dst: 660, rule: "au" },
  tokyo: { std: 540, dst: 540, rule: null },
  utc: { std: 0, dst: 0, rule: null },
};
const transitionCache = { eu: [], us: [], au: [] }; // rule -> [year - 1900] -> [start, end]
function transitions(rule, y) {
  const cache = transitionCache[rule];
  let t = cache[y - 1900];
  if (!t) {
    if (rule === "eu") t = [sunday(y, 3, -1, 1), sunday(y, 10, -1, 1)]; // 01:00 UTC
    else if (rule === "us") t = [sunday(y, 3, 2, 7), sunday(y, 11, 1, 6)]; // 02:00 local
    else t = [sunday(y, 4, 1, 16) - DAY, sunday(y, 10, 1, 16) - DAY]; // au: 03:00 AEDT / 02:00 AEST (prev. UTC day)
    cache[y - 1900] = t;
  }
  return t;
}
function offsetMinutes(zone, ms) {
  if (!zone.rule) return zone.std;
  // The year may be off by one around New Year; harmless, as no transition is near 1 January.
  const y = 1970 + Math.floor(ms / (DAY * 365.2425));
  const [a, b] = transitions(zone.rule, y);
  if (zone.rule === "au") return ms >= a && ms < b ? zone.std : zone.dst; // southern hemisphere
  return ms >= a && ms < b ? zone.dst : zone.std;
}

// style: "Z" (RFC 3339, UTC), "Zms" (RFC 3339 with milliseconds), "rfc" (RFC 3339 with a +HH:MM offset),
// "jira" (Jira's +HHMM offset form, e.g. "2026-08-30T16:37:01+1000")
function formatInstant(ms, style, zone) {
  let off = 0;
  if (style === "jira" || style === "rfc") off = offsetMinutes(zone, ms);
  const local = ms + off * 60_000;
  const days = Math.floor(local / DAY);
  const msOfDay = local - days * DAY;
  const secs = Math.floor(msOfDay / 1000);
  const hms = `${TWO[Math.floor(secs / 3600)]}:${TWO[Math.floor(secs / 60) % 60]}:${TWO[secs % 60]}`;
  const date = dayString(days);
  if (style === "Z") return `${date}T${hms}Z`;
  if (style === "Zms") return `${date}T${hms}.${THREE[msOfDay % 1000]}Z`;
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  if (style === "rfc") return `${date}T${hms}${sign}${TWO[Math.floor(a / 60)]}:${TWO[a % 60]}`;
  return `${date}T${hms}${sign}${TWO[Math.floor(a / 60)]}${TWO[a % 60]}`;
}

// ---------------------------------------------------------------------------------------------
// Names

const FOLD = { "ø": "o", "Ø": "O", "å": "a", "Å": "A", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L", "'": "", " ": "", "-": "" };
function ascii(s) {
  let out = "";
  for (const ch of s) out += FOLD[ch] ?? ch;
  return out.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function person(first, last, display) {
  return { first, last, display: display ?? `${first} ${last}`, f: ascii(first), l: ascii(last) };
}

const NAMES = {
  no: {
    first: "Kari Ole Ingrid Lars Øystein Åse Bjørn Sølvi Ragnhild Knut Sigrid Eirik Ørjan Marit Håkon Tone Jørgen Liv Torbjørn Silje Anders Hanne Magnus Nora Henrik Ida Sindre Kjersti Stian Ane Vegard Thea Espen Guro Trond Maren Per Randi Geir Solveig Ådne Mathias Emilie Jonas Synnøve".split(" "),
    last: "Nordmann Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie Amundsen Rasmussen Lunde Solheim Berge Moe Nygård Bakke Fredriksen Holm Lien Hauge Evensen Sæther Aas Myhre Ødegård Østby Bråthen Løvås Hæreid Tveit Vik".split(" "),
  },
  eu: {
    first: "Jürgen Jörg Anna Lukas Sophie Maximilian Lena Felix Marie Jonas Hélène Zoé Éric Jérôme André Céline Amélie Léa Théo François Giulia Marco Sofia Luca Łukasz Agnieszka Piotr Katarzyna Sven Emma Björn Inès Mateusz Zofia Pieter Sanne Ahmet Elif".split(" "),
    last: "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schröder Groß Köhler Lefèvre Martin Bernard Dubois Thomas Robert Richard Petit Durand Dupré Bélanger Moreau Laurent Rossi Russo Ferrari Esposito Kowalski Wójcik Nowak Lewandowski Zieliński Novák Svoboda de_Vries Jansen van_Dijk Yılmaz Kaya".split(" "),
  },
  us: {
    first: "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra José María Carlos Sofía Priya Rahul Ananya Arjun Wei Mei Kwame Aisha Tyrone Keisha".split(" "),
    last: "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Patel Sharma Kumar Singh Chen Wang Kim Okafor O'Brien Núñez".split(" "),
  },
  au: {
    first: "Jack Olivia Noah Charlotte Oliver Amelia William Isla Thomas Mia Lachlan Chloe Liam Grace Ethan Ruby Ming Jun Siddharth Matilda Cooper Harper Riley Zara".split(" "),
    last: "Smith Jones Williams Brown Wilson Taylor Nguyen Johnson Martin White Anderson Walker Thompson Thomas Kelly Ryan Tran Li Chen Wong Murphy O'Connor Campbell Stewart McDonald Fraser".split(" "),
  },
  jp: {
    // [romaji, kanji]
    first: [["Taro", "太郎"], ["Hanako", "花子"], ["Yuki", "由紀"], ["Haruto", "陽翔"], ["Sakura", "さくら"], ["Kenji", "健二"], ["Yui", "結衣"], ["Hiroshi", "博"], ["Aoi", "葵"], ["Ren", "蓮"], ["Mei", "芽衣"], ["Sota", "蒼太"]],
    last: [["Yamamoto", "山本"], ["Sato", "佐藤"], ["Suzuki", "鈴木"], ["Takahashi", "高橋"], ["Tanaka", "田中"], ["Watanabe", "渡辺"], ["Ito", "伊藤"], ["Nakamura", "中村"], ["Kobayashi", "小林"], ["Kato", "加藤"], ["Nihon", "日本"], ["Yoshida", "吉田"]],
  },
};
// Every (culture, first name, last name) combination is precomputed once: display names, the
// LDAP-style base ("knordmann"), its capitalised variant ("KNordmann") and the dotted base
// ("kari.nordmann"). Bases are interned to small integers so uniqueness bookkeeping in the hot
// loop uses integer Map keys (fast for 1M users) instead of hashing fresh strings.
const CULTURES = ["no", "eu", "us", "au", "jp"];
const internIds = new Map();
const intern = (s) => {
  let id = internIds.get(s);
  if (id === undefined) { id = internIds.size; internIds.set(s, id); }
  return id;
};
const PEOPLE = {}; // culture -> { F, L, base }
const words = (a) => a.map((w) => (typeof w === "string" ? w.replace(/_/g, " ") : w)); // "de_Vries" -> "de Vries"
const P_DISPLAY = [], P_DISPLAY_ALT = [], P_DISPLAY_UTF8 = [], P_DISPLAY_ALT_UTF8 = [], P_LDAP = [], P_LDAP_CAP = [], P_DOT = [], P_LDAP_ID = [], P_DOT_ID = [];
for (const c of CULTURES) {
  const jp = c === "jp";
  const firsts = jp ? NAMES.jp.first : words(NAMES[c].first).map((f) => [f]);
  const lasts = jp ? NAMES.jp.last : words(NAMES[c].last).map((l) => [l]);
  PEOPLE[c] = { F: firsts.length, L: lasts.length, base: P_DISPLAY.length };
  for (const [fr, fk] of firsts) {
    for (const [lr, lk] of lasts) {
      const f = ascii(fr), l = ascii(lr);
      // Japanese display names: family name first in kanji, sometimes romaji with the kanji in brackets
      P_DISPLAY.push(jp ? `${lk} ${fk}` : `${fr} ${lr}`);
      P_DISPLAY_ALT.push(jp ? `${fr} ${lr} (${lk} ${fk})` : null);
      P_DISPLAY_UTF8.push(Buffer.from(P_DISPLAY.at(-1), "utf8"));
      P_DISPLAY_ALT_UTF8.push(jp ? Buffer.from(P_DISPLAY_ALT.at(-1), "utf8") : null);
      P_LDAP.push(f[0] + l);
      P_LDAP_CAP.push(f[0].toUpperCase() + l[0].toUpperCase() + l.slice(1));
      P_DOT.push(`${f}.${l}`);
      P_LDAP_ID.push(intern(f[0] + l));
      P_DOT_ID.push(intern(`${f}.${l}`));
    }
  }
}

function randomPerson(rng, culture) {
  const p = PEOPLE[culture];
  return p.base + Math.floor(rng.next() * p.F) * p.L + Math.floor(rng.next() * p.L);
}

// ---------------------------------------------------------------------------------------------
// Organisation: offices, domains, groups

const OFFICES = {
  oslo: { domain: "acme.com", zone: ZONES.oslo, group: "office-oslo", cultures: table([["no", 75], ["eu", 10], ["us", 5], ["au", 5], ["jp", 5]]) },
  london: { domain: "acme.com", zone: ZONES.london, group: "office-london", cultures: table([["us", 40], ["eu", 30], ["au", 20], ["no", 10]]) },
  sydney: { domain: "acme.com", zone: ZONES.sydney, group: "office-sydney", cultures: table([["au", 70], ["jp", 15], ["us", 15]]) },
  tokyo: { domain: "acme.com", zone: ZONES.tokyo, group: "office-tokyo", cultures: table([["jp", 85], ["us", 15]]) },
  berlin: { domain: "eu.acme.com", zone: ZONES.berlin, group: "office-berlin", cultures: table([["eu", 85], ["no", 10], ["us", 5]]) },
  paris: { domain: "eu.acme.com", zone: ZONES.berlin, group: "office-paris", cultures: table([["eu", 95], ["us", 5]]) },
  newyork: { domain: "us.acme.com", zone: ZONES.newyork, group: "office-new-york", cultures: table([["us", 90], ["eu", 5], ["jp", 5]]) },
};
const OFFICE_TABLE = table([["oslo", 38], ["london", 9], ["sydney", 8], ["tokyo", 5], ["berlin", 12], ["paris", 8], ["newyork", 20]]);

// [name, share of staff, licence profile]
const DEPTS = [
  ["Dept-Engineering", 43, "dev"], ["Dept-Product", 7, "dev"], ["Dept-Operations", 6, "dev"],
  ["Dept-Support", 9, "agent"], ["Dept-Sales", 10, "business"], ["Dept-Marketing", 6, "business"],
  ["Dept-Finance", 6, "business"], ["Dept-HR", 5, "business"], ["Dept-Legal", 4, "business"], ["Dept-Executive", 2, "exec"],
];
const DEPT_TABLE = table(DEPTS.map((d, i) => [i, d[1]]));

const CONTRACTOR_DOMAINS = table([
  [["contractor-one.com", "no"], 30], [["dev.contractor-one.com", "eu"], 5], [["ext.consulting.io", "us"], 25],
  [["acme-consulting.com", "no"], 15], [["nearshore-dev.pl", "eu"], 15], [["gmail.com", "us"], 6], [["outlook.com", "eu"], 4],
]);
const PARTNERS = [
  // [org, domain(s), culture, weight]
  ["globex", ["globex.com"], "us", 30], ["initech", ["initech.io", "mail.initech.io"], "us", 20],
  ["umbrella", ["umbrella-corp.de"], "eu", 18], ["wayne", ["wayne-enterprises.com"], "us", 12],
  ["stark", ["stark.industries"], "au", 10], ["cyberdyne", ["cyberdyne.systems"], "jp", 10],
];
const PARTNER_TABLE = table(PARTNERS.map((p, i) => [i, p[3]]));

const TEAM_AREAS = "payments checkout platform mobile data search identity billing web api infra sre security analytics growth onboarding catalog pricing logistics warehouse crm erp integrations reporting qa devex observability network storage ml recommendations notifications messaging mobile-ios mobile-android design-system frontend backend tooling release compliance fraud risk ledger treasury hr-systems itsm servicedesk field-service partner-portal".split(" ");
const TEAM_SUFFIXES = ["", "-eu", "-us", "-apac", "-core", "-ops", "-2", "-next", "-legacy", "-emea"];

function buildTeams(n) {
  const teams = [];
  outer: for (const suf of TEAM_SUFFIXES) {
    for (const area of TEAM_AREAS) {
      if (teams.length >= n) break outer;
      teams.push(`team-${area}${suf}`);
    }
  }
  for (let i = teams.length; i < n; i++) teams.push(`team-squad-${i}`);
  return teams;
}

export // Group registry: users carry group ids; names and their JSON bytes are looked up by id.
const GROUP_NAMES = [];
const GROUP_JSON = []; // '"name"' as UTF-8
const groupIds = new Map();
function gid(name) {
  let id = groupIds.get(name);
  if (id === undefined) {
    id = GROUP_NAMES.length;
    groupIds.set(name, id);
    GROUP_NAMES.push(name);
    GROUP_JSON.push(Buffer.from(JSON.stringify(name), "utf8"));
  }
  return id;
}

export const LICENSING = {
  software: "jira-software-users",
  servicedesk: "jira-servicemanagement-users",
  core: "jira-core-users",
  admins: "jira-administrators",
};
const G_SOFTWARE = gid(LICENSING.software), G_SERVICEDESK = gid(LICENSING.servicedesk), G_CORE = gid(LICENSING.core);
const G_ACME_ALL_STAFF = gid("acme-all-staff");
const G_BITBUCKET_USERS = gid("bitbucket-users");
const G_CONFLUENCE_USERS = gid("confluence-users");
const G_CONTRACTORS = gid("contractors");
const G_HOOLI_STAFF = gid("hooli-staff");
const G_JIRA_PROJECT_LEADS = gid("jira-project-leads");
const G_KEEP_FOREVER = gid("keep-forever");
const G_TEAM_LEGAL_HOLD = gid("team-legal-hold");
for (const o of Object.values(OFFICES)) o.groupId = gid(o.group);
const deptIds = DEPTS.map((d) => gid(d[0]));
const partnerGroupIds = PARTNERS.map((p) => gid(`ext-partner-${p[0]}`));

// Application roles (Jira DC keys). The seat counts are filled in from the generated users.
function roleDefs(kind) {
  return [
    { key: "jira-software", name: "Jira Software", groups: [LICENSING.software, LICENSING.admins], unlimited: false },
    { key: "jira-servicedesk", name: "Jira Service Management", groups: [LICENSING.servicedesk], unlimited: false },
    { key: "jira-core", name: "Jira Core", groups: [LICENSING.core], unlimited: kind === "sample" },
  ];
}

// Licence tiers (users) for Jira DC / JSM agents: the smallest tier at or above the used count.
const TIERS = [1, 3, 5, 10, 15, 20, 25, 35, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 15000, 20000, 25000, 30000, 35000, 40000, 45000, 50000];
function tierFor(used) {
  for (const t of TIERS) if (t >= used) return t;
  return Math.ceil(used / 50000) * 50000;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: named accounts the sample policy refers to. Dates are given as "days before capturedAt"
// (`login`: number | null = never | undefined = not known; `created`: days, or an ISO date string).

function fixtures() {
  const A = LICENSING.admins, S = LICENSING.software, J = LICENSING.servicedesk, C = LICENSING.core;
  const staff = ["acme-all-staff", "confluence-users"];
  return [
    // administrators (protected by group)
    { name: "admin", displayName: "Jira Administrator", email: "jira-admin@acme.com", dir: INTERNAL, groups: [A, S, "jira-system-administrators"], created: "2014-03-03T08:00:00Z", login: 1, zone: "oslo", style: "Z" },
    { name: "ohansen", displayName: "Ole Hansen", email: "ole.hansen@acme.com", dir: LDAP, groups: [A, S, ...staff, "Dept-Operations", "team-itsm", "office-oslo"], created: 2900, login: 0, zone: "oslo", style: "jira" },
    { name: "mgarcia", displayName: "María García", email: "maria.garcia@us.acme.com", dir: LDAP, groups: [A, S, J, ...staff, "Dept-Operations", "team-itsm", "office-new-york"], created: 1800, login: 3, zone: "newyork", style: "jira" },
    { name: "obrathen", displayName: "Øystein Bråthen", email: "oystein.brathen@acme.com", dir: LDAP, groups: [A, S, ...staff, "Dept-Engineering", "team-platform", "office-oslo"], created: 3100, login: 12, zone: "oslo", style: "jira" },
    { name: "tyamamoto", displayName: "山本 太郎", email: "taro.yamamoto@acme.com", dir: LDAP, groups: [A, S, ...staff, "Dept-Engineering", "team-platform-apac", "office-tokyo"], created: 1200, login: 2, zone: "tokyo", style: "jira" },
    { name: "sysadmin-legacy", displayName: "Legacy Sysadmin (do not use)", email: "sysadmin@acme.com", dir: INTERNAL, groups: [A, S], created: "2014-03-03T08:05:00Z", login: 820, zone: "oslo", style: "Z" },
    { name: "hlefevre", displayName: "Hélène Lefèvre", email: "helene.lefevre@eu.acme.com", dir: LDAP, groups: [A, S, J, ...staff, "Dept-Support", "team-servicedesk", "office-paris"], created: 2200, login: 0, zone: "berlin", style: "jira" },

    // service and integration accounts
    { name: "svc-ci", displayName: "CI (Bamboo/Jenkins)", email: "svc-ci@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2018-04-11T12:00:00Z", login: null, style: "Z" },
    { name: "svc-backup", displayName: "Backup service", email: "backup@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2016-09-01T07:30:00Z", login: null, style: "Z" },
    { name: "jira-integration", displayName: "Jira Integration", email: "jira-integration@acme.com", dir: INTERNAL, groups: [S, J, "service-accounts"], created: "2015-06-15T10:00:00Z", login: 0, zone: "utc", style: "Z" },
    { name: "svc-confluence-link", displayName: "Confluence application link", email: "svc-confluence@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2015-02-10T09:00:00Z", login: 400, style: "Z" },
    { name: "svc-reporting", displayName: "eazyBI reporting", email: "svc-reporting@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2020-01-20T09:00:00Z", login: 3, zone: "oslo", style: "jira" },
    { name: "svc-legacy-import", displayName: "Legacy tracker import", email: "svc-legacy-import@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2019-05-02T09:00:00Z", login: 1010, zone: "oslo", style: "jira" },
    { name: "bot-release-notes", displayName: "Release notes bot", email: "release-bot@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2021-08-19T13:00:00Z", login: 5, style: "Z" },
    { name: "bot-slack", displayName: "Slack for Jira", email: "slack-bot@acme.com", dir: INTERNAL, groups: [S, "service-accounts"], created: "2019-11-05T10:00:00Z", login: null, style: "Z" },
    { name: "svc-monitoring", displayName: "Monitoring probe", email: "svc-monitoring@acme.com", dir: INTERNAL, groups: [C, "service-accounts"], created: "2017-03-14T10:00:00Z", login: 0, style: "Zms" },
    { name: "svc-salesforce-sync", displayName: "Salesforce sync", email: "crm-sync@acme.com", dir: INTERNAL, groups: [J, "service-accounts"], created: "2022-02-01T10:00:00Z", login: null, style: "Z" },
    { name: "svc-jsm-mail", displayName: "JSM mail handler", email: "support@acme.com", dir: INTERNAL, groups: [J, "service-accounts"], created: "2018-10-01T10:00:00Z", login: null, style: "Z" },
    { name: "bot-teams", displayName: "MS Teams connector", email: "", dir: INTERNAL, groups: [S], created: "2023-03-01T10:00:00Z", login: null, style: "Z" }, // unregistered, empty email
    { name: "bot-hipchat", displayName: "HipChat bot", email: "hipchat-bot@acme.com", dir: INTERNAL, groups: [S], created: "2015-01-12T10:00:00Z", login: 2600, zone: "oslo", style: "jira" }, // unregistered, long dead
    { name: "bot-renovate", displayName: "Renovate bot", email: "renovate-bot@acme.com", dir: INTERNAL, groups: [S], created: 400, login: null, style: "Z" }, // unregistered, REST only
    { name: "svc-ldap-sync-old", displayName: "Old LDAP sync", email: "ldap-sync@acme.com", dir: INTERNAL, groups: [A, S, "service-accounts"], created: "2014-03-05T10:00:00Z", login: 2200, active: false, style: "Z" },

    // executives and other special staff
    { name: "iodegard", displayName: "Ingrid Ødegård", email: "ingrid.odegard@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Executive", "keep-forever", "office-oslo"], created: 3000, login: 210, zone: "oslo", style: "jira" }, // CEO, rarely logs in
    { name: "jwilson", displayName: "John Wilson", email: "john.wilson@us.acme.com", dir: LDAP, groups: [C, ...staff, "Dept-Executive", "keep-forever", "office-new-york"], created: 2400, login: 120, zone: "newyork", style: "jira" },
    { name: "hnakamura", displayName: "Hanako Nakamura (中村 花子)", email: "hanako.nakamura@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Engineering", "team-mobile", "office-tokyo"], created: 1500, login: 200, zone: "tokyo", style: "jira" }, // parental leave
    { name: "hnihon", displayName: "日本 花子", email: "hanako.nihon@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Engineering", "team-data", "office-tokyo"], created: 900, login: 7, zone: "tokyo", style: "jira" },
    { name: "KNordmann", displayName: "Kari Nordmann", email: "Kari.Nordmann@ACME.COM", dir: LDAP, groups: [S, ...staff, "Dept-Product", "team-payments", "office-oslo"], created: 2000, login: 95, zone: "oslo", style: "jira" },
    { name: "PSCHRODER", displayName: "Peter Schröder", email: "peter.schroder@EU.Acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Engineering", "team-checkout-eu", "office-berlin"], created: 2600, login: 400, zone: "berlin", style: "jira" },
    { name: "esorensen", displayName: "Eva Sørensen", email: "eva.sorensen@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Legal", "team-legal-hold", "office-oslo"], created: 3300, login: 700, zone: "oslo", style: "jira" }, // under legal hold
    { name: "rkowalski", displayName: "Robert Kowalski", email: "robert.kowalski@eu.acme.com", dir: LDAP, groups: [C, ...staff, "Dept-Finance", "team-legal-hold", "office-berlin"], created: 2800, login: 560, zone: "berlin", style: "jira" },
    { name: "achen", displayName: "Alice Chen", email: "alice.chen@us.acme.com", dir: LDAP, groups: [S, J, ...staff, "Dept-Support", "team-servicedesk", "office-new-york"], created: 1400, login: 260, zone: "newyork", style: "jira" }, // seasonal support agent

    // new hires who never logged in
    { name: "new.hire.recent", displayName: "Nora Nyansatt", email: "nora.nyansatt@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Engineering", "team-search", "office-oslo"], created: 6, login: null, style: "jira", zone: "oslo" },
    { name: "new.hire.old", displayName: "Theo Tidligere", email: "theo.tidligere@acme.com", dir: LDAP, groups: [S, ...staff, "Dept-Engineering", "team-search", "office-oslo"], created: 75, login: null, style: "Z" },

    // contractors and partners the policy names
    { name: "lukasz.wojcik@contractor-one.com", displayName: "Łukasz Wójcik", email: "lukasz.wojcik@contractor-one.com", dir: INTERNAL, groups: [S, "contractors", "bitbucket-users", "team-mobile-android"], created: 500, login: 75, zone: "berlin", style: "Z" }, // seasonal, expected back
    { name: "x-mjensen", displayName: "Mette Jensen (Contractor One)", email: "mette.jensen@contractor-one.com", dir: INTERNAL, groups: [S, "contractors", "team-legal-hold", "team-ledger"], created: 1500, login: 230, zone: "oslo", style: "jira" }, // contractor under legal hold
    { name: "x-jdoe", displayName: "Jane Doe (Ext. Consulting)", email: "jane.doe@ext.consulting.io", dir: INTERNAL, groups: [S, "contractors", "keep-forever", "team-data"], created: 900, login: 150, zone: "newyork", style: "jira" },
    { name: "globex-integration", displayName: "Globex integration user", email: "integration@globex.com", dir: INTERNAL, groups: [S, "ext-partner-globex"], created: "2020-06-01T10:00:00Z", login: 40, style: "Z" },
    { name: "initech-pm", displayName: "Bill Lumbergh", email: "bill.lumbergh@initech.io", dir: INTERNAL, groups: [C, "ext-partner-initech", "keep-forever"], created: 1300, login: 330, zone: "newyork", style: "jira" },

    // no email, read-only directory, unknown created
    { name: "kiosk-oslo", displayName: "Meeting room kiosk", email: "", dir: LDAP, groups: [C, "office-oslo"], login: 120, zone: "oslo", style: "jira" },
  ];
}

// ---------------------------------------------------------------------------------------------
// Populations (share of the generated, non-fixture users)

export const POPULATIONS = [
  ["staff", 0.708],       // employees on acme.com / eu.acme.com / us.acme.com
  ["newHire", 0.022],     // employees created recently (or not so recently) who never logged in
  ["contractor", 0.115],  // contractors on contractor domains
  ["partner", 0.055],     // partner staff on partner domains
  ["deactivated", 0.095], // already deactivated (active:false), of every kind
  ["acquired", 0.005],    // just-synchronised directory: lastLogin not known
];

// activity bands: [label, minDays, maxDays] (null = never logged in)
const BANDS = {
  staff: table([[[0, 15], 62], [[15, 30], 14], [[30, 90], 11], [[90, 180], 5.5], [[180, 365], 3.5], [[365, 1095], 3], [null, 1]]),
  contractor: table([[[0, 15], 46], [[15, 30], 13], [[30, 90], 16], [[90, 180], 9], [[180, 365], 7], [[365, 1095], 7], [null, 2]]),
  partner: table([[[0, 15], 34], [[15, 30], 15], [[30, 90], 21], [[90, 365], 17], [[365, 1095], 10], [null, 3]]),
  deactivated: table([[[14, 90], 12], [[90, 365], 38], [[365, 1095], 38], [[1095, 2400], 12]]),
};
const DEACT_ORIGIN = table([["staff", 68], ["contractor", 22], ["partner", 10]]);

function counts(total) {
  const out = {};
  let used = 0;
  for (const [k, share] of POPULATIONS.slice(1)) { out[k] = Math.round(total * share); used += out[k]; }
  out.staff = total - used;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The generator

function makeContext(opts) {
  const kind = opts.kind ?? "sample";
  if (kind !== "sample" && kind !== "synthetic") throw new Error(`unknown kind ${kind} (sample | synthetic)`);
  const total = opts.users ?? (kind === "sample" ? SAMPLE_USERS : 10_000);
  if (!Number.isInteger(total) || total < 1) throw new Error(`--users must be a positive integer, got ${opts.users}`);
  const seed = (opts.seed ?? (kind === "sample" ? SAMPLE_SEED : DEFAULT_SYNTHETIC_SEED)) >>> 0;
  const capturedAt = opts.capturedAt ?? DEFAULT_CAPTURED_AT;
  const C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(capturedAt) ? Date.parse(capturedAt) : NaN;
  if (Number.isNaN(C)) throw new Error(`capturedAt must be an RFC 3339 instant such as ${DEFAULT_CAPTURED_AT}, got ${capturedAt}`);
  // ~80 groups in the sample, ~300 in a synthetic snapshot
  const teams = buildTeams(kind === "sample" ? 48 : 262);
  const hooliDir = HOOLI_DIR.replace("DATE", dayString(Math.floor(C / DAY) - 1));
  return { kind, total, seed, capturedAt, C, teams, hooliDir };
}

// All domains in one table, so (namespace, domain, base) uniqueness keys stay integers.
const DOMAINS = [...new Set([
  ...Object.values(OFFICES).map((o) => o.domain),
  ...CONTRACTOR_DOMAINS.values.map((v) => v[0]),
  ...PARTNERS.flatMap((p) => p[1]),
  "hooli.com",
])];
const DOMAIN_IDX = new Map(DOMAINS.map((d, i) => [d, i]));
const CONTRACTOR_CHOICES = table(CONTRACTOR_DOMAINS.values.map((v, i) => [{ domain: v[0], culture: v[1], idx: DOMAIN_IDX.get(v[0]) }, CONTRACTOR_DOMAINS.cum[i] - (CONTRACTOR_DOMAINS.cum[i - 1] ?? 0)]));
// username namespaces (each produces strings no other namespace can produce)
const NS_LDAP = 0, NS_DOT = 1, NS_X = 2, NS_EXT = 3, NS_PARTNER = 4, NS_EMAIL = 16;

// A generated user before formatting: dates are epoch ms (created: undefined = not known;
// login: undefined = not known, null = never) with the timestamp style and zone to print them in.
class Raw {
  constructor(name, key, displayName, email, active, groups, directory, created, login, style, zone) {
    this.name = name; this.key = key; this.displayName = displayName; this.email = email; this.active = active;
    this.groups = groups; this.directory = directory; this.created = created; this.login = login; this.style = style; this.zone = zone;
    this.displayUtf8 = null; // the display name pre-encoded, when it comes from the name pools
  }
}

// The contract object for a raw user (key order fixed; absent fields left out).
function toUser(r) {
  const u = { name: r.name };
  if (r.key !== undefined) u.key = r.key;
  u.displayName = r.displayName;
  if (r.email !== undefined) u.email = r.email;
  u.active = r.active;
  u.groups = r.groups.map((id) => GROUP_NAMES[id]);
  if (r.directory !== undefined) u.directory = r.directory;
  if (r.created !== undefined) u.created = formatInstant(r.created, r.style, r.zone);
  if (r.login !== undefined) u.lastLogin = r.login === null ? null : formatInstant(r.login, r.style, r.zone);
  if (r.leads !== undefined) u.leads = r.leads;
  if (r.openAssigned !== undefined) u.openAssigned = r.openAssigned;
  return u;
}

/**
 * The sample's raw users sorted by username, with what each leads and has assigned in Jira
 * (work.mjs: `leads`, `openAssigned`) attached. Synthetic snapshots carry neither (the sandbox
 * derives them when it seeds generated users).
 */
function sampleRaw(ctx) {
  const raw = [...rawUsers(ctx)].sort(byName);
  const work = jiraWork(raw.map(toUser), { capturedAt: ctx.capturedAt, seed: ctx.seed });
  raw.forEach((r, i) => {
    if (work[i].leads) r.leads = work[i].leads;
    r.openAssigned = work[i].openAssigned;
  });
  return raw;
}

/** Yields the users (Snapshot contract objects) in generation order. */
export function* userRecords(opts = {}) {
  for (const r of rawUsers(opts)) yield toUser(r);
}

function* rawUsers(opts = {}) {
  const ctx = typeof opts.C === "number" ? opts : makeContext(opts);
  const { total, seed, C, teams } = ctx;
  const rng = createRng(seed);
  const todayDays = Math.floor(C / DAY);

  // --- uniqueness: usernames are unique case-insensitively (bases never end in a digit, so
  // "base" + n never equals another base); e-mail addresses are made unique per domain too.
  const stride = internIds.size;
  const nameCount = new Int32Array((NS_EMAIL + DOMAINS.length) * stride); // [ns][base id] -> times used
  const emailCount = new Int32Array(DOMAINS.length * stride); // [domain][base id] -> times used
  const fixtureNames = new Set();
  const takeName = (ns, id, base) => {
    const k = ns * stride + id;
    let n = nameCount[k];
    if (n === 0 && fixtureNames.has(base.toLowerCase())) n = 1;
    nameCount[k] = n + 1;
    if (n === 0) return base;
    const at = base.indexOf("@");
    return at < 0 ? base + (n + 1) : base.slice(0, at) + (n + 1) + base.slice(at);
  };
  const takeEmail = (domainIdx, p) => {
    const k = domainIdx * stride + P_DOT_ID[p];
    const n = emailCount[k];
    emailCount[k] = n + 1;
    return n === 0 ? `${P_DOT[p]}@${DOMAINS[domainIdx]}` : `${P_DOT[p]}${n + 1}@${DOMAINS[domainIdx]}`;
  };

  let keySeq = 10100;
  const keyFor = (name, createdMs) => (createdMs !== undefined && createdMs < JIRA8_UPGRADE ? name.toLowerCase() : `JIRAUSER${keySeq++}`);

  // an instant `days` before capturedAt, at a working-hours local time in `zone`
  const instant = (days, zone) => {
    const localSecs = 7 * 3600 + Math.floor(rng.next() * 12 * 3600);
    let ms = (todayDays - days) * DAY + localSecs * 1000 - zone.std * 60_000 + Math.floor(rng.next() * 1000);
    while (ms > C) ms -= DAY;
    return ms;
  };

  // --- fixtures (only when there is room for them)
  const fx = total >= 200 ? fixtures() : [];
  for (const f of fx) fixtureNames.add(f.name.toLowerCase());
  for (const f of fx) {
    const zone = ZONES[f.zone ?? "utc"];
    let createdMs;
    if (typeof f.created === "string") createdMs = Date.parse(f.created);
    else if (typeof f.created === "number") createdMs = instant(f.created, zone);
    let login = f.login === null ? null : undefined;
    if (typeof f.login === "number") {
      login = instant(f.login, zone);
      if (createdMs !== undefined && login < createdMs) login = createdMs + 3_600_000;
    }
    yield new Raw(f.name, keyFor(f.name, createdMs), f.displayName, f.email, f.active ?? true, f.groups.map(gid), f.dir, createdMs, login, f.style, zone);
  }

  // --- population sequence: exact quotas, deterministically shuffled
  const bulk = Math.max(0, total - fx.length);
  const quota = counts(bulk);
  const popNames = POPULATIONS.map((p) => p[0]);
  const seq = new Uint8Array(bulk);
  let at = 0;
  popNames.forEach((p, i) => { seq.fill(i, at, at + quota[p]); at += quota[p]; });
  const shuffleRng = createRng(seed ^ 0x5eed5eed);
  for (let i = bulk - 1; i > 0; i--) {
    const j = Math.floor(shuffleRng.next() * (i + 1));
    const t = seq[i]; seq[i] = seq[j]; seq[j] = t;
  }

  const teamIds = teams.map(gid);
  const teamPick = () => teamIds[Math.floor(Math.pow(rng.next(), 1.6) * teamIds.length)]; // some teams are big
  const styleFor = (dir) => {
    const r = rng.next();
    if (dir === LDAP) return r < 0.7 ? "jira" : r < 0.98 ? "Z" : "Zms";
    return r < 0.25 ? "jira" : r < 0.95 ? "Z" : r < 0.97 ? "rfc" : "Zms";
  };
  const hooliIdx = DOMAIN_IDX.get("hooli.com");

  for (let i = 0; i < bulk; i++) {
    let pop = popNames[seq[i]];
    let active = true;
    if (pop === "deactivated") { active = false; pop = rng.weighted(DEACT_ORIGIN); }

    let p, zone, dir, name, email, groups, culture, band;
    let tenureMax = 3650;
    const tenureMin = 20;

    if (pop === "staff" || pop === "newHire") {
      const office = OFFICES[rng.weighted(OFFICE_TABLE)];
      zone = office.zone;
      culture = rng.weighted(office.cultures);
      p = randomPerson(rng, culture);
      dir = rng.chance(0.8) ? LDAP : INTERNAL;
      if (dir === LDAP) {
        const r = rng.next();
        // a few LDAP accounts keep AD's capitalisation: "KNordmann", "KNORDMANN"
        const base = r < 0.015 ? P_LDAP_CAP[p] : r < 0.02 ? P_LDAP[p].toUpperCase() : P_LDAP[p];
        name = takeName(NS_LDAP, P_LDAP_ID[p], base);
      } else {
        name = takeName(NS_DOT, P_DOT_ID[p], P_DOT[p]);
      }
      email = takeEmail(DOMAIN_IDX.get(office.domain), p);
      const r = rng.next();
      if (r < 0.008) email = email.replace(/@.*/, (d) => d.toUpperCase()); // "kari.nordmann@ACME.COM"
      else if (r < 0.016) email = email[0].toUpperCase() + email.slice(1); // "Kari.nordmann@acme.com"
      else if (r < 0.019) email = "";
      else if (r < 0.021) email = undefined;

      const deptIdx = rng.weighted(DEPT_TABLE);
      const dept = DEPTS[deptIdx];
      const prof = dept[2];
      groups = [];
      if (prof === "dev") {
        if (rng.chance(0.96)) groups.push(G_SOFTWARE);
        if (rng.chance(0.025)) groups.push(G_SERVICEDESK);
      } else if (prof === "agent") {
        if (rng.chance(0.92)) groups.push(G_SERVICEDESK);
        if (rng.chance(0.3)) groups.push(G_SOFTWARE);
      } else if (prof === "business") {
        const r2 = rng.next();
        if (r2 < 0.55) groups.push(G_CORE);
        else if (r2 < 0.92) groups.push(G_SOFTWARE);
        // else: no Jira licence (a Confluence-only person visible through the shared directory)
      } else {
        groups.push(rng.chance(0.5) ? G_SOFTWARE : G_CORE);
        groups.push(G_KEEP_FOREVER);
      }
      groups.push(G_ACME_ALL_STAFF);
      if (rng.chance(0.7)) groups.push(G_CONFLUENCE_USERS);
      if (prof === "dev" && rng.chance(0.65)) groups.push(G_BITBUCKET_USERS);
      groups.push(deptIds[deptIdx], office.groupId);
      const nTeams = prof === "business" ? (rng.chance(0.5) ? 1 : 0) : rng.chance(0.12) ? 2 : 1;
      for (let t = 0; t < nTeams; t++) { const tm = teamPick(); if (!groups.includes(tm)) groups.push(tm); }
      if (prof !== "exec" && rng.chance(0.004)) groups.push(G_KEEP_FOREVER);
      if (rng.chance(0.03)) groups.push(G_JIRA_PROJECT_LEADS);
      band = pop === "newHire" ? "newHire" : rng.weighted(active ? BANDS.staff : BANDS.deactivated);
      if (!active && rng.chance(0.004)) groups.push(G_TEAM_LEGAL_HOLD);
    } else if (pop === "contractor") {
      const d = rng.weighted(CONTRACTOR_CHOICES);
      culture = d.culture;
      p = randomPerson(rng, culture);
      zone = culture === "us" ? ZONES.newyork : culture === "au" ? ZONES.sydney : ZONES.oslo;
      dir = rng.chance(0.93) ? INTERNAL : LDAP; // some contractors were put into AD
      const r = rng.next();
      if (r < 0.45) { // the e-mail address as username
        name = takeName(NS_EMAIL + d.idx, P_DOT_ID[p], `${P_DOT[p]}@${d.domain}`);
        email = name;
      } else {
        name = r < 0.8 ? takeName(NS_X, P_LDAP_ID[p], `x-${P_LDAP[p]}`) : takeName(NS_EXT, P_DOT_ID[p], `${P_DOT[p]}.ext`);
        email = takeEmail(d.idx, p);
      }
      groups = [];
      if (rng.chance(0.88)) groups.push(G_SOFTWARE);
      else groups.push(rng.chance(0.3) ? G_SERVICEDESK : G_CORE);
      groups.push(G_CONTRACTORS);
      if (rng.chance(0.5)) groups.push(G_CONFLUENCE_USERS);
      if (rng.chance(0.6)) groups.push(G_BITBUCKET_USERS);
      groups.push(teamPick());
      if (rng.chance(0.01)) groups.push(G_KEEP_FOREVER);
      band = rng.weighted(active ? BANDS.contractor : BANDS.deactivated);
      tenureMax = 1100;
    } else if (pop === "partner") {
      const pi = rng.weighted(PARTNER_TABLE);
      const org = PARTNERS[pi];
      const domain = org[1][Math.floor(rng.next() * org[1].length)];
      culture = org[2];
      p = randomPerson(rng, culture);
      zone = culture === "us" ? ZONES.newyork : culture === "au" ? ZONES.sydney : culture === "jp" ? ZONES.tokyo : ZONES.berlin;
      dir = INTERNAL;
      name = takeName(NS_PARTNER + pi, P_LDAP_ID[p], `${org[0]}-${P_LDAP[p]}`);
      email = rng.chance(0.01) ? "" : takeEmail(DOMAIN_IDX.get(domain), p);
      groups = [rng.chance(0.55) ? G_SOFTWARE : G_CORE, partnerGroupIds[pi]];
      if (rng.chance(0.3)) groups.push(G_CONFLUENCE_USERS);
      if (rng.chance(0.5)) groups.push(teamPick());
      if (rng.chance(0.02)) groups.push(G_KEEP_FOREVER);
      band = rng.weighted(active ? BANDS.partner : BANDS.deactivated);
      tenureMax = 2000;
    } else {
      // acquired company, directory synchronised yesterday: last login not known, created = sync time
      culture = rng.chance(0.8) ? "us" : "eu";
      p = randomPerson(rng, culture);
      zone = ZONES.newyork;
      dir = ctx.hooliDir;
      name = takeName(NS_EMAIL + hooliIdx, P_DOT_ID[p], `${P_DOT[p]}@hooli.com`);
      email = name;
      groups = [rng.chance(0.8) ? G_SOFTWARE : G_CORE, G_HOOLI_STAFF];
      if (rng.chance(0.5)) groups.push(teamPick());
      band = "unknown";
    }

    // dates
    let createdMs, loginMs, loginNull = false;
    if (band === "newHire") {
      // half within the last 30 days, half older (30-150 days): the "new hire" exemption matters
      const days = rng.chance(0.5) ? rng.int(0, 29) : rng.int(30, 150);
      createdMs = instant(days, zone);
      loginNull = true;
    } else if (band === "unknown") {
      createdMs = C - DAY + 2 * 3_600_000 + rng.int(0, 3_600_000); // the sync, 2026-11-26 ~12:00Z by default
    } else if (band === null) {
      // never logged in, old account (provisioned but never used, or API-only)
      createdMs = instant(rng.int(31, 2000), zone);
      loginNull = true;
    } else {
      const [lo, hi] = band;
      const d = lo === 0 ? Math.floor(Math.pow(rng.next(), 2) * hi) : lo + Math.floor(rng.next() * (hi - lo));
      loginMs = instant(d, zone);
      const tenure = tenureMin + Math.floor(Math.pow(rng.next(), 1.3) * (tenureMax - tenureMin));
      createdMs = instant(d + tenure, zone);
      if (createdMs < JIRA_INSTALLED) createdMs = JIRA_INSTALLED + rng.int(0, 400) * DAY + rng.int(6, 16) * 3_600_000;
      if (createdMs > loginMs) createdMs = loginMs - rng.int(60_000, 3_600_000);
    }

    const style = styleFor(dir);
    const key = rng.chance(0.005) ? undefined : keyFor(name, createdMs);
    const alt = P_DISPLAY_ALT[p] !== null && rng.chance(0.4);
    const display = alt ? P_DISPLAY_ALT[p] : P_DISPLAY[p];
    const directory = rng.chance(0.01) ? undefined : dir;
    if (band !== "unknown" && rng.chance(0.01)) createdMs = undefined;
    const raw = new Raw(name, key, display, email, active, groups, directory, createdMs, loginNull ? null : loginMs, style, zone);
    raw.displayUtf8 = alt ? P_DISPLAY_ALT_UTF8[p] : P_DISPLAY_UTF8[p];
    yield raw;
  }
}

// Application roles in the Snapshot contract shape (Jira's /rest/api/2/applicationrole, reduced to the
// contract fields). userCount = active users in any of the role's groups; seats = the smallest licence
// tier at or above it; an unlimited role reports numberOfSeats -1, as Jira does.
function applicationRoles(ctx, roleUsed) {
  return roleDefs(ctx.kind).map((r, i) => ({
    key: r.key,
    name: r.name,
    groups: r.groups,
    numberOfSeats: r.unlimited ? -1 : tierFor(roleUsed[i]),
    userCount: roleUsed[i],
    hasUnlimitedSeats: r.unlimited,
  }));
}

function roleCounter(ctx) {
  const defs = roleDefs(ctx.kind).map((r) => new Set(r.groups.map((g) => g.toLowerCase())));
  const used = defs.map(() => 0);
  const maskOf = []; // group id -> bit mask of the roles it grants
  const add = (r) => { // r: a raw user (group ids)
    if (r.active !== true) return;
    let mask = 0;
    for (const id of r.groups) {
      let m = maskOf[id];
      if (m === undefined) {
        m = 0;
        defs.forEach((set, i) => { if (set.has(GROUP_NAMES[id].toLowerCase())) m |= 1 << i; });
        maskOf[id] = m;
      }
      mask |= m;
    }
    for (let i = 0; i < defs.length; i++) if (mask & (1 << i)) used[i]++;
  };
  return { add, used };
}

// ---------------------------------------------------------------------------------------------
// Byte encoder: writes the JSON of raw users straight into UTF-8 buffers, with no intermediate
// strings (dates are printed from epoch ms digit by digit; pooled display names are pre-encoded).
// The output is byte-identical to JSON.stringify of the contract objects (see samples/check.mjs).
// Generated strings come from fixed pools checked once to need no JSON escaping.

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
let poolsChecked = false;
function assertPoolsSafe(ctx) {
  if (poolsChecked) return;
  const all = [...P_DISPLAY, ...P_DISPLAY_ALT.filter(Boolean), ...P_DOT, ...P_LDAP, ...P_LDAP_CAP, ...DOMAINS, ...ctx.teams,
    ...DEPTS.map((d) => d[0]), ...Object.values(OFFICES).map((o) => o.group), ...PARTNERS.map((p) => p[0]),
    ...fixtures().flatMap((f) => [f.name, f.displayName, f.email ?? "", f.dir, ...f.groups]), LDAP, INTERNAL, HOOLI_DIR];
  for (const x of all) if (NEEDS_ESCAPE.test(x)) throw new Error(`pool string needs JSON escaping: ${x}`);
  poolsChecked = true;
}

const lit = (s) => Buffer.from(s, "utf8");
const L_NAME = lit('{"name":"'), L_KEY = lit('","key":"'), L_DISPLAY = lit('","displayName":"'), L_EMAIL = lit('","email":"');
const L_ACTIVE_T = lit('","active":true,"groups":['), L_ACTIVE_F = lit('","active":false,"groups":[');
const U_LDAP = lit(LDAP), U_INTERNAL = lit(INTERNAL);
const L_DIR = lit(',"directory":"'), L_CREATED = lit(',"created":"'), L_LOGIN = lit(',"lastLogin":"'), L_LOGIN_NULL = lit(',"lastLogin":null');

class Encoder {
  constructor(chunkSize) {
    this.chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize + 65_536); // one user is far below 64 KiB
    this.pos = 0;
  }
  take() {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkSize + 65_536);
    this.pos = 0;
    return out;
  }
  bytes(b) {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < b.length; i++) buf[pos++] = b[i];
    this.pos = pos;
  }
  ascii(s) { // any string; ASCII fast path, UTF-8 otherwise
    const buf = this.buf, n = s.length;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) { this.pos += buf.write(s, this.pos, "utf8"); return; }
      buf[pos++] = c;
    }
    this.pos = pos;
  }
  // One formatter for both paths (formatInstant): timestamps are short ASCII, so copying the
  // string costs little next to generating the record.
  instant(ms, style, zone) {
    this.ascii(formatInstant(ms, style, zone));
  }
  user(r) {
    this.bytes(L_NAME); this.ascii(r.name);
    if (r.key !== undefined) { this.bytes(L_KEY); this.ascii(r.key); }
    this.bytes(L_DISPLAY);
    if (r.displayUtf8 !== null) this.bytes(r.displayUtf8); else this.ascii(r.displayName);
    if (r.email !== undefined) { this.bytes(L_EMAIL); this.ascii(r.email); }
    this.bytes(r.active ? L_ACTIVE_T : L_ACTIVE_F);
    const g = r.groups;
    for (let i = 0; i < g.length; i++) {
      if (i > 0) this.buf[this.pos++] = 44; // ,
      this.bytes(GROUP_JSON[g[i]]);
    }
    this.buf[this.pos++] = 93; // ]
    if (r.directory !== undefined) {
      this.bytes(L_DIR);
      const d = r.directory;
      if (d === LDAP) this.bytes(U_LDAP); else if (d === INTERNAL) this.bytes(U_INTERNAL); else this.ascii(d);
      this.buf[this.pos++] = 34;
    }
    if (r.created !== undefined) { this.bytes(L_CREATED); this.instant(r.created, r.style, r.zone); this.buf[this.pos++] = 34; }
    if (r.login === null) this.bytes(L_LOGIN_NULL);
    else if (r.login !== undefined) { this.bytes(L_LOGIN); this.instant(r.login, r.style, r.zone); this.buf[this.pos++] = 34; }
    if (r.leads !== undefined) this.ascii(`,"leads":${JSON.stringify(r.leads)}`);
    if (r.openAssigned !== undefined) this.ascii(`,"openAssigned":${r.openAssigned}`);
    this.buf[this.pos++] = 125; // }
  }
}

const byName = (a, b) => {
  const x = a.name.toLowerCase(), y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Builds the whole snapshot in memory: `{ capturedAt, users, applicationRoles }`. */
export function generateSnapshot(opts = {}) {
  const ctx = makeContext(opts);
  const rc = roleCounter(ctx);
  const users = [];
  for (const r of ctx.kind === "sample" ? sampleRaw(ctx) : rawUsers(ctx)) { rc.add(r); users.push(toUser(r)); }
  return { capturedAt: ctx.capturedAt, users, applicationRoles: applicationRoles(ctx, rc.used) };
}

/**
 * Yields the snapshot as UTF-8 JSON in Buffer chunks of about `chunkSize` bytes (default 1 MiB),
 * one user per line. The sample is sorted by username (it is small); a synthetic snapshot streams
 * in generation order, so memory stays flat for any number of users.
 */
export function* snapshotChunks(opts = {}) {
  const ctx = makeContext(opts);
  const rc = roleCounter(ctx);
  assertPoolsSafe(ctx);
  const enc = new Encoder(opts.chunkSize ?? 1 << 20);
  enc.ascii(`{"capturedAt":${JSON.stringify(ctx.capturedAt)},"users":[\n`);
  const source = ctx.kind === "sample" ? sampleRaw(ctx) : rawUsers(ctx);
  let first = true;
  for (const r of source) {
    rc.add(r);
    if (!first) { enc.buf[enc.pos++] = 44; enc.buf[enc.pos++] = 10; } // ",\n"
    first = false;
    enc.user(r);
    if (enc.pos >= enc.chunkSize) yield enc.take();
  }
  const roles = applicationRoles(ctx, rc.used).map((r) => JSON.stringify(r)).join(",\n");
  enc.ascii(`\n],\n"applicationRoles":[\n${roles}\n]}\n`);
  yield enc.take();
}

/** The whole snapshot as JSON text (small snapshots only). */
export function snapshotText(opts = {}) {
  return Buffer.concat([...snapshotChunks(opts)]).toString("utf8");
}

/**
 * Streams the snapshot to `target` (a file path or a Writable) with backpressure.
 * Resolves to `{ users, bytes }`.
 */
export async function writeSnapshot(target, opts = {}) {
  const ownStream = typeof target === "string";
  const out = ownStream ? createWriteStream(target) : target;
  let bytes = 0;
  const ctx = makeContext(opts);
  const errored = new Promise((_, reject) => out.once("error", reject));
  errored.catch(() => {});
  for (const chunk of snapshotChunks({ ...opts, kind: ctx.kind })) {
    bytes += chunk.length;
    if (!out.write(chunk)) await Promise.race([new Promise((r) => out.once("drain", r)), errored]);
  }
  if (ownStream) await Promise.race([new Promise((r) => out.end(r)), errored]);
  return { users: ctx.total, bytes };
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: node samples/generate.mjs [options]

Writes a User Cleanup snapshot (docs/snapshot.md).

Options:
  --kind sample|synthetic   sample: the built-in ~${SAMPLE_USERS}-user sample (default)
                            synthetic: N users with the same populations, ~300 groups
  --users N                 number of users (synthetic default 10000; sample default ${SAMPLE_USERS})
  --seed N                  PRNG seed (sample default ${SAMPLE_SEED}, synthetic default ${DEFAULT_SYNTHETIC_SEED})
  --captured-at ISO         capturedAt; all dates are relative to it (default ${DEFAULT_CAPTURED_AT})
  --out FILE                write to FILE (streamed)
  --stdout                  write to standard output
  -h, --help                show this help

Examples:
  node samples/generate.mjs --kind sample --out samples/snapshot.json
  node samples/generate.mjs --kind synthetic --users 1000000 --seed 7 --out /tmp/s.json
`;

async function main(argv) {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        kind: { type: "string", default: "sample" },
        users: { type: "string" },
        seed: { type: "string" },
        "captured-at": { type: "string" },
        out: { type: "string" },
        stdout: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) { process.stdout.write(USAGE); return 0; }
  const num = (s, what) => {
    if (s === undefined) return undefined;
    if (!/^\d+(_\d+)*$/.test(s)) throw new Error(`${what} must be a non-negative integer, got ${s}`);
    return Number(s.replace(/_/g, ""));
  };
  let opts;
  try {
    opts = { kind: args.kind, users: num(args.users, "--users"), seed: num(args.seed, "--seed"), capturedAt: args["captured-at"] };
    makeContext(opts); // validate
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  if (!args.out && !args.stdout) { process.stderr.write(`give --out FILE or --stdout\n\n${USAGE}`); return 2; }
  const t0 = process.hrtime.bigint();
  const res = await writeSnapshot(args.stdout ? process.stdout : args.out, opts);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stderr.write(`${opts.kind}: ${res.users} users, ${res.bytes} bytes${args.out ? ` -> ${args.out}` : ""} in ${ms.toFixed(0)} ms\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`${e.stack}\n`); process.exitCode = 1; });
}
