//! Live tests: run the real `go` on the fixture modules. They check our answers against
//! `go mod why`, that flags really reach `go list`, and that a failing `go list` is reported.
//! Outside CI they skip when `go` is missing; in CI (`CI=true`) they fail instead.
//!
//! Where `go mod why` differs from us, it is for one of two documented reasons, and the test
//! checks that the reason applies rather than skipping the target:
//! - `go mod why` loads the `all` pattern, which includes the tests of every dependency, so
//!   its chain may pass through a `.test` package (e.g. `reflect.test` to reach runtime/cgo,
//!   `encoding/json.test` to reach net in `pure`); tests are not linked into the binary;
//! - it ignores build tags (`imports.AnyTags`) and drops `import "C"`, so it cannot see the
//!   runtime/cgo edge and may show chains that do not exist under the configuration.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{audit, go, go_available, repo_path};

/// `go mod why` output: target to chain (None for "does not need").
fn go_mod_why(dir: &Path, targets: &[&str]) -> BTreeMap<String, Option<Vec<String>>> {
    let mut args = vec!["mod", "why"];
    args.extend_from_slice(targets);
    let output = go(dir, &args);
    assert!(
        output.status.success(),
        "go mod why: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut answers = BTreeMap::new();
    for stanza in text.split("\n\n") {
        let mut lines = stanza.lines().filter(|l| !l.is_empty());
        let Some(header) = lines.next() else { continue };
        let target = header.strip_prefix("# ").expect("stanza header").to_owned();
        let rest: Vec<String> = lines.map(str::to_owned).collect();
        let chain = if rest.len() == 1 && rest[0].starts_with('(') {
            None
        } else {
            Some(rest)
        };
        answers.insert(target, chain);
    }
    answers
}

/// Import lists of the recorded default `go list` stream of a fixture (`"C"` kept as is).
fn recorded_imports(fixture: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(repo_path(&format!(
        "fixtures/go/{fixture}/recorded/default.json"
    )))
    .unwrap();
    let mut imports = BTreeMap::new();
    for value in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
        let value = value.unwrap();
        let list = serde_json::from_value(value["Imports"].clone()).unwrap_or_default();
        imports.insert(value["ImportPath"].as_str().unwrap().to_owned(), list);
    }
    imports
}

