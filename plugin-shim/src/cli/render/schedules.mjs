// The readable schedule list: per schedule, the next runs in UTC and in the schedule's own zone.
import { table } from '../table.mjs';
import { safe } from '../text.mjs';

/** "Mon 2026-11-30 03:00 UTC+01:00" in `timeZone`, or null when the zone is unknown to Intl. */
export function localTime(instant, timeZone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    }).formatToParts(new Date(instant));
  } catch {
    return null;
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const offset = p.timeZoneName === 'GMT' ? 'UTC+00:00' : p.timeZoneName.replace('GMT', 'UTC');
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${offset}`;
}

/**
 * @param {{schedules: Array<{id, next: string[], timezone?, cron?}>}} value  the engine's nextRuns value
 * @param {object} o  { from, fromSource, count, details: Map id → {timezone, cron, rules}, width, c }
 */
export function renderSchedules(value, { from, fromSource, count, details, width, c }) {
  const out = [];
  out.push(
    c.bold('Schedules') +
      safe` — the next ${count} runs after ${from}` +
      (fromSource === 'now' ? c.dim(' (the current time; pass --from to pin it)') : ''),
  );
  if (value.schedules.length === 0) {
    out.push('', '  the policy has no schedules');
    return out;
  }
  for (const s of value.schedules) {
    const d = details.get(s.id) ?? {};
    const zone = s.timezone ?? d.timezone;
    const cron = s.cron ?? d.cron;
    out.push('');
    out.push(
      c.bold(safe`${s.id}`) +
        (cron ? safe`  "${cron}"` : '') +
        (zone ? safe`  ${zone}` : '') +
        (d.rules?.length ? safe`  rules: ${d.rules.join(', ')}` : ''),
    );
    if (!s.next.length) {
      out.push('  no runs');
      continue;
    }
    out.push(
      ...table({
        columns: [
          { header: '#', align: 'right', shrink: false },
          { header: 'UTC', shrink: false },
          { header: `LOCAL (${zone ?? 'zone not known'})`, shrink: false },
        ],
        rows: s.next.map((t, i) => [i + 1, t, (zone && localTime(t, zone)) ?? '—']),
        width,
        c,
      }),
    );
  }
  return out;
}
