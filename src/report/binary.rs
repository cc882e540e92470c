//! Output of `audit binary`: text and JSON.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::binary::BinaryReport;

use super::escape::text_line;
use super::json::{SCHEMA_VERSION, TOOL, Tool};

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    #[serde(flatten)]
    report: &'a BinaryReport,
}

/// JSON.
pub fn render_json(report: &BinaryReport, out: &mut dyn Write) -> Result<()> {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// Text.
pub fn render_text(report: &BinaryReport, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{}: {} {}",
        text_line(&report.file),
        report.class,
        report.linkage
    )?;
    for reason in &report.reasons {
        writeln!(out, "  {}", text_line(reason))?;
    }
    match &report.glibc_floor {
        Some(floor) => {
            writeln!(
                out,
                "glibc floor: GLIBC_{floor} (the binary fails with `GLIBC_{floor} not found` on older hosts)"
            )?;
            let releases: Vec<String> = report
                .glibc_oldest_releases
                .iter()
                .map(|r| format!("{} {} (glibc {})", r.distribution, r.release, r.glibc))
                .collect();
            writeln!(
                out,
                "  oldest releases that run it: {}",
                releases.join(", ")
            )?;
        }
        None => writeln!(out, "glibc floor: none (no versioned glibc symbols)")?,
    }
    match &report.go {
        None => writeln!(out, "go: no Go build info")?,
        Some(info) => {
            writeln!(out, "go: {}", text_line(&info.go_version))?;
            if let Some(path) = &info.path {
                writeln!(out, "  path: {}", text_line(path))?;
            }
            if let Some(main) = &info.main {
                writeln!(
                    out,
                    "  main module: {} {}",
                    text_line(&main.path),
                    text_line(&main.version)
                )?;
            }
            for (key, value) in &info.settings {
                writeln!(out, "  build {}={}", text_line(key), text_line(value))?;
            }
            writeln!(out, "  {} dependencies", info.deps.len())?;
            for dep in &info.deps {
                let replace = dep
                    .replace
                    .as_ref()
                    .map(|r| format!(" => {} {}", r.path, r.version))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "    {} {}{}",
                    text_line(&dep.path),
                    text_line(&dep.version),
                    text_line(&replace)
                )?;
            }
        }
    }
    if report.findings.is_empty() {
        writeln!(out, "findings: none")?;
    } else {
        writeln!(out, "findings:")?;
    }
    for finding in &report.findings {
        writeln!(
            out,
            "  {} {} ({}): {}",
            finding.severity.as_str(),
            finding.rule,
            finding.confidence,
            text_line(&finding.summary)
        )?;
        writeln!(out, "    evidence: {}", text_line(&finding.evidence))?;
        if !finding.fix_tags.is_empty() {
            writeln!(out, "    fix: -tags {}", finding.fix_tags.join(","))?;
        }
    }
    Ok(())
}
