//! Measures the "looks random" tests of `sprawl_verify::randomness` against each other.
//!
//! ```text
//! cargo run -p sprawl-verify --release --example randomness_measure [-- --throughput]
//! ```
//!
//! Two folds: train on the Rust crate sources and test on held-out Python standard-library
//! text, then the other way round. Positives are generated random tokens and passwords;
//! negatives are harvested from the held-out half and generated (see `common::negatives`).
//! Both folds are pooled for the table. Prints, per length bucket, the ROC AUC of each score
//! and the true/false positive rates of each method's decision, then the winner's rates per
//! kind of sample, its worst cases, a search for its threshold rule, and its throughput.
//!
//! The methods:
//!
//! - `entropy`: Shannon entropy of the bytes; `entropy/alpha`: the same divided by the most
//!   the string's alphabet allows at its length (`randomness::normalized_entropy`). Both
//!   decide with one threshold per alphabet and length bucket, each set at 1% false positives.
//! - `token-pieces`: token efficiency, pieces per character of a greedy longest-match
//!   segmentation into the training half's words; `word-coverage`: the share of characters
//!   not inside such words of three or more letters.
//! - `bigram`: bits per character the character bigram of the training half needs beyond a
//!   uniform draw from the string's tightest alphabet.
//! - `switching`: `randomness::Model::score` with the training half's bigram, deciding with
//!   `Model::looks_random`.
//!
//! The scores other than entropy and `switching` decide with the best rule of
//! `looks_random`'s form, `score >= a + b / len`, at most 1% false positives per bucket.

mod common;

use common::*;
use sprawl_verify::randomness::{self, Alphabet, Model};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// A score (higher = more random) and, optionally, its own decision rule.
struct Method {
    name: &'static str,
    scores: Vec<f64>,
    decisions: Vec<bool>,
}

fn main() {
    if std::env::args().any(|a| a == "--throughput") {
        throughput();
        return;
    }
    let t0 = Instant::now();
    let py = harvest_python();
    let rs = harvest_rust();
    eprintln!(
        "python: {} identifiers, {} literals, {} comment lines; rust: {} / {} / {} ({:.1?})",
        py.idents.len(),
        py.strings.len(),
        py.comments.len(),
        rs.idents.len(),
        rs.strings.len(),
        rs.comments.len(),
        t0.elapsed()
    );

    if py.idents.is_empty() || rs.idents.is_empty() {
        eprintln!("training text not found under {PYTHON_ROOT} or {}", rust_root().display());
        std::process::exit(2);
    }

    let names = ["entropy", "entropy/alpha", "token-pieces", "word-coverage", "bigram", "switching"];
    let mut samples: Vec<Sample> = Vec::new();
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut winner_decisions = Vec::new();
    let mut fold_auc = Vec::new();
    for (fold, (train, test)) in [(&rs, &py), (&py, &rs)].into_iter().enumerate() {
        let table = train_bigram(train.texts(), ALPHA);
        let Ok(table) = <[u8; randomness::TABLE_LEN]>::try_from(table) else {
            eprintln!("common::train_bigram and randomness::TABLE_LEN disagree on the table's size");
            std::process::exit(2);
        };
        let model = Model::from_table(table);
        let words = word_list(train);
        let mut rng = Rng::new(0x5eed_0000 + fold as u64);
        let mut set = positives(&mut rng, 1500);
        set.extend(negatives(&mut rng, test, 1500));
        set.retain(|s| s.text.len() >= randomness::MIN_LEN);
        let first = samples.len();
        for s in &set {
            let t = &s.text[..];
            let row = [
                shannon(t),
                randomness::normalized_entropy(t),
                token_pieces(&words, t),
                -word_coverage(&words, t),
                bigram_llr(&table, t),
                model.score(t),
            ];
            for (m, x) in row.into_iter().enumerate() {
                scores[m].push(x);
            }
            winner_decisions.push(model.looks_random(t));
        }
        samples.extend(set);
        let winner = &scores[names.len() - 1][first..];
        let (p, n) = split(&samples[first..], winner, |_| true);
        fold_auc.push(auc(&p, &n));
    }
    eprintln!("{} samples scored ({:.1?})", samples.len(), t0.elapsed());

    // Decisions. Entropy: one threshold per alphabet and length bucket, each at 1% false
    // positives of that cell's negatives. The other scores: the best rule of `looks_random`'s
    // form. The switching model: `looks_random` itself.
    let mut methods: Vec<Method> = Vec::new();
    for (m, name) in names.iter().enumerate() {
        let decisions = match *name {
            "entropy" | "entropy/alpha" => per_alphabet_decisions(&samples, &scores[m]),
            "switching" => winner_decisions.clone(),
            _ => {
                let (a, b) = fit_rule(&samples, &scores[m]);
                samples.iter().zip(&scores[m]).map(|(s, &x)| x >= a + b / s.text.len() as f64).collect()
            }
        };
        methods.push(Method { name, scores: scores[m].clone(), decisions });
    }
    print_table(&samples, &methods);
    println!(
        "\nswitching model, AUC over all lengths, per fold: train rust/test python {:.4}, train python/test rust {:.4}",
        fold_auc[0], fold_auc[1]
    );

    let winner = &methods[names.len() - 1];
    per_kind(&samples, winner);
    worst(&samples, winner);
    let (a, b) = fit_rule(&samples, &winner.scores);
    println!(
        "\nthreshold rule search for the switching model (score >= a + b/len, FPR <= 1% in every bucket, max mean TPR): a = {a:.2}, b = {b:.1}; looks_random uses a = {:.2}, b = {:.1}",
        randomness::threshold(1_000_000),
        (randomness::threshold(1) - randomness::threshold(1_000_000))
    );
    throughput();
}

