//! The fix planner: `audit fix` and `audit verify` for every ecosystem. Each step is evidence
//! about one configuration, taken from that configuration's own graph (see
//! `docs/how-fix-works.md`):
//!
//! 1. load the graph as requested and check it;
//! 2. per *route* (Go: with cgo and an external static link, or `CGO_ENABLED=0`; Cargo: the
//!    workspace's features), repeat: the findings ask for changes (the catalog's fixes first,
//!    then changes discovered in the source), the graph is loaded again with them, and each
//!    change is kept only if the re-loaded graph shows it did what it was for
//!    ([`fixpoint`]);
//! 3. a change that changes nothing in the build is dropped, and what each kept change does to
//!    other packages is listed (a tag is a global switch);
//! 4. the route is judged on its own graph: what fails or becomes a stub there, a compile
//!    check where it is cheap (Go's `CGO_ENABLED=0`), the link the linker will make
//!    (`analyze::link`) and what a static link meets;
//! 5. `verify` runs the chosen build, attributes every linker warning to a package, inspects
//!    the binaries and says whether the build is static and clean, not clean as predicted, or
//!    not what was predicted.
//!
//! One seam per ecosystem ([`Seam`]: load under a configuration, candidate changes, build
//! command); `go.rs` and `cargo.rs` implement it, and the loop, `verify` and the report are
//! shared. Commands only wire arguments.

pub mod attribute;
pub mod cargo;
pub mod discover;
pub mod go;
pub mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::analyze::check::{self, CheckOptions, CheckResult, Finding, StaticWarning};
use crate::analyze::fix::{PackageChange, UpgradeStep};
use crate::exec::CommandSpec;
use crate::model::DepGraph;
use crate::rules::{Catalog, Severity};

/// Loads (or resolves) allowed per route; the catalog has few tags, so this is ample.
pub const MAX_ITERATIONS: usize = 8;

/// Where a proposed change comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// The fix of a catalog rule.
    Catalog {
        /// The rule.
        rule: String,
        /// The package its finding is about.
        package: String,
        /// How the rule matched, when not plainly (a fork, an unknown version).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
    },
    /// Read from the source: a build constraint that excludes the files with the evidence.
    Discovered {
        /// The package.
        package: String,
        /// The file the tag drops.
        file: String,
        /// Its build constraint.
        constraint: String,
        /// The evidence in that file (`dlopen`, `-ldl`, ...).
        evidence: Vec<String>,
    },
    /// Asked for by a remaining rule after the loop (RUSTFLAGS, environment).
    Config {
        /// The rule.
        rule: String,
    },
}

impl Origin {
    /// One line.
    pub fn describe(&self) -> String {
        match self {
            Origin::Catalog {
                rule,
                package,
                notes,
            } => {
                let mut text = format!("catalog rule {rule} ({package})");
                for note in notes {
                    text.push_str(&format!("; {note}"));
                }
                text
            }
            Origin::Discovered {
                package,
                file,
                constraint,
                evidence,
            } => format!(
                "discovered: {package}'s {file} (//go:build {constraint}) has {}",
                evidence.join(", ")
            ),
            Origin::Config { rule } => format!("rule {rule}"),
        }
    }
}

/// A change to the build: a tag, a Cargo.toml edit, RUSTFLAGS, an environment variable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Stable identity (`tag:netgo`, `cargo:cargo add ...`, `env:X=1`).
    pub key: String,
    /// How a user applies it (`-tags netgo`, `cargo add ...`).
    pub display: String,
    /// Why it was proposed.
    pub origin: Origin,
}

/// A change that was kept, with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Applied {
    /// The change.
    pub change: Change,
    /// Every reason it was proposed (several findings may ask for the same tag).
    pub origins: Vec<Origin>,
    /// Findings (rule, package) that the re-loaded graph no longer has.
    pub removed: Vec<(String, String)>,
    /// What it does to the build on its own (base configuration plus this change).
    pub also_changes: Vec<PackageChange>,
}

/// A change that was tried and dropped, with why.
#[derive(Clone, Debug, Serialize)]
pub struct Rejected {
    /// The change.
    pub change: Change,
    /// Why it was dropped (measured, not assumed).
    pub why: String,
}

