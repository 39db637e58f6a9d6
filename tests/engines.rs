//! `--engine` and the matcher database cache, end to end through the binary.
//!
//! Without the `vectorscan` feature: asking for Vectorscan is an error (exit 2), never a silent
//! fallback. With it: every backend reports the same findings, and the compiled database is
//! kept in `$XDG_CACHE_HOME/sprawl`, reused by the next run and rebuilt when corrupt.

#![allow(clippy::unwrap_used)] // Tests and benches fail loudly by design.

use std::path::Path;

use assert_cmd::Command;

/// Runs `sprawl scan -f jsonl` with the cache under `cache_home`; returns (exit code, stdout,
/// stderr).
fn scan(engine: &str, cache_home: &Path, dir: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("sprawl")
        .unwrap()
        .env("XDG_CACHE_HOME", cache_home)
        .args(["scan", "-f", "jsonl", "--min-confidence", "low", "--engine", engine])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A directory with the first example of every built-in rule, one file each.
fn planted() -> tempfile::TempDir {
    let (rules, errors) = sprawl_rules::RuleSet::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let dir = tempfile::tempdir().unwrap();
    for (i, rule) in rules.rules().iter().enumerate() {
        std::fs::write(dir.path().join(format!("planted_{i:03}.txt")), format!("# x\n{}\n", rule.examples[0])).unwrap();
    }
    dir
}

#[cfg(not(feature = "vectorscan"))]
#[test]
fn vectorscan_without_the_feature_is_an_error() {
    let dir = planted();
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = scan("vectorscan", cache.path(), dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "nothing is scanned: {stdout}");
    assert!(stderr.contains("not compiled into this binary") && stderr.contains("--features vectorscan"), "{stderr}");
    // The other choices work.
    for engine in ["auto", "prefilter"] {
        let (code, stdout, stderr) = scan(engine, cache.path(), dir.path());
        assert_eq!(code, 1, "{engine}: {stderr}");
        assert!(!stdout.is_empty());
    }
}

#[cfg(feature = "vectorscan")]
mod with_vectorscan {
    use std::os::unix::fs::MetadataExt;
    use std::path::PathBuf;

    use super::*;

    /// The files in the cache directory.
    fn entries(cache_home: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(cache_home.join("sprawl"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn every_engine_reports_the_same_findings() {
        let dir = planted();
        let cache = tempfile::tempdir().unwrap();
        let (code, reference, stderr) = scan("prefilter", cache.path(), dir.path());
        assert_eq!(code, 1, "{stderr}");
        assert!(reference.lines().count() >= 40);
        assert!(entries(cache.path()).is_empty(), "the prefilter has nothing to cache");
        for engine in ["vectorscan", "auto"] {
            let (code, stdout, stderr) = scan(engine, cache.path(), dir.path());
            assert_eq!(code, 1, "{engine}: {stderr}");
            assert_eq!(stdout, reference, "{engine}");
        }
        // `auto` is Vectorscan here: it used (and kept) a compiled database.
        assert_eq!(entries(cache.path()).len(), 1);
    }

    #[test]
    fn the_database_is_cached_reused_and_rebuilt_when_corrupt() {
        let dir = planted();
        let cache = tempfile::tempdir().unwrap();
        let (code, reference, stderr) = scan("vectorscan", cache.path(), dir.path());
        assert_eq!(code, 1, "{stderr}");
        let files = entries(cache.path());
        assert_eq!(files.len(), 1, "one database entry: {files:?}");
        let entry = &files[0];
        let written = std::fs::metadata(entry).unwrap();
        let bytes = std::fs::read(entry).unwrap();

        // A second run loads the entry and does not write it again (a write is a rename of a
        // new file, so the inode would change).
        let (code, stdout, _) = scan("vectorscan", cache.path(), dir.path());
        assert_eq!((code, &stdout), (1, &reference));
        let after = std::fs::metadata(entry).unwrap();
        assert_eq!(
            (after.ino(), after.mtime(), after.mtime_nsec()),
            (written.ino(), written.mtime(), written.mtime_nsec())
        );
        assert_eq!(entries(cache.path()), files);

        let mid = bytes.len() / 2;
        let corruptions: Vec<(&str, Vec<u8>)> = vec![
            ("a flipped byte", {
                let mut b = bytes.clone();
                b[mid] ^= 0x40;
                b
            }),
            ("the last byte flipped", {
                let mut b = bytes.clone();
                *b.last_mut().unwrap() ^= 1;
                b
            }),
            ("truncated", bytes[..mid].to_vec()),
            ("empty", Vec::new()),
        ];
        for (what, bad) in corruptions {
            std::fs::write(entry, &bad).unwrap();
            let (code, stdout, stderr) = scan("vectorscan", cache.path(), dir.path());
            assert_eq!(code, 1, "{what}: {stderr}");
            assert_eq!(stdout, reference, "{what}: findings change");
            let rebuilt = std::fs::read(entry).unwrap();
            assert_ne!(rebuilt, bad, "{what}: the corrupt entry is replaced");
            assert_eq!(entries(cache.path()), files, "{what}: no stray files");
            // And the replacement is what the next run uses.
            let replaced = std::fs::metadata(entry).unwrap();
            let (_, stdout, _) = scan("vectorscan", cache.path(), dir.path());
            assert_eq!(stdout, reference);
            assert_eq!(std::fs::metadata(entry).unwrap().ino(), replaced.ino(), "{what}");
        }
    }
}
