//! Every output format, and the wire schema of the machine-readable ones.
//!
//! The report decides nothing about what is a finding: it prints what it is given. It does
//! decide how findings are *counted*: by default one reported finding per secret — every
//! occurrence of one value under one rule folded into a [`Group`] (see [`group`]), with all its
//! locations — and with [`Options::dedup`] off one per occurrence. Secrets are redacted unless
//! [`Options::redact`] is off. Output never depends on the order findings arrive in.
//!
//! * `human`: one line per finding, `path:line:column: rule.id (Rule name) ghp_ab… [confidence]`,
//!   then indented details and `also at path:line:column` lines; coloured only when the caller
//!   says the output is a terminal;
//! * `json`: one document `{"version": 1, "findings": [...], "problems": [...], "stats": {...},
//!   "coverage": [...]}`, described by a JSON Schema ([`JSON_SCHEMA`], `sprawl schema`);
//! * `jsonl`: one finding object per line, nothing else;
//! * `sarif`: SARIF 2.1.0 for code scanning (see the `sarif` module);
//! * `github`: GitHub Actions annotations (see the `github` module);
//! * `markdown`: a table for a GitHub job summary (see the `markdown` module).
//!
//! The finding object is the same in both JSON formats; the top-level position is the primary
//! occurrence's, `locations` lists them all:
//!
//! ```json
//! {"rule": "github.pat.classic", "rule_name": "GitHub personal access token (classic)",
//!  "identity": "github", "path": "src/app.py", "line": 3, "column": 11, "offset": 57,
//!  "secret": "ghp_R8…", "confidence": "confirmed", "reason": "github-crc32: CRC32 checksum valid",
//!  "companions": [], "decoded": [], "fingerprint": null,
//!  "locations": [{"path": "src/app.py", "line": 3, "column": 11, "offset": 57, "decoded": []}]}
//! ```
//!
//! ```
//! use sprawl_core::{Confidence, Finding, Location, Origin, Secret, Stats};
//! use sprawl_report::{Format, Options, write_report};
//!
//! let at = |path: &str| Finding {
//!     rule_id: "demo.token".into(), rule_name: "Demo token".into(), identity: "demo".into(),
//!     secret: Secret::new(b"demo_k3j5h7g9x2".to_vec()),
//!     location: Location { origin: Origin::file(path), line: 1, column: 1, offset: 0 },
//!     confidence: Confidence::High, reason: "pattern matched".into(),
//!     companions: vec![], decoded: vec![], fingerprint: None,
//! };
//! let mut out = Vec::new();
//! let options = Options { format: Format::Human, ..Options::default() };
//! write_report(&mut out, &[at("a.env"), at("b.env")], &[], &Stats::default(), &[], &[], &options)?;
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "a.env:1:1: demo.token (Demo token) demo_… [high]\n    also at b.env:1:1\n"
//! );
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Write};
use std::path::PathBuf;

use sprawl_core::{Coverage, Finding, Posture, Problem, Secret, Stats};

pub mod github;
mod group;
mod human;
pub mod markdown;
mod paths;
mod posture;
pub mod sarif;
mod wire;

pub use group::{Group, group, location_order, ungrouped};
pub use wire::JSON_SCHEMA;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Jsonl,
    Sarif,
    Github,
    Markdown,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["human", "json", "jsonl", "sarif", "github", "markdown"];

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            "jsonl" => Some(Format::Jsonl),
            "sarif" => Some(Format::Sarif),
            "github" => Some(Format::Github),
            "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// How to print.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    /// Show only a short prefix of each secret (the default).
    pub redact: bool,
    /// Use ANSI colours (human format only). The caller decides: a terminal, no `NO_COLOR`.
    pub color: bool,
    /// One finding per (rule, secret value) with every location (the default), or one per
    /// occurrence.
    pub dedup: bool,
    /// The directories that were scanned (a named file as its parent directory). SARIF and
    /// GitHub paths are relative to the deepest directory that contains them all.
    pub roots: Vec<PathBuf>,
    /// Human format: list the repositories of every finding in git (an organisation sweep).
    /// Without it they are listed only for a secret found in more than one repository.
    pub repositories: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: Format::Human,
            redact: true,
            color: false,
            dedup: true,
            roots: Vec::new(),
            repositories: false,
        }
    }
}

