//! Where to look, shared by every backend: the keyword table a backend searches for, and the
//! step that turns keyword hits into windows and confirms them.
//!
//! A backend's only job is to produce [`Hit`]s: every occurrence, overlapping ones included, of
//! every keyword in [`Keywords::literals`], compared ASCII case-insensitively. Everything after
//! that — which rules a hit wakes, how windows of `max_len` bytes around hits merge, and the
//! regex that confirms — is [`confirm_hits`], the same code for all backends. Two backends that
//! report the same hits therefore report the same candidates, by construction; the property
//! tests in `tests/` check the hits half.

use std::collections::HashMap;

use sprawl_core::{Candidate, RuleIdx, Span};
use sprawl_rules::Rule;

use crate::confirm::{ConfirmScratch, Confirmer};

/// One occurrence of a keyword in the haystack: `hay[start..end]` equals
/// `Keywords::literals[keyword]`, ignoring ASCII case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    pub end: usize,
    pub start: usize,
    pub keyword: u32,
}

/// The distinct keywords of a rule set and the rules that listed each.
#[derive(Debug)]
pub(crate) struct Keywords {
    /// Distinct keywords, ASCII-lowercased, in first-seen order. A backend's pattern id is an
    /// index into this list.
    pub(crate) literals: Vec<String>,
    /// For each keyword, the rules that listed it.
    pub(crate) rules: Vec<Vec<RuleIdx>>,
}

impl Keywords {
    pub(crate) fn new(rules: &[Rule]) -> Keywords {
        let mut literals: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<RuleIdx>> = Vec::new();
        let mut index = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            for kw in &rule.keywords {
                let folded = kw.to_ascii_lowercase();
                let slot = *index.entry(folded.clone()).or_insert_with(|| {
                    literals.push(folded);
                    keyword_rules.push(Vec::new());
                    keyword_rules.len() - 1
                });
                let idx = RuleIdx(i as u32);
                if !keyword_rules[slot].contains(&idx) {
                    keyword_rules[slot].push(idx);
                }
            }
        }
        Keywords { literals, rules: keyword_rules }
    }
}

/// Per-thread state of [`confirm_hits`], reused across haystacks.
#[derive(Debug)]
pub(crate) struct WindowScratch {
    /// Per rule, the window being grown by consecutive keyword hits.
    open: Vec<Option<Span>>,
    /// Rules with an open window, in the order they were opened.
    touched: Vec<u32>,
    /// Closed windows, ready to confirm.
    windows: Vec<(u32, Span)>,
    /// `(rule, start)` of every hit of a rule confirmed anchored.
    starts: Vec<(u32, usize)>,
    /// The starts of one window, in order.
    window_starts: Vec<usize>,
    /// Drop hits where no match can begin ([`Confirmer::admit`]). Always on, except in the
    /// tests that check it changes nothing.
    filter_starts: bool,
    confirm: ConfirmScratch,
}

impl Default for WindowScratch {
    fn default() -> WindowScratch {
        WindowScratch {
            open: Vec::new(),
            touched: Vec::new(),
            windows: Vec::new(),
            starts: Vec::new(),
            window_starts: Vec::new(),
            filter_starts: true,
            confirm: ConfirmScratch::default(),
        }
    }
}