/// Why a route cannot give a working static binary.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Blocker {
    /// The package.
    pub package: String,
    /// `fails` (does not build), `stub` (builds, fails at run time), `compile` (the compiler
    /// rejects the program).
    pub outcome: &'static str,
    /// Why, with the evidence.
    pub reason: String,
    /// A chain from a main package to it (in this route's graph).
    pub chain: Vec<String>,
}

/// A compile check of a route (`go build -o /dev/null`).
#[derive(Clone, Debug, Serialize)]
pub struct CompileOutcome {
    /// The command.
    pub command: String,
    /// It compiled.
    pub ok: bool,
    /// The first compiler errors, with the package each is in.
    pub errors: Vec<String>,
}

/// What a route's build is predicted to give.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Prediction {
    /// Per main package: (package, verdict, reasons).
    pub targets: Vec<(String, String, Vec<String>)>,
    /// glibc warnings the link will print.
    pub warnings: Vec<StaticWarning>,
    /// Static archives the link needs but the C compiler cannot find.
    pub missing_archives: Vec<String>,
    /// Every binary static, no warning, no missing archive, no finding left.
    pub clean: bool,
}

impl Prediction {
    /// The warning symbols, sorted and unique.
    pub fn symbols(&self) -> BTreeSet<String> {
        self.warnings.iter().map(|w| w.symbol.clone()).collect()
    }
}

/// The build a route proposes.
#[derive(Clone, Debug, Serialize)]
pub struct BuildPlan {
    /// The command as a user types it.
    pub command: String,
    /// What `verify` runs (with `{out}` in `args` replaced by the output directory).
    #[serde(skip)]
    pub spec: CommandSpec,
}

/// One way to a static binary, judged on its own graph.
pub struct Route {
    /// `cgo` (external static link), `no-cgo` (`CGO_ENABLED=0`), `cargo`.
    pub name: &'static str,
    /// One line: what the route is.
    pub title: String,
    /// The graph under the route's configuration with its kept changes.
    pub graph: DepGraph,
    /// `check` of that graph under the proposed link.
    pub result: CheckResult,
    /// The kept changes, in order.
    pub applied: Vec<Applied>,
    /// Changes tried and dropped.
    pub rejected: Vec<Rejected>,
    /// Why the route does not give a working binary (empty when it does).
    pub blockers: Vec<Blocker>,
    /// The compile check, when one ran.
    pub compile: Option<CompileOutcome>,
    /// Other facts worth saying (packages that may be stubs, why a flag is kept, ...).
    pub notes: Vec<String>,
    /// How the route's graph differs from the other route's (Go: what `CGO_ENABLED=0`
    /// changes).
    pub differs: Vec<PackageChange>,
    /// The build.
    pub build: BuildPlan,
    /// What the build should give.
    pub prediction: Prediction,
    /// Findings the route removes: (rule, package, the changes that removed it).
    pub removed: Vec<(String, String, Vec<String>)>,
    /// Findings at warning or above that remain.
    pub remaining: Vec<Finding>,
}

impl Route {
    /// Gives a working binary (it may still be dynamic or warn; see the prediction).
    pub fn viable(&self) -> bool {
        self.blockers.is_empty()
            && self
                .prediction
                .targets
                .iter()
                .all(|(_, linkage, _)| linkage != "does-not-build")
    }
}

/// A computed fix.
pub struct Plan {
    /// `go` or `cargo`.
    pub ecosystem: &'static str,
    /// The catalog the plan was made with (also what `verify` inspects binaries with).
    pub catalog: Catalog,
    /// The graph as requested.
    pub base: DepGraph,
    /// Its check.
    pub base_result: CheckResult,
    /// The proposed route.
    pub chosen: Route,
    /// The other routes, and why they were not chosen.
    pub others: Vec<(Route, String)>,
    /// Upgrades: needed or alternatives (their effect is expected, not loaded).
    pub upgrades: Vec<UpgradeStep>,
    /// Graph loads (or resolves) made.
    pub loads: usize,
    /// Cargo: the workspace copy the edits were applied to (kept for `verify`).
    pub workspace: Option<tempfile::TempDir>,
}

impl Plan {
    /// Exit status of `fix`: clean means a static binary with no warning is expected.
    pub fn expects_clean(&self) -> bool {
        self.chosen.viable() && self.chosen.prediction.clean
    }
}

