// Warn before acting (docs/matching.md M16) through the WebAssembly build: `warnings`, and `plan`
// and `decide` with the record of warnings sent. Expectations are worked out by hand from the
// clause; the lifecycle is driven with a fake clock (`asOf`), as a daemon would run day after day.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { engine } from '../golden/helpers.mjs';
import { checkTemplate, renderTemplate, warningValues, PLACEHOLDERS } from '../../plugin-shim/src/mail/render.mjs';

const DAY = 86_400_000;
const T0 = '2026-11-29T03:00:00Z';
const at = (base, days) => new Date(Date.parse(base) + days * DAY).toISOString().replace('.000Z', 'Z');

const POLICY = {
  version: 1,
  limits: { maxActionsPerRun: 10 },
  protect: { users: ['boss'] },
  notify: { admins: ['ops@acme.com'], contact: 'help@acme.com' },
  rules: [
    { id: 'idle-90d', description: 'No login for 90 days', inactiveDays: 90, action: { type: 'deactivate' }, warn: { daysBefore: 14, template: 'idle' } },
    { id: 'look-30d', inactiveDays: 30, action: { type: 'review' } },
  ],
  templates: [{
    id: 'idle',
    subject: 'Your Jira account will be {{actionWords}} on or after {{actionDate}}',
    body: 'Hello {{displayName}},\n\n{{username}}: {{ruleDescription}}. Questions: {{contact}}',
  }],
};

const u = (name, lastLogin, extra = {}) => ({ name, displayName: name.toUpperCase(), email: `${name}@acme.com`, active: true, groups: ['jira-software-users'], lastLogin, ...extra });
const SNAPSHOT = {
  users: [
    u('ann', '2026-08-01T00:00:00Z'),            // selected (120 days)
    u('bob', '2026-09-10T00:00:00Z'),            // crosses 90 days on 2026-12-09: within 14 days
    u('boss', '2020-01-01T00:00:00Z'),           // protected
    u('cy', '2026-11-20T00:00:00Z'),             // recent
    u('dee', '2026-06-01T00:00:00Z', { email: undefined }), // selected, no email
  ],
  applicationRoles: [{ key: 'jira-software', groups: ['jira-software-users'], numberOfSeats: 10 }],
};

function ok(r) {
  assert.equal(r.type, 'success', JSON.stringify(r.errors ?? r));
  return r.value;
}
const byUser = (list) => Object.fromEntries(list.map((x) => [x.user, x]));

