//! Does a value look machine-generated? Per-alphabet entropy, and a likelihood-ratio test of
//! "random" against "written by a person or a program's structure".
//!
//! Generic rules (`token = "…"`, `password: …`) match identifiers, words and sentences as often
//! as keys. This module tells `q8Xf2LmZ0pR7tVb3Kc9W` from `refresh_token_expired`.
//!
//! ```
//! use sprawl_verify::randomness::{self, Alphabet};
//! assert!(randomness::looks_random(b"q8Xf2LmZ0pR7tVb3Kc9W"));
//! assert!(!randomness::looks_random(b"refresh_token_expired"));
//! assert!(!randomness::looks_random(b"1qaz2wsx3edc4rfv"));
//! assert_eq!(randomness::alphabet(b"9f86d081884c7d65"), Alphabet::Hex);
//! ```
//!
//! # The model
//!
//! [`score`] is a log-likelihood ratio in **bits per byte**: how many more bits the best
//! *structured* explanation of the string needs than the best *random* one.
//!
//! - **Random**: every byte drawn uniformly from the tightest standard alphabet that holds the
//!   string (digits, hex, one-case letters, base32, base36, letters, base62, base64,
//!   base64url, printable ASCII, bytes); or, for grouped shapes such as UUIDs and licence
//!   keys (`f47ac10b-58cc-…`, `XK4M9-QPL2W-…`), groups of four or more bytes from a tighter
//!   alphabet split by one separator, each separator costing `log2(len)` bits.
//! - **Structured**: a switching model. Each byte comes from one of six models, and the writer
//!   keeps to the model of the previous byte with probability 0.95 (switches go to the
//!   bigram half the time): a **character bigram** of text and code; the same bigram read
//!   through **leetspeak** (`P@ssw0rd` as `Password`); a **keyboard walk** on a US layout
//!   that keeps going in the direction of the last step (`qwerty`, `1qaz2wsx`, `zaq1`), else
//!   steps to a neighbour, else jumps; **counting** (`abcd`, `4321`, `aaaa`); **repetition**
//!   of the bytes seen so far; and a **match** model that predicts the byte that followed
//!   the last occurrence of the previous one or two (`abcabc`, `x9Kx9K`). The cost is that
//!   of the cheapest path (Viterbi). Digit strings shaped as dates (`20240101235959`) or
//!   Unix times cost what they cost as such, when cheaper.
//!
//! The bigram was trained offline on identifiers, single-line string literals and comment
//! lines of Python's standard library and of the Rust crates under `~/.cargo/registry`, and
//! is committed as a 97×96 table of `round(-8 log2 P(next | previous))` (`data/bigram.bin`,
//! 9 KiB: 95 printable ASCII symbols and one for every other byte, after each of those or the
//! start of the string). `cargo run -p sprawl-verify --release --example randomness_train`
//! regenerates it; the training text is not committed.
//!
//! `score` is about −2 for prose, paths and URLs, −1 to −3 for keyboard walks and repetition,
//! −1.5 to 0 for identifiers, and +2 to +6 for random strings (hex lowest, base62 and printable
//! highest). Evidence adds up with length, so the bar falls as strings get longer:
//! [`looks_random`] is `score ≥ 0.45 + 19 / len` ([`threshold`]: 2.8 at 8 bytes, 1.6 at 16,
//! 1.04 at 32, 0.6 at 128), and strings shorter than [`MIN_LEN`] never look random.
//!
//! # Measured
//!
//! `cargo run -p sprawl-verify --release --example randomness_measure` trains on the Rust
//! sources and tests on held-out Python, then the other way round, and pools both folds.
//! Positives (33 000, lengths 8–128): random hex, HEX, base32, base36, base62, base64
//! (sometimes padded), base64url and printable strings, password-manager passwords,
//! pronounceable passwords (`fobylobfo4Tup`, `xoqu-bimi-Tavo`), UUIDs and grouped keys.
//! Negatives (37 600): held-out identifiers, string literals, words of eight letters or more,
//! comment sentences, generated camel/snake/kebab compounds of held-out words, paths, URLs,
//! dates, version strings, repeated and counting patterns, keyboard walks, templates
//! (`${{ secrets.X }}`) and human passwords (`D3l3g@t0r2030`). ROC AUC per length bucket,
//! and the true/false positive rates of each method's decision: for entropy, thresholds per
//! alphabet and bucket at 1% false positives; for the others, the best `a + b / len` rule
//! with at most 1% false positives per bucket (for the winner, `looks_random` itself):
//!
//! | method                             | AUC 8–15 | 16–31  | 32+    | TPR / FPR 8–15 | 16–31         | 32+           |
//! |------------------------------------|----------|--------|--------|----------------|---------------|---------------|
//! | Shannon entropy                    | 0.691    | 0.670  | 0.692  | 0.048 / 0.008  | 0.230 / 0.009 | 0.574 / 0.009 |
//! | entropy / alphabet maximum         | 0.691    | 0.750  | 0.860  | 0.018 / 0.000  | 0.146 / 0.002 | 0.496 / 0.009 |
//! | token efficiency (pieces per byte) | 0.747    | 0.812  | 0.907  | 0.000 / 0.000  | 0.000 / 0.000 | 0.602 / 0.010 |
//! | word coverage                      | 0.802    | 0.844  | 0.926  | 0.000 / 0.000  | 0.000 / 0.000 | 0.659 / 0.009 |
//! | character bigram alone             | 0.948    | 0.925  | 0.948  | 0.001 / 0.002  | 0.000 / 0.004 | 0.000 / 0.010 |
//! | **switching model** ([`score`])    | **0.992**| **0.999** | **0.9997** | **0.896 / 0.010** | **0.967 / 0.008** | **1.000 / 0.003** |
//!
//! Entropy cannot tell `my_super_secret_password` from a key of the same length; the bigram
//! alone loves keyboard walks, repetition and dates, which is why its rule cannot reach 1%
//! false positives at any useful rate. The AUC over all lengths is 0.9969 training on Rust
//! and 0.9964 training on Python. What still fools the switching model: pronounceable
//! passwords are built to read as text (56% pass as random); at 8–15 bytes, 6% of the
//! generated compounds of held-out words (`OnlcrUmFseek`), 4% of string literals (escapes and
//! regexes such as `\P{X!=Y}` and `\u{58F7}`) and jargon (`avx512vl`, `PCLMULQDQ`) look
//! random. Hex digests and UUIDs *are* random: this module says so and reports the
//! [`alphabet`] (and [`is_uuid`]) so that callers can treat those shapes by context.
//!
//! # Cost
//!
//! One pass over the bytes with a dozen table lookups and integer operations per byte, written
//! to avoid data-dependent branches, no floating point in the loop, no allocation (three 256-entry
//! arrays on the stack). [`looks_random`] first prices the path that never leaves the bigram,
//! which bounds the structured cost from above, and stops there for most text. On this
//! project's 2-core build VM (Xeon 2.8 GHz, shared), per 32-byte string and core:
//! `looks_random` ~7–11 million text strings per second, ~1.2 million random ones; `score`
//! ~1.3–1.5 million; `entropy::shannon`, which the rules' entropy floors use today,
//! ~1.5–3 million on the same strings (`randomness_measure -- --throughput`).

