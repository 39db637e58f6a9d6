//! SARIF 2.1.0 (`--format sarif`), for GitHub code scanning and other SARIF readers.
//!
//! One run; `tool.driver.rules` holds one entry per rule that has a result, sorted by id and
//! never repeated (gitleaks once emitted duplicates and GitHub refused the upload), and each
//! result's `ruleIndex` points at its rule. A result is one [`Group`]: its primary occurrence in
//! `locations`, every other occurrence in `relatedLocations`.
//!
//! * `level` follows confidence: `confirmed` and `high` are `error`, `medium` is `warning`,
//!   `low` is `note`; the confidence itself and its reason are in the result's `properties`.
//! * `artifactLocation.uri` is relative to the scan's base directory, with `uriBaseId`
//!   `SRCROOT` (whose absolute URI is in `originalUriBaseIds`); a git blob's path is already
//!   relative to its repository. URIs are percent-encoded. Standard input and blobs that no
//!   commit names have no URI, only a description.
//! * Columns: `startColumn` is our 1-based byte column, and the run says
//!   `columnKind: unicodeCodePoints` — the same on ASCII lines, which is where credentials
//!   almost always sit. (The report has no line text to count UTF-16 units with.)
//! * `partialFingerprints["secretFingerprint/v1"]` is the content fingerprint when the scan
//!   computed one: stable when code moves, so code scanning tracks the secret, not the line.
//! * The `snippet` is the secret as the other formats print it: redacted unless `--no-redact`.
//! * Git provenance (commit, author, date, state) is in each location's `properties.git`, and
//!   the primary's in the result's `properties.git`.
//!
//! Nothing in the output depends on time or thread order: no timestamps, sorted everything.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Map, Value, json};
use sprawl_core::{Confidence, Coverage, Finding, Problem, ProblemKind};

use crate::Options;
use crate::group::Group;
use crate::paths::{Base, Place};
use crate::wire::{secret_text, wire_git};

/// The `$schema` every SARIF log we write names: the OASIS 2.1.0 schema (errata 01).
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The name of the partial fingerprint that carries the content fingerprint.
pub const FINGERPRINT_KEY: &str = "secretFingerprint/v1";

/// SARIF `level` of a confidence.
pub fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::Confirmed | Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "note",
    }
}

