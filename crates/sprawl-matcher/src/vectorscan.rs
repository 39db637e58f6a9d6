//! The Vectorscan backend (cargo feature `vectorscan`): the keyword search runs on Vectorscan,
//! a SIMD multi-literal matcher (a portable fork of Intel's Hyperscan), vendored and linked
//! statically by `vectorscan-rs-sys`.
//!
//! Only the hit source differs from [`PrefilterMatcher`](crate::PrefilterMatcher). The database
//! holds the same keyword list ([`Keywords`]), compiled as literals
//! (`hs_compile_lit_multi`), each `HS_FLAG_CASELESS` (ASCII case only, as aho-corasick's
//! `ascii_case_insensitive`) and without `HS_FLAG_SINGLEMATCH`, so Vectorscan reports every
//! end offset of every keyword, overlapping ones included. A literal's start is its end minus
//! its length, so no start-of-match tracking (`HS_FLAG_SOM_LEFTMOST`) is needed. The hits then
//! go through the shared [`confirm_hits`]; the backends agree on candidates because they agree
//! on hits.
//!
//! Hits are collected into the scratch and sorted by end offset if Vectorscan delivered them
//! out of order (it normally does not; `confirm_hits` needs the order, and sorting keeps the
//! agreement independent of that detail). `hs_scan` takes a 32-bit length, so a haystack of
//! 4 GiB or more is scanned in chunks that overlap by the longest keyword minus one byte, each
//! chunk keeping only hits that end past the previous chunk.
//!
//! NOTE: compiling the database costs tens of milliseconds, most of a pre-commit hook's
//! budget, so a [`DatabaseCache`] given in [`Options`] keeps the serialized database between
//! runs. The cache key names the keyword set (a hash), the library version and build, and the
//! host platform and CPU features; the entry itself repeats the exact keyword list, and
//! `hs_deserialize_database` checks version, platform and a CRC of its own. An entry that fails
//! any check is compiled afresh and overwritten, never used.

#![allow(unsafe_code)] // FFI to Vectorscan; every block carries a SAFETY note.

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulonglong, c_void};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Instant;

use sprawl_core::Candidate;
use sprawl_rules::Rule;
use vectorscan_rs::AsResult;
use vectorscan_rs_sys as hs;

use crate::confirm::Confirmer;
use crate::keywords::{Hit, Keywords, WindowScratch, confirm_hits};
use crate::{DatabaseCache, Matcher, MatcherError, Options, Scratch};

/// The largest haystack `hs_scan` takes in one call.
const MAX_CHUNK: usize = u32::MAX as usize;

/// Tag at the start of a cached entry; bump it when the entry layout changes.
const ENTRY_MAGIC: &[u8; 12] = b"sprawl-vsdb2";

unsafe extern "C" {
    /// Vectorscan's default misc allocator is `malloc`; serialized bytes are freed with this.
    fn free(p: *mut c_void);
}

/// A compiled block-mode database.
struct Database(NonNull<hs::hs_database_t>);

// SAFETY: a compiled database is immutable; Vectorscan documents that one database may be
// scanned from many threads at once, each with its own scratch.
unsafe impl Send for Database {}
// SAFETY: as above: every function that takes the database takes it as `const`.
unsafe impl Sync for Database {}

impl Drop for Database {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful compile or deserialize and is freed once.
        unsafe { hs::hs_free_database(self.0.as_ptr()) };
    }
}

/// Vectorscan's per-thread working memory for one database.
struct HsScratch(NonNull<hs::hs_scratch_t>);

// SAFETY: a scratch may move between threads; it is used by one at a time because `scan`
// borrows it mutably for the whole `hs_scan` call.
unsafe impl Send for HsScratch {}

impl Drop for HsScratch {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful `hs_alloc_scratch` and is freed once.
        unsafe { hs::hs_free_scratch(self.0.as_ptr()) };
    }
}

fn hs_error(what: &str, rc: hs::hs_error_t) -> MatcherError {
    let detail = match rc.ok() {
        Ok(()) => "no error code".to_owned(),
        Err(vectorscan_rs::Error::Hyperscan(code, n)) => format!("{code:?} ({n})"),
        Err(e) => e.to_string(),
    };
    MatcherError::Keywords(format!("Vectorscan {what}: {detail}"))
}

