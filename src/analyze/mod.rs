//! Analyses over a [`DepGraph`]: `why` answers (chains, counts, choke points). Pure functions of
//! the graph: no IO, no output formatting.

pub mod binary;
pub mod cargo_fix;
pub mod chains;
pub mod check;
pub mod cut;
pub mod diff;
pub mod fix;
pub mod link;
pub mod modules;
pub mod policy;
pub mod targets;

use petgraph::graph::NodeIndex;

use crate::model::DepGraph;

pub use chains::ChainSummary;
pub use targets::{Resolved, TargetKind};

/// Options for `why`.
#[derive(Clone, Debug, Default)]
pub struct WhyOptions {
    /// How many chains to list per target.
    pub max_chains: usize,
    /// Compute the smallest cut (`--cut`), with these package patterns not to be cut.
    pub cut: Option<Vec<String>>,
}

/// The answer for one `why` target.
#[derive(Clone, Debug)]
pub struct WhyAnswer {
    /// The argument as given.
    pub target: String,
    /// What it resolved to.
    pub resolved: Resolved,
    /// Chains, counts and choke points.
    pub summary: ChainSummary,
    /// The smallest cut, when asked for.
    pub cut: Option<cut::Cut>,
}

/// Answers `why` for each target, in the order given. `packages` is the package graph that
/// `graph` was collapsed from, if `graph` is a collapsed module graph.
pub fn why(
    graph: &DepGraph,
    packages: Option<&DepGraph>,
    targets: &[String],
    options: &WhyOptions,
) -> Vec<WhyAnswer> {
    let resolved: Vec<_> = targets
        .iter()
        .map(|target| targets::resolve(graph, packages, target))
        .collect();
    // A one-package target on the graph's own roots reads the kept root distances too.
    graph.keep_orders(resolved.iter().any(|r| r.nodes.len() == 1));
    targets
        .iter()
        .zip(resolved)
        .map(|(target, resolved)| {
            let summary = if resolved.nodes.is_empty() {
                ChainSummary {
                    exact: true,
                    ..ChainSummary::default()
                }
            } else {
                chains::summarize(graph, graph.roots(), &resolved.nodes, options.max_chains)
            };
            let cut = options.cut.as_ref().map(|exclude| {
                cut::min_cut(graph, &resolved.nodes, &|idx| {
                    exclude
                        .iter()
                        .any(|p| crate::pattern::matches(p, &graph.node(idx).id))
                        || (exclude.iter().any(|p| p == "std") && graph.node(idx).standard)
                })
            });
            WhyAnswer {
                target: target.clone(),
                resolved,
                summary,
                cut,
            }
        })
        .collect()
}

/// Ids of a chain's nodes.
pub fn chain_ids(graph: &DepGraph, chain: &[NodeIndex]) -> Vec<String> {
    chain
        .iter()
        .map(|&i| graph.node(i).id.to_string())
        .collect()
}
