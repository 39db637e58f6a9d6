//! Git history, ranges and staged changes, end to end: real repositories built with the `git`
//! CLI at test time, scanned by the real binary, findings checked for their first-seen commit,
//! author, path, line and HEAD/history-only state.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{Rng, github_token};

/// A repository in a temporary directory, driven by the `git` CLI with a private HOME so that
/// no configuration of the machine leaks in.
struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

const ADA: (&str, &str) = ("Ada Lovelace", "ada@example.org");
const BOB: (&str, &str) = ("Bob Builder", "bob@example.org");

impl Repo {
    fn new() -> Repo {
        let r = Repo { dir: tempfile::tempdir().unwrap(), home: tempfile::tempdir().unwrap() };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self, cwd: &Path) -> Command {
        let mut c = Command::new("git");
        c.current_dir(cwd)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", ADA.0)
            .env("GIT_AUTHOR_EMAIL", ADA.1)
            .env("GIT_COMMITTER_NAME", ADA.0)
            .env("GIT_COMMITTER_EMAIL", ADA.1)
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"]);
        c
    }

    /// Runs git in the repository and returns its trimmed stdout; panics with stderr on failure.
    fn git(&self, args: &[&str]) -> String {
        self.git_in(self.path(), args)
    }

    fn git_in(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self.cmd(cwd).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Stages everything and commits as `who` at `time` (seconds, UTC+01:00); returns the id.
    fn commit(&self, message: &str, who: (&str, &str), time: i64) -> String {
        self.git(&["add", "-A"]);
        let date = format!("@{time} +0100");
        let out = self
            .cmd(self.path())
            .env("GIT_AUTHOR_NAME", who.0)
            .env("GIT_AUTHOR_EMAIL", who.1)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .output()
            .unwrap();
        assert!(out.status.success(), "commit: {}", String::from_utf8_lossy(&out.stderr));
        self.git(&["rev-parse", "HEAD"])
    }
}

/// What one scan printed.
#[derive(Debug)]
struct Scan {
    report: Value,
    stderr: String,
    code: i32,
}

impl Scan {
    fn findings(&self) -> &Vec<Value> {
        self.report["findings"].as_array().unwrap()
    }

    /// The one finding whose secret is `secret` (the report runs with `--no-redact`).
    fn finding(&self, secret: &str) -> &Value {
        let matching: Vec<&Value> = self.findings().iter().filter(|f| f["secret"] == secret).collect();
        assert_eq!(matching.len(), 1, "expected one finding of {secret}: {:#?}\n{}", self.findings(), self.stderr);
        matching[0]
    }

