//! Bytes in, candidates out.
//!
//! A [`Matcher`] finds, in a haystack of bytes, every place where a rule's pattern matches, and
//! pushes a [`Candidate`] (rule index, span of the secret, span of the whole match) into a sink.
//! It knows nothing of paths, commits or files: the caller owns the bytes and the provenance.
//!
//! Matching is split in two, like ripgrep's `find_candidate_line`:
//!
//! 1. **Prefilter**: one multi-pattern automaton over every rule's keywords finds the places a
//!    rule *could* match. Keywords are literals (`ghp_`, `AKIA`, `-----BEGIN`) that every match of
//!    the rule contains.
//! 2. **Confirm** ([`Confirmer`]): the rule's regex runs only in a window of `max_len` bytes on
//!    each side of a keyword hit. The window is a span of the whole haystack, not a copy, so `\b`
//!    and other look-around assertions see the real bytes around it.
//!
//! Backends differ only in step 1, and only in how they find keyword hits: each must report
//! every occurrence (overlapping ones included) of every keyword, ASCII case-insensitively,
//! and hand them to the same window-merging and confirm code. So two backends give identical
//! candidates by construction, and `tests/backends.rs` checks that they find identical hits.
//! [`PrefilterMatcher`] (pure Rust, always built) uses aho-corasick; `VectorscanMatcher`
//! (cargo feature `vectorscan`, which needs cmake, g++ and libboost-dev to build the vendored
//! library) uses Vectorscan's SIMD literal matcher. [`available_engines`] lists what this
//! build has, best first; `auto` picks the first that builds.
//!
//! Compiling a Vectorscan database takes tens of milliseconds. The matcher does no I/O, so it
//! is handed a [`DatabaseCache`] in [`Options`] (`sprawl-store`'s `DirCache` is one) to keep
//! the serialized database between runs; what it reads from the cache is checked, never
//! trusted.
//!
//! ```
//! use sprawl_matcher::{Matcher, PrefilterMatcher};
//! let rules = sprawl_rules::parse_rules(r#"
//! rules:
//!   - id: demo.token
//!     name: Demo
//!     pattern: '\b(demo_[a-z0-9]{8})\b'
//!     keywords: [demo_]
//!     max_len: 13
//!     identity: demo
//! "#, "demo.yml").unwrap();
//! let m = PrefilterMatcher::new(&rules).unwrap();
//! let mut scratch = m.new_scratch();
//! let mut found = Vec::new();
//! m.scan(b"x = demo_k3j5h7g9;", &mut scratch, &mut |c| found.push(c));
//! assert_eq!(found[0].secret.range(), 4..17);
//! ```
//!
//! Per-thread state lives in a [`Scratch`] the caller creates once per worker and passes to
//! every `scan`, so the hot path allocates nothing once warm.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use sprawl_core::Candidate;
use sprawl_rules::Rule;

mod anchor;
mod confirm;
mod keywords;
mod prefilter;
mod start;
#[cfg(feature = "vectorscan")]
mod vectorscan;

pub use confirm::Confirmer;
pub use keywords::Hit;
pub use prefilter::PrefilterMatcher;
#[cfg(feature = "vectorscan")]
pub use vectorscan::{DatabaseOrigin, VectorscanMatcher};

/// Errors building a matcher.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    #[error("building the keyword automaton: {0}")]
    Keywords(String),
    #[error("backend `{0}` is not compiled into this binary (build with `--features {0}`)")]
    Unavailable(&'static str),
    #[error("unknown matcher backend `{0}` (auto, prefilter or vectorscan)")]
    UnknownEngine(String),
}

/// Per-thread working memory of one matcher. Create it with [`Matcher::new_scratch`] and reuse
/// it for every haystack the thread scans.
pub struct Scratch(Box<dyn Any + Send>);

impl Scratch {
    pub fn new<T: Any + Send>(inner: T) -> Scratch {
        Scratch(Box::new(inner))
    }