impl Database {
    /// Compiles `literals[i]` (skipping empty ones) with id `i`, caseless.
    fn compile(literals: &[String]) -> Result<Option<Database>, MatcherError> {
        let (ids, lits): (Vec<c_uint>, Vec<&String>) =
            literals.iter().enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i as c_uint, l)).unzip();
        if lits.is_empty() {
            return Ok(None);
        }
        let exprs: Vec<*const c_char> = lits.iter().map(|l| l.as_ptr().cast()).collect();
        let lens: Vec<usize> = lits.iter().map(|l| l.len()).collect();
        let flags: Vec<c_uint> = vec![hs::HS_FLAG_CASELESS; lits.len()];
        let count = c_uint::try_from(lits.len()).map_err(|_| MatcherError::Keywords("too many keywords".into()))?;
        let mut db: *mut hs::hs_database_t = ptr::null_mut();
        let mut err: *mut hs::hs_compile_error_t = ptr::null_mut();
        // SAFETY: the four arrays have `count` elements each and outlive the call; literals are
        // passed with explicit lengths, so they need no NUL terminator. The platform pointer may
        // be null (compile for the host). Out-pointers are valid locals.
        let rc = unsafe {
            hs::hs_compile_lit_multi(
                exprs.as_ptr(),
                flags.as_ptr(),
                ids.as_ptr(),
                lens.as_ptr(),
                count,
                hs::HS_MODE_BLOCK,
                ptr::null(),
                &mut db,
                &mut err,
            )
        };
        if rc != hs::HS_SUCCESS as hs::hs_error_t {
            let message = if err.is_null() {
                hs_error("compile", rc).to_string()
            } else {
                // SAFETY: on failure `err` points to a valid error whose `message` is a
                // NUL-terminated string; both are freed right after being read.
                unsafe {
                    let m = CStr::from_ptr((*err).message).to_string_lossy().into_owned();
                    hs::hs_free_compile_error(err);
                    m
                }
            };
            return Err(MatcherError::Keywords(format!("Vectorscan compile: {message}")));
        }
        NonNull::new(db)
            .map(|p| Some(Database(p)))
            .ok_or_else(|| MatcherError::Keywords("Vectorscan compile returned no database".into()))
    }

    fn serialize(&self) -> Result<Vec<u8>, MatcherError> {
        let mut bytes: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: the database is valid; the out-pointers are valid locals.
        let rc = unsafe { hs::hs_serialize_database(self.0.as_ptr(), &mut bytes, &mut len) };
        if rc != hs::HS_SUCCESS as hs::hs_error_t || bytes.is_null() {
            return Err(hs_error("serialize", rc));
        }
        // SAFETY: on success `bytes` points to `len` initialised bytes allocated with the misc
        // allocator (malloc, as sprawl never sets another); copied, then freed once.
        unsafe {
            let out = std::slice::from_raw_parts(bytes.cast::<u8>(), len).to_vec();
            free(bytes.cast());
            Ok(out)
        }
    }

    /// Rebuilds a database from `hs_serialize_database` output. Vectorscan checks the magic,
    /// version, platform and a CRC of the bytecode; anything else is the caller's to check.
    fn deserialize(bytes: &[u8]) -> Result<Database, MatcherError> {
        let mut db: *mut hs::hs_database_t = ptr::null_mut();
        // SAFETY: `bytes` is a valid slice for the call (the serialized form is read with
        // unaligned loads); the out-pointer is a valid local.
        let rc = unsafe { hs::hs_deserialize_database(bytes.as_ptr().cast(), bytes.len(), &mut db) };
        if rc != hs::HS_SUCCESS as hs::hs_error_t {
            return Err(hs_error("deserialize", rc));
        }
        NonNull::new(db).map(Database).ok_or_else(|| hs_error("deserialize", rc))
    }

    fn alloc_scratch(&self) -> Result<HsScratch, MatcherError> {
        let mut s: *mut hs::hs_scratch_t = ptr::null_mut();
        // SAFETY: the database is valid; a null `*s` asks for a fresh allocation.
        let rc = unsafe { hs::hs_alloc_scratch(self.0.as_ptr(), &mut s) };
        if rc != hs::HS_SUCCESS as hs::hs_error_t {
            return Err(hs_error("scratch allocation", rc));
        }
        NonNull::new(s).map(HsScratch).ok_or_else(|| hs_error("scratch allocation", rc))
    }
}

