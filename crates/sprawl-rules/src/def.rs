//! The serde shape of a rules file. This file is shared, through `#[path]`, by the library and
//! by `build.rs`, which parses the built-in catalog at build time: keep it free of any
//! dependency but serde and serde-saphyr.

#![allow(dead_code)] // build.rs uses a different subset than the library.

use serde::Deserialize;
use serde_saphyr::Spanned;

/// Parser options: serde-saphyr's default budgets (against alias bombs), duplicate keys refused.
pub(crate) fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    o
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub rules: Vec<Spanned<RuleDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDef {
    pub id: String,
    pub name: String,
    pub pattern: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub max_len: usize,
    #[serde(default)]
    pub min_entropy: Option<f64>,
    #[serde(default)]
    pub verify: VerifyDef,
    #[serde(default)]
    pub confidence: Option<String>,
    #[serde(default)]
    pub pair_with: Option<PairDef>,
    #[serde(default)]
    pub context: Option<bool>,
    #[serde(default)]
    pub secret_group: Option<usize>,
    pub identity: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyDef {
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default = "yes")]
    pub placeholders: bool,
    /// Require the secret to look machine-generated (`sprawl_verify::randomness`).
    #[serde(default)]
    pub random: bool,
}

fn yes() -> bool {
    true
}

/// A rule without a `verify:` key gets the same defaults as one with an empty `verify: {}`: no
/// checksum, placeholder filter on. (A derived `Default` would turn the filter off.)
impl Default for VerifyDef {
    fn default() -> VerifyDef {
        VerifyDef { checksum: None, placeholders: true, random: false }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PairDef {
    pub rule: String,
    #[serde(default = "default_pair_lines")]
    pub within_lines: u32,
}

fn default_pair_lines() -> u32 {
    20
}
