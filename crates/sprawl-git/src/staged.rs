//! What the index stages relative to `HEAD`, for pre-commit hooks.

use std::collections::HashMap;

use bstr::{BString, ByteSlice as _};
use gix::ObjectId;
use gix::index::entry::{Flags, Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::objs::Find as _;

use crate::diff::{Event, Trees};
use crate::{BlobId, Error, Repo, to_blob};

/// A path whose staged content differs from `HEAD`'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedChange {
    pub path: BString,
    /// The staged blob.
    pub new: BlobId,
    /// The blob at `path` in `HEAD`, or `None` for a new file.
    pub old: Option<BlobId>,
}

impl Repo {
    /// Added and modified paths of the index relative to `HEAD`'s tree, sorted by path.
    /// Deletions are not listed (there is nothing to scan). Without commits, everything staged
    /// is new; without an index (a bare repository, nothing added yet) nothing is staged.
    ///
    /// Built for a pre-commit hook's budget: it reads the index (without verifying its
    /// checksum) and only those trees of `HEAD` along directories whose cached tree id (the
    /// index's `TREE` extension, which `git add` invalidates along the paths it changes)
    /// differs from `HEAD`'s. Intent-to-add entries, submodules and conflicted entries are
    /// skipped.
    pub fn staged(&self) -> Result<Vec<StagedChange>, Error> {
        self.staged_from(None)
    }

    /// [`Repo::staged`] with the index read from `index` instead of the repository's own: git
    /// runs a pre-commit hook with `GIT_INDEX_FILE` naming a temporary index for `git commit
    /// -a` (`index.lock`) and `git commit <paths>` (`next-index-*.lock`), and only that index
    /// holds what is being committed.
    pub fn staged_from(&self, index: Option<&std::path::Path>) -> Result<Vec<StagedChange>, Error> {
        let repo = self.local();
        let path = index.map_or_else(|| repo.index_path(), std::path::Path::to_path_buf);
        if !path.is_file() {
            return Ok(Vec::new());
        }
        let options = gix::index::decode::Options { thread_limit: Some(1), ..Default::default() };
        let index = gix::index::File::at(&path, gix::hash::Kind::Sha1, true, options)
            .map_err(|e| Error::File { path: path.clone(), source: Box::new(e) })?;
        let head_tree = match repo.head_id() {
            Ok(id) => {
                let commit = crate::history::peel_to_commit(&repo, id.detach())
                    .ok_or_else(|| Error::NoSuchRef { name: "HEAD".into() })?;
                let mut source = crate::pack::Source::new(&repo, None, 0);
                let raw = crate::history::read_commit(&mut source, commit, &mut Vec::new())
                    .map_err(|e| Error::Object { id: crate::to_oid(&commit), source: e.into() })?
                    .ok_or(Error::Missing { id: crate::to_oid(&commit) })?;
                raw.tree
            }
            Err(_) => None,
        };
        let mut walk = Walk { repo: &repo, state: &index, buf: Vec::new(), out: Vec::new() };
        walk.dir(0, index.entries(), head_tree, index.tree(), &mut BString::default())?;
        let mut out = walk.out;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

struct Walk<'a> {
    repo: &'a gix::Repository,
    state: &'a gix::index::State,
    buf: Vec<u8>,
    out: Vec<StagedChange>,
}

/// An entry of a `HEAD` tree: mode and id.
type HeadEntry = (gix::objs::tree::EntryMode, ObjectId);

impl Walk<'_> {
    /// `entries` are the index entries under directory `prefix` (`prefix` is empty or ends in
    /// `/`, and `depth` is its length); `head` is `HEAD`'s tree for that directory.
    fn dir(
        &mut self,
        depth: usize,
        entries: &[gix::index::Entry],
        head: Option<ObjectId>,
        cache: Option<&CacheTree>,
        prefix: &mut BString,
    ) -> Result<(), Error> {
        if let (Some(c), Some(h)) = (cache, head)
            && c.num_entries.is_some_and(|n| n as usize == entries.len())
            && c.id == h
        {
            return Ok(());
        }
        let head_entries = self.head_entries(head)?;
        let mut i = 0;
        while i < entries.len() {
            let entry = &entries[i];
            let path = entry.path(self.state);
            let rel = &path[depth.min(path.len())..];
            if let Some(slash) = rel.find_byte(b'/') {
                let name = &rel[..slash];
                let sub_depth = depth + slash + 1;
                let dir_prefix = &path[..sub_depth];
                let mut j = i + 1;
                while j < entries.len() && entries[j].path(self.state).starts_with(dir_prefix) {
                    j += 1;
                }
                let sub_head = head_entries.get(name).filter(|(m, _)| m.is_tree()).map(|(_, id)| *id);
                let sub_cache = cache.and_then(|c| c.children.iter().find(|t| t.name.as_slice() == name));
                let saved = prefix.len();
                prefix.extend_from_slice(dir_prefix[depth..].as_ref());
                self.dir(sub_depth, &entries[i..j], sub_head, sub_cache, prefix)?;
                prefix.truncate(saved);
                i = j;
                continue;
            }
            i += 1;
            if entry.stage() != Stage::Unconflicted || entry.flags.contains(Flags::INTENT_TO_ADD) {
                continue;
            }
            let in_head = head_entries.get(rel);
            if entry.mode == Mode::DIR {
                // A sparse index's directory entry: compare the trees.
                let old = in_head.filter(|(m, _)| m.is_tree()).map(|(_, id)| *id);
                if old != Some(entry.id) {
                    self.sparse_dir(path.as_ref(), entry.id, old);
                }
                continue;
            }
            if entry.mode == Mode::COMMIT {
                continue;
            }
            let old = in_head.filter(|(m, _)| m.is_blob_or_symlink()).map(|(_, id)| *id);
            if old != Some(entry.id) {
                self.out.push(StagedChange {
                    path: path.to_owned(),
                    new: to_blob(&entry.id),
                    old: old.map(|o| to_blob(&o)),
                });
            }
        }
        Ok(())
    }

