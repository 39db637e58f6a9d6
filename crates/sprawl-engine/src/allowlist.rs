//! Allowlists from configuration (`.sprawl.yaml`, or an imported `.gitleaks.toml`): paths,
//! commits, and, globally or per rule, regexes and stopwords that accept a secret.
//!
//! Applied to finished findings, whose origins are final: a path glob sees the path a person
//! sees (for git history, the path the secret was first committed at).

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::meta::Regex;
use sprawl_core::{Finding, Origin};

/// Secret-level filters: a secret matching any regex, or containing any stopword
/// (ASCII case-insensitively), is accepted.
#[derive(Clone, Debug, Default)]
pub struct SecretFilter {
    regexes: Vec<Regex>,
    stopwords: Vec<Vec<u8>>,
}

impl SecretFilter {
    /// Compiles a filter; an invalid regex is returned as its error message.
    pub fn new(regexes: &[String], stopwords: &[String]) -> Result<SecretFilter, String> {
        let regexes = regexes
            .iter()
            .map(|r| {
                Regex::builder()
                    .syntax(regex_automata::util::syntax::Config::new().utf8(false))
                    .build(r)
                    .map_err(|e| format!("invalid regex {r:?}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(SecretFilter { regexes, stopwords: stopwords.iter().map(|s| s.to_ascii_lowercase().into_bytes()).collect() })
    }

    fn accepts(&self, secret: &[u8]) -> bool {
        if self.regexes.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        let lower = secret.to_ascii_lowercase();
        self.stopwords.iter().any(|w| !w.is_empty() && memchr::memmem::find(&lower, w).is_some())
    }
}

/// Everything configuration can accept.
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    paths: Option<GlobSet>,
    commits: Vec<String>,
    all_rules: SecretFilter,
    per_rule: HashMap<String, SecretFilter>,
}

impl Allowlist {
    /// Path globs (`tests/fixtures/**`, `*.lock`); each also matches below any directory.
    pub fn paths(&mut self, globs: &[String]) -> Result<(), String> {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            let trimmed = g.trim_start_matches("./").trim_start_matches('/');
            for pattern in [trimmed.to_owned(), format!("**/{trimmed}")] {
                b.add(Glob::new(&pattern).map_err(|e| format!("invalid path glob {g:?}: {e}"))?);
            }
        }
        self.paths = Some(b.build().map_err(|e| e.to_string())?);
        Ok(())
    }

    /// Commit ids (or unique prefixes of at least 7 hex digits): findings first seen there.
    pub fn commits(&mut self, ids: &[String]) {
        self.commits.extend(ids.iter().map(|c| c.to_ascii_lowercase()));
    }

    /// A filter for every rule.
    pub fn all_rules(&mut self, filter: SecretFilter) {
        self.all_rules = filter;
    }

    /// A filter for one rule.
    pub fn rule(&mut self, id: &str, filter: SecretFilter) {
        self.per_rule.insert(id.to_owned(), filter);
    }

    /// Why `f` is accepted, or `None`.
    pub fn accepts(&self, f: &Finding) -> Option<&'static str> {
        if let Some(paths) = &self.paths {
            let path = f.location.origin.display_path();
            if paths.is_match(path.trim_start_matches("./")) {
                return Some("path allowlist");
            }
        }
        if !self.commits.is_empty()
            && let Origin::Git(g) = &f.location.origin
            && let Some(c) = &g.commit
            && self.commits.iter().any(|x| x.len() >= 7 && c.id.starts_with(x.as_str()))
        {
            return Some("commit allowlist");
        }
        let secret = f.secret.expose();
        if self.all_rules.accepts(secret) {
            return Some("allowlist");
        }
        if self.per_rule.get(&*f.rule_id).is_some_and(|x| x.accepts(secret)) {
            return Some("rule allowlist");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprawl_core::{Confidence, Location, Secret};

    fn finding(path: &str, rule: &str, secret: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: "r".into(),
            identity: "x".into(),
            secret: Secret::new(secret.as_bytes().to_vec()),
            location: Location { origin: Origin::file(path), line: 1, column: 1, offset: 0 },
            confidence: Confidence::High,
            reason: String::new(),
            companions: vec![],
            decoded: vec![],
            fingerprint: None,
        }
    }

    #[test]
    fn paths_regexes_stopwords_per_rule() {
        let mut a = Allowlist::default();
        a.paths(&["tests/fixtures/**".into(), "*.lock".into()]).unwrap();
        a.all_rules(SecretFilter::new(&["^TEST_".into()], &["sandbox".into()]).unwrap());
        a.rule("generic.password", SecretFilter::new(&[], &["hunter".into()]).unwrap());
        assert!(a.accepts(&finding("./tests/fixtures/a.env", "x", "s3cr3t")).is_some());
        assert!(a.accepts(&finding("/repo/sub/tests/fixtures/b/c.txt", "x", "s3cr3t")).is_some());
        assert!(a.accepts(&finding("Cargo.lock", "x", "s3cr3t")).is_some());
        assert!(a.accepts(&finding("src/a.rs", "x", "TEST_abc")).is_some());
        assert!(a.accepts(&finding("src/a.rs", "x", "my-SANDBOX-key")).is_some());
        assert!(a.accepts(&finding("src/a.rs", "generic.password", "Hunter22")).is_some());
        assert!(a.accepts(&finding("src/a.rs", "other", "Hunter22")).is_none());
        assert!(a.accepts(&finding("src/a.rs", "x", "live")).is_none());
        assert!(SecretFilter::new(&["(".into()], &[]).is_err());
    }
}
