//! `audit diff`: what a change does to dynamic linking. `--base REF` loads the base tree from a
//! temporary `git worktree` and the working tree under the same configuration (both at once),
//! maps the files `git diff` names to packages, and compares (`analyze::diff`); two
//! recordings (`audit diff OLD NEW`) are compared the same way, the packages whose files or
//! imports differ counting as touched. Exit 1 when a new finding at or above `--fail-on`
//! appears or a main package becomes dynamic; 0 otherwise; 2 on error.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::analyze::check::{self, CheckOptions};
use crate::analyze::diff;
use crate::analyze::policy::{self, Policy};
use crate::cli::{DiffArgs, DiffFormat};
use crate::exec::{self, CommandSpec};
use crate::load::{self, InputFormat, LoadRequest, Source};
use crate::model::DepGraph;
use crate::report::check::CheckRun;
use crate::report::diff::{DiffResult, Side};
use crate::rules::Severity;
use crate::{ExitStatus, emit, print_diagnostics, report};

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let spec = CommandSpec {
        program: "git".to_owned(),
        args: args.iter().map(|s| s.to_string()).collect(),
        dir: Some(dir.to_path_buf()),
        env: Vec::new(),
        install_hint: "install git (audit diff --base reads the base from the repository)"
            .to_owned(),
    };
    Ok(String::from_utf8_lossy(&exec::capture(&spec)?)
        .trim()
        .to_owned())
}

/// A worktree removed when dropped, whatever happened.
struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    _temp: tempfile::TempDir,
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let path = self.path.display().to_string();
        let _ = git(&self.repo, &["worktree", "remove", "--force", &path]);
    }
}

fn check_runs(
    loaded: Vec<load::Parsed>,
    catalog: &crate::rules::Catalog,
    options: &CheckOptions,
    no_archive_check: bool,
    stderr: &mut dyn Write,
) -> Result<Vec<CheckRun>> {
    let mut runs = Vec::new();
    let mut cc = crate::commands::check::CcProbe::new();
    let mut none = check::NoProbe;
    for mut parsed in loaded {
        print_diagnostics(&parsed.notes, &parsed.graph, stderr)?;
        parsed.graph.config.env = check::rule_env(catalog);
        let probe: &mut dyn check::ArchiveProbe =
            if no_archive_check { &mut none } else { &mut cc };
        if parsed.graph.config.ecosystem == "cargo" && parsed.graph.config.source != "file" {
            parsed.graph.config.pkg_config = check::rule_pkg_config(catalog, probe);
        }
        let result = check::check(&parsed.graph, catalog, options, probe);
        runs.push(CheckRun {
            label: String::new(),
            graph: parsed.graph,
            result,
        });
    }
    Ok(runs)
}

/// Packages whose files are among `files` (paths relative to `repo`).
fn packages_of_files(graph: &DepGraph, repo: &Path, files: &[String]) -> BTreeSet<String> {
    let repo = repo.canonicalize().unwrap_or_else(|_| repo.to_path_buf());
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| repo.join(f).parent().map(Path::to_path_buf))
        .collect();
    graph
        .nodes()
        .iter()
        .filter(|n| {
            n.dir.as_ref().is_some_and(|d| {
                let d = Path::new(d);
                let d = d.canonicalize().unwrap_or_else(|_| d.to_path_buf());
                dirs.contains(&d)
            })
        })
        .map(|n| n.id.to_string())
        .collect()
}

/// Runs the comparison.
pub fn evaluate(args: &DiffArgs, stderr: &mut dyn Write) -> Result<DiffResult> {
    let (audit_config, catalog) = super::check::config_and_catalog(
        &args.load.dir,
        args.policy.config.as_deref(),
        &args.policy.rules,
    )?;
    let options = CheckOptions {
        cuts: false,
        max_chains: args.policy.max_chains.max(diff::CHAINS_SHOWN),
        link: super::check::link_flags(
            args.policy.ldflags.as_deref(),
            args.policy.buildmode.as_deref(),
        )?,
    };
    let fail_on = args
        .policy
        .fail_on
        .or(audit_config.fail_on)
        .unwrap_or(Severity::Error);
    let recordings = args.recordings.len() == 2;
    let (base, head, touched): (Side, Side, Vec<BTreeSet<String>>) = match args
        .recordings
        .as_slice()
    {
        [old, new] => {
            let request_for = |path: &str| -> Result<LoadRequest> {
                let mut request = args.load.request()?;
                request.source = Source::File {
                    path: path.to_owned(),
                    format: InputFormat::Auto,
                };
                Ok(request)
            };
            // Both loads at once, as for a git base.
            let (old_request, new_request) = (request_for(old)?, request_for(new)?);
            let (old_loaded, new_loaded) = std::thread::scope(|scope| {
                let old = scope.spawn(|| load::load(&old_request));
                let new = load::load(&new_request);
                (
                    old.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    new,
                )
            });
            let old_runs = check_runs(
                vec![old_loaded?],
                &catalog,
                &options,
                args.policy.no_archive_check,
                stderr,
            )?;
            let new_runs = check_runs(
                vec![new_loaded?],
                &catalog,
                &options,
                args.policy.no_archive_check,
                stderr,
            )?;
            // Recordings: a package whose files or imports differ was touched.
            let touched = old_runs
                .iter()
                .zip(&new_runs)
                .map(|(a, b)| {
                    crate::analyze::fix::diff(&a.graph, &b.graph)
                        .into_iter()
                        .map(|c| c.package)
                        .collect()
                })
                .collect();
            (
                Side {
                    label: old.clone(),
                    runs: old_runs,
                },
                Side {
                    label: new.clone(),
                    runs: new_runs,
                },
                touched,
            )
        }
        [] => live(args, &catalog, &options, stderr)?,
        _ => bail!("audit diff takes two recordings (OLD NEW), or --base REF for the working tree"),
    };
    if base.runs.len() != head.runs.len() {
        bail!(
            "the base and the change do not have the same ecosystems ({} and {} graphs)",
            base.runs.len(),
            head.runs.len()
        );
    }
    let mut head = head;
    let mut base = base;
    // The policy: allow entries apply to both sides.
    let policy = Policy {
        fail_on,
        allow: audit_config.allow.clone(),
        today: crate::config::today()?,
        baseline: None,
    };
    for side in [&mut base, &mut head] {
        let mut views: Vec<(&DepGraph, &str, &mut Vec<check::Finding>)> = side
            .runs
            .iter_mut()
            .map(|run| (&run.graph, run.label.as_str(), &mut run.result.findings))
            .collect();
        policy::apply(&policy, &mut views);
    }
    let diffs = base
        .runs
        .iter()
        .zip(&head.runs)
        .zip(&touched)
        .map(|((b, h), t)| {
            let how = if recordings {
                "its files or imports differ between the recordings"
            } else {
                "changed files"
            };
            diff::diff(&b.graph, &b.result, &h.graph, &h.result, t, how)
        })
        .collect();
    Ok(DiffResult {
        base,
        head,
        diffs,
        fail_on,
    })
}

