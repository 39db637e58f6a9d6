//! Tree comparison: a commit's tree against its parents' trees, level by level, entering a
//! subtree only where it differs (like `git diff-tree -r`, and `--cc` for merges).

use std::cmp::Ordering;
use std::collections::HashSet;

use bstr::{BStr, BString, ByteSlice as _};
use gix::ObjectId;
use gix::objs::Find as _;
use gix::objs::tree::EntryMode;

use crate::history::{MissingObject, ObjectKind};
use crate::to_oid;

/// What a comparison reports.
pub(crate) enum Event<'a> {
    /// The new tree has blob `new` at `path`, and no old tree has that blob there. `old` is the
    /// blob the first old tree had at `path`, if it had one.
    Added { path: &'a BStr, new: &'a gix::oid, old: Option<&'a gix::oid> },
    /// The first old tree had blob `old` at some path, and the new tree does not have it there.
    Removed { old: &'a gix::oid },
}

/// Loads and compares trees through one thread-local repository handle, with a pool of
/// buffers (one per tree per level of recursion) reused across comparisons.
pub(crate) struct Trees<'r> {
    repo: &'r gix::Repository,
    pool: Vec<Vec<u8>>,
    /// Trees that could not be read, each reported once.
    pub(crate) missing: Vec<MissingObject>,
    missing_seen: HashSet<ObjectId>,
    /// Trees that were read but did not parse to the end.
    pub(crate) problems: Vec<String>,
}

#[derive(Clone, Copy)]
struct Ent<'a> {
    name: &'a [u8],
    mode: EntryMode,
    id: &'a gix::oid,
}

impl Ent<'_> {
    fn is_tree(&self) -> bool {
        self.mode.is_tree()
    }
    fn is_blob(&self) -> bool {
        self.mode.is_blob_or_symlink()
    }
}

/// Git's tree order: names compare bytewise, a tree's name as if it ended in `/`.
fn cmp_key(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], tree: bool| -> u8 {
        match name.get(common) {
            Some(c) => *c,
            None if tree => b'/',
            None => 0,
        }
    };
    match next(a, a_tree).cmp(&next(b, b_tree)) {
        Ordering::Equal => a.len().cmp(&b.len()),
        other => other,
    }
}

