//! Plain types shared by every `sprawl` crate.
//!
//! Nothing here does I/O. The types describe the one-directional flow of a scan:
//!
//! * a source yields bytes together with an [`Origin`] (a file path, standard input, …);
//! * the matcher turns bytes into [`Candidate`]s: a rule index and the byte [`Span`] of the
//!   secret (the rule's first capture group) inside the whole match;
//! * the confirm stage turns a candidate into a [`Finding`] with a [`Confidence`] and a reason;
//! * the report prints findings, in a deterministic order.
//!
//! A [`Secret`] redacts itself in `Debug` and `Display`: the raw value is reached only through
//! [`Secret::expose`], so that a stray `{:?}` in a log line cannot leak a credential.
//!
//! ```
//! use sprawl_core::Secret;
//! let s = Secret::new(b"ghp_0123456789abcdefghijABCDEFGHIJ012345".to_vec());
//! assert_eq!(format!("{s}"), "ghp_01…");
//! assert!(!format!("{s:?}").contains("abcdef"));
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

mod lines;
pub use lines::LineIndex;

/// A half-open byte range `start..end` inside a haystack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// Index of a rule inside one compiled rule set. Stable for the life of that set only; the
/// dotted rule id (`github.pat.classic`) is the stable name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleIdx(pub u32);

impl RuleIdx {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What the matcher says: rule `rule` matched `whole`, and its first capture group (the
/// secret) is `secret`. Both spans are offsets into the scanned haystack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Candidate {
    pub rule: RuleIdx,
    pub secret: Span,
    pub whole: Span,
}

/// A git object id (SHA-1), used to scan each distinct blob once.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobId(pub [u8; 20]);

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

/// A content fingerprint of a secret: a keyed BLAKE3 hash of its value (computed by
/// `sprawl-store`). Stable when the secret moves, different when it changes, and useless for
/// guessing the secret offline without the key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Fingerprint {
    /// Parses 64 hex digits.
    pub fn parse(hex: &str) -> Option<Fingerprint> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

/// Where scanned bytes came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A file on disk, as the user named it or as the walk found it.
    File { path: Arc<Path> },
    /// Standard input (`sprawl scan -`).
    Stdin,
    /// A blob of a git repository, with where it came from.
    Git(Arc<GitOrigin>),
}

/// A commit, as a finding describes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitMeta {
    /// 40 hex digits.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Seconds since the Unix epoch.
    pub author_time: i64,
    /// The author's offset from UTC in seconds, east positive.
    pub author_tz_offset: i32,
    /// The first line of the message.
    pub summary: String,
}

/// Whether a blob is still where people look.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Presence {
    /// In the tree of `HEAD` (of the default branch).
    AtHead,
    /// Removed from the default branch's tree in this commit: history-only.
    RemovedIn(Arc<CommitMeta>),
    /// Committed, but never on the default branch's first-parent line (another branch, a tag,
    /// a stash): history-only.
    NotOnDefaultBranch,
    /// In the object database but reachable from no commit of the scanned refs.
    Unreachable,
    /// Staged in the index (a pre-commit scan).
    Staged,
    /// Introduced by a commit of the scanned range (a CI scan).
    InRange,
}

impl Presence {
    /// A short name for reports: `head`, `history`, `unreachable`, `staged`, `range`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Presence::AtHead => "head",
            Presence::RemovedIn(_) | Presence::NotOnDefaultBranch => "history",
            Presence::Unreachable => "unreachable",
            Presence::Staged => "staged",
            Presence::InRange => "range",
        }
    }
}

/// Provenance of a git blob: the commit and path that first introduced it, how widely it was
/// committed, and whether it is still at `HEAD`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GitOrigin {
    /// The path it was first committed at (empty for an unreachable blob).
    pub path: Arc<str>,
    pub blob: BlobId,
    /// The commit that first introduced it (`None` when unreachable or staged).
    pub commit: Option<Arc<CommitMeta>>,
    /// How many commits introduced this blob (at any path).
    pub commits: u32,
    /// At how many distinct paths it was introduced.
    pub paths: u32,
    pub presence: Presence,
    /// The repository, as the user named it.
    pub repo: Arc<Path>,
}

