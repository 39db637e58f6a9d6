//! sprawl-git against real repositories built with the `git` CLI at test time.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod support;

use std::collections::HashSet;

use sprawl_git::{BlobId, Error, RefSelection, Repo, blob_id_for};
use support::{Sandbox, assert_topological, intros, parse_id, removed_in, summaries};

fn open(git: &support::Git) -> Repo {
    Repo::open(&git.dir).unwrap()
}

fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn handles_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Repo>();
    send::<sprawl_git::BlobReader>();
    send_sync::<sprawl_git::Provenance>();
    send_sync::<Error>();
}

#[test]
fn linear_history_add_then_delete() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "secret one\n");
    git.write("b.txt", "b v1\n");
    git.commit("add a and b");
    git.write("b.txt", "b v2\n");
    git.commit("modify b");
    git.remove("a.txt");
    git.commit("delete a");

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_eq!(summaries(&p), ["add a and b", "modify b", "delete a"]);
    assert_topological(&p);
    let (a, b1, b2) = (git.blob("secret one\n"), git.blob("b v1\n"), git.blob("b v2\n"));

    assert_eq!(intros(&p, a), s(&[("add a and b", "a.txt")]));
    assert_eq!(removed_in(&p, a).as_deref(), Some("delete a"));
    assert!(!p.at_head.contains(&a));

    assert_eq!(intros(&p, b1), s(&[("add a and b", "b.txt")]));
    assert_eq!(removed_in(&p, b1).as_deref(), Some("modify b"));
    assert_eq!(intros(&p, b2), s(&[("modify b", "b.txt")]));
    assert!(p.at_head.contains(&b2));
    assert_eq!(removed_in(&p, b2), None);
    assert_eq!(p.at_head, HashSet::from([b2]));

    // Commit metadata, exactly as written.
    let first = &p.commits[0];
    assert_eq!(&*first.author_name, support::AUTHOR);
    assert_eq!(&*first.author_email, support::EMAIL);
    assert_eq!(first.author_time, support::EPOCH + 60);
    assert_eq!(first.author_tz_offset, 2 * 3600);
    assert_eq!(first.committer_time, support::EPOCH + 60);
    assert_eq!(first.parents, Vec::<u32>::new());
    assert_eq!(p.commits[2].parents, vec![1]);
    assert_eq!(p.head.map(|h| h.to_string()), Some(git.rev("HEAD")));
    assert_eq!(p.default_branch.as_deref(), Some("main"));
    assert!(p.missing.is_empty() && p.problems.is_empty(), "{:?} {:?}", p.missing, p.problems);
    assert_eq!(
        p.first_seen(&a).map(|(c, path)| (c.summary.as_str(), path.to_string())),
        Some(("add a and b", "a.txt".into()))
    );
}

#[test]
fn modified_file_introduces_each_version_once() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("dir/sub/config.yml", "token: v1\n");
    git.write("other/x.txt", "unchanged\n");
    git.commit("v1");
    git.write("dir/sub/config.yml", "token: v2\n");
    git.commit("v2");
    git.write("dir/sub/config.yml", "token: v1\n"); // back to the first content: introduced again
    git.commit("v1 again");

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    let (v1, v2, x) = (git.blob("token: v1\n"), git.blob("token: v2\n"), git.blob("unchanged\n"));
    assert_eq!(intros(&p, v1), s(&[("v1", "dir/sub/config.yml"), ("v1 again", "dir/sub/config.yml")]));
    assert_eq!(intros(&p, v2), s(&[("v2", "dir/sub/config.yml")]));
    assert_eq!(intros(&p, x), s(&[("v1", "other/x.txt")]));
    assert_eq!(removed_in(&p, v2).as_deref(), Some("v1 again"));
    assert_eq!(removed_in(&p, v1), None, "v1 is at HEAD");
}

#[test]
fn rename_introduces_the_blob_at_its_new_path() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "moving content\n");
    git.commit("add");
    std::fs::create_dir(git.dir.join("moved")).unwrap();
    git.run(&["mv", "a.txt", "moved/b.txt"]);
    git.commit("rename");
    let p = open(&git).provenance(&RefSelection::All).unwrap();
    let blob = git.blob("moving content\n");
    assert_eq!(intros(&p, blob), s(&[("add", "a.txt"), ("rename", "moved/b.txt")]));
    assert_eq!(removed_in(&p, blob), None, "still at HEAD, under another name");
    assert!(p.at_head.contains(&blob));
}

