//! Direct pack access for the history walk: trees and commits by id, with every object of a
//! delta chain cached as it is reconstructed.
//!
//! NOTE: why not `repo.objects.try_find`? gix's delta-base cache keeps the objects it was
//! *asked* for, not the intermediate bases it reconstructs on the way. Trees are stored as
//! deltas of deltas (git.git: 12 deep on average, up to 50), in an order chosen for size, not
//! history, so reading the trees of 85 k commits through gix reconstructs most chains from
//! their start: about 100 µs a tree, 18 s in all. Caching every link (what git's own
//! `delta_base_cache` does) makes most reads a single delta application.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gix::odb::pack;

/// All packs of a repository and its alternates, in git's order.
pub(crate) struct Packs {
    packs: Vec<Pack>,
    pub(crate) problems: Vec<String>,
    /// Bytes of pack data read (compressed, as mapped) since the pages were last let go of
    /// (see [`Packs::note_read`]).
    read: AtomicU64,
}

/// How many bytes of pack data may be read between two [`Packs::release`]s, so that a history
/// scan's resident pack pages stay near this bound instead of growing to the size of the pack.
/// Counted in mapped (compressed) bytes, which is what stays resident: a bound on inflated
/// bytes lets a pack of small deltas map far more, and a tighter one releases more often.
const RELEASE_EVERY: u64 = 16 << 20;

struct Pack {
    index: pack::index::File,
    data: pack::data::File,
}

impl std::fmt::Debug for Packs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let paths: Vec<&Path> = self.packs.iter().map(|p| p.data.path()).collect();
        f.debug_struct("Packs").field("packs", &paths).field("problems", &self.problems).finish()
    }
}

impl Packs {
    /// Opens every pack; one that does not open is a problem, not an error (the caller falls
    /// back to gix for whatever it cannot find here).
    pub(crate) fn open(repo: &gix::Repository) -> Packs {
        let mut problems = Vec::new();
        let mut packs = Vec::new();
        for dir in objects_dirs(repo, &mut problems) {
            for idx in pack_indices(&dir, &mut problems) {
                let index = pack::index::File::at(&idx, gix::hash::Kind::Sha1);
                let data = pack::data::File::at(idx.with_extension("pack"), gix::hash::Kind::Sha1);
                match (index, data) {
                    (Ok(index), Ok(data)) => packs.push(Pack { index, data }),
                    (Err(e), _) | (_, Err(e)) => problems.push(format!("{}: cannot open pack: {e}", idx.display())),
                }
            }
        }
        Packs { packs, problems, read: AtomicU64::new(0) }
    }

    /// Counts `bytes` of pack data read, and lets go of the mapped pages every
    /// [`RELEASE_EVERY`] bytes.
    fn note_read(&self, bytes: u64) {
        let before = self.read.fetch_add(bytes, Ordering::Relaxed);
        if before / RELEASE_EVERY != (before + bytes) / RELEASE_EVERY {
            self.release();
        }
    }

    /// Drops the packs' pages from this process's page tables (they stay in the page cache).
    /// A history scan touches every page of every pack once, in order, and the kernel would
    /// otherwise count all of them as resident until the scan ends: on git/git, 470 MB of
    /// "RSS" for bytes read long ago. A page touched again is mapped again from the page cache
    /// (a minor fault).
    #[allow(unsafe_code)]
    pub(crate) fn release(&self) {
        for pack in &self.packs {
            release_pages(&pack.data);
        }
        // The readers' caches evict reconstructed objects all along; glibc keeps the freed
        // pages of its per-thread arenas mapped until told otherwise.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free heap memory to the kernel; it takes the
        // allocator's own locks and touches no memory we own.
        unsafe {
            libc::malloc_trim(0);
        }
    }

