//! The report formats end to end (issue 7): dedup by secret, SARIF 2.1.0 validated against the
//! official OASIS schema (vendored in `tests/sarif/`), `sprawl schema` validating real JSON and
//! JSONL reports, GitHub annotations.
//!
//! Every scenario runs the real binary over files (or a git repository built with the `git`
//! CLI) generated at test time; token-shaped values come from `common::github_token`.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use sprawl_rules::RuleSet;

mod common;
use common::{Rng, base64, github_token};

/// What one run printed.
struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sprawl(args: &[&str], paths: &[&Path], stdin: Option<&str>) -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("sprawl").unwrap();
    cmd.args(args).args(paths);
    if let Some(text) = stdin {
        cmd.write_stdin(text.to_owned());
    }
    let out = cmd.output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn scan(format: &str, extra: &[&str], paths: &[&Path]) -> Run {
    let mut args = vec!["scan", "-f", format];
    args.extend_from_slice(extra);
    sprawl(&args, paths, None)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

fn sarif_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
        let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
    })
}

/// The schema `sprawl schema` prints, rooted at the report or at `#/$defs/{def}`.
fn report_validator(def: Option<&str>) -> jsonschema::Validator {
    let run = sprawl(&["schema"], &[], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut schema = json(&run);
    assert!(jsonschema::meta::is_valid(&schema), "`sprawl schema` prints a valid JSON Schema");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    if let Some(def) = def {
        schema = serde_json::json!({
            "$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": format!("#/$defs/{def}"),
        });
    }
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(doc).take(20).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{doc:#}");
}

/// Checks one SARIF log: valid against the OASIS schema, every rule once and referenced,
/// every `ruleIndex` pointing at its `ruleId`, relative URIs under `SRCROOT`. Returns the run.
fn check_sarif(run: &Run, what: &str) -> Value {
    let log = json(run);
    assert_valid(sarif_validator(), &log, what);
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(r["columnKind"], "unicodeCodePoints", "{what}");
    let rules = r["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: duplicate rule entries {ids:?}");
    let mut used = BTreeSet::new();
    for res in r["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"], "{what}: ruleIndex {i} points at another rule");
        used.insert(res["ruleId"].as_str().unwrap());
        for loc in std::iter::once(&res["locations"][0]).chain(res["relatedLocations"].as_array().into_iter().flatten())
        {
            let artifact = &loc["physicalLocation"]["artifactLocation"];
            if let Some(uri) = artifact["uri"].as_str() {
                assert!(!uri.starts_with('/') && !uri.contains("://"), "{what}: {uri} is not relative");
                assert_eq!(artifact["uriBaseId"], "SRCROOT", "{what}");
            }
            assert!(loc["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
    assert_eq!(used, unique, "{what}: rules listed that no result uses");
    log
}

/// A git repository in a temporary directory, driven by the `git` CLI with a private HOME.
struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let r = Repo { dir: tempfile::tempdir().unwrap(), home: tempfile::tempdir().unwrap() };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_at(args, T1)
    }

    /// Runs git with author and committer dates at `time` (seconds, UTC).
    fn git_at(&self, args: &[&str], time: i64) -> String {
        let date = format!("@{time} +0000");
        common::run_git(
            common::git_command(self.path(), self.home.path())
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date),
            args,
        )
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn commit(&self, message: &str, time: i64) -> String {
        self.git(&["add", "-A"]);
        self.git_at(&["commit", "-q", "--allow-empty", "-m", message], time);
        self.git(&["rev-parse", "HEAD"])
    }
}

const T1: i64 = 1_700_000_000;

/// 40 files with the same key.
fn forty_files(token: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        let sub = dir.path().join(format!("svc{}", i % 4));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("deploy-{i:02}.env")), format!("# service {i}\nGITHUB_TOKEN={token}\n"))
            .unwrap();
    }
    dir
}

