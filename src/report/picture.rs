//! What a dependency picture shows, before any drawing: the nodes of the shown chains with
//! their module (a cluster), their role (root, source, choke point, cgo package), the edges
//! coloured by the effect of the finding whose chain uses them, a legend and a title. DOT
//! (`dot.rs`) and SVG (`svg.rs`, through Graphviz or the built-in renderer) draw the same
//! picture. Labels are raw text here; each drawer escapes for its own language.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;

use crate::analyze::WhyAnswer;
use crate::analyze::check::Finding;
use crate::model::{DepGraph, EdgeKind, Granularity};
use crate::rules::Effect;

/// Fill of a main package (a root of the chains).
pub const ROOT_FILL: &str = "#c6efce";
/// Fill of a source (a finding's package, or a `why` target).
pub const SOURCE_FILL: &str = "#ffd966";
/// Fill of another cgo package on a chain.
pub const CGO_FILL: &str = "#f8cbad";
/// Border of a choke point.
pub const CHOKE_COLOR: &str = "#c55a11";
/// Border of a package in the smallest cut.
pub const CUT_COLOR: &str = "#7b1fa2";
/// Colour of a plain import edge.
pub const PLAIN_EDGE: &str = "#595959";

/// How an edge is painted: by the effect of the finding whose chain uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Paint {
    /// A chain to a `dlopen` finding (purple). First: the most specific effect wins.
    Dlopen,
    /// A chain to a glibc NSS finding (orange).
    Nss,
    /// A chain to a finding that links a system library (blue).
    SystemLibrary,
    /// A chain to a cgo finding, or an `import "C"` edge (red).
    Cgo,
    /// A chain to a finding with another effect (external link, stub, static-link failure).
    Other,
}

impl Paint {
    /// The colour.
    pub fn color(self) -> &'static str {
        match self {
            Paint::Dlopen => "#7030a0",
            Paint::Nss => "#e36c09",
            Paint::SystemLibrary => "#2e75b6",
            Paint::Cgo => "#c00000",
            Paint::Other => "#7f6000",
        }
    }

    /// The legend's words.
    pub fn legend(self) -> &'static str {
        match self {
            Paint::Dlopen => "chain to dlopen",
            Paint::Nss => "chain to glibc NSS",
            Paint::SystemLibrary => "chain to a system library",
            Paint::Cgo => "chain to cgo / import \"C\"",
            Paint::Other => "chain to another effect",
        }
    }

    /// The paint of a finding: its most specific effect.
    pub fn of_finding(finding: &Finding) -> Paint {
        let has = |effect: Effect| finding.effects.contains(&effect);
        if has(Effect::Dlopen) {
            Paint::Dlopen
        } else if has(Effect::Nss) {
            Paint::Nss
        } else if has(Effect::SystemLibrary) {
            Paint::SystemLibrary
        } else if has(Effect::Cgo) {
            Paint::Cgo
        } else {
            Paint::Other
        }
    }
}

/// One package in the picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicNode {
    /// The package id.
    pub label: String,
    /// The cluster: `module@version`, `standard library`, `M (main module)`; `None` at module
    /// granularity.
    pub module: Option<String>,
    /// A main package (root of the chains).
    pub root: bool,
    /// A source: a finding's package or a `why` target.
    pub source: bool,
    /// A choke point: every chain (of its finding or target) passes through it.
    pub choke: bool,
    /// In the smallest cut (`why --cut`).
    pub cut: bool,
    /// Has cgo files (or is `runtime/cgo`).
    pub cgo: bool,
}

/// One import in the picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicEdge {
    /// Index into [`Picture::nodes`].
    pub from: usize,
    /// Index into [`Picture::nodes`].
    pub to: usize,
    /// Colour by effect; `None` for a plain import.
    pub paint: Option<Paint>,
    /// `import "C"`, `linker`.
    pub label: Option<String>,
    /// Drawn dashed (added by the linker, not an import).
    pub dashed: bool,
}

/// A legend entry for a node role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKey {
    /// Main package.
    Root,
    /// Source (finding package or target).
    Source,
    /// Choke point.
    Choke,
    /// In the smallest cut.
    Cut,
    /// Other cgo package.
    Cgo,
}

