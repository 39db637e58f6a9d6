//! `sprawl rules check`: lints (from `sprawl-rules`) plus every example and negative example
//! run through every compiled matcher backend and the confirm stage. The backends must also
//! agree: every example gives the same findings and rejections under each.

use std::sync::Arc;

use sprawl_core::{Confidence, Origin, Secret};
use sprawl_rules::RuleSet;

use crate::{Analysis, Engine, Why};

/// What one example gave under one backend, compared between backends: findings (rule,
/// offset, secret, confidence, encodings) and rejections (rule, line, reason).
type Outcome = (Vec<(Arc<str>, u64, Secret, Confidence, Vec<&'static str>)>, Vec<(Arc<str>, u32, Why)>);

fn outcome(a: &Analysis) -> Outcome {
    let mut found: Vec<_> = a
        .accepted
        .iter()
        .map(|f| (f.rule_id.clone(), f.location.offset, f.secret.clone(), f.confidence, f.decoded.clone()))
        .collect();
    found.sort();
    let mut rejected: Vec<_> = a.rejected.iter().map(|r| (r.rule_id.clone(), r.line, r.why.clone())).collect();
    rejected.sort_by(|x, y| (&x.0, x.1, x.2.to_string()).cmp(&(&y.0, y.1, y.2.to_string())));
    (found, rejected)
}

/// The result of checking a rule set.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub rules: usize,
    pub examples: usize,
    pub negative_examples: usize,
    pub engines: Vec<&'static str>,
    /// One line per problem, each naming the file, line and rule.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `rules`: lints, then, under every backend compiled into this binary, that each
/// example yields a finding of its rule (at any confidence; or the same bytes reported by an
/// equivalent context rule) and each negative example does not.
pub fn check_rules(rules: &RuleSet) -> CheckReport {
    let mut report = CheckReport { rules: rules.len(), ..Default::default() };
    report.problems.extend(sprawl_rules::lint::lint(rules.rules()).iter().map(ToString::to_string));
    // The first backend's outcome for every example and negative example, in rule order.
    let mut reference: Option<(&'static str, Vec<Outcome>)> = None;
    for &engine_name in sprawl_matcher::available_engines() {
        let mut outcomes = Vec::new();
        let engine = match Engine::builder(rules.clone()).engine(engine_name).jobs(1).build() {
            Ok(e) => e,
            Err(e) => {
                report.problems.push(format!("engine {engine_name}: {e}"));
                continue;
            }
        };
        report.engines.push(engine_name);
        report.problems.extend(engine.config_errors().iter().cloned());
        for (i, message) in engine.matcher().compile_all() {
            let r = &rules.rules()[i];
            report.problems.push(format!("{}: rule `{}`: pattern does not compile: {message}", r.source, r.id));
        }
        let origin = Origin::Stdin;
        let mut analyzer = engine.analyzer();
        for rule in rules.rules() {
            for (n, example) in rule.examples.iter().enumerate() {
                let analysis = analyzer.analyze(&origin, example.as_bytes());
                outcomes.push(outcome(&analysis));
                let reported = analysis.accepted.iter().any(|f| f.rule_id == rule.id)
                    || analysis.rejected.iter().any(|r| r.rule_id == rule.id && matches!(r.why, Why::Duplicate { .. }));
                if !reported {
                    let why = analysis
                        .rejected
                        .iter()
                        .find(|r| r.rule_id == rule.id)
                        .map_or_else(|| "the pattern does not match".to_owned(), |r| format!("rejected: {}", r.why));
                    report.problems.push(format!(
                        "{}: rule `{}`: [{engine_name}] example {} is not found ({why}): {example:?}",
                        rule.source,
                        rule.id,
                        n + 1
                    ));
                }
            }
            for (n, negative) in rule.negative_examples.iter().enumerate() {
                let analysis = analyzer.analyze(&origin, negative.as_bytes());
                outcomes.push(outcome(&analysis));
                if analysis.accepted.iter().any(|f| f.rule_id == rule.id) {
                    report.problems.push(format!(
                        "{}: rule `{}`: [{engine_name}] negative example {} is found: {negative:?}",
                        rule.source,
                        rule.id,
                        n + 1
                    ));
                }
            }
        }
        match &reference {
            None => reference = Some((engine_name, outcomes)),
            Some((first, expected)) => {
                let snippets = rules.rules().iter().flat_map(|r| {
                    let examples = (1..=r.examples.len()).map(move |n| (r, "example", n));
                    examples.chain((1..=r.negative_examples.len()).map(move |n| (r, "negative example", n)))
                });
                for ((rule, kind, n), (want, got)) in snippets.zip(expected.iter().zip(&outcomes)) {
                    if want != got {
                        report.problems.push(format!(
                            "{}: rule `{}`: [{engine_name}] {kind} {n} gives other findings than under [{first}]",
                            rule.source, rule.id
                        ));
                    }
                }
            }
        }
    }
    report.examples = rules.rules().iter().map(|r| r.examples.len()).sum();
    report.negative_examples = rules.rules().iter().map(|r| r.negative_examples.len()).sum();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in catalog passes its own check, with warnings as errors (regression guard for
    /// every rule file under `rules/`).
    #[test]
    fn builtin_catalog_passes_rules_check() {
        let (rules, errors) = RuleSet::builtin();
        assert!(errors.is_empty(), "{errors:#?}");
        let report = check_rules(&rules);
        assert!(report.passed(), "{} problems:\n{}", report.problems.len(), report.problems.join("\n"));
        assert!(report.rules >= 40);
    }

    #[test]
    fn a_bad_example_and_a_matching_negative_are_reported() {
        let yaml = r#"
rules:
  - id: demo.token
    name: Demo
    pattern: '\b(demo_[a-z0-9]{8})\b'
    keywords: [demo_]
    max_len: 13
    identity: demo
    examples: ['demo_k3j5h7g9', 'demo_short']
    negative_examples: ['demo_a8b7c6d5']
"#;
        let mut set = RuleSet::default();
        set.extend(sprawl_rules::parse_rules(yaml, "x.yml").unwrap());
        let report = check_rules(&set);
        assert_eq!(report.engines, sprawl_matcher::available_engines());
        // Both problems, under every backend (and the backends agree, so nothing else).
        assert_eq!(report.problems.len(), 2 * report.engines.len(), "{:#?}", report.problems);
        for (pair, engine) in report.problems.chunks(2).zip(&report.engines) {
            assert!(pair[0].contains(&format!("[{engine}] example 2 is not found")), "{pair:?}");
            assert!(pair[1].contains(&format!("[{engine}] negative example 1 is found")), "{pair:?}");
        }
    }
}
