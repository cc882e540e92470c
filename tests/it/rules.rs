//! The rule catalog: every rule has a positive and a negative fixture under
//! `fixtures/rules/<id>/` and fires exactly where it should; the generated docs match
//! `queries/`; `audit rules` lists, shows and lints.

use std::collections::BTreeMap;
use std::path::Path;

use linkaudit::analyze::check::{self, CheckOptions, NoProbe};
use linkaudit::load::{self, InputFormat, RootMode};
use linkaudit::model::BuildConfig;
use linkaudit::rules::{Catalog, Report, docs};

use crate::support::{audit, repo_path};

fn read_env(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut env = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}: bad line {line:?}", path.display()));
        env.insert(
            key.trim().to_owned(),
            value.trim().trim_matches('"').trim_matches('\'').to_owned(),
        );
    }
    env
}

fn declared_config(env: &BTreeMap<String, String>, side: &str) -> BuildConfig {
    let get = |key: &str| env.get(&format!("{side}_{key}")).cloned();
    if env.get("KIND").is_some_and(|kind| kind == "cargo") {
        let mut vars = BTreeMap::new();
        for assignment in get("ENV").unwrap_or_default().split_whitespace() {
            if let Some((name, value)) = assignment.split_once('=') {
                vars.insert(name.to_owned(), value.to_owned());
            }
        }
        return BuildConfig {
            ecosystem: "cargo".to_owned(),
            source: "file".to_owned(),
            target: Some(get("TARGET").unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned())),
            crt_static: Some(get("CRT_STATIC").is_some_and(|v| v == "1")),
            env: vars,
            ..BuildConfig::default()
        };
    }
    let tags: Vec<String> = get("TAGS")
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    BuildConfig {
        source: "file".to_owned(),
        goos: Some(get("GOOS").unwrap_or_else(|| "linux".to_owned())),
        goarch: Some(get("GOARCH").unwrap_or_else(|| "amd64".to_owned())),
        cgo_enabled: Some(get("CGO").unwrap_or_else(|| "1".to_owned()) == "1"),
        tags: Some(tags),
        ..BuildConfig::default()
    }
}

/// What the rule did on one recording.
fn fired(catalog: &Catalog, rule_id: &str, recording: &Path, config: BuildConfig) -> bool {
    let text = std::fs::read_to_string(recording)
        .unwrap_or_else(|e| panic!("{}: {e}", recording.display()));
    let parsed = load::parse_recording(
        text.as_bytes(),
        &recording.display().to_string(),
        InputFormat::Auto,
        &RootMode::Main,
        config,
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let graph = parsed.graph;
    let options = CheckOptions {
        max_chains: 3,
        ..CheckOptions::default()
    };
    let result = check::check(&graph, catalog, &options, &mut NoProbe);
    let rule = catalog.get(rule_id).unwrap();
    match rule.report {
        Report::Finding => {
            result.findings.iter().any(|f| f.rule == rule_id)
                || result
                    .findings
                    .iter()
                    .any(|f| f.explains.iter().any(|(r, _)| r == rule_id))
        }
        Report::Linkage => result.targets.iter().any(|t| {
            t.reasons
                .iter()
                .any(|r| r.contains(&format!("rule {rule_id}")))
        }),
        Report::None => {
            // A documented non-finding: it matches, and nothing is reported for what it matched.
            let matched = check::matched_packages(&graph, rule);
            !matched.is_empty() && !result.findings.iter().any(|f| matched.contains(&f.package))
        }
    }
}

/// What the rule did in a live `audit check` of a fixture module (rules that read sources).
fn fired_live(rule_id: &str, dir: &Path, env: &BTreeMap<String, String>, side: &str) -> bool {
    let get = |key: &str| env.get(&format!("{side}_{key}")).cloned();
    let module = dir.join(get("MODULE").expect("MODULE"));
    let module = module.to_str().unwrap().to_owned();
    let tags = get("TAGS").unwrap_or_default();
    let cgo = if get("CGO").as_deref() == Some("0") {
        "off"
    } else {
        "on"
    };
    let patterns = get("PATTERNS").unwrap_or_else(|| "./...".to_owned());
    let mut args = vec![
        "check",
        "-C",
        &module,
        "--cgo",
        cgo,
        "--patterns",
        &patterns,
        "--format",
        "json",
        "--warn-only",
    ];
    if !tags.is_empty() {
        args.extend(["--tags", &tags]);
    }
    let run = audit(&args);
    assert_eq!(run.code, 0, "audit {args:?}: {}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["findings"].as_array().unwrap().iter().any(|f| {
        f["rule"] == rule_id
            || f["explains"]
                .as_array()
                .is_some_and(|e| e.iter().any(|pair| pair[0] == rule_id))
    })
}

