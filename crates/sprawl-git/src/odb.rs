//! The object database as a list of blobs ([`Repo::blobs`]) and a per-thread reader.

use std::collections::HashSet;
use std::path::Path;

use gix::objs::Find as _;
use gix::odb::pack;
use gix::odb::pack::data::decode::header::ResolvedBase;

use crate::pack::{PackReader, objects_dirs, pack_indices};
use crate::{BlobId, Error, Repo, to_blob, to_gix, to_oid};

/// One blob of the object database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobEntry {
    pub id: BlobId,
    /// The blob's size in bytes, from its object header (for a delta, from the delta's header).
    pub size: u64,
}

/// Every blob in the object database, see [`Repo::blobs`].
#[derive(Clone, Debug, Default)]
pub struct BlobList {
    /// Each id once, in pack order (packs, then pack offset), loose objects last.
    pub blobs: Vec<BlobEntry>,
    /// What could not be listed, each naming the file or object: a pack index that does not
    /// open, an entry whose header or delta chain is corrupt, an unreadable loose object.
    pub problems: Vec<String>,
    /// How many packs were read (of the repository and its alternates).
    pub packs: usize,
    /// How many blobs were loose objects.
    pub loose: usize,
}

/// The object cache of a [`BlobReader`]: objects are kept after use, so reading in pack order
/// resolves each delta from its (cached) base instead of from the start of its chain.
const READER_PACK_CACHE_BYTES: usize = 16 << 20;

impl Repo {
    /// Every blob in the object database: all packs (the repository's and its alternates'),
    /// then all loose objects, reachable or not, each id once.
    ///
    /// Packs are taken in git's order (the repository before its alternates, newer packs first),
    /// and within a pack by offset, so that delta bases come before their deltas: reading the
    /// list in order with one [`BlobReader`] lets its cache resolve each delta cheaply. Sizes come
    /// from the entry headers; nothing is inflated except the first bytes of each blob delta
    /// (where the result size is).
    ///
    /// A pack that cannot be opened, or an entry that cannot be decoded, becomes a line in
    /// [`BlobList::problems`]; everything else is still listed.
    pub fn blobs(&self) -> Result<BlobList, Error> {
        let repo = self.local();
        let mut out = BlobList::default();
        let mut seen: HashSet<[u8; 20]> = HashSet::new();
        let dirs = objects_dirs(&repo, &mut out.problems);
        for dir in &dirs {
            for idx_path in pack_indices(dir, &mut out.problems) {
                // A corrupt pack must not take the whole listing down, even if it trips an
                // assertion deep in a decoder: what was listed before the panic stays listed.
                let listed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    list_pack(&repo, &idx_path, self.threads(), &mut seen, &mut out)
                }));
                match listed {
                    Ok(true) => out.packs += 1,
                    Ok(false) => {}
                    Err(_) => {
                        out.problems.push(format!("{}: pack cannot be read (decoder panicked)", idx_path.display()))
                    }
                }
            }
        }
        for dir in &dirs {
            list_loose(dir, &mut seen, &mut out);
        }
        Ok(out)
    }

    /// A reader for one worker thread, with its own cache of reconstructed objects (16 MiB), so
    /// that reading in [`Repo::blobs`] order resolves each delta from a cached base.
    pub fn reader(&self) -> BlobReader {
        let mut repo = self.local();
        repo.object_cache_size(None);
        BlobReader { repo, packs: PackReader::new(self.packs(), READER_PACK_CACHE_BYTES), buf: Vec::new() }
    }
}

/// Reads blobs for one thread, see [`Repo::reader`].
pub struct BlobReader {
    repo: gix::Repository,
    packs: PackReader,
    buf: Vec<u8>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader").field("git_dir", &self.repo.git_dir()).finish_non_exhaustive()
    }
}

impl BlobReader {
    /// Replaces the contents of `buf` with the blob's bytes.
    ///
    /// A blob that is not there (not fetched into a partial clone, or simply absent) is
    /// [`Error::Missing`]; one that cannot be inflated or whose delta chain is broken is
    /// [`Error::Object`]; an id of a tree, commit or tag is [`Error::WrongKind`]. Each names the
    /// id, and the reader stays usable.
    ///
    /// Content is not re-hashed against the id (that would cost as much as the read itself).
    pub fn read(&mut self, id: BlobId, buf: &mut Vec<u8>) -> Result<(), Error> {
        buf.clear();
        self.read_with(id, |bytes| buf.extend_from_slice(bytes))
    }

