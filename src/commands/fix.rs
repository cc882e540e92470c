//! `audit fix`: the smallest change that removes every fixable finding, checked by loading the
//! graph again under the proposed configuration until nothing changes (tags change the graph).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::{Result, bail};

use crate::analyze::check::{self, CheckOptions, CheckResult, Finding};
use crate::analyze::fix::{self, CgoOffBlocker, PackageChange, UpgradeStep};
use crate::cli::FixArgs;
use crate::load::{self, LoadRequest, Source};
use crate::model::DepGraph;
use crate::rules::{Catalog, Severity};
use crate::{ExitStatus, emit, print_diagnostics, report};

use super::check::CcProbe;

/// Loads allowed while iterating (each adds tags; the catalog has few tags, so this is ample).
const MAX_ITERATIONS: usize = 8;

/// A finding the fix removed, and the tags that removed it.
#[derive(Clone, Debug)]
pub struct Removed {
    /// Rule id.
    pub rule: String,
    /// Package.
    pub package: String,
    /// The tags of the rule's fix that were added.
    pub by: Vec<String>,
}

/// The computed fix.
pub struct FixPlan {
    /// The graph before the fix.
    pub base: DepGraph,
    /// `check` of the graph before the fix.
    pub base_result: CheckResult,
    /// The catalog the fix was computed with (also what `verify` inspects binaries with).
    pub catalog: Catalog,
    /// The graph under the fix's tags (cgo as in the base config).
    pub fixed: DepGraph,
    /// `check` of the fixed graph.
    pub fixed_result: CheckResult,
    /// Every tag of the proposed build.
    pub tags: Vec<String>,
    /// Tags the fix adds.
    pub added_tags: Vec<String>,
    /// `CGO_ENABLED` of the proposed build.
    pub cgo_enabled: bool,
    /// The proposed build links externally with `-static`.
    pub external_static: bool,
    /// Why `CGO_ENABLED=0` is not proposed (empty when it is, or when cgo is not needed).
    pub cgo_off_blockers: Vec<CgoOffBlocker>,
    /// The exact build command.
    pub command: String,
    /// `./cmd/...` patterns of the main packages.
    pub patterns: Vec<String>,
    /// Upgrades: needed or alternatives, effect expected (not loaded until applied).
    pub upgrades: Vec<UpgradeStep>,
    /// What each added tag changes, package by package (base vs base + that tag).
    pub tag_changes: BTreeMap<String, Vec<PackageChange>>,
    /// Findings the fix removes.
    pub removed: Vec<Removed>,
    /// Findings at warning or above that remain.
    pub remaining: Vec<Finding>,
    /// Loads of the graph made to verify the fix.
    pub loads: usize,
    /// The fixed build is expected to be a static binary with no glibc NSS/dlopen warning.
    pub predicted_static: bool,
}

fn with_tags(
    base: &LoadRequest,
    config: &crate::model::BuildConfig,
    tags: &[String],
    cgo: bool,
) -> LoadRequest {
    let mut request = base.clone();
    request.config.goos = config.goos.clone();
    request.config.goarch = config.goarch.clone();
    request.config.cgo_enabled = Some(cgo);
    request.config.tags = Some(tags.to_vec());
    request
}

fn quote_tags(tags: &[String]) -> String {
    if tags.len() == 1 {
        tags[0].clone()
    } else {
        format!("'{}'", tags.join(" "))
    }
}

