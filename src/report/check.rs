//! What every `check` renderer receives, and the helpers they share: a finding's first line,
//! its fix as one line, and where in the repository a finding points.

use crate::analyze::check::{CheckResult, Finding};
use crate::analyze::policy::AllowReport;
use crate::load::locate::{Location, SourceIndex};
use crate::model::DepGraph;
use crate::rules::version::Version;
use crate::rules::{Catalog, CgoOff, Severity};

use super::escape::text_line;

/// One checked configuration.
pub struct CheckRun {
    /// Label when several configurations are checked (empty for one).
    pub label: String,
    /// The graph.
    pub graph: DepGraph,
    /// What `check` found.
    pub result: CheckResult,
}

/// Everything a renderer needs.
pub struct CheckOutput<'a> {
    /// The runs, one per configuration.
    pub runs: &'a [CheckRun],
    /// Expired and stale allow entries.
    pub allow: &'a AllowReport,
    /// The failure threshold.
    pub fail_on: Severity,
    /// A baseline was given.
    pub baseline: bool,
    /// `--warn-only`.
    pub warn_only: bool,
    /// The project's files, for locations.
    pub sources: &'a SourceIndex,
    /// The catalog (SARIF lists its rules).
    pub catalog: &'a Catalog,
}

impl CheckOutput<'_> {
    /// Findings that fail the run.
    pub fn n_failing(&self) -> usize {
        self.runs
            .iter()
            .flat_map(|run| &run.result.findings)
            .filter(|f| f.fails)
            .count()
    }
}

/// Each finding's chain count in decimal, in order. Counts past `u64` have up to thousands of
/// digits, and their conversion costs as much as the search: shared between the calling
/// thread and the pool ([`crate::model::share_here`]) when there are several (a count that
/// fits in `u64` costs less than waking a thread).
pub fn count_texts(findings: &[Finding]) -> Vec<String> {
    let text = |finding: &Finding| finding.chains.count_text();
    let big = findings
        .iter()
        .filter(|finding| finding.chains.big_count.is_some())
        .count();
    if big > 1 {
        crate::model::share_here(findings.len(), |i| text(&findings[i]))
    } else {
        findings.iter().map(text).collect()
    }
}

/// The fix as one line: tags (with the version they need), upgrade, `CGO_ENABLED=0`, alternative.
pub fn fix_line(graph: &DepGraph, finding: &Finding) -> String {
    let fix = &finding.fix;
    let mut parts = Vec::new();
    if !fix.tags.is_empty() {
        let mut part = format!("-tags {}", fix.tags.join(","));
        if let Some(min) = &fix.tags_min_version {
            let have = graph
                .node(finding.package)
                .module
                .as_ref()
                .and_then(|m| m.version.as_deref())
                .and_then(|v| Version::parse(v).ok());
            let need = Version::parse(min).ok();
            if let (Some(have), Some(need)) = (have, need)
                && have < need
            {
                part.push_str(&format!(" (needs {min}; this build has v{have})"));
            }
        }
        parts.push(part);
    }
    if let Some(upgrade) = &fix.upgrade {
        let tags = if upgrade.tags.is_empty() {
            String::new()
        } else {
            format!(" with -tags {}", upgrade.tags.join(","))
        };
        parts.push(format!(
            "or upgrade: go get {}@{}{tags}",
            upgrade.module, upgrade.version
        ));
    }
    if fix.cgo_off == Some(CgoOff::Fixes) {
        parts.push("or CGO_ENABLED=0".to_owned());
    }
    if let Some(edit) = &finding.cargo_edit {
        parts.push(format!(
            "in {}'s Cargo.toml: {} (`{}`)",
            edit.member,
            edit.toml_line(),
            edit.command
        ));
    } else if !fix.features.is_empty() {
        parts.push(format!(
            "enable feature {} of {}",
            fix.features.join(","),
            graph.node(finding.package).id
        ));
    }
    if let Some(rustflags) = &fix.rustflags {
        parts.push(format!("RUSTFLAGS=\"{rustflags}\""));
    }
    if let Some(target) = &fix.target {
        let lead = if parts.is_empty() { "" } else { "or " };
        parts.push(format!("{lead}--target {target}"));
    }
    if !fix.env.is_empty() {
        parts.push(format!("env {}", fix.env.join(" ")));
    }
    if let Some(alternative) = &fix.alternative {
        parts.push(format!("alternative: {alternative}"));
    }
    if parts.is_empty() {
        first_sentence(&fix.text)
    } else {
        parts.join("; ")
    }
}

