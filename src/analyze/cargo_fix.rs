//! Cargo fixes are features: a rule names the feature of the matched crate that removes the
//! source (libsqlite3-sys `bundled`), and this walks the feature graph up to a dependency a
//! workspace member declares (rusqlite's `bundled` enables `libsqlite3-sys/bundled`), or
//! changes how a member declares the matched crate (reqwest without `default-tls`, with
//! `rustls-tls`). The result is the exact `cargo add` command and `Cargo.toml` edit.

use std::collections::{BTreeSet, VecDeque};

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::model::DepGraph;
use crate::rules::DependencyFix;

/// An edit to a workspace member's `Cargo.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CargoEdit {
    /// The workspace member whose manifest changes.
    pub member: String,
    /// The dependency's key in that manifest.
    pub dependency: String,
    /// The dependency's crate name.
    pub crate_name: String,
    /// Features to enable on it.
    pub features: Vec<String>,
    /// Turn its default features off (the listed features re-enable the wanted defaults).
    pub no_default_features: bool,
    /// The `cargo add` command that makes the edit.
    pub command: String,
    /// How the edit reaches the source, e.g. `rusqlite/bundled → libsqlite3-sys/bundled`.
    pub via: Vec<String>,
    /// The fix is a feature of the member itself (`cargo build --features F -p member`), not
    /// an edit of its `Cargo.toml`.
    pub member_feature: bool,
}

impl CargoEdit {
    /// The dependency line as it should read in `Cargo.toml` (for a member feature: the
    /// build flag).
    pub fn toml_line(&self) -> String {
        if self.member_feature {
            return format!("build with --features {}", self.features.join(","));
        }
        let mut parts = Vec::new();
        if self.no_default_features {
            parts.push("default-features = false".to_owned());
        }
        let features: Vec<String> = self.features.iter().map(|f| format!("{f:?}")).collect();
        parts.push(format!("features = [{}]", features.join(", ")));
        format!("{} = {{ ..., {} }}", self.dependency, parts.join(", "))
    }
}

fn crate_name(graph: &DepGraph, idx: NodeIndex) -> String {
    graph
        .node(idx)
        .module
        .as_ref()
        .map(|m| m.path.clone())
        .unwrap_or_else(|| graph.node(idx).id.to_string())
}

fn is_member(graph: &DepGraph, idx: NodeIndex) -> bool {
    graph.node(idx).module.as_ref().is_some_and(|m| m.main)
}

fn predecessors(graph: &DepGraph, idx: NodeIndex) -> Vec<NodeIndex> {
    let mut preds: Vec<NodeIndex> = graph.predecessors(idx).collect();
    preds.sort();
    preds.dedup();
    preds
}

/// The keys under which `holder`'s manifest names the crate `name`.
fn keys_for(graph: &DepGraph, holder: NodeIndex, name: &str) -> Vec<String> {
    graph
        .node(holder)
        .crate_facts()
        .dep_keys
        .iter()
        .filter(|(_, crate_name)| crate_name.as_str() == name)
        .map(|(key, _)| key.clone())
        .collect()
}

fn command(
    member: &str,
    crate_name: &str,
    dependency: &str,
    features: &[String],
    no_default: bool,
) -> String {
    let mut command = format!("cargo add {crate_name}");
    if dependency != crate_name {
        command.push_str(&format!(" --rename {dependency}"));
    }
    if no_default {
        command.push_str(" --no-default-features");
    }
    if !features.is_empty() {
        command.push_str(&format!(" --features {}", features.join(",")));
    }
    command.push_str(&format!(" -p {member}"));
    command
}

/// A feature no fix should turn on: private by convention (`_x`, `__with_asan_tests`), or
/// test-, fuzz-, bench- or sanitizer-only by name.
pub fn is_internal_feature(name: &str) -> bool {
    if name.starts_with('_') {
        return true;
    }
    name.split(['-', '_']).any(|word| {
        matches!(
            word.to_ascii_lowercase().as_str(),
            "test"
                | "tests"
                | "testing"
                | "asan"
                | "msan"
                | "tsan"
                | "lsan"
                | "ubsan"
                | "sanitizer"
                | "sanitizers"
                | "sanitize"
                | "fuzz"
                | "fuzzing"
                | "bench"
                | "benches"
                | "benchmark"
        )
    })
}

