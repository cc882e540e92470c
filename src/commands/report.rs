//! `audit report`: the pipeline of `audit check` (load, catalog, policy), rendered as one
//! self-contained HTML page; and `emit_svg`, which `why` and `check` use for `--format svg`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::report::html::{self, PageOptions};
use crate::report::picture::Picture;
use crate::report::svg::{Drawn, Renderer, SvgRenderer};
use crate::{ExitStatus, emit};

use super::check::evaluate;

/// Writes the picture as SVG to `-o FILE` or stdout. When the graph is too large for the
/// built-in renderer and Graphviz is missing, writes the DOT instead (to FILE with a `.dot`
/// extension), and says so on stderr.
pub fn emit_svg(
    picture: &Picture,
    renderer: Renderer,
    output: Option<&Path>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<()> {
    let mut svg = SvgRenderer::new(renderer);
    let drawn = svg.draw(picture)?;
    let mut written_to = String::new();
    match drawn {
        Drawn::Svg(text) => emit(output, stdout, |out| Ok(out.write_all(text.as_bytes())?))?,
        Drawn::TooLarge { dot, .. } => {
            let path = output.map(|p| p.with_extension("dot"));
            emit(path.as_deref(), stdout, |out| {
                Ok(out.write_all(dot.as_bytes())?)
            })?;
            written_to = match &path {
                Some(path) => format!("to {}", path.display()),
                None => "to stdout".to_owned(),
            };
        }
    }
    for note in svg.notes(&written_to) {
        writeln!(stderr, "audit: {note}")?;
    }
    Ok(())
}

/// Runs `audit report`.
pub fn run(args: &ReportArgs, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let checked = evaluate(&args.policy, &args.load, false, stderr)?;
    let output = checked.output(args.policy.warn_only);
    let options = PageOptions {
        focus: args.focus.clone(),
        max_findings: args.max_findings,
        project: args.load.dir.display().to_string(),
    };
    let mut svg = SvgRenderer::new(args.renderer);
    let mut page = Vec::new();
    html::render(&output, &options, &mut svg, &mut page)?;
    emit(Some(&args.output), &mut std::io::sink(), |out| {
        Ok(out.write_all(&page)?)
    })?;
    for note in svg.notes("into the page") {
        writeln!(stderr, "audit: {note}")?;
    }
    if output.n_failing() > 0 && !args.policy.warn_only {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Success)
    }
}
