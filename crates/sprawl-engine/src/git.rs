//! Git sources: full history, a commit range, the staged index.
//!
//! History is two independent halves run side by side: the blobs of the object database are
//! scanned in pack order on the worker pool (each worker with its own [`BlobReader`]) while
//! one thread walks the commit graph for provenance. Findings are named afterwards, from the
//! provenance, by the blob they were found in. Every blob is scanned exactly once, reachable or
//! not; the working tree's files are scanned too unless identical to a blob already scanned,
//! and a secret already found in history is not reported again from the working tree.
//!
//! Ranges and staged changes scan only the blobs that the commits (or the index) introduce,
//! and report only findings on lines that the previous version of the file did not have.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
use sprawl_core::{BlobId, CommitMeta, Coverage, Finding, GitOrigin, LineIndex, Origin, Presence, Problem, Secret};
use sprawl_git::{BlobReader, CommitInfo, Provenance, RefSelection, Repo};

use crate::{Engine, Outcome, Worker};

/// What part of a repository to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob of the object database, named by the history of `refs`.
    History { refs: RefSelection },
    /// What the commits of `base..head` introduced.
    Range { base: String, head: String },
    /// What the index stages relative to `HEAD`.
    Staged,
}

/// Options of a git scan.
#[derive(Clone, Debug)]
pub struct GitOptions {
    pub mode: GitMode,
    /// Scan the working tree's uncommitted files too (history mode).
    pub worktree: bool,
    /// Blobs larger than this are listed as skipped.
    pub max_blob_size: u64,
    /// A shallow clone is an error, not a warning.
    pub require_full_history: bool,
    /// The index a staged scan reads instead of the repository's (a hook's `GIT_INDEX_FILE`).
    pub index_file: Option<PathBuf>,
    /// History mode: blobs an earlier scan already covered, with what it found in them (an
    /// incremental sweep). They are not read again but counted as
    /// [`Coverage::skipped_known`], and their findings are reported as if found now, named
    /// from this scan's history walk.
    pub known: Option<Arc<KnownBlobs>>,
}

/// What an earlier scan of a repository covered (see [`GitOptions::known`]).
#[derive(Clone, Debug, Default)]
pub struct KnownBlobs {
    /// Blobs already scanned.
    pub blobs: HashSet<BlobId>,
    /// Their findings, each with its blob; the origin is replaced by this scan's naming.
    pub findings: Vec<(BlobId, Finding)>,
}

impl Default for GitOptions {
    fn default() -> GitOptions {
        GitOptions {
            mode: GitMode::History { refs: RefSelection::All },
            worktree: true,
            max_blob_size: 256 << 20,
            require_full_history: false,
            index_file: None,
            known: None,
        }
    }
}

/// Why a git scan could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitScanError {
    /// Not a repository: the caller may scan the path as files.
    #[error("{}: not a git repository", .0.display())]
    NotARepository(PathBuf),
    /// A bad ref, an empty range, a shallow clone under `--require-full-history`, an
    /// unreadable repository: nothing meaningful can be reported.
    #[error("{0}")]
    Fatal(String),
}

fn commit_meta(c: &CommitInfo) -> Arc<CommitMeta> {
    Arc::new(CommitMeta {
        id: c.id.to_string(),
        author_name: c.author_name.to_string(),
        author_email: c.author_email.to_string(),
        author_time: c.author_time,
        author_tz_offset: c.author_tz_offset,
        summary: c.summary.clone(),
    })
}

fn open(path: &Path) -> Result<Repo, GitScanError> {
    Repo::open(path).map_err(|e| match e {
        sprawl_git::Error::NotARepository { .. } => GitScanError::NotARepository(path.to_path_buf()),
        e => GitScanError::Fatal(e.to_string()),
    })
}

/// Whether `path` is the top of a git work tree or a bare repository (what `sprawl scan PATH`
/// scans as history rather than as files). A subdirectory of a work tree is not.
pub fn is_repository_root(path: &Path) -> bool {
    path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir())
}

/// The top of the repository that opening `path` finds: its work tree, or the git directory of
/// a bare repository. Opening discovers upward, so a directory whose own `.git` is broken opens
/// the repository around it; comparing this with `path` tells the two apart.
pub fn repository_top(path: &Path) -> Result<PathBuf, GitScanError> {
    let repo = open(path)?;
    Ok(repo.work_dir().unwrap_or(repo.git_dir()).to_path_buf())
}

/// The lines of `old`, for "did this line exist before?".
fn line_set(old: &[u8]) -> HashSet<&[u8]> {
    old.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect()
}

