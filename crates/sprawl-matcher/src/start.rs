//! Which keyword hits could begin a match: a cheap test of the bytes at a hit, before a window
//! is opened for it.
//!
//! Most keyword hits are not secrets: `pat` (an Airtable token's prefix) is in `path` and
//! `pattern`, `default` (a `.netrc` entry) in every `switch`. For a rule whose every match
//! begins with one of its keywords ([`crate::anchor::starts_with_keyword`]), a hit can only
//! matter if a match can begin exactly there. A [`StartFilter`] knows, for each way a match can
//! begin, the set of bytes allowed at each of its first positions (`pat` then fourteen
//! `[A-Za-z0-9]` then `.`) and whether a `\b` comes first; a hit whose bytes fit none is
//! dropped. That costs a few byte lookups, where a window costs a regex search.
//!
//! Dropping such hits changes no finding. Every match begins at a hit that passes, and lies in
//! that hit's window when it is no longer than the rule's `max_len`, which the filter
//! requires of the pattern's longest match. A leftmost-first search over the remaining windows
//! then meets the same matches in the same order.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::anchor::{Beginning, alternation, concatenation};

/// Positions followed from the start of a match; enough to reject almost every stray hit.
const MAX_POSITIONS: usize = 24;
/// More ways to begin than this and the analysis gives up.
const MAX_ALTERNATIVES: usize = 64;

/// A set of bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn single(b: u8) -> ByteSet {
        let mut s = ByteSet([0; 4]);
        s.insert(b);
        s
    }

    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// One way a match can begin: an optional `\b` before its first byte, then one set of allowed
/// bytes per position.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Start {
    boundary: bool,
    positions: Vec<ByteSet>,
    /// Nothing more is known after `positions` (or the analysis stopped following).
    open: bool,
    /// This piece of pattern is a zero-width assertion and nothing else.
    look: Option<Look>,
}

impl Start {
    fn empty() -> Start {
        Start { boundary: false, positions: Vec::new(), open: false, look: None }
    }

    fn unknown() -> Start {
        Start { open: true, ..Start::empty() }
    }
}

/// Tests whether a match of one rule can begin at a position of a haystack.
#[derive(Clone, Debug)]
pub(crate) struct StartFilter {
    starts: Vec<Start>,
}

impl StartFilter {
    /// The filter for a pattern whose every match begins at a keyword hit and is at most
    /// `max_len` bytes long; `None` when the pattern allows longer matches, or when its start
    /// says nothing (an optional first item).
    pub(crate) fn new(hir: &Hir, max_len: usize) -> Option<StartFilter> {
        if hir.properties().maximum_len().is_none_or(|longest| longest > max_len) {
            return None;
        }
        let starts = starts(hir)?;
        // A way to begin that tests nothing lets every hit through: no filter at all.
        if starts.is_empty() || starts.iter().any(|s| !s.boundary && s.positions.is_empty()) {
            return None;
        }
        Some(StartFilter { starts })
    }

