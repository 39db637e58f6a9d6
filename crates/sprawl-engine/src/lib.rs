//! The scan pipeline, and the library API that the CLI (and later the GitHub Action and the
//! organisation sweep) drive.
//!
//! ```text
//! walker thread ──paths──▶ bounded channel ──▶ rayon workers (one scratch per thread)
//!                                                  │ load (read / mmap) → matcher → confirm
//!                                                  ▼
//!                                       collector (the calling thread) ──▶ sorted outcome
//! ```
//!
//! The walker runs on its own thread and blocks when the channel is full, so memory is bounded
//! by the channel's capacity and not by the size of the tree. Each rayon thread owns one
//! [`Worker`](worker) with the matcher's scratch and a read buffer, used for every file it takes.
//! Findings are sorted before they are returned, so output never depends on scheduling.
//!
//! ```no_run
//! use sprawl_engine::{Engine, Target};
//! let (rules, _) = sprawl_rules::RuleSet::builtin();
//! let engine = Engine::builder(rules).jobs(2).build().unwrap();
//! let outcome = engine.scan(&[Target::Path("src".into())]);
//! for f in &outcome.findings {
//!     println!("{}:{} {}", f.location.origin.display_path(), f.location.line, f.rule_id);
//! }
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::iter::{ParallelBridge, ParallelIterator};
use sprawl_core::{Confidence, Finding, Origin, Problem, Stats};
use sprawl_input::{WalkEvent, WalkOptions};
use sprawl_matcher::Matcher;
use sprawl_rules::RuleSet;
use sprawl_verify::Verifier;

mod allow;
pub mod allowlist;
mod blob;
pub mod check;
pub mod ci;
pub mod git;

pub use blob::{Analysis, Rejected, Why};
pub use git::{GitMode, GitOptions, GitScanError, KnownBlobs};
pub use sprawl_git::RefSelection;

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A file or a directory tree.
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

/// Errors building an engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error(transparent)]
    Matcher(#[from] sprawl_matcher::MatcherError),
    #[error("starting {jobs} worker threads: {message}")]
    Threads { jobs: usize, message: String },
}

/// Builds an [`Engine`]; see [`Engine::builder`].
pub struct EngineBuilder {
    rules: RuleSet,
    jobs: Option<usize>,
    engine: String,
    min_confidence: Confidence,
    scan_binary: bool,
    walk: WalkOptions,
    decode_depth: u8,
    quick_start: bool,
    database_cache: Option<std::sync::Arc<dyn sprawl_matcher::DatabaseCache>>,
    fingerprinter: Option<Fingerprinter>,
    allowlist: allowlist::Allowlist,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("rules", &self.rules.len())
            .field("engine", &self.engine)
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

/// Computes a secret's content fingerprint (see `sprawl-store`); set on the engine so that
/// findings carry it and bound allow comments can be checked.
pub type Fingerprinter = std::sync::Arc<dyn Fn(&[u8]) -> sprawl_core::Fingerprint + Send + Sync>;

impl EngineBuilder {
    /// What configuration accepts (paths, commits, regexes, stopwords).
    pub fn allowlist(mut self, a: allowlist::Allowlist) -> Self {
        self.allowlist = a;
        self
    }

    /// How to fingerprint secrets (without one, findings carry no fingerprint).
    pub fn fingerprinter(mut self, f: Fingerprinter) -> Self {
        self.fingerprinter = Some(f);
        self
    }

    /// Favour start-up over throughput (small inputs such as a staged change).
    pub fn quick_start(mut self, yes: bool) -> Self {
        self.quick_start = yes;
        self
    }

    /// Where the matcher keeps compiled databases between runs (Vectorscan's; the binary
    /// passes `sprawl-store`'s `DirCache` in the user's cache directory). Without one, every
    /// run compiles afresh.
    pub fn database_cache(mut self, cache: std::sync::Arc<dyn sprawl_matcher::DatabaseCache>) -> Self {
        self.database_cache = Some(cache);
        self
    }

    /// How deeply nested encodings (base64 inside percent-encoding, …) are decoded and
    /// re-scanned; 0 turns decoding off. Default 2.
    pub fn decode_depth(mut self, depth: u8) -> Self {
        self.decode_depth = depth;
        self
    }

