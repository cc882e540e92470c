//! `audit check`: evaluates the rule catalog against a graph. For each main package, the linkage
//! the Go linker will produce and why; the findings (rule, package, chains, choke points, fix);
//! and what a fully static external link would meet. Pure, except for the static-archive probe,
//! which the caller supplies.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use petgraph::graph::NodeIndex;

use crate::model::{Adjacency, BuildConfig, DepGraph, NodeFacts};
use crate::pattern;
use crate::rules::version::{Version, VersionRange};
use crate::rules::{Catalog, Effect, Fix, Generic, Report, Rule, Severity};

use super::chains::{self, ChainSummary};
use super::link::{self, LinkDecision, LinkFacts, LinkFlags, Linkage};

/// Libraries that are part of glibc (libc6-dev ships their archives); the generic
/// system-library detector does not report them.
pub const GLIBC_LIBRARIES: &[&str] = &["c", "m", "pthread", "dl", "rt", "resolv", "util", "anl"];

/// Answers "is there a static archive for this library?" (`cc -print-file-name=libX.a`).
pub trait ArchiveProbe {
    /// `Some(true)` found, `Some(false)` missing, `None` cannot tell (no C compiler).
    fn has_static(&mut self, library: &str) -> Option<bool>;
    /// Asks about these libraries at once (their answers kept for [`ArchiveProbe::has_static`]),
    /// where a probe can ask several questions concurrently.
    fn prefetch(&mut self, _libraries: &[&str]) {}
    /// Whether `pkg-config --exists NAME` finds a library (`None`: cannot tell).
    fn has_pkg_config(&mut self, _name: &str) -> Option<bool> {
        None
    }
}

/// What pkg-config says about the system libraries the catalog's rules ask about.
pub fn rule_pkg_config(catalog: &Catalog, probe: &mut dyn ArchiveProbe) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for rule in &catalog.rules {
        if let Some(name) = &rule.when.system_library
            && !out.contains_key(name)
            && let Some(found) = probe.has_pkg_config(name)
        {
            out.insert(name.clone(), found);
        }
    }
    out
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
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Chains listed per finding.
    pub max_chains: usize,
    /// How the build links (`-ldflags`, `-buildmode`, `GO_EXTLINK_ENABLED`): decides the
    /// linkage verdict with the graph (see `analyze::link`).
    pub link: LinkFlags,
    /// Compute each finding's smallest cut (a max-flow per finding without a choke point:
    /// only the JSON report shows it).
    pub cuts: bool,
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
    /// How the rule matched, when it is not plainly by path and version: a fork, an unknown
    /// module version.
    pub notes: Vec<String>,
    /// The smallest cut between the main packages and the finding's package, when
    /// `CheckOptions::cuts` asked for it.
    pub cut: Option<super::cut::Cut>,
}

/// The linkage verdict of one main package.
#[derive(Clone, Debug)]
pub struct Target {
    /// The main package.
    pub package: NodeIndex,
    /// `dynamic`, `static`, `static-external` (static through an external `-static` link),
    /// `static-pie`, or `does-not-build`.
    pub linkage: &'static str,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// The linker's decision (Go; `None` for Cargo).
    pub link: Option<LinkDecision>,
}

/// A glibc warning a static link would print.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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
    if let Some(name) = &when.system_library
        && config.pkg_config.get(name) == Some(&false)
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

/// How a rule matched a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageMatch {
    /// The package.
    pub idx: NodeIndex,
    /// The rule has a version range but the package's module version is unknown (a GOPATH or
    /// vendor recording, or a fork): it matched on its files and imports alone.
    pub version_unknown: bool,
    /// The package is a fork of the rule's package, recognised by its files: (original
    /// package, files shared, files of the original).
    pub fork_of: Option<(String, usize, usize)>,
}

/// The fingerprint a package's files resemble, if it is not the fingerprinted package itself.
pub fn fork_of<'a>(
    node: &crate::model::Node,
    fingerprints: &'a [crate::rules::Fingerprint],
) -> Option<(&'a crate::rules::Fingerprint, usize)> {
    if node.standard || node.missing {
        return None;
    }
    // A package with fewer files than a fingerprint's share of its files cannot resemble it
    // (most packages, for most fingerprints): no set is built for them.
    let n_files = node.go_files.len() + node.cgo_files.len() + node.ignored_go_files.len();
    if fingerprints
        .iter()
        .all(|f| (n_files as f64 / f.files.len() as f64) < f.min_share)
    {
        return None;
    }
    let files: BTreeSet<&str> = node
        .go_files
        .iter()
        .chain(&node.cgo_files)
        .chain(&node.ignored_go_files)
        .collect();
    if files.is_empty() {
        return None;
    }
    fingerprints.iter().find_map(|f| {
        if f.package == node.id {
            return None;
        }
        let shared = f
            .files
            .iter()
            .filter(|name| files.contains(name.as_str()))
            .count();
        let share = shared as f64 / f.files.len() as f64;
        let libs_agree = node.cgo_files.is_empty()
            || f.ld_libs
                .iter()
                .all(|lib| node.ld_libs.iter().any(|have| have == lib));
        (share >= f.min_share && libs_agree).then_some((f, shared))
    })
}

/// A package and the `match.package` of the rules that matched it.
type MatchKey = (NodeIndex, Option<String>);

