//! `sprawl sweep DIR|LIST`: the full history of every git repository under a directory, or
//! listed in a file, merged into one report with a per-repository coverage manifest.
//!
//! * **Discovery.** Under a directory, every repository (a work tree with `.git`, or a bare
//!   repository) is swept; a repository is not descended into further, `.git` directories are
//!   never walked and symbolic links are not followed. A file lists one repository per line
//!   (blank lines and `#` comments ignored; relative paths are relative to the list's
//!   directory). A listed path that is not a repository is an error naming it.
//! * **Parallelism.** `--parallel-repos` repositories (default 2) are swept at once, all on
//!   the engine's one pool of `--jobs` threads: a history scan already spreads one repository
//!   over the pool, and a second one in flight fills the gaps of the first's serial phases
//!   (opening, listing, the commit walk) without running N pools of M threads on the same
//!   cores. Memory is that of the N largest repositories at once; `--parallel-repos 1` keeps it
//!   to the largest.
//! * **Incremental.** The state file (`sprawl-store`'s `state` module) keeps, per repository
//!   (by canonical path), the blobs already scanned and their findings. A re-sweep skips those
//!   blobs (counted as "already scanned" in the manifest), scans only new ones, and reports
//!   the stored findings again, named from this sweep's history walk (so their commit, path and
//!   whether they are still at `HEAD` are current). A repository's state is written only after
//!   its scan completed. `--full` ignores the state and records the sweep afresh.
//! * **Errors.** A repository that cannot be scanned is an error naming it, listed in the
//!   manifest as not scanned; the sweep goes on, and the exit code is 2 at the end.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use sprawl_core::{BlobId, Coverage, Finding, Origin, Problem};
use sprawl_engine::{Engine, GitMode, GitOptions, GitScanError, KnownBlobs, RefSelection};
use sprawl_store::state::{State, StateError};

use crate::{Prepared, ScanArgs, Scanned, apply_baseline, apply_path_filters, prepare, report_and_exit_with};

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The state of incremental sweeps: the blobs already scanned per repository and their
    /// findings (default: `$XDG_DATA_HOME/sprawl/sweep.sqlite`, else
    /// `~/.local/share/sprawl/sweep.sqlite`). Created with mode 0600: it holds secrets.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Scan every blob again, ignoring what the state says was scanned (the state is then
    /// rewritten from this sweep).
    #[arg(long)]
    full: bool,
    /// How many repositories are scanned at once. They share the `--jobs` threads (one pool),
    /// so more only overlaps one repository's serial phases (opening, the commit walk) with
    /// another's scanning; memory is that of the N largest repositories at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    parallel_repos: usize,
    #[command(flatten)]
    scan: ScanArgs,
}

