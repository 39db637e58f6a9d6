//! `cargo xtask bench`: end-to-end timings of the release binary, each beside its floor measured
//! in the same run, with peak memory.
//!
//! * **history**: `sprawl scan REPO` (every blob of a bare repository) against
//!   `git cat-file --batch-all-objects --batch --unordered > /dev/null`, which inflates every
//!   object once;
//! * **files**: `sprawl scan DIR` against `cat` of the same files (page cache warm for both);
//! * **pre-commit**: `sprawl scan --staged` in a small repository with a staged change, wall time
//!   per invocation.
//!
//! Inputs: `--repo PATH` (default `$SPRAWL_BENCH_REPO`, else `target/bench/gitgit.git` if it
//! exists) should be a bare clone of a large real repository; git/git is the reference
//! (`git clone --bare https://github.com/git/git target/bench/gitgit.git` on a machine with
//! network). Without one, a synthetic history is generated with `git fast-import` (smaller, and
//! said so in the output). The files tree is written out from the repository's tags
//! (`git archive`) until it reaches `--files-mb` (default 700).
//!
//! Each measurement runs `--runs` times (default 3); the median is reported. Peak RSS is the
//! child's `ru_maxrss`, from `wait4`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// One timed run of a command: wall time and peak resident memory.
#[derive(Clone, Copy, Debug)]
struct Run {
    wall: Duration,
    max_rss_kib: u64,
}

/// Runs `cmd` to completion with stdout (and stderr unless `show_stderr`) discarded.
#[allow(unsafe_code)]
fn timed(cmd: &mut Command, show_stderr: bool) -> anyhow::Result<Run> {
    cmd.stdout(Stdio::null());
    if !show_stderr {
        cmd.stderr(Stdio::null());
    }
    let start = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills; `pid` is our own child, which we reap
    // here exactly once (the `Child` handle is dropped without waiting, which does not wait).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r != pid {
        bail!("wait4 on {cmd:?} failed");
    }
    drop(child);
    let exited = libc::WIFEXITED(status);
    let code = libc::WEXITSTATUS(status);
    // sprawl exits 1 when it finds something: that is a successful run here. It exits 2 when
    // the scan is incomplete, which a fetched partial clone is (its never-fetched blobs are
    // listed as not scanned): the timing stands, with a warning, since every blob that exists
    // was scanned.
    if !exited || code > 2 {
        bail!("{cmd:?} failed (status {status})");
    }
    if code == 2 {
        eprintln!("xtask: warning: {cmd:?} exited 2 (an incomplete scan, e.g. a partial clone); timing kept");
    }
    Ok(Run { wall, max_rss_kib: usage.ru_maxrss as u64 })
}

fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.wall);
    runs[runs.len() / 2]
}

fn repeat(n: usize, mut f: impl FnMut() -> anyhow::Result<Run>) -> anyhow::Result<Run> {
    let runs = (0..n.max(1)).map(|_| f()).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(median(runs))
}

fn sh(cmd: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", cmd]);
    c
}

struct Args {
    repo: Option<PathBuf>,
    files_mb: u64,
    runs: usize,
    only: Option<String>,
    extra: Vec<String>,
}