/// Strings shorter than this never [`looks_random`]: there is no telling.
pub const MIN_LEN: usize = 8;

/// The smallest standard alphabet that contains a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alphabet {
    /// `0-9a-f`, either case (digits alone count as hex).
    Hex,
    /// RFC 4648 base32, `A-Z2-7` in one case, with optional `=` padding.
    Base32,
    /// `0-9A-Za-z`.
    Base62,
    /// Base62 plus `+` and `/`, or with `=` padding.
    Base64,
    /// Base62 plus `-` and `_`.
    Base64Url,
    /// Anything else.
    Printable,
}

impl Alphabet {
    /// The number of symbols (padding aside); `Printable` counts printable ASCII.
    pub fn size(self) -> u32 {
        match self {
            Alphabet::Hex => 16,
            Alphabet::Base32 => 32,
            Alphabet::Base62 => 62,
            Alphabet::Base64 | Alphabet::Base64Url => 64,
            Alphabet::Printable => 95,
        }
    }
}

const DIGIT01: u16 = 1; // 0 1 8 9, not in base32
const DIGIT27: u16 = 1 << 1;
const HEX_LOWER: u16 = 1 << 2;
const HEX_UPPER: u16 = 1 << 3;
const LOWER: u16 = 1 << 4; // g-z
const UPPER: u16 = 1 << 5; // G-Z
const PLUS_SLASH: u16 = 1 << 6;
const DASH_UNDERSCORE: u16 = 1 << 7;
const EQUALS: u16 = 1 << 8;
const PUNCT: u16 = 1 << 9; // other printable ASCII, space included
const OTHER: u16 = 1 << 10; // control bytes and non-ASCII
const DIGITS: u16 = DIGIT01 | DIGIT27;
const LOWERS: u16 = HEX_LOWER | LOWER;
const UPPERS: u16 = HEX_UPPER | UPPER;
const ALNUM: u16 = DIGITS | LOWERS | UPPERS;

const CLASS: [u16; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = PUNCT;
        b += 1;
    }
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = if b >= b'2' && b <= b'7' { DIGIT27 } else { DIGIT01 };
        b += 1;
    }
    let mut b = b'a';
    while b <= b'z' {
        t[b as usize] = if b <= b'f' { HEX_LOWER } else { LOWER };
        t[(b - 32) as usize] = if b <= b'f' { HEX_UPPER } else { UPPER };
        b += 1;
    }
    t[b'+' as usize] = PLUS_SLASH;
    t[b'/' as usize] = PLUS_SLASH;
    t[b'-' as usize] = DASH_UNDERSCORE;
    t[b'_' as usize] = DASH_UNDERSCORE;
    t[b'=' as usize] = EQUALS;
    t
};

/// The union of the classes of the bytes of `s`, and whether its `=` signs (if any) are only
/// a trailing run of one or two.
fn classes(s: &[u8]) -> (u16, bool) {
    let mut all = 0;
    for &b in s {
        all |= CLASS[usize::from(b)];
    }
    (all, all & EQUALS == 0 || padding_ok(s))
}

fn padding_ok(s: &[u8]) -> bool {
    let body = s.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    s.len() - body <= 2 && !s[..body].contains(&b'=')
}

/// The smallest standard alphabet containing `s` (`Hex` for the empty string).
///
/// Letters-only strings in one case fit `Base32`, and digits-only strings fit `Hex`: the
/// answer is about the characters, not about what the string means.
pub fn alphabet(s: &[u8]) -> Alphabet {
    let (c, padded) = classes(s);
    if c & !(DIGITS | HEX_LOWER | HEX_UPPER) == 0 {
        return Alphabet::Hex;
    }
    if !padded {
        return Alphabet::Printable;
    }
    let one_case = c & LOWERS == 0 || c & UPPERS == 0;
    if one_case && c & !(DIGIT27 | LOWERS | UPPERS | EQUALS) == 0 {
        Alphabet::Base32
    } else if c & !ALNUM == 0 {
        Alphabet::Base62
    } else if c & !(ALNUM | PLUS_SLASH | EQUALS) == 0 {
        Alphabet::Base64
    } else if c & !(ALNUM | DASH_UNDERSCORE | EQUALS) == 0 {
        Alphabet::Base64Url
    } else {
        Alphabet::Printable
    }
}

/// Whether `s` has the 8-4-4-4-12 hex shape of a UUID.
pub fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(
            |(i, &b)| {
                if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() }
            },
        )
}

