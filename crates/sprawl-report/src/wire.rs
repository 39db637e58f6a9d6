//! The wire format of `--format json` and `--format jsonl`, and its JSON Schema.
//!
//! The structs here are the only definition of the JSON reports; `schema.json` beside this file
//! describes them (draft 2020-12) and is what `sprawl schema` prints. Both are closed
//! (`additionalProperties: false`), and tests validate real reports against the schema, so a
//! field added here without the schema, or the other way round, fails a test.
//!
//! Compatibility: version 1 findings keep the fields of their primary occurrence at the top
//! level (`path`, `line`, `column`, `offset`, `git`, …), so readers written before dedup by
//! secret still work; `locations` lists every occurrence, the primary first.

use serde::Serialize;
use sprawl_core::{CommitMeta, Coverage, Finding, Origin, Presence, Problem, ProblemKind, Secret, Stats};

use crate::group::Group;
use crate::iso8601;

/// The JSON Schema (draft 2020-12) of the `json` report document; each `jsonl` line is a
/// `#/$defs/finding`.
pub const JSON_SCHEMA: &str = include_str!("schema.json");

#[derive(Serialize)]
pub(crate) struct WireFinding<'a> {
    rule: &'a str,
    rule_name: &'a str,
    identity: &'a str,
    path: String,
    line: u32,
    column: u32,
    offset: u64,
    secret: String,
    confidence: &'static str,
    reason: &'a str,
    companions: Vec<WireCompanion<'a>>,
    decoded: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<WireGit<'a>>,
    /// Hex of the content fingerprint, or null when none was computed.
    fingerprint: Option<String>,
    /// Every occurrence, the primary first.
    locations: Vec<WireLocation<'a>>,
    /// The repositories of the git occurrences, sorted (an organisation sweep merges many).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    repositories: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct WireLocation<'a> {
    path: String,
    line: u32,
    column: u32,
    offset: u64,
    decoded: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<WireGit<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WireCommit<'a> {
    id: &'a str,
    author: &'a str,
    email: &'a str,
    date: String,
    summary: &'a str,
}

pub(crate) fn wire_commit(c: &CommitMeta) -> WireCommit<'_> {
    WireCommit {
        id: &c.id,
        author: &c.author_name,
        email: &c.author_email,
        date: iso8601(c.author_time, c.author_tz_offset),
        summary: &c.summary,
    }
}

/// Where an occurrence in a git blob came from.
#[derive(Serialize)]
pub(crate) struct WireGit<'a> {
    repository: String,
    blob: String,
    /// The commit that first introduced the blob (absent when unreachable or staged).
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<WireCommit<'a>>,
    /// `head` (still in HEAD's tree), `history` (only in history), `unreachable`, `staged`, `range`.
    state: &'static str,
    /// The commit that removed it from the default branch, for `history`.
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_in: Option<WireCommit<'a>>,
    /// How many commits introduced this blob, and at how many paths.
    commits: u32,
    paths: u32,
}

pub(crate) fn wire_git(origin: &Origin) -> Option<WireGit<'_>> {
    match origin {
        Origin::Git(g) => Some(WireGit {
            repository: g.repo.display().to_string(),
            blob: g.blob.to_string(),
            commit: g.commit.as_deref().map(wire_commit),
            state: g.presence.as_str(),
            removed_in: match &g.presence {
                Presence::RemovedIn(c) => Some(wire_commit(c)),
                _ => None,
            },
            commits: g.commits,
            paths: g.paths,
        }),
        _ => None,
    }
}

#[derive(Serialize)]
struct WireCompanion<'a> {
    rule: &'a str,
    line: u32,
    secret: String,
}

#[derive(Serialize)]
pub(crate) struct WireReport<'a> {
    version: u32,
    findings: Vec<WireFinding<'a>>,
    problems: Vec<WireProblem<'a>>,
    stats: WireStats,
    coverage: Vec<WireCoverage<'a>>,
    postures: Vec<crate::posture::WirePosture<'a>>,
}

#[derive(Serialize)]
struct WireCoverage<'a> {
    repository: &'a str,
    mode: &'a str,
    commits: u64,
    blobs: u64,
    blobs_scanned: u64,
    bytes_scanned: u64,
    skipped_large: u64,
    skipped_binary: u64,
    missing: u64,
    unreadable: u64,
    unreachable: u64,
    worktree_files: u64,
    worktree_bytes: u64,
    shallow: bool,
    partial_clone: bool,
    skipped_known: u64,
    errors: u64,
    tips: Vec<WireTip<'a>>,
}

#[derive(Serialize)]
struct WireTip<'a> {
    #[serde(rename = "ref")]
    name: &'a str,
    commit: &'a str,
}

#[derive(Serialize)]
struct WireProblem<'a> {
    kind: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct WireStats {
    files: u64,
    bytes: u64,
    /// Reported findings: groups of occurrences of one secret (or one per occurrence with
    /// `--no-dedup`).
    findings: u64,
    /// Occurrences of those secrets.
    occurrences: u64,
    /// Findings accepted by allow comments, allowlists or a baseline (not reported).
    allowed: u64,
    errors: u64,
    skipped: u64,
    seconds: f64,
}

pub(crate) fn secret_text(s: &Secret, redact: bool) -> String {
    match redact {
        true => s.redacted(),
        false => String::from_utf8_lossy(s.expose()).into_owned(),
    }
}

fn wire_location(f: &Finding) -> WireLocation<'_> {
    WireLocation {
        path: f.location.origin.display_path(),
        line: f.location.line,
        column: f.location.column,
        offset: f.location.offset,
        decoded: &f.decoded,
        git: wire_git(&f.location.origin),
    }
}

