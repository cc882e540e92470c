//! `audit why`: load, answer each target, render.

use std::io::Write;

use anyhow::Result;

use crate::cli::WhyArgs;
use crate::{ExitStatus, analyze, emit, load, model, print_diagnostics, report};

/// Runs `audit why`: one section per loaded graph (a directory with both `go.mod` and
/// `Cargo.toml` gives two).
pub fn run(args: &WhyArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let request = args.load.request()?;
    let options = analyze::WhyOptions {
        max_chains: args.max_chains,
        cut: args.cut.then(|| args.cut_exclude.clone()),
    };
    let mut sections: Vec<(model::DepGraph, Vec<analyze::WhyAnswer>)> = Vec::new();
    for parsed in load::load_all(&request)? {
        print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
        let package_graph = parsed.graph;
        if args.modules && package_graph.granularity() == model::Granularity::Package {
            let module_graph = analyze::modules::collapse(&package_graph);
            let answers =
                analyze::why(&module_graph, Some(&package_graph), &args.targets, &options);
            sections.push((module_graph, answers));
        } else {
            if !args.modules && package_graph.granularity() == model::Granularity::Module {
                writeln!(
                    stderr,
                    "audit: note: the input is a go mod graph, so answers are at module granularity"
                )?;
            }
            let answers = analyze::why(&package_graph, None, &args.targets, &options);
            sections.push((package_graph, answers));
        }
    }
    let views: Vec<(&model::DepGraph, &[analyze::WhyAnswer])> = sections
        .iter()
        .map(|(graph, answers)| (graph, answers.as_slice()))
        .collect();
    if args.output.format == report::Format::Svg {
        super::report::emit_svg(
            &report::why_picture(&views),
            args.output.renderer,
            args.output.output.as_deref(),
            stdout,
            stderr,
        )?;
    } else {
        emit(args.output.output.as_deref(), stdout, |out| {
            report::render_why(&views, args.output.format, out)
        })?;
    }
    Ok(ExitStatus::Success)
}
