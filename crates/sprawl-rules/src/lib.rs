//! Rules are data: each detector is a YAML entry, and a new detector never touches Rust.
//!
//! This crate owns the rule schema ([`schema`]), loading it with serde-saphyr (one wrapper
//! function, [`parse_rules`]), the lints that `sprawl rules check` runs ([`lint`]), and the
//! built-in catalog, compiled in from `rules/*.yml` at the workspace root ([`RuleSet::builtin`]).
//!
//! A rule's `pattern` is a regex in the syntax of the `regex` crate; its first capture group is
//! the secret. `keywords` are literals (at least 3 bytes, matched ASCII-case-insensitively) of
//! which every match contains at least one: the matcher looks for keywords first and runs the
//! pattern only in a window of `max_len` bytes around each keyword hit.
//!
//! ```
//! let yaml = r#"
//! rules:
//!   - id: demo.token
//!     name: Demo token
//!     pattern: '\b(demo_[a-z0-9]{8})\b'
//!     keywords: [demo_]
//!     max_len: 13
//!     identity: demo
//!     examples: ['token = demo_k3j5h7g9']
//! "#;
//! let rules = sprawl_rules::parse_rules(yaml, "demo.yml").unwrap();
//! assert_eq!(&*rules[0].id, "demo.token");
//! assert_eq!(rules[0].source.line, 3);
//! ```
//!
//! This crate never matches anything: checking a rule's examples needs a matcher, so that
//! half of `rules check` lives in `sprawl-engine`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sprawl_core::Confidence;

mod def;
pub mod lint;
pub mod schema;

/// The built-in catalog, as `build.rs` compiled it.
pub mod builtin {
    /// One rule file of the catalog: parsed at build time, or (if it did not parse) its text,
    /// so the error is reported at run time like any other rules file's.
    #[derive(Debug)]
    pub enum StaticFile {
        Parsed { name: &'static str, rules: &'static [StaticRule] },
        Raw { name: &'static str, text: &'static str },
    }

    /// One rule as written in its file; validated into a [`crate::Rule`] at load.
    #[derive(Debug)]
    pub struct StaticRule {
        pub id: &'static str,
        pub name: &'static str,
        pub pattern: &'static str,
        pub keywords: &'static [&'static str],
        pub max_len: usize,
        pub min_entropy: Option<f64>,
        pub checksum: Option<&'static str>,
        pub placeholders: bool,
        pub random: bool,
        pub confidence: Option<&'static str>,
        pub pair_with: Option<(&'static str, u32)>,
        pub context: Option<bool>,
        pub secret_group: Option<usize>,
        pub identity: &'static str,
        pub examples: &'static [&'static str],
        pub negative_examples: &'static [&'static str],
        pub references: &'static [&'static str],
        pub line: u32,
    }

    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

    impl StaticRule {
        pub(crate) fn to_def(&self) -> crate::def::RuleDef {
            let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
            crate::def::RuleDef {
                id: self.id.to_owned(),
                name: self.name.to_owned(),
                pattern: self.pattern.to_owned(),
                keywords: owned(self.keywords),
                max_len: self.max_len,
                min_entropy: self.min_entropy,
                verify: crate::def::VerifyDef {
                    checksum: self.checksum.map(str::to_owned),
                    placeholders: self.placeholders,
                    random: self.random,
                },
                confidence: self.confidence.map(str::to_owned),
                pair_with: self
                    .pair_with
                    .map(|(rule, within_lines)| crate::def::PairDef { rule: rule.to_owned(), within_lines }),
                context: self.context,
                secret_group: self.secret_group,
                identity: self.identity.to_owned(),
                examples: owned(self.examples),
                negative_examples: owned(self.negative_examples),
                references: owned(self.references),
            }
        }
    }
}

/// Identities whose rules are context rules unless they say otherwise (`context: false`).
pub const CONTEXT_IDENTITIES: &[&str] = &["generic", "mcp", "kubernetes"];