    fn has(&self, secret: &str) -> bool {
        self.findings().iter().any(|f| f["secret"] == secret)
    }
}

fn scan(args: &[&str], path: &Path) -> Scan {
    let out = Command::new(assert_cmd::cargo::cargo_bin("sprawl"))
        .args(["scan", "-f", "json", "--no-redact"])
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    Scan {
        report: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

const T1: i64 = 1_700_000_000;

#[test]
fn a_deleted_secret_is_reported_from_history_with_its_commit_author_and_removal() {
    let mut rng = Rng(1);
    let (gone, kept) = (github_token(&mut rng), github_token(&mut rng));
    let r = Repo::new();
    r.write("README.md", "# app\n");
    r.commit("init", ADA, T1);
    r.write("config/.env", &format!("DEBUG=1\n# ci\nGITHUB_TOKEN={gone}\n"));
    let added = r.commit("add ci config", BOB, T1 + 3600);
    r.git(&["rm", "-q", "config/.env"]);
    let removed = r.commit("remove leaked env", ADA, T1 + 7200);
    r.write("app.py", &format!("import os\nTOKEN = \"{kept}\"\n"));
    let kept_in = r.commit("add app", ADA, T1 + 10800);

    let s = scan(&[], r.path());
    assert_eq!(s.code, 1, "{}", s.stderr);
    let f = s.finding(&gone);
    assert_eq!(f["path"], "config/.env");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(3), Some(14)));
    let git = &f["git"];
    assert_eq!(git["commit"]["id"], added.as_str());
    assert_eq!(git["commit"]["author"], BOB.0);
    assert_eq!(git["commit"]["email"], BOB.1);
    assert_eq!(git["commit"]["date"], "2023-11-15T00:13:20+01:00", "T1 + 1 h, at UTC+01:00");
    assert_eq!(git["commit"]["summary"], "add ci config");
    assert_eq!(git["state"], "history");
    assert_eq!(git["removed_in"]["id"], removed.as_str());

    let f = s.finding(&kept);
    assert_eq!((f["path"].as_str(), f["line"].as_u64()), (Some("app.py"), Some(2)));
    assert_eq!(f["git"]["state"], "head");
    assert_eq!(f["git"]["commit"]["id"], kept_in.as_str());
    assert!(f["git"]["removed_in"].is_null());

    let c = &s.report["coverage"][0];
    assert_eq!((c["mode"].as_str(), c["commits"].as_u64()), (Some("history"), Some(4)));
    assert!(s.stderr.contains("sprawl: history"), "the coverage line ends the report: {}", s.stderr);
}

#[test]
fn a_renamed_file_is_scanned_once_and_named_where_first_seen() {
    let token = github_token(&mut Rng(2));
    let r = Repo::new();
    r.write("old/name.txt", &format!("x\n{token}\n"));
    let first = r.commit("add", ADA, T1);
    r.git(&["mv", "old/name.txt", "new.txt"]);
    r.commit("rename", BOB, T1 + 60);
    let s = scan(&[], r.path());
    let f = s.finding(&token);
    assert_eq!(f["path"], "old/name.txt");
    assert_eq!(f["git"]["commit"]["id"], first.as_str());
    assert_eq!(f["git"]["state"], "head");
    assert_eq!((f["git"]["commits"].as_u64(), f["git"]["paths"].as_u64()), (Some(2), Some(2)));
}

#[test]
fn branches_merges_tags_stashes_and_unreachable_commits() {
    let mut rng = Rng(3);
    let [feature, tagged, stashed, dangling] = std::array::from_fn(|_| github_token(&mut rng));
    let r = Repo::new();
    r.write("a.txt", "base\n");
    r.commit("base", ADA, T1);
    // A feature branch merged with a merge commit.
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("feature.txt", &format!("{feature}\n"));
    let feature_commit = r.commit("feature work", BOB, T1 + 100);
    r.git(&["checkout", "-q", "main"]);
    r.write("b.txt", "main work\n");
    r.commit("main work", ADA, T1 + 150);
    r.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    // A commit that only a tag reaches.
    r.git(&["checkout", "-q", "--detach"]);
    r.write("release.txt", &format!("{tagged}\n"));
    let tag_commit = r.commit("release notes", ADA, T1 + 200);
    r.git(&["tag", "v1"]);
    r.git(&["checkout", "-q", "main"]);
    // A stash.
    r.write("a.txt", &format!("base\n{stashed}\n"));
    r.git(&["stash", "-q"]);
    // A commit made unreachable (its blob stays as a loose object).
    r.write("oops.txt", &format!("{dangling}\n"));
    r.commit("oops", ADA, T1 + 300);
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    r.git(&["reflog", "expire", "--expire=now", "--all"]);

    let s = scan(&[], r.path());
    let f = s.finding(&feature);
    assert_eq!(
        (f["git"]["commit"]["id"].as_str(), f["git"]["state"].as_str()),
        (Some(feature_commit.as_str()), Some("head"))
    );
    let f = s.finding(&tagged);
    assert_eq!(f["git"]["commit"]["id"], tag_commit.as_str());
    assert_eq!(f["git"]["state"], "history", "a tag-only commit is not on the default branch");
    let f = s.finding(&stashed);
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64(), f["git"]["state"].as_str()),
        (Some("a.txt"), Some(2), Some("history"))
    );
    let f = s.finding(&dangling);
    assert_eq!(f["git"]["state"], "unreachable");
    assert!(f["git"]["commit"].is_null());
    assert!(f["path"].as_str().unwrap().starts_with("<blob "), "{f}");

    // One branch only: the tagged blob is still scanned (it is in the object database) but no
    // walked commit names it.
    let s = scan(&["--branch", "main"], r.path());
    assert_eq!(s.finding(&tagged)["git"]["state"], "unreachable");
    assert_eq!(s.finding(&feature)["git"]["state"], "head");
    let s = scan(&["--branch", "nosuch"], r.path());
    assert_eq!(s.code, 2);
    assert!(s.stderr.contains("nosuch"), "{}", s.stderr);
}