/// Every rule has fixtures; the positive fires, the negative does not.
#[test]
fn every_rule_fires_on_its_positive_fixture_only() {
    let catalog = Catalog::builtin().unwrap();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    // RULE_FIXTURES=id,id restricts the check while fixtures are being written.
    let only: Option<Vec<String>> = std::env::var("RULE_FIXTURES")
        .ok()
        .map(|ids| ids.split(',').map(str::to_owned).collect());
    for rule in &catalog.rules {
        if only.as_ref().is_some_and(|ids| !ids.contains(&rule.id)) {
            continue;
        }
        let dir = repo_path(&format!("fixtures/rules/{}", rule.id));
        let env_path = dir.join("fixture.env");
        if !env_path.is_file() {
            missing.push(rule.id.to_string());
            continue;
        }
        let env = read_env(&env_path);
        if env.get("LIVE").is_some_and(|v| v == "1") {
            if crate::support::go_available() {
                for (side, expected) in [("POSITIVE", true), ("NEGATIVE", false)] {
                    if fired_live(&rule.id, &dir, &env, side) != expected {
                        wrong.push(format!(
                            "{}: live {side} {}",
                            rule.id,
                            if expected { "does not fire" } else { "fires" }
                        ));
                    }
                }
            }
            continue;
        }
        for (side, file, expected) in [
            ("POSITIVE", "positive.json", true),
            ("NEGATIVE", "negative.json", false),
        ] {
            let recording = dir.join(file);
            if !recording.is_file() {
                missing.push(format!("{}/{file}", rule.id));
                continue;
            }
            let got = fired(&catalog, &rule.id, &recording, declared_config(&env, side));
            if got != expected {
                wrong.push(format!(
                    "{}: {file} {}",
                    rule.id,
                    if expected { "does not fire" } else { "fires" }
                ));
            }
        }
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `docs/rules/` is generated from `queries/`; `UPDATE_DOCS=1 cargo test` rewrites it.
#[test]
fn generated_rule_docs_are_up_to_date() {
    let catalog = Catalog::builtin().unwrap();
    let files = docs::generate(&catalog);
    let dir = repo_path("docs/rules");
    if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
        let run = audit(&["rules", "docs", "--out", dir.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".md"))
                .collect()
        })
        .unwrap_or_default();
    on_disk.sort();
    let expected: Vec<String> = files.keys().cloned().collect();
    assert_eq!(
        on_disk, expected,
        "docs/rules is stale: run `UPDATE_DOCS=1 cargo test` (or `audit rules docs`)"
    );
    for (name, content) in &files {
        let disk = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(
            &disk, content,
            "docs/rules/{name} is stale: run `UPDATE_DOCS=1 cargo test`"
        );
    }
}

/// The shipped catalog lints clean, and the builtin list is the folder.
#[test]
fn shipped_catalog_lints_clean() {
    let run = audit(&["rules", "check", "queries"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let catalog = Catalog::builtin().unwrap();
    let on_disk = linkaudit::rules::read_dir_rules(&repo_path("queries")).unwrap();
    assert_eq!(catalog.rules.len(), on_disk.len());
}

/// `rules check` reports unknown keys, duplicate ids, bad ranges and file-name mismatches.
#[test]
fn rules_check_finds_problems() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(repo_path("queries/go/go-os-user-cgo-nss.toml")).unwrap();
    std::fs::write(dir.path().join("go-os-user-cgo-nss.toml"), &good).unwrap();
    std::fs::write(dir.path().join("copy.toml"), &good).unwrap();
    std::fs::write(
        dir.path().join("unknown-key.toml"),
        good.replace(
            "id = \"go-os-user-cgo-nss\"",
            "id = \"unknown-key\"\ncolour = \"red\"",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad-range.toml"),
        good.replace("id = \"go-os-user-cgo-nss\"", "id = \"bad-range\"")
            .replace(
                "package = \"os/user\"",
                "package = \"os/user\"\nversions = \"~> 1.2\"",
            ),
    )
    .unwrap();
    let run = audit(&["rules", "check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("copy.toml: id go-os-user-cgo-nss does not match the file name copy.toml"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("duplicate id go-os-user-cgo-nss"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unknown-key.toml") && run.stderr.contains("colour"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bad-range.toml: match.versions"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_list_and_show() {
    let run = audit(&["rules", "list"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("go-net-cgo-resolver"))
    );
    let run = audit(&[
        "rules",
        "show",
        "go-containerd-dynamic-plugins-before-1-7-25",
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("static_build"));
    let run = audit(&["rules", "show", "go-net-cgo-resolvr"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean go-net-cgo-resolver"),
        "{}",
        run.stderr
    );
}
