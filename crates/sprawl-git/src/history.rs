//! History provenance: one walk of the commit graph, one tree comparison per commit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bstr::{BStr, BString, ByteSlice as _};
use gix::ObjectId;
use gix::objs::commit::ref_iter::Token;

use crate::diff::{Event, SMALL_CACHE, Trees};
use crate::pack::{Packs, Source};
use crate::{BlobId, CommitId, Error, Oid, Repo, to_blob, to_oid};

/// Which refs a history walk starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefSelection {
    /// Every ref: `HEAD`, branches, tags (so commits reachable only from a tag count), remote
    /// branches, `refs/stash` with its older entries (from its reflog), notes and any other
    /// `refs/*`.
    All,
    /// One branch: `main`, `origin/main` (a remote branch), or a full ref name `refs/…`.
    Branch(String),
}

/// One commit of the walked history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: CommitId,
    /// Indices (into [`Provenance::commits`]) of the parents inside the walked history, first
    /// parent first. Parents beyond a shallow boundary or missing from the repository are absent.
    pub parents: Vec<u32>,
    /// Shared by every commit of the same author (a history has far fewer authors than
    /// commits).
    pub author_name: Arc<str>,
    pub author_email: Arc<str>,
    /// Seconds since the Unix epoch.
    pub author_time: i64,
    /// The author's offset from UTC in seconds (east positive), as recorded.
    pub author_tz_offset: i32,
    /// Seconds since the Unix epoch.
    pub committer_time: i64,
    /// The first line of the message.
    pub summary: String,
}

/// A commit and path where a blob was introduced.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Introduction {
    /// Index into [`Provenance::commits`].
    pub commit: u32,
    /// Shared by every introduction at the same path (a history has far fewer paths than
    /// introductions).
    pub path: Arc<BString>,
}

/// What kind of object an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ObjectKind {
    Commit,
    Tree,
    Blob,
    Tag,
}

/// An object that history refers to and the object database does not have (a partial or
/// shallow-but-inconsistent clone, corruption).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingObject {
    pub id: Oid,
    pub kind: ObjectKind,
    /// Where it was referred to from, for a human.
    pub context: String,
}

/// A blob that a ref reaches without a commit: a tag of a blob (git.git's `junio-gpg-pub`), or
/// a tag of a tree (then `path` is the blob's path in that tree; empty for a tagged blob).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefBlob {
    pub blob: BlobId,
    pub ref_name: String,
    pub path: BString,
}

/// Where each blob of the history came from, see [`Repo::provenance`].
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// Every walked commit, parents before children, ties by committer time (oldest first),
    /// then by id.
    pub commits: Vec<CommitInfo>,
    /// For each blob, each commit and path that introduced it, sorted by commit index (so
    /// `[0]` is where it was first seen).
    pub introduced: HashMap<BlobId, Vec<Introduction>>,
    /// Every blob in the tree of `HEAD` (in a bare repository, of what `HEAD` points to).
    pub at_head: HashSet<BlobId>,
    /// The commit `HEAD` resolves to; `None` in a repository without commits.
    pub head: Option<CommitId>,
    /// The branch `HEAD` names (`main`), `None` when `HEAD` is detached or unborn.
    pub default_branch: Option<String>,
    /// For blobs not at `HEAD`: the newest commit on `HEAD`'s first-parent chain (within the
    /// walked history) whose first parent had the blob at some path and which no longer has it
    /// at that path, i.e. where it left the default branch's tree.
    pub removed_in: HashMap<BlobId, u32>,
    /// Objects referred to but absent. For a partial clone these are mostly blobs that were
    /// never fetched (see [`Provenance::missing_blobs`]).
    pub missing: Vec<MissingObject>,
    /// Blobs that refs reach directly, not through a commit.
    pub ref_blobs: Vec<RefBlob>,
    /// The walk's starting points: each ref name (`refs/heads/main`, `HEAD`, …) and the object it
    /// peels to (a commit, or a tagged blob or tree), sorted by name.
    pub tips: Vec<(String, Oid)>,
    /// Everything else that was odd but not fatal (a ref that does not peel, a malformed
    /// commit or tree), each naming the ref or object.
    pub problems: Vec<String>,
    /// Where the time went, for `--stats` and benchmarks.
    pub timings: Timings,
}