#[test]
fn file_replaced_by_directory_and_back() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a", "file a\n");
    git.write("a.txt", "sorts between a and a/\n");
    git.commit("file");
    git.remove("a");
    git.write("a/inner", "inner\n");
    git.commit("dir");
    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_eq!(intros(&p, git.blob("inner\n")), s(&[("dir", "a/inner")]));
    assert_eq!(intros(&p, git.blob("sorts between a and a/\n")), s(&[("file", "a.txt")]));
    assert_eq!(removed_in(&p, git.blob("file a\n")).as_deref(), Some("dir"));
}

#[test]
fn merges_introduce_only_their_own_changes() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("shared.txt", "base\n");
    git.commit("base");
    git.run(&["checkout", "-q", "-b", "feature"]);
    git.write("feature.txt", "from feature\n");
    git.commit("feature work");
    git.run(&["checkout", "-q", "main"]);
    git.write("main.txt", "from main\n");
    git.commit("main work");
    git.tick();
    git.run(&["merge", "-q", "--no-ff", "-m", "clean merge", "feature"]);

    // An evil merge: the merge commit carries an edit neither parent has.
    git.run(&["checkout", "-q", "-b", "topic"]);
    git.write("topic.txt", "topic\n");
    git.commit("topic work");
    git.run(&["checkout", "-q", "main"]);
    git.write("main2.txt", "main again\n");
    git.commit("main work 2");
    git.tick();
    git.run(&["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    git.write("shared.txt", "evil edit\n");
    git.run(&["add", "shared.txt"]);
    git.run(&["commit", "-q", "-m", "evil merge"]);

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_topological(&p);
    assert_eq!(p.commits.len(), 7);
    assert_eq!(intros(&p, git.blob("from feature\n")), s(&[("feature work", "feature.txt")]));
    assert_eq!(intros(&p, git.blob("from main\n")), s(&[("main work", "main.txt")]));
    assert_eq!(intros(&p, git.blob("topic\n")), s(&[("topic work", "topic.txt")]));
    assert_eq!(intros(&p, git.blob("evil edit\n")), s(&[("evil merge", "shared.txt")]));
    let clean = p.commits.iter().position(|c| c.summary == "clean merge").unwrap() as u32;
    assert!(p.introduced.values().flatten().all(|i| i.commit != clean), "a clean merge introduces nothing");
    let evil = p.commits.iter().position(|c| c.summary == "evil merge").unwrap() as u32;
    let by_evil: Vec<_> = p.introduced.values().flatten().filter(|i| i.commit == evil).collect();
    assert_eq!(by_evil.len(), 1);
    assert_eq!(p.commits[evil as usize].parents.len(), 2);
    // The evil merge replaced "base" on the first-parent chain.
    assert_eq!(removed_in(&p, git.blob("base\n")).as_deref(), Some("evil merge"));

    // Only the branch: the topic branch's commits are included through the merge, a branch
    // that was never merged is not.
    git.run(&["checkout", "-q", "-b", "unmerged", "feature"]);
    git.write("unmerged.txt", "never merged\n");
    git.commit("unmerged work");
    git.run(&["checkout", "-q", "main"]);
    let repo = open(&git);
    let main = repo.provenance(&RefSelection::Branch("main".into())).unwrap();
    assert_eq!(main.commits.len(), 7);
    assert!(intros(&main, git.blob("never merged\n")).is_empty());
    let all = repo.provenance(&RefSelection::All).unwrap();
    assert_eq!(intros(&all, git.blob("never merged\n")), s(&[("unmerged work", "unmerged.txt")]));
}

#[test]
fn removal_through_a_merge_mode_changes_symlinks_and_submodules() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("doomed.txt", "deleted on a branch\n");
    git.write("run.sh", "echo hi\n");
    git.commit("base");
    git.run(&["checkout", "-q", "-b", "cleanup"]);
    git.run(&["rm", "-q", "doomed.txt"]);
    git.commit("delete on branch");
    git.run(&["checkout", "-q", "main"]);
    git.write("other.txt", "other\n");
    git.commit("main moves on");
    git.tick();
    git.run(&["merge", "-q", "--no-ff", "-m", "merge cleanup", "cleanup"]);
    // A mode change alone introduces nothing; a symlink is a blob like any other; a submodule
    // (gitlink) entry is not a blob.
    git.run(&["update-index", "--chmod=+x", "run.sh"]);
    std::os::unix::fs::symlink("other.txt", git.dir.join("link")).unwrap();
    git.run(&["add", "link"]);
    let commit = git.rev("HEAD");
    git.run(&["update-index", "--add", "--cacheinfo", &format!("160000,{commit},vendor/sub")]);
    git.tick();
    git.run(&["commit", "-q", "-m", "modes"]);

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_topological(&p);
    let doomed = git.blob("deleted on a branch\n");
    assert_eq!(removed_in(&p, doomed).as_deref(), Some("merge cleanup"), "left main's tree in the merge");
    assert_eq!(intros(&p, git.blob("echo hi\n")), s(&[("base", "run.sh")]));
    assert_eq!(intros(&p, git.blob("other.txt")), s(&[("modes", "link")]));
    assert!(p.introduced.values().flatten().all(|i| *i.path != "vendor/sub"));
    assert!(p.problems.is_empty() && p.missing.is_empty(), "{:?} {:?}", p.problems, p.missing);
}

