//! A content-addressed cache directory for expensive, reproducible artefacts (a compiled
//! Vectorscan database). Entries are written atomically (temporary file, then rename) and
//! carry a BLAKE3 checksum of their bytes, so a truncated or corrupted entry reads as absent
//! and is rebuilt, never trusted.

use std::path::{Path, PathBuf};

/// A cache directory, usually `$XDG_CACHE_HOME/sprawl` or `~/.cache/sprawl`.
#[derive(Clone, Debug)]
pub struct DirCache {
    dir: PathBuf,
}

/// Bytes that precede every entry: a format tag and the checksum of the payload.
const MAGIC: &[u8; 8] = b"sprawl\x01\x00";

impl DirCache {
    pub fn new(dir: impl Into<PathBuf>) -> DirCache {
        DirCache { dir: dir.into() }
    }

    /// The user's cache directory for sprawl: `$XDG_CACHE_HOME/sprawl`, else
    /// `$HOME/.cache/sprawl`; `None` when neither is set. The binary passes the environment in
    /// (libraries do not read it).
    pub fn user_dir(xdg_cache_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
        match (xdg_cache_home, home) {
            (Some(x), _) if x.is_absolute() => Some(x.join("sprawl")),
            (_, Some(h)) => Some(h.join(".cache").join("sprawl")),
            _ => None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are hashed so that any string is a safe file name.
        self.dir.join(blake3::hash(key.as_bytes()).to_hex().as_str())
    }

    /// The bytes stored under `key`, or `None` if absent, unreadable, truncated or corrupt.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let data = std::fs::read(self.path(key)).ok()?;
        let payload = data.strip_prefix(MAGIC.as_slice())?;
        let (sum, body) = payload.split_at_checked(32)?;
        if blake3::hash(body).as_bytes() != sum {
            tracing::warn!(key, "cache entry is corrupt; rebuilding it");
            return None;
        }
        Some(body.to_vec())
    }

    /// Stores `bytes` under `key`. Failure is logged and otherwise ignored: a cache that
    /// cannot be written only costs time.
    pub fn put(&self, key: &str, bytes: &[u8]) {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let target = self.path(key);
            let tmp = target.with_extension(format!("tmp{}", std::process::id()));
            let mut data = Vec::with_capacity(MAGIC.len() + 32 + bytes.len());
            data.extend_from_slice(MAGIC);
            data.extend_from_slice(blake3::hash(bytes).as_bytes());
            data.extend_from_slice(bytes);
            std::fs::write(&tmp, &data)?;
            std::fs::rename(&tmp, &target)
        };
        if let Err(e) = write() {
            tracing::warn!(dir = %self.dir.display(), "cannot write the cache: {e}");
        }
    }
}

/// The matcher's database cache (Vectorscan's compiled keyword database lives here). The
/// matcher checks what it reads back, on top of this cache's own checksum.
impl sprawl_matcher::DatabaseCache for DirCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        DirCache::get(self, key)
    }

    fn put(&self, key: &str, bytes: &[u8]) {
        DirCache::put(self, key, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let d = tempfile::tempdir().unwrap();
        let c = DirCache::new(d.path().join("sub"));
        assert_eq!(c.get("k"), None);
        c.put("k", b"compiled database");
        assert_eq!(c.get("k").as_deref(), Some(&b"compiled database"[..]));
        // Flip one byte of the payload: the entry is no longer trusted.
        let p = c.path("k");
        let mut raw = std::fs::read(&p).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        std::fs::write(&p, &raw).unwrap();
        assert_eq!(c.get("k"), None);
        // Truncated.
        std::fs::write(&p, &raw[..10]).unwrap();
        assert_eq!(c.get("k"), None);
        c.put("k", b"again");
        assert_eq!(c.get("k").as_deref(), Some(&b"again"[..]));
    }

    #[test]
    fn user_dir() {
        assert_eq!(DirCache::user_dir(Some(Path::new("/x")), Some(Path::new("/h"))), Some(PathBuf::from("/x/sprawl")));
        assert_eq!(DirCache::user_dir(None, Some(Path::new("/h"))), Some(PathBuf::from("/h/.cache/sprawl")));
        assert_eq!(DirCache::user_dir(Some(Path::new("rel")), None), None);
    }
}
