//! The default backend: one aho-corasick automaton over all rules' keywords.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use sprawl_core::{Candidate, RuleIdx, Span};
use sprawl_rules::Rule;

use crate::confirm::{ConfirmScratch, Confirmer};
use crate::{Matcher, MatcherError, Scratch};

/// Keyword prefilter (aho-corasick, ASCII case-insensitive, overlapping) followed by windowed
/// regex confirmation.
pub struct PrefilterMatcher {
    keywords: AhoCorasick,
    /// For each keyword of the automaton, the rules that listed it.
    keyword_rules: Vec<Vec<RuleIdx>>,
    confirm: Confirmer,
}

impl std::fmt::Debug for PrefilterMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrefilterMatcher")
            .field("keywords", &self.keyword_rules.len())
            .field("confirm", &self.confirm)
            .finish()
    }
}

#[derive(Default)]
struct PrefilterScratch {
    /// Per rule, the window being grown by consecutive keyword hits.
    open: Vec<Option<Span>>,
    /// Rules with an open window, in the order they were opened.
    touched: Vec<u32>,
    /// Closed windows, ready to confirm.
    windows: Vec<(u32, Span)>,
    confirm: ConfirmScratch,
}

impl PrefilterMatcher {
    pub fn new(rules: &[Rule]) -> Result<PrefilterMatcher, MatcherError> {
        PrefilterMatcher::with_options(rules, &crate::Options::default())
    }

    pub fn with_options(rules: &[Rule], options: &crate::Options) -> Result<PrefilterMatcher, MatcherError> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<RuleIdx>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            for kw in &rule.keywords {
                let folded = kw.to_ascii_lowercase();
                let slot = *index.entry(folded.clone()).or_insert_with(|| {
                    keywords.push(folded);
                    keyword_rules.push(Vec::new());
                    keyword_rules.len() - 1
                });
                let idx = RuleIdx(i as u32);
                if !keyword_rules[slot].contains(&idx) {
                    keyword_rules[slot].push(idx);
                }
            }
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A DFA searches fastest but takes several milliseconds to build over hundreds of
            // keywords; a contiguous NFA builds in a third of that, which wins for small inputs.
            .kind(Some(if options.quick_start { AhoCorasickKind::ContiguousNFA } else { AhoCorasickKind::DFA }))
            .build(&keywords)
            .map_err(|e| MatcherError::Keywords(e.to_string()))?;
        Ok(PrefilterMatcher { keywords, keyword_rules, confirm: Confirmer::new(rules) })
    }
}

impl Matcher for PrefilterMatcher {
    fn name(&self) -> &'static str {
        "prefilter"
    }

    fn new_scratch(&self) -> Scratch {
        Scratch::new(PrefilterScratch::default())
    }

    fn scan(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut dyn FnMut(Candidate)) {
        let s: &mut PrefilterScratch = scratch.get();
        let rule_count = self.confirm.rule_count();
        if s.open.len() < rule_count {
            s.open.resize(rule_count, None);
        }
        s.windows.clear();
        // Hits arrive in order of their end offset, so each rule's window starts never move
        // backwards: a new hit either extends the rule's open window or closes it and opens the
        // next. Memory stays proportional to the number of disjoint windows.
        for hit in self.keywords.find_overlapping_iter(hay) {
            for &rule in &self.keyword_rules[hit.pattern().as_usize()] {
                let max_len = self.confirm.max_len(rule.index());
                let window = Span::new(hit.end().saturating_sub(max_len), (hit.start() + max_len).min(hay.len()));
                match &mut s.open[rule.index()] {
                    Some(open) if window.start <= open.end => open.end = open.end.max(window.end),
                    Some(open) => {
                        s.windows.push((rule.0, *open));
                        *open = window;
                    }
                    slot @ None => {
                        *slot = Some(window);
                        s.touched.push(rule.0);
                    }
                }
            }
        }
        for rule in s.touched.drain(..) {
            if let Some(open) = s.open[rule as usize].take() {
                s.windows.push((rule, open));
            }
        }
        for &(rule, window) in &s.windows {
            self.confirm.confirm(rule as usize, hay, window, &mut s.confirm, sink);
        }
    }

    fn compile_all(&self) -> Vec<(usize, String)> {
        self.confirm.compile_all()
    }
}