/// The fork fingerprint each package resembles, computed once per graph (it does not depend
/// on the rule), indexed by node index.
pub struct Forks<'a> {
    per_node: Vec<Option<(&'a crate::rules::Fingerprint, usize)>>,
    /// The packages that resemble some fingerprint, in index order.
    forked: Vec<NodeIndex>,
}

impl<'a> Forks<'a> {
    /// Every package of `graph` against `fingerprints`.
    pub fn of(graph: &DepGraph, fingerprints: &'a [crate::rules::Fingerprint]) -> Self {
        // Fewer files than this resemble no fingerprint (see `fork_of`): those packages, and
        // std's, are passed over without reading them.
        let fewest = fingerprints
            .iter()
            .map(|f| (f.min_share * f.files.len() as f64).floor() as usize)
            .min()
            .unwrap_or(usize::MAX);
        let per_node = if fingerprints.is_empty() {
            Vec::new()
        } else {
            graph
                .node_indices()
                .map(|idx| {
                    let facts = graph.facts(idx);
                    if facts.any(NodeFacts::STANDARD | NodeFacts::MISSING)
                        || usize::from(facts.files) < fewest
                    {
                        return None;
                    }
                    fork_of(graph.node(idx), fingerprints)
                })
                .collect()
        };
        let forked = (0..per_node.len())
            .filter(|&i| per_node[i].is_some())
            .map(NodeIndex::new)
            .collect();
        Forks { per_node, forked }
    }

    /// No fork recognition.
    pub fn none() -> Self {
        Forks {
            per_node: Vec::new(),
            forked: Vec::new(),
        }
    }

    fn get(&self, idx: NodeIndex) -> Option<(&'a crate::rules::Fingerprint, usize)> {
        self.per_node.get(idx.index()).copied().flatten()
    }
}

/// Packages a non-generic rule matches (ignoring reachability), by path or as a fork.
pub fn matched_packages(graph: &DepGraph, rule: &Rule) -> Vec<NodeIndex> {
    matches(graph, rule, &Forks::none())
        .into_iter()
        .map(|m| m.idx)
        .collect()
}

/// Like [`matched_packages`], with how each package matched; `forks` recognise forks.
pub fn matches(graph: &DepGraph, rule: &Rule, forks: &Forks) -> Vec<PackageMatch> {
    if rule.matcher.generic.is_some() || !when_holds(rule, &graph.config) {
        return Vec::new();
    }
    let candidates =
        candidates_of(graph, rule, forks).unwrap_or_else(|| graph.node_indices().collect());
    matches_among(graph, rule, forks, candidates)
}

/// The packages a rule can match, when an index finds them: a Go package pattern without
/// `...` names one package and `path/...` one run of the sorted ids (the forks besides);
/// `None`: any package may match, each must be looked at.
fn candidates_of(graph: &DepGraph, rule: &Rule, forks: &Forks) -> Option<Vec<NodeIndex>> {
    if graph.config.ecosystem == "cargo" {
        return None;
    }
    let Some(package) = rule.matcher.package.as_ref() else {
        // A Go module's packages have import paths under its path.
        let module = rule.matcher.module.as_ref()?;
        let mut c: Vec<NodeIndex> = graph.find(module).into_iter().collect();
        c.extend(graph.with_prefix(&format!("{module}/")));
        c.extend(forks.forked.iter().copied());
        c.sort_unstable();
        c.dedup();
        return Some(c);
    };
    let mut c: Vec<NodeIndex> = if !package.contains("...") {
        graph.find(package).into_iter().collect()
    } else {
        let prefix = package
            .strip_suffix("/...")
            .filter(|prefix| !prefix.contains("..."))?;
        let below = format!("{prefix}/");
        let mut c: Vec<NodeIndex> = graph.find(prefix).into_iter().collect();
        c.extend(graph.with_prefix(&below));
        c
    };
    c.extend(forks.forked.iter().copied());
    c.sort_unstable();
    c.dedup();
    Some(c)
}

/// Whether a package's path (or, for a crate, its name) is what the matcher names: its
/// package pattern (taken apart once by the caller) or its module.
fn by_path(
    cargo: bool,
    package: Option<&pattern::Compiled>,
    module: Option<&String>,
    node: &crate::model::Node,
) -> bool {
    match (package, module) {
        // Cargo crate ids are `name@version`: a package pattern names the crate.
        (Some(package), _) => {
            package.matches(&node.id)
                || (cargo
                    && node
                        .module
                        .as_ref()
                        .is_some_and(|mi| package.matches(&mi.path)))
        }
        (None, Some(module)) => node.module.as_ref().is_some_and(|mi| &mi.path == module),
        (None, None) => false,
    }
}

