//! The project configuration file, `.sprawl.yaml`, and what it turns into.
//!
//! ```yaml
//! rules:
//!   disable: [generic.password, "generic.*"]   # ids or globs
//!   enable: ["aws.*", "github.*"]              # if present, only these
//!   extra: [ci/sprawl-rules.yml]               # more rule files, relative to this file
//! allow:
//!   paths: ["tests/fixtures/**", "*.lock"]     # findings in these paths are accepted
//!   regexes: ["^TEST_"]                        # secrets matching any are accepted
//!   stopwords: [sandbox]                       # secrets containing any are accepted
//!   commits: [4f1c2e9]                         # findings first committed here are accepted
//!   rules:
//!     generic.password: { regexes: ["^local-"], stopwords: [devpass] }
//! min_confidence: medium                       # command-line flags win over this file
//! max_file_size: 50M
//! ```
//!
//! Found at the root of the first scanned path (`.sprawl.yaml` or `.sprawl.yml`), else in the
//! current directory, or given with `--config`. Every problem names the file and line; an
//! unknown rule id or a pattern matching no rule is an error, since a silent no-op
//! suppression is how findings get lost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use sprawl_engine::allowlist::{Allowlist, SecretFilter};

use sprawl_rules::RuleSet;

/// The names a configuration file may have.
pub const FILE_NAMES: &[&str] = &[".sprawl.yaml", ".sprawl.yml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub allow: AllowConfig,
    #[serde(default)]
    pub min_confidence: Option<Spanned<String>>,
    #[serde(default)]
    pub max_file_size: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(default)]
    pub enable: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    #[serde(default)]
    pub extra: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
    #[serde(default)]
    pub commits: Vec<String>,
    #[serde(default)]
    pub rules: BTreeMap<String, Spanned<RuleAllow>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleAllow {
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// Allowlist entries gathered from `.sprawl.yaml` and an imported gitleaks configuration,
/// before compiling: per rule, (regexes, stopwords).
#[derive(Debug, Default)]
pub struct AllowParts {
    pub paths: Vec<String>,
    pub regexes: Vec<String>,
    pub stopwords: Vec<String>,
    pub commits: Vec<String>,
    pub rules: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

impl AllowParts {
    pub fn merge(&mut self, other: AllowParts) {
        self.paths.extend(other.paths);
        self.regexes.extend(other.regexes);
        self.stopwords.extend(other.stopwords);
        self.commits.extend(other.commits);
        for (id, (r, s)) in other.rules {
            let e = self.rules.entry(id).or_default();
            e.0.extend(r);
            e.1.extend(s);
        }
    }

    /// Compiles the allowlist; errors name the part at fault.
    pub fn build(&self) -> Result<Allowlist, Vec<String>> {
        let mut errors = Vec::new();
        let mut out = Allowlist::default();
        if !self.paths.is_empty()
            && let Err(e) = out.paths(&self.paths)
        {
            errors.push(format!("allow.paths: {e}"));
        }
        out.commits(&self.commits);
        match SecretFilter::new(&self.regexes, &self.stopwords) {
            Ok(f) => out.all_rules(f),
            Err(e) => errors.push(format!("allow.regexes: {e}")),
        }
        for (id, (regexes, stopwords)) in &self.rules {
            match SecretFilter::new(regexes, stopwords) {
                Ok(f) => out.rule(id, f),
                Err(e) => errors.push(format!("allow.rules.{id}: {e}")),
            }
        }
        if errors.is_empty() { Ok(out) } else { Err(errors) }
    }
}

/// A configuration file and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
}

/// Finds the configuration: `explicit`, else `.sprawl.yaml`/`.sprawl.yml` at `root`, else in
/// the current directory. `Ok(None)` when there is none.
pub fn find(explicit: Option<&Path>, root: Option<&Path>) -> anyhow::Result<Option<Loaded>> {
    if let Some(p) = explicit {
        return load(p).map(Some);
    }
    let mut dirs: Vec<PathBuf> = root.map(Path::to_path_buf).into_iter().collect();
    dirs.push(PathBuf::from("."));
    for dir in dirs {
        for name in FILE_NAMES {
            let p = dir.join(name);
            if p.is_file() {
                return load(&p).map(Some);
            }
        }
    }
    Ok(None)
}

/// Reads and parses one configuration file.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the configuration: {e}", path.display()))?;
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let config: Config = serde_saphyr::from_str_with_options(&text, options).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or_default().trim().to_owned();
        match e.location() {
            Some(l) => anyhow::anyhow!("{}:{}:{}: {first}", path.display(), l.line(), l.column()),
            None => anyhow::anyhow!("{}: {first}", path.display()),
        }
    })?;
    Ok(Loaded { path: path.to_path_buf(), config })
}