/// Which findings count: warning and above, not allowed by `audit.toml`.
pub fn relevant(
    graph: &DepGraph,
    result: &CheckResult,
    allow: &[crate::config::Allow],
) -> Vec<Finding> {
    result
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .filter(|f| {
            !allow.iter().any(|a| {
                a.rule == f.rule
                    && a.package
                        .as_ref()
                        .is_none_or(|p| crate::pattern::matches(p, &graph.node(f.package).id))
                    && a.until.as_deref().is_none_or(|until| {
                        match (crate::config::parse_date(until), crate::config::today()) {
                            (Ok(until), Ok(today)) => today <= until,
                            _ => true,
                        }
                    })
            })
        })
        .cloned()
        .collect()
}

/// The (rule, package) identity of a finding.
pub fn finding_key(graph: &DepGraph, finding: &Finding) -> (String, String) {
    let mut package = graph.node(finding.package).id.to_string();
    if let Some(library) = &finding.library {
        package.push_str(&format!(" (library {library})"));
    }
    (finding.rule.clone(), package)
}

/// The seam between the planner and an ecosystem.
pub trait Seam {
    /// A route's fixed settings (Go: cgo on or off).
    type Route: Clone;
    /// Loads the graph under the route with the changes applied.
    fn load(&mut self, route: &Self::Route, changes: &[Change]) -> Result<DepGraph>;
    /// How `check` should judge that graph (the proposed link).
    fn options(
        &self,
        route: &Self::Route,
        changes: &[Change],
        graph: &DepGraph,
    ) -> Result<CheckOptions>;
    /// Changes the findings (and what the static link would meet) ask for, best first: the
    /// catalog's, then discovered ones.
    fn candidates(
        &mut self,
        route: &Self::Route,
        graph: &DepGraph,
        result: &CheckResult,
        findings: &[Finding],
        catalog: &Catalog,
    ) -> Vec<Change>;
    /// Diagnostics of a load (notes, problems), printed once.
    fn diagnostics(&mut self, graph: &DepGraph, stderr: &mut dyn Write) -> Result<()>;
}

/// The outcome of the change loop of one route.
pub struct Fixpoint {
    /// The final graph.
    pub graph: DepGraph,
    /// Its check.
    pub result: CheckResult,
    /// The route's starting graph (no change applied).
    pub start: DepGraph,
    /// Its check.
    pub start_result: CheckResult,
    /// The kept changes.
    pub applied: Vec<Applied>,
    /// The dropped ones.
    pub rejected: Vec<Rejected>,
    /// Loads made.
    pub loads: usize,
}

