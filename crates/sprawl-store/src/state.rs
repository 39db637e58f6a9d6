//! Incremental sweep state: per repository, the blobs already scanned and what was found in them.
//!
//! `sprawl sweep` scans every blob of every repository once; a later sweep of the same
//! repositories skips the blobs recorded here and takes their findings from here instead, so a
//! re-sweep costs only the objects that are new. The state is one SQLite file:
//!
//! * `repos`: one row per repository, keyed by its canonical path, with the digest of the scan
//!   configuration (rules, confidence floor, …) it was scanned under. A repository recorded
//!   under another configuration counts as never scanned: its blobs are scanned again;
//! * `blobs`: the ids of the blobs whose scan completed;
//! * `findings`: what was found in them, one row per occurrence, with the secret's value.
//!
//! Because it holds secret values, the file is created with mode 0600 (and an existing file is
//! narrowed to it), in a directory created with mode 0700. SQLite gives its journal the same
//! mode as the database.
//!
//! [`State::record`] writes one repository's results in one transaction, after its scan has
//! completed: a crash leaves either the old state or the new one, never blobs recorded as
//! scanned whose findings are missing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use sprawl_core::{BlobId, Companion, Confidence, Finding, Fingerprint, Location, Origin, Secret};

/// What a state file holds about one repository.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Blobs already scanned.
    pub blobs: HashSet<BlobId>,
    /// The findings of those blobs, each with its blob. Their origin is [`Origin::Stdin`]: the
    /// caller names them from a fresh history walk.
    pub findings: Vec<(BlobId, Finding)>,
    /// The repository was recorded under another scan configuration, so nothing is known.
    pub stale: bool,
}

/// Why the state could not be read or written; every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("{}: sweep state: {source}", path.display())]
    Sql {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: sweep state: repository {repo}: {message}", path.display())]
    Corrupt { path: PathBuf, repo: String, message: String },
}

/// An open state file. One writer at a time (SQLite locks the file).
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS repos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    blob BLOB NOT NULL,
    PRIMARY KEY (repo, blob)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    repo INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    blob BLOB NOT NULL,
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    identity TEXT NOT NULL,
    secret BLOB NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    confidence TEXT NOT NULL,
    reason TEXT NOT NULL,
    decoded TEXT NOT NULL,
    fingerprint BLOB,
    companions TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_repo ON findings (repo);
";

/// Encodings a finding can be decoded from, so that stored names come back as the
/// `&'static str`s that findings carry.
const ENCODINGS: &[&str] = &["base64", "hex", "percent", "escaped"];

impl State {
    /// Opens (creating it and its directory when missing) the state file at `path`, with mode
    /// 0600.
    pub fn open(path: &Path) -> Result<State, StateError> {
        let io = |e: std::io::Error| StateError::Io { path: path.to_path_buf(), message: e.to_string() };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(io)?;
        }
        create_private_file(path).map_err(io)?;
        let sql = |source| StateError::Sql { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(sql)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;").map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        Ok(State { conn, path: path.to_path_buf() })
    }