#[test]
fn forty_occurrences_of_one_key_are_one_finding_with_forty_locations() {
    let token = github_token(&mut Rng(40));
    let dir = forty_files(&token);
    let root = dir.path();

    let run = scan("json", &[], &[root]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = json(&run);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    let f = &findings[0];
    let locations = f["locations"].as_array().unwrap();
    assert_eq!(locations.len(), 40);
    assert_eq!(locations[0]["path"], f["path"], "the primary is the first location");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(2), Some(14)));
    let paths: BTreeSet<&str> = locations.iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), 40, "every file once");
    let sorted: Vec<&str> = locations.iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert!(sorted.windows(2).all(|w| w[0] < w[1]), "locations sorted by path: {sorted:?}");
    assert_eq!((doc["stats"]["findings"].as_u64(), doc["stats"]["occurrences"].as_u64()), (Some(1), Some(40)));
    assert!(run.stderr.contains("1 finding (40 occurrences)"), "{}", run.stderr);
    assert_valid(&report_validator(None), &doc, "json, 40 occurrences");

    let run = scan("jsonl", &[], &[root]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let line: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(line["locations"].as_array().unwrap().len(), 40);
    assert_valid(&report_validator(Some("finding")), &line, "jsonl line");

    let run = scan("sarif", &[], &[root]);
    let log = check_sarif(&run, "sarif, 40 occurrences");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["relatedLocations"].as_array().unwrap().len(), 39);
    assert_eq!(results[0]["properties"]["occurrences"], 40);
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "svc0/deploy-00.env");

    let run = scan("human", &[], &[root]);
    let top: Vec<&str> = run.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(top.len(), 1, "{}", run.stdout);
    assert_eq!(run.stdout.lines().filter(|l| l.starts_with("    also at ")).count(), 10, "capped");
    assert!(run.stdout.contains("    and 29 more"), "{}", run.stdout);

    let run = scan("github", &[], &[root]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("found at 40 locations"), "{}", run.stdout);

    for out in [scan("json", &[], &[root]), scan("sarif", &[], &[root]), scan("github", &[], &[root])] {
        assert!(!out.stdout.contains(&token), "redacted by default");
    }

    // --no-dedup: one per occurrence, everywhere.
    let doc = json(&scan("json", &["--no-dedup"], &[root]));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 40);
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["locations"].as_array().unwrap().len() == 1));
    assert_eq!(doc["stats"]["findings"], 40);
    assert_eq!(scan("jsonl", &["--no-dedup"], &[root]).stdout.lines().count(), 40);
    let log = check_sarif(&scan("sarif", &["--no-dedup"], &[root]), "sarif --no-dedup");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 40);
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 1, "never a duplicate rule");
    let human = scan("human", &["--no-dedup"], &[root]).stdout;
    assert_eq!(human.lines().filter(|l| !l.starts_with(' ')).count(), 40);
    assert_eq!(scan("github", &["--no-dedup"], &[root]).stdout.lines().count(), 40);
}

