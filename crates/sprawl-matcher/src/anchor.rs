//! Whether every match of a rule begins with one of its keywords.
//!
//! A rule such as `(?i:checkout|cko)[\s\S]{0,80}?\b(sk_…)` needs context before its secret.
//! Searched unanchored across a window, its lazy DFA must remember every keyword occurrence of
//! the last 80 bytes at once, which multiplies states until the cache thrashes. When every
//! match starts with a keyword, no such memory is needed: a match can only start where a
//! keyword hit starts, so [`Confirmer`](crate::Confirmer) searches *anchored* at each hit
//! instead, and the DFA tracks one start at a time.
//!
//! Anchored searches cost a call per hit, so they only pay for patterns whose unanchored
//! search is the expensive kind: those with a [`wide_gap`], a long run of almost any byte
//! (`[\s\S]{0,80}?`, `.{0,300}?`). A rule like `\b(pat[A-Za-z0-9]{14}\.…)` keeps the
//! unanchored search, which its regex's own literal prefilter makes fast.
//!
//! The analysis walks the pattern's HIR and collects, ASCII-lowercased, the literal prefixes a
//! match can begin with. It is conservative: anything it cannot follow (an optional first
//! item, a wide class, too many alternatives) makes the answer "no", and the rule is searched
//! unanchored as before.

use regex_syntax::hir::{Class, Hir, HirKind};

/// More alternatives than this and the analysis gives up.
const MAX_PREFIXES: usize = 64;
/// A class with more distinct (case-folded) bytes than this ends the prefix.
const MAX_CLASS: usize = 4;

/// A literal a match can begin with. `open`: the match may go on after `bytes` with anything
/// (or the analysis stopped following it); otherwise `bytes` is the whole of what the
/// sub-pattern matched, and what follows in a concatenation extends it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Prefix {
    bytes: Vec<u8>,
    open: bool,
}

/// One way a match of a piece of pattern can begin, for the analyses of this module and of
/// [`crate::start`], which differ in what they keep of each position.
pub(crate) trait Beginning: Sized {
    /// Nothing more is known after it: a concatenation stops extending it.
    fn open(&self) -> bool;
    /// `self`, then `next`.
    fn then(&self, next: &Self) -> Self;
}

/// The ways an alternation can begin: every branch's; `None` for more than `limit`.
pub(crate) fn alternation<T>(subs: &[Hir], limit: usize, of: impl Fn(&Hir) -> Option<Vec<T>>) -> Option<Vec<T>> {
    let mut all = Vec::new();
    for sub in subs {
        all.extend(of(sub)?);
        if all.len() > limit {
            return None;
        }
    }
    Some(all)
}

/// The ways a concatenation can begin: each way of the items so far that is not open, then
/// each way of the next item; `None` for more than `limit`.
pub(crate) fn concatenation<T: Beginning>(
    subs: &[Hir],
    empty: T,
    limit: usize,
    of: impl Fn(&Hir) -> Option<Vec<T>>,
) -> Option<Vec<T>> {
    let mut acc = vec![empty];
    for sub in subs {
        if acc.iter().all(Beginning::open) {
            break;
        }
        let next = of(sub)?;
        let mut grown = Vec::new();
        for a in acc {
            if a.open() {
                grown.push(a);
                continue;
            }
            grown.extend(next.iter().map(|n| a.then(n)));
            if grown.len() > limit {
                return None;
            }
        }
        acc = grown;
    }
    Some(acc)
}

impl Beginning for Prefix {
    fn open(&self) -> bool {
        self.open
    }

    fn then(&self, next: &Prefix) -> Prefix {
        let mut bytes = self.bytes.clone();
        bytes.extend_from_slice(&next.bytes);
        Prefix { bytes, open: next.open }
    }
}

impl Prefix {
    fn exact(bytes: Vec<u8>) -> Prefix {
        Prefix { bytes, open: false }
    }

    fn unknown() -> Prefix {
        Prefix { bytes: Vec::new(), open: true }
    }
}

/// True if every match of `pattern` (parsed as the matcher compiles it) begins with one of
/// `keywords`, compared ASCII case-insensitively.
pub(crate) fn starts_with_keyword(hir: &Hir, keywords: &[String]) -> bool {
    let keywords: Vec<Vec<u8>> = keywords.iter().map(|k| k.to_ascii_lowercase().into_bytes()).collect();
    let Some(cap) = keywords.iter().map(Vec::len).max() else { return false };
    match prefixes(hir, cap) {
        Some(set) => !set.is_empty() && set.iter().all(|p| keywords.iter().any(|k| p.bytes.starts_with(k))),
        None => false,
    }
}