/// Keeps the findings on lines that `old` did not have (added or changed lines).
fn on_new_lines(findings: Vec<Finding>, new: &[u8], old: Option<&[u8]>) -> Vec<Finding> {
    let Some(old) = old else { return findings };
    let before = line_set(old);
    let lines = LineIndex::new(new);
    findings.into_iter().filter(|f| !before.contains(lines.line_bytes(f.location.offset as usize))).collect()
}

impl Engine {
    /// Scans a git repository. `Err` only when nothing meaningful can be reported; problems
    /// with single objects are listed in the outcome and the scan goes on.
    pub fn scan_git(&self, path: &Path, options: &GitOptions) -> Result<Outcome, GitScanError> {
        let started = Instant::now();
        let mut repo = open(path)?;
        repo.set_threads(1);
        let mut outcome = Outcome::default();
        let mut coverage = Coverage {
            repo: path.display().to_string(),
            shallow: repo.is_shallow(),
            partial_clone: repo.is_partial_clone(),
            ..Coverage::default()
        };
        if coverage.shallow {
            let message = format!(
                "{}: shallow clone: history before the clone's depth is not in the repository and was NOT scanned \
                 (fetch it with `git fetch --unshallow`)",
                path.display()
            );
            if options.require_full_history {
                return Err(GitScanError::Fatal(format!("{message}; --require-full-history makes this an error")));
            }
            outcome.problems.push(Problem::warning(message));
        }
        let repo_path: Arc<Path> = Arc::from(path);
        match &options.mode {
            GitMode::History { refs } => {
                self.git_history(&mut repo, &repo_path, refs, options, &mut outcome, &mut coverage)?
            }
            GitMode::Range { base, head } => {
                coverage.mode = "range";
                let changes = repo.range(base, head).map_err(|e| GitScanError::Fatal(e.to_string()))?;
                if changes.commits.is_empty() {
                    return Err(GitScanError::Fatal(format!(
                        "{}: the range {base}..{head} contains no commits: nothing to scan",
                        path.display()
                    )));
                }
                coverage.commits = changes.commits.len() as u64;
                outcome.problems.extend(changes.problems.iter().map(|p| Problem::error(p.clone())));
                let metas: Vec<Arc<CommitMeta>> = changes.commits.iter().map(commit_meta).collect();
                let items: Vec<_> = changes
                    .changes
                    .iter()
                    .map(|c| {
                        (c.new, c.old, c.path.to_string(), Some(metas[c.commit as usize].clone()), Presence::InRange)
                    })
                    .collect();
                self.git_changes(&repo, &repo_path, items, options, &mut outcome, &mut coverage);
            }
            GitMode::Staged => {
                coverage.mode = "staged";
                let staged =
                    repo.staged_from(options.index_file.as_deref()).map_err(|e| GitScanError::Fatal(e.to_string()))?;
                let items: Vec<_> =
                    staged.into_iter().map(|c| (c.new, c.old, c.path.to_string(), None, Presence::Staged)).collect();
                self.git_changes(&repo, &repo_path, items, options, &mut outcome, &mut coverage);
            }
        }
        outcome.stats.files = coverage.blobs_scanned + coverage.worktree_files;
        outcome.stats.bytes = coverage.bytes_scanned + coverage.worktree_bytes;
        outcome.stats.skipped = coverage.skipped_large + coverage.skipped_binary;
        outcome.stats.allowed = self.allowed.swap(0, std::sync::atomic::Ordering::Relaxed);
        self.apply_allowlist(&mut outcome);
        coverage.errors = outcome.problems.iter().filter(|p| p.kind == sprawl_core::ProblemKind::Error).count() as u64;
        outcome.coverage.push(coverage);
        outcome.finish(started);
        Ok(outcome)
    }

