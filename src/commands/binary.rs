//! `audit binary FILE`.

use std::io::Write;

use anyhow::Result;

use crate::analyze::binary;
use crate::cli::{BinaryArgs, BinaryFormat};
use crate::rules::Catalog;
use crate::{ExitStatus, emit, report};

/// Runs `audit binary`.
pub fn run(args: &BinaryArgs, stdout: &mut dyn Write) -> Result<ExitStatus> {
    let catalog = Catalog::with_dirs(&args.rules)?;
    let inspected = binary::inspect(&args.file, &catalog)?;
    emit(args.output.as_deref(), stdout, |out| match args.format {
        BinaryFormat::Text => report::binary::render_text(&inspected, out),
        BinaryFormat::Json => report::binary::render_json(&inspected, out),
    })?;
    let dynamic = !inspected.linkage.starts_with("static");
    let failing = inspected
        .findings
        .iter()
        .any(|f| f.severity >= args.fail_on);
    if (dynamic && !args.allow_dynamic) || failing {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Success)
    }
}
