//! Matcher and confirm-stage throughput on generated text with planted secrets.
//!
//! `cargo bench --bench matcher`. Criterion reports bytes per second over the same haystack:
//! `matcher/<backend>` is matching alone; `confirm/full` is the whole per-haystack analysis
//! (match, locate, placeholder/entropy/randomness/checksum checks, decoding of encoded runs);
//! `confirm/no-decode` the same without decoding. Compare within one run, never across
//! machines: the confirm stage must not halve the matcher's throughput.

#![allow(clippy::unwrap_used)] // Tests and benches fail loudly by design.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// About 4 MiB of source-like text: identifiers, punctuation, numbers, and one planted
/// example from every built-in rule every 64 KiB.
fn haystack(rules: &sprawl_rules::RuleSet) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let words =
        ["let ", "value", " = ", "config", ".get(", "\"name\"", ");\n", "if ", "self", " {\n", "}\n", "token", "key"];
    let examples: Vec<&str> = rules.rules().iter().filter_map(|r| r.examples.first().map(String::as_str)).collect();
    let mut next_plant = 64 << 10;
    let mut i = 0;
    while out.len() < 4 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
        if out.len() > next_plant && !examples.is_empty() {
            out.extend_from_slice(examples[i % examples.len()].as_bytes());
            out.push(b'\n');
            i += 1;
            next_plant += 64 << 10;
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let (rules, _) = sprawl_rules::RuleSet::builtin();
    // Compile every pattern up front, so lazy compilation is not timed.
    for &name in sprawl_matcher::available_engines() {
        sprawl_matcher::build(name, rules.rules()).unwrap().compile_all();
    }
    let hay = haystack(&rules);
    let mut group = c.benchmark_group("matcher");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    for &name in sprawl_matcher::available_engines() {
        let m = sprawl_matcher::build(name, rules.rules()).expect("backend builds");
        let mut scratch = m.new_scratch();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                m.scan(&hay, &mut scratch, &mut |_| n += 1);
                n
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("confirm");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    for (name, depth) in [("full", 2u8), ("no-decode", 0)] {
        let engine = sprawl_engine::Engine::builder(rules.clone()).jobs(1).decode_depth(depth).build().unwrap();
        let origin = sprawl_core::Origin::Stdin;
        let mut analyzer = engine.analyzer();
        group.bench_function(name, |b| b.iter(|| analyzer.analyze(&origin, &hay).accepted.len()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