/// Where a rule was defined: a file name (or `rules/x.yml` for built-ins) and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSource {
    pub file: Arc<str>,
    pub line: u32,
}

impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A second rule whose nearest match in the same blob is reported with this one's (an AWS
/// secret access key with its access key id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairWith {
    pub rule: String,
    /// How many lines apart the two may be.
    pub within_lines: u32,
}

/// One validated rule. The pattern is known to parse and to have a capture group; compiling it
/// into an automaton is the matcher's job.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub identity: Arc<str>,
    pub pattern: String,
    pub keywords: Vec<String>,
    pub max_len: usize,
    /// Shannon entropy floor (bits per byte) for the secret; `None` means no entropy check.
    pub min_entropy: Option<f64>,
    /// Name of an offline checksum or structure check in `sprawl-verify`.
    pub checksum: Option<String>,
    /// Whether the placeholder filter applies (off for formats such as private keys).
    pub placeholder_filter: bool,
    /// Whether the secret must look machine-generated (generic token and key rules; not
    /// passwords, which people choose).
    pub require_random: bool,
    /// Confidence of a match that passes every filter but has no checksum.
    pub confidence: Confidence,
    pub pair_with: Option<PairWith>,
    /// A rule that matches by context (`password = …`, an MCP `env` block, a Kubernetes
    /// `Secret`'s data) rather than by a provider's format. Its findings give way to a provider
    /// rule's on the same bytes, including a provider secret found by decoding those bytes.
    pub context: bool,
    /// Which capture group is the secret (default: the first that participates).
    pub secret_group: Option<usize>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    pub references: Vec<String>,
    pub source: RuleSource,
}

/// Failures to load rules, each naming the input and, where there is one, the rule and line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    #[error("{path}: cannot read rules: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{file}: {message}")]
    Yaml { file: String, message: String },
    #[error("{at}: rule `{id}`: {message}")]
    Invalid { id: String, at: RuleSource, message: String },
    #[error("{at}: rule `{id}` is defined twice (first at {first})")]
    Duplicate { id: String, at: RuleSource, first: RuleSource },
}

/// Parses one YAML rules document. Every rule is validated; the first invalid rule does not
/// hide the others, so the result lists all valid rules and all errors.
pub fn parse_rules_lenient(yaml: &str, file: &str) -> (Vec<Rule>, Vec<RuleError>) {
    let doc: schema::RuleFile = match serde_saphyr::from_str_with_options(yaml, schema::options()) {
        Ok(doc) => doc,
        Err(e) => {
            let message = match e.location() {
                Some(loc) => format!("line {}, column {}: {}", loc.line(), loc.column(), first_line(&e.to_string())),
                None => first_line(&e.to_string()),
            };
            return (Vec::new(), vec![RuleError::Yaml { file: file.to_owned(), message }]);
        }
    };
    let file: Arc<str> = Arc::from(file);
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for def in doc.rules {
        match schema::validate(def, &file) {
            Ok(rule) => rules.push(rule),
            Err(e) => errors.push(e),
        }
    }
    (rules, errors)
}

/// Parses one YAML rules document, failing on the first error.
pub fn parse_rules(yaml: &str, file: &str) -> Result<Vec<Rule>, RuleError> {
    let (rules, mut errors) = parse_rules_lenient(yaml, file);
    match errors.is_empty() {
        true => Ok(rules),
        false => Err(errors.swap_remove(0)),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_owned()
}

/// Loads rules from a YAML file, or from every `*.yml`/`*.yaml` file under a directory (sorted,
/// recursively). Returns what loaded and what failed.
pub fn load_path(path: &Path) -> (Vec<Rule>, Vec<RuleError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => collect_yaml(path, &mut files, &mut errors),
        Ok(_) => files.push(path.to_path_buf()),
        Err(source) => errors.push(RuleError::Io { path: path.to_path_buf(), source }),
    }
    files.sort();
    let mut rules = Vec::new();
    for f in files {
        match std::fs::read(&f) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let (r, e) = parse_rules_lenient(&text, &f.to_string_lossy());
                    rules.extend(r);
                    errors.extend(e);
                }
                Err(_) => errors.push(RuleError::Yaml {
                    file: f.to_string_lossy().into_owned(),
                    message: "not UTF-8 text".to_owned(),
                }),
            },
            Err(source) => errors.push(RuleError::Io { path: f, source }),
        }
    }
    (rules, errors)
}

