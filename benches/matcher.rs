//! Matcher and confirm-stage throughput on generated text with planted secrets.
//!
//! `cargo bench --bench matcher [--features vectorscan]`. Criterion reports bytes per second
//! over the same haystack:
//! `matcher/<backend>` is matching alone; `confirm/full` is the whole per-haystack analysis
//! (match, locate, placeholder/entropy/randomness/checksum checks, decoding of encoded runs);
//! `confirm/no-decode` the same without decoding. Compare within one run, never across
//! machines: the confirm stage must not halve the matcher's throughput. `backends-16MiB/<backend>`
//! is each backend on the same 16 MiB of mixed text, and `build/<backend>` the time to build it
//! (Vectorscan compiling its database, uncached).

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

/// 16 MiB of mixed text, the same for every backend: source-like lines, base64-like runs,
/// some binary-looking bytes, now and then a bare keyword that confirms nothing, and every
/// rule's examples planted every 32 KiB.
fn mixed_haystack(rules: &sprawl_rules::RuleSet) -> Vec<u8> {
    const LEN: usize = 16 << 20;
    let mut out = Vec::with_capacity(LEN + 4096);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words = [
        "fn ", "let ", "value", " = ", "config", ".get(", "\"name\"", ");\n", "return ", "{\n", "}\n", "# ", "url: ",
        "self", "items", "count",
    ];
    let examples: Vec<&str> = rules.rules().iter().flat_map(|r| r.examples.iter().map(String::as_str)).collect();
    let keywords: Vec<&str> = rules.rules().iter().flat_map(|r| r.keywords.iter().map(String::as_str)).collect();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut next_plant, mut e, mut k) = (32 << 10, 0, 0);
    while out.len() < LEN {
        let r = next();
        match r % 1000 {
            0..=849 => out.extend_from_slice(words[(r >> 16) as usize % words.len()].as_bytes()),
            850..=949 => {
                out.extend((0..(r >> 16) % 64 + 8).map(|_| alphabet[(next() % 64) as usize]));
                out.push(b'\n');
            }
            950..=998 => out.extend((0..(r >> 16) % 32).map(|_| next() as u8)),
            _ => {
                out.extend_from_slice(keywords[k % keywords.len()].as_bytes());
                out.push(b' ');
                k += 1;
            }
        }
        if out.len() > next_plant && !examples.is_empty() {
            out.extend_from_slice(examples[e % examples.len()].as_bytes());
            out.push(b'\n');
            e += 1;
            next_plant += 32 << 10;
        }
    }
    out
}

/// Each backend alone (keyword search and windowed confirmation) on the same 16 MiB, and
/// building each matcher (Vectorscan without its cache: the compile is what is measured).
fn backends(c: &mut Criterion) {
    let (rules, _) = sprawl_rules::RuleSet::builtin();
    let hay = mixed_haystack(&rules);
    let mut group = c.benchmark_group("backends-16MiB");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    group.sample_size(20);
    scan_with_each_backend(&mut group, &rules, &hay);
    group.finish();
    // The keyword search alone: the only part that differs between backends.
    #[cfg(feature = "vectorscan")]
    {
        let mut group = c.benchmark_group("keywords-16MiB");
        group.throughput(Throughput::Bytes(hay.len() as u64));
        group.sample_size(20);
        let p = sprawl_matcher::PrefilterMatcher::new(rules.rules()).unwrap();
        let v = sprawl_matcher::VectorscanMatcher::new(rules.rules()).unwrap();
        group.bench_function("vectorscan", |b| b.iter(|| v.keyword_hits(&hay).len()));
        group.bench_function("prefilter", |b| b.iter(|| p.keyword_hits(&hay).len()));
        group.finish();
    }
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    for &name in sprawl_matcher::available_engines() {
        group.bench_function(name, |b| b.iter(|| sprawl_matcher::build(name, rules.rules()).expect("backend builds")));
    }
    // Vectorscan with its database in a (memory) cache: what a pre-commit hook pays after the
    // first run (checks, deserialization, scratch).
    #[cfg(feature = "vectorscan")]
    {
        #[derive(Default)]
        struct MemCache(std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);
        impl sprawl_matcher::DatabaseCache for MemCache {
            fn get(&self, key: &str) -> Option<Vec<u8>> {
                self.0.lock().unwrap().get(key).cloned()
            }
            fn put(&self, key: &str, bytes: &[u8]) {
                self.0.lock().unwrap().insert(key.to_owned(), bytes.to_vec());
            }
        }
        let options =
            sprawl_matcher::Options { quick_start: true, cache: Some(std::sync::Arc::new(MemCache::default())) };
        sprawl_matcher::build_with("vectorscan", rules.rules(), &options).unwrap();
        group.bench_function("vectorscan-cached", |b| {
            b.iter(|| sprawl_matcher::build_with("vectorscan", rules.rules(), &options).unwrap())
        });
        let quick = sprawl_matcher::Options { quick_start: true, cache: None };
        group.bench_function("prefilter-quick-start", |b| {
            b.iter(|| sprawl_matcher::build_with("prefilter", rules.rules(), &quick).unwrap())
        });
    }
    group.finish();
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
    scan_with_each_backend(&mut group, &rules, &hay);
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

criterion_group!(benches, bench, backends);
criterion_main!(benches);

/// One benchmark per compiled backend: its `scan` over `hay`, every regex compiled beforehand.
fn scan_with_each_backend(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rules: &sprawl_rules::RuleSet,
    hay: &[u8],
) {
    for &name in sprawl_matcher::available_engines() {
        let m = sprawl_matcher::build(name, rules.rules()).expect("backend builds");
        m.compile_all();
        let mut scratch = m.new_scratch();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                m.scan(hay, &mut scratch, &mut |_| n += 1);
                n
            })
        });
    }
}
