//! GitHub Actions workflow commands (`--format github`): one annotation per finding.
//!
//! ```text
//! ::error file=deploy/.env,line=2,col=14,title=github.pat.classic::GitHub personal access token (classic): ghp_u8… (confirmed: …)
//! ```
//!
//! The command is `error` for `confirmed` and `high`, `warning` for `medium`, `notice` for
//! `low`. Paths are relative to the scan's base directory, as in SARIF, so that a scan of the
//! checkout's root names files the way GitHub does. A finding's other occurrences are listed
//! in its message, a few of them, then how many more.
//!
//! Escaping follows the Actions toolkit (`@actions/core`, `command.ts`): in the message `%`,
//! `\r`, `\n` become `%25`, `%0D`, `%0A`; in property values `:` and `,` also become `%3A` and
//! `%2C`, since they delimit properties.

use std::io::{self, Write};

use sprawl_core::{Confidence, Origin};

use crate::Options;
use crate::group::Group;
use crate::paths::Base;
use crate::wire::secret_text;

/// How many other occurrences a message lists before "and N more".
const LISTED: usize = 10;

/// The workflow command for a confidence.
pub fn command(c: Confidence) -> &'static str {
    match c {
        Confidence::Confirmed | Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "notice",
    }
}

/// Escapes a message (the text after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`, …).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn write(out: &mut dyn Write, groups: &[Group<'_>], options: &Options) -> io::Result<()> {
    let base = Base::new(&options.roots);
    let where_ = |origin: &Origin| base.place(origin).text().unwrap_or_else(|| origin.display_path());
    for g in groups {
        let f = g.primary();
        let mut props = Vec::new();
        if let Some(file) = base.place(&f.location.origin).text() {
            props.push(format!("file={}", escape_property(&file)));
            props.push(format!("line={}", f.location.line));
            props.push(format!("col={}", f.location.column));
        }
        props.push(format!("title={}", escape_property(&format!("{} ({})", f.rule_name, f.rule_id))));
        let mut message = format!(
            "{}: {} ({}: {})",
            f.rule_name,
            secret_text(g.secret(), options.redact),
            g.confidence(),
            g.strongest().reason
        );
        if let Origin::Git(git) = &f.location.origin {
            match &git.commit {
                Some(c) => message.push_str(&format!(
                    "\nfirst committed in {} by {} on {} ({})",
                    &c.id[..c.id.len().min(12)],
                    c.author_name,
                    &crate::iso8601(c.author_time, c.author_tz_offset)[..10],
                    git.presence.as_str()
                )),
                None => message.push_str(&format!("\nin git blob {} ({})", git.blob, git.presence.as_str())),
            }
        }
        if !g.others().is_empty() {
            message.push_str(&format!("\nfound at {} locations; also at:", g.len()));
            for o in g.others().iter().take(LISTED) {
                message.push_str(&format!(
                    "\n{}:{}:{}",
                    where_(&o.location.origin),
                    o.location.line,
                    o.location.column
                ));
                if let Origin::Git(git) = &o.location.origin
                    && let Some(c) = &git.commit
                {
                    message.push_str(&format!(" (commit {})", &c.id[..c.id.len().min(12)]));
                }
            }
            if g.others().len() > LISTED {
                message.push_str(&format!("\nand {} more", g.others().len() - LISTED));
            }
        }
        writeln!(out, "::{} {}::{}", command(g.confidence()), props.join(","), escape_data(&message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{finding, render_with};
    use crate::{Format, Options};

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_annotation_per_finding_with_relative_paths() {
        let fs = vec![
            finding("/w/src/a,b.env", 3, "tok_1", Confidence::Medium),
            finding("/w/x.env", 1, "tok_1", Confidence::Confirmed),
            finding("/w/y.env", 9, "tok_2", Confidence::Low),
        ];
        let options = Options { format: Format::Github, roots: vec!["/w".into()], ..Options::default() };
        let text = render_with(&fs, &options);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with("::error file=src/a%2Cb.env,line=3,col=7,title=Demo token (demo.token)::Demo token: tok_1_… (confirmed: "),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with("%0Afound at 2 locations; also at:%0Ax.env:1:7"), "{}", lines[0]);
        assert!(lines[1].starts_with("::notice file=y.env,line=9,"), "{}", lines[1]);
    }
}
