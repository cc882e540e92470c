//! The Cargo seam of the planner: a change is a `cargo add` edit of a workspace member's
//! `Cargo.toml`, applied in a temporary copy of the workspace and resolved again with
//! `cargo metadata`; after the edit loop, the RUSTFLAGS (`+crt-static`) and environment the
//! remaining rules ask for are added and the graph is checked again under them. rustc links
//! with its own linker driver, so the verdicts are the rules' (the target, crt-static, the
//! `-sys` crates), and `verify` judges the ELF.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::analyze::check::{self, CheckOptions, CheckResult, Finding};
use crate::cli::FixArgs;
use crate::exec::{self, CommandSpec};
use crate::load::{self, InputFormat, RootMode, cargo::CargoOptions};
use crate::model::{BuildConfig, DepGraph};
use crate::rules::Catalog;

use super::{
    BuildPlan, Change, Fixpoint, Origin, Plan, Route, Seam, finding_key, fixpoint, predict,
    relevant, removed_findings,
};

/// Copies a workspace, leaving out `target` and `.git`.
pub fn copy_workspace(from: &Path, to: &Path) -> Result<()> {
    for entry in
        std::fs::read_dir(from).with_context(|| format!("{}: cannot list", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let source = entry.path();
        let destination = to.join(&name);
        if source.is_dir() {
            std::fs::create_dir_all(&destination)?;
            copy_workspace(&source, &destination)?;
        } else {
            std::fs::copy(&source, &destination)
                .with_context(|| format!("{}: cannot copy", source.display()))?;
        }
    }
    Ok(())
}

/// Resolves workspaces for the planner: one copy per distinct set of edits.
pub struct CargoSeam {
    dir: PathBuf,
    target: String,
    config: BuildConfig,
    options: CargoOptions,
    copies: BTreeMap<Vec<String>, (tempfile::TempDir, DepGraph)>,
    base: DepGraph,
}

impl CargoSeam {
    /// The `cargo add` edits and the member features (`feature:member/name`) of a change
    /// list, as one key.
    fn edits(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .filter(|c| c.key.starts_with("cargo:") || c.key.starts_with("feature:"))
            .map(|c| c.key.clone())
            .collect()
    }

    /// The copy of the workspace with exactly these edits (made when first asked for).
    fn copy(&mut self, edits: &[String]) -> Result<&(tempfile::TempDir, DepGraph)> {
        if !self.copies.contains_key(edits) {
            let workspace = tempfile::tempdir().context("cannot create a temporary directory")?;
            copy_workspace(&self.dir, workspace.path())?;
            let mut features: Vec<String> = Vec::new();
            for key in edits {
                if let Some(feature) = key.strip_prefix("feature:") {
                    features.push(feature.to_owned());
                    continue;
                }
                let command = key.strip_prefix("cargo:").unwrap_or(key);
                let mut words: Vec<String> = command
                    .split_whitespace()
                    .skip(1)
                    .map(str::to_owned)
                    .collect();
                // `cargo add` checks the features against the newest version the registry
                // offers for the requirement; pin the locked one, which is what resolves.
                if words.len() > 1
                    && let Some(version) = locked_version(&self.base, &words[1])
                {
                    words[1] = format!("{}@{version}", words[1]);
                }
                let spec = CommandSpec {
                    program: "cargo".to_owned(),
                    args: words,
                    dir: Some(workspace.path().to_path_buf()),
                    env: Vec::new(),
                    install_hint: "install cargo".to_owned(),
                };
                exec::capture(&spec)
                    .with_context(|| format!("applying `{command}` to a copy of the workspace"))?;
            }
            let graph = if edits.is_empty() {
                self.base.clone()
            } else {
                let mut config = self.config.clone();
                config.cargo_features = with_features(&config.cargo_features, &features);
                metadata(workspace.path(), &self.target, &config, &self.options)?
            };
            self.copies.insert(edits.to_vec(), (workspace, graph));
        }
        Ok(&self.copies[edits])
    }
}

/// The one version of a crate in the graph, if there is exactly one.
fn locked_version(graph: &DepGraph, name: &str) -> Option<String> {
    let versions: std::collections::BTreeSet<String> = graph
        .nodes()
        .iter()
        .filter_map(|n| n.module.as_ref())
        .filter(|m| m.path == name)
        .filter_map(|m| m.version.clone())
        .collect();
    (versions.len() == 1).then(|| versions.into_iter().next().unwrap_or_default())
}

/// Feature flags with more features added to `--features`.
fn with_features(args: &[String], more: &[String]) -> Vec<String> {
    if more.is_empty() {
        return args.to_vec();
    }
    let mut out = Vec::new();
    let mut features: Vec<String> = more.to_vec();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--features" {
            if let Some(list) = iter.next() {
                features.extend(list.split(',').map(str::to_owned));
            }
        } else {
            out.push(arg.clone());
        }
    }
    features.sort();
    features.dedup();
    out.push("--features".to_owned());
    out.push(features.join(","));
    out
}

