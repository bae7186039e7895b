//! Case-insensitive group patterns (`*` matches any run of characters, whole-name match) and
//! email-domain membership (`eu.acme.com` belongs to `acme.com`).

/// A group-name pattern from the policy, kept lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// As written in the policy (for messages and facts).
    pub raw: String,
    lower: String,
}

impl Pattern {
    pub fn new(raw: &str) -> Self {
        Pattern {
            raw: raw.to_string(),
            lower: raw.to_lowercase(),
        }
    }

    pub fn has_wildcard(&self) -> bool {
        self.lower.contains('*')
    }

    /// Does the pattern match the whole of `name_lower` (already lowercased)?
    pub fn matches(&self, name_lower: &str) -> bool {
        glob_match(&self.lower, name_lower)
    }
}

/// Whole-string glob with `*` only, iterative with single backtrack point (linear-ish, no
/// recursion, so hostile patterns like `*a*a*a*a*b` cannot blow the stack).
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The domain of an email: the part after the last `@`, lowercased; `None` when there is no
/// usable domain (no email, no `@`, nothing after it).
pub fn email_domain(email: &str) -> Option<String> {
    let email = email.trim();
    let at = email.rfind('@')?;
    let domain = email[at + 1..].trim();
    if domain.is_empty() {
        None
    } else {
        Some(domain.to_lowercase())
    }
}

/// Does `domain` belong to `d`: equal, or ending with `.d`? Both lowercased.
pub fn domain_belongs(domain: &str, d: &str) -> bool {
    domain == d
        || (domain.len() > d.len() && domain.ends_with(d) && domain.as_bytes()[domain.len() - d.len() - 1] == b'.')
}

/// The first entry of `list` that `domain` belongs to.
pub fn belongs_to_any<'a>(domain: &str, list: &'a [String]) -> Option<&'a str> {
    list.iter().find(|d| domain_belongs(domain, d)).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names_case_insensitively() {
        let p = Pattern::new("ext-*");
        assert!(p.matches("ext-acme"));
        assert!(p.matches("ext-"));
        assert!(!p.matches("my-ext-acme"));
        assert!(Pattern::new("Contractors").matches("contractors"));
        assert!(!Pattern::new("contractors").matches("contractors-eu"));
        assert!(Pattern::new("jira-*-users").matches("jira-software-users"));
        assert!(!Pattern::new("jira-*-users").matches("jira-users"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("a*b*c").matches("axxbyyc"));
        assert!(!Pattern::new("a*b*c").matches("axxbyy"));
        assert!(Pattern::new("*a*a*a*a*a*b").matches(&"a".repeat(200).chars().chain("b".chars()).collect::<String>()));
        assert!(!Pattern::new("*a*a*a*a*a*b").matches(&"a".repeat(200)));
        assert!(Pattern::new("ÆØÅ-*").matches("æøå-team"));
    }

    #[test]
    fn domains() {
        assert_eq!(email_domain("Fred@EU.Acme.com").as_deref(), Some("eu.acme.com"));
        assert_eq!(email_domain("a@b@partner.io").as_deref(), Some("partner.io"));
        assert_eq!(email_domain("no-at-sign"), None);
        assert_eq!(email_domain("trailing@"), None);
        assert!(domain_belongs("eu.acme.com", "acme.com"));
        assert!(domain_belongs("acme.com", "acme.com"));
        assert!(!domain_belongs("notacme.com", "acme.com"));
        assert!(!domain_belongs("acme.com.evil.io", "acme.com"));
    }
}