    /// Worker threads (default: one per core).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Matcher backend: `auto`, `prefilter` (and `vectorscan` where compiled in).
    pub fn engine(mut self, name: &str) -> Self {
        name.clone_into(&mut self.engine);
        self
    }

    /// Findings below this confidence are dropped (default `medium`).
    pub fn min_confidence(mut self, c: Confidence) -> Self {
        self.min_confidence = c;
        self
    }

    /// Scan files that look binary instead of skipping them.
    pub fn scan_binary(mut self, yes: bool) -> Self {
        self.scan_binary = yes;
        self
    }

    pub fn walk_options(mut self, w: WalkOptions) -> Self {
        self.walk = w;
        self
    }

    pub fn build(self) -> Result<Engine, EngineError> {
        let options = sprawl_matcher::Options { quick_start: self.quick_start, cache: self.database_cache };
        let matcher = sprawl_matcher::build_with(&self.engine, self.rules.rules(), &options)?;
        let (verifier, verify_errors) = Verifier::new(self.rules.rules());
        let mut config_errors: Vec<String> = verify_errors
            .into_iter()
            .map(|(i, e)| {
                let r = &self.rules.rules()[i];
                format!("{}: rule `{}`: {e}", r.source, r.id)
            })
            .collect();
        let pairs = self
            .rules
            .rules()
            .iter()
            .map(|r| {
                let p = r.pair_with.as_ref()?;
                match self.rules.index_of(&p.rule) {
                    Some(i) => Some((i, p.within_lines)),
                    None => {
                        config_errors
                            .push(format!("{}: rule `{}`: pair_with names unknown rule `{}`", r.source, r.id, p.rule));
                        None
                    }
                }
            })
            .collect();
        let jobs = self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .thread_name(|i| format!("sprawl-worker-{i}"))
            .build()
            .map_err(|e| EngineError::Threads { jobs, message: e.to_string() })?;
        Ok(Engine {
            rules: self.rules,
            matcher,
            verifier,
            pairs,
            config_errors,
            min_confidence: self.min_confidence,
            scan_binary: self.scan_binary,
            walk: self.walk,
            decode_depth: self.decode_depth,
            fingerprinter: self.fingerprinter,
            allowlist: self.allowlist,
            allowed: AtomicU64::new(0),
            jobs,
            pool,
        })
    }
}

/// A compiled rule set, a matcher, a verifier and a thread pool: everything a scan needs.
pub struct Engine {
    rules: RuleSet,
    matcher: Box<dyn Matcher>,
    verifier: Verifier,
    /// For each rule, the rule it pairs with and how many lines apart they may be.
    pairs: Vec<Option<(usize, u32)>>,
    config_errors: Vec<String>,
    min_confidence: Confidence,
    scan_binary: bool,
    walk: WalkOptions,
    decode_depth: u8,
    fingerprinter: Option<Fingerprinter>,
    allowlist: allowlist::Allowlist,
    /// Findings allowed by inline comments since the last scan ended (scans run one at a time).
    allowed: AtomicU64,
    jobs: usize,
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .field("matcher", &self.matcher.name())
            .field("jobs", &self.jobs)
            .finish()
    }
}

/// The result of one scan: sorted findings, problems (errors and skipped inputs, each naming
/// its input), totals, and for git scans what history was covered.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    pub stats: Stats,
    pub coverage: Vec<sprawl_core::Coverage>,
    /// CI posture findings ([`ci`]), sorted.
    pub postures: Vec<sprawl_core::Posture>,
    /// A history scan with [`GitOptions::known`]: the blobs whose scan completed (read and
    /// scanned, or skipped as binary), sorted. Empty otherwise.
    pub scanned_blobs: Vec<sprawl_core::BlobId>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.stats.errors > 0
    }

    /// Sorts and deduplicates findings and problems and fills in the totals that follow from
    /// them (findings, errors, time since `started`). Files and bytes are the caller's.
    pub fn finish(&mut self, started: Instant) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        self.problems.sort();
        self.problems.dedup();
        self.postures.sort();
        self.postures.dedup();
        self.stats.findings = self.findings.len() as u64;
        self.stats.errors = self.problems.iter().filter(|p| p.kind == sprawl_core::ProblemKind::Error).count() as u64;
        self.stats.seconds = started.elapsed().as_secs_f64();
    }

    /// Adds another scan's results (of other targets) to these.
    pub fn merge(&mut self, other: Outcome, started: Instant) {
        self.findings.extend(other.findings);
        self.problems.extend(other.problems);
        self.stats.files += other.stats.files;
        self.stats.bytes += other.stats.bytes;
        self.stats.skipped += other.stats.skipped;
        self.stats.allowed += other.stats.allowed;
        self.coverage.extend(other.coverage);
        self.postures.extend(other.postures);
        self.scanned_blobs.extend(other.scanned_blobs);
        self.finish(started);
    }
}

