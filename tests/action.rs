//! The GitHub Action end to end, without GitHub: the `run` scripts of `action.yml`'s `install`
//! and `scan` steps are executed with bash the way a runner executes them, with the inputs
//! substituted into their `env`, simulated `GITHUB_*` variables and event payloads, against
//! an "origin" repository built with the `git` CLI and a checkout cloned from it as
//! `actions/checkout` would (full, or shallow). Each test checks the range chosen, the exit
//! code, the SARIF file, the annotations and the job summary.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

mod common;
use common::{Rng, github_token};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Git with a private configuration, so that nothing of the machine's leaks in.
struct Git {
    home: tempfile::TempDir,
}

impl Git {
    fn new() -> Git {
        Git { home: tempfile::tempdir().unwrap() }
    }

    fn run(&self, cwd: &Path, args: &[&str]) -> String {
        common::run_git(common::git_command(cwd, self.home.path()).args(["-c", "init.defaultBranch=main"]), args)
    }
}

/// The "origin" repository a workflow's checkout comes from.
struct Origin {
    git: Git,
    dir: tempfile::TempDir,
    time: std::cell::Cell<i64>,
}

impl Origin {
    fn new() -> Origin {
        let o = Origin { git: Git::new(), dir: tempfile::tempdir().unwrap(), time: 1_700_000_000.into() };
        o.git(&["init", "-q"]);
        o
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git.run(self.path(), args)
    }

    /// Writes files, commits everything, returns the commit id.
    fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (name, text) in files {
            let p = self.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        self.git(&["add", "-A"]);
        let t = self.time.get() + 60;
        self.time.set(t);
        let date = format!("@{t} +0000");
        common::run_git(
            common::git_command(self.path(), self.git.home.path())
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date),
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        self.git(&["rev-parse", "HEAD"])
    }

    /// A checkout as `actions/checkout` makes it: every branch and tag fetched (`fetch-depth:
    /// 0`), or only `depth` commits of `branch`.
    fn checkout(&self, branch: &str, depth: Option<u32>) -> tempfile::TempDir {
        match depth {
            Some(d) => self.checkout_with(branch, &[&format!("--depth={d}")]),
            None => self.checkout_with(branch, &[]),
        }
    }

    fn checkout_with(&self, branch: &str, extra: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", self.path().display());
        let mut args =
            vec!["clone".to_owned(), "-q".to_owned(), "--no-local".to_owned(), "-b".to_owned(), branch.to_owned()];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args.extend([url, dir.path().join("w").display().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.git.run(dir.path(), &args);
        dir
    }
}

/// What one run of the action's steps produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: HashMap<String, String>,
    sarif: Option<Value>,
}

impl Run {
    fn range(&self) -> &str {
        self.outputs.get("range").map(String::as_str).unwrap_or("")
    }

    fn results(&self) -> Vec<Value> {
        self.sarif.as_ref().expect("a SARIF file")["runs"][0]["results"].as_array().unwrap().clone()
    }