#[test]
fn notes_are_history_too() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "a\n");
    let commit = git.commit("c");
    git.tick();
    git.run(&["notes", "add", "-m", "a note with a token", "HEAD"]);
    let p = open(&git).provenance(&RefSelection::All).unwrap();
    let note = intros(&p, git.blob("a note with a token\n"));
    assert_eq!(note.len(), 1, "{note:?}");
    assert_eq!(note[0].1, commit, "a note's path is the annotated commit's id");
    let main = open(&git).provenance(&RefSelection::Branch("main".into())).unwrap();
    assert!(intros(&main, git.blob("a note with a token\n")).is_empty());
}

#[test]
fn tag_only_commit_is_in_all_refs_but_not_in_the_branch() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "a\n");
    git.commit("base");
    git.run(&["checkout", "-q", "--detach"]);
    git.write("tagged.txt", "only reachable from a tag\n");
    git.commit("tagged commit");
    git.tick();
    git.run(&["tag", "-a", "-m", "annotated", "v1"]);
    git.run(&["checkout", "-q", "main"]);
    // A tag of a blob, reachable through no commit.
    git.write("loose-key.txt", "a tagged blob\n");
    let blob_id = git.run(&["hash-object", "-w", "loose-key.txt"]);
    git.remove("loose-key.txt");
    git.run(&["tag", "blob-tag", &blob_id]);

    let repo = open(&git);
    let all = repo.provenance(&RefSelection::All).unwrap();
    let tagged = git.blob("only reachable from a tag\n");
    assert_eq!(intros(&all, tagged), s(&[("tagged commit", "tagged.txt")]));
    assert!(all.ref_blobs.iter().any(|r| r.blob == parse_id(&blob_id) && r.ref_name == "refs/tags/blob-tag"));

    let main = repo.provenance(&RefSelection::Branch("main".into())).unwrap();
    assert_eq!(summaries(&main), ["base"]);
    assert!(intros(&main, tagged).is_empty());
    let full = repo.provenance(&RefSelection::Branch("refs/heads/main".into())).unwrap();
    assert_eq!(summaries(&full), ["base"]);

    match repo.provenance(&RefSelection::Branch("no-such-branch".into())) {
        Err(Error::NoSuchRef { name }) => assert_eq!(name, "no-such-branch"),
        other => panic!("expected NoSuchRef, got {other:?}"),
    }
}

