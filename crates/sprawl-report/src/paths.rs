//! Paths as the machine formats print them: relative to the scan's base directory, and as
//! percent-encoded URI references for SARIF.
//!
//! The base is the deepest directory that contains every scanned root (the binary passes the
//! roots, a named file as its parent directory), computed lexically: no file is opened. A git
//! blob's path is relative to its repository, so the repository's own place under the base is
//! put in front of it. SARIF calls the base `SRCROOT`; GitHub annotations want the same
//! repository-relative paths.

use std::path::{Component, Path, PathBuf};

use sprawl_core::Origin;

/// The base directory of one report and how to make paths relative to it.
#[derive(Clone, Debug)]
pub(crate) struct Base {
    /// Lexically normalised (no `.` components); empty means the current directory.
    dir: Option<PathBuf>,
}

/// Where an occurrence is, for a machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Relative to the base: `/`-separated segments, never empty.
    Relative(Vec<Vec<u8>>),
    /// A path that the base does not contain.
    Absolute(PathBuf),
    /// Not a path at all: standard input, a blob no commit names. A description for people.
    Nowhere(String),
}

fn normalize(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

impl Base {
    /// The deepest common directory of `roots`, or none when there is no root or the roots mix
    /// absolute and relative paths.
    pub(crate) fn new(roots: &[PathBuf]) -> Base {
        let mut roots = roots.iter().map(|r| normalize(r));
        let Some(first) = roots.next() else { return Base { dir: None } };
        let mut common: Vec<Component<'_>> = first.components().collect();
        let mut owned = Vec::new();
        for r in roots {
            if r.has_root() != first.has_root() {
                return Base { dir: None };
            }
            owned.push(r);
        }
        for r in &owned {
            let n = common.iter().zip(r.components()).take_while(|(a, b)| **a == *b).count();
            common.truncate(n);
        }
        Base { dir: Some(common.iter().collect()) }
    }

    /// Whether there is a base directory (relative places are relative to it).
    pub(crate) fn has_dir(&self) -> bool {
        self.dir.is_some()
    }

    /// The base as an absolute `file://` URI ending in `/`, for SARIF's `originalUriBaseIds`
    /// (resolved against the current directory; no file is opened).
    pub(crate) fn uri(&self) -> Option<String> {
        let dir = self.dir.as_ref()?;
        let abs = std::path::absolute(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }).ok()?;
        let mut uri = file_uri(&normalize(&abs));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        Some(uri)
    }

    /// `path` relative to the base, as segments, if the base contains it.
    fn relative(&self, path: &Path) -> Option<Vec<Vec<u8>>> {
        let dir = self.dir.as_ref()?;
        let path = normalize(path);
        if path.has_root() != dir.has_root() {
            return None;
        }
        let rest = path.strip_prefix(dir).ok()?;
        let segments: Vec<Vec<u8>> = rest.components().map(segment_bytes).collect();
        (!segments.is_empty()).then_some(segments)
    }

    /// Where an origin is, relative to the base where possible.
    pub(crate) fn place(&self, origin: &Origin) -> Place {
        match origin {
            Origin::File { path } => match self.relative(path) {
                Some(segments) => Place::Relative(segments),
                None if self.dir.is_none() && !path.is_absolute() => {
                    Place::Relative(normalize(path).components().map(segment_bytes).collect())
                }
                None => absolute(path),
            },
            Origin::Stdin => Place::Nowhere("standard input".to_owned()),
            Origin::Git(g) if g.path.is_empty() => Place::Nowhere(format!("git blob {} (named by no commit)", g.blob)),
            Origin::Git(g) => {
                let in_repo = g.path.split('/').filter(|s| !s.is_empty()).map(|s| s.as_bytes().to_vec());
                let repo = normalize(&g.repo);
                match self.relative(&repo) {
                    Some(mut prefix) => {
                        prefix.extend(in_repo);
                        Place::Relative(prefix)
                    }
                    // The repository is the base itself (the common case), or there is no base.
                    None if self.dir.is_none() || self.dir.as_deref() == Some(repo.as_path()) => {
                        Place::Relative(in_repo.collect())
                    }
                    None => absolute(&g.path.split('/').fold(repo, |p, s| p.join(s))),
                }
            }
            other => Place::Nowhere(other.display_path()),
        }
    }
}

