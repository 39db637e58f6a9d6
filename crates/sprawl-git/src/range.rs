//! Commit ranges (`BASE..HEAD`), for CI: what each new commit introduced and what it replaced.

use std::collections::{HashMap, HashSet};

use bstr::BString;
use gix::ObjectId;

use crate::diff::{Event, SMALL_CACHE, Trees};
use crate::history::{CommitInfo, MissingObject, RawCommit, read_commit, topo_order};
use crate::pack::Source;
use crate::{BlobId, Error, Repo, to_blob, to_oid};

/// One blob a commit of the range introduced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeChange {
    /// Index into [`RangeChanges::commits`].
    pub commit: u32,
    pub path: BString,
    pub new: BlobId,
    /// The blob at `path` in the commit's first parent, if there was one (a modification).
    pub old: Option<BlobId>,
}

/// The commits of a range and what they introduced, see [`Repo::range`].
#[derive(Clone, Debug, Default)]
pub struct RangeChanges {
    /// Parents before children, ties by committer time. `CommitInfo::parents` index this list
    /// (parents outside the range are absent).
    pub commits: Vec<CommitInfo>,
    /// Sorted by commit, then by path.
    pub changes: Vec<RangeChange>,
    /// Trees or commits the comparison needed and could not read.
    pub missing: Vec<MissingObject>,
    pub problems: Vec<String>,
}

impl Repo {
    /// The commits reachable from `head` and not from `base` (git's `base..head`; either may be
    /// any revision: a branch, a tag, `HEAD~3`, an id), and for each the blobs it introduced,
    /// with the blob previously at the same path in its first parent.
    ///
    /// "Introduced" means what [`crate::Provenance::introduced`] means: for a merge, only what
    /// differs from every parent. A revision that does not resolve to a commit is
    /// [`Error::NoSuchRef`] naming it; an empty range is `Ok` with no commits.
    pub fn range(&self, base: &str, head: &str) -> Result<RangeChanges, Error> {
        let repo = self.local();
        let base_id = resolve_commit(&repo, base)?;
        let head_id = resolve_commit(&repo, head)?;
        let walk = repo
            .rev_walk([head_id])
            .with_hidden([base_id])
            .all()
            .map_err(|e| Error::Ref { name: format!("{base}..{head}"), source: Box::new(e) })?;
        let mut out = RangeChanges::default();
        let mut ids: Vec<ObjectId> = Vec::new();
        for info in walk {
            match info {
                Ok(info) => ids.push(info.id),
                Err(e) => {
                    return Err(Error::Ref { name: format!("{base}..{head}"), source: Box::new(e) });
                }
            }
        }
        let packs = self.packs();
        let mut source = Source::new(&repo, Some(&packs), SMALL_CACHE);
        let mut raw: Vec<RawCommit> = Vec::with_capacity(ids.len());
        for id in ids {
            match read_commit(&mut source, id, &mut out.problems) {
                Ok(Some(c)) => raw.push(c),
                Ok(None) => return Err(Error::Missing { id: to_oid(&id) }),
                Err(e) => out.problems.push(format!("commit {}: {e}", to_oid(&id))),
            }
        }
        let commits = topo_order(raw, &mut out.problems);

        // Parents outside the range still count for the comparison: read their trees.
        let shallow: HashSet<ObjectId> = match repo.shallow_commits() {
            Ok(Some(list)) => list.iter().copied().collect(),
            _ => Default::default(),
        };
        let mut tree_of: HashMap<ObjectId, Option<ObjectId>> = commits.iter().map(|c| (c.id, c.tree)).collect();
        let mut parent_trees: Vec<Vec<Option<ObjectId>>> = Vec::with_capacity(commits.len());
        for c in &commits {
            let mut olds = Vec::new();
            if !shallow.contains(&c.id) {
                for p in &c.parents {
                    let tree = match tree_of.get(p) {
                        Some(tree) => *tree,
                        None => {
                            let tree = match read_commit(&mut source, *p, &mut out.problems) {
                                Ok(Some(pc)) => pc.tree,
                                Ok(None) => {
                                    out.missing.push(MissingObject {
                                        id: to_oid(p),
                                        kind: crate::ObjectKind::Commit,
                                        context: format!("parent of commit {}", to_oid(&c.id)),
                                    });
                                    None
                                }
                                Err(e) => {
                                    out.problems.push(format!("commit {}: {e}", to_oid(p)));
                                    None
                                }
                            };
                            tree_of.insert(*p, tree);
                            tree
                        }
                    };
                    olds.push(tree);
                }
            }
            parent_trees.push(olds);
        }
        let mut t = Trees::new(source, SMALL_CACHE);
        for (i, (c, olds)) in commits.iter().zip(&parent_trees).enumerate() {
            let commit = u32::try_from(i).expect("fewer than 2^32 commits");
            let changes = &mut out.changes;
            t.compare(c.tree, olds, true, false, &mut |e| {
                if let Event::Added { path, new, old } = e {
                    changes.push(RangeChange {
                        commit,
                        path: path.to_owned(),
                        new: to_blob(new),
                        old: old.map(to_blob),
                    });
                }
            });
        }
        out.missing.extend(std::mem::take(&mut t.missing));
        out.problems.extend(std::mem::take(&mut t.problems));
        out.commits = commits.into_iter().map(|c| c.info).collect();
        Ok(out)
    }

    /// The commits since `rev`: the same as `range(rev, "HEAD")`.
    pub fn since(&self, rev: &str) -> Result<RangeChanges, Error> {
        self.range(rev, "HEAD")
    }
}

/// Resolves a revision to a commit id (peeling tags), or `NoSuchRef` naming it.
fn resolve_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, Error> {
    let no_such = || Error::NoSuchRef { name: spec.to_string() };
    let id = repo.rev_parse_single(spec).map_err(|_| no_such())?;
    crate::history::peel_to_commit(repo, id.detach()).ok_or_else(no_such)
}