fn collect_yaml(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<RuleError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(source) => {
            errors.push(RuleError::Io { path: dir.to_path_buf(), source });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(source) => {
                errors.push(RuleError::Io { path: dir.to_path_buf(), source });
                continue;
            }
        };
        let p = entry.path();
        if p.is_dir() {
            collect_yaml(&p, files, errors);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            files.push(p);
        }
    }
}

/// An ordered collection of rules with unique ids.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<Arc<str>, usize>,
}

impl RuleSet {
    /// The catalog compiled into the binary. Patterns are not parsed here (see
    /// [`schema::check_pattern_shape`]; `rules check` and the tests do it); everything else is
    /// validated as for any rules file.
    ///
    /// Errors here are bugs in `rules/*.yml`; a test asserts there are none.
    pub fn builtin() -> (RuleSet, Vec<RuleError>) {
        let mut set = RuleSet::default();
        let mut errors = Vec::new();
        for file in builtin::BUILTIN {
            match file {
                builtin::StaticFile::Parsed { name, rules } => {
                    let name: Arc<str> = Arc::from(*name);
                    let mut valid = Vec::with_capacity(rules.len());
                    for r in *rules {
                        match schema::validate_def(r.to_def(), &name, r.line, false) {
                            Ok(rule) => valid.push(rule),
                            Err(e) => errors.push(e),
                        }
                    }
                    errors.extend(set.extend(valid));
                }
                builtin::StaticFile::Raw { name, text } => {
                    let (rules, errs) = parse_rules_lenient(text, name);
                    errors.extend(errs);
                    errors.extend(set.extend(rules));
                }
            }
        }
        (set, errors)
    }

    /// Adds rules, refusing any whose id is already present (the first definition wins).
    pub fn extend(&mut self, rules: impl IntoIterator<Item = Rule>) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for rule in rules {
            if let Some(&i) = self.by_id.get(&rule.id) {
                errors.push(RuleError::Duplicate {
                    id: rule.id.to_string(),
                    at: rule.source.clone(),
                    first: self.rules[i].source.clone(),
                });
                continue;
            }
            self.by_id.insert(rule.id.clone(), self.rules.len());
            self.rules.push(rule);
        }
        errors
    }

    /// Keeps only the rules for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
        self.by_id = self.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
rules:
  - id: demo.token
    name: Demo token
    pattern: '\b(demo_[a-z0-9]{8})\b'
    keywords: [demo_]
    max_len: 13
    identity: demo
    examples: ['token = demo_k3j5h7g9']
  - id: demo.other
    name: Other
    pattern: 'oth_([a-z]{10})'
    keywords: [oth_]
    max_len: 14
    min_entropy: 2.5
    confidence: medium
    identity: demo
    examples: ['oth_abcdefghij']
