//! The `sprawl` command line: argument parsing, environment, exit codes. All scanning logic
//! lives in `sprawl-engine`; this file only wires arguments to it and prints.
//!
//! Exit codes: 0 no findings, 1 findings (or `rules check` problems), 2 an error (bad
//! arguments, unreadable rules, an input that could not be scanned). An error wins over
//! findings: an incomplete scan must never pass as a complete one.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

mod action;
mod config;
mod gitleaks;
mod hook;
mod sweep;
use clap::{Args, Parser, Subcommand, ValueEnum};
use sprawl_core::{Confidence, ProblemKind};
use sprawl_engine::{Engine, GitMode, GitOptions, GitScanError, RefSelection, Target};
use sprawl_rules::RuleSet;

#[derive(Parser, Debug)]
#[command(name = "sprawl", version, about = "Find machine credentials wherever they sprawled", max_term_width = 100)]
struct Cli {
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// More logging on stderr (-v, -vv). `SPRAWL_LOG` takes a tracing filter instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No summary line and no skipped-file notes on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan files, directories or standard input (`-`) for secrets.
    Scan(ScanArgs),
    /// List or check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Accept the secrets found now, so that later scans report only new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Print the JSON Schema (draft 2020-12) of `--format json` reports; each `jsonl` line is a
    /// `#/$defs/finding`.
    Schema,
    /// Git pre-commit hook: install, remove, or run the staged scan it runs.
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// The GitHub Action's scan: picks the range from the workflow event, writes SARIF,
    /// annotations and a job summary.
    Action(action::ActionArgs),
    /// Scan a repository's CI configurations: secrets written in them, and how they hold
    /// credentials (static cloud keys where OIDC exists, pull_request_target checkouts,
    /// token permissions). Exits 1 on a finding or on a posture at or above
    /// --fail-on-posture (default: high).
    Ci(ScanArgs),
    /// Sweep an organisation: the full history of every git repository under DIR (bare or
    /// not), or listed one per line in the file LIST, merged into one report with a
    /// per-repository coverage manifest. Incremental: a re-sweep scans only new objects.
    #[command(mut_arg("paths", |a| a
        .value_name("DIR|LIST")
        .required(true)
        .help("Directories to search for repositories, or files listing one repository per line")))]
    Sweep(Box<sweep::SweepArgs>),
}

