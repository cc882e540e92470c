//! `audit fix` and `audit verify` for a Cargo workspace: apply the feature edits with the
//! exact `cargo add` commands in a temporary copy of the workspace, resolve again with
//! `cargo metadata`, repeat until nothing changes; then the target change (`+crt-static`) and
//! environment the remaining rules ask for, re-checked under that configuration.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::analyze::check::{self, CheckOptions, CheckResult, Finding};
use crate::cli::FixArgs;
use crate::exec::{self, CommandSpec};
use crate::load::{self, InputFormat, RootMode, cargo::CargoOptions};
use crate::model::DepGraph;
use crate::report::escape::text_line;
use crate::rules::{Catalog, Severity};

use super::check::CcProbe;

const MAX_ITERATIONS: usize = 6;

/// The computed Cargo fix.
pub struct CargoPlan {
    /// The graph before.
    pub base: DepGraph,
    /// The graph after the edits, re-resolved.
    pub fixed: DepGraph,
    /// `check` of the fixed graph under the proposed RUSTFLAGS and environment.
    pub fixed_result: CheckResult,
    /// The catalog the fix was computed with.
    pub catalog: Catalog,
    /// The `cargo add` commands, in order.
    pub edits: Vec<String>,
    /// `RUSTFLAGS` for the build.
    pub rustflags: Option<String>,
    /// Environment for the build.
    pub env: Vec<String>,
    /// The build command.
    pub command: String,
    /// Findings removed, as (rule, crate).
    pub removed: Vec<(String, String)>,
    /// Findings that remain (warning or above).
    pub remaining: Vec<Finding>,
    /// The workspace copy with the edits applied (kept for `verify`).
    pub workspace: tempfile::TempDir,
    /// Resolves made.
    pub loads: usize,
}

fn copy_workspace(from: &Path, to: &Path) -> Result<()> {
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

fn metadata(
    dir: &Path,
    target: &str,
    config: &crate::model::BuildConfig,
    options: &CargoOptions,
) -> Result<DepGraph> {
    let spec = load::cargo_metadata_command(dir, target);
    let bytes = exec::capture(&spec)?;
    let mut config = config.clone();
    config.source = "cargo metadata".to_owned();
    let parsed = load::parse_recording_with(
        &bytes[..],
        "cargo metadata (fixed copy)",
        InputFormat::CargoMetadata,
        &RootMode::Main,
        options,
        config,
    )?;
    Ok(parsed.graph)
}

fn findings_at_least_warning(result: &CheckResult) -> Vec<Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .cloned()
        .collect()
}

/// Computes the Cargo fix for the workspace in `args.load.dir`.
pub fn plan(args: &FixArgs, stderr: &mut dyn Write) -> Result<CargoPlan> {
    let dir = args.load.dir.clone();
    if !dir.join("Cargo.toml").is_file() {
        bail!("{}: no Cargo.toml", dir.display());
    }
    let mut request = args.load.request()?;
    if let load::Source::Go { ecosystem, .. } = &mut request.source {
        *ecosystem = load::Ecosystem::Cargo;
    }
    let (_, catalog) = super::check::config_and_catalog(&dir, args.config.as_deref(), &args.rules)?;
    let parsed = load::load(&request)?;
    crate::print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
    let mut base = parsed.graph;
    base.config.env = check::rule_env(&catalog);
    let target = base
        .config
        .target
        .clone()
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
    let options = CheckOptions {
        max_chains: 3,
        ldflags: None,
    };
    let cargo_options = CargoOptions {
        package: request.config.package.clone(),
        host_deps: request.config.host_deps,
    };
    let mut probe = CcProbe::new();
    let base_result = check::check(&base, &catalog, &options, &mut probe);
    let base_findings = findings_at_least_warning(&base_result);

    let workspace = tempfile::tempdir().context("cannot create a temporary directory")?;
    copy_workspace(&dir, workspace.path())?;
    let mut edits: Vec<String> = Vec::new();
    let mut applied: BTreeSet<String> = BTreeSet::new();
    let mut loads = 1;
    // Until an edit is applied, the copy resolves to the base graph.
    let mut fixed = base.clone();
    let mut result = base_result.clone();
    for _ in 0..MAX_ITERATIONS {
        let new: Vec<String> = result
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .filter_map(|f| f.cargo_edit.as_ref().map(|e| e.command.clone()))
            .filter(|command| !applied.contains(command))
            .collect();
        if new.is_empty() {
            break;
        }
        for command in new {
            let words: Vec<String> = command
                .split_whitespace()
                .skip(1)
                .map(str::to_owned)
                .collect();
            let spec = CommandSpec {
                program: "cargo".to_owned(),
                args: words,
                dir: Some(workspace.path().to_path_buf()),
                env: Vec::new(),
                install_hint: "install cargo".to_owned(),
            };
            exec::capture(&spec)
                .with_context(|| format!("applying `{command}` to a copy of the workspace"))?;
            applied.insert(command.clone());
            edits.push(command);
        }
        fixed = metadata(workspace.path(), &target, &base.config, &cargo_options)?;
        fixed.config.env = base.config.env.clone();
        loads += 1;
        result = check::check(&fixed, &catalog, &options, &mut probe);
    }

    // The target change and environment the remaining rules ask for, checked again under them.
    let mut rustflags = None;
    let mut env: Vec<String> = Vec::new();
    for _ in 0..2 {
        for finding in &result.findings {
            let Some(rule) = catalog.get(&finding.rule) else {
                continue;
            };
            if let Some(flags) = &rule.fix.rustflags {
                rustflags.get_or_insert_with(|| flags.clone());
            }
            for assignment in &rule.fix.env {
                if !env.contains(assignment) {
                    env.push(assignment.clone());
                }
            }
        }
        for target_reason in result.targets.iter().flat_map(|t| t.reasons.iter()) {
            for rule in catalog
                .rules
                .iter()
                .filter(|r| target_reason.contains(&format!("rule {}", r.id)))
            {
                if let Some(flags) = &rule.fix.rustflags {
                    rustflags.get_or_insert_with(|| flags.clone());
                }
            }
        }
        if rustflags
            .as_deref()
            .is_some_and(|f| f.contains("+crt-static"))
        {
            fixed.config.crt_static = Some(true);
        }
        for assignment in &env {
            if let Some((name, value)) = assignment.split_once('=') {
                fixed.config.env.insert(name.to_owned(), value.to_owned());
            }
        }
        result = check::check(&fixed, &catalog, &options, &mut probe);
    }
    env.sort();
    let remaining = findings_at_least_warning(&result);
    let remaining_keys: BTreeSet<(String, String)> = remaining
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                fixed
                    .node(f.package)
                    .module
                    .as_ref()
                    .map(|m| m.path.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let mut removed: Vec<(String, String)> = base_findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                base.node(f.package)
                    .module
                    .as_ref()
                    .map(|m| m.path.clone())
                    .unwrap_or_default(),
            )
        })
        .filter(|key| !remaining_keys.contains(key))
        .collect();
    removed.sort();
    removed.dedup();
    let mut command = String::new();
    if let Some(flags) = &rustflags {
        command.push_str(&format!("RUSTFLAGS=\"{flags}\" "));
    }
    for assignment in &env {
        command.push_str(&format!("{assignment} "));
    }
    command.push_str(&format!("cargo build --release --target {target}"));
    Ok(CargoPlan {
        catalog,
        base,
        fixed,
        fixed_result: result,
        edits,
        rustflags,
        env,
        command,
        removed,
        remaining,
        workspace,
        loads,
    })
}

