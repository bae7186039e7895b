// Undo (browser-safe): what a run changed and may be restored, and restoring it. Used by the Node
// runner (`undo`, undo.mjs) and the admin page's History view. The trail is untrusted: undo
// restores only what the run announced before doing it and what its own policy allowed
// (bounds.mjs); anything else is refused and reported as tampering.
import { indexRuns } from './report.mjs';
import { lc, hasGroup } from './names.mjs';
import { newRunId } from './run-id.mjs';
import { storedPolicy, removable, bulkBounds } from './bounds.mjs';

/**
 * What a run recorded it changed, per user, bounded by what it recorded it was about to do: an
 * effect counts only when an intent of the same item announced it (a deactivation after a
 * `deactivate` intent of a deactivate item; a removed group named by a `removeFromGroups` intent
 * of that item, or of a deactivate item's read-only fallback). Anything else is refused as
 * tampering. Minus what earlier undos of the run restored. null when there is no such run.
 * → {run, changes: [{user, rule, reactivate, groups, fallbackGroups}], refused: [{user, group?, reason, code}]}
 */
function recorded(records, runId, onlyUser) {
  const runs = indexRuns(records);
  const run = runs.get(runId);
  if (!run?.started || run.started.type !== 'runStarted') return null;
  const items = new Map((run.planned?.items ?? []).map((it) => [it?.i, it]));
  const intents = new Map();
  for (const r of run.records) {
    if (r.type !== 'intent') continue;
    if (!intents.has(r.item)) intents.set(r.item, []);
    intents.get(r.item).push(r);
  }
  const changes = new Map();
  const refused = [];
  for (const o of run.outcomes.values()) {
    if (onlyUser !== undefined && lc(o.user) !== lc(onlyUser)) continue;
    const e = o.effects ?? {};
    const groups = Array.isArray(e.groupsRemoved) ? e.groupsRemoved : [];
    const added = Array.isArray(e.groupsAdded) ? e.groupsAdded : [];
    const handoverSaid = Array.isArray(e.projectsHandedOver) && e.projectsHandedOver.length > 0;
    if (!e.deactivated && !e.reactivated && groups.length === 0 && added.length === 0 && !handoverSaid) continue;
    const item = items.get(o.item);
    if (!item || lc(item.user) !== lc(o.user)) {
      refused.push({ user: o.user, reason: `the outcome names item ${o.item}, which the run did not plan for ${o.user}`, code: 'tampered.notPlanned' });
      continue;
    }
    const said = intents.get(o.item) ?? [];
    const c = { user: o.user, ...(item.key != null ? { key: item.key } : {}), rule: o.rule, reactivate: false, groups: [], fallbackGroups: [], leads: null, deactivate: false, removeGroups: [] };
    // A bulk run's reactivation and added groups (bulk.mjs) are undone by deactivating again and
    // removing the groups, under the same rule: only what an intent of that item announced.
    if (e.reactivated) {
      if (item.action === 'reactivate' && said.some((x) => x.action === 'reactivate')) c.deactivate = true;
      else refused.push({ user: o.user, reason: 'the trail says the run reactivated this user, but the run never planned and announced that', code: 'tampered.notIntended' });
    }
    for (const g of added) {
      if (item.action === 'addToGroups' && hasGroup(item.groups, g) && said.some((x) => x.action === 'addToGroups' && hasGroup(x.groups, g))) c.removeGroups.push(g);
      else refused.push({ user: o.user, group: g, reason: `the trail says the run added ${o.user} to ${g}, but the run never planned and announced that`, code: 'tampered.notIntended' });
    }
    if (e.deactivated) {
      if (item.action === 'deactivate' && said.some((x) => x.action === 'deactivate')) c.reactivate = true;
      else refused.push({ user: o.user, reason: 'the trail says the run deactivated this user, but the run never planned and announced that', code: 'tampered.notIntended' });
    }
    const handed = handedOver(o, item, said, refused);
    if (handed) c.leads = handed;
    for (const g of groups) {
      const own = item.action === 'removeFromGroups' && hasGroup(item.groups, g) && said.some((x) => x.action === 'removeFromGroups' && !x.fallback && hasGroup(x.groups, g));
      const fallback = item.action === 'deactivate' && said.some((x) => x.action === 'removeFromGroups' && x.fallback && hasGroup(x.groups, g));
      if (own) c.groups.push(g);
      else if (fallback) c.fallbackGroups.push(g);
      else refused.push({ user: o.user, group: g, reason: `the trail says the run removed ${o.user} from ${g}, but the run never planned and announced that`, code: 'tampered.notIntended' });
    }
    changes.set(lc(o.user), c);
  }
  for (const u of runs.values()) {
    if (u.started?.type !== 'undoStarted' || u.started.undoOf !== runId) continue;
    for (const o of u.outcomes.values()) {
      const c = changes.get(lc(o.user));
      if (!c || !o.effects) continue;
      if (o.effects.reactivated) c.reactivate = false;
      if (o.effects.deactivated) c.deactivate = false;
      c.removeGroups = c.removeGroups.filter((g) => !hasGroup(o.effects.groupsRemoved, g));
      // A project an undo found led by someone else was reported and left: settled, not retried.
      if (c.leads && (Array.isArray(o.effects.leadsRestored) || Array.isArray(o.effects.leadsLeft))) {
        const back = new Set([...(o.effects.leadsRestored ?? []), ...(o.effects.leadsLeft ?? []).map((l) => l?.project)].map(String));
        c.leads = { ...c.leads, projects: c.leads.projects.filter((k) => !back.has(k)) };
      }
      c.groups = c.groups.filter((g) => !hasGroup(o.effects.groupsAdded, g));
      c.fallbackGroups = c.fallbackGroups.filter((g) => !hasGroup(o.effects.groupsAdded, g));
    }
  }
  return { run, changes: [...changes.values()], refused };
}