pub(crate) fn wire<'a>(g: &Group<'a>, redact: bool) -> WireFinding<'a> {
    let f = g.primary();
    WireFinding {
        rule: &f.rule_id,
        rule_name: &f.rule_name,
        identity: &f.identity,
        path: f.location.origin.display_path(),
        line: f.location.line,
        column: f.location.column,
        offset: f.location.offset,
        secret: secret_text(&f.secret, redact),
        confidence: g.confidence().as_str(),
        reason: &g.strongest().reason,
        companions: f
            .companions
            .iter()
            .map(|c| WireCompanion { rule: &c.rule_id, line: c.line, secret: secret_text(&c.secret, redact) })
            .collect(),
        decoded: &f.decoded,
        git: wire_git(&f.location.origin),
        fingerprint: g.fingerprint().map(|fp| fp.to_string()),
        locations: g.members().iter().map(|m| wire_location(m)).collect(),
        repositories: g.repositories(),
    }
}

pub(crate) fn report<'a>(
    groups: &[Group<'a>],
    problems: &'a [Problem],
    stats: &Stats,
    coverage: &'a [Coverage],
    postures: &'a [sprawl_core::Posture],
    redact: bool,
) -> WireReport<'a> {
    WireReport {
        version: 1,
        findings: groups.iter().map(|g| wire(g, redact)).collect(),
        problems: problems
            .iter()
            .map(|p| WireProblem {
                kind: match p.kind {
                    ProblemKind::Error => "error",
                    ProblemKind::Warning => "warning",
                    ProblemKind::Skipped => "skipped",
                },
                message: &p.message,
            })
            .collect(),
        stats: WireStats {
            files: stats.files,
            bytes: stats.bytes,
            findings: groups.len() as u64,
            occurrences: groups.iter().map(|g| g.len() as u64).sum(),
            allowed: stats.allowed,
            errors: stats.errors,
            skipped: stats.skipped,
            seconds: stats.seconds,
        },
        coverage: coverage
            .iter()
            .map(|c| WireCoverage {
                repository: &c.repo,
                mode: c.mode,
                commits: c.commits,
                blobs: c.blobs,
                blobs_scanned: c.blobs_scanned,
                bytes_scanned: c.bytes_scanned,
                skipped_large: c.skipped_large,
                skipped_binary: c.skipped_binary,
                missing: c.missing,
                unreadable: c.unreadable,
                unreachable: c.unreachable,
                worktree_files: c.worktree_files,
                worktree_bytes: c.worktree_bytes,
                shallow: c.shallow,
                partial_clone: c.partial_clone,
                skipped_known: c.skipped_known,
                errors: c.errors,
                tips: c.tips.iter().map(|(name, commit)| WireTip { name, commit }).collect(),
            })
            .collect(),
        postures: crate::posture::wire(postures),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, git_finding, render_with};
    use crate::{Format, Options};
    use serde_json::Value;
    use sprawl_core::{Confidence, Fingerprint};

    fn validator(root: Option<&str>) -> jsonschema::Validator {
        let mut schema: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
        assert!(jsonschema::meta::is_valid(&schema), "the schema is a valid draft 2020-12 schema");
        if let Some(def) = root {
            schema = serde_json::json!({
                "$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": format!("#/$defs/{def}"),
            });
        }
        jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
    }

    fn assert_valid(v: &jsonschema::Validator, instance: &Value) {
        let errors: Vec<String> = v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{instance:#}");
    }

    fn sample() -> Vec<sprawl_core::Finding> {
        let mut fs = vec![
            finding("a.env", 1, "tok_1", Confidence::High),
            finding("b.env", 2, "tok_1", Confidence::Confirmed),
            git_finding("src/app.py", Some(("c1", 1_700_000_000)), 3, "tok_2"),
            git_finding("", None, 1, "tok_2"),
        ];
        fs[0].decoded = vec!["base64"];
        fs[1].fingerprint = Some(Fingerprint([0x5a; 32]));
        fs[1].companions.push(sprawl_core::Companion {
            rule_id: "demo.id".into(),
            secret: sprawl_core::Secret::new(b"AKIDEXAMPLE123".to_vec()),
            line: 2,
        });
        fs
    }

    #[test]
    fn json_reports_validate_against_the_published_schema() {
        let v = validator(None);
        for dedup in [true, false] {
            let options = Options { format: Format::Json, dedup, ..Options::default() };
            let doc: Value = serde_json::from_str(&render_with(&sample(), &options)).unwrap();
            assert_valid(&v, &doc);
            let empty: Value = serde_json::from_str(&render_with(&[], &options)).unwrap();
            assert_valid(&v, &empty);
        }
        let posture = sprawl_core::Posture {
            path: ".github/workflows/d.yml".into(),
            line: 3,
            column: 5,
            check: "ci.oidc.aws",
            severity: sprawl_core::Severity::Medium,
            message: "m".into(),
            fix: "f".into(),
        };
        let mut out = Vec::new();
        let options = Options { format: Format::Json, ..Options::default() };
        crate::write_report(&mut out, &sample(), &[], &Default::default(), &[], &[posture], &options).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["postures"][0]["severity"], "medium");
        assert_valid(&v, &doc);
    }

    #[test]
    fn jsonl_lines_validate_as_findings() {
        let v = validator(Some("finding"));
        let text = render_with(&sample(), &Options { format: Format::Jsonl, ..Options::default() });
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            assert_valid(&v, &serde_json::from_str(line).unwrap());
        }
    }

    #[test]
    fn the_schema_is_closed_so_an_unknown_field_fails() {
        let v = validator(Some("finding"));
        let text = render_with(&sample()[..1], &Options { format: Format::Jsonl, ..Options::default() });
        let mut line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_valid(&v, &line);
        line["surprise"] = Value::Bool(true);
        assert!(!v.is_valid(&line));
    }
}
