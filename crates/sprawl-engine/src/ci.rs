//! CI posture: how pipelines hold their credentials.
//!
//! The secrets written *in* a CI file are found by the normal rules, like in any file. This
//! module looks at what the file *does* with credentials:
//!
//! * `ci.oidc.aws` / `ci.oidc.gcp` / `ci.oidc.azure`: a long-lived cloud key wired into a
//!   pipeline (an access-key input of `aws-actions/configure-aws-credentials`,
//!   `credentials_json` of `google-github-actions/auth`, `creds` of `azure/login`, or a variable
//!   such as `AWS_SECRET_ACCESS_KEY` set or referenced in any CI system) where the provider
//!   offers OIDC federation, one per file and provider;
//! * `ci.pull-request-target.checkout`: a `pull_request_target` workflow that checks out the
//!   pull request's head, so the pull request's code runs with the base repository's secrets
//!   and write token;
//! * `ci.permissions.write-all` and `ci.permissions.missing`: a workflow token with every write
//!   scope, or no `permissions:` block (the token then has the repository's default, often write);
//! * `ci.leaked-key-consumed` ([`link`]): a leaked key found by the scan is of the kind a
//!   pipeline consumes through a named secret: rotate it, and let the pipeline federate instead.
//!
//! Every place a pipeline consumes a cloud credential is also returned as a [`Consumer`], which
//! is what [`link`] joins findings against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sprawl_core::{Finding, Posture, Problem, ProblemKind, Severity};
use sprawl_input::ci::{CiFile, CiKind, Node, Value};

/// A cloud provider whose long-lived keys a pipeline can replace with OIDC federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Gcp => "Google Cloud",
            Cloud::Azure => "Azure",
        }
    }

    fn check(self) -> &'static str {
        match self {
            Cloud::Aws => "ci.oidc.aws",
            Cloud::Gcp => "ci.oidc.gcp",
            Cloud::Azure => "ci.oidc.azure",
        }
    }

    /// What to do instead, in the CI system at hand.
    fn fix(self, kind: CiKind) -> String {
        let how = match (self, kind) {
            (Cloud::Aws, CiKind::GitHubActions) => {
                "grant `id-token: write` and use aws-actions/configure-aws-credentials with `role-to-assume` \
                 (an IAM role trusting token.actions.githubusercontent.com)"
            }
            (Cloud::Gcp, CiKind::GitHubActions) => {
                "grant `id-token: write` and use google-github-actions/auth with `workload_identity_provider` \
                 and `service_account`"
            }
            (Cloud::Azure, CiKind::GitHubActions) => {
                "grant `id-token: write` and use azure/login with `client-id`, `tenant-id` and \
                 `subscription-id` (a federated credential on the app registration)"
            }
            (_, CiKind::GitLab) => "declare `id_tokens:` on the job and exchange the token for short-lived credentials",
            (Cloud::Aws, CiKind::CircleCi) => "use the aws-cli orb's `role_arn` with CircleCI's OIDC token",
            (_, CiKind::CircleCi) => "exchange CircleCI's OIDC token ($CIRCLE_OIDC_TOKEN) for short-lived credentials",
            (_, CiKind::Bitbucket) => "set `oidc: true` on the step and exchange $BITBUCKET_STEP_OIDC_TOKEN",
            (_, CiKind::AzurePipelines) => "use a workload-identity-federation service connection",
            _ => "use the CI system's OIDC token to obtain short-lived credentials",
        };
        format!("replace the stored {} key with OIDC federation: {how}", self.name())
    }

    /// The rules whose secrets this provider's federation replaces (and that [`link`] joins).
    fn consumes(self, rule_id: &str) -> bool {
        match self {
            Cloud::Aws => rule_id == "aws.access_key_id" || rule_id.starts_with("aws.secret_access_key"),
            Cloud::Gcp => rule_id.starts_with("gcp.service_account."),
            Cloud::Azure => rule_id.starts_with("azure.entra.client_secret"),
        }
    }
}