/**
 * The projects a deactivation handed over that undo may give back: `{projectLead, projects}` or
 * null. Only projects the run's plan listed for this item (`item.handover`, fixed before any write)
 * AND its intent announced, to the same hand-over user; an outcome naming others is tampering. A
 * resumed outcome (the process died between the hand-over and its outcome) records no hand-over
 * of its own: then the announced projects are the candidates — undo still gives a project back
 * only while Jira shows the hand-over user as its lead.
 */
function handedOver(o, item, said, refused) {
  const e = o.effects ?? {};
  const planned = item.action === 'deactivate' && item.handover && typeof item.handover.projectLead === 'string' && Array.isArray(item.handover.projects) ? item.handover : null;
  const announced = said.filter((x) => x.action === 'deactivate' && x.handover && Array.isArray(x.handover.projects));
  const listed = (key, lead) => planned && lc(planned.projectLead) === lc(lead) && planned.projects.includes(key)
    && announced.some((x) => lc(x.handover.projectLead) === lc(lead) && x.handover.projects.includes(key));
  let projects;
  let lead;
  if (Array.isArray(e.projectsHandedOver) && e.projectsHandedOver.length) {
    lead = e.projectLead;
    projects = [];
    for (const key of e.projectsHandedOver) {
      if (typeof key === 'string' && typeof lead === 'string' && listed(key, lead)) projects.push(key);
      else refused.push({ user: o.user, project: String(key), reason: `the trail says the run handed project ${key} over to ${lead}, but the run's plan never listed and announced that`, code: 'tampered.notIntended' });
    }
  } else if (o.resumed && e.deactivated && planned) {
    lead = planned.projectLead;
    projects = planned.projects.filter((key) => typeof key === 'string' && listed(key, lead));
  } else return null;
  return projects.length ? { projectLead: lead, projects } : null;
}

const publicChange = (c) => ({ user: c.user, ...(c.key != null ? { key: c.key } : {}), rule: c.rule, reactivate: c.reactivate, groups: [...c.groups, ...c.fallbackGroups], ...(c.leads?.projects.length ? { leads: { projectLead: c.leads.projectLead, projects: [...c.leads.projects] } } : {}),
  // Only for bulk runs (absent otherwise, so a policy run's changes keep their shape).
  ...(c.deactivate ? { deactivate: true } : {}), ...(c.removeGroups?.length ? { removeGroups: [...c.removeGroups] } : {}) });