/// The candidates of every rule at once: the indexed ones as [`candidates_of`] finds them,
/// and for the rules that must look at every package, one pass over the packages for all of
/// them (each node is read once, not once per rule: the nodes sit behind pointers, and
/// reading them is most of a scan). A superset of what [`matches_among`] keeps, in index
/// order.
fn candidates_of_all(graph: &DepGraph, rules: &[&Rule], forks: &Forks) -> Vec<Vec<NodeIndex>> {
    let mut out: Vec<Option<Vec<NodeIndex>>> = rules
        .iter()
        .map(|rule| candidates_of(graph, rule, forks))
        .collect();
    // The scanned rules' package patterns, taken apart once.
    let scanned: Vec<(usize, Option<pattern::Compiled>)> = (0..rules.len())
        .filter(|&i| out[i].is_none())
        .map(|i| {
            (
                i,
                rules[i]
                    .matcher
                    .package
                    .as_deref()
                    .map(pattern::Compiled::new),
            )
        })
        .collect();
    let cargo = graph.config.ecosystem == "cargo";
    let mut found: Vec<Vec<NodeIndex>> = vec![Vec::new(); rules.len()];
    if !scanned.is_empty() {
        for idx in graph.node_indices() {
            if graph.facts(idx).any(NodeFacts::MISSING) {
                continue;
            }
            let forked = forks.get(idx).is_some();
            let id = graph.id(idx);
            for (i, package) in &scanned {
                let module = rules[*i].matcher.module.as_ref();
                // A Go package pattern needs only the id (read from the graph's buffer of
                // ids, not from the node).
                let hit = forked
                    || match package {
                        Some(package) if !cargo => package.matches(id),
                        _ => by_path(cargo, package.as_ref(), module, graph.node(idx)),
                    };
                if hit {
                    found[*i].push(idx);
                }
            }
        }
    }
    out.iter_mut()
        .zip(found)
        .map(|(indexed, scanned)| indexed.take().unwrap_or(scanned))
        .collect()
}