/// Runs a sweep and reports it.
pub fn run(args: SweepArgs, color: bool, quiet: bool) -> anyhow::Result<u8> {
    let git = &args.scan.git;
    if git.staged || git.range.is_some() || git.since.is_some() || git.no_git {
        anyhow::bail!("sweep scans full histories: --staged, --range, --since and --no-git do not apply");
    }
    if args.scan.paths.iter().any(|p| p.as_os_str() == "-") {
        anyhow::bail!("sweep takes directories and list files, not standard input (`-`)");
    }
    let Prepared { engine, mut had_error, known_rules, path_filters, digest } = prepare(&args.scan, false)?;
    let started = std::time::Instant::now();

    let mut problems = Vec::new();
    let repos = discover(&args.scan.paths, &mut problems);
    let state = match open_state(args.state.as_deref()) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(Problem::error(format!("{e}; sweeping without incremental state")));
            None
        }
    };

    let progress = progress_bar(repos.len() as u64, quiet);
    let state = std::sync::Mutex::new(state);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<(usize, sprawl_engine::Outcome)>> = Default::default();
    let workers = args.parallel_repos.clamp(1, repos.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(repo) = repos.get(i) else { break };
                    progress.set_message(repo.display().to_string());
                    let one = sweep_one(&engine, &args, repo, &state, &digest);
                    done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, one));
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    let mut done = done.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    let mut outcome = sprawl_engine::Outcome::default();
    for (_, one) in done {
        outcome.merge(one, started);
    }
    if repos.is_empty() {
        problems.push(Problem::warning(format!(
            "no git repository found in {}",
            args.scan.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    outcome.problems.extend(problems);
    outcome.finish(started);
    apply_path_filters(&path_filters, &mut outcome);

    let roots = args
        .scan
        .paths
        .iter()
        .map(|p| match p.is_file() {
            true => p.parent().map(PathBuf::from).unwrap_or_default(),
            false => p.clone(),
        })
        .collect();
    let mut scanned = Scanned { outcome, had_error, started, roots, known_rules, consumers: Vec::new() };
    apply_baseline(&args.scan, &mut scanned)?;
    let Scanned { outcome, had_error: e, started, roots, .. } = scanned;
    had_error |= e;
    report_and_exit_with(&args.scan, outcome, had_error, started, roots, color, quiet, true)
}

/// Sweeps one repository: loads what the state knows, scans the rest, records the result.
/// Never fails: a repository that cannot be scanned is an outcome with an error and a
/// coverage entry saying so.
fn sweep_one(
    engine: &Engine,
    args: &SweepArgs,
    repo: &Path,
    state: &std::sync::Mutex<Option<State>>,
    digest: &str,
) -> sprawl_engine::Outcome {
    let lock = || state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = std::time::Instant::now();
    let mut problems = Vec::new();
    if !sprawl_engine::git::is_repository_root(repo) {
        let why = if repo.exists() { "not a git repository" } else { "does not exist" };
        return failed(repo, format!("{}: {why}", repo.display()), started);
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match sprawl_engine::git::repository_top(repo) {
        Ok(top) if canonical(&top) == canonical(repo) => {}
        Ok(top) => {
            let message = format!(
                "{}: not a git repository (its `.git` does not open; git would use the enclosing repository {})",
                repo.display(),
                canonical(&top).display()
            );
            return failed(repo, message, started);
        }
        Err(e) => return failed(repo, scan_error(repo, &e), started),
    }
    let key = canonical(repo).display().to_string();
    let known = match (lock().as_ref(), args.full) {
        (Some(s), false) => load_known(s, &key, digest).unwrap_or_else(|e| {
            problems.push(Problem::error(format!("{e}; {} is scanned in full", repo.display())));
            KnownBlobs::default()
        }),
        _ => KnownBlobs::default(),
    };
    let git = &args.scan.git;
    let options = GitOptions {
        mode: GitMode::History {
            refs: match &git.branch {
                Some(b) => RefSelection::Branch(b.clone()),
                None => RefSelection::All,
            },
        },
        worktree: !git.no_worktree,
        max_blob_size: git.max_blob_size,
        require_full_history: git.require_full_history,
        index_file: None,
        known: Some(Arc::new(known)),
    };
    let mut outcome = match engine.scan_git(repo, &options) {
        Ok(o) => o,
        Err(e) => return failed(repo, scan_error(repo, &e), started),
    };
    let scanned = std::mem::take(&mut outcome.scanned_blobs);
    if let Some(state) = lock().as_mut()
        && let Err(e) = record(state, &key, digest, args.full, &scanned, &outcome.findings)
    {
        outcome.problems.push(Problem::error(format!(
            "{e}: what was scanned in {} was not recorded; the next sweep scans it again",
            repo.display()
        )));
    }
    outcome.problems.extend(problems);
    outcome.finish(started);
    outcome
}

/// The state's knowledge of a repository, as the engine takes it.
fn load_known(state: &State, key: &str, digest: &str) -> Result<KnownBlobs, StateError> {
    let known = state.load(key, digest)?;
    Ok(KnownBlobs { blobs: known.blobs, findings: known.findings })
}

/// Records the blobs a scan completed and the findings in them (findings named from blobs an
/// earlier sweep recorded are already there).
fn record(
    state: &mut State,
    key: &str,
    digest: &str,
    full: bool,
    scanned: &[BlobId],
    findings: &[Finding],
) -> Result<(), StateError> {
    let new: HashSet<&BlobId> = scanned.iter().collect();
    let found: Vec<(BlobId, &Finding)> = findings
        .iter()
        .filter_map(|f| match &f.location.origin {
            Origin::Git(g) if new.contains(&g.blob) => Some((g.blob, f)),
            _ => None,
        })
        .collect();
    state.record(key, digest, full, scanned, &found)
}

/// The outcome of a repository that could not be scanned: one error, and a manifest entry.
fn failed(repo: &Path, message: String, started: std::time::Instant) -> sprawl_engine::Outcome {
    let mut outcome = sprawl_engine::Outcome::default();
    outcome.problems.push(Problem::error(message));
    outcome.coverage.push(Coverage {
        mode: "failed",
        repo: repo.display().to_string(),
        errors: 1,
        ..Coverage::default()
    });
    outcome.finish(started);
    outcome
}

/// A scan error that names the repository.
fn scan_error(repo: &Path, e: &GitScanError) -> String {
    let text = e.to_string();
    let name = repo.display().to_string();
    match text.contains(&name) {
        true => text,
        false => format!("{name}: {text}"),
    }
}

/// The state file: `--state`, else the user's data directory.
fn open_state(explicit: Option<&Path>) -> Result<State, StateError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => default_state_path().ok_or_else(|| StateError::Io {
            path: PathBuf::from("sweep.sqlite"),
            message: "neither XDG_DATA_HOME nor HOME is set: give the state file with --state".into(),
        })?,
    };
    State::open(&path)
}

/// `$XDG_DATA_HOME/sprawl/sweep.sqlite`, else `~/.local/share/sprawl/sweep.sqlite`.
fn default_state_path() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".local/share"))
    })?;
    Some(data.join("sprawl/sweep.sqlite"))
}