fn metadata(
    dir: &Path,
    target: &str,
    config: &BuildConfig,
    options: &CargoOptions,
) -> Result<DepGraph> {
    let spec = load::cargo_metadata_command(dir, target, &config.cargo_features);
    let bytes = exec::capture(&spec)?;
    let mut config = config.clone();
    config.source = "cargo metadata".to_owned();
    let parsed = load::parse_recording_with(
        &bytes[..],
        "cargo metadata (edited copy)",
        InputFormat::CargoMetadata,
        &RootMode::Main,
        options,
        config.clone(),
    )?;
    let mut graph = parsed.graph;
    graph.config.env = config.env.clone();
    Ok(graph)
}

impl Seam for CargoSeam {
    type Route = ();

    fn load(&mut self, _route: &(), changes: &[Change]) -> Result<DepGraph> {
        let edits = CargoSeam::edits(changes);
        Ok(self.copy(&edits)?.1.clone())
    }

    fn options(&self, _route: &(), _changes: &[Change], _graph: &DepGraph) -> Result<CheckOptions> {
        Ok(CheckOptions {
            cuts: false,
            max_chains: 3,
            ..CheckOptions::default()
        })
    }

    fn candidates(
        &mut self,
        _route: &(),
        graph: &DepGraph,
        _result: &CheckResult,
        findings: &[Finding],
        _catalog: &Catalog,
    ) -> Vec<Change> {
        findings
            .iter()
            .filter_map(|f| {
                let edit = f.cargo_edit.as_ref()?;
                let (rule, package) = finding_key(graph, f);
                let (key, display) = if edit.member_feature {
                    let feature = format!("{}/{}", edit.member, edit.features.join(","));
                    (
                        format!("feature:{feature}"),
                        format!("--features {feature}"),
                    )
                } else {
                    (format!("cargo:{}", edit.command), edit.command.clone())
                };
                Some(Change {
                    key,
                    display,
                    origin: Origin::Catalog {
                        rule,
                        package,
                        notes: f.notes.clone(),
                    },
                })
            })
            .collect()
    }

    fn diagnostics(&mut self, _graph: &DepGraph, _stderr: &mut dyn Write) -> Result<()> {
        Ok(())
    }
}

/// A setting and the rule that asks for it.
type Asked = (String, String);

/// RUSTFLAGS and environment the remaining findings and verdicts ask for.
fn config_changes(catalog: &Catalog, result: &CheckResult) -> (Option<Asked>, Vec<Asked>) {
    let mut rustflags = None;
    let mut env: Vec<(String, String)> = Vec::new();
    let rules = result
        .findings
        .iter()
        .filter_map(|f| catalog.get(&f.rule))
        .chain(result.targets.iter().flat_map(|t| {
            catalog.rules.iter().filter(|r| {
                t.reasons
                    .iter()
                    .any(|reason| reason.contains(&format!("rule {}", r.id)))
            })
        }));
    for rule in rules {
        if let Some(flags) = &rule.fix.rustflags {
            rustflags.get_or_insert_with(|| (flags.clone(), rule.id.to_string()));
        }
        for assignment in &rule.fix.env {
            if !env.iter().any(|(a, _)| a == assignment) {
                env.push((assignment.clone(), rule.id.to_string()));
            }
        }
    }
    env.sort();
    (rustflags, env)
}

