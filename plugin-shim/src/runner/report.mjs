// Reading a verified trail: runs, their plans and outcomes, and the auditors' CSV (browser-safe).
import { toCsv } from './csv.mjs';

/** Runs by id: { started, planned, intents: Map(item → last intent), outcomes: Map(item → last outcome), finished, records }. */
export function indexRuns(records) {
  const runs = new Map();
  const get = (id) => {
    let r = runs.get(id);
    if (!r) {
      r = { id, started: null, planned: null, refused: null, finished: null, resumed: [], intents: new Map(), outcomes: new Map(), records: [] };
      runs.set(id, r);
    }
    return r;
  };
  for (const rec of records) {
    if (typeof rec.runId !== 'string') continue;
    const run = get(rec.runId);
    run.records.push(rec);
    switch (rec.type) {
      case 'runStarted':
      case 'undoStarted':
        run.started = rec;
        break;
      case 'planned':
        run.planned = rec;
        break;
      case 'runRefused':
        run.refused = rec;
        break;
      case 'runResumed':
        run.resumed.push(rec);
        break;
      case 'intent':
        run.intents.set(rec.item, rec);
        break;
      case 'outcome':
        run.outcomes.set(rec.item, rec);
        break;
      case 'runFinished':
      case 'undoFinished':
        run.finished = rec;
        break;
      default:
    }
  }
  return runs;
}

export const CSV_HEADER = [
  'run_id', 'kind', 'ran_by', 'operator', 'run_started', 'policy_sha256', 'schedule', 'jira',
  'user', 'action', 'groups', 'rule', 'reason', 'outcome', 'host_reason', 'fallback', 'recorded_at',
];

/** One row per planned user (with the final outcome), per protected user, and per undo action. */
export function csvRows(records) {
  const rows = [];
  for (const run of indexRuns(records).values()) {
    const s = run.started ?? run.refused;
    if (!s) continue;
    const kind = s.type === 'undoStarted' ? `undo of ${s.undoOf}` : s.type === 'runRefused' ? 'refused run' : 'run';
    const head = [run.id, kind, s.who?.actor, s.who?.operator, s.at, s.policy?.hash, s.schedule, s.jira];
    if (s.type === 'runRefused') {
      rows.push([...head, '', '', '', '', s.message, 'refused', '', '', s.at]);
      continue;
    }
    const items = run.planned?.items ?? [];
    for (const item of items) {
      const o = run.outcomes.get(item.i);
      const reason = (item.reasons ?? []).join('; ');
      if (item.action === 'review') {
        rows.push([...head, item.user, 'review', '', item.rule, reason, 'review (listed, not actioned)', '', '', run.planned.at]);
        continue;
      }
      const intent = run.intents.get(item.i);
      const action = o?.action ?? intent?.action ?? item.action;
      const groups = o?.effects?.groupsRemoved ?? o?.effects?.groupsAdded ?? intent?.groups ?? item.groups ?? [];
      const outcome = o ? o.status + (o.resumed ? ' (on resume)' : '') : intent ? 'unknown (interrupted after intent)' : 'not started';
      rows.push([...head, item.user, action, groups, item.rule, reason, outcome, o?.reason ?? '', o?.fallback ? 'yes' : '', o?.at ?? '']);
    }
    for (const p of run.planned?.protected ?? []) {
      rows.push([...head, p.user, '', '', p.rule, p.reason, 'skipped (protected)', '', '', run.planned.at]);
    }
  }
  return rows;
}

export function trailCsv(records) {
  return toCsv(CSV_HEADER, csvRows(records));
}