fn parse(args: &[String]) -> anyhow::Result<Args> {
    let mut a = Args {
        repo: std::env::var_os("SPRAWL_BENCH_REPO").map(PathBuf::from),
        files_mb: 700,
        runs: 3,
        only: None,
        extra: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(x) = it.next() {
        let mut value = || it.next().cloned().with_context(|| format!("{x} needs a value"));
        match x.as_str() {
            "--repo" => a.repo = Some(PathBuf::from(value()?)),
            "--files-mb" => a.files_mb = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--only" => a.only = Some(value()?),
            "--" => a.extra = it.by_ref().cloned().collect(),
            other => bail!("unknown bench option {other}"),
        }
    }
    Ok(a)
}

/// Builds the release binary and runs the benchmarks.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<bool> {
    let args = parse(args)?;
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "sprawl"])
        .args(&args.extra)
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let sprawl = root.join("target/release/sprawl");
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work)?;
    let repo = match &args.repo {
        Some(r) => r.clone(),
        None if work.join("gitgit.git").is_dir() => work.join("gitgit.git"),
        None => synthetic_repo(&work)?,
    };
    println!(
        "sprawl benchmark ({} runs each, median; {} cores)",
        args.runs,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("binary: {}\nrepository: {}\n", sprawl.display(), repo.display());
    println!(
        "| benchmark | floor | floor time | sprawl time | ratio | throughput | sprawl peak RSS | floor peak RSS |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let want = |name: &str| args.only.as_deref().is_none_or(|o| o == name);

    if want("history") {
        let bytes = git_blob_bytes(&repo)?;
        // Warm the page cache for both.
        timed(
            Command::new("git").arg("-C").arg(&repo).args([
                "cat-file",
                "--batch-all-objects",
                "--batch",
                "--unordered",
            ]),
            false,
        )?;
        let floor = repeat(args.runs, || {
            timed(
                Command::new("git").arg("-C").arg(&repo).args([
                    "cat-file",
                    "--batch-all-objects",
                    "--batch",
                    "--unordered",
                ]),
                false,
            )
        })?;
        let ours =
            repeat(args.runs, || timed(Command::new(&sprawl).args(["scan", "-q", "-f", "jsonl"]).arg(&repo), false))?;
        row("history", "git cat-file --batch-all-objects", floor, ours, bytes);
    }
    if want("files") {
        let dir = files_tree(&repo, &work, args.files_mb)?;
        let bytes = dir_bytes(&dir)?;
        let cat = format!("find '{}' -type f -print0 | xargs -0 cat > /dev/null", dir.display());
        timed(&mut sh(&cat), false)?;
        let floor = repeat(args.runs, || timed(&mut sh(&cat), false))?;
        let ours = repeat(args.runs, || {
            timed(Command::new(&sprawl).args(["scan", "-q", "-f", "jsonl", "--no-git"]).arg(&dir), false)
        })?;
        row("files", "cat of the same files", floor, ours, bytes);
    }
    if want("pre-commit") {
        let small = staged_repo(&work)?;
        let ours = repeat(args.runs.max(20), || {
            timed(Command::new(&sprawl).args(["scan", "-q", "--staged"]).arg(&small), false)
        })?;
        let floor = repeat(args.runs.max(20), || {
            timed(Command::new("git").arg("-C").arg(&small).args(["diff", "--cached", "--quiet"]), false)
        })?;
        row("pre-commit", "git diff --cached", floor, ours, 0);
    }
    println!("\ntargets: history ≤ 1.15 × floor, files ≤ 1.3 × floor, pre-commit ≤ 30 ms, peak RSS ≤ 400 MiB");
    Ok(true)
}

fn row(name: &str, floor_name: &str, floor: Run, ours: Run, bytes: u64) {
    let secs = |d: Duration| d.as_secs_f64();
    let tput = if bytes > 0 {
        format!("{:.0} MiB/s", bytes as f64 / (1 << 20) as f64 / secs(ours.wall))
    } else {
        "—".to_owned()
    };
    let fmt =
        |d: Duration| if secs(d) < 1.0 { format!("{:.1} ms", secs(d) * 1000.0) } else { format!("{:.2} s", secs(d)) };
    println!(
        "| {name} | {floor_name} | {} | {} | {:.2}× | {tput} | {} MiB | {} MiB |",
        fmt(floor.wall),
        fmt(ours.wall),
        secs(ours.wall) / secs(floor.wall),
        ours.max_rss_kib / 1024,
        floor.max_rss_kib / 1024
    );
}

/// Total size of the blobs of `repo`.
fn git_blob_bytes(repo: &Path) -> anyhow::Result<u64> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"])
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("blob "))
        .filter_map(|n| n.parse::<u64>().ok())
        .sum())
}

fn dir_bytes(dir: &Path) -> anyhow::Result<u64> {
    let out = sh(&format!("du -sb '{}'", dir.display())).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("0").parse().unwrap_or(0))
}