    /// Range and staged scans: each changed blob, findings on its new lines only.
    #[allow(clippy::type_complexity)]
    fn git_changes(
        &self,
        repo: &Repo,
        repo_path: &Arc<Path>,
        items: Vec<(BlobId, Option<BlobId>, String, Option<Arc<CommitMeta>>, Presence)>,
        options: &GitOptions,
        outcome: &mut Outcome,
        coverage: &mut Coverage,
    ) {
        let mut reader = repo.reader();
        let mut w = self.worker();
        let (mut new, mut old) = (Vec::new(), Vec::new());
        let mut seen: HashSet<BlobId> = HashSet::new();
        for (id, old_id, path, commit, presence) in items {
            coverage.blobs += 1;
            if !seen.insert(id) {
                continue;
            }
            if let Err(e) = reader.read(id, &mut new) {
                note_read_error(e, path.as_str(), outcome, coverage);
                continue;
            }
            if new.len() as u64 > options.max_blob_size {
                coverage.skipped_large += 1;
                outcome
                    .problems
                    .push(Problem::skipped(format!("{path} (blob {id}): {} bytes is over --max-blob-size", new.len())));
                continue;
            }
            if !self.scan_binary && sprawl_input::looks_binary(&new) {
                coverage.skipped_binary += 1;
                continue;
            }
            coverage.blobs_scanned += 1;
            coverage.bytes_scanned += new.len() as u64;
            let findings = self.keep(self.analyze(&mut w, &Origin::Stdin, &new));
            if findings.is_empty() {
                continue;
            }
            let previous = match old_id {
                Some(o) => match reader.read(o, &mut old) {
                    Ok(()) => Some(old.as_slice()),
                    Err(e) => {
                        outcome.problems.push(Problem::error(format!(
                            "{path}: previous version (blob {o}) cannot be read, so every finding in the new version is reported: {e}"
                        )));
                        None
                    }
                },
                None => None,
            };
            let origin = Origin::Git(Arc::new(GitOrigin {
                path: Arc::from(path.as_str()),
                blob: id,
                commit,
                commits: 1,
                paths: 1,
                presence,
                repo: repo_path.clone(),
            }));
            for mut f in on_new_lines(findings, &new, previous) {
                f.location.origin = origin.clone();
                outcome.findings.push(f);
            }
        }
    }

