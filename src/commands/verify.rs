//! `audit verify`: build the way `audit fix` says (or `--command`), capture the linker's
//! warnings, inspect every binary, and compare with the prediction. Exit 0 when each binary
//! is static and the link printed no glibc NSS/dlopen warning; 1 with an account otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::binary::{self, BinaryReport};
use crate::cli::{BinaryFormat, VerifyArgs};
use crate::exec::{self, CommandSpec};
use crate::report::escape::text_line;
use crate::report::json::{SCHEMA_VERSION, TOOL, Tool};
use crate::{ExitStatus, emit};

/// A glibc warning the linker printed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LinkerWarning {
    /// The symbol (`dlopen`, `getaddrinfo`, ...).
    pub symbol: String,
    /// The line as printed.
    pub line: String,
}

/// The `Using 'X' in statically linked applications requires at runtime ...` lines.
pub fn linker_warnings(stderr: &str) -> Vec<LinkerWarning> {
    let mut out: Vec<LinkerWarning> = stderr
        .lines()
        .filter(|line| line.contains("in statically linked applications requires at runtime"))
        .filter_map(|line| {
            let start = line.find("Using '")? + "Using '".len();
            let end = line[start..].find('\'')? + start;
            Some(LinkerWarning {
                symbol: line[start..end].to_owned(),
                line: line.trim().to_owned(),
            })
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.symbol == b.symbol);
    out
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    schema_version: u32,
    tool: Tool,
    command: &'a str,
    build_succeeded: bool,
    build_stderr: Vec<String>,
    predicted: &'static str,
    linker_warnings: &'a [LinkerWarning],
    binaries: &'a [BinaryReport],
    verified: bool,
    mismatches: &'a [String],
}

/// The ELF files directly in `dir`, sorted.
pub fn executables(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?
    {
        let path = entry?.path();
        if path.is_file()
            && std::fs::read(&path)
                .map(|b| b.starts_with(b"\x7fELF"))
                .unwrap_or(false)
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs `audit verify`.
pub fn run(
    args: &VerifyArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<ExitStatus> {
    let (go, cargo) = super::fix::ecosystems(&args.fix);
    if cargo && !go {
        return run_cargo(args, stdout, stderr);
    }
    let plan = super::fix::plan(&args.fix, stderr)?;
    let temp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let out_dir = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            dir.canonicalize()?
        }
        None => temp.path().to_path_buf(),
    };
    let module_dir = args.fix.load.dir.clone();
    let (spec, command_text) = match &args.command {
        Some(command) => (
            CommandSpec {
                program: "sh".to_owned(),
                args: vec!["-c".to_owned(), command.clone()],
                dir: Some(module_dir),
                env: vec![("AUDIT_OUT".to_owned(), out_dir.display().to_string())],
                install_hint: "a POSIX shell is needed for --command".to_owned(),
            },
            command.clone(),
        ),
        None => {
            let mut go_args = vec![
                "build".to_owned(),
                "-o".to_owned(),
                format!("{}/", out_dir.display()),
            ];
            if !plan.tags.is_empty() {
                go_args.push(format!("-tags={}", plan.tags.join(",")));
            }
            if plan.external_static {
                go_args.push("-ldflags=-linkmode external -extldflags '-static'".to_owned());
            }
            go_args.extend(plan.patterns.iter().cloned());
            let mut env = vec![
                (
                    "CGO_ENABLED".to_owned(),
                    if plan.cgo_enabled { "1" } else { "0" }.to_owned(),
                ),
                ("GOWORK".to_owned(), "off".to_owned()),
            ];
            if let Some(goos) = &plan.base.config.goos {
                env.push(("GOOS".to_owned(), goos.clone()));
            }
            if let Some(goarch) = &plan.base.config.goarch {
                env.push(("GOARCH".to_owned(), goarch.clone()));
            }
            (
                CommandSpec {
                    program: "go".to_owned(),
                    args: go_args,
                    dir: Some(module_dir),
                    env,
                    install_hint: "install Go to build".to_owned(),
                },
                plan.command.clone(),
            )
        }
    };
    let finished = exec::run(&spec)?;
    let build_stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
    let warnings = linker_warnings(&build_stderr);
    let mut binaries = Vec::new();
    let mut mismatches = Vec::new();
    if !finished.success {
        mismatches.push(format!("the build failed ({})", finished.status));
    } else {
        for file in executables(&out_dir)? {
            binaries.push(binary::inspect(&file, &plan.catalog)?);
        }
        if binaries.is_empty() {
            mismatches.push(format!(
                "the build wrote no executable to {}",
                out_dir.display()
            ));
        }
    }
    for report in &binaries {
        if !report.linkage.starts_with("static") {
            mismatches.push(format!(
                "{} is {} ({}), predicted {}",
                report.file,
                report.linkage,
                report.reasons.join("; "),
                if plan.predicted_static {
                    "static"
                } else {
                    "not static"
                }
            ));
        }
    }
    for warning in &warnings {
        let remaining = plan
            .fixed_result
            .static_link
            .warnings
            .iter()
            .find(|w| w.symbol == warning.symbol);
        let before = plan
            .base_result
            .static_link
            .warnings
            .iter()
            .find(|w| w.symbol == warning.symbol);
        let why = match (remaining, before) {
            (Some(w), _) => format!(
                "predicted: {} remains after the fix ({})",
                w.package, w.rule
            ),
            (None, Some(w)) => format!(
                "from {} ({}), which the fix removes: this build did not apply it",
                w.package, w.rule
            ),
            (None, None) => "not predicted: a source the catalog does not know".to_owned(),
        };
        mismatches.push(format!("the linker warned about {}: {why}", warning.symbol));
    }
    let outcome = Outcome {
        command: command_text,
        build_succeeded: finished.success,
        build_stderr,
        predicted_static: plan.predicted_static,
        warnings,
        binaries,
        mismatches,
    };
    render(args, &outcome, stdout)
}

/// `audit verify` for a Cargo workspace: the edits are already applied in the plan's copy of
/// the workspace; build it there with the proposed RUSTFLAGS and environment (or `--command`,
/// run in that copy), then inspect the release binaries. rustc hides linker output (and the
/// default `rust-lld` prints no glibc warnings), so the ELF is the evidence.
fn run_cargo(
    args: &VerifyArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<ExitStatus> {
    let plan = super::cargo_fix::plan(&args.fix, stderr)?;
    let target = plan
        .base
        .config
        .target
        .clone()
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
    let workspace = plan.workspace.path().to_path_buf();
    let (spec, command_text) = match &args.command {
        Some(command) => (
            CommandSpec {
                program: "sh".to_owned(),
                args: vec!["-c".to_owned(), command.clone()],
                dir: Some(workspace.clone()),
                env: Vec::new(),
                install_hint: "a POSIX shell is needed for --command".to_owned(),
            },
            command.clone(),
        ),
        None => {
            let mut env: Vec<(String, String)> = plan
                .env
                .iter()
                .filter_map(|assignment| assignment.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            if let Some(flags) = &plan.rustflags {
                env.push(("RUSTFLAGS".to_owned(), flags.clone()));
            }
            (
                CommandSpec {
                    program: "cargo".to_owned(),
                    args: ["build", "--release", "--target", &target]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    dir: Some(workspace.clone()),
                    env,
                    install_hint: "install cargo to build".to_owned(),
                },
                format!(
                    "{}{}",
                    plan.edits
                        .iter()
                        .map(|e| format!("{e} && "))
                        .collect::<String>(),
                    plan.command
                ),
            )
        }
    };
    let finished = exec::run(&spec)?;
    let build_stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
    let warnings = linker_warnings(&build_stderr);
    let mut binaries = Vec::new();
    let mut mismatches = Vec::new();
    if finished.success {
        for file in super::cargo_fix::built_binaries(&workspace, &target)? {
            let report = binary::inspect(&file, &plan.catalog)?;
            if let Some(keep) = &args.keep {
                std::fs::create_dir_all(keep)?;
                if let Some(name) = file.file_name() {
                    std::fs::copy(&file, keep.join(name))?;
                }
            }
            binaries.push(report);
        }
        if binaries.is_empty() {
            mismatches.push("the build wrote no executable".to_owned());
        }
    } else {
        mismatches.push(format!("the build failed ({})", finished.status));
    }
    let predicted_static = plan.remaining.is_empty()
        && plan
            .fixed_result
            .targets
            .iter()
            .all(|t| t.linkage == "static");
    for report in &binaries {
        if !report.linkage.starts_with("static") {
            mismatches.push(format!(
                "{} is {} ({})",
                report.file,
                report.linkage,
                report.reasons.join("; ")
            ));
        }
    }
    for warning in &warnings {
        mismatches.push(format!("the linker warned about {}", warning.symbol));
    }
    let outcome = Outcome {
        command: command_text,
        build_succeeded: finished.success,
        build_stderr,
        predicted_static,
        warnings,
        binaries,
        mismatches,
    };
    render(args, &outcome, stdout)
}

/// What a verification found, for either ecosystem.
struct Outcome {
    command: String,
    build_succeeded: bool,
    build_stderr: String,
    predicted_static: bool,
    warnings: Vec<LinkerWarning>,
    binaries: Vec<BinaryReport>,
    mismatches: Vec<String>,
}

/// Prints the outcome in the requested format; exit 0 only when nothing mismatched.
fn render(args: &VerifyArgs, outcome: &Outcome, stdout: &mut dyn Write) -> Result<ExitStatus> {
    let verified = outcome.mismatches.is_empty();
    let build_lines: Vec<String> = outcome.build_stderr.lines().map(str::to_owned).collect();
    emit(args.fix.output.as_deref(), stdout, |out| {
        match args.fix.format {
            BinaryFormat::Json => {
                let document = VerifyJson {
                    schema_version: SCHEMA_VERSION,
                    tool: TOOL,
                    command: &outcome.command,
                    build_succeeded: outcome.build_succeeded,
                    build_stderr: build_lines.clone(),
                    predicted: if outcome.predicted_static {
                        "static"
                    } else {
                        "not-static"
                    },
                    linker_warnings: &outcome.warnings,
                    binaries: &outcome.binaries,
                    verified,
                    mismatches: &outcome.mismatches,
                };
                serde_json::to_writer_pretty(&mut *out, &document)?;
                writeln!(out)?;
                Ok(())
            }
            BinaryFormat::Text => {
                writeln!(out, "built: {}", text_line(&outcome.command))?;
                writeln!(
                    out,
                    "predicted: {}",
                    if outcome.predicted_static {
                        "a static binary, no glibc NSS/dlopen warning"
                    } else {
                        "not static (see audit fix)"
                    }
                )?;
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
                if outcome.warnings.is_empty() {
                    writeln!(out, "linker warnings: none")?;
                }
                for warning in &outcome.warnings {
                    writeln!(out, "linker warning: {}", text_line(&warning.line))?;
                }
                if !outcome.build_succeeded {
                    for line in build_lines.iter().rev().take(20).rev() {
                        writeln!(out, "  {}", text_line(line))?;
                    }
                }
                if verified {
                    writeln!(
                        out,
                        "verified: every binary is static and the link printed no glibc NSS/dlopen warning"
                    )?;
                } else {
                    writeln!(out, "NOT verified:")?;
                    for mismatch in &outcome.mismatches {
                        writeln!(out, "  - {}", text_line(mismatch))?;
                    }
                }
                Ok(())
            }
        }
    })?;
    Ok(if verified {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}
