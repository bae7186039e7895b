// The warning email for one warned user (an entry of the engine's `warnings` answer), browser-safe:
// the sender (src/runner/warn.mjs) and the page's template preview both call this function with
// the mail module's render.mjs, so the preview is the email that is sent.

/** The template a rule names (matched case-insensitively, as the engine matches warn.template). */
export function templateOf(policy, id) {
  const list = Array.isArray(policy?.templates) ? policy.templates : [];
  return list.find((t) => t && String(t.id).toLowerCase() === String(id).toLowerCase()) ?? null;
}

/**
 * → {subject, text, html}; throws (code template.*) when the template cannot be made.
 * @param {{renderTemplate: Function, warningValues: Function}} render  plugin-shim/src/mail/render.mjs
 * @param {object} policy   the policy object
 * @param {object} w        {user, displayName, rule, ruleDescription, action, groups?, actionDate, template}
 * @param {object} [template]  {subject, body} to use instead of the policy's (the editor's unsaved text)
 */
export function renderWarning(render, policy, w, template) {
  const t = template ?? templateOf(policy, w.template);
  if (!t) throw Object.assign(new Error(`the policy has no template ${JSON.stringify(w.template)}`), { code: 'template.unknown' });
  const values = render.warningValues({
    user: { name: w.user, displayName: w.displayName },
    action: { action: w.action, ...(w.groups ? { groups: w.groups } : {}) },
    actionDate: w.actionDate,
    rule: { id: w.rule, description: w.ruleDescription },
    contact: policy?.notify?.contact,
  });
  return render.renderTemplate({ subject: t.subject, body: t.body }, values);
}
