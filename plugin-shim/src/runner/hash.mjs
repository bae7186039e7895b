// Canonical JSON and SHA-256 over Web Crypto (crypto.subtle), so this module runs unchanged in
// Node (>= 20, globalThis.crypto) and in the browser.

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped,
 * numbers and strings as JSON.stringify writes them. Two equal values always give the same text.
 */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** Web Crypto's SubtleCrypto (Node >= 20 and browsers). */
export function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('Web Crypto (crypto.subtle) is not available');
  return s;
}

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await subtle().digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
