//! Every output format, and the wire schema of the machine-readable ones.
//!
//! The report decides nothing about what is a finding: it prints what it is given, in the
//! order given (callers sort), redacting secrets unless [`Options::redact`] is off.
//!
//! * `human`: one line per finding, `path:line:column: rule.id (Rule name) ghp_ab… [confidence]`,
//!   coloured only when the caller says the output is a terminal;
//! * `json`: one document `{"version": 1, "findings": [...], "problems": [...], "stats": {...}}`;
//! * `jsonl`: one finding object per line, nothing else.
//!
//! The finding object is the same in both JSON formats:
//!
//! ```json
//! {"rule": "github.pat.classic", "rule_name": "GitHub personal access token (classic)",
//!  "identity": "github", "path": "src/app.py", "line": 3, "column": 11, "offset": 57,
//!  "secret": "ghp_R8…", "confidence": "confirmed", "reason": "github-crc32: CRC32 checksum valid",
//!  "companions": [], "decoded": []}
//! ```

use std::io::{self, Write};

use serde::Serialize;
use sprawl_core::{CommitMeta, Coverage, Finding, Origin, Presence, Problem, ProblemKind, Secret, Stats};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["human", "json", "jsonl"];

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            "jsonl" => Some(Format::Jsonl),
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
}

#[derive(Serialize)]
struct WireFinding<'a> {
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
}

#[derive(Serialize)]
struct WireCommit<'a> {
    id: &'a str,
    author: &'a str,
    email: &'a str,
    date: String,
    summary: &'a str,
}

fn wire_commit(c: &CommitMeta) -> WireCommit<'_> {
    WireCommit {
        id: &c.id,
        author: &c.author_name,
        email: &c.author_email,
        date: iso8601(c.author_time, c.author_tz_offset),
        summary: &c.summary,
    }
}

/// Where a finding in a git blob came from.
#[derive(Serialize)]
struct WireGit<'a> {
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

#[derive(Serialize)]
struct WireCompanion<'a> {
    rule: &'a str,
    line: u32,
    secret: String,
}

#[derive(Serialize)]
struct WireReport<'a> {
    version: u32,
    findings: Vec<WireFinding<'a>>,
    problems: Vec<WireProblem<'a>>,
    stats: WireStats,
    coverage: Vec<WireCoverage<'a>>,
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
    findings: u64,
    errors: u64,
    skipped: u64,
    seconds: f64,
}

fn secret_text(s: &Secret, redact: bool) -> String {
    match redact {
        true => s.redacted(),
        false => String::from_utf8_lossy(s.expose()).into_owned(),
    }
}

fn wire(f: &Finding, redact: bool) -> WireFinding<'_> {
    WireFinding {
        rule: &f.rule_id,
        rule_name: &f.rule_name,
        identity: &f.identity,
        path: f.location.origin.display_path(),
        line: f.location.line,
        column: f.location.column,
        offset: f.location.offset,
        secret: secret_text(&f.secret, redact),
        confidence: f.confidence.as_str(),
        reason: &f.reason,
        companions: f
            .companions
            .iter()
            .map(|c| WireCompanion { rule: &c.rule_id, line: c.line, secret: secret_text(&c.secret, redact) })
            .collect(),
        decoded: &f.decoded,
        git: match &f.location.origin {
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
        },
    }
}

/// Writes the findings (and, for `json`, problems and stats) to `out`.
pub fn write_report(
    out: &mut dyn Write,
    findings: &[Finding],
    problems: &[Problem],
    stats: &Stats,
    coverage: &[Coverage],
    options: &Options,
) -> io::Result<()> {
    match options.format {
        Format::Human => write_human(out, findings, options),
        Format::Jsonl => {
            for f in findings {
                serde_json::to_writer(&mut *out, &wire(f, options.redact))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Json => {
            let report = WireReport {
                version: 1,
                findings: findings.iter().map(|f| wire(f, options.redact)).collect(),
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
                    findings: stats.findings,
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
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut *out, &report)?;
            out.write_all(b"\n")
        }
    }
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            true => format!("\x1b[{code}m{text}\x1b[0m"),
            false => text.to_owned(),
        }
    }
}

