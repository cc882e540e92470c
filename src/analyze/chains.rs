//! Chains from the roots to a set of target nodes: exact count, the k shortest, and the choke
//! points that every chain passes through.
//!
//! A chain starts at a root and ends at the first target it meets (it never passes through
//! another target first). Everything runs on the subgraph of nodes that are both reachable from
//! a root and able to reach a target, so nothing is explored that cannot end in a chain:
//! - counting is dynamic programming in topological order (linear; `u64` while the counts
//!   fit, then exact big integers, redone once over the same order); only a cyclic subgraph (possible in module graphs) falls back to a bounded enumeration of
//!   simple paths, and says when it stopped early;
//! - the k shortest chains come from a best-first search guided by the exact distance to a
//!   target, so each pop extends a partial chain that is guaranteed to complete; ties are
//!   broken by node index, which follows the sorted order of ids;
//! - choke points are the dominators of a virtual sink fed by every target, seen from a
//!   virtual source feeding every root.
//!
//! [`ChainIndex`] answers many single-package targets over one set of roots (what `check`
//! asks, one target per finding) from passes made once: one reachable set, one topological
//! order, one counting pass and one dominator tree serve every target; per target only the
//! distance pass over the target's ancestors and the k-shortest search remain. Its answers equal
//! [`summarize`]'s (a test compares them on random graphs).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use petgraph::algo::dominators;
use petgraph::graph::{DiGraph, NodeIndex};

use num_bigint::BigUint;

use crate::model::Adjacency;

/// Kahn's algorithm over the `members` (ascending) that `inside` holds: every member in an
/// order where each comes before its successors, or fewer when they have a cycle.
fn kahn<G: Adjacency + ?Sized>(
    graph: &G,
    members: &[u32],
    inside: impl Fn(u32) -> bool,
) -> Vec<u32> {
    let mut indegree = vec![0u32; graph.node_count()];
    for &v in members {
        for &w in graph.successors(v) {
            if inside(w) {
                indegree[w as usize] += 1;
            }
        }
    }
    let mut order: Vec<u32> = members
        .iter()
        .copied()
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    order.reserve(members.len() - order.len());
    let mut next = 0;
    while let Some(&v) = order.get(next) {
        next += 1;
        for &w in graph.successors(v) {
            if inside(w) {
                indegree[w as usize] -= 1;
                if indegree[w as usize] == 0 {
                    order.push(w);
                }
            }
        }
    }
    order
}

/// Every node of `graph` in an order where each comes before its successors, `None` when
/// the graph has a cycle (for [`Adjacency::topological_order`]).
pub fn topological_order<G: Adjacency + ?Sized>(graph: &G) -> Option<Vec<u32>> {
    let n = graph.node_count();
    // Every node counts: a node's in-degree is the length of its predecessor row.
    let mut indegree: Vec<u32> = (0..n as u32)
        .map(|v| graph.predecessors(v).len() as u32)
        .collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    order.reserve(n - order.len());
    let mut next = 0;
    while let Some(&v) = order.get(next) {
        next += 1;
        for &w in graph.successors(v) {
            indegree[w as usize] -= 1;
            if indegree[w as usize] == 0 {
                order.push(w);
            }
        }
    }
    (order.len() == n).then_some(order)
}

/// `order` when it is a topological order of every node of `graph` (each node once, each
/// before its successors): one pass over the edges.
pub fn checked_topological_order<G: Adjacency + ?Sized>(
    graph: &G,
    order: &[u32],
) -> Option<Vec<u32>> {
    let n = graph.node_count();
    if order.len() != n {
        return None;
    }
    let mut position = vec![u32::MAX; n];
    for (p, &v) in order.iter().enumerate() {
        let slot = position.get_mut(v as usize)?;
        if *slot != u32::MAX {
            return None;
        }
        *slot = p as u32;
    }
    for (p, &v) in order.iter().enumerate() {
        if graph
            .successors(v)
            .iter()
            .any(|&w| position[w as usize] <= p as u32)
        {
            return None;
        }
    }
    Some(order.to_vec())
}

/// A node's number in the adjacency rows.
fn num(v: NodeIndex) -> u32 {
    v.index() as u32
}

fn idx(v: u32) -> NodeIndex {
    NodeIndex::new(v as usize)
}

/// Work limit for the enumeration fallbacks on cyclic graphs (heap pops or DFS steps).
pub const CYCLIC_WORK_LIMIT: usize = 2_000_000;

/// The answer for one target set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainSummary {
    /// Some chain exists.
    pub reachable: bool,
    /// Number of distinct chains, capped at `u64::MAX` (see `big_count` past that).
    pub count: u64,
    /// The count is larger than `u64::MAX`; `big_count` holds it exactly.
    pub saturated: bool,
    /// The exact count when it does not fit in `u64` (only then, so small counts stay cheap).
    pub big_count: Option<BigUint>,
    /// False when the graph had cycles and the enumeration hit its work limit: `count` is then
    /// a lower bound.
    pub exact: bool,
    /// Up to `max_chains` chains, shortest first, ties by node index, each from root to target.
    pub chains: Vec<Vec<NodeIndex>>,
    /// More chains exist than are shown.
    pub truncated: bool,
    /// Nodes other than roots and targets on every chain, in order from root to target.
    pub choke_points: Vec<NodeIndex>,
    /// The relevant subgraph had a cycle.
    pub cyclic: bool,
}

struct Relevant {
    in_set: Vec<bool>,
    is_target: Vec<bool>,
    is_root: Vec<bool>,
    members: Vec<u32>,
}

impl Relevant {
    fn edge_ok(&self, from: u32, to: u32) -> bool {
        self.in_set[from as usize] && self.in_set[to as usize] && !self.is_target[from as usize]
    }
}

fn relevant<G: Adjacency>(graph: &G, roots: &[NodeIndex], targets: &[NodeIndex]) -> Relevant {
    let n = graph.node_count();
    let mut is_target = vec![false; n];
    for t in targets {
        is_target[t.index()] = true;
    }
    let mut is_root = vec![false; n];
    for r in roots {
        is_root[r.index()] = true;
    }
    // Forward from the roots, never expanding a target (a chain ends at its first target).
    // With one target in an acyclic graph, what only the target leads to cannot lead back to
    // it: the graph's own reach from the roots, when it keeps one, serves.
    let kept = (targets.len() == 1 && graph.topological_order().is_some())
        .then(|| graph.kept_root_distances(roots))
        .flatten();
    let mut queue: VecDeque<u32> = VecDeque::new();
    let forward: Vec<bool> = match kept {
        Some(distances) => distances.iter().map(|&d| d != u32::MAX).collect(),
        None => {
            let mut forward = vec![false; n];
            for r in roots {
                if !forward[r.index()] {
                    forward[r.index()] = true;
                    queue.push_back(num(*r));
                }
            }
            while let Some(v) = queue.pop_front() {
                if is_target[v as usize] {
                    continue;
                }
                for &w in graph.successors(v) {
                    if !forward[w as usize] {
                        forward[w as usize] = true;
                        queue.push_back(w);
                    }
                }
            }
            forward
        }
    };
    // Backward from the targets, never entering another target.
    let mut backward = vec![false; n];
    for t in targets {
        if forward[t.index()] && !backward[t.index()] {
            backward[t.index()] = true;
            queue.push_back(num(*t));
        }
    }
    while let Some(v) = queue.pop_front() {
        for &u in graph.predecessors(v) {
            let u = u as usize;
            if forward[u] && !backward[u] && !is_target[u] {
                backward[u] = true;
                queue.push_back(u as u32);
            }
        }
    }
    let members = (0..n as u32).filter(|&i| backward[i as usize]).collect();
    Relevant {
        in_set: backward,
        is_target,
        is_root,
        members,
    }
}

