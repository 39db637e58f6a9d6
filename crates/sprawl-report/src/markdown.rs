//! A Markdown table of the findings (`--format markdown`), for a GitHub job summary
//! (`$GITHUB_STEP_SUMMARY`), a pull-request comment or an issue.
//!
//! ```text
//! | confidence | rule | where | secret | commit |
//! |---|---|---|---|---|
//! | confirmed | GitHub personal access token (classic) <code>github.pat.classic</code> | <code>deploy/.env:2</code> | <code>ghp_u8…</code> | <code>4f1c2e9a0b3d</code> |
//! ```
//!
//! Cells are HTML-escaped inside `<code>` rather than put in backtick spans: a path may hold a
//! backtick or a `|`, and GitHub renders `&#124;` as a bar without ending the cell. Paths are
//! relative to the scan's base directory, as in SARIF and annotations. Secrets are redacted
//! unless [`crate::Options::redact`] is off. Nothing is printed but the table, or a line saying
//! there are no findings: the caller writes the heading and what was scanned.

use std::io::{self, Write};

use sprawl_core::Origin;

use crate::Options;
use crate::group::Group;
use crate::paths::Base;
use crate::wire::secret_text;

/// How many rows a table holds before "and N more": a job summary is limited to 1 MiB.
pub const MAX_ROWS: usize = 200;

/// Escapes text for a table cell: HTML special characters, `|`, and line breaks.
pub fn escape_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '\\' => out.push_str("&#92;"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", escape_cell(s))
}

pub(crate) fn write(out: &mut dyn Write, groups: &[Group<'_>], options: &Options) -> io::Result<()> {
    if groups.is_empty() {
        return writeln!(out, "No findings.");
    }
    let base = Base::new(&options.roots);
    let where_ = |origin: &Origin| base.place(origin).text().unwrap_or_else(|| origin.display_path());
    writeln!(out, "| confidence | rule | where | secret | commit |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for g in groups.iter().take(MAX_ROWS) {
        let f = g.primary();
        let mut place = code(&format!("{}:{}", where_(&f.location.origin), f.location.line));
        if !g.others().is_empty() {
            place.push_str(&format!(" and {} more", g.others().len()));
        }
        let commit = match &f.location.origin {
            Origin::Git(git) => match &git.commit {
                Some(c) => code(&c.id[..c.id.len().min(12)]),
                None => escape_cell(git.presence.as_str()),
            },
            _ => String::new(),
        };
        writeln!(
            out,
            "| {} | {} {} | {} | {} | {} |",
            g.confidence(),
            escape_cell(&f.rule_name),
            code(&f.rule_id),
            place,
            code(&secret_text(g.secret(), options.redact)),
            commit
        )?;
    }
    if groups.len() > MAX_ROWS {
        writeln!(out, "\nand {} more findings (see the SARIF report or the job log).", groups.len() - MAX_ROWS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::test_support::{finding, git_finding, render_with};
    use crate::{Format, Options};
    use sprawl_core::Confidence;

    fn options() -> Options {
        Options { format: Format::Markdown, roots: vec!["/w".into()], ..Options::default() }
    }

    #[test]
    fn a_row_per_secret_with_escaped_cells_and_redacted_values() {
        let fs = vec![
            finding("/w/a|b`c.env", 3, "tok_1", Confidence::High),
            finding("/w/x.env", 1, "tok_1", Confidence::High),
            finding("/w/<y>.env", 9, "tok_2", Confidence::Medium),
        ];
        let text = render_with(&fs, &options());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0], "| confidence | rule | where | secret | commit |");
        assert!(
            lines[2].starts_with("| medium | Demo token <code>demo.token</code> | <code>&lt;y&gt;.env:9</code> |"),
            "{text}"
        );
        assert!(lines[3].contains("<code>a&#124;b&#96;c.env:3</code> and 1 more"), "{text}");
        assert!(!text.contains("k3j5h7g9x2q8"), "redacted: {text}");
        assert_eq!(lines[3].matches('|').count(), 6, "five cells, no stray bar: {}", lines[3]);
    }

    #[test]
    fn git_findings_name_their_commit_and_an_empty_report_says_so() {
        let f = git_finding("src/app.py", Some(("4f1c2e9a0b3d77", 1_700_000_000)), 2, "tok");
        let in_repo = Options { roots: vec!["/repo".into()], ..options() };
        let text = render_with(&[f], &in_repo);
        assert!(text.contains("| <code>src/app.py:2</code> |"), "relative to the repository: {text}");
        assert!(text.ends_with("| <code>000000000000</code> |\n"), "the commit id, short: {text}");
        assert_eq!(render_with(&[], &options()), "No findings.\n");
    }
}
