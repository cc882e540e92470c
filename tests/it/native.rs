//! Conformance of the native Go loader with `go list`: real modules from the module proxy, at
//! fixed versions, each under five configurations; the native packages must equal `go list -e
//! -deps -json ./...`'s, field by field (import path, name, directory, standard, matched,
//! module, imports, Go/cgo/ignored/C/C++/syso files, `#cgo LDFLAGS` and `pkg-config`), and
//! in the same `-deps` order. A mismatch fails with the first differing package. Each module
//! is loaded three times on a directory cache of its own (see `load::dir_cache`): cold, warm,
//! and with half the cache files damaged; all three must equal `go list`.
//!
//! The modules, for their shapes:
//! - containerd v1.7.25: a large multi-binary module (ctr, containerd, shims), OS-specific
//!   files everywhere, build tags of its own (`no_btrfs`, `no_devmapper`, ...);
//! - kine v0.17.5: cgo dependencies (mattn/go-sqlite3) and its own feature tags;
//! - maddy v0.8.1: `replace` directives (go-imap, go-smtp, libdns-gandi forks), cgo;
//! - node_exporter v1.9.1: collectors per OS (`_linux.go`, `_darwin.go`, `!nofoo` tags),
//!   cgo on darwin;
//! - syncthing v1.29.2: a multi-binary module with OS-specific files and its own tags.
//!
//! Budget: about a minute warm (the `go list` runs are most of it); the first run downloads
//! the modules' dependencies for every configuration. In CI it must run (`CI=true`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use linkaudit::load::go_list::{self, GoPackage, RootMode, read_packages};
use linkaudit::load::native::{self, NativeConfig};
use linkaudit::model::{BuildConfig, DepGraph, Node};

use crate::support::{fetch_module, go_available};

const BUDGET: Duration = Duration::from_secs(15 * 60);

struct Case {
    module: &'static str,
    tags: &'static str,
}

const CASES: &[Case] = &[
    Case {
        module: "github.com/containerd/containerd@v1.7.25",
        tags: "no_btrfs,no_devmapper,no_dynamic_plugins",
    },
    Case {
        module: "github.com/k3s-io/kine@v0.17.5",
        tags: "nats,sqlite_unlock_notify,sqlite_omit_load_extension,libsqlite3",
    },
    Case {
        module: "github.com/foxcpp/maddy@v0.8.1",
        tags: "osusergo,netgo,static_build,libpam",
    },
    Case {
        module: "github.com/prometheus/node_exporter@v1.9.1",
        tags: "nomeminfo_numa,noprocesses",
    },
    Case {
        module: "github.com/syncthing/syncthing@v1.29.2",
        tags: "noupgrade,purego",
    },
];