/// The change loop: propose, re-load, keep what the re-loaded graph proves, until nothing
/// new is proposed. A candidate is kept when the findings it was proposed for are gone, or
/// when it removed some finding; it is rejected when the re-load shows it removed nothing
/// its origin was about, or when it broke the build (a package with a load error appeared).
/// Then every kept change is loaded alone against the start: one that changes no package is
/// dropped, and what the others change is recorded.
pub fn fixpoint<S: Seam>(
    seam: &mut S,
    route: &S::Route,
    catalog: &Catalog,
    allow: &[crate::config::Allow],
    stderr: &mut dyn Write,
) -> Result<Fixpoint> {
    let mut probe = crate::commands::check::CcProbe::new();
    let start = seam.load(route, &[])?;
    seam.diagnostics(&start, stderr)?;
    let mut loads = 1;
    let options = seam.options(route, &[], &start)?;
    let start_result = check::check(&start, catalog, &options, &mut probe);
    let mut kept: Vec<(Change, Vec<Origin>)> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut graph = start.clone();
    let mut result = start_result.clone();
    for _ in 0..MAX_ITERATIONS {
        let findings = relevant(&graph, &result, allow);
        let mut proposed: BTreeMap<String, (Change, Vec<Origin>)> = BTreeMap::new();
        for change in seam.candidates(route, &graph, &result, &findings, catalog) {
            if tried.contains(&change.key) {
                // Asked again: remember the extra reason on the kept change.
                if let Some((_, origins)) = kept.iter_mut().find(|(c, _)| c.key == change.key)
                    && !origins.contains(&change.origin)
                {
                    origins.push(change.origin.clone());
                }
                continue;
            }
            proposed
                .entry(change.key.clone())
                .and_modify(|(_, origins)| {
                    if !origins.contains(&change.origin) {
                        origins.push(change.origin.clone())
                    }
                })
                .or_insert_with(|| (change.clone(), vec![change.origin.clone()]));
        }
        if proposed.is_empty() {
            break;
        }
        let before_keys: BTreeSet<(String, String)> =
            findings.iter().map(|f| finding_key(&graph, f)).collect();
        let before_broken = broken(&graph);
        let mut trial: Vec<Change> = kept.iter().map(|(c, _)| c.clone()).collect();
        trial.extend(proposed.values().map(|(c, _)| c.clone()));
        let next = seam.load(route, &trial)?;
        loads += 1;
        let options = seam.options(route, &trial, &next)?;
        let next_result = check::check(&next, catalog, &options, &mut probe);
        let after: BTreeSet<(String, String)> = relevant(&next, &next_result, allow)
            .iter()
            .map(|f| finding_key(&next, f))
            .collect();
        let newly_broken: Vec<String> = broken(&next)
            .into_iter()
            .filter(|p| !before_broken.contains(p))
            .collect();
        let mut accepted = Vec::new();
        for (key, (change, origins)) in proposed {
            tried.insert(key);
            if !newly_broken.is_empty() && matches!(change.origin, Origin::Discovered { .. }) {
                rejected.push(Rejected {
                    change,
                    why: format!(
                        "re-loaded with it, {} no longer builds",
                        newly_broken.join(", ")
                    ),
                });
                continue;
            }
            // Did the re-load remove what the change was for?
            let aimed: Vec<(String, String)> = origins
                .iter()
                .filter_map(|o| match o {
                    Origin::Catalog { rule, package, .. } => Some((rule.clone(), package.clone())),
                    _ => None,
                })
                .collect();
            let discovered_gone = origins.iter().any(|o| match o {
                Origin::Discovered { package, file, .. } => next
                    .find(package)
                    .is_none_or(|idx| !next.node(idx).compiles(file)),
                _ => false,
            });
            let catalog_gone = aimed
                .iter()
                .any(|k| before_keys.contains(k) && !after.contains(k));
            if discovered_gone
                || catalog_gone
                || aimed.is_empty() && !matches!(change.origin, Origin::Discovered { .. })
            {
                accepted.push((change, origins));
            } else {
                rejected.push(Rejected {
                    change,
                    why: "re-loaded with it, the finding it was proposed for remains".to_owned(),
                });
            }
        }
        if accepted.is_empty() {
            break;
        }
        kept.extend(accepted);
        let changes: Vec<Change> = kept.iter().map(|(c, _)| c.clone()).collect();
        if changes.len() == trial.len() {
            graph = next;
            result = next_result;
        } else {
            graph = seam.load(route, &changes)?;
            loads += 1;
            let options = seam.options(route, &changes, &graph)?;
            result = check::check(&graph, catalog, &options, &mut probe);
        }
    }

    // What each kept change does alone; one that changes nothing is dropped.
    let mut applied = Vec::new();
    let mut dropped_any = false;
    for (change, origins) in &kept {
        let alone = seam.load(route, std::slice::from_ref(change))?;
        loads += 1;
        let also_changes = crate::analyze::fix::diff(&start, &alone);
        if also_changes.is_empty() {
            dropped_any = true;
            rejected.push(Rejected {
                change: change.clone(),
                why: "it changes no package of this build".to_owned(),
            });
            continue;
        }
        applied.push(Applied {
            change: change.clone(),
            origins: origins.clone(),
            removed: Vec::new(),
            also_changes,
        });
    }
    if dropped_any {
        let changes: Vec<Change> = applied.iter().map(|a| a.change.clone()).collect();
        let pruned = seam.load(route, &changes)?;
        loads += 1;
        if crate::analyze::fix::diff(&graph, &pruned).is_empty() {
            graph = pruned;
            let options = seam.options(route, &changes, &graph)?;
            result = check::check(&graph, catalog, &options, &mut probe);
        } else {
            // Together they matter: keep them all after all.
            for r in rejected
                .iter_mut()
                .filter(|r| r.why.starts_with("it changes no package"))
            {
                r.why.push_str(" (kept: with the others it does)");
            }
            applied = kept
                .iter()
                .map(|(change, origins)| Applied {
                    change: change.clone(),
                    origins: origins.clone(),
                    removed: Vec::new(),
                    also_changes: Vec::new(),
                })
                .collect();
            rejected.retain(|r| !r.why.ends_with("(kept: with the others it does)"));
        }
    }
    // Which findings each kept change removed (by its origins: the catalog finding it was
    // for, or every finding on the package whose file a discovered tag drops).
    let after: BTreeSet<(String, String)> = relevant(&graph, &result, allow)
        .iter()
        .map(|f| finding_key(&graph, f))
        .collect();
    let before: Vec<(String, String)> = relevant(&start, &start_result, allow)
        .iter()
        .map(|f| finding_key(&start, f))
        .collect();
    for applied in &mut applied {
        for origin in &applied.origins {
            let keys: Vec<(String, String)> = match origin {
                Origin::Catalog { rule, package, .. } => vec![(rule.clone(), package.clone())],
                Origin::Discovered { package, .. } => before
                    .iter()
                    .filter(|(_, p)| p == package)
                    .cloned()
                    .collect(),
                Origin::Config { .. } => Vec::new(),
            };
            for key in keys {
                if !after.contains(&key) && !applied.removed.contains(&key) {
                    applied.removed.push(key);
                }
            }
        }
        applied.removed.sort();
    }
    Ok(Fixpoint {
        graph,
        result,
        start,
        start_result,
        applied,
        rejected,
        loads,
    })
}