/// A picture: title, nodes, edges, legend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    /// Title lines (the first names the command, the next the configuration).
    pub title: Vec<String>,
    /// Nodes, in the graph's order (sorted ids).
    pub nodes: Vec<PicNode>,
    /// Edges, sorted.
    pub edges: Vec<PicEdge>,
    /// What a source is called in the legend (`source (finding)`, `target`).
    pub source_word: String,
    /// An id for SVG output, unique within one HTML page (prefixes every SVG id).
    pub id: Option<String>,
}

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

/// Collects nodes and edges of chains, then numbers the nodes.
#[derive(Default)]
struct Collector {
    nodes: BTreeSet<NodeIndex>,
    edges: BTreeMap<(NodeIndex, NodeIndex), Option<Paint>>,
    sources: BTreeSet<NodeIndex>,
    chokes: BTreeSet<NodeIndex>,
    cuts: BTreeSet<NodeIndex>,
}

impl Collector {
    fn add_chain(&mut self, chain: &[NodeIndex], paint: Option<Paint>) {
        self.nodes.extend(chain.iter().copied());
        for pair in chain.windows(2) {
            let slot = self.edges.entry((pair[0], pair[1])).or_insert(paint);
            // The most specific paint wins (Paint's order).
            if let Some(new) = paint
                && slot.is_none_or(|old| new < old)
            {
                *slot = Some(new);
            }
        }
    }

    fn finish(self, graph: &DepGraph, title: Vec<String>, source_word: &str) -> Picture {
        let roots: BTreeSet<NodeIndex> = graph.roots().iter().copied().collect();
        let position: BTreeMap<NodeIndex, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(n, &idx)| (idx, n))
            .collect();
        let nodes = self
            .nodes
            .iter()
            .map(|&idx| {
                let node = graph.node(idx);
                PicNode {
                    label: node.id.to_string(),
                    module: cluster_label(graph, idx),
                    root: roots.contains(&idx),
                    source: self.sources.contains(&idx),
                    choke: self.chokes.contains(&idx),
                    cut: self.cuts.contains(&idx),
                    cgo: node.is_cgo(),
                }
            })
            .collect();
        let edges = self
            .edges
            .iter()
            .map(|(&(from, to), &paint)| {
                let kind = graph.edge_kind(from, to);
                let (label, dashed, paint) = match kind {
                    Some(EdgeKind::Cgo) => (
                        Some("import \"C\"".to_owned()),
                        false,
                        Some(paint.unwrap_or(Paint::Cgo)),
                    ),
                    Some(EdgeKind::Linker) => (Some("linker".to_owned()), true, paint),
                    _ => (None, false, paint),
                };
                PicEdge {
                    from: position[&from],
                    to: position[&to],
                    paint,
                    label,
                    dashed,
                }
            })
            .collect();
        Picture {
            title,
            nodes,
            edges,
            source_word: source_word.to_owned(),
            id: None,
        }
    }
}

impl Picture {
    /// The picture of `why` answers: the union of the shown chains; targets are the sources,
    /// `import "C"` edges red.
    pub fn why(graph: &DepGraph, answers: &[WhyAnswer]) -> Picture {
        let mut collector = Collector::default();
        for answer in answers {
            for chain in &answer.summary.chains {
                collector.add_chain(chain, None);
                if let Some(&last) = chain.last() {
                    collector.sources.insert(last);
                }
            }
            collector
                .chokes
                .extend(answer.summary.choke_points.iter().copied());
            if let Some(cut) = &answer.cut {
                // Only cut packages on the shown chains are drawn.
                collector.cuts.extend(cut.packages.iter().copied());
            }
        }
        collector.cuts.retain(|idx| collector.nodes.contains(idx));
        let targets: Vec<&str> = answers.iter().map(|a| a.target.as_str()).collect();
        let mut title = vec![
            format!("audit why {}", targets.join(" ")),
            super::describe_config(&graph.config),
        ];
        if graph.incomplete() {
            title.push("INCOMPLETE: the graph had load errors".to_owned());
        }
        let unreachable: Vec<&str> = answers
            .iter()
            .filter(|a| !a.summary.reachable)
            .map(|a| a.target.as_str())
            .collect();
        if !unreachable.is_empty() {
            title.push(format!("not needed: {}", unreachable.join(" ")));
        }
        collector.finish(graph, title, "target")
    }

