//! `audit check`: evaluates the rule catalog against a graph. For each main package, the linkage
//! the Go linker will produce and why; the findings (rule, package, chains, choke points, fix);
//! and what a fully static external link would meet. Pure, except for the static-archive probe,
//! which the caller supplies.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::Direction;
use petgraph::graph::NodeIndex;

use crate::model::{BuildConfig, DepGraph};
use crate::pattern;
use crate::rules::version::{Version, VersionRange};
use crate::rules::{Catalog, Effect, Fix, Generic, Report, Rule, Severity};

use super::chains::{self, ChainSummary};

/// Libraries that are part of glibc (libc6-dev ships their archives); the generic
/// system-library detector does not report them.
pub const GLIBC_LIBRARIES: &[&str] = &["c", "m", "pthread", "dl", "rt", "resolv", "util", "anl"];

/// Answers "is there a static archive for this library?" (`cc -print-file-name=libX.a`).
pub trait ArchiveProbe {
    /// `Some(true)` found, `Some(false)` missing, `None` cannot tell (no C compiler).
    fn has_static(&mut self, library: &str) -> Option<bool>;
}

/// A probe that never knows; for recordings checked on another machine, and tests.
pub struct NoProbe;

impl Finding {
    /// The stable identity of a finding across runs (baselines, SARIF fingerprints):
    /// rule, package and, for library findings, the library.
    pub fn key(&self, graph: &DepGraph) -> String {
        match &self.library {
            Some(library) => format!("{} {} {library}", self.rule, graph.node(self.package).id),
            None => format!("{} {}", self.rule, graph.node(self.package).id),
        }
    }
}

impl ArchiveProbe for NoProbe {
    fn has_static(&mut self, _library: &str) -> Option<bool> {
        None
    }
}

/// Options for `check`.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Chains listed per finding.
    pub max_chains: usize,
    /// `-ldflags` the build will use (decides "static via external link").
    pub ldflags: Option<String>,
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule id.
    pub rule: String,
    /// The matched package.
    pub package: NodeIndex,
    /// For the generic system-library detector: the library.
    pub library: Option<String>,
    /// Effects, from the rule.
    pub effects: Vec<Effect>,
    /// Severity, from the rule.
    pub severity: Severity,
    /// The rule's summary.
    pub summary: String,
    /// Chains from the roots to the package.
    pub chains: ChainSummary,
    /// The fix, from the rule.
    pub fix: Fix,
    /// Findings of other rules folded into this one (see `Rule::explains`): (rule, package).
    pub explains: Vec<(String, String)>,
    /// Set by the policy: the allow entry that suppresses it.
    pub allowed: Option<crate::config::Allow>,
    /// Set by the policy: an expired allow entry that no longer suppresses it.
    pub expired: Option<crate::config::Allow>,
    /// Set by the policy when a baseline is given: absent from the baseline.
    pub new: Option<bool>,
    /// Set by the policy: shown chains that the baseline did not have (when the count grew).
    pub new_chains: Vec<Vec<String>>,
    /// Set by the policy: this finding fails the run.
    pub fails: bool,
    /// Cargo: the `Cargo.toml` edit that applies the rule's feature fix.
    pub cargo_edit: Option<super::cargo_fix::CargoEdit>,
}

/// The linkage verdict of one main package.
#[derive(Clone, Debug)]
pub struct Target {
    /// The main package.
    pub package: NodeIndex,
    /// `dynamic`, `static`, or `static-external` (static through an external `-static` link).
    pub linkage: &'static str,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
}

/// A glibc warning a static link would print.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaticWarning {
    /// The symbol (`dlopen`, `getaddrinfo`, ...).
    pub symbol: String,
    /// The package whose code calls it.
    pub package: String,
    /// The rule that knows.
    pub rule: String,
}

/// A library a static link needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaticLibrary {
    /// Library name (`seccomp` for `-lseccomp`), or a pkg-config name.
    pub library: String,
    /// Packages that link it.
    pub packages: Vec<String>,
    /// `Some(true)`: the archive was found; `Some(false)`: missing, the link would fail with
    /// `cannot find -lX`; `None`: not checked (pkg-config name, or no C compiler).
    pub archive_found: Option<bool>,
    /// Named through pkg-config rather than `-l`.
    pub pkg_config: bool,
}