/// A topological order of the relevant subgraph: the graph's own, filtered (the relevant
/// edges are some of the graph's), else Kahn's algorithm over the relevant subgraph; `None`
/// when it has a cycle.
fn topological<G: Adjacency>(graph: &G, rel: &Relevant) -> Option<Vec<u32>> {
    if let Some(whole) = graph.topological_order() {
        return Some(
            whole
                .iter()
                .copied()
                .filter(|&v| rel.in_set[v as usize])
                .collect(),
        );
    }
    let n = graph.node_count();
    let mut indegree = vec![0u32; n];
    for &v in &rel.members {
        for &w in graph.successors(v) {
            if rel.edge_ok(v, w) {
                indegree[w as usize] += 1;
            }
        }
    }
    let mut order: Vec<u32> = rel
        .members
        .iter()
        .copied()
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    order.reserve(rel.members.len() - order.len());
    let mut next = 0;
    while let Some(&v) = order.get(next) {
        next += 1;
        for &w in graph.successors(v) {
            if rel.edge_ok(v, w) {
                indegree[w as usize] -= 1;
                if indegree[w as usize] == 0 {
                    order.push(w);
                }
            }
        }
    }
    (order.len() == rel.members.len()).then_some(order)
}

/// Distance (in edges) from each relevant node to its nearest target, over relevant edges.
fn distances<G: Adjacency>(graph: &G, rel: &Relevant) -> Vec<usize> {
    let mut dist = vec![usize::MAX; graph.node_count()];
    let mut queue = VecDeque::new();
    for &v in &rel.members {
        if rel.is_target[v as usize] {
            dist[v as usize] = 0;
            queue.push_back(v);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &u in graph.predecessors(v) {
            if rel.edge_ok(u, v) && dist[u as usize] == usize::MAX {
                dist[u as usize] = dist[v as usize] + 1;
                queue.push_back(u);
            }
        }
    }
    dist
}

/// Exact number of chains over the relevant DAG: `u64` arithmetic while it fits, otherwise the
/// same pass again in big integers. Returns (capped count, exact count when it does not fit).
fn count_dag<G: Adjacency>(graph: &G, rel: &Relevant, order: &[u32]) -> (u64, Option<BigUint>) {
    let edge_ok = |u: u32, v: u32| rel.edge_ok(u, v);
    let count = |v: u32| u64::from(rel.is_root[v as usize]);
    match path_counts_u64(graph, order, edge_ok, count) {
        Some(paths) => {
            let mut total = 0u64;
            for &v in order {
                if rel.is_target[v as usize] {
                    match total.checked_add(paths[v as usize]) {
                        Some(t) => total = t,
                        None => {
                            return exact_total(graph, order, rel);
                        }
                    }
                }
            }
            (total, None)
        }
        None => exact_total(graph, order, rel),
    }
}

/// The exact total in big integers, counted backward: chains from each node to the targets,
/// summed over the roots. It is the same sum as forward, but a node's count is needed only
/// until its last importer is counted, and it is the packages deep in the graph (the standard
/// library, hubs), imported from everywhere, whose counts stay open longest: backward they
/// are small, forward they are the largest numbers of the pass.
fn exact_total<G: Adjacency>(graph: &G, order: &[u32], rel: &Relevant) -> (u64, Option<BigUint>) {
    let mut pending = vec![0u32; graph.node_count()];
    for &v in order {
        for &w in graph.successors(v) {
            if rel.edge_ok(v, w) {
                pending[w as usize] += 1;
            }
        }
    }
    let mut to_targets = vec![BigUint::default(); graph.node_count()];
    let mut total = BigUint::default();
    for &v in order.iter().rev() {
        let mut here = BigUint::from(u64::from(rel.is_target[v as usize]));
        for &w in graph.successors(v) {
            if rel.edge_ok(v, w) {
                here += &to_targets[w as usize];
                pending[w as usize] -= 1;
                if pending[w as usize] == 0 {
                    to_targets[w as usize] = BigUint::default();
                }
            }
        }
        if rel.is_root[v as usize] {
            total += &here;
        }
        if pending[v as usize] > 0 {
            to_targets[v as usize] = here;
        }
    }
    split_count(total)
}

/// (capped `u64`, exact value when it does not fit).
fn split_count(total: BigUint) -> (u64, Option<BigUint>) {
    match u64::try_from(&total) {
        Ok(small) => (small, None),
        Err(_) => (u64::MAX, Some(total)),
    }
}

/// Chains ending at each node of `order`, in `u64`; `None` as soon as one does not fit.
fn path_counts_u64<G: Adjacency>(
    graph: &G,
    order: &[u32],
    edge_ok: impl Fn(u32, u32) -> bool,
    start: impl Fn(u32) -> u64,
) -> Option<Vec<u64>> {
    let mut paths = vec![0u64; graph.node_count()];
    for &v in order {
        let mut here = start(v);
        for &u in graph.predecessors(v) {
            if edge_ok(u, v) {
                here = here.checked_add(paths[u as usize])?;
            }
        }
        paths[v as usize] = here;
    }
    Some(paths)
}

/// The same pass in big integers, for counts past `u64`. Only the counts of nodes that `keep`
/// holds are returned (the others are zero): a node's count is dropped as soon as the last of
/// its successors has added it, since at 10^5 packages the counts have thousands of digits
/// and keeping all of them would cost more memory than the graph.
fn path_counts_big<G: Adjacency>(
    graph: &G,
    order: &[u32],
    edge_ok: impl Fn(u32, u32) -> bool,
    start: impl Fn(u32) -> u64,
    keep: impl Fn(u32) -> bool,
) -> Vec<BigUint> {
    // Successors in `order` still to add each node's count.
    let mut pending = vec![0u32; graph.node_count()];
    for &v in order {
        for &u in graph.predecessors(v) {
            if edge_ok(u, v) {
                pending[u as usize] += 1;
            }
        }
    }
    let mut paths = vec![BigUint::default(); graph.node_count()];
    for &v in order {
        let mut here = BigUint::from(start(v));
        for &u in graph.predecessors(v) {
            if edge_ok(u, v) {
                here += &paths[u as usize];
                pending[u as usize] -= 1;
                if pending[u as usize] == 0 && !keep(u) {
                    paths[u as usize] = BigUint::default();
                }
            }
        }
        if pending[v as usize] > 0 || keep(v) {
            paths[v as usize] = here;
        }
    }
    paths
}

/// Counts simple paths by depth-first enumeration, for cyclic subgraphs. Returns
/// (count, saturated, finished).
fn count_cyclic<G: Adjacency>(graph: &G, rel: &Relevant, roots: &[NodeIndex]) -> (u64, bool, bool) {
    let mut on_path = vec![false; graph.node_count()];
    let mut total = 0u64;
    let mut saturated = false;
    let mut work = 0usize;
    let successors = |v: u32| -> Vec<u32> {
        if rel.is_target[v as usize] {
            return Vec::new();
        }
        graph
            .successors(v)
            .iter()
            .copied()
            .filter(|&w| rel.edge_ok(v, w))
            .collect()
    };
    for &root in roots {
        if !rel.in_set[root.index()] {
            continue;
        }
        let root = num(root);
        // Explicit stack of (node, successors, position among them).
        let mut stack: Vec<(u32, Vec<u32>, usize)> = Vec::new();
        on_path[root as usize] = true;
        if rel.is_target[root as usize] {
            total = total.saturating_add(1);
        }
        stack.push((root, successors(root), 0));
        while let Some((_, succ, pos)) = stack.last_mut() {
            work += 1;
            if work > CYCLIC_WORK_LIMIT {
                return (total, saturated, false);
            }
            if *pos >= succ.len() {
                let (v, _, _) = stack.pop().expect("non-empty stack");
                on_path[v as usize] = false;
                continue;
            }
            let w = succ[*pos];
            *pos += 1;
            if on_path[w as usize] {
                continue;
            }
            if rel.is_target[w as usize] {
                total = total.checked_add(1).unwrap_or_else(|| {
                    saturated = true;
                    u64::MAX
                });
                continue;
            }
            on_path[w as usize] = true;
            stack.push((w, successors(w), 0));
        }
    }
    (total, saturated, true)
}

/// The k shortest chains, shortest first, ties broken by the sequence of node indices.
/// Returns the chains and whether the work limit stopped the search (cyclic graphs only).
fn shortest_chains<G: Adjacency>(
    graph: &G,
    rel: &Relevant,
    roots: &[NodeIndex],
    dist: &[usize],
    max_chains: usize,
    cyclic: bool,
) -> (Vec<Vec<NodeIndex>>, bool) {
    let mut chains = Vec::new();
    if max_chains == 0 {
        return (chains, false);
    }
    let mut heap: BinaryHeap<Reverse<(usize, Vec<u32>)>> = BinaryHeap::new();
    for &root in roots {
        if rel.in_set[root.index()] {
            heap.push(Reverse((dist[root.index()] + 1, vec![num(root)])));
        }
    }
    let mut work = 0usize;
    while let Some(Reverse((_, path))) = heap.pop() {
        work += 1;
        if cyclic && work > CYCLIC_WORK_LIMIT {
            return (chains, true);
        }
        let last = *path.last().expect("paths are never empty");
        if rel.is_target[last as usize] {
            chains.push(path.iter().map(|&i| idx(i)).collect());
            if chains.len() == max_chains {
                break;
            }
            continue;
        }
        for &w in graph.successors(last) {
            if !rel.edge_ok(last, w) {
                continue;
            }
            if cyclic && path.contains(&w) {
                continue;
            }
            let mut next = Vec::with_capacity(path.len() + 1);
            next.extend_from_slice(&path);
            next.push(w);
            heap.push(Reverse((next.len() + dist[w as usize], next)));
        }
    }
    (chains, false)
}

/// Choke points on a DAG in one pass over the topological order: the immediate dominator of a
/// node is the nearest common dominator of its predecessors (Cooper-Harvey-Kennedy's
/// `intersect`, which needs no iteration when predecessors come first). The virtual source
/// (rank 0) feeds every root, the virtual sink is fed by every target.
fn choke_points_dag<G: Adjacency>(graph: &G, rel: &Relevant, order: &[u32]) -> Vec<NodeIndex> {
    const SOURCE: u32 = 0;
    let n = graph.node_count();
    // rank: position in (source, order..., sink); idom is stored by rank.
    let mut rank = vec![u32::MAX; n];
    for (i, &v) in order.iter().enumerate() {
        rank[v as usize] = i as u32 + 1;
    }
    let mut idom = vec![u32::MAX; order.len() + 2];
    idom[SOURCE as usize] = SOURCE;
    let mut sink_dom: Option<u32> = None;
    for (i, &v) in order.iter().enumerate() {
        let me = i as u32 + 1;
        let mut dom: Option<u32> = rel.is_root[v as usize].then_some(SOURCE);
        for &u in graph.predecessors(v) {
            if rel.edge_ok(u, v) {
                let r = rank[u as usize];
                dom = Some(match dom {
                    None => r,
                    Some(d) => intersect(&idom, d, r),
                });
            }
        }
        idom[me as usize] = dom.unwrap_or(SOURCE);
        if rel.is_target[v as usize] {
            sink_dom = Some(match sink_dom {
                None => me,
                Some(d) => intersect(&idom, d, me),
            });
        }
    }
    let Some(mut at) = sink_dom else {
        return Vec::new();
    };
    let mut chain = Vec::new();
    while at != SOURCE {
        let v = order[at as usize - 1];
        if !rel.is_root[v as usize] && !rel.is_target[v as usize] {
            chain.push(idx(v));
        }
        at = idom[at as usize];
    }
    chain.reverse();
    chain
}

/// Dominators of a virtual sink (fed by every target) from a virtual source (feeding every
/// root), restricted to the relevant subgraph; roots and targets are left out. For cyclic
/// subgraphs (module graphs), with petgraph's iterative algorithm.
fn choke_points<G: Adjacency>(graph: &G, rel: &Relevant, roots: &[NodeIndex]) -> Vec<NodeIndex> {
    let mut local = vec![usize::MAX; graph.node_count()];
    let mut compact: DiGraph<(), ()> = DiGraph::with_capacity(rel.members.len() + 2, 0);
    for &v in &rel.members {
        local[v as usize] = compact.add_node(()).index();
    }
    let source = compact.add_node(());
    let sink = compact.add_node(());
    for &r in roots {
        if rel.in_set[r.index()] {
            compact.add_edge(source, NodeIndex::new(local[r.index()]), ());
        }
    }
    for &v in &rel.members {
        let lv = NodeIndex::new(local[v as usize]);
        if rel.is_target[v as usize] {
            compact.add_edge(lv, sink, ());
            continue;
        }
        for &w in graph.successors(v) {
            if rel.edge_ok(v, w) {
                compact.add_edge(lv, NodeIndex::new(local[w as usize]), ());
            }
        }
    }
    let doms = dominators::simple_fast(&compact, source);
    let Some(mut walk) = doms.dominators(sink) else {
        return Vec::new();
    };
    // The walk yields sink, then its immediate dominator, ... up to the source.
    walk.next();
    let mut chain: Vec<NodeIndex> = walk
        .filter(|&d| d != source)
        .map(|d| rel.members[d.index()])
        .filter(|&v| !rel.is_root[v as usize] && !rel.is_target[v as usize])
        .map(idx)
        .collect();
    chain.reverse();
    chain
}

/// Answers "why" for one target set.
pub fn summarize<G: Adjacency>(
    graph: &G,
    roots: &[NodeIndex],
    targets: &[NodeIndex],
    max_chains: usize,
) -> ChainSummary {
    if let [target] = targets
        && let Some(from_roots) = graph.kept_root_distances(roots)
        && let Some(order) = graph.topological_order()
        && let Some(summary) =
            summarize_one(graph, roots, &order, from_roots, num(*target), max_chains)
    {
        return summary;
    }
    let rel = relevant(graph, roots, targets);
    let reachable = rel.members.iter().any(|&v| rel.is_target[v as usize]);
    if !reachable {
        return ChainSummary {
            exact: true,
            ..ChainSummary::default()
        };
    }
    let order = topological(graph, &rel);
    let cyclic = order.is_none();
    let (count, big_count, exact) = match &order {
        Some(order) => {
            let (count, big) = count_dag(graph, &rel, order);
            (count, big, true)
        }
        None => {
            // At most CYCLIC_WORK_LIMIT chains are enumerated: the count fits in u64.
            let (count, _, finished) = count_cyclic(graph, &rel, roots);
            (count, None, finished)
        }
    };
    let dist = distances(graph, &rel);
    let (chains, stopped) = shortest_chains(graph, &rel, roots, &dist, max_chains, cyclic);
    let choke_points = match &order {
        Some(order) => choke_points_dag(graph, &rel, order),
        None => choke_points(graph, &rel, roots),
    };
    assemble(
        count,
        big_count,
        exact && !stopped,
        chains,
        choke_points,
        cyclic,
    )
}

fn assemble(
    count: u64,
    big_count: Option<BigUint>,
    exact: bool,
    chains: Vec<Vec<NodeIndex>>,
    choke_points: Vec<NodeIndex>,
    cyclic: bool,
) -> ChainSummary {
    let shown = chains.len() as u64;
    let saturated = big_count.is_some();
    ChainSummary {
        reachable: true,
        count: count.max(shown),
        saturated,
        big_count,
        exact,
        truncated: saturated || !exact || count > shown,
        chains,
        choke_points,
        cyclic,
    }
}

impl ChainSummary {
    /// The number of chains as an exact integer (a lower bound when `exact` is false).
    pub fn exact_count(&self) -> BigUint {
        self.big_count
            .clone()
            .unwrap_or_else(|| BigUint::from(self.count))
    }

    /// The number of chains with every digit (exact or, when `exact` is false, a lower bound).
    pub fn count_text(&self) -> String {
        match &self.big_count {
            Some(big) => big.to_string(),
            None => self.count.to_string(),
        }
    }
}

/// Single-package targets over one set of roots, from passes made once (see the module docs).
pub struct ChainIndex<'g, G> {
    graph: &'g G,
    roots: Vec<NodeIndex>,
    is_root: Vec<bool>,
    /// Reachable from a root.
    forward: Vec<bool>,
    /// `None` when the reachable subgraph has a cycle: targets then go through [`summarize`].
    dag: Option<DagIndex>,
    /// The only targets it answers for ([`ChainIndex::for_targets`]); `None`: any.
    wanted: Option<Vec<bool>>,
}

