//! Turning a `why` argument into the set of nodes it names: an import path, a `path/...`
//! pattern, a module path (all its packages), `cgo`, and "did you mean" hints for misses.

use petgraph::graph::NodeIndex;

use crate::model::{DepGraph, Granularity};
use crate::pattern;

/// What a target argument was taken to mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// One package (or one module node) with exactly this id.
    Exact,
    /// A `...` pattern.
    Pattern,
    /// Every package of the module with this path (or every version of it, in a module graph).
    Module,
    /// Every package with cgo files, and `runtime/cgo`.
    Cgo,
    /// The module containing the named package (module granularity).
    ModuleOfPackage,
    /// Nothing in the graph.
    NotFound,
}

impl TargetKind {
    /// Stable name for JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            TargetKind::Exact => "exact",
            TargetKind::Pattern => "pattern",
            TargetKind::Module => "module",
            TargetKind::Cgo => "cgo",
            TargetKind::ModuleOfPackage => "module-of-package",
            TargetKind::NotFound => "not-found",
        }
    }
}

/// A resolved target.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// How the argument was read.
    pub kind: TargetKind,
    /// The nodes it names, sorted.
    pub nodes: Vec<NodeIndex>,
    /// An explanation worth showing (e.g. which module a package was mapped to).
    pub note: Option<String>,
    /// Close names when nothing matched.
    pub suggestions: Vec<String>,
}

/// Resolves `target` in `graph`. `packages` is the package graph a module graph was collapsed
/// from, when there is one; it maps package paths and `cgo` to modules.
pub fn resolve(graph: &DepGraph, packages: Option<&DepGraph>, target: &str) -> Resolved {
    let resolved = match graph.granularity() {
        Granularity::Package => resolve_package(graph, target),
        Granularity::Module => resolve_module(graph, packages, target),
    };
    match resolved {
        Some(resolved) => resolved,
        None => Resolved {
            kind: TargetKind::NotFound,
            nodes: Vec::new(),
            note: None,
            suggestions: if target == "cgo" {
                Vec::new()
            } else {
                suggest(graph, target)
            },
        },
    }
}

fn found(kind: TargetKind, mut nodes: Vec<NodeIndex>, note: Option<String>) -> Option<Resolved> {
    if nodes.is_empty() {
        return None;
    }
    nodes.sort();
    nodes.dedup();
    Some(Resolved {
        kind,
        nodes,
        note,
        suggestions: Vec::new(),
    })
}

fn all_nodes(graph: &DepGraph) -> impl Iterator<Item = NodeIndex> + '_ {
    graph.node_indices()
}

fn resolve_package(graph: &DepGraph, target: &str) -> Option<Resolved> {
    if target == "cgo" {
        // `is_cgo`: cgo files, or runtime/cgo itself.
        let mut nodes: Vec<NodeIndex> = graph
            .with_facts(crate::model::NodeFacts::CGO)
            .chain(graph.find("runtime/cgo"))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        return found(TargetKind::Cgo, nodes, None);
    }
    if pattern::is_pattern(target) {
        let nodes = all_nodes(graph)
            .filter(|&i| pattern::matches(target, &graph.node(i).id))
            .collect();
        return found(TargetKind::Pattern, nodes, None);
    }
    if let Some(idx) = graph.find(target) {
        return found(TargetKind::Exact, vec![idx], None);
    }
    let nodes = all_nodes(graph)
        .filter(|&i| {
            graph
                .node(i)
                .module
                .as_ref()
                .is_some_and(|m| m.path == target || m.display() == target)
        })
        .collect();
    found(
        TargetKind::Module,
        nodes,
        Some(if graph.config.ecosystem == "cargo" {
            format!("{target} names a crate: every version of it in the graph is a target")
        } else {
            format!("{target} is a module: its packages in the graph are the targets")
        }),
    )
}

