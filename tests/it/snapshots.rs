//! Snapshots of every output format on the recorded fixtures (insta; bless with
//! `INSTA_UPDATE=always cargo test` and review the diff). Runs from the repository root, so
//! the config line names the fixture by its relative path.

use crate::support::audit;

fn stdout_of(args: &[&str]) -> String {
    let run = audit(args);
    assert_eq!(run.code, 0, "audit {args:?}: {}", run.stderr);
    run.stdout
}

const DEFAULT: &str = "fixtures/go/myagent/recorded/default.json";

#[test]
fn why_plugin_text() {
    insta::assert_snapshot!(stdout_of(&[
        "why", "plugin", "--input", DEFAULT, "--goos", "linux", "--goarch", "amd64", "--cgo", "on",
        "--tags", ""
    ]));
}

#[test]
fn why_plugin_json() {
    insta::assert_snapshot!(stdout_of(&[
        "why", "plugin", "--input", DEFAULT, "--format", "json"
    ]));
}

#[test]
fn why_plugin_dot() {
    insta::assert_snapshot!(stdout_of(&[
        "why", "plugin", "--input", DEFAULT, "--format", "dot"
    ]));
}

#[test]
fn why_sources_text() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "os/user",
        "net",
        "github.com/mattn/go-sqlite3",
        "github.com/containerd/containerd",
        "cgo",
        "--input",
        DEFAULT,
        "--max-chains",
        "3",
    ]));
}

#[test]
fn why_cgo_dot() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "cgo",
        "--input",
        DEFAULT,
        "--format",
        "dot",
        "--max-chains",
        "4"
    ]));
}

#[test]
fn why_cgo_with_netgo_osusergo() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "cgo",
        "os/user",
        "--input",
        "fixtures/go/myagent/recorded/tags-osusergo-netgo.json",
        "--tags",
        "osusergo,netgo",
    ]));
}

#[test]
fn why_cgo_without_cgo() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "cgo",
        "plugin",
        "--input",
        "fixtures/go/myagent/recorded/cgo-off.json",
        "--cgo",
        "off"
    ]));
}

#[test]
fn why_plugin_fixed_with_all_tags() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "plugin",
        "runtime/cgo",
        "--input",
        "fixtures/go/myagent-fixed/recorded/tags-all4.json",
        "--max-chains",
        "2",
    ]));
}

#[test]
fn why_modules_from_packages_json() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "--modules",
        "plugin",
        "github.com/mattn/go-sqlite3",
        "cgo",
        "--input",
        DEFAULT,
        "--format",
        "json",
        "--max-chains",
        "3",
    ]));
}

#[test]
fn why_modules_from_go_mod_graph_text() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "github.com/containerd/containerd",
        "golang.org/x/sys",
        "github.com/containerd/containerd/plugin",
        "--input",
        "fixtures/go/myagent/recorded/modgraph.txt",
        "--max-chains",
        "3",
    ]));
}

#[test]
fn why_not_needed_text() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "os/usr",
        "plugin",
        "--input",
        "fixtures/go/pure/recorded/default.json"
    ]));
}

#[test]
fn why_gopath_mode_text() {
    insta::assert_snapshot!(stdout_of(&[
        "why",
        "os/user",
        "cgo",
        "--input",
        "fixtures/go/gopath/recorded/default.json"
    ]));
}

#[test]
fn why_full_json_stream_matches_field_selected() {
    // The full `-json` recording and the field-selected one give the same answer.
    let full = stdout_of(&[
        "why",
        "cgo",
        "--input",
        "fixtures/go/myagent/recorded/full-default.json",
        "--format",
        "json",
    ]);
    let selected = stdout_of(&["why", "cgo", "--input", DEFAULT, "--format", "json"]);
    let mut full: serde_json::Value = serde_json::from_str(&full).unwrap();
    let mut selected: serde_json::Value = serde_json::from_str(&selected).unwrap();
    for doc in [&mut full, &mut selected] {
        doc["config"]["input"] = serde_json::Value::Null;
        doc["configs"][0]["input"] = serde_json::Value::Null;
    }
    assert_eq!(full, selected);
}

/// `check` text on the fix fixtures' recordings: a fork, a recording without versions, a
/// dependency with nothing to build without cgo.
#[test]
fn check_fork_text() {
    insta::assert_snapshot!(stdout_of(&[
        "check",
        "--input",
        "fixtures/go/sqlcipher-fork/recorded/default.json",
        "--no-archive-check",
        "--warn-only",
    ]));
}

#[test]
fn check_without_versions_text() {
    insta::assert_snapshot!(stdout_of(&[
        "check",
        "--input",
        "fixtures/go/gopath-containerd/recorded/default.json",
        "--no-archive-check",
        "--warn-only",
        "--max-chains",
        "2",
    ]));
}

#[test]
fn check_does_not_build_text() {
    insta::assert_snapshot!(stdout_of(&[
        "check",
        "--input",
        "fixtures/go/cgo-only/recorded/cgo-off.json",
        "--cgo",
        "off",
        "--no-archive-check",
        "--warn-only",
    ]));
}
