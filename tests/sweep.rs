//! `sprawl sweep`, end to end: real repositories (a work tree, a bare one, a broken one, a
//! directory that is no repository) built with the `git` CLI at test time, swept by the real
//! binary with a state file in the temporary directory; then swept again unchanged, after one
//! new commit, and with `--full`.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{Rng, github_token};

/// A private HOME for git, so that no configuration of the machine leaks in.
struct Org {
    root: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Org {
    fn new() -> Org {
        Org { root: tempfile::tempdir().unwrap(), home: tempfile::tempdir().unwrap() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn git(&self, cwd: &Path, args: &[&str]) -> String {
        common::git(cwd, self.home.path(), args)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A new work-tree repository at `rel` on branch `main`.
    fn init(&self, rel: &str) -> PathBuf {
        let dir = self.path(rel);
        std::fs::create_dir_all(&dir).unwrap();
        self.git(&dir, &["init", "-q", "-b", "main"]);
        dir
    }

    fn commit(&self, repo: &Path, message: &str) -> String {
        self.git(repo, &["add", "-A"]);
        self.git(repo, &["commit", "-q", "-m", message]);
        self.git(repo, &["rev-parse", "HEAD"])
    }

    /// How many blobs the repository's object database holds.
    fn blobs(&self, repo: &Path) -> u64 {
        let all = self.git(repo, &["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"]);
        all.lines().filter(|l| *l == "blob").count() as u64
    }
}

/// Runs `sprawl` with `args`; returns the exit code, stdout and stderr.
fn sprawl(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("sprawl")
        .unwrap()
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("SPRAWL_FINGERPRINT_KEY")
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// `sprawl sweep --format json --no-redact` of `target` with the state `state`; the exit code
/// and the report.
fn sweep_json(org: &Org, target: &Path, state: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["sweep", "--format", "json", "--no-redact", "--state", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(target.to_str().unwrap());
    let (code, out, err) = sprawl(org.home.path(), &args);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, report, err)
}

/// Asserts that `report` validates against `sprawl schema`.
fn assert_schema_valid(home: &Path, report: &Value) {
    let (code, schema, _) = sprawl(home, &["schema"]);
    assert_eq!(code, 0);
    let schema: Value = serde_json::from_str(&schema).unwrap();
    let v = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(report).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The manifest entry of the repository whose path ends with `name`.
fn coverage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["repository"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no manifest entry for {name}: {:#}", report["coverage"]))
}

/// Each reported secret with the repository names (last path component) it appears in.
fn secrets(report: &Value) -> BTreeSet<(String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let repos = f["repositories"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|p| Path::new(p.as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            (f["secret"].as_str().unwrap().to_owned(), repos)
        })
        .collect()
}

struct Fixture {
    org: Org,
    alpha: PathBuf,
    beta: PathBuf,
    shared: String,
    only_beta: String,
    outside: String,
}

/// `org/alpha` (a work tree) and `org/beta.git` (bare) both hold `shared`; beta's history also
/// holds `only_beta`, removed since; `org/notes` is a plain directory with a key in it, and
/// `org/broken` has a `.git` file pointing nowhere. The temporary directory around `org` is a
/// repository too, so that a broken `.git` must not be taken for the enclosing repository.
fn fixture() -> Fixture {
    let org = Org::new();
    org.git(org.root.path(), &["init", "-q", "-b", "main"]);
    let mut rng = Rng(0x5eed_5eed_1234_5678);
    let (shared, only_beta, outside) = (github_token(&mut rng), github_token(&mut rng), github_token(&mut rng));

    let alpha = org.init("org/alpha");
    org.write("org/alpha/README.md", "# alpha\n");
    org.commit(&alpha, "readme");
    org.write("org/alpha/config/app.env", &format!("GITHUB_TOKEN={shared}\n"));
    org.commit(&alpha, "configure");

    let src = org.init("src/beta");
    org.write("src/beta/deploy.sh", &format!("export TOKEN={shared}\n"));
    org.write("src/beta/old.env", &format!("TOKEN={only_beta}\n"));
    org.commit(&src, "deploy");
    std::fs::remove_file(org.path("src/beta/old.env")).unwrap();
    org.commit(&src, "remove the old token");
    org.git(org.root.path(), &["clone", "-q", "--bare", "src/beta", "org/beta.git"]);
    let beta = org.path("org/beta.git");

    org.write("org/notes/todo.txt", &format!("not a repository: {outside}\n"));
    org.write("org/broken/.git", "gitdir: /nonexistent/sprawl-test/broken.git\n");
    Fixture { org, alpha, beta, shared, only_beta, outside }
}

#[test]
fn sweep_merges_reports_manifests_and_is_incremental() {
    let Fixture { org, alpha, beta, shared, only_beta, outside } = fixture();
    let dir = org.path("org");
    let state = org.path("state/sweep.sqlite");

    // First sweep: everything is scanned.
    let (code, report, err) = sweep_json(&org, &dir, &state, &[]);
    assert_eq!(code, 2, "the broken repository makes the sweep exit 2: {err}");
    let expected: BTreeSet<(String, Vec<String>)> = [
        (shared.clone(), vec!["alpha".to_owned(), "beta.git".to_owned()]),
        (only_beta.clone(), vec!["beta.git".to_owned()]),
    ]
    .into();
    assert_eq!(secrets(&report), expected, "the shared secret once, with both repositories");
    assert_schema_valid(org.home.path(), &report);
    assert!(!report.to_string().contains(&outside), "a directory that is no repository is not scanned");
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["kind"] == "error" && p["message"].as_str().unwrap().contains("broken")),
        "{problems:#?}"
    );
    assert!(err.contains("broken: not a git repository"), "{err}");

    let broken = coverage(&report, "broken");
    assert_eq!((broken["mode"].as_str(), broken["errors"].as_u64()), (Some("failed"), Some(1)));
    for (name, repo) in [("alpha", &alpha), ("beta.git", &beta)] {
        let c = coverage(&report, name);
        let blobs = org.blobs(repo);
        assert_eq!(c["mode"], "history");
        assert_eq!(c["blobs"].as_u64(), Some(blobs), "{name}");
        assert_eq!(c["blobs_scanned"].as_u64(), Some(blobs), "{name}: every blob scanned the first time");
        assert_eq!(c["skipped_known"], 0);
        assert_eq!(c["errors"], 0);
        let head = org.git(repo, &["rev-parse", "HEAD"]);
        let tips: Vec<(&str, &str)> = c["tips"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["ref"].as_str().unwrap(), t["commit"].as_str().unwrap()))
            .collect();
        assert!(tips.contains(&("refs/heads/main", head.as_str())), "{name}: {tips:?}");
        assert!(tips.contains(&("HEAD", head.as_str())), "{name}: {tips:?}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&state).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Second sweep, nothing changed: nothing is read again, the same findings are reported.
    let (code, again, err) = sweep_json(&org, &dir, &state, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(secrets(&again), expected);
    for (name, repo) in [("alpha", &alpha), ("beta.git", &beta)] {
        let c = coverage(&again, name);
        assert_eq!(c["blobs_scanned"], 0, "{name}: {c:#}");
        assert_eq!(c["skipped_known"].as_u64(), Some(org.blobs(repo)), "{name}");
    }
    assert_eq!(again["stats"]["files"], 0);
    // Stored findings are named from the fresh history walk: the removed token is history-only.
    let old = again["findings"].as_array().unwrap().iter().find(|f| f["secret"] == only_beta.as_str()).unwrap();
    assert_eq!(old["git"]["state"], "history");
    assert_eq!(old["git"]["commit"]["summary"], "deploy");

    // One new commit with one new file: exactly its one new blob is scanned.
    let new_token = github_token(&mut Rng(0xfeed_beef_0000_0001));
    org.write("org/alpha/ci/deploy.yml", &format!("env:\n  TOKEN: {new_token}\n"));
    org.commit(&alpha, "ci");
    let (code, third, err) = sweep_json(&org, &dir, &state, &[]);
    assert_eq!(code, 2, "{err}");
    let c = coverage(&third, "alpha");
    assert_eq!(c["blobs_scanned"], 1, "{c:#}");
    assert_eq!(c["skipped_known"].as_u64(), Some(org.blobs(&alpha) - 1));
    assert_eq!(coverage(&third, "beta.git")["blobs_scanned"], 0);
    let mut with_new = expected.clone();
    with_new.insert((new_token.clone(), vec!["alpha".to_owned()]));
    assert_eq!(secrets(&third), with_new, "old findings are still reported beside the new one");

    // --full scans everything again.
    let (code, full, err) = sweep_json(&org, &dir, &state, &["--full"]);
    assert_eq!(code, 2, "{err}");
    for (name, repo) in [("alpha", &alpha), ("beta.git", &beta)] {
        let c = coverage(&full, name);
        assert_eq!(c["blobs_scanned"].as_u64(), Some(org.blobs(repo)), "{name}");
        assert_eq!(c["skipped_known"], 0);
    }
    assert_eq!(secrets(&full), with_new);
    // …and records it: the next sweep reads nothing again.
    let (_, after, _) = sweep_json(&org, &dir, &state, &[]);
    assert_eq!(coverage(&after, "alpha")["blobs_scanned"], 0);
    assert_eq!(secrets(&after), with_new);
}

#[test]
fn a_list_file_and_the_human_report() {
    let Fixture { org, shared, .. } = fixture();
    let list = org.path("repos.txt");
    std::fs::write(&list, "# the organisation's mirrors\n\norg/alpha\norg/beta.git\norg/missing\n").unwrap();
    let state = org.path("state.sqlite");
    let (code, out, err) = sprawl(
        org.home.path(),
        &["sweep", "--state", state.to_str().unwrap(), "--color", "never", list.to_str().unwrap()],
    );
    assert_eq!(code, 2, "a listed path that is no repository is an error: {out}\n{err}");
    assert!(err.contains("missing: does not exist"), "{err}");
    assert!(!out.contains(&shared), "redacted by default: {out}");
    assert!(out.contains("in 2 repositories:"), "{out}");
    assert!(out.contains("/org/alpha:") && out.contains("/org/beta.git:"), "the manifest names each: {out}");
    assert!(out.contains("NOT SCANNED"), "{out}");
    assert!(out.contains("    refs/heads/main "), "tips: {out}");

    // Without the missing one, the exit code says findings.
    std::fs::write(&list, "org/alpha\norg/beta.git\n").unwrap();
    let (code, out, err) =
        sprawl(org.home.path(), &["sweep", "--state", state.to_str().unwrap(), "-q", list.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("already scanned"), "{out}");
}
