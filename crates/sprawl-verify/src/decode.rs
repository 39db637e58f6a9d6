//! Finding and decoding encoded runs, so that a secret inside base64, hex, percent-encoding or
//! an escaped JSON string is found too.
//!
//! [`find`] locates candidate runs in a haystack cheaply; [`decode`] turns one run into bytes,
//! keeping only results that look like text (a decoded SHA-256 or a PNG is not worth
//! re-scanning). The engine re-scans decoded text with the same matcher, up to a depth limit,
//! and records the chain (`["base64"]`, `["base64", "percent"]`) on each finding.
//!
//! The finder probes every [`MIN_RUN`]-th byte: a run of at least `MIN_RUN` encoded characters
//! must contain one probe position, so text without long runs costs one table lookup per
//! `MIN_RUN` bytes, and only runs a probe lands in are expanded.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sprawl_core::Span;

/// An encoding the decoder understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    Base64,
    Hex,
    Percent,
    /// Backslash escapes in a string literal: `\uXXXX`, `\xXX`, `\/`, `\n`.
    Escaped,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent",
            Encoding::Escaped => "escaped",
        }
    }
}

/// Shortest base64 or hex run worth decoding: the base64 of a 15-byte value.
pub const MIN_RUN: usize = 20;
/// Longest run decoded; longer ones are usually embedded files.
pub const MAX_RUN: usize = 64 << 10;

const B64: u8 = 1; // A-Z a-z 0-9 + / - _ =
const HEX: u8 = 2; // 0-9 a-f A-F
const PCT: u8 = 4; // characters that appear in percent-encoded strings (no whitespace, no quotes)

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut v = 0;
        if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_' || c == b'=' {
            v |= B64;
        }
        if c.is_ascii_hexdigit() {
            v |= HEX;
        }
        if c > b' ' && c < 0x7f && c != b'"' && c != b'\'' && c != b'`' && c != b'<' && c != b'>' {
            v |= PCT;
        }
        t[i] = v;
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

/// Appends to `out` the encoded runs of `hay` worth decoding, in order of position.
pub fn find(hay: &[u8], out: &mut Vec<(Span, Encoding)>) {
    find_runs(hay, out);
    if memchr::memchr(b'%', hay).is_some() {
        find_percent(hay, out);
    }
    if memchr::memmem::find(hay, b"\\u").is_some() || memchr::memmem::find(hay, b"\\x").is_some() {
        find_escaped(hay, out);
    }
    out.sort_unstable_by_key(|(s, e)| (s.start, *e));
}

fn find_runs(hay: &[u8], out: &mut Vec<(Span, Encoding)>) {
    // Blocks of 64 bytes become 64-bit masks of alphabet membership, without a branch per
    // byte; a run of MIN_RUN set bits (inside a block, or carried across blocks) sends the
    // scalar code to find the maximal run around it. Text rarely has such runs, so almost
    // every block costs a handful of vector instructions.
    let b64 = |i: usize| CLASS[hay[i] as usize] & B64 != 0;
    let mut at = 0;
    // Alphabet bytes immediately before `at`.
    let mut carry = 0usize;
    let mut block;
    while at < hay.len() {
        let n = (hay.len() - at).min(64);
        // The last, short block is padded with NUL, which is not in the alphabet.
        let bytes: &[u8; 64] = match hay[at..].first_chunk::<64>() {
            Some(full) => full,
            None => {
                block = [0; 64];
                block[..n].copy_from_slice(&hay[at..]);
                &block
            }
        };
        let mask = alphabet_mask(bytes);
        let first_long = if carry + (mask.trailing_ones() as usize) >= MIN_RUN {
            Some(0)
        } else {
            let long = runs_of_min_run(mask);
            (long != 0).then(|| long.trailing_zeros() as usize)
        };
        let Some(offset) = first_long else {
            carry = mask.leading_ones() as usize;
            at += n;
            continue;
        };
        let probe = at + offset;
        let mut start = probe;
        while start > 0 && b64(start - 1) {
            start -= 1;
        }
        let mut end = probe;
        while end < hay.len() && b64(end) {
            end += 1;
        }
        classify(hay, Span::new(start, end), out);
        // `hay[end]` is not in the alphabet: start afresh after it.
        at = end + 1;
        carry = 0;
    }
}

