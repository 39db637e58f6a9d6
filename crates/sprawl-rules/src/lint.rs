//! Lints over loaded rules: the half of `sprawl rules check` that needs no matcher.

use std::collections::HashSet;

use crate::{Rule, schema};

/// One problem with one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    pub rule_id: String,
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: rule `{}`: {}", self.location, self.rule_id, self.message)
    }
}

/// Shortest keyword the prefilter accepts: shorter ones hit too often to be a filter.
pub const MIN_KEYWORD_LEN: usize = 3;

/// Lints every rule: id shape, keyword length, examples present, `max_len` at least the
/// pattern's longest possible match when that is bounded, pairs naming known rules.
pub fn lint(rules: &[Rule]) -> Vec<Lint> {
    let mut out = Vec::new();
    let ids: HashSet<&str> = rules.iter().map(|r| &*r.id).collect();
    let mut seen = HashSet::new();
    for r in rules {
        let mut push = |message: String| {
            out.push(Lint { rule_id: r.id.to_string(), location: r.source.to_string(), message });
        };
        if !seen.insert(&*r.id) {
            push("duplicate id".to_owned());
        }
        if !valid_id(&r.id) {
            push("id must be lowercase dotted words, e.g. `provider.kind.variant`".to_owned());
        }
        if r.name.trim().is_empty() {
            push("empty name".to_owned());
        }
        if r.identity.trim().is_empty() {
            push("empty identity".to_owned());
        }
        for k in &r.keywords {
            if k.len() < MIN_KEYWORD_LEN {
                push(format!("keyword {k:?} is shorter than {MIN_KEYWORD_LEN} bytes"));
            }
        }
        if r.examples.is_empty() {
            push("no examples".to_owned());
        }
        if r.negative_examples.is_empty() {
            push("no negative examples".to_owned());
        }
        if let Err(e) = schema::check_pattern_shape(&r.pattern) {
            push(e);
        }
        if let Ok(hir) = schema::parse_pattern(&r.pattern)
            && let Some(n) = largest_counted_repetition(&hir)
        {
            push(format!(
                "a repetition counted up to {n} compiles to {n} automaton states; write it open-ended (`{{m,}}`): \
                 max_len bounds the match anyway"
            ));
        }
        if let Ok(hir) = schema::parse_pattern(&r.pattern)
            && let Some(max) = hir.properties().maximum_len()
            && max > r.max_len
        {
            push(format!("max_len {} is shorter than the longest possible match ({max} bytes)", r.max_len));
        }
        if let Some(p) = &r.pair_with
            && !ids.contains(p.rule.as_str())
        {
            push(format!("pair_with names unknown rule `{}`", p.rule));
        }
    }
    out
}

/// Upper bounds of counted repetitions at or above this are flagged.
pub const MAX_COUNTED_REPETITION: u32 = 1000;

/// The largest counted upper bound of a repetition in `hir`, if any is at least
/// [`MAX_COUNTED_REPETITION`].
fn largest_counted_repetition(hir: &regex_syntax::hir::Hir) -> Option<u32> {
    use regex_syntax::hir::HirKind;
    let here = match hir.kind() {
        HirKind::Repetition(r) => r.max.filter(|&m| m >= MAX_COUNTED_REPETITION),
        _ => None,
    };
    let below = match hir.kind() {
        HirKind::Repetition(r) => largest_counted_repetition(&r.sub),
        HirKind::Capture(c) => largest_counted_repetition(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().filter_map(largest_counted_repetition).max(),
        _ => None,
    };
    here.max(below)
}

fn valid_id(id: &str) -> bool {
    let mut parts = 0;
    for part in id.split('.') {
        parts += 1;
        if part.is_empty()
            || !part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return false;
        }
    }
    parts >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(valid_id("github.pat.classic"));
        assert!(valid_id("aws.access_key-id"));
        assert!(!valid_id("github"));
        assert!(!valid_id("GitHub.pat"));
        assert!(!valid_id("a..b"));
    }

    #[test]
    fn flags_long_counted_repetitions() {
        let yaml = r#"
rules:
  - id: demo.key
    name: Demo
    pattern: 'KEY(?:x([A-Z]{10,5000}))'
    keywords: [key]
    max_len: 6000
    identity: demo
    examples: ['KEYxABCDEFGHIJ']
    negative_examples: ['KEYx']
"#;
        let rules = crate::parse_rules(yaml, "x.yml").unwrap();
        let lints: Vec<String> = lint(&rules).iter().map(|l| l.message.clone()).collect();
        assert!(lints.iter().any(|m| m.contains("counted up to 5000")), "{lints:?}");
    }

    #[test]
    fn flags_short_keywords_and_short_max_len() {
        let yaml = r#"
rules:
  - id: demo.token
    name: Demo
    pattern: '(ab[0-9]{20})'
    keywords: [ab]
    max_len: 10
    identity: demo
    examples: ['ab01234567890123456789']
"#;
        let rules = crate::parse_rules(yaml, "x.yml").unwrap();
        let lints: Vec<String> = lint(&rules).iter().map(|l| l.message.clone()).collect();
        assert!(lints.iter().any(|m| m.contains("shorter than 3 bytes")), "{lints:?}");
        assert!(lints.iter().any(|m| m.contains("longest possible match (22 bytes)")), "{lints:?}");
        assert!(lints.iter().any(|m| m.contains("no negative examples")), "{lints:?}");
    }
}
