//! One haystack through matcher and confirm stage.

use sprawl_core::{Candidate, Companion, Confidence, Finding, LineIndex, Location, Origin, Secret};
use sprawl_verify::Verdict;

use crate::{Engine, Worker};

/// Everything the engine concluded about one haystack.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Candidates the confirm stage accepted, at any confidence, sorted by position.
    pub accepted: Vec<Finding>,
    /// Candidates not reported, and why.
    pub rejected: Vec<Rejected>,
}

/// A candidate that matched but is not reported.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub rule_id: std::sync::Arc<str>,
    pub line: u32,
    pub why: Why,
}

/// Why a candidate is not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The confirm stage rejected it (placeholder, entropy, structure).
    Verify(String),
    /// A context rule that gave way to a provider rule on the same bytes.
    GaveWay { to: std::sync::Arc<str> },
    /// Another context rule reports the same bytes; the secret is still reported.
    Duplicate { of: std::sync::Arc<str> },
    /// An inline allow comment accepts it.
    Allowed { marker: &'static str },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Verify(why) => f.write_str(why),
            Why::GaveWay { to } => write!(f, "gives way to provider rule `{to}` on the same bytes"),
            Why::Duplicate { of } => write!(f, "context rule `{of}` reports the same bytes"),
            Why::Allowed { marker } => write!(f, "allowed by `{marker}` on its line"),
        }
    }
}

impl Analysis {
    /// How many candidates an inline allow comment accepted.
    pub fn allowed(&self) -> u64 {
        self.rejected.iter().filter(|r| matches!(r.why, Why::Allowed { .. })).count() as u64
    }

    /// The findings to report at `min` confidence or above.
    pub fn into_findings(self, min: Confidence) -> Vec<Finding> {
        let mut v = self.accepted;
        v.retain(|f| f.confidence >= min);
        v
    }
}

fn is_context_rule(rule: &sprawl_rules::Rule) -> bool {
    rule.context
}

struct Located {
    candidate: Candidate,
    line: u32,
    column: u32,
    verdict: Verdict,
}

/// Limits on decoding per haystack: how deep encodings nest, and how many bytes are decoded in
/// all (past that, the rest of the haystack is scanned as written only).
const MAX_DECODED_BYTES: usize = 4 << 20;

impl Engine {
    /// Matches and confirms `hay`, then, up to the engine's decode depth, every encoded run in
    /// it. A secret found inside an encoding is located at the encoded run and records the
    /// chain of encodings; a secret already found as written is not reported again.
    pub(crate) fn analyze(&self, w: &mut Worker, origin: &Origin, hay: &[u8]) -> Analysis {
        let mut analysis = self.analyze_plain(w, origin, hay);
        if self.decode_depth > 0 {
            let mut budget = MAX_DECODED_BYTES;
            let mut lines = LineIndex::new(hay);
            let mut decoded = Vec::new();
            self.analyze_decoded(w, hay, self.decode_depth, &mut budget, &mut decoded);
            // A provider secret inside an encoded run wins over a context rule's finding on the
            // run itself (a Kubernetes `Secret` value that decodes to a GitHub token).
            let provider_runs: Vec<sprawl_core::Span> = decoded
                .iter()
                .filter(|(_, f)| self.rules.get(&f.rule_id).is_some_and(|r| !r.context))
                .map(|(run, _)| *run)
                .collect();
            analysis.accepted.retain(|f| {
                let start = f.location.offset as usize;
                let end = start + f.secret.len();
                !(self.rules.get(&f.rule_id).is_some_and(|r| r.context)
                    && provider_runs.iter().any(|r| r.start < end && start < r.end))
            });
            let plain = analysis.accepted.len();
            for (run, mut f) in decoded {
                let offset = run.start;
                // Found as written already (an encoding of text that also appears in the clear),
                // or the same secret from the same run at another depth.
                let seen = &analysis.accepted;
                if seen[..plain].iter().any(|a| a.rule_id == f.rule_id && a.secret == f.secret)
                    || seen[plain..]
                        .iter()
                        .any(|a| a.rule_id == f.rule_id && a.secret == f.secret && a.location.offset == offset as u64)
                {
                    continue;
                }
                let (line, column) = lines.locate(offset);
                f.location = Location { origin: origin.clone(), line, column, offset: offset as u64 };
                analysis.accepted.push(f);
            }
            analysis.accepted.sort_by_key(|f| f.location.offset);
        }
        self.fingerprint_and_allow(hay, &mut analysis);
        analysis
    }

