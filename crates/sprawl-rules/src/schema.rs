//! The YAML rule schema, as serde sees it, and its validation into a [`Rule`].
//!
//! ```yaml
//! rules:
//!   - id: github.pat.classic          # stable, dotted: provider.kind[.variant]
//!     name: GitHub personal access token (classic)
//!     pattern: '\b(ghp_[A-Za-z0-9]{36})\b'   # the first capture group is the secret
//!     keywords: [ghp_]                 # ≥ 3-byte literals, ASCII case-insensitive
//!     max_len: 40                      # longest whole match, in bytes
//!     min_entropy: 3.0                 # optional floor, bits per byte of the secret
//!     verify: { checksum: github-crc32, placeholders: true, random: false }
//!     confidence: high                 # optional: high (default), medium or low
//!     pair_with: { rule: other.id, within_lines: 20 }   # optional
//!     context: false                   # optional: matches by context, gives way to provider rules
//!     secret_group: 2                  # optional: which capture group is the secret
//!     identity: github                 # the NHI family, for the inventory
//!     examples: [...]                  # must be found
//!     negative_examples: [...]         # must not be found
//!     references: [https://...]
//! ```

use std::sync::Arc;

use regex_syntax::hir::Hir;
use serde_saphyr::Spanned;
use sprawl_core::Confidence;

use crate::{PairWith, Rule, RuleError, RuleSource};

pub(crate) use crate::def::{RuleDef, RuleFile, options};

/// Parses `pattern` and checks it has a capture group and cannot match the empty string.
pub fn check_pattern_shape(pattern: &str) -> Result<(), String> {
    let hir = parse_pattern(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
    if hir.properties().explicit_captures_len() == 0 {
        return Err("pattern has no capture group: the first capture group is the secret".to_owned());
    }
    if hir.properties().minimum_len() == Some(0) {
        return Err("pattern can match the empty string".to_owned());
    }
    Ok(())
}

/// Parses a pattern the way the matcher will compile it, so that a bad regex is reported when
/// rules load, with the rule's id and line, rather than when the matcher first needs it.
///
/// Patterns run on bytes, in ASCII mode: `\w`, `\d`, `\s` and `\b` are ASCII classes, `.`
/// matches any byte but `\n`, and a haystack need not be UTF-8. ASCII `\b` also keeps the
/// lazy DFA from giving up on non-ASCII text. `(?u)` turns Unicode back on inside a pattern.
pub fn parse_pattern(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string().lines().last().unwrap_or("parse error").trim().to_owned())
}

/// Checks one parsed rule and turns it into a [`Rule`].
pub(crate) fn validate(spanned: Spanned<RuleDef>, file: &Arc<str>) -> Result<Rule, RuleError> {
    let line = u32::try_from(spanned.referenced.line()).unwrap_or(u32::MAX);
    validate_def(spanned.value, file, line, true)
}

/// Checks one rule definition. `check_pattern` parses the regex; the built-in catalog skips it
/// at start-up (its patterns are parsed by `rules check` and by tests, and the matcher compiles
/// each lazily), which keeps a pre-commit scan's start-up small.
pub(crate) fn validate_def(def: RuleDef, file: &Arc<str>, line: u32, check_pattern: bool) -> Result<Rule, RuleError> {
    let source = RuleSource { file: file.clone(), line };
    let invalid = |message: String| RuleError::Invalid { id: def.id.clone(), at: source.clone(), message };

    if def.id.trim().is_empty() {
        return Err(invalid("empty id".to_owned()));
    }
    if check_pattern {
        check_pattern_shape(&def.pattern).map_err(invalid)?;
    }
    if def.keywords.is_empty() {
        return Err(invalid("no keywords: the matcher needs at least one literal to look for".to_owned()));
    }
    if def.max_len == 0 {
        return Err(invalid("max_len must be positive".to_owned()));
    }
    if let Some(e) = def.min_entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(invalid(format!("min_entropy {e} is outside 0..=8 bits per byte")));
    }
    let confidence = match def.confidence.as_deref() {
        None => Confidence::High,
        Some(c) => match Confidence::parse(c) {
            Some(Confidence::Confirmed) => {
                return Err(invalid("confidence `confirmed` is earned by a checksum, not declared".to_owned()));
            }
            Some(c) => c,
            None => return Err(invalid(format!("unknown confidence `{c}` (high, medium or low)"))),
        },
    };
    Ok(Rule {
        id: Arc::from(def.id.as_str()),
        name: Arc::from(def.name.as_str()),
        identity: Arc::from(def.identity.as_str()),
        pattern: def.pattern,
        keywords: def.keywords,
        max_len: def.max_len,
        min_entropy: def.min_entropy,
        checksum: def.verify.checksum,
        placeholder_filter: def.verify.placeholders,
        require_random: def.verify.random,
        confidence,
        pair_with: def.pair_with.map(|p| PairWith { rule: p.rule, within_lines: p.within_lines }),
        context: def.context.unwrap_or_else(|| crate::CONTEXT_IDENTITIES.contains(&def.identity.as_str())),
        secret_group: def.secret_group,
        examples: def.examples,
        negative_examples: def.negative_examples,
        references: def.references,
        source,
    })
}
