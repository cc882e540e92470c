//! JSON output of `audit check`: the `why` document's envelope (schema_version, tool, config,
//! incomplete) extended with `targets`, `findings`, `static_link` and `allow`. Also the format
//! of `--write-baseline` and the input of `--baseline`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::chain_ids;
use crate::config::Allow;
use crate::model::BuildConfig;

use super::check::{CheckOutput, fix_line};
use super::json::{SCHEMA_VERSION, TOOL, Tool};

#[derive(Serialize)]
struct TargetJson {
    package: String,
    linkage: &'static str,
    /// `internal` or `external` (Go): how the Go linker links it.
    #[serde(skip_serializing_if = "Option::is_none")]
    link_mode: Option<&'static str>,
    /// False when the verdict depends on what C objects contain (see the reasons).
    certain: bool,
    reasons: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    config: String,
}

#[derive(Serialize)]
struct UpgradeJson {
    module: String,
    version: String,
    tags: Vec<String>,
    command: String,
}

#[derive(Serialize)]
struct FixJson {
    tags: Vec<String>,
    tags_min_version: Option<String>,
    upgrade: Option<UpgradeJson>,
    /// `CGO_ENABLED=0` is one of the actions that remove the source.
    cgo_off_fixes: bool,
    alternative: Option<String>,
    cargo_edit: Option<crate::analyze::cargo_fix::CargoEdit>,
    rustflags: Option<String>,
    env: Vec<String>,
    summary: String,
    text: String,
}

#[derive(Serialize)]
struct AllowJson {
    reason: String,
    until: Option<String>,
}

impl From<&Allow> for AllowJson {
    fn from(allow: &Allow) -> Self {
        AllowJson {
            reason: allow.reason.clone(),
            until: allow.until.clone(),
        }
    }
}

#[derive(Serialize)]
struct FindingJson {
    key: String,
    rule: String,
    package: String,
    module: Option<String>,
    version: Option<String>,
    library: Option<String>,
    effects: Vec<&'static str>,
    severity: &'static str,
    summary: String,
    chain_count: Box<serde_json::value::RawValue>,
    chain_count_text: String,
    chains: Vec<Vec<String>>,
    truncated: bool,
    choke_points: Vec<String>,
    explains: Vec<[String; 2]>,
    /// The fewest packages to stop importing so that no chain reaches the package.
    /// `null` when not computed (it is, for `--format json` and `--write-baseline`).
    cut: Option<super::json::CutJson>,
    notes: Vec<String>,
    fix: FixJson,
    /// What `CGO_ENABLED=0` does to the package (the rule's word): `fixes`, `stub`, `fails`.
    cgo_off: Option<crate::rules::CgoOff>,
    allowed: Option<AllowJson>,
    allow_expired: Option<AllowJson>,
    new: Option<bool>,
    new_chains: Vec<Vec<String>>,
    fails: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    config: String,
}

#[derive(Serialize)]
struct WarningJson {
    symbol: String,
    package: String,
    rule: String,
}

#[derive(Serialize)]
struct LibraryJson {
    library: String,
    pkg_config: bool,
    archive_found: Option<bool>,
    packages: Vec<String>,
}

#[derive(Serialize)]
struct CgoOffJson {
    package: String,
    outcome: String,
    rule: String,
}

#[derive(Serialize)]
struct StaticJson {
    #[serde(skip_serializing_if = "String::is_empty")]
    config: String,
    warnings: Vec<WarningJson>,
    libraries: Vec<LibraryJson>,
    cgo_off: Vec<CgoOffJson>,
}

#[derive(Serialize)]
struct AllowReportJson {
    expired: Vec<Allow>,
    stale: Vec<Allow>,
}

#[derive(Serialize)]
struct SummaryJson {
    fail_on: &'static str,
    failing: usize,
    warn_only: bool,
    baseline: bool,
    text: String,
}

#[derive(Serialize)]
struct CheckDocument<'a> {
    schema_version: u32,
    tool: Tool,
    config: &'a BuildConfig,
    configs: Vec<&'a BuildConfig>,
    incomplete: bool,
    problems: Vec<String>,
    targets: Vec<TargetJson>,
    findings: Vec<FindingJson>,
    static_link: Vec<StaticJson>,
    allow: AllowReportJson,
    summary: SummaryJson,
}