    /// Every commit stored whole in the packs, inflated and parsed on `threads` threads: most
    /// of a history walk's first phase is inflating commits, one after another as the walk
    /// finds them. Commits stored as deltas (rare) are left to the walk.
    pub(crate) fn commits(
        &self,
        threads: usize,
        problems: &mut Vec<String>,
    ) -> gix::hashtable::HashMap<gix::ObjectId, crate::history::RawCommit> {
        let mut whole: Vec<(usize, u64, gix::ObjectId)> = Vec::new();
        for (p, pack) in self.packs.iter().enumerate() {
            // Headers in pack order, letting go of the pages behind: the index is in id order,
            // which would touch every page of the pack at random.
            let mut at: Vec<(u64, u32)> =
                (0..pack.index.num_objects()).map(|i| (pack.index.pack_offset_at_index(i), i)).collect();
            at.sort_unstable();
            for (n, &(offset, i)) in at.iter().enumerate() {
                if n % RELEASE_EVERY_ENTRIES == RELEASE_EVERY_ENTRIES - 1 {
                    release_pages(&pack.data);
                }
                if let Ok(entry) = pack.data.entry(offset)
                    && entry.header == pack::data::entry::Header::Commit
                {
                    whole.push((p, offset, pack.index.oid_at_index(i).to_owned()));
                }
            }
        }
        // Pack order, so that each thread reads its part of the pack front to back.
        whole.sort_unstable_by_key(|&(p, offset, _)| (p, offset));
        let decode = |chunk: &[(usize, u64, gix::ObjectId)]| {
            let mut inflate = gix::zlib::Inflate::default();
            let mut buf = Vec::new();
            let mut problems = Vec::new();
            let mut parsed = Vec::with_capacity(chunk.len());
            for &(p, offset, id) in chunk {
                let pack = &self.packs[p];
                let Ok(entry) = pack.data.entry(offset) else { continue };
                let Ok(size) = usize::try_from(entry.decompressed_size) else { continue };
                if buf.try_reserve(size.saturating_sub(buf.len())).is_err() {
                    continue;
                }
                buf.resize(size, 0);
                // A commit that does not inflate is left to the walk, which reports it.
                if pack.data.decompress_entry(&entry, &mut inflate, &mut buf).is_ok() {
                    parsed.push(crate::history::parse_commit(id, &buf, &mut problems));
                }
            }
            (parsed, problems)
        };
        let threads = threads.clamp(1, whole.len().div_ceil(2048).max(1));
        let parts: Vec<(Vec<crate::history::RawCommit>, Vec<String>)> = if threads == 1 {
            vec![decode(&whole)]
        } else {
            let per = whole.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = whole.chunks(per).map(|chunk| scope.spawn(|| decode(chunk))).collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
            })
        };
        let mut out = gix::hashtable::HashMap::default();
        for (parsed, more) in parts {
            problems.extend(more);
            out.extend(parsed.into_iter().map(|c| (c.id, c)));
        }
        out
    }

    fn locate(&self, id: &gix::oid) -> Option<(usize, u64)> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(p, pack)| pack.index.lookup(id).map(|i| (p, pack.index.pack_offset_at_index(i))))
    }
}

/// The repository's objects directory, then those of its alternates.
pub(crate) fn objects_dirs(repo: &gix::Repository, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let store = repo.objects.store_ref();
    let mut dirs = vec![store.path().to_path_buf()];
    match store.alternate_db_paths() {
        Ok(alternates) => dirs.extend(alternates),
        Err(e) => problems.push(format!("{}: cannot read alternates: {e}", store.path().display())),
    }
    dirs
}

/// `dir/pack/*.idx` with a matching `.pack`, newest first (git's preference), then by name.
pub(crate) fn pack_indices(objects_dir: &Path, problems: &mut Vec<String>) -> Vec<PathBuf> {
    let pack_dir = objects_dir.join("pack");
    let entries = match std::fs::read_dir(&pack_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            problems.push(format!("{}: {e}", pack_dir.display()));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "idx") || !path.with_extension("pack").is_file() {
            continue;
        }
        let mtime = entry.metadata().and_then(|m| m.modified()).ok();
        found.push((std::cmp::Reverse(mtime), path));
    }
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// An object as read: its kind and bytes, shared with the cache (`Arc`, so that a reader can
/// move between threads).
pub(crate) type Object = (gix::object::Kind, Arc<Vec<u8>>);

