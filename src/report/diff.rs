//! Output of `audit diff`: text, JSON, and a Markdown body for a pull-request comment with a
//! Mermaid graph of the new chains. SARIF and GitHub annotations reuse the `check` renderers
//! on the new findings only ([`new_only`]).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::diff::{ChangedFinding, Diff};
use crate::model::DepGraph;
use crate::rules::Severity;

use super::check::{CheckRun, fix_line, package_label};
use super::escape::text_line;
use super::json::{SCHEMA_VERSION, TOOL, Tool};

/// One side of the comparison.
pub struct Side {
    /// What it is (`HEAD~1 (abc1234)`, `working tree`, a file).
    pub label: String,
    /// The checked runs (Go and/or Cargo).
    pub runs: Vec<CheckRun>,
}

/// The comparison of every ecosystem both sides have.
pub struct DiffResult {
    /// The base.
    pub base: Side,
    /// The change.
    pub head: Side,
    /// Per ecosystem (index into the runs).
    pub diffs: Vec<Diff>,
    /// Findings at or above this fail.
    pub fail_on: Severity,
}

impl DiffResult {
    /// A new failing finding, or a main package that became dynamic.
    pub fn fails(&self) -> bool {
        self.diffs.iter().any(|d| {
            d.targets.iter().any(|t| t.worsened())
                || d.changed.iter().any(|c| {
                    c.new && c.finding.severity >= self.fail_on && c.finding.allowed.is_none()
                })
        })
    }
}

fn summary(result: &DiffResult) -> String {
    let mut new = 0;
    let mut failing = 0;
    let mut grown = 0;
    let mut removed = 0;
    let mut worse = 0;
    for diff in &result.diffs {
        for changed in &diff.changed {
            if changed.new {
                new += 1;
                if changed.finding.severity >= result.fail_on && changed.finding.allowed.is_none() {
                    failing += 1;
                }
            } else {
                grown += 1;
            }
        }
        removed += diff.removed.len();
        worse += diff.targets.iter().filter(|t| t.worsened()).count();
    }
    if result.diffs.iter().all(Diff::is_empty) {
        return "no change: the change adds no dynamic-linking source and no chain to one"
            .to_owned();
    }
    format!(
        "{new} new finding(s) ({failing} at or above fail-on {}), {grown} with new chains, {removed} removed; {worse} main package(s) became dynamic or stopped building.",
        result.fail_on.as_str()
    )
}

fn touched_note(chain: &crate::analyze::diff::NewChain) -> String {
    match &chain.touched {
        Some(package) => format!(
            " (the change touched {}: {})",
            text_line(package),
            chain.how
        ),
        None => String::new(),
    }
}

fn finding_text(graph: &DepGraph, changed: &ChangedFinding, out: &mut dyn Write) -> Result<()> {
    let finding = &changed.finding;
    let mut flags = Vec::new();
    if finding.allowed.is_some() {
        flags.push("allowed".to_owned());
    }
    writeln!(out, "{}", super::check::headline(finding, &flags))?;
    writeln!(
        out,
        "    package: {}",
        text_line(&package_label(graph, finding))
    )?;
    writeln!(
        out,
        "    new chains: {}{}",
        changed.new_chain_count,
        if num_bigint::BigUint::from(changed.new_chains.len()) < changed.new_chain_count {
            format!(
                " (showing {} of {})",
                changed.new_chains.len(),
                changed.new_chain_count
            )
        } else {
            String::new()
        }
    )?;
    for chain in &changed.new_chains {
        let ids: Vec<_> = chain.chain.iter().map(|id| text_line(id)).collect();
        writeln!(out, "      {}{}", ids.join(" > "), touched_note(chain))?;
    }
    writeln!(out, "    fix: {}", text_line(&fix_line(graph, finding)))?;
    Ok(())
}