    /// Calls `f` with the blob's bytes, without copying them out of the reader's cache.
    /// Errors as for [`BlobReader::read`] (and `f` is not called).
    pub fn read_with<R>(&mut self, id: BlobId, f: impl FnOnce(&[u8]) -> R) -> Result<R, Error> {
        let oid = to_gix(id.0);
        // Packs first, directly (see the `pack` module for why); gix for loose objects and as a
        // second opinion when the direct path fails (a delta base in another pack, say).
        let pack_error = match self.packs.read(&oid) {
            Some(Ok((gix::object::Kind::Blob, data))) => return Ok(f(&data)),
            Some(Ok((kind, _))) => {
                return Err(Error::WrongKind { id: id.into(), expected: "blob", actual: kind.to_string() });
            }
            Some(Err(e)) => Some(e),
            None => None,
        };
        match self.repo.objects.try_find(&oid, &mut self.buf) {
            Ok(Some(data)) if data.kind == gix::object::Kind::Blob => Ok(f(data.data)),
            Ok(Some(data)) => Err(Error::WrongKind { id: id.into(), expected: "blob", actual: data.kind.to_string() }),
            Ok(None) => match pack_error {
                Some(e) => Err(Error::Object { id: id.into(), source: e.into() }),
                None => Err(Error::Missing { id: id.into() }),
            },
            Err(e) => Err(Error::Object { id: id.into(), source: Box::new(e) }),
        }
    }
}

/// What the first pass over a pack's entries learns from their headers alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A whole blob, with its size.
    Blob(u64),
    /// A delta whose chain ends in a blob: its size is in the delta's own header.
    BlobDelta,
    Other,
    /// A ref-delta, or a delta of one: the chain must be followed.
    Unknown,
    /// The entry header is corrupt; a problem was recorded.
    Bad,
}

/// Lists the blobs of one pack; false if it could not be opened.
///
/// First every entry header in offset order (an ofs-delta's base comes before it, so its kind
/// is known by then), then the delta headers that say a blob's size, on `threads` threads
/// (inflating the first bytes of 150 k deltas is most of the work), then the list in order.
fn list_pack(
    repo: &gix::Repository,
    idx_path: &Path,
    threads: usize,
    seen: &mut HashSet<[u8; 20]>,
    out: &mut BlobList,
) -> bool {
    let hash = gix::hash::Kind::Sha1;
    let index = match pack::index::File::at(idx_path, hash) {
        Ok(i) => i,
        Err(e) => {
            out.problems.push(format!("{}: cannot read pack index: {e}", idx_path.display()));
            return false;
        }
    };
    let pack_path = idx_path.with_extension("pack");
    let data = match pack::data::File::at(&pack_path, hash) {
        Ok(d) => d,
        Err(e) => {
            out.problems.push(format!("{}: cannot read pack: {e}", pack_path.display()));
            return false;
        }
    };
    let mut entries: Vec<(u64, gix::ObjectId)> = index.iter().map(|e| (e.pack_offset, e.oid)).collect();
    entries.sort_unstable_by_key(|e| e.0);

    let mut kinds: Vec<Kind> = Vec::with_capacity(entries.len());
    for (n, (offset, oid)) in entries.iter().enumerate() {
        if n % crate::pack::RELEASE_EVERY_ENTRIES == crate::pack::RELEASE_EVERY_ENTRIES - 1 {
            // Every header of the pack is read once: what is behind us is not needed again.
            crate::pack::release_pages(&data);
        }
        let entry = match data.entry(*offset) {
            Ok(e) => e,
            Err(e) => {
                out.problems.push(format!("object {oid} in {}: corrupt entry header: {e}", pack_path.display()));
                kinds.push(Kind::Bad);
                continue;
            }
        };
        use pack::data::entry::Header as H;
        let kind = match entry.header {
            H::Blob => Kind::Blob(entry.decompressed_size),
            H::Tree | H::Commit | H::Tag => Kind::Other,
            H::OfsDelta { base_distance } => {
                let base = entry
                    .checked_base_pack_offset(base_distance)
                    .and_then(|base| entries.binary_search_by_key(&base, |e| e.0).ok())
                    .and_then(|i| kinds.get(i).copied());
                match base {
                    Some(Kind::Blob(_) | Kind::BlobDelta) => Kind::BlobDelta,
                    Some(Kind::Other) => Kind::Other,
                    _ => Kind::Unknown,
                }
            }
            H::RefDelta { .. } => Kind::Unknown,
        };
        kinds.push(kind);
    }

    // Decode the headers that need it, in parallel, resolving ref-deltas within the pack.
    let pending: Vec<usize> =
        (0..entries.len()).filter(|&i| matches!(kinds[i], Kind::BlobDelta | Kind::Unknown)).collect();
    let in_pack = |base: &gix::oid| -> gix::error::Result<Option<ResolvedBase>> {
        match index.lookup(base) {
            Some(i) => Ok(Some(ResolvedBase::InPack(data.entry(index.pack_offset_at_index(i))?))),
            None => Ok(None),
        }
    };
    let decode = |chunk: &[usize]| -> Vec<Result<(gix::object::Kind, u64), String>> {
        let mut inflate = gix::zlib::Inflate::default();
        chunk
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                if n % (crate::pack::RELEASE_EVERY_ENTRIES / 8) == 0 {
                    // Delta chains are followed to their bases all over the pack.
                    crate::pack::release_pages(&data);
                }
                let entry = data.entry(entries[i].0).map_err(|e| e.to_string())?;
                let outcome = data.decode_header(entry, &mut inflate, &in_pack).map_err(|e| e.to_string())?;
                Ok((outcome.kind, outcome.object_size))
            })
            .collect()
    };
    let threads = threads.clamp(1, pending.len().div_ceil(4096).max(1));
    let mut decoded: Vec<Result<(gix::object::Kind, u64), String>> = if threads == 1 {
        decode(&pending)
    } else {
        let per = pending.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = pending.chunks(per).map(|chunk| scope.spawn(|| decode(chunk))).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    };
    // What failed may have a base outside this pack (a thin pack completed with ref-deltas):
    // once more with gix, which sees every pack and loose object.
    let mut inflate = gix::zlib::Inflate::default();
    let anywhere = |base: &gix::oid| -> gix::error::Result<Option<ResolvedBase>> {
        if let Some(found) = in_pack(base)? {
            return Ok(Some(found));
        }
        use gix::odb::Header as _;
        Ok(repo.objects.try_header(base)?.map(|h| ResolvedBase::OutOfPack { kind: h.kind(), num_deltas: None }))
    };
    for (slot, &i) in decoded.iter_mut().zip(&pending) {
        if slot.is_err()
            && let Ok(entry) = data.entry(entries[i].0)
            && let Ok(outcome) = data.decode_header(entry, &mut inflate, &anywhere)
        {
            *slot = Ok((outcome.kind, outcome.object_size));
        }
    }

    let mut decoded = pending.iter().zip(decoded);
    let mut next = decoded.next();
    for (i, (kind, (_, oid))) in kinds.iter().zip(&entries).enumerate() {
        let size = match kind {
            Kind::Blob(size) => Some(*size),
            Kind::BlobDelta | Kind::Unknown => match next.take() {
                Some((&at, result)) if at == i => {
                    next = decoded.next();
                    match result {
                        Ok((gix::object::Kind::Blob, size)) => Some(size),
                        Ok(_) => None,
                        Err(e) => {
                            out.problems
                                .push(format!("object {oid} in {}: cannot decode header: {e}", pack_path.display()));
                            None
                        }
                    }
                }
                other => {
                    next = other;
                    None
                }
            },
            Kind::Other | Kind::Bad => None,
        };
        if let Some(size) = size
            && seen.insert(oid_bytes_of(oid))
        {
            out.blobs.push(BlobEntry { id: to_blob(oid), size });
        }
    }
    true
}

