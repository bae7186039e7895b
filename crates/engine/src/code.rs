//! The one registry of codes the engine and its hosts emit: problem codes (errors and warnings),
//! protection codes, decision codes, and the codes of errors thrown at the JavaScript boundary.
//!
//! Every place that emits a code names a [`Code`]; on the wire a code is its text (`policy.unknownField`),
//! which is stable: tests, the UI and runners key on it. The TypeScript unions in
//! `plugin-shim/src/engine.d.mts` and the table in `docs/problem-codes.md` are rendered from this
//! list and a test fails when they differ (it prints the expected text; `UPDATE_GENERATED=1 cargo
//! test -p user-cleanup-engine generated` rewrites them).

use serde::{Serialize, Serializer};
use std::fmt;

/// What a code is about, and where it appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A problem that stops an entry point (`errors` of a failure).
    Error,
    /// A problem reported beside the answer (`warnings`).
    Warning,
    /// Why a user may not be actioned (`protected[].code` of a plan).
    Protection,
    /// The answer of `decide` (`code` of a decision).
    Decision,
    /// The `code` of an error thrown by the JavaScript API (calling it wrongly, or not built).
    Thrown,
    /// Why a planned action cannot be carried out (`blockedCode` of a plan action).
    Blocked,
    /// Why a rule passed over a user it would otherwise select (`skipped[].code` of a plan).
    Skipped,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Protection => "protection",
            Kind::Decision => "decision",
            Kind::Thrown => "thrown",
            Kind::Blocked => "blocked",
            Kind::Skipped => "skipped",
        }
    }
}

macro_rules! codes {
    ($( #[doc = $doc:literal] $kind:ident $variant:ident = $text:literal, )*) => {
        /// Every code, with a one-line meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }
        impl Code {
            /// In registry order (grouped by area).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];
            /// The code on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
            pub const fn kind(self) -> Kind {
                match self { $(Code::$variant => Kind::$kind,)* }
            }
            /// The one-line meaning (the doc comment).
            pub fn doc(self) -> &'static str {
                match self { $(Code::$variant => $doc.trim(),)* }
            }
        }
    };
}

