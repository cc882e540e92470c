//! Bad input, table-driven: every reader (go list stream, go mod graph, cargo metadata, ELF,
//! audit.toml, rule files, flags) answers malformed input with exit 2 and one line on stderr
//! that names the input and what is wrong — never a panic (exit 101), never a partial answer
//! passed off as complete. The inputs are mutations of the real fixtures.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{audit, repo_path};

/// What a case expects.
struct Case {
    name: &'static str,
    /// The file's content (written to a temporary file named after the case).
    input: Vec<u8>,
    /// Arguments; `{file}` is the input's path, `{dir}` its directory.
    args: &'static [&'static str],
    code: i32,
    /// Substrings of the single stderr line.
    says: &'static [&'static str],
}

fn cargo_metadata() -> Value {
    let text =
        std::fs::read_to_string(repo_path("fixtures/cargo/pure-rust/recorded/metadata.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn json_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn mutated(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = cargo_metadata();
    f(&mut value);
    json_bytes(&value)
}

fn go_list() -> Vec<u8> {
    std::fs::read(repo_path("fixtures/go/pure/recorded/default.json")).unwrap()
}

fn elf() -> Vec<u8> {
    // A real ELF executable of this machine (the audit binary itself).
    std::fs::read(env!("CARGO_BIN_EXE_audit")).unwrap()
}

fn cases() -> Vec<Case> {
    let check: &'static [&'static str] = &["check", "--input", "{file}", "--no-archive-check"];
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(go_list());
    let mut twice = go_list();
    twice.extend(go_list());
    let mut deep = b"{\"ImportPath\": \"a\", \"Module\": ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 5000));
    let mut phnum = elf();
    // e_phnum (offset 56 in an ELF64 header) = PN_XNUM with no section 0 to hold the count.
    phnum[56] = 0xff;
    phnum[57] = 0xff;
    let mut no_load = elf();
    no_load[56] = 0;
    no_load[57] = 0;
    vec![
        Case {
            name: "empty",
            input: Vec::new(),
            args: check,
            code: 2,
            says: &["empty input"],
        },
        Case {
            name: "blank",
            input: b" \n\t\n".to_vec(),
            args: check,
            code: 2,
            says: &["empty input"],
        },
        Case {
            name: "json-array",
            input: b"[{\"ImportPath\": \"a\"}]".to_vec(),
            args: check,
            code: 2,
            says: &["a JSON array"],
        },
        Case {
            name: "binary",
            input: vec![0, 1, 2, 3, 0xff],
            args: check,
            code: 2,
            says: &["binary data"],
        },
        Case {
            name: "utf8-bom",
            input: bom,
            args: &["check", "--input", "{file}", "--no-archive-check", "--warn-only"],
            code: 0,
            says: &[],
        },
        Case {
            name: "truncated-object",
            input: b"{\"ImportPath\": \"a\", \"Imports\": [\"b\"".to_vec(),
            args: check,
            code: 2,
            says: &["truncated go list stream after 0 package(s)"],
        },
        Case {
            name: "no-import-path",
            input: b"{\"Name\": \"main\"}".to_vec(),
            args: check,
            code: 2,
            says: &["object 1 has no ImportPath"],
        },
        Case {
            name: "duplicate-package",
            input: twice,
            args: check,
            code: 2,
            says: &["appears twice"],
        },
        Case {
            name: "wrong-type",
            input: b"{\"ImportPath\": \"a\", \"Imports\": 5}".to_vec(),
            args: check,
            code: 2,
            says: &["not a go list -json stream"],
        },
        Case {
            name: "deep-nesting",
            input: deep,
            args: check,
            code: 2,
            says: &["deep-nesting"],
        },
        Case {
            name: "roots-match-nothing",
            input: go_list(),
            args: &["check", "--input", "{file}", "--roots", "example.com/nope/..."],
            code: 2,
            says: &["no package matches --roots example.com/nope/..."],
        },
        Case {
            name: "mod-graph-one-word",
            input: b"example.com/app\n".to_vec(),
            args: &["why", "--modules", "x", "--input", "{file}"],
            code: 2,
            says: &["mod-graph-one-word"],
        },
        Case {
            name: "cargo-version-2",
            input: mutated(|v| v["version"] = Value::from(2)),
            args: check,
            code: 2,
            says: &["format version 2"],
        },
        Case {
            name: "cargo-no-version",
            input: mutated(|v| {
                v.as_object_mut().unwrap().remove("version");
            }),
            args: check,
            code: 2,
            says: &["no \"version\": 1"],
        },
        Case {
            name: "cargo-node-unknown",
            input: mutated(|v| {
                v["resolve"]["nodes"][0]["id"] = Value::from("registry+x#ghost@1.0.0");
            }),
            args: check,
            code: 2,
            says: &["resolve node registry+x#ghost@1.0.0 is not among the packages"],
        },
        Case {
            name: "cargo-dep-unknown",
            input: mutated(|v| {
                let nodes = v["resolve"]["nodes"].as_array_mut().unwrap();
                let with_deps = nodes
                    .iter_mut()
                    .find(|n| !n["deps"].as_array().unwrap().is_empty())
                    .unwrap();
                with_deps["deps"][0]["pkg"] = Value::from("registry+x#ghost@1.0.0");
            }),
            args: check,
            code: 2,
            says: &["depends on registry+x#ghost@1.0.0, which is not among the packages"],
        },
        Case {
            name: "cargo-member-unknown",
            input: mutated(|v| {
                v["workspace_members"] = serde_json::json!(["path+file:///nowhere#ghost@0.1.0"]);
            }),
            args: check,
            code: 2,
            says: &["workspace member path+file:///nowhere#ghost@0.1.0 is not among the packages"],
        },
        Case {
            name: "cargo-no-members",
            input: mutated(|v| v["workspace_members"] = serde_json::json!([])),
            args: check,
            code: 2,
            says: &["the workspace has no members"],
        },
        Case {
            name: "cargo-duplicate-package",
            input: mutated(|v| {
                let first = v["packages"][0].clone();
                v["packages"].as_array_mut().unwrap().push(first);
            }),
            args: check,
            code: 2,
            says: &["is listed twice"],
        },
        Case {
            name: "cargo-duplicate-node",
            input: mutated(|v| {
                let first = v["resolve"]["nodes"][0].clone();
                v["resolve"]["nodes"].as_array_mut().unwrap().push(first);
            }),
            args: check,
            code: 2,
            says: &["resolve node", "listed twice"],
        },
        Case {
            name: "cargo-no-packages",
            input: mutated(|v| {
                v["packages"] = serde_json::json!([]);
                v["resolve"]["nodes"] = serde_json::json!([]);
            }),
            args: check,
            code: 2,
            says: &["workspace member", "not among the packages"],
        },
        Case {
            name: "cargo-keys-reordered",
            input: {
                let value = cargo_metadata();
                let mut text = String::from("{\"version\":1,");
                let object = value.as_object().unwrap();
                let rest: Vec<String> = object
                    .iter()
                    .filter(|(k, _)| *k != "version")
                    .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
                    .collect();
                text.push_str(&rest.join(","));
                text.push('}');
                text.into_bytes()
            },
            args: &["check", "--input", "{file}", "--no-archive-check", "--warn-only"],
            code: 0,
            says: &[],
        },
        Case {
            name: "cargo-no-resolve",
            input: mutated(|v| v["resolve"] = Value::Null),
            args: check,
            code: 2,
            says: &["no resolve graph"],
        },
        Case {
            name: "elf-phnum-xnum",
            input: phnum,
            args: &["binary", "{file}"],
            code: 2,
            says: &["elf-phnum-xnum", "malformed ELF"],
        },
        Case {
            name: "elf-no-segments",
            input: no_load,
            args: &["binary", "{file}"],
            code: 2,
            says: &["elf-no-segments", "no loadable segment"],
        },
        Case {
            name: "toml-bad-date",
            input: b"[[allow]]\nrule = \"go-net-cgo-resolver\"\nreason = \"x\"\nuntil = \"2026-02-30\"\n"
                .to_vec(),
            args: &[
                "check",
                "--input",
                "fixtures/go/pure/recorded/default.json",
                "--config",
                "{file}",
            ],
            code: 2,
            says: &["toml-bad-date", "2026-02 has 28 days"],
        },
        Case {
            name: "toml-unknown-key",
            input: b"fail_on = \"error\"\n".to_vec(),
            args: &[
                "check",
                "--input",
                "fixtures/go/pure/recorded/default.json",
                "--config",
                "{file}",
            ],
            code: 2,
            says: &["toml-unknown-key", "unknown field"],
        },
        Case {
            name: "toml-no-reason",
            input: b"[[allow]]\nrule = \"go-net-cgo-resolver\"\nreason = \" \"\n".to_vec(),
            args: &[
                "check",
                "--input",
                "fixtures/go/pure/recorded/default.json",
                "--config",
                "{file}",
            ],
            code: 2,
            says: &["needs a reason"],
        },
        Case {
            name: "ldflags-unterminated",
            input: go_list(),
            args: &["check", "--input", "{file}", "--ldflags", "-extldflags '-static"],
            code: 2,
            says: &["--ldflags", "unterminated"],
        },
    ]
}

fn fill(args: &[&str], file: &Path) -> Vec<String> {
    args.iter()
        .map(|a| {
            a.replace("{file}", file.to_str().unwrap())
                .replace("{dir}", file.parent().unwrap().to_str().unwrap())
        })
        .collect()
}

#[test]
fn bad_inputs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let file: PathBuf = dir.path().join(case.name);
        std::fs::write(&file, &case.input).unwrap();
        let args = fill(case.args, &file);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = audit(&refs);
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| !l.starts_with("audit: note:"))
            .collect();
        let ok = run.code == case.code
            && (case.code != 2 || lines.len() == 1)
            && case.says.iter().all(|s| run.stderr.contains(s));
        if !ok {
            failures.push(format!(
                "{}: exit {} (want {}), stderr: {}",
                case.name, run.code, case.code, run.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A rule directory may not silently replace a built-in rule or repeat an id; `rules check`
/// says both.
#[test]
fn rule_directories_cannot_shadow_silently() {
    let dir = tempfile::tempdir().unwrap();
    let builtin =
        std::fs::read_to_string(repo_path("queries/go/go-net-cgo-resolver.toml")).unwrap();
    std::fs::write(dir.path().join("go-net-cgo-resolver.toml"), &builtin).unwrap();
    let rules = dir.path().to_str().unwrap();
    let run = audit(&[
        "check",
        "--input",
        "fixtures/go/pure/recorded/default.json",
        "--rules",
        rules,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is a built-in rule's"),
        "{}",
        run.stderr
    );
    let lint = audit(&["rules", "check", rules]);
    assert_eq!(lint.code, 1, "{}{}", lint.stdout, lint.stderr);
    assert!(
        lint.stderr.contains("is a built-in rule's"),
        "{}",
        lint.stderr
    );
    // Saying so makes it a replacement.
    std::fs::write(
        dir.path().join("go-net-cgo-resolver.toml"),
        builtin.replacen(
            "ecosystem = \"go\"",
            "ecosystem = \"go\"\nreplaces_builtin = true",
            1,
        ),
    )
    .unwrap();
    let run = audit(&[
        "check",
        "--input",
        "fixtures/go/pure/recorded/default.json",
        "--rules",
        rules,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Two files with one id.
    let other = tempfile::tempdir().unwrap();
    let mine = builtin.replace("go-net-cgo-resolver", "go-my-net");
    std::fs::create_dir_all(other.path().join("a")).unwrap();
    std::fs::write(other.path().join("a/go-my-net.toml"), &mine).unwrap();
    std::fs::write(other.path().join("go-my-net.toml"), &mine).unwrap();
    let run = audit(&[
        "check",
        "--input",
        "fixtures/go/pure/recorded/default.json",
        "--rules",
        other.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("duplicate rule id go-my-net"),
        "{}",
        run.stderr
    );
}

/// No raw control or bidi character reaches text, HTML, SVG or GitHub annotations; a
/// backslash in a name is shown as `\\`, so it cannot pass for an escape.
#[test]
fn control_and_bidi_characters_never_reach_the_output_raw() {
    let input = "fixtures/hostile/controls.json";
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let outputs: Vec<(&str, String)> = vec![
        (
            "text",
            audit(&[
                "check",
                "--input",
                input,
                "--warn-only",
                "--no-archive-check",
            ])
            .stdout,
        ),
        (
            "github",
            audit(&[
                "check",
                "--input",
                input,
                "--warn-only",
                "--no-archive-check",
                "--format",
                "github",
            ])
            .stdout,
        ),
        ("why", audit(&["why", "cgo", "--input", input]).stdout),
        ("html", {
            let run = audit(&[
                "report",
                "--input",
                input,
                "--warn-only",
                "--no-archive-check",
                "-o",
                html.to_str().unwrap(),
                "--renderer",
                "builtin",
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            std::fs::read_to_string(&html).unwrap()
        }),
    ];
    for (format, text) in &outputs {
        assert!(!text.is_empty(), "{format}: no output");
        for c in text.chars() {
            let raw = (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
                || linkaudit::report::escape::is_bidi_control(c);
            assert!(!raw, "{format}: raw {:?} in the output", c);
        }
        assert!(text.contains("u{1b}"), "{format}: the ESC is not shown");
        assert!(
            text.contains("u{202e}"),
            "{format}: the bidi override is not shown"
        );
    }
    let text = &outputs[0].1;
    assert!(text.contains("txt.go\\\\nb"), "{text}");
    assert!(
        text.contains("lfoo") || text.contains("foo\\u{1b}"),
        "{text}"
    );
}

/// Every SARIF result of every recorded fixture meets GitHub code scanning's upload rules: a
/// location with a relative URI, and a rule id the run's driver lists.
#[test]
fn sarif_results_meet_code_scanning_upload_rules() {
    let mut inputs: Vec<PathBuf> = crate::support::recorded_streams();
    for extra in [
        "fixtures/cargo/pure-rust/recorded/metadata.json",
        "fixtures/cargo/rusqlite-system/recorded/metadata.json",
        "fixtures/cargo/reqwest-default/recorded/metadata.json",
        "fixtures/cargo/mixed-workspace/recorded/metadata.json",
        "fixtures/hostile/go-list.json",
    ] {
        inputs.push(repo_path(extra));
    }
    let mut checked = 0;
    for input in inputs {
        let run = audit(&[
            "check",
            "--input",
            input.to_str().unwrap(),
            "--format",
            "sarif",
            "--warn-only",
            "--no-archive-check",
        ]);
        assert_eq!(run.code, 0, "{}: {}", input.display(), run.stderr);
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        let run0 = &log["runs"][0];
        let ids: Vec<&str> = run0["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for result in run0["results"].as_array().unwrap() {
            let rule = result["ruleId"].as_str().unwrap();
            assert!(
                ids.contains(&rule),
                "{}: rule {rule} not in the driver",
                input.display()
            );
            let locations = result["locations"].as_array().unwrap();
            assert!(
                !locations.is_empty(),
                "{}: {rule} has no location",
                input.display()
            );
            let uri = locations[0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                !uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"),
                "{}: {rule}: URI {uri:?} is not relative",
                input.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} results checked");
}

/// An incomplete graph is said in SARIF (invocation notifications, run properties) and in
/// GitHub annotations, not only in text and JSON.
#[test]
fn incompleteness_reaches_sarif_and_github() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partial.json");
    // A recording without -deps: the imports are not in the input.
    std::fs::write(
        &file,
        b"{\"ImportPath\": \"example.com/app\", \"Name\": \"main\", \"GoFiles\": [\"main.go\"], \"Imports\": [\"net\"]}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let sarif = audit(&["check", "--input", path, "--format", "sarif", "--warn-only"]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["properties"]["incomplete"], true, "{}", sarif.stdout);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("incomplete graph:"),
        "{notes:?}"
    );
    let github = audit(&[
        "check",
        "--input",
        path,
        "--format",
        "github",
        "--warn-only",
    ]);
    assert!(
        github
            .stdout
            .lines()
            .any(|l| l.starts_with("::warning title=linkaudit%3A incomplete graph::")),
        "{}",
        github.stdout
    );
}

/// Text says how many chains it shows of how many.
#[test]
fn text_says_showing_k_of_n() {
    let run = audit(&[
        "check",
        "--input",
        "fixtures/go/myagent/recorded/default.json",
        "--warn-only",
        "--no-archive-check",
    ]);
    for line in run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("chains: "))
    {
        let count: u64 = line
            .trim_start()
            .trim_start_matches("chains: ")
            .split([' ', ';'])
            .next()
            .unwrap()
            .parse()
            .unwrap();
        if count > 3 {
            assert!(line.contains(&format!("(showing 3 of {count})")), "{line}");
        } else {
            assert!(!line.contains("showing"), "{line}");
        }
    }
}