    fn head_entries(&mut self, head: Option<ObjectId>) -> Result<HashMap<BString, HeadEntry>, Error> {
        let mut map = HashMap::new();
        let Some(id) = head else { return Ok(map) };
        let data = match self.repo.objects.try_find(&id, &mut self.buf) {
            Ok(Some(d)) if d.kind == gix::object::Kind::Tree => d,
            Ok(Some(d)) => {
                return Err(Error::WrongKind { id: crate::to_oid(&id), expected: "tree", actual: d.kind.to_string() });
            }
            Ok(None) => return Err(Error::Missing { id: crate::to_oid(&id) }),
            Err(e) => return Err(Error::Object { id: crate::to_oid(&id), source: Box::new(e) }),
        };
        for entry in gix::objs::TreeRefIter::from_bytes(data.data, gix::hash::Kind::Sha1) {
            let entry = entry.map_err(|e| Error::Object { id: crate::to_oid(&id), source: Box::new(e) })?;
            map.insert(entry.filename.to_owned(), (entry.mode, entry.oid.to_owned()));
        }
        Ok(map)
    }

    fn sparse_dir(&mut self, path: &bstr::BStr, new: ObjectId, old: Option<ObjectId>) {
        let mut t = Trees::new(crate::pack::Source::new(self.repo, None, 0), crate::diff::SMALL_CACHE);
        let out = &mut self.out;
        t.compare(Some(new), &[old], true, false, &mut |e| {
            if let Event::Added { path: rel, new, old } = e {
                let mut full = BString::from(path.to_vec());
                full.push(b'/');
                full.extend_from_slice(rel);
                out.push(StagedChange { path: full, new: to_blob(new), old: old.map(to_blob) });
            }
        });
    }
}