/// Reads objects from [`Packs`] for one thread, caching every reconstructed object (up to a
/// memory cap, least recently used evicted first).
pub(crate) struct PackReader {
    packs: Arc<Packs>,
    cache: HashMap<(usize, u64), (Object, u64)>,
    tick: u64,
    bytes: usize,
    cap: usize,
    inflate: gix::zlib::Inflate,
    delta: Vec<u8>,
}

/// Longer chains than this are taken for a cycle in a corrupt pack (git's maximum is 4095).
const MAX_CHAIN: usize = 10_000;

impl PackReader {
    pub(crate) fn new(packs: Arc<Packs>, cap: usize) -> PackReader {
        PackReader {
            packs,
            cache: HashMap::new(),
            tick: 0,
            bytes: 0,
            cap,
            inflate: Default::default(),
            delta: Vec::new(),
        }
    }

    /// `None` if no pack has `id` (it may be loose), else the object or why it cannot be read.
    pub(crate) fn read(&mut self, id: &gix::oid) -> Option<Result<Object, String>> {
        let (p, offset) = self.packs.locate(id)?;
        Some(self.read_at(p, offset))
    }

    fn read_at(&mut self, p: usize, offset: u64) -> Result<Object, String> {
        let packs = Arc::clone(&self.packs);
        let pack = &packs.packs[p];
        // Down the chain to a cached object or a whole one.
        let mut chain: Vec<(u64, pack::data::Entry)> = Vec::new();
        let mut cursor = offset;
        let (kind, mut data) = loop {
            if let Some(hit) = self.get(p, cursor) {
                break hit;
            }
            let entry = pack.data.entry(cursor).map_err(|e| format!("corrupt pack entry at {cursor}: {e}"))?;
            use pack::data::entry::Header as H;
            match entry.header {
                H::OfsDelta { base_distance } => {
                    let base = entry
                        .checked_base_pack_offset(base_distance)
                        .ok_or_else(|| format!("delta at {cursor} points before the pack"))?;
                    chain.push((cursor, entry));
                    cursor = base;
                }
                H::RefDelta { base_id } => {
                    let base = pack
                        .index
                        .lookup(base_id)
                        .map(|i| pack.index.pack_offset_at_index(i))
                        .ok_or_else(|| format!("delta base {base_id} is outside the pack"))?;
                    chain.push((cursor, entry));
                    cursor = base;
                }
                _ => {
                    let kind = entry.header.as_kind().expect("not a delta");
                    let (object, read) = self.inflate_entry(pack, &entry)?;
                    let object = Arc::new(object);
                    packs.note_read(read);
                    self.put(p, cursor, (kind, Arc::clone(&object)));
                    break (kind, object);
                }
            }
            if chain.len() > MAX_CHAIN {
                return Err(format!("delta chain at {offset} does not end"));
            }
        };
        // Up the chain, caching each link.
        while let Some((at, entry)) = chain.pop() {
            let mut delta = std::mem::take(&mut self.delta);
            delta.clear();
            let size = usize::try_from(entry.decompressed_size).map_err(|_| "delta too large".to_string())?;
            delta.try_reserve_exact(size).map_err(|_| format!("delta at {at} too large ({size} bytes)"))?;
            delta.resize(size, 0);
            let read = pack
                .data
                .decompress_entry(&entry, &mut self.inflate, &mut delta)
                .map_err(|e| format!("corrupt delta at {at}: {e}"))?;
            let result = apply_delta(&data, &delta).map_err(|e| format!("corrupt delta at {at}: {e}"))?;
            packs.note_read(entry.header_size() as u64 + read as u64);
            self.delta = delta;
            data = Arc::new(result);
            self.put(p, at, (kind, Arc::clone(&data)));
        }
        Ok((kind, data))
    }

