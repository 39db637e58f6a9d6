//! CI posture findings in every format: after the secrets in the human report, a `postures`
//! array in JSON, SARIF results of their own rules (`ci.oidc.aws`, …), GitHub annotations, and
//! a second Markdown table. JSONL carries secrets only (each line is a finding).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};
use sprawl_core::{Origin, Posture, Severity};

use crate::paths::{Base, Place};

/// What each check is, for SARIF's rule list.
fn describe(check: &str) -> &'static str {
    match check {
        "ci.oidc.aws" => "Long-lived AWS key in a pipeline where OIDC federation exists",
        "ci.oidc.gcp" => {
            "Long-lived Google Cloud service-account key in a pipeline where workload identity federation exists"
        }
        "ci.oidc.azure" => "Long-lived Azure client secret in a pipeline where workload identity federation exists",
        "ci.pull-request-target.checkout" => "pull_request_target workflow runs the pull request's code with secrets",
        "ci.permissions.write-all" => "Workflow token with every write scope",
        "ci.permissions.missing" => "Workflow without a permissions block",
        "ci.leaked-key-consumed" => "A leaked key is of the kind this pipeline consumes",
        _ => "CI posture",
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn place(p: &Posture, base: &Base) -> Place {
    base.place(&Origin::File { path: p.path.as_path().into() })
}

fn path_text(p: &Posture, base: &Base) -> String {
    place(p, base).text().unwrap_or_else(|| p.path.display().to_string())
}

/// The human report's section.
pub(crate) fn human(out: &mut dyn Write, postures: &[Posture], color: bool) -> io::Result<()> {
    if postures.is_empty() {
        return Ok(());
    }
    let paint = |code: &str, text: &str| match color {
        true => format!("\x1b[{code}m{text}\x1b[0m"),
        false => text.to_owned(),
    };
    writeln!(out, "{}", paint("1", "CI posture:"))?;
    for p in postures {
        let sev = match p.severity {
            Severity::High => paint("1;31", p.severity.as_str()),
            Severity::Medium => paint("33", p.severity.as_str()),
            Severity::Low => paint("2", p.severity.as_str()),
        };
        writeln!(
            out,
            "{}:{}:{}: {} [{sev}] {}",
            paint("35", &p.path.display().to_string()),
            paint("32", &p.line.to_string()),
            paint("32", &p.column.to_string()),
            paint("1", p.check),
            p.message
        )?;
        writeln!(out, "{}", paint("2", &format!("    fix: {}", p.fix)))?;
    }
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct WirePosture<'a> {
    check: &'a str,
    severity: &'a str,
    path: String,
    line: u32,
    column: u32,
    message: &'a str,
    fix: &'a str,
}

pub(crate) fn wire(postures: &[Posture]) -> Vec<WirePosture<'_>> {
    postures
        .iter()
        .map(|p| WirePosture {
            check: p.check,
            severity: p.severity.as_str(),
            path: p.path.display().to_string(),
            line: p.line,
            column: p.column,
            message: &p.message,
            fix: &p.fix,
        })
        .collect()
}

/// SARIF rule entries (one per check reported, sorted) and results; `first_index` is where the
/// posture rules start in the run's rule list.
pub(crate) fn sarif(postures: &[Posture], first_index: usize, base: &Base) -> (Vec<Value>, Vec<Value>) {
    let checks: BTreeMap<&str, usize> = {
        let mut ids: Vec<&str> = postures.iter().map(|p| p.check).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().enumerate().map(|(i, id)| (id, first_index + i)).collect()
    };
    let rules = checks
        .keys()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": describe(id) },
                "properties": { "tags": ["security", "ci-posture"] },
            })
        })
        .collect();
    let results = postures
        .iter()
        .map(|p| {
            let pl = place(p, base);
            let artifact = match (&pl, pl.uri()) {
                (Place::Relative(_), Some(uri)) if base.has_dir() => json!({ "uri": uri, "uriBaseId": "SRCROOT" }),
                (_, Some(uri)) => json!({ "uri": uri }),
                (_, None) => json!({ "description": { "text": p.path.display().to_string() } }),
            };
            json!({
                "ruleId": p.check,
                "ruleIndex": checks[p.check],
                "level": sarif_level(p.severity),
                "message": { "text": format!("{}. Fix: {}", p.message, p.fix) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": { "startLine": p.line.max(1), "startColumn": p.column.max(1) },
                }}],
                "properties": { "severity": p.severity.as_str(), "kind": "ci-posture" },
            })
        })
        .collect();
    (rules, results)
}