    /// The picture of check findings: the union of their shown chains (the first
    /// `chains_per_finding` of each), their packages as sources, edges painted by effect.
    pub fn findings(
        graph: &DepGraph,
        findings: &[&Finding],
        chains_per_finding: usize,
        title: Vec<String>,
    ) -> Picture {
        let mut collector = Collector::default();
        for finding in findings {
            let paint = Paint::of_finding(finding);
            for chain in finding.chains.chains.iter().take(chains_per_finding) {
                collector.add_chain(chain, Some(paint));
            }
            if !finding.chains.chains.is_empty() {
                collector.sources.insert(finding.package);
            }
            collector
                .chokes
                .extend(finding.chains.choke_points.iter().copied());
        }
        collector.finish(graph, title, "source (finding)")
    }

    /// The picture of `audit check`: per configuration, the chains of every finding that is
    /// not allowed.
    pub fn check(output: &super::check::CheckOutput<'_>) -> Picture {
        let mut combined = Picture::default();
        for (i, run) in output.runs.iter().enumerate() {
            let findings: Vec<&Finding> = run
                .result
                .findings
                .iter()
                .filter(|f| f.allowed.is_none())
                .collect();
            let failing = findings.iter().filter(|f| f.fails).count();
            let mut title = vec![
                format!(
                    "audit check: {} finding(s), {failing} at or above fail-on {}",
                    findings.len(),
                    output.fail_on.as_str()
                ),
                super::describe_config(&run.graph.config),
            ];
            if run.graph.incomplete() {
                title.push("INCOMPLETE: the graph had load errors".to_owned());
            }
            let one = Picture::findings(&run.graph, &findings, usize::MAX, title);
            if output.runs.len() == 1 {
                return one;
            }
            combined.append(one, &format!("config {}: {}", i + 1, run.label));
        }
        combined
    }

    /// Appends another picture (another configuration or ecosystem): its clusters are named
    /// after `label`, so equal packages of two graphs stay apart.
    pub fn append(&mut self, other: Picture, label: &str) {
        let offset = self.nodes.len();
        self.title.extend(other.title);
        self.nodes.extend(other.nodes.into_iter().map(|mut node| {
            node.module = Some(match node.module {
                Some(module) => format!("[{label}] {module}"),
                None => format!("[{label}]"),
            });
            node
        }));
        self.edges.extend(other.edges.into_iter().map(|mut edge| {
            edge.from += offset;
            edge.to += offset;
            edge
        }));
        if self.source_word.is_empty() {
            self.source_word = other.source_word;
        }
    }

    /// Legend entries for the node roles present.
    pub fn node_keys(&self) -> Vec<NodeKey> {
        let mut keys = Vec::new();
        if self.nodes.iter().any(|n| n.root) {
            keys.push(NodeKey::Root);
        }
        if self.nodes.iter().any(|n| n.source) {
            keys.push(NodeKey::Source);
        }
        if self.nodes.iter().any(|n| n.choke) {
            keys.push(NodeKey::Choke);
        }
        if self.nodes.iter().any(|n| n.cut) {
            keys.push(NodeKey::Cut);
        }
        if self.nodes.iter().any(|n| n.cgo && !n.root && !n.source) {
            keys.push(NodeKey::Cgo);
        }
        keys
    }

    /// The legend's words for a node role.
    pub fn node_key_label(&self, key: NodeKey) -> String {
        match key {
            NodeKey::Root => "main package (root)".to_owned(),
            NodeKey::Source => self.source_word.clone(),
            NodeKey::Choke => "choke point (cut here)".to_owned(),
            NodeKey::Cut => "in the smallest cut".to_owned(),
            NodeKey::Cgo => "cgo package".to_owned(),
        }
    }

    /// Legend entries for the edge paints present, most specific first.
    pub fn paints(&self) -> Vec<Paint> {
        let paints: BTreeSet<Paint> = self.edges.iter().filter_map(|e| e.paint).collect();
        paints.into_iter().collect()
    }
}
