// removableGroups: which groups a run under a policy was allowed to remove (docs/engine-api.md
// "removableGroups"). Undo and resume act only on these; expectations are worked out by hand from
// the policy below and the pattern rules of docs/matching.md.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { engine, policy, rule, ok, assertEnvelope } from '../golden/helpers.mjs';

const P = policy([
  rule('contractors-90d', { include: { groups: ['contractors'] }, inactiveDays: 90 }),
  rule('licence-180d', { inactiveDays: 180, action: { type: 'removeFromGroups', groups: ['jira-*-users', 'Confluence-Users'] } }),
  rule('teams-365d', { inactiveDays: 365, action: { type: 'removeFromGroups', groups: ['jira-software-*', 'ext-team'] } }),
  rule('look-30d', { action: { type: 'review' } }),
]);
const FALLBACK = 'application-role group (read-only fallback)';

describe('removableGroups', () => {
  test('a group is allowed by the first rule and pattern that match it, case-insensitively and whole-name', () => {
    const v = ok(engine.removableGroups(P, { groups: ['jira-software-users', 'JIRA-Core-Users', 'confluence-users', 'ext-team', 'jira-software-admins', 'ext-team-2', 'contractors', 'jira-users'] }));
    assert.deepEqual(v.groups, [
      { group: 'jira-software-users', allowed: true, by: 'rule licence-180d removes "jira-*-users"' },
      { group: 'JIRA-Core-Users', allowed: true, by: 'rule licence-180d removes "jira-*-users"' },
      { group: 'confluence-users', allowed: true, by: 'rule licence-180d removes "Confluence-Users"' },
      { group: 'ext-team', allowed: true, by: 'rule teams-365d removes "ext-team"' },
      { group: 'jira-software-admins', allowed: true, by: 'rule teams-365d removes "jira-software-*"' },
      // Patterns match whole names: ext-team does not allow ext-team-2.
      { group: 'ext-team-2', allowed: false },
      // A deactivate rule's include group is never removable.
      { group: 'contractors', allowed: false },
      // jira-*-users needs something between the dashes.
      { group: 'jira-users', allowed: false },
    ]);
  });

  test('application-role groups are allowed by the read-only fallback; a rule is named first', () => {
    const v = ok(engine.removableGroups(P, { groups: ['jira-users', 'staff', 'jira-core-users'], roleGroups: ['JIRA-USERS', 'jira-core-users'] }));
    assert.deepEqual(v.groups, [
      { group: 'jira-users', allowed: true, by: FALLBACK },
      { group: 'staff', allowed: false },
      { group: 'jira-core-users', allowed: true, by: 'rule licence-180d removes "jira-*-users"' },
    ]);
  });

  test('JSON text and objects give the same answer', () => {
    const input = { groups: ['jira-software-users', 'staff'], roleGroups: ['staff'] };
    assert.deepEqual(engine.removableGroups(JSON.stringify(P), JSON.stringify(input)), engine.removableGroups(P, input));
  });

  test('bad input is failure data with codes and paths, together with the policy problems', () => {
    const r = assertEnvelope(engine.removableGroups({ version: 1, rules: 'x' }, { groups: ['a', '', 3], roleGroup: [] }));
    assert.equal(r.type, 'failure');
    assert.deepEqual(r.errors.map((e) => [e.code, e.path, e.source]), [
      ['policy.invalidType', 'rules', 'policy'],
      ['input.invalid', 'roleGroup', 'input'],
      ['input.invalid', 'groups[1]', 'input'],
      ['input.invalid', 'groups[2]', 'input'],
    ]);
    for (const [input, path] of [[{}, 'groups'], [{ groups: 'g' }, 'groups'], [{ groups: [], roleGroups: {} }, 'roleGroups'], ['[]', ''], ['{', '']]) {
      const f = assertEnvelope(engine.removableGroups(P, input));
      assert.equal(f.type, 'failure', JSON.stringify(input));
      assert.deepEqual(f.errors.map((e) => e.path), [path], JSON.stringify(input));
    }
  });

  test('calling it wrongly throws a UserCleanupError', () => {
    assert.throws(() => engine.removableGroups(P, 42), { name: 'UserCleanupError', code: 'argument.invalid' });
  });
});
