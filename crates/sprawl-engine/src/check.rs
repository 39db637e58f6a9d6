//! `sprawl rules check`: lints (from `sprawl-rules`) plus every example and negative example
//! run through every compiled matcher backend and the confirm stage.

use sprawl_core::Origin;
use sprawl_rules::RuleSet;

use crate::{Engine, Why};

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
    for &engine_name in sprawl_matcher::available_engines() {
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
        assert_eq!(report.problems.len(), 2, "{:#?}", report.problems);
        assert!(report.problems[0].contains("example 2 is not found"));
        assert!(report.problems[1].contains("negative example 1 is found"));
    }
}
