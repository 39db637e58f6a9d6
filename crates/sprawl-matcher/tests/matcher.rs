//! The windowed prefilter matcher against a naive reference: every rule's regex over the whole
//! haystack, keeping matches that contain one of the rule's keywords.

#![allow(clippy::unwrap_used)] // Tests and benches fail loudly by design.

use std::collections::BTreeSet;

use proptest::prelude::*;
use sprawl_matcher::{Matcher, PrefilterMatcher};
use sprawl_rules::{Rule, parse_rules};

const RULES: &str = r#"
rules:
  - id: t.prefixed
    name: Prefixed
    pattern: '\b(tok_[A-Za-z0-9]{12})\b'
    keywords: [tok_]
    max_len: 16
    identity: t
  - id: t.prefixed_long
    name: Same keyword family, longer prefix
    pattern: '\b(tok_live_[a-z0-9]{8})\b'
    keywords: [tok_live_]
    max_len: 17
    identity: t
  - id: t.context
    name: Keyword before the value
    pattern: '(?i)secret\s*[:=]\s*"([a-z0-9]{10,20})"'
    keywords: [secret]
    max_len: 64
    identity: t
  - id: t.anchored
    name: Whole line
    pattern: '(?m)^KEY=([A-Z]{6})$'
    keywords: ['key=']
    max_len: 11
    identity: t
"#;

fn rules() -> Vec<Rule> {
    parse_rules(RULES, "t.yml").unwrap()
}

type Hit = (u32, usize, usize);

fn windowed(m: &PrefilterMatcher, hay: &[u8]) -> BTreeSet<Hit> {
    let mut scratch = m.new_scratch();
    let mut out = BTreeSet::new();
    m.scan(hay, &mut scratch, &mut |c| {
        out.insert((c.rule.0, c.secret.start, c.secret.end));
    });
    out
}

fn reference(rules: &[Rule], hay: &[u8]) -> BTreeSet<Hit> {
    let mut out = BTreeSet::new();
    let lower = hay.to_ascii_lowercase();
    for (i, r) in rules.iter().enumerate() {
        let re = regex::bytes::RegexBuilder::new(&r.pattern).unicode(false).build().unwrap();
        for caps in re.captures_iter(hay) {
            let whole = caps.get(0).unwrap();
            let has_kw = r.keywords.iter().any(|k| {
                let k = k.to_ascii_lowercase();
                lower[whole.start()..whole.end()].windows(k.len()).any(|w| w == k.as_bytes())
            });
            if has_kw {
                let s = caps.get(1).unwrap();
                out.insert((i as u32, s.start(), s.end()));
            }
        }
    }
    out
}

#[test]
fn boundaries_see_bytes_outside_the_window() {
    let rules = rules();
    let m = PrefilterMatcher::new(&rules).unwrap();
    // `\b` fails before `tok_` here because of the `x` right before it, outside any window.
    assert!(windowed(&m, b"xtok_abcdefghijkl").is_empty());
    assert_eq!(windowed(&m, b" tok_abcdefghijkl "), BTreeSet::from([(0, 1, 17)]));
    // `\b` fails after: the token continues.
    assert!(windowed(&m, b"tok_abcdefghijklm").is_empty());
    // `^`/`$` with (?m) see the real line ends.
    assert_eq!(windowed(&m, b"a\nKEY=ABCDEF\nb"), BTreeSet::from([(3, 6, 12)]));
    assert!(windowed(&m, b"aKEY=ABCDEF\n").is_empty());
}

#[test]
fn keywords_are_case_insensitive_and_prefixes_overlap() {
    let rules = rules();
    let m = PrefilterMatcher::new(&rules).unwrap();
    let hay = b"SECRET = \"q1w2e3r4t5\" and tok_live_a1b2c3d4";
    assert_eq!(windowed(&m, hay), reference(&rules, hay));
    assert_eq!(windowed(&m, hay).len(), 2, "tok_live_ must be found even though tok_ hits first");
}

#[test]
fn dense_hits_merge_into_one_window_and_find_every_match() {
    let rules = rules();
    let m = PrefilterMatcher::new(&rules).unwrap();
    let hay: Vec<u8> = (0..200).flat_map(|i| format!("tok_{i:012} ").into_bytes()).collect();
    let found = windowed(&m, &hay);
    assert_eq!(found.len(), 200);
    assert_eq!(found, reference(&rules, &hay));
}

fn noise() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"tok_".to_vec()),
        Just(b"tok_live_".to_vec()),
        Just(b"secret".to_vec()),
        Just(b"SeCrEt: \"".to_vec()),
        Just(b"KEY=".to_vec()),
        Just(b"\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\"".to_vec()),
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'Z'), Just(b'7'), Just(b'_'), Just(b'='), any::<u8>()],
            1..14
        ),
    ];
    proptest::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn windowed_matcher_equals_whole_haystack_reference(hay in noise()) {
        let rules = rules();
        let m = PrefilterMatcher::new(&rules).unwrap();
        prop_assert_eq!(windowed(&m, &hay), reference(&rules, &hay));
    }
}