struct DagIndex {
    /// Position in the topological order plus one (0 is the virtual source); `u32::MAX` for
    /// nodes no root reaches.
    rank: Vec<u32>,
    order: Vec<u32>,
    /// Immediate dominator by rank, from the virtual source.
    idom: Vec<u32>,
    /// Chains ending at each node: all in `u64`, or all in big integers when one does not fit.
    small: Option<Vec<u64>>,
    big: Vec<BigUint>,
    /// Edges from the nearest root (`u32::MAX`: unreachable).
    from_roots: Vec<u32>,
}

impl<'g, G: Adjacency + Sync> ChainIndex<'g, G> {
    /// Makes the shared passes: reachability, topological order, counts and dominators, for
    /// any target.
    pub fn new(graph: &'g G, roots: &[NodeIndex]) -> Self {
        let mut index = Self::shared(graph, roots).0;
        index.complete(None);
        index
    }

    /// [`ChainIndex::new`] for these targets only: counts past `u64` are kept for them alone
    /// (see `path_counts_big`), and [`ChainIndex::summarize`] must be asked about no other.
    pub fn for_targets(graph: &'g G, roots: &[NodeIndex], targets: &[NodeIndex]) -> Self {
        Self::shared(graph, roots).with_targets(targets)
    }

    /// The passes that do not depend on the targets (all but the counts past `u64`), which a
    /// caller may make while it is still finding its targets; [`SharedPasses::with_targets`]
    /// completes the index.
    pub fn shared(graph: &'g G, roots: &[NodeIndex]) -> SharedPasses<'g, G> {
        let n = graph.node_count();
        let mut is_root = vec![false; n];
        for r in roots {
            is_root[r.index()] = true;
        }
        let from_roots: Vec<u32> = match graph.kept_root_distances(roots) {
            Some(kept) => kept.to_vec(),
            None => crate::model::csr::root_distances(graph, roots),
        };
        let forward: Vec<bool> = from_roots.iter().map(|&d| d != u32::MAX).collect();
        let members: Vec<u32> = (0..n as u32).filter(|&v| forward[v as usize]).collect();
        // A topological order of the reachable nodes: the graph's own, filtered (any order
        // serves: counts, dominators and chains do not depend on which), else Kahn's
        // algorithm over the reachable subgraph, which may be acyclic when the whole graph
        // is not.
        let order: Vec<u32> = match graph.topological_order() {
            Some(whole) => whole
                .iter()
                .copied()
                .filter(|&v| forward[v as usize])
                .collect(),
            None => kahn(graph, &members, |v| forward[v as usize]),
        };
        let dag = (order.len() == members.len()).then(|| {
            let Fused {
                rank,
                idom,
                paths,
                fits,
            } = fused_pass(graph, &order, &is_root);
            DagIndex {
                rank,
                order,
                idom,
                small: fits.then_some(paths),
                big: Vec::new(),
                from_roots,
            }
        });
        SharedPasses(ChainIndex {
            graph,
            roots: roots.to_vec(),
            is_root,
            forward,
            dag,
            wanted: None,
        })
    }

    /// The counts past `u64`, when some do not fit, for `wanted` (`None`: every node).
    fn complete(&mut self, wanted: Option<Vec<bool>>) {
        let (graph, forward, is_root) = (self.graph, &self.forward, &self.is_root);
        if let Some(dag) = self.dag.as_mut().filter(|dag| dag.small.is_none()) {
            let order = &dag.order;
            let start = |v: u32| u64::from(is_root[v as usize]);
            let keep = |v: u32| wanted.as_ref().is_none_or(|w| w[v as usize]);
            // Only packages that reach a wanted target carry chains to one: the rest (the
            // bottom of the standard library, mostly, imported from everywhere and holding
            // the largest numbers) is left out of the big pass.
            let ancestor = wanted.as_ref().map(|wanted| {
                let mut ancestor = vec![false; graph.node_count()];
                let mut queue: VecDeque<u32> = order
                    .iter()
                    .copied()
                    .filter(|&v| wanted[v as usize])
                    .collect();
                for &v in &queue {
                    ancestor[v as usize] = true;
                }
                while let Some(v) = queue.pop_front() {
                    for &u in graph.predecessors(v) {
                        if forward[u as usize] && !ancestor[u as usize] {
                            ancestor[u as usize] = true;
                            queue.push_back(u);
                        }
                    }
                }
                ancestor
            });
            let relevant = |v: u32| ancestor.as_ref().is_none_or(|a| a[v as usize]);
            let big_order: Vec<u32> = order.iter().copied().filter(|&v| relevant(v)).collect();
            let big_edge_ok = |u: u32, v: u32| forward[u as usize] && relevant(u) && relevant(v);
            dag.big = path_counts_big(graph, &big_order, big_edge_ok, start, keep);
        }
        self.wanted = wanted;
    }

    /// What [`summarize`] answers for the single target `target`.
    pub fn summarize(&self, target: NodeIndex, max_chains: usize) -> ChainSummary {
        let Some(dag) = &self.dag else {
            return summarize(self.graph, &self.roots, &[target], max_chains);
        };
        if !self.forward[target.index()] {
            return ChainSummary {
                exact: true,
                ..ChainSummary::default()
            };
        }
        let (count, big_count) = match &dag.small {
            Some(small) => (small[target.index()], None),
            None => {
                debug_assert!(
                    self.wanted.as_ref().is_none_or(|w| w[target.index()]),
                    "ChainIndex::for_targets asked about another target"
                );
                split_count(dag.big[target.index()].clone())
            }
        };
        let chains = if max_chains == 0 {
            Vec::new()
        } else {
            let bound = kth_chain_length(
                self.graph,
                &self.is_root,
                &dag.from_roots,
                num(target),
                max_chains,
            );
            let dist = bounded_distances(self.graph, &dag.from_roots, num(target), bound);
            shortest_chains_within(self.graph, &self.roots, &dist, num(target), max_chains)
        };
        let mut choke_points = Vec::new();
        let mut at = dag.idom[dag.rank[target.index()] as usize];
        while at != 0 {
            let v = dag.order[at as usize - 1];
            if !self.is_root[v as usize] {
                choke_points.push(idx(v));
            }
            at = dag.idom[at as usize];
        }
        choke_points.reverse();
        assemble(count, big_count, true, chains, choke_points, false)
    }
}

/// A [`ChainIndex`] but for the counts past `u64` of the targets it will be asked about
/// ([`ChainIndex::shared`]).
pub struct SharedPasses<'g, G>(ChainIndex<'g, G>);