#[test]
fn stash_entries_are_included() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "committed\n");
    git.commit("base");
    git.write("a.txt", "first stash\n");
    git.tick();
    git.run(&["stash", "push", "-q", "-m", "one"]);
    git.write("a.txt", "second stash\n");
    git.tick();
    git.run(&["stash", "push", "-q", "-m", "two"]);

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_topological(&p);
    let first = intros(&p, git.blob("first stash\n"));
    let second = intros(&p, git.blob("second stash\n"));
    // `git stash` makes an index commit and a work-tree commit; the modified file is introduced
    // by the index commit ("index on main: …") whose tree has it as staged... or, unstaged, by
    // the work-tree commit ("On main: one").
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].1, "a.txt");
    assert!(first[0].0.contains("one"), "{first:?}");
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(second[0].0.contains("two"), "{second:?}");
    let main = open(&git).provenance(&RefSelection::Branch("main".into())).unwrap();
    assert!(intros(&main, git.blob("first stash\n")).is_empty());
}

#[test]
fn unreachable_blob_is_listed_but_has_no_introduction() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "kept\n");
    git.commit("kept");
    git.write("leak.txt", "oops a secret\n");
    git.commit("leak");
    git.run(&["reset", "-q", "--hard", "HEAD~1"]);
    git.run(&["reflog", "expire", "--expire=now", "--all"]);

    let repo = open(&git);
    let leak = git.blob("oops a secret\n");
    let list = repo.blobs().unwrap();
    assert!(list.blobs.iter().any(|b| b.id == leak));
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let p = repo.provenance(&RefSelection::All).unwrap();
    assert!(!p.introduced.contains_key(&leak));
    assert_eq!(summaries(&p), ["kept"]);
    let mut buf = Vec::new();
    repo.reader().read(leak, &mut buf).unwrap();
    assert_eq!(buf, b"oops a secret\n");
}

/// `(id, offset)` of each blob of a pack, by `git verify-pack -v`.
fn pack_blobs(git: &support::Git, idx: &std::path::Path) -> Vec<(BlobId, u64, u64)> {
    let out = git.run(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let mut v: Vec<(BlobId, u64, u64)> = out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 5 && f[1] == "blob").then(|| (parse_id(f[0]), f[4].parse().unwrap(), f[2].parse().unwrap()))
        })
        .collect();
    v.sort_by_key(|e| e.1);
    v
}

#[test]
fn blobs_lists_packed_then_loose_each_once_in_pack_order() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    // Similar versions of one file so that the pack holds deltas.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("line {i}: some text that stays the same across versions\n"));
    }
    for v in 0..6 {
        git.write("big.txt", &format!("{text}version {v}\n"));
        git.write(&format!("small{v}.txt"), &format!("small {v}\n"));
        git.commit(&format!("v{v}"));
    }
    git.run(&["gc", "-q", "--aggressive"]);
    // Loose objects after the pack.
    git.write("later.txt", "written after gc\n");
    git.commit("later");
    // The same blob in a second pack: listed once.
    let dup = git.blob("small 0\n").to_string();
    let pack_dir = git.dir.join(".git/objects/pack");
    {
        let mut child = std::process::Command::new("git")
            .current_dir(&git.dir)
            .args(["pack-objects", "-q", pack_dir.join("pack").to_str().unwrap()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        writeln!(child.stdin.take().unwrap(), "{dup}").unwrap();
        assert!(child.wait().unwrap().success());
    }

    let repo = open(&git);
    let list = repo.blobs().unwrap();
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert_eq!(list.packs, 2);
    assert_eq!(list.loose, 1);
    let ids: Vec<BlobId> = list.blobs.iter().map(|b| b.id).collect();
    let unique: HashSet<BlobId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "each blob once");
    assert_eq!(list.blobs.last().unwrap().id, git.blob("written after gc\n"));
    // 6 versions of big.txt, 6 small files, the later file.
    assert_eq!(ids.len(), 13);
    // The big pack's blobs appear in offset order (the one-object pack may come first, it is
    // newer; its blob is then skipped in the big pack).
    let mut idx_files: Vec<_> = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    idx_files.sort_by_key(|p| std::cmp::Reverse(pack_blobs(&git, p).len()));
    let big: Vec<(BlobId, u64, u64)> = pack_blobs(&git, &idx_files[0]);
    assert_eq!(big.len(), 12);
    let listed_from_big: Vec<BlobId> = ids.iter().copied().filter(|id| big.iter().any(|b| b.0 == *id)).collect();
    let dup_id = git.blob("small 0\n");
    let expected: Vec<BlobId> = big.iter().map(|b| b.0).filter(|id| *id != dup_id || ids[0] != dup_id).collect();
    let listed_without_first_dup: Vec<BlobId> =
        listed_from_big.into_iter().filter(|id| *id != dup_id || ids[0] != dup_id).collect();
    assert_eq!(listed_without_first_dup, expected);
    // Sizes are the real blob sizes, also for deltas.
    let deltas = big.iter().filter(|b| b.2 > 0).count();
    assert!(deltas > 0);
    for b in &list.blobs {
        let size: u64 = git.run(&["cat-file", "-s", &b.id.to_string()]).parse().unwrap();
        assert_eq!(b.size, size, "size of {}", b.id);
    }
    // Everything reads back, in list order, through one reader.
    let mut reader = repo.reader();
    let mut buf = Vec::new();
    for b in &list.blobs {
        reader.read(b.id, &mut buf).unwrap();
        assert_eq!(buf.len() as u64, b.size);
        assert_eq!(blob_id_for(&buf), b.id);
    }
}