/// The repositories the targets name, each once (by canonical path), in the order found.
/// Targets that cannot be read are problems naming them.
fn discover(targets: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let mut repos = Vec::new();
    for target in targets {
        match std::fs::metadata(target) {
            Err(e) => problems.push(Problem::error(format!("{}: {e}", target.display()))),
            Ok(m) if m.is_file() => read_list(target, &mut repos, problems),
            Ok(_) => walk(target, &mut repos, problems),
        }
    }
    let mut seen = HashSet::new();
    repos.retain(|r| seen.insert(std::fs::canonicalize(r).unwrap_or_else(|_| r.clone())));
    repos
}

/// A list file: one repository per line; blank lines and `#` comments ignored.
fn read_list(list: &Path, repos: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let text = match std::fs::read_to_string(list) {
        Ok(t) => t,
        Err(e) => return problems.push(Problem::error(format!("{}: {e}", list.display()))),
    };
    let dir = list.parent().unwrap_or(Path::new(""));
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        repos.push(dir.join(line));
    }
}

/// Every repository at or under `dir`, in name order; never into a repository, a `.git`
/// directory or a symbolic link.
fn walk(dir: &Path, repos: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    if sprawl_engine::git::is_repository_root(dir) {
        repos.push(dir.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return problems.push(Problem::error(format!("{}: {e}", dir.display()))),
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|entry| match entry {
            Ok(e) => Some(e),
            Err(err) => {
                problems.push(Problem::error(format!("{}: {err}", dir.display())));
                None
            }
        })
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name() != ".git")
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        walk(&sub, repos, problems);
    }
}

/// A progress bar on standard error, hidden unless it is a terminal and `--quiet` is off.
fn progress_bar(repos: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(repos);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} repositories {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn lists_skip_blank_lines_and_comments_and_resolve_beside_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("repos.txt");
        std::fs::write(&list, "# mirrors\n\na.git\n  b  \n/abs/c\n").unwrap();
        let mut repos = Vec::new();
        let mut problems = Vec::new();
        read_list(&list, &mut repos, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(repos, [dir.path().join("a.git"), dir.path().join("b"), PathBuf::from("/abs/c")]);
    }
}
