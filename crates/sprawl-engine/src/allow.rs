//! Inline allow comments: markers on a finding's line that say "this one is known".
//!
//! sprawl honours its own marker and the ones users already have in their code, so that
//! switching scanners does not resurface every accepted value:
//!
//! | marker | where |
//! |---|---|
//! | `sprawl:allow` | same line |
//! | `sprawl:allow:<fingerprint prefix>` | same line, only for the secret whose fingerprint starts so |
//! | `gitleaks:allow`, `betterleaks:allow`, `kingfisher:allow`, `trufflehog:ignore` | same line |
//! | `pragma: allowlist secret` | same line (detect-secrets) |
//! | `pragma: allowlist nextline secret` | the line before (detect-secrets) |
//!
//! A marker is tied to the line it is on: a secret moved to a line without one is reported.
//! The bound form (`sprawl:allow:3f0c9a2b`, at least 8 hex digits of the fingerprint that
//! `--format json` prints) is tied to the secret too: put another secret on that line and it is
//! reported.

use sprawl_core::Fingerprint;

/// Same-line markers other than sprawl's own.
const SAME_LINE: &[&str] =
    &["gitleaks:allow", "betterleaks:allow", "kingfisher:allow", "trufflehog:ignore", "pragma: allowlist secret"];
const NEXT_LINE: &str = "pragma: allowlist nextline secret";
const OURS: &str = "sprawl:allow";

/// The marker that allows a finding whose secret has `fingerprint`, on `line` (after `previous`),
/// or `None`.
pub fn marker(line: &[u8], previous: Option<&[u8]>, fingerprint: Option<&Fingerprint>) -> Option<&'static str> {
    if let Some(at) = find(line, OURS.as_bytes()) {
        let rest = &line[at + OURS.len()..];
        match rest.strip_prefix(b":") {
            Some(bound) => {
                let prefix: Vec<u8> = bound.iter().copied().take_while(u8::is_ascii_hexdigit).collect();
                let matches = prefix.len() >= 8
                    && fingerprint.is_some_and(|f| f.to_string().as_bytes().starts_with(&prefix.to_ascii_lowercase()));
                if matches {
                    return Some("sprawl:allow:<fingerprint>");
                }
            }
            None => return Some(OURS),
        }
    }
    for m in SAME_LINE {
        if find(line, m.as_bytes()).is_some() {
            return Some(m);
        }
    }
    if previous.is_some_and(|p| find(p, NEXT_LINE.as_bytes()).is_some()) {
        return Some(NEXT_LINE);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let fp = Fingerprint([0x3f; 32]);
        for line in [
            "k = v # sprawl:allow",
            "k = v // gitleaks:allow",
            "k = v # betterleaks:allow",
            "k = v # kingfisher:allow",
            "k = v # trufflehog:ignore",
            "k = v  # pragma: allowlist secret",
            "k = v # sprawl:allow:3F3F3F3F",
        ] {
            assert!(marker(line.as_bytes(), None, Some(&fp)).is_some(), "{line}");
        }
        assert!(marker(b"k = v", Some(b"# pragma: allowlist nextline secret"), Some(&fp)).is_some());
        assert!(
            marker(b"k = v", Some(b"# pragma: allowlist secret"), Some(&fp)).is_none(),
            "same-line marker on the line before"
        );
        assert!(marker(b"k = v # sprawl:allow:00000000", None, Some(&fp)).is_none(), "bound to another secret");
        assert!(marker(b"k = v # sprawl:allow:3f3f", None, Some(&fp)).is_none(), "too short a prefix");
        assert!(marker(b"k = v", None, Some(&fp)).is_none());
    }
}