    /// The backend's own state. Panics if a scratch is passed to a matcher that did not make
    /// it: that is a bug in the caller, not a condition of the input.
    pub fn get<T: Any>(&mut self) -> &mut T {
        self.0.downcast_mut().expect("scratch was created by a different matcher")
    }
}

impl fmt::Debug for Scratch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scratch")
    }
}

/// A multi-pattern matcher over a fixed rule set.
pub trait Matcher: Send + Sync + fmt::Debug {
    /// The backend's name, as `--engine` spells it.
    fn name(&self) -> &'static str;

    /// Fresh per-thread working memory.
    fn new_scratch(&self) -> Scratch;

    /// Pushes every candidate in `hay` into `sink`, in no particular order.
    fn scan(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut dyn FnMut(Candidate));

    /// Compiles every rule's regex now instead of on first use, returning the rules that failed
    /// as `(rule index, message)`. `rules check` calls it; a scan need not.
    fn compile_all(&self) -> Vec<(usize, String)>;
}

/// A store for compiled matcher databases, keyed by a string that names everything the bytes
/// depend on. The matcher does no I/O itself; the caller decides where bytes live
/// (`sprawl-store`'s `DirCache` keeps them in the user's cache directory).
///
/// Implementations may lose entries, return stale or corrupt bytes, or fail to store: a
/// backend checks what `get` returns and rebuilds when in doubt, so a cache only ever costs
/// or saves time.
pub trait DatabaseCache: Send + Sync {
    /// The bytes stored under `key`, if any.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Stores `bytes` under `key`, replacing what was there. Errors are the cache's to log.
    fn put(&self, key: &str, bytes: &[u8]);
}

/// How to build a matcher.
#[derive(Clone, Default)]
pub struct Options {
    /// Favour build time over search speed: the input is small (a pre-commit hook's staged
    /// change), so building is most of the work.
    pub quick_start: bool,
    /// Where backends with a costly compile step (Vectorscan) keep their compiled database
    /// between runs. `None`: compile every time.
    pub cache: Option<Arc<dyn DatabaseCache>>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options").field("quick_start", &self.quick_start).field("cache", &self.cache.is_some()).finish()
    }
}

/// The backends this binary can build, best first.
pub fn available_engines() -> &'static [&'static str] {
    if cfg!(feature = "vectorscan") { &["vectorscan", "prefilter"] } else { &["prefilter"] }
}

/// Builds the named backend (`auto` picks the best compiled in).
pub fn build(engine: &str, rules: &[Rule]) -> Result<Box<dyn Matcher>, MatcherError> {
    build_with(engine, rules, &Options::default())
}

/// Builds the named backend with options. `auto` builds the first of [`available_engines`]
/// that builds: Vectorscan when compiled in, falling back to the prefilter if Vectorscan
/// cannot run here (a CPU without SSSE3, say).
pub fn build_with(engine: &str, rules: &[Rule], options: &Options) -> Result<Box<dyn Matcher>, MatcherError> {
    match engine {
        "auto" => {
            #[cfg(feature = "vectorscan")]
            match VectorscanMatcher::with_options(rules, options) {
                Ok(m) => return Ok(Box::new(m)),
                Err(e) => tracing::warn!("vectorscan backend unavailable, using prefilter: {e}"),
            }
            Ok(Box::new(PrefilterMatcher::with_options(rules, options)?))
        }
        "prefilter" => Ok(Box::new(PrefilterMatcher::with_options(rules, options)?)),
        #[cfg(feature = "vectorscan")]
        "vectorscan" => Ok(Box::new(VectorscanMatcher::with_options(rules, options)?)),
        #[cfg(not(feature = "vectorscan"))]
        "vectorscan" => Err(MatcherError::Unavailable("vectorscan")),
        other => Err(MatcherError::UnknownEngine(other.to_owned())),
    }
}
