//! CI configurations as a source (issue 8): `sprawl ci` and the CI part of every repository
//! scan, end to end over repositories built with the `git` CLI at test time. Token-shaped values
//! are generated here; nothing token-shaped is committed.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{Rng, github_token};

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sprawl(args: &[&str], dir: &Path) -> Run {
    let out = assert_cmd::Command::cargo_bin("sprawl")
        .unwrap()
        .args(args)
        .arg(dir)
        .env("SPRAWL_FINGERPRINT_KEY", "ci-tests")
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

/// The repositories' own directory stands in for `$HOME`: nothing of the user's configuration.
fn git(dir: &Path, args: &[&str]) {
    common::git(dir, dir, args);
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// An AWS access key id and secret of the documented shapes, random, made here.
fn aws_pair(rng: &mut Rng) -> (String, String) {
    let id = format!("AKIA{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    let secret = rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    (id, secret)
}

/// (check, path, line) of every posture.
fn postures(doc: &Value) -> Vec<(String, String, u64)> {
    doc["postures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["check"].as_str().unwrap().to_owned(),
                p["path"].as_str().unwrap().to_owned(),
                p["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const DEPLOY: &str = "\
name: deploy
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: eu-west-1
      - run: ./deploy.sh
        env:
          GITHUB_TOKEN_FOR_RELEASE: TOKEN_HERE
";

const PR: &str = "\
on: pull_request_target
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.ref }}
      - run: npm test
        env:
          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
";

const GITLAB: &str = "\
.aws: &aws
  variables:
    AWS_DEFAULT_REGION: eu-west-1
    AWS_SECRET_ACCESS_KEY: $PROD_AWS_SECRET_ACCESS_KEY
.setup:
  script:
    - pip install awscli
deploy:
  <<: *aws
  script:
    - !reference [.setup, script]
    - aws s3 sync public s3://bucket
";

/// A repository with workflows of several CI systems, a token written into a workflow, and an
/// AWS key committed then deleted (history only).
fn repository(dir: &Path, rng: &mut Rng) -> (String, String) {
    git(dir, &["init", "-q", "-b", "main"]);
    let token = github_token(rng);
    write(dir, ".github/workflows/deploy.yml", &DEPLOY.replace("TOKEN_HERE", &token));
    write(dir, ".github/workflows/pr.yml", PR);
    write(dir, ".gitlab-ci.yml", GITLAB);
    write(
        dir,
        ".circleci/config.yml",
        "version: 2.1\njobs:\n  d:\n    docker: [{image: cimg/base:stable}]\n    steps:\n      - run: |\n          echo start\n          echo $GCLOUD_SERVICE_KEY | gcloud auth activate-service-account --key-file=-\n",
    );
    write(
        dir,
        "azure-pipelines.yml",
        "steps:\n- script: az login --service-principal -p $(AZURE_CLIENT_SECRET) -u x\n",
    );
    write(
        dir,
        "bitbucket-pipelines.yml",
        "pipelines:\n  default:\n    - step:\n        oidc: false\n        script:\n          - export AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID\n",
    );
    write(
        dir,
        "Jenkinsfile",
        "pipeline {\n  agent any\n  environment {\n    AWS_SECRET_ACCESS_KEY = credentials('aws-prod')\n  }\n}\n",
    );
    write(dir, "README.md", "docs\n");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "pipelines"]);
    let (id, secret) = aws_pair(rng);
    write(dir, "scripts/old.env", &format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\n"));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "add deploy credentials"]);
    git(dir, &["rm", "-q", "scripts/old.env"]);
    git(dir, &["commit", "-qm", "remove credentials"]);
    (token, id)
}

#[test]
fn sprawl_ci_reports_secrets_and_posture_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x005e_edc1);
    let (token, _) = repository(d.path(), &mut rng);
    let run = sprawl(&["ci", "--format", "json"], d.path());
    assert_eq!(run.code, 1, "a high posture and a secret fail the job: {}", run.stderr);
    let doc = json(&run);

    // The token written into the workflow, by the normal rules, at its line.
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0]["path"].as_str().unwrap().ends_with(".github/workflows/deploy.yml"));
    assert_eq!(findings[0]["line"], 19);
    assert!(!run.stdout.contains(&token), "redacted by default");

    let got: Vec<(String, String, u64)> = postures(&doc)
        .into_iter()
        .map(|(c, p, l)| (c, p.strip_prefix(&format!("{}/", d.path().display())).unwrap_or(&p).to_owned(), l))
        .collect();
    let want = [
        ("ci.oidc.aws", ".github/workflows/deploy.yml", 14),
        ("ci.permissions.missing", ".github/workflows/pr.yml", 2),
        ("ci.pull-request-target.checkout", ".github/workflows/pr.yml", 8),
        ("ci.oidc.aws", ".gitlab-ci.yml", 4),
        ("ci.oidc.gcp", ".circleci/config.yml", 8),
        ("ci.oidc.aws", "Jenkinsfile", 4),
        ("ci.oidc.azure", "azure-pipelines.yml", 2),
        ("ci.oidc.aws", "bitbucket-pipelines.yml", 6),
    ];
    for (check, path, line) in want {
        assert!(
            got.iter().any(|(c, p, l)| c == check && p == path && *l == line),
            "missing {check} at {path}:{line} in {got:#?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
    let pr =
        doc["postures"].as_array().unwrap().iter().find(|p| p["check"] == "ci.pull-request-target.checkout").unwrap();
    assert!(pr["message"].as_str().unwrap().contains("NPM_TOKEN"), "{pr:#}");
    // Only CI files were scanned: README.md and history are not.
    assert_eq!(doc["stats"]["files"], 7, "{}", doc["stats"]);
    assert_eq!(doc["coverage"].as_array().unwrap().len(), 0);

    // Postures alone: medium fails only when asked.
    let no_high = tempfile::tempdir().unwrap();
    write(no_high.path(), ".gitlab-ci.yml", GITLAB);
    assert_eq!(sprawl(&["ci"], no_high.path()).code, 0, "a medium posture passes by default");
    let strict = sprawl(&["ci", "--fail-on-posture", "medium"], no_high.path());
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stdout.contains(".gitlab-ci.yml:4:"), "{}", strict.stdout);
    assert!(strict.stdout.contains("id_tokens"), "the fix is the CI system's: {}", strict.stdout);
}

