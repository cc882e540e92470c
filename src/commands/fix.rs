//! `audit fix`: wires the arguments to the planner (`plan::go`, `plan::cargo`) and the plan to
//! its renderer. Exit 0 when the proposed build is expected to be static with no glibc
//! warning, 1 otherwise.

use std::io::Write;

use anyhow::Result;

use crate::cli::{BinaryFormat, FixArgs};
use crate::plan::{self, Plan};
use crate::{ExitStatus, emit, report};

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

/// The plans for the directory: Go, then Cargo.
pub fn plans(args: &FixArgs, stderr: &mut dyn Write) -> Result<Vec<Plan>> {
    let (go, cargo) = ecosystems(args);
    let mut plans = Vec::new();
    if go {
        plans.push(plan::go::plan(args, stderr)?);
    }
    if cargo {
        plans.push(plan::cargo::plan(args, stderr)?);
    }
    Ok(plans)
}

/// Runs `audit fix`.
pub fn run(args: &FixArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let plans = plans(args, stderr)?;
    emit(args.output.as_deref(), stdout, |out| match args.format {
        BinaryFormat::Text => {
            for (i, plan) in plans.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                report::fix::render_text(plan, out)?;
            }
            Ok(())
        }
        BinaryFormat::Json => report::fix::render_json(&plans, out),
    })?;
    Ok(if plans.iter().all(Plan::expects_clean) {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