/// Opens a window of each rule's `max_len` bytes on both sides of every hit that could begin a
/// match ([`Confirmer::admit`]), merges each rule's overlapping or touching windows, and runs
/// the rule's regex in each merged window: anchored at the window's hits for a rule that
/// [`Confirmer::anchored`] picks ([`Confirmer::confirm_at`]), unanchored across the window
/// otherwise.
///
/// `hits` must arrive in non-decreasing order of `end` (the order of a left-to-right scan).
/// Then each rule's window starts never move backwards, so a new hit either extends the rule's
/// open window or closes it and opens the next, and memory stays proportional to the number of
/// disjoint windows. Under that order the merged windows depend only on the *set* of hits, not
/// on how hits with equal ends are ordered.
pub(crate) fn confirm_hits(
    keywords: &Keywords,
    confirm: &Confirmer,
    hay: &[u8],
    hits: impl IntoIterator<Item = Hit>,
    s: &mut WindowScratch,
    sink: &mut dyn FnMut(Candidate),
) {
    let rule_count = confirm.rule_count();
    if s.open.len() < rule_count {
        s.open.resize(rule_count, None);
    }
    s.windows.clear();
    s.starts.clear();
    for hit in hits {
        debug_assert!(hit.start <= hit.end && hit.end <= hay.len());
        for &rule in &keywords.rules[hit.keyword as usize] {
            let anchored = if s.filter_starts {
                match confirm.admit(rule.index(), hay, hit.start) {
                    Some(anchored) => anchored,
                    None => continue,
                }
            } else {
                confirm.anchored(rule.index())
            };
            if anchored {
                s.starts.push((rule.0, hit.start));
            }
            let max_len = confirm.max_len(rule.index());
            let window = Span::new(hit.end.saturating_sub(max_len), (hit.start + max_len).min(hay.len()));
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
    s.starts.sort_unstable();
    s.starts.dedup();
    for &(rule, window) in &s.windows {
        if !confirm.anchored(rule as usize) {
            confirm.confirm(rule as usize, hay, window, &mut s.confirm, sink);
            continue;
        }
        let from = s.starts.partition_point(|&p| p < (rule, window.start));
        let to = s.starts.partition_point(|&p| p < (rule, window.end));
        s.window_starts.clear();
        s.window_starts.extend(s.starts[from..to].iter().map(|&(_, at)| at));
        confirm.confirm_at(rule as usize, hay, window, &s.window_starts, &mut s.confirm, sink);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    type Found = BTreeSet<(u32, usize, usize, usize, usize)>;

    fn candidates(matcher: &crate::PrefilterMatcher, rules: &[Rule], hay: &[u8], filter: bool) -> Found {
        let keywords = Keywords::new(rules);
        let confirm = Confirmer::new(rules);
        let mut s = WindowScratch { filter_starts: filter, ..WindowScratch::default() };
        let mut found = Found::new();
        let hits = matcher.keyword_hits(hay);
        confirm_hits(&keywords, &confirm, hay, hits.iter().copied(), &mut s, &mut |c| {
            found.insert((c.rule.0, c.secret.start, c.secret.end, c.whole.start, c.whole.end));
        });
        found
    }

    /// The start filter drops hits, never candidates: on every built-in rule's examples (run
    /// together, glued to letters, between keywords) and on noise made of keywords, the
    /// candidates are the same with and without it.
    #[test]
    fn dropping_hits_where_no_match_begins_changes_no_candidate() {
        let (set, errors) = sprawl_rules::RuleSet::builtin();
        assert!(errors.is_empty(), "{errors:?}");
        let rules = set.rules();
        let matcher = crate::PrefilterMatcher::new(rules).unwrap();
        let examples: Vec<&str> =
            rules.iter().flat_map(|r| r.examples.iter().chain(&r.negative_examples)).map(String::as_str).collect();
        let keywords = Keywords::new(rules).literals;

        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut noise = Vec::new();
        for _ in 0..20_000 {
            match next(4) {
                0 => noise.extend(examples[next(examples.len())].bytes()),
                1 => noise.extend(
                    keywords[next(keywords.len())]
                        .bytes()
                        .map(|b| if next(2) == 0 { b.to_ascii_uppercase() } else { b }),
                ),
                _ => noise.extend((0..next(12)).map(|_| b"aZ09_-./=:\"' \n{}x"[next(17)])),
            }
        }
        let hays = [
            examples.join("\n").into_bytes(),
            examples.join(" ").into_bytes(),
            examples.concat().into_bytes(),
            examples.iter().map(|e| format!("x{e}x")).collect::<String>().into_bytes(),
            noise,
        ];
        let (table, confirm) = (Keywords::new(rules), Confirmer::new(rules));
        let mut dropped = 0;
        for hay in &hays {
            assert_eq!(candidates(&matcher, rules, hay, true), candidates(&matcher, rules, hay, false));
            for hit in matcher.keyword_hits(hay) {
                dropped += table.rules[hit.keyword as usize]
                    .iter()
                    .filter(|r| confirm.admit(r.index(), hay, hit.start).is_none())
                    .count();
            }
        }
        assert!(dropped > 1000, "the filter drops hits ({dropped})");
    }
}