describe('warnings', () => {
  test('day 0: selected and upcoming users are warned now, with the action date and the words', () => {
    const w = ok(engine.warnings(POLICY, SNAPSHOT, { asOf: T0 }));
    assert.deepEqual(w.users.map((x) => [x.user, x.state, x.selected]), [['ann', 'warn', true], ['bob', 'warn', false], ['dee', 'warn', true]]);
    assert.deepEqual(w.counts, { warn: 3, wait: 0, act: 0, upcoming: 1 });
    const { ann, bob, dee } = byUser(w.users);
    assert.equal(ann.actionDate, '2026-12-13T03:00:00Z');
    assert.equal(ann.reason, 'not warned yet: warning now, action on or after 2026-12-13');
    assert.equal(ann.template, 'idle');
    assert.equal(ann.ruleDescription, 'No login for 90 days');
    assert.equal(bob.selectedFrom, '2026-12-09T00:00:00Z');
    assert.equal(bob.reason, 'selected from 2026-12-09; not warned yet: warning now, action on or after 2026-12-13');
    assert.equal(dee.email, null, 'a user without email is listed (the sender reports it)');
  });

  test('14 days later: warned users with no login since are acted on; a user who logged in is not, and is warned again only when selected again', () => {
    // Day 0: warn everyone the engine lists, and record it.
    const day0 = ok(engine.warnings(POLICY, SNAPSHOT, { asOf: T0 }));
    const sent = day0.users.filter((x) => x.state === 'warn').map((x) => ({ user: x.user, rule: x.rule, sentAt: T0 }));
    // Day 3: ann logs in.
    const later = structuredClone(SNAPSHOT);
    later.users.find((x) => x.name === 'ann').lastLogin = at(T0, 3);

    // Day 7: nobody may be acted on yet; everyone warned waits.
    const day7 = ok(engine.warnings(POLICY, later, { asOf: at(T0, 7), sent }));
    assert.deepEqual(day7.users.map((x) => [x.user, x.state]), [['bob', 'wait'], ['dee', 'wait']]);
    assert.equal(byUser(day7.users).dee.reason, 'warned 2026-11-29: action on or after 2026-12-13');
    assert.equal(ok(engine.plan(POLICY, later, { asOf: at(T0, 7), sent })).counts.executable, 0);

    // Day 14: dee and bob (selected since 2026-12-09) are acted on; ann logged in and is not selected.
    const asOf = at(T0, 14);
    const day14 = ok(engine.warnings(POLICY, later, { asOf, sent }));
    assert.deepEqual(day14.users.map((x) => [x.user, x.state]), [['bob', 'act'], ['dee', 'act']]);
    assert.equal(byUser(day14.users).dee.reason, 'warned 2026-11-29, no login since: deactivate');
    const plan = ok(engine.plan(POLICY, later, { asOf, sent }));
    assert.deepEqual(plan.actions.filter((a) => !a.status).map((a) => a.user), ['bob', 'dee']);
    assert.equal(plan.counts.executable, 2);
    assert.ok(!plan.actions.some((a) => a.user === 'ann' && a.rule === 'idle-90d'), 'ann logged in: not selected');
    for (const name of ['bob', 'dee']) {
      const d = ok(engine.decide(POLICY, { user: later.users.find((x) => x.name === name), planned: { user: name, action: 'deactivate', rule: 'idle-90d' } }, { asOf, sent }));
      assert.equal(d.code, 'decide.proceed', `${name}: ${d.reason}`);
    }

    // 90 days after her login ann is selected again: her old warning does not count.
    const again = at(T0, 3 + 90);
    const annAgain = byUser(ok(engine.warnings(POLICY, later, { asOf: again, sent })).users).ann;
    assert.equal(annAgain.state, 'warn');
    assert.equal(annAgain.voidedWarning, T0);
    assert.match(annAgain.reason, /^warned 2026-11-29, logged in 2026-12-02 since: warning again now, action on or after 2027-03-1\d$/);
    const d = ok(engine.decide(POLICY, { user: later.users[0], planned: { user: 'ann', action: 'deactivate', rule: 'idle-90d' } }, { asOf: again, sent }));
    assert.equal(d.code, 'decide.awaitingWarning');
  });

  test('a plan without the sent record holds back every action of a warn rule (safe by default)', () => {
    const plan = ok(engine.plan(POLICY, SNAPSHOT, { asOf: T0 }));
    const idle = plan.actions.filter((a) => a.rule === 'idle-90d');
    assert.deepEqual(idle.map((a) => [a.user, a.status, a.warning.state]), [['ann', 'awaitingWarning', 'warn'], ['dee', 'awaitingWarning', 'warn']]);
    assert.equal(plan.counts.executable, 0);
    assert.equal(plan.counts.awaitingWarning, 2);
    assert.equal(plan.licence[0].seatsFreed, 0);
    // The review rule's action is unchanged (no warning, no status).
    const bob = plan.actions.find((a) => a.user === 'bob');
    assert.equal(bob.rule, 'look-30d');
    assert.equal(bob.warning, undefined);
    assert.equal(bob.status, undefined);
  });

  test('the warning email of a listed user renders with the engine\'s date and rule', () => {
    const w = ok(engine.warnings(POLICY, SNAPSHOT, { asOf: T0 })).users[0];
    const template = POLICY.templates.find((t) => t.id === w.template);
    const mail = renderTemplate(template, warningValues({
      user: { name: w.user, displayName: w.displayName },
      action: w,
      actionDate: w.actionDate,
      rule: { id: w.rule, description: w.ruleDescription },
      contact: POLICY.notify.contact,
    }));
    assert.equal(mail.subject, 'Your Jira account will be deactivated on or after 2026-12-13');
    assert.match(mail.text, /^Hello ANN,\n\nann: No login for 90 days\. Questions: help@acme\.com/);
  });

  test('bad options and policies are failures with paths', () => {
    const r = engine.warnings(POLICY, SNAPSHOT, { asOf: T0, sent: [{ user: 'ann', rule: 'idle-90d', sentAt: 'today' }, 'x'] });
    assert.equal(r.type, 'failure');
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['options.invalidTimestamp', 'sent[0].sentAt'], ['options.invalid', 'sent[1]']]);
    const bad = structuredClone(POLICY);
    bad.rules[0].warn.template = 'idel';
    const v = engine.validate(bad);
    assert.deepEqual(v.errors.map((e) => [e.code, e.path]), [['policy.unknownTemplate', 'rules[0].warn.template']]);
    assert.match(v.errors[0].message, /the templates are idle/);
    assert.equal(engine.warnings(bad, SNAPSHOT, { asOf: T0 }).type, 'failure');
    assert.equal(engine.warnings(POLICY, SNAPSHOT, { asOf: T0, schedule: 'nope' }).errors[0].code, 'options.unknownSchedule');
  });
});