/// A variable, secret or action-input name that carries a long-lived cloud key. Names are
/// compared upper-cased with `-` as `_` (`aws-secret-access-key` is `AWS_SECRET_ACCESS_KEY`), and
/// may carry a prefix or suffix (`PROD_AWS_SECRET_ACCESS_KEY`).
fn cloud_of(name: &str) -> Option<Cloud> {
    const NAMES: &[(&str, Cloud)] = &[
        ("AWS_SECRET_ACCESS_KEY", Cloud::Aws),
        ("AWS_ACCESS_KEY_ID", Cloud::Aws),
        ("AWS_SECRET_KEY", Cloud::Aws),
        ("GOOGLE_CREDENTIALS", Cloud::Gcp),
        ("GOOGLE_APPLICATION_CREDENTIALS_JSON", Cloud::Gcp),
        ("GCP_SA_KEY", Cloud::Gcp),
        ("GCP_CREDENTIALS", Cloud::Gcp),
        ("GCP_SERVICE_ACCOUNT_KEY", Cloud::Gcp),
        ("GCLOUD_SERVICE_KEY", Cloud::Gcp),
        ("GOOGLE_CLOUD_KEYFILE_JSON", Cloud::Gcp),
        ("AZURE_CLIENT_SECRET", Cloud::Azure),
        ("ARM_CLIENT_SECRET", Cloud::Azure),
        ("AZURE_CREDENTIALS", Cloud::Azure),
    ];
    let upper: String = name.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() }).collect();
    NAMES.iter().find(|(n, _)| upper.contains(n)).map(|&(_, c)| c)
}

/// The names a piece of text refers to as variables or secrets: `${{ secrets.NAME }}`,
/// `${{ env.NAME }}`, `$NAME`, `${NAME}`, `$(NAME)` (Azure), `%NAME%`, `env.NAME` (Groovy), and
/// `NAME=` (Travis' `env:` strings). Each with its byte offset.
fn references(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_name(bytes[i]) || (i > 0 && is_name(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_name(bytes[i]) {
            i += 1;
        }
        let before = &text[..start];
        let referenced = before.ends_with('$')
            || before.ends_with("${")
            || before.ends_with("$(")
            || before.ends_with('%')
            || before.ends_with("secrets.")
            || before.ends_with("env.")
            || assigned(&bytes[i..]);
        if referenced {
            out.push((start, &text[start..i]));
        }
    }
    out
}

/// Whether text after a name assigns to it: `=` (not `==`), after optional blanks (`NAME = …`
/// in a Jenkinsfile's `environment {}`).
fn assigned(rest: &[u8]) -> bool {
    let rest = &rest[rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count()..];
    rest.first() == Some(&b'=') && rest.get(1) != Some(&b'=')
}

/// A place where a pipeline consumes a long-lived cloud credential.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Consumer {
    pub cloud: Cloud,
    /// The CI system of the file (for the fix [`link`] suggests).
    pub kind: CiKind,
    /// The variable, secret or input name (`AWS_SECRET_ACCESS_KEY`, `credentials_json`).
    pub name: String,
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// Postures and consumers of a set of CI files, and the files that could not be read.
#[derive(Debug, Default)]
pub struct CiAnalysis {
    pub files: Vec<CiFile>,
    pub postures: Vec<Posture>,
    pub consumers: Vec<Consumer>,
    pub problems: Vec<Problem>,
}

impl CiAnalysis {
    pub fn merge(&mut self, other: CiAnalysis) {
        self.files.extend(other.files);
        self.postures.extend(other.postures);
        self.consumers.extend(other.consumers);
        self.problems.extend(other.problems);
        self.files.sort();
        self.postures.sort();
        self.consumers.sort();
        self.problems.sort();
    }
}

/// Reads and analyses the CI files of `root` (see [`sprawl_input::ci::discover`]). A file that
/// cannot be read or parsed is an error naming it; the others are analysed all the same.
pub fn analyze_root(root: &Path) -> CiAnalysis {
    let files = sprawl_input::ci::discover(root);
    let mut out = CiAnalysis::default();
    for file in &files {
        match std::fs::read(&file.path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                match analyze(file, &text) {
                    Ok((postures, consumers)) => {
                        out.postures.extend(postures);
                        out.consumers.extend(consumers);
                    }
                    Err(problem) => out.problems.push(problem),
                }
            }
            Err(e) => out.problems.push(Problem {
                kind: ProblemKind::Error,
                message: format!("{}: cannot read the CI configuration: {e}", file.path.display()),
            }),
        }
    }
    out.files = files;
    out.postures.sort();
    out.consumers.sort();
    out
}

