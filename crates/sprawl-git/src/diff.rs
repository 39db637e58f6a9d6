//! Tree comparison: a commit's tree against its parents' trees, level by level, entering a
//! subtree only where it differs (like `git diff-tree -r`, and `--cc` for merges).
//!
//! NOTE: where the time goes. On git.git (85 k commits) nearly all of it is in reading trees:
//! inflating them from the pack (most are deltas of deltas) and parsing them. So trees are
//! parsed once into a [`Tree`] and kept in a per-thread LRU cache ([`TreeCache`]): the trees of
//! a commit are usually compared again as the trees of its child, which comes next in
//! topological order. And two versions of a directory usually differ in one or two entries out
//! of hundreds (git.git's root has ~500), so a two-way comparison first skips the run of equal
//! entries at the start and at the end, and merge-joins only the middle.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use bstr::{BStr, BString};
use gix::ObjectId;
use gix::objs::tree::EntryMode;

use crate::history::{MissingObject, ObjectKind};
use crate::pack::Source;
use crate::to_oid;

/// The parsed-tree cache for single comparisons (a range, `HEAD`'s tree, a sparse index).
pub(crate) const SMALL_CACHE: usize = 16 << 20;

/// What a comparison reports.
pub(crate) enum Event<'a> {
    /// The new tree has blob `new` at `path`, and no old tree has that blob there. `old` is the
    /// blob the first old tree had at `path`, if it had one.
    Added { path: &'a BStr, new: &'a gix::oid, old: Option<&'a gix::oid> },
    /// The first old tree had blob `old` at some path, and the new tree does not have it there.
    Removed { old: &'a gix::oid },
}

/// A parsed tree object: its bytes and where each entry is in them.
#[derive(Default)]
struct Tree {
    data: Arc<Vec<u8>>,
    entries: Vec<Meta>,
}

/// One entry of a [`Tree`]: `data[start..end]` is the whole entry, `data[name..name_end]` its
/// name and the 20 bytes before `end` its id.
#[derive(Clone, Copy)]
struct Meta {
    start: u32,
    name: u32,
    name_end: u32,
    end: u32,
    mode: EntryMode,
}

#[derive(Clone, Copy)]
struct Ent<'a> {
    name: &'a [u8],
    mode: EntryMode,
    id: &'a gix::oid,
    raw: &'a [u8],
}

impl Ent<'_> {
    fn is_tree(&self) -> bool {
        self.mode.is_tree()
    }
    fn is_blob(&self) -> bool {
        self.mode.is_blob_or_symlink()
    }
}

