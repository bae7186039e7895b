//! Warnings before acting: a rule's `warn: {"daysBefore": 14, "template": "<id>"}` and the
//! policy's `templates: [{"id", "subject", "body"}]`. The engine decides who is warned and when an
//! action may follow (`crate::warn`); the mail module renders and sends. Both read placeholders
//! the same way, so a template the engine accepts is one the mail module can render.

use super::{short, Action, Walker, MAX_NAME, MAX_RULES};
use crate::code::Code;
use crate::problem::{index, key};
use rustc_hash::FxHashSet as HashSet;
use serde_json::{Map, Value};

/// The placeholders a template may use (the mail module's `PLACEHOLDERS`, in the same order).
pub const PLACEHOLDERS: &[&str] = &[
    "displayName",
    "username",
    "actionDate",
    "actionWords",
    "ruleDescription",
    "contact",
];
/// The longest grace period: a year.
pub const MAX_DAYS_BEFORE: u64 = 365;
/// Templates in a policy.
pub const MAX_TEMPLATES: usize = MAX_RULES;
/// Characters in a template id (the same safe alphabet as schedule ids: it names stored records).
pub const MAX_TEMPLATE_ID: usize = 64;
/// Characters in a template's subject (one line in the email).
pub const MAX_SUBJECT: usize = MAX_NAME;
/// Characters in a template's body.
pub const MAX_BODY: usize = 20_000;

/// A rule's `warn`: warn each user `days_before` days before acting, with `template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warn {
    pub days_before: u64,
    /// The template id as written (trimmed).
    pub template: String,
}

/// One of the policy's `templates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Trimmed.
    pub id: String,
    pub subject: String,
    pub body: String,
}

