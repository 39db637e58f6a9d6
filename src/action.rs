//! `sprawl action`: the GitHub Action's scan. `action.yml` only installs the binary and calls
//! this, so that everything it decides can be tested without GitHub.
//!
//! What is scanned follows from the workflow event (`GITHUB_EVENT_NAME`, and the payload at
//! `GITHUB_EVENT_PATH`):
//!
//! | event | scanned |
//! |---|---|
//! | `pull_request`, `pull_request_target` | `base.sha..head.sha`: the pull request's commits |
//! | `merge_group` | `base_sha..head_sha` |
//! | `push` | `before..after`; a force push whose `before` is still here, the same (what `after` has that `before` has not) |
//! | `push` of a new branch or tag (`before` is all zeros), or a force push whose `before` is gone | the commits of `after` that no other branch or tag has, from their fork point; the whole history when they share no commit with anything |
//! | `push` that deletes a ref, or moves it to a commit already scanned | nothing, said as a notice and in the summary |
//! | `schedule`, `workflow_dispatch`, anything else | the full history (a shallow checkout is an error) |
//!
//! A range is never silently empty: when base and head are the same commit, or head adds
//! nothing, the run says so (an annotation and the summary) and exits 0. A shallow checkout
//! that cannot cover the range — a commit missing, or a commit of the range at the shallow
//! boundary, whose parents are unknown — is an error (exit 2) whose message gives the fix,
//! `fetch-depth: 0` on `actions/checkout`.
//!
//! Outputs: SARIF at `--sarif` (for `github/codeql-action/upload-sarif`), annotations
//! (`--format github`) and the usual report on standard output, a Markdown summary appended to
//! `GITHUB_STEP_SUMMARY`, and `range`, `findings`, `exit-code`, `sarif` in `GITHUB_OUTPUT`.
//! Exit codes are `sprawl scan`'s.
//!
//! The range logic asks git (the CLI, which every runner has and `actions/checkout` uses)
//! about ancestry, refs and the shallow boundary; the scan itself is the binary's own
//! (`scan_outcome`), with `--range` set.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use crate::{ScanArgs, Scanned, apply_baseline, exit_code, report_and_exit, scan_outcome};

#[derive(Args, Debug)]
pub struct ActionArgs {
    /// The workflow event: push, pull_request, schedule, …
    #[arg(long, env = "GITHUB_EVENT_NAME", value_name = "NAME")]
    event_name: Option<String>,
    /// The event's JSON payload.
    #[arg(long, env = "GITHUB_EVENT_PATH", value_name = "FILE")]
    event_path: Option<PathBuf>,
    /// The checkout to scan (when no PATH is given).
    #[arg(long, env = "GITHUB_WORKSPACE", value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Write a SARIF 2.1.0 report here, for github/codeql-action/upload-sarif.
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Append a Markdown summary to this file.
    #[arg(long, env = "GITHUB_STEP_SUMMARY", value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Append step outputs (range, findings, exit-code, sarif) to this file.
    #[arg(long, env = "GITHUB_OUTPUT", value_name = "FILE")]
    github_output: Option<PathBuf>,
    /// Print no annotations.
    #[arg(long)]
    no_annotations: bool,
    #[command(flatten)]
    scan: ScanArgs,
}

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The commits of `base..head`.
    Range { base: String, head: String, why: String },
    /// Every blob in the repository.
    History { why: String },
    /// Nothing, for the reason given.
    Nothing { why: String },
    /// What `--range` or `--since` says.
    Given { why: String },
}

/// An error about the checkout that the workflow can fix.
const FETCH_DEPTH_FIX: &str = "fetch the full history in the checkout step:\n\n    - uses: actions/checkout@v4\n      with:\n        fetch-depth: 0";

fn non_empty(p: Option<PathBuf>) -> Option<PathBuf> {
    p.filter(|p| !p.as_os_str().is_empty())
}