#[test]
fn the_working_tree_is_scanned_without_double_reporting_history() {
    let mut rng = Rng(4);
    let (committed, fresh) = (github_token(&mut rng), github_token(&mut rng));
    let r = Repo::new();
    r.write("app.env", &format!("T={committed}\n"));
    r.commit("add", ADA, T1);
    // Uncommitted: a copy of the committed secret in an edited file, and a new secret.
    r.write("app.env", &format!("# edited\nT={committed}\n"));
    r.write("notes.txt", &format!("new {fresh}\n"));
    let s = scan(&[], r.path());
    assert_eq!(s.finding(&committed)["git"]["state"], "head", "reported once, from history");
    let f = s.finding(&fresh);
    assert!(f["git"].is_null(), "a working-tree file: {f}");
    assert!(f["path"].as_str().unwrap().ends_with("notes.txt"));
    assert_eq!(s.report["coverage"][0]["worktree_files"], 2);

    let s = scan(&["--no-worktree"], r.path());
    assert!(!s.has(&fresh));
    let s = scan(&["--no-git"], r.path());
    assert!(s.has(&fresh) && s.has(&committed));
    assert!(s.report["coverage"].as_array().unwrap().is_empty(), "files only");
}

#[test]
fn shallow_clones_are_said_loudly_and_can_be_refused() {
    let mut rng = Rng(5);
    let (old, new) = (github_token(&mut rng), github_token(&mut rng));
    let r = Repo::new();
    r.write("a.txt", &format!("{old}\n"));
    r.commit("old", ADA, T1);
    r.git(&["rm", "-q", "a.txt"]);
    r.write("b.txt", &format!("{new}\n"));
    r.commit("new", ADA, T1 + 10);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    r.git_in(clone.path(), &["clone", "-q", "--depth", "1", &url, "c"]);
    let c = clone.path().join("c");

    let s = scan(&[], &c);
    assert_eq!(s.code, 1, "a warning, not an error: {}", s.stderr);
    assert!(s.stderr.contains("shallow clone") && s.stderr.contains("NOT scanned"), "{}", s.stderr);
    assert!(s.has(&new) && !s.has(&old));
    assert_eq!(s.report["coverage"][0]["shallow"], true);

    let s = scan(&["--require-full-history"], &c);
    assert_eq!(s.code, 2);
    assert!(s.stderr.contains("--require-full-history"), "{}", s.stderr);
}

#[test]
fn partial_clones_list_the_blobs_they_could_not_scan() {
    let token = github_token(&mut Rng(6));
    let r = Repo::new();
    r.git(&["config", "uploadpack.allowFilter", "true"]);
    r.write("a.txt", &format!("{token}\n"));
    r.commit("one", ADA, T1);
    r.write("b.txt", "two\n");
    r.commit("two", ADA, T1 + 1);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.path().display());
    r.git_in(clone.path(), &["clone", "-q", "--filter=blob:none", "--no-checkout", &url, "c"]);
    let s = scan(&[], &clone.path().join("c"));
    assert_eq!(s.code, 2, "an incomplete scan is an error: {}", s.stderr);
    assert!(s.stderr.contains("were NOT scanned (a partial clone"), "{}", s.stderr);
    let c = &s.report["coverage"][0];
    assert_eq!(c["partial_clone"], true);
    assert_eq!(c["missing"], 2);
}

#[test]
fn an_empty_repository_is_clean() {
    let r = Repo::new();
    let s = scan(&[], r.path());
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert_eq!(s.report["coverage"][0]["commits"], 0);
}