impl<'g, G: Adjacency + Sync> SharedPasses<'g, G> {
    /// The index for these targets only, as [`ChainIndex::for_targets`] makes it.
    pub fn with_targets(self, targets: &[NodeIndex]) -> ChainIndex<'g, G> {
        let mut index = self.0;
        let mut wanted = vec![false; index.graph.node_count()];
        for t in targets {
            wanted[t.index()] = true;
        }
        index.complete(Some(wanted));
        index
    }
}

/// The length in edges of the `k`-th shortest chain to `target` (of the longest chain when
/// there are fewer than `k`): a backward best-first search from the target, guided by the exact
/// distance from the nearest root (shared by every target), so each pop lies on a chain and the
/// search does about k x length x in-degree work whatever the graph's size. Ties go to the
/// longer suffix, which walks straight down to a root.
fn kth_chain_length<G: Adjacency>(
    graph: &G,
    is_root: &[bool],
    from_roots: &[u32],
    target: u32,
    k: usize,
) -> u32 {
    // Arena of suffixes: (head node, edges from the head to the target).
    let mut arena: Vec<(u32, u32)> = vec![(target, 0)];
    let mut heap: BinaryHeap<Reverse<(u32, Reverse<u32>, usize)>> = BinaryHeap::new();
    heap.push(Reverse((from_roots[target as usize], Reverse(0), 0)));
    let mut found = 0usize;
    let mut longest = 0u32;
    while let Some(Reverse((_, _, at))) = heap.pop() {
        let (head, len) = arena[at];
        if is_root[head as usize] {
            found += 1;
            longest = longest.max(len);
            if found == k {
                return len;
            }
        }
        for &u in graph.predecessors(head) {
            let d = from_roots[u as usize];
            if d == u32::MAX {
                continue;
            }
            arena.push((u, len + 1));
            heap.push(Reverse((d + len + 1, Reverse(len + 1), arena.len() - 1)));
        }
    }
    longest
}

