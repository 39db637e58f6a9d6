//! End-to-end tests of the `sprawl` binary over directories generated at test time.
//!
//! Every test goes through [`scan`], which runs the real binary and parses its JSONL output,
//! so the CLI can change shape without rewriting the tests.

#![allow(clippy::unwrap_used)] // Tests and benches fail loudly by design.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use sprawl_rules::RuleSet;

mod common;
use common::{Rng, base64, github_token};

fn sprawl() -> Command {
    Command::cargo_bin("sprawl").expect("the sprawl binary is built for integration tests")
}

/// What one scan printed: findings (from JSONL), stderr, exit code.
#[derive(Debug)]
struct Scan {
    findings: Vec<Value>,
    stderr: String,
    code: i32,
}

impl Scan {
    fn rules(&self) -> BTreeSet<String> {
        self.findings.iter().map(|f| f["rule"].as_str().unwrap_or_default().to_owned()).collect()
    }
}

fn parse(out: Output) -> Scan {
    let stdout = String::from_utf8(out.stdout).expect("JSONL output is UTF-8");
    Scan {
        findings: stdout.lines().map(|l| serde_json::from_str(l).expect("each line is a JSON object")).collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn scan(args: &[&str], paths: &[&Path]) -> Scan {
    let out = sprawl().arg("scan").args(["-f", "jsonl"]).args(args).args(paths).output().expect("runs");
    parse(out)
}

/// Where the first capture group of `pattern` starts in `text`: (line, column), 1-based, bytes.
/// Uses the `regex` crate, independent of sprawl's windowed matcher.
fn expected_position(pattern: &str, text: &str) -> Option<(usize, usize)> {
    let re = regex::bytes::RegexBuilder::new(pattern).unicode(false).build().ok()?;
    let caps = re.captures(text.as_bytes())?;
    let start = (1..caps.len()).find_map(|i| caps.get(i)).or_else(|| caps.get(0))?.start();
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = start - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    Some((line, column))
}

#[test]
fn every_builtin_rule_is_found_with_its_id_line_and_column() {
    let (rules, errors) = RuleSet::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(rules.len() >= 40, "only {} rules", rules.len());
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for (i, rule) in rules.rules().iter().enumerate() {
        let example = &rule.examples[0];
        let (line, column) = expected_position(&rule.pattern, example)
            .unwrap_or_else(|| panic!("rule {}: the regex crate finds no match in its first example", rule.id));
        let name = format!("planted_{i:03}.txt");
        // Two lines before the example, one after, so line numbers are not trivially 1.
        std::fs::write(dir.path().join(&name), format!("# config\n\n{example}\nend = true\n")).unwrap();
        expected.push((name, rule.id.to_string(), line + 2, column));
    }
    let s = scan(&["--min-confidence", "low"], &[dir.path()]);
    assert_eq!(s.code, 1, "{}", s.stderr);
    // (file, line, column) → rules reported there.
    let mut found: std::collections::BTreeMap<(String, usize, usize), BTreeSet<String>> = Default::default();
    for f in &s.findings {
        let path = f["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
        let at = (name, f["line"].as_u64().unwrap() as usize, f["column"].as_u64().unwrap() as usize);
        found.entry(at).or_default().insert(f["rule"].as_str().unwrap().to_owned());
    }
    let is_context = |id: &str| rules.get(id).is_some_and(|r| r.context);
    // A context rule's secret may be reported by an equivalent context rule on the same bytes
    // (an MCP header rule and a generic API-key rule); a provider rule must report its own.
    let missing: Vec<_> = expected
        .iter()
        .filter(|(name, id, line, column)| {
            let here = found.get(&(name.clone(), *line, *column));
            !here.is_some_and(|r| r.contains(id) || (is_context(id) && r.iter().any(|o| is_context(o))))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} planted secrets not found at the expected place: {missing:#?}",
        missing.len(),
        expected.len()
    );
}

#[test]
fn a_clean_directory_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.rs"), "fn main() { println!(\"hello\"); }\n").unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    let s = scan(&[], &[dir.path()]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert!(s.findings.is_empty());
    assert!(s.stderr.contains("scanned 2 files"), "{}", s.stderr);
}

#[test]
fn a_checksummed_token_generated_now_is_confirmed_and_redacted_by_default() {
    let token = github_token(&mut Rng(0x5eed));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.sh"), format!("#!/bin/sh\nexport GITHUB_TOKEN={token}\n")).unwrap();
    let s = scan(&[], &[dir.path()]);
    assert_eq!(s.code, 1);
    assert_eq!(s.findings.len(), 1, "{:#?}", s.findings);
    let f = &s.findings[0];
    assert_eq!(f["rule"], "github.pat.classic");
    assert_eq!(f["confidence"], "confirmed");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(2), Some(21)));
    let shown = f["secret"].as_str().unwrap();
    assert!(shown.len() < 12 && token.starts_with(shown.trim_end_matches('…')), "{shown}");

    let human = sprawl().arg("scan").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains(&token), "the human format leaked the secret: {text}");
    assert!(!text.contains('\x1b'), "colour when stdout is not a terminal");

    let s = scan(&["--no-redact"], &[dir.path()]);
    assert_eq!(s.findings[0]["secret"], token.as_str());
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let token = github_token(&mut Rng(7));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.env"), format!("T={token}\n")).unwrap();
    let out = sprawl().args(["--color", "always", "scan"]).arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
}

#[test]
fn stdin_is_scanned_with_a_dash() {
    let token = github_token(&mut Rng(11));
    let out =
        sprawl().args(["scan", "-", "-f", "jsonl"]).write_stdin(format!("line one\ntoken={token}\n")).output().unwrap();
    let s = parse(out);
    assert_eq!(s.code, 1, "{}", s.stderr);
    assert_eq!(s.findings[0]["path"], "<stdin>");
    assert_eq!(s.findings[0]["line"], 2);
    assert_eq!(s.findings[0]["column"], 7);
}

#[test]
fn gitignore_hidden_files_dot_git_and_no_ignore() {
    let mut rng = Rng(99);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
    std::fs::create_dir_all(root.join("build")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join("build/out.txt"), format!("{}\n", github_token(&mut rng))).unwrap();
    std::fs::write(root.join(".git/config"), format!("{}\n", github_token(&mut rng))).unwrap();
    std::fs::write(root.join(".env"), format!("TOKEN={}\n", github_token(&mut rng))).unwrap();

    let names = |s: &Scan| -> BTreeSet<String> {
        s.findings
            .iter()
            .map(|f| f["path"].as_str().unwrap().trim_start_matches(&*root.to_string_lossy()).to_owned())
            .collect()
    };
    let s = scan(&[], &[root]);
    assert_eq!(names(&s), BTreeSet::from(["/.env".to_owned()]));
    let s = scan(&["--no-ignore"], &[root]);
    assert_eq!(names(&s), BTreeSet::from(["/.env".to_owned(), "/build/out.txt".to_owned()]));
}

#[test]
fn binary_files_are_skipped_unless_asked() {
    let token = github_token(&mut Rng(5));
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x7fELF\0\0\0".to_vec();
    bytes.extend_from_slice(token.as_bytes());
    std::fs::write(dir.path().join("app.bin"), &bytes).unwrap();
    let s = scan(&[], &[dir.path()]);
    assert_eq!(s.code, 0);
    assert!(s.stderr.contains("1 skipped"), "{}", s.stderr);
    let s = scan(&["--scan-binary"], &[dir.path()]);
    assert_eq!(s.rules(), BTreeSet::from(["github.pat.classic".to_owned()]));
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let mut rng = Rng(1234);
    let dir = tempfile::tempdir().unwrap();
    for i in 0..60 {
        let sub = dir.path().join(format!("d{}", i % 7));
        std::fs::create_dir_all(&sub).unwrap();
        let body = (0..i % 5).map(|_| format!("k = {}\n", github_token(&mut rng))).collect::<String>();
        std::fs::write(sub.join(format!("f{i}.txt")), body).unwrap();
    }
    let run = |jobs: &str| sprawl().args(["scan", "-f", "json", "-j", jobs]).arg(dir.path()).output().unwrap();
    let strip = |o: Output| {
        let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["stats"]["seconds"] = Value::Null;
        v
    };
    let one = strip(run("1"));
    assert_eq!(one["findings"].as_array().unwrap().len(), (0..60).map(|i| i % 5).sum::<usize>());
    assert_eq!(one, strip(run("4")));
}

#[test]
fn a_missing_path_is_an_error_and_the_rest_is_scanned() {
    let token = github_token(&mut Rng(3));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), format!("{token}\n")).unwrap();
    let missing = dir.path().join("does-not-exist");
    let s = scan(&[], &[&missing, dir.path()]);
    assert_eq!(s.code, 2, "an incomplete scan must not exit 0 or 1");
    assert!(s.stderr.contains(&format!("{}: no such file or directory", missing.display())), "{}", s.stderr);
    assert_eq!(s.findings.len(), 1, "the other path is still scanned");
}