/// Shannon entropy of the bytes of `s`, divided by the most a string of this length can have
/// over [`alphabet`]`(s)`: 0 for `aaaa`, 1 when no string of this length over this alphabet
/// could have more. 0 for strings shorter than two bytes.
///
/// This is per-alphabet entropy: a 32-character hex digest and a 32-character base64 key both
/// score about 0.9, where raw entropy puts them a bit apart (3.8 and 4.7). On its own it
/// separates random from structured text poorly (see the module docs); [`score`] is the test.
pub fn normalized_entropy(s: &[u8]) -> f64 {
    if s.len() < 2 {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum();
    (h / max_entropy(s.len(), alphabet(s).size())).min(1.0)
}

/// The highest byte entropy of `n` bytes over `k` symbols: counts as even as they can be.
fn max_entropy(n: usize, k: u32) -> f64 {
    let k = k as usize;
    if n <= k {
        return (n as f64).log2();
    }
    let (q, r, nf) = (n / k, n % k, n as f64);
    let term = |c: usize| {
        let p = c as f64 / nf;
        -p * p.log2()
    };
    r as f64 * term(q + 1) + (k - r) as f64 * term(q)
}

// ---------------------------------------------------------------------------------------------
// The tightest alphabet for the random hypothesis

/// log2 of the size of the tightest alphabet among digits (10), hex (16, or 22 mixed-case),
/// one-case letters (26), base32 (32), one-case base36 (36), letters (52), base62, base64,
/// base64url (64), printable ASCII (95) and bytes (256).
fn uniform_bits(c: u16, padded: bool) -> f64 {
    let has = |m: u16| c & m != 0;
    // log2 of 10, 16, 22, 26, 32, 36, 52, 62, 64, 95 and 256.
    const L10: f64 = std::f64::consts::LOG2_10;
    const L22: f64 = 4.459_431_618_637_297;
    const L26: f64 = 4.700_439_718_141_092;
    const L36: f64 = 5.169_925_001_442_312;
    const L52: f64 = 5.700_439_718_141_092;
    const L62: f64 = 5.954_196_310_386_876;
    const L95: f64 = 6.569_855_608_330_948;
    if c & !ALNUM == 0 {
        let hex_only = !has(LOWER | UPPER);
        match (has(DIGITS), has(LOWERS), has(UPPERS)) {
            (_, false, false) => L10,
            (_, true, true) if hex_only => L22,
            (_, _, _) if hex_only => 4.0,
            (false, true, false) | (false, false, true) => L26,
            (true, true, false) | (true, false, true) if !has(DIGIT01) => 5.0,
            (true, true, false) | (true, false, true) => L36,
            (false, true, true) => L52,
            (true, true, true) => L62,
        }
    } else if padded && (c & !(ALNUM | PLUS_SLASH | EQUALS) == 0 || c & !(ALNUM | DASH_UNDERSCORE | EQUALS) == 0) {
        6.0
    } else if c & OTHER == 0 {
        L95
    } else {
        8.0
    }
}

/// Bits to write `s` under the best random hypothesis: uniform over its tightest alphabet, or
/// groups of at least four characters of a tighter alphabet split by one separator byte.
fn random_bits(s: &[u8]) -> f64 {
    let n = s.len() as f64;
    let mut all = 0;
    let mut payload = 0;
    let mut sep = None;
    let mut seps = 0usize;
    let mut group = 0usize;
    let mut min_group = usize::MAX;
    for &b in s {
        let c = CLASS[usize::from(b)];
        all |= c;
        if c & ALNUM != 0 {
            payload |= c;
            group += 1;
            continue;
        }
        match sep {
            None => sep = Some(b),
            Some(x) if x == b => {}
            Some(_) => min_group = 0, // two kinds of separator: not a grouped shape
        }
        seps += 1;
        min_group = min_group.min(group);
        group = 0;
    }
    min_group = min_group.min(group);
    let padded = all & EQUALS == 0 || padding_ok(s);
    let plain = n * uniform_bits(all, padded);
    if seps == 0 || min_group < 4 {
        return plain;
    }
    let grouped = (s.len() - seps) as f64 * uniform_bits(payload, true) + seps as f64 * n.log2();
    plain.min(grouped)
}

// ---------------------------------------------------------------------------------------------
// The structured hypothesis

/// Bigram rows: the 96 symbols, then "start of string".
const CONTEXTS: usize = 97;
/// Bigram symbols: printable ASCII `0x20..=0x7e` are `0..=94`; every other byte is 95.
const SYMBOLS: usize = 96;
const fn symbol(b: u8) -> usize {
    if b >= 0x20 && b <= 0x7e { (b - 0x20) as usize } else { 95 }
}

/// The keyboard: a US layout, rows staggered as on the hardware. `(row, x, shifted)` of each
/// printable symbol, `x` in quarter key widths; `row < 0` for symbols that are not keys.
static KEY_POSITION: [(i32, i32, bool); SYMBOLS] = {
    const PLAIN: [&[u8]; 4] = [b"`1234567890-=", b"qwertyuiop[]\\", b"asdfghjkl;'", b"zxcvbnm,./"];
    const SHIFT: [&[u8]; 4] = [b"~!@#$%^&*()_+", b"QWERTYUIOP{}|", b"ASDFGHJKL:\"", b"ZXCVBNM<>?"];
    let mut t = [(-1, 0, false); SYMBOLS];
    let mut r = 0;
    while r < 4 {
        let mut i = 0;
        while i < PLAIN[r].len() {
            let x = 4 * i as i32 + KEY_OFFSET[r];
            t[symbol(PLAIN[r][i])] = (r as i32, x, false);
            t[symbol(SHIFT[r][i])] = (r as i32, x, true);
            i += 1;
        }
        r += 1;
    }
    t
};
const KEY_OFFSET: [i32; 4] = [0, 6, 7, 9];
const ROW_LEN: [i32; 4] = [13, 13, 11, 10];

/// Neighbouring keys: left or right on the same row, or touching on the row above or below.
const fn adjacent(a: usize, b: usize) -> bool {
    let (a, b) = (KEY_POSITION[a], KEY_POSITION[b]);
    let (dr, dx) = (b.0 - a.0, b.1 - a.1);
    a.0 >= 0 && b.0 >= 0 && ((dr == 0 && (dx == 4 || dx == -4)) || ((dr == 1 || dr == -1) && dx >= -4 && dx <= 4))
}

/// The number of neighbouring keys of a symbol's key.
const fn degree(a: usize) -> u32 {
    let mut n = 0;
    let mut b = 0;
    while b < SYMBOLS {
        if adjacent(a, b) && !KEY_POSITION[b].2 {
            n += 1;
        }
        b += 1;
    }
    n
}

/// `KEY_ID[s]`: 1 + the index of the key of symbol `s` (plain and shifted share it), or
/// [`NO_KEY`].
static KEY_ID: [u8; SYMBOLS] = {
    let mut t = [NO_KEY; SYMBOLS];
    let mut s = 0;
    while s < SYMBOLS {
        let (row, x, _) = KEY_POSITION[s];
        if row >= 0 {
            t[s] = (row * 16 + (x - KEY_OFFSET[row as usize]) / 4 + 1) as u8;
        }
        s += 1;
    }
    t
};
const NO_KEY: u8 = 255;

/// `LINE[q][p]`: the key (as in [`KEY_ID`]) that continues the step from `q` to the
/// neighbouring `p` in a straight line (`1` `q` → `a`, `q` `w` → `e`), or 0.
static LINE: [[u8; SYMBOLS]; SYMBOLS] = {
    let mut t = [[0u8; SYMBOLS]; SYMBOLS];
    let mut q = 0;
    while q < SYMBOLS {
        let mut p = 0;
        while p < SYMBOLS {
            let (kq, kp) = (KEY_POSITION[q], KEY_POSITION[p]);
            let (row, x) = (2 * kp.0 - kq.0, 2 * kp.1 - kq.1);
            if adjacent(q, p) && row >= 0 && row < 4 {
                // The key of that row nearest to x, if within half a key.
                let r = row as usize;
                let i = (x - KEY_OFFSET[r] + 2).div_euclid(4);
                if i >= 0 && i < ROW_LEN[r] && (4 * i + KEY_OFFSET[r] - x).abs() <= 2 {
                    t[q][p] = (row * 16 + i + 1) as u8;
                }
            }
            p += 1;
        }
        q += 1;
    }
    t
};

/// `STEP[a][b]`: how `b` follows `a` on the keyboard, [`NOT_A_KEY`], [`JUMP`] (to a key that
/// is not a neighbour) or [`NEIGHBOUR`]; plus [`COUNTING`] when both are alphanumeric and `b`
/// is `a`, or the character after or before it.
static STEP: [[u8; SYMBOLS]; SYMBOLS] = {
    let mut t = [[NOT_A_KEY; SYMBOLS]; SYMBOLS];
    let mut a = 0;
    while a < SYMBOLS {
        let mut b = 0;
        while b < SYMBOLS {
            if KEY_POSITION[b].0 >= 0 {
                t[a][b] = if adjacent(a, b) { NEIGHBOUR } else { JUMP };
            }
            let (ca, cb) = ((a + 0x20) as u8, (b + 0x20) as u8);
            if ca.is_ascii_alphanumeric() && cb.is_ascii_alphanumeric() && ca.abs_diff(cb) <= 1 {
                t[a][b] |= COUNTING;
            }
            b += 1;
        }
        a += 1;
    }
    t
};
const NOT_A_KEY: u8 = 0;
const JUMP: u8 = 1;
const NEIGHBOUR: u8 = 2;
const COUNTING: u8 = 4;

/// The keyboard model's cost of a key that is not the straight-line continuation, by previous
/// symbol and `3 * (the previous step was to a neighbour) + STEP`: a jump to any of the 47 keys
/// has probability 0.05; the neighbours share 0.95, or 0.3 after a step (when the straight
/// line takes 0.65).
static KEY_COST: [[u32; 6]; SYMBOLS] = {
    let jump = cost(0.05 / 47.0);
    let mut t = [[NEVER, jump, NEVER, NEVER, jump, NEVER]; SYMBOLS];
    let mut a = 0;
    while a < SYMBOLS {
        let n = degree(a);
        if n > 0 {
            t[a][2] = cost(0.95 / n as f64);
            t[a][5] = cost(0.3 / n as f64);
        }
        a += 1;
    }
    t
};

/// The keyboard model's cost of the straight-line continuation: 0.65 plus its share of the
/// neighbours' 0.3.
static KEY_LINE_COST: [u32; SYMBOLS] = {
    let mut t = [NEVER; SYMBOLS];
    let mut a = 0;
    while a < SYMBOLS {
        let n = degree(a);
        if n > 0 {
            t[a] = cost(0.65 + 0.3 / n as f64);
        }
        a += 1;
    }
    t
};

/// The character-bigram table and the models around it.
///
/// [`score`] and [`looks_random`] use the built-in table; a `Model` with another table is for
/// measuring (training on one corpus, testing on another).
#[derive(Clone)]
pub struct Model {
    /// `-log2 P(next | previous)` in eighths of a bit, `[CONTEXTS][SYMBOLS]`.
    cost: [u8; TABLE_LEN],
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").finish_non_exhaustive()
    }
}

