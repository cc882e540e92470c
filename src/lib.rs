//! linkaudit: why is this binary dynamically linked, and what exactly must change to make it
//! fully static?
//!
//! Data flows one way: `load` (run `go list` or read a recording) builds a `model::DepGraph`,
//! `analyze` answers questions about it, `report` renders the answers. See
//! `docs/ARCHITECTURE.md` for the map and the invariants.

#![forbid(unsafe_code)]

pub mod analyze;
pub mod binary;
pub mod cli;
pub mod commands;
pub mod config;
pub mod exec;
pub mod load;
pub mod model;
pub mod pattern;
pub mod plan;
pub mod progress;
pub mod report;
pub mod rules;

use std::io::Write;

use anyhow::{Context, Result};

use cli::{Cli, Command};

/// Process exit status: 0 clean, 1 findings, 2 error (the ripgrep/ruff split).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Answered; nothing to fail on.
    Success,
    /// Findings at or above the failure threshold.
    Findings,
    /// Could not answer.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// How many load problems are listed on stderr before the rest are summarised.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// Prints load notes and problems to `stderr`, one line each.
pub fn print_diagnostics(
    notes: &[String],
    graph: &model::DepGraph,
    stderr: &mut dyn Write,
) -> Result<()> {
    for note in notes {
        writeln!(stderr, "audit: {note}")?;
    }
    for problem in graph.problems.iter().take(MAX_PROBLEMS_SHOWN) {
        writeln!(stderr, "audit: warning: {problem}")?;
    }
    if graph.problems.len() > MAX_PROBLEMS_SHOWN {
        writeln!(
            stderr,
            "audit: warning: ... and {} more load problem(s); the result is marked incomplete",
            graph.problems.len() - MAX_PROBLEMS_SHOWN
        )?;
    }
    Ok(())
}

/// Writes `render`'s output to `-o FILE` or to `stdout`.
pub fn emit(
    output: Option<&std::path::Path>,
    stdout: &mut dyn Write,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        Some(path) => {
            let mut buffer = Vec::new();
            render(&mut buffer)?;
            std::fs::write(path, buffer)
                .with_context(|| format!("{}: cannot write", path.display()))
        }
        None => {
            render(stdout)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Runs a parsed command line. Errors mean "could not answer" (exit 2).
pub fn run(cli: &Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    match &cli.command {
        Command::Why(args) => commands::why::run(args, stdout, stderr),
        Command::Check(args) => commands::check::run(args, stdout, stderr),
        Command::Rules(args) => commands::rules::run(args, stdout, stderr),
        Command::Binary(args) => commands::binary::run(args, stdout),
        Command::Fix(args) => commands::fix::run(args, stdout, stderr),
        Command::Verify(args) => commands::verify::run(args, stdout, stderr),
        Command::Report(args) => commands::report::run(args, stderr),
        Command::Diff(args) => commands::diff::run(args, stdout, stderr),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "audit", stdout);
            Ok(ExitStatus::Success)
        }
        Command::Man => {
            use clap::CommandFactory;
            let command = Cli::command();
            clap_mangen::Man::new(command.clone()).render(stdout)?;
            // One section per subcommand, so the page documents every flag.
            for sub in command.get_subcommands() {
                writeln!(stdout, ".SH \"AUDIT {}\"", sub.get_name().to_uppercase())?;
                clap_mangen::Man::new(sub.clone()).render_options_section(stdout)?;
            }
            Ok(ExitStatus::Success)
        }
    }
}
