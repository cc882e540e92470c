//! The CLI as people who live in `go build`, `go mod why` and `cargo tree` type it: Go's
//! spellings (`./cmd/agent`, `-tags`, `-ldflags`, `-C`) give exactly what the long flags give,
//! every command that predicts or builds takes the same build flags, "did you mean" only for
//! close matches, the progress line under a pseudo-terminal and never in a pipe, completions
//! and the man page, and the CI recipes in `docs/` parse with the current CLI.

use std::path::Path;
use std::process::Command;

use clap::Parser;
use linkaudit::cli::{Cli, go_spellings};

use crate::support::{audit, go_available, repo_path};

const MYAGENT: &str = "fixtures/go/myagent/recorded/default.json";

/// Parses like `main` does.
fn parse(words: &[&str]) -> Result<Cli, clap::Error> {
    let args: Vec<std::ffi::OsString> = std::iter::once("audit")
        .chain(words.iter().copied())
        .map(Into::into)
        .collect();
    let mut cli = Cli::try_parse_from(go_spellings(args))?;
    cli.normalize();
    Ok(cli)
}

/// The same request, whichever spelling: the parsed command line prints the same.
fn same(a: &[&str], b: &[&str]) {
    let left = format!("{:?}", parse(a).unwrap_or_else(|e| panic!("{a:?}: {e}")));
    let right = format!("{:?}", parse(b).unwrap_or_else(|e| panic!("{b:?}: {e}")));
    assert_eq!(left, right, "{a:?} vs {b:?}");
}

#[test]
fn go_spellings_parse_as_the_long_flags() {
    for command in ["check", "fix", "verify", "report"] {
        same(
            &[
                command,
                "./cmd/agent",
                "-tags",
                "netgo,osusergo",
                "-C",
                "dir",
            ],
            &[
                command,
                "--patterns",
                "./cmd/agent",
                "--tags",
                "netgo,osusergo",
                "--dir",
                "dir",
            ],
        );
        same(
            &[command, "-tags=netgo", "-ldflags=-s -w", "./a", "./b"],
            &[
                command,
                "--tags",
                "netgo",
                "--ldflags",
                "-s -w",
                "--patterns",
                "./a,./b",
            ],
        );
        same(
            &[
                command,
                "-buildmode",
                "pie",
                "-ldflags",
                "-extldflags -static",
            ],
            &[
                command,
                "--buildmode",
                "pie",
                "--ldflags",
                "-extldflags -static",
            ],
        );
    }
    // `why` keeps its targets positional; patterns come after `--` or with --patterns.
    same(
        &[
            "why",
            "plugin",
            "net",
            "-C",
            "dir",
            "--",
            "./cmd/agent",
            "./cmd/other",
        ],
        &[
            "why",
            "plugin",
            "net",
            "--dir",
            "dir",
            "--patterns",
            "./cmd/agent,./cmd/other",
        ],
    );
    // A value that looks like a Go flag is left alone: `--ldflags -tags` is an ldflags value.
    let cli = format!("{:?}", parse(&["check", "--ldflags", "-tags"]).unwrap());
    assert!(cli.contains("\"-tags\""), "{cli}");
    // Cargo's spellings stay cargo's.
    same(
        &[
            "check",
            "-p",
            "app",
            "-F",
            "a,b",
            "--target",
            "x86_64-unknown-linux-musl",
        ],
        &[
            "check",
            "--package",
            "app",
            "--features",
            "a,b",
            "--target",
            "x86_64-unknown-linux-musl",
        ],
    );
}

/// Every command that predicts or builds takes the same build flags.
#[test]
fn build_flags_are_shared() {
    let flags = [
        "-C",
        "d",
        "--cgo",
        "on",
        "--goos",
        "linux",
        "--goarch",
        "arm64",
        "-tags",
        "netgo",
        "-ldflags",
        "-linkmode external",
        "-buildmode",
        "pie",
        "--workspace",
    ];
    for command in ["check", "fix", "verify", "report"] {
        let mut words = vec![command];
        words.extend_from_slice(&flags);
        parse(&words).unwrap_or_else(|e| panic!("{command}: {e}"));
    }
    // `why` does not build: it takes the load flags but no link flags.
    let mut words = vec!["why", "net"];
    words.extend_from_slice(&flags[..10]);
    parse(&words).unwrap();
    assert!(parse(&["why", "net", "-ldflags", "-s"]).is_err());
}

