//! Truth of `check`, `fix` and `verify` on real modules from the Go module proxy, one fixture
//! per class of error seen on real projects (`fixtures/go/README.md`): a `!cgo` stub the
//! program cannot compile against (stub-compile), a cgo-only importer with a `!cgo` fallback
//! (nocgo-fallback), a dependency with its own dlopen opt-out tag (dlopen-opt-out), a fork of
//! a catalogued module (sqlcipher-fork), a dependency with nothing to build without cgo
//! (cgo-only), a recording without module versions (gopath-containerd). Every verdict the
//! tool gives about a build is checked against that build: `go list` under the same
//! configuration, `go build`, `readelf`.
//!
//! The live tests need `go` and a C toolchain with static glibc; in CI (`CI=true`) they run.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{audit, audit_command, go_available, repo_path};

fn json(args: &[&str], code: i32) -> Value {
    let run = audit(args);
    assert_eq!(
        run.code, code,
        "audit {args:?}:\n{}{}",
        run.stdout, run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn fixture(name: &str) -> String {
    format!("fixtures/go/{name}")
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The text of `audit fix` from its proposal on (the config line names this machine's
/// GOFLAGS; the count of loads is in the JSON).
fn fix_text(name: &str) -> String {
    let dir = fixture(name);
    let run = audit(&["fix", "-C", &dir]);
    assert!(
        run.code == 0 || run.code == 1,
        "{}{}",
        run.stdout,
        run.stderr
    );
    let start = run.stdout.find("proposal:").expect("a proposal");
    run.stdout[start..].to_owned()
}

// ---------------------------------------------------------------- recordings (no `go`)

/// GOPATH mode has no module versions: the version-gated containerd rule matches on the
/// package's files and imports, says so, and keeps its `static_build` fix.
#[test]
fn a_recording_without_versions_matches_on_file_evidence() {
    let json = json(
        &[
            "check",
            "--input",
            "fixtures/go/gopath-containerd/recorded/default.json",
            "--format",
            "json",
            "--no-archive-check",
            "--warn-only",
        ],
        0,
    );
    let findings = json["findings"].as_array().unwrap();
    let plugin = findings
        .iter()
        .find(|f| f["package"] == "github.com/containerd/containerd/plugin")
        .expect("the containerd plugin finding");
    assert_eq!(
        plugin["rule"],
        "go-containerd-dynamic-plugins-before-1-7-25"
    );
    assert!(plugin["version"].is_null(), "{plugin}");
    assert!(
        strings(&plugin["notes"])
            .iter()
            .any(|n| n.starts_with("module version unknown")),
        "{plugin}"
    );
    assert_eq!(plugin["fix"]["tags"], serde_json::json!(["static_build"]));
    // One rule speaks for the package, not both version ranges.
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["package"] == "github.com/containerd/containerd/plugin")
            .count(),
        1
    );
}

/// go-systemd's internal/dlopen has only cgo files: under CGO_ENABLED=0 the program does not
/// build, and the verdict says which package and through which chain.
#[test]
fn a_dependency_without_go_files_does_not_build() {
    let json = json(
        &[
            "check",
            "--input",
            "fixtures/go/cgo-only/recorded/cgo-off.json",
            "--cgo",
            "off",
            "--format",
            "json",
            "--no-archive-check",
            "--warn-only",
        ],
        0,
    );
    let target = &json["targets"][0];
    assert_eq!(target["linkage"], "does-not-build", "{target}");
    let reason = target["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("github.com/coreos/go-systemd/v22/internal/dlopen does not build")
            && reason.contains("build constraints exclude all Go files")
            && reason.contains("example.com/cgo-only/cmd/journal > github.com/coreos/go-systemd/v22/sdjournal > github.com/coreos/go-systemd/v22/internal/dlopen"),
        "{reason}"
    );
}

/// go-sqlcipher is recognised as a fork of mattn/go-sqlite3 by its files.
#[test]
fn a_fork_gets_the_catalogued_rules() {
    let json = json(
        &[
            "check",
            "--input",
            "fixtures/go/sqlcipher-fork/recorded/default.json",
            "--format",
            "json",
            "--no-archive-check",
            "--warn-only",
        ],
        0,
    );
    let findings = json["findings"].as_array().unwrap();
    let load = findings
        .iter()
        .find(|f| f["rule"] == "go-sqlite3-load-extension")
        .expect("the load-extension rule fires on the fork");
    assert_eq!(load["package"], "github.com/mutecomm/go-sqlcipher/v4");
    assert!(
        strings(&load["notes"])
            .iter()
            .any(|n| n.starts_with("fork of github.com/mattn/go-sqlite3: ")),
        "{load}"
    );
    assert_eq!(
        load["fix"]["tags"],
        serde_json::json!(["sqlite_omit_load_extension"])
    );
    // Under CGO_ENABLED=0 the fork's static_mock.go makes it a stub, as the original.
    let off = self::json(
        &[
            "check",
            "--input",
            "fixtures/go/sqlcipher-fork/recorded/cgo-off.json",
            "--cgo",
            "off",
            "--format",
            "json",
            "--no-archive-check",
            "--warn-only",
        ],
        0,
    );
    assert!(
        off["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "go-sqlite3-cgo-disabled-stub"
                && f["package"] == "github.com/mutecomm/go-sqlcipher/v4"),
        "{off}"
    );
}

/// The verdict follows the linker: `-extldflags -static` alone links externally only when a
/// package outside the linker's internal list brings C objects; `-linkmode internal` cannot
/// link go-sqlite3.
#[test]
fn verdicts_follow_go_s_linker_on_recordings() {
    let verdict = |input: &str, ldflags: &str| -> (String, Vec<String>) {
        let json = json(
            &[
                "check",
                "--input",
                input,
                "--ldflags",
                ldflags,
                "--format",
                "json",
                "--no-archive-check",
                "--warn-only",
            ],
            0,
        );
        (
            json["targets"][0]["linkage"].as_str().unwrap().to_owned(),
            strings(&json["targets"][0]["reasons"]),
        )
    };
    let sqlite = "fixtures/go/myagent-fixed/recorded/tags-all4.json";
    assert_eq!(
        verdict(sqlite, "-extldflags '-static'").0,
        "static-external"
    );
    assert_eq!(
        verdict(sqlite, "-linkmode external -extldflags '-static'").0,
        "static-external"
    );
    let (internal, reasons) = verdict(sqlite, "-linkmode internal -extldflags '-static'");
    assert_eq!(internal, "does-not-build");
    assert!(reasons[0].contains("unexpected R_X86_64_64"), "{reasons:?}");
    // net and os/user only: internal linking, -extldflags ignored.
    let std_only = "fixtures/rules/go-net-cgo-resolver/positive.json";
    let (linkage, reasons) = verdict(std_only, "-extldflags '-static'");
    assert_eq!(linkage, "dynamic");
    assert!(
        reasons.iter().any(|r| r.contains("has no effect")),
        "{reasons:?}"
    );
    assert_eq!(
        verdict(std_only, "-linkmode external -extldflags '-static'").0,
        "static-external"
    );
}

/// Findings hold actions in `fix`; what CGO_ENABLED=0 does is its own field and line.
#[test]
fn consequences_are_not_fixes() {
    let input = "fixtures/go/myagent/recorded/default.json";
    let json = json(
        &[
            "check",
            "--input",
            input,
            "--format",
            "json",
            "--no-archive-check",
            "--warn-only",
        ],
        0,
    );
    let sqlite = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "go-sqlite3-cgo")
        .cloned()
        .expect("the go-sqlite3 note");
    let text = audit(&[
        "check",
        "--input",
        input,
        "--no-archive-check",
        "--warn-only",
    ])
    .stdout;
    for line in text.lines().filter(|l| l.trim_start().starts_with("fix:")) {
        assert!(
            !line.contains("CGO_ENABLED=0 turns") && !line.contains("fails to build"),
            "{line}"
        );
    }
    assert_eq!(sqlite["cgo_off"], "stub", "{sqlite}");
    assert!(sqlite["fix"].get("cgo_off").is_none(), "{sqlite}");
    assert!(
        text.contains("with CGO_ENABLED=0: the package becomes a stub"),
        "{text}"
    );
}

// ---------------------------------------------------------------- live: fix on each class

/// A `!cgo` stub the program cannot compile against: the graph says CGO_ENABLED=0 builds (the
/// stub rule is allowed in audit.toml), the compile check says it does not, and the plan
/// keeps cgo.
#[test]
fn fix_compiles_the_no_cgo_candidate() {
    if !go_available() {
        return;
    }
    let dir = fixture("stub-compile");
    let json = json(&["fix", "-C", &dir, "--format", "json"], 0);
    let fix = &json["fix"];
    assert_eq!(fix["route"], "cgo", "{fix}");
    let no_cgo = &fix["alternatives"][0];
    assert_eq!(no_cgo["route"], "no-cgo");
    assert_eq!(no_cgo["compile"]["ok"], false);
    let blocker = &no_cgo["blockers"][0];
    assert_eq!(blocker["package"], "github.com/mattn/go-sqlite3");
    assert_eq!(blocker["outcome"], "compile");
    assert!(
        blocker["reason"]
            .as_str()
            .unwrap()
            .contains("example.com/stub-compile/cmd/dbinfo uses sqlite3.Version"),
        "{blocker}"
    );
    insta::assert_snapshot!(fix_text("stub-compile"));
}

/// A cgo-only importer with a `!cgo` fallback: go-sqlite3 is not in the CGO_ENABLED=0 build,
/// so it cannot block it; the plan is CGO_ENABLED=0 and says what that swaps.
#[test]
fn fix_judges_cgo_off_on_its_own_graph() {
    if !go_available() {
        return;
    }
    let dir = fixture("nocgo-fallback");
    let json = json(&["fix", "-C", &dir, "--format", "json"], 0);
    let fix = &json["fix"];
    assert_eq!(fix["route"], "no-cgo", "{fix}");
    assert_eq!(fix["cgo_enabled"], false);
    assert!(fix["blockers"].as_array().unwrap().is_empty());
    assert_eq!(fix["compile"]["ok"], true);
    let changes = fix["no_cgo_changes"].as_array().unwrap();
    let find = |package: &str| {
        changes
            .iter()
            .find(|c| c["package"] == package)
            .map(|c| strings(&c["changes"]).join("; "))
            .unwrap_or_default()
    };
    assert_eq!(
        find("github.com/mattn/go-sqlite3"),
        "removed from the build"
    );
    assert_eq!(find("go.etcd.io/bbolt"), "added to the build");
    assert!(
        find("example.com/nocgo-fallback/internal/store").contains("+go files store_nocgo.go"),
        "{changes:?}"
    );
    insta::assert_snapshot!(fix_text("nocgo-fallback"));
}

/// A dependency with its own opt-out tag the catalog does not know: the tag is read from the
/// source, tested by re-loading, and the build is then static without a dlopen warning.
#[test]
fn fix_discovers_an_opt_out_tag() {
    if !go_available() {
        return;
    }
    let dir = fixture("dlopen-opt-out");
    let json = json(&["fix", "-C", &dir, "--format", "json"], 0);
    let fix = &json["fix"];
    assert_eq!(fix["route"], "cgo", "{fix}");
    let change = fix["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["key"] == "tag:static")
        .expect("the discovered tag");
    let origin = &change["origins"][0];
    assert_eq!(origin["kind"], "discovered");
    assert_eq!(
        origin["package"],
        "github.com/DataDog/datadog-agent/pkg/util/system"
    );
    assert_eq!(origin["file"], "dlopen_linux.go");
    assert_eq!(origin["constraint"], "linux && cgo && !static");
    assert_eq!(origin["evidence"], serde_json::json!(["-ldl", "dlopen"]));
    assert!(fix["static_link_warnings"].as_array().unwrap().is_empty());
    assert_eq!(fix["predicted"], "static");
    insta::assert_snapshot!(fix_text("dlopen-opt-out"));
}

/// A fork of mattn/go-sqlite3 gets the original's tags, and CGO_ENABLED=0 is blocked by its
/// stub.
#[test]
fn fix_treats_a_fork_like_the_original() {
    if !go_available() {
        return;
    }
    let dir = fixture("sqlcipher-fork");
    let json = json(&["fix", "-C", &dir, "--format", "json"], 0);
    let fix = &json["fix"];
    assert_eq!(fix["route"], "cgo", "{fix}");
    assert_eq!(
        fix["added_tags"],
        serde_json::json!(["sqlite_omit_load_extension"])
    );
    let notes = fix["changes"][0]["origins"][0]["notes"].to_string();
    assert!(
        notes.contains("fork of github.com/mattn/go-sqlite3"),
        "{notes}"
    );
    assert_eq!(fix["alternatives"][0]["blockers"][0]["outcome"], "stub");
    insta::assert_snapshot!(fix_text("sqlcipher-fork"));
}

/// Nothing to build without cgo: the no-cgo route fails, from the CGO_ENABLED=0 graph.
#[test]
fn fix_reads_failures_from_the_no_cgo_graph() {
    if !go_available() {
        return;
    }
    let dir = fixture("cgo-only");
    let json = json(&["fix", "-C", &dir, "--format", "json"], 1);
    let fix = &json["fix"];
    assert_eq!(fix["route"], "cgo");
    let blocker = &fix["alternatives"][0]["blockers"][0];
    assert_eq!(
        blocker["package"],
        "github.com/coreos/go-systemd/v22/internal/dlopen"
    );
    assert_eq!(blocker["outcome"], "fails");
    // sdjournal dlopens libsystemd: a static link keeps warning, and fix says so (exit 1).
    assert_eq!(fix["predicted"], "not-static");
    assert!(
        strings(&fix["static_link_warnings"])
            .iter()
            .any(|w| w.starts_with("dlopen")),
        "{fix}"
    );
    insta::assert_snapshot!(fix_text("cgo-only"));
}

/// The CGO_ENABLED=0 packages of a plan's no-cgo route (chosen or alternative).
fn no_cgo_route(fix: &Value) -> Option<Value> {
    if fix["route"] == "no-cgo" {
        return Some(fix.clone());
    }
    fix["alternatives"]
        .as_array()?
        .iter()
        .find(|a| a["route"] == "no-cgo")
        .cloned()
}

/// `go list` of a route's build, run by the real go: the packages of that build, and the
/// main packages `./...` matches under it.
fn go_list(dir: &Path, route: &Value) -> (Vec<String>, Vec<String>) {
    let tags = strings(&route["tags"]).join(",");
    let cgo = if route["cgo_enabled"] == true {
        "1"
    } else {
        "0"
    };
    let list = |args: &[&str]| -> Vec<String> {
        let out = Command::new("go")
            .args(args)
            .current_dir(dir)
            .env("CGO_ENABLED", cgo)
            .env("GOWORK", "off")
            .output()
            .expect("go list");
        assert!(
            out.status.success(),
            "go {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let patterns = strings(&route["patterns"]);
    let mut args = vec![
        "list",
        "-e",
        "-deps",
        "-f",
        "{{.ImportPath}}",
        "-tags",
        &tags,
    ];
    args.extend(patterns.iter().map(String::as_str));
    let deps = list(&args);
    let mains = list(&[
        "list",
        "-e",
        "-f",
        "{{.ImportPath}}",
        "-tags",
        &tags,
        "./...",
    ]);
    (deps, mains)
}

/// Every package `fix` names as breaking under CGO_ENABLED=0 is in the CGO_ENABLED=0 build
/// (asked of the real `go list` with the route's own tags); a main package it says is not
/// built is indeed not.
#[test]
fn cgo_off_blockers_are_in_the_cgo_off_graph() {
    if !go_available() {
        return;
    }
    let mut checked = 0;
    for name in [
        "myagent",
        "myagent-fixed",
        "myagent-more",
        "pure",
        "stub-compile",
        "nocgo-fallback",
        "dlopen-opt-out",
        "sqlcipher-fork",
        "cgo-only",
    ] {
        let dir = repo_path(&fixture(name));
        let run = audit(&[
            "fix",
            "-C",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--no-compile",
        ]);
        assert!(run.code <= 1, "{name}: {}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        let Some(route) = no_cgo_route(&json["fix"]) else {
            continue;
        };
        let command = route["command"].as_str().unwrap();
        let (deps, mains) = go_list(&dir, &route);
        for blocker in route["blockers"].as_array().unwrap() {
            let package = blocker["package"].as_str().unwrap().to_owned();
            match blocker["outcome"].as_str().unwrap() {
                "not-built" => assert!(
                    !mains.contains(&package),
                    "{name}: {package} is said not to be built, but go list matches it: {mains:?}"
                ),
                _ => assert!(
                    deps.contains(&package),
                    "{name}: blocker {package} is not in the CGO_ENABLED=0 build ({command})"
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} blockers checked");
}

// ---------------------------------------------------------------- live: the linker, verify

/// readelf's view: static iff no program interpreter and no NEEDED entry.
fn readelf_static(binary: &Path) -> bool {
    let headers = Command::new("readelf")
        .args(["-lW"])
        .arg(binary)
        .output()
        .expect("readelf (binutils)");
    let dynamic = Command::new("readelf")
        .args(["-dW"])
        .arg(binary)
        .output()
        .expect("readelf");
    let headers = String::from_utf8_lossy(&headers.stdout);
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    !headers.contains("INTERP") && !dynamic.contains("(NEEDED)")
}

/// A non-standard cgo package built three ways: the verdict of `check` for each `-ldflags`
/// equals what readelf says of the binary `go build` made (or that there is none).
#[test]
fn verdicts_equal_readelf_for_three_links() {
    if !go_available() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    for (module, pattern, tags) in [
        (
            fixture("stub-compile"),
            "./cmd/dbinfo",
            "sqlite_omit_load_extension",
        ),
        (
            "fixtures/rules/_modules/datadog-system".to_owned(),
            "./cmd/probe",
            "netgo,osusergo",
        ),
    ] {
        let dir = repo_path(&module);
        for (i, ldflags) in [
            "-extldflags '-static'",
            "-linkmode external -extldflags '-static'",
            "-linkmode internal",
        ]
        .iter()
        .enumerate()
        {
            let json = json(
                &[
                    "check",
                    "-C",
                    dir.to_str().unwrap(),
                    "--patterns",
                    pattern,
                    "--tags",
                    tags,
                    "--cgo",
                    "on",
                    "--ldflags",
                    ldflags,
                    "--format",
                    "json",
                    "--warn-only",
                ],
                0,
            );
            let verdict = json["targets"][0]["linkage"].as_str().unwrap().to_owned();
            let binary = out.path().join(format!("b{i}-{}", module.len()));
            let build = Command::new("go")
                .args(["build", "-tags", tags, "-ldflags", ldflags, "-o"])
                .arg(&binary)
                .arg(pattern)
                .current_dir(&dir)
                .env("CGO_ENABLED", "1")
                .env("GOWORK", "off")
                .output()
                .expect("go build");
            let observed = if !build.status.success() {
                "does-not-build"
            } else if readelf_static(&binary) {
                "static"
            } else {
                "dynamic"
            };
            let predicted = if verdict == "static-external" {
                "static"
            } else {
                verdict.as_str()
            };
            assert_eq!(
                predicted,
                observed,
                "{module} -ldflags {ldflags}: verdict {verdict}, build: {}",
                String::from_utf8_lossy(&build.stderr)
            );
        }
    }
}

/// The three outcomes of `verify`, each on a real build.
#[test]
fn verify_names_its_outcome() {
    if !go_available() {
        return;
    }
    let dir = fixture("dlopen-opt-out");
    // 1. The plan's own build: static and clean.
    let clean = json(&["verify", "-C", &dir, "--format", "json"], 0);
    assert_eq!(clean["outcome"], "static-clean", "{clean}");
    assert!(clean["linker_warnings"].as_array().unwrap().is_empty());
    assert_eq!(clean["binaries"][0]["linkage"], "static");
    // 2. The same build without the discovered tag: the dlopen warning comes, from the
    //    package the prediction named, and the prediction was for this build.
    let without = json(
        &[
            "verify",
            "-C",
            &dir,
            "--format",
            "json",
            "--command",
            "CGO_ENABLED=1 go build -tags netgo,osusergo,sqlite_omit_load_extension -ldflags '-extldflags -static' -o \"$AUDIT_OUT/\" ./cmd/probe",
        ],
        1,
    );
    assert_eq!(without["outcome"], "not-clean-as-predicted", "{without}");
    let warning = &without["linker_warnings"][0];
    assert_eq!(warning["symbol"], "dlopen");
    assert_eq!(
        warning["package"],
        "github.com/DataDog/datadog-agent/pkg/util/system"
    );
    assert!(
        without["predicted_for"]["from"]
            .as_str()
            .unwrap()
            .starts_with("the build info of"),
        "{without}"
    );
    // The verdict of this -extldflags-only link: external (a third-party cgo package).
    assert_eq!(without["prediction"]["targets"][0][1], "static-external");
    // 3. A build whose configuration the binary does not record (GO_EXTLINK_ENABLED in the
    //    command's environment): the prediction is wrong, and verify says what differed.
    let net = repo_path("fixtures/rules/_modules/std-net");
    if net.join("go.mod").is_file() {
        let wrong = json(
            &[
                "verify",
                "-C",
                net.to_str().unwrap(),
                "--format",
                "json",
                "--command",
                "GO_EXTLINK_ENABLED=1 CGO_ENABLED=1 go build -ldflags '-extldflags -static' -o \"$AUDIT_OUT/\" ./...",
            ],
            1,
        );
        assert_eq!(wrong["outcome"], "prediction-wrong", "{wrong}");
        assert!(
            strings(&wrong["differences"])
                .iter()
                .any(|d| d.contains("predicted dynamic")),
            "{wrong}"
        );
    } else {
        panic!("fixtures/rules/_modules/std-net is missing");
    }
}

/// The fork, built the way fix says: static, and no dlopen warning (the original's tag works
/// on the fork).
#[test]
fn the_fork_builds_static_and_clean() {
    if !go_available() {
        return;
    }
    let run = audit_command(&[
        "verify",
        "-C",
        &fixture("sqlcipher-fork"),
        "--format",
        "json",
    ])
    .output()
    .expect("audit verify");
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["outcome"], "static-clean", "{json}");
}

/// A pattern that matches no package is an error (exit 2, one line), as in `go build`, not
/// "0 findings, static".
#[test]
fn patterns_that_match_nothing_exit_2() {
    if !go_available() {
        return;
    }
    for patterns in [
        "./nope/...",
        "./cmd/nope",
        "example.com/pure/nope/...,./...",
    ] {
        for command in ["check", "fix", "why"] {
            let mut args = vec![command, "-C", "fixtures/go/pure", "--patterns", patterns];
            if command == "why" {
                args.push("net");
            }
            let run = audit(&args);
            assert_eq!(
                run.code, 2,
                "{command} {patterns}: {}{}",
                run.stdout, run.stderr
            );
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
            assert!(
                run.stderr.contains("matches no package")
                    || run.stderr.contains("matched no packages"),
                "{}",
                run.stderr
            );
        }
    }
}
