//! One haystack through matcher and confirm stage.

use sprawl_core::{Candidate, Companion, Confidence, Finding, LineIndex, Location, Origin, Secret};
use sprawl_verify::Verdict;

use crate::{Engine, Worker};

/// Everything the engine concluded about one haystack.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Candidates the confirm stage accepted, at any confidence, sorted by position.
    pub accepted: Vec<Finding>,
    /// Candidates the confirm stage rejected: rule id, 1-based line, and why.
    pub rejected: Vec<(std::sync::Arc<str>, u32, String)>,
}

impl Analysis {
    /// The findings to report at `min` confidence or above.
    pub fn into_findings(self, min: Confidence) -> Vec<Finding> {
        let mut v = self.accepted;
        v.retain(|f| f.confidence >= min);
        v
    }
}

/// Identities of rules that match by context (`password = …`, an MCP `env` block) rather than
/// by a provider's format. Their findings give way to a provider rule's on the same bytes.
pub const CONTEXT_IDENTITIES: &[&str] = &["generic", "mcp"];

fn is_context_rule(rule: &sprawl_rules::Rule) -> bool {
    CONTEXT_IDENTITIES.contains(&&*rule.identity)
}

struct Located {
    candidate: Candidate,
    line: u32,
    column: u32,
    verdict: Verdict,
}

impl Engine {
    pub(crate) fn analyze(&self, w: &mut Worker, origin: &Origin, hay: &[u8]) -> Analysis {
        let Worker { scratch, candidates, .. } = w;
        candidates.clear();
        self.matcher.scan(hay, scratch, &mut |c| candidates.push(c));
        if candidates.is_empty() {
            return Analysis::default();
        }
        candidates.sort_unstable_by_key(|c| (c.secret.start, c.rule, c.secret.end));
        candidates.dedup_by_key(|c| (c.secret, c.rule));

        let mut lines = LineIndex::new(hay);
        let located: Vec<Located> = candidates
            .iter()
            .map(|&c| {
                let (line, column) = lines.locate(c.secret.start);
                let verdict = self.verifier.check(c.rule.index(), &hay[c.secret.range()]);
                Located { candidate: c, line, column, verdict }
            })
            .collect();

        let rules = self.rules.rules();
        // A provider rule's finding wins over a generic rule's on the same bytes: `api_key =
        // "sk-proj-…"` is an OpenAI key, not also a generic API key.
        let specific: Vec<sprawl_core::Span> = located
            .iter()
            .filter(|l| matches!(l.verdict, Verdict::Accept { .. }))
            .filter(|l| !is_context_rule(&rules[l.candidate.rule.index()]))
            .map(|l| l.candidate.secret)
            .collect();
        let mut analysis = Analysis::default();
        for l in &located {
            let rule = &rules[l.candidate.rule.index()];
            if is_context_rule(rule)
                && specific.iter().any(|s| s.start < l.candidate.secret.end && l.candidate.secret.start < s.end)
            {
                continue;
            }
            let (mut confidence, mut reason) = match &l.verdict {
                Verdict::Reject(why) => {
                    tracing::debug!(rule = %rule.id, line = l.line, "rejected: {why}");
                    analysis.rejected.push((rule.id.clone(), l.line, why.clone()));
                    continue;
                }
                Verdict::Accept { confidence, reason } => (*confidence, reason.clone()),
            };
            let mut companions = Vec::new();
            if let Some((pair_rule, within)) = self.pairs[l.candidate.rule.index()]
                && let Some(mate) = nearest(&located, pair_rule, l.line, within)
            {
                companions.push(Companion {
                    rule_id: rules[pair_rule].id.clone(),
                    secret: Secret::new(&hay[mate.candidate.secret.range()]),
                    line: mate.line,
                });
                if confidence < Confidence::High {
                    confidence = Confidence::High;
                }
                reason.push_str(&format!("; paired with {} on line {}", rules[pair_rule].id, mate.line));
            }
            analysis.accepted.push(Finding {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                identity: rule.identity.clone(),
                secret: Secret::new(&hay[l.candidate.secret.range()]),
                location: Location {
                    origin: origin.clone(),
                    line: l.line,
                    column: l.column,
                    offset: l.candidate.secret.start as u64,
                },
                confidence,
                reason,
                companions,
            });
        }
        analysis
    }
}

/// The accepted candidate of `rule` closest in lines to `line`, at most `within` lines away.
fn nearest(located: &[Located], rule: usize, line: u32, within: u32) -> Option<&Located> {
    located
        .iter()
        .filter(|l| l.candidate.rule.index() == rule && matches!(l.verdict, Verdict::Accept { .. }))
        .filter(|l| l.line.abs_diff(line) <= within)
        .min_by_key(|l| (l.line.abs_diff(line), l.candidate.secret.start))
}
