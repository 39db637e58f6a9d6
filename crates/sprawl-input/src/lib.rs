//! Where the bytes come from: a filesystem walk, file contents (read or memory-mapped), and
//! standard input. This crate knows nothing about rules or matching.
//!
//! * [`walk`] enumerates files under the roots the user named, on the calling thread, honouring
//!   `.gitignore`, `.ignore` and `.sprawlignore` files (also outside git repositories), scanning
//!   hidden files such as `.env`, and never descending into `.git`. Every problem is reported as
//!   a [`WalkEvent`] naming the path, and the walk goes on.
//! * [`load`] reads a file: small files into a reusable buffer, files of at least
//!   [`MMAP_THRESHOLD`] bytes through a memory map.
//! * [`looks_binary`] is the binary-file test (a NUL byte in the first [`BINARY_PROBE`] bytes).

pub mod ci;

use std::io::Read;
use std::path::{Path, PathBuf};

/// Files at least this large are memory-mapped; smaller ones are read. Below about a megabyte
/// `read` into a warm buffer is as fast as a map and cannot fault; above it, mapping avoids the
/// copy and lets several threads page a file in on demand.
pub const MMAP_THRESHOLD: u64 = 1 << 20;

/// How many leading bytes [`looks_binary`] inspects.
pub const BINARY_PROBE: usize = 8 << 10;

/// Problems with one input. Each names the path; none stops a walk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{message}")]
    Walk { message: String },
}

impl InputError {
    fn io(path: &Path, source: std::io::Error) -> InputError {
        match source.kind() {
            std::io::ErrorKind::NotFound => InputError::NotFound(path.to_path_buf()),
            _ => InputError::Io { path: path.to_path_buf(), source },
        }
    }
}

/// Options for [`walk`].
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Honour `.gitignore`, `.ignore`, `.sprawlignore` and git's global excludes.
    pub ignore: bool,
    /// Follow symbolic links to files and directories.
    pub follow_symlinks: bool,
    /// Files larger than this are reported as skipped, not read.
    pub max_file_size: Option<u64>,
}

impl Default for WalkOptions {
    fn default() -> WalkOptions {
        WalkOptions { ignore: true, follow_symlinks: false, max_file_size: None }
    }
}

/// One thing the walk found.
#[derive(Debug)]
pub enum WalkEvent {
    /// A regular file to scan, and its size when known.
    File { path: PathBuf, size: u64 },
    /// Something deliberately not scanned, with the reason (a broken symlink, a file over the
    /// size limit). Not an error: nothing that exists was lost.
    Skipped { path: PathBuf, reason: String },
    /// Something that should have been scanned and could not be.
    Error(InputError),
}

/// Walks `roots` in order, calling `emit` for every event; stops early if `emit` returns false.
///
/// A root that is a file is always scanned, even if an ignore file would exclude it. A root
/// that does not exist is an error event.
pub fn walk(roots: &[PathBuf], options: &WalkOptions, emit: &mut dyn FnMut(WalkEvent) -> bool) {
    for root in roots {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                let event = match std::fs::symlink_metadata(root) {
                    Ok(_) => broken_symlink(root),
                    Err(_) => WalkEvent::Error(InputError::io(root, e)),
                };
                if !emit(event) {
                    return;
                }
                continue;
            }
        };
        if !meta.is_dir() {
            if !emit(file_event(root.clone(), meta.len(), options)) {
                return;
            }
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(false)
            .parents(options.ignore)
            .ignore(options.ignore)
            .git_ignore(options.ignore)
            .git_global(options.ignore)
            .git_exclude(options.ignore)
            .require_git(false)
            .follow_links(options.follow_symlinks)
            .sort_by_file_path(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git");
        if options.ignore {
            builder.add_custom_ignore_filename(".sprawlignore");
        }
        for entry in builder.build() {
            let event = match entry {
                Err(e) => WalkEvent::Error(walk_error(e)),
                Ok(entry) => {
                    let Some(ft) = entry.file_type() else { continue };
                    if ft.is_dir() {
                        continue;
                    }
                    let path = entry.into_path();
                    if ft.is_symlink() {
                        // Only reached when links are not followed.
                        match std::fs::metadata(&path) {
                            Err(_) => broken_symlink(&path),
                            Ok(_) => continue,
                        }
                    } else if ft.is_file() {
                        match std::fs::metadata(&path) {
                            Ok(m) => file_event(path, m.len(), options),
                            Err(e) => WalkEvent::Error(InputError::io(&path, e)),
                        }
                    } else {
                        // Sockets, FIFOs, devices: reading them could block forever.
                        continue;
                    }
                }
            };
            if !emit(event) {
                return;
            }
        }
    }
}

fn file_event(path: PathBuf, size: u64, options: &WalkOptions) -> WalkEvent {
    match options.max_file_size {
        Some(max) if size > max => {
            WalkEvent::Skipped { path, reason: format!("{size} bytes is over the size limit of {max} bytes") }
        }
        _ => WalkEvent::File { path, size },
    }
}

fn broken_symlink(path: &Path) -> WalkEvent {
    let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_else(|_| "?".to_owned());
    WalkEvent::Skipped { path: path.to_path_buf(), reason: format!("broken symbolic link to {target}") }
}