    /// False only if no match can begin at `hay[at..]`.
    pub(crate) fn may_begin_at(&self, hay: &[u8], at: usize) -> bool {
        self.starts.iter().any(|s| {
            (!s.boundary || word_boundary(hay, at))
                && s.positions.iter().enumerate().all(|(i, set)| hay.get(at + i).is_some_and(|&b| set.contains(b)))
        })
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// ASCII `\b` at `at`, as the regex engine sees it on the whole haystack.
fn word_boundary(hay: &[u8], at: usize) -> bool {
    let before = at.checked_sub(1).and_then(|i| hay.get(i)).is_some_and(|&b| is_word(b));
    let after = hay.get(at).is_some_and(|&b| is_word(b));
    before != after
}

/// The ways a match of `hir` can begin; `None` if there are too many to list.
fn starts(hir: &Hir) -> Option<Vec<Start>> {
    let list = match hir.kind() {
        HirKind::Empty => vec![Start::empty()],
        HirKind::Look(look) => vec![Start { look: Some(*look), ..Start::empty() }],
        HirKind::Literal(lit) => {
            vec![Start { positions: lit.0.iter().map(|&b| ByteSet::single(b)).collect(), ..Start::empty() }]
        }
        HirKind::Class(class) => vec![Start { positions: vec![byte_set(class)], ..Start::empty() }],
        HirKind::Capture(cap) => starts(&cap.sub)?,
        HirKind::Repetition(rep) if rep.min == 0 => vec![Start::unknown()],
        HirKind::Repetition(rep) => {
            let inner = starts(&rep.sub)?;
            let exactly_once = rep.max == Some(1);
            match inner.as_slice() {
                // A fixed run of one class or literal: `[A-Za-z0-9]{14}` is fourteen positions.
                [one] if !one.open && one.look.is_none() && !one.boundary && !one.positions.is_empty() => {
                    let times = (rep.min as usize).min(MAX_POSITIONS / one.positions.len() + 1);
                    let positions = one.positions.iter().copied().cycle().take(one.positions.len() * times).collect();
                    vec![Start { positions, open: rep.max != Some(rep.min), ..Start::empty() }]
                }
                _ => inner.into_iter().map(|s| Start { open: s.open || !exactly_once, ..s }).collect(),
            }
        }
        HirKind::Alternation(subs) => alternation(subs, MAX_ALTERNATIVES, starts)?,
        HirKind::Concat(subs) => concatenation(subs, Start::empty(), MAX_ALTERNATIVES, starts)?,
    };
    Some(
        list.into_iter()
            .map(|mut s| {
                if s.positions.len() >= MAX_POSITIONS {
                    s.positions.truncate(MAX_POSITIONS);
                    s.open = true;
                }
                s
            })
            .collect(),
    )
}

impl Beginning for Start {
    fn open(&self) -> bool {
        self.open
    }

    fn then(&self, next: &Start) -> Start {
        concat(self, next)
    }
}

/// `a` followed by `n`.
fn concat(a: &Start, n: &Start) -> Start {
    let mut out = a.clone();
    out.look = None;
    if let Some(look) = n.look {
        // An assertion before the first byte: `\b` is tested, others are let through (which
        // only lets more hits pass). After the first byte, stop following.
        if a.positions.is_empty() {
            out.boundary |= look == Look::WordAscii;
        } else {
            out.open = true;
        }
        return out;
    }
    if n.boundary && !a.positions.is_empty() {
        out.open = true;
        return out;
    }
    out.boundary |= n.boundary;
    out.positions.extend_from_slice(&n.positions);
    out.open = n.open;
    out
}

fn byte_set(class: &Class) -> ByteSet {
    let mut set = ByteSet([0; 4]);
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set.insert(b);
                }
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                let (start, end) = (u32::from(r.start()), u32::from(r.end()));
                for b in start.min(0x80)..end.min(0x7f) + 1 {
                    set.insert(b as u8);
                }
                if end > 0x7f {
                    // A non-ASCII character is several bytes in UTF-8, none of them ASCII.
                    (0x80..=0xff).for_each(|b| set.insert(b));
                }
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pattern: &str, max_len: usize) -> Option<StartFilter> {
        let hir = regex_syntax::ParserBuilder::new().utf8(false).unicode(false).build().parse(pattern).unwrap();
        StartFilter::new(&hir, max_len)
    }

    #[test]
    fn fixed_positions_after_the_keyword_are_tested() {
        let f = filter(r"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b", 82).unwrap();
        let token = format!("pat{}.{}", "Ab3".repeat(5).get(..14).unwrap(), "0f".repeat(32));
        assert!(f.may_begin_at(format!(" {token}").as_bytes(), 1));
        assert!(!f.may_begin_at(b"x = path/to/file", 4));
        assert!(!f.may_begin_at(b"a pattern matched", 2));
        // `\b` before the keyword: `xpat…` cannot begin a match at `pat`.
        assert!(!f.may_begin_at(format!("x{token}").as_bytes(), 1));
        // Too near the end to hold the fixed positions.
        assert!(!f.may_begin_at(b"patAbcdef", 0));
    }

    #[test]
    fn alternatives_each_begin_their_own_way() {
        let f = filter(r"(?:(?i:splunk)|\bhec)[a-z]{0,8}token", 30).unwrap();
        assert!(f.may_begin_at(b"SPLUNK_token", 0));
        assert!(f.may_begin_at(b" hec_token", 1));
        assert!(!f.may_begin_at(b"check", 1), "no \\b before hec in check");
        let f = filter(r"\b(AC[0-9a-f]{32})\b", 34).unwrap();
        assert!(!f.may_begin_at(b"interface Foo", 5));
        assert!(!f.may_begin_at(b"ACCOUNT", 0));
    }

    #[test]
    fn no_filter_when_a_match_may_be_longer_than_max_len_or_begin_with_anything() {
        assert!(filter(r"tok_[a-z]{8,}", 64).is_none());
        assert!(filter(r"tok_[a-z]{8,100}", 64).is_none());
        assert!(filter(r"tok_[a-z]{8,100}", 104).is_some());
        assert!(filter(r"(?:x{0,3})tok", 10).is_none());
    }
}