fn split(samples: &[Sample], scores: &[f64], keep: impl Fn(&Sample) -> bool) -> (Vec<f64>, Vec<f64>) {
    let mut p = Vec::new();
    let mut n = Vec::new();
    for (s, &x) in samples.iter().zip(scores) {
        if keep(s) {
            if s.positive { p.push(x) } else { n.push(x) }
        }
    }
    (p, n)
}

fn per_alphabet_decisions(samples: &[Sample], scores: &[f64]) -> Vec<bool> {
    let mut thresholds: HashMap<(Alphabet, usize), f64> = HashMap::new();
    for a in
        [Alphabet::Hex, Alphabet::Base32, Alphabet::Base62, Alphabet::Base64, Alphabet::Base64Url, Alphabet::Printable]
    {
        for b in 0..3 {
            let (_, n) = split(samples, scores, |s| randomness::alphabet(&s.text) == a && bucket(s.text.len()) == b);
            // A cell without negatives accepts everything.
            let t = if n.is_empty() { f64::NEG_INFINITY } else { threshold_at_fpr(&n, 0.01) };
            thresholds.insert((a, b), t);
        }
    }
    samples
        .iter()
        .zip(scores)
        .map(|(s, &x)| x >= thresholds[&(randomness::alphabet(&s.text), bucket(s.text.len()))])
        .collect()
}

/// The rule `score >= a + b / len` with the highest mean true positive rate over the length
/// buckets among those with at most 1% false positives in each.
fn fit_rule(samples: &[Sample], scores: &[f64]) -> (f64, f64) {
    let mut best = (f64::NEG_INFINITY, 0.0, 0.0);
    for bi in 0..=120 {
        let b = f64::from(bi) * 0.5;
        // For this b, the smallest a meeting the FPR bound in every bucket.
        let mut a = f64::NEG_INFINITY;
        for k in 0..3 {
            let adj: Vec<f64> = samples
                .iter()
                .zip(scores)
                .filter(|(s, _)| !s.positive && bucket(s.text.len()) == k)
                .map(|(s, &x)| x - b / s.text.len() as f64)
                .collect();
            a = a.max(threshold_at_fpr(&adj, 0.01));
        }
        let mut tpr = 0.0;
        for k in 0..3 {
            let (hit, all) = samples
                .iter()
                .zip(scores)
                .filter(|(s, _)| s.positive && bucket(s.text.len()) == k)
                .fold((0, 0), |(h, n), (s, &x)| (h + usize::from(x >= a + b / s.text.len() as f64), n + 1));
            tpr += hit as f64 / all as f64 / 3.0;
        }
        if tpr > best.0 {
            best = (tpr, a, b);
        }
    }
    eprintln!("  fitted rule: mean TPR {:.4} at a = {:.2}, b = {:.1}", best.0, best.1, best.2);
    (best.1, best.2)
}