/// Exact distances to `target` for the nodes on some chain of at most `bound` edges (a node's
/// nearest-root distance plus its distance to the target is at most `bound`): a backward
/// breadth-first search that never enters other nodes. Every node on a shortest path from such
/// a node to the target satisfies the same bound, so the distances are exact. Sorted by node
/// (the set is small: the nodes of the few shortest chains and their near alternatives).
fn bounded_distances<G: Adjacency>(
    graph: &G,
    from_roots: &[u32],
    target: u32,
    bound: u32,
) -> Vec<(u32, u32)> {
    let mut dist: Vec<(u32, u32)> = vec![(target, 0)];
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let mark = seen.start(graph.node_count());
        seen.marks[target as usize] = mark;
        let mut next = 0;
        while let Some(&(v, here)) = dist.get(next) {
            next += 1;
            for &u in graph.predecessors(v) {
                let d = from_roots[u as usize];
                if d == u32::MAX || d.saturating_add(here + 1) > bound {
                    continue;
                }
                // Breadth first, so a node's first distance is its shortest.
                if seen.marks[u as usize] != mark {
                    seen.marks[u as usize] = mark;
                    dist.push((u, here + 1));
                }
            }
        }
    });
    dist.sort_unstable();
    dist
}

/// Nodes seen by one search, marked with the search's number: a thread's searches share one
/// array, which is never cleared (a new search takes a new number).
#[derive(Default)]
struct Seen {
    marks: Vec<u32>,
    last: u32,
}

impl Seen {
    /// A new search over `n` nodes: its mark.
    fn start(&mut self, n: usize) -> u32 {
        if self.marks.len() < n || self.last == u32::MAX {
            self.marks.clear();
            self.marks.resize(n, 0);
            self.last = 0;
        }
        self.last += 1;
        self.last
    }
}

thread_local! {
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
}

/// The distance of `v` in a [`bounded_distances`] answer.
fn distance_of(dist: &[(u32, u32)], v: u32) -> Option<u32> {
    dist.binary_search_by_key(&v, |&(node, _)| node)
        .ok()
        .map(|i| dist[i].1)
}

