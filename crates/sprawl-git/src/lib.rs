//! Git for sprawl: every blob in a repository once, where each came from, commit ranges and
//! staged changes. This is the only crate that links [gix]; nothing of gix shows in its API.
//!
//! # What a history scan needs
//!
//! A secret scanner reads *content* once and *names* it as often as it is useful. So the work is
//! split in two independent halves that the engine runs side by side:
//!
//! * **Content** — [`Repo::blobs`] lists every blob in the object database: every pack (of the
//!   repository and of its alternates) and every loose object, reachable or not, each id once, in
//!   pack order with its size taken from the object header (only the first bytes of a delta are
//!   inflated, where its result size is). A [`BlobReader`] per worker thread then reads them in
//!   that order, in which delta bases come before their deltas, so the reader's cache hits.
//! * **Names** — [`Repo::provenance`] walks the commit graph once and says, for each blob, which
//!   commits *introduced* it and at which path ([`Introduction`]), whether it is in `HEAD`'s tree,
//!   and on which commit of the default branch it left that tree ([`Provenance::removed_in`]).
//!
//! A blob in [`BlobList`] without an introduction is unreachable from the selected refs (dangling
//! after a reset, say): still worth scanning, since it is still in the repository.
//!
//! Smaller jobs: [`Repo::range`] (a CI run over `BASE..HEAD`, what each commit introduced and
//! what it replaced), [`Repo::staged`] (a pre-commit hook: what the index stages relative to
//! `HEAD`, within a few milliseconds), and [`blob_id_for`] (git's id of a worktree file, to match
//! it against history).
//!
//! ```no_run
//! use sprawl_git::{Repo, RefSelection};
//!
//! let repo = Repo::open(std::path::Path::new("."))?;
//! let list = repo.blobs()?;
//! let history = repo.provenance(&RefSelection::All)?;
//! let mut reader = repo.reader();
//! let mut buf = Vec::new();
//! for blob in &list.blobs {
//!     reader.read(blob.id, &mut buf)?;
//!     let first = history.introduced.get(&blob.id).and_then(|v| v.first());
//!     if let Some(intro) = first {
//!         let commit = &history.commits[intro.commit as usize];
//!         println!("{} {} {} {}", blob.id, commit.id, intro.path, buf.len());
//!     }
//! }
//! # Ok::<(), sprawl_git::Error>(())
//! ```
//!
//! # Design notes
//!
//! * **Isolation.** Repositories are opened with `gix::open::Options::isolated()`: no global or
//!   system configuration and no environment variables can change what is scanned. Only the
//!   repository's own files count.
//! * **Introduced, not first-seen.** A blob `B` at path `P` is introduced by commit `C` if `C`'s
//!   tree has `B` at `P` and no parent's tree does. So a clean merge introduces nothing, an "evil
//!   merge" introduces exactly its own edits, a rename introduces the blob at its new path and a
//!   root commit introduces its whole tree. The first introduction (in topological order) is
//!   where a finding is reported; the others say where else the same secret was committed.
//! * **Tree diffs, not tree walks.** For each commit the trees of the commit and of its parents
//!   are compared level by level and a subtree is entered only where its id differs from *every*
//!   parent's (what `git diff-tree -r` and `-c` do), so unchanged directories cost nothing.
//!   Full trees are walked only for root commits and for `HEAD`. Within a directory, equal runs
//!   of entries are skipped by comparing bytes, and a tree is parsed with the help of the similar
//!   tree it is compared with (see the `diff` module). The diffs of different commits are
//!   independent, so they run on all cores ([`Repo::set_threads`]), in blocks of neighbouring
//!   commits, newest first, each thread with its own caches ([`Repo::set_cache_budget`]).
//! * **Packs read directly.** Trees, commits and blobs are read from the pack files by this
//!   crate (gix opens them and inflates; the `pack` module resolves delta chains and caches
//!   every link of a chain, where gix keeps only the objects asked for). On git.git that is the
//!   difference between 18 s and 2 s for the tree diffs, and it halves the time to read every
//!   blob. Loose objects, and anything the direct path cannot resolve, go through gix.
//! * **Checked against git.** On git.git (85 k commits), the introductions equal what
//!   `git log --all --raw -c --root --no-renames` reports (173,970 of them), `removed_in` equals
//!   what `git log --first-parent -m --raw HEAD` implies, and the blob list equals
//!   `git cat-file --batch-all-objects --batch-check`, in `git verify-pack` offset order; the
//!   `bench` example's `--dump` writes what to compare.
//! * **Never fatal.** A corrupt pack index, a missing tree in a partial clone, an unparsable
//!   commit: each becomes a line in `problems` or `missing`, and the rest goes on. Errors are
//!   returned only for what makes the whole request meaningless (not a repository, no such
//!   ref). Nothing here panics on bad input.
//! * **Ids.** Blobs are [`sprawl_core::BlobId`]; commits and other objects are [`Oid`] (the
//!   same 20 bytes). Only SHA-1 repositories are supported (that is all gix is built with here).

mod diff;
mod history;
mod odb;
mod pack;
mod range;
mod staged;