/// The length of a bigram table: 97 rows (96 symbols, then "start of string") of 96 symbols.
pub const TABLE_LEN: usize = CONTEXTS * SYMBOLS;

static BUILTIN: Model = Model { cost: *include_bytes!("../data/bigram.bin") };

/// Only the first this many bytes of a string are scored (the costs are `u32` eighths of a
/// bit; candidates are far shorter).
const MAX_SCORED: usize = 1 << 16;

impl Model {
    /// The model trained on all of the training text (`data/bigram.bin`).
    pub fn builtin() -> &'static Model {
        &BUILTIN
    }

    /// A model with another bigram table: row `r` (the previous byte's symbol, or 96 at the
    /// start), column `s` (this byte's symbol) holds `round(-8 log2 P(s | r))`, where a
    /// printable ASCII byte `b` is symbol `b - 0x20` and every other byte is symbol 95.
    pub fn from_table(cost: [u8; TABLE_LEN]) -> Model {
        Model { cost }
    }

    /// See [`score`].
    pub fn score(&self, s: &[u8]) -> f64 {
        let s = &s[..s.len().min(MAX_SCORED)];
        if s.is_empty() {
            return 0.0;
        }
        (self.structured_or_date_bits(s) - random_bits(s)) / s.len() as f64
    }

    /// See [`looks_random`].
    pub fn looks_random(&self, s: &[u8]) -> bool {
        if s.len() < MIN_LEN {
            return false;
        }
        let s = &s[..s.len().min(MAX_SCORED)];
        let n = s.len() as f64;
        let bar = random_bits(s) + threshold(s.len()) * n;
        // Staying with the bigram throughout is one path of the switching model, so its cost
        // bounds the structured cost from above: most text is rejected on that alone, at a
        // fraction of the work.
        if self.natural_path_bits(s) < bar {
            return false;
        }
        self.structured_or_date_bits(s) >= bar
    }

    fn structured_or_date_bits(&self, s: &[u8]) -> f64 {
        let bits = self.structured_bits(s);
        date_bits(s).map_or(bits, |date| bits.min(date))
    }

    /// The cost of `s` under the switching model's path that never leaves the bigram.
    fn natural_path_bits(&self, s: &[u8]) -> f64 {
        let mut total = ENTER_NATURAL;
        let mut ctx = CONTEXTS - 1;
        for &b in s {
            let bb = BYTES[usize::from(b)];
            total += self.natural(ctx, bb) + STAY;
            ctx = usize::from(bb.sym);
        }
        f64::from(total - STAY) / 8.0
    }

    /// `-log2 P(s)` under the structured hypothesis, in bits.
    ///
    /// The structured hypothesis is a switching model: each byte comes from one of six
    /// models, and the writer mostly keeps to the model of the previous byte. The cost is that
    /// of the cheapest path through the models (Viterbi), in integer eighths of a bit. The loop
    /// avoids data-dependent branches, which random input would mispredict.
    fn structured_bits(&self, s: &[u8]) -> f64 {
        let Some((&first, rest)) = s.split_first() else { return 0.0 };
        let fb = BYTES[usize::from(first)];
        // The cheapest code of the bytes so far that ends in each model (the first byte can
        // only come from the bigram or the keyboard).
        let mut natural = ENTER_NATURAL + self.natural(CONTEXTS - 1, fb);
        let mut keyboard = ENTER_OTHER + KEY_COST[0][usize::from(JUMP)] + u32::from(fb.case_cost[0]);
        let mut leet = ENTER_OTHER + self.leet(CONTEXTS - 1, fb);
        let (mut repeat, mut matched, mut counting) = (NEVER, NEVER, NEVER);
        let mut cheapest = natural.min(keyboard).min(leet);
        // counts[b]: occurrences of b so far. follow[b], before[b]: the byte after the latest
        // earlier occurrence of b that has one, and 1 + the byte before it (0: none).
        let mut counts = [0u8; 256];
        let mut follow = [0u8; 256];
        let mut before = [0u16; 256];
        counts[usize::from(first)] = 1;
        // The previous byte and its symbol; 1 + the byte before it and its symbol; the case of
        // the last letter.
        let (mut pv, mut ps, mut pl) = (first, usize::from(fb.sym), usize::from(fb.leet));
        let (mut qv, mut qs) = (0u16, 95);
        let mut case = usize::from(fb.case_after[0]);
        for (i, &b) in rest.iter().enumerate() {
            let bb = BYTES[usize::from(b)];
            let bs = usize::from(bb.sym);
            let (pvi, bi) = (usize::from(pv), usize::from(b));
            // The bigram.
            let c_natural = self.natural(ps, bb);
            // Repetition: a byte seen before, in proportion to its count so far (a byte not
            // seen yet wraps round to about NEVER).
            let seen = counts[bi];
            let c_repeat = LOG_POSITION[(i + 1).min(255)].wrapping_sub(LOG_COUNT[usize::from(seen)]);
            // Match: the byte that followed the last occurrence of the previous byte; right
            // more often when the byte before that occurrence matches too.
            let hit = usize::from(counts[pvi] >= 2) & usize::from(follow[pvi] == b);
            let c_match = MATCH_COST[2 * hit + usize::from(before[pvi] == qv)];
            // Counting: the next or previous character, or the same one again.
            let step = STEP[ps][bs];
            let c_count = if step & COUNTING != 0 { COUNT_COST } else { NEVER };
            // Keyboard: the straight line, a neighbour, or a jump; then case and shift.
            let stepped = usize::from(STEP[qs][ps] & 3 == NEIGHBOUR);
            let line = LINE[qs][ps] == KEY_ID[bs];
            let off_line = KEY_COST[ps][3 * stepped + usize::from(step & 3)];
            let c_keyboard = if line { KEY_LINE_COST[ps] } else { off_line } + u32::from(bb.case_cost[case]);

            natural = (natural + STAY).min(cheapest + ENTER_NATURAL) + c_natural;
            repeat = (repeat + STAY).min(cheapest + ENTER_OTHER) + c_repeat;
            matched = (matched + STAY).min(cheapest + ENTER_OTHER) + c_match;
            counting = (counting + STAY).min(cheapest + ENTER_OTHER) + c_count;
            keyboard = (keyboard + STAY).min(cheapest + ENTER_OTHER) + c_keyboard;
            leet = (leet + STAY).min(cheapest + ENTER_OTHER) + self.leet(pl, bb);
            cheapest = natural.min(repeat).min(matched).min(counting).min(keyboard).min(leet);

            counts[bi] = seen.saturating_add(1);
            follow[pvi] = b;
            before[pvi] = qv;
            case = usize::from(bb.case_after[case]);
            (qv, qs) = (u16::from(pv) + 1, ps);
            (pv, ps, pl) = (b, bs, usize::from(bb.leet));
        }
        f64::from(cheapest) / 8.0
    }

    /// Cost of `b` under the bigram of de-leeted text (`P@ssw0rd` read as `Password`), after
    /// the de-leeted symbol `ctx`.
    fn leet(&self, ctx: usize, b: ByteInfo) -> u32 {
        u32::from(self.cost[ctx * SYMBOLS + usize::from(b.leet)]) + u32::from(b.leet_extra)
    }

    /// Cost of `b` after symbol `ctx` under the bigram.
    fn natural(&self, ctx: usize, b: ByteInfo) -> u32 {
        u32::from(self.cost[ctx * SYMBOLS + usize::from(b.sym)]) + u32::from(b.extra)
    }
}

