//! Times each part of a history scan on a real repository (nothing of it is committed; fetch
//! or clone one, e.g. `git clone --bare --no-local <git.git> /tmp/git.git`):
//!
//! ```text
//! cargo run --release -p sprawl-git --example bench -- <repo> [--threads N] [--cache-mib N]
//!     [--no-read] [--verify] [--gix] [--dump FILE] [--staged N] [--range BASE HEAD]
//! ```
//!
//! Prints the time of `blobs()`, of `provenance(All)` with its phases, and of reading every
//! blob once in list order on one thread (`--verify` also hashes each against its id; `--gix`
//! reads through gix instead, for comparison), with the peak heap (counted by this binary's
//! allocator) and the peak RSS (which also counts the pages of memory-mapped packs).
//! `--staged N` times `open` + `staged()` N times; `--range` times one `range()`.
//!
//! `--dump FILE` writes every introduction (`<commit> <blob> <path>`), `removed <commit>
//! <blob>`, `head <blob>` and `blob <id> <size>` lines, to compare with
//! `git log --all --raw -c --root --no-renames --no-abbrev`, `git log --first-parent -m --raw
//! HEAD`, `git ls-tree -r HEAD` and `git cat-file --batch-all-objects --batch-check`.
//!
//! Compare the read with `time git cat-file --batch-all-objects --batch --unordered >/dev/null`.

