//! Output of `audit fix`: the proposed build (route, changes with their evidence, command),
//! what it removes and what else it changes, the other route and why not, upgrades, the
//! expected verdicts and what remains. JSON: `"fix"` (Go) or `"cargo_fix"` (Cargo), each
//! `{"route", "command", "changes": [{"change", "origins", "removed", "also_changes"}],
//! "rejected", "tags", "added_tags", "cgo_enabled", "external_static_link", "edits",
//! "rustflags", "env", "blockers", "compile", "expected", "remaining", "static_link_warnings",
//! "missing_archives", "alternatives", "upgrades", "predicted", "verified_by_loads"}`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::chain_ids;
use crate::analyze::fix::{PackageChange, UpgradeStep};
use crate::model::BuildConfig;
use crate::plan::{Applied, Blocker, CompileOutcome, Plan, Rejected, Route};

use super::escape::text_line;
use super::json::{SCHEMA_VERSION, TOOL, Tool};

/// Changes listed per tag in text (JSON has them all).
const CHANGES_SHOWN: usize = 12;

#[derive(Serialize)]
struct RemainingJson {
    rule: String,
    package: String,
    severity: &'static str,
    summary: String,
    chains: Vec<Vec<String>>,
    fix: String,
}

#[derive(Serialize)]
struct RemovedJson {
    rule: String,
    package: String,
    by: Vec<String>,
}

#[derive(Serialize)]
struct ExpectedJson {
    package: String,
    linkage: String,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct AlternativeJson {
    route: &'static str,
    title: String,
    why_not: String,
    command: String,
    tags: Vec<String>,
    cgo_enabled: Option<bool>,
    patterns: Vec<String>,
    changes: Vec<Applied>,
    blockers: Vec<Blocker>,
    compile: Option<CompileOutcome>,
    predicted: &'static str,
}

#[derive(Serialize)]
struct FixJson<'a> {
    route: &'static str,
    title: &'a str,
    command: &'a str,
    patterns: Vec<String>,
    changes: &'a [Applied],
    rejected: &'a [Rejected],
    tags: Vec<String>,
    added_tags: Vec<String>,
    cgo_enabled: Option<bool>,
    external_static_link: bool,
    edits: Vec<String>,
    rustflags: Option<String>,
    env: Vec<String>,
    blockers: &'a [Blocker],
    compile: &'a Option<CompileOutcome>,
    notes: &'a [String],
    no_cgo_changes: &'a [PackageChange],
    expected: Vec<ExpectedJson>,
    removed: Vec<RemovedJson>,
    remaining: Vec<RemainingJson>,
    static_link_warnings: Vec<String>,
    missing_archives: &'a [String],
    alternatives: Vec<AlternativeJson>,
    upgrades: &'a [UpgradeStep],
    predicted: &'static str,
    verified_by_loads: usize,
}

fn predicted(route: &Route) -> &'static str {
    if !route.viable() {
        "does-not-build"
    } else if route.prediction.clean {
        "static"
    } else {
        "not-static"
    }
}

fn remaining(route: &Route) -> Vec<RemainingJson> {
    route
        .remaining
        .iter()
        .map(|f| RemainingJson {
            rule: f.rule.clone(),
            package: route.graph.node(f.package).id.to_string(),
            severity: f.severity.as_str(),
            summary: f.summary.clone(),
            chains: f
                .chains
                .chains
                .iter()
                .map(|c| chain_ids(&route.graph, c))
                .collect(),
            fix: super::check::fix_line(&route.graph, f),
        })
        .collect()
}

fn warnings(route: &Route) -> Vec<String> {
    route
        .prediction
        .warnings
        .iter()
        .map(|w| format!("{} ({})", w.symbol, w.package))
        .collect()
}