/// The `max_chains` shortest chains to `target`, ties by node index, as [`shortest_chains`]
/// finds them, over the nodes `dist` knows (all that lie on the chains wanted). A node's
/// next steps are its successors that `dist` knows: found from whichever of the two lists
/// is shorter (a main package may import thousands of packages, `dist` has a few).
fn shortest_chains_within<G: Adjacency>(
    graph: &G,
    roots: &[NodeIndex],
    dist: &[(u32, u32)],
    target: u32,
    max_chains: usize,
) -> Vec<Vec<NodeIndex>> {
    let mut chains = Vec::new();
    let mut heap: BinaryHeap<Reverse<(usize, Vec<u32>)>> = BinaryHeap::new();
    for &root in roots {
        if let Some(d) = distance_of(dist, num(root)) {
            heap.push(Reverse((d as usize + 1, vec![num(root)])));
        }
    }
    let mut steps: Vec<(u32, u32)> = Vec::new();
    while let Some(Reverse((_, path))) = heap.pop() {
        let last = *path.last().expect("paths are never empty");
        if last == target {
            chains.push(path.iter().map(|&i| idx(i)).collect());
            if chains.len() == max_chains {
                break;
            }
            continue;
        }
        let successors = graph.successors(last);
        steps.clear();
        if successors.len() <= dist.len() {
            steps.extend(
                successors
                    .iter()
                    .filter_map(|&w| distance_of(dist, w).map(|d| (w, d))),
            );
        } else {
            steps.extend(
                dist.iter()
                    .copied()
                    .filter(|&(w, _)| successors.binary_search(&w).is_ok()),
            );
        }
        for &(w, d) in &steps {
            let mut next = Vec::with_capacity(path.len() + 1);
            next.extend_from_slice(&path);
            next.push(w);
            heap.push(Reverse((next.len() + d as usize, next)));
        }
    }
    chains
}

/// What one pass over a topological order gives: each node's rank in it (position plus one;
/// `u32::MAX` for nodes not in it, whose edges are left out), the immediate dominator of each
/// rank from a virtual source (rank 0) feeding every root, and the chains ending at each node
/// in `u64` (`fits` false when one did not fit; the counts are then wrong).
struct Fused {
    rank: Vec<u32>,
    idom: Vec<u32>,
    paths: Vec<u64>,
    fits: bool,
}

/// The dominator tree and the counts in one pass over the predecessors of `order`'s nodes.
fn fused_pass<G: Adjacency>(graph: &G, order: &[u32], is_root: &[bool]) -> Fused {
    let n = graph.node_count();
    let mut rank = vec![u32::MAX; n];
    for (i, &v) in order.iter().enumerate() {
        rank[v as usize] = i as u32 + 1;
    }
    let mut idom = vec![0u32; order.len() + 1];
    let mut paths = vec![0u64; n];
    let mut fits = true;
    for (i, &v) in order.iter().enumerate() {
        let root = is_root[v as usize];
        let mut dom: Option<u32> = root.then_some(0);
        let mut here = u64::from(root);
        for &u in graph.predecessors(v) {
            let r = rank[u as usize];
            if r == u32::MAX {
                continue;
            }
            // The virtual source (0) dominates everything: once there, it stays.
            dom = Some(match dom {
                None => r,
                Some(0) => 0,
                Some(d) => intersect(&idom, d, r),
            });
            match here.checked_add(paths[u as usize]) {
                Some(sum) => here = sum,
                None => fits = false,
            }
        }
        idom[i + 1] = dom.unwrap_or(0);
        paths[v as usize] = here;
    }
    Fused {
        rank,
        idom,
        paths,
        fits,
    }
}

/// [`summarize`] for one target of an acyclic graph that keeps its topological order and its
/// distances from `roots`: the target's ancestors found by one backward search, then one pass
/// over them for the count and the dominators together, and the chains by the bounded search
/// of [`ChainIndex::summarize`] (no distance pass). `None` when the count does not fit in
/// `u64` (the general path counts it exactly).
fn summarize_one<G: Adjacency>(
    graph: &G,
    roots: &[NodeIndex],
    order: &[u32],
    from_roots: &[u32],
    target: u32,
    max_chains: usize,
) -> Option<ChainSummary> {
    if from_roots[target as usize] == u32::MAX {
        return Some(ChainSummary {
            exact: true,
            ..ChainSummary::default()
        });
    }
    let n = graph.node_count();
    let mut is_root = vec![false; n];
    for r in roots {
        is_root[r.index()] = true;
    }
    // Every chain to the target runs through its ancestors that a root reaches (and each such
    // ancestor lies on one), so counts and dominators need no other node.
    let mut ancestor = vec![false; n];
    ancestor[target as usize] = true;
    let mut stack = vec![target];
    while let Some(v) = stack.pop() {
        for &u in graph.predecessors(v) {
            if from_roots[u as usize] != u32::MAX && !ancestor[u as usize] {
                ancestor[u as usize] = true;
                stack.push(u);
            }
        }
    }
    let order: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&v| ancestor[v as usize])
        .collect();
    drop(ancestor);
    let fused = fused_pass(graph, &order, &is_root);
    if !fused.fits {
        return None;
    }
    let count = fused.paths[target as usize];
    let chains = if max_chains == 0 {
        Vec::new()
    } else {
        let bound = kth_chain_length(graph, &is_root, from_roots, target, max_chains);
        let dist = bounded_distances(graph, from_roots, target, bound);
        shortest_chains_within(graph, roots, &dist, target, max_chains)
    };
    let mut choke_points = Vec::new();
    let mut at = fused.idom[fused.rank[target as usize] as usize];
    while at != 0 {
        let v = order[at as usize - 1];
        if !is_root[v as usize] {
            choke_points.push(idx(v));
        }
        at = fused.idom[at as usize];
    }
    choke_points.reverse();
    Some(assemble(count, None, true, chains, choke_points, false))
}