/// Text.
pub fn render_text(result: &DiffResult, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "# diff: {} -> {}",
        text_line(&result.base.label),
        text_line(&result.head.label)
    )?;
    for ((diff, base), head) in result
        .diffs
        .iter()
        .zip(&result.base.runs)
        .zip(&result.head.runs)
    {
        writeln!(
            out,
            "# config: {}",
            text_line(&super::describe_config(&head.graph.config))
        )?;
        if head.graph.incomplete() || base.graph.incomplete() {
            writeln!(
                out,
                "# warning: a graph is incomplete (load problems): chains may be missing"
            )?;
        }
        if diff.is_empty() {
            writeln!(out, "no change")?;
            continue;
        }
        if !diff.targets.is_empty() {
            writeln!(out, "main packages:")?;
            for target in &diff.targets {
                writeln!(
                    out,
                    "  {}: {} -> {}",
                    text_line(&target.package),
                    target.before.as_deref().unwrap_or("(not built)"),
                    target.after.as_deref().unwrap_or("(not built)")
                )?;
            }
        }
        let new: Vec<&ChangedFinding> = diff.changed.iter().filter(|c| c.new).collect();
        let grown: Vec<&ChangedFinding> = diff.changed.iter().filter(|c| !c.new).collect();
        if !new.is_empty() {
            writeln!(out, "new findings:")?;
            for changed in new {
                finding_text(&head.graph, changed, out)?;
            }
        }
        if !grown.is_empty() {
            writeln!(out, "findings with new chains:")?;
            for changed in grown {
                finding_text(&head.graph, changed, out)?;
            }
        }
        if !diff.removed.is_empty() {
            writeln!(out, "removed findings:")?;
            for (rule, package, severity) in &diff.removed {
                writeln!(out, "  {severity} {rule} ({})", text_line(package))?;
            }
        }
    }
    writeln!(out, "\n{}", summary(result))?;
    Ok(())
}

#[derive(Serialize)]
struct ChainJson<'a> {
    chain: &'a [String],
    touched: &'a Option<String>,
    how: &'static str,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    key: String,
    rule: &'a str,
    package: String,
    severity: &'static str,
    summary: &'a str,
    new: bool,
    allowed: bool,
    fails: bool,
    new_chain_count: Box<serde_json::value::RawValue>,
    new_chain_count_text: String,
    new_chains: Vec<ChainJson<'a>>,
    fix: String,
}

#[derive(Serialize)]
struct TargetJson<'a> {
    package: &'a str,
    before: &'a Option<String>,
    after: &'a Option<String>,
    worsened: bool,
}

#[derive(Serialize)]
struct RemovedJson<'a> {
    rule: &'a str,
    package: &'a str,
    severity: &'a str,
}

#[derive(Serialize)]
struct SectionJson<'a> {
    config: &'a crate::model::BuildConfig,
    incomplete: bool,
    targets: Vec<TargetJson<'a>>,
    findings: Vec<FindingJson<'a>>,
    removed: Vec<RemovedJson<'a>>,
}

#[derive(Serialize)]
struct DiffDocument<'a> {
    schema_version: u32,
    tool: Tool,
    base: &'a str,
    head: &'a str,
    fail_on: &'static str,
    fails: bool,
    no_change: bool,
    diffs: Vec<SectionJson<'a>>,
    summary: String,
}