/// A package that becomes a stub or fails without cgo.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CgoOffEffect {
    /// The package.
    pub package: String,
    /// `stub` or `fails`.
    pub outcome: String,
    /// The rule that knows.
    pub rule: String,
}

/// What `-linkmode external -extldflags '-static'` would meet.
#[derive(Clone, Debug, Default)]
pub struct StaticLinkReport {
    /// glibc link warnings (NSS, dlopen).
    pub warnings: Vec<StaticWarning>,
    /// Libraries and whether their archives exist.
    pub libraries: Vec<StaticLibrary>,
    /// Packages that would be stubs or fail under `CGO_ENABLED=0`.
    pub cgo_off: Vec<CgoOffEffect>,
}

/// The result of checking one graph.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// Per main package.
    pub targets: Vec<Target>,
    /// Findings, worst first, then by rule and package.
    pub findings: Vec<Finding>,
    /// What a fully static link would meet.
    pub static_link: StaticLinkReport,
}

fn when_holds(rule: &Rule, config: &BuildConfig) -> bool {
    let when = &rule.when;
    if let (Some(want), Some(have)) = (when.cgo, config.cgo_enabled)
        && want != have
    {
        return false;
    }
    if !when.goos.is_empty()
        && let Some(goos) = &config.goos
        && !when.goos.contains(goos)
    {
        return false;
    }
    if let Some(tags) = &config.tags {
        if when.tags_present.iter().any(|t| !tags.contains(t)) {
            return false;
        }
        if when.tags_absent.iter().any(|t| tags.contains(t)) {
            return false;
        }
    }
    if !when.target.is_empty()
        && let Some(target) = &config.target
        && !when.target.iter().any(|pattern| glob(pattern, target))
    {
        return false;
    }
    if let (Some(want), Some(have)) = (when.crt_static, config.crt_static)
        && want != have
    {
        return false;
    }
    if when
        .env_present
        .iter()
        .any(|var| config.env.get(var).is_none_or(|v| v.is_empty()))
    {
        return false;
    }
    if when
        .env_absent
        .iter()
        .any(|var| config.env.get(var).is_some_and(|v| !v.is_empty()))
    {
        return false;
    }
    if let (Some(range), Some(go)) = (&when.go, &config.go_version)
        && let (Ok(range), Ok(go)) = (VersionRange::parse(range), Version::parse(go))
        && !range.contains(&go)
    {
        return false;
    }
    true
}

/// `*`-wildcard match (target triples).
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

/// The environment variables a catalog's rules look at, as they are now.
pub fn rule_env(catalog: &Catalog) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for rule in &catalog.rules {
        for var in rule.when.env_present.iter().chain(&rule.when.env_absent) {
            if let Ok(value) = std::env::var(var) {
                env.insert(var.clone(), value);
            }
        }
    }
    env
}

/// Packages a non-generic rule matches (ignoring reachability).
pub fn matched_packages(graph: &DepGraph, rule: &Rule) -> Vec<NodeIndex> {
    let m = &rule.matcher;
    if m.generic.is_some() || !when_holds(rule, &graph.config) {
        return Vec::new();
    }
    let range = rule.version_range();
    let mut out = Vec::new();
    for idx in graph.graph().node_indices() {
        let node = graph.node(idx);
        if node.missing {
            continue;
        }
        let selected = match (&m.package, &m.module) {
            // Cargo crate ids are `name@version`: a package pattern names the crate.
            (Some(package), _) => {
                pattern::matches(package, &node.id)
                    || (graph.config.ecosystem == "cargo"
                        && node
                            .module
                            .as_ref()
                            .is_some_and(|mi| pattern::matches(package, &mi.path)))
            }
            (None, Some(module)) => node.module.as_ref().is_some_and(|mi| &mi.path == module),
            (None, None) => false,
        };
        if !selected {
            continue;
        }
        if let Some(range) = &range {
            let version = node
                .module
                .as_ref()
                .and_then(|mi| mi.version.as_deref())
                .and_then(|v| Version::parse(v).ok());
            match version {
                Some(version) if range.contains(&version) => {}
                _ => continue,
            }
        }
        if let Some(want) = m.cgo_files
            && want == node.cgo_files.is_empty()
        {
            continue;
        }
        if !m.files.is_empty() && !m.files.iter().any(|f| node.compiles(f)) {
            continue;
        }
        if m.files_absent.iter().any(|f| node.compiles(f)) {
            continue;
        }
        if m.features.iter().any(|f| !node.features.contains(f)) {
            continue;
        }
        if !m.features_any.is_empty() && !m.features_any.iter().any(|f| node.features.contains(f)) {
            continue;
        }
        if m.features_absent.iter().any(|f| node.features.contains(f)) {
            continue;
        }
        if !m.imports.is_empty()
            && !graph
                .graph()
                .neighbors_directed(idx, Direction::Outgoing)
                .any(|dep| {
                    let node = graph.node(dep);
                    m.imports.contains(&node.id)
                        || (graph.config.ecosystem == "cargo"
                            && node
                                .module
                                .as_ref()
                                .is_some_and(|mi| m.imports.contains(&mi.path)))
                })
        {
            continue;
        }
        out.push(idx);
    }
    out
}

