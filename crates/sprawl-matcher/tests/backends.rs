//! The Vectorscan backend against the prefilter backend: identical keyword hits and identical
//! candidates, on the built-in catalog, for every rule example alone, for all of them in one
//! haystack, and on random haystacks (random bytes, examples and bare keywords spliced in at
//! random offsets, random ASCII case) where windows of several hits meet and merge.

#![cfg(feature = "vectorscan")]
#![allow(clippy::unwrap_used)] // Tests and benches fail loudly by design.

use std::sync::OnceLock;

use proptest::prelude::*;
use sprawl_core::Candidate;
use sprawl_matcher::{Hit, Matcher, PrefilterMatcher, VectorscanMatcher};
use sprawl_rules::{Rule, RuleSet};

struct Backends {
    rules: Vec<Rule>,
    prefilter: PrefilterMatcher,
    vectorscan: VectorscanMatcher,
    /// Every example and negative example of every rule.
    snippets: Vec<String>,
    /// Every keyword of every rule.
    keywords: Vec<String>,
}

fn backends() -> &'static Backends {
    static B: OnceLock<Backends> = OnceLock::new();
    B.get_or_init(|| {
        let (set, errors): (RuleSet, _) = RuleSet::builtin();
        assert!(errors.is_empty(), "{errors:#?}");
        let rules = set.rules().to_vec();
        let snippets: Vec<String> =
            rules.iter().flat_map(|r| r.examples.iter().chain(&r.negative_examples)).cloned().collect();
        let keywords: Vec<String> = rules.iter().flat_map(|r| r.keywords.iter()).cloned().collect();
        assert!(snippets.len() >= 40 && !keywords.is_empty());
        Backends {
            prefilter: PrefilterMatcher::new(&rules).unwrap(),
            vectorscan: VectorscanMatcher::new(&rules).unwrap(),
            rules,
            snippets,
            keywords,
        }
    })
}

fn candidates(m: &dyn Matcher, hay: &[u8]) -> Vec<Candidate> {
    let mut scratch = m.new_scratch();
    let mut out = Vec::new();
    m.scan(hay, &mut scratch, &mut |c| out.push(c));
    // A second scan with the same (now warm) scratch finds the same.
    let mut again = Vec::new();
    m.scan(hay, &mut scratch, &mut |c| again.push(c));
    out.sort();
    again.sort();
    assert_eq!(out, again, "{}: a reused scratch changes the result", m.name());
    out
}

fn sorted(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort();
    hits
}

/// Asserts that both backends agree on `hay`, and returns how many candidates they found.
fn assert_agree(hay: &[u8]) -> usize {
    let b = backends();
    assert_eq!(
        sorted(b.vectorscan.keyword_hits(hay)),
        sorted(b.prefilter.keyword_hits(hay)),
        "keyword hits differ on {:?}",
        String::from_utf8_lossy(hay)
    );
    let expected = candidates(&b.prefilter, hay);
    assert_eq!(candidates(&b.vectorscan, hay), expected, "candidates differ on {:?}", String::from_utf8_lossy(hay));
    expected.len()
}

#[test]
fn every_example_alone_gives_the_same_candidates() {
    let b = backends();
    let mut found = 0;
    for rule in &b.rules {
        for example in rule.examples.iter().chain(&rule.negative_examples) {
            found += assert_agree(example.as_bytes());
            found += assert_agree(example.to_ascii_uppercase().as_bytes());
        }
    }
    // Not a vacuous comparison: the examples are matched.
    assert!(found >= b.rules.iter().map(|r| r.examples.len()).sum::<usize>(), "{found} candidates");
}

#[test]
fn all_examples_in_one_haystack_give_the_same_candidates() {
    let b = backends();
    for sep in ["\n", " ", "", "\"", "\n\n#  "] {
        let hay = b.snippets.join(sep);
        assert!(assert_agree(hay.as_bytes()) > 0);
    }
}

#[test]
fn edge_haystacks() {
    let b = backends();
    assert_eq!(assert_agree(b""), 0);
    for k in &b.keywords {
        assert_agree(k.as_bytes());
        assert_agree(k.repeat(5).as_bytes());
        // A keyword cut short at the end of the haystack.
        assert_agree(&k.as_bytes()[..k.len() - 1]);
    }
}

/// What goes into a random haystack, in order; each piece is inserted at a random offset of
/// what is there so far (so it may land inside an earlier snippet).
#[derive(Clone, Debug)]
enum Piece {
    Bytes(Vec<u8>),
    /// A rule example or negative example, by index, with its ASCII case flipped where the
    /// mask's bits say so (cycled).
    Snippet(usize, u64),
    /// A bare keyword, by index: a hit that usually confirms nothing.
    Keyword(usize),
    /// The first `n` bytes of a snippet.
    Truncated(usize, usize),
}

fn piece() -> impl Strategy<Value = Piece> {
    let b = backends();
    let (snippets, keywords) = (b.snippets.len(), b.keywords.len());
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 0..48).prop_map(Piece::Bytes),
        2 => proptest::collection::vec(
            prop_oneof![Just(b' '), Just(b'\n'), Just(b'='), Just(b'"'), Just(b'_'), Just(b'-'), b'a'..=b'z', b'0'..=b'9', b'A'..=b'Z'],
            0..48
        )
        .prop_map(Piece::Bytes),
        4 => (0..snippets, prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]).prop_map(|(i, m)| Piece::Snippet(i, m)),
        2 => (0..keywords).prop_map(Piece::Keyword),
        1 => (0..snippets, 0usize..200).prop_map(|(i, n)| Piece::Truncated(i, n)),
    ]
}

fn flip_case(s: &str, mask: u64) -> Vec<u8> {
    s.bytes()
        .enumerate()
        .map(|(i, c)| if mask >> (i % 64) & 1 == 1 && c.is_ascii_alphabetic() { c ^ 0x20 } else { c })
        .collect()
}

fn haystack() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((piece(), any::<prop::sample::Index>()), 1..24).prop_map(|pieces| {
        let b = backends();
        let mut hay = Vec::new();
        for (piece, at) in pieces {
            let bytes = match piece {
                Piece::Bytes(v) => v,
                Piece::Snippet(i, mask) => flip_case(&b.snippets[i], mask),
                Piece::Keyword(i) => b.keywords[i].as_bytes().to_vec(),
                Piece::Truncated(i, n) => {
                    let s = b.snippets[i].as_bytes();
                    s[..n.min(s.len())].to_vec()
                }
            };
            let at = at.index(hay.len() + 1);
            hay.splice(at..at, bytes);
        }
        hay
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn backends_agree_on_random_haystacks(hay in haystack()) {
        let b = backends();
        prop_assert_eq!(sorted(b.vectorscan.keyword_hits(&hay)), sorted(b.prefilter.keyword_hits(&hay)));
        prop_assert_eq!(candidates(&b.vectorscan, &hay), candidates(&b.prefilter, &hay));
    }
}
