// The progress bar and counter of a run in the page (the Run view's policy run, the Users view's
// bulk operation): one look and one wording for "k of n · done · failed · skipped" in both.
import { h, num } from './dom.mjs';

/**
 * A progress bar over `total` items and its live counter line (id `counterId`).
 * `show(totals)` draws the executor's running totals ({done, failed, skipped}).
 */
export function progressMeter({ label, counterId, total }) {
  const fill = h('div', { class: 'uc-progress-fill' });
  const bar = h('div', { class: 'uc-progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': '0' }, fill);
  const counter = h('p', { class: 'uc-muted', id: counterId, 'aria-live': 'polite' });
  const show = (t) => {
    const k = t.done + t.failed + t.skipped;
    fill.style.width = `${(100 * k) / total}%`;
    bar.setAttribute('aria-valuenow', String(k));
    counter.textContent = `${num(k)} of ${num(total)} · done ${num(t.done)} · failed ${num(t.failed)} · skipped ${num(t.skipped)}`;
  };
  return { bar, counter, show };
}