fn at<T>(path: &Path, s: &Spanned<T>) -> String {
    format!("{}:{}", path.display(), s.referenced.line())
}

/// Whether `id` matches `pattern` (an id, or a glob with `*`).
fn matches(pattern: &str, id: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == id,
        Some(_) => globset::Glob::new(pattern).map(|g| g.compile_matcher().is_match(id)).unwrap_or(false),
    }
}

impl Loaded {
    /// Applies the rule selection and extra rule files to `rules`. Returns the errors, each
    /// naming the file and line.
    pub fn apply_rules(&self, rules: &mut RuleSet) -> Vec<String> {
        let mut errors = Vec::new();
        let dir = self.path.parent().unwrap_or(Path::new("."));
        for extra in &self.config.rules.extra {
            let (loaded, errs) = sprawl_rules::load_path(&dir.join(&extra.value));
            errors.extend(errs.iter().map(|e| format!("{} (rules.extra): {e}", at(&self.path, extra))));
            errors.extend(rules.extend(loaded).iter().map(ToString::to_string));
        }
        let ids: Vec<String> = rules.rules().iter().map(|r| r.id.to_string()).collect();
        let check = |list: &[Spanned<String>], key: &str, errors: &mut Vec<String>| {
            for p in list {
                if !ids.iter().any(|id| matches(&p.value, id)) {
                    errors.push(format!(
                        "{}: rules.{key}: `{}` names no rule (see `sprawl rules list`)",
                        at(&self.path, p),
                        p.value
                    ));
                }
            }
        };
        check(&self.config.rules.disable, "disable", &mut errors);
        if let Some(enable) = &self.config.rules.enable {
            check(enable, "enable", &mut errors);
        }
        let disable: Vec<&str> = self.config.rules.disable.iter().map(|s| s.value.as_str()).collect();
        let enable: Option<Vec<&str>> =
            self.config.rules.enable.as_ref().map(|v| v.iter().map(|s| s.value.as_str()).collect());
        rules.retain(|r| {
            let on = enable.as_ref().is_none_or(|e| e.iter().any(|p| matches(p, &r.id)));
            on && !disable.iter().any(|p| matches(p, &r.id))
        });
        errors
    }

    /// The allowlist entries the file describes, checked against the rule set.
    pub fn allow_parts(&self, rules: &RuleSet) -> Result<AllowParts, Vec<String>> {
        let a = &self.config.allow;
        let mut errors = Vec::new();
        let mut out = AllowParts {
            paths: a.paths.clone(),
            regexes: a.regexes.clone(),
            stopwords: a.stopwords.clone(),
            commits: a.commits.clone(),
            rules: BTreeMap::new(),
        };
        for (id, r) in &a.rules {
            if rules.get(id).is_none() {
                errors.push(format!("{}: allow.rules: unknown rule id `{id}`", at(&self.path, r)));
                continue;
            }
            out.rules.insert(id.clone(), (r.value.regexes.clone(), r.value.stopwords.clone()));
        }
        // Compile once here so that a bad regex is reported against this file.
        if let Err(es) = out.build() {
            errors.extend(es.into_iter().map(|e| format!("{}: {e}", self.path.display())));
        }
        if errors.is_empty() { Ok(out) } else { Err(errors) }
    }

    /// The minimum confidence the file sets, if any.
    pub fn min_confidence(&self) -> anyhow::Result<Option<sprawl_core::Confidence>> {
        match &self.config.min_confidence {
            None => Ok(None),
            Some(s) => sprawl_core::Confidence::parse(&s.value).map(Some).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: min_confidence: `{}` is not low, medium, high or confirmed",
                    at(&self.path, s),
                    s.value
                )
            }),
        }
    }

    /// The file size limit the file sets, if any.
    pub fn max_file_size(&self) -> anyhow::Result<Option<u64>> {
        match &self.config.max_file_size {
            None => Ok(None),
            Some(s) => crate::parse_size(&s.value)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{}: max_file_size: {e}", at(&self.path, s))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join(".sprawl.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn syntax_errors_and_unknown_keys_name_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "rules:\n  disable: [a\n");
        let e = load(&p).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:", p.display())), "{e}");
        let p = write(d.path(), "allow:\n  pathz: [x]\n");
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("pathz"), "{e}");
    }

    #[test]
    fn selection_and_unknown_ids() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "rules:\n  disable:\n    - \"generic.*\"\n    - no.such.rule\n");
        let loaded = load(&p).unwrap();
        let (mut rules, _) = RuleSet::builtin();
        let before = rules.len();
        let errors = loaded.apply_rules(&mut rules);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains(":4: rules.disable: `no.such.rule`"), "{errors:?}");
        assert!(rules.len() < before);
        assert!(rules.rules().iter().all(|r| !r.id.starts_with("generic.")));
    }
}
