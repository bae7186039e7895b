// The grids' ordering (plugin-shim/app/vgrid.mjs): ordering a subset of rows from a column's order
// computed once (`columnOrder` + `orderSubset`, the Users view per filter change) gives exactly
// what sorting that subset does (`sortByKeys`): ascending, and descending with ties still in the
// rows' order — for text and number columns with many ties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnKeys, columnOrder, orderSubset, sortByKeys } from '../../plugin-shim/app/vgrid.mjs';

const rng = (seed) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

test('orderSubset over a column\u2019s order equals sorting the subset, both directions, with ties', () => {
  const r = rng(7);
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    name: `u${i}`,
    // Few distinct values: many ties, case differences sort as one key.
    team: ['Ops', 'ops', 'Dev', 'sales', ''][Math.floor(r() * 5)],
    days: r() < 0.1 ? undefined : Math.floor(r() * 40),
  }));
  const cols = [
    { key: 'team', get: (u) => u.team },
    { key: 'days', num: true, get: (u) => u.days ?? -1 },
  ];
  const cache = new Map();
  for (const col of cols) {
    const order = columnOrder(cache, col, rows);
    assert.equal(columnOrder(cache, col, rows), order, 'computed once per column');
    const keys = columnKeys(cache, col, rows);
    for (const share of [1, 0.5, 0.01, 0]) {
      const subset = [];
      for (let i = 0; i < rows.length; i++) if (share === 1 || r() < share) subset.push(i);
      const member = share === 1 ? null : new Uint8Array(rows.length);
      for (const i of subset) if (member) member[i] = 1;
      for (const dir of ['asc', 'desc']) {
        const want = sortByKeys([...subset], keys, col.num, dir);
        const got = orderSubset(order, keys, member, subset.length, dir);
        assert.ok(got instanceof Uint32Array);
        assert.deepEqual(Array.from(got), want, `${col.key} ${dir} ${share}`);
      }
    }
  }
});
