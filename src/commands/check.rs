//! `audit check`: load each configuration of the matrix, evaluate the catalog, apply the policy
//! (allow entries, baseline, fail-on), render, and decide the exit status.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::analyze::check::{self, ArchiveProbe, CheckOptions, NoProbe};
use crate::analyze::link::LinkFlags;
use crate::analyze::policy::{self, AllowReport, Baseline, Policy};
use crate::cli::{CheckArgs, CheckFormat, LoadArgs, PolicyArgs};
use crate::config::{AuditConfig, BuildEntry};
use crate::exec::{self, CommandSpec};
use crate::load::{self, Source, locate::SourceIndex};
use crate::report::check::{CheckOutput, CheckRun};
use crate::rules::{Catalog, Severity};
use crate::{ExitStatus, emit, print_diagnostics, report};

/// One probe shared by threads.
struct SharedProbe<'a>(&'a std::sync::Mutex<Box<dyn ArchiveProbe + Send>>);

impl ArchiveProbe for SharedProbe<'_> {
    fn has_static(&mut self, library: &str) -> Option<bool> {
        self.0.lock().unwrap().has_static(library)
    }
    fn prefetch(&mut self, libraries: &[&str]) {
        self.0.lock().unwrap().prefetch(libraries)
    }
    fn has_pkg_config(&mut self, name: &str) -> Option<bool> {
        self.0.lock().unwrap().has_pkg_config(name)
    }
}

/// Asks the C compiler (`$CC`, else `cc`) where `libX.a` is: `-print-file-name` echoes the bare
/// name back when the archive is not on its search path.
pub struct CcProbe {
    compiler: String,
    cache: BTreeMap<String, Option<bool>>,
}

impl CcProbe {
    /// A probe using `$CC` or `cc`.
    pub fn new() -> CcProbe {
        let compiler = std::env::var("CC")
            .ok()
            .and_then(|cc| cc.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "cc".to_owned());
        CcProbe {
            compiler,
            cache: BTreeMap::new(),
        }
    }
}

impl Default for CcProbe {
    fn default() -> Self {
        CcProbe::new()
    }
}

impl CcProbe {
    /// `cc -print-file-name=libX.a`: a path to an existing file when the archive is found.
    fn ask(compiler: &str, library: &str) -> Option<bool> {
        let archive = format!("lib{library}.a");
        let spec = CommandSpec {
            program: compiler.to_owned(),
            args: vec![format!("-print-file-name={archive}")],
            install_hint: "install a C compiler".to_owned(),
            ..CommandSpec::default()
        };
        exec::capture(&spec).ok().map(|stdout| {
            let path = String::from_utf8_lossy(&stdout).trim().to_owned();
            path != archive && std::path::Path::new(&path).is_file()
        })
    }
}

impl ArchiveProbe for CcProbe {
    fn has_static(&mut self, library: &str) -> Option<bool> {
        if let Some(known) = self.cache.get(library) {
            return *known;
        }
        let answer = CcProbe::ask(&self.compiler, library);
        self.cache.insert(library.to_owned(), answer);
        answer
    }

    /// One compiler process per library, all running at once (each takes a few ms, most of
    /// it starting up): `-print-file-name` answers one name per run.
    fn prefetch(&mut self, libraries: &[&str]) {
        let asked: Vec<&str> = libraries
            .iter()
            .copied()
            .filter(|library| !self.cache.contains_key(*library))
            .collect();
        if asked.len() < 2 {
            return;
        }
        let compiler = self.compiler.as_str();
        let answers: Vec<Option<bool>> = std::thread::scope(|scope| {
            let running: Vec<_> = asked
                .iter()
                .map(|library| scope.spawn(move || CcProbe::ask(compiler, library)))
                .collect();
            running
                .into_iter()
                .map(|thread| thread.join().unwrap_or(None))
                .collect()
        });
        for (library, answer) in asked.into_iter().zip(answers) {
            self.cache.insert(library.to_owned(), answer);
        }
    }

    fn has_pkg_config(&mut self, name: &str) -> Option<bool> {
        let key = format!("pkg-config:{name}");
        if let Some(known) = self.cache.get(&key) {
            return *known;
        }
        let spec = CommandSpec {
            program: "pkg-config".to_owned(),
            args: vec!["--exists".to_owned(), name.to_owned()],
            install_hint: "install pkg-config".to_owned(),
            ..CommandSpec::default()
        };
        // Exit 0 found, 1 not found; not installed: cannot tell.
        let answer = exec::run(&spec).ok().map(|finished| finished.success);
        self.cache.insert(key, answer);
        answer
    }
}