/// The findings as the options count them: grouped by secret, or one per occurrence.
pub fn groups<'a>(findings: &'a [Finding], options: &Options) -> Vec<Group<'a>> {
    match options.dedup {
        true => group(findings),
        false => ungrouped(findings),
    }
}

/// Writes the findings (and, for `json` and `sarif`, problems, stats and coverage) to `out`.
pub fn write_report(
    out: &mut dyn Write,
    findings: &[Finding],
    problems: &[Problem],
    stats: &Stats,
    coverage: &[Coverage],
    postures: &[Posture],
    options: &Options,
) -> io::Result<()> {
    let groups = groups(findings, options);
    let base = paths::Base::new(&options.roots);
    match options.format {
        Format::Human => {
            human::write(out, &groups, options)?;
            posture::human(out, postures, options.color)
        }
        Format::Jsonl => {
            for g in &groups {
                serde_json::to_writer(&mut *out, &wire::wire(g, options.redact))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Json => {
            let report = wire::report(&groups, problems, stats, coverage, postures, options.redact);
            serde_json::to_writer_pretty(&mut *out, &report)?;
            out.write_all(b"\n")
        }
        Format::Sarif => sarif::write(out, &groups, problems, coverage, postures, options),
        Format::Github => {
            github::write(out, &groups, options)?;
            posture::github(out, postures, &base)
        }
        Format::Markdown => {
            markdown::write(out, &groups, options)?;
            posture::markdown(out, postures, &base)
        }
    }
}

/// Reported findings and their occurrences, as the summary line counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub findings: u64,
    pub occurrences: u64,
}

/// Counts findings the way [`write_report`] reports them.
pub fn totals(findings: &[Finding], dedup: bool) -> Totals {
    let occurrences = findings.len() as u64;
    let findings = match dedup {
        true => findings
            .iter()
            .map(|f| (&*f.rule_id, &f.secret))
            .collect::<std::collections::BTreeSet<(&str, &Secret)>>()
            .len() as u64,
        false => occurrences,
    };
    Totals { findings, occurrences }
}

/// The one-line summary printed on standard error after a scan. `totals` overrides the
/// finding count of `stats` (which counts occurrences).
pub fn summary_line(stats: &Stats, totals: &Totals) -> String {
    let mut s = format!(
        "sprawl: scanned {} {}, {} in {:.2} s: {} {}",
        stats.files,
        plural(stats.files, "file", "files"),
        human_bytes(stats.bytes),
        stats.seconds,
        totals.findings,
        plural(totals.findings, "finding", "findings"),
    );
    if totals.occurrences != totals.findings {
        s.push_str(&format!(" ({} {})", totals.occurrences, plural(totals.occurrences, "occurrence", "occurrences")));
    }
    s.push_str(&format!(", {} {}", stats.errors, plural(stats.errors, "error", "errors")));
    if stats.skipped > 0 {
        s.push_str(&format!(", {} skipped", stats.skipped));
    }
    if stats.allowed > 0 {
        s.push_str(&format!(", {} allowed", stats.allowed));
    }
    s
}

/// The lines that say what a git scan covered, for standard error. Every report of a git scan
/// ends with them, so that unscanned history never passes for clean.
pub fn coverage_lines(coverage: &[Coverage]) -> Vec<String> {
    coverage
        .iter()
        .map(|c| {
            if c.mode == "failed" {
                return format!(
                    "sprawl: {}: NOT SCANNED ({} {})",
                    c.repo,
                    c.errors,
                    plural(c.errors, "error", "errors")
                );
            }
            let mut s = format!(
                "sprawl: {} {}: {} {}, {} of {} blobs scanned ({})",
                c.mode,
                c.repo,
                c.commits,
                plural(c.commits, "commit", "commits"),
                c.blobs_scanned,
                c.blobs,
                human_bytes(c.bytes_scanned)
            );
            let mut skipped = Vec::new();
            if c.skipped_large > 0 {
                skipped.push(format!("{} over --max-blob-size", c.skipped_large));
            }
            if c.skipped_binary > 0 {
                skipped.push(format!("{} binary", c.skipped_binary));
            }
            if c.missing > 0 {
                skipped.push(format!("{} missing", c.missing));
            }
            if c.unreadable > 0 {
                skipped.push(format!("{} unreadable", c.unreadable));
            }
            if !skipped.is_empty() {
                s.push_str(&format!("; not scanned: {}", skipped.join(", ")));
            }
            if c.skipped_known > 0 {
                s.push_str(&format!(
                    "; {} already scanned by an earlier sweep (their findings are reported from its state)",
                    c.skipped_known
                ));
            }
            if c.unreachable > 0 {
                s.push_str(&format!("; {} unreachable blobs scanned", c.unreachable));
            }
            if c.worktree_files > 0 {
                s.push_str(&format!("; {} uncommitted working-tree files", c.worktree_files));
            }
            if c.shallow {
                s.push_str("; SHALLOW CLONE: older history not scanned");
            }
            if c.partial_clone {
                s.push_str("; partial clone");
            }
            s
        })
        .collect()
}

/// Writes the coverage manifest of a sweep for a person: per repository, what was scanned, what
/// was skipped and why, its errors, and the refs (tips) its history was walked from.
///
/// ```text
/// repository /srv/mirrors/app.git: 12 commits, 40 blobs: 3 scanned (12.0 KiB), 37 already scanned; 0 errors
///     HEAD 0123456789ab
///     refs/heads/main 0123456789ab
/// ```
pub fn write_manifest(out: &mut dyn Write, coverage: &[Coverage]) -> io::Result<()> {
    for c in coverage {
        writeln!(out, "{}", manifest_line(c))?;
        for (name, commit) in &c.tips {
            writeln!(out, "    {name} {}", &commit[..commit.len().min(12)])?;
        }
    }
    Ok(())
}

fn manifest_line(c: &Coverage) -> String {
    if c.mode == "failed" {
        return format!("repository {}: NOT SCANNED ({} {})", c.repo, c.errors, plural(c.errors, "error", "errors"));
    }
    let mut s = format!(
        "repository {}: {} {}, {} {}: {} scanned ({})",
        c.repo,
        c.commits,
        plural(c.commits, "commit", "commits"),
        c.blobs,
        plural(c.blobs, "blob", "blobs"),
        c.blobs_scanned,
        human_bytes(c.bytes_scanned)
    );
    let skipped = [
        (c.skipped_known, "already scanned"),
        (c.skipped_large, "over --max-blob-size"),
        (c.skipped_binary, "binary"),
        (c.missing, "missing"),
        (c.unreadable, "unreadable"),
    ];
    for (n, why) in skipped.into_iter().filter(|(n, _)| *n > 0) {
        s.push_str(&format!(", {n} {why}"));
    }
    if c.worktree_files > 0 {
        s.push_str(&format!(", {} uncommitted working-tree files", c.worktree_files));
    }
    s.push_str(&format!("; {} {}", c.errors, plural(c.errors, "error", "errors")));
    if c.shallow {
        s.push_str("; SHALLOW CLONE: older history not scanned");
    }
    if c.partial_clone {
        s.push_str("; partial clone");
    }
    s
}

/// `2021-03-04T05:06:07+01:00` from seconds since the epoch and an offset in seconds.
pub fn iso8601(time: i64, offset: i32) -> String {
    let local = time + i64::from(offset);
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.unsigned_abs();
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 3600,
        off % 3600 / 60
    )
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `1.5 MiB`, `312 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{n} B"),
        _ => format!("{v:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Findings for the formats' unit tests.
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use sprawl_core::{BlobId, CommitMeta, Confidence, Finding, GitOrigin, Location, Origin, Presence, Secret, Stats};

    use crate::{Options, write_report};

    pub(crate) fn finding(path: &str, line: u32, secret: &str, confidence: Confidence) -> Finding {
        Finding {
            rule_id: "demo.token".into(),
            rule_name: "Demo token".into(),
            identity: "demo".into(),
            // Long enough that the redacted form keeps six characters.
            secret: Secret::new(format!("{secret}_k3j5h7g9x2q8").into_bytes()),
            location: Location { origin: Origin::file(path), line, column: 7, offset: 40 },
            confidence,
            reason: "pattern matched".into(),
            companions: vec![],
            decoded: vec![],
            fingerprint: None,
        }
    }

    /// A finding in a git blob at `path`, first committed by `commit` = (id, time); `path` empty
    /// for a blob no commit names.
    pub(crate) fn git_finding(path: &str, commit: Option<(&str, i64)>, line: u32, secret: &str) -> Finding {
        let mut blob = [0u8; 20];
        blob[..path.len().min(20)].copy_from_slice(&path.as_bytes()[..path.len().min(20)]);
        let origin = GitOrigin {
            path: path.into(),
            blob: BlobId(blob),
            commit: commit.map(|(id, time)| {
                Arc::new(CommitMeta {
                    id: format!("{id:0>40}"),
                    author_name: "Ada".into(),
                    author_email: "ada@example.org".into(),
                    author_time: time,
                    author_tz_offset: 0,
                    summary: "add".into(),
                })
            }),
            commits: 1,
            paths: 1,
            presence: if commit.is_some() { Presence::AtHead } else { Presence::Unreachable },
            repo: Arc::from(std::path::Path::new("/repo")),
        };
        let mut f = finding("unused", line, secret, Confidence::High);
        f.location.origin = Origin::Git(Arc::new(origin));
        f
    }

    pub(crate) fn render_with(findings: &[Finding], options: &Options) -> String {
        let mut out = Vec::new();
        write_report(&mut out, findings, &[], &Stats::default(), &[], &[], options).unwrap();
        String::from_utf8(out).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, render_with};
    use sprawl_core::{Confidence, Location, Origin};

    fn one() -> Finding {
        Finding {
            rule_id: "demo.token".into(),
            rule_name: "Demo token".into(),
            identity: "demo".into(),
            secret: Secret::new(b"demo_k3j5h7g9x2".to_vec()),
            location: Location { origin: Origin::file("a/b.env"), line: 3, column: 7, offset: 40 },
            confidence: Confidence::High,
            reason: "pattern matched".into(),
            companions: vec![],
            decoded: vec![],
            fingerprint: None,
        }
    }

    fn render(format: Format, redact: bool) -> String {
        render_with(&[one()], &Options { format, redact, ..Options::default() })
    }

    #[test]
    fn human_is_redacted_and_uncoloured() {
        assert_eq!(render(Format::Human, true), "a/b.env:3:7: demo.token (Demo token) demo_… [high]\n");
    }

    #[test]
    fn jsonl_has_one_object_per_line_and_no_redact_shows_the_value() {
        let text = render(Format::Jsonl, false);
        assert_eq!(text.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["path"], "a/b.env");
        assert_eq!(v["line"], 3);
        assert_eq!(v["column"], 7);
        assert_eq!(v["rule"], "demo.token");
        assert_eq!(v["secret"], "demo_k3j5h7g9x2");
        assert_eq!(v["fingerprint"], serde_json::Value::Null);
        assert_eq!(v["locations"][0]["path"], "a/b.env");
    }

    #[test]
    fn json_wraps_findings() {
        let v: serde_json::Value = serde_json::from_str(&render(Format::Json, true)).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["findings"][0]["secret"], "demo_…");
    }

    #[test]
    fn json_groups_occurrences_and_counts_both() {
        let mut fs: Vec<Finding> =
            (0..5).map(|i| finding(&format!("f{i}.env"), i + 1, "tok_same", Confidence::Medium)).collect();
        fs[3].confidence = Confidence::Confirmed;
        fs[3].reason = "checksum valid".into();
        fs[4].fingerprint = Some(sprawl_core::Fingerprint([1; 32]));
        fs.push(finding("z.env", 1, "tok_other", Confidence::Low));
        let options = Options { format: Format::Json, ..Options::default() };
        let v: serde_json::Value = serde_json::from_str(&render_with(&fs, &options)).unwrap();
        let findings = v["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2);
        let f = &findings[0];
        assert_eq!((f["path"].as_str(), f["line"].as_u64()), (Some("f0.env"), Some(1)), "the primary's position");
        assert_eq!(f["confidence"], "confirmed");
        assert_eq!(f["reason"], "checksum valid");
        assert_eq!(f["fingerprint"], "01".repeat(32));
        let paths: Vec<&str> = f["locations"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["f0.env", "f1.env", "f2.env", "f3.env", "f4.env"]);
        assert_eq!((v["stats"]["findings"].as_u64(), v["stats"]["occurrences"].as_u64()), (Some(2), Some(6)));

        let v: serde_json::Value =
            serde_json::from_str(&render_with(&fs, &Options { dedup: false, ..options })).unwrap();
        assert_eq!(v["findings"].as_array().unwrap().len(), 6);
        assert_eq!(v["stats"]["findings"], 6);
    }

    #[test]
    fn totals_count_secrets_or_occurrences() {
        let fs = vec![
            finding("a", 1, "x", Confidence::High),
            finding("b", 1, "x", Confidence::High),
            finding("c", 1, "y", Confidence::High),
        ];
        assert_eq!(totals(&fs, true), Totals { findings: 2, occurrences: 3 });
        assert_eq!(totals(&fs, false), Totals { findings: 3, occurrences: 3 });
    }

    #[test]
    fn formats_parse_by_name() {
        for name in Format::NAMES {
            assert!(Format::parse(name).is_some(), "{name}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_700_000_000, 3600), "2023-11-14T23:13:20+01:00");
        assert_eq!(iso8601(951_782_400, -18_000), "2000-02-28T19:00:00-05:00");
        assert_eq!(iso8601(-86_400, 0), "1969-12-31T00:00:00+00:00");
    }

    #[test]
    fn the_manifest_lists_each_repository_with_its_tips() {
        let ok = Coverage {
            mode: "history",
            repo: "/m/api.git".into(),
            commits: 12,
            blobs: 40,
            blobs_scanned: 3,
            bytes_scanned: 2048,
            skipped_known: 37,
            tips: vec![("HEAD".into(), "ab".repeat(20)), ("refs/heads/main".into(), "ab".repeat(20))],
            ..Coverage::default()
        };
        let failed = Coverage { mode: "failed", repo: "/m/broken".into(), errors: 1, ..Coverage::default() };
        let mut out = Vec::new();
        write_manifest(&mut out, &[ok, failed.clone()]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "repository /m/api.git: 12 commits, 40 blobs: 3 scanned (2.0 KiB), 37 already scanned; 0 errors\n\
             \x20   HEAD abababababab\n\
             \x20   refs/heads/main abababababab\n\
             repository /m/broken: NOT SCANNED (1 error)\n"
        );
        assert_eq!(coverage_lines(&[failed]), ["sprawl: /m/broken: NOT SCANNED (1 error)"]);
    }

    #[test]
    fn a_secret_in_two_repositories_lists_both() {
        use crate::test_support::git_finding;
        let mut a = git_finding("app.env", Some(("c1", 1_700_000_000)), 1, "tok_shared");
        let mut b = a.clone();
        for (f, repo) in [(&mut a, "/m/a.git"), (&mut b, "/m/b.git")] {
            if let Origin::Git(g) = &mut f.location.origin {
                std::sync::Arc::make_mut(g).repo = std::sync::Arc::from(std::path::Path::new(repo));
            }
        }
        let text = render_with(&[a.clone(), b], &Options::default());
        assert!(text.contains("    in 2 repositories: /m/a.git, /m/b.git (primary: /m/a.git)\n"), "{text}");
        assert!(text.contains("    also at /m/b.git: app.env:1:7 "), "{text}");
        let one = render_with(std::slice::from_ref(&a), &Options::default());
        assert!(!one.contains("repositor"), "one repository is not listed unless asked: {one}");
        let asked = render_with(&[a], &Options { repositories: true, ..Options::default() });
        assert!(asked.contains("    in 1 repository: /m/a.git\n"), "{asked}");
    }

    #[test]
    fn summary_reads_well() {
        let s = Stats { files: 1, bytes: 2048, findings: 2, errors: 0, skipped: 1, seconds: 0.5, ..Stats::default() };
        let t = Totals { findings: 2, occurrences: 2 };
        assert_eq!(summary_line(&s, &t), "sprawl: scanned 1 file, 2.0 KiB in 0.50 s: 2 findings, 0 errors, 1 skipped");
        let t = Totals { findings: 1, occurrences: 40 };
        assert_eq!(
            summary_line(&s, &t),
            "sprawl: scanned 1 file, 2.0 KiB in 0.50 s: 1 finding (40 occurrences), 0 errors, 1 skipped"
        );
    }
}