const pending = (c) => c.reactivate || c.groups.length || c.fallbackGroups.length || c.leads?.projects.length || c.deactivate || c.removeGroups?.length;

/**
 * What a run changed per user and may be restored, bounded by its intents only (no engine): the
 * History view's summary. Restoring goes through undoPlan(), which also checks the run's policy.
 * null when there is no such run.
 */
export function undoable(records, runId, onlyUser) {
  const r = recorded(records, runId, onlyUser);
  return r && r.changes.filter(pending).map(publicChange);
}

/**
 * What undo may restore of a run: only effects whose intent the run recorded (see recorded()), and
 * whose groups the run's stored policy allows it to remove (the engine's removableGroups; the
 * read-only fallback's groups against the run's application-role groups). A stored policy that is
 * missing or does not match its hash refuses everything. Async (the policy hash).
 * @returns {Promise<{changes: [{user, rule, reactivate, groups}], refused: [{user, group?, reason, code}]} | null>}
 */
export async function undoPlan(records, runId, { user, engine } = {}) {
  const r = recorded(records, runId, user);
  if (!r) return null;
  const todo = r.changes.filter(pending);
  const refused = [...r.refused];
  const policy = await storedPolicy(r.run.started);
  if (!policy.ok) {
    for (const c of todo) refused.push({ user: c.user, reason: policy.message, code: policy.code });
    return { changes: [], refused };
  }
  // A bulk run is bounded by the operation it recorded (its groups), not by its policy's rules.
  const bulk = r.run.started.bulk ? bulkBounds(r.run.started) : null;
  if (bulk && !bulk.ok) {
    for (const c of todo) refused.push({ user: c.user, reason: bulk.message, code: bulk.code });
    return { changes: [], refused };
  }
  const inOperation = (list) => new Map(list.map((g) => [lc(g), { allowed: hasGroup(bulk.groups, g) }]));
  const own = bulk ? inOperation([...new Set(todo.flatMap((c) => [...c.groups, ...c.removeGroups]))]) : removable(engine, policy.text, [...new Set(todo.flatMap((c) => c.groups))], []);
  const fallback = removable(engine, policy.text, [...new Set(todo.flatMap((c) => c.fallbackGroups))], r.run.planned?.roleGroups ?? []);
  // storedPolicy() checked the text against its hash and that it parses.
  const handoverUser = typeof JSON.parse(policy.text)?.handover?.projectLead === 'string' ? JSON.parse(policy.text).handover.projectLead : null;
  const changes = [];
  for (const c of todo) {
    const keep = (allowed) => (g) => {
      if (allowed.get(lc(g))?.allowed) return true;
      refused.push({ user: c.user, group: g, reason: `the run's policy does not allow removing ${g}, so the run cannot have removed it`, code: 'tampered.notAllowed' });
      return false;
    };
    const ok = { ...c, groups: c.groups.filter(keep(own)), fallbackGroups: c.fallbackGroups.filter(keep(fallback)), removeGroups: c.removeGroups.filter(keep(own)) };
    if (bulk && !bulk.users.has(lc(c.user))) {
      refused.push({ user: c.user, reason: `the bulk run did not list ${c.user} among its users`, code: 'tampered.notPlanned' });
      continue;
    }
    // A hand-over only to the user the run's own policy named (handover.projectLead).
    if (ok.leads && lc(ok.leads.projectLead) !== lc(handoverUser ?? '')) {
      for (const key of ok.leads.projects) refused.push({ user: c.user, project: key, reason: `the run's policy names ${handoverUser ? `${handoverUser}, not ${ok.leads.projectLead},` : 'no hand-over user'} as the hand-over user, so the run cannot have handed project ${key} over to ${ok.leads.projectLead}`, code: 'tampered.notAllowed' });
      ok.leads = null;
    }
    if (pending(ok)) changes.push(publicChange(ok));
  }
  return { changes, refused };
}

