//! Times each part of a history scan on a real repository:
//!
//! ```text
//! cargo run --release -p sprawl-git --example bench -- /path/to/repo.git [threads]
//! ```
//!
//! Prints the time of `blobs()`, `provenance(All)`, reading every blob once in list order on
//! one thread, and the peak RSS. Compare the read with
//! `time git cat-file --batch-all-objects --batch --unordered >/dev/null`.

use std::time::Instant;

use sprawl_git::{RefSelection, Repo};

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench <repo> [threads] [skip-read]")?;
    let threads: Option<usize> = args.next().map(|t| t.parse()).transpose()?;
    let skip_read = args.next().is_some();

    let t = Instant::now();
    let mut repo = Repo::open(std::path::Path::new(&path))?;
    if let Some(n) = threads {
        repo.set_threads(n);
    }
    println!("open: {:?} (shallow {}, partial {})", t.elapsed(), repo.is_shallow(), repo.is_partial_clone());

    let t = Instant::now();
    let list = repo.blobs()?;
    let total: u64 = list.blobs.iter().map(|b| b.size).sum();
    println!(
        "blobs(): {:?}: {} blobs, {} MB, {} packs, {} loose, {} problems",
        t.elapsed(),
        list.blobs.len(),
        total / 1_000_000,
        list.packs,
        list.loose,
        list.problems.len()
    );

    let t = Instant::now();
    let p = repo.provenance(&RefSelection::All)?;
    let intros: usize = p.introduced.values().map(Vec::len).sum();
    println!(
        "provenance(All): {:?}: {} commits, {} blobs introduced ({} introductions), {} at HEAD, {} removed_in, {} missing, {} ref blobs, {} problems; peak RSS {:?} MiB",
        t.elapsed(),
        p.commits.len(),
        p.introduced.len(),
        intros,
        p.at_head.len(),
        p.removed_in.len(),
        p.missing.len(),
        p.ref_blobs.len(),
        p.problems.len(),
        peak_rss_mib()
    );
    println!("  {:?}", p.timings);
    for problem in p.problems.iter().take(5) {
        println!("  problem: {problem}");
    }
    let unattributed = list.blobs.iter().filter(|b| !p.introduced.contains_key(&b.id)).count();
    println!("  blobs without an introduction: {unattributed}");

    if !skip_read {
        let t = Instant::now();
        let mut reader = repo.reader();
        let mut buf = Vec::new();
        let mut bytes = 0u64;
        let mut errors = 0usize;
        for b in &list.blobs {
            match reader.read(b.id, &mut buf) {
                Ok(()) => bytes += buf.len() as u64,
                Err(_) => errors += 1,
            }
        }
        println!(
            "read all blobs, 1 thread, list order: {:?}: {} MB, {} errors; peak RSS {:?} MiB",
            t.elapsed(),
            bytes / 1_000_000,
            errors,
            peak_rss_mib()
        );
    }
    Ok(())
}
