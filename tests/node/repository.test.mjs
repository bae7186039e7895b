// The repository stands on its own: no tracked file points at files outside it (the notes the
// project started from are not shipped, so a reference to them is a dead end for a reader), and
// the map of the tree in README.md's "For contributors" names only paths that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Written split so that this file does not name them itself.
const OUTSIDE = ['DESIGN' + '.md', 'TOOLCHAIN' + '.md', 'shared' + '/reference', '..' + '/shared'];

const tracked = () => execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\0').filter(Boolean);

/** The first word of every unindented line of the code block under "## For contributors". */
export function mapPaths(readme) {
  const at = readme.indexOf('\n## For contributors');
  assert.ok(at >= 0, 'README.md has a "For contributors" section');
  const open = readme.indexOf('\n```', at);
  const close = readme.indexOf('\n```', open + 4);
  assert.ok(open > 0 && close > open, 'the section has a code block (the map of the tree)');
  return readme.slice(readme.indexOf('\n', open + 1) + 1, close).split('\n')
    .filter((line) => line.trim() && !/^\s/.test(line))
    .map((line) => line.split(/\s+/)[0]);
}

test('no tracked file refers to files outside the repository', { skip: !existsSync(join(ROOT, '.git')) && 'not a git checkout' }, () => {
  const found = [];
  for (const path of tracked()) {
    let text;
    try {
      text = readFileSync(join(ROOT, path));
    } catch {
      continue; // listed in the index but deleted in the working tree
    }
    if (text.includes(0)) continue; // binary
    const s = text.toString('utf8');
    for (const word of OUTSIDE) if (s.includes(word)) found.push(`${path}: ${word}`);
  }
  assert.deepEqual(found, []);
});

test('every path in the README\'s map of the tree exists', () => {
  const paths = mapPaths(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(paths.length >= 20, `the map names the tree (${paths.length} paths)`);
  const missing = paths.filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, [], 'paths named in README.md "For contributors" that do not exist');
});

test('the map covers every top-level folder tracked', { skip: !existsSync(join(ROOT, '.git')) && 'not a git checkout' }, () => {
  const named = new Set(mapPaths(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((p) => p.split('/')[0]));
  const folders = new Set(tracked().filter((p) => p.includes('/')).map((p) => p.split('/')[0]));
  assert.deepEqual([...folders].filter((f) => !named.has(f)).sort(), []);
});

test('the map check finds a missing path and ignores description lines', () => {
  const readme = '# x\n\n## For contributors\n\n```\nREADME.md   here\nno-such-dir/   gone\n              an indented line/ is prose\n```\n';
  const paths = mapPaths(readme);
  assert.deepEqual(paths, ['README.md', 'no-such-dir/']);
  assert.deepEqual(paths.filter((p) => !existsSync(join(ROOT, p))), ['no-such-dir/']);
});