/// Bit `i` set where `bits` has `MIN_RUN` set bits from `i` upwards.
fn runs_of_min_run(bits: u64) -> u64 {
    let two = bits & (bits >> 1);
    let four = two & (two >> 2);
    let eight = four & (four >> 4);
    let sixteen = eight & (eight >> 8);
    sixteen & (four >> 16)
}

/// Bit `i` set where `block[i]` is in the base64 alphabet (`B64`).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn alphabet_mask(block: &[u8; 64]) -> u64 {
    // SAFETY: SSE2 is part of the x86_64 baseline: every CPU this build runs on has it.
    unsafe { alphabet_mask_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[target_feature(enable = "sse2")]
fn alphabet_mask_sse2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    // `lo <= x <= lo + span`, unsigned.
    #[target_feature(enable = "sse2")]
    fn in_range(x: __m128i, lo: u8, span: u8) -> __m128i {
        let v = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
        _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(span as i8)), v)
    }
    #[target_feature(enable = "sse2")]
    fn is(x: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))
    }
    let mut mask = 0u64;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 readable bytes and `_mm_loadu_si128` does not need alignment;
        // SSE2 is part of every x86_64 CPU.
        let x = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        let letter = in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 25);
        let digit = in_range(x, b'0', 9);
        let sign = _mm_or_si128(_mm_or_si128(is(x, b'+'), is(x, b'/')), _mm_or_si128(is(x, b'-'), is(x, b'_')));
        let all = _mm_or_si128(_mm_or_si128(letter, digit), _mm_or_si128(sign, is(x, b'=')));
        mask |= u64::from(_mm_movemask_epi8(all) as u16) << (16 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
fn alphabet_mask(block: &[u8; 64]) -> u64 {
    block.iter().enumerate().fold(0, |m, (i, &c)| m | (u64::from(CLASS[c as usize] & B64) << i))
}

/// Decides whether a maximal run of base64-alphabet bytes is hex, base64, or neither.
fn classify(hay: &[u8], span: Span, out: &mut Vec<(Span, Encoding)>) {
    let run = &hay[span.range()];
    let body = run.strip_suffix(b"==").or_else(|| run.strip_suffix(b"=")).unwrap_or(run);
    if body.len() < MIN_RUN || body.len() > MAX_RUN || body.contains(&b'=') {
        return;
    }
    let (mut upper, mut lower, mut digit) = (false, false, false);
    let mut all_hex = true;
    for &c in body {
        upper |= c.is_ascii_uppercase();
        lower |= c.is_ascii_lowercase();
        digit |= c.is_ascii_digit();
        all_hex &= CLASS[c as usize] & HEX != 0;
    }
    if all_hex {
        if body.len().is_multiple_of(2) && body.len() >= 2 * MIN_RUN {
            out.push((span, Encoding::Hex));
        }
        return;
    }
    // Base64 of text mixes cases and usually digits; identifiers (`getUserAccessToken`) mix
    // cases too, and are cheap to reject after decoding.
    if upper && lower && (digit || body.len() >= 32) {
        out.push((span, Encoding::Base64));
    }
}

fn find_percent(hay: &[u8], out: &mut Vec<(Span, Encoding)>) {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'%', &hay[i..]) {
        let at = i + p;
        let mut start = at;
        while start > 0 && CLASS[hay[start - 1] as usize] & PCT != 0 {
            start -= 1;
        }
        let mut end = at;
        while end < hay.len() && CLASS[hay[end] as usize] & PCT != 0 {
            end += 1;
        }
        let run = &hay[start..end];
        let escapes =
            run.windows(3).filter(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit()).count();
        if escapes >= 2 && run.len() >= MIN_RUN && run.len() <= MAX_RUN {
            out.push((Span::new(start, end), Encoding::Percent));
        }
        i = end.max(at + 1);
    }
}