pub fn run(mut args: ActionArgs, color: bool, quiet: bool) -> anyhow::Result<u8> {
    let summary = non_empty(args.summary.take());
    let outputs = non_empty(args.github_output.take());
    let sarif = non_empty(args.sarif.take());
    let mut scan = args.scan;
    if scan.paths.is_empty() {
        scan.paths.push(non_empty(args.workspace.take()).unwrap_or_else(|| PathBuf::from(".")));
    }
    if scan.git.staged {
        anyhow::bail!("--staged is for pre-commit hooks; the action scans commits");
    }
    let repo = scan.paths[0].clone();

    let plan = match (&scan.git.range, &scan.git.since) {
        (Some(r), _) => Ok(Plan::Given { why: format!("--range {r}, as given") }),
        (None, Some(s)) => Ok(Plan::Given { why: format!("--since {s}, as given") }),
        (None, None) => {
            event_plan(args.event_name.take().filter(|e| !e.is_empty()), non_empty(args.event_path.take()), &repo)
        }
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            let message = format!("{e:#}");
            println!("::error title=sprawl could not scan::{}", sprawl_report::github::escape_data(&message));
            append(summary.as_deref(), &format!("## sprawl: the scan did not run\n\n```\n{message}\n```\n"))?;
            write_outputs(outputs.as_deref(), "none", 0, 2, sarif.as_deref())?;
            return Err(e);
        }
    };
    let (range_text, description) = match &plan {
        Plan::Range { base, head, why } => (format!("{base}..{head}"), why.clone()),
        Plan::Given { why } => (scan.git.range.clone().or(scan.git.since.clone()).unwrap_or_default(), why.clone()),
        Plan::History { why } => ("history".to_owned(), why.clone()),
        Plan::Nothing { why } => ("none".to_owned(), why.clone()),
    };
    if !quiet {
        eprintln!("sprawl action: {description}");
    }
    match &plan {
        Plan::Range { base, head, .. } => scan.git.range = Some(format!("{base}..{head}")),
        Plan::Given { .. } => {}
        Plan::History { .. } => scan.git.require_full_history = true,
        Plan::Nothing { why } => {
            println!("::notice title=sprawl: nothing to scan::{}", sprawl_report::github::escape_data(why));
            if let Some(path) = &sarif {
                write_file(path, |out| {
                    let options = report_options(sprawl_report::Format::Sarif, &scan, &[]);
                    sprawl_report::write_report(out, &[], &[], &Default::default(), &[], &[], &options)
                })?;
            }
            append(summary.as_deref(), &format!("## sprawl: nothing to scan\n\n{}\n", markdown_text(why)))?;
            write_outputs(outputs.as_deref(), &range_text, 0, 0, sarif.as_deref())?;
            return Ok(0);
        }
    }

    let mut scanned = scan_outcome(&scan, false)?;
    apply_baseline(&scan, &mut scanned)?;
    let code = exit_code(&scan, &scanned.outcome, scanned.had_error);
    let o = &scanned.outcome;
    if let Some(path) = &sarif {
        write_file(path, |out| {
            let options = report_options(sprawl_report::Format::Sarif, &scan, &scanned.roots);
            sprawl_report::write_report(out, &o.findings, &o.problems, &o.stats, &o.coverage, &o.postures, &options)
        })?;
    }
    if !args.no_annotations {
        let options = report_options(sprawl_report::Format::Github, &scan, &scanned.roots);
        let mut out = std::io::stdout().lock();
        sprawl_report::write_report(&mut out, &o.findings, &o.problems, &o.stats, &o.coverage, &o.postures, &options)
            .and_then(|()| out.flush())
            .context("writing annotations")?;
    }
    append(summary.as_deref(), &summary_text(&scan, &scanned, &description, code))?;
    let reported = sprawl_report::totals(&o.findings, !scan.no_dedup).findings;
    write_outputs(outputs.as_deref(), &range_text, reported, code, sarif.as_deref())?;
    let Scanned { outcome, had_error, started, roots, .. } = scanned;
    report_and_exit(&scan, outcome, had_error, started, roots, color, quiet)
}