/// What a git scan covered, so that a report never passes unscanned history off as clean.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// `history`, `range`, `staged`.
    pub mode: &'static str,
    pub repo: String,
    pub commits: u64,
    /// Blobs considered (listed in the object database, or changed by the range or index).
    pub blobs: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    /// Blobs not scanned, with why: over the size limit, binary, missing (partial clone),
    /// unreadable (corrupt).
    pub skipped_large: u64,
    pub skipped_binary: u64,
    pub missing: u64,
    pub unreadable: u64,
    /// Blobs reachable from no commit of the scanned refs (scanned all the same).
    pub unreachable: u64,
    /// Working-tree files scanned because they differ from every committed blob, and their size.
    pub worktree_files: u64,
    pub worktree_bytes: u64,
    pub shallow: bool,
    pub partial_clone: bool,
    /// Blobs not read again because an earlier scan recorded them (an incremental sweep).
    pub skipped_known: u64,
    /// The refs history was walked from, each with the object id it resolves to (hex).
    pub tips: Vec<(String, String)>,
    /// Errors while scanning this repository (the problems of its scan, or 1 when it could
    /// not be scanned at all).
    pub errors: u64,
}

impl Origin {
    pub fn file(path: impl AsRef<Path>) -> Origin {
        Origin::File { path: Arc::from(path.as_ref()) }
    }

    /// The path to show a person; lossy for non-UTF-8 names. A git blob shows the path it was
    /// first committed at (or `<blob ID>` when no commit has it).
    pub fn display_path(&self) -> String {
        match self {
            Origin::File { path } => path.to_string_lossy().into_owned(),
            Origin::Stdin => "<stdin>".to_owned(),
            Origin::Git(g) if g.path.is_empty() => format!("<blob {}>", g.blob),
            Origin::Git(g) => g.path.to_string(),
        }
    }
}

/// A credential value. `Debug` and `Display` show only a short prefix; the raw bytes are
/// reached through [`Secret::expose`], whose name makes each use easy to audit.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// How many leading characters a redacted secret keeps.
    pub const SHOWN_PREFIX: usize = 6;

    pub fn new(bytes: impl Into<Box<[u8]>>) -> Secret {
        Secret(bytes.into())
    }

    /// The raw value. Call only to hand it to a checksum, a hash or an explicit
    /// `--no-redact` output.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A short prefix followed by `…`: enough to recognise a token type, never enough to use
    /// it. Short secrets (≤ 12 bytes) keep less, so that at most a third is ever shown.
    pub fn redacted(&self) -> String {
        let text = String::from_utf8_lossy(&self.0);
        let keep = Self::SHOWN_PREFIX.min(text.chars().count() / 3);
        let mut out: String = text.chars().take(keep).collect();
        out.push('…');
        out
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}, {} bytes)", self.redacted(), self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// How sure the confirm stage is that a finding is a live credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Matched, but something (a failed checksum, a weak context) argues against it.
    Low,
    /// Matched and looks random enough; no structure check available.
    Medium,
    /// A distinctive format (a provider prefix, a key block) that passed every filter.
    High,
    /// A checksum or structure check passed.
    Confirmed,
}

impl Confidence {
    pub const ALL: [Confidence; 4] = [Confidence::Low, Confidence::Medium, Confidence::High, Confidence::Confirmed];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
            Confidence::Confirmed => "confirmed",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one occurrence of a secret is: origin, 1-based line and column (in bytes), and the
/// byte offset of the secret's first byte.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub origin: Origin,
    pub line: u32,
    pub column: u32,
    pub offset: u64,
}

/// A second value found with a secret, such as the AWS access key id that belongs to a secret
/// access key in the same file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Companion {
    pub rule_id: Arc<str>,
    pub secret: Secret,
    pub line: u32,
}

/// A confirmed candidate: what the report prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule_id: Arc<str>,
    pub rule_name: Arc<str>,
    /// The non-human-identity family the secret belongs to (`aws`, `github`, …).
    pub identity: Arc<str>,
    pub secret: Secret,
    pub location: Location,
    pub confidence: Confidence,
    /// Why the confirm stage chose that confidence, for a person to read.
    pub reason: String,
    pub companions: Vec<Companion>,
    /// Encodings the secret was found inside, outermost first (`["base64"]`); empty when it was
    /// found as written. The location is then that of the encoded text.
    pub decoded: Vec<&'static str>,
    /// The secret's content fingerprint, once the store has computed it.
    pub fingerprint: Option<Fingerprint>,
}