/// `round(-8 log2 p)`: a probability as a cost in eighths of a bit.
const fn cost(p: f64) -> u32 {
    // const fn cannot call log2: count halvings, then eighths.
    let mut c = 0u32;
    let mut x = p;
    while x < 0.5 {
        x *= 2.0;
        c += 8;
    }
    // x in [0.5, 1): multiply by 2^(1/8) while it stays at most 1.
    let step = 1.090_507_732_665_257_7; // 2^(1/8)
    let mut k = 0;
    while k < 8 && x * step <= 1.0 {
        x *= step;
        k += 1;
    }
    // x in (2^(-1/8), 1]: one more eighth if that is nearer.
    if x < 0.957_603_280_698_573_7 {
        // 2^(-1/16)
        k += 1;
    }
    c + k
}

/// Larger than any real code: "this model cannot produce this byte". Paths through it are
/// never the cheapest, and sums stay far from overflow (see [`MAX_SCORED`]).
const NEVER: u32 = 1 << 20;

/// Staying with the model of the previous byte has probability `1 - SWITCH`; a switch goes to
/// the bigram half the time and to each of the other five a tenth of the time. Measured (see
/// `examples/randomness_measure.rs`): 0.02, 0.05 and 0.1 score the same to 0.001 AUC.
const SWITCH: f64 = 0.05;
const STAY: u32 = cost(1.0 - SWITCH);
const ENTER_NATURAL: u32 = cost(SWITCH * 0.5);
const ENTER_OTHER: u32 = cost(SWITCH * 0.1);