/// The tags of the route's build (the requested ones and the added ones).
fn route_tags(route: &Route) -> Vec<String> {
    route
        .build
        .spec
        .args
        .iter()
        .find_map(|a| a.strip_prefix("-tags="))
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The package patterns the route builds.
fn patterns(route: &Route) -> Vec<String> {
    route
        .build
        .spec
        .args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-') && !a.starts_with('{'))
        .cloned()
        .collect()
}

fn cgo_enabled(route: &Route) -> Option<bool> {
    route
        .build
        .spec
        .env
        .iter()
        .find(|(k, _)| k == "CGO_ENABLED")
        .map(|(_, v)| v == "1")
}

fn external(route: &Route) -> bool {
    route
        .build
        .spec
        .args
        .iter()
        .any(|a| a.starts_with("-ldflags=") && a.contains("-static"))
}

fn keys(route: &Route, prefix: &str) -> Vec<String> {
    route
        .applied
        .iter()
        .filter_map(|a| a.change.key.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

/// The value of `"fix"` / `"cargo_fix"` in the JSON document.
pub fn fix_json(plan: &Plan) -> serde_json::Value {
    let route = &plan.chosen;
    let fix = FixJson {
        route: route.name,
        title: &route.title,
        command: &route.build.command,
        patterns: patterns(route),
        changes: &route.applied,
        rejected: &route.rejected,
        tags: route_tags(route),
        added_tags: keys(route, "tag:"),
        cgo_enabled: cgo_enabled(route),
        external_static_link: external(route),
        edits: keys(route, "cargo:"),
        rustflags: keys(route, "rustflags:").into_iter().next(),
        env: keys(route, "env:"),
        blockers: &route.blockers,
        compile: &route.compile,
        notes: &route.notes,
        no_cgo_changes: &route.differs,
        expected: route
            .prediction
            .targets
            .iter()
            .map(|(package, linkage, reasons)| ExpectedJson {
                package: package.clone(),
                linkage: linkage.clone(),
                reasons: reasons.clone(),
            })
            .collect(),
        removed: route
            .removed
            .iter()
            .map(|(rule, package, by)| RemovedJson {
                rule: rule.clone(),
                package: package.clone(),
                by: by.clone(),
            })
            .collect(),
        remaining: remaining(route),
        static_link_warnings: warnings(route),
        missing_archives: &route.prediction.missing_archives,
        alternatives: plan
            .others
            .iter()
            .map(|(other, why)| AlternativeJson {
                route: other.name,
                title: other.title.clone(),
                why_not: why.clone(),
                command: other.build.command.clone(),
                tags: route_tags(other),
                cgo_enabled: cgo_enabled(other),
                patterns: patterns(other),
                changes: other.applied.clone(),
                blockers: other.blockers.clone(),
                compile: other.compile.clone(),
                predicted: predicted(other),
            })
            .collect(),
        upgrades: &plan.upgrades,
        predicted: predicted(route),
        verified_by_loads: plan.loads,
    };
    serde_json::to_value(fix).unwrap_or_default()
}

/// The JSON document of `audit fix`.
pub fn render_json(plans: &[Plan], out: &mut dyn Write) -> Result<()> {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        tool: Tool,
        config: &'a BuildConfig,
        incomplete: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        fix: Option<serde_json::Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cargo_fix: Option<serde_json::Value>,
    }
    let Some(first) = plans.first() else {
        anyhow::bail!("nothing to fix");
    };
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        config: &first.base.config,
        incomplete: plans
            .iter()
            .any(|p| p.base.incomplete() || p.chosen.graph.incomplete()),
        fix: plans.iter().find(|p| p.ecosystem == "go").map(fix_json),
        cargo_fix: plans.iter().find(|p| p.ecosystem == "cargo").map(fix_json),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

fn blockers_text(blockers: &[Blocker], out: &mut dyn Write) -> Result<()> {
    for blocker in blockers {
        writeln!(
            out,
            "    {} {}: {}",
            text_line(&blocker.package),
            blocker.outcome,
            text_line(&blocker.reason)
        )?;
        if blocker.chain.len() > 1 {
            writeln!(
                out,
                "      chain: {}",
                text_line(&blocker.chain.join(" > "))
            )?;
        }
    }
    Ok(())
}

fn changes_text(label: &str, changes: &[PackageChange], out: &mut dyn Write) -> Result<()> {
    writeln!(out, "  {label}: {} package(s)", changes.len())?;
    for change in changes.iter().take(CHANGES_SHOWN) {
        writeln!(
            out,
            "    {}: {}",
            text_line(&change.package),
            text_line(&change.changes.join("; "))
        )?;
    }
    if changes.len() > CHANGES_SHOWN {
        writeln!(
            out,
            "    ... and {} more (--format json lists them all)",
            changes.len() - CHANGES_SHOWN
        )?;
    }
    Ok(())
}

/// Text.
pub fn render_text(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let route = &plan.chosen;
    writeln!(
        out,
        "# config: {}",
        text_line(&super::describe_config(&plan.base.config))
    )?;
    writeln!(
        out,
        "# judged on {} load(s) of the graph, each under the configuration it is about",
        plan.loads
    )?;
    writeln!(out)?;
    writeln!(out, "proposal: {}", text_line(&route.title))?;
    let changes: Vec<&Applied> = route.applied.iter().collect();
    if changes.is_empty() {
        writeln!(out, "changes: none")?;
    } else {
        writeln!(out, "changes:")?;
        for applied in &changes {
            writeln!(out, "  {}", text_line(&applied.change.display))?;
            for origin in &applied.origins {
                writeln!(out, "    why: {}", text_line(&origin.describe()))?;
            }
            if !applied.removed.is_empty() {
                let removed: Vec<String> = applied
                    .removed
                    .iter()
                    .map(|(r, p)| format!("{r} ({p})"))
                    .collect();
                writeln!(
                    out,
                    "    removes (re-loaded): {}",
                    text_line(&removed.join(", "))
                )?;
            }
        }
    }
    if !route.rejected.is_empty() {
        writeln!(out, "tried and dropped:")?;
        for rejected in &route.rejected {
            writeln!(
                out,
                "  {} ({}): {}",
                text_line(&rejected.change.display),
                text_line(&rejected.change.origin.describe()),
                text_line(&rejected.why)
            )?;
        }
    }
    if plan.ecosystem == "go" {
        match route.name {
            "no-cgo" => {
                writeln!(
                    out,
                    "cgo: CGO_ENABLED=0 is safe: judged on the CGO_ENABLED=0 graph, no linked package fails or becomes a stub"
                )?;
                if let Some(compile) = &route.compile {
                    writeln!(
                        out,
                        "  compiled: {} ({})",
                        text_line(&compile.command),
                        if compile.ok { "ok" } else { "FAILED" }
                    )?;
                }
                if !route.differs.is_empty() {
                    changes_text("what CGO_ENABLED=0 changes", &route.differs, out)?;
                }
            }
            _ => {
                for (other, why) in &plan.others {
                    if other.name != "no-cgo" {
                        continue;
                    }
                    writeln!(
                        out,
                        "cgo: stays on. CGO_ENABLED=0, judged on its own graph, would not work:"
                    )?;
                    let _ = why;
                    blockers_text(&other.blockers, out)?;
                    if let Some(compile) = &other.compile
                        && !compile.ok
                    {
                        writeln!(
                            out,
                            "    compiled: {} (FAILED)",
                            text_line(&compile.command)
                        )?;
                        for error in compile.errors.iter().take(5) {
                            writeln!(out, "      {}", text_line(error))?;
                        }
                    }
                }
            }
        }
    }
    if !route.blockers.is_empty() {
        writeln!(out, "this build does not work:")?;
        blockers_text(&route.blockers, out)?;
    }
    writeln!(out, "\ncommand:\n  {}", text_line(&route.build.command))?;
    for note in &route.notes {
        writeln!(out, "  note: {}", text_line(note))?;
    }
    if !route.removed.is_empty() {
        writeln!(out, "\nremoves:")?;
        for (rule, package, by) in &route.removed {
            let by = if by.is_empty() {
                if route.name == "no-cgo" {
                    "CGO_ENABLED=0".to_owned()
                } else {
                    "the other changes".to_owned()
                }
            } else {
                by.join(", ")
            };
            writeln!(
                out,
                "  {rule} ({}) by {}",
                text_line(package),
                text_line(&by)
            )?;
        }
    }
    let with_effects: Vec<&Applied> = route
        .applied
        .iter()
        .filter(|a| !a.also_changes.is_empty())
        .collect();
    if !with_effects.is_empty() {
        writeln!(
            out,
            "\nwhat else each change does (a tag is a global switch):"
        )?;
        for applied in with_effects {
            changes_text(&applied.change.display, &applied.also_changes, out)?;
        }
    }
    if !plan.upgrades.is_empty() {
        writeln!(
            out,
            "\nupgrades (effect expected: not loaded until applied):"
        )?;
        for upgrade in &plan.upgrades {
            let tags = if upgrade.tags.is_empty() {
                String::new()
            } else {
                format!(", then -tags {}", upgrade.tags.join(","))
            };
            writeln!(
                out,
                "  {}: {}{} ({})",
                upgrade.kind,
                text_line(&upgrade.command),
                text_line(&tags),
                upgrade.rule
            )?;
        }
    }
    for (other, why) in &plan.others {
        writeln!(
            out,
            "\nalternative ({}): {}\n  {}",
            text_line(&other.title),
            text_line(why),
            text_line(&other.build.command)
        )?;
        for applied in &other.applied {
            let origins: Vec<String> = applied.origins.iter().map(|o| o.describe()).collect();
            writeln!(
                out,
                "    {}: {}",
                text_line(&applied.change.display),
                text_line(&origins.join("; "))
            )?;
        }
    }
    writeln!(out)?;
    for (package, linkage, reasons) in &route.prediction.targets {
        writeln!(
            out,
            "expected: {}: {}",
            text_line(package),
            text_line(linkage)
        )?;
        for reason in reasons.iter().take(3) {
            writeln!(out, "  - {}", text_line(reason))?;
        }
    }
    let warnings = warnings(route);
    if route.viable() && route.prediction.clean {
        writeln!(
            out,
            "remaining: none. The command should give a static binary with no glibc NSS/dlopen warning; `audit verify` builds it and checks."
        )?;
    } else {
        writeln!(out, "remaining:")?;
        for finding in &route.remaining {
            writeln!(
                out,
                "  {} {} ({}): {}; fix: {}",
                finding.severity.as_str(),
                finding.rule,
                text_line(&route.graph.node(finding.package).id),
                text_line(&finding.summary),
                text_line(&super::check::fix_line(&route.graph, finding))
            )?;
        }
        if !warnings.is_empty() {
            writeln!(
                out,
                "  the static link will warn: {}",
                text_line(&warnings.join(", "))
            )?;
        }
        if !route.prediction.missing_archives.is_empty() {
            writeln!(
                out,
                "  static archives missing: {}",
                text_line(&route.prediction.missing_archives.join(", "))
            )?;
        }
        for (package, linkage, _) in &route.prediction.targets {
            if !linkage.starts_with("static") {
                writeln!(out, "  {} is expected to be {linkage}", text_line(package))?;
            }
        }
    }
    Ok(())
}