describe('a warning record dated after now (read back from Jira: untrusted)', () => {
  // The audit's case: asOf 2026-11-27 and a record saying ann was warned 2027-06-01. Counted, she
  // would "wait, warned 2027-06-01" and be acted on after 2027-06-15 never having been warned.
  const asOf = '2026-11-27T00:00:00Z';
  const forged = [{ user: 'ann', rule: 'idle-90d', sentAt: '2027-06-01T00:00:00Z' }];
  const sentInFuture = (r) => r.warnings.filter((w) => w.code === 'options.sentInFuture');

  test('warnings: the user is not warned (warned now, the action waits the full daysBefore) and the record is reported', () => {
    const r = engine.warnings(POLICY, SNAPSHOT, { asOf, sent: forged });
    const ann = byUser(ok(r).users).ann;
    assert.equal(ann.state, 'warn');
    assert.equal(ann.warnedAt, null);
    assert.equal(ann.actionDate, '2026-12-11T00:00:00Z', 'asOf + 14 days');
    assert.equal(ann.reason, 'not warned yet: warning now, action on or after 2026-12-11');
    const [w] = sentInFuture(r);
    assert.deepEqual([w.path, w.severity, w.source], ['sent[0].sentAt', 'warning', 'options']);
    assert.match(w.message, /^the warning to "ann" for rule "idle-90d" is recorded as sent at 2027-06-01T00:00:00Z, after now \(2026-11-27T00:00:00Z\) by more than 5 minutes: it does not count/);
  });

  test('plan and decide: the action waits for a real warning, and the record is reported', () => {
    const plan = engine.plan(POLICY, SNAPSHOT, { asOf, sent: forged });
    const a = ok(plan).actions.find((x) => x.user === 'ann');
    assert.deepEqual([a.status, a.warning.state, a.warning.actionDate], ['awaitingWarning', 'warn', '2026-12-11T00:00:00Z']);
    assert.equal(ok(plan).counts.executable, 0);
    assert.deepEqual(sentInFuture(plan).map((w) => w.path), ['sent[0].sentAt']);
    const d = engine.decide(POLICY, { user: SNAPSHOT.users[0], planned: { user: 'ann', action: 'deactivate', rule: 'idle-90d' } }, { asOf, sent: forged });
    assert.equal(ok(d).code, 'decide.awaitingWarning', ok(d).reason);
    assert.deepEqual(sentInFuture(d).map((w) => w.path), ['sent[0].sentAt']);
  });

  test('within 5 minutes of now a record counts (clocks that disagree a little); an earlier record of the same user still counts', () => {
    const near = ok(engine.warnings(POLICY, SNAPSHOT, { asOf, sent: [{ user: 'ann', rule: 'idle-90d', sentAt: '2026-11-27T00:05:00Z' }] }));
    assert.deepEqual([byUser(near.users).ann.state, byUser(near.users).ann.warnedAt], ['wait', '2026-11-27T00:05:00Z']);
    const r = engine.warnings(POLICY, SNAPSHOT, { asOf, sent: [{ user: 'ann', rule: 'idle-90d', sentAt: '2026-11-01T00:00:00Z' }, ...forged] });
    assert.deepEqual([byUser(ok(r).users).ann.state, byUser(ok(r).users).ann.warnedAt], ['act', '2026-11-01T00:00:00Z']);
    assert.deepEqual(sentInFuture(r).map((w) => w.path), ['sent[1].sentAt']);
  });

  test('warningOutcomes does not count it as warned', () => {
    const r = engine.warningOutcomes(POLICY, SNAPSHOT, { asOf, sent: forged });
    assert.equal(ok(r).rules[0].warned, 0);
    assert.deepEqual(sentInFuture(r).map((w) => w.path), ['sent[0].sentAt']);
  });
});

