//! The confirm stage: decides, without the network, whether a candidate is worth reporting and
//! how sure we are.
//!
//! For each candidate the [`Verifier`] runs, in order:
//!
//! 1. the **placeholder filter** ([`placeholder::reason`]): `EXAMPLE`, `xxxx`, `your_api_key`,
//!    `${VAR}`, `<token>`, runs such as `123456` — rejected;
//! 2. the rule's **entropy floor** ([`entropy::shannon`]) and, for rules that ask for it
//!    (`verify: { random: true }`: generic tokens and keys, not passwords), the **randomness
//!    model** ([`randomness::looks_random`]), which tells machine-generated strings from
//!    identifiers, words, keyboard walks and dates far better than entropy (AUC 0.997 against
//!    0.64 on held-out data; see that module);
//! 3. the rule's **checksum or structure check** ([`checksum`]), when its format has one: a
//!    valid one makes the finding `confirmed`; an invalid one either rejects the candidate (a
//!    "JWT" whose parts are not JSON), caps it at `medium` (a GitHub token whose CRC32 fails is
//!    mistyped or made up: worth a look, not a live credential) or lowers it to `low`; some
//!    checks only describe (the AWS account a key id belongs to) and change nothing.
//!
//! Everything here is pure and deterministic: no I/O, no clock, no randomness.
//!
//! ```
//! use sprawl_verify::placeholder;
//! assert!(placeholder::reason(b"AKIAIOSFODNN7EXAMPLE").is_some());
//! assert!(placeholder::reason(concat!("AK", "IA2E0A8F3B244C9986").as_bytes()).is_none());
//! ```

use sprawl_core::Confidence;
use sprawl_rules::Rule;

pub mod checksum;
pub mod decode;
pub mod entropy;
pub mod placeholder;
pub mod randomness;

/// Shapes that a generic token or key rule sees far more often as identifiers than as keys:
/// UUIDs (idempotency tokens, request ids) and short hex strings (content hashes, ids).
/// Providers whose keys have these shapes have their own rules.
fn identifier_shape(secret: &[u8]) -> Option<&'static str> {
    if randomness::is_uuid(secret) {
        return Some("a UUID: an identifier far more often than a key");
    }
    if secret.len() < 24 && secret.iter().all(u8::is_ascii_hexdigit) {
        return Some("fewer than 24 hex digits: a hash or id more often than a key");
    }
    None
}

/// Whether `secret`, or its body after a short prefix such as `fc-`, `sk_` or `key-`, looks
/// machine-generated. A prefix's separator would otherwise force a wider alphabet on the whole
/// value (`fc-` + 32 hex digits is priced as base64url) and hide the randomness of the body.
fn looks_random_token(secret: &[u8]) -> bool {
    if randomness::looks_random(secret) {
        return true;
    }
    let sep = secret.iter().take(12).position(|&b| matches!(b, b'-' | b'_' | b'.'));
    match sep {
        Some(i) if i > 0 && secret[..i].iter().all(u8::is_ascii_alphanumeric) => {
            let body = &secret[i + 1..];
            body.len() >= 16 && randomness::looks_random(body)
        }
        _ => false,
    }
}

/// What the confirm stage decided about one candidate.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Not a secret; the reason is for `--verbose` logs and tests.
    Reject(String),
    /// Report it, with this confidence and reason.
    Accept { confidence: Confidence, reason: String },
}

#[derive(Debug)]
struct Checks {
    min_entropy: Option<f64>,
    checksum: Option<checksum::Check>,
    placeholders: bool,
    /// A context rule: values providers publish by design are not secrets here.
    context: bool,
    random: bool,
    base: Confidence,
}

/// The per-rule checks of one rule set, resolved once.
#[derive(Debug)]
pub struct Verifier {
    rules: Vec<Checks>,
}

impl Verifier {
    /// Resolves each rule's checks. Unknown checksum names are returned as `(rule index,
    /// message)`; those rules run without a checksum.
    pub fn new(rules: &[Rule]) -> (Verifier, Vec<(usize, String)>) {
        let mut errors = Vec::new();
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let checksum = r.checksum.as_deref().and_then(|name| {
                    let check = checksum::Check::by_name(name);
                    if check.is_none() {
                        errors.push((
                            i,
                            format!("unknown checksum `{name}` (known: {})", checksum::Check::NAMES.join(", ")),
                        ));
                    }
                    check
                });
                Checks {
                    min_entropy: r.min_entropy,
                    checksum,
                    placeholders: r.placeholder_filter,
                    context: r.context,
                    random: r.require_random,
                    base: r.confidence,
                }
            })
            .collect();
        (Verifier { rules }, errors)
    }

    /// Judges the secret of a candidate of rule `rule`.
    pub fn check(&self, rule: usize, secret: &[u8]) -> Verdict {
        let checks = &self.rules[rule];
        if checks.placeholders
            && let Some(why) = placeholder::reason(secret)
        {
            return Verdict::Reject(format!("placeholder: {why}"));
        }
        if checks.context
            && let Some(why) = placeholder::public_reason(secret)
        {
            return Verdict::Reject(format!("public by design: {why}"));
        }
        if checks.random
            && let Some(why) = identifier_shape(secret)
        {
            return Verdict::Reject(why.to_owned());
        }
        if checks.random && !looks_random_token(secret) {
            return Verdict::Reject(format!(
                "does not look machine-generated (randomness score {:.2}, needs {:.2})",
                randomness::score(secret),
                randomness::threshold(secret.len())
            ));
        }
        if let Some(floor) = checks.min_entropy {
            let h = entropy::shannon(secret);
            if h < floor {
                return Verdict::Reject(format!("entropy {h:.2} below the rule's floor {floor:.2}"));
            }
        }
        let Some(check) = checks.checksum else {
            return Verdict::Accept { confidence: checks.base, reason: "pattern matched".to_owned() };
        };
        match check.run(secret) {
            checksum::Outcome::Valid(why) => {
                Verdict::Accept { confidence: Confidence::Confirmed, reason: format!("{}: {why}", check.name()) }
            }
            checksum::Outcome::Info(what) => Verdict::Accept { confidence: checks.base, reason: what },
            checksum::Outcome::Invalid { reason, severity } => match severity {
                checksum::Failure::Reject => Verdict::Reject(format!("{}: {reason}", check.name())),
                checksum::Failure::Doubt => Verdict::Accept {
                    confidence: checks.base.min(Confidence::Medium),
                    reason: format!("{}: {reason}", check.name()),
                },
                checksum::Failure::Weak => {
                    Verdict::Accept { confidence: Confidence::Low, reason: format!("{}: {reason}", check.name()) }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{identifier_shape, looks_random_token};

    #[test]
    fn identifier_shapes() {
        assert!(identifier_shape(b"5236cffc-ee13-4a32-bb5b-388d9da09d96").is_some());
        assert!(identifier_shape(b"48205d4ffd7feba3").is_some());
        assert!(identifier_shape(b"7442470838147449438aa298f2b7284f").is_none());
        assert!(identifier_shape(b"q8Zt3Lm2Vx7Kp9Wn").is_none());
    }

    #[test]
    fn prefixed_tokens_are_judged_by_their_body() {
        assert!(looks_random_token(b"fc-7442470838147449438aa298f2b7284f"));
        assert!(looks_random_token(b"q8Zt3Lm2Vx7Kp9Wn4Rb6Hc1Y"));
        assert!(!looks_random_token(b"refresh_token_expired"));
        assert!(!looks_random_token(b"my-super-secret-password"));
        assert!(!looks_random_token(b"razorpay-webhook-2024-prod!"));
    }
}
