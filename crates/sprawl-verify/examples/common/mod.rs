//! Shared by the `randomness_*` examples: harvesting text from the sources on this machine,
//! training the character-bigram table, a deterministic PRNG, and the labelled data set.
//!
//! Nothing here is part of the library; the training text never leaves this process.

// Each example compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Python's standard library, sources and `pydoc_data` documentation.
pub const PYTHON_ROOT: &str = "/root/.pyenv/versions/3.11.7/lib/python3.11";

/// The crate sources cargo has unpacked (`~/.cargo/registry/src/<index>/`).
pub fn rust_root() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
    home.join("registry").join("src")
}

// ---------------------------------------------------------------------------------------------
// PRNG

/// splitmix64: small, deterministic, good enough for generating test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Harvesting

/// Tokens harvested from one body of source code.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Identifiers, every occurrence.
    pub idents: Vec<String>,
    /// Single-line string literals, raw (escapes kept as written), every occurrence.
    pub strings: Vec<String>,
    /// Comment and docstring lines, trimmed of comment markers.
    pub comments: Vec<String>,
    /// File paths relative to the corpus root.
    pub paths: Vec<String>,
}

impl Corpus {
    /// Every text the bigram model is trained on: identifiers, literals and comment lines.
    pub fn texts(&self) -> impl Iterator<Item = &str> + Clone {
        self.idents.iter().chain(&self.strings).chain(&self.comments).map(String::as_str)
    }
}

fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = fs::symlink_metadata(&p) else { continue };
        if meta.is_dir() {
            walk(&p, ext, out);
        } else if meta.is_file() && p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Test suites carry test vectors (hashes, keys, encoded blobs): random data we must not label
/// as natural text.
fn is_testish(rel: &str) -> bool {
    let l = rel.to_ascii_lowercase();
    l.contains("test") || l.contains("bench") || l.contains("fuzz") || l.contains("vector")
}

/// Python's standard library without its test suites and `site-packages`.
pub fn harvest_python() -> Corpus {
    let root = Path::new(PYTHON_ROOT);
    let mut files = Vec::new();
    walk(root, "py", &mut files);
    let mut c = Corpus::default();
    for f in files {
        let rel = f.strip_prefix(root).unwrap_or(&f).to_string_lossy().into_owned();
        if is_testish(&rel)
            || rel.starts_with("site-packages")
            || rel.starts_with("encodings/")
            || rel.contains("_sysconfigdata")
            || rel.starts_with("config-")
        {
            continue;
        }
        let Ok(bytes) = fs::read(&f) else { continue };
        if bytes.len() > 400_000 && !rel.contains("pydoc_data") {
            continue;
        }
        lex(&String::from_utf8_lossy(&bytes), Lang::Python, &mut c);
        c.paths.push(rel);
    }
    c
}

/// The crate sources under `~/.cargo/registry/src`, at most `PER_CRATE` bytes per crate so
/// that the big generated bindings (windows-sys, linux-raw-sys, libc) do not dominate.
pub fn harvest_rust() -> Corpus {
    const PER_CRATE: usize = 400_000;
    let mut c = Corpus::default();
    let Ok(indexes) = fs::read_dir(rust_root()) else { return c };
    let mut crates: Vec<PathBuf> = Vec::new();
    for idx in indexes.flatten() {
        if let Ok(rd) = fs::read_dir(idx.path()) {
            crates.extend(rd.flatten().map(|e| e.path()));
        }
    }
    crates.sort();
    for krate in crates {
        let mut files = Vec::new();
        walk(&krate, "rs", &mut files);
        let mut budget = PER_CRATE;
        for f in files {
            let rel = f.strip_prefix(&krate).unwrap_or(&f).to_string_lossy().into_owned();
            if is_testish(&rel) || rel.starts_with("examples") {
                continue;
            }
            let Ok(bytes) = fs::read(&f) else { continue };
            if bytes.len() > 200_000 || bytes.len() > budget {
                continue;
            }
            budget -= bytes.len();
            lex(&String::from_utf8_lossy(&bytes), Lang::Rust, &mut c);
            let name = krate.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            c.paths.push(format!("{name}/{rel}"));
        }
    }
    c
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Rust,
}

