//! Dedup by secret: one reported finding per (rule id, secret value), with every place the
//! secret occurs.
//!
//! A key committed in 40 commits is one credential to rotate, not 40 alerts (issue 7). The
//! engine reports each occurrence; [`group`] folds occurrences of the same value under the same
//! rule into one [`Group`] whose members are listed in a fixed order, and every output format
//! prints groups. [`ungrouped`] makes one group per occurrence, for `--no-dedup`.
//!
//! NOTE: the key is the raw secret value, not the content fingerprint. The fingerprint is keyed
//! per repository and may be absent (it is filled in by the store when one is configured); the
//! value itself is always there and is what the fingerprint hashes anyway.
//!
//! Order, so that output never depends on thread scheduling or on the order findings arrive:
//!
//! * members by [`location_order`]: files (by path, line, column), then standard input, then
//!   git blobs — those where people look now (at `HEAD`, staged, in the scanned range) before
//!   those only in history, before unreachable ones, and within each the earliest introducing
//!   commit first. A group's primary location is so the place to fix today when there is one,
//!   and otherwise where the secret first leaked;
//! * groups by their primary location, then rule id, then secret.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use sprawl_core::{Confidence, Finding, Fingerprint, Location, Origin, Presence, Secret};

/// One reported finding: every occurrence of one secret value under one rule.
#[derive(Clone, Debug)]
pub struct Group<'a> {
    /// Never empty; sorted by [`location_order`]. The first is the primary occurrence.
    members: Vec<&'a Finding>,
}

impl<'a> Group<'a> {
    /// The primary occurrence: the first in location order. Its path, line, column, companions
    /// and decoding chain are the group's.
    pub fn primary(&self) -> &'a Finding {
        self.members[0]
    }

    /// Every occurrence, the primary first.
    pub fn members(&self) -> &[&'a Finding] {
        &self.members
    }

    /// The occurrences after the primary.
    pub fn others(&self) -> &[&'a Finding] {
        &self.members[1..]
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always false: a group has at least its primary. (For clippy's `len_without_is_empty`.)
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn rule_id(&self) -> &'a str {
        &self.primary().rule_id
    }

    pub fn secret(&self) -> &'a Secret {
        &self.primary().secret
    }

    /// The git repositories the occurrences are in, as the scan named them, sorted and
    /// without repeats; empty when none is in git.
    pub fn repositories(&self) -> Vec<String> {
        let repos: std::collections::BTreeSet<String> = self
            .members
            .iter()
            .filter_map(|f| match &f.location.origin {
                Origin::Git(g) => Some(g.repo.display().to_string()),
                _ => None,
            })
            .collect();
        repos.into_iter().collect()
    }

    /// The highest confidence of any occurrence: a key confirmed in one place is confirmed.
    pub fn confidence(&self) -> Confidence {
        self.strongest().confidence
    }

    /// The first occurrence with the highest confidence; its reason explains the group's.
    pub fn strongest(&self) -> &'a Finding {
        let best = self.members.iter().map(|f| f.confidence).max().unwrap_or(Confidence::Low);
        self.members.iter().copied().find(|f| f.confidence == best).unwrap_or(self.primary())
    }

    /// The content fingerprint of the secret, from the first occurrence that has one.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.members.iter().find_map(|f| f.fingerprint)
    }
}

/// Folds findings into one group per (rule id, secret value), members and groups in a fixed
/// order whatever the order of `findings`.
pub fn group(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut by_key: BTreeMap<(&str, &Secret), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_key.entry((&f.rule_id, &f.secret)).or_default().push(f);
    }
    finish(by_key.into_values().collect())
}

/// One group per finding (`--no-dedup`), in the same order [`group`] uses.
pub fn ungrouped(findings: &[Finding]) -> Vec<Group<'_>> {
    finish(findings.iter().map(|f| vec![f]).collect())
}

fn finish(mut lists: Vec<Vec<&Finding>>) -> Vec<Group<'_>> {
    for members in &mut lists {
        members.sort_by(|a, b| finding_order(a, b));
    }
    let mut groups: Vec<Group<'_>> =
        lists.into_iter().filter(|m| !m.is_empty()).map(|members| Group { members }).collect();
    groups.sort_by(|a, b| finding_order(a.primary(), b.primary()));
    groups
}

/// Location first, then rule and secret, then whatever else differs (so that the order is
/// total even for findings that differ only in confidence or reason).
fn finding_order(a: &Finding, b: &Finding) -> Ordering {
    location_order(&a.location, &b.location)
        .then_with(|| a.rule_id.cmp(&b.rule_id))
        .then_with(|| a.secret.cmp(&b.secret))
        .then_with(|| b.confidence.cmp(&a.confidence))
        .then_with(|| a.reason.cmp(&b.reason))
        .then_with(|| a.decoded.cmp(&b.decoded))
}

