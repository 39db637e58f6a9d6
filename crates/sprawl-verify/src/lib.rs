//! The confirm stage: decides, without the network, whether a candidate is worth reporting and
//! how sure we are.
//!
//! For each candidate the [`Verifier`] runs, in order:
//!
//! 1. the **placeholder filter** ([`placeholder::reason`]): `EXAMPLE`, `xxxx`, `your_api_key`,
//!    `${VAR}`, `<token>`, runs such as `123456` — rejected;
//! 2. the rule's **entropy floor** ([`entropy::shannon`]): a value less random than the rule
//!    allows is rejected;
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
//! assert!(placeholder::reason(b"AKIA2E0A8F3B244C9986").is_none());
//! ```

use sprawl_core::Confidence;
use sprawl_rules::Rule;

pub mod checksum;
pub mod decode;
pub mod entropy;
pub mod placeholder;
pub mod randomness;

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