/// Nodes reachable from the roots, indexed by node index.
pub fn reachable_set(graph: &DepGraph) -> Vec<bool> {
    reachable_from(graph, graph.roots(), &BTreeSet::new())
}

fn reachable_from(
    graph: &DepGraph,
    start: &[NodeIndex],
    blocked: &BTreeSet<NodeIndex>,
) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for &s in start {
        if !blocked.contains(&s) && !seen[s.index()] {
            seen[s.index()] = true;
            queue.push_back(s);
        }
    }
    while let Some(v) = queue.pop_front() {
        for w in graph.graph().neighbors_directed(v, Direction::Outgoing) {
            if !blocked.contains(&w) && !seen[w.index()] {
                seen[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    seen
}

fn finding(
    graph: &DepGraph,
    rule: &Rule,
    package: NodeIndex,
    library: Option<String>,
    options: &CheckOptions,
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        package,
        library,
        effects: rule.effects.clone(),
        severity: rule.severity,
        summary: rule.summary.clone(),
        chains: chains::summarize(graph.graph(), graph.roots(), &[package], options.max_chains),
        fix: rule.fix.clone(),
        explains: Vec::new(),
        allowed: None,
        expired: None,
        new: None,
        new_chains: Vec::new(),
        fails: false,
        cargo_edit: if graph.config.ecosystem == "cargo" {
            match (&rule.fix.dependency, rule.fix.features.is_empty()) {
                (Some(dependency), _) => {
                    super::cargo_fix::dependency_edit(graph, package, dependency)
                }
                (None, false) => super::cargo_fix::feature_edit(graph, package, &rule.fix.features),
                (None, true) => None,
            }
        } else {
            None
        },
    }
}

fn external_static(ldflags: Option<&str>) -> bool {
    let Some(ldflags) = ldflags else { return false };
    let external = ldflags.contains("-linkmode external")
        || ldflags.contains("-linkmode=external")
        || ldflags.contains("-linkmode 'external'");
    let static_flag = ldflags
        .split("-extldflags")
        .skip(1)
        .any(|rest| rest.contains("-static"));
    external && static_flag
}

/// Evaluates `catalog` on `graph`.
pub fn check(
    graph: &DepGraph,
    catalog: &Catalog,
    options: &CheckOptions,
    probe: &mut dyn ArchiveProbe,
) -> CheckResult {
    let reachable = reachable_from(graph, graph.roots(), &BTreeSet::new());
    let is_reachable = |idx: NodeIndex| reachable[idx.index()];

    // Catalog rules.
    let mut covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut dlopen_covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut library_covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut linkage_hits: Vec<(&Rule, NodeIndex)> = Vec::new();
    let mut rule_hits: Vec<(&Rule, NodeIndex)> = Vec::new();
    for rule in &catalog.rules {
        for idx in matched_packages(graph, rule) {
            covered.insert(idx);
            if !is_reachable(idx) {
                continue;
            }
            if rule.effects.contains(&Effect::Dlopen) {
                dlopen_covered.insert(idx);
            }
            if rule.effects.contains(&Effect::SystemLibrary) {
                library_covered.insert(idx);
            }
            rule_hits.push((rule, idx));
            match rule.report {
                Report::Finding => findings.push(finding(graph, rule, idx, None, options)),
                Report::Linkage => linkage_hits.push((rule, idx)),
                Report::None => {}
            }
        }
    }

    // Generic detectors.
    for rule in catalog.rules.iter().filter(|r| r.matcher.generic.is_some()) {
        if !when_holds(rule, &graph.config) {
            continue;
        }
        for idx in graph.graph().node_indices() {
            let node = graph.node(idx);
            if !is_reachable(idx) || node.missing {
                continue;
            }
            match rule.matcher.generic {
                Some(Generic::CgoPackage)
                    if !node.standard && !node.cgo_files.is_empty() && !covered.contains(&idx) =>
                {
                    findings.push(finding(graph, rule, idx, None, options));
                }
                Some(Generic::SystemLibrary) => {
                    if node.cgo_files.is_empty()
                        || node.ldflags_static
                        || library_covered.contains(&idx)
                    {
                        // LDFLAGS of files that are not compiled, or a catalog rule that
                        // already explains the package's libraries.
                        continue;
                    }
                    let mut libraries: BTreeSet<String> = node
                        .ld_libs
                        .iter()
                        .filter(|lib| !GLIBC_LIBRARIES.contains(&lib.as_str()))
                        .cloned()
                        .collect();
                    libraries.extend(node.pkg_config.iter().cloned());
                    for library in libraries {
                        findings.push(finding(graph, rule, idx, Some(library), options));
                    }
                }
                Some(Generic::Libdl)
                    if !node.cgo_files.is_empty()
                        && node.ld_libs.iter().any(|lib| lib == "dl")
                        && !dlopen_covered.contains(&idx) =>
                {
                    findings.push(finding(graph, rule, idx, None, options));
                }
                _ => {}
            }
        }
    }

    // Fold explained findings: X is explained when no chain reaches its package without
    // passing through a package of a rule that explains X.
    let mut explainers: BTreeMap<&str, BTreeSet<NodeIndex>> = BTreeMap::new();
    for finding in &findings {
        if let Some(rule) = catalog.get(&finding.rule) {
            for explained in &rule.explains {
                explainers
                    .entry(explained.as_str())
                    .or_default()
                    .insert(finding.package);
            }
        }
    }
    let mut folded: Vec<(String, String)> = Vec::new();
    findings.retain(|finding| {
        let Some(blockers) = explainers.get(finding.rule.as_str()) else {
            return true;
        };
        let still = reachable_from(graph, graph.roots(), blockers);
        if still[finding.package.index()] {
            return true;
        }
        let mut package = graph.node(finding.package).id.clone();
        if let Some(library) = &finding.library {
            package.push_str(&format!(" (library {library})"));
        }
        folded.push((finding.rule.clone(), package));
        false
    });
    for (rule_id, package) in folded {
        for finding in findings.iter_mut() {
            if catalog
                .get(&finding.rule)
                .is_some_and(|r| r.explains.contains(&rule_id))
            {
                finding.explains.push((rule_id.clone(), package.clone()));
            }
        }
    }
    for finding in findings.iter_mut() {
        finding.explains.sort();
        finding.explains.dedup();
    }
    findings.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            &a.rule,
            graph.node(a.package).id.as_str(),
            &a.library,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                &b.rule,
                graph.node(b.package).id.as_str(),
                &b.library,
            ))
    });

    let targets = verdicts(graph, &rule_hits, &linkage_hits, options);
    let static_link = static_report(graph, &rule_hits, &reachable, probe);
    CheckResult {
        targets,
        findings,
        static_link,
    }
}