/// Nearest common dominator of two ranks (Cooper-Harvey-Kennedy), idoms stored by rank.
fn intersect(idom: &[u32], mut a: u32, mut b: u32) -> u32 {
    while a != b {
        while a > b {
            a = idom[a as usize];
        }
        while b > a {
            b = idom[b as usize];
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Csr;
    use crate::model::testing::xorshift;

    /// An order is kept only when it holds every node once, each before its successors.
    #[test]
    fn checked_topological_order_refuses_what_is_not_one() {
        // 0 -> 1 -> 2, 0 -> 2, 3 alone.
        let csr = Csr::from_edges(4, &[(0, 1), (0, 2), (1, 2)]);
        assert_eq!(
            checked_topological_order(&csr, &[3, 0, 1, 2]),
            Some(vec![3, 0, 1, 2])
        );
        assert_eq!(
            checked_topological_order(&csr, &[0, 1, 2, 3]),
            Some(vec![0, 1, 2, 3])
        );
        for wrong in [
            &[0, 2, 1, 3][..],
            &[1, 0, 2, 3],
            &[0, 1, 2],
            &[0, 1, 2, 3, 3],
            &[0, 1, 2, 2],
            &[0, 1, 2, 4],
        ] {
            assert_eq!(checked_topological_order(&csr, wrong), None, "{wrong:?}");
        }
    }

    fn graph(n: usize, edges: &[(usize, usize)]) -> Csr {
        Csr::from_edges(n, edges)
    }

    /// A random DAG of 2 to 41 nodes, each after the first importing 1 to 4 earlier ones
    /// (edges unsorted, perhaps repeated).
    fn random_dag(next: &mut impl FnMut(usize) -> usize) -> (usize, Vec<(usize, usize)>) {
        let n = 2 + next(40);
        let mut edges = Vec::new();
        for v in 1..n {
            for _ in 0..1 + next(4) {
                edges.push((next(v), v));
            }
        }
        (n, edges)
    }

    /// 1 to 3 random roots among `n` nodes, sorted, without repeats.
    fn random_roots(next: &mut impl FnMut(usize) -> usize, n: usize) -> Vec<NodeIndex> {
        let mut roots: Vec<NodeIndex> = (0..1 + next(3)).map(|_| NodeIndex::new(next(n))).collect();
        roots.sort();
        roots.dedup();
        roots
    }

    fn idx(v: &[usize]) -> Vec<NodeIndex> {
        v.iter().map(|&i| NodeIndex::new(i)).collect()
    }

    #[test]
    fn diamond_counts_two_and_has_no_choke_point() {
        // 0 -> 1 -> 3, 0 -> 2 -> 3
        let g = graph(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
        let s = summarize(&g, &idx(&[0]), &idx(&[3]), 10);
        assert_eq!(s.count, 2);
        assert_eq!(s.chains, vec![idx(&[0, 1, 3]), idx(&[0, 2, 3])]);
        assert!(s.choke_points.is_empty());
        assert!(!s.truncated);
    }

    #[test]
    fn stacked_diamonds_have_the_middle_as_choke_point() {
        // 0 -> {1,2} -> 3 -> {4,5} -> 6
        let g = graph(
            7,
            &[
                (0, 1),
                (0, 2),
                (1, 3),
                (2, 3),
                (3, 4),
                (3, 5),
                (4, 6),
                (5, 6),
            ],
        );
        let s = summarize(&g, &idx(&[0]), &idx(&[6]), 3);
        assert_eq!(s.count, 4);
        assert_eq!(s.chains.len(), 3);
        assert!(s.truncated);
        assert_eq!(s.choke_points, idx(&[3]));
    }

    #[test]
    fn shortest_first_then_by_index() {
        // 0 -> 5 (direct), 0 -> 1 -> 5, 0 -> 2 -> 3 -> 5
        let g = graph(6, &[(0, 5), (0, 2), (0, 1), (1, 5), (2, 3), (3, 5)]);
        let s = summarize(&g, &idx(&[0]), &idx(&[5]), 10);
        assert_eq!(
            s.chains,
            vec![idx(&[0, 5]), idx(&[0, 1, 5]), idx(&[0, 2, 3, 5])]
        );
    }

    #[test]
    fn chains_end_at_the_first_target() {
        // 0 -> 1 -> 2, both 1 and 2 targets: only 0 -> 1 counts.
        let g = graph(3, &[(0, 1), (1, 2), (0, 2)]);
        let s = summarize(&g, &idx(&[0]), &idx(&[1, 2]), 10);
        assert_eq!(s.count, 2);
        assert_eq!(s.chains, vec![idx(&[0, 1]), idx(&[0, 2])]);
    }

    #[test]
    fn unreachable_target() {
        let g = graph(3, &[(0, 1)]);
        let s = summarize(&g, &idx(&[0]), &idx(&[2]), 10);
        assert!(!s.reachable);
        assert_eq!(s.count, 0);
        assert!(s.chains.is_empty());
    }

    #[test]
    fn wide_fan_out_counts_without_enumerating() {
        // 0 -> 1..=1000 -> 1001
        let n = 1002;
        let mut edges = Vec::new();
        for i in 1..=1000 {
            edges.push((0, i));
            edges.push((i, 1001));
        }
        let g = graph(n, &edges);
        let s = summarize(&g, &idx(&[0]), &idx(&[1001]), 10);
        assert_eq!(s.count, 1000);
        assert_eq!(s.chains.len(), 10);
        assert_eq!(s.chains[0], idx(&[0, 1, 1001]));
        assert!(s.truncated);
    }

    #[test]
    fn saturates_past_u64() {
        // A ladder of 70 diamonds has 2^70 chains.
        let n_diamonds = 70;
        let mut edges = Vec::new();
        for d in 0..n_diamonds {
            let base = d * 3;
            edges.push((base, base + 1));
            edges.push((base, base + 2));
            edges.push((base + 1, base + 3));
            edges.push((base + 2, base + 3));
        }
        let last = n_diamonds * 3;
        let g = graph(last + 1, &edges);
        let s = summarize(&g, &idx(&[0]), &idx(&[last]), 2);
        assert!(s.saturated);
        assert_eq!(s.count, u64::MAX);
        assert_eq!(s.count_text(), (BigUint::from(1u8) << 70usize).to_string());
        assert_eq!(s.chains.len(), 2);
        // Every junction between diamonds is a choke point.
        assert_eq!(s.choke_points.len(), n_diamonds - 1);
    }

    #[test]
    fn cycles_count_simple_paths() {
        // 0 -> 1 <-> 2 -> 3, 1 -> 3
        let g = graph(4, &[(0, 1), (1, 2), (2, 1), (2, 3), (1, 3)]);
        let s = summarize(&g, &idx(&[0]), &idx(&[3]), 10);
        assert!(s.cyclic);
        assert!(s.exact);
        assert_eq!(s.count, 2);
        assert_eq!(s.chains, vec![idx(&[0, 1, 3]), idx(&[0, 1, 2, 3])]);
        assert_eq!(s.choke_points, idx(&[1]));
    }

    /// The one-pass DAG dominators agree with petgraph's iterative algorithm on random DAGs.
    #[test]
    fn dag_choke_points_agree_with_petgraph() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        for _ in 0..300 {
            let n = 3 + next(40);
            let mut edges = Vec::new();
            for v in 1..n {
                for _ in 0..1 + next(3) {
                    let u = next(v);
                    edges.push((u, v));
                }
            }
            let g = graph(n, &edges);
            let roots: Vec<NodeIndex> = (0..1 + next(2)).map(NodeIndex::new).collect();
            let targets: Vec<NodeIndex> = (0..1 + next(3))
                .map(|_| NodeIndex::new(n - 1 - next(n / 2)))
                .collect();
            let mut targets = targets;
            targets.sort();
            targets.dedup();
            let rel = relevant(&g, &roots, &targets);
            let Some(order) = topological(&g, &rel) else {
                continue;
            };
            assert_eq!(
                choke_points_dag(&g, &rel, &order),
                choke_points(&g, &rel, &roots),
                "{edges:?} {roots:?} {targets:?}"
            );
        }
    }

    fn ladder(n_diamonds: usize) -> (Csr, usize) {
        let (edges, last) = ladder_edges(n_diamonds);
        (graph(last + 1, &edges), last)
    }

    fn ladder_edges(n_diamonds: usize) -> (Vec<(usize, usize)>, usize) {
        let mut edges = Vec::new();
        for d in 0..n_diamonds {
            let base = d * 3;
            edges.extend([
                (base, base + 1),
                (base, base + 2),
                (base + 1, base + 3),
                (base + 2, base + 3),
            ]);
        }
        (edges, n_diamonds * 3)
    }

    #[test]
    fn ladders_count_exactly_past_u64() {
        let (g, last) = ladder(100);
        let s = summarize(&g, &idx(&[0]), &idx(&[last]), 3);
        assert_eq!(s.count_text(), "1267650600228229401496703205376");
        let index = ChainIndex::new(&g, &idx(&[0]));
        assert_eq!(index.summarize(NodeIndex::new(last), 3), s);
        let (g, last) = ladder(1000);
        let s = ChainIndex::new(&g, &idx(&[0])).summarize(NodeIndex::new(last), 3);
        assert_eq!(
            s.count_text(),
            (BigUint::from(1u8) << 1000usize).to_string()
        );
        assert_eq!(s.count_text().len(), 302);
    }

    /// `for_targets` leaves out of the big pass what reaches no target, and keeps only the
    /// targets' counts: a ladder past `u64` with a second ladder hanging off its middle (to
    /// a package no target is under), a target in the middle and one at the end.
    #[test]
    fn counts_for_some_targets_equal_counts_for_all() {
        let (mut edges, last) = ladder_edges(120);
        let side = last + 1;
        for d in 0..80 {
            let base = side + d * 3;
            edges.extend([
                (base, base + 1),
                (base, base + 2),
                (base + 1, base + 3),
                (base + 2, base + 3),
            ]);
        }
        edges.push((90, side));
        let n = side + 80 * 3 + 1;
        let g = graph(n, &edges);
        let roots = idx(&[0]);
        let targets = idx(&[last, 150]);
        let all = ChainIndex::new(&g, &roots);
        let some = ChainIndex::for_targets(&g, &roots, &targets);
        for &t in &targets {
            let s = some.summarize(t, 3);
            assert!(s.big_count.is_some() || t.index() == 150);
            assert_eq!(s, all.summarize(t, 3));
            assert_eq!(s, summarize(&g, &roots, &[t], 3));
        }
    }

    /// The batch index answers every single target exactly as `summarize` does, on random
    /// DAGs and on graphs with cycles, with one or several roots.
    #[test]
    fn index_agrees_with_summarize() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        for round in 0..400 {
            let (n, mut edges) = random_dag(&mut next);
            if round % 4 == 0 {
                // Some back edges: a cyclic graph (module graphs have them).
                for _ in 0..1 + next(3) {
                    let v = 1 + next(n - 1);
                    edges.push((v, next(v)));
                }
            }
            edges.sort();
            edges.dedup();
            let g = graph(n, &edges);
            let roots = random_roots(&mut next, n);
            let index = ChainIndex::new(&g, &roots);
            for t in (0..n).map(NodeIndex::new) {
                for k in [0, 1, 2, 5, 50] {
                    assert_eq!(
                        index.summarize(t, k),
                        summarize(&g, &roots, &[t], k),
                        "{edges:?} roots {roots:?} target {t:?} k {k}"
                    );
                }
            }
        }
    }

    /// A graph that keeps its topological order and root distances, as a `DepGraph` does:
    /// `summarize` then takes its one-target path.
    struct Kept {
        csr: Csr,
        roots: Vec<NodeIndex>,
        order: Option<Vec<u32>>,
        from_roots: Vec<u32>,
    }

    impl Kept {
        fn new(csr: Csr, roots: &[NodeIndex]) -> Self {
            let order = topological_order(&csr);
            let from_roots = crate::model::csr::root_distances(&csr, roots);
            Kept {
                csr,
                roots: roots.to_vec(),
                order,
                from_roots,
            }
        }
    }

    impl Adjacency for Kept {
        fn node_count(&self) -> usize {
            self.csr.node_count()
        }
        fn successors(&self, v: u32) -> &[u32] {
            self.csr.successors(v)
        }
        fn predecessors(&self, v: u32) -> &[u32] {
            self.csr.predecessors(v)
        }
        fn topological_order(&self) -> Option<std::borrow::Cow<'_, [u32]>> {
            self.order.as_deref().map(std::borrow::Cow::Borrowed)
        }
        fn kept_root_distances(&self, roots: &[NodeIndex]) -> Option<&[u32]> {
            (roots == self.roots.as_slice()).then_some(self.from_roots.as_slice())
        }
    }

    /// The one-target path (kept order and distances) answers as the general one does, on
    /// random DAGs with one or several roots, for every target and several `k`; and past
    /// `u64` it hands over to the general path.
    #[test]
    fn one_target_path_agrees_with_the_general_one() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        let mut taken = 0;
        for _ in 0..400 {
            let (n, mut edges) = random_dag(&mut next);
            edges.sort();
            edges.dedup();
            let roots = random_roots(&mut next, n);
            let plain = graph(n, &edges);
            let kept = Kept::new(graph(n, &edges), &roots);
            let order = kept.order.clone().expect("a DAG");
            for t in 0..n {
                for k in [0, 1, 2, 5, 50] {
                    taken += usize::from(
                        summarize_one(&kept, &roots, &order, &kept.from_roots, t as u32, k)
                            .is_some(),
                    );
                    assert_eq!(
                        summarize(&kept, &roots, &idx(&[t]), k),
                        summarize(&plain, &roots, &idx(&[t]), k),
                        "{edges:?} roots {roots:?} target {t} k {k}"
                    );
                }
            }
        }
        assert!(taken > 10_000, "{taken}");
        // A ladder of 70 diamonds: 2^70 chains, past u64, counted exactly by the general path.
        let mut edges = Vec::new();
        for d in 0..70 {
            let base = 3 * d;
            edges.extend([
                (base, base + 1),
                (base, base + 2),
                (base + 1, base + 3),
                (base + 2, base + 3),
            ]);
        }
        let n = 3 * 70 + 1;
        let roots = idx(&[0]);
        let kept = Kept::new(graph(n, &edges), &roots);
        let order = kept.order.clone().expect("a DAG");
        assert!(
            summarize_one(&kept, &roots, &order, &kept.from_roots, (n - 1) as u32, 3).is_none()
        );
        let s = summarize(&kept, &roots, &idx(&[n - 1]), 3);
        assert_eq!(s.exact_count(), BigUint::from(1u8) << 70);
        assert_eq!(s, summarize(&graph(n, &edges), &roots, &idx(&[n - 1]), 3));
    }

    #[test]
    fn multiple_roots() {
        // roots 0 and 1 both reach 3 through 2.
        let g = graph(4, &[(0, 2), (1, 2), (2, 3)]);
        let s = summarize(&g, &idx(&[0, 1]), &idx(&[3]), 10);
        assert_eq!(s.count, 2);
        assert_eq!(s.choke_points, idx(&[2]));
    }
}
