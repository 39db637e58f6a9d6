//! Helpers shared by the integration tests: test-time token generation (nothing token-shaped
//! is committed) and small encoders.

#![allow(dead_code, clippy::unwrap_used)] // Each test binary uses a different subset.

use std::path::Path;
use std::process::Command;

/// A `git` command in `cwd`, isolated from the user's and the system's configuration (`home`
/// stands for `$HOME` and `$XDG_CONFIG_HOME`), with a fixed author and committer. Add
/// environment (dates) or `-c` options to it, then give it to [`run_git`].
pub fn git_command(cwd: &Path, home: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"]);
    cmd
}

/// Runs a [`git_command`] with `args`. Panics with git's message on failure; returns standard
/// output, trimmed.
pub fn run_git(cmd: &mut Command, args: &[&str]) -> String {
    let out = cmd.args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs `git` in `cwd` as [`git_command`] sets it up.
pub fn git(cwd: &Path, home: &Path, args: &[&str]) -> String {
    run_git(&mut git_command(cwd, home), args)
}

/// A tiny deterministic generator for test-time tokens (no dependency, no committed secrets).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char).collect()
    }
}

pub const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn github_token(rng: &mut Rng) -> String {
    let fake = format!("ghp_{}", rng.string(BASE62, 36));
    let valid = sprawl_verify::checksum::Check::GithubCrc32.make_valid(fake.as_bytes()).expect("right shape");
    String::from_utf8(valid).expect("ASCII")
}

pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