/// Per-thread state: the matcher's scratch and a read buffer.
struct Worker {
    scratch: sprawl_matcher::Scratch,
    candidates: Vec<sprawl_core::Candidate>,
    buf: Vec<u8>,
}

enum Event {
    Findings(Vec<Finding>),
    Problem(Problem),
}

/// Capacity of the walker → workers channel: enough to keep workers busy across a slow
/// directory, small enough that a huge tree costs a few hundred kilobytes of paths.
const PATH_CHANNEL: usize = 1024;

impl Engine {
    pub fn builder(rules: RuleSet) -> EngineBuilder {
        EngineBuilder {
            rules,
            jobs: None,
            engine: "auto".to_owned(),
            min_confidence: Confidence::Medium,
            scan_binary: false,
            walk: WalkOptions::default(),
            decode_depth: 2,
            quick_start: false,
            database_cache: None,
            fingerprinter: None,
            allowlist: allowlist::Allowlist::default(),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn matcher(&self) -> &dyn Matcher {
        &*self.matcher
    }

    /// Problems in the rules found while building (unknown checksum names, pairs naming a
    /// missing rule). The affected rules still run, without the broken part.
    pub fn config_errors(&self) -> &[String] {
        &self.config_errors
    }

    /// Drops the findings configuration accepts, counting them as allowed.
    pub(crate) fn apply_allowlist(&self, outcome: &mut Outcome) {
        let before = outcome.findings.len();
        outcome.findings.retain(|f| self.allowlist.accepts(f).is_none());
        outcome.stats.allowed += (before - outcome.findings.len()) as u64;
    }

    /// The findings of an analysis to report, counting those allow comments accepted.
    fn keep(&self, analysis: Analysis) -> Vec<Finding> {
        self.allowed.fetch_add(analysis.allowed(), Ordering::Relaxed);
        analysis.into_findings(self.min_confidence)
    }

    fn worker(&self) -> Worker {
        Worker { scratch: self.matcher.new_scratch(), candidates: Vec::new(), buf: Vec::new() }
    }

    /// Scans the targets and returns every finding at or above the minimum confidence.
    pub fn scan(&self, targets: &[Target]) -> Outcome {
        let started = Instant::now();
        let files = AtomicU64::new(0);
        let bytes = AtomicU64::new(0);
        let skipped = AtomicU64::new(0);
        let mut outcome = Outcome::default();
        let roots: Vec<PathBuf> = targets
            .iter()
            .filter_map(|t| match t {
                Target::Path(p) => Some(p.clone()),
                Target::Stdin => None,
            })
            .collect();

        if targets.contains(&Target::Stdin) {
            match sprawl_input::read_stdin() {
                Ok(data) => {
                    let mut w = self.worker();
                    files.fetch_add(1, Ordering::Relaxed);
                    bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    let findings = self.keep(self.analyze(&mut w, &Origin::Stdin, &data));
                    outcome.findings.extend(findings);
                }
                Err(e) => outcome.problems.push(Problem::error(e.to_string())),
            }
        }

        let workers: Vec<Mutex<Worker>> = (0..self.jobs).map(|_| Mutex::new(self.worker())).collect();
        let (path_tx, path_rx) = crossbeam_channel::bounded::<WalkEvent>(PATH_CHANNEL);
        let (event_tx, event_rx) = crossbeam_channel::unbounded::<Event>();
        std::thread::scope(|s| {
            let walk_opts = &self.walk;
            let roots = &roots;
            s.spawn(move || {
                sprawl_input::walk(roots, walk_opts, &mut |ev| path_tx.send(ev).is_ok());
            });
            let (files, bytes, skipped, workers) = (&files, &bytes, &skipped, &workers);
            s.spawn(move || {
                self.pool.install(|| {
                    path_rx.into_iter().par_bridge().for_each_with(event_tx, |events, ev| {
                        let send = |e| {
                            let _ = events.send(e);
                        };
                        match ev {
                            WalkEvent::File { path, .. } => {
                                let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                                let mut w = workers[slot].lock().unwrap_or_else(|p| p.into_inner());
                                self.scan_file(&mut w, path, files, bytes, skipped, &send);
                            }
                            WalkEvent::Skipped { path, reason } => {
                                skipped.fetch_add(1, Ordering::Relaxed);
                                send(Event::Problem(Problem::skipped(format!("{}: {reason}", path.display()))));
                            }
                            WalkEvent::Error(e) => send(Event::Problem(Problem::error(e.to_string()))),
                        }
                    });
                });
            });
            for event in event_rx {
                match event {
                    Event::Findings(f) => outcome.findings.extend(f),
                    Event::Problem(p) => outcome.problems.push(p),
                }
            }
        });

        outcome.stats.files = files.into_inner();
        outcome.stats.bytes = bytes.into_inner();
        outcome.stats.skipped = skipped.into_inner();
        outcome.stats.allowed = self.allowed.swap(0, Ordering::Relaxed);
        self.apply_allowlist(&mut outcome);
        outcome.finish(started);
        outcome
    }

    fn scan_file(
        &self,
        w: &mut Worker,
        path: PathBuf,
        files: &AtomicU64,
        bytes: &AtomicU64,
        skipped: &AtomicU64,
        send: &dyn Fn(Event),
    ) {
        let mut buf = std::mem::take(&mut w.buf);
        match sprawl_input::load(&path, &mut buf) {
            Err(e) => send(Event::Problem(Problem::error(e.to_string()))),
            Ok(contents) => {
                if !self.scan_binary && sprawl_input::looks_binary(&contents) {
                    if let Some(text) = sprawl_verify::decode::keystore_as_base64(&contents) {
                        // A keystore is a credential even though it is binary: scan its base64
                        // form with the keystore rules, and report it at the file's start.
                        files.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(contents.len() as u64, Ordering::Relaxed);
                        let origin = Origin::file(&path);
                        let mut findings = self.keep(self.analyze(w, &origin, &text));
                        for f in &mut findings {
                            f.location.line = 1;
                            f.location.column = 1;
                            f.location.offset = 0;
                            f.reason.push_str("; a binary keystore file");
                        }
                        if !findings.is_empty() {
                            send(Event::Findings(findings));
                        }
                    } else {
                        tracing::debug!(path = %path.display(), "skipping binary file");
                        skipped.fetch_add(1, Ordering::Relaxed);
                    }
                } else {
                    files.fetch_add(1, Ordering::Relaxed);
                    bytes.fetch_add(contents.len() as u64, Ordering::Relaxed);
                    let origin = Origin::file(&path);
                    let findings = self.keep(self.analyze(w, &origin, &contents));
                    if !findings.is_empty() {
                        send(Event::Findings(findings));
                    }
                }
            }
        }
        w.buf = buf;
    }

    /// A reusable analyser for one thread: keeps the matcher's scratch (warm regex caches)
    /// across haystacks. Prefer it to [`Engine::analyze_bytes`] for more than one haystack.
    pub fn analyzer(&self) -> Analyzer<'_> {
        Analyzer { engine: self, worker: self.worker() }
    }

    /// Matches and confirms one haystack, returning every candidate with its verdict (rejected
    /// ones included). [`Analysis::into_findings`] keeps the reportable ones.
    pub fn analyze_bytes(&self, origin: &Origin, hay: &[u8]) -> Analysis {
        let mut w = self.worker();
        self.analyze(&mut w, origin, hay)
    }
}

/// Analyses haystacks one after another on one thread; see [`Engine::analyzer`].
pub struct Analyzer<'e> {
    engine: &'e Engine,
    worker: Worker,
}

impl std::fmt::Debug for Analyzer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").finish_non_exhaustive()
    }
}

impl Analyzer<'_> {
    /// Matches, confirms and decodes one haystack; see [`Engine::analyze_bytes`].
    pub fn analyze(&mut self, origin: &Origin, hay: &[u8]) -> Analysis {
        self.engine.analyze(&mut self.worker, origin, hay)
    }
}

/// Keeps the compiler honest that engines can be shared across threads.
#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Engine>();
    is::<Arc<Engine>>();
}