    /// (file, line) of every SARIF result.
    fn places(&self) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self
            .results()
            .iter()
            .map(|r| {
                let l = &r["locations"][0]["physicalLocation"];
                (l["artifactLocation"]["uri"].as_str().unwrap().to_owned(), l["region"]["startLine"].as_u64().unwrap())
            })
            .collect();
        v.sort();
        v
    }
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn action_steps() -> Vec<Value> {
    let text = std::fs::read_to_string(manifest_dir().join("action.yml")).unwrap();
    let action: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    action["runs"]["steps"].as_array().unwrap().clone()
}

/// `${{ inputs.x }}` and `${{ github.action_path }}` in a step's `env` values; any other
/// expression fails the test, so that the scripts never depend on one we do not simulate.
fn expand(value: &str, inputs: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        let expr = rest[start + 3..end].trim();
        if let Some(name) = expr.strip_prefix("inputs.") {
            out.push_str(inputs.get(name).unwrap_or_else(|| panic!("no input {name}")));
        } else if expr == "github.action_path" {
            out.push_str(&manifest_dir().display().to_string());
        } else {
            panic!("expression {expr} is not simulated");
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Runs one step's script as the runner does (`bash --noprofile --norc -eo pipefail`), in the
/// workspace, with `GITHUB_OUTPUT` fresh for the step.
fn run_step(
    step: &Value,
    inputs: &HashMap<String, String>,
    env: &[(String, String)],
    workspace: &Path,
    scratch: &Path,
) -> (std::process::Output, HashMap<String, String>) {
    let script = step["run"].as_str().unwrap();
    let output_file = scratch.join(format!("output-{}", step["id"].as_str().unwrap()));
    std::fs::write(&output_file, "").unwrap();
    let mut c = Command::new("bash");
    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(workspace)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_ACTION_PATH", manifest_dir());
    for (k, v) in env {
        c.env(k, v);
    }
    if let Some(map) = step["env"].as_object() {
        for (k, v) in map {
            c.env(k, expand(v.as_str().unwrap(), inputs));
        }
    }
    let out = c.output().unwrap();
    let outputs = std::fs::read_to_string(&output_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (out, outputs)
}

/// Runs the action's `install` step (with the `binary` input: the binary under test) and its
/// `scan` step, for `event` with `payload`, in `workspace`.
fn action(workspace: &Path, event: &str, payload: Value, given: &[(&str, &str)]) -> Run {
    let steps = action_steps();
    let text = std::fs::read_to_string(manifest_dir().join("action.yml")).unwrap();
    let meta: Value = serde_saphyr::from_str(&text).unwrap();
    let mut inputs: HashMap<String, String> = meta["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_owned()))
        .collect();
    inputs.insert("binary".into(), assert_cmd::cargo::cargo_bin("sprawl").display().to_string());
    for (k, v) in given {
        assert!(inputs.contains_key(*k), "action.yml has no input {k}");
        inputs.insert((*k).into(), (*v).into());
    }
    let scratch = tempfile::tempdir().unwrap();
    let event_path = scratch.path().join("event.json");
    std::fs::write(&event_path, serde_json::to_vec(&payload).unwrap()).unwrap();
    let summary = scratch.path().join("summary.md");
    let github_env = scratch.path().join("github-env");
    std::fs::write(&github_env, "").unwrap();
    let mut env: Vec<(String, String)> = vec![
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_EVENT_NAME".into(), event.into()),
        ("GITHUB_EVENT_PATH".into(), event_path.display().to_string()),
        ("GITHUB_WORKSPACE".into(), workspace.display().to_string()),
        ("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()),
        ("GITHUB_ENV".into(), github_env.display().to_string()),
        ("SPRAWL_FINGERPRINT_KEY".into(), String::new()),
        ("NO_COLOR".into(), "1".into()),
    ];

    let install = steps.iter().find(|s| s["id"] == "install").expect("an install step");
    let (out, _) = run_step(install, &inputs, &env, workspace, scratch.path());
    assert!(out.status.success(), "install step: {}", String::from_utf8_lossy(&out.stderr));
    for line in std::fs::read_to_string(&github_env).unwrap().lines() {
        let (k, v) = line.split_once('=').unwrap();
        env.push((k.into(), v.into()));
    }
    assert!(env.iter().any(|(k, _)| k == "SPRAWL_BIN"), "the install step exports SPRAWL_BIN");

    let scan = steps.iter().find(|s| s["id"] == "scan").expect("a scan step");
    let (out, outputs) = run_step(scan, &inputs, &env, workspace, scratch.path());
    let sarif_path = workspace.join(&inputs["sarif"]);
    let sarif = std::fs::read(&sarif_path).ok().map(|b| serde_json::from_slice(&b).unwrap());
    let _ = std::fs::remove_file(&sarif_path);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs,
        sarif,
    }
}

fn push(before: &str, after: &str, reference: &str) -> Value {
    json!({"ref": reference, "before": before, "after": after, "created": before == ZERO,
           "deleted": after == ZERO, "forced": false, "repository": {"default_branch": "main"}})
}

fn pull_request(number: u64, base: &str, head: &str) -> Value {
    json!({"number": number, "pull_request": {"number": number, "base": {"sha": base, "ref": "main"},
           "head": {"sha": head, "ref": "feature"}}})
}

#[test]
fn a_push_scans_before_to_after_and_writes_sarif_annotations_and_a_summary() {
    let mut rng = Rng(801);
    let [old, first, second] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    let base = o.commit(&[("README.md", "# app\n"), ("old.env", &format!("OLD={old}\n"))], "base");
    o.commit(&[("app/settings.py", &format!("DEBUG = True\nTOKEN = \"{first}\"\n"))], "settings");
    let after = o.commit(&[("deploy/ci.sh", &format!("#!/bin/sh\nexport GH={second}\n"))], "deploy");
    let w = o.checkout("main", None);
    let ws = w.path().join("w");

    let r = action(&ws, "push", push(&base, &after, "refs/heads/main"), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.range(), format!("{base}..{after}"));
    assert_eq!(r.outputs["findings"], "2");
    assert_eq!(r.outputs["exit-code"], "1");
    assert_eq!(r.places(), vec![("app/settings.py".to_owned(), 2), ("deploy/ci.sh".to_owned(), 2)], "{r:#?}");
    assert_eq!(r.sarif.as_ref().unwrap()["version"], "2.1.0");
    let serialized = serde_json::to_string(&r.sarif).unwrap();
    assert!(
        !serialized.contains(&first) && !serialized.contains(&old),
        "redacted, and the old token is outside the range"
    );
    assert!(r.stdout.contains("::error file=app/settings.py,line=2,"), "annotations: {}", r.stdout);
    assert!(r.stdout.contains("::error file=deploy/ci.sh,line=2,"), "annotations: {}", r.stdout);
    assert!(r.summary.starts_with("## sprawl: 2 findings (failing the job)"), "{}", r.summary);
    assert!(r.summary.contains("Push to refs/heads/main: 2 commits in"), "{}", r.summary);
    assert!(r.summary.contains("| <code>app/settings.py:2</code> |"), "{}", r.summary);
    assert!(r.summary.contains("sprawl:allow"), "{}", r.summary);
    assert!(!r.summary.contains(&second), "redacted: {}", r.summary);
}

#[test]
fn a_pull_request_scans_base_to_head_only() {
    let mut rng = Rng(802);
    let [old, new] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    let base = o.commit(&[("config.py", &format!("A = 1\nOLD = \"{old}\"\n"))], "base");
    o.git(&["checkout", "-q", "-b", "feature"]);
    let head = o.commit(&[("config.py", &format!("A = 2\nOLD = \"{old}\"\nNEW = \"{new}\"\n"))], "add key");
    let w = o.checkout("feature", None);
    let ws = w.path().join("w");

    let r = action(&ws, "pull_request", pull_request(7, &base, &head), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.range(), format!("{base}..{head}"));
    assert_eq!(r.places(), vec![("config.py".to_owned(), 3)], "only the added line: {r:#?}");
    assert!(r.summary.contains("Pull request #7: 1 commit in"), "{}", r.summary);

    // The fail-on input: a confirmed token still fails at `high`; extra args reach the scan.
    let r =
        action(&ws, "pull_request", pull_request(7, &base, &head), &[("fail-on", "confirmed"), ("args", "--no-dedup")]);
    assert_eq!(r.code, 1, "{r:#?}");
    // A baseline accepting the token: clean.
    let r0 = Command::new(assert_cmd::cargo::cargo_bin("sprawl"))
        .current_dir(&ws)
        .args(["baseline", "create", "--output", "accepted.json", "."])
        .env_remove("SPRAWL_FINGERPRINT_KEY")
        .output()
        .unwrap();
    assert!(r0.status.success(), "{}", String::from_utf8_lossy(&r0.stderr));
    let r = action(&ws, "pull_request", pull_request(7, &base, &head), &[("baseline", "accepted.json")]);
    assert_eq!((r.code, r.outputs["findings"].as_str()), (0, "0"), "{r:#?}");
    assert!(r.summary.starts_with("## sprawl: no secrets found"), "{}", r.summary);
    assert!(r.summary.contains("allowed by"), "{}", r.summary);
    assert!(r.results().is_empty());
}

#[test]
fn a_new_branch_scans_the_commits_no_other_branch_has() {
    let mut rng = Rng(803);
    let [old, other, new] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    o.commit(&[("a.env", &format!("OLD={old}\n"))], "main");
    o.git(&["checkout", "-q", "-b", "other"]);
    let fork = o.commit(&[("b.env", &format!("OTHER={other}\n"))], "other branch");
    o.git(&["checkout", "-q", "-b", "feature"]);
    o.commit(&[("c.txt", "one\n")], "feature 1");
    let after = o.commit(&[("c.env", &format!("NEW={new}\n"))], "feature 2");
    let w = o.checkout("feature", None);
    let ws = w.path().join("w");

    let r = action(&ws, "push", push(ZERO, &after, "refs/heads/feature"), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.range(), format!("{fork}..{after}"), "from the fork point off `other`: {r:#?}");
    assert_eq!(r.places(), vec![("c.env".to_owned(), 1)]);
    assert!(r.summary.contains("Push creating refs/heads/feature: the 2 new commits since"), "{}", r.summary);

    // A branch created at a commit another branch has: nothing new, and said so.
    o.git(&["branch", "copy", "other"]);
    let w = o.checkout("copy", None);
    let ws = w.path().join("w");
    let r = action(&ws, "push", push(ZERO, &fork, "refs/heads/copy"), &[]);
    assert_eq!((r.code, r.range()), (0, "none"), "{r:#?}");
    assert!(r.stdout.contains("::notice title=sprawl: nothing to scan::"), "{}", r.stdout);
    assert!(r.summary.contains("nothing to scan") && r.summary.contains("already on another branch"), "{}", r.summary);
    assert!(r.results().is_empty(), "an empty SARIF run, so that upload-sarif has a file");

    // A deleted branch: nothing, said so.
    let r = action(&ws, "push", push(&fork, ZERO, "refs/heads/gone"), &[]);
    assert_eq!((r.code, r.range()), (0, "none"), "{r:#?}");
    assert!(r.summary.contains("Push deleting refs/heads/gone"), "{}", r.summary);
}

#[test]
fn a_first_push_with_no_shared_history_scans_everything() {
    let mut rng = Rng(804);
    let [gone, kept] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    o.commit(&[("a.env", &format!("T={gone}\n"))], "one");
    o.git(&["rm", "-q", "a.env"]);
    let after = o.commit(&[("b.env", &format!("T={kept}\n"))], "two");
    let w = o.checkout("main", None);
    let ws = w.path().join("w");
    let r = action(&ws, "push", push(ZERO, &after, "refs/heads/main"), &[]);
    assert_eq!((r.code, r.range()), (1, "history"), "{r:#?}");
    assert_eq!(r.results().len(), 2, "the deleted token too: {r:#?}");
    assert!(r.summary.contains("share no history"), "{}", r.summary);
}

#[test]
fn force_pushes_scan_what_the_new_head_adds() {
    let mut rng = Rng(805);
    let [x, y] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    let main = o.commit(&[("README.md", "# app\n")], "main");
    o.git(&["checkout", "-q", "-b", "feature"]);
    let before = o.commit(&[("k.env", &format!("X={x}\n"))], "x");
    o.git(&["tag", "keep-old", &before]);
    o.git(&["reset", "-q", "--hard", &main]);
    let after = o.commit(&[("k.env", &format!("Y={y}\n"))], "y instead");

    // The old head is still in the repository (a tag keeps it): before..after.
    let w = o.checkout("feature", None);
    let ws = w.path().join("w");
    let r = action(&ws, "push", push(&before, &after, "refs/heads/feature"), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.range(), format!("{before}..{after}"));
    assert!(r.summary.contains("Force push to refs/heads/feature"), "{}", r.summary);
    assert_eq!(r.results().len(), 1);

    // The old head is gone: the commits no other branch has, from the fork point.
    o.git(&["tag", "-d", "keep-old"]);
    let w = o.checkout("feature", None);
    let ws = w.path().join("w");
    let r = action(&ws, "push", push(&before, &after, "refs/heads/feature"), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.range(), format!("{main}..{after}"));
    assert!(r.summary.contains("is gone from the repository"), "{}", r.summary);
    assert_eq!(r.places(), vec![("k.env".to_owned(), 1)]);
}

#[test]
fn schedules_scan_the_full_history_and_equal_ends_are_said_not_skipped() {
    let mut rng = Rng(806);
    let [gone, kept] = std::array::from_fn(|_| github_token(&mut rng));
    let o = Origin::new();
    o.commit(&[("a.env", &format!("T={gone}\n"))], "one");
    o.git(&["rm", "-q", "a.env"]);
    let head = o.commit(&[("b.env", &format!("T={kept}\n"))], "two");
    let w = o.checkout("main", None);
    let ws = w.path().join("w");
    for event in ["schedule", "workflow_dispatch"] {
        let r = action(&ws, event, json!({}), &[]);
        assert_eq!((r.code, r.range()), (1, "history"), "{event}: {r:#?}");
        assert_eq!(r.results().len(), 2, "{event}: the deleted token too");
        assert!(r.summary.contains("full history"), "{}", r.summary);
    }

    let r = action(&ws, "pull_request", pull_request(3, &head, &head), &[]);
    assert_eq!((r.code, r.range()), (0, "none"), "{r:#?}");
    assert!(r.stdout.contains("::notice"), "{}", r.stdout);
    assert!(r.summary.contains("base and head are the same commit"), "{}", r.summary);
}

#[test]
fn a_shallow_checkout_fails_with_the_fetch_depth_fix() {
    let mut rng = Rng(807);
    let token = github_token(&mut rng);
    let o = Origin::new();
    let base = o.commit(&[("README.md", "# app\n")], "one");
    o.commit(&[("a.txt", "two\n")], "two");
    let after = o.commit(&[("b.env", &format!("T={token}\n"))], "three");
    let w = o.checkout("main", Some(1));
    let ws = w.path().join("w");

    let r = action(&ws, "push", push(&base, &after, "refs/heads/main"), &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("fetch-depth: 0"), "{}", r.stderr);
    assert!(r.stdout.contains("::error title=sprawl could not scan::"), "{}", r.stdout);
    assert!(r.summary.contains("the scan did not run") && r.summary.contains("fetch-depth: 0"), "{}", r.summary);
    assert_eq!(r.outputs["exit-code"], "2");

    for (event, payload) in [
        ("schedule", json!({})),
        ("push", push(ZERO, &after, "refs/heads/main")),
        ("pull_request", pull_request(1, &base, &after)),
    ] {
        let r = action(&ws, event, payload, &[]);
        assert_eq!(r.code, 2, "{event}: {r:#?}");
        assert!(r.stderr.contains("fetch-depth: 0"), "{event}: {}", r.stderr);
    }

    // Deep enough for the range: scanned, with the shallow clone said as a warning.
    let w = o.checkout("main", Some(2));
    let ws = w.path().join("w");
    let parent = o.git(&["rev-parse", "HEAD~1"]);
    let r = action(&ws, "push", push(&parent, &after, "refs/heads/main"), &[]);
    assert_eq!((r.code, r.results().len()), (1, 1), "the range {parent}..{after} is complete: {r:#?}");

    // Both ends fetched (one commit of every branch), but the head's parents are not: the
    // range cannot be told from what is there.
    o.git(&["checkout", "-q", "-b", "feature", &base]);
    o.commit(&[("c.txt", "c\n")], "feature 1");
    let head = o.commit(&[("d.txt", "d\n")], "feature 2");
    let w = o.checkout_with("main", &["--depth=1", "--no-single-branch"]);
    let ws = w.path().join("w");
    let r = action(&ws, "pull_request", pull_request(2, &after, &head), &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("at its boundary") && r.stderr.contains("fetch-depth: 0"), "{}", r.stderr);
}

#[test]
fn a_bad_payload_is_an_error_naming_the_field() {
    let o = Origin::new();
    o.commit(&[("README.md", "# app\n")], "one");
    let w = o.checkout("main", None);
    let ws: PathBuf = w.path().join("w");
    let r = action(&ws, "pull_request", json!({"pull_request": {"base": {"sha": "--exec=x"}}}), &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("pull_request.base.sha") && r.stderr.contains("not a commit id"), "{}", r.stderr);
}