fn label(config: &crate::model::BuildConfig) -> String {
    let unknown = "?".to_owned();
    if config.ecosystem == "cargo" {
        return format!(
            "cargo {}{}",
            config.target.as_ref().unwrap_or(&unknown),
            if config.crt_static == Some(true) {
                " crt-static"
            } else {
                ""
            }
        );
    }
    format!(
        "{}/{} CGO_ENABLED={} tags={}",
        config.goos.as_ref().unwrap_or(&unknown),
        config.goarch.as_ref().unwrap_or(&unknown),
        match config.cgo_enabled {
            Some(true) => "1",
            Some(false) => "0",
            None => "?",
        },
        config
            .tags
            .as_ref()
            .map_or("?".to_owned(), |t| if t.is_empty() {
                "none".to_owned()
            } else {
                t.join(",")
            })
    )
}

/// The link settings of a build: `-ldflags`, `-buildmode`, and `GO_EXTLINK_ENABLED` from the
/// environment (the linker reads it when it runs).
pub fn link_flags(ldflags: Option<&str>, buildmode: Option<&str>) -> Result<LinkFlags> {
    let mut flags =
        LinkFlags::parse(ldflags, buildmode).map_err(|err| anyhow::anyhow!("--ldflags: {err}"))?;
    flags.extlink_enabled = match std::env::var("GO_EXTLINK_ENABLED").as_deref() {
        Ok("0") => Some(false),
        Ok("1") => Some(true),
        _ => None,
    };
    Ok(flags)
}

/// `audit.toml` (from `--config`, or found from the project directory) and the catalog: the
/// built-in rules, the config's rule directories, then `--rules`.
pub fn config_and_catalog(
    project_dir: &Path,
    config: Option<&Path>,
    rules: &[PathBuf],
) -> Result<(AuditConfig, Catalog)> {
    let audit_config = match config {
        Some(path) => Some(AuditConfig::read(path)?),
        None => AuditConfig::discover(project_dir)?,
    }
    .unwrap_or_default();
    let mut rule_dirs = audit_config.rules.clone();
    rule_dirs.extend(rules.iter().cloned());
    let catalog = Catalog::with_dirs(&rule_dirs)?;
    Ok((audit_config, catalog))
}

/// The checked configurations, with the policy applied: what every renderer starts from.
pub struct Checked {
    /// One run per configuration.
    pub runs: Vec<CheckRun>,
    /// Expired and stale allow entries.
    pub allow: AllowReport,
    /// The failure threshold.
    pub fail_on: Severity,
    /// A baseline was given.
    pub baseline: bool,
    /// The project's files, for locations.
    pub sources: SourceIndex,
    /// The catalog.
    pub catalog: Catalog,
}

impl Checked {
    /// The renderers' view.
    pub fn output(&self, warn_only: bool) -> CheckOutput<'_> {
        CheckOutput {
            runs: &self.runs,
            allow: &self.allow,
            fail_on: self.fail_on,
            baseline: self.baseline,
            warn_only,
            sources: &self.sources,
            catalog: &self.catalog,
        }
    }
}

