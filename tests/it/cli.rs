//! The command line as a user meets it: exit statuses, `-o`, the "not needed" answer, and one
//! clear stderr line with exit status 2 for every kind of bad input. No `go` needed.

use std::path::Path;

use crate::support::{audit, audit_command};

const MYAGENT: &str = "fixtures/go/myagent/recorded/default.json";

/// Asserts a failed run: exit 2, nothing on stdout, exactly one stderr line that contains
/// every `needle`.
fn assert_one_line_error(run: &crate::support::Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "stdout must be empty on error: {}",
        run.stdout
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one stderr line, got: {:?}",
        run.stderr
    );
    assert!(lines[0].starts_with("audit: error: "), "{}", lines[0]);
    for needle in needles {
        assert!(
            lines[0].contains(needle),
            "{:?} not in {:?}",
            needle,
            lines[0]
        );
    }
}

fn write_temp(dir: &Path, name: &str, content: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[test]
fn answered_why_exits_zero_in_every_format() {
    for format in ["text", "json", "dot", "svg"] {
        let run = audit(&["why", "plugin", "--input", MYAGENT, "--format", format]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(
            run.stdout
                .contains("github.com/containerd/containerd/plugin"),
            "{format}"
        );
    }
}

/// `go mod why`'s wording for an unneeded package, exit 0, plus a hint for a near miss.
#[test]
fn unknown_target_is_not_needed_with_a_hint() {
    let run = audit(&["why", "os/usr", "--input", MYAGENT]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("(main packages do not need os/usr)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(did you mean os/user"),
        "{}",
        run.stdout
    );
    let run = audit(&["why", "sqlite3", "--input", MYAGENT, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["why"][0]["reachable"], false);
    assert_eq!(
        json["why"][0]["suggestions"][0],
        "github.com/mattn/go-sqlite3"
    );
}

#[test]
fn output_file_gets_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("why.json");
    let run = audit(&[
        "why",
        "plugin",
        "--input",
        MYAGENT,
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["why"][0]["chain_count"], 1);
}

#[test]
fn stdin_input_is_detected() {
    use std::io::Write;
    use std::process::Stdio;
    for (file, expect) in [
        (MYAGENT, "github.com/containerd/containerd/plugin"),
        (
            "fixtures/go/myagent/recorded/modgraph.txt",
            "github.com/containerd/containerd@v1.7.24",
        ),
    ] {
        let mut child = audit_command(&["why", "github.com/containerd/containerd", "--input", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let bytes = std::fs::read(crate::support::repo_path(file)).unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let run: crate::support::Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(expect), "{file}: {}", run.stdout);
    }
}

#[test]
fn truncated_stream() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(crate::support::repo_path(MYAGENT)).unwrap();
    let file = write_temp(dir.path(), "truncated.json", &full[..full.len() / 2]);
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(&run, &[&file, "truncated go list stream"]);
}

#[test]
fn non_json_object_stream() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(
        dir.path(),
        "garbage.json",
        b"{\"ImportPath\": \"a\"}\n{oops}\n",
    );
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(
        &run,
        &[&file, "not a go list -json stream", "after 1 package"],
    );
}

#[test]
fn json_that_is_not_go_list() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "other.json", b"{\"name\": \"x\"}\n");
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(&run, &[&file, "no ImportPath"]);
    // An object whose first key is "packages" is read as cargo metadata.
    let file = write_temp(dir.path(), "cargo.json", b"{\"packages\": []}\n");
    let run = audit(&["why", "openssl-sys", "--input", &file]);
    assert_one_line_error(
        &run,
        &[&file, "not `cargo metadata --format-version 1` output"],
    );
    let file = write_temp(
        dir.path(),
        "cargo-truncated.json",
        b"{\"packages\": [{\"name\": \"a\"",
    );
    let run = audit(&["why", "openssl-sys", "--input", &file]);
    assert_one_line_error(&run, &[&file, "truncated cargo metadata"]);
}

#[test]
fn json_array() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "array.json", b"[{\"ImportPath\": \"a\"}]\n");
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(&run, &[&file, "stream of objects, not an array"]);
}

#[test]
fn empty_and_blank_input() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [("empty", &b""[..]), ("blank", &b" \n\n\t\n"[..])] {
        let file = write_temp(dir.path(), name, content);
        let run = audit(&["why", "plugin", "--input", &file]);
        assert_one_line_error(&run, &[&file, "empty input"]);
        let run = audit(&[
            "why",
            "plugin",
            "--input",
            &file,
            "--input-format",
            "go-mod-graph",
        ]);
        assert_one_line_error(&run, &[&file, "empty input"]);
    }
}

#[test]
fn text_that_is_not_go_mod_graph() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "notes.txt", b"hello there world\n");
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(&run, &[&file, "line 1", "go mod graph"]);
}

#[test]
fn binary_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "binary", b"\x7fELF\x02\x01\x01\x00");
    let run = audit(&["why", "plugin", "--input", &file]);
    assert_one_line_error(&run, &[&file, "binary data"]);
}

#[test]
fn forced_format_mismatch() {
    let run = audit(&[
        "why",
        "plugin",
        "--input",
        "fixtures/go/myagent/recorded/modgraph.txt",
        "--input-format",
        "go-list",
    ]);
    assert_one_line_error(&run, &["modgraph.txt", "not a go list -json stream"]);
}

#[test]
fn missing_file() {
    let run = audit(&["why", "plugin", "--input", "no/such/file.json"]);
    assert_one_line_error(&run, &["no/such/file.json", "cannot open"]);
}

