//! Baselines: the secrets a team has looked at and accepted, so that a CI gate reports only new
//! ones.
//!
//! A baseline (`.sprawl-baseline.json`) lists content fingerprints, never line numbers: moving
//! an accepted secret to another line or file keeps it accepted, while changing it makes it new.
//! Entries are sorted and the file is written the same way every time, so re-running
//! `baseline update` on unchanged code rewrites it byte for byte and merges do not conflict on
//! churn.
//!
//! ```json
//! {
//!   "version": 1,
//!   "entries": [
//!     { "fingerprint": "3f0c…", "rule": "github.pat.classic", "path": "tests/fixtures/app.env",
//!       "reason": "revoked test token" }
//!   ]
//! }
//! ```
//!
//! A baseline that does not parse is an error naming the file and line: a broken baseline must
//! neither hide nor unhide findings silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sprawl_core::Fingerprint;

/// The default file name, at the project root.
pub const DEFAULT_FILE: &str = ".sprawl-baseline.json";

/// One accepted secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The secret's content fingerprint (64 hex digits).
    pub fingerprint: String,
    /// The rule that reported it. Entries imported from gitleaks say `gitleaks:<rule id>` and
    /// match any of our rules.
    pub rule: String,
    /// Where it was first seen when accepted: for people, not for matching.
    pub path: String,
    /// Why it was accepted.
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    entries: Vec<Entry>,
}

/// Problems with a baseline file, naming it (and the line, where there is one).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    #[error("{}: cannot read the baseline: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: the baseline is not valid: {message}", path.display())]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: cannot write the baseline: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// A loaded baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Keyed by (fingerprint, rule); kept sorted.
    entries: BTreeMap<(String, String), Entry>,
    /// Where each loaded entry is in its file (1-based line), for messages.
    lines: BTreeMap<(String, String), usize>,
}

/// A secret a scan found, as the baseline sees it.
#[derive(Clone, Debug)]
pub struct Seen<'a> {
    pub fingerprint: Fingerprint,
    pub rule: &'a str,
    pub path: &'a str,
}