/// Loads each configuration of the matrix, evaluates the catalog and applies the policy
/// (allow entries, baseline, fail-on); load notes and policy warnings go to `stderr`.
pub fn evaluate(
    args: &PolicyArgs,
    load_args: &LoadArgs,
    cuts: bool,
    stderr: &mut dyn Write,
) -> Result<Checked> {
    let project_dir = load_args.dir.clone();
    let (audit_config, catalog) =
        config_and_catalog(&project_dir, args.config.as_deref(), &args.rules)?;

    let base = load_args.request()?;
    let mut builds = audit_config.builds();
    if builds.is_empty() || matches!(base.source, Source::File { .. }) {
        builds = vec![BuildEntry::default()];
    }
    let mut runs = Vec::new();
    let probe: Box<dyn ArchiveProbe + Send> = if args.no_archive_check {
        Box::new(NoProbe)
    } else {
        Box::new(CcProbe::new())
    };
    // Shared by the configurations checked at once; its cache asks `cc` once per library.
    let probe = std::sync::Mutex::new(probe);
    // One load request per configuration (the native loader evaluates each in memory from
    // sources read once; `go list` runs once each).
    let requests: Vec<load::LoadRequest> = builds
        .iter()
        .enumerate()
        .map(|(i, build)| {
            let mut request = base.clone();
            let requested = &mut request.config;
            if requested.goos.is_none() {
                requested.goos = build.goos.clone();
            }
            if requested.goarch.is_none() {
                requested.goarch = build.goarch.clone();
            }
            if requested.cgo_enabled.is_none() {
                requested.cgo_enabled = build.cgo;
            }
            if requested.tags.is_none() {
                requested.tags = build.tags.clone();
            }
            // The matrix is Go's; a Cargo workspace beside it is loaded once, with the first
            // entry.
            if i > 0
                && let Source::Go { ecosystem, .. } = &mut request.source
            {
                *ecosystem = load::Ecosystem::Go;
            }
            request
        })
        .collect();
    // The first configuration is loaded on its own, on every core: it reads the sources the
    // others mostly share (loaded beside it, they would wait for its reads, or repeat them).
    // Then each configuration is checked, and the others loaded, on its own thread; the
    // results are taken in matrix order, so diagnostics, output and the first error are those
    // of a sequential run.
    let first = std::sync::Mutex::new(Some(load::load_all(&requests[0])));
    let loads: Vec<Result<Vec<(load::Parsed, check::CheckResult)>>> = requests
        .par_iter()
        .enumerate()
        .map(|(i, request)| {
            let loaded = if i == 0 {
                let first = first.lock().unwrap().take();
                first.expect("the first configuration is taken once")?
            } else {
                vec![load::load(request)?]
            };
            let build = &builds[i];
            let mut out = Vec::with_capacity(loaded.len());
            for mut parsed in loaded {
                let mut probe = SharedProbe(&probe);
                parsed.graph.config.env = check::rule_env(&catalog);
                if parsed.graph.config.ecosystem == "cargo" && parsed.graph.config.source != "file"
                {
                    parsed.graph.config.pkg_config = check::rule_pkg_config(&catalog, &mut probe);
                }
                let options = CheckOptions {
                    max_chains: args.max_chains,
                    link: link_flags(
                        args.ldflags.as_deref().or(build.ldflags.as_deref()),
                        args.buildmode.as_deref(),
                    )?,
                    cuts,
                };
                let result = check::check(&parsed.graph, &catalog, &options, &mut probe);
                out.push((parsed, result));
            }
            Ok(out)
        })
        .collect();
    for loaded in loads {
        for (parsed, result) in loaded? {
            print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
            runs.push(CheckRun {
                label: label(&parsed.graph.config),
                graph: parsed.graph,
                result,
            });
        }
    }
    if runs.len() == 1 {
        runs[0].label.clear();
    }

    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path)?),
        None => None,
    };
    let policy = Policy {
        fail_on: args
            .fail_on
            .or(audit_config.fail_on)
            .unwrap_or(Severity::Error),
        allow: audit_config.allow.clone(),
        today: crate::config::today()?,
        baseline,
    };
    let allow_report = {
        let mut views: Vec<(&crate::model::DepGraph, &str, &mut Vec<check::Finding>)> = runs
            .iter_mut()
            .map(|run| (&run.graph, run.label.as_str(), &mut run.result.findings))
            .collect();
        policy::apply(&policy, &mut views)
    };
    for allow in &allow_report.expired {
        writeln!(
            stderr,
            "audit: warning: allow entry for {} expired on {}; it no longer suppresses the finding",
            allow.rule,
            allow.until.as_deref().unwrap_or("?")
        )?;
    }
    for allow in &allow_report.stale {
        writeln!(
            stderr,
            "audit: warning: allow entry for {} matches no finding (stale)",
            allow.rule
        )?;
    }
    Ok(Checked {
        runs,
        allow: allow_report,
        fail_on: policy.fail_on,
        baseline: policy.baseline.is_some(),
        sources: SourceIndex::open(&project_dir),
        catalog,
    })
}

/// Runs `audit check`.
pub fn run(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    // Only the JSON document (also the baseline) shows each finding's smallest cut.
    let cuts = args.format == CheckFormat::Json || args.write_baseline.is_some();
    let checked = evaluate(&args.policy, &args.load, cuts, stderr)?;
    let output = checked.output(args.policy.warn_only);
    if let Some(path) = &args.write_baseline {
        let mut buffer = Vec::new();
        report::check_json::render(&output, &mut buffer)?;
        std::fs::write(path, buffer)
            .with_context(|| format!("{}: cannot write baseline", path.display()))?;
    }
    if args.format == CheckFormat::Svg {
        let picture = report::picture::Picture::check(&output);
        super::report::emit_svg(
            &picture,
            args.renderer,
            args.output.as_deref(),
            stdout,
            stderr,
        )?;
    } else {
        emit(args.output.as_deref(), stdout, |out| match args.format {
            CheckFormat::Text => report::check_text::render(&output, out),
            CheckFormat::Json => report::check_json::render(&output, out),
            CheckFormat::Sarif => report::sarif::render(&output, out),
            CheckFormat::Github => report::github::render(&output, out),
            CheckFormat::Mermaid => {
                let picture = report::picture::Picture::check(&output);
                write!(out, "{}", report::mermaid::flowchart(&picture))?;
                Ok(())
            }
            // Drawn above.
            CheckFormat::Svg => Ok(()),
        })?;
    }
    if output.n_failing() > 0 && !args.policy.warn_only {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Success)
    }
}
