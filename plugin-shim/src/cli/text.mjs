// Text for a terminal: strip what a hostile host could smuggle in (ANSI escapes, control and
// bidi characters), measure display width, truncate and pad.

// CSI (ESC [ ... final), OSC (ESC ] ... BEL | ESC \), DCS/SOS/PM/APC strings, two-byte ESC
// sequences, and the 8-bit CSI (0x9B).
const ESCAPES =
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -~]?|\x9b[0-?]*[ -/]*[@-~]?/g;
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// C0, DEL, C1, and the bidi controls that can reorder what a terminal shows ("Trojan Source").
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A host-provided value made safe to print on one line. */
export function sanitize(value) {
  if (value === null || value === undefined) return '';
  return String(value).replace(ESCAPES, '').replace(LINE_BREAKS, ' ').replace(CONTROLS, '');
}

/** Tagged template: every interpolated value is sanitized, the literal parts are kept. */
export function safe(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += sanitize(values[i]) + strings[i + 1];
  return out;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;

function isWide(cp) {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function charWidth(ch) {
  if (ZERO_WIDTH.test(ch)) return 0;
  return isWide(ch.codePointAt(0)) ? 2 : 1;
}

/** Columns a (sanitized, colourless) string takes in a terminal. */
export function displayWidth(s) {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** At most `width` columns; a cut string ends with "…". */
export function truncate(s, width) {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

export function pad(s, width, align = 'left') {
  const gap = Math.max(0, width - displayWidth(s));
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

/** "1 rule" / "3 rules". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function percent(share) {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
}

/** "2026-08-01T09:00:00Z" → "2026-08-01"; null → the fallback. */
export function day(instant, fallback = 'never') {
  if (instant === null) return fallback;
  if (instant === undefined) return 'unknown';
  return String(instant).slice(0, 10);
}