#[test]
fn a_repository_scan_links_a_leaked_key_to_the_pipelines_that_consume_it() {
    let d = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x114c);
    let (_, key_id) = repository(d.path(), &mut rng);
    let run = sprawl(&["scan", "--format", "json"], d.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = json(&run);
    let aws: Vec<&Value> =
        doc["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "aws.access_key_id").collect();
    assert_eq!(aws.len(), 1);
    assert_eq!(aws[0]["git"]["state"], "history", "{:#}", aws[0]);

    let links: Vec<&Value> =
        doc["postures"].as_array().unwrap().iter().filter(|p| p["check"] == "ci.leaked-key-consumed").collect();
    let linked: Vec<&str> = links.iter().map(|p| p["path"].as_str().unwrap()).collect();
    for file in [".github/workflows/deploy.yml", ".gitlab-ci.yml", "Jenkinsfile", "bitbucket-pipelines.yml"] {
        assert!(linked.iter().any(|p| p.ends_with(file)), "{file} consumes AWS keys: {linked:?}");
    }
    assert!(!linked.iter().any(|p| p.ends_with("azure-pipelines.yml")), "no Azure key leaked: {linked:?}");
    let deploy = links.iter().find(|p| p["path"].as_str().unwrap().ends_with("deploy.yml")).unwrap();
    let message = deploy["message"].as_str().unwrap();
    assert!(message.contains("scripts/old.env:1") && message.contains("first seen in commit"), "{message}");
    assert!(!message.contains(&key_id) && !run.stdout.contains(&key_id), "no key value in the report");
    assert_eq!(deploy["line"], 14);
    assert_eq!(deploy["severity"], "high");
    let gitlab = links.iter().find(|p| p["path"].as_str().unwrap().ends_with(".gitlab-ci.yml")).unwrap();
    assert!(gitlab["fix"].as_str().unwrap().contains("id_tokens"), "the fix is GitLab's: {gitlab:#}");

    // SARIF carries postures as results of their own rules, and stays valid 2.1.0.
    let sarif = sprawl(&["scan", "--format", "sarif"], d.path());
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"ci.leaked-key-consumed") && rules.contains(&"aws.access_key_id"), "{rules:?}");
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i], r["ruleId"].as_str().unwrap(), "ruleIndex points at its rule");
    }

    // --no-ci: secrets only; postures never change the scan's exit code unless asked.
    let plain = json(&sprawl(&["scan", "--format", "json", "--no-ci"], d.path()));
    assert!(plain["postures"].as_array().unwrap().is_empty());
    // A pre-commit scan does not run posture checks.
    let staged = json(&sprawl(&["scan", "--format", "json", "--staged"], d.path()));
    assert!(staged["postures"].as_array().unwrap().is_empty());
}

#[test]
fn a_broken_ci_file_is_an_error_naming_it_and_the_rest_is_checked() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), ".gitlab-ci.yml", "deploy:\n  script: [a, b\n  when: manual\n");
    write(d.path(), ".github/workflows/pr.yml", PR);
    // An alias bomb: the YAML budget refuses it instead of expanding it.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    write(d.path(), ".circleci/config.yml", &bomb);
    let run = sprawl(&["ci", "--format", "json"], d.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".gitlab-ci.yml:") && run.stderr.contains("cannot parse the CI configuration"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("config.yml"), "{}", run.stderr);
    let doc = json(&run);
    assert!(postures(&doc).iter().any(|(c, _, _)| c == "ci.pull-request-target.checkout"), "the rest is still checked");

    let empty = tempfile::tempdir().unwrap();
    write(empty.path(), "main.py", "print(1)\n");
    let none = sprawl(&["ci"], empty.path());
    assert_eq!(none.code, 2, "nothing to check is an error, not a clean result");
    assert!(none.stderr.contains("no CI configuration found under"), "{}", none.stderr);
}