#[derive(Serialize)]
struct CargoFixJson<'a> {
    edits: &'a [String],
    rustflags: &'a Option<String>,
    env: &'a [String],
    command: &'a str,
    removed: Vec<[String; 2]>,
    remaining: Vec<[String; 3]>,
    linkage: Vec<[String; 2]>,
    verified_by_loads: usize,
}

/// JSON of the plan (the value of `"cargo_fix"`).
pub fn plan_json(plan: &CargoPlan) -> serde_json::Value {
    let json = CargoFixJson {
        edits: &plan.edits,
        rustflags: &plan.rustflags,
        env: &plan.env,
        command: &plan.command,
        removed: plan
            .removed
            .iter()
            .map(|(r, c)| [r.clone(), c.clone()])
            .collect(),
        remaining: plan
            .remaining
            .iter()
            .map(|f| {
                [
                    f.rule.clone(),
                    plan.fixed.node(f.package).id.clone(),
                    crate::report::check::fix_line(&plan.fixed, f),
                ]
            })
            .collect(),
        linkage: plan
            .fixed_result
            .targets
            .iter()
            .map(|t| [plan.fixed.node(t.package).id.clone(), t.linkage.to_owned()])
            .collect(),
        verified_by_loads: plan.loads,
    };
    serde_json::to_value(json).unwrap_or_default()
}

/// Text of the plan.
pub fn render_text(plan: &CargoPlan, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "# config: {}",
        text_line(&crate::report::describe_config(&plan.base.config))
    )?;
    writeln!(
        out,
        "# checked by resolving the edited workspace {} times",
        plan.loads
    )?;
    writeln!(out)?;
    if plan.edits.is_empty() {
        writeln!(out, "Cargo.toml edits: none")?;
    } else {
        writeln!(out, "Cargo.toml edits (run in the workspace):")?;
        for edit in &plan.edits {
            writeln!(out, "  {edit}")?;
        }
    }
    writeln!(out, "\ncommand:\n  {}", plan.command)?;
    if !plan.removed.is_empty() {
        writeln!(out, "\nremoves:")?;
        for (rule, krate) in &plan.removed {
            writeln!(out, "  {rule} ({krate})")?;
        }
    }
    for target in &plan.fixed_result.targets {
        writeln!(
            out,
            "\nexpected linkage of {}: {}",
            plan.fixed.node(target.package).id,
            target.linkage
        )?;
    }
    if plan.remaining.is_empty() {
        writeln!(
            out,
            "\nremaining: none. `audit verify` builds it and checks."
        )?;
    } else {
        writeln!(out, "\nremaining:")?;
        for finding in &plan.remaining {
            writeln!(
                out,
                "  {} {} ({}): {}",
                finding.severity.as_str(),
                finding.rule,
                plan.fixed.node(finding.package).id,
                text_line(&finding.summary)
            )?;
        }
    }
    Ok(())
}

/// The release binaries of a build, as paths.
pub fn built_binaries(workspace: &Path, target: &str) -> Result<Vec<PathBuf>> {
    super::verify::executables(&workspace.join("target").join(target).join("release"))
}