/// What the cache key says about this build of Vectorscan and this machine: the library
/// version string (it carries the build date), the target, and the platform Vectorscan
/// compiles for (tuning and CPU feature flags).
fn platform_tag() -> String {
    // SAFETY: `hs_version` returns a pointer to a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(hs::hs_version()) }.to_string_lossy().into_owned();
    let mut info = hs::hs_platform_info { tune: 0, cpu_features: 0, reserved1: 0, reserved2: 0 };
    // SAFETY: `info` is a valid, writable platform struct.
    let rc = unsafe { hs::hs_populate_platform(&mut info) };
    let platform = if rc == hs::HS_SUCCESS as hs::hs_error_t {
        format!("tune {} cpu {:#x}", info.tune, info.cpu_features)
    } else {
        "platform unknown".to_owned()
    };
    format!("vectorscan {version}; {}-{}; {platform}", std::env::consts::ARCH, std::env::consts::OS)
}

/// The exact keyword list, length-prefixed, stored in every cache entry and compared on load.
fn keyword_descriptor(literals: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in literals {
        out.extend_from_slice(&(l.len() as u64).to_le_bytes());
        out.extend_from_slice(l.as_bytes());
    }
    out
}

/// FNV-1a, 64 bits: names the keyword set in the cache key. Collisions cost nothing but a
/// rebuild, because the entry repeats the keyword list exactly.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The cache key for a keyword set on this build and machine.
fn cache_key(descriptor: &[u8]) -> String {
    format!(
        "sprawl-matcher {} vectorscan database {}; {}; keywords {:016x}",
        env!("CARGO_PKG_VERSION"),
        String::from_utf8_lossy(ENTRY_MAGIC),
        platform_tag(),
        fnv1a(descriptor)
    )
}

/// A cache entry: `ENTRY_MAGIC`, a checksum (FNV-1a) of everything after it, the keyword
/// descriptor's length and bytes, then the serialized database. The checksum is the matcher's
/// own, whatever the cache does: any changed byte is caught (FNV-1a's steps are bijections), and
/// Vectorscan's CRC covers only the bytecode, not its header.
fn encode_entry(descriptor: &[u8], serialized: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(8 + descriptor.len() + serialized.len());
    body.extend_from_slice(&(descriptor.len() as u64).to_le_bytes());
    body.extend_from_slice(descriptor);
    body.extend_from_slice(serialized);
    let mut out = Vec::with_capacity(ENTRY_MAGIC.len() + 8 + body.len());
    out.extend_from_slice(ENTRY_MAGIC);
    out.extend_from_slice(&fnv1a(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The serialized database in a cache entry, if the entry is intact and for exactly
/// `descriptor`.
fn decode_entry<'e>(entry: &'e [u8], descriptor: &[u8]) -> Option<&'e [u8]> {
    let rest = entry.strip_prefix(ENTRY_MAGIC.as_slice())?;
    let (sum, rest) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != fnv1a(rest) {
        return None;
    }
    let (len, rest) = rest.split_first_chunk::<8>()?;
    let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
    let (stored, serialized) = rest.split_at_checked(len)?;
    (stored == descriptor).then_some(serialized)
}

/// How a [`VectorscanMatcher`] got its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabaseOrigin {
    /// Compiled now (and stored in the cache, if one was given).
    Compiled,
    /// Deserialized from a cache entry that passed every check.
    Cache,
    /// No keyword to look for: nothing to compile.
    Empty,
}

/// Vectorscan keyword search followed by the shared windowed regex confirmation.
pub struct VectorscanMatcher {
    db: Option<Database>,
    keywords: Keywords,
    /// Byte length of each keyword (its hits start this far before they end).
    lens: Vec<usize>,
    /// Keywords of length zero (a rule may list `""`): aho-corasick reports them at every
    /// offset, Vectorscan cannot compile them, so `scan` adds those hits itself.
    empty_keywords: Vec<u32>,
    longest: usize,
    /// Bytes per `hs_scan` call; `MAX_CHUNK` except in tests.
    chunk_len: usize,
    origin: DatabaseOrigin,
    confirm: Confirmer,
}