// The counting allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sprawl_git::{RefSelection, Repo};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc` and `dealloc`; `System` reallocates its own block.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn peak_heap_mib() -> usize {
    PEAK.load(Ordering::Relaxed) >> 20
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or(
        "usage: bench <repo> [--threads N] [--cache-mib N] [--no-read] [--verify] [--gix] [--dump FILE] [--staged N] [--range BASE HEAD]",
    )?;
    let mut threads = None;
    let mut cache = None;
    let mut read = true;
    let mut staged = None;
    let mut verify = false;
    let mut via_gix = false;
    let mut dump = None;
    let mut range = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = Some(args.next().ok_or("--threads N")?.parse::<usize>()?),
            "--cache-mib" => cache = Some(args.next().ok_or("--cache-mib N")?.parse::<usize>()?),
            "--no-read" => read = false,
            "--verify" => verify = true,
            "--gix" => via_gix = true,
            "--dump" => dump = Some(args.next().ok_or("--dump FILE")?),
            "--range" => {
                range = Some((args.next().ok_or("--range BASE HEAD")?, args.next().ok_or("--range BASE HEAD")?))
            }
            "--staged" => staged = Some(args.next().ok_or("--staged N")?.parse::<usize>()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }

    let t = Instant::now();
    let mut repo = Repo::open(std::path::Path::new(&path))?;
    if let Some(n) = threads {
        repo.set_threads(n);
    }
    if let Some(mib) = cache {
        repo.set_cache_budget(mib << 20);
    }
    println!("open: {:?} (shallow {}, partial {})", t.elapsed(), repo.is_shallow(), repo.is_partial_clone());

    if let Some(n) = staged {
        let mut times = Vec::new();
        let mut changes = 0;
        for _ in 0..n {
            let t = Instant::now();
            let repo = Repo::open(std::path::Path::new(&path))?;
            changes = repo.staged()?.len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "open + staged(): {changes} changes; min {:?}, median {:?}, max {:?}",
            times[0],
            times[n / 2],
            times[n - 1]
        );
        return Ok(());
    }

    if let Some((base, head)) = &range {
        let t = Instant::now();
        let r = repo.range(base, head)?;
        println!("range({base}, {head}): {:?}: {} commits, {} changes", t.elapsed(), r.commits.len(), r.changes.len());
        return Ok(());
    }

    let t = Instant::now();
    let list = repo.blobs()?;
    let total: u64 = list.blobs.iter().map(|b| b.size).sum();
    // A fingerprint of the list's order and sizes, to compare implementations.
    let fingerprint = list.blobs.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        let h = (h ^ u64::from_le_bytes(b.id.0[..8].try_into().expect("8 bytes"))).wrapping_mul(0x100_0000_01b3);
        (h ^ b.size).wrapping_mul(0x100_0000_01b3)
    });
    println!(
        "blobs(): {:?}: {} blobs, {} MB, {} packs, {} loose, {} problems, fingerprint {fingerprint:016x}",
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
        "provenance(All): {:?}: {} commits, {} blobs introduced ({} introductions), {} at HEAD, {} removed_in, {} missing, {} ref blobs, {} problems",
        t.elapsed(),
        p.commits.len(),
        p.introduced.len(),
        intros,
        p.at_head.len(),
        p.removed_in.len(),
        p.missing.len(),
        p.ref_blobs.len(),
        p.problems.len(),
    );
    println!("  {:?}", p.timings);
    println!("  peak heap {} MiB, peak RSS {:?} MiB", peak_heap_mib(), peak_rss_mib());
    for problem in p.problems.iter().take(5) {
        println!("  problem: {problem}");
    }
    if let Some(file) = &dump {
        // "<commit> <blob> <path>" for every introduction, to compare with git's own diffs.
        use std::io::Write as _;
        let mut w = std::io::BufWriter::new(std::fs::File::create(file)?);
        for (blob, intros) in &p.introduced {
            for i in intros {
                writeln!(w, "{} {} {}", p.commits[i.commit as usize].id, blob, i.path)?;
            }
        }
        // "removed <commit> <blob>" for every blob that left HEAD's first-parent chain.
        for (blob, commit) in &p.removed_in {
            writeln!(w, "removed {} {}", p.commits[*commit as usize].id, blob)?;
        }
        for blob in &p.at_head {
            writeln!(w, "head {blob}")?;
        }
        // "blob <id> <size>" in list order.
        for b in &list.blobs {
            writeln!(w, "blob {} {}", b.id, b.size)?;
        }
    }
    let unattributed = list.blobs.iter().filter(|b| !p.introduced.contains_key(&b.id)).count();
    println!("  blobs without an introduction: {unattributed}");

    if read && via_gix {
        // For comparison: gix's own object access, with a 64 MiB delta-base cache.
        use gix::objs::Find as _;
        let t = Instant::now();
        let mut g = gix::open_opts(&path, gix::open::Options::isolated())?;
        g.object_cache_size(None);
        g.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(64 << 20)));
        let mut buf = Vec::new();
        let mut bytes = 0u64;
        for b in &list.blobs {
            let id = gix::ObjectId::from_bytes_or_panic(&b.id.0);
            if let Ok(Some(data)) = g.objects.try_find(&id, &mut buf) {
                bytes += data.data.len() as u64;
            }
        }
        println!("read all blobs through gix, 1 thread, list order: {:?}: {} MB", t.elapsed(), bytes / 1_000_000);
    } else if read {
        let t = Instant::now();
        let mut reader = repo.reader();
        let mut bytes = 0u64;
        let mut errors = 0usize;
        let mut mismatches = 0usize;
        for b in &list.blobs {
            let read = reader.read_with(b.id, |data| {
                if verify && sprawl_git::blob_id_for(data) != b.id {
                    mismatches += 1;
                }
                data.len()
            });
            match read {
                Ok(n) => bytes += n as u64,
                Err(_) => errors += 1,
            }
        }
        let checked =
            if verify { format!(", {mismatches} whose content does not hash to their id") } else { String::new() };
        println!(
            "read all blobs, 1 thread, list order: {:?}: {} MB, {} errors{checked}",
            t.elapsed(),
            bytes / 1_000_000,
            errors
        );
        println!("  peak heap {} MiB, peak RSS {:?} MiB", peak_heap_mib(), peak_rss_mib());
    }
    Ok(())
}