fn configs(tags: &str) -> Vec<NativeConfig> {
    let config = |goos: &str, goarch: &str, cgo: bool, tags: &str| NativeConfig {
        goos: goos.to_owned(),
        goarch: goarch.to_owned(),
        cgo,
        tags: tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    vec![
        config("linux", "amd64", true, ""),
        config("linux", "amd64", false, ""),
        config("darwin", "arm64", false, ""),
        config("windows", "amd64", false, ""),
        config("linux", "amd64", true, tags),
    ]
}

fn go_list(dir: &Path, config: &NativeConfig) -> Vec<u8> {
    let out = Command::new("go")
        .args([
            "list",
            "-e",
            "-deps",
            &format!("-json={}", linkaudit::load::go_list::GO_LIST_FIELDS),
            &format!("-tags={}", config.tags.join(",")),
            "./...",
        ])
        .current_dir(dir)
        .env("GOOS", &config.goos)
        .env("GOARCH", &config.goarch)
        .env("CGO_ENABLED", if config.cgo { "1" } else { "0" })
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("go list");
    assert!(
        out.status.success(),
        "go list in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The first difference between two package lists, if any.
fn first_difference(expected: &[GoPackage<'_>], native: &[GoPackage<'_>]) -> Option<String> {
    let key = |p: &GoPackage<'_>| p.import_path.as_deref().unwrap_or_default().to_owned();
    let mut by_path: std::collections::BTreeMap<String, &GoPackage<'_>> =
        native.iter().map(|p| (key(p), p)).collect();
    for want in expected {
        let path = key(want);
        let Some(got) = by_path.remove(&path) else {
            return Some(format!("package {path}: go list has it, native does not"));
        };
        let fields: [(&str, String, String); 16] = [
            (
                "Name",
                format!("{:?}", want.name),
                format!("{:?}", got.name),
            ),
            ("Dir", format!("{:?}", want.dir), format!("{:?}", got.dir)),
            (
                "Standard",
                want.standard.to_string(),
                got.standard.to_string(),
            ),
            (
                "DepOnly",
                want.dep_only.to_string(),
                got.dep_only.to_string(),
            ),
            (
                "Match",
                format!("{:?}", want.matches),
                format!("{:?}", got.matches),
            ),
            (
                "Module",
                format!("{:?}", want.module),
                format!("{:?}", got.module),
            ),
            (
                "Imports",
                format!("{:?}", want.imports),
                format!("{:?}", got.imports),
            ),
            (
                "GoFiles",
                format!("{:?}", want.go_files),
                format!("{:?}", got.go_files),
            ),
            (
                "CgoFiles",
                format!("{:?}", want.cgo_files),
                format!("{:?}", got.cgo_files),
            ),
            (
                "IgnoredGoFiles",
                format!("{:?}", want.ignored_go_files),
                format!("{:?}", got.ignored_go_files),
            ),
            (
                "CFiles",
                format!("{:?}", want.c_files),
                format!("{:?}", got.c_files),
            ),
            (
                "CXXFiles",
                format!("{:?}", want.cxx_files),
                format!("{:?}", got.cxx_files),
            ),
            (
                "SysoFiles",
                format!("{:?}", want.syso_files),
                format!("{:?}", got.syso_files),
            ),
            (
                "CgoLDFLAGS",
                format!("{:?}", want.cgo_ldflags),
                format!("{:?}", got.cgo_ldflags),
            ),
            (
                "CgoPkgConfig",
                format!("{:?}", want.cgo_pkg_config),
                format!("{:?}", got.cgo_pkg_config),
            ),
            (
                "Error",
                format!("{:?}", want.error),
                format!("{:?}", got.error),
            ),
        ];
        for (field, want, got) in fields {
            if want != got {
                return Some(format!(
                    "package {path}: {field} differs\n  go list: {want}\n  native:  {got}"
                ));
            }
        }
    }
    if let Some(extra) = by_path.keys().next() {
        return Some(format!("package {extra}: native has it, go list does not"));
    }
    let order = |list: &[GoPackage<'_>]| list.iter().map(key).collect::<Vec<_>>();
    if order(expected) != order(native) {
        return Some("the same packages in another order than go list -deps".to_owned());
    }
    None
}

/// The first difference between two graphs: their nodes (source facts left out: only live
/// loads read them) and their edges.
fn graph_difference(expected: &DepGraph, native: &DepGraph) -> Option<String> {
    let strip = |node: &Node| Node {
        source: None,
        ..node.clone()
    };
    for idx in expected.graph().node_indices() {
        let want = expected.node(idx);
        let Some(got) = native.find(&want.id) else {
            return Some(format!(
                "package {}: go list has it, native does not",
                want.id
            ));
        };
        if strip(want) != strip(native.node(got)) {
            return Some(format!(
                "package {}: go list {:?}, native {:?}",
                want.id,
                strip(want),
                strip(native.node(got))
            ));
        }
    }
    if expected.node_count() != native.node_count() {
        return Some(format!(
            "{} packages from go list, {} native",
            expected.node_count(),
            native.node_count()
        ));
    }
    let edges = |g: &DepGraph| {
        let mut edges: Vec<(String, String, String)> = g
            .graph()
            .edge_indices()
            .map(|e| {
                let (a, b) = g.graph().edge_endpoints(e).unwrap();
                (
                    g.node(a).id.to_string(),
                    g.node(b).id.to_string(),
                    format!("{:?}", g.graph()[e]),
                )
            })
            .collect();
        edges.sort();
        edges
    };
    let (want, got) = (edges(expected), edges(native));
    if want != got {
        let first = want.iter().zip(&got).find(|(a, b)| a != b).map_or_else(
            || "one list is longer".to_owned(),
            |(a, b)| format!("{a:?} against {b:?}"),
        );
        return Some(format!("edges differ: {first}"));
    }
    if expected.roots().len() != native.roots().len() || expected.problems != native.problems {
        return Some("roots or problems differ".to_owned());
    }
    None
}

#[test]
fn native_loader_equals_go_list_on_real_modules() {
    if !go_available() {
        return;
    }
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for case in CASES {
        let dir = fetch_module(case.module, work.path());
        let fetched = Instant::now();
        // go list first, for every configuration: it downloads what each one needs, and the
        // native loader reads only what is in the module cache.
        let configs = configs(case.tags);
        let listed: Vec<Vec<u8>> = configs.iter().map(|c| go_list(&dir, c)).collect();
        // Three loaders in turn on one directory cache of their own: the first reads every
        // file and fills it, the second answers from it, the third finds it damaged.
        // The copy's files settle (the cache trusts a file's stamp two seconds after its
        // last change) while go list runs; where it was quicker, the test waits.
        std::thread::sleep(Duration::from_millis(2100).saturating_sub(fetched.elapsed()));
        let cache = tempfile::tempdir().unwrap();
        let open = || {
            native::open_unshared(&dir, false, Some(cache.path().to_path_buf()))
                .unwrap_or_else(|why| panic!("{}: native loader refused: {why}", case.module))
        };
        let cold = open();
        let mut answers: Vec<Vec<GoPackage<'static>>> = Vec::new();
        for config in &configs {
            answers.push(
                cold.packages(config, &["./...".to_owned()])
                    .unwrap_or_else(|why| panic!("{} {config:?}: {why}", case.module)),
            );
        }
        let stored = std::fs::read_dir(cache.path()).unwrap().count();
        assert!(stored > 10, "{}: {stored} cache files", case.module);
        let warm = open();
        let mut from_cache = Vec::new();
        for config in &configs {
            from_cache.push(warm.packages(config, &["./...".to_owned()]).unwrap());
        }
        // The main module's directories had settled and were stored too, so the warm loader
        // reads next to nothing.
        assert!(
            warm.directories_read() * 20 < cold.directories_read(),
            "{}: {} directories read warm, {} cold",
            case.module,
            warm.directories_read(),
            cold.directories_read()
        );
        // The graphs a matrix builds: one loader for every configuration, the later ones
        // sharing the nodes they agree on with the earlier ones; each equals the graph of go
        // list's own output.
        let matrix = open();
        let mut first_nodes: Vec<linkaudit::model::NodeRef> = Vec::new();
        let mut shared_nodes = 0;
        for (config, listed) in configs.iter().zip(&listed) {
            let packages = matrix
                .shared_packages(config, &["./...".to_owned()])
                .unwrap();
            let native =
                go_list::parse_shared(&packages, "native", &RootMode::All, BuildConfig::default())
                    .unwrap()
                    .graph;
            let expected = go_list::parse(
                &listed[..],
                "go list",
                &RootMode::All,
                BuildConfig::default(),
            )
            .unwrap()
            .graph;
            if let Some(difference) = graph_difference(&expected, &native) {
                panic!("{} {config:?} (shared nodes): {difference}", case.module);
            }
            let nodes: Vec<_> = native.graph().node_weights().cloned().collect();
            if first_nodes.is_empty() {
                first_nodes = nodes;
            } else {
                shared_nodes += nodes
                    .iter()
                    .filter(|n| {
                        first_nodes
                            .iter()
                            .any(|f| linkaudit::model::NodeRef::ptr_eq(f, n))
                    })
                    .count();
            }
        }
        assert!(shared_nodes > 0, "{}: no node was shared", case.module);
        for entry in std::fs::read_dir(cache.path()).unwrap().step_by(2) {
            std::fs::write(entry.unwrap().path(), b"{\"key\": \"x\", \"dirs\": {").unwrap();
        }
        let damaged = open();
        let mut despite_damage = Vec::new();
        for config in &configs {
            despite_damage.push(damaged.packages(config, &["./...".to_owned()]).unwrap());
        }
        for (i, (config, listed)) in configs.iter().zip(&listed).enumerate() {
            let expected = read_packages(listed).unwrap();
            let native = &answers[i];
            for (how, native) in [
                ("cold cache", native),
                ("warm cache", &from_cache[i]),
                ("damaged cache", &despite_damage[i]),
            ] {
                if let Some(difference) = first_difference(&expected, native) {
                    panic!("{} {config:?} ({how}): {difference}", case.module);
                }
            }
            assert!(
                expected.len() > 50,
                "{}: {} packages",
                case.module,
                expected.len()
            );
            // The comparison can fail: one file less is found.
            let mut broken = native.clone();
            if let Some(package) = broken.iter_mut().find(|p| !p.go_files.is_empty()) {
                package.go_files.pop();
                assert!(first_difference(&expected, &broken).is_some());
            }
            compared += expected.len();
        }
    }
    assert!(compared > 5_000, "{compared} packages compared");
    main_module_edits_are_seen_through_the_cache(work.path());
    assert!(
        started.elapsed() < BUDGET,
        "took {:?}, budget {BUDGET:?}",
        started.elapsed()
    );
}

/// A main-module directory stored in the cache is read again once it changes: a file added
/// (which imports `plugin`), then that file edited (to import `os/user` instead); each time
/// the native graph, on the warm cache, equals go list's.
fn main_module_edits_are_seen_through_the_cache(work: &Path) {
    let case = &CASES[0];
    let dir = fetch_module(case.module, work);
    let config = &configs(case.tags)[0];
    let cache = tempfile::tempdir().unwrap();
    let open = || native::open_unshared(&dir, false, Some(cache.path().to_path_buf())).unwrap();
    let listed = read_packages(&go_list(&dir, config)).unwrap().len();
    // Settled: older than the two seconds the cache waits before it trusts a stamp.
    std::thread::sleep(Duration::from_millis(2100));
    let before = open().packages(config, &["./...".to_owned()]).unwrap();
    assert_eq!(before.len(), listed);
    let package = before
        .iter()
        .find(|p| p.module.as_ref().is_some_and(|m| m.main) && !p.go_files.is_empty())
        .expect("a main-module package");
    let package_dir = Path::new(package.dir.as_deref().unwrap()).to_path_buf();
    let added = package_dir.join("zz_linkaudit_added.go");
    for import in ["plugin", "os/user"] {
        std::fs::write(
            &added,
            format!("package {}\n\nimport _ \"{import}\"\n", &*package.name),
        )
        .unwrap();
        let loader = open();
        let native = loader.packages(config, &["./...".to_owned()]).unwrap();
        let expected_bytes = go_list(&dir, config);
        let expected = read_packages(&expected_bytes).unwrap();
        if let Some(difference) = first_difference(&expected, &native) {
            panic!(
                "after importing {import} in {}: {difference}",
                added.display()
            );
        }
        let edited = native
            .iter()
            .find(|p| p.dir == package.dir)
            .expect("the edited package");
        assert!(edited.imports.iter().any(|i| **i == *import), "{import}");
        assert!(
            loader.directories_read() < 50,
            "{} directories read after one edit",
            loader.directories_read()
        );
    }
}

/// Removes the `loader` fields (what says which loader ran) from a JSON value.
fn without_loader(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("loader");
            map.values_mut().for_each(without_loader);
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(without_loader),
        _ => {}
    }
}

/// `audit fix` on every shipped Go module fixture gives the same answer with both loaders
/// (the native one never falls back there), and the times of each are printed.
#[test]
fn fix_gives_the_same_answers_with_both_loaders() {
    if !go_available() {
        return;
    }
    let fixtures = [
        "cgo-only",
        "dlopen-opt-out",
        "myagent",
        "myagent-fixed",
        "myagent-more",
        "nocgo-fallback",
        "pure",
        "sqlcipher-fork",
        "stub-compile",
    ];
    let mut totals = [Duration::ZERO; 2];
    for fixture in fixtures {
        let dir = format!("fixtures/go/{fixture}");
        let mut answers = Vec::new();
        for (i, loader) in ["go-list", "native"].into_iter().enumerate() {
            let started = Instant::now();
            let run =
                crate::support::audit(&["fix", "-C", &dir, "--format", "json", "--loader", loader]);
            totals[i] += started.elapsed();
            assert!(run.code <= 1, "{fixture} --loader {loader}: {}", run.stderr);
            assert!(
                !run.stderr.contains("native loader cannot"),
                "{fixture}: {}",
                run.stderr
            );
            let mut json: serde_json::Value = serde_json::from_str(&run.stdout)
                .unwrap_or_else(|e| panic!("{fixture} {loader}: {e}: {}", run.stdout));
            without_loader(&mut json);
            answers.push((run.code, json));
        }
        assert_eq!(answers[0], answers[1], "{fixture}: the loaders disagree");
    }
    #[expect(clippy::print_stderr, reason = "the figure for the record")]
    {
        eprintln!(
            "audit fix on {} fixtures: go list {:.2} s, native {:.2} s",
            fixtures.len(),
            totals[0].as_secs_f64(),
            totals[1].as_secs_f64()
        );
    }
}