/// Analyses one CI file's text.
pub fn analyze(file: &CiFile, text: &str) -> Result<(Vec<Posture>, Vec<Consumer>), Problem> {
    let mut a = Analyzer { file, postures: Vec::new(), consumers: Vec::new() };
    if file.kind.is_yaml() {
        let doc = sprawl_input::ci::parse(text).map_err(|e| Problem {
            kind: ProblemKind::Error,
            message: match e.line {
                Some(line) => {
                    format!("{}:{line}: cannot parse the CI configuration: {}", file.path.display(), e.message)
                }
                None => format!("{}: cannot parse the CI configuration: {}", file.path.display(), e.message),
            },
        })?;
        a.walk(&doc);
        if file.kind == CiKind::GitHubActions {
            a.github(&doc);
        }
    } else {
        a.text(text);
    }
    a.consumers.sort();
    a.consumers.dedup();
    a.static_keys();
    a.postures.sort();
    a.postures.dedup();
    Ok((a.postures, a.consumers))
}

struct Analyzer<'f> {
    file: &'f CiFile,
    postures: Vec<Posture>,
    consumers: Vec<Consumer>,
}

impl Analyzer<'_> {
    fn consumer(&mut self, cloud: Cloud, name: &str, line: u32, column: u32) {
        let path = self.file.path.clone();
        self.consumers.push(Consumer { cloud, kind: self.file.kind, name: name.to_owned(), path, line, column });
    }

    fn posture(&mut self, node: &Node, check: &'static str, severity: Severity, message: String, fix: &str) {
        self.postures.push(Posture {
            path: self.file.path.clone(),
            line: node.line,
            column: node.column,
            check,
            severity,
            message,
            fix: fix.to_owned(),
        });
    }

    /// Every mapping key that names a cloud credential, and every scalar that refers to one.
    fn walk(&mut self, node: &Node) {
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if let Some(name) = k.as_str()
                        && let Some(cloud) = cloud_of(name)
                        && v.value != Value::Null
                    {
                        self.consumer(cloud, name, k.line, k.column);
                    }
                    self.walk(v);
                }
            }
            Value::Seq(items) => items.iter().for_each(|n| self.walk(n)),
            Value::Scalar(s) => self.scalar(s, node.line, node.column),
            Value::Null => {}
        }
    }

    /// References in a scalar, at the line they are on (serde-saphyr places a block scalar,
    /// `|` or `>`, at its first line of text). Past a scalar's first line the column is not known.
    fn scalar(&mut self, s: &str, line: u32, column: u32) {
        for (offset, name) in references(s) {
            if let Some(cloud) = cloud_of(name) {
                let (l, c) = match s[..offset].matches('\n').count() as u32 {
                    0 => (line, column),
                    n => (line + n, 1),
                };
                self.consumer(cloud, name, l, c);
            }
        }
    }

    /// A Jenkinsfile: references line by line, and the AWS credentials binding.
    fn text(&mut self, text: &str) {
        for (i, l) in text.lines().enumerate() {
            let line = i as u32 + 1;
            for (offset, name) in references(l) {
                if let Some(cloud) = cloud_of(name) {
                    self.consumer(cloud, name, line, offset as u32 + 1);
                }
            }
            if let Some(at) = l.find("AmazonWebServicesCredentialsBinding") {
                self.consumer(Cloud::Aws, "AmazonWebServicesCredentialsBinding", line, at as u32 + 1);
            }
        }
    }

    /// One `ci.oidc.*` posture per provider, at its first consumer.
    fn static_keys(&mut self) {
        let mut by_cloud: BTreeMap<Cloud, Vec<&Consumer>> = BTreeMap::new();
        for c in &self.consumers {
            by_cloud.entry(c.cloud).or_default().push(c);
        }
        let mut postures = Vec::new();
        for (cloud, mut uses) in by_cloud {
            uses.sort_by_key(|c| (c.line, c.column));
            let first = uses[0];
            let mut names: Vec<&str> = uses.iter().map(|c| c.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            let mut lines: Vec<u32> = uses.iter().map(|c| c.line).collect();
            lines.dedup();
            let more = match lines.len() {
                1 => String::new(),
                n => format!(" (on {n} lines of this file)"),
            };
            postures.push(Posture {
                path: self.file.path.clone(),
                line: first.line,
                column: first.column,
                check: cloud.check(),
                severity: Severity::Medium,
                message: format!("the pipeline uses a long-lived {} key ({}){more}", cloud.name(), names.join(", ")),
                fix: cloud.fix(self.file.kind),
            });
        }
        self.postures.extend(postures);
    }

    /// GitHub Actions: the cloud login actions' static-key inputs, `pull_request_target`
    /// checkouts of the head, and the token's permissions.
    fn github(&mut self, doc: &Node) {
        let jobs = doc.get("jobs");
        for (_, job) in jobs.map(Node::entries).unwrap_or_default() {
            for step in job.get("steps").map(Node::items).unwrap_or_default() {
                let Some(uses) = step.get("uses").and_then(Node::as_str) else { continue };
                let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
                let with = step.get("with");
                let inputs: &[(&str, Cloud)] = match action.as_str() {
                    "aws-actions/configure-aws-credentials" => {
                        &[("aws-access-key-id", Cloud::Aws), ("aws-secret-access-key", Cloud::Aws)]
                    }
                    "google-github-actions/auth" => &[("credentials_json", Cloud::Gcp)],
                    "azure/login" => &[("creds", Cloud::Azure)],
                    _ => &[],
                };
                for &(input, cloud) in inputs {
                    if let Some((k, _)) = with.and_then(|w| w.get_entry(input)) {
                        self.consumer(cloud, input, k.line, k.column);
                    }
                }
            }
        }
        if triggers(doc).contains(&"pull_request_target") {
            self.pull_request_target(doc);
        }
        self.permissions(doc);
    }

    fn pull_request_target(&mut self, doc: &Node) {
        for (name, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
            let mut secrets: Vec<&str> = Vec::new();
            for s in job.scalars() {
                let text = s.as_str().unwrap_or_default();
                for (at, n) in references(text) {
                    if text[..at].ends_with("secrets.") && n != "GITHUB_TOKEN" {
                        secrets.push(n);
                    }
                }
            }
            secrets.sort_unstable();
            secrets.dedup();
            for step in job.get("steps").map(Node::items).unwrap_or_default() {
                let uses = step.get("uses").and_then(Node::as_str).unwrap_or_default();
                if !uses.to_ascii_lowercase().starts_with("actions/checkout") {
                    continue;
                }
                let Some(r) = step.get("with").and_then(|w| w.get("ref")) else { continue };
                let value = r.as_str().unwrap_or_default();
                let head = ["github.event.pull_request.head", "github.head_ref", "refs/pull/"];
                if !head.iter().any(|h| value.contains(h)) {
                    continue;
                }
                let reach = match secrets.is_empty() {
                    true => "the repository's write token".to_owned(),
                    false => format!("secrets ({}) and the repository's write token", secrets.join(", ")),
                };
                self.posture(
                    r,
                    "ci.pull-request-target.checkout",
                    Severity::High,
                    format!(
                        "job `{}` runs on pull_request_target and checks out the pull request's head: \
                         code from any fork runs with {reach} in reach",
                        name.as_str().unwrap_or("?")
                    ),
                    "run untrusted code under `pull_request` (no secrets), or check out the base only and \
                     pass results between workflows with artifacts",
                );
            }
        }
    }

    fn permissions(&mut self, doc: &Node) {
        let top = doc.get_entry("permissions");
        if let Some((_, v)) = top {
            self.write_all(v, "the workflow");
        }
        let jobs = doc.get_entry("jobs");
        let mut unscoped = Vec::new();
        for (name, job) in jobs.map(|(_, j)| j.entries()).unwrap_or_default() {
            match job.get("permissions") {
                Some(p) => self.write_all(p, &format!("job `{}`", name.as_str().unwrap_or("?"))),
                // A job that calls a reusable workflow gets the caller's permissions.
                None if job.get("uses").is_some() => {}
                None => unscoped.push(name.as_str().unwrap_or("?")),
            }
        }
        if top.is_none()
            && !unscoped.is_empty()
            && let Some((k, _)) = jobs
        {
            let message = format!(
                "no `permissions:` for {}: the GITHUB_TOKEN gets the repository's default scopes, often write",
                match unscoped.len() {
                    1 => format!("job `{}`", unscoped[0]),
                    n => format!("{n} jobs ({})", unscoped.join(", ")),
                }
            );
            let k = k.clone();
            self.posture(
                &k,
                "ci.permissions.missing",
                Severity::Low,
                message,
                "declare `permissions:` at the top of the workflow (e.g. `contents: read`) and widen per job",
            );
        }
    }

    fn write_all(&mut self, v: &Node, who: &str) {
        if v.as_str() == Some("write-all") {
            self.posture(
                v,
                "ci.permissions.write-all",
                Severity::Medium,
                format!("{who} gives the GITHUB_TOKEN every write scope"),
                "list only the scopes the jobs need (`contents: read`, `pull-requests: write`, …)",
            );
        }
    }
}