#[test]
fn ranges_report_only_what_their_commits_added() {
    let mut rng = Rng(7);
    let (old, new) = (github_token(&mut rng), github_token(&mut rng));
    let r = Repo::new();
    r.write("settings.py", &format!("A = 1\nOLD = \"{old}\"\n"));
    r.commit("base", ADA, T1);
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("settings.py", &format!("A = 2\nOLD = \"{old}\"\nNEW = \"{new}\"\n"));
    let c = r.commit("add key", BOB, T1 + 10);

    let s = scan(&["--range", "main..feature"], r.path());
    assert_eq!(s.code, 1, "{}", s.stderr);
    assert_eq!(s.findings().len(), 1, "the unchanged line with OLD is not reported: {:#?}", s.findings());
    let f = s.finding(&new);
    assert_eq!((f["path"].as_str(), f["line"].as_u64()), (Some("settings.py"), Some(3)));
    assert_eq!(f["git"]["commit"]["id"], c.as_str());
    assert_eq!(f["git"]["state"], "range");
    assert_eq!(s.report["coverage"][0]["mode"], "range");

    let s = scan(&["--since", "main"], r.path());
    assert!(s.has(&new) && !s.has(&old));

    let s = scan(&["--range", "nosuch..feature"], r.path());
    assert_eq!(s.code, 2);
    assert!(s.stderr.contains("nosuch"), "{}", s.stderr);
    let s = scan(&["--range", "feature..feature"], r.path());
    assert_eq!(s.code, 2, "an empty range is not a clean scan");
    assert!(s.stderr.contains("contains no commits"), "{}", s.stderr);
}

#[test]
fn staged_scans_report_added_lines_only() {
    let mut rng = Rng(8);
    let [old, added, new_file] = std::array::from_fn(|_| github_token(&mut rng));
    let r = Repo::new();
    r.write("a.txt", &format!("{old}\n"));
    r.commit("base", ADA, T1);
    r.write("a.txt", &format!("{old}\nmore = \"{added}\"\n"));
    r.write("dir/b.txt", &format!("{new_file}\n"));
    r.git(&["add", "-A"]);
    r.write("unstaged.txt", &format!("{}\n", github_token(&mut rng)));
    let s = scan(&["--staged"], r.path());
    assert_eq!(s.code, 1, "{}", s.stderr);
    assert_eq!(s.findings().len(), 2, "{:#?}", s.findings());
    let f = s.finding(&added);
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64(), f["git"]["state"].as_str()),
        (Some("a.txt"), Some(2), Some("staged"))
    );
    assert_eq!(s.finding(&new_file)["path"], "dir/b.txt");

    // A repository without commits yet.
    let fresh = Repo::new();
    fresh.write("first.txt", &format!("{old}\n"));
    fresh.git(&["add", "-A"]);
    let s = scan(&["--staged"], fresh.path());
    assert!(s.has(&old), "{}", s.stderr);

    // Not a repository: the staged mode has nothing to read.
    let plain = tempfile::tempdir().unwrap();
    let s = scan(&["--staged"], plain.path());
    assert_eq!(s.code, 2);
    assert!(s.stderr.contains("not a git repository"), "{}", s.stderr);
}

/// The loose-object file of `id`.
fn loose_object(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn a_corrupt_object_is_named_and_the_scan_goes_on() {
    let mut rng = Rng(9);
    let (broken, fine) = (github_token(&mut rng), github_token(&mut rng));
    let r = Repo::new();
    r.write("broken.txt", &format!("{broken}\n"));
    r.write("fine.txt", &format!("{fine}\n"));
    r.commit("two files", ADA, T1);
    let id = r.git(&["rev-parse", "HEAD:broken.txt"]);
    let path = loose_object(r.path(), &id);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"this is not zlib").unwrap();
    // The working-tree copy would find the secret anyway; look at history alone.
    let s = scan(&["--no-worktree"], r.path());
    assert_eq!(s.code, 2, "{}", s.stderr);
    assert!(s.stderr.contains(&id), "the message names the object: {}", s.stderr);
    assert!(s.has(&fine) && !s.has(&broken));
    assert_eq!(s.report["coverage"][0]["unreadable"], 1);
    assert!(!s.stderr.contains("panicked"));
}

#[test]
fn blobs_over_the_size_limit_are_listed_not_dropped() {
    let token = github_token(&mut Rng(10));
    let r = Repo::new();
    r.write("big.txt", &format!("{}\n{token}\n", "x".repeat(4000)));
    r.write("small.txt", "hello\n");
    r.commit("files", ADA, T1);
    let s = scan(&["--max-blob-size", "1K", "--no-worktree"], r.path());
    assert!(!s.has(&token));
    assert_eq!(s.report["coverage"][0]["skipped_large"], 1);
    assert!(s.stderr.contains("over --max-blob-size"), "{}", s.stderr);
}
