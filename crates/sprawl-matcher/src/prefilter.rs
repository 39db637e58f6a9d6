//! The default backend: one aho-corasick automaton over all rules' keywords.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use sprawl_core::Candidate;
use sprawl_rules::Rule;

use crate::confirm::Confirmer;
use crate::keywords::{Hit, Keywords, WindowScratch, confirm_hits};
use crate::{Matcher, MatcherError, Scratch};

/// Keyword prefilter (aho-corasick, ASCII case-insensitive, overlapping) followed by windowed
/// regex confirmation.
pub struct PrefilterMatcher {
    automaton: AhoCorasick,
    keywords: Keywords,
    confirm: Confirmer,
}

impl std::fmt::Debug for PrefilterMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefilterMatcher")
            .field("keywords", &self.keywords.literals.len())
            .field("confirm", &self.confirm)
            .finish()
    }
}

impl PrefilterMatcher {
    pub fn new(rules: &[Rule]) -> Result<PrefilterMatcher, MatcherError> {
        PrefilterMatcher::with_options(rules, &crate::Options::default())
    }

    pub fn with_options(rules: &[Rule], options: &crate::Options) -> Result<PrefilterMatcher, MatcherError> {
        let keywords = Keywords::new(rules);
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A DFA searches fastest but takes several milliseconds to build over hundreds of
            // keywords; a contiguous NFA builds in a third of that, which wins for small inputs.
            .kind(Some(if options.quick_start { AhoCorasickKind::ContiguousNFA } else { AhoCorasickKind::DFA }))
            .build(&keywords.literals)
            .map_err(|e| MatcherError::Keywords(e.to_string()))?;
        Ok(PrefilterMatcher { automaton, keywords, confirm: Confirmer::new(rules) })
    }

    /// Every keyword hit in `hay`, in order of end offset: what the windows are built from.
    /// For tests that compare backends, and for debugging a rule's keywords.
    pub fn keyword_hits(&self, hay: &[u8]) -> Vec<Hit> {
        self.hits(hay).collect()
    }

    fn hits<'h>(&'h self, hay: &'h [u8]) -> impl Iterator<Item = Hit> + 'h {
        self.automaton.find_overlapping_iter(hay).map(|m| Hit {
            end: m.end(),
            start: m.start(),
            keyword: m.pattern().as_u32(),
        })
    }
}

impl Matcher for PrefilterMatcher {
    fn name(&self) -> &'static str {
        "prefilter"
    }

    fn new_scratch(&self) -> Scratch {
        Scratch::new(WindowScratch::default())
    }

    fn scan(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut dyn FnMut(Candidate)) {
        let s: &mut WindowScratch = scratch.get();
        // Overlapping aho-corasick reports hits in order of their end offset, as
        // `confirm_hits` requires.
        confirm_hits(&self.keywords, &self.confirm, hay, self.hits(hay), s, sink);
    }

    fn compile_all(&self) -> Vec<(usize, String)> {
        self.confirm.compile_all()
    }
}