/**
 * Which handed-over projects to give back: `give` (Jira still shows the hand-over user as lead),
 * `already` (the user leads it again), `left` [{project, lead}] (someone changed the lead since the
 * run, or the project is gone: not overwritten, reported), `observed` (project → lead now).
 */
function leadsNow(projects, user, { projectLead, projects: keys }) {
  const byKey = new Map((projects ?? []).map((p) => [String(p.key), p.lead ?? null]));
  const out = { give: [], already: [], left: [], observed: {} };
  for (const key of keys) {
    const lead = byKey.has(key) ? byKey.get(key) : undefined;
    out.observed[key] = lead === undefined ? 'no such project' : lead;
    if (lead === undefined) out.left.push({ project: key, lead: null, reason: 'no such project now' });
    else if (lead != null && lc(lead) === lc(user)) out.already.push(key);
    else if (lead != null && lc(lead) === lc(projectLead)) out.give.push(key);
    else out.left.push({ project: key, lead });
  }
  return out;
}

function leftReason(left, projectLead) {
  return left.map((l) => (l.lead === null ? `project ${l.project} no longer exists` : `project ${l.project} is now led by ${l.lead}, not ${projectLead}: changed since the run, left as it is`)).join('; ');
}

async function safeCall(call) {
  try {
    const r = await call();
    return r ?? { ok: false, reason: 'no answer' };
  } catch (e) {
    return { ok: false, code: e?.code, reason: e?.message ?? String(e) };
  }
}

/**
 * Undoes (part of) a run recorded in `trail`: reactivates and re-adds groups, only where Jira still
 * shows the change, and only to the same account (a user whose key changed — renamed, and the name
 * reused — is skipped). Writes undoStarted, planned, intent/outcome per user, undoFinished.
 * `todo` is undoPlan()'s `changes`; returns {undoId, totals, exitCode}.
 */
