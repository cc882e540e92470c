//! Cargo projects: the crates on `audit why X` chains are exactly those `cargo tree -i X -e
//! normal --target T` prints (recorded, and live against the real cargo); the Rust rules'
//! findings and fixes on the fixture workspaces; a fixture built the way `audit fix` says is
//! static; a directory with go.mod and Cargo.toml gives one report.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::support::{audit, go_available, repo_path};

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Crate names@versions on our chains to `krate` (all chains: the counts are small).
fn our_chain_crates(fixture: &str, krate: &str, extra: &[&str]) -> BTreeSet<String> {
    let input = format!("fixtures/cargo/{fixture}/recorded/metadata.json");
    let mut args = vec![
        "why",
        krate,
        "--input",
        &input,
        "--format",
        "json",
        "--max-chains",
        "100000",
    ];
    args.extend_from_slice(extra);
    let run = audit(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let answer = &json["why"][0];
    assert_eq!(
        answer["truncated"], false,
        "{fixture} {krate}: raise --max-chains"
    );
    answer["chains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|chain| chain.as_array().unwrap().iter())
        .map(|id| id.as_str().unwrap().to_owned())
        .filter(|id| id != "std")
        .collect()
}

/// `name vX.Y.Z (...)` lines of `cargo tree --prefix none` → `name@X.Y.Z`.
fn tree_crates(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some(format!("{name}@{version}"))
        })
        .collect()
}

const CASES: &[(&str, &str)] = &[
    ("reqwest-default", "openssl-sys"),
    ("reqwest-default", "native-tls"),
    ("rusqlite-system", "libsqlite3-sys"),
    ("mixed-workspace", "libgit2-sys"),
    ("mixed-workspace", "libssh2-sys"),
    ("mixed-workspace", "libz-sys"),
    ("mixed-workspace", "openssl-sys"),
    ("mixed-workspace", "libloading"),
];

/// Against the recorded `cargo tree -i X -e normal --target T --prefix none --no-dedupe`.
#[test]
fn chain_crates_match_recorded_cargo_tree() {
    for (fixture, krate) in CASES {
        let recorded = std::fs::read_to_string(repo_path(&format!(
            "fixtures/cargo/{fixture}/recorded/cargo-tree-{krate}.txt"
        )))
        .unwrap();
        assert_eq!(
            our_chain_crates(fixture, krate, &[]),
            tree_crates(&recorded),
            "{fixture}: {krate}"
        );
    }
}

