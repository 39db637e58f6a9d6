//! CI configurations: where they live, and their YAML as a tree that remembers lines.
//!
//! [`discover`] finds the pipeline files of a directory by their conventional places
//! (`.github/workflows/*.yml`, `.gitlab-ci.yml`, `.circleci/config.yml`, …); [`parse`] reads a
//! YAML one into a [`Node`] tree where every key and value knows its line and column, so a
//! posture check can point at `deploy.yml:14:11`. Parsing goes through serde-saphyr with its
//! default budgets (events, depth, alias expansion), so an alias bomb is an error, not an
//! out-of-memory. Anchors, aliases and merge keys (`<<: *defaults`) are resolved; GitLab's
//! `!reference [.job, script]` keeps its operand as a sequence (the tag itself is dropped).
//! Jenkinsfiles (Groovy) are read as text, not parsed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Which CI system a file configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CiKind {
    GitHubActions,
    GitLab,
    CircleCi,
    AzurePipelines,
    Bitbucket,
    Travis,
    Jenkins,
}

impl CiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CiKind::GitHubActions => "github-actions",
            CiKind::GitLab => "gitlab-ci",
            CiKind::CircleCi => "circleci",
            CiKind::AzurePipelines => "azure-pipelines",
            CiKind::Bitbucket => "bitbucket-pipelines",
            CiKind::Travis => "travis",
            CiKind::Jenkins => "jenkins",
        }
    }

    /// Whether the file is YAML ([`parse`] applies) rather than Groovy.
    pub fn is_yaml(self) -> bool {
        self != CiKind::Jenkins
    }

    /// The kind of the file at `rel`, a path relative to the repository root (`/`-separated
    /// components), or `None` when it is not at a conventional CI place.
    pub fn of(rel: &Path) -> Option<CiKind> {
        let parts: Vec<&str> = rel.iter().filter_map(|s| s.to_str()).collect();
        let name = *parts.last()?;
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        match parts.as_slice() {
            [.., ".github", "workflows", _] if yaml => Some(CiKind::GitHubActions),
            [".gitlab-ci.yml" | ".gitlab-ci.yaml"] => Some(CiKind::GitLab),
            [".gitlab", ..] if yaml => Some(CiKind::GitLab),
            [.., ".circleci", "config.yml" | "config.yaml"] => Some(CiKind::CircleCi),
            ["azure-pipelines.yml" | "azure-pipelines.yaml"] => Some(CiKind::AzurePipelines),
            [".azure-pipelines" | ".azuredevops", ..] if yaml => Some(CiKind::AzurePipelines),
            ["bitbucket-pipelines.yml" | "bitbucket-pipelines.yaml"] => Some(CiKind::Bitbucket),
            [".travis.yml" | ".travis.yaml"] => Some(CiKind::Travis),
            [.., n] if *n == "Jenkinsfile" || n.starts_with("Jenkinsfile.") || n.ends_with(".jenkinsfile") => {
                Some(CiKind::Jenkins)
            }
            _ => None,
        }
    }
}

impl fmt::Display for CiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CI configuration file found under a root.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CiFile {
    pub path: PathBuf,
    pub kind: CiKind,
}

/// The CI files of `root`: its conventional places only, not a walk of the whole tree (a
/// vendored project's workflows under `third_party/` do not run). A file path is classified by
/// its name. Sorted by path.
pub fn discover(root: &Path) -> Vec<CiFile> {
    if root.is_file() {
        let name = root.file_name().map(Path::new).unwrap_or(root);
        let in_workflows = root.parent().is_some_and(|p| p.ends_with(".github/workflows"));
        let kind = match in_workflows {
            true => Some(CiKind::GitHubActions),
            false => CiKind::of(name),
        };
        return kind.map(|kind| CiFile { path: root.to_path_buf(), kind }).into_iter().collect();
    }
    // `sprawl ci .` reports `.github/workflows/a.yml`, not `./.github/workflows/a.yml`.
    let at = |rel: &Path| match root == Path::new(".") {
        true => rel.to_path_buf(),
        false => root.join(rel),
    };
    let mut out = Vec::new();
    let dirs = [".github/workflows", ".gitlab", ".gitlab/ci", ".circleci", ".azure-pipelines", ".azuredevops"];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            let rel = Path::new(dir).join(e.file_name());
            if e.file_type().is_ok_and(|t| t.is_file())
                && let Some(kind) = CiKind::of(&rel)
            {
                out.push(CiFile { path: at(&rel), kind });
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let rel = PathBuf::from(e.file_name());
            if e.file_type().is_ok_and(|t| t.is_file())
                && let Some(kind) = CiKind::of(&rel)
            {
                out.push(CiFile { path: at(&rel), kind });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A YAML node with the place it was written (1-based line and column; for a value that came
/// through an alias or a merge key, the place of the alias or merge).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub line: u32,
    pub column: u32,
    pub value: Value,
}

/// A YAML value. Scalars keep their text (`on`, `yes`, `0755` stay as written); keys of a
/// mapping are nodes too, so they have places.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// The value under `key` in a mapping, and the key's node.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries().iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, v)| (k, v))
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// Every scalar under this node, depth first, in document order.
    pub fn scalars(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        self.collect_scalars(&mut out);
        out
    }

    fn collect_scalars<'a>(&'a self, out: &mut Vec<&'a Node>) {
        match &self.value {
            Value::Scalar(_) => out.push(self),
            Value::Seq(items) => items.iter().for_each(|n| n.collect_scalars(out)),
            Value::Map(entries) => entries.iter().for_each(|(_, v)| v.collect_scalars(out)),
            Value::Null => {}
        }
    }
}

/// Why a YAML file could not be read as a tree.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// Where, when the parser knows (1-based).
    pub line: Option<u32>,
}