pub(crate) fn write(
    out: &mut dyn Write,
    groups: &[Group<'_>],
    problems: &[Problem],
    coverage: &[Coverage],
    postures: &[sprawl_core::Posture],
    options: &Options,
) -> io::Result<()> {
    let base = Base::new(&options.roots);
    let log = log(groups, problems, coverage, postures, options, &base);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn log(
    groups: &[Group<'_>],
    problems: &[Problem],
    coverage: &[Coverage],
    postures: &[sprawl_core::Posture],
    options: &Options,
    base: &Base,
) -> Value {
    // Rules actually reported, sorted by id, each once.
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for g in groups {
        rules.entry(g.rule_id()).or_insert(g.primary());
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut rule_entries: Vec<Value> = rules
        .values()
        .map(|f| {
            json!({
                "id": &*f.rule_id,
                "shortDescription": { "text": &*f.rule_name },
                "properties": {
                    "identity": &*f.identity,
                    "tags": ["security", "secret", &*f.identity],
                },
            })
        })
        .collect();

    let mut results: Vec<Value> = groups.iter().map(|g| result(g, index[g.rule_id()], options, base)).collect();
    let (posture_rules, posture_results) = crate::posture::sarif(postures, rule_entries.len(), base);
    rule_entries.extend(posture_rules);
    results.extend(posture_results);

    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({ "driver": {
            "name": "sprawl",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rule_entries,
        }}),
    );
    if base.has_dir()
        && let Some(uri) = base.uri()
    {
        run.insert("originalUriBaseIds".into(), json!({ "SRCROOT": { "uri": uri } }));
    }
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert("results".into(), Value::Array(results));
    let notifications: Vec<Value> = problems
        .iter()
        .filter_map(|p| {
            let level = match p.kind {
                ProblemKind::Error => "error",
                ProblemKind::Warning => "warning",
                ProblemKind::Skipped => return None,
            };
            Some(json!({ "level": level, "message": { "text": &p.message } }))
        })
        .collect();
    let successful = !problems.iter().any(|p| p.kind == ProblemKind::Error);
    let mut invocation = json!({ "executionSuccessful": successful });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    run.insert("invocations".into(), json!([invocation]));
    if !coverage.is_empty() {
        let cov: Vec<Value> = coverage
            .iter()
            .map(|c| {
                json!({
                    "repository": &c.repo, "mode": c.mode, "commits": c.commits, "blobs": c.blobs,
                    "blobsScanned": c.blobs_scanned, "bytesScanned": c.bytes_scanned,
                    "skippedLarge": c.skipped_large, "skippedBinary": c.skipped_binary,
                    "missing": c.missing, "unreadable": c.unreadable, "unreachable": c.unreachable,
                    "shallow": c.shallow, "partialClone": c.partial_clone,
                    "skippedKnown": c.skipped_known, "errors": c.errors,
                    "tips": c.tips.iter().map(|(name, commit)| json!({ "ref": name, "commit": commit })).collect::<Vec<_>>(),
                })
            })
            .collect();
        run.insert("properties".into(), json!({ "coverage": cov }));
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

fn result(g: &Group<'_>, rule_index: usize, options: &Options, base: &Base) -> Value {
    let primary = g.primary();
    let strongest = g.strongest();
    let secret = secret_text(g.secret(), options.redact);
    let mut text = format!("{}: {} ({}: {})", primary.rule_name, secret, g.confidence(), strongest.reason);
    if g.len() > 1 {
        text.push_str(&format!("; found at {} locations", g.len()));
    }
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(g.rule_id()));
    result.insert("ruleIndex".into(), json!(rule_index));
    result.insert("level".into(), json!(level(g.confidence())));
    result.insert("message".into(), json!({ "text": text }));
    result.insert("locations".into(), json!([location(primary, None, &secret, base)]));
    if !g.others().is_empty() {
        let related: Vec<Value> =
            g.others().iter().enumerate().map(|(i, f)| location(f, Some(i + 1), &secret, base)).collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(fp) = g.fingerprint() {
        result.insert("partialFingerprints".into(), json!({ FINGERPRINT_KEY: fp.to_string() }));
    }
    let mut props = Map::new();
    props.insert("confidence".into(), json!(g.confidence().as_str()));
    props.insert("reason".into(), json!(&strongest.reason));
    props.insert("identity".into(), json!(&*primary.identity));
    props.insert("occurrences".into(), json!(g.len()));
    if !primary.decoded.is_empty() {
        props.insert("decoded".into(), json!(primary.decoded));
    }
    if let Some(git) = wire_git(&primary.location.origin) {
        props.insert("git".into(), serde_json::to_value(git).unwrap_or(Value::Null));
    }
    result.insert("properties".into(), Value::Object(props));
    Value::Object(result)
}

/// A SARIF `location` for one occurrence; `id` for related locations.
fn location(f: &Finding, id: Option<usize>, snippet: &str, base: &Base) -> Value {
    let place = base.place(&f.location.origin);
    let artifact = match (&place, place.uri()) {
        (Place::Relative(_), Some(uri)) if base.has_dir() => json!({ "uri": uri, "uriBaseId": "SRCROOT" }),
        (_, Some(uri)) => json!({ "uri": uri }),
        (Place::Nowhere(what), None) => json!({ "description": { "text": what } }),
        (_, None) => json!({ "description": { "text": f.location.origin.display_path() } }),
    };
    let mut loc = Map::new();
    if let Some(id) = id {
        loc.insert("id".into(), json!(id));
    }
    loc.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": artifact,
            "region": {
                "startLine": f.location.line.max(1),
                "startColumn": f.location.column.max(1),
                "snippet": { "text": snippet },
            },
        }),
    );
    let git = wire_git(&f.location.origin);
    if id.is_some() {
        let mut text = String::from("another occurrence");
        if let sprawl_core::Origin::Git(g) = &f.location.origin {
            match &g.commit {
                Some(c) => text.push_str(&format!(
                    " (commit {}, {}, {})",
                    &c.id[..c.id.len().min(12)],
                    &crate::iso8601(c.author_time, c.author_tz_offset)[..10],
                    g.presence.as_str()
                )),
                None => text.push_str(&format!(" ({})", g.presence.as_str())),
            }
        }
        loc.insert("message".into(), json!({ "text": text }));
    }
    let mut props = Map::new();
    if !f.decoded.is_empty() {
        props.insert("decoded".into(), json!(f.decoded));
    }
    if let Some(git) = git {
        props.insert("git".into(), serde_json::to_value(git).unwrap_or(Value::Null));
    }
    if !props.is_empty() {
        loc.insert("properties".into(), Value::Object(props));
    }
    Value::Object(loc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, git_finding, render_with};
    use crate::{Format, Options};
    use sprawl_core::Fingerprint;

    fn sarif(findings: &[Finding], roots: &[&str]) -> Value {
        let options = Options {
            format: Format::Sarif,
            roots: roots.iter().map(std::path::PathBuf::from).collect(),
            ..Options::default()
        };
        serde_json::from_str(&render_with(findings, &options)).unwrap()
    }

    #[test]
    fn rules_are_listed_once_and_results_point_at_them() {
        let mut other = finding("/r/b.env", 2, "zz_other", Confidence::Low);
        other.rule_id = "another.rule".into();
        let fs = vec![
            finding("/r/a.env", 1, "tok_1", Confidence::High),
            finding("/r/c.env", 1, "tok_2", Confidence::Medium),
            other,
        ];
        let v = sarif(&fs, &["/r"]);
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["another.rule", "demo.token"]);
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
        let levels: Vec<&str> =
            run["results"].as_array().unwrap().iter().map(|r| r["level"].as_str().unwrap()).collect();
        assert_eq!(levels, ["error", "note", "warning"]);
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(run["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///r/");
    }

    #[test]
    fn one_result_per_secret_with_related_locations_and_a_fingerprint() {
        let mut fs: Vec<Finding> =
            (0..3).map(|i| finding(&format!("/r/d/f {i}.env"), 2, "tok_same", Confidence::High)).collect();
        fs[2].fingerprint = Some(Fingerprint([0xab; 32]));
        let v = sarif(&fs, &["/r"]);
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        let r = &results[0];
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "d/f%200.env");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(loc["region"]["snippet"]["text"], "tok_sa…", "redacted");
        let related = r["relatedLocations"].as_array().unwrap();
        assert_eq!(related.len(), 2);
        assert_eq!(related[1]["id"], 2);
        assert_eq!(related[1]["physicalLocation"]["artifactLocation"]["uri"], "d/f%202.env");
        assert_eq!(r["partialFingerprints"][FINGERPRINT_KEY], "ab".repeat(32));
        assert_eq!(r["properties"]["occurrences"], 3);
        assert_eq!(r["properties"]["confidence"], "high");
        assert!(!v.to_string().contains("k3j5h7"), "no secret without --no-redact");
    }

    #[test]
    fn git_provenance_and_repository_relative_paths() {
        let fs = vec![git_finding("src/app.py", Some(("c1", 100)), 4, "tok")];
        let v = sarif(&fs, &["/repo"]);
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/app.py");
        assert_eq!(r["properties"]["git"]["commit"]["author"], "Ada");
        assert_eq!(r["locations"][0]["properties"]["git"]["state"], "head");
    }

    #[test]
    fn output_is_deterministic() {
        let fs: Vec<Finding> = (0..10)
            .map(|i| finding(&format!("/r/{}.env", 9 - i), i + 1, ["a1", "b2"][i as usize % 2], Confidence::High))
            .collect();
        let mut reversed = fs.clone();
        reversed.reverse();
        assert_eq!(sarif(&fs, &["/r"]), sarif(&reversed, &["/r"]));
    }
}