/// Computes the fix, loading the graph as often as needed.
pub fn plan(args: &FixArgs, stderr: &mut dyn Write) -> Result<FixPlan> {
    let request = args.load.request()?;
    if matches!(request.source, Source::File { .. }) {
        bail!(
            "audit fix checks its proposal by loading the graph again under it, which a recording cannot do: run it in the module directory (-C DIR)"
        );
    }
    let (audit_config, catalog) =
        super::check::config_and_catalog(&args.load.dir, args.config.as_deref(), &args.rules)?;
    let allow = audit_config.allow.clone();
    let options = CheckOptions {
        max_chains: 3,
        ldflags: None,
    };
    let mut probe = CcProbe::new();

    let parsed = load::load(&request)?;
    print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
    let base = parsed.graph;
    let base_config = base.config.clone();
    let base_cgo = base_config.cgo_enabled.unwrap_or(true);
    let base_tags: Vec<String> = base_config.tags.clone().unwrap_or_default();
    let relevant = |graph: &DepGraph, result: &CheckResult| -> Vec<Finding> {
        result
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .filter(|f| {
                !allow.iter().any(|a| {
                    a.rule == f.rule
                        && a.package
                            .as_ref()
                            .is_none_or(|p| crate::pattern::matches(p, &graph.node(f.package).id))
                })
            })
            .cloned()
            .collect()
    };
    let base_result = check::check(&base, &catalog, &options, &mut probe);
    let base_findings = relevant(&base, &base_result);

    let mut tags: BTreeSet<String> = base_tags.iter().cloned().collect();
    let mut upgrades: Vec<UpgradeStep> = Vec::new();
    let mut loads = 1;
    let mut current = (None::<DepGraph>, base_result.clone());

    let mut current_findings = base_findings.clone();
    for _ in 0..MAX_ITERATIONS {
        let graph_ref = current.0.as_ref().unwrap_or(&base);
        let (wanted, steps) = fix::requested_tags(graph_ref, &current_findings);
        upgrades.extend(steps);
        let new: Vec<String> = wanted.difference(&tags).cloned().collect();
        if new.is_empty() {
            break;
        }
        tags.extend(new);
        let tag_list: Vec<String> = tags.iter().cloned().collect();
        let reloaded = load::load(&with_tags(&request, &base_config, &tag_list, base_cgo))?;
        loads += 1;
        let result = check::check(&reloaded.graph, &catalog, &options, &mut probe);
        current_findings = relevant(&reloaded.graph, &result);
        current = (Some(reloaded.graph), result);
    }
    let fixed = match current.0 {
        Some(graph) => graph,
        None => load::load(&with_tags(&request, &base_config, &base_tags, base_cgo))?.graph,
    };
    let fixed_result = current.1;
    let tag_list: Vec<String> = tags.iter().cloned().collect();
    let added_tags: Vec<String> = tags
        .iter()
        .filter(|t| !base_tags.contains(t))
        .cloned()
        .collect();

    // What each added tag changes on its own.
    let mut tag_changes = BTreeMap::new();
    for tag in &added_tags {
        let mut one = base_tags.clone();
        one.push(tag.clone());
        let alone = load::load(&with_tags(&request, &base_config, &one, base_cgo))?;
        loads += 1;
        tag_changes.insert(tag.clone(), fix::diff(&base, &alone.graph));
    }

    // Does the fixed build still need cgo, and may it go without?
    let reach = check::reachable_set(&fixed);
    let needs_cgo = fixed.find("runtime/cgo").is_some_and(|i| reach[i.index()]);
    let mut cgo_off_blockers = Vec::new();
    let (cgo_enabled, external_static) = if needs_cgo {
        let without = load::load(&with_tags(&request, &base_config, &tag_list, false))?;
        loads += 1;
        cgo_off_blockers = fix::cgo_off_blockers(&fixed, &without.graph, &catalog);
        if cgo_off_blockers.is_empty() {
            (false, false)
        } else {
            (true, true)
        }
    } else {
        (base_cgo, false)
    };
    let patterns = fix::build_patterns(&fixed);
    let mut command = format!("CGO_ENABLED={} go build", u8::from(cgo_enabled));
    if !tag_list.is_empty() {
        command.push_str(&format!(" -tags {}", quote_tags(&tag_list)));
    }
    if external_static {
        command.push_str(" -ldflags \"-linkmode external -extldflags '-static'\"");
    }
    command.push(' ');
    command.push_str(&patterns.join(" "));

    let remaining_keys: BTreeSet<(String, String)> = current_findings
        .iter()
        .map(|f| (f.rule.clone(), fixed.node(f.package).id.clone()))
        .collect();
    let mut removed = Vec::new();
    for finding in &base_findings {
        let key = (finding.rule.clone(), base.node(finding.package).id.clone());
        if remaining_keys.contains(&key) {
            continue;
        }
        let by: Vec<String> = finding
            .fix
            .tags
            .iter()
            .filter(|t| added_tags.contains(t))
            .cloned()
            .collect();
        removed.push(Removed {
            rule: key.0,
            package: key.1,
            by,
        });
    }
    removed.sort_by(|a, b| (&a.rule, &a.package).cmp(&(&b.rule, &b.package)));
    removed.dedup_by(|a, b| a.rule == b.rule && a.package == b.package);
    upgrades.sort();
    upgrades.dedup();
    // An upgrade is only "needed" for a finding that remains.
    for upgrade in &mut upgrades {
        if upgrade.kind == "needed" && !current_findings.iter().any(|f| f.rule == upgrade.rule) {
            upgrade.kind = "alternative";
        }
    }
    upgrades.dedup();
    let static_report = &fixed_result.static_link;
    let predicted_static = !needs_cgo
        || !cgo_enabled
        || (static_report.warnings.is_empty()
            && static_report
                .libraries
                .iter()
                .all(|l| l.archive_found != Some(false)));
    Ok(FixPlan {
        catalog,
        base_result,
        base,
        fixed,
        fixed_result,
        tags: tag_list,
        added_tags,
        cgo_enabled,
        external_static,
        cgo_off_blockers,
        command,
        patterns,
        upgrades,
        tag_changes,
        removed,
        remaining: current_findings,
        loads,
        predicted_static,
    })
}