/// A repetition of more than [`GAP_REPEAT`] (or unboundedly many) bytes from a class of at
/// least [`GAP_CLASS`] bytes, anywhere in the pattern.
pub(crate) fn wide_gap(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Repetition(rep) => {
            let long = rep.max.is_none_or(|max| max > GAP_REPEAT);
            let wide = match rep.sub.kind() {
                HirKind::Class(Class::Bytes(c)) => {
                    c.ranges().iter().map(|r| usize::from(r.end() - r.start()) + 1).sum::<usize>() >= GAP_CLASS
                }
                HirKind::Class(Class::Unicode(c)) => {
                    c.ranges().iter().any(|r| r.end() > '\u{7f}')
                        || c.ranges().iter().map(|r| r.len()).sum::<usize>() >= GAP_CLASS
                }
                _ => false,
            };
            (long && wide) || wide_gap(&rep.sub)
        }
        HirKind::Capture(c) => wide_gap(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(wide_gap),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// See [`wide_gap`].
const GAP_REPEAT: u32 = 32;
/// See [`wide_gap`]: half of all byte values.
const GAP_CLASS: usize = 128;

/// The prefixes of every match of `hir`, followed up to `cap` bytes; `None` if there are too
/// many to list.
fn prefixes(hir: &Hir, cap: usize) -> Option<Vec<Prefix>> {
    let set = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Prefix::exact(Vec::new())],
        HirKind::Literal(lit) => vec![Prefix::exact(lit.0.to_ascii_lowercase())],
        HirKind::Class(class) => match folded_class(class) {
            Some(bytes) => bytes.into_iter().map(|b| Prefix::exact(vec![b])).collect(),
            None => vec![Prefix::unknown()],
        },
        HirKind::Capture(cap_) => prefixes(&cap_.sub, cap)?,
        HirKind::Repetition(rep) => {
            if rep.min == 0 {
                vec![Prefix::unknown()]
            } else {
                let mut inner = prefixes(&rep.sub, cap)?;
                if rep.max != Some(1) {
                    for p in &mut inner {
                        p.open = true;
                    }
                }
                inner
            }
        }
        HirKind::Alternation(subs) => alternation(subs, MAX_PREFIXES, |sub| prefixes(sub, cap))?,
        HirKind::Concat(subs) => {
            concatenation(subs, Prefix::exact(Vec::new()), MAX_PREFIXES, |sub| prefixes(sub, cap))?
        }
    };
    // Past the longest keyword nothing more decides the answer.
    let mut set: Vec<Prefix> = set
        .into_iter()
        .map(|mut p| {
            if p.bytes.len() >= cap {
                p.bytes.truncate(cap);
                p.open = true;
            }
            p
        })
        .collect();
    set.sort();
    set.dedup();
    Some(set)
}

/// The distinct lowercased bytes of a small ASCII class; `None` for a wide or non-ASCII one.
fn folded_class(class: &Class) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |lo: u32, hi: u32| -> Option<()> {
        if hi > 0x7f || hi - lo > 2 * MAX_CLASS as u32 {
            return None;
        }
        for c in lo..=hi {
            let b = (c as u8).to_ascii_lowercase();
            if !out.contains(&b) {
                out.push(b);
            }
        }
        (out.len() <= MAX_CLASS).then_some(())
    };
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                push(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                push(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchored(pattern: &str, keywords: &[&str]) -> bool {
        let hir = regex_syntax::ParserBuilder::new().utf8(false).unicode(false).build().parse(pattern).unwrap();
        let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        starts_with_keyword(&hir, &keywords)
    }

    #[test]
    fn a_pattern_that_begins_with_its_keywords_is_anchored() {
        assert!(anchored(r"(?i:checkout|cko)[\s\S]{0,80}?\b(sk_[a-z2-7]{26,27})\b", &["checkout", "cko"]));
        assert!(anchored(r"\b(ghp_[A-Za-z0-9]{36})\b", &["ghp_"]));
        assert!(anchored(r"(?i)\b(GHP_[a-z]{4})", &["ghp_"]));
        assert!(anchored(r"\b((?:live|test)_[A-Za-z0-9]{30})\b", &["live_", "test_"]));
        assert!(anchored(r"xoxb-[0-9]+|xoxp-[0-9]+", &["xox"]));
        assert!(anchored(r"(?:AKIA|ASIA)[A-Z0-9]{16}", &["akia", "asia"]));
    }

    #[test]
    fn a_pattern_that_may_begin_elsewhere_is_not() {
        // The keyword is in the middle.
        assert!(!anchored(r"(?i:api_key)\s*=\s*(sk-[a-z]{10})", &["sk-"]));
        // An optional first item.
        assert!(!anchored(r"x?ghp_[a-z]{4}", &["ghp_"]));
        // One branch begins with something else.
        assert!(!anchored(r"ghp_[a-z]{4}|gho_[a-z]{4}", &["ghp_"]));
        // A wide class before the keyword.
        assert!(!anchored(r"[a-z]ghp_[a-z]{4}", &["ghp_"]));
        // The prefix is shorter than the keyword.
        assert!(!anchored(r"gh[a-z]{4}", &["ghp_"]));
        assert!(!anchored(r"(?:a|b)", &[]));
    }

    fn gap(pattern: &str) -> bool {
        wide_gap(&regex_syntax::ParserBuilder::new().utf8(false).unicode(false).build().parse(pattern).unwrap())
    }

    #[test]
    fn wide_gaps_are_long_runs_of_almost_anything() {
        assert!(gap(r"(?i:checkout|cko)[\s\S]{0,80}?\b(sk_[a-z2-7]{26,27})\b"));
        assert!(gap(r"(?s)a.{0,300}?b"));
        assert!(gap(r"a(?:[^;]{1,200};)b"));
        assert!(gap(r"a[^x]*b"));
        assert!(!gap(r"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b"));
        assert!(!gap(r"a[\s\S]{0,20}b"));
    }

    #[test]
    fn small_classes_are_followed() {
        assert!(anchored(r"PuTTY-User-Key-File-[23]:", &["putty-user-key-file-"]));
        assert!(anchored(r"[Tt]oken[23]x", &["token2", "token3"]));
        assert!(!anchored(r"[Tt]oken[234]x", &["token2", "token3"]));
    }
}