/// Computes the Cargo plan for the workspace in `args.load.dir`.
pub fn plan(args: &FixArgs, stderr: &mut dyn Write) -> Result<Plan> {
    let dir = args.load.dir.clone();
    if !dir.join("Cargo.toml").is_file() {
        bail!("{}: no Cargo.toml", dir.display());
    }
    let mut request = args.load.request()?;
    if let load::Source::Go { ecosystem, .. } = &mut request.source {
        *ecosystem = load::Ecosystem::Cargo;
    }
    let (audit_config, catalog) =
        crate::commands::check::config_and_catalog(&dir, args.config.as_deref(), &args.rules)?;
    let allow = audit_config.allow.clone();
    let parsed = load::load(&request)?;
    crate::print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
    let mut base = parsed.graph;
    base.config.env = check::rule_env(&catalog);
    let target = base
        .config
        .target
        .clone()
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
    let mut probe = crate::commands::check::CcProbe::new();
    base.config.pkg_config = check::rule_pkg_config(&catalog, &mut probe);
    let options = CheckOptions {
        cuts: false,
        max_chains: 3,
        ..CheckOptions::default()
    };
    let base_result = check::check(&base, &catalog, &options, &mut probe);
    let base_findings = relevant(&base, &base_result, &allow);
    let mut seam = CargoSeam {
        dir: dir.clone(),
        target: target.clone(),
        config: base.config.clone(),
        options: CargoOptions {
            package: request.config.package.clone(),
            host_deps: request.config.host_deps,
        },
        copies: BTreeMap::new(),
        base: base.clone(),
    };
    let Fixpoint {
        mut graph,
        result,
        applied,
        rejected,
        loads,
        ..
    } = fixpoint(&mut seam, &(), &catalog, &allow, stderr)?;

    // The target change and environment the remaining rules ask for, checked again under them.
    let mut result = result;
    let mut rustflags: Option<(String, String)> = None;
    let mut env: Vec<(String, String)> = Vec::new();
    for _ in 0..2 {
        let (flags, assignments) = config_changes(&catalog, &result);
        if rustflags.is_none() {
            rustflags = flags;
        }
        for assignment in assignments {
            if !env.iter().any(|(a, _)| *a == assignment.0) {
                env.push(assignment);
            }
        }
        if rustflags
            .as_ref()
            .is_some_and(|(f, _)| f.contains("+crt-static"))
        {
            graph.config.crt_static = Some(true);
        }
        for (assignment, _) in &env {
            if let Some((name, value)) = assignment.split_once('=') {
                graph.config.env.insert(name.to_owned(), value.to_owned());
            }
        }
        result = check::check(&graph, &catalog, &options, &mut probe);
    }
    env.sort();
    // RUSTFLAGS in the environment replaces the configured ones: keep those in front.
    if let Some((flags, rule)) = &rustflags
        && !base.config.rustflags.is_empty()
    {
        rustflags = Some((
            format!("{} {flags}", base.config.rustflags.join(" ")),
            rule.clone(),
        ));
    }
    let mut applied = applied;
    for (flags, rule) in rustflags.iter() {
        applied.push(super::Applied {
            change: Change {
                key: format!("rustflags:{flags}"),
                display: format!("RUSTFLAGS=\"{flags}\""),
                origin: Origin::Config { rule: rule.clone() },
            },
            origins: vec![Origin::Config { rule: rule.clone() }],
            removed: Vec::new(),
            also_changes: Vec::new(),
        });
    }
    for (assignment, rule) in &env {
        applied.push(super::Applied {
            change: Change {
                key: format!("env:{assignment}"),
                display: assignment.clone(),
                origin: Origin::Config { rule: rule.clone() },
            },
            origins: vec![Origin::Config { rule: rule.clone() }],
            removed: Vec::new(),
            also_changes: Vec::new(),
        });
    }
    let remaining = relevant(&graph, &result, &allow);
    let removed = removed_findings(&base, &base_findings, &graph, &remaining, &applied);
    let keys: Vec<String> = applied
        .iter()
        .filter(|a| a.change.key.starts_with("cargo:") || a.change.key.starts_with("feature:"))
        .map(|a| a.change.key.clone())
        .collect();
    let edits: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("cargo:").map(str::to_owned))
        .collect();
    let member_features: Vec<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("feature:").map(str::to_owned))
        .collect();
    let build_features = with_features(&base.config.cargo_features, &member_features);
    seam.copy(&keys)?;
    let workspace = seam
        .copies
        .remove(&keys)
        .map(|(dir, _)| dir)
        .context("the edited workspace copy is gone")?;
    let mut command = String::new();
    if let Some((flags, _)) = &rustflags {
        command.push_str(&format!("RUSTFLAGS=\"{flags}\" "));
    }
    for (assignment, _) in &env {
        command.push_str(&format!("{assignment} "));
    }
    command.push_str(&format!("cargo build --release --target {target}"));
    for arg in &build_features {
        command.push(' ');
        command.push_str(arg);
    }
    let mut spec_env: Vec<(String, String)> = env
        .iter()
        .filter_map(|(assignment, _)| assignment.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if let Some((flags, _)) = &rustflags {
        spec_env.push(("RUSTFLAGS".to_owned(), flags.clone()));
    }
    // The binaries are looked for in the copy's own target directory, whatever
    // CARGO_TARGET_DIR or build.target-dir say.
    spec_env.push((
        "CARGO_TARGET_DIR".to_owned(),
        workspace.path().join("target").display().to_string(),
    ));
    let build = BuildPlan {
        command: format!(
            "{}{}",
            edits.iter().map(|e| format!("{e} && ")).collect::<String>(),
            command
        ),
        spec: CommandSpec {
            program: "cargo".to_owned(),
            args: ["build", "--release", "--target", &target]
                .iter()
                .map(|s| s.to_string())
                .chain(build_features.iter().cloned())
                .collect(),
            dir: Some(workspace.path().to_path_buf()),
            env: spec_env,
            install_hint: "install cargo to build".to_owned(),
        },
    };
    let prediction = predict(&graph, &result, &remaining);
    let chosen = Route {
        name: "cargo",
        title: format!("cargo build for {target}"),
        graph,
        result,
        applied,
        rejected,
        blockers: Vec::new(),
        compile: None,
        notes: Vec::new(),
        differs: Vec::new(),
        build,
        prediction,
        removed,
        remaining,
    };
    Ok(Plan {
        ecosystem: "cargo",
        catalog,
        base,
        base_result,
        chosen,
        others: Vec::new(),
        upgrades: Vec::new(),
        loads,
        workspace: Some(workspace),
    })
}

/// The release binaries of a build in `workspace`.
pub fn built_binaries(workspace: &Path, target: &str) -> Result<Vec<PathBuf>> {
    super::verify::executables(&workspace.join("target").join(target).join("release"))
}
