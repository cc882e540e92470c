//! `audit fix`, `audit verify` and `audit binary` against real builds of the fixtures: the
//! proposed build is run, and the ELF (and `file`/`ldd`) must agree with the prediction.
//! These need `go` and a C toolchain with static glibc (libc6-dev); in CI they must run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{audit, go_available, repo_path};

fn json_of(args: &[&str], expected_code: i32) -> Value {
    let run = audit(args);
    assert_eq!(
        run.code, expected_code,
        "audit {args:?}: {}{}",
        run.stdout, run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap()
}

const ALL_TAGS: &str = "netgo,no_dynamic_plugins,osusergo,sqlite_omit_load_extension";

/// myagent-fixed: the four tags, cgo kept (go-sqlite3 would be a stub) with an external
/// static link, nothing left.
#[test]
fn fix_proposes_the_four_tags_and_an_external_static_link() {
    if !go_available() {
        return;
    }
    let json = json_of(
        &["fix", "-C", "fixtures/go/myagent-fixed", "--format", "json"],
        0,
    );
    let fix = &json["fix"];
    let mut tags = strings(&fix["tags"]);
    tags.sort();
    assert_eq!(tags.join(","), ALL_TAGS);
    assert_eq!(fix["cgo_enabled"], true);
    assert_eq!(fix["external_static_link"], true);
    assert_eq!(
        fix["command"],
        "CGO_ENABLED=1 go build -tags 'netgo no_dynamic_plugins osusergo sqlite_omit_load_extension' -ldflags \"-linkmode external -extldflags '-static'\" ./cmd/agent"
    );
    assert!(
        fix["remaining"].as_array().unwrap().is_empty(),
        "{}",
        fix["remaining"]
    );
    assert_eq!(fix["predicted"], "static");
    assert_eq!(fix["route"], "cgo");
    // CGO_ENABLED=0 was judged on its own graph: go-sqlite3 is a stub there.
    let no_cgo = &fix["alternatives"][0];
    assert_eq!(no_cgo["route"], "no-cgo");
    assert_eq!(
        no_cgo["blockers"][0]["package"],
        "github.com/mattn/go-sqlite3"
    );
    assert_eq!(no_cgo["blockers"][0]["outcome"], "stub");
    assert!(fix["verified_by_loads"].as_u64().unwrap() >= 3);
}

/// myagent (containerd v1.7.24): plugin goes with static_build, no upgrade needed; the tag's
/// other effects are listed; the upgrade to v1.7.25 with no_dynamic_plugins is the alternative.
#[test]
fn fix_prefers_static_build_over_an_upgrade() {
    if !go_available() {
        return;
    }
    let json = json_of(&["fix", "-C", "fixtures/go/myagent", "--format", "json"], 0);
    let fix = &json["fix"];
    let tags = strings(&fix["added_tags"]);
    assert!(tags.contains(&"static_build".to_owned()), "{tags:?}");
    assert!(!tags.contains(&"no_dynamic_plugins".to_owned()), "{tags:?}");
    let removed = fix["removed"].as_array().unwrap();
    let plugin = removed
        .iter()
        .find(|r| r["rule"] == "go-containerd-dynamic-plugins-before-1-7-25")
        .unwrap();
    assert_eq!(plugin["by"], serde_json::json!(["-tags static_build"]));
    let static_build = fix["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["key"] == "tag:static_build")
        .unwrap();
    let changes = static_build["also_changes"].as_array().unwrap();
    let containerd = changes
        .iter()
        .find(|c| c["package"] == "github.com/containerd/containerd/plugin")
        .unwrap();
    assert!(
        strings(&containerd["changes"])
            .iter()
            .any(|c| c.starts_with("-imports") && c.contains("plugin")),
        "{containerd}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["package"] == "plugin" && c["changes"][0] == "removed from the build")
    );
    let upgrade = &fix["upgrades"][0];
    assert_eq!(upgrade["kind"], "alternative");
    assert_eq!(
        upgrade["command"],
        "go get github.com/containerd/containerd@v1.7.25"
    );
    assert_eq!(upgrade["tags"], serde_json::json!(["no_dynamic_plugins"]));
    let text = audit(&["fix", "-C", "fixtures/go/myagent"]);
    assert!(text.stdout.contains("alternative: go get github.com/containerd/containerd@v1.7.25, then -tags no_dynamic_plugins"), "{}", text.stdout);
}

#[test]
fn fix_needs_a_module_directory() {
    let run = audit(&[
        "fix",
        "--input",
        "fixtures/go/myagent/recorded/default.json",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a recording cannot do"),
        "{}",
        run.stderr
    );
}

/// The build `audit fix` proposes, run by `audit verify`: a static ELF, no linker warning,
/// confirmed by `file` and `ldd`.
#[test]
fn verify_builds_a_static_binary_without_warnings() {
    if !go_available() {
        return;
    }
    let keep = tempfile::tempdir().unwrap();
    let json = json_of(
        &[
            "verify",
            "-C",
            "fixtures/go/myagent-fixed",
            "--keep",
            keep.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(json["verified"], true, "{json}");
    assert!(json["linker_warnings"].as_array().unwrap().is_empty());
    assert_eq!(json["binaries"][0]["linkage"], "static");
    let binary = keep.path().join("agent");
    assert_file_and_ldd_say_static(&binary);
}

fn assert_file_and_ldd_say_static(binary: &Path) {
    if let Ok(file) = Command::new("file").arg(binary).output() {
        let text = String::from_utf8_lossy(&file.stdout);
        assert!(text.contains("statically linked"), "file: {text}");
    }
    let ldd = Command::new("ldd").arg(binary).output().expect("ldd");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&ldd.stdout),
        String::from_utf8_lossy(&ldd.stderr)
    );
    assert!(text.contains("not a dynamic executable"), "ldd: {text}");
}

/// A build that ignores the fix: verify judges it on its own configuration and exits 1.
#[test]
fn verify_reports_a_mismatch() {
    if !go_available() {
        return;
    }
    let json = json_of(
        &[
            "verify",
            "-C",
            "fixtures/go/myagent-fixed",
            "--format",
            "json",
            "--command",
            "CGO_ENABLED=1 go build -o \"$AUDIT_OUT/\" ./cmd/agent",
        ],
        1,
    );
    assert_eq!(json["verified"], false);
    assert_eq!(json["binaries"][0]["linkage"], "dynamic");
    // The prediction is for this command's own configuration (read from the binary's build
    // info): a default cgo build is dynamic, and that is what it is.
    assert_eq!(json["outcome"], "not-clean-as-predicted", "{json}");
    assert!(
        json["predicted_for"]["from"]
            .as_str()
            .unwrap()
            .contains("build info"),
        "{json}"
    );
    assert_eq!(json["prediction"]["targets"][0][1], "dynamic");
}

/// Binaries built from the fixture three ways, once per test run.
struct Builds {
    default: PathBuf,
    no_cgo: PathBuf,
    external_static: PathBuf,
}

fn builds() -> &'static Builds {
    static BUILDS: OnceLock<Builds> = OnceLock::new();
    BUILDS.get_or_init(|| {
        let dir = repo_path("target/it-builds");
        std::fs::create_dir_all(&dir).unwrap();
        let module = repo_path("fixtures/go/myagent-fixed");
        let build = |name: &str, cgo: &str, extra: &[&str]| -> PathBuf {
            let out = dir.join(name);
            let mut args = vec!["build", "-o", out.to_str().unwrap()];
            args.extend_from_slice(extra);
            args.push("./cmd/agent");
            let status = Command::new("go")
                .args(&args)
                .current_dir(&module)
                .env("CGO_ENABLED", cgo)
                .env("GOWORK", "off")
                .output()
                .expect("go build");
            assert!(
                status.status.success(),
                "go build {args:?}: {}",
                String::from_utf8_lossy(&status.stderr)
            );
            out
        };
        let tags = format!("-tags={ALL_TAGS}");
        Builds {
            default: build("default", "1", &[]),
            no_cgo: build("no-cgo", "0", &[]),
            external_static: build(
                "external-static",
                "1",
                &[&tags, "-ldflags=-linkmode external -extldflags '-static'"],
            ),
        }
    })
}

#[test]
fn binary_default_cgo_build_is_dynamic_with_a_glibc_floor() {
    if !go_available() {
        return;
    }
    let path = builds().default.to_str().unwrap().to_owned();
    let json = json_of(&["binary", &path, "--format", "json"], 1);
    assert_eq!(json["linkage"], "dynamic");
    assert!(json["interpreter"].as_str().unwrap().contains("ld-linux"));
    assert!(strings(&json["needed"]).contains(&"libc.so.6".to_owned()));
    // The floor is what `objdump -T` shows: the highest GLIBC_ version the binary needs.
    let floor = json["glibc_floor"].as_str().unwrap();
    let expected = highest_glibc_version(&builds().default);
    assert_eq!(floor, expected);
    assert!(!json["glibc_oldest_releases"].as_array().unwrap().is_empty());
    assert_eq!(json["go"]["settings"]["CGO_ENABLED"], "1");
    assert_eq!(json["go"]["path"], "example.com/myagent-fixed/cmd/agent");
    let deps = json["go"]["deps"].as_array().unwrap();
    assert!(
        deps.iter()
            .any(|d| d["path"] == "github.com/mattn/go-sqlite3" && d["version"] == "v1.14.53")
    );
    let rules: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    for rule in [
        "go-net-cgo-resolver",
        "go-os-user-cgo-nss",
        "go-sqlite3-load-extension",
        "go-containerd-dynamic-plugins",
    ] {
        assert!(rules.contains(&rule.to_owned()), "{rule} in {rules:?}");
    }
    let sqlite = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "go-sqlite3-load-extension")
        .unwrap();
    assert!(
        sqlite["evidence"]
            .as_str()
            .unwrap()
            .contains("without -tags sqlite_omit_load_extension"),
        "{sqlite}"
    );
}

#[test]
fn binary_explains_which_symbols_set_the_floor_and_their_packages() {
    if !go_available() {
        return;
    }
    let path = builds().default.to_str().unwrap().to_owned();
    let json = json_of(&["binary", &path, "--format", "json"], 1);
    let floor = json["glibc_floor"].as_str().unwrap();
    let versions = json["floor_symbols"].as_array().unwrap();
    assert_eq!(versions[0]["version"], floor, "highest first: {versions:?}");
    // The symbols listed at the floor are exactly those `objdump -T` shows at that version.
    let listed: BTreeSet<String> = versions[0]["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, objdump_symbols_at(&builds().default, floor));
    // Every symbol is attributed; a stub in the symbol table makes it exact.
    for version in versions {
        for symbol in version["symbols"].as_array().unwrap() {
            assert!(symbol["package"].is_string(), "{symbol}");
            if symbol["name"] == "res_search" || symbol["name"] == "getaddrinfo" {
                // net/cgo_unix_cgo.go calls both from Go.
                assert_eq!(symbol["package"], "net", "{symbol}");
                assert_eq!(symbol["evidence"], "called-from-go", "{symbol}");
            }
            if symbol["name"] == "pthread_create" {
                assert!(
                    symbol["package"]
                        .as_str()
                        .unwrap()
                        .starts_with("runtime/cgo"),
                    "{symbol}"
                );
            }
            if symbol["name"] == "dlopen" {
                // The fixture's SQLite extension loader, and Go's plugin package via containerd.
                let package = symbol["package"].as_str().unwrap();
                assert!(package.contains("github.com/mattn/go-sqlite3"), "{symbol}");
                assert!(package.contains("plugin"), "{symbol}");
            }
        }
    }
    let ways = strings(&json["lowers_the_floor"]).join("\n");
    assert!(ways.contains("static link"), "{ways}");
    assert!(ways.contains("older distribution"), "{ways}");
    assert!(ways.contains("CGO_ENABLED=0"), "{ways}");
    let text = audit(&["binary", &path]);
    let stdout = &text.stdout;
    assert!(
        stdout.contains(&format!("needs GLIBC_{floor}:")),
        "{stdout}"
    );
    assert!(stdout.contains("what lowers the floor:"), "{stdout}");
}

/// The imported symbols `objdump -T` shows at one `GLIBC_` version.
fn objdump_symbols_at(binary: &Path, version: &str) -> BTreeSet<String> {
    let output = Command::new("objdump")
        .arg("-T")
        .arg(binary)
        .output()
        .expect("objdump (binutils)");
    let text = String::from_utf8_lossy(&output.stdout);
    let wanted = format!("GLIBC_{version}");
    text.lines()
        .filter(|line| line.contains("*UND*"))
        .filter(|line| {
            line.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .any(|w| w == wanted)
        })
        .filter_map(|line| line.split_whitespace().last().map(str::to_owned))
        .collect()
}

/// `objdump -T` (binutils) independently lists the versioned dynamic symbols.
fn highest_glibc_version(binary: &Path) -> String {
    let output = Command::new("objdump")
        .arg("-T")
        .arg(binary)
        .output()
        .expect("objdump (binutils)");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut best: Option<(Vec<u64>, String)> = None;
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        if let Some(version) = word.strip_prefix("GLIBC_") {
            let parts: Vec<u64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
            if best.as_ref().is_none_or(|(b, _)| parts > *b) {
                best = Some((parts, version.to_owned()));
            }
        }
    }
    best.expect("the dynamic build needs glibc").1
}

#[test]
fn binary_without_cgo_is_static() {
    if !go_available() {
        return;
    }
    let path = builds().no_cgo.to_str().unwrap().to_owned();
    let json = json_of(&["binary", &path, "--format", "json"], 1);
    assert_eq!(json["linkage"], "static");
    assert!(json["interpreter"].is_null());
    assert!(json["glibc_floor"].is_null());
    assert_eq!(json["go"]["settings"]["CGO_ENABLED"], "0");
    // Exit 1: static, but go-sqlite3 built without cgo is a stub (an error finding).
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["go-sqlite3-cgo-disabled-stub"]);
    assert_file_and_ldd_say_static(&builds().no_cgo);
}