/// Parses one YAML document into a located tree, within serde-saphyr's default budgets.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let options = serde_saphyr::options! {
        // YAML 1.2 booleans: GitHub's `on:` key stays the word `on`.
        strict_booleans: true,
    };
    match serde_saphyr::from_str_with_options::<serde_saphyr::Spanned<Value>>(text, options) {
        Ok(s) => Ok(Node { line: s.referenced.line() as u32, column: s.referenced.column() as u32, value: s.value }),
        Err(e) => {
            let line = e.location().map(|l| l.line() as u32).filter(|&l| l > 0);
            // The first line of serde-saphyr's message; the rest is a snippet of the input,
            // which may hold a secret.
            let message = e.to_string().lines().next().unwrap_or("invalid YAML").to_owned();
            Err(ParseError { message, line })
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let s = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        Ok(Node { line: s.referenced.line() as u32, column: s.referenced.column() as u32, value: s.value })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Scalar(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_know_their_lines() {
        let doc = parse("on:\n  push:\njobs:\n  build:\n    env:\n      A: \"x\"\n      B: 3\n").unwrap();
        let (on, _) = doc.get_entry("on").expect("`on` stays a word under YAML 1.2 booleans");
        assert_eq!((on.line, on.column), (1, 1));
        let env = doc.get("jobs").and_then(|j| j.get("build")).and_then(|b| b.get("env")).unwrap();
        let (k, v) = env.get_entry("A").unwrap();
        assert_eq!((k.line, v.line, v.as_str()), (6, 6, Some("x")));
        assert_eq!(env.get("B").and_then(Node::as_str), Some("3"));
    }

    #[test]
    fn merge_keys_anchors_and_gitlab_references_resolve() {
        let text = "\
.defaults: &defaults
  variables:
    AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY
.setup:
  script: [echo setup]
deploy:
  <<: *defaults
  script:
    - !reference [.setup, script]
    - ./deploy
";
        let doc = parse(text).unwrap();
        let deploy = doc.get("deploy").unwrap();
        let vars = deploy.get("variables").expect("merged from the anchor");
        assert_eq!(vars.get("AWS_SECRET_ACCESS_KEY").and_then(Node::as_str), Some("$AWS_SECRET_ACCESS_KEY"));
        let script = deploy.get("script").unwrap().items();
        assert_eq!(script[0].items().iter().filter_map(Node::as_str).collect::<Vec<_>>(), [".setup", "script"]);
        assert_eq!(script[1].line, 10);
    }

    #[test]
    fn an_alias_bomb_is_an_error_not_an_allocation() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&text).is_err());
        let e = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn kinds_by_conventional_place() {
        let k = |p: &str| CiKind::of(Path::new(p));
        assert_eq!(k(".github/workflows/ci.yml"), Some(CiKind::GitHubActions));
        assert_eq!(k(".github/workflows/readme.md"), None);
        assert_eq!(k(".gitlab-ci.yml"), Some(CiKind::GitLab));
        assert_eq!(k(".circleci/config.yml"), Some(CiKind::CircleCi));
        assert_eq!(k("azure-pipelines.yml"), Some(CiKind::AzurePipelines));
        assert_eq!(k("bitbucket-pipelines.yml"), Some(CiKind::Bitbucket));
        assert_eq!(k(".travis.yml"), Some(CiKind::Travis));
        assert_eq!(k("Jenkinsfile"), Some(CiKind::Jenkins));
        assert_eq!(k("ci/Jenkinsfile.release"), Some(CiKind::Jenkins));
        assert_eq!(k("docs/.gitlab-ci.yml"), None);
    }

    #[test]
    fn discovery_looks_only_where_ci_systems_look() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in [
            ".github/workflows/a.yml",
            ".github/workflows/notes.txt",
            ".gitlab-ci.yml",
            "Jenkinsfile",
            "vendor/.travis.yml",
        ] {
            std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
            std::fs::write(root.join(p), "x: 1\n").unwrap();
        }
        let found: Vec<(String, CiKind)> = discover(root)
            .into_iter()
            .map(|f| (f.path.strip_prefix(root).unwrap().to_string_lossy().into_owned(), f.kind))
            .collect();
        assert_eq!(
            found,
            [
                (".github/workflows/a.yml".to_owned(), CiKind::GitHubActions),
                (".gitlab-ci.yml".to_owned(), CiKind::GitLab),
                ("Jenkinsfile".to_owned(), CiKind::Jenkins),
            ]
        );
        assert_eq!(discover(&root.join(".github/workflows/a.yml")).len(), 1);
    }
}