#[derive(Subcommand, Debug)]
enum BaselineCommand {
    /// Scan and write a new baseline of everything found (default `.sprawl-baseline.json`).
    Create(BaselineArgs),
    /// Scan and add what is new to the baseline, keeping existing entries and their reasons.
    Update(BaselineArgs),
    /// Scan and remove baseline entries that no longer match anything.
    Prune(BaselineArgs),
    /// Turn a gitleaks JSON report (`gitleaks … --report-format json`, unredacted) into
    /// baseline entries.
    ImportGitleaks {
        /// The gitleaks report.
        report: PathBuf,
        /// The baseline to add to (created if missing).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The project root whose fingerprint key to use.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Args, Debug)]
struct BaselineArgs {
    /// Why these secrets are accepted (stored in new entries).
    #[arg(long, default_value = "accepted when the baseline was created")]
    reason: String,
    /// The baseline file (default: `.sprawl-baseline.json` at the project root).
    #[arg(long = "output", value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List the rules a scan would use.
    List {
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Lint rules and run their examples and negative examples through every matcher backend.
    Check {
        /// Rule files or directories to check (default: the built-in catalog).
        paths: Vec<PathBuf>,
    },
}

#[derive(Args, Debug)]
struct RuleArgs {
    /// Add rules from a YAML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    rules: Vec<PathBuf>,
    /// Use only the rules given with --rules.
    #[arg(long)]
    no_builtin_rules: bool,
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Print secrets in full instead of a short prefix.
    #[arg(long)]
    no_redact: bool,
    /// One finding per occurrence, instead of one per secret with every location listed.
    #[arg(long)]
    no_dedup: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Do not honour .gitignore, .ignore and .sprawlignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Scan files that look binary (a NUL byte in the first 8 KiB) instead of skipping them.
    #[arg(long)]
    scan_binary: bool,
    /// Follow symbolic links.
    #[arg(long)]
    follow_symlinks: bool,
    /// Skip files larger than this many bytes (suffixes K, M, G), listing them as skipped.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Report findings at or above this confidence (default: medium, or the config file's).
    #[arg(long, value_enum)]
    min_confidence: Option<MinConfidence>,
    /// Exit 1 only for new findings at or above this confidence (default: any reported).
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<MinConfidence>,
    /// Exit 0 even with findings (errors still exit 2): for report-only jobs.
    #[arg(long)]
    exit_zero: bool,
    /// Project configuration (default: `.sprawl.yaml` at the scanned root or here).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only secrets this baseline does not accept.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also load the custom rules and allowlists of a gitleaks configuration (`.gitleaks.toml`).
    #[arg(long, value_name = "FILE")]
    gitleaks_config: Option<PathBuf>,
    /// Matcher backend: `auto` is the fastest compiled in (Vectorscan when built with
    /// `--features vectorscan`, else the pure-Rust prefilter); findings are the same with each.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto)]
    engine: EngineChoice,
    /// How deeply nested encodings (base64, hex, percent, string escapes) are decoded and
    /// re-scanned; 0 turns decoding off.
    #[arg(long, value_name = "N", default_value_t = 2)]
    decode_depth: u8,
    /// Do not check the CI configurations of scanned directories (posture, and leaked keys a
    /// pipeline consumes).
    #[arg(long)]
    no_ci: bool,
    /// Also exit 1 on a CI posture finding at or above this severity (default for `scan`:
    /// never; for `ci`: high).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on_posture: Option<PostureLevel>,
    /// `sprawl ci`: scan only the CI files of the given roots.
    #[arg(skip)]
    ci_only: bool,
    #[command(flatten)]
    git: GitArgs,
}

/// Git repositories: a PATH that is the top of a work tree, or a bare repository, is scanned
/// with its full history (every blob in its object database) and its uncommitted files.
#[derive(Args, Debug)]
#[command(next_help_heading = "Git")]
struct GitArgs {
    /// Scan repositories as plain files (the checkout only, no history).
    #[arg(long)]
    no_git: bool,
    /// History mode: do not scan the working tree's uncommitted files.
    #[arg(long)]
    no_worktree: bool,
    /// Name history from every ref: branches, tags, remotes, stashes, notes (the default).
    #[arg(long, conflicts_with = "branch")]
    all_refs: bool,
    /// Name history from one branch only (`main`, `origin/main`, `refs/heads/x`).
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Blobs larger than this are listed as skipped (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "256M")]
    max_blob_size: u64,
    /// Only what the commits of BASE..HEAD introduced, on lines they added (CI gates).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["since", "staged"])]
    range: Option<String>,
    /// Only what the commits since REV introduced (`REV..HEAD`).
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    since: Option<String>,
    /// Only what the index stages relative to HEAD, on added lines (pre-commit hooks).
    #[arg(long)]
    staged: bool,
    /// Fail (exit 2) on a shallow clone instead of warning.
    #[arg(long)]
    require_full_history: bool,
    /// The index --staged reads (default: `GIT_INDEX_FILE`, which git sets for hooks during
    /// `git commit -a` and `git commit <paths>`, else the repository's).
    #[arg(long, value_name = "FILE", env = "GIT_INDEX_FILE")]
    index_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Jsonl,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// A Markdown table (GitHub job summaries).
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MinConfidence {
    Low,
    Medium,
    High,
    Confirmed,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PostureLevel {
    Low,
    Medium,
    High,
}

impl PostureLevel {
    fn severity(self) -> sprawl_core::Severity {
        match self {
            PostureLevel::Low => sprawl_core::Severity::Low,
            PostureLevel::Medium => sprawl_core::Severity::Medium,
            PostureLevel::High => sprawl_core::Severity::High,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EngineChoice {
    Auto,
    /// Vectorscan's SIMD literal search (builds with `--features vectorscan` only; asking for
    /// it in a build without is an error, never a silent fallback).
    #[cfg_attr(not(feature = "vectorscan"), value(hide = true))]
    Vectorscan,
    /// aho-corasick keyword search, pure Rust.
    Prefilter,
}

impl EngineChoice {
    fn name(self) -> &'static str {
        match self {
            EngineChoice::Auto => "auto",
            EngineChoice::Vectorscan => "vectorscan",
            EngineChoice::Prefilter => "prefilter",
        }
    }
}

/// The user's cache directory for compiled matcher databases (`$XDG_CACHE_HOME/sprawl`, else
/// `~/.cache/sprawl`), if the environment names one.
fn database_cache() -> Option<std::sync::Arc<sprawl_store::cache::DirCache>> {
    let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from);
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = sprawl_store::cache::DirCache::user_dir(xdg.as_deref(), home.as_deref())?;
    Some(std::sync::Arc::new(sprawl_store::cache::DirCache::new(dir)))
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("`{s}` is not a size (a number of bytes, optionally with K, M or G)"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sprawl: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPRAWL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .init();
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match cli.command {
        Command::Scan(args) => scan(args, color, cli.quiet),
        Command::Baseline(cmd) => baseline(cmd, cli.quiet),
        Command::Rules(RulesCommand::List { rules, format }) => list_rules(&rules, format),
        Command::Rules(RulesCommand::Check { paths }) => check_rules(&paths),
        Command::Schema => {
            println!("{}", sprawl_report::JSON_SCHEMA.trim_end());
            Ok(0)
        }
        Command::Hook(cmd) => hook::run(cmd, color, cli.quiet),
        Command::Action(args) => action::run(args, color, cli.quiet),
        Command::Ci(args) => ci(args, color, cli.quiet),
        Command::Sweep(args) => sweep::run(*args, color, cli.quiet),
    }
}

/// Loads the rules a command asked for, printing each load error; returns the set and whether
/// any error occurred.
fn load_rules(args: &RuleArgs) -> (RuleSet, bool) {
    let mut set = RuleSet::default();
    let mut errors = Vec::new();
    if !args.no_builtin_rules {
        let (builtin, e) = RuleSet::builtin();
        set = builtin;
        errors.extend(e);
    }
    for path in &args.rules {
        let (rules, e) = sprawl_rules::load_path(path);
        errors.extend(e);
        errors.extend(set.extend(rules));
    }
    for e in &errors {
        eprintln!("sprawl: error: {e}");
    }
    (set, !errors.is_empty())
}

/// What a scan produced before reporting.
struct Scanned {
    outcome: sprawl_engine::Outcome,
    had_error: bool,
    started: std::time::Instant,
    roots: Vec<PathBuf>,
    /// Every rule id loaded, before the configuration enabled or disabled any.
    known_rules: std::collections::BTreeSet<String>,
    /// Where the scanned CI configurations consume cloud credentials.
    consumers: Vec<sprawl_engine::ci::Consumer>,
}

/// The project root: the first scanned directory (or a named file's directory), else here.
fn project_root(paths: &[PathBuf]) -> PathBuf {
    match paths.iter().find(|p| p.as_os_str() != "-") {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from),
        None => PathBuf::from("."),
    }
}

/// The fingerprint key: `SPRAWL_FINGERPRINT_KEY`, else the project's key file, which is
/// created when the project is a git repository or a baseline is being written. Otherwise a
/// one-off key: fingerprints are then stable within this run only.
fn fingerprint_key(root: &Path, create: bool) -> anyhow::Result<sprawl_store::fingerprint::FingerprintKey> {
    use sprawl_store::fingerprint::{FingerprintKey, KEY_FILE};
    if let Ok(pass) = std::env::var("SPRAWL_FINGERPRINT_KEY")
        && !pass.is_empty()
    {
        return Ok(FingerprintKey::from_passphrase(&pass));
    }
    if create || root.join(KEY_FILE).exists() {
        return Ok(FingerprintKey::for_project(root)?);
    }
    // Outside a project, a key of this user's: fingerprints stay comparable between runs.
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    if let Some(key) = data.and_then(|d| FingerprintKey::from_file(&d.join("sprawl/fingerprint.key")).ok()) {
        return Ok(key);
    }
    let mut one_off = [0u8; 32];
    std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut one_off))?;
    Ok(FingerprintKey::from_passphrase(&one_off.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

fn confidence(c: MinConfidence) -> Confidence {
    match c {
        MinConfidence::Low => Confidence::Low,
        MinConfidence::Medium => Confidence::Medium,
        MinConfidence::High => Confidence::High,
        MinConfidence::Confirmed => Confidence::Confirmed,
    }
}

fn scan(args: ScanArgs, color: bool, quiet: bool) -> anyhow::Result<u8> {
    let mut scanned = scan_outcome(&args, false)?;
    apply_baseline(&args, &mut scanned)?;
    let Scanned { outcome, had_error, started, roots, .. } = scanned;
    report_and_exit(&args, outcome, had_error, started, roots, color, quiet)
}

/// Drops the findings that `--baseline` accepts, counting them as allowed; then joins the
/// leaked keys that remain to the pipelines that consume their kind (`ci.leaked-key-consumed`).
fn apply_baseline(args: &ScanArgs, scanned: &mut Scanned) -> anyhow::Result<()> {
    apply_baseline_only(args, scanned)?;
    let links = sprawl_engine::ci::link(&scanned.outcome.findings, &scanned.consumers);
    scanned.outcome.postures.extend(links);
    scanned.outcome.postures.sort();
    Ok(())
}

fn apply_baseline_only(args: &ScanArgs, scanned: &mut Scanned) -> anyhow::Result<()> {
    if let Some(path) = &args.baseline {
        let baseline = sprawl_store::baseline::Baseline::load(path)?;
        check_baseline(&baseline, path, args, scanned)?;
        let before = scanned.outcome.findings.len();
        scanned.outcome.findings.retain(|f| match &f.fingerprint {
            Some(fp) => baseline.accepts(fp, &f.rule_id).is_none(),
            None => true,
        });
        scanned.outcome.stats.allowed += (before - scanned.outcome.findings.len()) as u64;
        scanned.outcome.stats.findings = scanned.outcome.findings.len() as u64;
    }
    Ok(())
}

/// A baseline entry for a rule that does not exist can never accept anything, so the findings it
/// was meant to cover would resurface unexplained: an error naming the entry's line. Entries
/// that accepted nothing in a full scan are stale: a warning, since `baseline prune` removes them
/// (a range or staged scan sees too little to say).
fn check_baseline(
    baseline: &sprawl_store::baseline::Baseline,
    path: &Path,
    args: &ScanArgs,
    scanned: &mut Scanned,
) -> anyhow::Result<()> {
    use sprawl_store::baseline::Seen;
    let at = |e: &sprawl_store::baseline::Entry| match baseline.line_of(e) {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    };
    let mut unknown = 0;
    for e in baseline.entries() {
        if !(e.rule == "*" || e.rule.starts_with("gitleaks:") || scanned.known_rules.contains(&e.rule)) {
            eprintln!("sprawl: error: {}: baseline entry for unknown rule id `{}`", at(e), e.rule);
            unknown += 1;
        }
    }
    if unknown > 0 {
        anyhow::bail!(
            "{}: {unknown} baseline entries name rules that do not exist; nothing was reported",
            path.display()
        );
    }
    let full = !(args.git.staged || args.git.range.is_some() || args.git.since.is_some());
    if full {
        let named: Vec<(sprawl_core::Fingerprint, &str)> =
            scanned.outcome.findings.iter().filter_map(|f| Some((f.fingerprint?, &*f.rule_id))).collect();
        let seen: Vec<Seen<'_>> = named.iter().map(|(fp, rule)| Seen { fingerprint: *fp, rule, path: "" }).collect();
        for e in baseline.unused(&seen) {
            eprintln!(
                "sprawl: warning: {}: baseline entry for {} (first seen at {}) matched nothing in this scan; \
                 `sprawl baseline prune` removes stale entries",
                at(e),
                e.rule,
                e.path
            );
        }
    }
    Ok(())
}

/// An engine built from the arguments, before anything is scanned.
struct Prepared {
    engine: Engine,
    had_error: bool,
    /// Every rule id loaded, before the configuration enabled or disabled any.
    known_rules: std::collections::BTreeSet<String>,
    /// gitleaks rules with a `path` apply only to matching paths.
    path_filters: Vec<(String, regex::Regex)>,
    /// What findings depend on besides the scanned bytes: the rules as configured, the options
    /// and configuration files that filter findings, and this version (see
    /// `sprawl_store::state::config_digest`).
    digest: String,
}

/// Loads rules and configuration, builds the engine and scans; no reporting.
fn scan_outcome(args: &ScanArgs, writing_baseline: bool) -> anyhow::Result<Scanned> {
    let Prepared { engine, mut had_error, known_rules, path_filters, .. } = prepare(args, writing_baseline)?;
    let started = std::time::Instant::now();
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    // The scanned directories (a named file as its directory): machine formats print paths
    // relative to them.
    let roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| match p.is_file() {
            true => p.parent().map(PathBuf::from).unwrap_or_default(),
            false => p.clone(),
        })
        .collect();
    let full = !(args.git.staged || args.git.range.is_some() || args.git.since.is_some());
    let mut ci = sprawl_engine::ci::CiAnalysis::default();
    if (full && !args.no_ci) || args.ci_only {
        for root in paths.iter().filter(|p| p.as_os_str() != "-") {
            ci.merge(sprawl_engine::ci::analyze_root(root));
        }
    }
    let targets = match args.ci_only {
        true => {
            if ci.files.is_empty() {
                anyhow::bail!(
                    "no CI configuration found under {} (looked for .github/workflows/*.yml, .gitlab-ci.yml, \
                     .circleci/config.yml, azure-pipelines.yml, bitbucket-pipelines.yml, .travis.yml, Jenkinsfile)",
                    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                );
            }
            ci.files.iter().map(|f| f.path.clone()).collect()
        }
        false => paths,
    };
    let (mut outcome, git_error) = run_scan(&engine, &args.git, targets)?;
    had_error |= git_error;
    outcome.postures.extend(ci.postures);
    outcome.problems.extend(ci.problems);
    outcome.finish(started);
    apply_path_filters(&path_filters, &mut outcome);
    Ok(Scanned { outcome, had_error, started, roots, known_rules, consumers: ci.consumers })
}

/// gitleaks rules with a `path` apply only to matching paths.
fn apply_path_filters(path_filters: &[(String, regex::Regex)], outcome: &mut sprawl_engine::Outcome) {
    if !path_filters.is_empty() {
        outcome.findings.retain(|f| {
            path_filters.iter().all(|(id, re)| *f.rule_id != **id || re.is_match(&f.location.origin.display_path()))
        });
        outcome.stats.findings = outcome.findings.len() as u64;
    }
}

/// Loads rules and configuration and builds the engine the arguments describe.
fn prepare(args: &ScanArgs, writing_baseline: bool) -> anyhow::Result<Prepared> {
    let engine_name = args.engine.name();
    if engine_name != "auto" && !sprawl_matcher::available_engines().contains(&engine_name) {
        // Before anything is read: a scan with another backend than the one asked for is not
        // what was asked for.
        return Err(sprawl_matcher::MatcherError::Unavailable(engine_name).into());
    }
    let (mut rules, mut had_error) = load_rules(&args.rules);
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let root = project_root(&paths);
    let config = config::find(args.config.as_deref(), Some(&root))?;
    let mut parts = config::AllowParts::default();
    let mut path_filters = Vec::new();
    if let Some(g) = &args.gitleaks_config {
        match gitleaks::load_config(g) {
            Ok(imported) => {
                for n in &imported.notes {
                    eprintln!("sprawl: note: {n}");
                }
                for e in rules.extend(imported.rules) {
                    eprintln!("sprawl: error: {e}");
                    had_error = true;
                }
                parts.merge(imported.allow);
                path_filters = imported.path_filters;
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("sprawl: error: {e}");
                }
                anyhow::bail!("{}: the gitleaks configuration cannot be used as is; nothing was scanned", g.display());
            }
        }
    }
    let known_rules: std::collections::BTreeSet<String> = rules.rules().iter().map(|r| r.id.to_string()).collect();
    let (mut config_min, mut config_max) = (None, None);
    if let Some(c) = &config {
        for e in c.apply_rules(&mut rules) {
            eprintln!("sprawl: error: {e}");
            had_error = true;
        }
        match c.allow_parts(&rules) {
            Ok(p) => parts.merge(p),
            Err(errors) => {
                for e in errors {
                    eprintln!("sprawl: error: {e}");
                }
                anyhow::bail!("{}: the allowlist is invalid; nothing was scanned", c.path.display());
            }
        }
        config_min = c.min_confidence()?;
        config_max = c.max_file_size()?;
    }
    let allowlist = parts.build().map_err(|e| anyhow::anyhow!("the allowlist is invalid: {}", e.join("; ")))?;
    if rules.is_empty() {
        anyhow::bail!("no rules to scan with");
    }
    let key = fingerprint_key(&root, writing_baseline)?;
    let fp_key = key.clone();
    let min_confidence = args.min_confidence.map(confidence).or(config_min).unwrap_or(Confidence::Medium);
    let digest = {
        let read = |p: Option<&Path>| p.and_then(|p| std::fs::read(p).ok()).unwrap_or_default();
        let options = format!(
            "{} {min_confidence} binary={} depth={} max_blob={}",
            env!("CARGO_PKG_VERSION"),
            args.scan_binary,
            args.decode_depth,
            args.git.max_blob_size,
        );
        let rules_text = format!("{:?}", rules.rules());
        sprawl_store::state::config_digest(&[
            options.as_bytes(),
            rules_text.as_bytes(),
            &read(config.as_ref().map(|c| c.path.as_path())),
            &read(args.gitleaks_config.as_deref()),
        ])
    };
    let mut builder = Engine::builder(rules)
        .engine(engine_name)
        .min_confidence(min_confidence)
        .scan_binary(args.scan_binary)
        .decode_depth(args.decode_depth)
        .quick_start(args.git.staged)
        .allowlist(allowlist)
        .fingerprinter(std::sync::Arc::new(move |secret: &[u8]| fp_key.fingerprint(secret)))
        .walk_options(sprawl_input::WalkOptions {
            ignore: !args.no_ignore,
            follow_symlinks: args.follow_symlinks,
            max_file_size: args.max_file_size.or(config_max),
        });
    if let Some(j) = args.jobs {
        builder = builder.jobs(j);
    }
    if let Some(cache) = database_cache() {
        builder = builder.database_cache(cache);
    }
    let engine = builder.build().context("building the scan engine")?;
    for e in engine.config_errors() {
        eprintln!("sprawl: error: {e}");
        had_error = true;
    }
    Ok(Prepared { engine, had_error, known_rules, path_filters, digest })
}

/// Prints the report and problems and decides the exit code.
fn report_and_exit(
    args: &ScanArgs,
    outcome: sprawl_engine::Outcome,
    had_error: bool,
    started: std::time::Instant,
    roots: Vec<PathBuf>,
    color: bool,
    quiet: bool,
) -> anyhow::Result<u8> {
    report_and_exit_with(args, outcome, had_error, started, roots, color, quiet, false)
}

/// [`report_and_exit`]; for a `sweep`, the human report lists each finding's repositories
/// and ends with the coverage manifest (instead of coverage lines on standard error).
#[allow(clippy::too_many_arguments)]
fn report_and_exit_with(
    args: &ScanArgs,
    outcome: sprawl_engine::Outcome,
    had_error: bool,
    started: std::time::Instant,
    roots: Vec<PathBuf>,
    color: bool,
    quiet: bool,
    sweep: bool,
) -> anyhow::Result<u8> {
    for p in &outcome.problems {
        match p.kind {
            ProblemKind::Error => eprintln!("sprawl: error: {}", p.message),
            ProblemKind::Warning => eprintln!("sprawl: warning: {}", p.message),
            ProblemKind::Skipped if !quiet => eprintln!("sprawl: skipped: {}", p.message),
            ProblemKind::Skipped => {}
        }
    }
    let options = sprawl_report::Options {
        format: match args.format {
            OutputFormat::Human => sprawl_report::Format::Human,
            OutputFormat::Json => sprawl_report::Format::Json,
            OutputFormat::Jsonl => sprawl_report::Format::Jsonl,
            OutputFormat::Sarif => sprawl_report::Format::Sarif,
            OutputFormat::Github => sprawl_report::Format::Github,
            OutputFormat::Markdown => sprawl_report::Format::Markdown,
        },
        redact: !args.no_redact,
        color,
        dedup: !args.no_dedup,
        roots,
        repositories: sweep,
    };
    let manifest = sweep && options.format == sprawl_report::Format::Human;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = sprawl_report::write_report(
        &mut out,
        &outcome.findings,
        &outcome.problems,
        &outcome.stats,
        &outcome.coverage,
        &outcome.postures,
        &options,
    )
    .and_then(|()| match manifest {
        true => sprawl_report::write_manifest(&mut out, &outcome.coverage),
        false => Ok(()),
    })
    .and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing the report");
    }
    if !manifest {
        for line in sprawl_report::coverage_lines(&outcome.coverage) {
            eprintln!("{line}");
        }
    }
    if !quiet {
        let mut stats = outcome.stats.clone();
        stats.seconds = started.elapsed().as_secs_f64();
        let totals = sprawl_report::totals(&outcome.findings, options.dedup);
        eprintln!("{}", sprawl_report::summary_line(&stats, &totals));
    }
    Ok(exit_code(args, &outcome, had_error))
}

/// 2 on any error, else 1 if a finding is at or above `--fail-on` (unless `--exit-zero`), else 0.
fn exit_code(args: &ScanArgs, outcome: &sprawl_engine::Outcome, had_error: bool) -> u8 {
    let threshold = args.fail_on.map(confidence).unwrap_or(Confidence::Low);
    let posture_threshold =
        args.fail_on_posture.or(args.ci_only.then_some(PostureLevel::High)).map(PostureLevel::severity);
    let failing = outcome.findings.iter().any(|f| f.confidence >= threshold)
        || posture_threshold.is_some_and(|t| outcome.postures.iter().any(|p| p.severity >= t));
    match (had_error || outcome.has_errors(), failing && !args.exit_zero) {
        (true, _) => 2,
        (false, true) => 1,
        (false, false) => 0,
    }
}

/// `sprawl ci [PATH]…`: the CI files of each root, scanned with the rules and checked for
/// posture.
fn ci(mut args: ScanArgs, color: bool, quiet: bool) -> anyhow::Result<u8> {
    args.ci_only = true;
    args.git.no_git = true;
    args.no_ignore = true;
    scan(args, color, quiet)
}

/// `sprawl baseline …`.
fn baseline(cmd: BaselineCommand, quiet: bool) -> anyhow::Result<u8> {
    use sprawl_store::baseline::{Baseline, DEFAULT_FILE, Seen};
    let (args, mode) = match cmd {
        BaselineCommand::Create(a) => (a, "create"),
        BaselineCommand::Update(a) => (a, "update"),
        BaselineCommand::Prune(a) => (a, "prune"),
        BaselineCommand::ImportGitleaks { report, output, root } => {
            let path = output.unwrap_or_else(|| root.join(DEFAULT_FILE));
            let mut b = if path.exists() { Baseline::load(&path)? } else { Baseline::default() };
            let key = fingerprint_key(&root, true)?;
            let added = gitleaks::import_report(&report, &key, &mut b)?;
            b.save(&path)?;
            if !quiet {
                eprintln!("sprawl: {}: {added} entries imported from {}", path.display(), report.display());
            }
            return Ok(0);
        }
    };
    let paths = if args.scan.paths.is_empty() { vec![PathBuf::from(".")] } else { args.scan.paths.clone() };
    let path = args.file.clone().unwrap_or_else(|| project_root(&paths).join(DEFAULT_FILE));
    let scanned = scan_outcome(&args.scan, true)?;
    for p in scanned.outcome.problems.iter().filter(|p| p.kind == ProblemKind::Error) {
        eprintln!("sprawl: error: {}", p.message);
    }
    if scanned.had_error || scanned.outcome.has_errors() {
        anyhow::bail!("the scan was incomplete, so the baseline at {} was not written", path.display());
    }
    let named: Vec<(sprawl_core::Fingerprint, &str, String)> = scanned
        .outcome
        .findings
        .iter()
        .filter_map(|f| Some((f.fingerprint?, &*f.rule_id, f.location.origin.display_path())))
        .collect();
    let seen: Vec<Seen<'_>> = named.iter().map(|(fp, rule, path)| Seen { fingerprint: *fp, rule, path }).collect();
    let mut b = match mode {
        "create" => Baseline::default(),
        _ => Baseline::load(&path)?,
    };
    let message = match mode {
        "prune" => format!("{} stale entries removed", b.prune(&seen).len()),
        _ => format!("{} entries added", b.add(&seen, &args.reason)),
    };
    b.save(&path)?;
    if !quiet {
        eprintln!("sprawl: {}: {message}, {} in all", path.display(), b.len());
    }
    Ok(0)
}

/// Runs the scan the arguments ask for: git modes on repositories, files elsewhere. Returns the
/// merged outcome and whether a repository could not be scanned at all.
fn run_scan(engine: &Engine, git: &GitArgs, paths: Vec<PathBuf>) -> anyhow::Result<(sprawl_engine::Outcome, bool)> {
    let started = std::time::Instant::now();
    let refs = match &git.branch {
        Some(b) => RefSelection::Branch(b.clone()),
        None => RefSelection::All,
    };
    let mode = match (&git.range, &git.since, git.staged) {
        (Some(range), _, _) => {
            let Some((base, head)) = range.split_once("..").filter(|(b, h)| !b.is_empty() && !h.is_empty()) else {
                anyhow::bail!("--range {range:?}: expected BASE..HEAD (two revisions separated by `..`)");
            };
            if head.starts_with('.') {
                anyhow::bail!("--range {range:?}: BASE...HEAD (three dots) is not supported; use BASE..HEAD");
            }
            Some(GitMode::Range { base: base.to_owned(), head: head.to_owned() })
        }
        (None, Some(rev), _) => Some(GitMode::Range { base: rev.clone(), head: "HEAD".to_owned() }),
        (None, None, true) => Some(GitMode::Staged),
        (None, None, false) => None,
    };
    let options = |mode: GitMode| GitOptions {
        mode,
        worktree: !git.no_worktree,
        max_blob_size: git.max_blob_size,
        require_full_history: git.require_full_history,
        index_file: git.index_file.clone().filter(|p| !p.as_os_str().is_empty()),
        known: None,
    };

    let mut outcome = sprawl_engine::Outcome::default();
    let mut failed = false;
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(Target::Stdin);
            continue;
        }
        let git_mode = match &mode {
            Some(m) => Some(m.clone()),
            None if !git.no_git && sprawl_engine::git::is_repository_root(&path) => {
                Some(GitMode::History { refs: refs.clone() })
            }
            None => None,
        };
        let Some(m) = git_mode else {
            files.push(Target::Path(path));
            continue;
        };
        let explicit = mode.is_some();
        match engine.scan_git(&path, &options(m)) {
            Ok(o) => outcome.merge(o, started),
            Err(GitScanError::NotARepository(p)) if !explicit => files.push(Target::Path(p)),
            Err(e) => {
                eprintln!("sprawl: error: {e}");
                failed = true;
            }
        }
    }
    if !files.is_empty() {
        outcome.merge(engine.scan(&files), started);
    }
    Ok((outcome, failed))
}

fn list_rules(args: &RuleArgs, format: ListFormat) -> anyhow::Result<u8> {
    let (rules, had_error) = load_rules(args);
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Human => {
            let width = rules.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in rules.rules() {
                writeln!(out, "{:width$}  {:14}  {}", r.id, r.identity, r.name)?;
            }
        }
        ListFormat::Json => {
            let list: Vec<_> = rules
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": &*r.id, "name": &*r.name, "identity": &*r.identity,
                        "keywords": &r.keywords, "source": r.source.to_string(),
                        "references": &r.references,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(if had_error { 2 } else { 0 })
}

fn check_rules(paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut set = RuleSet::default();
    let mut load_errors = Vec::new();
    if paths.is_empty() {
        let (builtin, e) = RuleSet::builtin();
        set = builtin;
        load_errors.extend(e);
    }
    for p in paths {
        let (rules, e) = sprawl_rules::load_path(p);
        load_errors.extend(e);
        load_errors.extend(set.extend(rules));
    }
    for e in &load_errors {
        println!("error: {e}");
    }
    let report = sprawl_engine::check::check_rules(&set);
    for p in &report.problems {
        println!("{p}");
    }
    println!(
        "checked {} rules, {} examples, {} negative examples under {}: {}",
        report.rules,
        report.examples,
        report.negative_examples,
        report.engines.join(", "),
        if report.passed() && load_errors.is_empty() {
            "ok".to_owned()
        } else {
            format!("{} problems", report.problems.len() + load_errors.len())
        }
    );
    Ok(match (load_errors.is_empty(), report.passed()) {
        (false, _) => 2,
        (true, false) => 1,
        (true, true) => 0,
    })
}
