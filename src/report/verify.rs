//! Output of `audit verify`: the outcome first (`static and clean`, `not clean, as
//! predicted`, `prediction wrong`), the command, what the prediction is for, predicted and
//! observed side by side, each linker warning with its package, the binaries. JSON:
//! `{"outcome", "verified", "command", "build_succeeded", "link_ran", "predicted_for",
//! "predicted", "comparison", "differences", "linker_warnings", "binaries", "build_errors"}`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::plan::verify::{Kind, Outcome};

use super::escape::text_line;
use super::json::{SCHEMA_VERSION, TOOL, Tool};

/// JSON of one or more outcomes (one per ecosystem).
pub fn render_json(outcomes: &[Outcome], out: &mut dyn Write) -> Result<()> {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        tool: Tool,
        outcome: Kind,
        verified: bool,
        #[serde(flatten)]
        first: &'a Outcome,
        #[serde(skip_serializing_if = "<[Outcome]>::is_empty")]
        more: &'a [Outcome],
    }
    let Some(first) = outcomes.first() else {
        anyhow::bail!("nothing was verified");
    };
    let worst = outcomes
        .iter()
        .map(|o| o.kind)
        .find(|k| *k != Kind::StaticClean)
        .unwrap_or(Kind::StaticClean);
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        outcome: worst,
        verified: worst == Kind::StaticClean,
        first,
        more: &outcomes[1..],
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// Text of one outcome.
pub fn render_text(outcome: &Outcome, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "verify: {}", outcome.kind.headline())?;
    writeln!(out, "built: {}", text_line(&outcome.command))?;
    match &outcome.predicted_for {
        Some(settings) => {
            let mut parts = vec![format!(
                "CGO_ENABLED={}",
                match settings.cgo {
                    Some(true) => "1",
                    Some(false) => "0",
                    None => "default",
                }
            )];
            parts.push(format!(
                "tags={}",
                if settings.tags.is_empty() {
                    "none".to_owned()
                } else {
                    settings.tags.join(",")
                }
            ));
            if let Some(ldflags) = &settings.ldflags {
                parts.push(format!("ldflags={ldflags}"));
            }
            if let Some(mode) = &settings.buildmode {
                parts.push(format!("buildmode={mode}"));
            }
            writeln!(
                out,
                "predicted for: {} (from {})",
                text_line(&parts.join(" ")),
                text_line(&settings.from)
            )?;
        }
        None => writeln!(
            out,
            "predicted for: nothing (the configuration cannot be told)"
        )?,
    }
    if !outcome.comparison.is_empty() {
        writeln!(out, "predicted vs observed:")?;
        for (what, predicted, observed) in &outcome.comparison {
            writeln!(
                out,
                "  {}: predicted {}; observed {}",
                text_line(what),
                text_line(predicted),
                text_line(observed)
            )?;
        }
    }
    for report in &outcome.binaries {
        let name = Path::new(&report.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        writeln!(
            out,
            "binary {}: {} ({})",
            text_line(&name),
            report.linkage,
            text_line(&report.reasons.join("; "))
        )?;
    }
    match outcome.link_ran {
        Some(false) => writeln!(out, "linker warnings: the link did not run")?,
        _ if outcome.warnings.is_empty() => writeln!(out, "linker warnings: none")?,
        _ => {}
    }
    for warning in &outcome.warnings {
        writeln!(
            out,
            "linker warning: {} from {} ({})",
            text_line(&warning.symbol),
            text_line(warning.package.as_deref().unwrap_or("an unknown package")),
            text_line(&warning.how)
        )?;
        writeln!(out, "  {}", text_line(&warning.line))?;
    }
    if !outcome.build_succeeded {
        writeln!(out, "the build failed:")?;
        for line in &outcome.build_errors {
            writeln!(out, "  {}", text_line(line))?;
        }
    }
    if !outcome.differences.is_empty() {
        writeln!(out, "differences from the prediction:")?;
        for difference in &outcome.differences {
            writeln!(out, "  - {}", text_line(difference))?;
        }
    }
    Ok(())
}
