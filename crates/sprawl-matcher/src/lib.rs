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
//! Backends differ only in step 1. [`PrefilterMatcher`] (the default, pure Rust) uses
//! aho-corasick; a Vectorscan backend arrives behind the `vectorscan` feature.
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

use sprawl_core::Candidate;
use sprawl_rules::Rule;

mod confirm;
mod prefilter;

pub use confirm::Confirmer;
pub use prefilter::PrefilterMatcher;

/// Errors building a matcher.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    #[error("building the keyword automaton: {0}")]
    Keywords(String),
    #[error("backend `{0}` is not compiled into this binary")]
    Unavailable(&'static str),
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

/// How to build a matcher.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Favour build time over search speed: the input is small (a pre-commit hook's staged
    /// change), so building is most of the work.
    pub quick_start: bool,
}

/// The backends this binary can build, best first.
pub fn available_engines() -> &'static [&'static str] {
    &["prefilter"]
}

/// Builds the named backend (`auto` picks the best compiled in).
pub fn build(engine: &str, rules: &[Rule]) -> Result<Box<dyn Matcher>, MatcherError> {
    build_with(engine, rules, &Options::default())
}

/// Builds the named backend with options.
pub fn build_with(engine: &str, rules: &[Rule], options: &Options) -> Result<Box<dyn Matcher>, MatcherError> {
    match engine {
        "auto" | "prefilter" => Ok(Box::new(PrefilterMatcher::with_options(rules, options)?)),
        "vectorscan" => Err(MatcherError::Unavailable("vectorscan")),
        _ => Err(MatcherError::Unavailable("unknown")),
    }
}