fn push_comment(text: &str, c: &mut Corpus) {
    for line in text.lines() {
        let t = line.trim().trim_start_matches(['/', '!', '*', '#']).trim();
        if t.len() >= 2 {
            c.comments.push(t.to_owned());
        }
    }
}

/// A small lexer, good enough to split identifiers, literals and comments apart.
fn lex(src: &str, lang: Lang, c: &mut Corpus) {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        // Comments.
        if lang == Lang::Python && ch == b'#' {
            let end = memchr(b, b'\n', i).unwrap_or(b.len());
            push_comment(&src[i + 1..end], c);
            i = end;
            continue;
        }
        if lang == Lang::Rust && ch == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = memchr(b, b'\n', i).unwrap_or(b.len());
            push_comment(&src[i + 2..end], c);
            i = end;
            continue;
        }
        if lang == Lang::Rust && ch == b'/' && b.get(i + 1) == Some(&b'*') {
            let end = find(b, b"*/", i + 2).unwrap_or(b.len());
            push_comment(&src[i + 2..end], c);
            i = (end + 2).min(b.len());
            continue;
        }
        // Identifiers, and string prefixes.
        if ch.is_ascii_alphabetic() || ch == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &src[start..i];
            let next = b.get(i).copied();
            let is_prefix = match lang {
                Lang::Python => {
                    word.len() <= 2
                        && word.bytes().all(|x| b"rbfuRBFU".contains(&x))
                        && matches!(next, Some(b'\'' | b'"'))
                }
                Lang::Rust => matches!(word, "r" | "b" | "br" | "c" | "cr") && matches!(next, Some(b'"' | b'#')),
            };
            if !is_prefix {
                c.idents.push(word.to_owned());
                continue;
            }
            if lang == Lang::Rust && word.contains('r') {
                // Raw string r#*"..."#*
                let mut hashes = 0;
                while b.get(i) == Some(&b'#') {
                    hashes += 1;
                    i += 1;
                }
                if b.get(i) != Some(&b'"') {
                    continue;
                }
                let mut close = String::from("\"");
                close.push_str(&"#".repeat(hashes));
                let end = find(b, close.as_bytes(), i + 1).unwrap_or(b.len());
                push_string(&src[i + 1..end], c);
                i = (end + close.len()).min(b.len());
                continue;
            }
            // fall through to the quote handling with i at the quote
        }
        if ch.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        let q = b[i];
        if q == b'"' || (q == b'\'' && lang == Lang::Python) {
            if lang == Lang::Python && b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                let close = [q, q, q];
                let end = find(b, &close, i + 3).unwrap_or(b.len());
                push_comment(&src[i + 3..end], c);
                i = (end + 3).min(b.len());
                continue;
            }
            let mut j = i + 1;
            while j < b.len() && b[j] != q {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = j.min(b.len());
            if let Some(s) = src.get(i + 1..end) {
                push_string(s, c);
            }
            i = (end + 1).min(b.len());
            continue;
        }
        if q == b'\'' && lang == Lang::Rust {
            // char literal or lifetime
            if b.get(i + 1) == Some(&b'\\') {
                let end = memchr(b, b'\'', i + 2).unwrap_or(b.len());
                i = (end + 1).min(b.len());
            } else if b.get(i + 2) == Some(&b'\'') {
                i += 3;
            } else {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
}

fn push_string(s: &str, c: &mut Corpus) {
    if s.contains('\n') {
        // Multi-line literals are mostly prose or embedded files: treat as comment lines.
        push_comment(s, c);
    } else if !s.is_empty() {
        c.strings.push(s.to_owned());
    }
}

fn memchr(b: &[u8], x: u8, from: usize) -> Option<usize> {
    b.get(from..)?.iter().position(|&y| y == x).map(|p| p + from)
}

fn find(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

// ---------------------------------------------------------------------------------------------
// Bigram training

/// Add-alpha smoothing of the committed table (`randomness_measure` found 0.02–0.5 equivalent).
pub const ALPHA: f64 = 0.1;

/// Symbols of the bigram model: printable ASCII 0x20..=0x7e are 0..=94; everything else is 95.
pub const SYMBOLS: usize = 96;
/// Context rows: the 96 symbols, then "start of string".
pub const CONTEXTS: usize = 97;

pub fn symbol(b: u8) -> usize {
    if (0x20..=0x7e).contains(&b) { usize::from(b - 0x20) } else { 95 }
}

/// Counts bigrams over `texts` (each text starts in the start context) and returns the table of
/// costs, `-log2 P(next | prev)` in eighths of a bit, row-major `[CONTEXTS][SYMBOLS]`.
///
/// Add-`alpha` smoothing: unseen transitions (digits after letters in the middle of a word,
/// say) keep a finite cost that reflects how rare they are in this row.
pub fn train_bigram<'a>(texts: impl Iterator<Item = &'a str>, alpha: f64) -> Vec<u8> {
    let mut counts = vec![0f64; CONTEXTS * SYMBOLS];
    for t in texts {
        let mut prev = SYMBOLS; // start
        for &b in t.as_bytes() {
            let s = symbol(b);
            counts[prev * SYMBOLS + s] += 1.0;
            prev = s;
        }
    }
    let mut out = vec![0u8; CONTEXTS * SYMBOLS];
    for row in 0..CONTEXTS {
        let r = &counts[row * SYMBOLS..(row + 1) * SYMBOLS];
        let total: f64 = r.iter().sum::<f64>() + alpha * SYMBOLS as f64;
        for (s, &n) in r.iter().enumerate() {
            let p = (n + alpha) / total;
            let cost = (-p.log2() * 8.0).round();
            out[row * SYMBOLS + s] = cost.clamp(1.0, 255.0) as u8;
        }
    }
    out
}

/// Splits an identifier into lowercase words at `_`, `-`, digits and camelCase humps.
pub fn split_words(ident: &str) -> Vec<String> {
    let b = ident.as_bytes();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &ch) in b.iter().enumerate() {
        let boundary = !ch.is_ascii_alphabetic()
            || (ch.is_ascii_uppercase() && i > 0 && b[i - 1].is_ascii_lowercase())
            || (ch.is_ascii_uppercase()
                && b.get(i + 1).is_some_and(u8::is_ascii_lowercase)
                && i > 0
                && b[i - 1].is_ascii_uppercase());
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        if ch.is_ascii_alphabetic() {
            cur.push(char::from(ch.to_ascii_lowercase()));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

// ---------------------------------------------------------------------------------------------
// Labelled data

#[derive(Debug, Clone)]
pub struct Sample {
    pub text: Vec<u8>,
    pub positive: bool,
    pub kind: &'static str,
}

pub const HEX: &[u8] = b"0123456789abcdef";
pub const HEX_UP: &[u8] = b"0123456789ABCDEF";
pub const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_from(rng: &mut Rng, alphabet: &[u8], n: usize) -> Vec<u8> {
    (0..n).map(|_| *rng.pick(alphabet)).collect()
}

fn printable() -> Vec<u8> {
    (0x21..=0x7e).collect()
}

/// Lengths 8–128, spread so that each length bucket (8–15, 16–31, 32+) gets a fair share.
fn random_len(rng: &mut Rng) -> usize {
    match rng.below(3) {
        0 => rng.range(8, 15),
        1 => rng.range(16, 31),
        _ => rng.range(32, 128),
    }
}

/// Random tokens and tool-generated passwords.
pub fn positives(rng: &mut Rng, per_kind: usize) -> Vec<Sample> {
    let mut out = Vec::new();
    let pr = printable();
    let alphabets: [(&'static str, &[u8]); 8] = [
        ("hex", HEX),
        ("hex-upper", HEX_UP),
        ("base32", B32),
        ("base36", LOWER_ALNUM),
        ("base62", B62),
        ("base64", B64),
        ("base64url", B64URL),
        ("printable", &pr),
    ];
    for (kind, a) in alphabets {
        for _ in 0..per_kind {
            let n = random_len(rng);
            let mut t = random_from(rng, a, n);
            if kind == "base64" && n.is_multiple_of(4) && rng.chance(0.5) {
                // Padded base64 of n*3/4 - 1 or - 2 bytes.
                let pad = rng.range(1, 2);
                for x in t.iter_mut().rev().take(pad) {
                    *x = b'=';
                }
            }
            out.push(Sample { text: t, positive: true, kind });
        }
    }
    // Password managers: 16–32 characters with every class present.
    const SYM: &[u8] = b"!@#$%^&*()-_=+[]{};:,.<>?/~";
    for _ in 0..per_kind {
        let n = rng.range(8, 32);
        let mut t: Vec<u8> = Vec::with_capacity(n);
        let mut all = B62.to_vec();
        all.extend_from_slice(SYM);
        t.push(*rng.pick(b"abcdefghijklmnopqrstuvwxyz"));
        t.push(*rng.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
        t.push(*rng.pick(b"0123456789"));
        t.push(*rng.pick(SYM));
        while t.len() < n {
            t.push(*rng.pick(&all));
        }
        rng.shuffle(&mut t);
        out.push(Sample { text: t, positive: true, kind: "password" });
    }
    // Pronounceable: pwgen-style (8–16, one capital, one digit) and Apple-style
    // `xoqbim-tavzu1-Kepqor` groups.
    const CONS: &[u8] = b"bcdfghjklmnpqrstvwxz";
    const VOW: &[u8] = b"aeiouy";
    for i in 0..per_kind {
        let t = if i % 2 == 0 {
            let n = rng.range(8, 16);
            let mut t = Vec::new();
            while t.len() < n {
                t.push(*rng.pick(CONS));
                t.push(*rng.pick(VOW));
                if rng.chance(0.3) {
                    t.push(*rng.pick(CONS));
                }
            }
            t.truncate(n);
            let c = rng.below(n);
            t[c] = t[c].to_ascii_uppercase();
            let d = rng.below(n);
            t[d] = *rng.pick(b"0123456789");
            t
        } else {
            let groups = rng.range(2, 4);
            let mut t = Vec::new();
            for g in 0..groups {
                if g > 0 {
                    t.push(b'-');
                }
                for _ in 0..rng.range(2, 3) {
                    t.push(*rng.pick(CONS));
                    t.push(*rng.pick(VOW));
                }
            }
            let c = rng.below(t.len());
            if t[c] != b'-' {
                t[c] = t[c].to_ascii_uppercase();
            }
            t
        };
        out.push(Sample { text: t, positive: true, kind: "pronounceable" });
    }
    // UUIDs and grouped license-key shapes.
    for i in 0..per_kind {
        let t = if i % 2 == 0 {
            let h = random_from(rng, HEX, 32);
            let mut t = Vec::new();
            for (j, &x) in h.iter().enumerate() {
                if matches!(j, 8 | 12 | 16 | 20) {
                    t.push(b'-');
                }
                t.push(x);
            }
            t
        } else {
            let groups = rng.range(3, 6);
            let mut t = Vec::new();
            for g in 0..groups {
                if g > 0 {
                    t.push(b'-');
                }
                t.extend(random_from(rng, &B62[..36], 4 + (i / 2) % 2));
            }
            t
        };
        out.push(Sample { text: t, positive: true, kind: "grouped" });
    }
    out
}

fn dedup_sample(rng: &mut Rng, items: impl Iterator<Item = String>, n: usize, min: usize, max: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut v: Vec<String> =
        items.filter(|s| s.len() >= min && s.len() <= max).filter(|s| seen.insert(s.clone())).collect();
    rng.shuffle(&mut v);
    v.truncate(n);
    v
}

/// Human and structured text, from the held-out corpus `c` and generated.
pub fn negatives(rng: &mut Rng, c: &Corpus, per_kind: usize) -> Vec<Sample> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<Sample>, kind: &'static str, t: String| {
        out.push(Sample { text: t.into_bytes(), positive: false, kind });
    };
    for s in dedup_sample(rng, c.idents.iter().cloned(), per_kind, 8, 128) {
        push(&mut out, "identifier", s);
    }
    for s in dedup_sample(rng, c.strings.iter().cloned(), per_kind, 8, 200) {
        push(&mut out, "literal", s);
    }
    // Words of 8+ letters from comments.
    let words = c
        .comments
        .iter()
        .flat_map(|l| l.split(|ch: char| !ch.is_ascii_alphabetic()).map(str::to_owned).collect::<Vec<_>>());
    for s in dedup_sample(rng, words, per_kind, 8, 40) {
        push(&mut out, "word", s);
    }
    // Sentences: windows of comment text cut at word boundaries.
    let comments: Vec<&String> = c.comments.iter().filter(|l| l.len() >= 8).collect();
    let mut seen = HashSet::new();
    let mut tries = 0;
    while seen.len() < per_kind && tries < per_kind * 20 && !comments.is_empty() {
        tries += 1;
        let l = rng.pick(&comments).as_bytes();
        let n = random_len(rng).min(l.len());
        let start = rng.below(l.len() - n + 1);
        let mut s = start;
        while s > 0 && l[s - 1] != b' ' {
            s -= 1;
        }
        let mut e = (s + n).min(l.len());
        while e < l.len() && l[e] != b' ' {
            e += 1;
        }
        let t = String::from_utf8_lossy(&l[s..e]).trim().to_owned();
        if t.len() >= 8 && seen.insert(t.clone()) {
            push(&mut out, "sentence", t);
        }
    }
    // Compounds of held-out subwords.
    let mut subwords: Vec<String> = c
        .idents
        .iter()
        .flat_map(|i| split_words(i))
        .filter(|w| w.len() >= 2)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    subwords.sort();
    let mut n = 0;
    while n < per_kind && !subwords.is_empty() {
        let k = rng.range(2, 4);
        let ws: Vec<&String> = (0..k).map(|_| rng.pick(&subwords)).collect();
        let cap = |w: &str| {
            let mut x = w.to_owned();
            if let Some(f) = x.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            x
        };
        let mut t = match rng.below(5) {
            0 => ws.iter().map(|w| w.as_str()).collect::<Vec<_>>().join("_"),
            1 => ws.iter().map(|w| w.as_str()).collect::<Vec<_>>().join("-"),
            2 => ws.iter().map(|w| w.to_ascii_uppercase()).collect::<Vec<_>>().join("_"),
            3 => ws.iter().map(|w| cap(w)).collect::<String>(),
            _ => {
                let mut s = ws[0].to_string();
                s.extend(ws[1..].iter().map(|w| cap(w)));
                s
            }
        };
        if rng.chance(0.2) {
            t.push_str(&rng.range(1, 999).to_string());
        }
        if t.len() >= 8 {
            push(&mut out, "compound", t);
            n += 1;
        }
    }
    // Paths.
    let prefixes = ["/usr/lib/", "/home/alice/src/", "./", "", "src/", "C:\\Users\\bob\\", "/opt/app/", "~/"];
    for p in dedup_sample(rng, c.paths.iter().cloned(), per_kind, 4, 120) {
        let pre = *rng.pick(&prefixes);
        let mut t = format!("{pre}{p}");
        if pre.contains('\\') {
            t = t.replace('/', "\\");
        }
        push(&mut out, "path", t);
    }
    // URLs found in the held-out text, padded with generated ones.
    let urls = c.strings.iter().chain(&c.comments).flat_map(|l| {
        l.match_indices("http")
            .filter_map(|(i, _)| {
                let rest = &l[i..];
                if !(rest.starts_with("http://") || rest.starts_with("https://")) {
                    return None;
                }
                let end = rest.find(|ch: char| ch.is_whitespace() || "\"'<>)`]".contains(ch)).unwrap_or(rest.len());
                Some(rest[..end].trim_end_matches(['.', ',']).to_owned())
            })
            .collect::<Vec<_>>()
    });
    let mut urls = dedup_sample(rng, urls, per_kind, 12, 200);
    while urls.len() < per_kind && !subwords.is_empty() {
        let host = format!(
            "{}.{}.{}",
            rng.pick(&subwords),
            rng.pick(&subwords),
            rng.pick(&["com", "org", "io", "net", "dev"])
        );
        let path: Vec<&str> = (0..rng.range(0, 3)).map(|_| rng.pick(&subwords).as_str()).collect();
        urls.push(format!("https://{host}/{}", path.join("/")));
    }
    for u in urls {
        push(&mut out, "url", u);
    }
    // Dates and times.
    for _ in 0..per_kind {
        let (y, mo, d, h, mi, s) = (
            rng.range(1990, 2035),
            rng.range(1, 12),
            rng.range(1, 28),
            rng.range(0, 23),
            rng.range(0, 59),
            rng.range(0, 59),
        );
        const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let t = match rng.below(8) {
            0 => format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
            1 => format!("{y}-{mo:02}-{d:02}"),
            2 => format!("{mo:02}/{d:02}/{y}"),
            3 => format!("{y}{mo:02}{d:02}"),
            4 => format!("{y}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
            5 => format!("Mon, {d:02} {} {y} {h:02}:{mi:02}:{s:02} GMT", MON[mo - 1]),
            6 => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{:03}", rng.below(1000)),
            _ => format!("{d}.{mo}.{y}"),
        };
        push(&mut out, "date", t);
    }
    // Version strings.
    for _ in 0..per_kind {
        let (a, b, cc) = (rng.range(0, 20), rng.range(0, 40), rng.range(0, 200));
        let mut t = match rng.below(4) {
            0 => format!("{a}.{b}.{cc}"),
            1 => format!("v{a}.{b}.{cc}"),
            2 => format!("{a}.{b}.{cc}.{}", rng.range(0, 9999)),
            _ => format!("{}-{a}.{b}.{cc}", rng.pick(&subwords)),
        };
        match rng.below(4) {
            0 => t.push_str(&format!("-{}.{}", rng.pick(&["alpha", "beta", "rc", "dev", "pre"]), rng.range(0, 9))),
            1 => t.push_str(&format!("+build.{}", rng.range(1, 9999))),
            _ => {}
        }
        if t.len() >= 5 {
            push(&mut out, "version", t);
        }
    }
    // Repeated patterns and counting runs.
    for _ in 0..per_kind {
        let n = rng.range(8, 48);
        let t: String = match rng.below(4) {
            0 | 1 => {
                let k = rng.range(1, 4);
                let unit = random_from(rng, B62, k);
                unit.iter().cycle().take(n).map(|&b| char::from(b)).collect()
            }
            2 => {
                let start = rng.below(20);
                (0..n).map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(start + i) % 36])).collect()
            }
            _ => {
                let d = rng.range(0, 9);
                (0..n).map(|i| char::from(b'0' + ((d + i) % 10) as u8)).collect()
            }
        };
        push(&mut out, "repeat", t);
    }
    // Keyboard walks.
    const ROWS: [&str; 4] = ["1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"];
    const COLS: [&str; 10] = ["1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"];
    for _ in 0..per_kind {
        let mut t = String::new();
        let target = rng.range(8, 24);
        while t.len() < target {
            let piece: String = if rng.chance(0.5) {
                let r = rng.pick(&ROWS[..]);
                let a = rng.below(r.len() / 2);
                let b = rng.range(a + 3, r.len());
                r[a..b].to_owned()
            } else {
                let c0 = rng.below(COLS.len() - 1);
                COLS[c0..c0 + rng.range(1, 3).min(COLS.len() - c0)].concat()
            };
            let piece = if rng.chance(0.2) { piece.chars().rev().collect() } else { piece };
            t.push_str(&piece);
        }
        if rng.chance(0.3) {
            t = t.to_ascii_uppercase();
        }
        push(&mut out, "keyboard", t);
    }
    // Templates and references to secrets.
    let upper_idents: Vec<String> =
        dedup_sample(rng, c.idents.iter().filter(|i| i.len() >= 4).cloned(), 4 * per_kind, 4, 40);
    for id in upper_idents.iter().take(per_kind) {
        let up = id.to_ascii_uppercase();
        let t = match rng.below(8) {
            0 => format!("${{{{ secrets.{up} }}}}"),
            1 => format!("${{{up}}}"),
            2 => format!("$({up})"),
            3 => format!("{{{{ .Values.{id} }}}}"),
            4 => format!("%({id})s"),
            5 => format!("os.environ[\"{up}\"]"),
            6 => format!("process.env.{up}"),
            _ => format!("<{id}>"),
        };
        push(&mut out, "template", t);
    }
    // Human-chosen passwords.
    let dict: Vec<&String> = subwords.iter().filter(|w| (4..=10).contains(&w.len())).collect();
    for _ in 0..per_kind {
        if dict.is_empty() {
            break;
        }
        let mut t = String::new();
        let words = rng.range(1, 4);
        let sep = *rng.pick(&["", "_", "-", "."]);
        for k in 0..words {
            if k > 0 {
                t.push_str(sep);
            }
            let mut w = rng.pick(&dict).to_string();
            if rng.chance(0.4) {
                w = format!("{}{}", w[..1].to_ascii_uppercase(), &w[1..]);
            }
            if rng.chance(0.2) {
                w = w.replace('a', "@").replace('o', "0").replace('e', "3").replace('s', "$");
            }
            t.push_str(&w);
        }
        match rng.below(4) {
            0 => t.push_str(&rng.range(1990, 2030).to_string()),
            1 => t.push_str(&rng.range(0, 999).to_string()),
            _ => {}
        }
        if rng.chance(0.3) {
            t.push(*rng.pick(&['!', '?', '#', '$', '*']));
        }
        if t.len() >= 8 {
            push(&mut out, "human-password", t);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// ROC AUC by the Mann–Whitney U statistic (ties count one half).
pub fn auc(pos: &[f64], neg: &[f64]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut all: Vec<(f64, bool)> = pos.iter().map(|&x| (x, true)).chain(neg.iter().map(|&x| (x, false))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // ranks are 1-based
        rank_sum += avg * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let np = pos.len() as f64;
    let nn = neg.len() as f64;
    (rank_sum - np * (np + 1.0) / 2.0) / (np * nn)
}

/// Fraction of `xs` at or above `t`.
pub fn rate(xs: &[f64], t: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().filter(|&&x| x >= t).count() as f64 / xs.len() as f64
}

/// The smallest threshold whose false-positive rate on `neg` is at most `fpr`.
pub fn threshold_at_fpr(neg: &[f64], fpr: f64) -> f64 {
    let mut v = neg.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let k = (fpr * v.len() as f64).floor() as usize;
    if k >= v.len() {
        return f64::NEG_INFINITY;
    }
    // Strictly above the (k+1)-th highest negative.
    let x = v[k];
    x + 1e-9 * x.abs().max(1.0)
}

pub fn bucket(len: usize) -> usize {
    match len {
        0..=15 => 0,
        16..=31 => 1,
        _ => 2,
    }
}