impl Finding {
    /// The order reports use: by origin, then position, then rule. Thread scheduling never
    /// changes it.
    pub fn sort_key(&self) -> (&Origin, u32, u32, &str, &Secret) {
        (&self.location.origin, self.location.line, self.location.column, &self.rule_id, &self.secret)
    }
}

/// How much a CI posture finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Hygiene: worth fixing, not a hole by itself (no `permissions:` block).
    Low,
    /// A long-lived credential where a short-lived one is available.
    Medium,
    /// A credential or a write token within reach of untrusted code, or a leaked key that a
    /// pipeline uses.
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding about how a pipeline handles credentials rather than a credential itself: a
/// static cloud key wired in where OIDC federation exists, a `pull_request_target` job that
/// runs the pull request's code with secrets in reach, a missing `permissions:` block, or a
/// leaked key of a kind a pipeline consumes. Located in the CI file it is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posture {
    pub path: std::path::PathBuf,
    pub line: u32,
    pub column: u32,
    /// Stable, dotted: `ci.oidc.aws`, `ci.pull-request-target.checkout`, `ci.leaked-key-consumed`.
    pub check: &'static str,
    pub severity: Severity,
    /// What is wrong, for a person; never holds a secret value.
    pub message: String,
    /// What to do instead.
    pub fix: String,
}

/// Totals of one scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Files (or blobs) whose bytes were scanned.
    pub files: u64,
    pub bytes: u64,
    pub findings: u64,
    pub errors: u64,
    /// Inputs deliberately not scanned: binary files, files over the size limit, broken links.
    pub skipped: u64,
    /// Findings not reported because an inline allow comment or a baseline accepts them.
    pub allowed: u64,
    pub seconds: f64,
}

/// Something a scan could not do (an error) or chose not to do (skipped), naming the input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// Something that should have been scanned and was not: the scan is incomplete (exit 2).
    Error,
    /// Scanned, but the result deserves a caveat (a shallow clone's missing history).
    Warning,
    Skipped,
}

impl Problem {
    pub fn error(message: impl Into<String>) -> Problem {
        Problem { kind: ProblemKind::Error, message: message.into() }
    }

    pub fn warning(message: impl Into<String>) -> Problem {
        Problem { kind: ProblemKind::Warning, message: message.into() }
    }

    pub fn skipped(message: impl Into<String>) -> Problem {
        Problem { kind: ProblemKind::Skipped, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_redacts_in_debug_and_display() {
        let s = Secret::new(b"sk_live_abcdefghijklmnopqrstuvwxyz".to_vec());
        assert_eq!(s.to_string(), "sk_liv…");
        let dbg = format!("{s:?}");
        assert!(dbg.contains("sk_liv…"), "{dbg}");
        assert!(!dbg.contains("abcdefghij"), "{dbg}");
    }

    #[test]
    fn short_secrets_show_at_most_a_third() {
        assert_eq!(Secret::new(b"hunter2!".to_vec()).redacted(), "hu…");
        assert_eq!(Secret::new(b"ab".to_vec()).redacted(), "…");
    }

    #[test]
    fn confidence_orders_and_parses() {
        assert!(Confidence::Confirmed > Confidence::High);
        assert!(Confidence::Medium > Confidence::Low);
        assert_eq!(Confidence::parse("HIGH"), Some(Confidence::High));
        assert_eq!(Confidence::parse("sure"), None);
    }

    #[test]
    fn fingerprints_print_and_parse() {
        let f = Fingerprint([0xab; 32]);
        assert_eq!(Fingerprint::parse(&f.to_string()), Some(f));
        assert_eq!(Fingerprint::parse("zz"), None);
    }

    #[test]
    fn blob_id_prints_hex() {
        let mut id = [0u8; 20];
        id[0] = 0xab;
        id[19] = 0x01;
        assert_eq!(BlobId(id).to_string(), "ab00000000000000000000000000000000000001");
    }
}