/// What `CGO_ENABLED=0` would do to the finding's package, per its rule: a consequence, not
/// a fix, so it has its own line (`None` when the rule does not say, or says it fixes it).
pub fn cgo_off_line(finding: &Finding) -> Option<&'static str> {
    match finding.fix.cgo_off {
        Some(CgoOff::Stub) => Some("the package becomes a stub that fails at run time"),
        Some(CgoOff::Fails) => Some("the build fails (no !cgo fallback)"),
        _ => None,
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.trim().replace('\n', " ");
    match text.find(". ") {
        Some(end) => text[..=end].to_owned(),
        None => text,
    }
}

/// Where a finding points, always somewhere (GitHub code scanning rejects a result without a
/// location): the import line in the root package that starts its shortest chain; else the
/// go.mod `require` line of the package's module; else, for Cargo, the line of the root
/// member's `Cargo.toml` that declares the next crate of the chain; else the root package's
/// directory relative to the project root (for recordings, from the directories they
/// record); else the project's manifest.
pub fn finding_location(sources: &SourceIndex, graph: &DepGraph, finding: &Finding) -> Location {
    let chain = finding.chains.chains.first();
    if let Some(chain) = chain
        && chain.len() >= 2
        && let Some(location) =
            sources.import_line(&graph.node(chain[0]).id, &graph.node(chain[1]).id)
    {
        return location;
    }
    let cargo = graph.config.ecosystem == "cargo";
    let manifest = if cargo { "Cargo.toml" } else { "go.mod" };
    let root_dir = graph.config.root_dir.as_deref();
    let root_relative = chain
        .and_then(|c| c.first())
        .and_then(|&root| graph.node(root).dir.as_deref())
        .and_then(|dir| root_dir.and_then(|r| crate::load::locate::relative(r, dir)));
    if cargo {
        if let Some(chain) = chain
            && chain.len() >= 2
            && let Some(relative) = &root_relative
        {
            let manifest = if relative.is_empty() {
                "Cargo.toml".to_owned()
            } else {
                format!("{relative}/Cargo.toml")
            };
            let dependency = graph
                .node(chain[1])
                .module
                .as_ref()
                .map(|m| m.path.clone())
                .unwrap_or_default();
            if let Some(location) = sources.cargo_dependency_line(&manifest, &dependency) {
                return location;
            }
            return Location {
                file: manifest,
                line: None,
            };
        }
    } else {
        let module = graph
            .node(finding.package)
            .module
            .as_ref()
            .map(|m| m.path.clone());
        if let Some(location) = sources.require_line(module.as_deref().unwrap_or("")) {
            return location;
        }
    }
    match root_relative {
        Some(relative) if !relative.is_empty() => Location {
            file: relative,
            line: None,
        },
        _ => Location {
            file: manifest.to_owned(),
            line: None,
        },
    }
}

/// A finding's first line in text: `  SEVERITY RULE: SUMMARY [FLAG; FLAG]`.
pub fn headline(finding: &Finding, flags: &[String]) -> String {
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join("; "))
    };
    format!(
        "  {} {}: {}{}",
        finding.severity.as_str(),
        finding.rule,
        text_line(&finding.summary),
        text_line(&flags)
    )
}

/// The package id, with `module@version` for non-std, non-main packages.
pub fn package_label(graph: &DepGraph, finding: &Finding) -> String {
    let node = graph.node(finding.package);
    match node.module_label() {
        Some(module) => format!("{} ({module})", node.id),
        None if node.standard => format!("{} (std)", node.id),
        None => node.id.to_string(),
    }
}