#[test]
fn binary_external_static_link() {
    if !go_available() {
        return;
    }
    let path = builds().external_static.to_str().unwrap().to_owned();
    let json = json_of(&["binary", &path, "--format", "json"], 0);
    assert_eq!(json["linkage"], "static");
    assert!(json["needed"].as_array().unwrap().is_empty());
    let settings = &json["go"]["settings"];
    assert_eq!(settings["CGO_ENABLED"], "1");
    assert_eq!(settings["-tags"], ALL_TAGS);
    assert_eq!(
        settings["-ldflags"],
        "-linkmode external -extldflags '-static'"
    );
    let errors: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_file_and_ldd_say_static(&builds().external_static);
}

/// Malformed, truncated or non-ELF files: one clear line, exit 2, never a panic.
#[test]
fn binary_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("text".into(), b"#!/bin/sh\necho hi\n".to_vec()),
        (
            "elf-header-only".into(),
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec(),
        ),
        (
            "bad-class".into(),
            b"\x7fELF\x09\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00".to_vec(),
        ),
    ];
    if go_available() {
        let real = std::fs::read(&builds().default).unwrap();
        cases.push(("truncated".into(), real[..4096].to_vec()));
    }
    for (name, bytes) in cases {
        let path = dir.path().join(&name);
        std::fs::write(&path, bytes).unwrap();
        let run = audit(&["binary", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(&name), "{name}: {}", run.stderr);
    }
    let run = audit(&["binary", "no/such/binary"]);
    assert_eq!(run.code, 2);
}

