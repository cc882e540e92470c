//! `audit verify`: run a build (the plan's, or the user's `--command`), read what the linker
//! printed and what the binaries are, and compare with a prediction made for *that* build's
//! configuration:
//!
//! - **static and clean** (exit 0): every binary is static and the link printed no glibc
//!   warning;
//! - **not clean, as predicted** (exit 1): the build is dynamic, warns or fails, exactly as
//!   predicted (the predicted and observed sources are listed side by side);
//! - **prediction wrong** (exit 1): what differed.
//!
//! For `--command`, the prediction is computed from the configuration the binary records
//! (`go version -m`: `CGO_ENABLED`, `-tags`, `-ldflags`, `-buildmode`), else from the
//! command's own `go build` arguments, else there is none and the output says so. Go builds
//! run with `-work -x`, so that the link's own command shows whether the linker ran; warnings
//! are attributed to packages (`attribute`), and none are reported for a link that did not run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::analyze::binary::BinaryReport;
use crate::analyze::check::StaticWarning;
use crate::exec::{self, CommandSpec};
use crate::model::DepGraph;

use super::attribute::{self, LinkerWarning};
use super::{Plan, Prediction};

/// The three outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Every binary static, no glibc warning.
    StaticClean,
    /// Not static or not clean, and that is what was predicted.
    NotCleanAsPredicted,
    /// The build did something the prediction did not say.
    PredictionWrong,
}

impl Kind {
    /// The first line of the text output.
    pub fn headline(self) -> &'static str {
        match self {
            Kind::StaticClean => "static and clean",
            Kind::NotCleanAsPredicted => "not clean, as predicted",
            Kind::PredictionWrong => "prediction wrong",
        }
    }
}

/// The configuration a build used, as far as it can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildSettings {
    /// Where the settings were read from: `audit fix`, `build info of X`, `the command line`.
    pub from: String,
    /// `CGO_ENABLED`.
    pub cgo: Option<bool>,
    /// `-tags`.
    pub tags: Vec<String>,
    /// `-ldflags`.
    pub ldflags: Option<String>,
    /// `-buildmode`.
    pub buildmode: Option<String>,
    /// GOOS.
    pub goos: Option<String>,
    /// GOARCH.
    pub goarch: Option<String>,
    /// The main packages (import paths or patterns).
    pub packages: Vec<String>,
}

/// A verification.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The outcome.
    pub kind: Kind,
    /// The command that ran.
    pub command: String,
    /// The build succeeded.
    pub build_succeeded: bool,
    /// The link step ran (a failed compile never reaches it).
    pub link_ran: Option<bool>,
    /// The last lines of the build's stderr when it failed (the `-x` trace left out).
    pub build_errors: Vec<String>,
    /// What the prediction is for.
    pub predicted_for: Option<BuildSettings>,
    /// The prediction (none when the command's configuration cannot be told).
    pub prediction: Option<Prediction>,
    /// The glibc warnings the link printed, with their packages.
    #[serde(rename = "linker_warnings")]
    pub warnings: Vec<LinkerWarning>,
    /// The binaries.
    pub binaries: Vec<BinaryReport>,
    /// Predicted against observed, where they differ.
    pub differences: Vec<String>,
    /// Predicted against observed, side by side: (what, predicted, observed).
    pub comparison: Vec<(String, String, String)>,
}