fn oid_bytes_of(id: &gix::ObjectId) -> [u8; 20] {
    crate::oid_bytes(id)
}

fn list_loose(objects_dir: &Path, seen: &mut HashSet<[u8; 20]>, out: &mut BlobList) {
    let store = gix::odb::loose::Store::at(objects_dir, gix::hash::Kind::Sha1);
    let mut ids = Vec::new();
    for id in store.iter() {
        match id {
            Ok(id) => ids.push(id),
            Err(e) => out.problems.push(format!("{}: {e}", objects_dir.display())),
        }
    }
    ids.sort_unstable();
    for id in ids {
        if seen.contains(&crate::oid_bytes(&id)) {
            continue;
        }
        match store.try_header(&id) {
            Ok(Some((size, gix::object::Kind::Blob))) => {
                seen.insert(crate::oid_bytes(&id));
                out.blobs.push(BlobEntry { id: to_blob(&id), size });
                out.loose += 1;
            }
            Ok(_) => {}
            Err(e) => out.problems.push(format!("object {} (loose, in {}): {e}", to_oid(&id), objects_dir.display())),
        }
    }
}

/// `extensions.partialClone`, `remote.<name>.promisor = true`, or a `*.promisor` pack.
pub(crate) fn is_partial_clone(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if config.string("extensions.partialClone").is_some() {
        return true;
    }
    if let Some(remotes) = config.plumbing().sections_by_name("remote") {
        for section in remotes {
            if section
                .value("promisor")
                .is_some_and(|v| gix::config::Boolean::try_from(bstr::BStr::new(&v)).map(|b| b.0).unwrap_or(false))
            {
                return true;
            }
        }
    }
    let pack_dir = repo.objects.store_ref().path().join("pack");
    std::fs::read_dir(pack_dir)
        .is_ok_and(|entries| entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "promisor")))
}