fn report_options(format: sprawl_report::Format, scan: &ScanArgs, roots: &[PathBuf]) -> sprawl_report::Options {
    sprawl_report::Options {
        format,
        redact: !scan.no_redact,
        color: false,
        dedup: !scan.no_dedup,
        roots: roots.to_vec(),
        repositories: false,
    }
}

/// Writes a file (creating its directory) through `f`.
fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: creating the directory", dir.display()))?;
    }
    let file = std::fs::File::create(path).with_context(|| format!("{}: creating the file", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    f(&mut out).and_then(|()| out.flush()).with_context(|| format!("{}: writing", path.display()))
}

/// Appends to a file GitHub reads after the step (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`).
fn append(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("{}: opening to append", path.display()))?;
    f.write_all(text.as_bytes()).with_context(|| format!("{}: appending", path.display()))
}

fn write_outputs(
    path: Option<&Path>,
    range: &str,
    findings: u64,
    code: u8,
    sarif: Option<&Path>,
) -> anyhow::Result<()> {
    let sarif = sarif.map(|p| p.display().to_string()).unwrap_or_default();
    // One line each; none of these values can hold a newline except a path, which is refused.
    if sarif.contains('\n') || range.contains('\n') {
        anyhow::bail!("a step output value holds a line break");
    }
    append(path, &format!("range={range}\nfindings={findings}\nexit-code={code}\nsarif={sarif}\n"))
}

/// Text for Markdown outside a table: HTML-escaped, line breaks kept.
fn markdown_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The job summary: a verdict, what was scanned and why, the findings table, problems, and
/// how to allow a false positive.
fn summary_text(scan: &ScanArgs, scanned: &Scanned, description: &str, code: u8) -> String {
    let o = &scanned.outcome;
    let reported = sprawl_report::totals(&o.findings, !scan.no_dedup).findings;
    let verdict = match (code, reported) {
        (2, _) => "the scan is incomplete (errors below): it does not count as clean".to_owned(),
        (_, 0) => "no secrets found".to_owned(),
        (1, n) => format!("{n} {} (failing the job)", if n == 1 { "finding" } else { "findings" }),
        (_, n) => format!("{n} {} (not failing the job)", if n == 1 { "finding" } else { "findings" }),
    };
    let mut s = format!("## sprawl: {verdict}\n\n{}\n\n", markdown_text(description));
    for line in sprawl_report::coverage_lines(&o.coverage) {
        s.push_str(&format!("- {}\n", markdown_text(line.trim_start_matches("sprawl: "))));
    }
    if o.stats.allowed > 0 {
        s.push_str(&format!("- {} allowed by inline comments, the configuration or the baseline\n", o.stats.allowed));
    }
    s.push('\n');
    if reported > 0 {
        let options = report_options(sprawl_report::Format::Markdown, scan, &scanned.roots);
        let mut table = Vec::new();
        if sprawl_report::write_report(&mut table, &o.findings, &[], &o.stats, &[], &o.postures, &options).is_ok() {
            s.push_str(&String::from_utf8_lossy(&table));
        }
        s.push_str(
            "\n<details><summary>A false positive?</summary>\n\n\
             Add a comment containing `sprawl:allow` on the line, or accept the value in the baseline \
             (`sprawl baseline update`, then commit `.sprawl-baseline.json` and pass it with the action's \
             `baseline` input). A real secret must be rotated: removing it from the branch does not remove it \
             from history.\n\n</details>\n",
        );
    }
    let errors: Vec<&sprawl_core::Problem> =
        o.problems.iter().filter(|p| p.kind == sprawl_core::ProblemKind::Error).collect();
    if !errors.is_empty() {
        s.push_str("\n### Errors\n\n");
        for p in errors.iter().take(50) {
            s.push_str(&format!("- {}\n", markdown_text(&p.message)));
        }
        if errors.len() > 50 {
            s.push_str(&format!("- and {} more (see the job log)\n", errors.len() - 50));
        }
    }
    s
}