/// The events a workflow runs on: `on: push`, `on: [push, pull_request]`, or `on: {push: …}`.
fn triggers(doc: &Node) -> Vec<&str> {
    let Some(on) = doc.get("on").or_else(|| doc.get("true")) else { return Vec::new() };
    match &on.value {
        Value::Scalar(s) => vec![s.as_str()],
        Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
        Value::Map(entries) => entries.iter().filter_map(|(k, _)| k.as_str()).collect(),
        Value::Null => Vec::new(),
    }
}

/// `ci.leaked-key-consumed`: for each provider whose keys a pipeline consumes, the findings of
/// that kind of key, one posture per (consumer file, provider) naming where the key leaked.
/// The message carries the finding's place and rule, never its value.
pub fn link(findings: &[Finding], consumers: &[Consumer]) -> Vec<Posture> {
    let mut by_file: BTreeMap<(&Path, Cloud), Vec<&Consumer>> = BTreeMap::new();
    for c in consumers {
        by_file.entry((&c.path, c.cloud)).or_default().push(c);
    }
    let mut out = Vec::new();
    for ((path, cloud), uses) in by_file {
        let leaked: Vec<&Finding> = findings.iter().filter(|f| cloud.consumes(&f.rule_id)).collect();
        let Some(first) = leaked.first() else { continue };
        let first_use = uses.iter().min_by_key(|c| (c.line, c.column)).expect("grouped, so not empty");
        let place = format!("{}:{}", first.location.origin.display_path(), first.location.line);
        let commit = match &first.location.origin {
            sprawl_core::Origin::Git(g) => {
                g.commit.as_ref().map(|c| format!(", first seen in commit {}", &c.id[..12.min(c.id.len())]))
            }
            _ => None,
        }
        .unwrap_or_default();
        let what = match leaked.len() {
            1 => format!("a leaked {} key ({} at {place}{commit}) is", cloud.name(), first.rule_id),
            n => format!("{n} leaked {} keys (the first: {} at {place}{commit}) are", cloud.name(), first.rule_id),
        };
        out.push(Posture {
            path: path.to_path_buf(),
            line: first_use.line,
            column: first_use.column,
            check: "ci.leaked-key-consumed",
            severity: Severity::High,
            message: format!("{what} of the kind this pipeline consumes through {}", first_use.name),
            fix: format!("rotate the leaked keys, then {}", cloud.fix(first_use.kind)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: CiKind, name: &str, text: &str) -> (Vec<Posture>, Vec<Consumer>) {
        analyze(&CiFile { path: PathBuf::from(name), kind }, text).unwrap()
    }

    fn checks(p: &[Posture]) -> Vec<(&str, u32)> {
        p.iter().map(|p| (p.check, p.line)).collect()
    }

    #[test]
    fn references_in_every_syntax() {
        let names = |t| references(t).into_iter().map(|(_, n)| n).collect::<Vec<_>>();
        assert_eq!(names("${{ secrets.AWS_KEY }}"), ["AWS_KEY"]);
        assert_eq!(names("echo $A ${B} $(C) %D% env.E F=1 G = 2 plain H == 3"), ["A", "B", "C", "D", "E", "F", "G"]);
        assert!(names("no references here").is_empty());
    }

    #[test]
    fn github_static_keys_and_oidc() {
        let wf = "\
on: push
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/g
";
        let (p, c) = run(CiKind::GitHubActions, "deploy.yml", wf);
        assert_eq!(checks(&p), [("ci.oidc.aws", 10)], "{p:#?}");
        assert!(p[0].message.contains("(on 2 lines of this file)"), "{}", p[0].message);
        assert!(p[0].fix.contains("role-to-assume"));
        assert!(c.iter().all(|c| c.cloud == Cloud::Aws) && c.len() == 4, "{c:#?}");
    }

    #[test]
    fn pull_request_target_checking_out_the_head_with_secrets() {
        let wf = "\
on:
  pull_request_target:
    types: [opened]
permissions: write-all
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: make test
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
";
        let (p, _) = run(CiKind::GitHubActions, "pr.yml", wf);
        assert_eq!(checks(&p), [("ci.permissions.write-all", 4), ("ci.pull-request-target.checkout", 11)], "{p:#?}");
        assert!(p[1].message.contains("NPM_TOKEN"), "{}", p[1].message);
        assert_eq!(p[1].severity, Severity::High);
        // The same workflow on `pull_request`, with permissions: nothing.
        let safe = wf.replace("pull_request_target", "pull_request").replace("write-all", "read-all");
        assert_eq!(checks(&run(CiKind::GitHubActions, "pr.yml", &safe).0), []);
    }

    #[test]
    fn missing_permissions_name_the_jobs() {
        let wf = "on: [push]\njobs:\n  a:\n    runs-on: x\n    steps: [{run: ls}]\n  b:\n    permissions: {contents: read}\n    runs-on: x\n";
        let (p, _) = run(CiKind::GitHubActions, "w.yml", wf);
        assert_eq!(checks(&p), [("ci.permissions.missing", 2)]);
        assert!(p[0].message.contains("job `a`"), "{}", p[0].message);
    }

    #[test]
    fn gitlab_circleci_bitbucket_azure_and_jenkins_consumers() {
        let gitlab = ".aws: &aws\n  variables:\n    AWS_SECRET_ACCESS_KEY: $PROD_AWS_SECRET_ACCESS_KEY\ndeploy:\n  <<: *aws\n  script:\n    - aws s3 ls\n";
        let (p, c) = run(CiKind::GitLab, ".gitlab-ci.yml", gitlab);
        assert_eq!(checks(&p), [("ci.oidc.aws", 3)]);
        assert!(
            p[0].message.contains("(on 2 lines of this file)"),
            "the anchor and where it is merged: {}",
            p[0].message
        );
        assert!(p[0].fix.contains("id_tokens"));
        assert!(c.iter().any(|c| c.name == "PROD_AWS_SECRET_ACCESS_KEY"));

        let circle = "version: 2.1\norbs:\n  gcp: circleci/gcp-cli@3\njobs:\n  d:\n    steps:\n      - run: echo $GCLOUD_SERVICE_KEY | gcloud auth activate-service-account --key-file=-\n";
        assert_eq!(checks(&run(CiKind::CircleCi, "config.yml", circle).0), [("ci.oidc.gcp", 7)]);

        let bb = "pipelines:\n  default:\n    - step:\n        script:\n          - pipe: atlassian/aws-s3-deploy:1.1.0\n            variables:\n              AWS_ACCESS_KEY_ID: $AWS_ACCESS_KEY_ID\n";
        assert_eq!(checks(&run(CiKind::Bitbucket, "bitbucket-pipelines.yml", bb).0), [("ci.oidc.aws", 7)]);

        let block = "steps:\n- script: |\n    set -e\n    echo $AWS_SECRET_ACCESS_KEY\n    exit 0\n";
        let (_, c) = run(CiKind::AzurePipelines, "azure-pipelines.yml", block);
        assert_eq!(c.iter().map(|c| c.line).collect::<Vec<_>>(), [4], "a block's lines are counted: {c:#?}");

        let azure = "steps:\n- script: az login --service-principal -p $(AZURE_CLIENT_SECRET)\n";
        assert_eq!(checks(&run(CiKind::AzurePipelines, "azure-pipelines.yml", azure).0), [("ci.oidc.azure", 2)]);

        let jenkins = "pipeline {\n  stages { stage('d') { steps {\n    withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'aws']]) {\n      sh 'aws s3 ls'\n    }\n  } } }\n}\n";
        assert_eq!(checks(&run(CiKind::Jenkins, "Jenkinsfile", jenkins).0), [("ci.oidc.aws", 3)]);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it_and_its_line() {
        let file = CiFile { path: PathBuf::from(".gitlab-ci.yml"), kind: CiKind::GitLab };
        let e = analyze(&file, "job:\n  script: [a\n  b: c\n").unwrap_err();
        assert_eq!(e.kind, ProblemKind::Error);
        assert!(e.message.starts_with(".gitlab-ci.yml:"), "{}", e.message);
    }
}
