// The starting template the page shows while no policy is saved in Jira. It is shown as
// "Template — not saved" wherever it appears and is never run (the Run view requires a saved
// policy). It is deliberately generic — no company domains, no schedules — and mild: the one rule
// that changes anything only removes Jira licence groups after half a year without a login; the
// other lists accounts for review. It is not the sample policy (samples/policy.json), whose rules
// are a fictional company's.
export const TEMPLATE_LABEL = 'Template — not saved';

export const TEMPLATE = Object.freeze({
  version: 1,
  protect: { groups: ['jira-administrators', 'jira-system-administrators'] },
  limits: { maxActionsPerRun: 100 },
  rules: [
    {
      id: 'idle-180d-licence',
      description: 'Accounts idle for half a year (or never used 60 days after creation) lose their Jira licence groups; the account stays',
      inactiveDays: 180,
      neverLoggedIn: { createdMoreThanDays: 60 },
      action: { type: 'removeFromGroups', groups: ['jira-*-users'] },
    },
    {
      id: 'idle-90d-review',
      description: 'Accounts idle for a quarter: listed for review, nothing changes',
      inactiveDays: 90,
      action: { type: 'review' },
    },
  ],
});

/** The template as JSON text (a fresh copy each time: the Rules form edits what it is given). */
export const templateText = () => JSON.stringify(TEMPLATE, null, 2);