impl Tree {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn get(&self, i: usize) -> Ent<'_> {
        let m = self.entries[i];
        let (start, name, name_end, end) = (m.start as usize, m.name as usize, m.name_end as usize, m.end as usize);
        Ent {
            name: &self.data[name..name_end],
            mode: m.mode,
            id: gix::oid::from_bytes_unchecked(&self.data[end - 20..end]),
            raw: &self.data[start..end],
        }
    }

    /// Parses `data`; on malformed input keeps the entries before the fault and says why.
    fn parse(data: Arc<Vec<u8>>) -> (Tree, Option<String>) {
        // About 30 bytes an entry in source trees; one allocation for most.
        let mut entries = Vec::with_capacity(data.len() / 28 + 1);
        let mut fault = None;
        let mut pos = 0usize;
        // Trees larger than 4 GiB cannot be indexed with u32 offsets; git's own limit is lower.
        if u32::try_from(data.len()).is_err() {
            return (Tree::default(), Some("larger than 4 GiB".into()));
        }
        let base = data.as_ptr() as usize;
        for entry in gix::objs::TreeRefIter::from_bytes(&data, gix::hash::Kind::Sha1) {
            match entry {
                Ok(entry) => {
                    // The name is a slice of `data`; its offset locates the entry.
                    let name = entry.filename.as_ptr() as usize - base;
                    let name_end = name + entry.filename.len();
                    let end = name_end + 1 + 20;
                    entries.push(Meta {
                        start: pos as u32,
                        name: name as u32,
                        name_end: name_end as u32,
                        end: end as u32,
                        mode: entry.mode,
                    });
                    pos = end;
                }
                Err(_) => {
                    fault = Some(format!("malformed after {} entries", entries.len()));
                    break;
                }
            }
        }
        (Tree { data, entries }, fault)
    }

    /// Parses `data` with the help of `like`, a similar tree already parsed: the entries of the
    /// byte-equal prefix are `like`'s, and once the parse reaches an entry boundary that lies
    /// in the byte-equal suffix at the same distance from the end as one of `like`'s, the rest
    /// are `like`'s too, shifted. Only the middle is parsed.
    ///
    /// Also returns the lengths of the common byte prefix and suffix, for [`common_ends`].
    fn parse_like(data: Arc<Vec<u8>>, like: &Tree) -> (Tree, Option<String>, Option<(usize, usize)>) {
        let (lx, ly) = (data.len(), like.data.len());
        let like_complete = like.entries.last().map_or(ly == 0, |m| m.end as usize == ly);
        if u32::try_from(lx).is_err() || like.entries.is_empty() || !like_complete {
            let (tree, fault) = Tree::parse(data);
            return (tree, fault, None);
        }
        let same = mismatch(&data, &like.data);
        let k = like.entries.partition_point(|m| m.end as usize <= same);
        let mut entries = Vec::with_capacity(like.entries.len() + 4);
        entries.extend_from_slice(&like.entries[..k]);
        let mut pos = entries.last().map_or(0, |m: &Meta| m.end as usize);
        let same_end = mismatch_from_end(&data, &like.data);
        let suffix_from = lx - same_end;
        let base = data.as_ptr() as usize;
        let mut fault = None;
        loop {
            if pos >= suffix_from && pos + ly >= lx {
                let ypos = pos + ly - lx;
                if let Ok(j) = like.entries.binary_search_by_key(&ypos, |m| m.start as usize) {
                    // `lx - ly` may be negative: shift in i64, then back (all fit in u32 as
                    // both trees do).
                    let shift = |v: u32| (i64::from(v) + lx as i64 - ly as i64) as u32;
                    entries.extend(like.entries[j..].iter().map(|m| Meta {
                        start: shift(m.start),
                        name: shift(m.name),
                        name_end: shift(m.name_end),
                        end: shift(m.end),
                        mode: m.mode,
                    }));
                    break;
                }
            }
            if pos >= lx {
                break;
            }
            match gix::objs::TreeRefIter::from_bytes(&data[pos..], gix::hash::Kind::Sha1).next() {
                Some(Ok(entry)) => {
                    let name = entry.filename.as_ptr() as usize - base;
                    let name_end = name + entry.filename.len();
                    let end = name_end + 1 + 20;
                    entries.push(Meta {
                        start: pos as u32,
                        name: name as u32,
                        name_end: name_end as u32,
                        end: end as u32,
                        mode: entry.mode,
                    });
                    pos = end;
                }
                _ => {
                    fault = Some(format!("malformed after {} entries", entries.len()));
                    break;
                }
            }
        }
        (Tree { data, entries }, fault, Some((same, same_end)))
    }

    fn bytes(&self) -> usize {
        self.data.len() + self.entries.len() * std::mem::size_of::<Meta>() + 64
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

/// Identifies a tree's bytes while it is alive (for [`Trees::last_ends`]).
fn data_id(t: &Tree) -> usize {
    Arc::as_ptr(&t.data) as usize
}

/// How many entries `a` and `b` share at their start and (not overlapping) at their end.
///
/// Compares bytes, not entries: equal bytes from the start parse into equal entries, and so do
/// equal bytes up to the end once an entry boundary of `a` and one of `b` are at the same
/// distance from the end.
fn common_ends(a: &Tree, b: &Tree) -> (usize, usize) {
    common_ends_with(a, b, mismatch(&a.data, &b.data), mismatch_from_end(&a.data, &b.data))
}

/// [`common_ends`] given the lengths of the common byte prefix and suffix.
fn common_ends_with(a: &Tree, b: &Tree, same: usize, same_end: usize) -> (usize, usize) {
    let (na, nb) = (a.len(), b.len());
    let prefix = a.entries.partition_point(|m| m.end as usize <= same).min(nb);

    let (la, lb) = (a.data.len(), b.data.len());
    let mut ja = a.entries.partition_point(|m| (m.start as usize) < la - same_end);
    let mut jb = b.entries.partition_point(|m| (m.start as usize) < lb - same_end);
    while ja < na && jb < nb {
        let (da, db) = (la - a.entries[ja].start as usize, lb - b.entries[jb].start as usize);
        match da.cmp(&db) {
            Ordering::Equal => break,
            Ordering::Greater => ja += 1,
            Ordering::Less => jb += 1,
        }
    }
    let suffix = (na - ja).min(nb - jb).min(na - prefix).min(nb - prefix);
    (prefix, suffix)
}

/// How many entries are equal from `a[ai]` and `b[bi]` on (at least one if those are equal).
/// Equal bytes from two entry starts parse into equal entries, so the run ends at the first
/// differing byte.
fn equal_run(a: &Tree, ai: usize, b: &Tree, bi: usize) -> usize {
    let sa = a.entries[ai].start as usize;
    let sb = b.entries[bi].start as usize;
    let same = mismatch(&a.data[sa..], &b.data[sb..]);
    let whole = |t: &Tree, i: usize, s: usize| {
        let rest = &t.entries[i..];
        rest.partition_point(|m| m.end as usize - s <= same)
    };
    whole(a, ai, sa).min(whole(b, bi, sb))
}

/// The length of the common prefix of `a` and `b`.
fn mismatch(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    // 32 bytes at a time while equal (compiled to vector compares), then 8 to locate.
    for (x, y) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
        let x: &[u8; 32] = x.try_into().expect("chunks of 32");
        let y: &[u8; 32] = y.try_into().expect("chunks of 32");
        if x != y {
            break;
        }
        i += 32;
    }
    for (x, y) in a[i..].chunks_exact(8).zip(b[i..].chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().expect("chunks of 8"));
        let y = u64::from_le_bytes(y.try_into().expect("chunks of 8"));
        if x != y {
            // Little-endian: the lowest differing byte is the first one.
            return i + (x ^ y).trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The length of the common suffix of `a` and `b`.
fn mismatch_from_end(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    for (x, y) in a.rchunks_exact(32).zip(b.rchunks_exact(32)) {
        let x: &[u8; 32] = x.try_into().expect("chunks of 32");
        let y: &[u8; 32] = y.try_into().expect("chunks of 32");
        if x != y {
            break;
        }
        i += 32;
    }
    for (x, y) in a[..n - i].rchunks_exact(8).zip(b[..n - i].rchunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().expect("chunks of 8"));
        let y = u64::from_le_bytes(y.try_into().expect("chunks of 8"));
        if x != y {
            // Little-endian: the highest differing byte is the last one.
            return i + (x ^ y).leading_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < n && a[n - 1 - i] == b[n - 1 - i] {
        i += 1;
    }
    i
}

/// The first index from `from` on for which `pred` is false (`pred` must be true, then false).
fn partition_point(t: &Tree, from: usize, pred: impl Fn(&Ent<'_>) -> bool) -> usize {
    let (mut lo, mut hi) = (from, t.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(&t.get(mid)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn cmp_ent(a: &Ent<'_>, b: &Ent<'_>) -> Ordering {
    cmp_key(a.name, a.is_tree(), b.name, b.is_tree())
}

/// Parsed trees by id, least recently used evicted first once over `cap` bytes.
struct TreeCache {
    map: gix::hashtable::HashMap<ObjectId, (Rc<Tree>, u64)>,
    tick: u64,
    bytes: usize,
    cap: usize,
}

impl TreeCache {
    fn get(&mut self, id: &ObjectId) -> Option<Rc<Tree>> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(id).map(|(tree, used)| {
            *used = tick;
            Rc::clone(tree)
        })
    }

    fn insert(&mut self, id: ObjectId, tree: Rc<Tree>) {
        self.tick += 1;
        self.bytes += tree.bytes();
        if let Some((old, _)) = self.map.insert(id, (tree, self.tick)) {
            self.bytes -= old.bytes();
        }
        if self.bytes > self.cap {
            // Evict the older half by use; amortised O(1) per insertion.
            let mut ticks: Vec<u64> = self.map.values().map(|(_, t)| *t).collect();
            let mid = ticks.len() / 2;
            let (_, &mut threshold, _) = ticks.select_nth_unstable(mid);
            let mut freed = 0;
            self.map.retain(|_, (tree, t)| {
                let keep = *t > threshold;
                if !keep {
                    freed += tree.bytes();
                }
                keep
            });
            self.bytes -= freed;
        }
    }
}

/// Loads and compares trees through one thread-local repository handle.
pub(crate) struct Trees<'r> {
    source: Source<'r>,
    cache: TreeCache,
    empty: Rc<Tree>,
    /// The common byte prefix and suffix lengths of the last assisted parse, by the addresses
    /// of the two trees' bytes: the comparison that follows needs them again.
    last_ends: Option<(usize, usize, usize, usize)>,
    /// Trees that could not be read, each reported once.
    pub(crate) missing: Vec<MissingObject>,
    /// Trees that were read but did not parse to the end.
    pub(crate) problems: Vec<String>,
}

impl<'r> Trees<'r> {
    /// A comparer reading from `source`, whose parsed-tree cache holds up to `cache_bytes`.
    pub(crate) fn new(source: Source<'r>, cache_bytes: usize) -> Trees<'r> {
        Trees {
            source,
            cache: TreeCache { map: Default::default(), tick: 0, bytes: 0, cap: cache_bytes },
            empty: Rc::new(Tree::default()),
            last_ends: None,
            missing: Vec::new(),
            problems: Vec::new(),
        }
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
        let mut introduce = introduce;
        let mut removed = removed;
        if olds.contains(&new) {
            // Nothing can differ from every parent when it equals one of them.
            introduce = false;
        }
        if olds.first() == Some(&new) {
            removed = false;
        }
        if !introduce && !removed {
            return;
        }
        let mut path = BString::default();
        self.level(new, olds, introduce, removed, &mut path, sink);
    }

    /// The parsed tree if it is cached (an absent tree is the empty tree).
    fn cached(&mut self, id: Option<ObjectId>) -> Option<Rc<Tree>> {
        match id {
            None => Some(Rc::clone(&self.empty)),
            Some(id) => self.cache.get(&id),
        }
    }

    /// Loads and parses tree `id`, using `like` (a similar tree: the same directory in a parent
    /// or child commit) to parse only where they differ.
    fn load(&mut self, id: Option<ObjectId>, like: Option<&Tree>, path: &BStr) -> Rc<Tree> {
        let Some(id) = id else { return Rc::clone(&self.empty) };
        if let Some(tree) = self.cache.get(&id) {
            return tree;
        }
        let outcome = match self.source.find(&id) {
            Ok(Some((gix::object::Kind::Tree, data))) => {
                let (tree, fault) = match like {
                    Some(like) => {
                        let (tree, fault, ends) = Tree::parse_like(data, like);
                        if let Some((same, same_end)) = ends {
                            self.last_ends = Some((data_id(&tree), data_id(like), same, same_end));
                        }
                        (tree, fault)
                    }
                    None => Tree::parse(data),
                };
                if let Some(fault) = fault {
                    self.problems.push(format!("tree {}: {fault}", to_oid(&id)));
                }
                let tree = Rc::new(tree);
                self.cache.insert(id, Rc::clone(&tree));
                return tree;
            }
            Ok(Some((kind, _))) => format!("is a {kind}, not a tree"),
            Ok(None) => String::new(),
            Err(e) => format!("cannot be read: {e}"),
        };
        let at = if path.is_empty() { "the root tree".to_string() } else { format!("tree at {path}") };
        let context = if outcome.is_empty() { at } else { format!("{at}: {outcome}") };
        self.missing.push(MissingObject { id: to_oid(&id), kind: ObjectKind::Tree, context });
        // Remember it as empty so that it is reported once and not looked up again.
        self.cache.insert(id, Rc::clone(&self.empty));
        Rc::clone(&self.empty)
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
        match olds {
            [] => {
                let new_t = self.load(new, None, path.as_ref());
                self.general(&new_t, &[], introduce, false, path, sink);
            }
            [old] => {
                // Cached trees first, so that the other can be parsed with its help.
                let (new_t, old_t) = match (self.cached(new), self.cached(*old)) {
                    (Some(n), Some(o)) => (n, o),
                    (Some(n), None) => {
                        let o = self.load(*old, Some(&n), path.as_ref());
                        (n, o)
                    }
                    (None, o) => {
                        let n = self.load(new, o.as_deref(), path.as_ref());
                        let o = o.unwrap_or_else(|| self.load(*old, Some(&n), path.as_ref()));
                        (n, o)
                    }
                };
                self.pair(&new_t, &old_t, introduce, removed, path, sink);
            }
            _ => {
                let new_t = match self.cached(new) {
                    Some(t) => t,
                    None => {
                        let like = olds.first().and_then(|o| self.cached(*o));
                        self.load(new, like.as_deref(), path.as_ref())
                    }
                };
                let old_ts: Vec<Rc<Tree>> = olds.iter().map(|o| self.load(*o, Some(&new_t), path.as_ref())).collect();
                if removed {
                    self.general(&new_t, &old_ts, introduce, removed, path, sink);
                } else if introduce {
                    self.merge_level(&new_t, &old_ts, path, sink);
                }
            }
        }
    }

    /// Two-way: skips the equal entries at both ends and equal runs in the middle, which can
    /// produce no event.
    fn pair(
        &mut self,
        new_t: &Tree,
        old_t: &Tree,
        introduce: bool,
        removed: bool,
        path: &mut BString,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let (a, b) = (data_id(new_t), data_id(old_t));
        let (prefix, suffix) = match self.last_ends.take() {
            Some((x, y, same, same_end)) if (x, y) == (a, b) || (x, y) == (b, a) => {
                common_ends_with(new_t, old_t, same, same_end)
            }
            _ => common_ends(new_t, old_t),
        };
        let (mut ni, mut oi) = (prefix, prefix);
        let (n_end, o_end) = (new_t.len() - suffix, old_t.len() - suffix);
        loop {
            let n = (ni < n_end).then(|| new_t.get(ni));
            let o = (oi < o_end).then(|| old_t.get(oi));
            let (key, n, o) = match (n, o) {
                (None, None) => break,
                (Some(a), Some(b)) if a.raw == b.raw => {
                    // A run of equal entries (a directory's unchanged middle): skip it in one go.
                    let run = equal_run(new_t, ni, old_t, oi).min(n_end - ni).min(o_end - oi);
                    ni += run;
                    oi += run;
                    continue;
                }
                (Some(a), Some(b)) => match cmp_ent(&a, &b) {
                    Ordering::Less => (a, Some(a), None),
                    Ordering::Greater => (b, None, Some(b)),
                    Ordering::Equal => (a, Some(a), Some(b)),
                },
                (Some(a), None) => (a, Some(a), None),
                (None, Some(b)) => (b, None, Some(b)),
            };
            ni += usize::from(n.is_some());
            oi += usize::from(o.is_some());
            self.visit(key, n, &[o], introduce, removed, path, sink);
        }
    }

    /// Any number of old trees, a plain merge-join (a root commit, or removals against the
    /// first of several parents).
    fn general(
        &mut self,
        new_t: &Tree,
        old_ts: &[Rc<Tree>],
        introduce: bool,
        removed: bool,
        path: &mut BString,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let mut ni = 0;
        let mut oi: Vec<usize> = vec![0; old_ts.len()];
        let mut at: Vec<Option<Ent<'_>>> = vec![None; old_ts.len()];
        loop {
            // The smallest key among the heads of all lists.
            let mut min: Option<Ent<'_>> = (ni < new_t.len()).then(|| new_t.get(ni));
            for (k, t) in old_ts.iter().enumerate() {
                if oi[k] < t.len() {
                    let e = t.get(oi[k]);
                    if min.is_none_or(|m| cmp_ent(&e, &m).is_lt()) {
                        min = Some(e);
                    }
                }
            }
            let Some(min) = min else { break };
            let n = (ni < new_t.len()).then(|| new_t.get(ni)).filter(|e| cmp_ent(e, &min).is_eq());
            ni += usize::from(n.is_some());
            for (k, t) in old_ts.iter().enumerate() {
                at[k] = (oi[k] < t.len()).then(|| t.get(oi[k])).filter(|e| cmp_ent(e, &min).is_eq());
                oi[k] += usize::from(at[k].is_some());
            }
            self.visit(min, n, &at, introduce, removed, path, sink);
        }
    }

    /// A merge, introductions only: the entries of `new` that differ from the entry with the
    /// same key in every parent. Runs of entries equal to one parent's are skipped in one go,
    /// and each parent's cursor jumps (by binary search) to the next key of `new`.
    fn merge_level(&mut self, new_t: &Tree, old_ts: &[Rc<Tree>], path: &mut BString, sink: &mut dyn FnMut(Event<'_>)) {
        // Only entries between the common prefix and suffix with each parent can differ from all.
        let mut ni = 0;
        let mut n_end = new_t.len();
        for old_t in old_ts {
            let (prefix, suffix) = common_ends(new_t, old_t);
            ni = ni.max(prefix);
            n_end = n_end.min(new_t.len() - suffix);
        }
        let mut oi: Vec<usize> = vec![0; old_ts.len()];
        let mut at: Vec<Option<Ent<'_>>> = vec![None; old_ts.len()];
        while ni < n_end {
            let e = new_t.get(ni);
            let mut skip = 0;
            for (k, t) in old_ts.iter().enumerate() {
                if oi[k] < t.len() && cmp_ent(&t.get(oi[k]), &e).is_lt() {
                    oi[k] = partition_point(t, oi[k], |x| cmp_ent(x, &e).is_lt());
                }
                at[k] = (oi[k] < t.len()).then(|| t.get(oi[k])).filter(|o| cmp_ent(o, &e).is_eq());
                if at[k].is_some_and(|o| o.raw == e.raw) {
                    skip = equal_run(new_t, ni, t, oi[k]).min(n_end - ni).min(t.len() - oi[k]);
                    oi[k] += skip;
                    break;
                }
            }
            if skip > 0 {
                ni += skip;
                continue;
            }
            ni += 1;
            self.visit(e, Some(e), &at, true, false, path, sink);
        }
    }

    /// Reports and descends for one key: `n` is the new tree's entry with that key, `at[k]` the
    /// `k`th old tree's.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        key: Ent<'_>,
        n: Option<Ent<'_>>,
        at: &[Option<Ent<'_>>],
        introduce: bool,
        removed: bool,
        path: &mut BString,
        sink: &mut dyn FnMut(Event<'_>),
    ) {
        let base_len = path.len();
        path.extend_from_slice(key.name);
        let first = at.first().copied().flatten();
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
        if key.is_tree() {
            let new_tree = n.filter(Ent::is_tree);
            let old_first = first.filter(Ent::is_tree);
            let introduce_here = introduce
                && new_tree.is_some_and(|n| !at.iter().any(|o| o.is_some_and(|o| o.is_tree() && o.id == n.id)));
            let removed_here = removed && old_first.is_some_and(|o| new_tree.is_none_or(|n| n.id != o.id));
            if introduce_here || removed_here {
                let sub_new = new_tree.map(|e| e.id.to_owned());
                let sub_tree = |o: &Option<Ent<'_>>| o.filter(Ent::is_tree).map(|o| o.id.to_owned());
                path.push(b'/');
                if introduce_here && at.len() > 1 {
                    let sub_olds: Vec<Option<ObjectId>> = at.iter().map(sub_tree).collect();
                    self.level(sub_new, &sub_olds, introduce_here, removed_here, path, sink);
                } else {
                    // With one parent, or removals only: the first old tree is all that counts.
                    let sub_olds = [old_first.map(|o| o.id.to_owned())];
                    let olds = if at.is_empty() { &sub_olds[..0] } else { &sub_olds[..] };
                    self.level(sub_new, olds, introduce_here, removed_here, path, sink);
                }
            }
        }
        path.truncate(base_len);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn mismatch_finds_the_first_difference() {
        let a: Vec<u8> = (0..100).collect();
        let mut b = a.clone();
        assert_eq!(mismatch(&a, &b), 100);
        b[37] = 0;
        assert_eq!(mismatch(&a, &b), 37);
        assert_eq!(mismatch(&a[..10], &b), 10);
        assert_eq!(mismatch(&[], &b), 0);
        assert_eq!(mismatch_from_end(&a, &b), 62);
        assert_eq!(mismatch_from_end(&a[50..], &a), 50);
        // Every position, across 32-byte chunks, 8-byte words and the byte tail.
        let long: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
        for at in 0..long.len() {
            let mut c = long.clone();
            c[at] ^= 0x55;
            assert_eq!(mismatch(&long, &c), at);
            assert_eq!(mismatch_from_end(&long, &c), long.len() - 1 - at);
            assert_eq!(mismatch(&long[..at], &c), at);
            assert_eq!(mismatch_from_end(&long[at + 1..], &c), long.len() - 1 - at);
        }
    }

    fn tree(entries: &[(&str, &str, u8)]) -> Tree {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            data.extend_from_slice(&[*id; 20]);
        }
        Tree::parse(Arc::new(data)).0
    }

    fn same_entries(a: &Tree, b: &Tree) -> bool {
        a.len() == b.len()
            && (0..a.len()).all(|i| {
                let (x, y) = (a.get(i), b.get(i));
                x.raw == y.raw && x.name == y.name && x.id == y.id && x.mode == y.mode
            })
    }

    #[test]
    fn parse_like_equals_a_plain_parse() {
        let variants: Vec<Vec<(&str, &str, u8)>> = vec![
            vec![],
            vec![("100644", "a", 1)],
            vec![("100644", "a", 1), ("100644", "b", 2), ("40000", "d", 3), ("100644", "z", 4)],
            vec![("100644", "a", 1), ("100644", "b", 9), ("40000", "d", 3), ("100644", "z", 4)],
            vec![("100644", "a", 1), ("100644", "bb", 2), ("100644", "c", 7), ("40000", "d", 3), ("100644", "z", 4)],
            vec![("100644", "b", 2), ("40000", "d", 3), ("100644", "z", 4)],
            vec![("100644", "a", 1), ("100644", "b", 2), ("40000", "d", 3)],
            vec![("100644", "xz", 4)],
            vec![("100644", "z", 4)],
            vec![("100755", "a", 1), ("100644", "b", 2), ("40000", "d", 3), ("100644", "z", 4)],
        ];
        for x in &variants {
            for y in &variants {
                let (tx, ty) = (tree(x), tree(y));
                let (assisted, fault, ends) = Tree::parse_like(Arc::clone(&tx.data), &ty);
                assert!(fault.is_none());
                assert!(same_entries(&assisted, &tx), "{x:?} parsed like {y:?}");
                if let Some((same, same_end)) = ends {
                    assert_eq!(common_ends_with(&tx, &ty, same, same_end), common_ends(&tx, &ty));
                }
            }
        }
    }

    #[test]
    fn common_ends_counts_whole_equal_entries() {
        let a = tree(&[("100644", "a", 1), ("100644", "b", 2), ("40000", "d", 3), ("100644", "z", 4)]);
        let b = tree(&[("100644", "a", 1), ("100644", "b", 9), ("40000", "d", 3), ("100644", "z", 4)]);
        assert_eq!(common_ends(&a, &b), (1, 2));
        assert_eq!(common_ends(&a, &a), (4, 0));
        let c =
            tree(&[("100644", "a", 1), ("100644", "bb", 2), ("100644", "c", 7), ("40000", "d", 3), ("100644", "z", 4)]);
        assert_eq!(common_ends(&a, &c), (1, 2));
        // A name ending like another entry's tail must not shift the suffix.
        let d = tree(&[("100644", "xz", 4)]);
        let e = tree(&[("100644", "z", 4)]);
        assert_eq!(common_ends(&d, &e), (0, 0));
        assert_eq!(common_ends(&tree(&[]), &a), (0, 0));
    }

    #[test]
    fn malformed_tree_keeps_the_entries_before_the_fault() {
        let mut data = b"100644 a\0".to_vec();
        data.extend_from_slice(&[7u8; 20]);
        data.extend_from_slice(b"100644 b-without-nul");
        let (tree, fault) = Tree::parse(Arc::new(data));
        assert_eq!(tree.len(), 1);
        assert_eq!(tree.get(0).name, b"a");
        assert_eq!(tree.get(0).id.as_bytes(), &[7u8; 20]);
        assert!(fault.is_some());
    }
}