/// Counting: one of three (next, previous, same).
const COUNT_COST: u32 = cost(1.0 / 3.0);

/// Match, by `2 * hit + two bytes of context match`: right with probability 0.5 after one
/// matching byte of context, 0.9 after two; a miss is for the other models.
const MATCH_COST: [u32; 4] = [NEVER, NEVER, cost(0.5), cost(0.9)];

/// `8 log2(count)`, for the repetition model; for a count of 0, minus [`NEVER`], so that
/// subtracting it (wrapping) yields a cost of about `NEVER`.
static LOG_COUNT: [u32; 256] = {
    let mut t = [NEVER.wrapping_neg(); 256];
    let mut c = 1;
    while c < 256 {
        t[c] = cost(1.0 / c as f64);
        c += 1;
    }
    t
};

/// `8 log2(i + 1)`: the repetition model's denominator when byte `i` (from 0) is coded, so that
/// a new byte keeps `1 / (i + 1)`; beyond 255 it stays at 255, and so do the counts.
static LOG_POSITION: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = cost(1.0 / (i + 1) as f64);
        i += 1;
    }
    t
};

/// What the structured models need to know about a byte, in one lookup.
#[derive(Clone, Copy)]
struct ByteInfo {
    /// The bigram's symbol.
    sym: u8,
    /// The symbol of the letter this byte stands for in leetspeak (`0` → `o`, `@` → `a`), or
    /// of itself.
    leet: u8,
    /// The leetspeak model's cost for substituting (0.15) or not (0.85), plus `extra`.
    leet_extra: u8,
    /// Added to the bigram's cost: bytes outside printable ASCII share symbol 95, 1 in 161.
    extra: u8,
    /// The keyboard model's cost for case or shift, by the case of the last letter (0: none
    /// yet, 1: lower, 2: upper): a letter keeps that case with probability 0.9 (0.5 either way
    /// before the first letter); other keys are unshifted with probability 0.8.
    case_cost: [u8; 3],
    /// The case of the last letter after this byte, by the case before it.
    case_after: [u8; 3],
}

static BYTES: [ByteInfo; 256] = {
    let mut t =
        [ByteInfo { sym: 95, leet: 95, leet_extra: 0, extra: 0, case_cost: [0; 3], case_after: [0, 1, 2] }; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let sym = symbol(c);
        let info = &mut t[b];
        info.sym = sym as u8;
        let letter = match c {
            b'0' => b'o',
            b'1' | b'!' => b'i',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' | b'+' => b't',
            b'|' => b'l',
            _ => c,
        };
        info.leet = symbol(letter) as u8;
        info.leet_extra = (if letter == c { cost(0.85) } else { cost(0.15) }) as u8;
        if sym == 95 {
            info.extra = cost(1.0 / 161.0) as u8;
            info.leet_extra += info.extra;
        }
        if c.is_ascii_alphabetic() {
            let (same, other) = (cost(0.9) as u8, cost(0.1) as u8);
            let upper = c.is_ascii_uppercase();
            info.case_cost = if upper { [cost(0.5) as u8, other, same] } else { [cost(0.5) as u8, same, other] };
            info.case_after = if upper { [2; 3] } else { [1; 3] };
        } else {
            let p = if KEY_POSITION[sym].2 { 0.2 } else { 0.8 };
            info.case_cost = [cost(p) as u8; 3];
        }
        b += 1;
    }
    t
};