"#;

    #[test]
    fn parses_fields_and_lines() {
        let rules = parse_rules(GOOD, "x.yml").unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].source.line, 3);
        assert_eq!(rules[1].source.line, 10);
        assert_eq!(rules[1].min_entropy, Some(2.5));
        assert_eq!(rules[1].confidence, Confidence::Medium);
        assert_eq!(rules[0].confidence, Confidence::High);
    }

    #[test]
    fn placeholder_filter_is_on_without_a_verify_key() {
        let rules = parse_rules(GOOD, "x.yml").unwrap();
        assert!(rules.iter().all(|r| r.placeholder_filter));
        let off =
            parse_rules(&GOOD.replace("max_len: 13", "max_len: 13\n    verify: { placeholders: false }"), "x.yml")
                .unwrap();
        assert!(!off[0].placeholder_filter);
    }

    #[test]
    fn invalid_regex_names_rule_and_line_and_keeps_the_others() {
        let yaml = GOOD.replace(r"oth_([a-z]{10})", r"oth_([a-z]{10}");
        let (rules, errors) = parse_rules_lenient(&yaml, "x.yml");
        assert_eq!(rules.len(), 1);
        assert_eq!(errors.len(), 1);
        let msg = errors[0].to_string();
        assert!(msg.starts_with("x.yml:10: rule `demo.other`: invalid pattern"), "{msg}");
    }

    #[test]
    fn yaml_error_names_file_and_line() {
        let (rules, errors) = parse_rules_lenient("rules:\n  - id: [unclosed\n", "bad.yml");
        assert!(rules.is_empty());
        let msg = errors[0].to_string();
        assert!(msg.starts_with("bad.yml: line 2"), "{msg}");
    }

    #[test]
    fn unknown_field_is_an_error() {
        let yaml = GOOD.replace("max_len: 13", "max_len: 13\n    colour: blue");
        let (_, errors) = parse_rules_lenient(&yaml, "x.yml");
        assert!(errors[0].to_string().contains("colour"), "{}", errors[0]);
    }

    #[test]
    fn pattern_without_capture_group_is_invalid() {
        let yaml = GOOD.replace(r"oth_([a-z]{10})", r"oth_[a-z]{10}");
        let (_, errors) = parse_rules_lenient(&yaml, "x.yml");
        assert!(errors[0].to_string().contains("capture group"), "{}", errors[0]);
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut set = RuleSet::default();
        assert!(set.extend(parse_rules(GOOD, "a.yml").unwrap()).is_empty());
        let errs = set.extend(parse_rules(GOOD, "b.yml").unwrap());
        assert_eq!(errs.len(), 2);
        assert!(errs[0].to_string().contains("first at a.yml:3"), "{}", errs[0]);
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn builtin_catalog_loads_without_errors() {
        let (set, errors) = RuleSet::builtin();
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(msgs.is_empty(), "{msgs:#?}");
        assert!(set.len() >= 250, "{} rules", set.len());
        // Start-up skips parsing patterns; check them here instead.
        let bad: Vec<String> = set
            .rules()
            .iter()
            .filter_map(|r| {
                schema::check_pattern_shape(&r.pattern).err().map(|e| format!("{}: {}: {e}", r.source, r.id))
            })
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn builtin_catalog_equals_parsing_the_files_at_run_time() {
        let (set, _) = RuleSet::builtin();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let (rules, errors) = load_path(&dir);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rules.len(), set.len());
        for r in &rules {
            let b = set.get(&r.id).unwrap();
            assert_eq!(
                (
                    &b.pattern,
                    &b.keywords,
                    b.max_len,
                    b.min_entropy,
                    &b.checksum,
                    b.placeholder_filter,
                    b.require_random,
                    b.confidence
                ),
                (
                    &r.pattern,
                    &r.keywords,
                    r.max_len,
                    r.min_entropy,
                    &r.checksum,
                    r.placeholder_filter,
                    r.require_random,
                    r.confidence
                ),
                "{}",
                r.id
            );
            assert_eq!(
                (&b.examples, &b.negative_examples, b.context, b.source.line),
                (&r.examples, &r.negative_examples, r.context, r.source.line)
            );
        }
    }

    #[test]
    fn load_path_reads_directories_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yml"), GOOD).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let (rules, errors) = load_path(dir.path());
        assert_eq!(rules.len(), 2);
        assert!(errors.is_empty());
        let (_, errors) = load_path(&dir.path().join("missing.yml"));
        assert!(errors[0].to_string().contains("missing.yml"));
    }
}