#[test]
fn shallow_clone() {
    let sb = Sandbox::new();
    let git = sb.init("src");
    git.write("a.txt", "old\n");
    git.commit("one");
    git.write("a.txt", "new\n");
    git.write("b.txt", "b\n");
    git.commit("two");
    let url = format!("file://{}", git.dir.display());
    git.run_in(sb.tmp.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let clone = sb.open("shallow");
    let repo = open(&clone);
    assert!(repo.is_shallow());
    assert!(!repo.is_partial_clone());
    assert!(!open(&git).is_shallow());
    let p = repo.provenance(&RefSelection::All).unwrap();
    assert_eq!(summaries(&p), ["two"]);
    assert_eq!(intros(&p, git.blob("new\n")), s(&[("two", "a.txt")]));
    assert_eq!(intros(&p, git.blob("b\n")), s(&[("two", "b.txt")]));
    assert!(p.missing.is_empty(), "the shallow boundary is not missing history: {:?}", p.missing);
    assert!(repo.blobs().unwrap().blobs.iter().all(|b| b.id != git.blob("old\n")));
}

#[test]
fn partial_clone_reports_missing_blobs() {
    let sb = Sandbox::new();
    let git = sb.init("src");
    git.run(&["config", "uploadpack.allowFilter", "true"]);
    git.write("a.txt", "a\n");
    git.write("d/b.txt", "b\n");
    git.commit("one");
    git.write("a.txt", "a2\n");
    git.commit("two");
    let url = format!("file://{}", git.dir.display());
    git.run_in(sb.tmp.path(), &["clone", "-q", "--filter=blob:none", "--no-checkout", &url, "partial"]);
    let clone = sb.open("partial");
    let repo = open(&clone);
    assert!(repo.is_partial_clone());
    assert!(!open(&git).is_partial_clone());

    let p = repo.provenance(&RefSelection::All).unwrap();
    assert_eq!(summaries(&p), ["one", "two"]);
    let missing: HashSet<BlobId> = p.missing_blobs().into_iter().collect();
    let expected: HashSet<BlobId> = ["a\n", "b\n", "a2\n"].iter().map(|c| git.blob(c)).collect();
    assert_eq!(missing, expected);
    assert_eq!(intros(&p, git.blob("a2\n")), s(&[("two", "a.txt")]));
    assert!(repo.blobs().unwrap().blobs.is_empty());
    match repo.reader().read(git.blob("a\n"), &mut Vec::new()) {
        Err(Error::Missing { id }) => assert_eq!(id.to_string(), git.blob("a\n").to_string()),
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn empty_repository() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    let repo = open(&git);
    let p = repo.provenance(&RefSelection::All).unwrap();
    assert!(p.commits.is_empty() && p.introduced.is_empty() && p.at_head.is_empty());
    assert!(p.head.is_none() && p.default_branch.is_none() && p.missing.is_empty());
    let list = repo.blobs().unwrap();
    assert!(list.blobs.is_empty() && list.problems.is_empty());
    assert_eq!(repo.staged().unwrap(), vec![]);
    assert!(!repo.is_shallow() && !repo.is_partial_clone());
    assert!(matches!(repo.provenance(&RefSelection::Branch("main".into())), Err(Error::NoSuchRef { .. })));
}

#[test]
fn range_of_a_feature_branch() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "a v1\n");
    git.write("keep.txt", "keep\n");
    git.commit("base");
    git.run(&["checkout", "-q", "-b", "feature"]);
    git.write("a.txt", "a v2\n");
    git.write("n/new.txt", "new v1\n");
    git.commit("feature one");
    git.write("n/new.txt", "new v2\n");
    git.commit("feature two");

    let repo = open(&git);
    let r = repo.range("main", "feature").unwrap();
    let summaries: Vec<&str> = r.commits.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(summaries, ["feature one", "feature two"]);
    let changes: Vec<(u32, String, BlobId, Option<BlobId>)> =
        r.changes.iter().map(|c| (c.commit, c.path.to_string(), c.new, c.old)).collect();
    assert_eq!(
        changes,
        vec![
            (0, "a.txt".into(), git.blob("a v2\n"), Some(git.blob("a v1\n"))),
            (0, "n/new.txt".into(), git.blob("new v1\n"), None),
            (1, "n/new.txt".into(), git.blob("new v2\n"), Some(git.blob("new v1\n"))),
        ]
    );
    assert_eq!(r.commits[1].parents, vec![0]);

    // since REV = REV..HEAD; HEAD is on feature.
    assert_eq!(repo.since("feature~1").unwrap().commits.len(), 1);
    let by_id = repo.range(&git.rev("main"), "feature~0").unwrap();
    assert_eq!(by_id.changes.len(), 3);
    // Nothing is in main that is not in feature: empty, not an error.
    let empty = repo.range("feature", "main").unwrap();
    assert!(empty.commits.is_empty() && empty.changes.is_empty());
    match repo.range("nope", "feature") {
        Err(Error::NoSuchRef { name }) => assert_eq!(name, "nope"),
        other => panic!("expected NoSuchRef, got {other:?}"),
    }
    assert!(matches!(repo.range("main", "feature~9"), Err(Error::NoSuchRef { name }) if name == "feature~9"));
}

