//! Real repositories built at test time with the `git` CLI, isolated from the developer's
//! configuration (HOME and XDG_CONFIG_HOME point into a temporary directory, system config is
//! off) and with fixed names, emails and dates, so that ids are the same on every machine.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sprawl_git::{BlobId, Provenance};

pub const AUTHOR: &str = "Ada Author";
pub const EMAIL: &str = "ada@example.com";
/// 2020-01-01T00:00:00Z; each commit is one minute later than the previous one.
pub const EPOCH: i64 = 1_577_836_800;

/// A scratch area holding a fake HOME and any number of repositories.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("home")).unwrap();
        Sandbox { tmp }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `git init -b main <name>` (non-bare).
    pub fn init(&self, name: &str) -> Git {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        let git = Git { dir, home: self.path("home"), tick: std::cell::Cell::new(0) };
        git.run(&["init", "-q", "-b", "main"]);
        git
    }

    /// A handle on an existing directory (a clone made with [`Git::run_in`]).
    pub fn open(&self, name: &str) -> Git {
        Git { dir: self.path(name), home: self.path("home"), tick: std::cell::Cell::new(1000) }
    }
}

/// One repository (work tree or bare) and the environment git runs in.
pub struct Git {
    pub dir: PathBuf,
    home: PathBuf,
    tick: std::cell::Cell<i64>,
}

impl Git {
    fn command(&self, dir: &Path) -> Command {
        let mut c = Command::new("git");
        c.current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", AUTHOR)
            .env("GIT_AUTHOR_EMAIL", EMAIL)
            .env("GIT_COMMITTER_NAME", "Cy Committer")
            .env("GIT_COMMITTER_EMAIL", "cy@example.com")
            .env("LC_ALL", "C")
            .args(["-c", &format!("user.name={AUTHOR}"), "-c", &format!("user.email={EMAIL}")])
            .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(["-c", "core.autocrlf=false", "-c", "gc.auto=0", "-c", "maintenance.auto=false"]);
        let t = EPOCH + 60 * self.tick.get();
        let date = format!("@{t} +0200");
        c.env("GIT_AUTHOR_DATE", &date).env("GIT_COMMITTER_DATE", &date);
        c
    }

    /// Runs git in this repository; panics with its stderr if it fails. Returns trimmed stdout.
    pub fn run(&self, args: &[&str]) -> String {
        self.run_in(&self.dir, args)
    }

    /// Runs git in `dir` (for `clone`, whose target is not this repository).
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.command(dir).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    pub fn write(&self, path: &str, content: &str) {
        let p = self.dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.dir.join(path)).unwrap();
    }

    /// `git add -A && git commit -m <message>`, one minute after the previous commit. Returns
    /// the new commit's id.
    pub fn commit(&self, message: &str) -> String {
        self.run(&["add", "-A"]);
        self.tick.set(self.tick.get() + 1);
        self.run(&["commit", "-q", "--allow-empty", "-m", message]);
        self.rev("HEAD")
    }

    /// Advances the clock (for commits made through [`Git::run`], e.g. merges).
    pub fn tick(&self) {
        self.tick.set(self.tick.get() + 1);
    }

    pub fn rev(&self, spec: &str) -> String {
        self.run(&["rev-parse", spec])
    }

    /// `git hash-object --stdin` of `content`.
    pub fn blob(&self, content: &str) -> BlobId {
        let mut child = self
            .command(&self.dir)
            .args(["hash-object", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(content.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        parse_id(String::from_utf8(out.stdout).unwrap().trim())
    }
}

pub fn parse_id(hex: &str) -> BlobId {
    assert_eq!(hex.len(), 40, "not an object id: {hex:?}");
    let mut id = [0u8; 20];
    for (i, byte) in id.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    BlobId(id)
}

/// `(commit summary, path)` of each introduction of `blob`, in commit order.
pub fn intros(p: &Provenance, blob: BlobId) -> Vec<(String, String)> {
    p.introduced
        .get(&blob)
        .map(|v| v.iter().map(|i| (p.commits[i.commit as usize].summary.clone(), i.path.to_string())).collect())
        .unwrap_or_default()
}

/// The summary of the commit where `blob` left HEAD's first-parent chain, if any.
pub fn removed_in(p: &Provenance, blob: BlobId) -> Option<String> {
    p.removed_in.get(&blob).map(|&i| p.commits[i as usize].summary.clone())
}

/// Commit summaries in the order of `p.commits`.
pub fn summaries(p: &Provenance) -> Vec<String> {
    p.commits.iter().map(|c| c.summary.clone()).collect()
}

/// Asserts that every parent comes before its children.
pub fn assert_topological(p: &Provenance) {
    for (i, c) in p.commits.iter().enumerate() {
        for &parent in &c.parents {
            assert!((parent as usize) < i, "parent {parent} of {i} ({}) comes after it", c.summary);
        }
    }
}