impl Outcome {
    /// Exit 0 only for a static, clean build.
    pub fn success(&self) -> bool {
        self.kind == Kind::StaticClean
    }
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

/// Splits a shell command line into words (quotes respected; no expansion).
fn words(command: &str) -> Vec<String> {
    crate::analyze::link::split_quoted(command)
        .unwrap_or_else(|_| command.split_whitespace().map(str::to_owned).collect())
}

/// The settings of a `go build` in a shell command (`CGO_ENABLED=0 go build -tags a,b ...`),
/// when there is exactly one.
pub fn settings_from_command(command: &str) -> Option<BuildSettings> {
    let segments: Vec<&str> = command
        .split(['\n', ';', '|'])
        .flat_map(|s| s.split("&&"))
        .filter(|s| s.contains("go build"))
        .collect();
    if segments.len() != 1 {
        return None;
    }
    let words = words(segments[0]);
    let mut settings = BuildSettings {
        from: "the command line".to_owned(),
        ..BuildSettings::default()
    };
    let mut i = 0;
    while i < words.len() && words[i].contains('=') && !words[i].starts_with('-') {
        let (key, value) = words[i].split_once('=')?;
        match key {
            "CGO_ENABLED" => settings.cgo = Some(value == "1"),
            "GOOS" => settings.goos = Some(value.to_owned()),
            "GOARCH" => settings.goarch = Some(value.to_owned()),
            _ => {}
        }
        i += 1;
    }
    if words.get(i).map(String::as_str) != Some("go")
        || words.get(i + 1).map(String::as_str) != Some("build")
    {
        return None;
    }
    i += 2;
    while i < words.len() {
        let word = &words[i];
        let flag = word.trim_start_matches('-');
        if word.starts_with('-') {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (flag, None),
            };
            let takes = matches!(
                name,
                "tags"
                    | "ldflags"
                    | "buildmode"
                    | "o"
                    | "gcflags"
                    | "asmflags"
                    | "mod"
                    | "C"
                    | "p"
                    | "pgo"
                    | "toolexec"
                    | "overlay"
                    | "modfile"
                    | "gccgoflags"
                    | "installsuffix"
                    | "pkgdir"
                    | "exec"
            );
            let value = match inline {
                Some(v) => Some(v),
                None if takes => {
                    i += 1;
                    words.get(i).cloned()
                }
                None => None,
            };
            match (name, value) {
                ("tags", Some(v)) => {
                    settings.tags = v
                        .split([',', ' '])
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                ("ldflags", Some(v)) => settings.ldflags = Some(v),
                ("buildmode", Some(v)) => settings.buildmode = Some(v),
                _ => {}
            }
        } else {
            settings.packages.push(word.clone());
        }
        i += 1;
    }
    Some(settings)
}

/// The settings a Go binary records (`go version -m`).
pub fn settings_from_binary(report: &BinaryReport) -> Option<BuildSettings> {
    let info = report.go.as_ref()?;
    let get = |key: &str| info.settings.get(key).cloned();
    Some(BuildSettings {
        from: format!(
            "the build info of {}",
            Path::new(&report.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        cgo: info.cgo_enabled(),
        tags: info.tags(),
        ldflags: get("-ldflags"),
        buildmode: get("-buildmode").filter(|m| m != "exe"),
        goos: get("GOOS"),
        goarch: get("GOARCH"),
        packages: info.path.iter().cloned().collect(),
    })
}

/// Did the link step run? With `-x` the go command prints the linker's command line.
fn link_ran(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains("/link -o ") || l.contains("/link\" -o") || l.contains("link: running"))
        || stderr.contains("/usr/bin/ld:")
}

/// The build's own messages, without the `-x`/`-work` trace.
fn build_errors(stderr: &str) -> Vec<String> {
    let lines: Vec<String> = stderr
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("WORK=")
                || t.starts_with("mkdir ")
                || t.starts_with("cd ")
                || t.starts_with("cat >")
                || t.starts_with("EOF")
                || t.starts_with("packagefile ")
                || t.starts_with("modinfo ")
                || t.starts_with("build ")
                || t.starts_with("dep ")
                || t.starts_with("mod ")
                || t.starts_with("path ")
                || t.starts_with("TERM=")
                || t.starts_with("/usr/local/go/pkg/tool/")
                || t.starts_with("rm -r")
                || t.starts_with("mv ")
                || t.starts_with("cp ")
                || t.starts_with("echo ")
                || t.starts_with("touch ")
                || t.contains("$WORK"))
        })
        .map(str::to_owned)
        .collect();
    lines.iter().rev().take(20).rev().cloned().collect()
}

fn work_dir(stderr: &str) -> Option<PathBuf> {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("WORK="))
        .map(PathBuf::from)
}

/// A prediction computed for some build's settings.
pub struct Predicted {
    /// The settings.
    pub settings: BuildSettings,
    /// The graph under them (packages carry `Dir`, for attribution).
    pub graph: DepGraph,
    /// The prediction.
    pub prediction: Prediction,
}