fn live(
    args: &DiffArgs,
    catalog: &crate::rules::Catalog,
    options: &CheckOptions,
    stderr: &mut dyn Write,
) -> Result<(Side, Side, Vec<BTreeSet<String>>)> {
    let dir = args.load.dir.clone();
    let repo = PathBuf::from(
        git(&dir, &["rev-parse", "--show-toplevel"]).with_context(|| {
            format!(
                "{}: not in a git repository (audit diff --base needs one)",
                dir.display()
            )
        })?,
    );
    let reference = match &args.base {
        Some(reference) => reference.clone(),
        None => git(&dir, &["merge-base", "HEAD", "@{upstream}"])
            .unwrap_or_else(|_| "HEAD~1".to_owned()),
    };
    let commit = git(
        &dir,
        &["rev-parse", "--verify", &format!("{reference}^{{commit}}")],
    )
    .with_context(|| format!("--base {reference}: no such commit"))?;
    let temp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let path = temp.path().join("base");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "--detach",
            &path.display().to_string(),
            &commit,
        ],
    )?;
    let worktree = Worktree {
        repo: repo.clone(),
        path: path.clone(),
        _temp: temp,
    };
    let absolute = dir.canonicalize().unwrap_or(dir.clone());
    let repo_canonical = repo.canonicalize().unwrap_or(repo.clone());
    let relative = absolute
        .strip_prefix(&repo_canonical)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let base_dir = worktree.path.join(&relative);
    let head_request = args.load.request()?;
    let mut base_request = head_request.clone();
    if let Source::Go { dir, .. } = &mut base_request.source {
        *dir = base_dir.clone();
    }
    // Both loads at once.
    let (base_loaded, head_loaded) = std::thread::scope(|scope| {
        let base = scope.spawn(|| load::load_all(&base_request));
        let head = scope.spawn(|| load::load_all(&head_request));
        (
            base.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the base load panicked"))),
            head.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the load panicked"))),
        )
    });
    let base_loaded = base_loaded.with_context(|| format!("the base ({reference})"))?;
    let head_loaded = head_loaded?;
    let base_runs = check_runs(
        base_loaded,
        catalog,
        options,
        args.policy.no_archive_check,
        stderr,
    )?;
    let head_runs = check_runs(
        head_loaded,
        catalog,
        options,
        args.policy.no_archive_check,
        stderr,
    )?;
    let mut files: Vec<String> = git(&repo, &["diff", "--name-only", &commit, "--"])?
        .lines()
        .map(str::to_owned)
        .collect();
    files.extend(
        git(&repo, &["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(str::to_owned),
    );
    let touched = head_runs
        .iter()
        .map(|run| packages_of_files(&run.graph, &repo, &files))
        .collect();
    drop(worktree);
    let short = &commit[..commit.len().min(12)];
    Ok((
        Side {
            label: format!("{reference} ({short})"),
            runs: base_runs,
        },
        Side {
            label: "working tree".to_owned(),
            runs: head_runs,
        },
        touched,
    ))
}

/// Runs `audit diff`.
pub fn run(args: &DiffArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    let result = evaluate(args, stderr)?;
    let sources = crate::load::locate::SourceIndex::open(&args.load.dir);
    emit(args.output.as_deref(), stdout, |out| match args.format {
        DiffFormat::Text => report::diff::render_text(&result, out),
        DiffFormat::Json => report::diff::render_json(&result, out),
        DiffFormat::Markdown => report::diff::render_markdown(&result, out),
        DiffFormat::Sarif | DiffFormat::Github => {
            // Only what is new, so code scanning and annotations show the change's own results.
            let catalog = crate::rules::Catalog::with_dirs(&args.policy.rules)?;
            let runs = report::diff::new_only(&result);
            let allow = crate::analyze::policy::AllowReport::default();
            let output = report::check::CheckOutput {
                runs: &runs,
                allow: &allow,
                fail_on: result.fail_on,
                baseline: false,
                warn_only: args.policy.warn_only,
                sources: &sources,
                catalog: &catalog,
            };
            if args.format == DiffFormat::Sarif {
                report::sarif::render(&output, out)
            } else {
                report::github::render(&output, out)
            }
        }
    })?;
    Ok(if result.fails() && !args.policy.warn_only {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
