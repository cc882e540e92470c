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
            for version in &report.floor_symbols {
                writeln!(
                    out,
                    "  needs GLIBC_{}: {} symbol(s)",
                    text_line(&version.version),
                    version.symbols.len()
                )?;
                for symbol in &version.symbols {
                    match (&symbol.package, symbol.evidence) {
                        (Some(package), "called-from-go") => writeln!(
                            out,
                            "    {} (called by {}: its cgo stub is in the symbol table)",
                            text_line(&symbol.name),
                            text_line(package)
                        )?,
                        (Some(package), _) => writeln!(
                            out,
                            "    {} (likely from {})",
                            text_line(&symbol.name),
                            text_line(package)
                        )?,
                        (None, _) => writeln!(out, "    {}", text_line(&symbol.name))?,
                    }
                }
            }
            if !report.lowers_the_floor.is_empty() {
                writeln!(out, "  what lowers the floor:")?;
                for way in &report.lowers_the_floor {
                    writeln!(out, "    - {}", text_line(way))?;
                }
            }
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
