//! Output of `audit fix`: the proposed build, what it removes and changes, upgrades, and what
//! remains. JSON: `"fix": {"tags", "cgo_enabled", "upgrades": [{"module", "version",
//! "command"}], "command", "remaining": [findings], ...}`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::chain_ids;
use crate::analyze::fix::{CgoOffBlocker, PackageChange, UpgradeStep};
use crate::commands::fix::FixPlan;
use crate::model::BuildConfig;

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
    by_tags: Vec<String>,
}

#[derive(Serialize)]
struct FixJson<'a> {
    tags: &'a [String],
    added_tags: &'a [String],
    cgo_enabled: bool,
    external_static_link: bool,
    command: &'a str,
    upgrades: &'a [UpgradeStep],
    removed: Vec<RemovedJson>,
    remaining: Vec<RemainingJson>,
    static_link_warnings: Vec<String>,
    missing_archives: Vec<String>,
    cgo_off_blockers: &'a [CgoOffBlocker],
    tag_changes: &'a std::collections::BTreeMap<String, Vec<PackageChange>>,
    predicted: &'static str,
    verified_by_loads: usize,
}

fn remaining(plan: &FixPlan) -> Vec<RemainingJson> {
    plan.remaining
        .iter()
        .map(|f| RemainingJson {
            rule: f.rule.clone(),
            package: plan.fixed.node(f.package).id.clone(),
            severity: f.severity.as_str(),
            summary: f.summary.clone(),
            chains: f
                .chains
                .chains
                .iter()
                .map(|c| chain_ids(&plan.fixed, c))
                .collect(),
            fix: super::check::fix_line(&plan.fixed, f),
        })
        .collect()
}

fn warnings(plan: &FixPlan) -> Vec<String> {
    if !plan.cgo_enabled {
        return Vec::new();
    }
    plan.fixed_result
        .static_link
        .warnings
        .iter()
        .map(|w| format!("{} ({})", w.symbol, w.package))
        .collect()
}

fn missing(plan: &FixPlan) -> Vec<String> {
    if !plan.cgo_enabled {
        return Vec::new();
    }
    plan.fixed_result
        .static_link
        .libraries
        .iter()
        .filter(|l| l.archive_found == Some(false))
        .map(|l| format!("lib{}.a ({})", l.library, l.packages.join(", ")))
        .collect()
}

/// The value of `"fix"` in the JSON document.
pub fn fix_json(plan: &FixPlan) -> serde_json::Value {
    let fix = FixJson {
        tags: &plan.tags,
        added_tags: &plan.added_tags,
        cgo_enabled: plan.cgo_enabled,
        external_static_link: plan.external_static,
        command: &plan.command,
        upgrades: &plan.upgrades,
        removed: plan
            .removed
            .iter()
            .map(|r| RemovedJson {
                rule: r.rule.clone(),
                package: r.package.clone(),
                by_tags: r.by.clone(),
            })
            .collect(),
        remaining: remaining(plan),
        static_link_warnings: warnings(plan),
        missing_archives: missing(plan),
        cgo_off_blockers: &plan.cgo_off_blockers,
        tag_changes: &plan.tag_changes,
        predicted: if plan.predicted_static {
            "static"
        } else {
            "not-static"
        },
        verified_by_loads: plan.loads,
    };
    serde_json::to_value(fix).unwrap_or_default()
}

/// The JSON document of `audit fix`: `"fix"` for Go, `"cargo_fix"` for Cargo.
pub fn render_json(
    config: &BuildConfig,
    incomplete: bool,
    go: Option<serde_json::Value>,
    cargo: Option<serde_json::Value>,
    out: &mut dyn Write,
) -> Result<()> {
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
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        config,
        incomplete,
        fix: go,
        cargo_fix: cargo,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// Text.
pub fn render_text(plan: &FixPlan, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "# config: {}",
        text_line(&super::describe_config(&plan.base.config))
    )?;
    writeln!(
        out,
        "# checked by loading the graph {} times under the proposed configurations",
        plan.loads
    )?;
    writeln!(out)?;
    if plan.added_tags.is_empty() {
        writeln!(out, "build tags to add: none")?;
    } else {
        writeln!(out, "build tags to add: {}", plan.added_tags.join(" "))?;
    }
    if plan.external_static {
        writeln!(
            out,
            "cgo: stays on, linked externally with -static (CGO_ENABLED=0 would break these):"
        )?;
        for blocker in &plan.cgo_off_blockers {
            writeln!(
                out,
                "  {} {}: {}",
                text_line(&blocker.package),
                blocker.outcome,
                text_line(&blocker.reason)
            )?;
        }
    } else if !plan.cgo_enabled {
        writeln!(
            out,
            "cgo: CGO_ENABLED=0 is safe: no package needs cgo to work under these tags"
        )?;
    } else {
        writeln!(
            out,
            "cgo: no cgo package is left, so the Go linker links statically on its own"
        )?;
    }
    writeln!(out, "\ncommand:\n  {}", plan.command)?;
    if !plan.removed.is_empty() {
        writeln!(out, "\nremoves:")?;
        for removed in &plan.removed {
            let by = if removed.by.is_empty() {
                "the other changes".to_owned()
            } else {
                format!("-tags {}", removed.by.join(","))
            };
            writeln!(
                out,
                "  {} ({}) by {by}",
                removed.rule,
                text_line(&removed.package)
            )?;
        }
    }
    if !plan.tag_changes.is_empty() {
        writeln!(
            out,
            "\nwhat else each tag changes (a tag is a global switch):"
        )?;
        for (tag, changes) in &plan.tag_changes {
            writeln!(out, "  {tag}: {} package(s)", changes.len())?;
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
                "  {}: {}{tags} ({})",
                upgrade.kind, upgrade.command, upgrade.rule
            )?;
        }
    }
    writeln!(out)?;
    let warnings = warnings(plan);
    let missing = missing(plan);
    if plan.remaining.is_empty() && warnings.is_empty() && missing.is_empty() {
        writeln!(
            out,
            "remaining: none. The command should give a static binary with no glibc NSS/dlopen warning; `audit verify` builds it and checks."
        )?;
    } else {
        writeln!(out, "remaining (not fixable by tags):")?;
        for finding in &plan.remaining {
            writeln!(
                out,
                "  {} {} ({}): {}; fix: {}",
                finding.severity.as_str(),
                finding.rule,
                text_line(&plan.fixed.node(finding.package).id),
                text_line(&finding.summary),
                text_line(&super::check::fix_line(&plan.fixed, finding))
            )?;
        }
        if !warnings.is_empty() {
            writeln!(
                out,
                "  the static link will warn: {}",
                text_line(&warnings.join(", "))
            )?;
        }
        if !missing.is_empty() {
            writeln!(
                out,
                "  static archives missing: {}",
                text_line(&missing.join(", "))
            )?;
        }
    }
    Ok(())
}
