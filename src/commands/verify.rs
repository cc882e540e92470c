//! `audit verify`: wires the arguments to the planner and to `plan::verify`, which runs the
//! build (the plan's, or `--command`) and judges it against a prediction for that build.
//! Exit 0 only when every binary is static and the link printed no glibc warning.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::{BinaryFormat, VerifyArgs};
use crate::exec::CommandSpec;
use crate::plan::verify::{self, BuildSettings, Predicted};
use crate::plan::{self, Plan};
use crate::{ExitStatus, emit, report};

/// Runs `audit verify`.
pub fn run(
    args: &VerifyArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<ExitStatus> {
    let plans = super::fix::plans(&args.fix, stderr)?;
    let mut outcomes = Vec::new();
    for plan in &plans {
        outcomes.push(verify_plan(args, plan)?);
    }
    emit(args.fix.output.as_deref(), stdout, |out| {
        match args.fix.format {
            BinaryFormat::Json => report::verify::render_json(&outcomes, out),
            BinaryFormat::Text => {
                for (i, outcome) in outcomes.iter().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    report::verify::render_text(outcome, out)?;
                }
                Ok(())
            }
        }
    })?;
    Ok(if outcomes.iter().all(verify::Outcome::success) {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

fn verify_plan(args: &VerifyArgs, plan: &Plan) -> Result<verify::Outcome> {
    let temp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let out_dir = match &args.keep {
        Some(dir) if plan.ecosystem == "go" => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            dir.canonicalize()?
        }
        _ => temp.path().to_path_buf(),
    };
    let build_dir = plan
        .chosen
        .build
        .spec
        .dir
        .clone()
        .unwrap_or_else(|| args.fix.load.dir.clone());
    let (spec, command_text) = match &args.command {
        Some(command) => (
            CommandSpec {
                program: "sh".to_owned(),
                args: vec!["-c".to_owned(), command.clone()],
                dir: Some(build_dir),
                env: vec![("AUDIT_OUT".to_owned(), out_dir.display().to_string())],
                install_hint: "a POSIX shell is needed for --command".to_owned(),
            },
            command.clone(),
        ),
        None => (
            plan.chosen.build.spec.clone(),
            plan.chosen.build.command.clone(),
        ),
    };
    let fix_args = &args.fix;
    let own_build = args.command.is_none();
    let mut predict = |settings: Option<BuildSettings>| -> Result<Option<Predicted>> {
        if own_build || plan.ecosystem == "cargo" {
            let mut settings = settings.unwrap_or_default();
            settings.from = if own_build {
                "audit fix".to_owned()
            } else {
                "audit fix (a Cargo --command's configuration is not read)".to_owned()
            };
            return Ok(Some(Predicted {
                settings,
                graph: plan.chosen.graph.clone(),
                prediction: plan.chosen.prediction.clone(),
            }));
        }
        match settings {
            Some(settings) => plan::go::predict_for(fix_args, &settings, &plan.catalog).map(Some),
            None => Ok(None),
        }
    };
    verify::verify(
        &spec,
        &command_text,
        &out_dir,
        plan.ecosystem == "go",
        plan,
        &mut predict,
        args.keep.as_deref(),
    )
}