fn print_table(samples: &[Sample], methods: &[Method]) {
    println!("\n{:<14} | {:^22} | {:^22} | {:^22} | {:^8}", "", "8-15", "16-31", "32+", "all");
    println!(
        "{:<14} | {:>6} {:>7} {:>7} | {:>6} {:>7} {:>7} | {:>6} {:>7} {:>7} | {:>8}",
        "method", "AUC", "TPR", "FPR", "AUC", "TPR", "FPR", "AUC", "TPR", "FPR", "AUC"
    );
    for m in methods {
        let mut line = format!("{:<14} |", m.name);
        for b in 0..3 {
            let (p, n) = split(samples, &m.scores, |s| bucket(s.text.len()) == b);
            let (mut tp, mut np, mut fp, mut nn) = (0, 0, 0, 0);
            for (s, &d) in samples.iter().zip(&m.decisions) {
                if bucket(s.text.len()) != b {
                    continue;
                }
                if s.positive {
                    np += 1;
                    tp += usize::from(d);
                } else {
                    nn += 1;
                    fp += usize::from(d);
                }
            }
            line.push_str(&format!(
                " {:>6.4} {:>7.3} {:>7.3} |",
                auc(&p, &n),
                tp as f64 / np as f64,
                fp as f64 / nn as f64
            ));
        }
        let (p, n) = split(samples, &m.scores, |_| true);
        line.push_str(&format!(" {:>8.4}", auc(&p, &n)));
        println!("{line}");
    }
    let count = |pos: bool, b: usize| samples.iter().filter(|s| s.positive == pos && bucket(s.text.len()) == b).count();
    println!(
        "samples: positives {}/{}/{}, negatives {}/{}/{} (8-15/16-31/32+)",
        count(true, 0),
        count(true, 1),
        count(true, 2),
        count(false, 0),
        count(false, 1),
        count(false, 2)
    );
}

fn per_kind(samples: &[Sample], m: &Method) {
    println!("\nswitching model: looks_random per kind (share judged random; 8-15 / 16-31 / 32+ / all):");
    let mut kinds: Vec<(bool, &str)> =
        samples.iter().map(|s| (s.positive, s.kind)).collect::<HashSet<_>>().into_iter().collect();
    kinds.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (pos, kind) in kinds {
        let mut line = format!("  {} {:<15}", if pos { "+" } else { "-" }, kind);
        for b in 0..4 {
            let xs: Vec<bool> = samples
                .iter()
                .zip(&m.decisions)
                .filter(|(s, _)| s.kind == kind && (b == 3 || bucket(s.text.len()) == b))
                .map(|(_, &d)| d)
                .collect();
            if xs.is_empty() {
                line.push_str("       -");
            } else {
                line.push_str(&format!(" {:>7.3}", xs.iter().filter(|&&d| d).count() as f64 / xs.len() as f64));
            }
        }
        println!("{line}");
    }
}

fn worst(samples: &[Sample], m: &Method) {
    let mut fp: Vec<(f64, &Sample)> = samples
        .iter()
        .zip(&m.scores)
        .zip(&m.decisions)
        .filter(|((s, _), d)| **d && !s.positive)
        .map(|((s, &x), _)| (x, s))
        .collect();
    fp.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("\nswitching model: highest-scoring false positives");
    for (x, s) in fp.iter().take(30) {
        println!("  {:>6.2} {:<15} {}", x, s.kind, String::from_utf8_lossy(&s.text));
    }
    let mut fnn: Vec<(f64, &Sample)> = samples
        .iter()
        .zip(&m.scores)
        .zip(&m.decisions)
        .filter(|((s, _), d)| !**d && s.positive && s.kind != "pronounceable")
        .map(|((s, &x), _)| (x, s))
        .collect();
    fnn.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("switching model: lowest-scoring missed random strings (pronounceable ones aside)");
    for (x, s) in fnn.iter().take(15) {
        println!("  {:>6.2} {:<15} {}", x, s.kind, String::from_utf8_lossy(&s.text));
    }
}

/// CPU time of this thread in seconds (`/proc/thread-self/stat`, clock ticks of 10 ms), so
/// that other processes on the machine do not count; wall time if that is unavailable.
fn cpu_seconds(wall: Instant) -> f64 {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat").ok().and_then(|st| {
        let after = st.rsplit_once(')')?.1;
        let f: Vec<&str> = after.split_whitespace().collect();
        Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
    });
    ticks.map_or_else(|| wall.elapsed().as_secs_f64(), |t| t / 100.0)
}