codes! {
    /// A document is not JSON at all (the message names line and column).
    Error JsonSyntax = "json.syntax",
    /// A document is JSON of the wrong shape where no more precise code applies.
    Error JsonInvalid = "json.invalid",

    /// A field the policy format does not have (with a "did you mean" for typos).
    Error PolicyUnknownField = "policy.unknownField",
    /// A value of the wrong JSON type (e.g. a string where a number belongs).
    Error PolicyInvalidType = "policy.invalidType",
    /// A required field is absent.
    Error PolicyMissingField = "policy.missingField",
    /// A string that must say something is empty or blank.
    Error PolicyEmptyValue = "policy.emptyValue",
    /// A number outside its allowed range (days over 36,500, a snapshot age of 0 minutes ...).
    Error PolicyOutOfRange = "policy.outOfRange",
    /// `version` is not 1.
    Error PolicyUnsupportedVersion = "policy.unsupportedVersion",
    /// An action type other than deactivate, removeFromGroups or review.
    Error PolicyUnknownAction = "policy.unknownAction",
    /// A field that does not go with the rest (`groups` on a deactivate action).
    Error PolicyUnexpectedField = "policy.unexpectedField",
    /// Not an email domain (like acme.com).
    Error PolicyInvalidDomain = "policy.invalidDomain",
    /// Not a date (YYYY-MM-DD) or an RFC 3339 instant.
    Error PolicyInvalidDate = "policy.invalidDate",
    /// An email condition with both `external` and `domains`.
    Error PolicyEmailConflict = "policy.emailConflict",
    /// Two rules with the same id (case-insensitive).
    Error PolicyDuplicateRuleId = "policy.duplicateRuleId",
    /// Two schedules with the same id (case-insensitive).
    Error PolicyDuplicateScheduleId = "policy.duplicateScheduleId",
    /// A schedule id that is not 1 to 64 of the characters A-Z a-z 0-9 . _ -
    Error PolicyInvalidScheduleId = "policy.invalidScheduleId",
    /// The same service account listed twice (case-insensitive).
    Error PolicyDuplicateServiceAccount = "policy.duplicateServiceAccount",
    /// A rule without `inactiveDays` or `neverLoggedIn` (it would select active users).
    Error PolicyNoActivityCondition = "policy.noActivityCondition",
    /// A list longer than its cap (1,000 rules; 10,000 entries in any other list).
    Error PolicyTooMany = "policy.tooMany",
    /// A name, pattern or text longer than its cap (256 characters; 1,024 for purpose, 4,096 for description).
    Error PolicyTooLong = "policy.tooLong",
    /// Not an email address (notify.admins, notify.contact).
    Error PolicyInvalidEmail = "policy.invalidEmail",
    /// A schedule mode other than "run" or "preview".
    Error PolicyUnknownScheduleMode = "policy.unknownScheduleMode",
    /// A rule's `warn.template` names no template of the policy.
    Error PolicyUnknownTemplate = "policy.unknownTemplate",
    /// Two templates with the same id (case-insensitive).
    Error PolicyDuplicateTemplateId = "policy.duplicateTemplateId",
    /// A template id that is not 1 to 64 of the characters A-Z a-z 0-9 . _ -
    Error PolicyInvalidTemplateId = "policy.invalidTemplateId",
    /// A template uses a `{{placeholder}}` other than displayName, username, actionDate, actionWords, ruleDescription, contact.
    Error PolicyUnknownPlaceholder = "policy.unknownPlaceholder",
    /// A template uses `{{contact}}` but the policy has no `notify.contact`.
    Error PolicyMissingContact = "policy.missingContact",
    /// A rule with the id `bulk`, which names the administrator's bulk operations (planBulk).
    Error PolicyReservedRuleId = "policy.reservedRuleId",
    /// The policy has no rules: it never actions anyone.
    Warning PolicyNoRules = "policy.noRules",
    /// No `limits.maxActionsPerRun`: a run may action any number of users.
    Warning PolicyNoLimit = "policy.noLimit",
    /// A service account without `expires` stays protected until removed.
    Warning PolicyServiceAccountNoExpiry = "policy.serviceAccountNoExpiry",
    /// A group name or pattern that no user in the snapshot has.
    Warning PolicyGroupNotInSnapshot = "policy.groupNotInSnapshot",
    /// A username the policy names that is not in the snapshot.
    Warning PolicyUserNotInSnapshot = "policy.userNotInSnapshot",
    /// The same entry twice in one list (usernames, group patterns, domains; case-insensitive).
    Warning PolicyDuplicateEntry = "policy.duplicateEntry",
    /// A rule that can never select anyone as written.
    Warning RuleNeverSelects = "rule.neverSelects",
    /// A rule selects external domains but no internal domains are set: every domain is external.
    Warning RuleEveryDomainExternal = "rule.everyDomainExternal",
    /// A service account past its expiry at the evaluation time: no longer protected.
    Warning ServiceAccountExpired = "serviceAccount.expired",
    /// An exception (a decision to keep a user) past its `until` at the evaluation time: no longer protected.
    Warning ExceptionExpired = "exception.expired",
    /// A schedule names a rule the policy does not have.
    Warning ScheduleUnknownRule = "schedule.unknownRule",
    /// A schedule with an empty rules list runs no rule.
    Warning ScheduleNoRules = "schedule.noRules",
    /// `handover.projectLead` names a user the snapshot does not have.
    Error PolicyHandoverUnknownUser = "policy.handoverUnknownUser",
    /// `handover.projectLead` names a user who is not active (Jira needs an active project lead).
    Error PolicyHandoverInactiveUser = "policy.handoverInactiveUser",
    /// A cron expression the engine does not accept (five classic fields).
    Error CronInvalid = "cron.invalid",
    /// A time zone that is not an IANA name.
    Error TimezoneUnknown = "timezone.unknown",

    /// The snapshot (or decide's user) is not of the snapshot's shape; the path says where.
    Error SnapshotInvalid = "snapshot.invalid",
    /// Two users with the same username (case-insensitive).
    Error SnapshotDuplicateUser = "snapshot.duplicateUser",
    /// Two application roles with the same key.
    Error SnapshotDuplicateRole = "snapshot.duplicateRole",
    /// A user with an empty username.
    Error SnapshotEmptyName = "snapshot.emptyName",
    /// A timestamp that is neither RFC 3339 nor Jira's `+1000` form.
    Error SnapshotInvalidTimestamp = "snapshot.invalidTimestamp",
    /// More than 64 application roles.
    Error SnapshotTooManyRoles = "snapshot.tooManyRoles",
    /// A user's `openAssigned` is not a whole number of 0 or more.
    Error SnapshotInvalidCount = "snapshot.invalidCount",
    /// A blank project key, component project or component name in a user's `leads`.
    Error SnapshotEmptyValue = "snapshot.emptyValue",
    /// No active user has a known last login: no rule can select anyone.
    Warning SnapshotNoLastLogin = "snapshot.noLastLogin",

    /// An option of the wrong type, an unknown option, or a value out of range.
    Error OptionsInvalid = "options.invalid",
    /// A required option is absent (`asOf`, `from`, `role`; planBulk's `users`, `operation`, `operation.type`, `operation.groups`).
    Error OptionsMissing = "options.missing",
    /// An option that must be an RFC 3339 instant is not one.
    Error OptionsInvalidTimestamp = "options.invalidTimestamp",
    /// Dashboard thresholds where lowUsageDays is more than inactiveDays.
    Error OptionsInvalidThresholds = "options.invalidThresholds",
    /// Tier planning needs exactly one of targetSeats, headroom, nextLowerTier.
    Error OptionsTarget = "options.target",
    /// Tier planning names an application role the snapshot does not have.
    Error OptionsUnknownRole = "options.unknownRole",
    /// Tier planning for a role without a seat limit needs targetSeats.
    Error OptionsNoSeatLimit = "options.noSeatLimit",
    /// Tier planning asked for the next lower tier of a role on the lowest tier.
    Error OptionsNoLowerTier = "options.noLowerTier",
    /// `schedule` names a schedule the policy does not have.
    Error OptionsUnknownSchedule = "options.unknownSchedule",
    /// planBulk: an operation's group whose members the snapshot did not read (`completeGroups`).
    Warning OptionsGroupNotRead = "options.groupNotRead",
    /// A warning record (`sent`) dated more than 5 minutes after asOf (forged or clock-skewed): it does not count, the user is warned again.
    Warning OptionsSentInFuture = "options.sentInFuture",

    /// An input other than the policy, snapshot and options (decide's input, a query filter, ...) is not of its shape (unknown field, wrong type, missing planned action ...).
    Error InputInvalid = "input.invalid",
    /// A timestamp or date in an input (decide's capturedAt and previous.*, a query filter's created.before/after) is not one.
    Error InputInvalidTimestamp = "input.invalidTimestamp",
    /// A query filter names an application role the snapshot does not have (it matches no one).
    Warning QueryUnknownRole = "query.unknownRole",

    /// An input went missing without a reported problem (a bug; answered as data, never a panic).
    Error InternalMissingInput = "internal.missingInput",
    /// The engine could not serialise its answer (a bug).
    Error InternalSerialize = "internal.serialize",

    /// The acting administrator is never actioned.
    Protection ProtectActor = "protect.actor",
    /// Listed in protect.users.
    Protection ProtectUser = "protect.user",
    /// Member of a group in protect.groups.
    Protection ProtectGroup = "protect.group",
    /// A registered service account before its expiry.
    Protection ProtectServiceAccount = "protect.serviceAccount",
    /// The user `handover.projectLead` names: projects are handed over to them.
    Protection ProtectHandover = "protect.handover",
    /// Kept by an administrator's decision (policy `exceptions`) until its `until`.
    Protection ProtectException = "protect.exception",

    /// Carry out the planned action (`action` says exactly what; never more than the plan showed).
    Decision DecideProceed = "decide.proceed",
    /// The plan's snapshot is older than limits.maxSnapshotAgeMinutes: make a new plan.
    Decision DecidePlanExpired = "decide.planExpired",
    /// The plan's snapshot was read more than 5 minutes after the decision instant (a forged or clock-skewed plan): make a new plan.
    Decision DecidePlanInFuture = "decide.planInFuture",
    /// The account is not the one planned (another key, or another name): renamed or replaced.
    Decision DecideIdentityChanged = "decide.identityChanged",
    /// The account is already inactive.
    Decision DecideInactive = "decide.inactive",
    /// The account is protected now.
    Decision DecideProtected = "decide.protected",
    /// No rule selects the account now (the reason says why the planned rule does not).
    Decision DecideNotSelected = "decide.notSelected",
    /// Another rule selects the account now.
    Decision DecideOtherRule = "decide.otherRule",
    /// The planned rule now takes another action.
    Decision DecideOtherAction = "decide.otherAction",
    /// removeFromGroups: the account holds none of the planned groups any more.
    Decision DecideNothingLeft = "decide.nothingLeft",
    /// The action is blocked now (e.g. the user leads projects and the policy names no hand-over user).
    Decision DecideBlocked = "decide.blocked",
    /// The user now leads projects the plan did not hand over, or the policy hands over to another user.
    Decision DecideLeadChanged = "decide.leadChanged",
    /// The rule warns before acting (`warn`) and the user was not warned long enough ago, or logged in since (M16).
    Decision DecideAwaitingWarning = "decide.awaitingWarning",

    /// A deactivation of a project lead without `handover.projectLead`: Jira refuses it.
    Blocked BlockedProjectLead = "blocked.projectLead",

    /// The rule skips users with open assigned issues (`skipIfOpenAssignedIssues`), and this user has some.
    Skipped SkippedOpenAssigned = "skipped.openAssigned",
    /// The rule skips users with open assigned issues, and the snapshot does not say how many this user has.
    Skipped SkippedOpenAssignedUnknown = "skipped.openAssignedUnknown",

    /// A function was called with an argument that is neither JSON text nor an object.
    Thrown ArgumentInvalid = "argument.invalid",
    /// The engine answered JSON the host could not read (a bug).
    Thrown InternalJson = "internal.json",
    /// The Node loader found no built WebAssembly engine in pkg/ (run ./build.sh).
    Thrown EngineNotBuilt = "engine.notBuilt",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// The TypeScript unions of engine.d.mts, one per kind of code that appears in answers or errors.
pub fn render_typescript() -> String {
    let union = |name: &str, doc: &str, kinds: &[Kind]| {
        let mut s = format!("/** {doc} */\nexport type {name} =\n");
        for c in Code::ALL.iter().filter(|c| kinds.contains(&c.kind())) {
            s.push_str(&format!("  | '{}'\n", c.as_str()));
        }
        s.pop();
        s.push_str(";\n");
        s
    };
    [
        union(
            "KnownProblemCode",
            "Problem codes (errors and warnings). Codes are stable; new ones may be added.",
            &[Kind::Error, Kind::Warning],
        ),
        union("ProtectionCode", "Why a user may not be actioned.", &[Kind::Protection]),
        union("DecisionCode", "What `decide` answers.", &[Kind::Decision]),
        union(
            "ThrownErrorCode",
            "The `code` of a thrown UserCleanupError.",
            &[Kind::Thrown],
        ),
        union(
            "BlockedCode",
            "Why a planned action cannot be carried out.",
            &[Kind::Blocked],
        ),
        union(
            "SkippedCode",
            "Why a rule passed over a user it would otherwise select.",
            &[Kind::Skipped],
        ),
    ]
    .join("")
}

/// The markdown table of docs/problem-codes.md.
pub fn render_markdown() -> String {
    let mut s = String::from("| code | kind | meaning |\n| --- | --- | --- |\n");
    for c in Code::ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.as_str(),
            c.kind().name(),
            c.doc().replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{} twice", c.as_str());
            let (area, name) = c.as_str().split_once('.').unwrap_or(("", ""));
            assert!(!area.is_empty() && !name.is_empty(), "{}: area.name", c.as_str());
            assert!(
                c.as_str().chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.'),
                "{}",
                c.as_str()
            );
            assert!(
                !c.doc().is_empty() && !c.doc().contains('\n'),
                "{}: one-line doc",
                c.as_str()
            );
        }
        assert_eq!(
            serde_json::to_string(&Code::PolicyUnknownField).unwrap_or_default(),
            "\"policy.unknownField\""
        );
    }

    const BEGIN_TS: &str = "// BEGIN GENERATED CODES";
    const END_TS: &str = "// END GENERATED CODES";
    const BEGIN_MD: &str = "<!-- BEGIN GENERATED CODES -->";
    const END_MD: &str = "<!-- END GENERATED CODES -->";

    /// Checks (or, with UPDATE_GENERATED=1, rewrites) the block between two markers of a file.
    fn check_generated(relative: &str, begin: &str, end: &str, expected: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(relative);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
        let (Some(b), Some(e)) = (text.find(begin), text.find(end)) else {
            panic!("{relative} has no {begin} ... {end} block; put this between them:\n{expected}");
        };
        let start = b + begin.len();
        let start = start + text[start..].find('\n').map_or(0, |i| i + 1);
        let current = &text[start..e];
        if current != expected {
            if std::env::var_os("UPDATE_GENERATED").is_some() {
                let updated = format!("{}{expected}{}", &text[..start], &text[e..]);
                std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{relative}: {e}"));
            } else {
                panic!(
                    "{relative} differs from the code registry (crates/engine/src/code.rs); \
                     the block between the markers must be:\n{expected}\n\
                     (UPDATE_GENERATED=1 cargo test -p user-cleanup-engine generated rewrites it)"
                );
            }
        }
    }

    #[test]
    fn generated_typescript_matches_the_registry() {
        check_generated("plugin-shim/src/engine.d.mts", BEGIN_TS, END_TS, &render_typescript());
    }

    #[test]
    fn generated_docs_match_the_registry() {
        check_generated("docs/problem-codes.md", BEGIN_MD, END_MD, &render_markdown());
    }
}