/// [`matches`] among `candidates` (in index order).
fn matches_among(
    graph: &DepGraph,
    rule: &Rule,
    forks: &Forks,
    candidates: Vec<NodeIndex>,
) -> Vec<PackageMatch> {
    let m = &rule.matcher;
    let range = rule.version_range();
    let package = m.package.as_deref().map(pattern::Compiled::new);
    let cargo = graph.config.ecosystem == "cargo";
    let mut out = Vec::new();
    for idx in candidates {
        let node = graph.node(idx);
        if node.missing {
            continue;
        }
        let by_path = by_path(cargo, package.as_ref(), m.module.as_ref(), node);
        let fork = if by_path || graph.config.ecosystem == "cargo" {
            None
        } else {
            forks
                .get(idx)
                .filter(|(f, _)| match (&m.package, &m.module) {
                    (Some(package), _) => pattern::matches(package, &f.package),
                    (None, Some(module)) => &f.module == module,
                    (None, None) => false,
                })
        };
        if !by_path && fork.is_none() {
            continue;
        }
        let mut version_unknown = false;
        if let Some(range) = &range {
            let version = node
                .module
                .as_ref()
                .and_then(|mi| mi.version.as_deref())
                .and_then(|v| Version::parse(v).ok());
            match version {
                _ if fork.is_some() => version_unknown = true,
                Some(version) if range.contains(&version) => {}
                Some(_) => continue,
                None => version_unknown = true,
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
        if m.features
            .iter()
            .any(|f| !node.crate_facts().features.contains(f))
        {
            continue;
        }
        if !m.features_any.is_empty()
            && !m
                .features_any
                .iter()
                .any(|f| node.crate_facts().features.contains(f))
        {
            continue;
        }
        if m.features_absent
            .iter()
            .any(|f| node.crate_facts().features.contains(f))
        {
            continue;
        }
        if !m.imports.is_empty()
            && !graph.successors(idx).any(|dep| {
                let node = graph.node(dep);
                m.imports.iter().any(|i| *i == node.id)
                    || (graph.config.ecosystem == "cargo"
                        && node
                            .module
                            .as_ref()
                            .is_some_and(|mi| m.imports.contains(&mi.path)))
            })
        {
            continue;
        }
        out.push(PackageMatch {
            idx,
            version_unknown,
            fork_of: fork.map(|(f, shared)| (f.package.clone(), shared, f.files.len())),
        });
    }
    out
}

/// Nodes reachable from the roots, indexed by node index.
pub fn reachable_set(graph: &DepGraph) -> Vec<bool> {
    graph
        .root_distances()
        .iter()
        .map(|&d| d != u32::MAX)
        .collect()
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
        for w in graph.successors(v) {
            if !blocked.contains(&w) && !seen[w.index()] {
                seen[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    seen
}

/// `(file, symbol)` of the glibc warning functions the package's compiled cgo files call.
pub fn compiled_calls(node: &crate::model::Node) -> Vec<(String, String)> {
    let Some(source) = &node.source else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for file in &source.files {
        if node.cgo_files.contains(&file.name) {
            for symbol in &file.calls {
                out.push((file.name.clone(), symbol.clone()));
            }
        }
    }
    out.sort();
    out
}

fn finding(graph: &DepGraph, rule: &Rule, package: NodeIndex, library: Option<String>) -> Finding {
    // Chains and the cut are filled in once the findings are final (`with_chains`).
    Finding {
        rule: rule.id.to_string(),
        package,
        library,
        effects: rule.effects.clone(),
        severity: rule.severity,
        summary: rule.summary.clone(),
        chains: ChainSummary::default(),
        fix: rule.fix.clone(),
        explains: Vec::new(),
        allowed: None,
        expired: None,
        new: None,
        new_chains: Vec::new(),
        fails: false,
        notes: Vec::new(),
        cut: None,
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

/// Chains (and, when asked, the smallest cut) of every finding: the shared passes once, then
/// each package's own search, once for all the findings on it (a cgo package with system
/// libraries has several), shared between the calling thread and the pool
/// ([`crate::model::share_beside`]); `beside()` is made by the first pool thread to start,
/// before it joins the searches, and returned. Each answer depends only on the graph and the
/// package, so the result is the same whatever the number of threads.
fn with_chains<R: Send>(
    graph: &DepGraph,
    shared: chains::SharedPasses<'_, DepGraph>,
    findings: &mut [Finding],
    options: &CheckOptions,
    beside: impl FnOnce() -> R + Send,
) -> R {
    if findings.is_empty() {
        return beside();
    }
    let mut packages: Vec<NodeIndex> = findings.iter().map(|f| f.package).collect();
    packages.sort_unstable();
    packages.dedup();
    let index = shared.with_targets(&packages);
    let (beside, answers) = crate::model::share_beside(beside, packages.len(), |i| {
        let package = packages[i];
        let chains = index.summarize(package, options.max_chains);
        let cut = options.cuts.then(|| {
            super::cut::from_summary(graph, &chains, &|_| false)
                .unwrap_or_else(|| super::cut::min_cut(graph, &[package], &|_| false))
        });
        (chains, cut)
    });
    // Each answer goes to its package's findings: moved into the last, cloned for the others.
    let at: Vec<usize> = findings
        .iter()
        .map(|finding| {
            packages
                .binary_search(&finding.package)
                .expect("every finding's package was searched")
        })
        .collect();
    let mut left = vec![0u32; packages.len()];
    for &i in &at {
        left[i] += 1;
    }
    let mut answers: Vec<Option<(ChainSummary, Option<super::cut::Cut>)>> =
        answers.into_iter().map(Some).collect();
    for (finding, &i) in findings.iter_mut().zip(&at) {
        left[i] -= 1;
        let (chains, cut) = if left[i] == 0 {
            answers[i].take().expect("an answer is moved out once")
        } else {
            answers[i]
                .clone()
                .expect("an answer is cloned before it is moved")
        };
        finding.chains = chains;
        finding.cut = cut;
    }
    beside
}

/// Evaluates `catalog` on `graph`.
pub fn check(
    graph: &DepGraph,
    catalog: &Catalog,
    options: &CheckOptions,
    probe: &mut dyn ArchiveProbe,
) -> CheckResult {
    // The chain passes all findings share do not depend on which findings there are: they
    // are made beside the rules' evaluation. The graph keeps the two orders both read: the
    // root distances (what the roots reach, which the rules read) here, the topological
    // order on the pool (each waits for the other's when it needs it; neither uses the pool).
    let ((found, reachable), shared) = crate::model::join_here(
        || {
            let reachable = reachable_set(graph);
            (evaluate_rules(graph, catalog, &reachable), reachable)
        },
        || {
            graph.topological_order();
            chains::ChainIndex::shared(graph, graph.roots())
        },
    );
    let Evaluated {
        mut findings,
        rule_hits,
        linkage_hits,
        generic_warnings,
    } = found;
    let mut static_link = static_report(graph, &rule_hits, &reachable, probe);
    // Each finding's chains on every core; the roots' verdicts made by the first pool thread
    // to start, before it joins the chains (the calling thread starts on them at once).
    let targets = with_chains(graph, shared, &mut findings, options, || {
        verdicts(graph, &rule_hits, &linkage_hits, options, &static_link)
    });
    // Nodes are numbered in the order of their ids: packages compare as their ids do,
    // without reading them.
    findings.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            &a.rule,
            a.package,
            &a.library,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                &b.rule,
                b.package,
                &b.library,
            ))
    });
    // Warnings of generic findings that survived folding (an explaining rule knows better).
    let surviving: HashSet<(&str, &str)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), graph.id(f.package)))
        .collect();
    static_link.warnings.extend(
        generic_warnings
            .into_iter()
            .filter(|w| surviving.contains(&(w.rule.as_str(), w.package.as_str()))),
    );
    static_link.warnings.sort();
    static_link
        .warnings
        .dedup_by(|a, b| a.symbol == b.symbol && a.package == b.package);
    CheckResult {
        targets,
        findings,
        static_link,
    }
}