#[test]
fn forty_commits_of_one_key_are_one_finding_with_every_commit() {
    let token = github_token(&mut Rng(4040));
    let r = Repo::new();
    let mut commits = Vec::new();
    for i in 0..40 {
        // Each commit changes the file, so each introduces a new blob holding the key.
        r.write("config/ci.env", &format!("# revision {i}\nGITHUB_TOKEN={token}\n"));
        commits.push(r.commit(&format!("revision {i}"), T1 + i * 60));
    }
    let run = scan("json", &["--no-redact"], &[r.path()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = json(&run);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    let f = &findings[0];
    assert_eq!(f["secret"], token.as_str());
    let locations = f["locations"].as_array().unwrap();
    assert_eq!(locations.len(), 40);
    let listed: Vec<&str> = locations.iter().map(|l| l["git"]["commit"]["id"].as_str().unwrap()).collect();
    // The primary is where the key is now (HEAD's blob), then history, oldest first.
    let mut want: Vec<&str> = vec![&commits[39]];
    want.extend(commits[..39].iter().map(String::as_str));
    assert_eq!(listed, want);
    assert_eq!(f["git"]["commit"]["id"], commits[39].as_str());
    assert_eq!(f["git"]["state"], "head");
    assert!(locations[1..].iter().all(|l| l["git"]["state"] == "history"), "{locations:#?}");
    assert_eq!(locations[1]["git"]["commit"]["author"], "Ada Lovelace");
    assert_eq!(locations[1]["git"]["commit"]["date"], "2023-11-14T22:13:20+00:00");
    assert_valid(&report_validator(None), &doc, "json, 40 commits");

    let log = check_sarif(&scan("sarif", &[], &[r.path()]), "sarif, 40 commits");
    let res = &log["runs"][0]["results"][0];
    assert_eq!(res["relatedLocations"].as_array().unwrap().len(), 39);
    assert_eq!(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "config/ci.env");
    assert_eq!(res["properties"]["git"]["commit"]["id"], commits[39].as_str());
    assert_eq!(res["relatedLocations"][0]["properties"]["git"]["commit"]["id"], commits[0].as_str());
    assert_eq!(res["relatedLocations"][38]["properties"]["git"]["commit"]["id"], commits[38].as_str());

    let human = scan("human", &[], &[r.path()]).stdout;
    assert_eq!(human.lines().filter(|l| !l.starts_with(' ')).count(), 1, "{human}");
    assert!(human.contains("    and 29 more"), "{human}");
    assert_eq!(json(&scan("json", &["--no-dedup"], &[r.path()]))["findings"].as_array().unwrap().len(), 40);
}

#[test]
fn sarif_validates_for_every_scenario() {
    let mut rng = Rng(0x5a21f);

    // Plain files: every built-in rule's first example, each in its own file, and two names
    // that need percent-encoding.
    let (rules, errors) = RuleSet::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let catalog = tempfile::tempdir().unwrap();
    for (i, rule) in rules.rules().iter().enumerate() {
        let dir = catalog.path().join(format!("d{}", i % 5));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("planted_{i:03}.txt")),
            format!("# config\n\n{}\nend = true\n", rule.examples[0]),
        )
        .unwrap();
    }
    let odd = catalog.path().join("we:ird, dir #1");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("ünïcode 100%.env"), format!("T={}\n", github_token(&mut rng))).unwrap();
    let run = scan("sarif", &["--min-confidence", "low"], &[catalog.path()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = check_sarif(&run, "catalog");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let rule_count = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len();
    assert!(rule_count > 100, "many rules reported: {rule_count}");
    let uris: Vec<&str> = results
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    let odd: Vec<&&str> = uris.iter().filter(|u| u.starts_with("we")).collect();
    assert_eq!(odd, [&"we%3Aird,%20dir%20%231/%C3%BCn%C3%AFcode%20100%25.env"]);
    let levels: BTreeSet<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert!(levels.contains("error") && levels.contains("warning"), "{levels:?}");
    for r in results {
        let want = match r["properties"]["confidence"].as_str().unwrap() {
            "confirmed" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], want);
    }
    // Deterministic, whatever the thread count.
    let again = sprawl(&["scan", "-f", "sarif", "--min-confidence", "low", "-j", "1"], &[catalog.path()], None);
    assert_eq!(again.stdout, run.stdout);

    // Decoded findings.
    let (a, b) = (github_token(&mut rng), github_token(&mut rng));
    let decoded = tempfile::tempdir().unwrap();
    std::fs::write(
        decoded.path().join("secret.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  token: {}\n  nested: {}\n",
            base64(a.as_bytes()),
            base64(base64(format!("GITHUB_TOKEN={b}").as_bytes()).as_bytes())
        ),
    )
    .unwrap();
    let log = check_sarif(&scan("sarif", &[], &[decoded.path()]), "decoded");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().any(|r| r["properties"]["decoded"] == serde_json::json!(["base64", "base64"])));

    // A git history: a key removed from HEAD, one still there, one changed across commits, and
    // an uncommitted file.
    let r = Repo::new();
    let [gone, kept, moving, fresh] = std::array::from_fn(|_| github_token(&mut rng));
    r.write("README.md", "# app\n");
    r.commit("init", T1);
    r.write("config/.env", &format!("DEBUG=1\nGITHUB_TOKEN={gone}\n"));
    r.commit("add env", T1 + 60);
    r.git(&["rm", "-q", "config/.env"]);
    r.commit("remove env", T1 + 120);
    for i in 0..3 {
        r.write("src/app.py", &format!("# v{i}\nTOKEN = \"{moving}\"\nOTHER = \"{kept}\"\n"));
        r.commit(&format!("app v{i}"), T1 + 200 + i);
    }
    r.write("notes with space.txt", &format!("{fresh}\n"));
    let run = scan("sarif", &[], &[r.path()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = check_sarif(&run, "git history");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{log:#}");
    let states: BTreeSet<&str> =
        results.iter().map(|r| r["properties"]["git"]["state"].as_str().unwrap_or("worktree")).collect();
    assert_eq!(states, BTreeSet::from(["head", "history", "worktree"]));
    let uris: BTreeSet<&str> = results
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, BTreeSet::from(["config/.env", "notes%20with%20space.txt", "src/app.py"]));
    let coverage = &log["runs"][0]["properties"]["coverage"][0];
    assert_eq!(coverage["mode"], "history");
    let base = log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"].as_str().unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");

    // The same repository, staged and range modes.
    r.git(&["checkout", "-q", "-b", "feature"]);
    let added = github_token(&mut rng);
    r.write("src/extra.py", &format!("KEY = \"{added}\"\n"));
    r.commit("extra", T1 + 900);
    check_sarif(&scan("sarif", &["--range", "main..feature"], &[r.path()]), "range");
    r.write("staged.txt", &format!("{}\n", github_token(&mut rng)));
    r.git(&["add", "staged.txt"]);
    check_sarif(&scan("sarif", &["--staged"], &[r.path()]), "staged");

    // Standard input: a result without a URI.
    let token = github_token(&mut rng);
    let run = sprawl(&["scan", "-f", "sarif", "-"], &[], Some(&format!("x\ntoken={token}\n")));
    let log = check_sarif(&run, "stdin");
    let artifact = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["description"]["text"], "standard input");

    // No findings: an empty, valid log.
    let clean = tempfile::tempdir().unwrap();
    std::fs::write(clean.path().join("main.rs"), "fn main() {}\n").unwrap();
    let run = scan("sarif", &[], &[clean.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = check_sarif(&run, "clean");
    assert!(log["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().is_empty());
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);

    // A scan with an error says so in the invocation.
    let missing = clean.path().join("does-not-exist");
    let run = scan("sarif", &[], &[clean.path(), &missing]);
    assert_eq!(run.code, 2);
    let log = check_sarif(&run, "with an error");
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn sarif_paths_are_relative_to_the_scan_root_and_snippets_are_redacted() {
    let mut rng = Rng(77);
    let token = github_token(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/app.env"), format!("A=1\nTOKEN={token}\n")).unwrap();
    let file = dir.path().join("deploy/app.env");

    for (paths, want) in [
        (vec![dir.path().to_path_buf()], "deploy/app.env"),
        (vec![dir.path().join("deploy")], "app.env"),
        (vec![file.clone()], "app.env"),
    ] {
        let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let log = check_sarif(&scan("sarif", &[], &paths), want);
        let res = &log["runs"][0]["results"][0];
        let physical = &res["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], want);
        assert_eq!(
            (physical["region"]["startLine"].as_u64(), physical["region"]["startColumn"].as_u64()),
            (Some(2), Some(7))
        );
        let snippet = physical["region"]["snippet"]["text"].as_str().unwrap();
        assert!(snippet.ends_with('…') && token.starts_with(snippet.trim_end_matches('…')), "{snippet}");
        assert_eq!(res["level"], "error");
        assert_eq!(res["properties"]["confidence"], "confirmed");
        assert!(!log.to_string().contains(&token));
    }
    let log = json(&scan("sarif", &["--no-redact"], &[dir.path()]));
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["snippet"]["text"],
        token.as_str()
    );

    // A relative root, as CI runs it from the checkout.
    let run = assert_cmd::Command::cargo_bin("sprawl")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "-f", "sarif", "."])
        .output()
        .unwrap();
    let run = Run { stdout: String::from_utf8(run.stdout).unwrap(), stderr: String::new(), code: 1 };
    let log = check_sarif(&run, "relative root");
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy/app.env"
    );
}

#[test]
fn json_and_jsonl_reports_validate_against_sprawl_schema() {
    let report = report_validator(None);
    let finding = report_validator(Some("finding"));
    let mut rng = Rng(31337);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (github_token(&mut rng), github_token(&mut rng));
    std::fs::write(dir.path().join("a.env"), format!("T={a}\nU={b}\n")).unwrap();
    std::fs::write(dir.path().join("b.yaml"), format!("data:\n  t: {}\n", base64(a.as_bytes()))).unwrap();
    std::fs::write(dir.path().join("bin.dat"), b"\0\x01binary").unwrap();
    let r = Repo::new();
    r.write("x.txt", &format!("{b}\n"));
    r.commit("x", T1);
    r.git(&["rm", "-q", "x.txt"]);
    r.commit("rm", T1 + 1);
    for extra in [&[][..], &["--no-dedup"], &["--no-redact"]] {
        for root in [dir.path(), r.path()] {
            let run = scan("json", extra, &[root]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert_valid(&report, &json(&run), "json");
            let run = scan("jsonl", extra, &[root]);
            for line in run.stdout.lines() {
                assert_valid(&finding, &serde_json::from_str(line).unwrap(), "jsonl");
            }
        }
    }
    let clean = tempfile::tempdir().unwrap();
    assert_valid(&report, &json(&scan("json", &[], &[clean.path()])), "clean json");
}

#[test]
fn github_annotations_escape_their_properties_and_messages() {
    let mut rng = Rng(9);
    let dir = tempfile::tempdir().unwrap();
    let weird = dir.path().join("a,b: c");
    std::fs::create_dir_all(&weird).unwrap();
    let token = github_token(&mut rng);
    std::fs::write(weird.join("x.env"), format!("T={token}\n")).unwrap();
    std::fs::write(dir.path().join("y.env"), format!("\n\nT={token}\n")).unwrap();
    let run = scan("github", &[], &[dir.path()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let line = lines[0];
    assert!(line.starts_with("::error file=a%2Cb%3A c/x.env,line=1,col=3,title="), "{line}");
    let title = line.split("title=").nth(1).unwrap().split("::").next().unwrap();
    assert!(!title.contains(',') && !title.contains(':'), "{title}");
    assert!(line.contains("%0Afound at 2 locations; also at:%0Ay.env:3:3"), "{line}");
    assert!(!line.contains(&token));
}