/// Wall-clock time of each phase of [`Repo::provenance`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// Reading and ordering the commits.
    pub commits: Duration,
    /// Comparing every commit's tree with its parents' (on [`Repo::set_threads`] threads).
    pub trees: Duration,
    /// Merging the results and listing `HEAD`'s tree.
    pub head: Duration,
    /// Checking that every introduced blob is present.
    pub missing: Duration,
}

impl Provenance {
    /// Blobs that trees refer to but the object database does not have.
    pub fn missing_blobs(&self) -> Vec<BlobId> {
        self.missing.iter().filter(|m| m.kind == ObjectKind::Blob).map(|m| BlobId::from(m.id)).collect()
    }

    /// The commit and path where `blob` was first introduced.
    pub fn first_seen(&self, blob: &BlobId) -> Option<(&CommitInfo, &BStr)> {
        let intro = self.introduced.get(blob)?.first()?;
        Some((self.commits.get(intro.commit as usize)?, intro.path.as_slice().as_bstr()))
    }
}

/// A commit as read from the object database, before the graph is ordered.
pub(crate) struct RawCommit {
    pub(crate) id: ObjectId,
    pub(crate) tree: Option<ObjectId>,
    pub(crate) parents: Vec<ObjectId>,
    pub(crate) info: CommitInfo,
}

/// Reads and parses commit `id`. `Ok(None)` if it is not in the object database.
pub(crate) fn read_commit(
    source: &mut Source<'_>,
    id: ObjectId,
    problems: &mut Vec<String>,
) -> Result<Option<RawCommit>, String> {
    let (kind, data) = match source.find(&id) {
        Ok(Some(object)) => object,
        Ok(None) => return Ok(None),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    if kind != gix::object::Kind::Commit {
        return Err(format!("is a {kind}, not a commit"));
    }
    Ok(Some(parse_commit(id, &data, problems)))
}

/// Parses the bytes of commit `id`, leniently: what is malformed is a problem and left empty.
pub(crate) fn parse_commit(id: ObjectId, data: &[u8], problems: &mut Vec<String>) -> RawCommit {
    let mut raw = RawCommit {
        id,
        tree: None,
        parents: Vec::new(),
        info: CommitInfo {
            id: to_oid(&id),
            parents: Vec::new(),
            author_name: Arc::from(""),
            author_email: Arc::from(""),
            author_time: 0,
            author_tz_offset: 0,
            committer_time: 0,
            summary: String::new(),
        },
    };
    for token in gix::objs::CommitRefIter::from_bytes(data, gix::hash::Kind::Sha1) {
        match token {
            Ok(Token::Tree { id }) => raw.tree = Some(id),
            Ok(Token::Parent { id }) => raw.parents.push(id),
            Ok(Token::Author { signature }) => {
                raw.info.author_name = Arc::from(signature.name.trim().to_str_lossy().as_ref());
                raw.info.author_email = Arc::from(signature.email.trim().to_str_lossy().as_ref());
                if let Ok(t) = signature.time() {
                    raw.info.author_time = t.seconds;
                    raw.info.author_tz_offset = t.offset;
                }
            }
            Ok(Token::Committer { signature }) => {
                if let Ok(t) = signature.time() {
                    raw.info.committer_time = t.seconds;
                }
            }
            Ok(Token::Message(message)) => raw.info.summary = summary(message),
            Ok(_) => {}
            Err(e) => {
                problems.push(format!("commit {}: malformed: {e}", to_oid(&id)));
                break;
            }
        }
    }
    if raw.tree.is_none() {
        problems.push(format!("commit {}: has no tree", to_oid(&id)));
    }
    raw
}

fn summary(message: &BStr) -> String {
    let line = message.lines().next().unwrap_or_default();
    line.trim().to_str_lossy().into_owned()
}

/// Orders `commits` parents first, ready commits by committer time (oldest first), then id.
/// Returns the commits in that order with `info.parents` filled in as indices.
pub(crate) fn topo_order(mut commits: Vec<RawCommit>, problems: &mut Vec<String>) -> Vec<RawCommit> {
    let n = commits.len();
    let index: HashMap<ObjectId, usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pending: Vec<usize> = vec![0; n];
    for (i, c) in commits.iter().enumerate() {
        let mut distinct: Vec<usize> = c.parents.iter().filter_map(|p| index.get(p).copied()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        pending[i] = distinct.len();
        for p in distinct {
            children[p].push(i);
        }
    }
    let key = |c: &RawCommit| (c.info.committer_time, c.id);
    let mut ready: BinaryHeap<Reverse<((i64, ObjectId), usize)>> =
        (0..n).filter(|i| pending[*i] == 0).map(|i| Reverse((key(&commits[i]), i))).collect();
    let mut order: Vec<usize> = Vec::with_capacity(n);
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &child in &children[i] {
            pending[child] -= 1;
            if pending[child] == 0 {
                ready.push(Reverse((key(&commits[child]), child)));
            }
        }
    }
    if order.len() < n {
        // Only possible with a cycle, which SHA-1 ids cannot form without a collision.
        problems.push(format!("{} commits form a cycle and are ordered by time only", n - order.len()));
        let mut rest: Vec<usize> = (0..n).filter(|i| pending[*i] > 0).collect();
        rest.sort_by_key(|i| key(&commits[*i]));
        order.extend(rest);
    }
    let mut position = vec![0u32; n];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = u32::try_from(pos).expect("fewer than 2^32 commits");
    }
    let mut slots: Vec<Option<RawCommit>> = commits.drain(..).map(Some).collect();
    let mut out = Vec::with_capacity(n);
    for &i in &order {
        let mut c = slots[i].take().expect("each index appears once in the order");
        c.info.parents = c.parents.iter().filter_map(|p| index.get(p).map(|&j| position[j])).collect();
        out.push(c);
    }
    out
}

