//! The confirm step shared by every backend: run one rule's regex inside a window of the
//! haystack and turn each match into a [`Candidate`].

use std::sync::OnceLock;

use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, meta};
use sprawl_core::{Candidate, RuleIdx, Span};
use sprawl_rules::Rule;

use crate::start::StartFilter;

/// One rule's regex, compiled on first use: a scan that never hits a rule's keywords never
/// pays for compiling it, which keeps start-up within a pre-commit hook's budget.
struct LazyRegex {
    pattern: String,
    keywords: Vec<String>,
    max_len: usize,
    compiled: OnceLock<Result<Compiled, String>>,
}

/// A compiled rule regex and how to search it (see [`crate::anchor`]).
struct Compiled {
    regex: meta::Regex,
    /// Search anchored at keyword hits: it begins with a keyword and has a wide gap, which
    /// makes an unanchored search slow.
    anchored: bool,
    /// Which hits can begin a match, when every match begins at one (see [`crate::start`]).
    start: Option<StartFilter>,
}

impl LazyRegex {
    fn get(&self) -> Result<&Compiled, &str> {
        self.compiled
            .get_or_init(|| {
                let hir = parse(&self.pattern)?;
                let begins_with_keyword = crate::anchor::starts_with_keyword(&hir, &self.keywords);
                let anchored = begins_with_keyword && crate::anchor::wide_gap(&hir);
                let start = if begins_with_keyword { StartFilter::new(&hir, self.max_len) } else { None };
                Ok(Compiled { regex: build(&hir)?, anchored, start })
            })
            .as_ref()
            .map_err(|e| e.as_str())
    }
}

/// Parses a rule pattern with the syntax `sprawl-rules` validated it with: bytes, ASCII mode.
fn parse(pattern: &str) -> Result<regex_syntax::hir::Hir, String> {
    regex_syntax::ParserBuilder::new().utf8(false).unicode(false).build().parse(pattern).map_err(|e| e.to_string())
}

fn build(hir: &regex_syntax::hir::Hir) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .configure(meta::Config::new().utf8_empty(false))
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

/// Runs rules' regexes in windows. Shared by all backends so that they agree on what a match
/// is once they agree on where to look.
pub struct Confirmer {
    regexes: Vec<LazyRegex>,
    max_len: Vec<usize>,
    secret_group: Vec<Option<usize>>,
}

impl std::fmt::Debug for Confirmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmer").field("rules", &self.regexes.len()).finish()
    }
}

/// Per-thread regex caches and capture slots, one per rule, made on first use.
#[derive(Default)]
pub struct ConfirmScratch {
    per_rule: Vec<Option<(meta::Cache, Captures)>>,
}

impl std::fmt::Debug for ConfirmScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfirmScratch").field("warm_rules", &self.per_rule.iter().flatten().count()).finish()
    }
}

impl Confirmer {
    pub fn new(rules: &[Rule]) -> Confirmer {
        Confirmer {
            regexes: rules
                .iter()
                .map(|r| LazyRegex {
                    pattern: r.pattern.clone(),
                    keywords: r.keywords.clone(),
                    max_len: r.max_len,
                    compiled: OnceLock::new(),
                })
                .collect(),
            max_len: rules.iter().map(|r| r.max_len).collect(),
            secret_group: rules.iter().map(|r| r.secret_group).collect(),
        }
    }

    pub fn rule_count(&self) -> usize {
        self.regexes.len()
    }

    pub fn max_len(&self, rule: usize) -> usize {
        self.max_len[rule]
    }

    pub fn compile_all(&self) -> Vec<(usize, String)> {
        self.regexes.iter().enumerate().filter_map(|(i, r)| r.get().err().map(|e| (i, e.to_owned()))).collect()
    }

    /// True if `rule` is best searched with [`Confirmer::confirm_at`]: every match begins
    /// with one of its keywords, and its pattern is slow to search unanchored. Compiles the
    /// rule.
    pub fn anchored(&self, rule: usize) -> bool {
        self.regexes[rule].get().is_ok_and(|c| c.anchored)
    }

