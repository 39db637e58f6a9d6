//! Migration from gitleaks: its configuration (`.gitleaks.toml`: custom rules and allowlists)
//! and its JSON reports (as baseline entries).
//!
//! What sprawl cannot honour is an error naming the file and line, never a silent drop: an
//! allowlist we ignored would unhide findings, a rule we skipped would hide them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Deserialize;
use sprawl_rules::Rule;
use sprawl_store::baseline::{Baseline, Entry};
use sprawl_store::fingerprint::FingerprintKey;

use crate::config::AllowParts;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    extend: Option<toml::Value>,
    #[serde(default)]
    rules: Vec<toml::Spanned<RuleDef>>,
    /// gitleaks ≤ 8.20: one global allowlist.
    #[serde(default)]
    allowlist: Option<toml::Spanned<AllowDef>>,
    /// gitleaks ≥ 8.21: several.
    #[serde(default)]
    allowlists: Vec<toml::Spanned<AllowDef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleDef {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    allowlist: Option<AllowDef>,
    #[serde(default)]
    allowlists: Vec<AllowDef>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AllowDef {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
}

/// What a gitleaks configuration becomes: rules, allowlist parts, and per-rule path
/// restrictions (a gitleaks rule with both `regex` and `path` applies only to matching paths).
#[derive(Debug, Default)]
pub struct Imported {
    pub rules: Vec<Rule>,
    pub allow: AllowParts,
    pub path_filters: Vec<(String, regex::Regex)>,
    /// Notes for the user that do not change what is reported.
    pub notes: Vec<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Loads a gitleaks configuration. `Err` lists every problem, each with file and line.
pub fn load_config(path: &Path) -> Result<Imported, Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(&text, s.start));
        vec![format!("{}:{line}: {}", path.display(), e.message())]
    })?;
    let mut out = Imported::default();
    let mut errors = Vec::new();
    let _ = &config.title;
    if config.extend.is_some() {
        out.notes.push(format!(
            "{}: [extend] (gitleaks' default rules) is played by sprawl's built-in catalog",
            path.display()
        ));
    }
    let file: Arc<str> = Arc::from(path.display().to_string().as_str());
    for spanned in &config.rules {
        let line = line_of(&text, spanned.span().start);
        let at = format!("{}:{line}", path.display());
        let r = spanned.get_ref();
        match convert_rule(r, &file, line) {
            Ok(rule) => {
                if let Some(p) = &r.path {
                    match regex::Regex::new(p) {
                        Ok(re) => out.path_filters.push((rule.id.to_string(), re)),
                        Err(e) => errors.push(format!("{at}: rule `{}`: invalid path regex: {e}", r.id)),
                    }
                }
                for a in r.allowlist.iter().chain(&r.allowlists) {
                    if let Err(e) = add_rule_allow(a, &rule.id, &mut out.allow) {
                        errors.push(format!("{at}: rule `{}` allowlist: {e}", r.id));
                    }
                }
                out.rules.push(rule);
            }
            Err(e) => errors.push(format!("{at}: rule `{}`: {e}", r.id)),
        }
    }
    for a in config.allowlist.iter().chain(&config.allowlists) {
        let at = format!("{}:{}", path.display(), line_of(&text, a.span().start));
        if let Err(e) = add_global_allow(a.get_ref(), &mut out.allow) {
            errors.push(format!("{at}: allowlist: {e}"));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn check_allow_shape(a: &AllowDef) -> Result<(), String> {
    let _ = &a.description;
    if a.condition.as_deref().is_some_and(|c| !c.eq_ignore_ascii_case("or")) {
        return Err("condition = \"AND\" is not supported (sprawl accepts when any entry matches)".to_owned());
    }
    match a.regex_target.as_deref() {
        None | Some("secret") => Ok(()),
        Some(t) => {
            Err(format!("regexTarget = \"{t}\" is not supported (sprawl applies allowlist regexes to the secret)"))
        }
    }
}

fn add_global_allow(a: &AllowDef, parts: &mut AllowParts) -> Result<(), String> {
    check_allow_shape(a)?;
    // gitleaks path allowlists are regexes; sprawl's are globs. Translate the common shapes
    // and refuse the rest rather than guess.
    for p in &a.paths {
        parts.paths.push(path_regex_to_glob(p).ok_or_else(|| {
            format!("path regex {p:?} has no glob equivalent; rewrite it in .sprawl.yaml allow.paths")
        })?);
    }
    parts.regexes.extend(a.regexes.iter().cloned());
    parts.stopwords.extend(a.stopwords.iter().cloned());
    parts.commits.extend(a.commits.iter().cloned());
    Ok(())
}

fn add_rule_allow(a: &AllowDef, rule: &str, parts: &mut AllowParts) -> Result<(), String> {
    check_allow_shape(a)?;
    if !a.paths.is_empty() || !a.commits.is_empty() {
        return Err("per-rule paths and commits are not supported; use the global allowlist or .sprawl.yaml".to_owned());
    }
    let entry = parts.rules.entry(rule.to_owned()).or_default();
    entry.0.extend(a.regexes.iter().cloned());
    entry.1.extend(a.stopwords.iter().cloned());
    Ok(())
}

/// `(^|/)vendor/` → `vendor/**`, `\.lock$` → `*.lock`, `^tests/fixtures/` → `tests/fixtures/**`.
fn path_regex_to_glob(re: &str) -> Option<String> {
    let mut s = re.trim_start_matches("(^|/)").trim_start_matches("(?:^|/)").trim_start_matches('^').to_owned();
    let anchored_end = s.ends_with('$');
    if anchored_end {
        s.pop();
    }
    let unescaped = s.replace("\\.", ".").replace("\\/", "/").replace("\\-", "-");
    if unescaped.chars().any(|c| "()[]{}|+*?\\^$".contains(c)) {
        // `.*` is the one construct with a direct glob form.
        let simple = s.replace(".*", "\u{1}");
        let rest = simple.replace("\\.", ".").replace("\\/", "/").replace("\\-", "-");
        if rest.chars().any(|c| "()[]{}|+*?\\^$".contains(c)) {
            return None;
        }
        return Some(rest.replace('\u{1}', "*"));
    }
    Some(match (unescaped.starts_with('.'), anchored_end, unescaped.ends_with('/')) {
        (true, true, _) => format!("*{unescaped}"),
        (_, _, true) => format!("{unescaped}**"),
        _ => unescaped,
    })
}

fn convert_rule(r: &RuleDef, file: &Arc<str>, line: usize) -> Result<Rule, String> {
    let _ = (&r.tags, &r.description);
    let Some(regex) = &r.regex else {
        return Err("a path-only rule (no `regex`) is not supported: sprawl reports secrets, not file names".to_owned());
    };
    let hir = sprawl_rules::schema::parse_pattern(regex).map_err(|e| format!("regex does not parse: {e}"))?;
    let mut keywords: Vec<String> = r.keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
    if keywords.is_empty() {
        keywords = literal_keywords(&hir).ok_or_else(|| {
            "no `keywords`, and the regex has no literal of 3 or more bytes to look for; add `keywords`".to_owned()
        })?;
    }
    let max_len = hir.properties().maximum_len().map_or(1024, |m| m.clamp(1, 65_536));
    // A regex without groups: the whole match is the secret; wrap it so our "first group" rule
    // holds.
    let (pattern, secret_group) = match (hir.properties().explicit_captures_len(), r.secret_group) {
        (0, _) => (format!("({regex})"), None),
        (_, Some(0)) => (format!("({regex})"), Some(1)),
        (_, Some(g)) => (regex.clone(), Some(g)),
        (_, None) => (regex.clone(), None),
    };
    let id = format!(
        "gitleaks.{}",
        r.id.to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
            .collect::<String>()
    );
    Ok(Rule {
        id: Arc::from(id.as_str()),
        name: Arc::from(r.description.as_deref().unwrap_or(&r.id)),
        identity: Arc::from("gitleaks"),
        pattern,
        keywords,
        max_len,
        min_entropy: r.entropy,
        checksum: None,
        placeholder_filter: true,
        require_random: false,
        confidence: sprawl_core::Confidence::Medium,
        pair_with: None,
        context: false,
        secret_group,
        examples: Vec::new(),
        negative_examples: Vec::new(),
        references: Vec::new(),
        source: sprawl_rules::RuleSource { file: file.clone(), line: u32::try_from(line).unwrap_or(u32::MAX) },
    })
}

/// Literals of at least 3 bytes that every match contains, as keywords.
fn literal_keywords(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::Extractor;
    for kind in [regex_syntax::hir::literal::ExtractKind::Prefix, regex_syntax::hir::literal::ExtractKind::Suffix] {
        let seq = Extractor::new().kind(kind).extract(hir);
        let lits = seq.literals()?;
        if !lits.is_empty() && lits.iter().all(|l| l.as_bytes().len() >= 3) {
            let mut out: Vec<String> =
                lits.iter().map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase()).collect();
            out.sort();
            out.dedup();
            return Some(out);
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReportEntry {
    #[serde(rename = "RuleID")]
    rule_id: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    start_line: u64,
    #[serde(default)]
    fingerprint: String,
}

/// Adds the secrets of a gitleaks JSON report to `baseline`, fingerprinted with `key`. Returns
/// how many entries were new. A redacted report cannot be imported (there is no secret to
/// fingerprint): that is an error naming the entry.
pub fn import_report(path: &Path, key: &FingerprintKey, baseline: &mut Baseline) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the gitleaks report", path.display()))?;
    let entries: Vec<ReportEntry> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{}:{}:{}: not a gitleaks JSON report: {e}", path.display(), e.line(), e.column())
    })?;
    let mut by_key: BTreeMap<(String, String), Entry> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if e.secret.is_empty() || e.secret == "REDACTED" {
            bail!(
                "{}: entry {} ({}:{}, rule {}): the secret is redacted; re-run gitleaks without --redact to import",
                path.display(),
                i + 1,
                e.file,
                e.start_line,
                e.rule_id
            );
        }
        let fp = key.fingerprint(e.secret.as_bytes()).to_string();
        let rule = format!("gitleaks:{}", e.rule_id);
        by_key.entry((fp.clone(), rule.clone())).or_insert(Entry {
            fingerprint: fp,
            rule,
            path: e.file.clone(),
            reason: format!("imported from gitleaks ({})", e.fingerprint),
        });
    }
    let before = baseline.len();
    for e in by_key.into_values() {
        baseline.insert(e);
    }
    Ok(baseline.len() - before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_regexes_become_globs() {
        assert_eq!(path_regex_to_glob(r"(^|/)vendor/").as_deref(), Some("vendor/**"));
        assert_eq!(path_regex_to_glob(r"\.lock$").as_deref(), Some("*.lock"));
        assert_eq!(path_regex_to_glob(r"^tests/fixtures/").as_deref(), Some("tests/fixtures/**"));
        assert_eq!(path_regex_to_glob(r"docs/.*\.md").as_deref(), Some("docs/*.md"));
        assert_eq!(path_regex_to_glob(r"(a|b)/x"), None);
    }
}