    /// The file this state lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> StateError + '_ {
        move |source| StateError::Sql { path: self.path.clone(), source }
    }

    /// What is recorded for the repository `repo` (its canonical path) under the scan
    /// configuration `config`; empty (and [`Known::stale`]) when it was recorded under another.
    pub fn load(&self, repo: &str, config: &str) -> Result<Known, StateError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row("SELECT id, config FROM repos WHERE path = ?1", [repo], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(self.sql())?;
        let Some((id, recorded)) = row else { return Ok(Known::default()) };
        if recorded != config {
            return Ok(Known { stale: true, ..Known::default() });
        }
        let mut known = Known::default();
        let mut stmt = self.conn.prepare("SELECT blob FROM blobs WHERE repo = ?1").map_err(self.sql())?;
        let rows = stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0)).map_err(self.sql())?;
        for blob in rows {
            let blob = blob.map_err(self.sql())?;
            known.blobs.insert(self.blob_id(repo, &blob)?);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT blob, rule_id, rule_name, identity, secret, line, col, byte_offset, confidence, reason, \
                 decoded, fingerprint, companions FROM findings WHERE repo = ?1 ORDER BY rowid",
            )
            .map_err(self.sql())?;
        let rows = stmt.query_map([id], StoredRow::read).map_err(self.sql())?;
        for row in rows {
            let row = row.map_err(self.sql())?;
            let blob = self.blob_id(repo, &row.blob)?;
            let finding = row.finding().map_err(|message| self.corrupt(repo, message))?;
            known.findings.push((blob, finding));
        }
        Ok(known)
    }

    /// Records, in one transaction, that the blobs `scanned` of `repo` were scanned under
    /// `config` and that `findings` (each with the blob it is in) were found in them, beside
    /// what was recorded before. A repository recorded under another configuration, or any
    /// repository when `replace` is set (a full rescan), is forgotten first, in the same
    /// transaction.
    pub fn record(
        &mut self,
        repo: &str,
        config: &str,
        replace: bool,
        scanned: &[BlobId],
        findings: &[(BlobId, &Finding)],
    ) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sql)?;
        let existing: Option<(i64, String)> = tx
            .query_row("SELECT id, config FROM repos WHERE path = ?1", [repo], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        let id = match existing {
            Some((id, recorded)) if recorded == config && !replace => id,
            Some((id, _)) => {
                tx.execute("DELETE FROM blobs WHERE repo = ?1", [id]).map_err(sql)?;
                tx.execute("DELETE FROM findings WHERE repo = ?1", [id]).map_err(sql)?;
                tx.execute("UPDATE repos SET config = ?2 WHERE id = ?1", params![id, config]).map_err(sql)?;
                id
            }
            None => {
                tx.execute("INSERT INTO repos (path, config) VALUES (?1, ?2)", params![repo, config]).map_err(sql)?;
                tx.last_insert_rowid()
            }
        };
        {
            let mut insert = tx.prepare("INSERT OR IGNORE INTO blobs (repo, blob) VALUES (?1, ?2)").map_err(sql)?;
            for blob in scanned {
                insert.execute(params![id, &blob.0[..]]).map_err(sql)?;
            }
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (repo, blob, rule_id, rule_name, identity, secret, line, col, \
                     byte_offset, confidence, reason, decoded, fingerprint, companions) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                )
                .map_err(sql)?;
            for (blob, f) in findings {
                insert
                    .execute(params![
                        id,
                        &blob.0[..],
                        &*f.rule_id,
                        &*f.rule_name,
                        &*f.identity,
                        f.secret.expose(),
                        f.location.line,
                        f.location.column,
                        f.location.offset as i64,
                        f.confidence.as_str(),
                        &f.reason,
                        f.decoded.join(","),
                        f.fingerprint.as_ref().map(|fp| fp.0.to_vec()),
                        companions_text(&f.companions),
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// Forgets everything recorded about `repo`.
    pub fn forget(&mut self, repo: &str) -> Result<(), StateError> {
        self.conn.execute("DELETE FROM repos WHERE path = ?1", [repo]).map_err(self.sql())?;
        Ok(())
    }

    fn blob_id(&self, repo: &str, bytes: &[u8]) -> Result<BlobId, StateError> {
        bytes.try_into().map(BlobId).map_err(|_| self.corrupt(repo, format!("a blob id of {} bytes", bytes.len())))
    }

    fn corrupt(&self, repo: &str, message: String) -> StateError {
        StateError::Corrupt { path: self.path.clone(), repo: repo.to_owned(), message }
    }
}

/// One `findings` row as stored.
struct StoredRow {
    blob: Vec<u8>,
    rule_id: String,
    rule_name: String,
    identity: String,
    secret: Vec<u8>,
    line: u32,
    column: u32,
    offset: i64,
    confidence: String,
    reason: String,
    decoded: String,
    fingerprint: Option<Vec<u8>>,
    companions: String,
}

impl StoredRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
        Ok(StoredRow {
            blob: r.get(0)?,
            rule_id: r.get(1)?,
            rule_name: r.get(2)?,
            identity: r.get(3)?,
            secret: r.get(4)?,
            line: r.get(5)?,
            column: r.get(6)?,
            offset: r.get(7)?,
            confidence: r.get(8)?,
            reason: r.get(9)?,
            decoded: r.get(10)?,
            fingerprint: r.get(11)?,
            companions: r.get(12)?,
        })
    }

    /// The finding, with [`Origin::Stdin`] for an origin. `Err` names what is malformed (never
    /// the secret).
    fn finding(self) -> Result<Finding, String> {
        let confidence = Confidence::parse(&self.confidence)
            .ok_or_else(|| format!("rule {}: unknown confidence {:?}", self.rule_id, self.confidence))?;
        let decoded = self
            .decoded
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|name| {
                ENCODINGS
                    .iter()
                    .copied()
                    .find(|e| *e == name)
                    .ok_or_else(|| format!("rule {}: unknown encoding {name:?}", self.rule_id))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fingerprint = match self.fingerprint {
            None => None,
            Some(bytes) => Some(Fingerprint(
                bytes.try_into().map_err(|_| format!("rule {}: a fingerprint of the wrong length", self.rule_id))?,
            )),
        };
        let companions =
            parse_companions(&self.companions).ok_or_else(|| format!("rule {}: malformed companions", self.rule_id))?;
        Ok(Finding {
            rule_id: Arc::from(self.rule_id.as_str()),
            rule_name: Arc::from(self.rule_name.as_str()),
            identity: Arc::from(self.identity.as_str()),
            secret: Secret::new(self.secret),
            location: Location {
                origin: Origin::Stdin,
                line: self.line,
                column: self.column,
                offset: u64::try_from(self.offset).unwrap_or_default(),
            },
            confidence,
            reason: self.reason,
            companions,
            decoded,
            fingerprint,
        })
    }
}

/// A digest of what a scan's results depend on besides the scanned bytes (rules, options,
/// configuration files, the version), for [`State::load`] and [`State::record`]: state recorded
/// under one digest is not trusted under another.
pub fn config_digest(parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex().to_string()
}

/// Companions as text: one per line, `rule<TAB>line<TAB>hex of the value`.
fn companions_text(companions: &[Companion]) -> String {
    companions
        .iter()
        .map(|c| {
            let hex: String = c.secret.expose().iter().map(|b| format!("{b:02x}")).collect();
            format!("{}\t{}\t{hex}", c.rule_id, c.line)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_companions(text: &str) -> Option<Vec<Companion>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.split('\t');
            let (rule, line, hex) = (parts.next()?, parts.next()?, parts.next()?);
            if hex.len() % 2 != 0 {
                return None;
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            Some(Companion { rule_id: Arc::from(rule), secret: Secret::new(bytes), line: line.parse().ok()? })
        })
        .collect()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates `path` with mode 0600 when missing, and narrows an existing file to 0600.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    let mode = file.metadata()?.permissions().mode() & 0o777;
    if mode != 0o600 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().create(true).append(true).open(path).map(drop)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn blob(n: u8) -> BlobId {
        BlobId([n; 20])
    }

    fn finding(secret: &str, line: u32) -> Finding {
        Finding {
            rule_id: "demo.token".into(),
            rule_name: "Demo token".into(),
            identity: "demo".into(),
            secret: Secret::new(secret.as_bytes().to_vec()),
            location: Location { origin: Origin::Stdin, line, column: 5, offset: 77 },
            confidence: Confidence::Confirmed,
            reason: "checksum valid".into(),
            companions: vec![Companion {
                rule_id: "demo.id".into(),
                secret: Secret::new(b"ID\t1\n".to_vec()),
                line: 2,
            }],
            decoded: vec!["base64", "percent"],
            fingerprint: Some(Fingerprint([7; 32])),
        }
    }

    #[test]
    fn digests_separate_their_parts() {
        assert_ne!(config_digest(&[b"ab", b"c"]), config_digest(&[b"a", b"bc"]));
        assert_eq!(config_digest(&[b"x"]), config_digest(&[b"x"]));
    }

    #[test]
    fn round_trip_per_repository() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/sweep.sqlite");
        let f = finding("demo_k3j5h7g9x2q8", 3);
        {
            let mut state = State::open(&path).unwrap();
            state.record("/repos/a", "cfg1", false, &[blob(1), blob(2)], &[(blob(2), &f)]).unwrap();
            state.record("/repos/b", "cfg1", false, &[blob(3)], &[]).unwrap();
        }
        let state = State::open(&path).unwrap();
        let a = state.load("/repos/a", "cfg1").unwrap();
        assert_eq!(a.blobs, HashSet::from([blob(1), blob(2)]));
        assert_eq!(a.findings, vec![(blob(2), f.clone())]);
        assert!(!a.stale);

        let b = state.load("/repos/b", "cfg1").unwrap();
        assert_eq!(b.blobs, HashSet::from([blob(3)]), "repositories are kept apart");
        assert!(b.findings.is_empty());
        let unknown = state.load("/repos/c", "cfg1").unwrap();
        assert!(unknown.blobs.is_empty() && !unknown.stale);
    }

    #[test]
    fn recording_again_adds_and_another_configuration_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.sqlite");
        let mut state = State::open(&path).unwrap();
        let f = finding("demo_a1b2c3d4e5f6", 1);
        state.record("/r", "cfg1", false, &[blob(1)], &[(blob(1), &f)]).unwrap();
        state.record("/r", "cfg1", false, &[blob(2)], &[]).unwrap();
        let known = state.load("/r", "cfg1").unwrap();
        assert_eq!(known.blobs, HashSet::from([blob(1), blob(2)]));
        assert_eq!(known.findings.len(), 1);

        let other = state.load("/r", "cfg2").unwrap();
        assert!(other.stale && other.blobs.is_empty() && other.findings.is_empty());
        state.record("/r", "cfg2", false, &[blob(9)], &[]).unwrap();
        let known = state.load("/r", "cfg2").unwrap();
        assert_eq!(known.blobs, HashSet::from([blob(9)]));
        assert!(known.findings.is_empty());

        state.record("/r", "cfg2", true, &[blob(5)], &[]).unwrap();
        assert_eq!(state.load("/r", "cfg2").unwrap().blobs, HashSet::from([blob(5)]), "replaced");

        state.forget("/r").unwrap();
        assert!(state.load("/r", "cfg2").unwrap().blobs.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/sweep.sqlite");
        State::open(&path).unwrap().record("/r", "c", false, &[blob(1)], &[]).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);

        let loose = dir.path().join("loose.sqlite");
        std::fs::write(&loose, b"").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        State::open(&loose).unwrap();
        assert_eq!(std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777, 0o600, "narrowed");
    }

    #[test]
    fn a_state_file_that_is_not_sqlite_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.sqlite");
        std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
        let e = State::open(&path).unwrap_err().to_string();
        assert!(e.contains("garbage.sqlite"), "{e}");
    }
}