/// Bits to write a digit string as a date `YYYYMMDD[HH[MM[SS]]]` (years 1900–2099), or a
/// 10-digit Unix time from 2001 to 2033 (`1…`); `None` if it is not shaped like one.
fn date_bits(s: &[u8]) -> Option<f64> {
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |a: usize, b: usize| s[a..b].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
    if s.len() == 10 && s[0] == b'1' {
        return Some(30.0);
    }
    if !matches!(s.len(), 8 | 10 | 12 | 14) {
        return None;
    }
    let (y, m, d) = (num(0, 4), num(4, 6), num(6, 8));
    if !(1900..=2099).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut bits = 15.2; // log2(200 years * 366 days)
    for (at, max, cost) in [(8, 23, 4.6), (10, 59, 5.9), (12, 59, 5.9)] {
        if s.len() > at {
            if num(at, at + 2) > max {
                return None;
            }
            bits += cost;
        }
    }
    Some(bits)
}

/// The bar [`looks_random`] sets for a string of `len` bytes, in bits per byte: evidence adds
/// up with length, so short strings must look more random per byte. `0.45 + 19 / len`: the
/// rule of this form with the most random strings above it and at most 1% of the measured
/// negatives in each length bucket (see the module docs).
pub fn threshold(len: usize) -> f64 {
    THRESHOLD_BASE + THRESHOLD_BITS / len.max(1) as f64
}

const THRESHOLD_BASE: f64 = 0.45;
const THRESHOLD_BITS: f64 = 19.0;

/// How much more random than structured `s` looks, in bits per byte (see the module docs):
/// positive when a uniform draw from its alphabet explains it better than text, code, keyboard
/// walks or repetition do. Random tokens score +2 to +6, identifiers −1.5 to 0, prose about −2;
/// the empty string 0. Only the first 64 KiB count.
pub fn score(s: &[u8]) -> f64 {
    BUILTIN.score(s)
}

