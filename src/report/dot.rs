//! Graphviz DOT of the union of the shown chains: one cluster per module, roots and targets
//! highlighted, choke points outlined, cgo edges red and labelled. Node ids are synthetic
//! (`n0`, `n1`, ...) and every label is escaped, since dot-writer escapes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::Result;
use dot_writer::{Attributes, DotWriter, Scope};
use petgraph::graph::NodeIndex;

use crate::analyze::WhyAnswer;
use crate::model::{DepGraph, EdgeKind, Granularity};

use super::escape::dot as esc;

fn cluster_label(graph: &DepGraph, idx: NodeIndex) -> Option<String> {
    if graph.granularity() == Granularity::Module {
        return None;
    }
    let node = graph.node(idx);
    if node.standard {
        return Some("standard library".to_owned());
    }
    let module = node.module.as_ref()?;
    Some(if module.main {
        format!("{} (main module)", module.path)
    } else {
        module.display()
    })
}

struct Roles {
    roots: BTreeSet<NodeIndex>,
    targets: BTreeSet<NodeIndex>,
    chokes: BTreeSet<NodeIndex>,
}

fn write_node(
    scope: &mut Scope<'_, '_>,
    graph: &DepGraph,
    idx: NodeIndex,
    id: &str,
    roles: &Roles,
) {
    let node = graph.node(idx);
    let mut dot_node = scope.node_named(id);
    dot_node.set("label", &esc(&node.id), true);
    if roles.targets.contains(&idx) {
        dot_node
            .set("style", "filled,bold", true)
            .set("fillcolor", "#ffd966", true)
            .set("penwidth", "2", false);
    } else if roles.roots.contains(&idx) {
        dot_node
            .set("style", "filled", true)
            .set("fillcolor", "#c6efce", true);
    } else if node.is_cgo() {
        dot_node
            .set("style", "filled", true)
            .set("fillcolor", "#f8cbad", true);
    }
    if roles.chokes.contains(&idx) {
        dot_node
            .set("color", "#c55a11", true)
            .set("penwidth", "2.5", false);
    }
}

/// Renders the answers as one DOT digraph.
pub fn render_why(graph: &DepGraph, answers: &[WhyAnswer], out: &mut dyn Write) -> Result<()> {
    let mut nodes: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut edges: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
    let mut roles = Roles {
        roots: graph.roots().iter().copied().collect(),
        targets: BTreeSet::new(),
        chokes: BTreeSet::new(),
    };
    for answer in answers {
        for chain in &answer.summary.chains {
            nodes.extend(chain.iter().copied());
            edges.extend(chain.windows(2).map(|pair| (pair[0], pair[1])));
            if let Some(&last) = chain.last() {
                roles.targets.insert(last);
            }
        }
        roles
            .chokes
            .extend(answer.summary.choke_points.iter().copied());
    }
    let ids: BTreeMap<NodeIndex, String> = nodes
        .iter()
        .enumerate()
        .map(|(n, &idx)| (idx, format!("n{n}")))
        .collect();
    let mut clusters: BTreeMap<Option<String>, Vec<NodeIndex>> = BTreeMap::new();
    for &idx in &nodes {
        clusters
            .entry(cluster_label(graph, idx))
            .or_default()
            .push(idx);
    }
    let targets: Vec<&str> = answers.iter().map(|a| a.target.as_str()).collect();
    let mut title = format!(
        "audit why {}\n{}",
        targets.join(" "),
        super::describe_config(&graph.config)
    );
    if graph.incomplete() {
        title.push_str("\nINCOMPLETE: the graph had load errors");
    }
    let unreachable: Vec<&str> = answers
        .iter()
        .filter(|a| !a.summary.reachable)
        .map(|a| a.target.as_str())
        .collect();
    if !unreachable.is_empty() {
        title.push_str(&format!("\nnot needed: {}", unreachable.join(" ")));
    }
    let mut buffer: Vec<u8> = Vec::new();
    {
        let mut writer = DotWriter::from(&mut buffer);
        writer.set_pretty_print(true);
        let mut digraph = writer.digraph();
        digraph
            .graph_attributes()
            .set("rankdir", "LR", false)
            .set("label", &esc(&title), true)
            .set("labelloc", "t", false)
            .set("fontname", "Helvetica", true);
        digraph
            .node_attributes()
            .set("shape", "box", false)
            .set("fontname", "Helvetica", true);
        digraph.edge_attributes().set("fontname", "Helvetica", true);
        for (label, members) in &clusters {
            match label {
                Some(label) => {
                    let mut cluster = digraph.cluster();
                    cluster
                        .graph_attributes()
                        .set("label", &esc(label), true)
                        .set("style", "dashed", true)
                        .set("color", "#7f7f7f", true);
                    for &idx in members {
                        write_node(&mut cluster, graph, idx, &ids[&idx], &roles);
                    }
                }
                None => {
                    for &idx in members {
                        write_node(&mut digraph, graph, idx, &ids[&idx], &roles);
                    }
                }
            }
        }
        for &(from, to) in &edges {
            let edge = digraph.edge(&ids[&from], &ids[&to]);
            match graph.edge_kind(from, to) {
                Some(EdgeKind::Cgo) => {
                    edge.attributes()
                        .set("color", "red", false)
                        .set("fontcolor", "red", false)
                        .set("label", &esc("import \"C\""), true);
                }
                Some(EdgeKind::Linker) => {
                    edge.attributes()
                        .set("style", "dashed", true)
                        .set("label", "linker", true);
                }
                _ => {}
            }
        }
    }
    out.write_all(&buffer)?;
    writeln!(out)?;
    Ok(())
}