fn find_escaped(hay: &[u8], out: &mut Vec<(Span, Encoding)>) {
    // String literals ("…" or '…') on one line that contain \u or \x escapes.
    let mut i = 0;
    while i < hay.len() {
        let Some(p) = memchr::memchr2(b'"', b'\'', &hay[i..]) else { break };
        i += p;
        let q = hay[i];
        let mut j = i + 1;
        let mut has_escape = false;
        while j < hay.len() && hay[j] != q && hay[j] != b'\n' {
            if hay[j] == b'\\' && j + 1 < hay.len() {
                has_escape |= matches!(hay[j + 1], b'u' | b'x');
                j += 1;
            }
            j += 1;
        }
        if j < hay.len() && hay[j] == q && has_escape && (9..=MAX_RUN + 1).contains(&(j - i)) {
            out.push((Span::new(i + 1, j), Encoding::Escaped));
        }
        i = j + 1;
    }
}

/// Longest prefix of a binary keystore that [`keystore_as_base64`] encodes.
pub const KEYSTORE_PREFIX: usize = 30 << 10;

/// For a binary PKCS#12 (`.p12`, `.pfx`) or Java KeyStore file, its first
/// [`KEYSTORE_PREFIX`] bytes in standard base64, so that the text rules for base64 keystores
/// report it; `None` for any other bytes.
pub fn keystore_as_base64(bytes: &[u8]) -> Option<Vec<u8>> {
    let pkcs12 = bytes.len() > 8 && bytes[0] == 0x30 && bytes[1] == 0x82 && bytes[4..7] == [0x02, 0x01, 0x03];
    let jks = bytes.starts_with(&[0xfe, 0xed, 0xfe, 0xed]);
    if !(pkcs12 || jks) {
        return None;
    }
    let head = &bytes[..bytes.len().min(KEYSTORE_PREFIX)];
    Some(base64::engine::general_purpose::STANDARD.encode(head).into_bytes())
}

/// Decodes one run; `None` unless the result is mostly printable text of at least 8 bytes.
pub fn decode(run: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    let out = match encoding {
        Encoding::Base64 => {
            let body = run.strip_suffix(b"==").or_else(|| run.strip_suffix(b"=")).unwrap_or(run);
            // A length of 4k+1 is never valid; such runs often carry one extra byte of context.
            let body = if body.len() % 4 == 1 { &body[..body.len() - 1] } else { body };
            let url = body.iter().any(|&c| c == b'-' || c == b'_');
            let engine = if url { &URL_SAFE_NO_PAD } else { &STANDARD_NO_PAD };
            // Reject binary early: most runs are not base64 of text.
            let head = &body[..body.len().min(24) / 4 * 4];
            if !texty(&engine.decode(head).ok()?) {
                return None;
            }
            engine.decode(body).ok()?
        }
        Encoding::Hex => {
            let mut v = Vec::with_capacity(run.len() / 2);
            for pair in run.chunks_exact(2) {
                let hi = (pair[0] as char).to_digit(16)?;
                let lo = (pair[1] as char).to_digit(16)?;
                let b = (hi * 16 + lo) as u8;
                if v.len() < 8 && !(b.is_ascii_graphic() || b.is_ascii_whitespace()) {
                    return None;
                }
                v.push(b);
            }
            v
        }
        Encoding::Percent => {
            let mut v = Vec::with_capacity(run.len());
            let mut i = 0;
            while i < run.len() {
                if run[i] == b'%'
                    && i + 2 < run.len()
                    && let (Some(hi), Some(lo)) = ((run[i + 1] as char).to_digit(16), (run[i + 2] as char).to_digit(16))
                {
                    v.push((hi * 16 + lo) as u8);
                    i += 3;
                } else {
                    v.push(run[i]);
                    i += 1;
                }
            }
            v
        }
        Encoding::Escaped => unescape(run),
    };
    (out.len() >= 8 && texty(&out)).then_some(out)
}

