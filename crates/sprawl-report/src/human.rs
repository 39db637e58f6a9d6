//! The human format: one line per finding, then indented details.
//!
//! ```text
//! deploy/.env:2:14: github.pat.classic (GitHub personal access token (classic)) ghp_u8… [confirmed]
//!     commit 0123456789ab by Ada <ada@example.org> on 2023-11-14: add config; still at HEAD
//!     also at old/.env:7:1 (commit 89abcdef0123, 2023-11-15; history)
//!     and 31 more
//! ```
//!
//! The first line is the primary occurrence; the other occurrences follow as `also at` lines,
//! [`LISTED`] of them, then how many more.

use std::io::{self, Write};

use sprawl_core::{Origin, Presence};

use crate::group::Group;
use crate::wire::secret_text;
use crate::{Options, iso8601};

/// How many other occurrences a finding lists before "and N more".
pub const LISTED: usize = 10;

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            true => format!("\x1b[{code}m{text}\x1b[0m"),
            false => text.to_owned(),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "repository" } else { "repositories" }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn day(time: i64, offset: i32) -> String {
    iso8601(time, offset).chars().take(10).collect()
}

pub(crate) fn write(out: &mut dyn Write, groups: &[Group<'_>], options: &Options) -> io::Result<()> {
    let p = Paint(options.color);
    for g in groups {
        let f = g.primary();
        let loc = &f.location;
        writeln!(
            out,
            "{}:{}:{}: {} ({}) {} [{}]",
            p.wrap("35", &loc.origin.display_path()),
            p.wrap("32", &loc.line.to_string()),
            p.wrap("32", &loc.column.to_string()),
            p.wrap("1;31", &f.rule_id),
            f.rule_name,
            p.wrap("1", &secret_text(&f.secret, options.redact)),
            p.wrap("2", g.confidence().as_str()),
        )?;
        if !f.decoded.is_empty() {
            writeln!(out, "    inside {}", f.decoded.join(" inside "))?;
        }
        if let Origin::Git(git) = &loc.origin {
            let mut line = String::from("    ");
            match &git.commit {
                Some(c) => line.push_str(&format!(
                    "commit {} by {} <{}> on {}: {}",
                    short(&c.id),
                    c.author_name,
                    c.author_email,
                    day(c.author_time, c.author_tz_offset),
                    c.summary
                )),
                None => line.push_str(&format!("blob {}", short(&git.blob.to_string()))),
            }
            let state = match &git.presence {
                Presence::AtHead => "still at HEAD".to_owned(),
                Presence::RemovedIn(c) => format!("history only: removed in {}", short(&c.id)),
                Presence::NotOnDefaultBranch => "history only: never on the default branch".to_owned(),
                Presence::Unreachable => "unreachable from any ref".to_owned(),
                Presence::Staged => "staged".to_owned(),
                Presence::InRange => "introduced in the scanned range".to_owned(),
            };
            line.push_str(&format!("; {state}"));
            if git.commits > 1 || git.paths > 1 {
                line.push_str(&format!("; committed {} times at {} paths", git.commits, git.paths));
            }
            writeln!(out, "{}", p.wrap("2", &line))?;
        }
        for c in &f.companions {
            writeln!(out, "    with {} on line {}: {}", c.rule_id, c.line, secret_text(&c.secret, options.redact))?;
        }
        let repos = g.repositories();
        let primary_repo = match &loc.origin {
            Origin::Git(git) if repos.len() > 1 => format!(" (primary: {})", git.repo.display()),
            _ => String::new(),
        };
        if repos.len() > 1 || (options.repositories && !repos.is_empty()) {
            writeln!(out, "    in {} {}: {}{primary_repo}", repos.len(), plural(repos.len()), repos.join(", "))?;
        }
        for o in g.others().iter().take(LISTED) {
            let l = &o.location;
            let mut line = String::from("    also at ");
            // Several repositories: say which one each occurrence is in.
            if let Origin::Git(git) = &l.origin
                && repos.len() > 1
            {
                line.push_str(&format!("{}: ", git.repo.display()));
            }
            line.push_str(&format!("{}:{}:{}", l.origin.display_path(), l.line, l.column));
            if let Origin::Git(git) = &l.origin {
                match &git.commit {
                    Some(c) => line.push_str(&format!(
                        " (commit {}, {}; {})",
                        short(&c.id),
                        day(c.author_time, c.author_tz_offset),
                        git.presence.as_str()
                    )),
                    None => line.push_str(&format!(" ({})", git.presence.as_str())),
                }
            }
            writeln!(out, "{line}")?;
        }
        if g.others().len() > LISTED {
            writeln!(out, "    and {} more", g.others().len() - LISTED)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::test_support::{finding, render_with};
    use crate::{Format, Options};
    use sprawl_core::Confidence;

    #[test]
    fn one_line_per_secret_then_capped_also_at_lines() {
        let fs: Vec<_> = (0..14).map(|i| finding(&format!("f{i:02}.env"), 1, "tok_x", Confidence::High)).collect();
        let text = render_with(&fs, &Options { format: Format::Human, ..Options::default() });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "f00.env:1:7: demo.token (Demo token) tok_x_… [high]");
        assert_eq!(lines[1], "    also at f01.env:1:7");
        assert_eq!(lines[10], "    also at f10.env:1:7");
        assert_eq!(lines[11], "    and 3 more");
        assert_eq!(lines.len(), 12);

        let text = render_with(&fs, &Options { format: Format::Human, dedup: false, ..Options::default() });
        assert_eq!(text.lines().count(), 14);
    }
}