/// Fuzzing the build-info reader: thousands of mutations of a real binary's build info and
/// ELF headers (bit flips, truncations, length bytes set to extremes) must each give an answer
/// or an error, never a panic.
#[test]
fn fuzz_the_build_info_and_elf_readers() {
    if !go_available() {
        return;
    }
    use linkaudit::binary::{buildinfo, elf};
    let real = std::fs::read(&builds().no_cgo).unwrap();
    let facts = elf::parse(&real).unwrap();
    let region = facts.go_buildinfo_section.clone().expect(".go.buildinfo");
    assert!(buildinfo::read(&real, &facts).unwrap().is_some());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let head_len = real.len().min(1 << 16);
    for round in 0..4000 {
        let mut blob = region.clone();
        let n_flips = 1 + (next() % 8) as usize;
        for _ in 0..n_flips {
            let pos = (next() as usize) % blob.len().min(256);
            blob[pos] = match next() % 3 {
                0 => blob[pos] ^ (1 << (next() % 8)),
                1 => 0xff,
                _ => 0x00,
            };
        }
        let cut = if round % 5 == 0 {
            (next() as usize) % blob.len()
        } else {
            blob.len()
        };
        let blob = &blob[..cut];
        if let Ok(Some((version, text))) = buildinfo::extract(blob, &real, &facts) {
            let _ = buildinfo::parse_modinfo(&version, &text);
        }
        // The ELF reader on a mutated, truncated head of the file.
        let mut head = real[..head_len].to_vec();
        for _ in 0..n_flips {
            let pos = (next() as usize) % 128;
            head[pos] ^= 1 << (next() % 8);
        }
        let _ = elf::parse(&head[..(next() as usize % head_len).max(1)]);
    }
}