/// At least 90% printable ASCII or whitespace (multi-byte UTF-8 counts as printable).
fn texty(b: &[u8]) -> bool {
    if b.is_empty() {
        return false;
    }
    let good = b
        .iter()
        .filter(|&&c| c.is_ascii_graphic() || c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' || c >= 0x80)
        .count();
    good * 10 >= b.len() * 9
}

fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let hex = |b: &[u8]| -> Option<u32> { std::str::from_utf8(b).ok().and_then(|t| u32::from_str_radix(t, 16).ok()) };
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        match s[i + 1] {
            b'u' if i + 6 <= s.len() => match hex(&s[i + 2..i + 6]).and_then(char::from_u32) {
                Some(c) => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                }
                None => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            b'x' if i + 4 <= s.len() => match hex(&s[i + 2..i + 4]) {
                Some(v) => {
                    out.push(v as u8);
                    i += 4;
                }
                None => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            c @ (b'/' | b'\\' | b'"' | b'\'') => {
                out.push(c);
                i += 2;
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    fn runs(hay: &[u8]) -> Vec<(String, Encoding)> {
        let mut out = Vec::new();
        find(hay, &mut out);
        out.into_iter().map(|(s, e)| (String::from_utf8_lossy(&hay[s.range()]).into_owned(), e)).collect()
    }

    #[test]
    fn finds_and_decodes_base64_both_alphabets() {
        let secret = concat!("token=gh", "p_R8xK2mQ9vL4tZ7wN1cB5hJ3gF6dS0aP2yE8u?>>").as_bytes();
        let std = STANDARD.encode(secret);
        let url = URL_SAFE.encode(secret);
        assert!(std.contains('/') || std.contains('+') || url != std, "the test wants both alphabets to differ");
        for enc in [std, url] {
            let hay = format!("data:\n  token: {enc}\n");
            let found = runs(hay.as_bytes());
            assert_eq!(found, vec![(enc.clone(), Encoding::Base64)], "{hay}");
            assert_eq!(decode(enc.as_bytes(), Encoding::Base64).unwrap(), secret);
        }
    }

    #[test]
    fn binary_and_identifiers_are_not_decoded() {
        // A hash decodes to binary; identifiers decode to garbage.
        let hash = STANDARD.encode([
            0x9fu8, 0x01, 0xee, 0x42, 0x00, 0x13, 0x88, 0xfe, 0x7a, 0x10, 0x22, 0x99, 0xab, 0xcd, 0xef, 0x01, 0x02,
            0x03,
        ]);
        assert_eq!(decode(hash.as_bytes(), Encoding::Base64), None);
        assert_eq!(decode(b"getUserAccessTokenFromCacheOrStore", Encoding::Base64), None);
        let sha = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(runs(sha), vec![(String::from_utf8_lossy(sha).into_owned(), Encoding::Hex)]);
        assert_eq!(decode(sha, Encoding::Hex), None);
    }

    #[test]
    fn keystores_are_recognised_by_their_headers() {
        let mut p12 = vec![0x30, 0x82, 0x09, 0x10, 0x02, 0x01, 0x03, 0x30, 0x82];
        p12.extend([7u8; 300]);
        let b64 = keystore_as_base64(&p12).unwrap();
        assert_eq!(&b64[..3], b"MII");
        assert_eq!(&b64[6..12], b"IBAzCC");
        let mut jks = vec![0xfe, 0xed, 0xfe, 0xed];
        jks.extend([1u8; 100]);
        assert!(keystore_as_base64(&jks).unwrap().starts_with(b"/u3+7Q"));
        assert!(keystore_as_base64(b"\x89PNG\r\n\x1a\n....").is_none());
    }

    #[test]
    fn hex_of_text_decodes() {
        let text = concat!("sk", "_live_4eC39HqLyjWDarjtT1zdp7dc").as_bytes();
        let hex: String = text.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode(hex.as_bytes(), Encoding::Hex).unwrap(), text);
    }

    #[test]
    fn percent_and_escapes() {
        let hay = concat!("url = https://h/cb?token=xo", "xb%2D1234%2D5678abcd%2Dq1w2e3r4 end").as_bytes();
        let found = runs(hay);
        let pct = found.iter().find(|(_, e)| *e == Encoding::Percent).unwrap();
        assert_eq!(
            decode(pct.0.as_bytes(), Encoding::Percent).unwrap(),
            concat!("https://h/cb?token=xo", "xb-1234-5678abcd-q1w2e3r4").as_bytes()
        );

        let hay = br#"{"k": "\u0067hp_abcdef\u0031234\/x"}"#;
        let found = runs(hay);
        let esc = found.iter().find(|(_, e)| *e == Encoding::Escaped).unwrap();
        assert_eq!(decode(esc.0.as_bytes(), Encoding::Escaped).unwrap(), concat!("gh", "p_abcdef1234/x").as_bytes());
    }

    /// Every maximal run, the slow way.
    fn reference(hay: &[u8]) -> Vec<(Span, Encoding)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < hay.len() {
            if CLASS[hay[i] as usize] & B64 == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < hay.len() && CLASS[hay[i] as usize] & B64 != 0 {
                i += 1;
            }
            classify(hay, Span::new(start, i), &mut out);
        }
        out
    }

    #[test]
    fn block_masks_find_every_run_the_slow_way_finds() {
        // A small xorshift generator: runs of alphabet bytes of every length near MIN_RUN,
        // at every offset and across block boundaries, broken by bytes outside it.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"aZ09+/-_=QxzA";
        // Separators: bytes just outside the alphabet's ranges, and non-ASCII.
        let separators = b" @[`{:,.\x80\xff\0";
        let mut found = 0;
        for _ in 0..2000 {
            let mut hay = Vec::new();
            for _ in 0..(next() % 12) {
                let len = (next() % (3 * MIN_RUN as u64)) as usize;
                hay.extend((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
                let gap = (next() % 3) as usize + usize::from(next() % 4 == 0);
                hay.extend((0..gap).map(|_| separators[(next() % separators.len() as u64) as usize]));
            }
            let mut fast = Vec::new();
            find_runs(&hay, &mut fast);
            assert_eq!(fast, reference(&hay), "{}", String::from_utf8_lossy(&hay));
            found += fast.len();
        }
        assert!(found > 100, "the generator makes runs worth decoding ({found})");
    }

    #[test]
    fn the_block_mask_agrees_with_the_class_table_on_every_byte() {
        for c in 0..=255u8 {
            for at in [0, 15, 16, 33, 63] {
                let mut block = [b' '; 64];
                block[at] = c;
                let expected = if CLASS[c as usize] & B64 != 0 { 1u64 << at } else { 0 };
                assert_eq!(alphabet_mask(&block), expected, "byte {c:#04x} at {at}");
            }
        }
    }

    #[test]
    fn an_unclosed_string_at_the_end_is_not_a_run() {
        for hay in [&b"x = \"\\u0041"[..], b"\\x41 '", b"\\u0041 \"abc\\"] {
            let mut out = Vec::new();
            find(hay, &mut out);
            assert!(out.is_empty(), "{}", String::from_utf8_lossy(hay));
        }
    }

    #[test]
    fn probing_finds_runs_at_any_offset() {
        for pad in 0..MIN_RUN * 2 {
            let enc = STANDARD.encode(b"password=Tr0ub4dor&3-correct-horse");
            let hay = format!("{}{} tail", " ".repeat(pad), enc);
            assert_eq!(runs(hay.as_bytes()).len(), 1, "pad {pad}");
        }
    }
}