    fn git_history(
        &self,
        repo: &mut Repo,
        repo_path: &Arc<Path>,
        refs: &RefSelection,
        options: &GitOptions,
        outcome: &mut Outcome,
        coverage: &mut Coverage,
    ) -> Result<(), GitScanError> {
        coverage.mode = "history";
        // Listing runs alone, on every worker's thread; the walk of names then takes one of the
        // pool's threads beside content, so `--jobs` bounds the whole scan.
        repo.set_threads(self.jobs);
        let list = repo.blobs().map_err(|e| GitScanError::Fatal(e.to_string()))?;
        repo.set_threads(1);
        let repo = &*repo;
        outcome.problems.extend(list.problems.iter().map(|p| Problem::error(p.clone())));
        coverage.blobs = list.blobs.len() as u64;

        let readers: Vec<Mutex<BlobReader>> = (0..self.jobs).map(|_| Mutex::new(repo.reader())).collect();
        let workers: Vec<Mutex<Worker>> = (0..self.jobs).map(|_| Mutex::new(self.worker())).collect();
        let found: Mutex<Vec<(BlobId, Finding)>> = Mutex::new(Vec::new());
        let problems: Mutex<Vec<Problem>> = Mutex::new(Vec::new());
        let [scanned, bytes, large, binary, missing, unreadable, already] = std::array::from_fn(|_| AtomicU64::new(0));
        let known = options.known.as_deref();
        // Blobs whose scan completed (scanned, or skipped as binary): what a sweep records.
        let done: Mutex<Vec<BlobId>> = Mutex::new(Vec::new());
        let provenance = self.pool.install(|| {
            // Names (one of the pool's threads) beside content (the others, and this one when
            // it is done).
            let (names, ()) = rayon::join(
                || repo.provenance(refs),
                || {
                    list.blobs.par_iter().for_each(|entry| {
                        if known.is_some_and(|k| k.blobs.contains(&entry.id)) {
                            already.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        if entry.size > options.max_blob_size {
                            large.fetch_add(1, Ordering::Relaxed);
                            let message = format!("blob {}: {} bytes is over --max-blob-size", entry.id, entry.size);
                            problems.lock().unwrap_or_else(|p| p.into_inner()).push(Problem::skipped(message));
                            return;
                        }
                        let slot = rayon::current_thread_index().unwrap_or(0) % readers.len();
                        let mut reader = readers[slot].lock().unwrap_or_else(|p| p.into_inner());
                        let mut worker = workers[slot].lock().unwrap_or_else(|p| p.into_inner());
                        let read = reader.read_with(entry.id, |blob| {
                            if !self.scan_binary && sprawl_input::looks_binary(blob) {
                                binary.fetch_add(1, Ordering::Relaxed);
                                if options.known.is_some() {
                                    done.lock().unwrap_or_else(|p| p.into_inner()).push(entry.id);
                                }
                                return Vec::new();
                            }
                            scanned.fetch_add(1, Ordering::Relaxed);
                            bytes.fetch_add(blob.len() as u64, Ordering::Relaxed);
                            self.keep(self.analyze(&mut worker, &Origin::Stdin, blob))
                        });
                        match read {
                            Ok(findings) => {
                                if options.known.is_some() {
                                    done.lock().unwrap_or_else(|p| p.into_inner()).push(entry.id);
                                }
                                if !findings.is_empty() {
                                    let mut f = found.lock().unwrap_or_else(|p| p.into_inner());
                                    f.extend(findings.into_iter().map(|x| (entry.id, x)));
                                }
                            }
                            Err(sprawl_git::Error::Missing { .. }) => {
                                missing.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => {
                                unreadable.fetch_add(1, Ordering::Relaxed);
                                problems.lock().unwrap_or_else(|p| p.into_inner()).push(Problem::error(e.to_string()));
                            }
                        }
                    });
                },
            );
            names
        });
        // The readers' caches and the workers' scratch are done with; what follows (naming
        // findings, the working tree, the report) should not stack on top of them.
        drop(readers);
        drop(workers);
        repo.release_memory();
        let provenance = match provenance {
            Ok(p) => p,
            Err(e @ sprawl_git::Error::NoSuchRef { .. }) => return Err(GitScanError::Fatal(e.to_string())),
            Err(e) => return Err(GitScanError::Fatal(format!("{}: walking history: {e}", repo_path.display()))),
        };
        outcome.problems.extend(problems.into_inner().unwrap_or_else(|p| p.into_inner()));
        outcome.problems.extend(provenance.problems.iter().map(|p| Problem::error(p.clone())));
        let missing_blobs = provenance.missing_blobs();
        if !missing_blobs.is_empty() {
            let why =
                if coverage.partial_clone { "a partial clone: never fetched" } else { "missing from the repository" };
            outcome.problems.push(Problem::error(format!(
                "{}: {} blobs that history refers to were NOT scanned ({why}), e.g. {}",
                repo_path.display(),
                missing_blobs.len(),
                missing_blobs.iter().take(3).map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
        coverage.commits = provenance.commits.len() as u64;
        coverage.blobs_scanned = scanned.into_inner();
        coverage.bytes_scanned = bytes.into_inner();
        coverage.skipped_large = large.into_inner();
        coverage.skipped_binary = binary.into_inner();
        coverage.missing = missing.into_inner() + missing_blobs.len() as u64;
        coverage.skipped_known = already.into_inner();
        coverage.tips = provenance.tips.iter().map(|(name, id)| (name.clone(), id.to_string())).collect();
        // Objects the listing could not read (corrupt headers) are unreadable too.
        coverage.unreadable = unreadable.into_inner() + list.problems.len() as u64;
        let in_history: HashSet<BlobId> = list.blobs.iter().map(|b| b.id).collect();
        coverage.unreachable = in_history.iter().filter(|id| !provenance.introduced.contains_key(id)).count() as u64;

        let mut origins = Namer::new(&provenance, repo_path);
        let mut history_secrets: HashSet<(Arc<str>, Secret)> = HashSet::new();
        let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = known {
            outcome.scanned_blobs = done.into_inner().unwrap_or_else(|p| p.into_inner());
            outcome.scanned_blobs.sort_unstable();
            // Earlier findings, in the blobs this repository still has, fingerprinted with this
            // scan's key (the earlier one may have been a one-off).
            found.extend(k.findings.iter().filter(|(blob, _)| in_history.contains(blob)).map(|(blob, f)| {
                let mut f = f.clone();
                f.fingerprint = self.fingerprinter.as_ref().map(|fp| fp(f.secret.expose()));
                (*blob, f)
            }));
        }
        for (blob, mut f) in found {
            f.location.origin = origins.origin(blob);
            history_secrets.insert((f.rule_id.clone(), f.secret.clone()));
            outcome.findings.push(f);
        }

        if options.worktree
            && let Some(work_dir) = repo.work_dir()
        {
            self.git_worktree(work_dir, &in_history, &history_secrets, outcome, coverage);
        }
        Ok(())
    }

    /// Working-tree files that differ from every blob already scanned.
    fn git_worktree(
        &self,
        work_dir: &Path,
        in_history: &HashSet<BlobId>,
        history_secrets: &HashSet<(Arc<str>, Secret)>,
        outcome: &mut Outcome,
        coverage: &mut Coverage,
    ) {
        let mut w = self.worker();
        let mut buf = Vec::new();
        let mut emit = |event| {
            match event {
                sprawl_input::WalkEvent::File { path, .. } => match sprawl_input::load(&path, &mut w.buf) {
                    Err(e) => outcome.problems.push(Problem::error(e.to_string())),
                    Ok(contents) => {
                        if in_history.contains(&sprawl_git::blob_id_for(&contents)) {
                            return true;
                        }
                        if !self.scan_binary && sprawl_input::looks_binary(&contents) {
                            return true;
                        }
                        buf.clear();
                        buf.extend_from_slice(&contents);
                        drop(contents);
                        coverage.worktree_files += 1;
                        coverage.worktree_bytes += buf.len() as u64;
                        let origin = Origin::file(&path);
                        let findings = self.keep(self.analyze(&mut w, &origin, &buf));
                        outcome.findings.extend(
                            findings
                                .into_iter()
                                .filter(|f| !history_secrets.contains(&(f.rule_id.clone(), f.secret.clone()))),
                        );
                    }
                },
                sprawl_input::WalkEvent::Skipped { path, reason } => {
                    outcome.problems.push(Problem::skipped(format!("{}: {reason}", path.display())))
                }
                sprawl_input::WalkEvent::Error(e) => outcome.problems.push(Problem::error(e.to_string())),
            }
            true
        };
        sprawl_input::walk(&[work_dir.to_path_buf()], &self.walk, &mut emit);
    }
}

fn note_read_error(e: sprawl_git::Error, path: &str, outcome: &mut Outcome, coverage: &mut Coverage) {
    match e {
        sprawl_git::Error::Missing { id } => {
            coverage.missing += 1;
            outcome
                .problems
                .push(Problem::error(format!("{path}: blob {id} is missing (partial clone?): NOT scanned")));
        }
        e => {
            coverage.unreadable += 1;
            outcome.problems.push(Problem::error(format!("{path}: {e}")));
        }
    }
}

/// Turns blob ids into finding origins, from one history walk.
struct Namer<'p> {
    provenance: &'p Provenance,
    commits: HashMap<u32, Arc<CommitMeta>>,
    repo: Arc<Path>,
    cache: HashMap<BlobId, Origin>,
}

impl<'p> Namer<'p> {
    fn new(provenance: &'p Provenance, repo: &Arc<Path>) -> Namer<'p> {
        Namer { provenance, commits: HashMap::new(), repo: repo.clone(), cache: HashMap::new() }
    }

    fn commit(&mut self, index: u32) -> Option<Arc<CommitMeta>> {
        let c = self.provenance.commits.get(index as usize)?;
        Some(self.commits.entry(index).or_insert_with(|| commit_meta(c)).clone())
    }

    fn origin(&mut self, blob: BlobId) -> Origin {
        if let Some(o) = self.cache.get(&blob) {
            return o.clone();
        }
        let p = self.provenance;
        let intros = p.introduced.get(&blob).map(Vec::as_slice).unwrap_or_default();
        let origin = match intros.first() {
            Some(first) => {
                let paths: HashSet<&[u8]> = intros.iter().map(|i| i.path.as_slice()).collect();
                let commits: HashSet<u32> = intros.iter().map(|i| i.commit).collect();
                let presence = if p.at_head.contains(&blob) {
                    Presence::AtHead
                } else {
                    match p.removed_in.get(&blob).copied().and_then(|i| self.commit(i)) {
                        Some(c) => Presence::RemovedIn(c),
                        None => Presence::NotOnDefaultBranch,
                    }
                };
                GitOrigin {
                    path: Arc::from(first.path.to_string().as_str()),
                    blob,
                    commit: self.commit(first.commit),
                    commits: commits.len() as u32,
                    paths: paths.len() as u32,
                    presence,
                    repo: self.repo.clone(),
                }
            }
            None => {
                // A blob a tag points at directly is reachable, just not through a commit.
                let tagged = p.ref_blobs.iter().find(|r| r.blob == blob);
                GitOrigin {
                    path: Arc::from(tagged.map(|r| r.path.to_string()).unwrap_or_default().as_str()),
                    blob,
                    commit: None,
                    commits: 0,
                    paths: u32::from(tagged.is_some()),
                    presence: if tagged.is_some() { Presence::NotOnDefaultBranch } else { Presence::Unreachable },
                    repo: self.repo.clone(),
                }
            }
        };
        let origin = Origin::Git(Arc::new(origin));
        self.cache.insert(blob, origin.clone());
        origin
    }
}