/// Runs a build and judges it. `predict` computes the prediction for the settings the build
/// turns out to have (the plan's, or a `--command`'s); `graph` attributes warnings when it
/// cannot (the plan's graph).
pub fn verify(
    spec: &CommandSpec,
    command_text: &str,
    out_dir: &Path,
    go: bool,
    plan: &Plan,
    predict: &mut dyn FnMut(Option<BuildSettings>) -> Result<Option<Predicted>>,
    keep: Option<&Path>,
) -> Result<Outcome> {
    let mut spec = spec.clone();
    for arg in &mut spec.args {
        *arg = arg.replace("{out}", &out_dir.display().to_string());
    }
    if go {
        if spec.program == "go" {
            spec.args
                .splice(1..1, ["-work".to_owned(), "-x".to_owned()]);
        } else {
            let existing = std::env::var("GOFLAGS").unwrap_or_default();
            spec.env.push((
                "GOFLAGS".to_owned(),
                format!("{existing} -work -x").trim().to_owned(),
            ));
        }
    }
    let finished = exec::run(&spec)?;
    let stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
    if let Some(work) = work_dir(&stderr)
        && work.starts_with(std::env::temp_dir())
    {
        let _ = std::fs::remove_dir_all(work);
    }
    let ran = if go { Some(link_ran(&stderr)) } else { None };
    let mut warnings = if ran == Some(false) {
        Vec::new()
    } else {
        attribute::parse(&stderr)
    };
    let mut binaries = Vec::new();
    let binary_files = if plan.ecosystem == "cargo" {
        let target = plan
            .chosen
            .graph
            .config
            .target
            .clone()
            .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
        if finished.success {
            super::cargo::built_binaries(spec.dir.as_deref().unwrap_or(Path::new(".")), &target)?
        } else {
            Vec::new()
        }
    } else if out_dir.is_dir() {
        executables(out_dir)?
    } else {
        Vec::new()
    };
    for file in &binary_files {
        let report = crate::analyze::binary::inspect(file, &plan.catalog)?;
        if let Some(keep) = keep
            && plan.ecosystem == "cargo"
        {
            std::fs::create_dir_all(keep)?;
            if let Some(name) = file.file_name() {
                std::fs::copy(file, keep.join(name))?;
            }
        }
        binaries.push(report);
    }
    // The prediction for the build that ran: what the binary records, completed from the
    // command line (under -trimpath the build info leaves -ldflags out).
    let from_command = settings_from_command(command_text);
    let settings = match (binaries.iter().find_map(settings_from_binary), from_command) {
        (Some(mut recorded), Some(typed)) => {
            let trimpath = binaries
                .iter()
                .filter_map(|b| b.go.as_ref())
                .any(|g| g.settings.get("-trimpath").is_some_and(|v| v == "true"));
            if recorded.ldflags.is_none() && trimpath && typed.ldflags.is_some() {
                recorded.ldflags = typed.ldflags;
                recorded.from.push_str(
                    "; -ldflags from the command line (-trimpath leaves it out of the build info)",
                );
            }
            Some(recorded)
        }
        (recorded, typed) => recorded.or(typed),
    };
    let predicted = predict(settings)?;
    let graph_for_attribution = predicted
        .as_ref()
        .map(|p| &p.graph)
        .unwrap_or(&plan.chosen.graph);
    attribute::attribute(&mut warnings, graph_for_attribution);
    warnings.sort();
    let (predicted_for, prediction) = match predicted {
        Some(p) => (Some(p.settings), Some(p.prediction)),
        None => (None, None),
    };
    let mut differences = Vec::new();
    let mut comparison = Vec::new();
    let observed_symbols: BTreeSet<String> = warnings.iter().map(|w| w.symbol.clone()).collect();
    if let Some(prediction) = &prediction {
        let predicted_fails = prediction
            .targets
            .iter()
            .any(|(_, linkage, _)| linkage == "does-not-build");
        comparison.push((
            "build".to_owned(),
            if predicted_fails { "fails" } else { "succeeds" }.to_owned(),
            if finished.success {
                "succeeded"
            } else {
                "failed"
            }
            .to_owned(),
        ));
        if predicted_fails == finished.success {
            differences.push(if finished.success {
                "predicted that the build fails; it succeeded".to_owned()
            } else {
                "predicted that the build succeeds; it failed".to_owned()
            });
        }
        if finished.success {
            for report in &binaries {
                let main = report.go.as_ref().and_then(|g| g.path.clone());
                let target = prediction
                    .targets
                    .iter()
                    .find(|(id, _, _)| main.as_deref() == Some(id.as_str()))
                    .or_else(|| (prediction.targets.len() == 1).then(|| &prediction.targets[0]));
                let name = Path::new(&report.file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let predicted_linkage = target.map(|(_, l, _)| l.as_str()).unwrap_or("?");
                comparison.push((
                    format!("binary {name}"),
                    predicted_linkage.to_owned(),
                    report.linkage.to_owned(),
                ));
                if !same_linkage(predicted_linkage, report.linkage) {
                    differences.push(format!(
                        "{name}: predicted {predicted_linkage}, the ELF is {} ({})",
                        report.linkage,
                        report.reasons.join("; ")
                    ));
                }
            }
        }
        if ran == Some(true) {
            let predicted_symbols = prediction.symbols();
            comparison.push((
                "glibc warnings".to_owned(),
                describe(&prediction.warnings),
                if warnings.is_empty() {
                    "none".to_owned()
                } else {
                    warnings
                        .iter()
                        .map(|w| {
                            format!(
                                "{} ({})",
                                w.symbol,
                                w.package.as_deref().unwrap_or("unknown package")
                            )
                        })
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ));
            for symbol in observed_symbols.difference(&predicted_symbols) {
                let from = warnings
                    .iter()
                    .find(|w| &w.symbol == symbol)
                    .and_then(|w| w.package.clone())
                    .unwrap_or_else(|| "a package the build does not show".to_owned());
                differences.push(format!(
                    "the linker warned about {symbol} (from {from}), which was not predicted"
                ));
            }
            for symbol in predicted_symbols.difference(&observed_symbols) {
                differences.push(format!(
                    "predicted a warning about {symbol}; the linker printed none"
                ));
            }
        }
    }
    let clean = finished.success
        && !binaries.is_empty()
        && binaries.iter().all(|b| b.linkage.starts_with("static"))
        && warnings.is_empty();
    if finished.success && binaries.is_empty() {
        differences.push(format!(
            "the build wrote no executable to {}",
            out_dir.display()
        ));
    }
    let kind = if clean {
        Kind::StaticClean
    } else if prediction.is_some() && differences.is_empty() {
        Kind::NotCleanAsPredicted
    } else {
        if prediction.is_none() {
            differences.push(
                "no prediction: the command's configuration cannot be told (no Go build info, no single `go build` in it)".to_owned(),
            );
        }
        Kind::PredictionWrong
    };
    Ok(Outcome {
        kind,
        command: command_text.to_owned(),
        build_succeeded: finished.success,
        link_ran: ran,
        build_errors: if finished.success {
            Vec::new()
        } else {
            build_errors(&stderr)
        },
        predicted_for,
        prediction,
        warnings,
        binaries,
        differences,
        comparison,
    })
}

fn same_linkage(predicted: &str, observed: &str) -> bool {
    match predicted {
        "static" | "static-external" => observed == "static",
        "static-pie" => observed == "static-pie",
        other => other == observed,
    }
}

fn describe(warnings: &[StaticWarning]) -> String {
    if warnings.is_empty() {
        return "none".to_owned();
    }
    warnings
        .iter()
        .map(|w| format!("{} ({})", w.symbol, w.package))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_go_build_command_lines() {
        let s = settings_from_command(
            "CGO_ENABLED=1 go build -tags 'netgo osusergo' -ldflags \"-extldflags '-static'\" -o \"$AUDIT_OUT/\" ./cmd/agent",
        )
        .unwrap();
        assert_eq!(s.cgo, Some(true));
        assert_eq!(s.tags, vec!["netgo", "osusergo"]);
        assert_eq!(s.ldflags.as_deref(), Some("-extldflags '-static'"));
        assert_eq!(s.packages, vec!["./cmd/agent"]);
        let s = settings_from_command("cd x && go build -tags=a,b .").unwrap();
        assert_eq!(s.tags, vec!["a", "b"]);
        assert!(settings_from_command("make static").is_none());
    }
}
