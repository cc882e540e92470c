//! GitHub Actions workflow-command annotations (`::error file=...,line=...,title=...::msg`).
//! GitHub shows at most 10 annotations of each type per step, so the worst 10 of each level are
//! annotated (most chains first) and the rest summarised in one notice.

use std::io::Write;

use anyhow::Result;

use crate::rules::Severity;

use super::check::{CheckOutput, finding_location, fix_line, package_label};

/// Annotations GitHub shows per type.
pub const MAX_PER_TYPE: usize = 10;

use super::escape::{workflow_data as escape_data, workflow_property as escape_property};

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// Renders the findings as annotations, then a summary notice.
pub fn render(output: &CheckOutput<'_>, out: &mut dyn Write) -> Result<()> {
    let mut items = Vec::new();
    for run in output.runs {
        for finding in &run.result.findings {
            if finding.allowed.is_some() {
                continue;
            }
            items.push((run, finding));
        }
    }
    // Worst first: failing, severity, chain count, then rule and package for stability.
    items.sort_by(|(ra, a), (rb, b)| {
        (
            std::cmp::Reverse(a.fails),
            std::cmp::Reverse(a.severity),
            std::cmp::Reverse(a.chains.count),
            &a.rule,
            &ra.graph.node(a.package).id,
        )
            .cmp(&(
                std::cmp::Reverse(b.fails),
                std::cmp::Reverse(b.severity),
                std::cmp::Reverse(b.chains.count),
                &b.rule,
                &rb.graph.node(b.package).id,
            ))
    });
    let mut shown = [0usize; 3];
    let mut hidden = 0usize;
    for (run, finding) in &items {
        let slot = finding.severity as usize;
        if shown[slot] >= MAX_PER_TYPE {
            hidden += 1;
            continue;
        }
        shown[slot] += 1;
        let graph = &run.graph;
        let mut properties = Vec::new();
        let location = finding_location(output.sources, graph, finding);
        properties.push(format!("file={}", escape_property(&location.file)));
        if let Some(line) = location.line {
            properties.push(format!("line={line}"));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!(
                "{}: {}",
                finding.rule,
                graph.node(finding.package).id
            ))
        ));
        let mut message = format!("{}: {}.", package_label(graph, finding), finding.summary);
        if let Some(chain) = finding.chains.chains.first() {
            let ids = crate::analyze::chain_ids(graph, chain);
            message.push_str(&format!(
                "\nChain (1 of {}): {}",
                finding.chains.count,
                ids.join(" > ")
            ));
        }
        message.push_str(&format!("\nFix: {}", fix_line(graph, finding)));
        if finding.new == Some(true) {
            message.push_str("\nNew since the baseline.");
        }
        writeln!(
            out,
            "::{} {}::{}",
            command(finding.severity),
            properties.join(","),
            escape_data(&message)
        )?;
    }
    let problems: usize = output.runs.iter().map(|r| r.graph.problems.len()).sum();
    if problems > 0 {
        let first = output
            .runs
            .iter()
            .flat_map(|r| r.graph.problems.iter())
            .next()
            .cloned()
            .unwrap_or_default();
        writeln!(
            out,
            "::warning title={}::{}",
            escape_property("linkaudit: incomplete graph"),
            escape_data(&format!(
                "{problems} load problem(s), so chains may be missing and a clean result proves nothing; first: {first}"
            ))
        )?;
    }
    if hidden > 0 {
        writeln!(
            out,
            "::notice title=linkaudit::{}",
            escape_data(&format!(
                "{hidden} more finding(s) not annotated (GitHub shows {MAX_PER_TYPE} per type); run `audit check` for all of them"
            ))
        )?;
    }
    writeln!(
        out,
        "::notice title=linkaudit summary::{}",
        escape_data(&super::check_text::summary(output))
    )?;
    Ok(())
}
