// `./build.sh bench`: prints the benchmark table of the engine, native and WASM in Node, for
// 10k, 100k and 1M synthetic users (samples/generate.mjs, cached in .bench/), with the floor
// (JSON.parse of the same text), ratios, module size and peak memory. Numbers, not pass/fail.
//   node tests/bench/bench.mjs [--sizes 10000,100000,1000000] [--policy samples/policy.json]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeSnapshot } from '../../samples/generate.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    policy: { type: 'string', default: `${root}samples/policy.json` },
  },
});
const sizes = values.sizes.split(',').map(Number);
const cache = `${root}.bench`;
mkdirSync(cache, { recursive: true });

const native = `${root}target/bench-native/examples/bench`;
execFileSync('cargo', ['build', '-q', '--profile', 'bench-native', '--example', 'bench'], { cwd: root, stdio: 'inherit' });

const run = (cmd, args) => JSON.parse(execFileSync(cmd, args, { cwd: root, maxBuffer: 1 << 26 }).toString().trim().split('\n').pop());
const node = (mode, snap) =>
  run(process.execPath, ['--max-old-space-size=8192', `${root}tests/bench/worker.mjs`, mode, values.policy, snap]);

const wasmPath = `${root}pkg/node/user_cleanup_wasm_bg.wasm`;
const wasm = readFileSync(wasmPath);
console.log(`module: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} gzipped (goal <= 250 KB gzipped)`);
console.log(`machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}, load ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
console.log();

const rows = [];
for (const n of sizes) {
  const file = `${cache}/synthetic-${n}.json`;
  if (!existsSync(file)) await writeSnapshot(file, { kind: 'synthetic', users: n, seed: 7 });
  const bytes = statSync(file).size;
  const nat = run(native, [values.policy, file]);
  const parse = node('parse', file);
  const text = node('text', file);
  const obj = node('object', file);
  rows.push({
    users: n,
    MB: (bytes / 1e6).toFixed(0),
    actions: text.actions,
    'native ms': nat.planMs,
    'native ns/user': nat.planNsPerUser,
    'native peak MiB': nat.peakMiB,
    'JSON.parse ms': parse.ms,
    'wasm text ms': text.ms,
    'wasm object ms': obj.ms,
    'text/parse': (text.ms / parse.ms).toFixed(2),
    'object/parse': (obj.ms / parse.ms).toFixed(2),
    'wasm ns/user': Math.round((text.ms * 1e6) / n),
    'peak MiB text': text.maxRssMiB,
    'peak MiB object': obj.maxRssMiB,
  });
  console.table(rows.slice(-1));
}
console.log('\nall sizes:');
console.table(rows);
console.log('goal: wasm text/parse <= 2.00 at 1M users');