    /// Fingerprints every accepted finding and moves those an allow comment accepts to the
    /// rejected list.
    fn fingerprint_and_allow(&self, hay: &[u8], analysis: &mut Analysis) {
        let lines = LineIndex::new(hay);
        let mut kept = Vec::with_capacity(analysis.accepted.len());
        for mut f in analysis.accepted.drain(..) {
            if let Some(fp) = &self.fingerprinter {
                f.fingerprint = Some(fp(f.secret.expose()));
            }
            let at = f.location.offset as usize;
            match crate::allow::marker(lines.line_bytes(at), lines.previous_line_bytes(at), f.fingerprint.as_ref()) {
                Some(marker) => analysis.rejected.push(Rejected {
                    rule_id: f.rule_id.clone(),
                    line: f.location.line,
                    why: Why::Allowed { marker },
                }),
                None => kept.push(f),
            }
        }
        analysis.accepted = kept;
    }

    /// Findings inside encoded runs of `hay`, each with the span (in `hay`) of its run.
    fn analyze_decoded(
        &self,
        w: &mut Worker,
        hay: &[u8],
        depth: u8,
        budget: &mut usize,
        out: &mut Vec<(sprawl_core::Span, Finding)>,
    ) {
        let mut runs = Vec::new();
        sprawl_verify::decode::find(hay, &mut runs);
        for (span, encoding) in runs {
            if *budget < span.len() {
                tracing::debug!("decode budget spent; remaining encoded runs scanned as written only");
                return;
            }
            let Some(text) = sprawl_verify::decode::decode(&hay[span.range()], encoding) else { continue };
            *budget -= span.len();
            let inner = self.analyze_plain(w, &Origin::Stdin, &text);
            for mut f in inner.accepted {
                f.decoded.insert(0, encoding.name());
                out.push((span, f));
            }
            if depth > 1 {
                let mut nested = Vec::new();
                self.analyze_decoded(w, &text, depth - 1, budget, &mut nested);
                for (_, mut f) in nested {
                    f.decoded.insert(0, encoding.name());
                    out.push((span, f));
                }
            }
        }
    }

    fn analyze_plain(&self, w: &mut Worker, origin: &Origin, hay: &[u8]) -> Analysis {
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
        let specific: Vec<(sprawl_core::Span, usize)> = located
            .iter()
            .filter(|l| matches!(l.verdict, Verdict::Accept { .. }))
            .filter(|l| !is_context_rule(&rules[l.candidate.rule.index()]))
            .map(|l| (l.candidate.secret, l.candidate.rule.index()))
            .collect();
        let mut analysis = Analysis::default();
        for l in &located {
            let rule = &rules[l.candidate.rule.index()];
            if is_context_rule(rule)
                && let Some((_, winner)) =
                    specific.iter().find(|(s, _)| s.start < l.candidate.secret.end && l.candidate.secret.start < s.end)
            {
                let why = Why::GaveWay { to: rules[*winner].id.clone() };
                analysis.rejected.push(Rejected { rule_id: rule.id.clone(), line: l.line, why });
                continue;
            }
            let (mut confidence, mut reason) = match &l.verdict {
                Verdict::Reject(why) => {
                    tracing::debug!(rule = %rule.id, line = l.line, "rejected: {why}");
                    analysis.rejected.push(Rejected {
                        rule_id: rule.id.clone(),
                        line: l.line,
                        why: Why::Verify(why.clone()),
                    });
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
                decoded: Vec::new(),
                fingerprint: None,
            });
        }
        self.dedup_context(&mut analysis);
        analysis
    }
}

impl Engine {
    /// Two context rules on the same bytes (an MCP `env` rule and a generic `token` rule) say
    /// the same thing: keep the more confident, then the more specific (any identity over
    /// `generic`), then the earlier-defined rule.
    fn dedup_context(&self, analysis: &mut Analysis) {
        let span = |f: &Finding| (f.location.offset, f.location.offset + f.secret.len() as u64);
        let is_context = |f: &Finding| self.rules.get(&f.rule_id).is_some_and(|r| r.context);
        let rank =
            |f: &Finding| (std::cmp::Reverse(f.confidence), &*f.identity == "generic", self.rules.index_of(&f.rule_id));
        let mut drop = vec![false; analysis.accepted.len()];
        for i in 0..analysis.accepted.len() {
            for j in i + 1..analysis.accepted.len() {
                let (a, b) = (&analysis.accepted[i], &analysis.accepted[j]);
                if drop[i] || drop[j] || !is_context(a) || !is_context(b) {
                    continue;
                }
                let ((sa, ea), (sb, eb)) = (span(a), span(b));
                if sa < eb && sb < ea {
                    let (loser, winner) = if rank(b) < rank(a) { (i, j) } else { (j, i) };
                    analysis.rejected.push(Rejected {
                        rule_id: analysis.accepted[loser].rule_id.clone(),
                        line: analysis.accepted[loser].location.line,
                        why: Why::Duplicate { of: analysis.accepted[winner].rule_id.clone() },
                    });
                    drop[loser] = true;
                }
            }
        }
        let mut k = 0;
        analysis.accepted.retain(|_| {
            k += 1;
            !drop[k - 1]
        });
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