impl<'r> Trees<'r> {
    pub(crate) fn new(repo: &'r gix::Repository) -> Trees<'r> {
        Trees { repo, pool: Vec::new(), missing: Vec::new(), missing_seen: HashSet::new(), problems: Vec::new() }
    }

    /// Compares tree `new` against `olds` (the parents' trees; `None` is an empty tree) and
    /// reports through `sink`:
    ///
    /// * with `introduce`, [`Event::Added`] for each blob in `new` at a path where *no* old tree
    ///   has that blob (so with no olds at all, every blob of `new`);
    /// * with `removed`, [`Event::Removed`] for each blob of `olds[0]` that `new` no longer has
    ///   at the same path.
    ///
    /// A tree that cannot be read counts as empty and is recorded in `missing`.
    pub(crate) fn compare(
        &mut self,
        new: Option<ObjectId>,
        olds: &[Option<ObjectId>],
        introduce: bool,
        removed: bool,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let mut path = BString::default();
        self.level(new, olds, introduce, removed, &mut path, sink);
    }

    fn load(&mut self, id: Option<ObjectId>, path: &BStr) -> Vec<u8> {
        let mut buf = self.pool.pop().unwrap_or_default();
        buf.clear();
        let Some(id) = id else { return buf };
        let outcome = match self.repo.objects.try_find(&id, &mut buf) {
            Ok(Some(data)) if data.kind == gix::object::Kind::Tree => {
                let len = data.data.len();
                buf.truncate(len);
                return buf;
            }
            Ok(Some(data)) => format!("is a {}, not a tree", data.kind),
            Ok(None) => String::new(),
            Err(e) => format!("cannot be read: {e}"),
        };
        buf.clear();
        if self.missing_seen.insert(id) {
            let at = if path.is_empty() { "the root tree".to_string() } else { format!("tree at {path}") };
            let context = if outcome.is_empty() { at } else { format!("{at}: {outcome}") };
            self.missing.push(MissingObject { id: to_oid(&id), kind: ObjectKind::Tree, context });
        }
        buf
    }

    fn parse<'a>(&mut self, id: Option<ObjectId>, data: &'a [u8]) -> Vec<Ent<'a>> {
        let mut out = Vec::new();
        for entry in gix::objs::TreeRefIter::from_bytes(data, gix::hash::Kind::Sha1) {
            match entry {
                Ok(e) => out.push(Ent { name: e.filename.as_bytes(), mode: e.mode, id: e.oid }),
                Err(e) => {
                    if let Some(id) = id {
                        self.problems.push(format!("tree {}: malformed after {} entries: {e}", to_oid(&id), out.len()));
                    }
                    break;
                }
            }
        }
        out
    }

    fn level(
        &mut self,
        new: Option<ObjectId>,
        olds: &[Option<ObjectId>],
        introduce: bool,
        removed: bool,
        path: &mut BString,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let new_buf = self.load(new, path.as_ref());
        let old_bufs: Vec<Vec<u8>> = olds.iter().map(|o| self.load(*o, path.as_ref())).collect();
        let new_entries = self.parse(new, &new_buf);
        let old_entries: Vec<Vec<Ent<'_>>> = old_bufs.iter().zip(olds).map(|(buf, id)| self.parse(*id, buf)).collect();

        let mut ni = 0;
        let mut oi = vec![0usize; olds.len()];
        let mut at: Vec<Option<Ent<'_>>> = vec![None; olds.len()];
        let base_len = path.len();
        loop {
            // The smallest key among the heads of all lists.
            let mut min: Option<(&[u8], bool)> = new_entries.get(ni).map(|e| (e.name, e.is_tree()));
            for (k, list) in old_entries.iter().enumerate() {
                if let Some(e) = list.get(oi[k]) {
                    let smaller = match min {
                        None => true,
                        Some((name, tree)) => cmp_key(e.name, e.is_tree(), name, tree) == Ordering::Less,
                    };
                    if smaller {
                        min = Some((e.name, e.is_tree()));
                    }
                }
            }
            let Some((name, tree)) = min else { break };
            let n = match new_entries.get(ni) {
                Some(e) if cmp_key(e.name, e.is_tree(), name, tree) == Ordering::Equal => {
                    ni += 1;
                    Some(*e)
                }
                _ => None,
            };
            for (k, list) in old_entries.iter().enumerate() {
                at[k] = match list.get(oi[k]) {
                    Some(e) if cmp_key(e.name, e.is_tree(), name, tree) == Ordering::Equal => {
                        oi[k] += 1;
                        Some(*e)
                    }
                    _ => None,
                };
            }
            let first = at.first().copied().flatten();

            path.truncate(base_len);
            path.extend_from_slice(name);
            if let Some(n) = n.filter(Ent::is_blob) {
                let same = |o: &Option<Ent<'_>>| o.is_some_and(|o| o.is_blob() && o.id == n.id);
                if introduce && !at.iter().any(same) {
                    let old = first.filter(Ent::is_blob).map(|o| o.id);
                    sink(Event::Added { path: path.as_ref(), new: n.id, old });
                }
            }
            if let Some(o) = first.filter(|o| removed && o.is_blob())
                && !n.is_some_and(|n| n.is_blob() && n.id == o.id)
            {
                sink(Event::Removed { old: o.id });
            }
            if tree {
                let new_tree = n.filter(Ent::is_tree);
                let old_first = first.filter(Ent::is_tree);
                let introduce_here = introduce
                    && new_tree.is_some_and(|n| !at.iter().any(|o| o.is_some_and(|o| o.is_tree() && o.id == n.id)));
                let removed_here = removed && old_first.is_some_and(|o| new_tree.is_none_or(|n| n.id != o.id));
                if introduce_here || removed_here {
                    let sub_new = new_tree.map(|e| e.id.to_owned());
                    let sub_olds: Vec<Option<ObjectId>> = if introduce_here {
                        at.iter().map(|o| o.filter(Ent::is_tree).map(|o| o.id.to_owned())).collect()
                    } else {
                        vec![old_first.map(|o| o.id.to_owned())]
                    };
                    path.push(b'/');
                    self.level(sub_new, &sub_olds, introduce_here, removed_here, path, sink);
                }
            }
        }
        path.truncate(base_len);
        drop(new_entries);
        drop(old_entries);
        self.pool.push(new_buf);
        self.pool.extend(old_bufs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_order_puts_trees_after_same_named_files_with_a_dot() {
        // git sorts "a.txt" < "a/" (tree "a") < "a0", and file "a" < "a.txt".
        assert_eq!(cmp_key(b"a.txt", false, b"a", true), Ordering::Less);
        assert_eq!(cmp_key(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(cmp_key(b"a", false, b"a.txt", false), Ordering::Less);
        assert_eq!(cmp_key(b"a", false, b"a", true), Ordering::Less);
        assert_eq!(cmp_key(b"a", true, b"a", true), Ordering::Equal);
    }
}