/// GitHub workflow commands, one per posture.
pub(crate) fn github(out: &mut dyn Write, postures: &[Posture], base: &Base) -> io::Result<()> {
    use crate::github::{escape_data, escape_property};
    for p in postures {
        let command = match p.severity {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&path_text(p, base)),
            p.line,
            p.column,
            escape_property(&format!("CI posture ({})", p.check)),
            escape_data(&format!("{}\nfix: {}", p.message, p.fix))
        )?;
    }
    Ok(())
}

/// The Markdown table (after the secrets' table).
pub(crate) fn markdown(out: &mut dyn Write, postures: &[Posture], base: &Base) -> io::Result<()> {
    use crate::markdown::escape_cell;
    if postures.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n| severity | CI posture | where | what to do |")?;
    writeln!(out, "|---|---|---|---|")?;
    for p in postures.iter().take(crate::markdown::MAX_ROWS) {
        writeln!(
            out,
            "| {} | {} <code>{}</code> | <code>{}:{}</code> | {} |",
            p.severity,
            escape_cell(&p.message),
            escape_cell(p.check),
            escape_cell(&path_text(p, base)),
            p.line,
            escape_cell(&p.fix)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::finding;
    use crate::{Format, Options, write_report};
    use sprawl_core::{Confidence, Stats};

    fn posture(path: &str, check: &'static str, severity: Severity) -> Posture {
        Posture {
            path: path.into(),
            line: 7,
            column: 9,
            check,
            severity,
            message: "the pipeline uses a long-lived AWS key (AWS_SECRET_ACCESS_KEY)".into(),
            fix: "use OIDC".into(),
        }
    }

    fn render(format: Format, postures: &[Posture]) -> String {
        let options = Options { format, roots: vec!["/w".into()], ..Options::default() };
        let fs = [finding("/w/a.env", 1, "tok_1", Confidence::High)];
        let mut out = Vec::new();
        write_report(&mut out, &fs, &[], &Stats::default(), &[], postures, &options).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_carries_postures_with_relative_paths() {
        let ps = [
            posture("/w/.github/workflows/d.yml", "ci.oidc.aws", Severity::Medium),
            posture("/w/.gitlab-ci.yml", "ci.leaked-key-consumed", Severity::High),
        ];
        let human = render(Format::Human, &ps);
        assert!(human.contains("CI posture:\n/w/.github/workflows/d.yml:7:9: ci.oidc.aws [medium]"), "{human}");
        assert!(human.contains("    fix: use OIDC"), "{human}");

        let json: Value = serde_json::from_str(&render(Format::Json, &ps)).unwrap();
        assert_eq!(json["postures"][1]["check"], "ci.leaked-key-consumed");
        assert_eq!(json["postures"][0]["line"], 7);

        let sarif: Value = serde_json::from_str(&render(Format::Sarif, &ps)).unwrap();
        let run = &sarif["runs"][0];
        let rules: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(rules, ["demo.token", "ci.leaked-key-consumed", "ci.oidc.aws"]);
        let r = &run["results"][1];
        assert_eq!(
            (r["ruleId"].as_str(), r["ruleIndex"].as_u64(), r["level"].as_str()),
            (Some("ci.oidc.aws"), Some(2), Some("warning"))
        );
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], ".github/workflows/d.yml");

        let gh = render(Format::Github, &ps);
        assert!(
            gh.contains("::error file=.gitlab-ci.yml,line=7,col=9,title=CI posture (ci.leaked-key-consumed)::"),
            "{gh}"
        );

        let md = render(Format::Markdown, &ps);
        assert!(md.contains("| medium | the pipeline uses"), "{md}");
        assert!(md.contains("<code>.github/workflows/d.yml:7</code>"), "{md}");

        let jsonl = render(Format::Jsonl, &ps);
        assert_eq!(jsonl.lines().count(), 1, "jsonl lines are findings only: {jsonl}");
    }
}