    /// A whole object's bytes, and how many bytes of pack data it took.
    fn inflate_entry(&mut self, pack: &Pack, entry: &pack::data::Entry) -> Result<(Vec<u8>, u64), String> {
        let size = usize::try_from(entry.decompressed_size).map_err(|_| "object too large".to_string())?;
        let mut out = Vec::new();
        out.try_reserve_exact(size).map_err(|_| format!("object too large ({size} bytes)"))?;
        out.resize(size, 0);
        let read = pack
            .data
            .decompress_entry(entry, &mut self.inflate, &mut out)
            .map_err(|e| format!("corrupt object: {e}"))?;
        Ok((out, entry.header_size() as u64 + read as u64))
    }

    fn get(&mut self, p: usize, offset: u64) -> Option<Object> {
        self.tick += 1;
        let tick = self.tick;
        self.cache.get_mut(&(p, offset)).map(|(object, used)| {
            *used = tick;
            (object.0, Arc::clone(&object.1))
        })
    }

    fn put(&mut self, p: usize, offset: u64, object: Object) {
        if object.1.len() > self.cap / 4 {
            // One huge object would flush everything else.
            return;
        }
        self.tick += 1;
        self.bytes += object.1.len() + 64;
        if let Some(((_, old), _)) = self.cache.insert((p, offset), (object, self.tick)) {
            self.bytes -= old.len() + 64;
        }
        if self.bytes > self.cap {
            // Evict the older half by use: amortised O(1) per insertion.
            let mut ticks: Vec<u64> = self.cache.values().map(|(_, t)| *t).collect();
            let mid = ticks.len() / 2;
            let (_, &mut threshold, _) = ticks.select_nth_unstable(mid);
            let mut freed = 0;
            self.cache.retain(|_, ((_, data), t)| {
                let keep = *t > threshold;
                if !keep {
                    freed += data.len() + 64;
                }
                keep
            });
            self.bytes -= freed;
        }
    }
}

/// Drops a pack mapping's pages from this process's page tables (see [`Packs::release`]).
#[allow(unsafe_code)]
pub(crate) fn release_pages(data: &pack::data::File) {
    let len = data.data_len();
    let Some(all) = data.entry_slice(0..len as u64) else { return };
    // SAFETY: `all` is the whole read-only file mapping gix made of the pack (it starts at the
    // mapping, so it is page-aligned). MADV_DONTNEED on a file mapping that was never written
    // only unmaps its pages: the next read maps the same page-cache page, with the same bytes,
    // so slices other threads hold keep reading what they read before (pack files are
    // immutable; a pack truncated under us is the SIGBUS risk of any mapping, unchanged). The
    // result is ignored: failing to release is harmless.
    unsafe {
        libc::madvise(all.as_ptr().cast_mut().cast(), len, libc::MADV_DONTNEED);
    }
}

/// How many entry headers a pass over a whole pack reads between two releases of its pages.
pub(crate) const RELEASE_EVERY_ENTRIES: usize = 1 << 16;

/// Reads one of git's base-128 sizes of a delta header.
fn delta_size(delta: &[u8], pos: &mut usize) -> Result<usize, &'static str> {
    let mut size = 0usize;
    let mut shift = 0;
    loop {
        let byte = *delta.get(*pos).ok_or("truncated header")?;
        *pos += 1;
        if shift >= usize::BITS {
            return Err("size overflows");
        }
        size |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(size);
        }
    }
}

