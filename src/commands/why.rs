//! `audit why`: load, answer each target, render.

use std::io::Write;

use anyhow::Result;

use crate::cli::WhyArgs;
use crate::{ExitStatus, analyze, emit, load, model, print_diagnostics, report};

/// Runs `audit why`.
pub fn run(args: &WhyArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let request = args.load.request()?;
    let parsed = load::load(&request)?;
    print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
    let options = analyze::WhyOptions {
        max_chains: args.max_chains,
    };
    let package_graph = parsed.graph;
    let (graph, packages) =
        if args.modules && package_graph.granularity() == model::Granularity::Package {
            (
                analyze::modules::collapse(&package_graph),
                Some(&package_graph),
            )
        } else {
            if !args.modules && package_graph.granularity() == model::Granularity::Module {
                writeln!(
                    stderr,
                    "audit: note: the input is a go mod graph, so answers are at module granularity"
                )?;
            }
            // Not collapsed: reuse the loaded graph below.
            let answers = analyze::why(&package_graph, None, &args.targets, options);
            emit(args.output.output.as_deref(), stdout, |out| {
                report::render_why(&package_graph, &answers, args.output.format, out)
            })?;
            return Ok(ExitStatus::Success);
        };
    let answers = analyze::why(&graph, packages, &args.targets, options);
    emit(args.output.output.as_deref(), stdout, |out| {
        report::render_why(&graph, &answers, args.output.format, out)
    })?;
    Ok(ExitStatus::Success)
}