/// Which ecosystems `fix`/`verify` handle for these flags: (Go, Cargo).
pub fn ecosystems(args: &FixArgs) -> (bool, bool) {
    if args.load.input.is_some() {
        // A recording: the Go plan says why a recording cannot be re-loaded.
        return (true, false);
    }
    let dir = &args.load.dir;
    let (has_go, has_cargo) = (
        dir.join("go.mod").is_file(),
        dir.join("Cargo.toml").is_file(),
    );
    match args.load.ecosystem {
        crate::cli::EcosystemArg::Go => (true, false),
        crate::cli::EcosystemArg::Cargo => (false, true),
        crate::cli::EcosystemArg::Auto => (has_go || !has_cargo, has_cargo),
    }
}

/// Runs `audit fix`.
pub fn run(args: &FixArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let (go, cargo) = ecosystems(args);
    let go_plan = if go { Some(plan(args, stderr)?) } else { None };
    let cargo_plan = if cargo {
        Some(super::cargo_fix::plan(args, stderr)?)
    } else {
        None
    };
    emit(args.output.as_deref(), stdout, |out| match args.format {
        crate::cli::BinaryFormat::Text => {
            if let Some(plan) = &go_plan {
                report::fix::render_text(plan, out)?;
            }
            if let Some(plan) = &cargo_plan {
                if go_plan.is_some() {
                    writeln!(out)?;
                }
                super::cargo_fix::render_text(plan, out)?;
            }
            Ok(())
        }
        crate::cli::BinaryFormat::Json => {
            let config = match (&go_plan, &cargo_plan) {
                (Some(plan), _) => &plan.base.config,
                (None, Some(plan)) => &plan.base.config,
                (None, None) => anyhow::bail!("nothing to fix"),
            };
            let incomplete = go_plan
                .as_ref()
                .is_some_and(|p| p.base.incomplete() || p.fixed.incomplete())
                || cargo_plan.as_ref().is_some_and(|p| p.base.incomplete());
            report::fix::render_json(
                config,
                incomplete,
                go_plan.as_ref().map(report::fix::fix_json),
                cargo_plan.as_ref().map(super::cargo_fix::plan_json),
                out,
            )
        }
    })?;
    let go_ok = go_plan
        .as_ref()
        .is_none_or(|p| p.remaining.is_empty() && p.predicted_static);
    let cargo_ok = cargo_plan.as_ref().is_none_or(|p| p.remaining.is_empty());
    Ok(if go_ok && cargo_ok {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