use std::fmt;
use std::path::{Path, PathBuf};

pub use bstr::{BStr, BString};
pub use sprawl_core::BlobId;

pub use history::{CommitInfo, Introduction, MissingObject, ObjectKind, Provenance, RefBlob, RefSelection, Timings};
pub use odb::{BlobEntry, BlobList, BlobReader};
pub use range::{RangeChange, RangeChanges};
pub use staged::StagedChange;

/// The id of a git object that is not necessarily a blob (a commit, a tree, a tag).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(pub [u8; 20]);

/// The id of a commit.
pub type CommitId = Oid;

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

impl From<BlobId> for Oid {
    fn from(id: BlobId) -> Oid {
        Oid(id.0)
    }
}

impl From<Oid> for BlobId {
    fn from(id: Oid) -> BlobId {
        BlobId(id.0)
    }
}

/// Everything that can go wrong. Each variant names the path, ref or object it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `path` is neither a repository nor inside one's work tree. The caller may scan it as
    /// plain files instead.
    #[error("{}: not a git repository (nor inside one)", path.display())]
    NotARepository { path: PathBuf },
    /// A repository was found but could not be opened.
    #[error("{}: cannot open git repository: {source}", path.display())]
    Open { path: PathBuf, source: BoxError },
    /// The repository uses an object format other than SHA-1.
    #[error("{}: unsupported object format {format} (only SHA-1 repositories are supported)", path.display())]
    UnsupportedObjectFormat { path: PathBuf, format: String },
    /// A ref or revision that does not resolve (to a commit).
    #[error("no such ref or revision: {name}")]
    NoSuchRef { name: String },
    /// A ref exists but could not be read or peeled.
    #[error("ref {name}: {source}")]
    Ref { name: String, source: BoxError },
    /// The object is not in the object database (in a partial clone: not fetched).
    #[error("object {id} is missing from the object database")]
    Missing { id: Oid },
    /// The object exists but is not of the kind the caller asked for.
    #[error("object {id} is a {actual}, not a {expected}")]
    WrongKind { id: Oid, expected: &'static str, actual: String },
    /// The object could not be read: a corrupt loose object, pack entry or delta chain.
    #[error("object {id} cannot be read: {source}")]
    Object { id: Oid, source: BoxError },
    /// A file of the repository (the index, a pack) could not be read.
    #[error("{}: {source}", path.display())]
    File { path: PathBuf, source: BoxError },
}

/// gix's delta-base cache of each tree-comparing thread, for the few objects that are not read
/// from the packs directly.
const TREE_PACK_CACHE_BYTES: usize = 8 << 20;

/// See [`Repo::set_cache_budget`].
const DEFAULT_CACHE_BUDGET: usize = 16 << 20;

/// The boxed source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A git repository, opened once and shared by all threads.
#[derive(Debug)]
pub struct Repo {
    repo: gix::ThreadSafeRepository,
    git_dir: PathBuf,
    work_dir: Option<PathBuf>,
    shallow: bool,
    partial: bool,
    threads: usize,
    cache_budget: usize,
    /// The packs, opened (memory-mapped) on first use and shared by every reader.
    packs: std::sync::OnceLock<std::sync::Arc<pack::Packs>>,
}

impl Repo {
    /// Opens the repository at `path`: a `.git` directory, a bare repository, a work tree or any
    /// directory inside a work tree (discovery goes upward from `path`). A directory that is in
    /// no repository is [`Error::NotARepository`]; a path that cannot be read is
    /// [`Error::Open`].
    ///
    /// Only the repository's own configuration is read (`Options::isolated()`); the user's and
    /// the system's configuration and the environment cannot change what is scanned.
    pub fn open(path: &Path) -> Result<Repo, Error> {
        let opts = gix::open::Options::isolated();
        let mapping = gix::sec::trust::Mapping { full: opts.clone(), reduced: opts };
        let repo = gix::ThreadSafeRepository::discover_opts(path, Default::default(), mapping)
            .map_err(|e| open_error(path, e))?;
        let local = repo.to_thread_local();
        if local.object_hash() != gix::hash::Kind::Sha1 {
            return Err(Error::UnsupportedObjectFormat {
                path: path.to_path_buf(),
                format: local.object_hash().to_string(),
            });
        }
        let git_dir = local.git_dir().to_path_buf();
        let work_dir = local.workdir().map(Path::to_path_buf);
        let shallow = local.is_shallow().unwrap_or(false);
        let partial = odb::is_partial_clone(&local);
        let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
        Ok(Repo {
            repo,
            git_dir,
            work_dir,
            shallow,
            partial,
            threads,
            cache_budget: DEFAULT_CACHE_BUDGET,
            packs: Default::default(),
        })
    }

    /// The git directory (`.git`, or the bare repository itself).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The work tree, or `None` for a bare repository.
    pub fn work_dir(&self) -> Option<&Path> {
        self.work_dir.as_deref()
    }

    /// Whether this is a shallow clone: history stops at the commits listed in `.git/shallow`,
    /// and blobs of older commits are simply not there.
    pub fn is_shallow(&self) -> bool {
        self.shallow
    }

