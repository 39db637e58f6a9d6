//! The confirm step shared by every backend: run one rule's regex inside a window of the
//! haystack and turn each match into a [`Candidate`].

use std::sync::OnceLock;

use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Input, meta};
use sprawl_core::{Candidate, RuleIdx, Span};
use sprawl_rules::Rule;

/// One rule's regex, compiled on first use: a scan that never hits a rule's keywords never
/// pays for compiling it, which keeps start-up within a pre-commit hook's budget.
struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Result<meta::Regex, String>>,
}

impl LazyRegex {
    fn get(&self) -> Result<&meta::Regex, &str> {
        self.compiled.get_or_init(|| compile(&self.pattern)).as_ref().map_err(|e| e.as_str())
    }
}

/// Compiles a rule pattern with the syntax `sprawl-rules` validated it with: bytes, ASCII mode.
pub fn compile(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().utf8(false).unicode(false))
        .configure(meta::Config::new().utf8_empty(false))
        .build(pattern)
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
                .map(|r| LazyRegex { pattern: r.pattern.clone(), compiled: OnceLock::new() })
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
        let re = match self.regexes[rule].get() {
            Ok(re) => re,
            Err(e) => {
                tracing::warn!(rule, "rule pattern does not compile, skipped: {e}");
                return;
            }
        };
        if scratch.per_rule.len() < self.regexes.len() {
            scratch.per_rule.resize_with(self.regexes.len(), || None);
        }
        let (cache, caps) = scratch.per_rule[rule].get_or_insert_with(|| (re.create_cache(), re.create_captures()));
        let mut input = Input::new(hay).span(window.start..window.end);
        loop {
            re.search_captures_with(cache, &input, caps);
            let Some(whole) = caps.get_match() else { break };
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
            let next = whole.end().max(whole.start() + 1);
            if next >= window.end {
                break;
            }
            input.set_start(next);
        }
    }
}
