//! Project tasks that need only cargo: `cargo xtask <task>`.
//!
//! * `rules-check`: lint the built-in catalog and run every example and negative example under
//!   every compiled matcher backend (the same function a unit test runs), and check that the
//!   backends give the same findings. The alias builds without features, so only the prefilter;
//!   `cargo run -p xtask --features vectorscan -- rules-check` adds Vectorscan.
//! * `corpus [-v]`: precision, recall and false-alarm rate per family on `corpus/`.
//! * `bench`: end-to-end timings of the release binary beside their floors, with peak RSS.

use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod corpus;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  rules-check   lint the built-in rules and run their examples under every backend
  corpus [-v]   precision and recall on corpus/ (-v lists misses and false alarms)
  bench [--repo BARE_REPO] [--files-mb N] [--runs N] [--only history|files|pre-commit] [-- CARGO_BUILD_ARGS]
                end-to-end timings beside their floors (see xtask/src/bench.rs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v" || a == "--verbose");
    let result = match args.first().map(String::as_str) {
        Some("rules-check") => rules_check(),
        Some("corpus") => corpus::run(&workspace_root(), verbose),
        Some("bench") => bench::run(&workspace_root(), &args[1..]),
        _ => {
            eprintln!("{USAGE}");
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

/// The workspace root: the parent of xtask's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
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
