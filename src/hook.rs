//! `sprawl hook …`: the git pre-commit hook, native or through the pre-commit framework.
//!
//! Both run `sprawl hook run`: a staged scan (what the index adds relative to `HEAD`, on added
//! lines only) of the repository at the current directory — git runs hooks from the top of the
//! work tree — that also reads `.sprawl-baseline.json` when the project has one, and that ends
//! a blocked commit with how to allow a false positive. `.pre-commit-hooks.yaml` at the
//! repository root declares it for the framework.
//!
//! `sprawl hook install` writes a POSIX shell script into the hooks directory git uses (`git
//! rev-parse --git-path hooks`, which honours `core.hooksPath` and linked worktrees). A hook it
//! did not write is never overwritten without `--force`, and even then it is kept beside ours
//! as `pre-commit.sprawl-backup`. Our hook is recognised by [`MARKER`], so installing twice
//! changes nothing and installing a newer binary updates the path in place.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::{ScanArgs, Scanned, apply_baseline, report_and_exit, scan_outcome};

/// The line that marks a hook as ours.
pub const MARKER: &str = "# sprawl-managed-hook: written by `sprawl hook install`";

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Write a native `pre-commit` hook into the repository's hooks directory.
    Install(InstallArgs),
    /// Remove the hook `install` wrote (and nothing else).
    Uninstall(InstallArgs),
    /// The hook's scan: what the index adds relative to HEAD. Takes `sprawl scan`'s options;
    /// reads `.sprawl-baseline.json` when the repository has one and no `--baseline` is given.
    Run(Box<RunArgs>),
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Replace a pre-commit hook that sprawl did not write (it is kept as `pre-commit.sprawl-backup`).
    #[arg(long)]
    force: bool,
    /// The repository (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    scan: ScanArgs,
}

pub fn run(cmd: HookCommand, color: bool, quiet: bool) -> anyhow::Result<u8> {
    match cmd {
        HookCommand::Install(a) => install(&a, quiet),
        HookCommand::Uninstall(a) => uninstall(&a, quiet),
        HookCommand::Run(a) => run_hook(a.scan, color, quiet),
    }
}