/// On a real module: `audit check ./cmd/agent -tags netgo,osusergo -C dir` reports under
/// exactly that config, and the same as the long spelling, byte for byte.
#[test]
fn go_spellings_on_a_real_module() {
    if !go_available() {
        return;
    }
    let dir = repo_path("fixtures/go/myagent");
    let dir = dir.to_str().unwrap();
    let short = audit(&[
        "check",
        "./cmd/agent",
        "-tags",
        "netgo,osusergo",
        "-C",
        dir,
        "--format",
        "json",
        "--no-archive-check",
    ]);
    let long = audit(&[
        "check",
        "--patterns",
        "./cmd/agent",
        "--tags",
        "netgo,osusergo",
        "--dir",
        dir,
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert_eq!(short.code, 1, "{}", short.stderr);
    assert_eq!(short.stdout, long.stdout);
    let json: serde_json::Value = serde_json::from_str(&short.stdout).unwrap();
    assert_eq!(
        json["config"]["tags"],
        serde_json::json!(["netgo", "osusergo"])
    );
    assert_eq!(
        json["config"]["patterns"],
        serde_json::json!(["./cmd/agent"])
    );
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // The tags took effect: net and os/user no longer use cgo.
    assert!(!rules.contains(&"go-net-cgo-resolver"), "{rules:?}");
    assert!(!rules.contains(&"go-os-user-cgo-nss"), "{rules:?}");
    assert!(rules.contains(&"go-sqlite3-load-extension"), "{rules:?}");
    // `why ... -- PATTERNS`.
    let why = audit(&["why", "plugin", "-C", dir, "--", "./cmd/agent"]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(
        why.stdout.contains("patterns=./cmd/agent"),
        "{}",
        why.stdout
    );
    assert!(
        why.stdout
            .contains("github.com/containerd/containerd/plugin")
    );
}

/// "did you mean" only for close matches: a typo, the same last element, the same module.
#[test]
fn suggestions_only_for_close_matches() {
    let hint = |target: &str| -> String {
        let run = audit(&["why", target, "--input", MYAGENT]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
            .lines()
            .find(|l| l.contains("did you mean"))
            .unwrap_or("")
            .to_owned()
    };
    assert!(hint("os/usr").contains("os/user"), "a typo");
    assert!(hint("ne/http").contains("net/http"), "a typo");
    assert!(hint("user").contains("os/user"), "the last element");
    assert!(
        hint("github.com/mattn/go-sqlite3/nosuch").contains("github.com/mattn/go-sqlite3"),
        "the same module: {}",
        hint("github.com/mattn/go-sqlite3/nosuch")
    );
    assert_eq!(hint("github.com/does/not/exist"), "", "nothing close");
    assert_eq!(hint("zzzzzz"), "", "nothing close");
}

/// The progress line: under a pseudo-terminal (`script`), the running command is shown on
/// stderr; piped, nothing; `--quiet` silences it under a terminal too. The run ends (the
/// progress thread never deadlocks with the stderr writer) and its report is unchanged.
#[test]
fn progress_line_only_on_a_terminal() {
    if !go_available() {
        return;
    }
    let dir = repo_path("fixtures/go/myagent");
    let audit_bin = env!("CARGO_BIN_EXE_audit");
    let under_pty = |extra: &str| -> String {
        let command = format!(
            "{audit_bin} why plugin -C {} {extra} 2>&1 >/dev/null",
            dir.display()
        );
        let output = Command::new("timeout")
            .args(["60", "script", "-qfec", &command, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux)");
        assert!(
            output.status.success(),
            "{:?}: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Which go commands run depends on the native loader's cache (warm, only `go env`).
    let shown = under_pty("");
    assert!(shown.contains("running go "), "{shown:?}");
    let quiet = under_pty("--quiet");
    assert!(!quiet.contains("running go"), "{quiet:?}");
    let piped = audit(&["why", "plugin", "-C", dir.to_str().unwrap()]);
    assert_eq!(piped.code, 0);
    assert!(!piped.stderr.contains("running go"), "{}", piped.stderr);
    assert!(!piped.stderr.contains('\u{1b}'), "{}", piped.stderr);
}

fn audit_bytes(args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_audit"))
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}");
    output.stdout
}

fn shell_available(shell: &str) -> bool {
    let found = Command::new(shell)
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("`{shell}` is required in CI (.ci/run installs it)");
    }
    found
}

/// Completions for bash, zsh and fish are generated and parse in their shell; they know the
/// subcommands and the flags.
#[test]
fn completions_parse_in_their_shells() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [
        ("bash", vec!["-n"]),
        ("zsh", vec!["-n"]),
        ("fish", vec!["--no-execute"]),
    ] {
        let script = audit_bytes(&["completions", shell]);
        let text = String::from_utf8_lossy(&script);
        for word in ["why", "check", "verify", "fail-on", "ldflags"] {
            assert!(text.contains(word), "{shell}: {word}");
        }
        if !shell_available(shell) {
            continue;
        }
        let path = dir.path().join(format!("audit.{shell}"));
        std::fs::write(&path, &script).unwrap();
        let output = Command::new(shell)
            .args(&check)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{shell} rejects its completions: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // bash: sourcing defines the completion function.
    if shell_available("bash") {
        let path = dir.path().join("audit.bash");
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("source {} && complete -p audit", path.display()))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("complete"),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The man page renders with `man -l`, documents the subcommands and their flags.
#[test]
fn man_page_renders() {
    let page = audit_bytes(&["man"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.1");
    std::fs::write(&path, &page).unwrap();
    let found = Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("`man` is required in CI (.ci/run installs man-db)");
        }
        return;
    }
    let output = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    for word in [
        "audit",
        "AUDIT WHY",
        "AUDIT VERIFY",
        "--fail-on",
        "--ldflags",
        "--baseline",
    ] {
        assert!(text.contains(word), "{word} in the rendered page");
    }
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn version_names_the_commit() {
    let version = String::from_utf8_lossy(&audit_bytes(&["--version"])).into_owned();
    assert!(version.starts_with("audit 0."), "{version}");
    assert!(version.contains("(commit "), "{version}");
}

/// Splits a shell command line into words (single and double quotes, no expansion).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every `audit ...` command a CI recipe runs, with its shell expressions expanded.
fn recipe_commands(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut commands = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches("- ")
            .trim_start_matches("run: ");
        if !line.starts_with("audit ") {
            continue;
        }
        let mut expanded = line.replace("\"${baseline[@]}\"", "--baseline linkaudit-baseline.json");
        while let Some(open) = expanded.find("${{") {
            let close = expanded[open..].find("}}").unwrap() + open + 2;
            expanded.replace_range(open..close, "main");
        }
        expanded = expanded.replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main");
        assert!(
            !expanded.contains('$'),
            "unexpanded shell in {path:?}: {expanded}"
        );
        commands.push(shell_words(&expanded));
    }
    commands
}

/// The CI recipes run only what the CLI accepts: every `audit` command in
/// `docs/github-workflow.yml` and `docs/gitlab-ci.yml` parses, and they use the gate's pieces.
#[test]
fn ci_recipes_match_the_cli() {
    for (file, at_least) in [("docs/github-workflow.yml", 4), ("docs/gitlab-ci.yml", 4)] {
        let commands = recipe_commands(&repo_path(file));
        assert!(commands.len() >= at_least, "{file}: {commands:?}");
        let mut seen = String::new();
        for words in &commands {
            let rest: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            parse(&rest).unwrap_or_else(|e| panic!("{file}: {words:?}: {e}"));
            seen.push_str(&words.join(" "));
            seen.push('\n');
        }
        for piece in [
            "--format sarif",
            "--baseline",
            "--write-baseline",
            "audit diff",
        ] {
            assert!(seen.contains(piece), "{file} lacks {piece}");
        }
    }
    let workflow = std::fs::read_to_string(repo_path("docs/github-workflow.yml")).unwrap();
    assert!(workflow.contains("github/codeql-action/upload-sarif"));
    assert!(workflow.contains("security-events: write"));
    assert!(workflow.contains("--format github"));
    // A command the CLI does not know fails the same check (the test can fail).
    assert!(parse(&["check", "--no-such-flag"]).is_err());
}
