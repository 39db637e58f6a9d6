//! Content fingerprints: a keyed BLAKE3 hash of a secret's value.
//!
//! The same secret gets the same fingerprint wherever it moves (another line, another file,
//! another commit), a different secret a different one, and without the key nobody can test a
//! guess against a fingerprint found in a report or a baseline.
//!
//! The key comes from `SPRAWL_FINGERPRINT_KEY` (the binary passes its value in; any string,
//! stretched with BLAKE3's key derivation) or from a per-project key file,
//! `.sprawl/fingerprint.key` at the project root, created on first use. Commit that file next
//! to your baseline so that CI computes the same fingerprints as your machine.

use std::path::{Path, PathBuf};

use sprawl_core::Fingerprint;

/// The context string for deriving keys from passphrases (BLAKE3 `derive_key`).
const CONTEXT: &str = "sprawl 2026 secret fingerprint key v1";

/// Where a project keeps its key, relative to its root.
pub const KEY_FILE: &str = ".sprawl/fingerprint.key";

/// A fingerprint key.
#[derive(Clone)]
pub struct FingerprintKey([u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(…)")
    }
}

/// Why a key could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("{}: cannot read the fingerprint key: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: not a fingerprint key (expected 64 hex digits)", path.display())]
    Malformed { path: PathBuf },
    #[error("{}: cannot create the fingerprint key: {source}", path.display())]
    Create { path: PathBuf, source: std::io::Error },
}

impl FingerprintKey {
    /// A key derived from a passphrase (the value of `SPRAWL_FINGERPRINT_KEY`).
    pub fn from_passphrase(passphrase: &str) -> FingerprintKey {
        FingerprintKey(blake3::derive_key(CONTEXT, passphrase.as_bytes()))
    }

    /// The key of the project at `root`: read from its key file, or created there (from the
    /// operating system's randomness) if there is none.
    pub fn for_project(root: &Path) -> Result<FingerprintKey, KeyError> {
        FingerprintKey::from_file(&root.join(KEY_FILE))
    }

    /// The key kept in the file at `path`, created there (from the operating system's randomness)
    /// if there is none.
    pub fn from_file(path: &Path) -> Result<FingerprintKey, KeyError> {
        let path = path.to_path_buf();
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_hex(text.trim()).map(FingerprintKey).ok_or(KeyError::Malformed { path }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                random(&mut key).map_err(|source| KeyError::Create { path: path.clone(), source })?;
                let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
                let write = || -> std::io::Result<()> {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&path, format!("{hex}\n"))
                };
                write().map_err(|source| KeyError::Create { path: path.clone(), source })?;
                tracing::info!(path = %path.display(), "created a fingerprint key; commit it with your baseline");
                Ok(FingerprintKey(key))
            }
            Err(source) => Err(KeyError::Read { path, source }),
        }
    }

    /// The fingerprint of a secret's value.
    pub fn fingerprint(&self, secret: &[u8]) -> Fingerprint {
        Fingerprint(*blake3::keyed_hash(&self.0, secret).as_bytes())
    }
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    Fingerprint::parse(s).map(|f| f.0)
}

/// Fills `buf` from the operating system's random source.
fn random(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_distinct_and_keyed() {
        let k = FingerprintKey::from_passphrase("team secret");
        let a = k.fingerprint(b"value-one");
        assert_eq!(a, k.fingerprint(b"value-one"));
        assert_ne!(a, k.fingerprint(b"value-two"));
        assert_ne!(a, FingerprintKey::from_passphrase("other").fingerprint(b"value-one"));
        // Not the plain hash of the value.
        assert_ne!(a.0, *blake3::hash(b"value-one").as_bytes());
    }

    #[test]
    fn project_key_is_created_once_and_reused() {
        let d = tempfile::tempdir().unwrap();
        let k1 = FingerprintKey::for_project(d.path()).unwrap();
        let text = std::fs::read_to_string(d.path().join(KEY_FILE)).unwrap();
        assert_eq!(text.trim().len(), 64);
        let k2 = FingerprintKey::for_project(d.path()).unwrap();
        assert_eq!(k1.fingerprint(b"x"), k2.fingerprint(b"x"));
        std::fs::write(d.path().join(KEY_FILE), "nonsense\n").unwrap();
        assert!(matches!(FingerprintKey::for_project(d.path()), Err(KeyError::Malformed { .. })));
    }
}