fn resolve_module(graph: &DepGraph, packages: Option<&DepGraph>, target: &str) -> Option<Resolved> {
    if target == "cgo" {
        let packages = packages?;
        let ids: Vec<String> = all_nodes(packages)
            .filter(|&i| packages.node(i).is_cgo())
            .map(|i| module_node_id(packages, i))
            .collect();
        let nodes = ids.iter().filter_map(|id| graph.find(id)).collect();
        return found(
            TargetKind::Cgo,
            nodes,
            Some("modules that contain a package with cgo files, or runtime/cgo".to_owned()),
        );
    }
    if pattern::is_pattern(target) {
        let nodes = all_nodes(graph)
            .filter(|&i| {
                let node = graph.node(i);
                pattern::matches(target, &node.id)
                    || node
                        .module
                        .as_ref()
                        .is_some_and(|m| pattern::matches(target, &m.path))
            })
            .collect();
        return found(TargetKind::Pattern, nodes, None);
    }
    if let Some(idx) = graph.find(target) {
        return found(TargetKind::Exact, vec![idx], None);
    }
    let by_path: Vec<NodeIndex> = all_nodes(graph)
        .filter(|&i| {
            graph
                .node(i)
                .module
                .as_ref()
                .is_some_and(|m| m.path == target)
        })
        .collect();
    if !by_path.is_empty() {
        let note = (by_path.len() > 1).then(|| {
            format!(
                "{target} appears at {} versions; each is a target",
                by_path.len()
            )
        });
        return found(TargetKind::Module, by_path, note);
    }
    // A package path: the module that contains it.
    if let Some(packages) = packages
        && let Some(pkg) = packages.find(target)
    {
        {
            let id = module_node_id(packages, pkg);
            let note = Some(format!("package {target} is in module {id}"));
            return found(
                TargetKind::ModuleOfPackage,
                graph.find(&id).into_iter().collect(),
                note,
            );
        }
    }
    // Without package data: the longest module path that prefixes the package path.
    let mut best: Option<(usize, Vec<NodeIndex>)> = None;
    for i in all_nodes(graph) {
        let Some(module) = &graph.node(i).module else {
            continue;
        };
        let path = module.path.as_str();
        if target.len() > path.len()
            && target.starts_with(path)
            && target.as_bytes()[path.len()] == b'/'
        {
            match &mut best {
                Some((len, nodes)) if *len == path.len() => nodes.push(i),
                Some((len, _)) if *len > path.len() => {}
                _ => best = Some((path.len(), vec![i])),
            }
        }
    }
    let (_, nodes) = best?;
    let module_path = graph
        .node(nodes[0])
        .module
        .as_ref()
        .map(|m| m.path.clone())
        .unwrap_or_default();
    found(
        TargetKind::ModuleOfPackage,
        nodes,
        Some(format!(
            "package {target} would be in module {module_path} (longest module path prefix)"
        )),
    )
}

/// The id a package's module has in a module graph collapsed from a package graph.
pub fn module_node_id(packages: &DepGraph, idx: NodeIndex) -> String {
    let node = packages.node(idx);
    if node.standard {
        return "std".to_owned();
    }
    match &node.module {
        Some(module) if module.main => module.path.clone(),
        Some(module) => module.display(),
        None => node.id.to_string(),
    }
}

/// Up to three ids close to `target`, only when they are close: the same path under a prefix
/// (`containerd/plugin` for `github.com/containerd/containerd/plugin`), the same last path
/// element, a last element that has the name as a word (`sqlite3` for `go-sqlite3`), a
/// package of the module the target would be in, or a small edit distance of the whole path
/// (at most 1 in 8 characters, 1 to 3). Sorted by closeness, then id. An unrelated path gets
/// none.
pub fn suggest(graph: &DepGraph, target: &str) -> Vec<String> {
    let target_last = target.rsplit('/').next().unwrap_or(target);
    let limit = (target.len() / 8).clamp(1, 3);
    let mut scored: Vec<(usize, &str)> = Vec::new();
    for i in all_nodes(graph) {
        let node = graph.node(i);
        let id = node.id.as_str();
        let id_path = id.split('@').next().unwrap_or(id);
        let last = id_path.rsplit('/').next().unwrap_or(id_path);
        let same_module = node
            .module
            .as_ref()
            .is_some_and(|m| !m.path.is_empty() && target.starts_with(&format!("{}/", m.path)));
        let distance = strsim::levenshtein(target, id_path);
        let score = if id_path.ends_with(&format!("/{target}")) || id_path == target {
            0
        } else if last == target_last && last.len() >= 3 {
            1
        } else if target_last.len() >= 4
            && last.split(['-', '_', '.']).any(|word| word == target_last)
        {
            // `sqlite3` → `go-sqlite3`: the last element is the name with a `go-`-style affix.
            2
        } else if same_module {
            2 + distance.min(1000)
        } else if distance <= limit {
            1002 + distance
        } else {
            continue;
        };
        scored.push((score, id));
    }
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.to_owned())
        .collect()
}
