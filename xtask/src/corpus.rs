//! `cargo xtask corpus`: precision and recall of the built-in rules on the labelled corpus.
//!
//! `corpus/<family>/labels.yml` lists every case file of a family and the lines where secrets
//! start (`secrets: []` for a clean case). The whole `corpus/` tree is scanned once with the
//! default options (as a user would), and each finding is matched to a label in the same file
//! within one line (a key block's body starts one line after its `BEGIN` line).
//!
//! Reported per family and overall: recall (labelled secrets found), precision (findings that
//! match a label), and the false-alarm rate (clean cases with any finding).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use sprawl_core::{Finding, Origin};
use sprawl_engine::{Engine, Target};

#[derive(Deserialize)]
struct Labels {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    #[serde(default)]
    secrets: Vec<Label>,
}

#[derive(Deserialize)]
struct Label {
    line: u32,
    #[serde(default)]
    what: String,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    secrets: usize,
    found: usize,
    findings: usize,
    true_findings: usize,
    clean: usize,
    clean_flagged: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.secrets += o.secrets;
        self.found += o.found;
        self.findings += o.findings;
        self.true_findings += o.true_findings;
        self.clean += o.clean;
        self.clean_flagged += o.clean_flagged;
    }

    fn recall(&self) -> f64 {
        ratio(self.found, self.secrets)
    }

    fn precision(&self) -> f64 {
        ratio(self.true_findings, self.findings)
    }

    fn false_alarm_rate(&self) -> f64 {
        if self.clean == 0 { 0.0 } else { self.clean_flagged as f64 / self.clean as f64 }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// The targets of the accuracy issue, on a held-out corpus; ours must meet them too.
pub const MIN_RECALL: f64 = 0.85;
pub const MAX_FALSE_ALARM_RATE: f64 = 0.015;

/// Runs the corpus evaluation; `verbose` lists every miss and false alarm. Returns whether the
/// corpus meets its targets.
pub fn run(root: &Path, verbose: bool) -> anyhow::Result<bool> {
    let total = evaluate(root, verbose, true)?;
    Ok(total.recall() >= MIN_RECALL && total.false_alarm_rate() <= MAX_FALSE_ALARM_RATE)
}

/// Scans the corpus and scores it against its labels, printing the table if `print`.
fn evaluate(root: &Path, verbose: bool, print: bool) -> anyhow::Result<Tally> {
    let corpus = root.join("corpus");
    let mut families: BTreeMap<String, Labels> = BTreeMap::new();
    for entry in std::fs::read_dir(&corpus).with_context(|| format!("reading {}", corpus.display()))? {
        let dir = entry?.path();
        let labels = dir.join("labels.yml");
        if !labels.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&labels)?;
        let parsed: Labels = serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", labels.display()))?;
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        families.insert(name, parsed);
    }
    if families.is_empty() {
        bail!("no corpus/<family>/labels.yml found under {}", corpus.display());
    }

    let (rules, errors) = sprawl_rules::RuleSet::builtin();
    if !errors.is_empty() {
        bail!("built-in rules do not load: {}", errors[0]);
    }
    let engine = Engine::builder(rules).build()?;
    let outcome = engine.scan(&[Target::Path(corpus.clone())]);
    for p in &outcome.problems {
        eprintln!("corpus scan: {}", p.message);
    }
    let mut by_file: BTreeMap<PathBuf, Vec<&Finding>> = BTreeMap::new();
    for f in &outcome.findings {
        if let Origin::File { path } = &f.location.origin {
            by_file.entry(path.to_path_buf()).or_default().push(f);
        }
    }

    let mut total = Tally::default();
    let mut rows = Vec::new();
    let mut listed: BTreeSet<PathBuf> = BTreeSet::new();
    for (family, labels) in &families {
        let mut t = Tally::default();
        for case in &labels.cases {
            let path = corpus.join(family).join(&case.file);
            if !path.is_file() {
                bail!("{family}/labels.yml lists {} which does not exist", case.file);
            }
            listed.insert(path.clone());
            let findings = by_file.get(&path).map(Vec::as_slice).unwrap_or_default();
            t.findings += findings.len();
            if case.secrets.is_empty() {
                t.clean += 1;
                if !findings.is_empty() {
                    t.clean_flagged += 1;
                    if verbose {
                        for f in findings {
                            println!(
                                "  false alarm  {family}/{}:{} {} ({})",
                                case.file, f.location.line, f.rule_id, f.reason
                            );
                        }
                    }
                }
                continue;
            }
            for label in &case.secrets {
                t.secrets += 1;
                if findings.iter().any(|f| f.location.line.abs_diff(label.line) <= 1) {
                    t.found += 1;
                } else if verbose {
                    println!("  missed       {family}/{}:{} {}", case.file, label.line, label.what);
                }
            }
            for f in findings {
                if case.secrets.iter().any(|l| f.location.line.abs_diff(l.line) <= 1) {
                    t.true_findings += 1;
                } else if verbose {
                    println!("  extra        {family}/{}:{} {} ({})", case.file, f.location.line, f.rule_id, f.reason);
                }
            }
        }
        total.add(&t);
        rows.push((family.clone(), t));
    }
    for path in by_file.keys() {
        let labels_file = path.file_name().is_some_and(|n| n == "labels.yml");
        if !labels_file && !listed.contains(path) && verbose {
            println!("  unlisted     {} has findings but no labels", path.display());
        }
    }

    if !print {
        return Ok(total);
    }
    println!();
    println!("| family | cases | secrets | recall | findings | precision | clean cases | false-alarm rate |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (family, t) in &rows {
        print_row(family, t, &families[family.as_str()]);
    }
    let cases: usize = families.values().map(|l| l.cases.len()).sum();
    println!(
        "| **all** | {cases} | {} | **{:.3}** | {} | **{:.3}** | {} | **{:.3}** |",
        total.secrets,
        total.recall(),
        total.findings,
        total.precision(),
        total.clean,
        total.false_alarm_rate()
    );
    println!();
    println!(
        "scanned {} files in {:.2} s with {} rules",
        outcome.stats.files,
        outcome.stats.seconds,
        engine.rules().len()
    );
    Ok(total)
}

fn print_row(family: &str, t: &Tally, labels: &Labels) {
    println!(
        "| {family} | {} | {} | {:.3} | {} | {:.3} | {} | {:.3} |",
        labels.cases.len(),
        t.secrets,
        t.recall(),
        t.findings,
        t.precision(),
        t.clean,
        t.false_alarm_rate()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scanning `corpus/` matches its labels: every family's misses and false alarms stay within
    /// the accuracy targets, with a margin on recall so that a regression shows before it costs
    /// the target.
    #[test]
    fn corpus_matches_its_labels() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let t = evaluate(root, false, false).unwrap();
        assert!(t.secrets >= 200, "the corpus has {} labelled secrets", t.secrets);
        assert!(t.recall() >= 0.95, "recall {:.3} (found {} of {})", t.recall(), t.found, t.secrets);
        assert!(t.false_alarm_rate() <= MAX_FALSE_ALARM_RATE, "false-alarm rate {:.3}", t.false_alarm_rate());
        assert!(t.precision() >= 0.95, "precision {:.3}", t.precision());
    }
}