/// Walks from `features` of the crate `target` up to a dependency a workspace member
/// declares; breadth first, so the shortest route wins (ties by node order). Features that
/// are private or test-only ([`is_internal_feature`]) are never walked through. When the
/// member itself has a feature that turns the wanted one on (diesel_cli's `sqlite-bundled`),
/// that feature is the fix: the member's own switch, not an edit of its dependency.
pub fn feature_edit(graph: &DepGraph, target: NodeIndex, features: &[String]) -> Option<CargoEdit> {
    let mut seen: BTreeSet<(NodeIndex, String)> = BTreeSet::new();
    let mut queue: VecDeque<(NodeIndex, String, Vec<String>)> = VecDeque::new();
    for feature in features {
        let start = format!("{}/{feature}", crate_name(graph, target));
        queue.push_back((target, feature.clone(), vec![start]));
    }
    while let Some((at, feature, via)) = queue.pop_front() {
        if !seen.insert((at, feature.clone())) {
            continue;
        }
        let name = crate_name(graph, at);
        for pred in predecessors(graph, at) {
            if is_member(graph, pred) {
                let member = crate_name(graph, pred);
                // The member's own feature, when it has one for this.
                let member_node = graph.node(pred);
                let own: Option<String> =
                    keys_for(graph, pred, &name).into_iter().find_map(|key| {
                        let strong = format!("{key}/{feature}");
                        let weak = format!("{key}?/{feature}");
                        member_node
                            .crate_facts()
                            .feature_defs
                            .iter()
                            .filter(|(f, _)| !is_internal_feature(f))
                            .find(|(_, items)| items.iter().any(|i| *i == strong || *i == weak))
                            .map(|(f, _)| f.clone())
                    });
                if let Some(own) = own {
                    let mut via = via.clone();
                    via.push(format!("{member}/{own}"));
                    via.reverse();
                    return Some(CargoEdit {
                        command: format!("cargo build --features {own} -p {member}"),
                        member: member.clone(),
                        dependency: member,
                        crate_name: name.clone(),
                        features: vec![own],
                        no_default_features: false,
                        via,
                        member_feature: true,
                    });
                }
                let dependency = keys_for(graph, pred, &name)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| name.clone());
                let mut via = via.clone();
                via.reverse();
                return Some(CargoEdit {
                    command: command(
                        &member,
                        &name,
                        &dependency,
                        std::slice::from_ref(&feature),
                        false,
                    ),
                    member,
                    dependency,
                    crate_name: name.clone(),
                    features: vec![feature.clone()],
                    no_default_features: false,
                    via,
                    member_feature: false,
                });
            }
        }
        for pred in predecessors(graph, at) {
            let node = graph.node(pred);
            for key in keys_for(graph, pred, &name) {
                let strong = format!("{key}/{feature}");
                let weak = format!("{key}?/{feature}");
                for (pred_feature, items) in &node.crate_facts().feature_defs {
                    if is_internal_feature(pred_feature) {
                        continue;
                    }
                    if items.iter().any(|item| *item == strong || *item == weak) {
                        let mut via = via.clone();
                        via.push(format!("{}/{pred_feature}", crate_name(graph, pred)));
                        queue.push_back((pred, pred_feature.clone(), via));
                    }
                }
            }
        }
    }
    None
}

/// Changes how a workspace member declares `target` (the crate the rule matched).
pub fn dependency_edit(
    graph: &DepGraph,
    target: NodeIndex,
    fix: &DependencyFix,
) -> Option<CargoEdit> {
    let name = crate_name(graph, target);
    let node = graph.node(target);
    let member_idx = predecessors(graph, target)
        .into_iter()
        .find(|&p| is_member(graph, p))?;
    let member = crate_name(graph, member_idx);
    let dependency = keys_for(graph, member_idx, &name)
        .into_iter()
        .next()
        .unwrap_or_else(|| name.clone());
    let (declared, uses_default) = graph
        .node(member_idx)
        .crate_facts()
        .declared
        .get(&dependency)
        .cloned()
        .unwrap_or((Vec::new(), true));
    let defaults: Vec<String> = node
        .crate_facts()
        .feature_defs
        .get("default")
        .cloned()
        .unwrap_or_default();
    let drops_default = uses_default && fix.disable.iter().any(|f| defaults.contains(f));
    let mut features: Vec<String> = Vec::new();
    let mut push = |feature: &str| {
        if !fix.disable.iter().any(|d| d == feature) && !features.iter().any(|f| f == feature) {
            features.push(feature.to_owned());
        }
    };
    for feature in &declared {
        push(feature);
    }
    if drops_default {
        for feature in &defaults {
            // Only plain feature names; `dep:x` and `x/y` items come back with their feature.
            if !feature.contains(':') && !feature.contains('/') {
                push(feature);
            }
        }
    }
    for feature in &fix.enable {
        push(feature);
    }
    features.sort();
    Some(CargoEdit {
        command: command(&member, &name, &dependency, &features, drops_default),
        member,
        dependency,
        crate_name: name.clone(),
        features,
        no_default_features: drops_default || !uses_default,
        via: vec![format!("{name}: without {}", fix.disable.join(", "))],
        member_feature: false,
    })
}
