//! Project tasks that need only cargo: `cargo xtask <task>`.
//!
//! * `rules-check`: lint the built-in catalog and run every example and negative example under
//!   every compiled matcher backend (the same function a unit test runs).

use std::process::ExitCode;

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let result = match task.as_deref() {
        Some("rules-check") => rules_check(),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\ntasks:\n  rules-check   lint the built-in rules and run their examples"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn rules_check() -> anyhow::Result<bool> {
    let (rules, errors) = sprawl_rules::RuleSet::builtin();
    for e in &errors {
        println!("error: {e}");
    }
    let report = sprawl_engine::check::check_rules(&rules);
    for p in &report.problems {
        println!("{p}");
    }
    println!(
        "{} rules, {} examples, {} negative examples, engines: {}; {} problems",
        report.rules,
        report.examples,
        report.negative_examples,
        report.engines.join(", "),
        report.problems.len() + errors.len()
    );
    Ok(report.passed() && errors.is_empty())
}