fn walk_error(e: ignore::Error) -> InputError {
    // `ignore` nests the path and the I/O error; flatten them into one line naming the path.
    match e {
        ignore::Error::WithPath { path, err } => match *err {
            ignore::Error::Io(io) => InputError::io(&path, io),
            other => InputError::Walk { message: format!("{}: {}", path.display(), flatten(&other)) },
        },
        ignore::Error::WithDepth { err, .. } => walk_error(*err),
        other => InputError::Walk { message: flatten(&other) },
    }
}

fn flatten(e: &ignore::Error) -> String {
    e.to_string().replace('\n', " ")
}

/// The contents of a file: borrowed from a caller's buffer, or mapped.
#[derive(Debug)]
pub enum Contents<'a> {
    Read(&'a [u8]),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Contents<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Read(b) => b,
            Contents::Mapped(m) => m,
        }
    }
}

/// Reads `path`, into `buf` if small, through a memory map if at least [`MMAP_THRESHOLD`].
#[allow(unsafe_code)]
pub fn load<'a>(path: &Path, buf: &'a mut Vec<u8>) -> Result<Contents<'a>, InputError> {
    let mut file = std::fs::File::open(path).map_err(|e| InputError::io(path, e))?;
    let len = file.metadata().map_err(|e| InputError::io(path, e))?.len();
    if len >= MMAP_THRESHOLD {
        // SAFETY: the map is read-only and private to this process, but the file is not: if
        // another process truncates it while we scan, touching the vanished pages raises SIGBUS
        // and kills the scan. That is the price of not copying large files; scanners of live
        // log directories should copy first. We never write through the map, and it is dropped
        // before the file handle, so no other undefined behaviour is possible.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| InputError::io(path, e))?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        return Ok(Contents::Mapped(map));
    }
    buf.clear();
    file.read_to_end(buf).map_err(|e| InputError::io(path, e))?;
    Ok(Contents::Read(buf))
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Vec<u8>, InputError> {
    let mut out = Vec::new();
    std::io::stdin().lock().read_to_end(&mut out).map_err(|e| InputError::io(Path::new("<stdin>"), e))?;
    Ok(out)
}

/// A file is binary if its first [`BINARY_PROBE`] bytes contain a NUL. UTF-16 text counts as
/// binary; so do most images, archives and compiled objects.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(roots: &[PathBuf], options: &WalkOptions) -> (Vec<String>, Vec<String>, Vec<String>) {
        let (mut files, mut skipped, mut errors) = (vec![], vec![], vec![]);
        walk(roots, options, &mut |e| {
            match e {
                WalkEvent::File { path, .. } => files.push(path.display().to_string()),
                WalkEvent::Skipped { path, reason } => skipped.push(format!("{}: {reason}", path.display())),
                WalkEvent::Error(e) => errors.push(e.to_string()),
            }
            true
        });
        (files, skipped, errors)
    }

    #[test]
    fn honours_gitignore_scans_hidden_skips_dot_git() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::write(root.join(".gitignore"), "ignored.txt\n").unwrap();
        std::fs::write(root.join("ignored.txt"), "x").unwrap();
        std::fs::write(root.join(".env"), "x").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        std::fs::write(root.join("kept.txt"), "x").unwrap();
        let (files, _, errors) = collect(&[root.to_path_buf()], &WalkOptions::default());
        let names: Vec<&str> = files.iter().map(|f| f.rsplit('/').next().unwrap()).collect();
        assert_eq!(names, [".env", ".gitignore", "kept.txt"]);
        assert!(errors.is_empty());

        let (files, _, _) = collect(&[root.to_path_buf()], &WalkOptions { ignore: false, ..Default::default() });
        assert!(files.iter().any(|f| f.ends_with("ignored.txt")));
        assert!(!files.iter().any(|f| f.contains("/.git/")));
    }

    #[test]
    fn missing_root_and_broken_link_are_reported() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(d.path().join("nowhere"), d.path().join("dangling")).unwrap();
        let (files, skipped, errors) =
            collect(&[d.path().join("missing"), d.path().to_path_buf()], &WalkOptions::default());
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("missing: no such file or directory"), "{errors:?}");
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].contains("dangling: broken symbolic link"), "{skipped:?}");
    }

    #[test]
    fn oversized_files_are_skipped_with_a_reason() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("big"), vec![b'a'; 100]).unwrap();
        let opts = WalkOptions { max_file_size: Some(10), ..Default::default() };
        let (files, skipped, _) = collect(&[d.path().to_path_buf()], &opts);
        assert!(files.is_empty());
        assert!(skipped[0].contains("100 bytes is over the size limit of 10 bytes"));
    }

    #[test]
    fn load_reads_small_and_maps_large() {
        let d = tempfile::tempdir().unwrap();
        let small = d.path().join("small");
        let large = d.path().join("large");
        std::fs::write(&small, b"hello").unwrap();
        std::fs::write(&large, vec![b'z'; MMAP_THRESHOLD as usize]).unwrap();
        let mut buf = Vec::new();
        assert!(matches!(load(&small, &mut buf).unwrap(), Contents::Read(b"hello")));
        let mut buf = Vec::new();
        let c = load(&large, &mut buf).unwrap();
        assert!(matches!(c, Contents::Mapped(_)));
        assert_eq!(c.len(), MMAP_THRESHOLD as usize);
    }

    #[test]
    fn binary_probe() {
        assert!(looks_binary(b"ab\0cd"));
        assert!(!looks_binary(b"plain text"));
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(!looks_binary(&late));
    }
}
