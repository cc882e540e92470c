//! Collapsing a package graph into a module graph for `--modules`: one node per module (std
//! packages form the module `std`), an edge wherever an import crosses module boundaries.
//! The result may have cycles (module A imports B, and a package of B imports A).

use crate::model::{DepGraph, EdgeKind, Granularity, GraphBuilder, ModuleInfo, Node};

use super::targets::module_node_id;

/// The module graph of a package graph.
pub fn collapse(packages: &DepGraph) -> DepGraph {
    let mut builder = GraphBuilder::new();
    let ids: Vec<String> = packages
        .node_indices()
        .map(|i| module_node_id(packages, i))
        .collect();
    for i in packages.node_indices() {
        let id = &ids[i.index()];
        if builder.contains(id) {
            continue;
        }
        let package = packages.node(i);
        let module = if package.standard {
            Some(std::sync::Arc::new(ModuleInfo {
                path: "std".to_owned(),
                ..ModuleInfo::default()
            }))
        } else {
            package.module.clone()
        };
        builder.add_node(Node {
            id: id.into(),
            module,
            standard: package.standard,
            missing: package.missing,
            ..Node::default()
        });
    }
    for (source, target, kind) in packages
        .node_indices()
        .flat_map(|v| packages.edges_from(v).map(move |(w, kind)| (v, w, kind)))
    {
        let (from, to) = (&ids[source.index()], &ids[target.index()]);
        if from != to {
            let kind = match kind {
                EdgeKind::Cgo => EdgeKind::Cgo,
                _ => EdgeKind::Require,
            };
            builder.add_edge(from, to, kind);
        }
    }
    for problem in &packages.problems {
        builder.add_problem(problem.clone());
    }
    let roots: Vec<String> = packages
        .roots()
        .iter()
        .map(|&r| ids[r.index()].clone())
        .collect();
    builder.finish(&roots, Granularity::Module, packages.config.clone())
}