/// A tree of real files: the repository's tagged versions written out side by side until the
/// tree reaches `mb` megabytes.
fn files_tree(repo: &Path, work: &Path, mb: u64) -> anyhow::Result<PathBuf> {
    let dir = work.join(format!("files-{mb}mb"));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let tags = Command::new("git").arg("-C").arg(repo).args(["tag", "--sort=-creatordate"]).output()?;
    let mut refs: Vec<String> = String::from_utf8_lossy(&tags.stdout).lines().map(str::to_owned).collect();
    if refs.is_empty() {
        refs.push("HEAD".to_owned());
    }
    let mut i = 0;
    while dir_bytes(&dir)? < mb << 20 {
        let r = &refs[i % refs.len()];
        let target = dir.join(format!("v{i:03}"));
        std::fs::create_dir_all(&target)?;
        let ok = sh(&format!("git -C '{}' archive '{r}' | tar -x -C '{}'", repo.display(), target.display()))
            .status()?
            .success();
        if !ok {
            bail!("git archive {r} failed");
        }
        i += 1;
        if i > 10_000 {
            break;
        }
    }
    std::fs::write(dir.join(".complete"), b"")?;
    Ok(dir)
}

/// A small repository with one commit and a staged change with a secret-looking line.
fn staged_repo(work: &Path) -> anyhow::Result<PathBuf> {
    let dir = work.join("staged-repo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src"))?;
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(["-c", "user.name=bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false"])
            .args(args)
            .stdout(Stdio::null())
            .status()
    };
    git(&["init", "-q", "-b", "main"])?;
    for i in 0..50 {
        std::fs::write(
            dir.join(format!("src/module{i}.py")),
            format!("def f{i}(x):\n    return x * {i}\n").repeat(40),
        )?;
    }
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "init"])?;
    std::fs::write(dir.join("src/module7.py"), "import os\nAPI_URL = 'https://api.internal'\nTIMEOUT = 30\n")?;
    std::fs::write(dir.join("src/new.py"), "def g():\n    return os.environ['TOKEN']\n")?;
    git(&["add", "-A"])?;
    Ok(dir)
}

/// A generated history when no real repository is at hand: source-like files edited over many
/// commits, through `git fast-import`.
fn synthetic_repo(work: &Path) -> anyhow::Result<PathBuf> {
    let dir = work.join("synthetic.git");
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    println!("(no --repo given and no target/bench/gitgit.git: generating a synthetic history)");
    let _ = std::fs::remove_dir_all(&dir);
    let ok = Command::new("git").args(["init", "-q", "--bare"]).arg(&dir).status()?.success();
    if !ok {
        bail!("git init failed");
    }
    let mut stream = String::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words =
        ["let", "value", "config", "return", "self", "token", "if", "for", "match", "name", "path", "key", "buffer"];
    let mut files: Vec<String> = (0..200)
        .map(|i| {
            (0..400)
                .map(|l| {
                    format!(
                        "{} {} = {}({l}, {i});\n",
                        words[(next() % 13) as usize],
                        words[(next() % 13) as usize],
                        words[(next() % 13) as usize]
                    )
                })
                .collect()
        })
        .collect();
    for c in 0..3000u64 {
        let f = (next() % files.len() as u64) as usize;
        let line = format!("{} = {};\n", words[(next() % 13) as usize], next());
        files[f].push_str(&line);
        let msg = format!("commit {c}");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter bench <bench@example.org> {} +0000\ndata {}\n{msg}\n",
            1_600_000_000 + c * 60,
            msg.len()
        ));
        if c == 0 {
            for (i, body) in files.iter().enumerate() {
                stream.push_str(&format!("M 644 inline src/f{i}.rs\ndata {}\n{body}\n", body.len()));
            }
        } else {
            stream.push_str(&format!("M 644 inline src/f{f}.rs\ndata {}\n{}\n", files[f].len(), files[f]));
        }
    }
    let mut child =
        Command::new("git").arg("-C").arg(&dir).args(["fast-import", "--quiet"]).stdin(Stdio::piped()).spawn()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().context("fast-import stdin")?;
        stdin.write_all(stream.as_bytes())?;
    }
    if !child.wait()?.success() {
        bail!("git fast-import failed");
    }
    let _ = Command::new("git").arg("-C").arg(&dir).args(["repack", "-adq"]).status();
    std::fs::write(dir.join(".complete"), b"")?;
    Ok(dir)
}