fn audit_json(args: &[&str]) -> serde_json::Value {
    let run = audit(args);
    assert_eq!(run.code, 0, "audit {args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("json")
}

fn compare_with_go_mod_why(fixture: &str, targets: &[&str]) -> usize {
    let dir = repo_path(&format!("fixtures/go/{fixture}"));
    let go_answers = go_mod_why(&dir, targets);
    let dir_arg = format!("fixtures/go/{fixture}");
    // go mod why starts its chains at every package of the main module: --roots all.
    let mut args = vec![
        "why",
        "-C",
        &dir_arg,
        "--roots",
        "all",
        "--format",
        "json",
        "--max-chains",
        "500",
    ];
    args.extend_from_slice(targets);
    let ours = audit_json(&args);
    let mut n_agreeing = 0;
    for (i, target) in targets.iter().enumerate() {
        let answer = &ours["why"][i];
        assert_eq!(answer["target"], *target);
        let go_chain = &go_answers[*target];
        let context = format!("{fixture}: {target}: go mod why {go_chain:?}, ours {answer}");
        match go_chain {
            Some(chain) if chain.iter().any(|hop| hop.ends_with(".test")) => {
                // go mod why reaches the target only through a dependency's test. Check that
                // the reason applies: the package under test does not import the next hop in
                // the build graph (only its test does), per the recorded `go list` stream.
                let imports = recorded_imports(fixture);
                for pair in chain.windows(2) {
                    if let Some(tested) = pair[0].strip_suffix(".test") {
                        let direct = imports
                            .get(tested)
                            .is_some_and(|list| list.contains(&pair[1]));
                        assert!(
                            !direct,
                            "{tested} imports {} outside tests: {context}",
                            pair[1]
                        );
                    }
                }
            }
            Some(chain) => {
                assert_eq!(answer["reachable"], true, "{context}");
                let shortest = answer["chains"][0].as_array().unwrap();
                assert_eq!(
                    shortest.len(),
                    chain.len(),
                    "shortest chain length: {context}"
                );
                let ours: Vec<Vec<String>> =
                    serde_json::from_value(answer["chains"].clone()).unwrap();
                assert!(
                    ours.contains(chain),
                    "go mod why's chain is not one of ours: {context}"
                );
                n_agreeing += 1;
            }
            None => {
                assert_eq!(answer["reachable"], false, "{context}");
                n_agreeing += 1;
            }
        }
    }
    n_agreeing
}

/// Our shortest chain has the length of `go mod why`'s, and its chain is one of ours.
#[test]
fn agrees_with_go_mod_why() {
    if !go_available() {
        return;
    }
    let agent_targets = [
        "os/user",
        "net",
        "plugin",
        "runtime/cgo",
        "github.com/mattn/go-sqlite3",
        "github.com/containerd/containerd/plugin",
        "net/http",
        "database/sql",
        "google.golang.org/grpc",
        "github.com/sirupsen/logrus",
    ];
    let mut n = compare_with_go_mod_why("myagent", &agent_targets);
    n += compare_with_go_mod_why("myagent-fixed", &agent_targets);
    n += compare_with_go_mod_why(
        "pure",
        &[
            "fmt",
            "net",
            "plugin",
            "github.com/google/go-cmp/cmp",
            "encoding/json",
        ],
    );
    assert!(n >= 18, "only {n} targets were compared directly");
}

/// `runtime/cgo` shows the documented difference: go mod why reaches it only through a test
/// package (it drops `import "C"`), we reach it through the cgo edge.
#[test]
fn runtime_cgo_is_reached_through_import_c_not_tests() {
    if !go_available() {
        return;
    }
    let dir = repo_path("fixtures/go/myagent");
    let go_answers = go_mod_why(&dir, &["runtime/cgo"]);
    let go_chain = go_answers["runtime/cgo"]
        .as_ref()
        .expect("go mod why finds runtime/cgo");
    assert!(
        go_chain.iter().any(|hop| hop.ends_with(".test")),
        "{go_chain:?}"
    );
    let ours = audit_json(&[
        "why",
        "runtime/cgo",
        "-C",
        "fixtures/go/myagent",
        "--format",
        "json",
    ]);
    assert_eq!(ours["why"][0]["reachable"], true);
    assert!(!ours["why"][0]["cgo_edges"].as_array().unwrap().is_empty());
}

/// Flags reach `go list`, and the effective config is recorded.
#[test]
fn build_config_flags_change_the_graph() {
    if !go_available() {
        return;
    }
    let dir = "fixtures/go/myagent";
    let default = audit_json(&["why", "cgo", "plugin", "-C", dir, "--format", "json"]);
    assert_eq!(default["config"]["source"], "go list");
    assert_eq!(default["config"]["goos"], "linux");
    assert_eq!(default["config"]["cgo_enabled"], true);
    assert_eq!(default["config"]["patterns"][0], "./...");
    let matched: Vec<String> =
        serde_json::from_value(default["why"][0]["matched"].clone()).unwrap();
    for source in [
        "net",
        "os/user",
        "plugin",
        "runtime/cgo",
        "github.com/mattn/go-sqlite3",
    ] {
        assert!(
            matched.contains(&source.to_owned()),
            "{source} in {matched:?}"
        );
    }

    let tagged = audit_json(&[
        "why",
        "cgo",
        "-C",
        dir,
        "--tags",
        "osusergo,netgo",
        "--format",
        "json",
    ]);
    assert_eq!(
        tagged["config"]["tags"],
        serde_json::json!(["osusergo", "netgo"])
    );
    let matched: Vec<String> = serde_json::from_value(tagged["why"][0]["matched"].clone()).unwrap();
    assert!(
        !matched.contains(&"net".to_owned()) && !matched.contains(&"os/user".to_owned()),
        "{matched:?}"
    );
    assert!(matched.contains(&"plugin".to_owned()));

    let no_cgo = audit_json(&["why", "cgo", "-C", dir, "--cgo", "off", "--format", "json"]);
    assert_eq!(no_cgo["config"]["cgo_enabled"], false);
    assert_eq!(no_cgo["why"][0]["reachable"], false);

    let fixed = audit_json(&[
        "why",
        "plugin",
        "-C",
        "fixtures/go/myagent-fixed",
        "--tags",
        "osusergo,netgo,sqlite_omit_load_extension,no_dynamic_plugins",
        "--format",
        "json",
    ]);
    assert_eq!(fixed["why"][0]["reachable"], false);
    let old = audit_json(&[
        "why",
        "plugin",
        "-C",
        dir,
        "--tags",
        "osusergo,netgo,sqlite_omit_load_extension,no_dynamic_plugins",
        "--format",
        "json",
    ]);
    assert_eq!(
        old["why"][0]["reachable"], true,
        "containerd v1.7.24 ignores no_dynamic_plugins"
    );

    let arm = audit_json(&[
        "why", "cgo", "-C", dir, "--goarch", "arm64", "--format", "json",
    ]);
    assert_eq!(arm["config"]["goarch"], "arm64");
    assert_eq!(
        arm["config"]["cgo_enabled"], false,
        "go env turns cgo off when cross-compiling"
    );
}

/// The live graph is the recorded one: the recordings are current.
#[test]
fn live_answer_matches_the_recording() {
    if !go_available() {
        return;
    }
    for fixture in ["myagent", "myagent-fixed", "pure"] {
        let dir = format!("fixtures/go/{fixture}");
        let recorded = format!("{dir}/recorded/default.json");
        let args = ["why", "cgo", "plugin", "net", "os/user", "--format", "json"];
        let mut live_args = args.to_vec();
        live_args.extend(["-C", &dir]);
        let mut recorded_args = args.to_vec();
        recorded_args.extend(["--input", &recorded]);
        let live = audit_json(&live_args);
        let recorded = audit_json(&recorded_args);
        assert_eq!(
            live["why"], recorded["why"],
            "{fixture}: rerun fixtures/go/regen.sh"
        );
    }
}

/// A failing `go list` is one error line that shows go's stderr.
#[test]
fn failing_go_list_shows_its_stderr() {
    if !go_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/broken\n\ngo 1.22\n\nrequire (\n",
    )
    .unwrap();
    let run = audit(&["why", "plugin", "-C", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains("go.mod"), "{}", lines[0]);
    assert!(lines[0].contains("failed"), "{}", lines[0]);
}

/// `--modules` on a live load agrees with `go mod why -m` on the shortest chain length.
#[test]
fn modules_agree_with_go_mod_why_m() {
    if !go_available() {
        return;
    }
    let dir = repo_path("fixtures/go/myagent");
    let output = go(
        &dir,
        &[
            "mod",
            "why",
            "-m",
            "github.com/mattn/go-sqlite3",
            "github.com/containerd/containerd",
        ],
    );
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let ours = audit_json(&[
        "why",
        "--modules",
        "github.com/mattn/go-sqlite3",
        "github.com/containerd/containerd",
        "-C",
        "fixtures/go/myagent",
        "--roots",
        "all",
        "--format",
        "json",
    ]);
    for (i, stanza) in text
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .enumerate()
    {
        // go mod why -m prints a package chain; its last package is in the module.
        let n_packages = stanza.lines().skip(1).filter(|l| !l.is_empty()).count();
        let answer = &ours["why"][i];
        assert_eq!(answer["reachable"], true, "{stanza}");
        let shortest = answer["chains"][0].as_array().unwrap().len();
        assert!(
            shortest <= n_packages,
            "module chain {shortest} longer than package chain {n_packages}"
        );
        assert_eq!(answer["chains"][0][0], "example.com/myagent");
    }
}

fn check_live(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = audit(&all);
    assert!(
        run.code == 0 || run.code == 1,
        "audit {all:?}: {}",
        run.stderr
    );
    (run.code, serde_json::from_str(&run.stdout).expect("json"))
}

/// Live: containerd >= 1.7.25 with the three other tags leaves only the plugin finding, fixed by
/// no_dynamic_plugins; with all four the check passes and every archive the static link
/// needs is found by the real C compiler.
#[test]
fn check_live_fixed_agent() {
    if !go_available() {
        return;
    }
    let dir = "fixtures/go/myagent-fixed";
    let (code, json) = check_live(&[
        "-C",
        dir,
        "--tags",
        "osusergo,netgo,sqlite_omit_load_extension",
    ]);
    assert_eq!(code, 1);
    let errors: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["rule"], "go-containerd-dynamic-plugins");
    assert_eq!(
        errors[0]["fix"]["tags"],
        serde_json::json!(["no_dynamic_plugins"])
    );
    let (code, json) = check_live(&[
        "-C",
        dir,
        "--tags",
        "osusergo,netgo,sqlite_omit_load_extension,no_dynamic_plugins",
    ]);
    assert_eq!(code, 0, "{json}");
    for library in json["static_link"][0]["libraries"].as_array().unwrap() {
        assert_eq!(
            library["archive_found"], true,
            "{library}: is libc6-dev installed?"
        );
    }
}

/// The archive probe asks the real C compiler: a library nobody has is reported missing.
#[test]
fn check_reports_missing_static_archives() {
    if !go_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stream = r#"{"ImportPath": "example.com/app", "Name": "main", "Imports": ["example.com/c"]}
{"ImportPath": "example.com/c", "DepOnly": true, "Imports": ["C"], "CgoFiles": ["c.go"], "CgoLDFLAGS": ["-lnosuchlib_linkaudit", "-lresolv"]}
{"ImportPath": "runtime/cgo", "Standard": true, "DepOnly": true}
"#;
    let file = dir.path().join("c.json");
    std::fs::write(&file, stream).unwrap();
    let (code, json) = check_live(&["--input", file.to_str().unwrap()]);
    assert_eq!(
        code, 0,
        "a missing archive is reported, the system-library finding is a warning"
    );
    let libraries = json["static_link"][0]["libraries"].as_array().unwrap();
    let by_name = |name: &str| {
        libraries
            .iter()
            .find(|l| l["library"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("nosuchlib_linkaudit")["archive_found"], false);
    assert_eq!(by_name("resolv")["archive_found"], true);
    let text = audit(&["check", "--input", file.to_str().unwrap()]);
    assert!(text.stdout.contains("libnosuchlib_linkaudit.a MISSING: the link fails with `cannot find -lnosuchlib_linkaudit`"), "{}", text.stdout);
}

/// A GOOS/GOARCH the toolchain does not build for is bad input (exit 2, one line), with
/// either loader: `go env` and `go list` accept any value, only a build would refuse it.
#[test]
fn unknown_target_in_the_matrix_is_bad_input() {
    if !go_available() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("audit.toml");
    std::fs::write(
        &config,
        "[[build]]\ngoos = [\"linux\", \"linx\"]\ngoarch = [\"amd64\"]\ncgo = [\"off\"]\n",
    )
    .unwrap();
    for loader in ["native", "go-list"] {
        let run = audit(&[
            "check",
            "-C",
            "fixtures/go/myagent",
            "--config",
            config.to_str().unwrap(),
            "--loader",
            loader,
        ]);
        assert_eq!(run.code, 2, "{loader}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("unsupported GOOS/GOARCH pair linx/amd64"),
            "{loader}: {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "{loader}: no partial report: {}",
            run.stdout
        );
    }
    // A known one passes the check.
    let run = audit(&[
        "why",
        "plugin",
        "-C",
        "fixtures/go/myagent",
        "--goos",
        "darwin",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// audit.toml's build matrix: each configuration is loaded with the real go and reported.
#[test]
fn check_build_matrix_from_config() {
    if !go_available() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("audit.toml");
    std::fs::write(&config, "fail-on = \"error\"\n\n[[build]]\ngoos = [\"linux\"]\ncgo = [\"on\"]\ntags = [[], [\"osusergo\", \"netgo\", \"sqlite_omit_load_extension\", \"no_dynamic_plugins\"]]\n").unwrap();
    let (code, json) = check_live(&[
        "-C",
        "fixtures/go/myagent-fixed",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "the untagged configuration has findings");
    assert_eq!(json["configs"].as_array().unwrap().len(), 2);
    let labels: std::collections::BTreeSet<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fails"] == true)
        .map(|f| f["config"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels.len(),
        1,
        "only the untagged configuration has failing findings: {labels:?}"
    );
    assert!(labels.iter().next().unwrap().contains("tags=none"));
    assert_eq!(json["targets"].as_array().unwrap().len(), 2);
}