#[test]
fn range_with_a_merge_reports_only_what_the_merge_itself_changed() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("conf.txt", "v1\n");
    git.commit("base");
    git.run(&["checkout", "-q", "-b", "topic"]);
    git.write("topic.txt", "topic\n");
    git.commit("topic work");
    git.run(&["checkout", "-q", "main"]);
    let base = git.rev("HEAD");
    git.run(&["checkout", "-q", "-b", "integration"]);
    git.write("side.txt", "side\n");
    git.commit("side work");
    git.tick();
    git.run(&["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    git.write("conf.txt", "v2 during merge\n");
    git.run(&["add", "conf.txt"]);
    git.run(&["commit", "-q", "-m", "merge topic"]);

    let r = open(&git).range(&base, "integration").unwrap();
    let summaries: Vec<&str> = r.commits.iter().map(|c| c.summary.as_str()).collect();
    // Parents first; "topic work" is older than "side work".
    assert_eq!(summaries, ["topic work", "side work", "merge topic"]);
    let by_merge: Vec<(String, BlobId, Option<BlobId>)> =
        r.changes.iter().filter(|c| c.commit == 2).map(|c| (c.path.to_string(), c.new, c.old)).collect();
    assert_eq!(by_merge, vec![("conf.txt".into(), git.blob("v2 during merge\n"), Some(git.blob("v1\n")))]);
    assert_eq!(r.commits[2].parents, vec![1, 0], "first parent first");
}

#[test]
fn staged_changes_relative_to_head() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "a v1\n");
    git.write("deep/er/x.txt", "x\n");
    git.write("deep/y.txt", "y\n");
    git.write("other/z.txt", "z\n");
    git.commit("base");
    git.write("a.txt", "a v2\n");
    git.write("deep/er/new.txt", "new\n");
    git.write("other/z.txt", "z changed but not staged\n");
    git.run(&["add", "a.txt", "deep/er/new.txt"]);
    git.remove("deep/y.txt");
    git.run(&["add", "deep/y.txt"]); // a deletion: not listed

    let repo = open(&git);
    let staged = repo.staged().unwrap();
    let got: Vec<(String, BlobId, Option<BlobId>)> =
        staged.iter().map(|c| (c.path.to_string(), c.new, c.old)).collect();
    assert_eq!(
        got,
        vec![
            ("a.txt".into(), git.blob("a v2\n"), Some(git.blob("a v1\n"))),
            ("deep/er/new.txt".into(), git.blob("new\n"), None),
        ]
    );

    // After committing, nothing is staged.
    git.commit("second");
    assert_eq!(open(&git).staged().unwrap(), vec![]);

    // Also when the index has no cached trees at all (written by `git read-tree`).
    git.run(&["read-tree", "HEAD"]);
    assert_eq!(open(&git).staged().unwrap(), vec![]);
    git.write("deep/er/x.txt", "x2\n");
    git.run(&["add", "deep/er/x.txt"]);
    let got: Vec<String> = open(&git).staged().unwrap().iter().map(|c| c.path.to_string()).collect();
    assert_eq!(got, ["deep/er/x.txt"]);
}