fn verdicts(
    graph: &DepGraph,
    rule_hits: &[(&Rule, NodeIndex)],
    linkage_hits: &[(&Rule, NodeIndex)],
    options: &CheckOptions,
) -> Vec<Target> {
    let external = external_static(options.ldflags.as_deref());
    let mut targets = Vec::new();
    for &root in graph.roots() {
        let reach = reachable_from(graph, &[root], &BTreeSet::new());
        let mut reasons: Vec<String> = Vec::new();
        let mut dynamic = false;
        for (rule, idx) in linkage_hits.iter().chain(
            rule_hits
                .iter()
                .filter(|(r, _)| r.report == Report::Finding),
        ) {
            if !reach[idx.index()] || !rule.effects.contains(&Effect::Dynamic) {
                continue;
            }
            dynamic = true;
            let mut reason = format!(
                "{} ({}; rule {})",
                rule.summary,
                graph.node(*idx).id,
                rule.id
            );
            if graph.node(*idx).id == "runtime/cgo" {
                let mut cgo: Vec<&str> = graph
                    .graph()
                    .node_indices()
                    .filter(|&i| {
                        reach[i.index()]
                            && !graph.node(i).cgo_files.is_empty()
                            && graph.node(i).id != "runtime/cgo"
                    })
                    .map(|i| graph.node(i).id.as_str())
                    .collect();
                cgo.sort();
                let n = cgo.len();
                cgo.truncate(8);
                let more = if n > 8 {
                    format!(" and {} more", n - 8)
                } else {
                    String::new()
                };
                reason.push_str(&format!("; cgo packages: {}{more}", cgo.join(", ")));
            }
            reasons.push(reason);
        }
        reasons.sort();
        reasons.dedup();
        let linkage = if !dynamic {
            "static"
        } else if external {
            reasons.push("linked externally with -extldflags -static: the ELF is static, but see the static-link warnings".to_owned());
            "static-external"
        } else {
            "dynamic"
        };
        targets.push(Target {
            package: root,
            linkage,
            reasons,
        });
    }
    targets
}