/// What the rules found, before chains: the findings, folded, and the hits the verdicts and
/// the static link report read.
struct Evaluated<'c> {
    findings: Vec<Finding>,
    rule_hits: Vec<(&'c Rule, NodeIndex)>,
    linkage_hits: Vec<(&'c Rule, NodeIndex)>,
    generic_warnings: Vec<StaticWarning>,
}

/// The catalog's rules and the generic detectors on the packages a root reaches, with the
/// findings another finding explains folded into it.
fn evaluate_rules<'c>(graph: &DepGraph, catalog: &'c Catalog, reachable: &[bool]) -> Evaluated<'c> {
    let is_reachable = |idx: NodeIndex| reachable[idx.index()];

    // Catalog rules.
    let mut covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut dlopen_covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut library_covered: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut linkage_hits: Vec<(&Rule, NodeIndex)> = Vec::new();
    let mut rule_hits: Vec<(&Rule, NodeIndex)> = Vec::new();
    // Version-gated rules matched without a known version: of the rules matching one
    // package that way, the one for the oldest versions speaks (its fix is the one older code
    // honours; `audit fix` re-loads to confirm it).
    let mut all_matches: Vec<(&Rule, PackageMatch)> = Vec::new();
    let forks = Forks::of(graph, &catalog.fingerprints);
    let rules: Vec<&Rule> = catalog
        .rules
        .iter()
        .filter(|rule| rule.matcher.generic.is_none() && when_holds(rule, &graph.config))
        .collect();
    let candidates = candidates_of_all(graph, &rules, &forks);
    for (rule, candidates) in rules.into_iter().zip(candidates) {
        for m in matches_among(graph, rule, &forks, candidates) {
            all_matches.push((rule, m));
        }
    }
    let mut unknown_best: BTreeMap<MatchKey, (&str, Option<Version>)> = BTreeMap::new();
    for (rule, m) in &all_matches {
        if !m.version_unknown || rule.report == Report::None {
            continue;
        }
        let lower = rule.version_range().and_then(|r| r.lower_bound().cloned());
        let key = (m.idx, rule.matcher.package.clone());
        let better = match unknown_best.get(&key) {
            None => true,
            Some((_, best)) => match (&lower, best) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => a < b,
                _ => false,
            },
        };
        if better {
            unknown_best.insert(key, (rule.id.as_str(), lower));
        }
    }
    for (rule, m) in all_matches {
        let idx = m.idx;
        if m.version_unknown
            && rule.report != Report::None
            && unknown_best
                .get(&(idx, rule.matcher.package.clone()))
                .is_some_and(|(best, _)| *best != rule.id)
        {
            continue;
        }
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
            Report::Finding => {
                let mut f = finding(graph, rule, idx, None);
                if let Some((original, shared, total)) = &m.fork_of {
                    f.notes.push(format!(
                        "fork of {original}: {shared} of its {total} Go files, same #cgo libraries"
                    ));
                }
                if m.version_unknown {
                    f.notes.push(format!(
                        "module version unknown: matched on files and imports, not on versions {}",
                        rule.matcher.versions.as_deref().unwrap_or("")
                    ));
                }
                findings.push(f);
            }
            Report::Linkage => linkage_hits.push((rule, idx)),
            Report::None => {}
        }
    }

    // Generic detectors. Every one looks at cgo packages only (the calls a package's C
    // code makes count only in its cgo files).
    let mut generic_warnings: Vec<StaticWarning> = Vec::new();
    let cgo_packages: Vec<NodeIndex> = graph
        .with_facts(NodeFacts::CGO)
        .filter(|&idx| is_reachable(idx) && !graph.facts(idx).any(NodeFacts::MISSING))
        .collect();
    for rule in catalog.rules.iter().filter(|r| r.matcher.generic.is_some()) {
        if !when_holds(rule, &graph.config) {
            continue;
        }
        for &idx in &cgo_packages {
            let node = graph.node(idx);
            match rule.matcher.generic {
                Some(Generic::CgoPackage)
                    if !node.standard && !node.cgo_files.is_empty() && !covered.contains(&idx) =>
                {
                    findings.push(finding(graph, rule, idx, None));
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
                        findings.push(finding(graph, rule, idx, Some(library)));
                    }
                }
                Some(Generic::Libdl)
                    if !node.cgo_files.is_empty()
                        && node.ld_libs.iter().any(|lib| lib == "dl")
                        && !dlopen_covered.contains(&idx) =>
                {
                    findings.push(finding(graph, rule, idx, None));
                    for symbol in &rule.static_link.warnings {
                        generic_warnings.push(StaticWarning {
                            symbol: symbol.clone(),
                            package: node.id.to_string(),
                            rule: rule.id.to_string(),
                        });
                    }
                }
                Some(Generic::GlibcCalls) if !node.standard && !covered.contains(&idx) => {
                    let calls = compiled_calls(node);
                    if calls.is_empty() {
                        continue;
                    }
                    let mut f = finding(graph, rule, idx, None);
                    f.notes.push(format!(
                        "calls: {}",
                        calls
                            .iter()
                            .map(|(file, symbol)| format!("{symbol} ({file})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    findings.push(f);
                    for (_, symbol) in calls {
                        generic_warnings.push(StaticWarning {
                            symbol,
                            package: node.id.to_string(),
                            rule: rule.id.to_string(),
                        });
                    }
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
    let mut folded: Vec<(String, String, NodeIndex)> = Vec::new();
    // One blocked reachability per explained rule, shared by all of its findings.
    let mut still_by_rule: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    for (rule, blockers) in &explainers {
        if findings.iter().any(|f| f.rule == *rule) {
            still_by_rule.insert(rule, reachable_from(graph, graph.roots(), blockers));
        }
    }
    findings.retain(|finding| {
        let Some(still) = still_by_rule.get(finding.rule.as_str()) else {
            return true;
        };
        if still[finding.package.index()] {
            return true;
        }
        let mut package = graph.node(finding.package).id.to_string();
        if let Some(library) = &finding.library {
            package.push_str(&format!(" (library {library})"));
        }
        folded.push((finding.rule.clone(), package, finding.package));
        false
    });
    let mut reach_of: BTreeMap<NodeIndex, Vec<bool>> = BTreeMap::new();
    for (rule_id, package, folded_idx) in folded {
        for finding in findings.iter_mut() {
            if catalog
                .get(&finding.rule)
                .is_some_and(|r| r.explains.contains(&rule_id))
                && reach_of
                    .entry(finding.package)
                    .or_insert_with(|| reachable_from(graph, &[finding.package], &BTreeSet::new()))
                    [folded_idx.index()]
            {
                finding.explains.push((rule_id.clone(), package.clone()));
            }
        }
    }
    for finding in findings.iter_mut() {
        finding.explains.sort();
        finding.explains.dedup();
    }
    Evaluated {
        findings,
        rule_hits,
        linkage_hits,
        generic_warnings,
    }
}

fn rule_reason(
    graph: &DepGraph,
    rule: &Rule,
    idx: NodeIndex,
    reach: &[bool],
    facts: &GraphFacts,
) -> String {
    let mut reason = format!(
        "{} ({}; rule {})",
        rule.summary,
        graph.node(idx).id,
        rule.id
    );
    if graph.node(idx).id == "runtime/cgo" {
        let mut cgo: Vec<&str> = facts
            .cgo_packages
            .iter()
            .filter(|&&i| reach[i.index()])
            .map(|&i| graph.node(i).id.as_str())
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
    reason
}

/// Why a package has nothing to compile under the graph's configuration (`go build` stops
/// with "build constraints exclude all Go files"; `go list -e -json=<fields>` does not always
/// say so), when the recording lists files at all.
pub fn nothing_to_build(graph: &DepGraph, idx: NodeIndex) -> Option<String> {
    let facts = graph.facts(idx);
    if facts.any(NodeFacts::MISSING) || !facts.all(NodeFacts::NO_COMPILED | NodeFacts::IGNORED) {
        return None;
    }
    // A recording without file lists (`-json=ImportPath,...`) says nothing of them.
    let lists_files = graph
        .node_indices()
        .any(|i| !graph.facts(i).any(NodeFacts::NO_COMPILED));
    if !lists_files {
        return None;
    }
    let node = graph.node(idx);
    Some(format!(
        "build constraints exclude all Go files ({} ignored{})",
        node.ignored_go_files.join(", "),
        if graph.config.cgo_enabled == Some(false) {
            "; CGO_ENABLED=0"
        } else {
            ""
        }
    ))
}

/// The facts the link model needs for one root.
fn link_facts(
    graph: &DepGraph,
    root: NodeIndex,
    reach: &[bool],
    rule_hits: &[(&Rule, NodeIndex)],
    facts: &GraphFacts,
) -> LinkFacts {
    let config = &graph.config;
    let runtime_cgo = graph.find("runtime/cgo").is_some_and(|i| reach[i.index()]);
    let host_object_packages = facts
        .host_objects
        .iter()
        .filter(|&&i| reach[i.index()])
        .map(|&i| graph.node(i).id.to_string())
        .collect();
    let mut internal_link_fails = Vec::new();
    let mut dynamic_without_cgo = Vec::new();
    for (rule, idx) in rule_hits {
        if !reach[idx.index()] || rule.report == Report::None {
            continue;
        }
        if let Some(error) = &rule.static_link.internal_link {
            internal_link_fails.push((
                graph.node(*idx).id.to_string(),
                format!("{error} (rule {})", rule.id),
            ));
        }
        if rule.effects.contains(&Effect::Dynamic)
            && !rule.effects.contains(&Effect::Cgo)
            && graph.node(*idx).cgo_files.is_empty()
        {
            dynamic_without_cgo.push(rule_reason(graph, rule, *idx, reach, facts));
        }
    }
    internal_link_fails.sort();
    internal_link_fails.dedup();
    dynamic_without_cgo.sort();
    dynamic_without_cgo.dedup();
    let mut broken = Vec::new();
    for (idx, error) in &facts.broken {
        if !reach[idx.index()] {
            continue;
        }
        let summary = chains::summarize(graph, &[root], &[*idx], 1);
        let chain = summary
            .chains
            .first()
            .map(|c| super::chain_ids(graph, c))
            .unwrap_or_default();
        broken.push((graph.node(*idx).id.to_string(), error.clone(), chain));
    }
    LinkFacts {
        goos: config.goos.clone(),
        goarch: config.goarch.clone(),
        cgo_enabled: config.cgo_enabled,
        runtime_cgo,
        host_object_packages,
        internal_link_fails,
        broken,
        dynamic_without_cgo,
    }
}

/// What the verdicts of every root look for, found once per graph (each root's verdict
/// then filters these few packages by its reach instead of scanning every package).
struct GraphFacts {
    /// Packages with cgo files, but `runtime/cgo`, in index (id) order.
    cgo_packages: Vec<NodeIndex>,
    /// Packages whose objects go to the host linker (`link::host_object_candidates`).
    host_objects: Vec<NodeIndex>,
    /// Packages that do not build, with why.
    broken: Vec<(NodeIndex, String)>,
}

impl GraphFacts {
    fn of(graph: &DepGraph) -> Self {
        let runtime_cgo = graph.find("runtime/cgo");
        let cgo_packages = graph
            .with_facts(NodeFacts::CGO)
            .filter(|&idx| Some(idx) != runtime_cgo && !graph.facts(idx).any(NodeFacts::MISSING))
            .collect();
        // Only packages with an error, or with no file compiled, may be broken.
        let broken = graph
            .with_facts(NodeFacts::ERROR | NodeFacts::NO_COMPILED)
            .filter(|&idx| !graph.facts(idx).any(NodeFacts::MISSING))
            .filter_map(|idx| {
                nothing_to_build(graph, idx)
                    .or_else(|| graph.node(idx).error.clone())
                    .map(|error| (idx, error))
            })
            .collect();
        GraphFacts {
            cgo_packages,
            host_objects: link::host_object_candidates(graph),
            broken,
        }
    }
}

/// Which roots reach each package: a bit per root (64 roots a word), propagated along one
/// topological order of the graph, so that every root's reach costs one pass over the edges
/// per 64 roots instead of one search per root. A graph with a cycle (no topological order)
/// searches from each root instead.
enum RootsReach {
    Masks(Vec<Vec<u64>>),
    Search,
}

impl RootsReach {
    fn of(graph: &DepGraph) -> Self {
        let Some(order) = graph.topological_order() else {
            return RootsReach::Search;
        };
        let roots = graph.roots();
        let csr = graph.csr();
        let masks = roots
            .chunks(64)
            .map(|chunk| {
                let mut mask = vec![0u64; graph.node_count()];
                for (bit, root) in chunk.iter().enumerate() {
                    mask[root.index()] |= 1 << bit;
                }
                for &v in order.iter() {
                    let here = mask[v as usize];
                    if here == 0 {
                        continue;
                    }
                    for &w in csr.successors(v) {
                        mask[w as usize] |= here;
                    }
                }
                mask
            })
            .collect();
        RootsReach::Masks(masks)
    }

    /// The packages root number `i` (of `graph.roots()`) reaches, by index.
    fn reach(&self, graph: &DepGraph, i: usize) -> Vec<bool> {
        match self {
            RootsReach::Masks(masks) => {
                let (word, bit) = (&masks[i / 64], i % 64);
                word.iter().map(|m| m >> bit & 1 == 1).collect()
            }
            RootsReach::Search => reachable_from(graph, &[graph.roots()[i]], &BTreeSet::new()),
        }
    }
}

fn verdicts(
    graph: &DepGraph,
    rule_hits: &[(&Rule, NodeIndex)],
    linkage_hits: &[(&Rule, NodeIndex)],
    options: &CheckOptions,
    static_link: &StaticLinkReport,
) -> Vec<Target> {
    let facts = GraphFacts::of(graph);
    let roots_reach = RootsReach::of(graph);
    // Each root's verdict on its own, in the roots' order (beside the findings' chains).
    let verdict = |root_number: usize, root: NodeIndex| -> Target {
        let reach = roots_reach.reach(graph, root_number);
        let mut rule_reasons: Vec<String> = Vec::new();
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
            rule_reasons.push(rule_reason(graph, rule, *idx, &reach, &facts));
        }
        rule_reasons.sort();
        rule_reasons.dedup();
        if graph.config.ecosystem == "cargo"
            || graph.granularity() != crate::model::Granularity::Package
        {
            // Cargo (and module graphs): the rules decide; rustc's linking is the target's.
            return Target {
                package: root,
                linkage: if dynamic { "dynamic" } else { "static" },
                reasons: rule_reasons,
                link: None,
            };
        }
        let link_facts = link_facts(graph, root, &reach, rule_hits, &facts);
        let mut decision = link::decide(&link_facts, &options.link);
        // A static external link needs every -l library as an archive.
        if matches!(
            decision.linkage,
            Linkage::StaticExternal | Linkage::StaticPie
        ) {
            let missing: Vec<String> = static_link
                .libraries
                .iter()
                .filter(|l| l.archive_found == Some(false))
                .filter(|l| {
                    l.packages
                        .iter()
                        .any(|p| graph.find(p).is_some_and(|i| reach[i.index()]))
                })
                .map(|l| {
                    format!(
                        "-l{} (lib{}.a not found; from {})",
                        l.library,
                        l.library,
                        l.packages.join(", ")
                    )
                })
                .collect();
            if !missing.is_empty() {
                decision.linkage = Linkage::DoesNotBuild;
                decision.reasons.insert(
                    0,
                    format!("the static link fails: cannot find {}", missing.join(", ")),
                );
            }
        }
        let mut reasons = decision.reasons.clone();
        match decision.linkage {
            Linkage::Dynamic => reasons.extend(rule_reasons),
            Linkage::StaticExternal | Linkage::StaticPie if !rule_reasons.is_empty() => {
                let sources: Vec<String> = linkage_hits
                    .iter()
                    .chain(
                        rule_hits
                            .iter()
                            .filter(|(r, _)| r.report == Report::Finding),
                    )
                    .filter(|(rule, idx)| {
                        reach[idx.index()] && rule.effects.contains(&Effect::Dynamic)
                    })
                    .map(|(rule, idx)| format!("{} ({})", graph.node(*idx).id, rule.id))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                reasons.push(format!(
                    "cgo stays in the link through: {}; the static link meets the warnings below",
                    sources.join(", ")
                ));
            }
            _ => {}
        }
        Target {
            package: root,
            linkage: decision.linkage.as_str(),
            reasons,
            link: Some(decision),
        }
    };
    (graph.roots().iter().enumerate())
        .map(|(root_number, &root)| verdict(root_number, root))
        .collect()
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
        let package = graph.node(*idx).id.to_string();
        if rule.report != Report::None {
            for symbol in &rule.static_link.warnings {
                report.warnings.push(StaticWarning {
                    symbol: symbol.clone(),
                    package: package.clone(),
                    rule: rule.id.to_string(),
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
                rule: rule.id.to_string(),
            });
        }
    }
    // Packages with cgo files, found by their facts (not by reading every node).
    for idx in graph.with_facts(NodeFacts::CGO) {
        if !reachable[idx.index()] {
            continue;
        }
        let node = graph.node(idx);
        for library in &node.ld_libs {
            libraries
                .entry((library.clone(), false))
                .or_default()
                .insert(node.id.to_string());
        }
        for name in &node.pkg_config {
            libraries
                .entry((name.clone(), true))
                .or_default()
                .insert(node.id.to_string());
        }
    }
    let archives: Vec<&str> = libraries
        .keys()
        .filter(|(_, pkg_config)| !pkg_config)
        .map(|(library, _)| library.as_str())
        .collect();
    probe.prefetch(&archives);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildConfig, EdgeKind, Granularity, GraphBuilder, Node};
    use crate::rules::parse_rule;

    fn cgo_package(id: &str) -> Node {
        Node {
            id: id.into(),
            cgo_files: ["x.go"].into(),
            go_files: ["y.go"].into(),
            ld_libs: vec!["dl".to_owned()],
            ..Node::default()
        }
    }

    /// Every root's reach from the bit masks equals a search from that root; a graph with a
    /// cycle searches, with the same answer. 70 roots: two words of masks.
    #[test]
    fn roots_reach_equals_a_search_per_root() {
        for cycle in [false, true] {
            let mut b = GraphBuilder::new();
            let n = 140;
            for i in 0..n {
                b.add_node(Node {
                    id: format!("p{i:03}").into(),
                    ..Node::default()
                });
            }
            // Root r imports r + 70 and, every third, r + 71; those import a shared tail.
            for r in 0..70 {
                b.add_edge(
                    &format!("p{r:03}"),
                    &format!("p{:03}", r + 70),
                    EdgeKind::Import,
                );
                if r % 3 == 0 && r + 71 < n {
                    b.add_edge(
                        &format!("p{r:03}"),
                        &format!("p{:03}", r + 71),
                        EdgeKind::Import,
                    );
                }
            }
            for t in 70..n - 1 {
                if t % 5 == 0 {
                    b.add_edge(
                        &format!("p{t:03}"),
                        &format!("p{:03}", t + 1),
                        EdgeKind::Import,
                    );
                }
            }
            if cycle {
                // p070 imports p071 (70 % 5 == 0): back again.
                b.add_edge("p071", "p070", EdgeKind::Import);
            }
            let roots: Vec<String> = (0..70).map(|r| format!("p{r:03}")).collect();
            let graph = b.finish(&roots, Granularity::Package, BuildConfig::default());
            let reach = RootsReach::of(&graph);
            assert_eq!(matches!(reach, RootsReach::Search), cycle);
            for (i, &root) in graph.roots().iter().enumerate() {
                assert_eq!(
                    reach.reach(&graph, i),
                    reachable_from(&graph, &[root], &BTreeSet::new()),
                    "root {i}"
                );
            }
        }
    }

    /// A finding explains only the folded findings its own package reaches.
    #[test]
    fn explains_only_what_the_package_reaches() {
        let explainer = parse_rule(
            r#"
id = "go-test-explainer"
ecosystem = "go"
summary = "test"
severity = "note"
effects = ["cgo"]
explains = ["go-generic-libdl"]
why = "test"
references = ["https://example.com"]
[match]
package = "example.com/a/..."
cgo_files = true
[fix]
text = "test"
"#,
            "test",
        )
        .unwrap();
        let builtin = Catalog::builtin().unwrap();
        let libdl = builtin.get("go-generic-libdl").unwrap().clone();
        let catalog = Catalog::from_rules(vec![explainer, libdl]).unwrap();
        let mut builder = GraphBuilder::new();
        builder.add_node(Node {
            id: "example.com/main".into(),
            name: "main".into(),
            go_files: ["main.go"].into(),
            ..Node::default()
        });
        builder.add_node(cgo_package("example.com/a/x"));
        builder.add_node(cgo_package("example.com/a/y"));
        builder.add_edge(
            "example.com/main",
            "example.com/a/x",
            crate::model::EdgeKind::Import,
        );
        builder.add_edge(
            "example.com/main",
            "example.com/a/y",
            crate::model::EdgeKind::Import,
        );
        let graph = builder.finish(
            &["example.com/main".to_owned()],
            Granularity::Package,
            BuildConfig::default(),
        );
        let result = check(&graph, &catalog, &CheckOptions::default(), &mut NoProbe);
        let explained: Vec<(String, Vec<(String, String)>)> = result
            .findings
            .iter()
            .map(|f| (graph.node(f.package).id.to_string(), f.explains.clone()))
            .collect();
        assert_eq!(
            explained,
            vec![
                (
                    "example.com/a/x".to_owned(),
                    vec![("go-generic-libdl".to_owned(), "example.com/a/x".to_owned())]
                ),
                (
                    "example.com/a/y".to_owned(),
                    vec![("go-generic-libdl".to_owned(), "example.com/a/y".to_owned())]
                ),
            ]
        );
    }
}