#[test]
fn staged_in_a_repository_without_commits() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "a\n");
    git.write("d/b.txt", "b\n");
    git.run(&["add", "."]);
    git.write("later.txt", "intent to add only\n");
    git.run(&["add", "-N", "later.txt"]);
    let repo = open(&git);
    let got: Vec<(String, BlobId, Option<BlobId>)> =
        repo.staged().unwrap().iter().map(|c| (c.path.to_string(), c.new, c.old)).collect();
    assert_eq!(got, vec![("a.txt".into(), git.blob("a\n"), None), ("d/b.txt".into(), git.blob("b\n"), None)]);
}

#[test]
fn corrupt_loose_object_names_its_id_and_others_still_read() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("good.txt", "good content\n");
    git.write("bad.txt", "this object will be corrupted\n");
    git.commit("c");
    let bad = git.blob("this object will be corrupted\n");
    let good = git.blob("good content\n");
    let hex = bad.to_string();
    let path = git.dir.join(".git/objects").join(&hex[..2]).join(&hex[2..]);
    writable(&path);
    std::fs::write(&path, b"this is not zlib data at all, just garbage bytes").unwrap();

    let repo = open(&git);
    let mut reader = repo.reader();
    let mut buf = Vec::new();
    match reader.read(bad, &mut buf) {
        Err(e @ Error::Object { .. }) => assert!(e.to_string().contains(&hex), "{e}"),
        other => panic!("expected an Object error, got {other:?}"),
    }
    reader.read(good, &mut buf).unwrap();
    assert_eq!(buf, b"good content\n");

    let list = repo.blobs().unwrap();
    assert!(list.blobs.iter().any(|b| b.id == good));
    assert!(list.problems.iter().any(|p| p.contains(&hex)), "{:?}", list.problems);
    // History still names it: the tree is fine, only the blob's bytes are broken.
    let p = repo.provenance(&RefSelection::All).unwrap();
    assert_eq!(intros(&p, bad), s(&[("c", "bad.txt")]));
}

/// Makes a loose object or pack file writable (git writes them read-only).
fn writable(path: &std::path::Path) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
}

#[test]
fn corrupt_tree_is_missing_and_the_rest_of_history_goes_on() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("top.txt", "top\n");
    git.write("sub/inner.txt", "inner\n");
    git.commit("c");
    let sub = git.rev("HEAD:sub");
    let path = git.dir.join(".git/objects").join(&sub[..2]).join(&sub[2..]);
    writable(&path);
    std::fs::write(&path, b"garbage").unwrap();

    let p = open(&git).provenance(&RefSelection::All).unwrap();
    assert_eq!(intros(&p, git.blob("top\n")), s(&[("c", "top.txt")]));
    assert!(intros(&p, git.blob("inner\n")).is_empty());
    let missing: Vec<_> = p.missing.iter().filter(|m| m.id.to_string() == sub).collect();
    assert_eq!(missing.len(), 1, "{:?}", p.missing);
    assert_eq!(missing[0].kind, sprawl_git::ObjectKind::Tree);
    assert!(missing[0].context.contains("sub"), "{:?}", missing[0]);
}