fn write_human(out: &mut dyn Write, findings: &[Finding], options: &Options) -> io::Result<()> {
    let p = Paint(options.color);
    for f in findings {
        let loc = &f.location;
        writeln!(
            out,
            "{}:{}:{}: {} ({}) {} [{}]",
            p.wrap("35", &loc.origin.display_path()),
            p.wrap("32", &loc.line.to_string()),
            p.wrap("32", &loc.column.to_string()),
            p.wrap("1;31", &f.rule_id),
            f.rule_name,
            p.wrap("1", &secret_text(&f.secret, options.redact)),
            p.wrap("2", f.confidence.as_str()),
        )?;
        if !f.decoded.is_empty() {
            writeln!(out, "    inside {}", f.decoded.join(" inside "))?;
        }
        if let Origin::Git(g) = &loc.origin {
            let mut line = String::from("    ");
            match &g.commit {
                Some(c) => line.push_str(&format!(
                    "commit {} by {} <{}> on {}: {}",
                    short(&c.id),
                    c.author_name,
                    c.author_email,
                    &iso8601(c.author_time, c.author_tz_offset)[..10],
                    c.summary
                )),
                None => line.push_str(&format!("blob {}", short(&g.blob.to_string()))),
            }
            let state = match &g.presence {
                Presence::AtHead => "still at HEAD".to_owned(),
                Presence::RemovedIn(c) => format!("history only: removed in {}", short(&c.id)),
                Presence::NotOnDefaultBranch => "history only: never on the default branch".to_owned(),
                Presence::Unreachable => "unreachable from any ref".to_owned(),
                Presence::Staged => "staged".to_owned(),
                Presence::InRange => "introduced in the scanned range".to_owned(),
            };
            line.push_str(&format!("; {state}"));
            if g.commits > 1 || g.paths > 1 {
                line.push_str(&format!("; committed {} times at {} paths", g.commits, g.paths));
            }
            writeln!(out, "{}", p.wrap("2", &line))?;
        }
        for c in &f.companions {
            writeln!(out, "    with {} on line {}: {}", c.rule_id, c.line, secret_text(&c.secret, options.redact))?;
        }
    }
    Ok(())
}

/// The one-line summary printed on standard error after a scan.
pub fn summary_line(stats: &Stats) -> String {
    let mut s = format!(
        "sprawl: scanned {} {}, {} in {:.2} s: {} {}, {} {}",
        stats.files,
        plural(stats.files, "file", "files"),
        human_bytes(stats.bytes),
        stats.seconds,
        stats.findings,
        plural(stats.findings, "finding", "findings"),
        stats.errors,
        plural(stats.errors, "error", "errors"),
    );
    if stats.skipped > 0 {
        s.push_str(&format!(", {} skipped", stats.skipped));
    }
    s
}

/// The lines that say what a git scan covered, for standard error. Every report of a git scan
/// ends with them, so that unscanned history never passes for clean.
pub fn coverage_lines(coverage: &[Coverage]) -> Vec<String> {
    coverage
        .iter()
        .map(|c| {
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

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
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
mod tests {
    use super::*;
    use sprawl_core::{Confidence, Location, Origin};

    fn finding() -> Finding {
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
        let mut out = Vec::new();
        let opts = Options { format, redact, color: false };
        write_report(&mut out, &[finding()], &[], &Stats::default(), &[], &opts).unwrap();
        String::from_utf8(out).unwrap()
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
    }

    #[test]
    fn json_wraps_findings() {
        let v: serde_json::Value = serde_json::from_str(&render(Format::Json, true)).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["findings"][0]["secret"], "demo_…");
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_700_000_000, 3600), "2023-11-14T23:13:20+01:00");
        assert_eq!(iso8601(951_782_400, -18_000), "2000-02-28T19:00:00-05:00");
        assert_eq!(iso8601(-86_400, 0), "1969-12-31T00:00:00+00:00");
    }

    #[test]
    fn summary_reads_well() {
        let s = Stats { files: 1, bytes: 2048, findings: 2, errors: 0, skipped: 1, seconds: 0.5 };
        assert_eq!(summary_line(&s), "sprawl: scanned 1 file, 2.0 KiB in 0.50 s: 2 findings, 0 errors, 1 skipped");
    }
}