/// Reads the event and decides what to scan.
fn event_plan(event: Option<String>, payload_path: Option<PathBuf>, repo: &Path) -> anyhow::Result<Plan> {
    let Some(event) = event else {
        anyhow::bail!("no workflow event: set GITHUB_EVENT_NAME (or --event-name), or pass --range")
    };
    let payload = match &payload_path {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| format!("{}: reading the event payload", p.display()))?;
            serde_json::from_slice(&text).with_context(|| format!("{}: the event payload is not JSON", p.display()))?
        }
        None => Value::Null,
    };
    let git = Git::new(repo)?;
    plan_for(&event, &payload, &git)
}

fn field<'a>(payload: &'a Value, pointer: &str, event: &str) -> anyhow::Result<&'a str> {
    payload.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).with_context(|| {
        format!("the {event} event payload has no `{}` (GITHUB_EVENT_PATH)", &pointer[1..].replace('/', "."))
    })
}

/// A commit id field: 40 (SHA-1) or 64 (SHA-256) hex digits, nothing git could take for an option.
fn commit_field<'a>(payload: &'a Value, pointer: &str, event: &str) -> anyhow::Result<&'a str> {
    let id = field(payload, pointer, event)?;
    if !matches!(id.len(), 40 | 64) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("the {event} event payload's `{}` is not a commit id: {id:?}", &pointer[1..].replace('/', "."));
    }
    Ok(id)
}

fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The plan for an event, given its payload and the checkout.
pub fn plan_for(event: &str, payload: &Value, git: &Git) -> anyhow::Result<Plan> {
    match event {
        "pull_request" | "pull_request_target" => {
            let base = commit_field(payload, "/pull_request/base/sha", event)?;
            let head = commit_field(payload, "/pull_request/head/sha", event)?;
            let what = match payload.pointer("/pull_request/number").and_then(Value::as_u64) {
                Some(n) => format!("Pull request #{n}"),
                None => "Pull request".to_owned(),
            };
            range_plan(git, base, head, &what)
        }
        "merge_group" => {
            let base = commit_field(payload, "/merge_group/base_sha", event)?;
            let head = commit_field(payload, "/merge_group/head_sha", event)?;
            range_plan(git, base, head, "Merge queue group")
        }
        "push" => push_plan(payload, git),
        "schedule" | "workflow_dispatch" => {
            full_history(git, &format!("{event}: the full history of every branch and tag"))
        }
        other => full_history(git, &format!("{other}: no commit range in this event, so the full history")),
    }
}

fn full_history(git: &Git, why: &str) -> anyhow::Result<Plan> {
    if git.is_shallow()? {
        anyhow::bail!(
            "the checkout is shallow, so most of the history a full scan covers is not there; {FETCH_DEPTH_FIX}"
        );
    }
    Ok(Plan::History { why: why.to_owned() })
}