#[test]
fn corrupt_pack_entry_and_garbage_pack_are_problems_not_failures() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("a.txt", "alpha\n");
    git.write("b.txt", "bravo\n");
    git.commit("c");
    git.run(&["gc", "-q"]);
    let pack_dir = git.dir.join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let alpha = git.blob("alpha\n");
    let (_, offset, _) = pack_blobs(&git, &idx).into_iter().find(|b| b.0 == alpha).unwrap();
    // Give alpha's entry the reserved object type 5.
    let pack = idx.with_extension("pack");
    writable(&pack);
    let mut bytes = std::fs::read(&pack).unwrap();
    let header = &mut bytes[offset as usize];
    *header = (*header & 0x8f) | 0x50;
    std::fs::write(&pack, &bytes).unwrap();
    // And a pack that is garbage altogether.
    let bad = pack_dir.join(format!("pack-{}", "0".repeat(40)));
    std::fs::write(bad.with_extension("idx"), vec![0x5a; 2000]).unwrap();
    std::fs::write(bad.with_extension("pack"), vec![0x5a; 2000]).unwrap();

    let repo = open(&git);
    let list = repo.blobs().unwrap();
    assert!(list.blobs.iter().any(|b| b.id == git.blob("bravo\n")));
    assert!(list.blobs.iter().all(|b| b.id != alpha));
    assert!(list.problems.iter().any(|p| p.contains(&alpha.to_string())), "{:?}", list.problems);
    assert!(list.problems.iter().any(|p| p.contains(&"0".repeat(40))), "{:?}", list.problems);
    assert_eq!(list.packs, 1);

    let mut reader = repo.reader();
    let mut buf = Vec::new();
    assert!(matches!(reader.read(alpha, &mut buf), Err(Error::Object { .. } | Error::Missing { .. })));
    reader.read(git.blob("bravo\n"), &mut buf).unwrap();
    assert_eq!(buf, b"bravo\n");
    let p = repo.provenance(&RefSelection::All).unwrap();
    assert_eq!(intros(&p, alpha), s(&[("c", "a.txt")]));
}

#[test]
fn blob_id_for_matches_git_hash_object() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    for content in ["", "hello\n", "no newline", &"x".repeat(100_000)] {
        assert_eq!(blob_id_for(content.as_bytes()), git.blob(content), "{:?}", &content[..content.len().min(20)]);
    }
    let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    std::fs::write(git.dir.join("bin"), &binary).unwrap();
    assert_eq!(blob_id_for(&binary), parse_id(&git.run(&["hash-object", "bin"])));
}

#[test]
fn open_work_tree_subdirectory_bare_and_non_repository() {
    let sb = Sandbox::new();
    let git = sb.init("r");
    git.write("sub/dir/f.txt", "f\n");
    git.commit("c");
    let from_sub = Repo::open(&git.dir.join("sub/dir")).unwrap();
    assert_eq!(from_sub.work_dir().map(|p| p.canonicalize().unwrap()), Some(git.dir.canonicalize().unwrap()));
    assert!(from_sub.git_dir().ends_with(".git"));

    git.run_in(sb.tmp.path(), &["clone", "-q", "--bare", git.dir.to_str().unwrap(), "bare.git"]);
    let bare = Repo::open(&sb.path("bare.git")).unwrap();
    assert!(bare.work_dir().is_none());
    let p = bare.provenance(&RefSelection::All).unwrap();
    assert_eq!(p.head.map(|h| h.to_string()), Some(git.rev("HEAD")));
    assert!(p.at_head.contains(&git.blob("f\n")));
    assert_eq!(bare.staged().unwrap(), vec![]);

    let plain = sb.path("plain");
    std::fs::create_dir(&plain).unwrap();
    match Repo::open(&plain) {
        Err(Error::NotARepository { path }) => assert_eq!(path, plain),
        other => panic!("expected NotARepository, got {other:?}"),
    }
    let nowhere = sb.path("does-not-exist");
    let err = Repo::open(&nowhere).unwrap_err();
    assert!(matches!(err, Error::Open { .. }) && err.to_string().contains("does-not-exist"), "{err}");
}