    /// What to do with a keyword hit of `rule` at `at`: `None` if no match can begin there
    /// (the bytes fit none of the ways the rule's matches begin), else whether the rule is
    /// confirmed anchored ([`Confirmer::anchored`]), so that the hit's start must be kept.
    /// Compiles the rule.
    pub fn admit(&self, rule: usize, hay: &[u8], at: usize) -> Option<bool> {
        match self.regexes[rule].get() {
            Ok(c) if c.start.as_ref().is_some_and(|f| !f.may_begin_at(hay, at)) => None,
            Ok(c) => Some(c.anchored),
            Err(_) => Some(false),
        }
    }

    #[cfg(test)]
    pub(crate) fn has_start_filter(&self, rule: usize) -> bool {
        self.regexes[rule].get().is_ok_and(|c| c.start.is_some())
    }

    #[cfg(test)]
    fn begins_with_keyword(&self, rule: usize) -> bool {
        let r = &self.regexes[rule];
        parse(&r.pattern).is_ok_and(|hir| crate::anchor::starts_with_keyword(&hir, &r.keywords))
    }

    /// Every match of rule `rule` that starts and ends inside `window`, leftmost-first and
    /// non-overlapping. Bytes outside the window are visible to look-around assertions only.
    pub fn confirm(
        &self,
        rule: usize,
        hay: &[u8],
        window: Span,
        scratch: &mut ConfirmScratch,
        sink: &mut dyn FnMut(Candidate),
    ) {
        self.search(rule, hay, window, None, scratch, sink);
    }

    /// The same matches as [`Confirmer::confirm`], found by anchored searches at `starts`
    /// (ascending) only. Exact when every match of `rule` begins with one of its keywords (as
    /// [`Confirmer::anchored`] implies) and `starts` holds
    /// the start of every occurrence of the rule's keywords inside `window`: then every match
    /// begins at one of them, the leftmost match is the one at the first start that has one,
    /// and an anchored search there prefers what an unanchored one would.
    pub fn confirm_at(
        &self,
        rule: usize,
        hay: &[u8],
        window: Span,
        starts: &[usize],
        scratch: &mut ConfirmScratch,
        sink: &mut dyn FnMut(Candidate),
    ) {
        self.search(rule, hay, window, Some(starts), scratch, sink);
    }