/// Whether `s` looks machine-generated: at least [`MIN_LEN`] bytes and a [`score`] of at
/// least [`threshold`]`(s.len())`.
pub fn looks_random(s: &[u8]) -> bool {
    BUILTIN.looks_random(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_look_random() {
        for s in [
            &b"q8Xf2LmZ0pR7tVb3Kc9W"[..],
            b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            concat!("AK", "IA2E0A8F3B244C9986").as_bytes(),
            b"R8xK2mQ9vL4tZ7wN1cB5hJ3gF6dS0aP2yE8u",
            b"JBSWY3DPEHPK3PXPQ2RZ7TVA",
            b"dGhpcyBpcyBub3QgYSByZWFsIGtleSwganVzdCBiYXNlNjQ=",
            concat!("xo", "xb-2931847562-5839201746382-Jh3kQ9wLm2Zx7Vb4Nc8Rt1Yp").as_bytes(),
            b"f47ac10b-58cc-4372-a567-0e02b2c3d479",
            b"k#9Lq!2vX@7pZ$4m",
            b"Zp4_kT9-xQ2mW7vB",
            concat!("gh", "p_R8xK2mQ9vL4tZ7wN1cB5hJ3gF6dS0aP2yE8u").as_bytes(),
            b"AIzaSyD-8fK2mQ9vL4tZ7wN1cB5hJ3gF6dS0aP",
        ] {
            assert!(looks_random(s), "{} scored {:.2}", String::from_utf8_lossy(s), score(s));
        }
    }

    #[test]
    fn structured_text_does_not() {
        for s in [
            &b"getUserAccessToken"[..],
            b"refresh_token_expired",
            b"my_super_secret_password",
            b"qwertyuiopasdf",
            b"1qaz2wsx3edc4rfv",
            b"aaaaaaaaaaaaaaaa",
            b"abcabcabcabcabc",
            b"0123456789012345",
            b"2024-01-01T00:00:00Z",
            b"20240101235959",
            b"/usr/local/bin/python3",
            b"https://example.com/api/v1/users",
            b"${{ secrets.GITHUB_TOKEN }}",
            b"v1.22.3-beta.4",
            b"The quick brown fox jumps",
            b"AWS_SECRET_ACCESS_KEY",
            b"application/json",
            b"my-app-production-db",
            b"localhost:5432",
            b"P@ssw0rd2024!",
            b"Summer2024",
            // Random, but made of words: not what this test is for.
            b"correct-horse-battery-staple",
            b"short",
            b"x8$kPq", // random, but shorter than MIN_LEN
        ] {
            assert!(!looks_random(s), "{} scored {:.2}", String::from_utf8_lossy(s), score(s));
        }
    }

    #[test]
    fn alphabets() {
        assert_eq!(alphabet(b""), Alphabet::Hex);
        assert_eq!(alphabet(b"0123456789"), Alphabet::Hex);
        assert_eq!(alphabet(b"deadBEEF00"), Alphabet::Hex);
        assert_eq!(alphabet(b"JBSWY3DPEHPK3PXP"), Alphabet::Base32);
        assert_eq!(alphabet(b"jbswy3dpehpk3pxp===="), Alphabet::Printable); // too much padding
        assert_eq!(alphabet(b"JBSWY3DPEHPK3PX="), Alphabet::Base32);
        assert_eq!(alphabet(b"JBSWY3DPEHPK3PX8"), Alphabet::Base62); // 8 is not base32
        assert_eq!(alphabet(b"q8Xf2LmZ0pR7tVb3"), Alphabet::Base62);
        assert_eq!(alphabet(b"q8Xf2L+Z0pR7/Vb3"), Alphabet::Base64);
        assert_eq!(alphabet(b"q8Xf2LmZ0pR7tVb="), Alphabet::Base64);
        assert_eq!(alphabet(b"q8Xf2L-Z0pR7_Vb3"), Alphabet::Base64Url);
        assert_eq!(alphabet(b"q8Xf2L-Z0pR7/Vb3"), Alphabet::Printable);
        assert_eq!(alphabet(b"a=b"), Alphabet::Printable);
        assert_eq!(alphabet("héllo".as_bytes()), Alphabet::Printable);
        assert_eq!(alphabet(b"f47ac10b-58cc-4372-a567-0e02b2c3d479"), Alphabet::Base64Url);
        assert!(is_uuid(b"f47ac10b-58cc-4372-a567-0e02b2c3d479"));
        assert!(!is_uuid(b"f47ac10b-58cc-4372-a567-0e02b2c3d47"));
        assert!(!is_uuid(b"f47ac10b458cc-4372-a567-0e02b2c3d479"));
    }

    #[test]
    fn normalized_entropy_is_bounded() {
        assert_eq!(normalized_entropy(b""), 0.0);
        assert_eq!(normalized_entropy(b"a"), 0.0);
        assert_eq!(normalized_entropy(b"aaaaaaaaaaaa"), 0.0);
        assert!((normalized_entropy(b"abcdefgh") - 1.0).abs() < 1e-12);
        assert!((normalized_entropy(b"0123456789abcdef0123456789abcdef") - 1.0).abs() < 1e-12);
        for s in [&b"q8Xf2LmZ0pR7tVb3Kc9W"[..], b"refresh_token_expired", b"abab", b"\x00\xff\x80"] {
            let h = normalized_entropy(s);
            assert!((0.0..=1.0).contains(&h), "{h}");
        }
        assert!(normalized_entropy(b"abababababababab") < 0.3);
    }

    #[test]
    fn score_is_finite_on_any_bytes() {
        let mut s: Vec<u8> = (0..=255u8).collect();
        s.extend((0..=255u8).rev());
        for len in [0, 1, 2, 15, 16, 17, 31, 200, 512] {
            let x = score(&s[..len]);
            assert!(x.is_finite(), "{len}: {x}");
        }
        let long = b"ab".repeat(40_000);
        assert!(score(&long).is_finite());
        assert!(!looks_random(&long));
    }

    #[test]
    fn dates_are_coded_as_dates() {
        assert_eq!(date_bits(b"20240101"), Some(15.2));
        assert!(date_bits(b"20241301").is_none());
        assert!(date_bits(b"2024010125").is_none());
        assert!(date_bits(b"1704067200").is_some());
        assert!(date_bits(b"2024-01-01").is_none());
    }

    #[test]
    fn keyboard_neighbours() {
        let near = |a: u8, b: u8| STEP[symbol(a)][symbol(b)] & 3 == NEIGHBOUR;
        assert!(near(b'1', b'q') && near(b'q', b'a') && near(b'a', b'z') && near(b'g', b'h'));
        assert!(near(b'G', b'y') && near(b'!', b'Q'));
        assert!(!near(b'q', b'p') && !near(b'q', b'q') && !near(b'q', 0x7f) && !near(b' ', b'a'));
        assert_eq!(STEP[symbol(b'q')][symbol(b'o')], JUMP);
        assert_eq!(STEP[symbol(b'q')][symbol(b'r')], JUMP | COUNTING);
        assert_eq!(STEP[symbol(b'a')][symbol(b's')], NEIGHBOUR);
        assert_eq!(STEP[symbol(b'8')][symbol(b'9')], NEIGHBOUR | COUNTING);
        assert_eq!(STEP[symbol(b'9')][symbol(b':')], JUMP); // `:` follows `9` in ASCII, but is no digit
        assert_eq!(STEP[symbol(b'q')][symbol(b' ')], NOT_A_KEY);
        assert_eq!(degree(symbol(b'g')), 6);
        let line = |q: u8, p: u8| LINE[symbol(q)][symbol(p)];
        assert_eq!(line(b'1', b'q'), KEY_ID[symbol(b'a')]);
        assert_eq!(line(b'q', b'a'), KEY_ID[symbol(b'z')]);
        assert_eq!(line(b'Q', b'w'), KEY_ID[symbol(b'E')]);
        assert_eq!(line(b'z', b'a'), KEY_ID[symbol(b'q')]);
        assert_eq!(line(b'5', b't'), KEY_ID[symbol(b'g')]);
        assert_eq!(line(b'q', b'p'), 0);
        // A walk costs far less than the same keys shuffled.
        let walk = Model::builtin().structured_bits(b"1qaz2wsx3edc");
        let jumble = Model::builtin().structured_bits(b"1zqa2xws3cde");
        assert!(walk + 10.0 < jumble, "{walk} vs {jumble}");
    }

    #[test]
    fn the_shortcut_agrees_with_the_score() {
        let samples: [&[u8]; 8] = [
            b"q8Xf2LmZ0pR7tVb3Kc9W",
            b"getUserAccessToken",
            b"1qaz2wsx3edc4rfv",
            b"20240101235959",
            b"aaaaaaaaaaaaaaaa",
            b"xoqu-bimi-tavo",
            b"k#9Lq!2vX@7pZ$4m",
            b"f47ac10b-58cc-4372-a567-0e02b2c3d479",
        ];
        for s in samples {
            let model = Model::builtin();
            assert!(model.natural_path_bits(s) >= model.structured_bits(s));
            assert_eq!(model.looks_random(s), model.score(s) >= threshold(s.len()), "{}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn costs() {
        assert_eq!(cost(1.0), 0);
        assert_eq!(cost(0.5), 8);
        assert_eq!(cost(0.25), 16);
        assert_eq!(cost(0.1), 27); // 26.58
        assert_eq!(cost(1.0 / 161.0), 59); // 58.64
        assert_eq!(cost(0.95), 1); // 0.59
    }

    #[test]
    fn threshold_falls_with_length() {
        assert!(threshold(8) > threshold(16));
        assert!(threshold(16) > threshold(128));
        assert!(threshold(0).is_finite());
    }
}
