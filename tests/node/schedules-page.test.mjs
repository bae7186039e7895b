// The Schedules view's judgement of a daemon's heartbeat (read back from Jira: untrusted): alive
// while lastPoll is within 3 × pollSeconds, stale after; a malformed interval counts as the
// default 30 s, a malformed lastPoll as stale. And the "how long ago" words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveness, ago } from '../../plugin-shim/app/schedules.mjs';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const beat = (secondsAgo, pollSeconds = 30) => ({ daemonId: 'd', lastPoll: new Date(NOW - secondsAgo * 1000).toISOString(), pollSeconds });

test('alive within three poll intervals, stale after', () => {
  assert.equal(liveness(beat(0), NOW).alive, true);
  assert.equal(liveness(beat(90), NOW).alive, true, 'exactly 3 × 30 s');
  assert.equal(liveness(beat(91), NOW).alive, false);
  assert.equal(liveness(beat(29, 10), NOW).alive, true);
  assert.equal(liveness(beat(31, 10), NOW).alive, false);
  assert.equal(liveness(beat(600), NOW).age, 600_000);
});

test('untrusted heartbeats: a bad interval is the default, a bad lastPoll is stale', () => {
  for (const p of [0, -5, 'x', null, Infinity]) assert.equal(liveness(beat(80, p), NOW).poll, 30, String(p));
  assert.equal(liveness(beat(80, 'x'), NOW).alive, true);
  assert.equal(liveness(beat(100, 'x'), NOW).alive, false);
  for (const lastPoll of ['', 'yesterday', null, undefined, 42]) assert.equal(liveness({ lastPoll, pollSeconds: 30 }, NOW).alive, false, String(lastPoll));
  assert.equal(liveness(null, NOW).alive, false);
});

test('how long ago, in words', () => {
  assert.equal(ago(5_000), '5 s');
  assert.equal(ago(89_000), '89 s');
  assert.equal(ago(10 * 60_000), '10 min');
  assert.equal(ago(3 * 3_600_000 + 10 * 60_000), '3 h 10 min');
  assert.equal(ago(2 * 3_600_000), '2 h');
  assert.equal(ago(5 * 86_400_000), '5 days');
  assert.equal(ago(-1000), '0 s', 'a clock ahead of the viewer\u2019s is not negative');
  assert.equal(ago(NaN), 'unknown');
});

test('a lastPoll far in the future is not alive (a clock gone wrong or a forged value); a little skew is', () => {
  assert.equal(liveness(beat(-10), NOW).alive, true);
  assert.equal(liveness(beat(-3600), NOW).alive, false);
});