fn throughput() {
    let mut rng = Rng::new(42);
    let random: Vec<Vec<u8>> = (0..4096).map(|_| (0..32).map(|_| *rng.pick(B62)).collect()).collect();
    let words = ["getUserAccessToken", "refresh_token_expired", "my_super_secret_pw", "application_json"];
    let text: Vec<Vec<u8>> = (0..4096)
        .map(|i| {
            let mut t = format!("{}_{}", words[i % 4], words[(i / 4) % 4]).into_bytes();
            t.truncate(32);
            t
        })
        .collect();
    println!();
    type Scorer<'a> = (&'a str, &'a dyn Fn(&[u8]) -> f64);
    let scorers: [Scorer; 4] = [
        ("randomness::score", &|s| randomness::score(s)),
        ("randomness::looks_random", &|s| f64::from(u8::from(randomness::looks_random(s)))),
        ("randomness::normalized_entropy", &|s| randomness::normalized_entropy(s)),
        ("entropy::shannon (baseline)", &|s| sprawl_verify::entropy::shannon(s)),
    ];
    for (name, set) in [("random base62", &random), ("identifiers", &text)] {
        for (what, f) in scorers {
            let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
            let wall = Instant::now();
            let start = cpu_seconds(wall);
            let mut acc = 0.0;
            for _ in 0..rounds {
                for s in set.iter() {
                    acc += f(std::hint::black_box(s));
                }
            }
            let secs = cpu_seconds(wall) - start;
            let per_sec = (rounds * set.len()) as f64 / secs;
            println!(
                "throughput: {what} on 32-byte {name}: {:.1} M strings/s of CPU time ({:.0} ns each; checksum {acc:.0})",
                per_sec / 1e6,
                1e9 / per_sec
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The losing methods, kept here so that the comparison can be rerun.

/// Raw Shannon entropy in bits per byte.
fn shannon(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The character bigram alone: bits per character it needs beyond a uniform draw from the
/// string's tightest alphabet.
fn bigram_llr(table: &[u8], s: &[u8]) -> f64 {
    let mut bits = 0.0;
    let mut prev = SYMBOLS;
    for &b in s {
        let sym = symbol(b);
        bits += f64::from(table[prev * SYMBOLS + sym]) / 8.0 + if sym == 95 { 161f64.log2() } else { 0.0 };
        prev = sym;
    }
    (bits - s.len() as f64 * tight_alphabet_bits(s)) / s.len() as f64
}

/// log2 of the tightest alphabet's size (the same ladder as the library's random hypothesis,
/// without grouping).
fn tight_alphabet_bits(s: &[u8]) -> f64 {
    let has = |f: fn(&u8) -> bool| s.iter().any(f);
    let (d, l, u) = (has(u8::is_ascii_digit), has(u8::is_ascii_lowercase), has(u8::is_ascii_uppercase));
    let size: f64 = if s.iter().all(u8::is_ascii_alphanumeric) {
        let hex_only = s.iter().all(u8::is_ascii_hexdigit);
        let base32_digits = s.iter().all(|b| !b.is_ascii_digit() || (b'2'..=b'7').contains(b));
        match (d, l, u) {
            (_, false, false) => 10.0,
            (_, true, true) if hex_only => 22.0,
            _ if hex_only => 16.0,
            (false, true, false) | (false, false, true) => 26.0,
            (true, true, false) | (true, false, true) if base32_digits => 32.0,
            (true, true, false) | (true, false, true) => 36.0,
            (false, true, true) => 52.0,
            (true, true, true) => 62.0,
        }
    } else {
        match randomness::alphabet(s) {
            Alphabet::Base64 | Alphabet::Base64Url => 64.0,
            _ if s.iter().all(|b| (0x20..0x7f).contains(b)) => 95.0,
            _ => 256.0,
        }
    };
    size.log2()
}

/// Lowercase words of the training half: identifier parts and comment words, 2-letter ones
/// only when very common.
fn word_list(c: &Corpus) -> HashSet<Vec<u8>> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for id in &c.idents {
        for w in split_words(id) {
            *counts.entry(w).or_default() += 1;
        }
    }
    for l in &c.comments {
        for w in l.split(|ch: char| !ch.is_ascii_alphabetic()).filter(|w| !w.is_empty()) {
            *counts.entry(w.to_ascii_lowercase()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(w, n)| w.len() >= 2 && *n >= if w.len() <= 3 { 50 } else { 5 })
        .map(|(w, _)| w.into_bytes())
        .collect()
}

/// Greedy longest-match segmentation into known words (case-insensitive): the longest word
/// starting at each position, else one character.
fn segment(words: &HashSet<Vec<u8>>, s: &[u8], mut piece: impl FnMut(usize)) {
    let lower = s.to_ascii_lowercase();
    let mut i = 0;
    while i < lower.len() {
        let mut len = 1;
        for l in (2..=20.min(lower.len() - i)).rev() {
            if words.contains(&lower[i..i + l]) {
                len = l;
                break;
            }
        }
        piece(len);
        i += len;
    }
}

/// Token efficiency: pieces per character (1 = no known word at all).
fn token_pieces(words: &HashSet<Vec<u8>>, s: &[u8]) -> f64 {
    let mut pieces = 0;
    segment(words, s, |_| pieces += 1);
    f64::from(pieces) / s.len() as f64
}

/// Share of characters inside known words of three or more letters.
fn word_coverage(words: &HashSet<Vec<u8>>, s: &[u8]) -> f64 {
    let mut covered = 0;
    segment(words, s, |l| {
        if l >= 3 {
            covered += l;
        }
    });
    covered as f64 / s.len() as f64
}