/// Applies a git delta (copy and insert instructions) to `base`.
pub(crate) fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut pos = 0;
    let base_size = delta_size(delta, &mut pos)?;
    if base_size != base.len() {
        return Err("base size does not match");
    }
    let result_size = delta_size(delta, &mut pos)?;
    let mut out = Vec::new();
    out.try_reserve_exact(result_size).map_err(|_| "result too large")?;
    while pos < delta.len() {
        let cmd = delta[pos];
        pos += 1;
        if cmd & 0x80 != 0 {
            let mut arg = |bit: u8, shift: u32| -> Result<usize, &'static str> {
                if cmd & bit == 0 {
                    return Ok(0);
                }
                let b = *delta.get(pos).ok_or("truncated copy")?;
                pos += 1;
                Ok(usize::from(b) << shift)
            };
            let offset = arg(0x01, 0)? | arg(0x02, 8)? | arg(0x04, 16)? | arg(0x08, 24)?;
            let mut size = arg(0x10, 0)? | arg(0x20, 8)? | arg(0x40, 16)?;
            if size == 0 {
                size = 0x10000;
            }
            let end = offset.checked_add(size).ok_or("copy overflows")?;
            let from = base.get(offset..end).ok_or("copy beyond base")?;
            out.extend_from_slice(from);
        } else if cmd != 0 {
            let end = pos + usize::from(cmd);
            let from = delta.get(pos..end).ok_or("truncated insert")?;
            out.extend_from_slice(from);
            pos = end;
        } else {
            return Err("reserved instruction 0");
        }
        if out.len() > result_size {
            return Err("result larger than declared");
        }
    }
    if out.len() != result_size {
        return Err("result smaller than declared");
    }
    Ok(out)
}

/// Where a walk reads objects: the packs directly when they were opened, gix otherwise (loose
/// objects, and anything the direct path cannot resolve).
pub(crate) struct Source<'r> {
    repo: &'r gix::Repository,
    packs: Option<PackReader>,
    buf: Vec<u8>,
}

impl<'r> Source<'r> {
    /// Reads through `packs` if given, with a cache of `cache_bytes`.
    pub(crate) fn new(repo: &'r gix::Repository, packs: Option<&Arc<Packs>>, cache_bytes: usize) -> Source<'r> {
        Source { repo, packs: packs.map(|p| PackReader::new(Arc::clone(p), cache_bytes)), buf: Vec::new() }
    }

    /// The object, `Ok(None)` if the repository does not have it, or why it cannot be read.
    pub(crate) fn find(&mut self, id: &gix::oid) -> Result<Option<Object>, String> {
        if let Some(reader) = &mut self.packs
            && let Some(Ok(object)) = reader.read(id)
        {
            return Ok(Some(object));
        }
        use gix::objs::Find as _;
        match self.repo.objects.try_find(id, &mut self.buf) {
            Ok(Some(data)) => {
                let kind = data.kind;
                let len = data.data.len();
                Ok(Some((kind, Arc::new(self.buf[..len].to_vec()))))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        // base size 12, result size 11: copy 5 bytes at 0, insert " git!"? -> "hello" + " git!!"
        let mut delta = vec![12, 11];
        delta.extend_from_slice(&[0x80 | 0x10, 5]); // copy offset 0 size 5
        delta.extend_from_slice(&[6]);
        delta.extend_from_slice(b" git!!");
        assert_eq!(apply_delta(base, &delta).unwrap(), b"hello git!!");
    }

    #[test]
    fn bad_deltas_are_errors_not_panics() {
        let base = b"abc";
        assert!(apply_delta(base, &[]).is_err());
        assert!(apply_delta(base, &[3, 1, 0]).is_err());
        assert!(apply_delta(base, &[3, 5, 0x80 | 0x01 | 0x10, 2, 5]).is_err()); // copy past the end
        assert!(apply_delta(base, &[3, 2, 5, b'x']).is_err()); // truncated insert
        assert!(apply_delta(base, &[3, 1, 1, b'x', 1, b'y']).is_err()); // longer than declared
        assert!(apply_delta(base, &[0xff; 12]).is_err());
    }
}
