// What the commands that change Jira (run, undo, daemon) share: connecting with progress, the
// preview, the prompt, the bar, their flags.
import { UsageError } from './errors.mjs';
import { wholeNumber } from './args.mjs';
import { parseQuietly } from './io.mjs';
import { renderPlan } from './render/plan.mjs';
import { sanitize } from './text.mjs';
import { confirmCount } from './confirm.mjs';
import { createProgress } from './progress.mjs';
import { connectJira } from '../runner/connect.mjs';
import { READONLY_FALLBACKS } from '../runner/items.mjs';

export const DEFAULT_AUDIT = 'user-cleanup-audit.jsonl';

export function stdio(ctx) {
  return { stdout: ctx.stdout ?? process.stdout, stderr: ctx.stderr ?? process.stderr, stdin: ctx.stdin ?? process.stdin };
}

/** Connects to --jira; on a terminal, shows what the host adapter reports while reading. */
export async function connect(ctx, url) {
  const { stderr } = stdio(ctx);
  const tty = Boolean(stderr.isTTY);
  let drawn = false;
  const onProgress = tty
    ? (p) => {
        if (!p || typeof p !== 'object') return;
        const what = String(p.phase ?? p.step ?? 'reading');
        const n = p.done ?? p.count ?? p.users ?? '';
        const t = p.total ? `/${p.total}` : '';
        stderr.write(`\r\x1b[2K${sanitize(what)} ${sanitize(n)}${t}`);
        drawn = true;
      }
    : undefined;
  const res = await connectJira({ url, env: ctx.env, onProgress });
  res.doneReading = () => {
    if (drawn) stderr.write('\r\x1b[2K');
  };
  return res;
}

export function readonlyFallback(values, command) {
  const v = values['readonly-fallback'];
  if (v === undefined) return undefined;
  if (!READONLY_FALLBACKS.includes(v)) throw new UsageError(`--readonly-fallback must be ${READONLY_FALLBACKS.join(' or ')}, got ${JSON.stringify(v)}`, command);
  return v;
}

export function concurrency(values, command) {
  const n = wholeNumber(values.concurrency, 'concurrency', command, { min: 1 });
  if (n !== undefined && n > 32) throw new UsageError('--concurrency is at most 32', command);
  return n;
}

export function showPlan(ctx, plan, { policyText, asOfSource, limit }) {
  const ruleOrder = (parseQuietly(policyText)?.rules ?? []).map((r) => r?.id).filter((id) => typeof id === 'string');
  ctx.io.out(...renderPlan(plan, { asOfSource, ruleOrder, limit, width: ctx.width, c: ctx.c }));
  ctx.io.flush();
}

export function confirmer(ctx, yes, what) {
  const { stdin, stderr } = stdio(ctx);
  return async (count) => {
    ctx.io.flush();
    await confirmCount({ count, yes, stdin, prompt: stderr, what });
  };
}

export function progressFactory(ctx) {
  const { stdout, stderr } = stdio(ctx);
  return (total) => {
    ctx.io.flush();
    return createProgress({ total, tty: Boolean(stderr.isTTY), stream: stderr, lines: stdout, width: ctx.width });
  };
}

/**
 * Runs `fn(signal, confirmed)` with Ctrl-C as Stop once the run is confirmed: the first SIGINT
 * then stops it the way the page's Stop button does (requests in flight finish and are recorded,
 * nothing new starts, the run is closed with runStopped); a second one ends the process at once.
 * Before that (reading Jira, at the prompt) Ctrl-C quits as usual: nothing has been changed.
 * `confirmed(confirm)` wraps the confirmation so that Stop is armed only after it.
 */
export async function withStop(ctx, fn) {
  const { stderr } = stdio(ctx);
  const controller = new AbortController();
  const stop = () => {
    stderr.write('\nStopping: requests already sent finish and are recorded, nothing new starts (Ctrl-C again quits at once).\n');
    controller.abort();
  };
  const arm = () => process.once('SIGINT', stop);
  const disarm = () => process.off('SIGINT', stop);
  const confirmed = (confirm) => async (count) => {
    disarm();
    await confirm(count);
    arm();
  };
  try {
    return await fn(controller.signal, confirmed);
  } finally {
    disarm();
  }
}