#[test]
fn unknown_input_format_is_a_usage_error() {
    let run = audit(&[
        "why",
        "plugin",
        "--input",
        MYAGENT,
        "--input-format",
        "yaml",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'yaml'"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_go_says_what_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let run: crate::support::Run = audit_command(&["why", "plugin", "-C", "fixtures/go/myagent"])
        .env("PATH", empty.path())
        .output()
        .unwrap()
        .into();
    assert_one_line_error(
        &run,
        &["`go` was not found on PATH", "install Go", "--input"],
    );
}

#[test]
fn roots_pattern_that_matches_nothing() {
    let run = audit(&[
        "why",
        "plugin",
        "--input",
        MYAGENT,
        "--roots",
        "example.com/nothing/...",
    ]);
    assert_one_line_error(
        &run,
        &["no package matches --roots example.com/nothing/..."],
    );
}

/// A library repository with one small tool: the libraries left out as roots are announced.
#[test]
fn left_out_library_roots_are_announced_once() {
    let run = audit(&["why", "plugin", "--input", MYAGENT]);
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("not roots"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(
        notes[0].contains("2 matched library package(s)"),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("--roots all"));
}

/// Packages with `Error`/`DepsErrors`: warnings on stderr, and every format says incomplete.
#[test]
fn load_errors_mark_the_result_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let stream = br#"{"ImportPath": "example.com/app", "Name": "main", "Imports": ["example.com/broken", "os/user"], "DepsErrors": [{"Err": "no required module provides package example.com/broken"}], "Incomplete": true}
{"ImportPath": "example.com/broken", "DepOnly": true, "Error": {"Err": "no required module provides package example.com/broken"}, "Incomplete": true}
{"ImportPath": "os/user", "Name": "user", "Standard": true, "DepOnly": true, "Imports": ["C"], "CgoFiles": ["cgo_lookup_cgo.go"]}
{"ImportPath": "runtime/cgo", "Name": "cgo", "Standard": true, "DepOnly": true}
"#;
    let file = write_temp(dir.path(), "broken.json", stream);
    for format in ["text", "json", "dot", "svg"] {
        let run = audit(&["why", "runtime/cgo", "--input", &file, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("audit: warning: package example.com/broken: no required module"),
            "{}",
            run.stderr
        );
        match format {
            "json" => {
                let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                assert_eq!(json["incomplete"], true);
                assert_eq!(json["why"][0]["chain_count"], 1);
            }
            "text" => assert!(run.stdout.contains("# warning: the graph is incomplete")),
            _ => assert!(run.stdout.contains("INCOMPLETE")),
        }
    }
}

/// A hostile package path cannot break any format.
#[test]
fn hostile_package_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let stream = br#"{"ImportPath": "example.com/app", "Name": "main", "Imports": ["evil.com/a\"b\\c\n<script>&"]}
{"ImportPath": "evil.com/a\"b\\c\n<script>&", "DepOnly": true, "Imports": ["C"], "CgoFiles": ["x.go"]}
{"ImportPath": "runtime/cgo", "Standard": true, "DepOnly": true}
"#;
    let file = write_temp(dir.path(), "hostile.json", stream);
    let text = audit(&["why", "runtime/cgo", "--input", &file]);
    assert_eq!(text.code, 0);
    assert!(
        // The backslash is shown as `\\` and the newline as `\n`: neither passes for the other.
        text.stdout.contains("evil.com/a\"b\\\\c\\n<script>&"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.lines().any(|l| l == "<script>&"),
        "a newline in a name forged a line"
    );
    let json = audit(&["why", "runtime/cgo", "--input", &file, "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    assert_eq!(
        parsed["why"][0]["chains"][0][1],
        "evil.com/a\"b\\c\n<script>&"
    );
    let dot = audit(&["why", "runtime/cgo", "--input", &file, "--format", "dot"]);
    // `&` is `&amp;` in DOT: Graphviz decodes entities in labels.
    assert!(
        dot.stdout
            .contains(r#"label="evil.com/a\"b\\c\n<script>&amp;""#),
        "{}",
        dot.stdout
    );
    if std::process::Command::new("dot").arg("-V").output().is_ok() {
        let svg = dot_to_svg(&dot.stdout);
        assert!(svg.contains("&lt;script&gt;&amp;<"), "{svg}");
    }
    // SVG (either renderer) and the HTML report: the markup only escaped.
    for renderer in ["auto", "builtin"] {
        let svg = audit(&[
            "why",
            "runtime/cgo",
            "--input",
            &file,
            "--format",
            "svg",
            "--renderer",
            renderer,
        ]);
        assert_eq!(svg.code, 0, "{}", svg.stderr);
        assert!(
            !svg.stdout.contains("<script"),
            "{renderer}: {}",
            svg.stdout
        );
        assert!(svg.stdout.contains("&lt;script&gt;&amp;"), "{renderer}");
    }
    let page = dir.path().join("hostile.html");
    let run = audit(&[
        "report",
        "--input",
        &file,
        "-o",
        &page.display().to_string(),
    ]);
    assert!(run.code <= 1, "{}", run.stderr);
    let page = std::fs::read_to_string(page).unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(
        page.contains("evil.com/a&quot;b\\\\c\\n&lt;script&gt;&amp;"),
        "{page}"
    );
}

fn dot_to_svg(dot: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot rejected our DOT: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Output is byte-identical across runs.
#[test]
fn output_is_deterministic() {
    for format in ["text", "json", "dot", "svg"] {
        let args = [
            "why",
            "cgo",
            "net",
            "--input",
            MYAGENT,
            "--format",
            format,
            "--max-chains",
            "50",
        ];
        let first = audit(&args);
        let second = audit(&args);
        assert_eq!(first.stdout, second.stdout, "{format}");
    }
}