describe('warningOutcomes: do warnings work?', () => {
  // Day 0 ann, bob and dee are warned. Then ann logs in once (day 3), bob twice (days 2 and 5),
  // dee not at all. Each login moves the last login to previousLogin, as Jira does.
  const day0 = () => ok(engine.warnings(POLICY, SNAPSHOT, { asOf: T0 })).users.map((x) => ({ user: x.user, rule: x.rule, sentAt: T0 }));
  const login = (snap, name, when) => {
    const x = snap.users.find((v) => v.name === name);
    x.previousLogin = x.lastLogin;
    x.lastLogin = when;
  };
  const after = () => {
    const s = structuredClone(SNAPSHOT);
    for (const x of s.users) x.previousLogin = null; // the export: no login before the last one
    login(s, 'ann', at(T0, 3));
    login(s, 'bob', at(T0, 2));
    login(s, 'bob', at(T0, 5));
    return s;
  };

  test('with previous logins: logged in after, only once and more than once, per warn rule', () => {
    const sent = day0();
    assert.deepEqual(sent.map((x) => x.user), ['ann', 'bob', 'dee']);
    const w = ok(engine.warningOutcomes(POLICY, after(), { asOf: at(T0, 7), sent }));
    assert.equal(w.asOf, at(T0, 7));
    assert.deepEqual(w.rules, [{ rule: 'idle-90d', warned: 3, loggedInAfter: 2, onlyOnce: 1, moreThanOnce: 1, notKnown: 0, lastLoginNotKnown: 0 }], 'the review rule has no warn: not listed');
  });

  test('without previous logins (REST only) once or more is not known; without a record nobody was warned', () => {
    const s = after();
    for (const x of s.users) delete x.previousLogin;
    const sent = day0();
    const w = ok(engine.warningOutcomes(POLICY, s, { asOf: at(T0, 7), sent }));
    assert.deepEqual(w.rules[0], { rule: 'idle-90d', warned: 3, loggedInAfter: 2, onlyOnce: 0, moreThanOnce: 0, notKnown: 2, lastLoginNotKnown: 0 });
    // Jira 9 without the export: no last login at all.
    for (const x of s.users) delete x.lastLogin;
    assert.deepEqual(ok(engine.warningOutcomes(POLICY, s, { asOf: at(T0, 7), sent })).rules[0], { rule: 'idle-90d', warned: 3, loggedInAfter: 0, onlyOnce: 0, moreThanOnce: 0, notKnown: 0, lastLoginNotKnown: 3 });
    assert.equal(ok(engine.warningOutcomes(POLICY, after(), { asOf: T0 })).rules[0].warned, 0);
    // Objects and text give the same answer.
    assert.deepEqual(engine.warningOutcomes(JSON.stringify(POLICY), JSON.stringify(after()), JSON.stringify({ asOf: T0, sent })), engine.warningOutcomes(POLICY, after(), { asOf: T0, sent }));
  });

  test('a schedule narrows the rules; bad inputs are failures with paths', () => {
    const policy = { ...POLICY, schedules: [{ id: 'weekly', cron: '0 3 * * 1', timezone: 'UTC', rules: ['look-30d'], mode: 'preview' }] };
    assert.deepEqual(ok(engine.warningOutcomes(policy, after(), { asOf: T0, schedule: 'weekly', sent: day0() })).rules, []);
    const r = engine.warningOutcomes(POLICY, after(), { asOf: T0, sent: [{ user: 'ann', rule: 'idle-90d', sentAt: 'today' }] });
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['options.invalidTimestamp', 'sent[0].sentAt']]);
    const bad = after();
    bad.users[0].previousLogin = at(T0, 4); // after ann's last login (day 3)
    const b = engine.warningOutcomes(POLICY, bad, { asOf: T0 });
    assert.deepEqual(b.errors.map((e) => [e.code, e.path]), [['snapshot.invalidTimestamp', 'users[0].previousLogin']]);
    assert.match(b.errors[0].message, /is after lastLogin/);
    assert.throws(() => engine.warningOutcomes(POLICY, 42, {}), { name: 'UserCleanupError', code: 'argument.invalid' });
  });
});

describe('templates: the engine and the mail module agree on placeholders', () => {
  const cases = [
    'Hello {{displayName}}',
    'Hello {{ displayName }}',
    '{{{username}}}',
    '{ {username} }',
    '{{username}',
    'a {{ }} b',
    '{{user name}}',
    '{{Username}}',
    '{{contact}} {{actionDate}} {{actionWords}} {{ruleDescription}}',
    '{{a{b}}',
    '{{\tusername\n}}',
    'plain',
  ];
  for (const body of cases) {
    test(JSON.stringify(body), () => {
      let mailOk = true;
      try {
        checkTemplate({ subject: 's', body });
      } catch {
        mailOk = false;
      }
      const p = { ...POLICY, templates: [{ id: 'idle', subject: 's', body }] };
      const r = engine.validate(p);
      assert.equal(r.type === 'success', mailOk, JSON.stringify(r.errors));
      if (!mailOk) assert.equal(r.errors[0].code, 'policy.unknownPlaceholder');
    });
  }
  test('the same list of placeholders', () => {
    const all = PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ');
    assert.equal(engine.validate({ ...POLICY, templates: [{ id: 'idle', subject: all, body: all }] }).type, 'success');
  });
});