    /// Whether this is a partial clone (`extensions.partialClone`, a `remote.*.promisor`, or a
    /// `*.promisor` pack): trees may name blobs that were never fetched. They are listed in
    /// [`Provenance::missing`], and [`BlobReader::read`] returns [`Error::Missing`] for them.
    pub fn is_partial_clone(&self) -> bool {
        self.partial
    }

    /// Sets how many threads [`Repo::provenance`] and [`Repo::blobs`] use (default: the number
    /// of cores, at most 8). The engine lowers it when it reads blobs at the same time.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// Gives back memory that a finished pass no longer needs: the pack pages mapped so far
    /// (they stay in the page cache; a later read maps them again) and the allocator's free
    /// pages. Call it after dropping a pass's [`BlobReader`]s, before the next phase allocates.
    pub fn release_memory(&self) {
        if let Some(packs) = self.packs.get() {
            packs.release();
        }
    }

    /// Sets the memory [`Repo::provenance`] may use for caches, shared by its threads
    /// (default 16 MiB). Less memory means re-reading trees more often, not failing.
    pub fn set_cache_budget(&mut self, bytes: usize) {
        self.cache_budget = bytes;
    }

    /// The cache sizes of one of `threads` tree-comparing threads: reconstructed objects, then
    /// parsed trees.
    pub(crate) fn thread_caches(&self, threads: usize) -> (usize, usize) {
        let per_thread = self.cache_budget / threads.max(1);
        (per_thread / 5 * 3, per_thread / 5 * 2)
    }

    /// A thread-local handle for tree comparisons: no object cache (parsed trees are cached by
    /// the comparer itself) and a delta-base cache that holds many small trees.
    pub(crate) fn local_for_trees(&self) -> gix::Repository {
        let mut repo = self.local();
        repo.object_cache_size(None);
        repo.objects
            .set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(TREE_PACK_CACHE_BYTES)));
        repo
    }

    /// The packs as they were when first needed: packs written later (a concurrent `git gc`)
    /// are not seen by this `Repo`, objects in them are read through gix.
    pub(crate) fn packs(&self) -> std::sync::Arc<pack::Packs> {
        std::sync::Arc::clone(self.packs.get_or_init(|| std::sync::Arc::new(pack::Packs::open(&self.local()))))
    }

    /// A handle on an object database of its own, not shared with [`Repo::local`]'s: the
    /// files gix maps to answer it (pack indices, packs) are unmapped when it is dropped. A
    /// history walk peels thousands of refs and asks whether every blob exists through gix;
    /// with the shared handle, those pages would stay resident for the rest of the scan.
    pub(crate) fn private(&self) -> gix::Repository {
        let opts = gix::open::Options::isolated();
        match gix::ThreadSafeRepository::open_opts(&self.git_dir, opts) {
            Ok(repo) => {
                let mut repo = repo.to_thread_local();
                repo.objects.refresh_never();
                repo
            }
            Err(_) => self.local(),
        }
    }

    /// A thread-local gix handle with the object database's index files loaded and no refresh of
    /// them on a miss (a partial clone misses often, and rescanning the pack directory each time
    /// would be slow).
    pub(crate) fn local(&self) -> gix::Repository {
        let mut repo = self.repo.to_thread_local();
        repo.objects.refresh_never();
        repo
    }
}

fn open_error(path: &Path, e: gix::Error) -> Error {
    use gix::discover::upwards::Error as Up;
    if let Some(up) = e.downcast_any_ref::<Up>()
        && matches!(
            up,
            Up::NoGitRepository { .. } | Up::NoGitRepositoryWithinCeiling { .. } | Up::NoGitRepositoryWithinFs { .. }
        )
    {
        return Error::NotARepository { path: path.to_path_buf() };
    }
    Error::Open { path: path.to_path_buf(), source: Box::new(e) }
}

/// Git's blob id of `bytes`: the SHA-1 of `"blob <len>\0"` followed by the bytes, what
/// `git hash-object` prints. Use it to find a work-tree file's content in history.
///
/// Like git, SHA-1 collision attacks are detected (sha1dc); for such input the plain SHA-1 is
/// returned all the same, since it is only used to look the content up.
pub fn blob_id_for(bytes: &[u8]) -> BlobId {
    let mut hasher = sha1dc::Hasher::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    match hasher.finalize() {
        Ok(digest) => BlobId(digest.into()),
        Err(collision) => BlobId(collision.digest().into()),
    }
}

/// Converts a gix object id to the 20 bytes we hand out.
pub(crate) fn oid_bytes(id: &gix::oid) -> [u8; 20] {
    id.as_bytes().try_into().expect("only SHA-1 repositories are opened (checked in Repo::open)")
}

pub(crate) fn to_blob(id: &gix::oid) -> BlobId {
    BlobId(oid_bytes(id))
}

pub(crate) fn to_oid(id: &gix::oid) -> Oid {
    Oid(oid_bytes(id))
}

pub(crate) fn to_gix(bytes: [u8; 20]) -> gix::ObjectId {
    gix::ObjectId::from_bytes_or_panic(&bytes)
}
