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
use sprawl_core::{Finding, Problem, ProblemKind, Secret, Stats};

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
    }
}

/// Writes the findings (and, for `json`, problems and stats) to `out`.
pub fn write_report(
    out: &mut dyn Write,
    findings: &[Finding],
    problems: &[Problem],
    stats: &Stats,
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
        }
    }

    fn render(format: Format, redact: bool) -> String {
        let mut out = Vec::new();
        let opts = Options { format, redact, color: false };
        write_report(&mut out, &[finding()], &[], &Stats::default(), &opts).unwrap();
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
    fn summary_reads_well() {
        let s = Stats { files: 1, bytes: 2048, findings: 2, errors: 0, skipped: 1, seconds: 0.5 };
        assert_eq!(summary_line(&s), "sprawl: scanned 1 file, 2.0 KiB in 0.50 s: 2 findings, 0 errors, 1 skipped");
    }
}