/// The order of occurrences: files by path, line and column; then standard input; then git
/// blobs, current before history-only before unreachable, earliest introducing commit first
/// (blobs that no commit names last), then path, line and column.
pub fn location_order(a: &Location, b: &Location) -> Ordering {
    fn rank(o: &Origin) -> u8 {
        match o {
            Origin::File { .. } => 0,
            Origin::Stdin => 1,
            Origin::Git(_) => 2,
            _ => 3,
        }
    }
    let by_origin = match (&a.origin, &b.origin) {
        (Origin::Git(x), Origin::Git(y)) => {
            fn when(g: &sprawl_core::GitOrigin) -> (u8, bool, i64, &str) {
                let now = match g.presence {
                    Presence::AtHead | Presence::Staged | Presence::InRange => 0,
                    Presence::RemovedIn(_) | Presence::NotOnDefaultBranch => 1,
                    Presence::Unreachable => 2,
                };
                match &g.commit {
                    Some(c) => (now, false, c.author_time, &c.id),
                    None => (now, true, 0, ""),
                }
            }
            when(x).cmp(&when(y)).then_with(|| x.path.cmp(&y.path)).then_with(|| x.blob.cmp(&y.blob))
        }
        (x, y) => rank(x).cmp(&rank(y)).then_with(|| x.cmp(y)),
    };
    by_origin
        .then_with(|| a.line.cmp(&b.line))
        .then_with(|| a.column.cmp(&b.column))
        .then_with(|| a.offset.cmp(&b.offset))
        .then_with(|| a.origin.cmp(&b.origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, git_finding};

    #[test]
    fn one_group_per_rule_and_secret_with_every_location() {
        let fs = vec![
            finding("b.env", 1, "tok_A", Confidence::Medium),
            finding("a.env", 9, "tok_A", Confidence::Medium),
            finding("a.env", 2, "tok_B", Confidence::High),
            finding("c.env", 4, "tok_A", Confidence::Confirmed),
        ];
        let groups = group(&fs);
        assert_eq!(groups.len(), 2);
        // Groups ordered by primary location: tok_B at a.env:2 before tok_A at a.env:9.
        assert!(groups[0].secret().expose().starts_with(b"tok_B"));
        let a = &groups[1];
        let places: Vec<_> = a.members().iter().map(|f| (f.location.origin.display_path(), f.location.line)).collect();
        assert_eq!(places, [("a.env".into(), 9), ("b.env".into(), 1), ("c.env".into(), 4)]);
        assert_eq!(a.primary().location.line, 9);
        assert_eq!(a.others().len(), 2);
        assert_eq!(a.confidence(), Confidence::Confirmed, "the highest of its members");
        assert_eq!(a.strongest().location.origin.display_path(), "c.env");
    }

    #[test]
    fn the_same_secret_under_two_rules_is_two_groups() {
        let mut other = finding("a.env", 1, "tok_A", Confidence::Medium);
        other.rule_id = "other.rule".into();
        let fs = vec![finding("a.env", 1, "tok_A", Confidence::Medium), other];
        assert_eq!(group(&fs).len(), 2);
    }

    #[test]
    fn input_order_does_not_matter() {
        let mut fs: Vec<Finding> = (0..12)
            .map(|i| {
                finding(
                    &format!("d{}/f{}.env", i % 3, i),
                    i % 4 + 1,
                    ["x1", "y2", "z3"][i as usize % 3],
                    Confidence::High,
                )
            })
            .collect();
        let render = |fs: &[Finding]| -> Vec<Vec<(String, u32)>> {
            group(fs)
                .iter()
                .map(|g| g.members().iter().map(|f| (f.location.origin.display_path(), f.location.line)).collect())
                .collect()
        };
        let before = render(&fs);
        fs.reverse();
        assert_eq!(render(&fs), before);
        fs.rotate_left(5);
        assert_eq!(render(&fs), before);
    }

    #[test]
    fn git_occurrences_current_first_then_by_first_commit_and_unnamed_blobs_last() {
        let in_history = |mut f: Finding| {
            if let Origin::Git(g) = &mut f.location.origin {
                std::sync::Arc::make_mut(g).presence = Presence::NotOnDefaultBranch;
            }
            f
        };
        let fs = vec![
            in_history(git_finding("z.txt", Some(("c2", 200)), 3, "tok")),
            git_finding("", None, 1, "tok"),
            git_finding("a.txt", Some(("c3", 300)), 1, "tok"),
            in_history(git_finding("m.txt", Some(("c1", 100)), 7, "tok")),
            git_finding("b.txt", Some(("c4", 400)), 1, "tok"),
            finding("work/tree.txt", 5, "tok", Confidence::High),
        ];
        let groups = group(&fs);
        assert_eq!(groups.len(), 1);
        let order: Vec<String> = groups[0].members().iter().map(|f| f.location.origin.display_path()).collect();
        assert_eq!(order[0], "work/tree.txt", "files first");
        assert_eq!(&order[1..3], ["a.txt", "b.txt"], "then what is at HEAD, oldest first");
        assert_eq!(&order[3..5], ["m.txt", "z.txt"], "then history, oldest first");
        assert!(order[5].starts_with("<blob "), "{order:?}");
    }

    #[test]
    fn ungrouped_keeps_every_occurrence() {
        let fs =
            vec![finding("b.env", 1, "tok_A", Confidence::Medium), finding("a.env", 1, "tok_A", Confidence::Medium)];
        let groups = ungrouped(&fs);
        assert_eq!(groups.len(), 2);
        assert!(groups.iter().all(|g| g.len() == 1));
        assert_eq!(groups[0].primary().location.origin.display_path(), "a.env");
    }

    #[test]
    fn fingerprint_is_taken_from_any_member() {
        let mut fs = vec![finding("a.env", 1, "tok", Confidence::High), finding("b.env", 1, "tok", Confidence::High)];
        assert_eq!(group(&fs)[0].fingerprint(), None);
        fs[1].fingerprint = Some(Fingerprint([7; 32]));
        assert_eq!(group(&fs)[0].fingerprint(), Some(Fingerprint([7; 32])));
    }
}