fn static_report(
    graph: &DepGraph,
    rule_hits: &[(&Rule, NodeIndex)],
    reachable: &[bool],
    probe: &mut dyn ArchiveProbe,
) -> StaticLinkReport {
    let mut report = StaticLinkReport::default();
    let mut libraries: BTreeMap<(String, bool), BTreeSet<String>> = BTreeMap::new();
    for (rule, idx) in rule_hits {
        let package = graph.node(*idx).id.clone();
        if rule.report != Report::None {
            for symbol in &rule.static_link.warnings {
                report.warnings.push(StaticWarning {
                    symbol: symbol.clone(),
                    package: package.clone(),
                    rule: rule.id.clone(),
                });
            }
            for library in &rule.static_link.libraries {
                libraries
                    .entry((library.clone(), false))
                    .or_default()
                    .insert(package.clone());
            }
        }
        let outcome = if rule.effects.contains(&Effect::Stub) {
            Some("stub")
        } else if graph.config.cgo_enabled != Some(false) {
            match rule.fix.cgo_off {
                Some(crate::rules::CgoOff::Stub) => Some("stub"),
                Some(crate::rules::CgoOff::Fails) => Some("fails"),
                _ => None,
            }
        } else {
            None
        };
        if let Some(outcome) = outcome {
            report.cgo_off.push(CgoOffEffect {
                package,
                outcome: outcome.to_owned(),
                rule: rule.id.clone(),
            });
        }
    }
    for idx in graph.graph().node_indices() {
        let node = graph.node(idx);
        if !reachable[idx.index()] || node.cgo_files.is_empty() {
            continue;
        }
        for library in &node.ld_libs {
            libraries
                .entry((library.clone(), false))
                .or_default()
                .insert(node.id.clone());
        }
        for name in &node.pkg_config {
            libraries
                .entry((name.clone(), true))
                .or_default()
                .insert(node.id.clone());
        }
    }
    for ((library, pkg_config), packages) in libraries {
        let archive_found = if pkg_config {
            None
        } else {
            probe.has_static(&library)
        };
        report.libraries.push(StaticLibrary {
            library,
            packages: packages.into_iter().collect(),
            archive_found,
            pkg_config,
        });
    }
    report.warnings.sort();
    report
        .warnings
        .dedup_by(|a, b| a.symbol == b.symbol && a.package == b.package);
    report.cgo_off.sort();
    report.cgo_off.dedup();
    report
}
