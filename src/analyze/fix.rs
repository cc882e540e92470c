//! The pure parts of `audit fix`: which tags the findings ask for (and which need an upgrade
//! first), what a change does between two loads of the graph, and the build patterns of the
//! main packages. Loading the graph under each configuration is the planner's job (`plan`).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::check::Finding;
use crate::model::DepGraph;
use crate::rules::version::Version;

/// An upgrade the fix needs or offers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UpgradeStep {
    /// The module.
    pub module: String,
    /// The minimum version.
    pub version: String,
    /// Tags to set after upgrading.
    pub tags: Vec<String>,
    /// `go get module@version`.
    pub command: String,
    /// The rule that asks for it.
    pub rule: String,
    /// `needed` (nothing else fixes the finding) or `alternative` (the tags fix it already).
    pub kind: &'static str,
}

/// Tags the findings ask for, and upgrades: a tag whose module is older than the version that
/// honours it becomes a needed upgrade; a rule's own upgrade is an alternative.
pub fn requested_tags(
    graph: &DepGraph,
    findings: &[Finding],
) -> (BTreeSet<String>, Vec<UpgradeStep>) {
    let mut tags = BTreeSet::new();
    let mut upgrades = Vec::new();
    for finding in findings {
        if finding.allowed.is_some() {
            continue;
        }
        let fix = &finding.fix;
        let module = graph.node(finding.package).module.as_ref();
        let have = module
            .and_then(|m| m.version.as_deref())
            .and_then(|v| Version::parse(v).ok());
        let usable = match (&fix.tags_min_version, &have) {
            (Some(min), Some(have)) => Version::parse(min).is_ok_and(|min| *have >= min),
            _ => true,
        };
        if usable {
            tags.extend(fix.tags.iter().cloned());
        } else if let (Some(min), Some(module)) = (&fix.tags_min_version, module) {
            upgrades.push(UpgradeStep {
                module: module.path.clone(),
                version: min.clone(),
                tags: fix.tags.clone(),
                command: format!("go get {}@{min}", module.path),
                rule: finding.rule.clone(),
                kind: "needed",
            });
        }
        if let Some(upgrade) = &fix.upgrade {
            let kind = if usable && !fix.tags.is_empty() {
                "alternative"
            } else {
                "needed"
            };
            upgrades.push(UpgradeStep {
                module: upgrade.module.clone(),
                version: upgrade.version.clone(),
                tags: upgrade.tags.clone(),
                command: format!("go get {}@{}", upgrade.module, upgrade.version),
                rule: finding.rule.clone(),
                kind,
            });
        }
    }
    upgrades.sort();
    upgrades.dedup();
    (tags, upgrades)
}

/// How one package differs between two loads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageChange {
    /// The package.
    pub package: String,
    /// What changed, e.g. `-cgo files cgo_unix_cgo.go`, `+imports net`, `removed`.
    pub changes: Vec<String>,
}

/// The ids a node imports, sorted (node indices follow sorted ids, so sorting the indices
/// sorts the ids).
fn imports_of(graph: &DepGraph, idx: NodeIndex) -> Vec<&str> {
    let mut deps: Vec<NodeIndex> = graph.successors(idx).collect();
    deps.sort_unstable();
    deps.into_iter()
        .map(|dep| graph.node(dep).id.as_str())
        .collect()
}

fn set_diff<'s, B, A>(label: &str, before: B, after: A, out: &mut Vec<String>)
where
    B: IntoIterator<Item = &'s str, IntoIter: Clone>,
    A: IntoIterator<Item = &'s str, IntoIter: Clone>,
{
    let (before, after) = (before.into_iter(), after.into_iter());
    // Most packages are the same on both sides: no sets for them.
    if before.clone().eq(after.clone()) {
        return;
    }
    let before: BTreeSet<&str> = before.collect();
    let after: BTreeSet<&str> = after.collect();
    let removed: Vec<&str> = before.difference(&after).copied().collect();
    let added: Vec<&str> = after.difference(&before).copied().collect();
    if !removed.is_empty() {
        out.push(format!("-{label} {}", removed.join(" ")));
    }
    if !added.is_empty() {
        out.push(format!("+{label} {}", added.join(" ")));
    }
}

/// Every package whose files or imports differ between two loads, sorted.
pub fn diff(before: &DepGraph, after: &DepGraph) -> Vec<PackageChange> {
    let ids: BTreeSet<&str> = before
        .nodes()
        .iter()
        .chain(after.nodes().iter())
        .filter(|node| !node.missing)
        .map(|node| node.id.as_str())
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let mut changes = Vec::new();
        match (before.find(id), after.find(id)) {
            (Some(_), None) => changes.push("removed from the build".to_owned()),
            (None, Some(_)) => changes.push("added to the build".to_owned()),
            (Some(b), Some(a)) => {
                let (nb, na) = (before.node(b), after.node(a));
                set_diff("go files", &nb.go_files, &na.go_files, &mut changes);
                set_diff("cgo files", &nb.cgo_files, &na.cgo_files, &mut changes);
                set_diff(
                    "features",
                    nb.crate_facts().features.iter().map(String::as_str),
                    na.crate_facts().features.iter().map(String::as_str),
                    &mut changes,
                );
                set_diff(
                    "imports",
                    imports_of(before, b),
                    imports_of(after, a),
                    &mut changes,
                );
            }
            (None, None) => {}
        }
        if !changes.is_empty() {
            out.push(PackageChange {
                package: id.to_owned(),
                changes,
            });
        }
    }
    out
}

/// Main packages as `./relative/path` patterns of the main module, for the build command.
pub fn build_patterns(graph: &DepGraph) -> Vec<String> {
    let mut out: BTreeMap<String, ()> = BTreeMap::new();
    for &root in graph.roots() {
        let node = graph.node(root);
        let pattern = match &node.module {
            Some(module) if module.main => match node.id.strip_prefix(&module.path) {
                Some("") => ".".to_owned(),
                Some(rest) => format!(".{rest}"),
                None => node.id.to_string(),
            },
            _ => node.id.to_string(),
        };
        out.insert(pattern, ());
    }
    out.into_keys().collect()
}