/// A path outside the base, made absolute against the current directory.
fn absolute(path: &Path) -> Place {
    match std::path::absolute(path) {
        Ok(abs) => Place::Absolute(normalize(&abs)),
        Err(_) => Place::Nowhere(path.to_string_lossy().into_owned()),
    }
}

fn segment_bytes(c: Component<'_>) -> Vec<u8> {
    match c {
        Component::Normal(s) => os_bytes(s),
        Component::ParentDir => b"..".to_vec(),
        Component::CurDir => b".".to_vec(),
        Component::RootDir => Vec::new(),
        Component::Prefix(p) => os_bytes(p.as_os_str()),
    }
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

impl Place {
    /// A URI reference: relative segments percent-encoded and joined with `/`, or an absolute
    /// `file://` URI. `None` for a place that is not a path.
    pub(crate) fn uri(&self) -> Option<String> {
        match self {
            Place::Relative(segments) => Some(segments.iter().map(|s| percent_encode(s)).collect::<Vec<_>>().join("/")),
            Place::Absolute(path) => Some(file_uri(path)),
            Place::Nowhere(_) => None,
        }
    }

    /// The path for a person or a GitHub annotation: `/`-separated, lossy for non-UTF-8 names.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Place::Relative(segments) => {
                Some(segments.iter().map(|s| String::from_utf8_lossy(s)).collect::<Vec<_>>().join("/"))
            }
            Place::Absolute(path) => Some(path.to_string_lossy().into_owned()),
            Place::Nowhere(_) => None,
        }
    }
}

/// `file:///a/b%20c` from an absolute path.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for c in path.components() {
        match c {
            Component::RootDir => {}
            // `C:` stays as written: `file:///C:/…`.
            Component::Prefix(p) => {
                uri.push('/');
                uri.push_str(&p.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            other => {
                uri.push('/');
                uri.push_str(&percent_encode(&segment_bytes(other)));
            }
        }
    }
    if uri == "file://" {
        uri.push('/');
    }
    uri
}

/// Percent-encodes one path segment (RFC 3986 `segment`): unreserved characters and the
/// sub-delimiters and `@` stay, everything else (`:` included, so that a first segment never
/// reads as a scheme; `%`, `?`, `#`, spaces, non-ASCII bytes) becomes `%XX`.
pub(crate) fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(roots: &[&str], path: &str) -> Option<String> {
        let base = Base::new(&roots.iter().map(PathBuf::from).collect::<Vec<_>>());
        base.place(&Origin::file(path)).uri()
    }

    #[test]
    fn paths_are_relative_to_the_common_root() {
        assert_eq!(rel(&["."], "./a/b.env").as_deref(), Some("a/b.env"));
        assert_eq!(rel(&["/tmp/x"], "/tmp/x/a/b.env").as_deref(), Some("a/b.env"));
        assert_eq!(rel(&["/tmp/x/"], "/tmp/x/./a/b.env").as_deref(), Some("a/b.env"));
        assert_eq!(rel(&["src", "config"], "src/app.py").as_deref(), Some("src/app.py"));
        assert_eq!(rel(&["/r/src", "/r/config"], "/r/config/.env").as_deref(), Some("config/.env"));
        assert_eq!(rel(&["/r"], "/elsewhere/a b").as_deref(), Some("file:///elsewhere/a%20b"));
        assert_eq!(rel(&[], "/abs/x").as_deref(), Some("file:///abs/x"));
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(percent_encode(b"a b%c#d?e"), "a%20b%25c%23d%3Fe");
        assert_eq!(percent_encode(b"C:x"), "C%3Ax");
        assert_eq!(percent_encode("é".as_bytes()), "%C3%A9");
        assert_eq!(percent_encode(b"keep-._~!$&'()*+,;=@"), "keep-._~!$&'()*+,;=@");
        assert_eq!(rel(&["/r"], "/r/dir with space/[x].env").as_deref(), Some("dir%20with%20space/%5Bx%5D.env"));
    }

    #[test]
    fn stdin_has_no_uri() {
        let base = Base::new(&[PathBuf::from(".")]);
        assert_eq!(base.place(&Origin::Stdin).uri(), None);
    }

    #[test]
    fn base_uri_is_absolute_with_a_trailing_slash() {
        let base = Base::new(&[PathBuf::from("/srv/repo")]);
        assert_eq!(base.uri().as_deref(), Some("file:///srv/repo/"));
        assert_eq!(Base::new(&[]).uri(), None);
    }
}