/// JSON.
pub fn render_json(result: &DiffResult, out: &mut dyn Write) -> Result<()> {
    let diffs = result
        .diffs
        .iter()
        .zip(&result.base.runs)
        .zip(&result.head.runs)
        .map(|((diff, base), head)| SectionJson {
            config: &head.graph.config,
            incomplete: head.graph.incomplete() || base.graph.incomplete(),
            targets: diff
                .targets
                .iter()
                .map(|t| TargetJson {
                    package: &t.package,
                    before: &t.before,
                    after: &t.after,
                    worsened: t.worsened(),
                })
                .collect(),
            findings: diff
                .changed
                .iter()
                .map(|c| FindingJson {
                    key: c.finding.key(&head.graph),
                    rule: &c.finding.rule,
                    package: head.graph.node(c.finding.package).id.to_string(),
                    severity: c.finding.severity.as_str(),
                    summary: &c.finding.summary,
                    new: c.new,
                    allowed: c.finding.allowed.is_some(),
                    fails: c.new
                        && c.finding.severity >= result.fail_on
                        && c.finding.allowed.is_none(),
                    new_chain_count: super::json::digits_number(c.new_chain_count.to_string()),
                    new_chain_count_text: c.new_chain_count.to_string(),
                    new_chains: c
                        .new_chains
                        .iter()
                        .map(|n| ChainJson {
                            chain: &n.chain,
                            touched: &n.touched,
                            how: n.how,
                        })
                        .collect(),
                    fix: fix_line(&head.graph, &c.finding),
                })
                .collect(),
            removed: diff
                .removed
                .iter()
                .map(|(rule, package, severity)| RemovedJson {
                    rule,
                    package,
                    severity,
                })
                .collect(),
        })
        .collect();
    let document = DiffDocument {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        base: &result.base.label,
        head: &result.head.label,
        fail_on: result.fail_on.as_str(),
        fails: result.fails(),
        no_change: result.diffs.iter().all(Diff::is_empty),
        diffs,
        summary: summary(result),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// The change's runs with only the new findings (for SARIF and annotations).
pub fn new_only(result: &DiffResult) -> Vec<CheckRun> {
    result
        .head
        .runs
        .iter()
        .zip(&result.diffs)
        .map(|(run, diff)| {
            let mut findings: Vec<crate::analyze::check::Finding> = diff
                .changed
                .iter()
                .filter(|c| c.new)
                .map(|c| {
                    let mut finding = c.finding.clone();
                    finding.new = Some(true);
                    finding.fails = finding.severity >= result.fail_on && finding.allowed.is_none();
                    finding
                })
                .collect();
            findings.sort_by(|a, b| {
                (std::cmp::Reverse(a.severity), &a.rule)
                    .cmp(&(std::cmp::Reverse(b.severity), &b.rule))
            });
            let mut result = run.result.clone();
            result.findings = findings;
            CheckRun {
                label: run.label.clone(),
                graph: run.graph.clone(),
                result,
            }
        })
        .collect()
}

fn md(text: &str) -> String {
    // Markdown table cells and inline code: no pipes, backticks or control characters.
    text_line(text).replace('|', "\\|").replace('`', "'")
}

/// A Markdown body for a pull-request comment, with a Mermaid graph of the new chains.
pub fn render_markdown(result: &DiffResult, out: &mut dyn Write) -> Result<()> {
    let fails = result.fails();
    writeln!(
        out,
        "### linkaudit: {}",
        if result.diffs.iter().all(Diff::is_empty) {
            "no change to dynamic linking"
        } else if fails {
            "this change adds dynamic linking"
        } else {
            "dynamic linking changed"
        }
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Compared `{}` with `{}`. {}",
        md(&result.base.label),
        md(&result.head.label),
        md(&summary(result))
    )?;
    for ((diff, _), head) in result
        .diffs
        .iter()
        .zip(&result.base.runs)
        .zip(&result.head.runs)
    {
        if diff.is_empty() {
            continue;
        }
        writeln!(out)?;
        if !diff.targets.is_empty() {
            writeln!(out, "| main package | before | after |\n|---|---|---|")?;
            for target in &diff.targets {
                writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    md(&target.package),
                    target.before.as_deref().unwrap_or("-"),
                    target.after.as_deref().unwrap_or("-")
                )?;
            }
            writeln!(out)?;
        }
        if !diff.changed.is_empty() {
            writeln!(
                out,
                "| | finding | package | new chains | touched by the change | fix |\n|---|---|---|---|---|---|"
            )?;
            for changed in &diff.changed {
                let touched = changed
                    .new_chains
                    .first()
                    .and_then(|c| c.touched.clone())
                    .map(|t| format!("`{}`", md(t.as_str())))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "| {} | {} `{}` | `{}` | {} | {} | {} |",
                    if changed.new { "new" } else { "more chains" },
                    changed.finding.severity.as_str(),
                    md(&changed.finding.rule),
                    md(&head.graph.node(changed.finding.package).id),
                    changed.new_chain_count,
                    touched,
                    md(&fix_line(&head.graph, &changed.finding))
                )?;
            }
            // The new chains, drawn.
            let mut picture_findings = Vec::new();
            for changed in &diff.changed {
                let mut finding = changed.finding.clone();
                finding.chains.chains = changed
                    .new_chains
                    .iter()
                    .map(|c| {
                        c.chain
                            .iter()
                            .filter_map(|id| head.graph.find(id))
                            .collect()
                    })
                    .collect();
                picture_findings.push(finding);
            }
            let refs: Vec<&crate::analyze::check::Finding> = picture_findings.iter().collect();
            let picture = super::picture::Picture::findings(
                &head.graph,
                &refs,
                crate::analyze::diff::CHAINS_SHOWN,
                vec!["new chains".to_owned()],
            );
            writeln!(
                out,
                "\n```mermaid\n{}```",
                super::mermaid::flowchart(&picture)
            )?;
        }
        if !diff.removed.is_empty() {
            writeln!(out, "\nRemoved:")?;
            for (rule, package, severity) in &diff.removed {
                writeln!(out, "- {severity} `{}` (`{}`)", md(rule), md(package))?;
            }
        }
    }
    Ok(())
}