    fn search(
        &self,
        rule: usize,
        hay: &[u8],
        window: Span,
        starts: Option<&[usize]>,
        scratch: &mut ConfirmScratch,
        sink: &mut dyn FnMut(Candidate),
    ) {
        let re = match self.regexes[rule].get() {
            Ok(c) => &c.regex,
            Err(e) => {
                tracing::warn!(rule, "rule pattern does not compile, skipped: {e}");
                return;
            }
        };
        if scratch.per_rule.len() < self.regexes.len() {
            scratch.per_rule.resize_with(self.regexes.len(), || None);
        }
        let (cache, caps) = scratch.per_rule[rule].get_or_insert_with(|| (re.create_cache(), re.create_captures()));
        let mut emit = |caps: &Captures| -> Option<usize> {
            let whole = caps.get_match()?;
            let secret = match self.secret_group[rule] {
                Some(g) => caps.get_group(g),
                None => (1..caps.group_len()).find_map(|g| caps.get_group(g)),
            }
            .unwrap_or(whole.span());
            sink(Candidate {
                rule: RuleIdx(rule as u32),
                secret: Span::new(secret.start, secret.end),
                whole: Span::new(whole.start(), whole.end()),
            });
            // Patterns cannot match the empty string (rules refuse it), but never loop forever.
            Some(whole.end().max(whole.start() + 1))
        };
        match starts {
            None => {
                let mut input = Input::new(hay).span(window.start..window.end);
                loop {
                    re.search_captures_with(cache, &input, caps);
                    let Some(next) = emit(caps) else { break };
                    if next >= window.end {
                        break;
                    }
                    input.set_start(next);
                }
            }
            Some(starts) => {
                let mut next = window.start;
                for &at in starts {
                    if at < next || at >= window.end {
                        continue;
                    }
                    let input = Input::new(hay).span(at..window.end).anchored(Anchored::Yes);
                    re.search_captures_with(cache, &input, caps);
                    if let Some(end) = emit(caps) {
                        next = end;
                        if next >= window.end {
                            break;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case-insensitive occurrence of any of `keywords` in `hay`, by start.
    fn keyword_starts(hay: &[u8], keywords: &[String]) -> Vec<usize> {
        let lower = hay.to_ascii_lowercase();
        let mut starts: Vec<usize> = keywords
            .iter()
            .flat_map(|k| {
                let k = k.to_ascii_lowercase().into_bytes();
                let lower = &lower;
                (0..lower.len()).filter(move |&i| lower[i..].starts_with(&k))
            })
            .collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    fn found(c: &Confirmer, rule: usize, hay: &[u8], starts: Option<&[usize]>) -> Vec<(Span, Span)> {
        let mut scratch = ConfirmScratch::default();
        let mut out = Vec::new();
        let window = Span::new(0, hay.len());
        let mut sink = |cand: Candidate| out.push((cand.whole, cand.secret));
        match starts {
            Some(starts) => c.confirm_at(rule, hay, window, starts, &mut scratch, &mut sink),
            None => c.confirm(rule, hay, window, &mut scratch, &mut sink),
        }
        out
    }

    /// For every built-in rule whose matches begin at a keyword, anchored confirmation finds
    /// exactly what an unanchored search finds, on haystacks made of the rule's examples
    /// (repeated, run together, and between other rules' text).
    #[test]
    fn anchored_confirmation_equals_unanchored_on_every_builtin_rule() {
        let (set, errors) = sprawl_rules::RuleSet::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        let rules = set.rules();
        let c = Confirmer::new(rules);
        let all_examples: Vec<u8> =
            rules.iter().flat_map(|r| r.examples.iter()).flat_map(|e| format!("{e}\n").into_bytes()).collect();
        let (mut eligible, mut anchored) = (0, 0);
        for (i, rule) in rules.iter().enumerate() {
            if !c.begins_with_keyword(i) {
                assert!(!c.anchored(i));
                continue;
            }
            eligible += 1;
            anchored += usize::from(c.anchored(i));
            let own: Vec<u8> = rule
                .examples
                .iter()
                .chain(&rule.negative_examples)
                .flat_map(|e| format!("{e} ").into_bytes())
                .collect();
            let tight: Vec<u8> = rule.examples.iter().flat_map(|e| e.bytes()).collect();
            for hay in [&own, &tight, &all_examples, &[own.clone(), all_examples.clone(), own.clone()].concat()] {
                let starts = keyword_starts(hay, &rule.keywords);
                let expected = found(&c, i, hay, None);
                assert_eq!(found(&c, i, hay, Some(&starts)), expected, "rule {}", rule.id);
            }
            assert!(!found(&c, i, &own, None).is_empty(), "rule {} finds its own examples", rule.id);
        }
        // Most provider rules begin with their prefix; if none did, the analysis broke. A
        // few (checkout.com, mailgun) need context before the secret and are searched anchored.
        assert!(eligible > rules.len() / 3, "only {eligible} of {} rules begin with a keyword", rules.len());
        assert!(anchored >= 5 && anchored < eligible / 4, "{anchored} of {eligible} searched anchored");
        assert!(c.anchored(set.index_of("checkout.secret_key").unwrap()));
        // Most rules that begin with a keyword have a start filter for their hits.
        let filtered = (0..rules.len()).filter(|&i| c.has_start_filter(i)).count();
        assert!(filtered > eligible / 2, "{filtered} of {eligible} have a start filter");
        assert!(c.has_start_filter(set.index_of("airtable.pat").unwrap()));
    }
}