#[test]
fn broken_symlinks_empty_files_and_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let token = github_token(&mut Rng(8));
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("link")).unwrap();
    std::fs::write(dir.path().join("empty"), "").unwrap();
    let weird = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.env"));
    std::fs::write(&weird, format!("X={token}\n")).unwrap();
    let s = scan(&[], &[dir.path()]);
    assert_eq!(s.code, 1, "{}", s.stderr);
    assert!(s.stderr.contains("link: broken symbolic link"), "{}", s.stderr);
    assert_eq!(s.findings.len(), 1);
    assert!(s.findings[0]["path"].as_str().unwrap().ends_with("caf\u{fffd}.env"), "{:?}", s.findings[0]["path"]);
    assert!(!s.stderr.contains("panicked"));
}

/// Running as root, permissions do not stop reads, so the unreadable-file test drops to
/// `nobody`; as an ordinary user it runs directly.
#[test]
fn an_unreadable_file_is_an_error_naming_it_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let token = github_token(&mut Rng(21));
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = dir.path().join("locked.txt");
    std::fs::write(&secret, "nothing\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let open = dir.path().join("open.txt");
    std::fs::write(&open, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();

    let bin = assert_cmd::cargo::cargo_bin("sprawl");
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["scan", "-f", "jsonl"]).arg(dir.path());
    let is_root =
        std::process::Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    if is_root {
        cmd.uid(65534).gid(65534);
    }
    let s = parse(cmd.output().unwrap());
    assert_eq!(s.code, 2, "{}", s.stderr);
    assert!(s.stderr.contains(&format!("{}: Permission denied", secret.display())), "{}", s.stderr);
    assert_eq!(s.findings.len(), 1);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const CUSTOM: &str = r#"
rules:
  - id: acme.deploy_key
    name: ACME deploy key
    pattern: '\b(acmedk_[a-z0-9]{24})\b'
    keywords: [acmedk_]
    max_len: 31
    identity: acme
    examples: ['ACME_KEY=acmedk_0a9s8d7f6g5h4j3k2l1q2w3e']
    negative_examples: ['acmedk_short']
  - id: acme.broken
    name: ACME broken
    pattern: '\b(acmebr_[a-z0-9]{24}\b'
    keywords: [acmebr_]
    max_len: 31
    identity: acme
"#;

#[test]
fn custom_rules_load_and_a_bad_regex_names_the_rule_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "custom.yml", CUSTOM);
    let data = tempfile::tempdir().unwrap();
    write(data.path(), "app.env", "ACME_KEY=acmedk_q1w2e3r4t5y6u7i8o9p0a1s2\n");
    let s = scan(&["--rules", rules.to_str().unwrap()], &[data.path()]);
    assert_eq!(s.code, 2, "a broken rule is an error: {}", s.stderr);
    assert!(s.stderr.contains(&format!("{}:11: rule `acme.broken`: invalid pattern", rules.display())), "{}", s.stderr);
    assert_eq!(s.rules(), BTreeSet::from(["acme.deploy_key".to_owned()]), "the valid custom rule still runs");
}

