// Injected faults: a seeded share of REST requests answer 500/502/503, are slow, or have their
// connection dropped. Deterministic: the outcome of the k-th request with a given method and URL
// depends only on (seed, method, URL, k), so concurrency does not change who fails, and a retry of
// the same request draws again.

const KINDS = [['500', 1], ['502', 1], ['503', 1], ['slow', 1], ['drop', 1]];

function hash32(str, seed) {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32)
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export class Faults {
  /**
   * @param {{share: number, seed?: number, kinds?: [string, number][], slowMs?: number, afterCommit?: boolean}} o
   *   afterCommit: a faulted mutation of kind drop/502 is applied before the failure (the client
   *   cannot tell it happened); off by default: faulted mutations are never applied.
   */
  constructor({ share = 0, seed = 1, kinds = KINDS, slowMs = 1500, afterCommit = false } = {}) {
    this.share = share;
    this.seed = seed >>> 0;
    this.kinds = kinds;
    this.total = kinds.reduce((s, [, w]) => s + w, 0);
    this.slowMs = slowMs;
    this.afterCommit = afterCommit;
    this.seen = new Map();
    this.injected = { 500: 0, 502: 0, 503: 0, slow: 0, drop: 0 };
  }

  /** null, or { kind: '500'|'502'|'503'|'slow'|'drop', afterCommit } for this request. */
  decide(method, url, mutation) {
    if (!(this.share > 0)) return null;
    const key = `${method} ${url}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    const h = hash32(`${key}#${n}`, this.seed);
    if (h / 4294967296 >= this.share) return null;
    const r = (hash32(`${key}#${n}#kind`, this.seed) / 4294967296) * this.total;
    let acc = 0, kind = this.kinds[this.kinds.length - 1][0];
    for (const [k, w] of this.kinds) {
      acc += w;
      if (r < acc) {
        kind = k;
        break;
      }
    }
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return { kind, afterCommit: Boolean(mutation && this.afterCommit && (kind === 'drop' || kind === '502')) };
  }
}