/// The `{{name}}` placeholders of a text, with the character (1-based) each starts at. Read as
/// the mail module reads them (`/\{\{\s*([^{}]*?)\s*\}\}/g`): `{{`, then text without braces, then
/// `}}`; the name is that text trimmed. A `{{` that is not closed that way is ordinary text.
pub fn placeholders(text: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < chars.len() {
        if chars[i] == '{' && chars[i + 1] == '{' {
            let mut j = i + 2;
            while j < chars.len() && chars[j] != '{' && chars[j] != '}' {
                j += 1;
            }
            if j + 1 < chars.len() && chars[j] == '}' && chars[j + 1] == '}' {
                let name: String = chars[i + 2..j].iter().collect();
                out.push((name.trim().to_string(), i + 1));
                i = j + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

impl Walker {
    /// A rule's `warn` at `path`; `action` is the rule's action (a review is never warned about:
    /// it changes nothing).
    pub(super) fn rule_warn(&mut self, v: &Value, path: &str, action: Option<&Action>) -> Option<Warn> {
        let m = self.object(v, path, "warn", &["daysBefore", "template"])?;
        if matches!(action, Some(Action::Review)) {
            self.err(
                Code::PolicyUnexpectedField,
                path,
                "warn only goes with deactivate or removeFromGroups: a review changes nothing to warn about".into(),
            );
            return None;
        }
        let days_before = match m.get("daysBefore") {
            None => {
                self.err(
                    Code::PolicyMissingField,
                    &key(path, "daysBefore"),
                    "warn needs \"daysBefore\": how many days before the action the user is warned (1 to 365)".into(),
                );
                None
            }
            Some(d) => match d.as_u64() {
                Some(n) if (1..=MAX_DAYS_BEFORE).contains(&n) => Some(n),
                Some(n) => {
                    self.err(
                        Code::PolicyOutOfRange,
                        &key(path, "daysBefore"),
                        format!("daysBefore must be 1 to {MAX_DAYS_BEFORE}, found {n}"),
                    );
                    None
                }
                None => {
                    self.err(
                        Code::PolicyInvalidType,
                        &key(path, "daysBefore"),
                        format!(
                            "daysBefore must be a whole number of days (1 to {MAX_DAYS_BEFORE}), found {}",
                            short(d)
                        ),
                    );
                    None
                }
            },
        };
        let template = self.required_string(
            m,
            "template",
            path,
            "warn.template",
            "warn needs \"template\": the id of one of the policy's templates".into(),
        );
        Some(Warn {
            days_before: days_before?,
            template: template?.trim().to_string(),
        })
    }

    /// `templates: [{"id", "subject", "body"}]`.
    pub(super) fn templates(&mut self, v: Option<&Value>) -> Vec<Template> {
        let Some(v) = v else { return Vec::new() };
        let arr = self.list(
            v,
            "templates",
            "templates",
            "a list of {\"id\", \"subject\", \"body\"}",
            "templates",
            MAX_TEMPLATES,
        );
        let mut seen: HashSet<String> = HashSet::default();
        let mut out = Vec::new();
        for (i, tv) in arr.iter().enumerate() {
            let path = index("templates", i);
            let Some(m) = self.object(tv, &path, "a template", &["id", "subject", "body"]) else {
                continue;
            };
            let id = self
                .required_string(m, "id", &path, "a template id", "a template needs an \"id\"".into())
                .map(|id| id.trim().to_string())
                .filter(|id| self.template_id(id, &key(&path, "id")));
            let subject = self.template_text(m, "subject", &path, MAX_SUBJECT);
            let body = self.template_text(m, "body", &path, MAX_BODY);
            if let Some(id) = &id {
                if !seen.insert(id.to_lowercase()) {
                    self.err(
                        Code::PolicyDuplicateTemplateId,
                        &key(&path, "id"),
                        format!("template id \"{id}\" is used twice"),
                    );
                }
            }
            if let (Some(id), Some(subject), Some(body)) = (id, subject, body) {
                out.push(Template { id, subject, body });
            }
        }
        out
    }

    fn template_id(&mut self, id: &str, path: &str) -> bool {
        self.safe_id(id, path, "template", Code::PolicyInvalidTemplateId, MAX_TEMPLATE_ID)
    }

    /// A template's subject or body: required, non-blank, at most `max` characters, and only
    /// known placeholders (each unknown one reported with where it is).
    fn template_text(&mut self, m: &Map<String, Value>, field: &str, path: &str, max: usize) -> Option<String> {
        let fp = key(path, field);
        let text = match m.get(field) {
            Some(v) => self.text(v, &fp, &format!("the template's {field}"), max)?,
            None => {
                self.err(Code::PolicyMissingField, &fp, format!("a template needs a \"{field}\""));
                return None;
            }
        };
        let mut ok = true;
        for (name, at) in placeholders(&text) {
            if !PLACEHOLDERS.contains(&name.as_str()) {
                ok = false;
                let shown: String = name.chars().take(40).collect();
                self.err(
                    Code::PolicyUnknownPlaceholder,
                    &fp,
                    format!(
                        "{field}: unknown placeholder {{{{{shown}}}}} at character {at}; the known ones are {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{{{p}}}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        ok.then_some(text)
    }

    /// Checks that need rules, templates and notify together: every `warn.template` names a
    /// template, and a template using `{{contact}}` has a `notify.contact` to fill it with.
    /// `rules` and `raw_templates` are the policy's own (for paths, and so that a template with an
    /// error in its text still counts as existing: one mistake is reported once).
    pub(super) fn warn_checks(&mut self, rules: Option<&Value>, raw_templates: Option<&Value>, has_contact: bool) {
        let raw_templates = raw_templates
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let raw_templates = &raw_templates[..raw_templates.len().min(MAX_TEMPLATES)];
        let names: Vec<&str> = raw_templates
            .iter()
            .filter_map(|t| t.get("id").and_then(Value::as_str).map(str::trim))
            .filter(|id| !id.is_empty())
            .collect();
        let ids: HashSet<String> = names.iter().map(|id| id.to_lowercase()).collect();
        let raw = rules.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (i, r) in raw.iter().take(MAX_RULES).enumerate() {
            let Some(t) = r.get("warn").and_then(|w| w.get("template")).and_then(Value::as_str) else {
                continue;
            };
            let t = t.trim();
            if !t.is_empty() && !ids.contains(&t.to_lowercase()) {
                let known = if names.is_empty() {
                    "the policy has no templates".to_string()
                } else {
                    let shown: Vec<String> = names.iter().take(20).map(|n| n.chars().take(64).collect()).collect();
                    format!("the templates are {}", shown.join(", "))
                };
                let shown: String = t.chars().take(80).collect();
                self.err(
                    Code::PolicyUnknownTemplate,
                    &key(&key(&index("rules", i), "warn"), "template"),
                    format!("warn.template \"{shown}\" names no template: {known}"),
                );
            }
        }
        if has_contact {
            return;
        }
        for (i, t) in raw_templates.iter().enumerate() {
            let id = t.get("id").and_then(Value::as_str).unwrap_or_default().trim();
            for field in ["subject", "body"] {
                let text = t.get(field).and_then(Value::as_str).unwrap_or_default();
                if placeholders(text).iter().any(|(n, _)| n == "contact") {
                    self.err(
                        Code::PolicyMissingContact,
                        &key(&index("templates", i), field),
                        format!(
                            "template {} uses {{{{contact}}}} in its {field}, but the policy has no notify.contact to fill it with",
                            id.chars().take(64).collect::<String>()
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policy;

    fn with(rule_extra: &str, extra: &str) -> (Option<crate::policy::Policy>, Vec<(&'static str, String)>) {
        let (p, problems) = parse_policy(&format!(
            r#"{{"version":1,"limits":{{"maxActionsPerRun":1}},"rules":[{{"id":"r","inactiveDays":90,"action":{{"type":"deactivate"}}{rule_extra}}}]{extra}}}"#
        ));
        (p, problems.into_iter().map(|p| (p.code, p.path)).collect())
    }

    const T: &str = r#","templates":[{"id":"idle","subject":"Account {{ username }}","body":"Hello {{displayName}}, on {{actionDate}} you will be {{actionWords}} ({{ruleDescription}})."}]"#;

    #[test]
    fn placeholders_are_read_as_the_mail_module_reads_them() {
        let names = |t: &str| placeholders(t).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names("a {{x}} b {{ y z }} {{}}"), ["x", "y z", ""]);
        assert_eq!(names("{{{x}}"), ["x"], "the innermost {{ opens");
        assert_eq!(
            names("{{x} }} {x}} {{ x"),
            Vec::<String>::new(),
            "not closed by }}: text"
        );
        assert_eq!(names("{{a{b}}"), Vec::<String>::new());
        assert_eq!(placeholders("héllo {{username}}"), [("username".to_string(), 7)]);
    }

    #[test]
    fn warn_and_templates_are_read() {
        let (p, c) = with(r#","warn":{"daysBefore":14,"template":" idle "}"#, T);
        assert!(c.is_empty(), "{c:?}");
        let p = p.expect("valid");
        assert_eq!(
            p.rules[0].warn,
            Some(Warn {
                days_before: 14,
                template: "idle".into()
            })
        );
        assert_eq!(p.templates.len(), 1);
        assert_eq!(p.templates[0].subject, "Account {{ username }}");
        let (p, c) = with("", "");
        assert!(c.is_empty() && p.is_some_and(|p| p.rules[0].warn.is_none() && p.templates.is_empty()));
    }

    #[test]
    fn every_problem_has_its_code_and_path() {
        let paths = |rule: &str, extra: &str| with(rule, extra).1;
        assert_eq!(
            paths(r#","warn":{"daysBefore":0,"template":"nope"}"#, T),
            [
                ("policy.outOfRange", "rules[0].warn.daysBefore".to_string()),
                ("policy.unknownTemplate", "rules[0].warn.template".to_string()),
            ]
        );
        assert_eq!(
            paths(r#","warn":{"daysBefore":366,"template":"idle"}"#, T)[0],
            ("policy.outOfRange", "rules[0].warn.daysBefore".to_string())
        );
        assert_eq!(
            paths(r#","warn":{"daysBefore":"14","template":3,"days":1}"#, T),
            [
                ("policy.unknownField", "rules[0].warn.days".to_string()),
                ("policy.invalidType", "rules[0].warn.daysBefore".to_string()),
                ("policy.invalidType", "rules[0].warn.template".to_string()),
            ]
        );
        assert_eq!(
            paths(r#","warn":{}"#, T),
            [
                ("policy.missingField", "rules[0].warn.daysBefore".to_string()),
                ("policy.missingField", "rules[0].warn.template".to_string()),
            ]
        );
        assert_eq!(
            paths(r#","warn":{"daysBefore":14,"template":"idle"}"#, "")[0],
            ("policy.unknownTemplate", "rules[0].warn.template".to_string())
        );
        let fine = with(r#","warn":{"daysBefore":14,"template":"idle"}"#, T).1.is_empty();
        assert!(fine);
        let (_, c) = parse_policy(
            r#"{"version":1,"limits":{"maxActionsPerRun":1},"rules":[{"id":"r","inactiveDays":9,"action":{"type":"review"},"warn":{"daysBefore":3,"template":"t"}}],
               "templates":[{"id":"t","subject":"s","body":"b"}]}"#,
        );
        assert_eq!(
            c.into_iter().map(|p| (p.code, p.path)).collect::<Vec<_>>(),
            [("policy.unexpectedField", "rules[0].warn".to_string())]
        );
    }

    #[test]
    fn templates_are_checked() {
        let long_body = "x".repeat(MAX_BODY + 1);
        let long_subject = "x".repeat(MAX_SUBJECT + 1);
        let (p, c) = with(
            "",
            &format!(
                r#","templates":[{{"id":"a","subject":"Hi {{{{name}}}}","body":"{{{{ username }}}} {{{{contact}}}} {{{{Contact}}}}"}},
                   {{"id":"A","subject":"{long_subject}","body":"{long_body}"}},{{"id":"bad id","subject":" ","body":"b","x":1}},
                   {{"subject":"s"}}]"#
            ),
        );
        assert!(p.is_none());
        assert_eq!(
            c,
            [
                ("policy.unknownPlaceholder", "templates[0].subject".to_string()),
                ("policy.unknownPlaceholder", "templates[0].body".to_string()),
                ("policy.tooLong", "templates[1].subject".to_string()),
                ("policy.tooLong", "templates[1].body".to_string()),
                ("policy.duplicateTemplateId", "templates[1].id".to_string()),
                ("policy.unknownField", "templates[2].x".to_string()),
                ("policy.invalidTemplateId", "templates[2].id".to_string()),
                ("policy.emptyValue", "templates[2].subject".to_string()),
                ("policy.missingField", "templates[3].id".to_string()),
                ("policy.missingField", "templates[3].body".to_string()),
                ("policy.missingContact", "templates[0].body".to_string()),
            ]
        );
        let msg = parse_policy(
            r#"{"version":1,"limits":{"maxActionsPerRun":1},"rules":[],"templates":[{"id":"a","subject":"s","body":"ab {{ nmae }}"}]}"#,
        )
        .1
        .into_iter()
        .find(|p| p.code == "policy.unknownPlaceholder")
        .map(|p| p.message)
        .unwrap_or_default();
        assert!(
            msg.contains("{{nmae}} at character 4") && msg.contains("{{displayName}}, {{username}}"),
            "{msg}"
        );
        assert_eq!(
            with("", r#","templates":{"a":{}}"#).1,
            [("policy.invalidType", "templates".to_string())]
        );
    }

    #[test]
    fn contact_must_exist_when_a_template_uses_it() {
        let t = r#","templates":[{"id":"t","subject":"s","body":"ask {{contact}}"}]"#;
        assert_eq!(
            with("", t).1,
            [("policy.missingContact", "templates[0].body".to_string())]
        );
        let (p, c) = with(
            "",
            &format!(r#"{t},"notify":{{"admins":["a@acme.com"],"contact":"help@acme.com"}}"#),
        );
        assert!(c.is_empty() && p.is_some(), "{c:?}");
    }
}