/// Packages with a load error, sorted.
fn broken(graph: &DepGraph) -> BTreeSet<String> {
    graph
        .nodes()
        .iter()
        .filter(|n| n.error.is_some() && !n.missing)
        .map(|n| n.id.to_string())
        .collect()
}

/// The prediction for a checked graph.
pub fn predict(graph: &DepGraph, result: &CheckResult, remaining: &[Finding]) -> Prediction {
    let targets: Vec<(String, String, Vec<String>)> = result
        .targets
        .iter()
        .map(|t| {
            (
                graph.node(t.package).id.to_string(),
                t.linkage.to_owned(),
                t.reasons.clone(),
            )
        })
        .collect();
    let statically_linked = targets
        .iter()
        .all(|(_, linkage, _)| linkage.starts_with("static"));
    // glibc's warnings come from its static archives, and missing archives fail only a
    // static link: both matter to an external static link (Cargo: +crt-static) alone.
    let external = result.targets.iter().any(|t| {
        matches!(t.linkage, "static-external" | "static-pie")
            && t.link.as_ref().is_some_and(|l| l.mode == "external")
    }) || (graph.config.ecosystem == "cargo"
        && graph.config.crt_static == Some(true));
    let warnings = if external {
        result.static_link.warnings.clone()
    } else {
        Vec::new()
    };
    let missing_archives: Vec<String> = if external {
        result
            .static_link
            .libraries
            .iter()
            .filter(|l| l.archive_found == Some(false))
            .map(|l| format!("lib{}.a ({})", l.library, l.packages.join(", ")))
            .collect()
    } else {
        Vec::new()
    };
    // rustc hides the linker's output and rust-lld prints no glibc warnings: for Cargo the
    // warnings are listed, but only the findings and the ELF decide.
    let warnings_matter = graph.config.ecosystem != "cargo";
    let clean = statically_linked
        && (warnings.is_empty() || !warnings_matter)
        && missing_archives.is_empty()
        && remaining.is_empty();
    Prediction {
        targets,
        warnings,
        missing_archives,
        clean,
    }
}

/// Findings of `before` that `after` no longer has, with the changes that removed them.
pub fn removed_findings(
    before: &DepGraph,
    before_findings: &[Finding],
    after: &DepGraph,
    after_findings: &[Finding],
    applied: &[Applied],
) -> Vec<(String, String, Vec<String>)> {
    let remaining: BTreeSet<(String, String)> = after_findings
        .iter()
        .map(|f| finding_key(after, f))
        .collect();
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for finding in before_findings {
        let key = finding_key(before, finding);
        if remaining.contains(&key) || out.iter().any(|(r, p, _)| (r, p) == (&key.0, &key.1)) {
            continue;
        }
        let package = before.node(finding.package).id.to_string();
        let by: Vec<String> = applied
            .iter()
            .filter(|a| {
                a.removed.contains(&key)
                    || a.origins.iter().any(
                        |o| matches!(o, Origin::Discovered { package: p, .. } if *p == package),
                    )
            })
            .map(|a| a.change.display.clone())
            .collect();
        out.push((key.0, key.1, by));
    }
    out.sort();
    out
}