/// The result of comparing a chunk of commits, merged in commit order afterwards.
#[derive(Default)]
struct ChunkResult {
    added: Vec<(u32, BString, BlobId)>,
    removed: Vec<(u32, BlobId)>,
    missing: Vec<MissingObject>,
    problems: Vec<String>,
}

impl Repo {
    /// Walks the history reachable from `refs` once and says where every blob came from; see
    /// [`Provenance`] for what each field means.
    ///
    /// A repository without commits gives an empty result. A branch that does not exist is
    /// [`Error::NoSuchRef`]. Objects that history refers to and the repository lacks (a partial
    /// clone, corruption) are listed in [`Provenance::missing`]; they never make this fail.
    pub fn provenance(&self, refs: &RefSelection) -> Result<Provenance, Error> {
        let repo = self.private();
        let mut out = Provenance::default();
        let mut tips: Vec<(String, ObjectId)> = Vec::new();
        match refs {
            RefSelection::All => self.all_tips(&repo, &mut tips, &mut out.problems)?,
            RefSelection::Branch(name) => tips.push(self.branch_tip(&repo, name)?),
        }

        // HEAD, whatever the selection: `at_head` and `removed_in` are about the default branch.
        let head = repo.head().ok();
        let head_id = head.as_ref().and_then(|h| h.id()).map(|id| id.detach());
        out.default_branch = match &head {
            Some(h) if !h.is_unborn() => h.referent_name().map(|n| n.shorten().to_str_lossy().into_owned()),
            _ => None,
        };

        // Peel tips to commits; blobs and trees that refs reach directly are noted as such.
        let packs = self.packs();
        out.problems.extend(packs.problems.iter().cloned());
        let mut commit_tips = Vec::new();
        out.tips = tips.iter().map(|(name, id)| (name.clone(), to_oid(id))).collect();
        out.tips.sort();
        out.tips.dedup();
        for (name, id) in tips {
            self.classify_tip(&repo, &name, id, &mut commit_tips, &mut out);
        }
        // Peeling every ref through gix mapped pages of the packs all over (git.git's pull
        // refs: 40 MB); a fresh handle lets go of them.
        drop(repo);
        let repo = self.private();

        let t0 = Instant::now();
        let raw = self.read_graph(&repo, &packs, commit_tips, &mut out);
        out.timings.commits = t0.elapsed();
        let commits = topo_order(raw, &mut out.problems);

        // HEAD's commit and its first-parent chain, within the walked history.
        let by_id: HashMap<ObjectId, u32> = commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, u32::try_from(i).expect("fewer than 2^32 commits")))
            .collect();
        let head_commit = head_id.and_then(|id| peel_to_commit(&repo, id));
        out.head = head_commit.map(|id| to_oid(&id));
        let mut on_chain = vec![false; commits.len()];
        let mut cursor = head_commit.and_then(|id| by_id.get(&id).copied());
        while let Some(i) = cursor {
            if std::mem::replace(&mut on_chain[i as usize], true) {
                break;
            }
            cursor = commits[i as usize].info.parents.first().copied();
        }

        // The comparisons, on all threads.
        let trees: Vec<Option<ObjectId>> = commits.iter().map(|c| c.tree).collect();
        let parents: Vec<Vec<u32>> = commits.iter().map(|c| c.info.parents.clone()).collect();
        let t0 = Instant::now();
        let results = self.compare_all(&packs, &trees, &parents, &on_chain);
        out.timings.trees = t0.elapsed();
        let t0 = Instant::now();

        // What is kept for the rest of the scan shares its repeated strings: on git.git, 200 k
        // commits have 2 k authors and 435 k introductions 10 k paths.
        let mut authors: HashSet<Arc<str>> = HashSet::new();
        let mut share = |s: &mut Arc<str>| match authors.get(s) {
            Some(shared) => *s = Arc::clone(shared),
            None => {
                authors.insert(Arc::clone(s));
            }
        };
        out.commits = commits
            .into_iter()
            .map(|mut c| {
                share(&mut c.info.author_name);
                share(&mut c.info.author_email);
                c.info
            })
            .collect();
        let mut paths: HashMap<BString, Arc<BString>> = HashMap::new();
        for chunk in results {
            for (commit, path, blob) in chunk.added {
                let path = match paths.get(&path) {
                    Some(shared) => Arc::clone(shared),
                    None => Arc::clone(paths.entry(path.clone()).or_insert_with(|| Arc::new(path))),
                };
                out.introduced.entry(blob).or_default().push(Introduction { commit, path });
            }
            for (commit, blob) in chunk.removed {
                out.removed_in.insert(blob, commit);
            }
            out.missing.extend(chunk.missing);
            out.problems.extend(chunk.problems);
        }

        // HEAD's tree, wherever HEAD is.
        if let Some(head_commit) = head_commit {
            let tree = match by_id.get(&head_commit) {
                Some(&i) => trees[i as usize],
                None => read_commit(&mut Source::new(&repo, Some(&packs), SMALL_CACHE), head_commit, &mut out.problems)
                    .ok()
                    .flatten()
                    .and_then(|c| c.tree),
            };
            let mut t = Trees::new(Source::new(&repo, Some(&packs), SMALL_CACHE), SMALL_CACHE);
            let at_head = &mut out.at_head;
            t.compare(tree, &[], true, false, &mut |e| {
                if let Event::Added { new, .. } = e {
                    at_head.insert(to_blob(new));
                }
            });
            merge_missing(&mut out.missing, t.missing);
        }
        out.removed_in.retain(|blob, _| !out.at_head.contains(blob));
        // Most blobs have one introduction; a vector grown by `push` holds room for four.
        for intros in out.introduced.values_mut() {
            intros.shrink_to_fit();
        }
        out.introduced.shrink_to_fit();
        out.removed_in.shrink_to_fit();

        out.timings.head = t0.elapsed();
        let t0 = Instant::now();
        // Blobs that trees name and the object database lacks (a partial clone).
        let mut absent: Vec<(BlobId, &Introduction)> = Vec::new();
        {
            use gix::objs::Exists as _;
            for (blob, intros) in &out.introduced {
                if !repo.objects.exists(&crate::to_gix(blob.0))
                    && let Some(first) = intros.first()
                {
                    absent.push((*blob, first));
                }
            }
        }
        absent.sort_by(|a, b| (a.1.commit, &a.1.path, a.0).cmp(&(b.1.commit, &b.1.path, b.0)));
        let absent: Vec<MissingObject> = absent
            .into_iter()
            .map(|(blob, first)| MissingObject {
                id: blob.into(),
                kind: ObjectKind::Blob,
                context: format!("{} in commit {}", first.path, out.commits[first.commit as usize].id),
            })
            .collect();
        out.missing.extend(absent);
        out.timings.missing = t0.elapsed();
        Ok(out)
    }

    /// Every ref, `HEAD`, and the older stash entries that only `refs/stash`'s reflog holds.
    fn all_tips(
        &self,
        repo: &gix::Repository,
        tips: &mut Vec<(String, ObjectId)>,
        problems: &mut Vec<String>,
    ) -> Result<(), Error> {
        let platform = repo.references().map_err(|e| Error::Ref { name: "refs/*".into(), source: Box::new(e) })?;
        let iter = platform.all().map_err(|e| Error::Ref { name: "refs/*".into(), source: Box::new(e) })?;
        for reference in iter {
            let mut reference = match reference {
                Ok(r) => r,
                Err(e) => {
                    problems.push(format!("a ref cannot be read: {e}"));
                    continue;
                }
            };
            let name = reference.name().as_bstr().to_str_lossy().into_owned();
            match reference.peel_to_id() {
                Ok(id) => tips.push((name, id.detach())),
                Err(e) => problems.push(format!("ref {name}: does not resolve: {e}")),
            }
        }
        if let Ok(id) = repo.head_id() {
            tips.push(("HEAD".into(), id.detach()));
        }
        if let Ok(Some(stash)) = repo.try_find_reference("refs/stash") {
            let mut log = stash.log_iter();
            if let Ok(Some(lines)) = log.all() {
                for line in lines.flatten() {
                    tips.push(("refs/stash (reflog)".into(), line.new_oid()));
                }
            }
        }
        Ok(())
    }

    fn branch_tip(&self, repo: &gix::Repository, name: &str) -> Result<(String, ObjectId), Error> {
        let candidates: Vec<String> = if name.starts_with("refs/") {
            vec![name.to_string()]
        } else {
            vec![format!("refs/heads/{name}"), format!("refs/remotes/{name}")]
        };
        for candidate in candidates {
            let found = repo.try_find_reference(candidate.as_str());
            if let Ok(Some(mut reference)) = found {
                let id =
                    reference.peel_to_id().map_err(|e| Error::Ref { name: candidate.clone(), source: Box::new(e) })?;
                return Ok((candidate, id.detach()));
            }
        }
        Err(Error::NoSuchRef { name: name.to_string() })
    }

    /// Sorts a tip into commits to walk, or blobs and trees that a ref reaches directly.
    fn classify_tip(
        &self,
        repo: &gix::Repository,
        name: &str,
        id: ObjectId,
        commit_tips: &mut Vec<ObjectId>,
        out: &mut Provenance,
    ) {
        use gix::odb::Header as _;
        match repo.objects.try_header(&id) {
            Ok(Some(h)) => match h.kind() {
                gix::object::Kind::Commit => commit_tips.push(id),
                gix::object::Kind::Blob => out.ref_blobs.push(RefBlob {
                    blob: to_blob(&id),
                    ref_name: name.to_string(),
                    path: BString::default(),
                }),
                gix::object::Kind::Tree => {
                    let mut t = Trees::new(Source::new(repo, None, 0), SMALL_CACHE);
                    let ref_blobs = &mut out.ref_blobs;
                    t.compare(Some(id), &[], true, false, &mut |e| {
                        if let Event::Added { path, new, .. } = e {
                            ref_blobs.push(RefBlob {
                                blob: to_blob(new),
                                ref_name: name.to_string(),
                                path: path.to_owned(),
                            });
                        }
                    });
                    merge_missing(&mut out.missing, t.missing);
                }
                gix::object::Kind::Tag => {
                    // peel_to_id stops at non-tags; a tag here is a tag of a missing object.
                    out.problems.push(format!("ref {name}: tag {} does not peel", to_oid(&id)));
                }
            },
            Ok(None) => out.missing.push(MissingObject {
                id: to_oid(&id),
                kind: ObjectKind::Commit,
                context: format!("target of ref {name}"),
            }),
            Err(e) => out.problems.push(format!("ref {name}: object {} cannot be read: {e}", to_oid(&id))),
        }
    }

    /// Reads every commit reachable from `tips`, stopping at shallow boundaries.
    fn read_graph(
        &self,
        repo: &gix::Repository,
        packs: &Arc<Packs>,
        tips: Vec<ObjectId>,
        out: &mut Provenance,
    ) -> Vec<RawCommit> {
        let shallow: HashSet<ObjectId> = match repo.shallow_commits() {
            Ok(Some(list)) => list.iter().copied().collect(),
            _ => HashSet::new(),
        };
        let mut seen: HashSet<ObjectId> = HashSet::new();
        let mut stack: Vec<(ObjectId, Option<ObjectId>)> = Vec::new();
        for tip in tips {
            if seen.insert(tip) {
                stack.push((tip, None));
            }
        }
        let mut commits = Vec::new();
        let mut source = Source::new(repo, Some(packs), SMALL_CACHE);
        let mut prefetched = packs.commits(self.threads(), &mut out.problems);
        // Reading every commit touched every page of the packs; the tree walk needs few again.
        packs.release();
        while let Some((id, child)) = stack.pop() {
            let read = match prefetched.remove(&id) {
                Some(c) => Ok(Some(c)),
                None => read_commit(&mut source, id, &mut out.problems),
            };
            match read {
                Ok(Some(mut c)) => {
                    if shallow.contains(&id) {
                        c.parents.clear();
                    }
                    for p in &c.parents {
                        if seen.insert(*p) {
                            stack.push((*p, Some(id)));
                        }
                    }
                    commits.push(c);
                }
                Ok(None) => out.missing.push(MissingObject {
                    id: to_oid(&id),
                    kind: ObjectKind::Commit,
                    context: match child {
                        Some(child) => format!("parent of commit {}", to_oid(&child)),
                        None => "a ref's target".to_string(),
                    },
                }),
                Err(e) => out.problems.push(format!("commit {}: {e}", to_oid(&id))),
            }
        }
        commits
    }

    /// Compares every commit with its parents, on `self.threads()` threads.
    fn compare_all(
        &self,
        packs: &Arc<Packs>,
        trees: &[Option<ObjectId>],
        parents: &[Vec<u32>],
        on_chain: &[bool],
    ) -> Vec<ChunkResult> {
        let n = trees.len();
        let threads = self.threads().clamp(1, n.div_ceil(BLOCK).max(1));
        // Blocks of neighbouring commits, newest block first, claimed by whichever thread is
        // free: recent commits have bigger trees, so fixed halves would leave one thread idle.
        let blocks: Vec<std::ops::Range<usize>> = (0..n).step_by(BLOCK).map(|s| s..(s + BLOCK).min(n)).rev().collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let run = || -> Vec<(usize, ChunkResult)> {
            let repo = self.local_for_trees();
            let (pack_cache, tree_cache) = self.thread_caches(threads);
            let mut t = Trees::new(Source::new(&repo, Some(packs), pack_cache), tree_cache);
            let mut done = Vec::new();
            let mut olds: Vec<Option<ObjectId>> = Vec::new();
            while let Some(range) = blocks.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                let mut res = ChunkResult::default();
                // Newest first: packs store the newest version of a tree whole and older
                // versions as deltas against newer ones, and a commit's parent is compared
                // right after it, with its trees still cached.
                for i in range.clone().rev() {
                    let commit = u32::try_from(i).expect("fewer than 2^32 commits");
                    olds.clear();
                    olds.extend(parents[i].iter().map(|&p| trees[p as usize]));
                    let removed_too = on_chain[i] && !olds.is_empty();
                    let merge = olds.len() > 1;
                    let added = &mut res.added;
                    let removed = &mut res.removed;
                    t.compare(trees[i], &olds, true, removed_too && !merge, &mut |e| match e {
                        Event::Added { path, new, .. } => added.push((commit, path.to_owned(), to_blob(new))),
                        Event::Removed { old, .. } => removed.push((commit, to_blob(old))),
                    });
                    if removed_too && merge {
                        // What left the tree relative to the first parent only.
                        t.compare(trees[i], &olds[..1], false, true, &mut |e| {
                            if let Event::Removed { old, .. } = e {
                                removed.push((commit, to_blob(old)));
                            }
                        });
                    }
                }
                // Back to commit order (stable: paths keep their order within a commit).
                res.added.sort_by_key(|e| e.0);
                res.removed.sort_by_key(|e| e.0);
                res.missing = std::mem::take(&mut t.missing);
                res.problems = std::mem::take(&mut t.problems);
                done.push((range.start, res));
            }
            done
        };
        let mut results: Vec<(usize, ChunkResult)> = if threads == 1 {
            run()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads).map(|_| scope.spawn(run)).collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .collect()
            })
        };
        results.sort_by_key(|(start, _)| *start);
        // A tree missing in several blocks is reported once.
        let mut seen = HashSet::new();
        for (_, r) in &mut results {
            r.missing.retain(|m| seen.insert(m.id));
        }
        results.into_iter().map(|(_, r)| r).collect()
    }
}

/// Commits per unit of work in [`Repo::compare_all`].
const BLOCK: usize = 1024;

/// Follows tags from `id` to a commit, if it leads to one.
pub(crate) fn peel_to_commit(repo: &gix::Repository, id: ObjectId) -> Option<ObjectId> {
    let object = repo.find_object(id).ok()?;
    object.peel_to_commit().ok().map(|c| c.id)
}

fn merge_missing(into: &mut Vec<MissingObject>, more: Vec<MissingObject>) {
    for m in more {
        if !into.iter().any(|x| x.id == m.id) {
            into.push(m);
        }
    }
}