export async function undoItems({ host, trail, runId, todo, user, who, jira, onOutcome }) {
  const undoId = newRunId(new Date(), 'undo');
  await trail.append({ type: 'undoStarted', runId: undoId, undoOf: runId, who, jira, ...(user !== undefined ? { user } : {}) });
  const items = todo.map((c, k) => ({ i: k + 1, user: c.user, ...(c.key != null ? { key: c.key } : {}), action: 'undo', rule: c.rule, reactivate: c.reactivate, groups: c.groups, ...(c.leads ? { leads: c.leads } : {}),
    ...(c.deactivate ? { deactivate: true } : {}), ...(c.removeGroups?.length ? { removeGroups: c.removeGroups } : {}), reasons: [`undo of ${runId}`] }));
  await trail.append({ type: 'planned', runId: undoId, items, protected: [] });
  const totals = { done: 0, failed: 0, skipped: 0 };
  for (const item of items) {
    const rec = (type, fields) => trail.append({ type, runId: undoId, item: item.i, user: item.user, rule: item.rule, ...fields });
    let out;
    let current;
    try {
      current = await host.getUser(item.user);
    } catch (e) {
      out = { status: 'failed', reason: `could not read the user: ${e.message}` };
    }
    if (!out && !current) out = { status: 'skipped', reason: 'vanished: the user no longer exists in Jira' };
    // The same account, or nothing: the run recorded the key of the account it changed, so a read
    // with another key is another account (renamed, the name reused), and a read WITHOUT a key
    // cannot be told to be the same one — refused, as decide refuses it (decide.identityChanged).
    if (!out && item.key != null && current.key == null) {
      out = { status: 'skipped', code: 'runner.identityChanged', reason: `not provably the same account: the run changed the account with the key ${item.key}, but ${item.user} was read without a key: it cannot be told to be the same account` };
    }
    if (!out && item.key != null && String(current.key) !== String(item.key)) {
      out = { status: 'skipped', code: 'runner.identityChanged', reason: `not the same account: ${item.user} now has the key ${current.key}, the run changed the account with the key ${item.key}` };
    }
    // The projects handed over: who leads them now (one read, only for a user with a hand-over).
    let leads = null;
    if (!out && item.leads) {
      try {
        leads = leadsNow(await host.projectLeads(), item.user, item.leads);
      } catch (e) {
        out = { status: 'failed', reason: `could not read the project leads: ${e.message}` };
      }
    }
    if (!out) {
      const reactivate = item.reactivate && current.active === false;
      const groups = item.groups.filter((g) => !hasGroup(current.groups, g));
      const give = leads?.give ?? [];
      // Undoing a bulk reactivation / addition: deactivate again, remove the groups still held.
      const deactivate = Boolean(item.deactivate) && current.active === true;
      const removeGroups = (item.removeGroups ?? []).filter((g) => hasGroup(current.groups, g));
      const action = [reactivate ? 'reactivate' : null, groups.length ? 'addToGroups' : null, give.length ? 'setProjectLeads' : null,
        removeGroups.length ? 'removeFromGroups' : null, deactivate ? 'deactivate' : null].filter(Boolean).join('+') || 'none';
      const bulkDone = { ...(item.deactivate ? { deactivated: !deactivate } : {}), ...(item.removeGroups ? { groupsRemoved: item.removeGroups.filter((g) => !hasGroup(current.groups, g)) } : {}) };
      const leftNote = leads?.left.length ? leftReason(leads.left, item.leads.projectLead) : null;
      const leadEffects = leads ? { leadsRestored: [...leads.already], ...(leads.left.length ? { leadsLeft: leads.left } : {}) } : {};
      if (action === 'none') {
        out = { action, status: 'skipped', reason: ['already restored', leftNote].filter(Boolean).join('; '), effects: { reactivated: item.reactivate, groupsAdded: item.groups, ...leadEffects, ...bulkDone } };
      } else {
        await rec('intent', { action, groups, reactivate, ...(item.deactivate || item.removeGroups ? { deactivate, removeGroups } : {}), ...(give.length ? { projectLeads: { user: item.user, from: item.leads.projectLead, projects: give } } : {}), observed: { active: current.active, groups: current.groups, ...(leads ? { leads: leads.observed } : {}) } });
        const effects = { reactivated: false, groupsAdded: item.groups.filter((g) => hasGroup(current.groups, g)), ...leadEffects, ...bulkDone };
        let failure = null;
        for (const g of removeGroups) {
          const r = await safeCall(() => host.removeFromGroup(item.user, g));
          if (r.ok) effects.groupsRemoved.push(g);
          else {
            failure = `removing from ${g}: ${r.reason}`;
            break;
          }
        }
        if (deactivate && !failure) {
          const r = await safeCall(() => host.deactivate(item.user));
          if (r.ok) effects.deactivated = true;
          else failure = `deactivating: ${r.reason}`;
        }
        if (reactivate) {
          const r = await safeCall(() => host.reactivate(item.user));
          if (r.ok) effects.reactivated = true;
          else failure = `reactivating: ${r.reason}`;
        } else if (item.reactivate) effects.reactivated = true;
        for (const g of failure ? [] : groups) {
          const r = await safeCall(() => host.addToGroup(item.user, g));
          if (r.ok) effects.groupsAdded.push(g);
          else {
            failure = `adding to ${g}: ${r.reason}`;
            break;
          }
        }
        // The user leads again only once active (Jira wants an active lead), project by project.
        for (const key of failure ? [] : give) {
          const r = await safeCall(() => host.setProjectLead(key, item.user));
          if (r.ok) effects.leadsRestored.push(key);
          else {
            failure = `making ${item.user} the lead of ${key} again: ${r.reason}`;
            break;
          }
        }
        out = failure ? { action, status: 'failed', reason: [failure, leftNote].filter(Boolean).join('; '), effects } : { action, status: 'done', ...(leftNote ? { reason: leftNote } : {}), effects };
      }
    }
    const written = await rec('outcome', { action: 'undo', ...out });
    totals[out.status] += 1;
    onOutcome?.(written, totals);
  }
  const exitCode = totals.failed ? 4 : 0;
  await trail.append({ type: 'undoFinished', runId: undoId, totals, exitCode });
  return { undoId, totals, exitCode };
}

