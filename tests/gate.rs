//! The CI-gate features end to end: baselines, inline allow comments, `.sprawl.yaml`, gitleaks
//! migration, and exit-code policy. Token-shaped values are generated at test time.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{Rng, github_token};

struct Run {
    findings: Vec<Value>,
    stderr: String,
    code: i32,
}

fn sprawl(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(assert_cmd::cargo::cargo_bin("sprawl"))
        .current_dir(cwd)
        .env_remove("SPRAWL_FINGERPRINT_KEY")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    Run {
        findings: stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn scan(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["scan", "-f", "jsonl", "--no-redact"];
    args.extend_from_slice(extra);
    args.push(".");
    sprawl(&args, dir)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn secrets(r: &Run) -> Vec<String> {
    let mut v: Vec<String> = r.findings.iter().map(|f| f["secret"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

#[test]
fn baselines_are_byte_stable_survive_moves_and_catch_swaps() {
    let mut rng = Rng(70);
    let (a, b, fresh) = (github_token(&mut rng), github_token(&mut rng), github_token(&mut rng));
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "app/.env", &format!("A={a}\n"));
    write(dir, "deploy.sh", &format!("export B={b}\n"));

    let r = sprawl(&["baseline", "create", "--reason", "rotated 2026-11", "."], dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let baseline = dir.join(".sprawl-baseline.json");
    let first = std::fs::read(&baseline).unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("rotated 2026-11") && !text.contains(&a) && !text.contains("\"line\""), "{text}");
    assert!(dir.join(".sprawl/fingerprint.key").is_file(), "the key is created on first use");

    // Unchanged code: update rewrites the same bytes.
    let r = sprawl(&["baseline", "update", "."], dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&baseline).unwrap(), first);

    // Everything accepted: clean.
    let r = scan(dir, &["--baseline", ".sprawl-baseline.json"]);
    assert_eq!((r.code, r.findings.len()), (0, 0), "{}", r.stderr);
    let out = Command::new(assert_cmd::cargo::cargo_bin("sprawl"))
        .current_dir(dir)
        .env_remove("SPRAWL_FINGERPRINT_KEY")
        .args(["scan", "-f", "json", "--baseline", ".sprawl-baseline.json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["allowed"], 2, "accepted findings are counted, not reported");

    // Move a secret to another line and another file: still accepted.
    write(dir, "app/.env", "# moved\n");
    write(dir, "config/settings.py", &format!("\n\n\nA = \"{a}\"\n"));
    let r = scan(dir, &["--baseline", ".sprawl-baseline.json"]);
    assert_eq!((r.code, r.findings.len()), (0, 0), "{}", r.stderr);

    // Swap the secret on the accepted line: reported.
    write(dir, "deploy.sh", &format!("export B={fresh}\n"));
    let r = scan(dir, &["--baseline", ".sprawl-baseline.json"]);
    assert_eq!(r.code, 1);
    assert_eq!(secrets(&r), vec![fresh.clone()]);

    // Prune drops the entry nothing matches any more (b), keeps a.
    let r = sprawl(&["baseline", "prune", "."], dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("1 stale entries removed"), "{}", r.stderr);
}

#[test]
fn a_broken_baseline_is_an_error_not_a_silent_change() {
    let token = github_token(&mut Rng(71));
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.txt", &format!("{token}\n"));
    write(
        d.path(),
        "base.json",
        "{\n  \"version\": 1,\n  \"entries\": [\n    {\"fingerprint\": \"nothex\", \"rule\": \"x\", \"path\": \"p\"}\n  ]\n}\n",
    );
    let r = scan(d.path(), &["--baseline", "base.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("base.json:4:") && r.stderr.contains("64 hex"), "{}", r.stderr);
    write(d.path(), "base.json", "{ not json");
    let r = scan(d.path(), &["--baseline", "base.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("base.json:1:"), "{}", r.stderr);
    let r = scan(d.path(), &["--baseline", "missing.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.json"), "{}", r.stderr);

    // An entry for a rule that does not exist would silently accept nothing: an error at its line.
    let fp = "ab".repeat(32);
    let entry = |rule: &str| format!("    {{\"fingerprint\": \"{fp}\", \"rule\": \"{rule}\", \"path\": \"old.txt\"}}");
    write(
        d.path(),
        "base.json",
        &format!("{{\n  \"version\": 1,\n  \"entries\": [\n{}\n  ]\n}}\n", entry("no.such.rule")),
    );
    let r = scan(d.path(), &["--baseline", "base.json"]);
    assert_eq!((r.code, r.findings.len()), (2, 0), "{}", r.stderr);
    assert!(r.stderr.contains("base.json:4: baseline entry for unknown rule id `no.such.rule`"), "{}", r.stderr);

    // A stale entry (its secret is gone) is named with its line; the scan still reports the rest.
    write(
        d.path(),
        "base.json",
        &format!("{{\n  \"version\": 1,\n  \"entries\": [\n{}\n  ]\n}}\n", entry("github.pat.classic")),
    );
    let r = scan(d.path(), &["--baseline", "base.json"]);
    assert_eq!((r.code, r.findings.len()), (1, 1), "{}", r.stderr);
    assert!(
        r.stderr.contains("base.json:4: baseline entry for github.pat.classic (first seen at old.txt) matched nothing"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_allow_marker_works_and_is_tied_to_its_line() {
    let mut rng = Rng(72);
    let d = tempfile::tempdir().unwrap();
    let markers = [
        "# sprawl:allow",
        "// gitleaks:allow",
        "# betterleaks:allow",
        "# trufflehog:ignore",
        "# kingfisher:allow",
        "# pragma: allowlist secret",
    ];
    let mut text = String::new();
    for m in markers {
        text.push_str(&format!("T = \"{}\"  {m}\n", github_token(&mut rng)));
    }
    text.push_str("# pragma: allowlist nextline secret\n");
    text.push_str(&format!("T = \"{}\"\n", github_token(&mut rng)));
    let loose = github_token(&mut rng);
    text.push_str(&format!("T = \"{loose}\"\n"));
    write(d.path(), "app.py", &text);
    let r = scan(d.path(), &[]);
    assert_eq!(secrets(&r), vec![loose], "only the unmarked line: {:#?}", r.findings);
    assert!(r.stderr.contains("7 allowed"), "{}", r.stderr);

    // A marker does not travel with the secret: moved to a line without one, it is reported.
    let moved = github_token(&mut rng);
    write(d.path(), "app.py", &format!("T = \"{moved}\"  # sprawl:allow\n"));
    assert!(scan(d.path(), &[]).findings.is_empty());
    write(d.path(), "app.py", &format!("# sprawl:allow\nT = \"{moved}\"\n"));
    assert_eq!(secrets(&scan(d.path(), &[])), vec![moved]);
}

#[test]
fn a_bound_allow_comment_does_not_cover_a_swapped_secret() {
    let mut rng = Rng(73);
    let (old, new) = (github_token(&mut rng), github_token(&mut rng));
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.env", &format!("T={old}\n"));
    // Creating a baseline creates the project's fingerprint key, so fingerprints are stable.
    let r = sprawl(&["baseline", "create", "."], d.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = scan(d.path(), &[]);
    let fp = r.findings[0]["fingerprint"].as_str().unwrap().to_owned();
    write(d.path(), "a.env", &format!("T={old}  # sprawl:allow:{}\n", &fp[..12]));
    assert!(scan(d.path(), &[]).findings.is_empty());
    write(d.path(), "a.env", &format!("T={new}  # sprawl:allow:{}\n", &fp[..12]));
    assert_eq!(secrets(&scan(d.path(), &[])), vec![new]);
}

#[test]
fn the_config_file_selects_rules_and_allowlists_with_clear_errors() {
    let mut rng = Rng(74);
    let (kept, fixture, sandbox) = (github_token(&mut rng), github_token(&mut rng), github_token(&mut rng));
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(
        dir,
        "src/app.env",
        &format!("T={kept}\nAWS_KEY=AKIA{}\n", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
    );
    write(dir, "tests/fixtures/sample.env", &format!("T={fixture}\n"));
    write(dir, "src/other.env", &format!("T={sandbox}\n"));
    let stop = &sandbox[4..12];
    write(
        dir,
        ".sprawl.yaml",
        &format!(
            "rules:\n  disable: [\"aws.*\"]\nallow:\n  paths: [\"tests/fixtures/**\"]\n  rules:\n    github.pat.classic:\n      stopwords: [\"{stop}\"]\n"
        ),
    );
    let r = scan(dir, &[]);
    assert_eq!(secrets(&r), vec![kept.clone()], "{}", r.stderr);
    assert!(r.stderr.contains("2 allowed"), "{}", r.stderr);

    write(dir, ".sprawl.yaml", "rules:\n  disable:\n    - aws.access_key_id\n    - no.such.rule\n");
    let r = scan(dir, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".sprawl.yaml:4: rules.disable: `no.such.rule` names no rule"), "{}", r.stderr);

    write(dir, ".sprawl.yaml", "allow:\n  pathz: [x]\n");
    let r = scan(dir, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".sprawl.yaml:2:") && r.stderr.contains("pathz"), "{}", r.stderr);

    // --config picks another file; flags win over it.
    std::fs::remove_file(dir.join(".sprawl.yaml")).unwrap();
    write(dir, "ci/strict.yaml", "min_confidence: confirmed\n");
    let r = scan(dir, &["--config", "ci/strict.yaml"]);
    assert_eq!(r.findings.len(), 3, "generated tokens carry valid checksums: {}", r.stderr);
    let r = scan(dir, &["--config", "ci/strict.yaml", "--min-confidence", "low"]);
    assert!(r.findings.len() >= 3);
}

#[test]
fn gitleaks_configs_and_reports_migrate() {
    let mut rng = Rng(75);
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let custom = format!("acme_{}", rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 32));
    let allowed = format!("acme_{}", rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 32));
    let gh = github_token(&mut rng);
    write(dir, "svc/app.env", &format!("ACME={custom}\nGH={gh}\n"));
    write(dir, "vendor/lib.env", &format!("ACME={allowed}\n"));
    write(
        dir,
        ".gitleaks.toml",
        "title = \"acme\"\n\n[[rules]]\nid = \"acme-token\"\ndescription = \"ACME internal token\"\nregex = '''acme_[a-z0-9]{32}'''\nkeywords = [\"acme_\"]\n\n[allowlist]\npaths = ['''(^|/)vendor/''']\n",
    );
    let r = scan(dir, &["--gitleaks-config", ".gitleaks.toml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rules: Vec<&str> = r.findings.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"gitleaks.acme-token") && rules.contains(&"github.pat.classic"), "{rules:?}");
    assert!(!secrets(&r).contains(&allowed), "vendor/ is allowlisted");

    // An unsupported feature is named with its line, and nothing is scanned half-configured.
    write(
        dir,
        "bad.toml",
        "[[rules]]\nid = \"x\"\nregex = '''x_[a-z]{8}'''\nkeywords = [\"x_\"]\n\n[allowlist]\nregexTarget = \"line\"\nregexes = ['''foo''']\n",
    );
    let r = scan(dir, &["--gitleaks-config", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml:6: allowlist: regexTarget = \"line\" is not supported"), "{}", r.stderr);

    // A gitleaks report becomes a baseline that accepts the same secrets.
    let report = serde_json::json!([
        {"RuleID": "github-pat", "Secret": gh, "File": "svc/app.env", "StartLine": 2, "Fingerprint": "svc/app.env:github-pat:2"},
        {"RuleID": "acme-token", "Secret": custom, "File": "svc/app.env", "StartLine": 1, "Fingerprint": "svc/app.env:acme-token:1"}
    ]);
    write(dir, "gitleaks-report.json", &report.to_string());
    let r = sprawl(&["baseline", "import-gitleaks", "gitleaks-report.json"], dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = scan(dir, &["--gitleaks-config", ".gitleaks.toml", "--baseline", ".sprawl-baseline.json"]);
    assert_eq!((r.code, r.findings.len()), (0, 0), "{:#?} {}", r.findings, r.stderr);

    let redacted = serde_json::json!([{"RuleID": "x", "Secret": "REDACTED", "File": "a", "StartLine": 3}]);
    write(dir, "redacted.json", &redacted.to_string());
    let r = sprawl(&["baseline", "import-gitleaks", "redacted.json"], dir);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("redacted") && r.stderr.contains("a:3"), "{}", r.stderr);
}

#[test]
fn exit_codes_follow_fail_on_and_exit_zero() {
    let d = tempfile::tempdir().unwrap();
    // A made-up token (bad checksum): reported at medium.
    let made_up = format!("ghp_{}", Rng(76).string(common::BASE62, 36));
    write(d.path(), "a.txt", &format!("{made_up}\n"));
    assert_eq!(scan(d.path(), &[]).code, 1);
    assert_eq!(scan(d.path(), &["--fail-on", "high"]).code, 0, "medium is below --fail-on high");
    assert_eq!(scan(d.path(), &["--fail-on", "medium"]).code, 1);
    let r = scan(d.path(), &["--exit-zero"]);
    assert_eq!((r.code, r.findings.len()), (0, 1));
}