/// Renders the check as one JSON document.
pub fn render(output: &CheckOutput<'_>, out: &mut dyn Write) -> Result<()> {
    let mut targets = Vec::new();
    let mut findings = Vec::new();
    let mut static_link = Vec::new();
    let mut problems = Vec::new();
    for run in output.runs {
        let graph = &run.graph;
        let id = |i: petgraph::graph::NodeIndex| graph.node(i).id.to_string();
        problems.extend(graph.problems.iter().cloned());
        for target in &run.result.targets {
            targets.push(TargetJson {
                package: id(target.package),
                linkage: target.linkage,
                link_mode: target.link.as_ref().map(|l| l.mode),
                certain: target.link.as_ref().is_none_or(|l| l.certain),
                reasons: target.reasons.clone(),
                config: run.label.clone(),
            });
        }
        let counts = super::check::count_texts(&run.result.findings);
        for (finding, count) in run.result.findings.iter().zip(counts) {
            let node = graph.node(finding.package);
            let fix = &finding.fix;
            findings.push(FindingJson {
                key: finding.key(graph),
                rule: finding.rule.clone(),
                package: node.id.to_string(),
                module: node.module.as_ref().map(|m| m.path.clone()),
                version: node.module.as_ref().and_then(|m| m.version.clone()),
                library: finding.library.clone(),
                effects: finding.effects.iter().map(|e| e.as_str()).collect(),
                severity: finding.severity.as_str(),
                summary: finding.summary.clone(),
                chain_count: super::json::digits_number(count.clone()),
                chain_count_text: count,
                chains: finding
                    .chains
                    .chains
                    .iter()
                    .map(|c| chain_ids(graph, c))
                    .collect(),
                truncated: finding.chains.truncated,
                choke_points: finding.chains.choke_points.iter().map(|&i| id(i)).collect(),
                explains: finding
                    .explains
                    .iter()
                    .map(|(r, p)| [r.clone(), p.clone()])
                    .collect(),
                notes: finding.notes.clone(),
                cut: finding
                    .cut
                    .as_ref()
                    .map(|cut| super::json::CutJson::of(graph, cut)),
                cgo_off: fix.cgo_off,
                fix: FixJson {
                    tags: fix.tags.clone(),
                    tags_min_version: fix.tags_min_version.clone(),
                    upgrade: fix.upgrade.as_ref().map(|u| UpgradeJson {
                        module: u.module.clone(),
                        version: u.version.clone(),
                        tags: u.tags.clone(),
                        command: format!("go get {}@{}", u.module, u.version),
                    }),
                    cgo_off_fixes: fix.cgo_off == Some(crate::rules::CgoOff::Fixes),
                    alternative: fix.alternative.clone(),
                    cargo_edit: finding.cargo_edit.clone(),
                    rustflags: fix.rustflags.clone(),
                    env: fix.env.clone(),
                    summary: fix_line(graph, finding),
                    text: fix.text.clone(),
                },
                allowed: finding.allowed.as_ref().map(AllowJson::from),
                allow_expired: finding.expired.as_ref().map(AllowJson::from),
                new: finding.new,
                new_chains: finding.new_chains.clone(),
                fails: finding.fails,
                config: run.label.clone(),
            });
        }
        let report = &run.result.static_link;
        static_link.push(StaticJson {
            config: run.label.clone(),
            warnings: report
                .warnings
                .iter()
                .map(|w| WarningJson {
                    symbol: w.symbol.clone(),
                    package: w.package.clone(),
                    rule: w.rule.clone(),
                })
                .collect(),
            libraries: report
                .libraries
                .iter()
                .map(|l| LibraryJson {
                    library: l.library.clone(),
                    pkg_config: l.pkg_config,
                    archive_found: l.archive_found,
                    packages: l.packages.clone(),
                })
                .collect(),
            cgo_off: report
                .cgo_off
                .iter()
                .map(|c| CgoOffJson {
                    package: c.package.clone(),
                    outcome: c.outcome.clone(),
                    rule: c.rule.clone(),
                })
                .collect(),
        });
    }
    problems.sort();
    problems.dedup();
    let document = CheckDocument {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        config: &output.runs[0].graph.config,
        configs: output.runs.iter().map(|run| &run.graph.config).collect(),
        incomplete: output.runs.iter().any(|run| run.graph.incomplete()),
        problems,
        targets,
        findings,
        static_link,
        allow: AllowReportJson {
            expired: output.allow.expired.clone(),
            stale: output.allow.stale.clone(),
        },
        summary: SummaryJson {
            fail_on: output.fail_on.as_str(),
            failing: output.n_failing(),
            warn_only: output.warn_only,
            baseline: output.baseline,
            text: super::check_text::summary(output),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