/// `base..head`, checked against the checkout.
fn range_plan(git: &Git, base: &str, head: &str, what: &str) -> anyhow::Result<Plan> {
    if base == head {
        return Ok(Plan::Nothing {
            why: format!(
                "{what}: base and head are the same commit ({}), so there are no commits to scan",
                short(head)
            ),
        });
    }
    let shallow = git.is_shallow()?;
    for (name, id) in [("head", head), ("base", base)] {
        if !git.has_commit(id)? {
            if shallow {
                anyhow::bail!(
                    "{what}: the {name} commit {} is not in this shallow checkout, so {}..{} cannot be scanned; {FETCH_DEPTH_FIX}",
                    short(id),
                    short(base),
                    short(head)
                );
            }
            anyhow::bail!(
                "{what}: the {name} commit {} is not in the checkout at {}; check out the event's commits (actions/checkout with fetch-depth: 0)",
                short(id),
                git.repo.display()
            );
        }
    }
    let commits = git.rev_list(&[head.to_owned(), format!("^{base}")])?;
    if commits.is_empty() {
        return Ok(Plan::Nothing {
            why: format!(
                "{what}: {} adds no commit to {} (it is an ancestor of it), so there is nothing new to scan",
                short(head),
                short(base)
            ),
        });
    }
    if shallow {
        let boundary = git.shallow_commits()?;
        if let Some(cut) = commits.iter().find(|c| boundary.contains(*c)) {
            anyhow::bail!(
                "{what}: the checkout is shallow and commit {} of {}..{} is at its boundary (its parents were not fetched), so the range cannot be scanned completely; {FETCH_DEPTH_FIX}",
                short(cut),
                short(base),
                short(head)
            );
        }
    }
    Ok(Plan::Range {
        base: base.to_owned(),
        head: head.to_owned(),
        why: format!("{what}: {} {} in {}..{}", commits.len(), plural(commits.len()), short(base), short(head)),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "commit" } else { "commits" }
}

fn push_plan(payload: &Value, git: &Git) -> anyhow::Result<Plan> {
    let after = commit_field(payload, "/after", "push")?;
    let before = commit_field(payload, "/before", "push")?;
    let reference = field(payload, "/ref", "push")?;
    if is_zero(after) {
        return Ok(Plan::Nothing { why: format!("Push deleting {reference}: no commits to scan") });
    }
    if is_zero(before) {
        return new_ref_plan(git, after, reference, &format!("Push creating {reference}"));
    }
    if git.has_commit(before)? {
        if git.is_ancestor(before, after)? {
            return range_plan(git, before, after, &format!("Push to {reference}"));
        }
        return range_plan(
            git,
            before,
            after,
            &format!(
                "Force push to {reference} ({} is not an ancestor of {}: the commits of the new head that the old one lacks)",
                short(before),
                short(after)
            ),
        );
    }
    if git.is_shallow()? {
        anyhow::bail!(
            "Push to {reference}: the previous head {} is not in this shallow checkout, so what the push added cannot be told; {FETCH_DEPTH_FIX}",
            short(before)
        );
    }
    new_ref_plan(
        git,
        after,
        reference,
        &format!("Force push to {reference} (the previous head {} is gone from the repository)", short(before)),
    )
}

/// A ref pushed for the first time, or force-pushed from a commit that is gone: the commits of
/// `after` that no other branch or tag reaches, as one range from their fork point.
fn new_ref_plan(git: &Git, after: &str, reference: &str, what: &str) -> anyhow::Result<Plan> {
    if git.is_shallow()? {
        anyhow::bail!("{what}: the checkout is shallow, so which commits are new cannot be told; {FETCH_DEPTH_FIX}");
    }
    if !git.has_commit(after)? {
        anyhow::bail!("{what}: the pushed commit {} is not in the checkout at {}", short(after), git.repo.display());
    }
    let others = git.other_refs(reference)?;
    let mut spec = vec![after.to_owned()];
    spec.extend(others.iter().map(|r| format!("^{r}")));
    let new = git.rev_list(&spec)?;
    if new.is_empty() {
        return Ok(Plan::Nothing {
            why: format!(
                "{what}: every commit of {} is already on another branch or tag, so there is nothing new to scan",
                short(after)
            ),
        });
    }
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let mut fork_points: Vec<String> = Vec::new();
    for id in &new {
        for p in git.parents(id)? {
            if !new_set.contains(p.as_str()) && !fork_points.contains(&p) {
                fork_points.push(p);
            }
        }
    }
    let n = new.len();
    match fork_points.len() {
        0 => Ok(Plan::History {
            why: format!(
                "{what}: its {n} {} share no history with any other branch or tag, so the full history",
                plural(n)
            ),
        }),
        1 => Ok(Plan::Range {
            base: fork_points[0].clone(),
            head: after.to_owned(),
            why: format!("{what}: the {n} new {} since {}", plural(n), short(&fork_points[0])),
        }),
        _ => {
            // Several fork points (a merge of existing branches): the one whose range adds the
            // fewest commits. It covers every new commit, and a few old ones at worst.
            let mut best: Option<(usize, &String)> = None;
            for f in &fork_points {
                let count = git.rev_list(&[after.to_owned(), format!("^{f}")])?.len();
                if best.is_none_or(|(c, _)| count < c) {
                    best = Some((count, f));
                }
            }
            let (count, base) = best.expect("fork_points is not empty");
            Ok(Plan::Range {
                base: base.clone(),
                head: after.to_owned(),
                why: format!(
                    "{what}: {n} new {} from {} fork points; scanning the {count} commits since {}",
                    plural(n),
                    fork_points.len(),
                    short(base)
                ),
            })
        }
    }
}

/// The questions the plan asks git, through the `git` CLI.
#[derive(Debug)]
pub struct Git {
    repo: PathBuf,
}

impl Git {
    pub fn new(repo: &Path) -> anyhow::Result<Git> {
        let repo = repo.canonicalize().with_context(|| format!("{}: the repository to scan", repo.display()))?;
        Ok(Git { repo })
    }

    fn command(&self) -> Command {
        let mut c = Command::new("git");
        // A runner's checkout may belong to another user (containers): these reads are safe.
        c.arg("-c").arg(format!("safe.directory={}", self.repo.display())).arg("-C").arg(&self.repo);
        c
    }

    /// Runs git; `Ok(None)` when it exits 1 (a "no" answer), an error otherwise.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<Option<String>> {
        let mut c = self.command();
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = c.spawn().context("running git (is it installed?)")?;
        if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
            input.write_all(text.as_bytes()).context("writing to git")?;
        }
        let out = child.wait_with_output().context("running git")?;
        match out.status.code() {
            Some(0) => Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned())),
            Some(1) if out.stderr.is_empty() => Ok(None),
            _ => anyhow::bail!(
                "{}: git {} failed: {}",
                self.repo.display(),
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }
    }

    fn is_shallow(&self) -> anyhow::Result<bool> {
        Ok(self.run(&["rev-parse", "--is-shallow-repository"], None)?.is_some_and(|s| s.trim() == "true"))
    }

    fn shallow_commits(&self) -> anyhow::Result<HashSet<String>> {
        let path =
            self.run(&["rev-parse", "--path-format=absolute", "--git-path", "shallow"], None)?.unwrap_or_default();
        let text = std::fs::read_to_string(path.trim()).unwrap_or_default();
        Ok(text.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect())
    }

    fn has_commit(&self, id: &str) -> anyhow::Result<bool> {
        let out = self.command().args(["cat-file", "-e", &format!("{id}^{{commit}}")]).stderr(Stdio::null()).status();
        Ok(out.context("running git")?.success())
    }

    fn is_ancestor(&self, a: &str, b: &str) -> anyhow::Result<bool> {
        Ok(self.run(&["merge-base", "--is-ancestor", a, b], None)?.is_some())
    }

    /// `git rev-list` of revisions (`id`, `^id` to exclude), given on standard input.
    fn rev_list(&self, spec: &[String]) -> anyhow::Result<Vec<String>> {
        let input = spec.join("\n") + "\n";
        let out = self.run(&["rev-list", "--stdin"], Some(&input))?.unwrap_or_default();
        Ok(out.lines().map(str::to_owned).collect())
    }

    fn parents(&self, id: &str) -> anyhow::Result<Vec<String>> {
        let out = self.run(&["rev-list", "--parents", "-n", "1", id], None)?.unwrap_or_default();
        Ok(out.split_whitespace().skip(1).map(str::to_owned).collect())
    }

    /// Branches (local and remote-tracking) and tags other than `reference` itself and its
    /// remote-tracking copies, symbolic refs left out.
    fn other_refs(&self, reference: &str) -> anyhow::Result<Vec<String>> {
        let out = self
            .run(&["for-each-ref", "--format=%(refname)%09%(symref)", "refs/heads", "refs/remotes", "refs/tags"], None)?
            .unwrap_or_default();
        let branch = reference.strip_prefix("refs/heads/");
        Ok(out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter(|(_, symref)| symref.is_empty())
            .map(|(name, _)| name)
            .filter(|name| *name != reference)
            .filter(|name| match (branch, name.strip_prefix("refs/remotes/")) {
                (Some(b), Some(rest)) => rest.split_once('/').is_none_or(|(_, n)| n != b),
                _ => true,
            })
            .map(str::to_owned)
            .collect())
    }
}