#[test]
fn a_rules_file_with_a_yaml_error_is_named_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "bad.yml", "rules:\n  - id: x.y\n    name: [unclosed\n");
    let data = tempfile::tempdir().unwrap();
    write(data.path(), "t.txt", &format!("{}\n", github_token(&mut Rng(77))));
    let s = scan(&["--rules", rules.to_str().unwrap()], &[data.path()]);
    assert_eq!(s.code, 2);
    assert!(s.stderr.contains(&format!("{}: line 3", rules.display())), "{}", s.stderr);
    assert_eq!(s.findings.len(), 1, "built-in rules still scanned");
}

#[test]
fn rules_list_and_check() {
    let out = sprawl().args(["rules", "list", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.len() >= 40);
    assert!(list.iter().any(|r| r["id"] == "github.pat.classic"));

    sprawl().args(["rules", "check"]).assert().success().stdout(predicates::str::contains(": ok"));

    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.yml", &CUSTOM[..CUSTOM.find("  - id: acme.broken").unwrap()]);
    sprawl().args(["rules", "check"]).arg(&good).assert().success();
    let bad = write(dir.path(), "bad.yml", &CUSTOM.replace("acmedk_short", "acmedk_zz9s8d7f6g5h4j3k2l1q2w3e"));
    sprawl()
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .code(2)
        .stdout(predicates::str::contains("invalid pattern"))
        .stdout(predicates::str::contains("negative example 1 is found"));
}

#[test]
fn bad_arguments_exit_two() {
    sprawl().args(["scan", "--format", "xml"]).assert().code(2);
    sprawl().args(["scan", "--jobs", "many"]).assert().code(2);
    sprawl().arg("frobnicate").assert().code(2);
}

#[test]
fn encoded_secrets_are_found_with_their_decoding_chain() {
    let mut rng = Rng(2024);
    let (a, b, c) = (github_token(&mut rng), github_token(&mut rng), github_token(&mut rng));
    let dir = tempfile::tempdir().unwrap();
    let once = base64(a.as_bytes());
    let twice = base64(base64(format!("GITHUB_TOKEN={b}").as_bytes()).as_bytes());
    let hex: String = format!("TOKEN={c}").bytes().map(|x| format!("{x:02x}")).collect();
    std::fs::write(
        dir.path().join("secret.yaml"),
        format!("apiVersion: v1\nkind: Secret\ndata:\n  token: {once}\n  nested: {twice}\n  blob: {hex}\n"),
    )
    .unwrap();
    let s = scan(&[], &[dir.path()]);
    let got: BTreeSet<(u64, u64, String)> = s
        .findings
        .iter()
        .map(|f| {
            let chain: Vec<&str> = f["decoded"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap(), chain.join(">"))
        })
        .collect();
    let want =
        BTreeSet::from([(4, 10, "base64".to_owned()), (5, 11, "base64>base64".to_owned()), (6, 9, "hex".to_owned())]);
    assert_eq!(got, want, "{:#?}", s.findings);

    let github = |s: &Scan| s.findings.iter().filter(|f| f["rule"] == "github.pat.classic").count();
    let s = scan(&["--decode-depth", "1"], &[dir.path()]);
    assert_eq!(github(&s), 2, "depth 1 does not reach the doubly encoded token");
    let s = scan(&["--decode-depth", "0"], &[dir.path()]);
    assert_eq!(github(&s), 0, "decoding off: no token is visible as written");
}

#[test]
fn binary_keystores_are_reported_though_other_binaries_are_skipped() {
    let mut rng = Rng(4242);
    let dir = tempfile::tempdir().unwrap();
    // A PKCS#12-shaped file: SEQUENCE, long length, version 3, the authSafe SEQUENCE, then
    // random content.
    let body_len = 1500usize;
    let mut p12 = vec![0x30, 0x82, ((body_len + 7) >> 8) as u8, (body_len + 7) as u8, 0x02, 0x01, 0x03];
    p12.extend([0x30, 0x82, (body_len >> 8) as u8, body_len as u8]);
    p12.extend((0..body_len).map(|_| rng.next() as u8));
    std::fs::write(dir.path().join("client.p12"), &p12).unwrap();
    std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let s = scan(&[], &[dir.path()]);
    assert_eq!(s.rules(), BTreeSet::from(["keystore.pkcs12".to_owned()]), "{}", s.stderr);
    assert_eq!((s.findings[0]["line"].as_u64(), s.findings[0]["column"].as_u64()), (Some(1), Some(1)));
    assert!(s.findings[0]["path"].as_str().unwrap().ends_with("client.p12"));
    assert!(s.stderr.contains("1 skipped"), "the PNG is skipped: {}", s.stderr);
}