impl std::fmt::Debug for VectorscanMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorscanMatcher")
            .field("keywords", &self.keywords.literals.len())
            .field("origin", &self.origin)
            .field("confirm", &self.confirm)
            .finish()
    }
}

struct VectorscanScratch {
    hs: Option<HsScratch>,
    hits: Vec<Hit>,
    windows: WindowScratch,
}

/// What the match callback needs, passed through `hs_scan`'s context pointer.
struct Collect<'a> {
    hits: &'a mut Vec<Hit>,
    lens: &'a [usize],
    /// Offset of the scanned chunk in the haystack.
    offset: usize,
    /// Hits ending at or before this offset were reported by the previous chunk.
    min_end: usize,
}

/// The match callback: records one hit and asks Vectorscan to go on.
unsafe extern "C" fn on_match(
    id: c_uint,
    _from: c_ulonglong,
    to: c_ulonglong,
    _flags: c_uint,
    ctx: *mut c_void,
) -> c_int {
    // SAFETY: `ctx` is the `&mut Collect` that `scan_chunk` passes to `hs_scan`, alive and not
    // otherwise borrowed for the whole call; Vectorscan calls back on the scanning thread only.
    let c = unsafe { &mut *ctx.cast::<Collect<'_>>() };
    // Never panic here (unwinding out of an `extern "C"` function aborts): unknown ids are
    // skipped, and offsets come from the chunk, so they fit.
    let end = c.offset + to as usize;
    if end > c.min_end
        && let Some(&len) = c.lens.get(id as usize)
    {
        c.hits.push(Hit { end, start: end - len, keyword: id });
    }
    0
}

impl VectorscanMatcher {
    pub fn new(rules: &[Rule]) -> Result<VectorscanMatcher, MatcherError> {
        VectorscanMatcher::with_options(rules, &Options::default())
    }

    pub fn with_options(rules: &[Rule], options: &Options) -> Result<VectorscanMatcher, MatcherError> {
        let keywords = Keywords::new(rules);
        let started = Instant::now();
        let (db, origin) = load_or_compile(&keywords.literals, options.cache.as_ref())?;
        tracing::debug!(?origin, elapsed = ?started.elapsed(), keywords = keywords.literals.len(), "vectorscan database ready");
        if let Some(db) = &db {
            // Fail at build time, not on a worker thread, if scratch cannot be had at all.
            db.alloc_scratch()?;
        }
        let lens: Vec<usize> = keywords.literals.iter().map(String::len).collect();
        let empty_keywords = lens.iter().enumerate().filter(|&(_, &l)| l == 0).map(|(i, _)| i as u32).collect();
        let longest = lens.iter().copied().max().unwrap_or(0);
        Ok(VectorscanMatcher {
            db,
            keywords,
            lens,
            empty_keywords,
            longest,
            chunk_len: MAX_CHUNK,
            origin,
            confirm: Confirmer::new(rules),
        })
    }

    /// Whether the database was compiled now or came from the cache.
    pub fn database_origin(&self) -> DatabaseOrigin {
        self.origin
    }

    /// Every keyword hit in `hay`, in order of end offset: what the windows are built from.
    /// For tests that compare backends, and for debugging a rule's keywords.
    pub fn keyword_hits(&self, hay: &[u8]) -> Vec<Hit> {
        let mut hs = self.db.as_ref().map(|db| db.alloc_scratch().expect("Vectorscan scratch (out of memory)"));
        let mut hits = Vec::new();
        self.collect_hits(hay, hs.as_mut(), &mut hits);
        hits
    }

    /// Fills `hits` with every keyword hit in `hay`, sorted by end offset.
    fn collect_hits(&self, hay: &[u8], hs: Option<&mut HsScratch>, hits: &mut Vec<Hit>) {
        hits.clear();
        if let (Some(db), Some(hs)) = (&self.db, hs)
            && !hay.is_empty()
        {
            // Chunks overlap by `longest - 1` bytes, so every hit lies wholly inside some
            // chunk; `min_end` drops the ones the previous chunk already reported.
            let overlap = self.longest.saturating_sub(1);
            let chunk_len = self.chunk_len.max(overlap + 1);
            let mut start = 0;
            let mut min_end = 0;
            loop {
                let end = hay.len().min(start + chunk_len);
                self.scan_chunk(db, hs, &hay[start..end], start, min_end, hits);
                if end == hay.len() {
                    break;
                }
                min_end = end;
                start = end - overlap;
            }
        }
        for &k in &self.empty_keywords {
            hits.extend((0..=hay.len()).map(|p| Hit { end: p, start: p, keyword: k }));
        }
        if !hits.is_sorted_by_key(|h| h.end) {
            hits.sort_unstable();
        }
    }

    fn scan_chunk(
        &self,
        db: &Database,
        hs: &mut HsScratch,
        chunk: &[u8],
        offset: usize,
        min_end: usize,
        hits: &mut Vec<Hit>,
    ) {
        let mut collect = Collect { hits, lens: &self.lens, offset, min_end };
        let len = c_uint::try_from(chunk.len()).expect("chunks are at most u32::MAX bytes");
        // SAFETY: the database and scratch are valid, and the scratch was allocated for this
        // database and is borrowed mutably, so no other scan uses it. `chunk` is valid for `len`
        // bytes. The context is a live `Collect`, which is what `on_match` casts it back to.
        let rc = unsafe {
            hs::hs_scan(
                db.0.as_ptr(),
                chunk.as_ptr().cast(),
                len,
                0,
                hs.0.as_ptr(),
                Some(on_match),
                (&raw mut collect).cast(),
            )
        };
        if rc != hs::HS_SUCCESS as hs::hs_error_t {
            // The callback never asks to stop, and the arguments are valid by construction;
            // an error here is a bug (or memory corruption), and missing hits would be a silent
            // false negative.
            panic!("{}", hs_error("scan", rc));
        }
    }
}

/// The database for `literals`: from the cache if an entry passes every check, else compiled
/// (and then stored, replacing any bad entry).
fn load_or_compile(
    literals: &[String],
    cache: Option<&Arc<dyn DatabaseCache>>,
) -> Result<(Option<Database>, DatabaseOrigin), MatcherError> {
    if literals.iter().all(String::is_empty) {
        return Ok((None, DatabaseOrigin::Empty));
    }
    let Some(cache) = cache else {
        return Ok((Database::compile(literals)?, DatabaseOrigin::Compiled));
    };
    let descriptor = keyword_descriptor(literals);
    let key = cache_key(&descriptor);
    if let Some(entry) = cache.get(&key) {
        match decode_entry(&entry, &descriptor).map(Database::deserialize) {
            Some(Ok(db)) => return Ok((Some(db), DatabaseOrigin::Cache)),
            Some(Err(e)) => tracing::info!("cached vectorscan database rejected ({e}); recompiling"),
            None => tracing::info!("cached vectorscan database is corrupt or for other keywords; recompiling"),
        }
    }
    let db = Database::compile(literals)?;
    if let Some(db) = &db {
        match db.serialize() {
            Ok(bytes) => cache.put(&key, &encode_entry(&descriptor, &bytes)),
            Err(e) => tracing::warn!("cannot serialize the vectorscan database for the cache: {e}"),
        }
    }
    Ok((db, DatabaseOrigin::Compiled))
}

impl Matcher for VectorscanMatcher {
    fn name(&self) -> &'static str {
        "vectorscan"
    }

    fn new_scratch(&self) -> Scratch {
        // `with_options` allocated one scratch already, so only memory exhaustion fails here.
        let hs = self.db.as_ref().map(|db| db.alloc_scratch().expect("Vectorscan scratch (out of memory)"));
        Scratch::new(VectorscanScratch { hs, hits: Vec::new(), windows: WindowScratch::default() })
    }

    fn scan(&self, hay: &[u8], scratch: &mut Scratch, sink: &mut dyn FnMut(Candidate)) {
        let s: &mut VectorscanScratch = scratch.get();
        self.collect_hits(hay, s.hs.as_mut(), &mut s.hits);
        confirm_hits(&self.keywords, &self.confirm, hay, s.hits.iter().copied(), &mut s.windows, sink);
    }

    fn compile_all(&self) -> Vec<(usize, String)> {
        self.confirm.compile_all()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::PrefilterMatcher;

    fn rules() -> Vec<Rule> {
        sprawl_rules::parse_rules(
            r#"
rules:
  - id: t.a
    name: A
    pattern: '\b(abc_[a-z0-9]{6})\b'
    keywords: [abc_, AAA]
    max_len: 10
    identity: t
  - id: t.b
    name: B
    pattern: '(aaaa[a-z]{2})'
    keywords: [aaa]
    max_len: 6
    identity: t
"#,
            "t.yml",
        )
        .unwrap()
    }

    #[test]
    fn chunked_scans_report_each_hit_once() {
        let rules = rules();
        let hay: Vec<u8> = b"xx abc_q1w2e3 aaaaaaAAAaaa ABC_zzzzzz abc_".repeat(50);
        let reference = PrefilterMatcher::new(&rules).unwrap().keyword_hits(&hay);
        let mut m = VectorscanMatcher::new(&rules).unwrap();
        assert_eq!(m.keyword_hits(&hay), reference);
        for chunk_len in [1, 2, 3, 4, 5, 7, 64, 1000] {
            m.chunk_len = chunk_len;
            assert_eq!(m.keyword_hits(&hay), reference, "chunk_len {chunk_len}");
        }
    }

    #[test]
    fn entries_for_other_keywords_are_not_used() {
        let d = keyword_descriptor(&["abc".into(), "def".into()]);
        let entry = encode_entry(&d, b"db");
        assert_eq!(decode_entry(&entry, &d), Some(&b"db"[..]));
        assert_eq!(decode_entry(&entry, &keyword_descriptor(&["abc".into()])), None);
        assert_eq!(decode_entry(&entry[..10], &d), None);
        assert_eq!(decode_entry(b"", &d), None);
        // The same bytes split differently between keywords are a different set.
        assert_ne!(keyword_descriptor(&["ab".into(), "c".into()]), keyword_descriptor(&["a".into(), "bc".into()]));
    }

    #[test]
    fn any_changed_or_missing_byte_makes_an_entry_unusable() {
        let d = keyword_descriptor(&["abc".into(), "def".into()]);
        let entry = encode_entry(&d, b"serialized database bytes");
        for i in 0..entry.len() {
            for bit in [0x01, 0x80] {
                let mut bad = entry.clone();
                bad[i] ^= bit;
                assert_eq!(decode_entry(&bad, &d), None, "byte {i} bit {bit:#x}");
            }
            assert_eq!(decode_entry(&entry[..i], &d), None, "truncated to {i}");
        }
        let mut longer = entry.clone();
        longer.push(0);
        assert_eq!(decode_entry(&longer, &d), None);
    }

    /// A cache that hands back whatever it was given (or what a test put there), and counts.
    #[derive(Default)]
    struct MemCache {
        entries: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
        puts: std::sync::atomic::AtomicUsize,
    }

    impl DatabaseCache for MemCache {
        fn get(&self, key: &str) -> Option<Vec<u8>> {
            self.entries.lock().unwrap().get(key).cloned()
        }
        fn put(&self, key: &str, bytes: &[u8]) {
            self.puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.entries.lock().unwrap().insert(key.to_owned(), bytes.to_vec());
        }
    }

    impl MemCache {
        fn puts(&self) -> usize {
            self.puts.load(std::sync::atomic::Ordering::SeqCst)
        }
        /// Replaces the one stored entry's bytes.
        fn mangle(&self, f: impl FnOnce(&mut Vec<u8>)) {
            let mut entries = self.entries.lock().unwrap();
            assert_eq!(entries.len(), 1);
            f(entries.values_mut().next().unwrap());
        }
    }

    fn candidates(m: &dyn Matcher, hay: &[u8]) -> Vec<Candidate> {
        let mut scratch = m.new_scratch();
        let mut out = Vec::new();
        m.scan(hay, &mut scratch, &mut |c| out.push(c));
        out.sort();
        out
    }

    #[test]
    fn a_cached_database_is_reused_and_a_bad_one_is_rebuilt() {
        let rules = rules();
        let hay = b"xx abc_q1w2e3 aaaaaaAAAaaa ABC_zzzzzz abc_ aaaazz".repeat(3);
        let cache = Arc::new(MemCache::default());
        let options = Options { quick_start: false, cache: Some(cache.clone()) };
        let expected = candidates(&PrefilterMatcher::new(&rules).unwrap(), &hay);
        assert!(!expected.is_empty());

        let first = VectorscanMatcher::with_options(&rules, &options).unwrap();
        assert_eq!(first.database_origin(), DatabaseOrigin::Compiled);
        assert_eq!(cache.puts(), 1);
        assert_eq!(candidates(&first, &hay), expected);

        let second = VectorscanMatcher::with_options(&rules, &options).unwrap();
        assert_eq!(second.database_origin(), DatabaseOrigin::Cache);
        assert_eq!(cache.puts(), 1, "a good entry is not rewritten");
        assert_eq!(candidates(&second, &hay), expected);

        let len = cache.entries.lock().unwrap().values().next().unwrap().len();
        type Mangle = Box<dyn Fn(&mut Vec<u8>)>;
        let manglings: Vec<(String, Mangle)> = vec![
            ("empty".into(), Box::new(|e: &mut Vec<u8>| e.clear())),
            ("truncated by one".into(), Box::new(|e: &mut Vec<u8>| e.truncate(e.len() - 1))),
            ("truncated to half".into(), Box::new(|e: &mut Vec<u8>| e.truncate(e.len() / 2))),
            ("one byte longer".into(), Box::new(|e: &mut Vec<u8>| e.push(0))),
            ("garbage".into(), Box::new(|e: &mut Vec<u8>| e.iter_mut().for_each(|b| *b = 0xa5))),
        ];
        let flips = [0, 12, 20, 28, len / 2, len - 40, len - 1]
            .map(|at| (format!("byte {at} flipped"), Box::new(move |e: &mut Vec<u8>| e[at] ^= 0x10) as Mangle));
        for (what, mangle) in manglings.into_iter().chain(flips) {
            let puts = cache.puts();
            cache.mangle(mangle);
            let m = VectorscanMatcher::with_options(&rules, &options).unwrap();
            assert_eq!(m.database_origin(), DatabaseOrigin::Compiled, "{what}: a bad entry is never used");
            assert_eq!(cache.puts(), puts + 1, "{what}: the bad entry is replaced");
            assert_eq!(candidates(&m, &hay), expected, "{what}");
            let again = VectorscanMatcher::with_options(&rules, &options).unwrap();
            assert_eq!(again.database_origin(), DatabaseOrigin::Cache, "{what}: the replacement is used");
        }

        // Other rules (other keywords) never pick up this entry, even under the same key: the
        // entry names its keywords.
        let key = cache.entries.lock().unwrap().keys().next().unwrap().clone();
        let other = sprawl_rules::parse_rules(
            "rules:\n  - id: t.c\n    name: C\n    pattern: '(zzz_[a-z]{3})'\n    keywords: [zzz_]\n    max_len: 7\n    identity: t\n",
            "o.yml",
        )
        .unwrap();
        let foreign = cache.entries.lock().unwrap()[&key].clone();
        let other_cache = Arc::new(MemCache::default());
        let other_options = Options { quick_start: false, cache: Some(other_cache.clone()) };
        let o = VectorscanMatcher::with_options(&other, &other_options).unwrap();
        let other_key = other_cache.entries.lock().unwrap().keys().next().unwrap().clone();
        assert_ne!(other_key, key, "the key names the keyword set");
        other_cache.entries.lock().unwrap().insert(other_key, foreign);
        let o2 = VectorscanMatcher::with_options(&other, &other_options).unwrap();
        assert_eq!(o2.database_origin(), DatabaseOrigin::Compiled);
        assert_eq!(candidates(&o2, b"a zzz_abc b"), candidates(&o, b"a zzz_abc b"));
        assert_eq!(candidates(&o2, b"a zzz_abc b").len(), 1);
    }
}
