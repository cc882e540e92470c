//! `audit diff` on a real git repository built from a fixture module (go-sqlite3 from the
//! module proxy): a commit that imports a cgo package fails the gate and names the new
//! finding, its chains and the package the change touched; the reverse change passes and
//! reports the removal; an unrelated change passes with "no change". Also two recordings.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{audit, go_available, repo_path};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "linkaudit test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "linkaudit test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const PURE: &str = "// Package db keeps records.\npackage db\n\n// Open opens nothing yet.\nfunc Open() error { return nil }\n";
const SQLITE: &str = "// Package db keeps records in SQLite.\npackage db\n\nimport (\n\t\"database/sql\"\n\n\t_ \"github.com/mattn/go-sqlite3\"\n)\n\n// Open opens the database.\nfunc Open() error {\n\t_, err := sql.Open(\"sqlite3\", \":memory:\")\n\treturn err\n}\n";
const MAIN: &str = "package main\n\nimport \"example.com/stub-compile/internal/db\"\n\nfunc main() { _ = db.Open() }\n";

fn diff_json(dir: &Path, code: i32) -> Value {
    let run = audit(&[
        "diff",
        "--base",
        "HEAD~1",
        "-C",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert_eq!(run.code, code, "{}{}", run.stdout, run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn diff_against_a_git_base() {
    if !go_available() {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    for file in ["go.mod", "go.sum"] {
        std::fs::copy(
            repo_path(&format!("fixtures/go/stub-compile/{file}")),
            dir.join(file),
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.join("cmd/app")).unwrap();
    std::fs::create_dir_all(dir.join("internal/db")).unwrap();
    std::fs::write(dir.join("cmd/app/main.go"), MAIN).unwrap();
    std::fs::write(dir.join("internal/db/db.go"), PURE).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "pure"]);

    // 1. Import a cgo package: a new finding, a main package that becomes dynamic.
    std::fs::write(dir.join("internal/db/db.go"), SQLITE).unwrap();
    git(dir, &["commit", "-q", "-am", "sqlite"]);
    let json = diff_json(dir, 1);
    assert_eq!(json["fails"], true);
    let section = &json["diffs"][0];
    assert_eq!(
        section["targets"][0]["package"],
        "example.com/stub-compile/cmd/app"
    );
    assert_eq!(section["targets"][0]["before"], "static");
    assert_eq!(section["targets"][0]["after"], "dynamic");
    let load = section["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "go-sqlite3-load-extension")
        .expect("the new finding");
    assert_eq!(load["new"], true);
    assert_eq!(load["fails"], true);
    assert_eq!(
        load["new_chains"][0]["chain"],
        serde_json::json!([
            "example.com/stub-compile/cmd/app",
            "example.com/stub-compile/internal/db",
            "github.com/mattn/go-sqlite3"
        ])
    );
    assert_eq!(
        load["new_chains"][0]["touched"],
        "example.com/stub-compile/internal/db"
    );
    assert_eq!(load["new_chains"][0]["how"], "changed files");
    // The text and the Markdown comment say the same.
    let text = audit(&[
        "diff",
        "--base",
        "HEAD~1",
        "-C",
        dir.to_str().unwrap(),
        "--no-archive-check",
    ]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout
            .contains("example.com/stub-compile/cmd/app: static -> dynamic"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("(the change touched example.com/stub-compile/internal/db: changed files)"),
        "{}",
        text.stdout
    );
    let markdown = audit(&[
        "diff",
        "--base",
        "HEAD~1",
        "-C",
        dir.to_str().unwrap(),
        "--format",
        "markdown",
        "--no-archive-check",
    ]);
    assert!(
        markdown.stdout.contains("```mermaid\nflowchart LR"),
        "{}",
        markdown.stdout
    );
    // SARIF has the new findings only.
    let sarif = audit(&[
        "diff",
        "--base",
        "HEAD~1",
        "-C",
        dir.to_str().unwrap(),
        "--format",
        "sarif",
        "--no-archive-check",
    ]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results.iter().all(|r| r["baselineState"] == "new"),
        "{results:?}"
    );

    // 2. The reverse change: the finding is removed, the gate passes.
    std::fs::write(dir.join("internal/db/db.go"), PURE).unwrap();
    git(dir, &["commit", "-q", "-am", "no sqlite"]);
    let json = diff_json(dir, 0);
    assert_eq!(json["fails"], false);
    let removed: Vec<&str> = json["diffs"][0]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(
        removed.contains(&"go-sqlite3-load-extension"),
        "{removed:?}"
    );
    assert_eq!(json["diffs"][0]["targets"][0]["after"], "static");

    // 3. An unrelated change: no change.
    std::fs::write(
        dir.join("internal/db/db.go"),
        PURE.replace("nothing yet", "nothing at all"),
    )
    .unwrap();
    git(dir, &["commit", "-q", "-am", "comment"]);
    let json = diff_json(dir, 0);
    assert_eq!(json["no_change"], true, "{json}");
    let text = audit(&[
        "diff",
        "--base",
        "HEAD~1",
        "-C",
        dir.to_str().unwrap(),
        "--no-archive-check",
    ]);
    assert!(text.stdout.contains("no change"), "{}", text.stdout);
    // The worktree is gone again.
    let worktrees = Command::new("git")
        .args(["worktree", "list"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&worktrees.stdout).lines().count(),
        1
    );
}

/// Two recordings: the tags that remove sources, seen from the other side.
#[test]
fn diff_of_two_recordings() {
    let run = audit(&[
        "diff",
        "fixtures/go/myagent/recorded/default.json",
        "fixtures/go/myagent/recorded/tags-all4.json",
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let removed: Vec<&str> = json["diffs"][0]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "go-net-cgo-resolver",
        "go-os-user-cgo-nss",
        "go-sqlite3-load-extension",
    ] {
        assert!(removed.contains(&rule), "{rule}: {removed:?}");
    }
    // The other way round, the same findings are new and fail.
    let back = audit(&[
        "diff",
        "fixtures/go/myagent/recorded/tags-all4.json",
        "fixtures/go/myagent/recorded/default.json",
        "--no-archive-check",
    ]);
    assert_eq!(back.code, 1, "{}", back.stdout);
    assert!(back.stdout.contains("new findings:"), "{}", back.stdout);
    // Cargo recordings too: bundling SQLite (the fixed workspace) removes the system library.
    let cargo = audit(&[
        "diff",
        "fixtures/cargo/member-feature/recorded/metadata.json",
        "fixtures/cargo/member-feature/recorded/metadata.json",
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert_eq!(cargo.code, 0, "{}", cargo.stderr);
    let json: Value = serde_json::from_str(&cargo.stdout).unwrap();
    assert_eq!(json["no_change"], true);
    assert_eq!(json["diffs"][0]["config"]["ecosystem"], "cargo");
}
