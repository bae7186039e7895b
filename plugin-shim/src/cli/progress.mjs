// Progress while a run executes: a redrawn bar on a terminal (stderr), else one plain line per outcome (stdout).
import { sanitize } from './text.mjs';

export function createProgress({ total, tty = false, stream, lines = process.stdout, width = 80 }) {
  let shown = 0;
  const start = Date.now();
  const bar = (t) => {
    const n = t.done + t.failed + t.skipped;
    const w = Math.max(10, Math.min(40, width - 60));
    const fill = total ? Math.round((n / total) * w) : w;
    return `\r[${'#'.repeat(fill)}${'-'.repeat(w - fill)}] ${n}/${total}  done ${t.done}  failed ${t.failed}  skipped ${t.skipped}  ${Math.round((Date.now() - start) / 1000)}s`;
  };
  return {
    outcome(rec, totals) {
      shown += 1;
      if (tty) {
        (stream ?? process.stderr).write(bar(totals));
      } else {
        const what = rec.fallback ? `${rec.action} (read-only fallback)` : rec.action;
        const groups = rec.effects?.groupsRemoved?.length ? ` [${rec.effects.groupsRemoved.join(', ')}]` : '';
        const why = rec.reason ? ` — ${rec.reason}` : '';
        lines.write(sanitize(`[${shown}/${total}] ${rec.status.padEnd(7)} ${rec.user} ${what}${groups}${why}`) + '\n');
      }
    },
    finish() {
      if (tty && shown) (stream ?? process.stderr).write('\n');
    },
  };
}