/// The hooks directory git uses for `repo`: `core.hooksPath` if set, else `.git/hooks` (the
/// common directory's, for a linked worktree).
fn hooks_dir(repo: &Path) -> anyhow::Result<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output()
        .with_context(|| format!("{}: running git to find the hooks directory", repo.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "{}: not a git repository, or git failed: {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8(out.stdout).context("git printed a hooks path that is not UTF-8")?;
    Ok(PathBuf::from(text.trim_end_matches(['\n', '\r'])))
}

/// Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script. It prefers the binary that installed it and falls back to `sprawl` on
/// `PATH`; with neither, it blocks the commit rather than let it through unscanned.
fn script(exe: &Path) -> String {
    let exe = shell_quote(&exe.to_string_lossy());
    format!(
        r#"#!/bin/sh
{MARKER}
# Blocks a commit whose staged changes add a secret. `sprawl hook uninstall` removes this hook.
# Skipping it for one commit (last resort): git commit --no-verify
sprawl={exe}
if [ ! -x "$sprawl" ]; then
  sprawl=sprawl
  if ! command -v sprawl >/dev/null 2>&1; then
    echo "sprawl pre-commit hook: sprawl is neither at "{exe}" nor on PATH; commit blocked." >&2
    echo "Install sprawl, or remove this hook with: rm \"$0\"" >&2
    exit 1
  fi
fi
exec "$sprawl" hook run
"#
    )
}

fn install(args: &InstallArgs, quiet: bool) -> anyhow::Result<u8> {
    let dir = hooks_dir(&args.repo)?;
    let hook = dir.join("pre-commit");
    let exe = std::env::current_exe().context("finding the path of this sprawl binary")?;
    let text = script(&exe);
    let say = |m: String| {
        if !quiet {
            eprintln!("sprawl: {m}");
        }
    };
    match std::fs::read(&hook) {
        Ok(old) if old == text.as_bytes() => {
            say(format!("{}: already installed, unchanged", hook.display()));
            return Ok(0);
        }
        Ok(old) if String::from_utf8_lossy(&old).contains(MARKER) => {
            write_executable(&hook, &text)?;
            say(format!("{}: updated", hook.display()));
            return Ok(0);
        }
        Ok(_) if !args.force => {
            let framework = std::fs::read_to_string(&hook).is_ok_and(|t| t.contains("pre-commit.com"));
            let hint = match framework {
                true => {
                    " It was written by the pre-commit framework: add sprawl to .pre-commit-config.yaml instead (see the README)."
                }
                false => "",
            };
            anyhow::bail!(
                "{}: a pre-commit hook that sprawl did not write is already there; not overwritten. \
                 Call sprawl from it (`sprawl hook run`), or rerun with --force to replace it (it is kept as \
                 pre-commit.sprawl-backup).{hint}",
                hook.display()
            );
        }
        Ok(_) => {
            let backup = free_backup_path(&dir);
            std::fs::rename(&hook, &backup)
                .with_context(|| format!("{}: moving the existing hook to {}", hook.display(), backup.display()))?;
            say(format!("{}: the previous hook is kept as {}", hook.display(), backup.display()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("{}: reading the existing hook", hook.display())),
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: creating the hooks directory", dir.display()))?;
    write_executable(&hook, &text)?;
    say(format!("{}: installed; commits that add a secret are now blocked", hook.display()));
    Ok(0)
}

/// `pre-commit.sprawl-backup`, or with `.1`, `.2`, … if taken: a backup is never overwritten.
fn free_backup_path(dir: &Path) -> PathBuf {
    let first = dir.join("pre-commit.sprawl-backup");
    let mut candidate = first.clone();
    let mut n = 1;
    while candidate.symlink_metadata().is_ok() {
        candidate = PathBuf::from(format!("{}.{n}", first.display()));
        n += 1;
    }
    candidate
}

/// Writes through a temporary file renamed into place, so a half-written hook never runs.
fn write_executable(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("sprawl-tmp");
    std::fs::write(&tmp, text).with_context(|| format!("{}: writing the hook", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("{}: making the hook executable", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("{}: installing the hook", path.display()))
}

fn uninstall(args: &InstallArgs, quiet: bool) -> anyhow::Result<u8> {
    let hook = hooks_dir(&args.repo)?.join("pre-commit");
    match std::fs::read(&hook) {
        Ok(text) if String::from_utf8_lossy(&text).contains(MARKER) => {
            std::fs::remove_file(&hook).with_context(|| format!("{}: removing the hook", hook.display()))?;
            if !quiet {
                eprintln!("sprawl: {}: removed", hook.display());
                let backup = hook.with_file_name("pre-commit.sprawl-backup");
                if backup.exists() {
                    eprintln!("sprawl: the hook it replaced is at {}; `mv` it back to restore it", backup.display());
                }
            }
            Ok(0)
        }
        Ok(_) if !args.force => {
            anyhow::bail!("{}: this pre-commit hook was not written by sprawl; left in place", hook.display())
        }
        Ok(_) => {
            std::fs::remove_file(&hook).with_context(|| format!("{}: removing the hook", hook.display()))?;
            Ok(0)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !quiet {
                eprintln!("sprawl: {}: no hook installed", hook.display());
            }
            Ok(0)
        }
        Err(e) => Err(e).with_context(|| format!("{}: reading the hook", hook.display())),
    }
}

/// The staged scan a hook runs, and on findings the way out.
fn run_hook(mut args: ScanArgs, color: bool, quiet: bool) -> anyhow::Result<u8> {
    if args.git.range.is_some() || args.git.since.is_some() {
        anyhow::bail!("`sprawl hook run` scans the staged changes; --range and --since belong to `sprawl scan`");
    }
    args.git.staged = true;
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
    let root = crate::project_root(&args.paths);
    let default_baseline = root.join(sprawl_store::baseline::DEFAULT_FILE);
    if args.baseline.is_none() && default_baseline.is_file() {
        args.baseline = Some(default_baseline);
    }
    let mut scanned = scan_outcome(&args, false)?;
    apply_baseline(&args, &mut scanned)?;
    let blocked = blocked_message(&scanned);
    let Scanned { outcome, had_error, started, roots, .. } = scanned;
    let code = report_and_exit(&args, outcome, had_error, started, roots, color, quiet)?;
    if code == 1 {
        eprint!("{blocked}");
    }
    Ok(code)
}

/// What a blocked commit prints: each finding's file, line and rule, then the ways to allow a
/// false positive, the safest first.
fn blocked_message(scanned: &Scanned) -> String {
    let findings = &scanned.outcome.findings;
    let mut places: Vec<String> = findings
        .iter()
        .map(|f| format!("  {}:{}: {} ({})", f.location.origin.display_path(), f.location.line, f.rule_id, f.rule_name))
        .collect();
    places.dedup();
    let baseline = sprawl_store::baseline::DEFAULT_FILE;
    format!(
        "\nsprawl: commit blocked: the staged changes add what looks like a secret:\n{}\n\
         \n\
         If it is a real secret: remove it from the file, `git add` it again, and rotate the secret if it\n\
         was ever pushed or shared.\n\
         \n\
         If it is not a secret (a test value, an example):\n\
         \x20 - add a comment containing `sprawl:allow` on that line, e.g. `token = \"...\"  # sprawl:allow`\n\
         \x20   (`sprawl:allow:<fingerprint>` allows only that value: take 8+ hex digits of the fingerprint\n\
         \x20   from `sprawl hook run -f json`);\n\
         \x20 - or accept it in the baseline: `sprawl baseline update` writes {baseline}, which\n\
         \x20   this hook reads; commit that file;\n\
         \x20 - last resort, skipping every pre-commit check for one commit: `git commit --no-verify`.\n",
        places.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/opt/my tools/sprawl"), "'/opt/my tools/sprawl'");
        assert_eq!(shell_quote("/it's/sprawl"), r"'/it'\''s/sprawl'");
    }

    #[test]
    fn the_script_carries_the_marker_and_runs_the_hook_scan() {
        let s = script(Path::new("/usr/local/bin/sprawl"));
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains(MARKER));
        assert!(s.contains("sprawl='/usr/local/bin/sprawl'"));
        assert!(s.trim_end().ends_with("exec \"$sprawl\" hook run"));
    }
}