impl Baseline {
    /// Loads and validates a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read { path: path.into(), source })?;
        Baseline::parse(&text, path)
    }

    /// Parses baseline text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let file: File = serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        })?;
        let invalid = |needle: &str, message: String| {
            let at = text.find(needle).unwrap_or(0);
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
            BaselineError::Invalid { path: path.into(), line, column, message }
        };
        if file.version != 1 {
            return Err(invalid(
                "\"version\"",
                format!("unsupported version {} (this sprawl reads version 1)", file.version),
            ));
        }
        let mut out = Baseline::default();
        for e in file.entries {
            if Fingerprint::parse(&e.fingerprint).is_none() {
                return Err(invalid(&e.fingerprint, format!("fingerprint {:?} is not 64 hex digits", e.fingerprint)));
            }
            if e.rule.trim().is_empty() {
                return Err(invalid(&e.fingerprint, "an entry without a rule".to_owned()));
            }
            let at = text.find(&format!("\"{}\"", e.fingerprint)).unwrap_or(0);
            out.lines.insert((e.fingerprint.clone(), e.rule.clone()), text[..at].matches('\n').count() + 1);
            out.entries.insert((e.fingerprint.clone(), e.rule.clone()), e);
        }
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The line of the loaded file an entry came from (entries added since: `None`).
    pub fn line_of(&self, e: &Entry) -> Option<usize> {
        self.lines.get(&(e.fingerprint.clone(), e.rule.clone())).copied()
    }

    /// Entries that accept none of `seen`, without removing them.
    pub fn unused(&self, seen: &[Seen<'_>]) -> Vec<&Entry> {
        let mut used = std::collections::BTreeSet::new();
        for s in seen {
            if let Some(e) = self.accepts(&s.fingerprint, s.rule) {
                used.insert((e.fingerprint.as_str(), e.rule.as_str()));
            }
        }
        self.entries.values().filter(|e| !used.contains(&(e.fingerprint.as_str(), e.rule.as_str()))).collect()
    }

    /// The entry that accepts a secret with this fingerprint reported by `rule`.
    pub fn accepts(&self, fingerprint: &Fingerprint, rule: &str) -> Option<&Entry> {
        let fp = fingerprint.to_string();
        self.entries
            .range((fp.clone(), String::new())..)
            .take_while(|((f, _), _)| *f == fp)
            .map(|(_, e)| e)
            .find(|e| e.rule == rule || e.rule.starts_with("gitleaks:") || e.rule == "*")
    }

    /// Adds an entry for every seen secret not already accepted (existing entries, and their
    /// reasons, are kept). Returns how many were added.
    pub fn add(&mut self, seen: &[Seen<'_>], reason: &str) -> usize {
        let mut added = 0;
        for s in seen {
            if self.accepts(&s.fingerprint, s.rule).is_some() {
                continue;
            }
            let e = Entry {
                fingerprint: s.fingerprint.to_string(),
                rule: s.rule.to_owned(),
                path: s.path.to_owned(),
                reason: reason.to_owned(),
            };
            self.entries.insert((e.fingerprint.clone(), e.rule.clone()), e);
            added += 1;
        }
        added
    }

    /// Adds an entry as is (an import).
    pub fn insert(&mut self, e: Entry) {
        self.entries.insert((e.fingerprint.clone(), e.rule.clone()), e);
    }

    /// Removes entries that accept none of `seen`. Returns the removed entries.
    pub fn prune(&mut self, seen: &[Seen<'_>]) -> Vec<Entry> {
        let stale: Vec<(String, String)> =
            self.unused(seen).into_iter().map(|e| (e.fingerprint.clone(), e.rule.clone())).collect();
        stale.into_iter().filter_map(|k| self.entries.remove(&k)).collect()
    }

    /// The file's text: sorted, pretty, ending in a newline; the same bytes for the same
    /// entries.
    pub fn to_json(&self) -> String {
        let file = File { version: 1, entries: self.entries.values().cloned().collect() };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the baseline atomically (a temporary file renamed over the target).
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, self.to_json())?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|source| BaselineError::Write { path: path.into(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(b: u8) -> Fingerprint {
        Fingerprint([b; 32])
    }

    #[test]
    fn round_trip_is_byte_stable_and_sorted() {
        let mut b = Baseline::default();
        let seen = [
            Seen { fingerprint: fp(2), rule: "b.rule", path: "z.txt" },
            Seen { fingerprint: fp(1), rule: "a.rule", path: "y.txt" },
        ];
        assert_eq!(b.add(&seen, "accepted"), 2);
        let text = b.to_json();
        let again = Baseline::parse(&text, Path::new("b.json")).unwrap();
        assert_eq!(again.to_json(), text);
        assert!(text.find("0101").unwrap() < text.find("0202").unwrap(), "{text}");
        assert!(!text.contains("line"), "no line numbers");
        assert_eq!(b.add(&seen, "again"), 0, "nothing new");
    }

    #[test]
    fn accepts_by_fingerprint_and_rule_and_prunes() {
        let mut b = Baseline::default();
        b.add(&[Seen { fingerprint: fp(1), rule: "a.rule", path: "p" }], "");
        assert!(b.accepts(&fp(1), "a.rule").is_some());
        assert!(b.accepts(&fp(1), "other.rule").is_none());
        assert!(b.accepts(&fp(2), "a.rule").is_none());
        b.insert(Entry {
            fingerprint: fp(3).to_string(),
            rule: "gitleaks:aws".into(),
            path: "x".into(),
            reason: String::new(),
        });
        assert!(b.accepts(&fp(3), "aws.access_key_id").is_some(), "imported entries match any rule");
        let removed = b.prune(&[Seen { fingerprint: fp(1), rule: "a.rule", path: "p" }]);
        assert_eq!(removed.len(), 1);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Baseline::parse(
            "{\n  \"version\": 1,\n  \"entries\": [\n    {\"fingerprint\": 3}\n  ]\n}\n",
            Path::new("b.json"),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("b.json:4:"), "{e}");
        let e = Baseline::parse(
            "{\"version\": 1, \"entries\": [\n{\"fingerprint\": \"abc\", \"rule\": \"r\", \"path\": \"p\"}]}",
            Path::new("b.json"),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("b.json:2:") && e.to_string().contains("64 hex"), "{e}");
        let e = Baseline::parse("{\"version\": 1, \"entries\": [], \"extra\": 1}", Path::new("b.json")).unwrap_err();
        assert!(e.to_string().contains("extra"), "{e}");
    }
}