/// Cargo's absolute `(/path/of/crate)` suffixes, relative to the workspace root as
/// `--format tree` prints them.
fn relative_paths(tree: &str, root: &str) -> String {
    let mut out = String::new();
    for line in tree.lines() {
        let line = match (line.find(" (/"), line.rfind(')')) {
            (Some(open), Some(close)) if close > open => {
                let path = &line[open + 2..close];
                let relative = path
                    .strip_prefix(root)
                    .map(|p| p.trim_start_matches('/'))
                    .unwrap_or(path);
                let shown = if relative.is_empty() { "." } else { relative };
                format!("{} ({shown}){}", &line[..open], &line[close + 1..])
            }
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `audit why X --format tree` is byte for byte what `cargo tree -i X -e normal --target T`
/// printed (paths made relative), for every non-empty recording: the glyphs, the order, the
/// `(*)` of repeated subtrees and `(proc-macro)`.
#[test]
fn tree_format_matches_recorded_cargo_tree_layout() {
    let mut compared = 0;
    for fixture in [
        "member-feature",
        "mixed-workspace",
        "reqwest-default",
        "rusqlite-system",
    ] {
        let dir = repo_path(&format!("fixtures/cargo/{fixture}/recorded"));
        let metadata: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("metadata.json")).unwrap())
                .unwrap();
        let root = metadata["workspace_root"].as_str().unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with("cargo-tree-") && name.ends_with(".default.txt"))
            .filter(|name| !name.starts_with("cargo-tree-features-"))
            .collect();
        files.sort();
        for file in files {
            let recorded = std::fs::read_to_string(dir.join(&file)).unwrap();
            if recorded.trim().is_empty() {
                continue;
            }
            let krate = &file["cargo-tree-".len()..file.len() - ".default.txt".len()];
            let input = dir.join("metadata.json");
            let mut args = vec![
                "why",
                krate,
                "--input",
                input.to_str().unwrap(),
                "--format",
                "tree",
            ];
            // A proc-macro runs on the host: it is in the graph only with --host-deps.
            if recorded.contains("(proc-macro)") {
                args.push("--host-deps");
            }
            let run = audit(&args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert_eq!(
                run.stdout,
                relative_paths(&recorded, root),
                "{fixture}: {krate}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} recordings compared");
    // The `(*)` case is among them (libz-sys: libgit2-sys is reached twice).
    let libz = std::fs::read_to_string(repo_path(
        "fixtures/cargo/mixed-workspace/recorded/cargo-tree-libz-sys.default.txt",
    ))
    .unwrap();
    assert!(libz.contains("(*)"));
}

/// Live: `audit why A B --format tree` on the live `cargo metadata` is what the real
/// `cargo tree -i A -i B -e normal --target T` prints (several targets share one memory of
/// expanded subtrees, as in cargo).
#[test]
fn tree_format_matches_live_cargo_tree() {
    let dir = repo_path("fixtures/cargo/mixed-workspace");
    let ours = audit(&[
        "why",
        "libz-sys",
        "openssl-sys",
        "-C",
        dir.to_str().unwrap(),
        "--ecosystem",
        "cargo",
        "--target",
        TARGET,
        "--format",
        "tree",
    ]);
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    let output = Command::new("cargo")
        .args([
            "tree",
            "-i",
            "libz-sys",
            "-i",
            "openssl-sys",
            "-e",
            "normal",
            "--target",
            TARGET,
        ])
        .current_dir(&dir)
        .output()
        .expect("cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs = String::from_utf8_lossy(&output.stdout);
    let root = dir.canonicalize().unwrap();
    assert_eq!(ours.stdout, relative_paths(&theirs, root.to_str().unwrap()));
    assert!(ours.stdout.contains("(*)"), "{}", ours.stdout);
}

/// Live: the real `cargo tree` on the fixture workspaces.
#[test]
fn chain_crates_match_live_cargo_tree() {
    for (fixture, krate) in CASES {
        let output = Command::new("cargo")
            .args([
                "tree",
                "-i",
                krate,
                "-e",
                "normal",
                "--target",
                TARGET,
                "--prefix",
                "none",
                "--no-dedupe",
            ])
            .current_dir(repo_path(&format!("fixtures/cargo/{fixture}")))
            .output()
            .expect("cargo tree");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let live = tree_crates(&String::from_utf8_lossy(&output.stdout));
        assert_eq!(
            our_chain_crates(fixture, krate, &[]),
            live,
            "{fixture}: {krate}"
        );
    }
}

/// Weak features (`dep?/feat`) put crates in cargo metadata's resolve that nothing builds
/// (rust-lang/cargo#10801): they are not in the graph, as they are not in cargo tree.
#[test]
fn weak_feature_crates_are_not_in_the_graph() {
    let run = audit(&[
        "why",
        "hyper-rustls",
        "rustls",
        "--input",
        "fixtures/cargo/reqwest-default/recorded/metadata.json",
    ]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("(workspace binaries do not need hyper-rustls)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(workspace binaries do not need rustls)"),
        "{}",
        run.stdout
    );
}

/// Build-dependencies and proc-macros run on the host: kept apart unless --host-deps; then
/// the chain to a proc-macro is cargo tree's.
#[test]
fn host_dependencies_are_kept_apart() {
    let run = audit(&[
        "why",
        "serde_derive",
        "cc",
        "--input",
        "fixtures/cargo/mixed-workspace/recorded/metadata.json",
    ]);
    assert!(
        run.stdout
            .contains("(workspace binaries do not need serde_derive)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(workspace binaries do not need cc)"),
        "{}",
        run.stdout
    );
    let with_host = our_chain_crates("mixed-workspace", "serde_derive", &["--host-deps"]);
    let recorded = std::fs::read_to_string(repo_path(
        "fixtures/cargo/mixed-workspace/recorded/cargo-tree-serde_derive.txt",
    ))
    .unwrap();
    assert_eq!(with_host, tree_crates(&recorded));
}

/// A recording made without --filter-platform: cfg(windows) dependencies are evaluated for the
/// target and dropped.
#[test]
fn unfiltered_metadata_is_filtered_for_the_target() {
    let filtered = our_chain_crates("mixed-workspace", "libloading", &[]);
    let input = "fixtures/cargo/mixed-workspace/recorded/metadata-unfiltered.json";
    let run = audit(&[
        "why",
        "winapi",
        "libloading",
        "--input",
        input,
        "--format",
        "json",
        "--target",
        TARGET,
    ]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["why"][0]["reachable"], false, "winapi is cfg(windows)");
    let unfiltered: BTreeSet<String> = json["why"][1]["chains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(unfiltered, filtered);
}

fn check_json(fixture: &str) -> Value {
    let input = format!("fixtures/cargo/{fixture}/recorded/metadata.json");
    let run = audit(&[
        "check",
        "--input",
        &input,
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// reqwest's default TLS: the openssl-sys finding is explained by reqwest's, whose fix names
/// rustls-tls (and turns default-tls off, keeping reqwest's other defaults).
#[test]
fn reqwest_default_tls_fix_is_rustls() {
    let json = check_json("reqwest-default");
    let findings = json["findings"].as_array().unwrap();
    let explaining = findings
        .iter()
        .find(|f| {
            f["explains"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e[1].as_str().unwrap().starts_with("openssl-sys@"))
        })
        .unwrap_or_else(|| panic!("no finding explains openssl-sys: {findings:#?}"));
    assert_eq!(explaining["package"], "reqwest@0.12.28");
    let edit = &explaining["fix"]["cargo_edit"];
    assert_eq!(edit["member"], "fetcher");
    assert_eq!(edit["no_default_features"], true);
    let features: Vec<String> = serde_json::from_value(edit["features"].clone()).unwrap();
    assert!(features.contains(&"rustls-tls".to_owned()), "{features:?}");
    assert!(!features.contains(&"default-tls".to_owned()));
    assert!(
        features.contains(&"blocking".to_owned()),
        "the member's own features are kept: {features:?}"
    );
    assert!(
        edit["command"]
            .as_str()
            .unwrap()
            .starts_with("cargo add reqwest --no-default-features --features ")
    );
    assert_eq!(json["targets"][0]["linkage"], "dynamic");
}

/// rusqlite without bundled: the libsqlite3-sys finding's fix is rusqlite's bundled feature.
#[test]
fn rusqlite_system_fix_is_bundled() {
    let json = check_json("rusqlite-system");
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["package"]
                .as_str()
                .unwrap()
                .starts_with("libsqlite3-sys@")
        })
        .expect("a libsqlite3-sys finding");
    let edit = &finding["fix"]["cargo_edit"];
    assert_eq!(edit["dependency"], "rusqlite");
    assert_eq!(edit["features"], serde_json::json!(["bundled"]));
    assert_eq!(
        edit["command"],
        "cargo add rusqlite --features bundled -p notes"
    );
    assert_eq!(
        edit["via"],
        serde_json::json!(["rusqlite/bundled", "libsqlite3-sys/bundled"])
    );
}

#[test]
fn pure_rust_is_dynamic_only_through_the_glibc_target() {
    let json = check_json("pure-rust");
    assert_eq!(json["targets"][0]["linkage"], "dynamic");
    assert!(
        json["targets"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("std"),
        "{}",
        json["targets"]
    );
    let errors = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(errors, 0);
    let run = audit(&[
        "check",
        "--input",
        "fixtures/cargo/pure-rust/recorded/metadata.json",
        "--crt-static",
        "--format",
        "json",
        "--no-archive-check",
    ]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["targets"][0]["linkage"], "static",
        "{}",
        json["targets"]
    );
}

/// The fixture built the way `audit fix` says (the cargo add edit and +crt-static) is static,
/// as `audit binary` (and `file`) confirm.
#[test]
fn rusqlite_fixed_build_is_static() {
    let fix = audit(&[
        "fix",
        "-C",
        "fixtures/cargo/rusqlite-system",
        "--format",
        "json",
    ]);
    assert_eq!(fix.code, 0, "{}{}", fix.stdout, fix.stderr);
    let json: Value = serde_json::from_str(&fix.stdout).unwrap();
    assert_eq!(
        json["cargo_fix"]["edits"],
        serde_json::json!(["cargo add rusqlite --features bundled -p notes"])
    );
    assert!(
        json["cargo_fix"]["command"]
            .as_str()
            .unwrap()
            .contains("RUSTFLAGS=\"-C target-feature=+crt-static\"")
    );
    let keep = tempfile::tempdir().unwrap();
    let verify = audit(&[
        "verify",
        "-C",
        "fixtures/cargo/rusqlite-system",
        "--keep",
        keep.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    let binary = keep.path().join("notes");
    let inspected = audit(&["binary", binary.to_str().unwrap(), "--format", "json"]);
    let json: Value = serde_json::from_str(&inspected.stdout).unwrap();
    assert_eq!(json["linkage"], "static-pie");
    assert!(json["needed"].as_array().unwrap().is_empty());
    if let Ok(file) = Command::new("file").arg(&binary).output() {
        assert!(String::from_utf8_lossy(&file.stdout).contains("static-pie linked"));
    }
}

/// A directory with both go.mod and Cargo.toml is audited as both, in one output.
#[test]
fn mixed_repository_gives_one_report() {
    if !go_available() {
        return;
    }
    let run = audit(&[
        "check",
        "-C",
        "fixtures/mixed",
        "--format",
        "json",
        "--no-archive-check",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let ecosystems: BTreeSet<&str> = json["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(ecosystems, BTreeSet::from(["go", "cargo"]));
    let targets: BTreeSet<&str> = json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["package"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from(["example.com/mixed/cmd/whoami", "greeter@0.1.0"])
    );
    let why = audit(&["why", "os/user", "std", "-C", "fixtures/mixed"]);
    assert_eq!(why.code, 0);
    assert_eq!(why.stdout.matches("# config:").count(), 2, "{}", why.stdout);
}

/// The features a fix proposes, as (crate, feature): a `cargo add CRATE --features F` edit or
/// a member's own `--features MEMBER/F`.
fn proposed_features(fix: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for change in fix["changes"].as_array().unwrap() {
        let key = change["change"]["key"].as_str().unwrap();
        if let Some(command) = key.strip_prefix("cargo:") {
            let words: Vec<&str> = command.split_whitespace().collect();
            let krate = words[2].to_owned();
            if let Some(i) = words.iter().position(|w| *w == "--features") {
                for feature in words[i + 1].split(',') {
                    out.push((krate.clone(), feature.to_owned()));
                }
            }
        } else if let Some(feature) = key.strip_prefix("feature:") {
            let (member, name) = feature.split_once('/').unwrap();
            out.push((member.to_owned(), name.to_owned()));
        }
    }
    out
}

/// On every real Cargo fixture: each proposed feature exists in that crate's manifest and is
/// neither private nor test-only, and the re-resolved graph no longer has the system-library
/// finding it was proposed for.
#[test]
fn cargo_fixes_use_real_public_features() {
    let mut checked = 0;
    for fixture in [
        "rusqlite-system",
        "reqwest-default",
        "member-feature",
        "mixed-workspace",
        "pure-rust",
    ] {
        let dir = format!("fixtures/cargo/{fixture}");
        let run = audit(&["fix", "-C", &dir, "--format", "json"]);
        assert!(run.code <= 1, "{fixture}: {}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        let fix = &json["cargo_fix"];
        let metadata: Value = serde_json::from_str(
            &std::fs::read_to_string(repo_path(&format!("{dir}/recorded/metadata.json"))).unwrap(),
        )
        .unwrap();
        for (krate, feature) in proposed_features(fix) {
            let package = metadata["packages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == krate.as_str())
                .unwrap_or_else(|| panic!("{fixture}: no crate {krate}"));
            assert!(
                package["features"].get(&feature).is_some(),
                "{fixture}: {krate} has no feature {feature}"
            );
            assert!(
                !linkaudit::analyze::cargo_fix::is_internal_feature(&feature),
                "{fixture}: {krate}/{feature} is private or test-only"
            );
            checked += 1;
        }
        let remaining: Vec<&str> = fix["remaining"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        for removed in fix["removed"].as_array().unwrap() {
            let rule = removed["rule"].as_str().unwrap();
            assert!(
                !remaining.contains(&rule),
                "{fixture}: {rule} removed and remaining"
            );
        }
        for change in fix["changes"].as_array().unwrap() {
            if change["change"]["key"]
                .as_str()
                .unwrap()
                .starts_with("rustflags:")
                || change["change"]["key"]
                    .as_str()
                    .unwrap()
                    .starts_with("env:")
            {
                continue;
            }
            assert!(
                !change["removed"].as_array().unwrap().is_empty(),
                "{fixture}: {change} removed nothing on the re-resolved graph"
            );
        }
    }
    assert!(checked >= 3, "only {checked} features checked");
}

/// A crate with its own switch for the bundled library (diesel_cli's `sqlite-bundled`): the
/// fix is that switch, never the private test feature that would do the same.
#[test]
fn the_member_s_own_feature_is_the_fix() {
    let run = audit(&[
        "fix",
        "-C",
        "fixtures/cargo/member-feature",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let fix = &json["cargo_fix"];
    assert_eq!(
        proposed_features(fix),
        vec![("dbcli".to_owned(), "sqlite-bundled".to_owned())]
    );
    assert!(
        fix["command"]
            .as_str()
            .unwrap()
            .ends_with("--features dbcli/sqlite-bundled"),
        "{fix}"
    );
    assert!(fix["edits"].as_array().unwrap().is_empty(), "{fix}");
}

/// `.cargo/config.toml` rustflags decide crt-static as cargo reads them, and the report says
/// where it came from.
#[test]
fn cargo_config_rustflags_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("pure-rust");
    std::fs::create_dir_all(copy.join("src")).unwrap();
    for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        std::fs::copy(
            repo_path(&format!("fixtures/cargo/pure-rust/{file}")),
            copy.join(file),
        )
        .unwrap();
    }
    std::fs::create_dir_all(copy.join(".cargo")).unwrap();
    std::fs::write(
        copy.join(".cargo/config.toml"),
        "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"target-feature=+crt-static\"]\n",
    )
    .unwrap();
    let run = crate::support::audit_command(&[
        "check",
        "-C",
        copy.to_str().unwrap(),
        "--format",
        "json",
        "--warn-only",
        "--no-archive-check",
    ])
    .env_remove("RUSTFLAGS")
    .env_remove("CARGO_ENCODED_RUSTFLAGS")
    .env_remove("CARGO_BUILD_RUSTFLAGS")
    .output()
    .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["config"]["crt_static"], true, "{}", json["config"]);
    assert!(
        json["config"]["crt_static_from"]
            .as_str()
            .unwrap()
            .contains(".cargo/config.toml [target.x86_64-unknown-linux-gnu] rustflags"),
        "{}",
        json["config"]
    );
    assert_eq!(json["targets"][0]["linkage"], "static");
}

/// `--features` reaches cargo (a feature that does not exist is cargo's error, exit 2), and a
/// library-only crate says that its roots are libraries.
#[test]
fn cargo_feature_flags_and_library_roots() {
    let run = audit(&[
        "check",
        "-C",
        "fixtures/cargo/member-feature",
        "--features",
        "sqlite-bundled",
        "--format",
        "json",
        "--warn-only",
        "--no-archive-check",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        !json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "rust-libsqlite3-sys-system"),
        "with sqlite-bundled the system library is not linked: {}",
        json["findings"]
    );
    let bad = audit(&[
        "check",
        "-C",
        "fixtures/cargo/member-feature",
        "--features",
        "nope",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("nope"), "{}", bad.stderr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"onlylib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let lib = audit(&["check", "-C", dir.path().to_str().unwrap(), "--warn-only"]);
    assert_eq!(lib.code, 0, "{}", lib.stderr);
    assert!(
        lib.stderr
            .contains("no workspace member has a binary target"),
        "{}",
        lib.stderr
    );
}

/// A -sys crate that builds its bundled copy when pkg-config finds no system library is not
/// reported as linking one (nor as a missing archive): the rule asks this machine's
/// pkg-config, and the answer is checked against pkg-config itself.
#[test]
fn sys_crates_fall_back_to_their_bundled_copy() {
    let run = audit(&[
        "check",
        "-C",
        "fixtures/cargo/mixed-workspace",
        "--format",
        "json",
        "--warn-only",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let found = Command::new("pkg-config")
        .args(["--exists", "libgit2"])
        .status()
        .map(|s| s.success())
        .ok();
    let fired = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "rust-libgit2-sys-system");
    let missing = json["static_link"][0]["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["library"] == "git2" && l["archive_found"] == false);
    match found {
        Some(false) => {
            assert_eq!(json["config"]["pkg_config"]["libgit2"], false);
            assert!(
                !fired,
                "libgit2-sys builds its bundled copy here: {}",
                json["findings"]
            );
            assert!(!missing, "{}", json["static_link"]);
        }
        Some(true) => assert!(fired, "{}", json["findings"]),
        None => assert!(fired, "pkg-config cannot be asked: the rule holds"),
    }
}
