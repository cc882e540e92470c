//! Chains from the roots to a set of target nodes: exact count, the k shortest, and the choke
//! points that every chain passes through.
//!
//! A chain starts at a root and ends at the first target it meets (it never passes through
//! another target first). Everything runs on the subgraph of nodes that are both reachable from
//! a root and able to reach a target, so nothing is explored that cannot end in a chain:
//! - counting is dynamic programming in topological order (linear; saturates past `u64`);
//!   only a cyclic subgraph (possible in module graphs) falls back to a bounded enumeration of
//!   simple paths, and says when it stopped early;
//! - the k shortest chains come from a best-first search guided by the exact distance to a
//!   target, so each pop extends a partial chain that is guaranteed to complete; ties are
//!   broken by node index, which follows the sorted order of ids;
//! - choke points are the dominators of a virtual sink fed by every target, seen from a
//!   virtual source feeding every root.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use petgraph::Direction;
use petgraph::algo::dominators;
use petgraph::graph::{DiGraph, NodeIndex};

/// Work limit for the enumeration fallbacks on cyclic graphs (heap pops or DFS steps).
pub const CYCLIC_WORK_LIMIT: usize = 2_000_000;

/// The answer for one target set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainSummary {
    /// Some chain exists.
    pub reachable: bool,
    /// Number of distinct chains (saturated at `u64::MAX`).
    pub count: u64,
    /// The count passed `u64::MAX`.
    pub saturated: bool,
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
    members: Vec<NodeIndex>,
}

impl Relevant {
    fn edge_ok(&self, from: NodeIndex, to: NodeIndex) -> bool {
        self.in_set[from.index()] && self.in_set[to.index()] && !self.is_target[from.index()]
    }
}

fn relevant<N, E>(graph: &DiGraph<N, E>, roots: &[NodeIndex], targets: &[NodeIndex]) -> Relevant {
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
    let mut forward = vec![false; n];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for r in roots {
        if !forward[r.index()] {
            forward[r.index()] = true;
            queue.push_back(*r);
        }
    }
    while let Some(v) = queue.pop_front() {
        if is_target[v.index()] {
            continue;
        }
        for w in graph.neighbors_directed(v, Direction::Outgoing) {
            if !forward[w.index()] {
                forward[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    // Backward from the targets, never entering another target.
    let mut backward = vec![false; n];
    for t in targets {
        if forward[t.index()] && !backward[t.index()] {
            backward[t.index()] = true;
            queue.push_back(*t);
        }
    }
    while let Some(v) = queue.pop_front() {
        for u in graph.neighbors_directed(v, Direction::Incoming) {
            if forward[u.index()] && !backward[u.index()] && !is_target[u.index()] {
                backward[u.index()] = true;
                queue.push_back(u);
            }
        }
    }
    let members = (0..n)
        .filter(|&i| backward[i])
        .map(NodeIndex::new)
        .collect();
    Relevant {
        in_set: backward,
        is_target,
        is_root,
        members,
    }
}

/// Kahn's algorithm over the relevant subgraph; `None` when it has a cycle.
fn topological<N, E>(graph: &DiGraph<N, E>, rel: &Relevant) -> Option<Vec<NodeIndex>> {
    let n = graph.node_count();
    let mut indegree = vec![0usize; n];
    for &v in &rel.members {
        for w in graph.neighbors_directed(v, Direction::Outgoing) {
            if rel.edge_ok(v, w) {
                indegree[w.index()] += 1;
            }
        }
    }
    let mut queue: VecDeque<NodeIndex> = rel
        .members
        .iter()
        .copied()
        .filter(|v| indegree[v.index()] == 0)
        .collect();
    let mut order = Vec::with_capacity(rel.members.len());
    while let Some(v) = queue.pop_front() {
        order.push(v);
        for w in graph.neighbors_directed(v, Direction::Outgoing) {
            if rel.edge_ok(v, w) {
                indegree[w.index()] -= 1;
                if indegree[w.index()] == 0 {
                    queue.push_back(w);
                }
            }
        }
    }
    (order.len() == rel.members.len()).then_some(order)
}

/// Distance (in edges) from each relevant node to its nearest target, over relevant edges.
fn distances<N, E>(graph: &DiGraph<N, E>, rel: &Relevant) -> Vec<usize> {
    let mut dist = vec![usize::MAX; graph.node_count()];
    let mut queue = VecDeque::new();
    for &v in &rel.members {
        if rel.is_target[v.index()] {
            dist[v.index()] = 0;
            queue.push_back(v);
        }
    }
    while let Some(v) = queue.pop_front() {
        for u in graph.neighbors_directed(v, Direction::Incoming) {
            if rel.edge_ok(u, v) && dist[u.index()] == usize::MAX {
                dist[u.index()] = dist[v.index()] + 1;
                queue.push_back(u);
            }
        }
    }
    dist
}

fn count_dag<N, E>(graph: &DiGraph<N, E>, rel: &Relevant, order: &[NodeIndex]) -> (u64, bool) {
    let mut paths = vec![0u64; graph.node_count()];
    let mut saturated = false;
    let mut total = 0u64;
    for &v in order {
        let mut here = u64::from(rel.is_root[v.index()]);
        for u in graph.neighbors_directed(v, Direction::Incoming) {
            if rel.edge_ok(u, v) {
                here = here.checked_add(paths[u.index()]).unwrap_or_else(|| {
                    saturated = true;
                    u64::MAX
                });
            }
        }
        paths[v.index()] = here;
        if rel.is_target[v.index()] {
            total = total.checked_add(here).unwrap_or_else(|| {
                saturated = true;
                u64::MAX
            });
        }
    }
    (total, saturated)
}

/// Counts simple paths by depth-first enumeration, for cyclic subgraphs. Returns
/// (count, saturated, finished).
fn count_cyclic<N, E>(
    graph: &DiGraph<N, E>,
    rel: &Relevant,
    roots: &[NodeIndex],
) -> (u64, bool, bool) {
    let mut on_path = vec![false; graph.node_count()];
    let mut total = 0u64;
    let mut saturated = false;
    let mut work = 0usize;
    for &root in roots {
        if !rel.in_set[root.index()] {
            continue;
        }
        // Explicit stack of (node, successor iterator position).
        let mut stack: Vec<(NodeIndex, Vec<NodeIndex>, usize)> = Vec::new();
        let successors = |v: NodeIndex| -> Vec<NodeIndex> {
            if rel.is_target[v.index()] {
                return Vec::new();
            }
            graph
                .neighbors_directed(v, Direction::Outgoing)
                .filter(|w| rel.edge_ok(v, *w))
                .collect()
        };
        on_path[root.index()] = true;
        if rel.is_target[root.index()] {
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
                on_path[v.index()] = false;
                continue;
            }
            let w = succ[*pos];
            *pos += 1;
            if on_path[w.index()] {
                continue;
            }
            if rel.is_target[w.index()] {
                total = total.checked_add(1).unwrap_or_else(|| {
                    saturated = true;
                    u64::MAX
                });
                continue;
            }
            on_path[w.index()] = true;
            stack.push((w, successors(w), 0));
        }
    }
    (total, saturated, true)
}

/// The k shortest chains, shortest first, ties broken by the sequence of node indices.
/// Returns the chains and whether the work limit stopped the search (cyclic graphs only).
fn shortest_chains<N, E>(
    graph: &DiGraph<N, E>,
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
            heap.push(Reverse((dist[root.index()] + 1, vec![root.index() as u32])));
        }
    }
    let mut work = 0usize;
    while let Some(Reverse((_, path))) = heap.pop() {
        work += 1;
        if cyclic && work > CYCLIC_WORK_LIMIT {
            return (chains, true);
        }
        let last = NodeIndex::new(*path.last().expect("paths are never empty") as usize);
        if rel.is_target[last.index()] {
            chains.push(path.iter().map(|&i| NodeIndex::new(i as usize)).collect());
            if chains.len() == max_chains {
                break;
            }
            continue;
        }
        for w in graph.neighbors_directed(last, Direction::Outgoing) {
            if !rel.edge_ok(last, w) {
                continue;
            }
            if cyclic && path.contains(&(w.index() as u32)) {
                continue;
            }
            let mut next = Vec::with_capacity(path.len() + 1);
            next.extend_from_slice(&path);
            next.push(w.index() as u32);
            heap.push(Reverse((next.len() + dist[w.index()], next)));
        }
    }
    (chains, false)
}

/// Choke points on a DAG in one pass over the topological order: the immediate dominator of a
/// node is the nearest common dominator of its predecessors (Cooper-Harvey-Kennedy's
/// `intersect`, which needs no iteration when predecessors come first). The virtual source
/// (rank 0) feeds every root, the virtual sink is fed by every target.
fn choke_points_dag<N, E>(
    graph: &DiGraph<N, E>,
    rel: &Relevant,
    order: &[NodeIndex],
) -> Vec<NodeIndex> {
    const SOURCE: usize = 0;
    let n = graph.node_count();
    // rank: position in (source, order..., sink); idom is stored by rank.
    let mut rank = vec![usize::MAX; n];
    for (i, v) in order.iter().enumerate() {
        rank[v.index()] = i + 1;
    }
    let sink = order.len() + 1;
    let mut idom = vec![usize::MAX; order.len() + 2];
    idom[SOURCE] = SOURCE;
    let intersect = |idom: &[usize], mut a: usize, mut b: usize| {
        while a != b {
            while a > b {
                a = idom[a];
            }
            while b > a {
                b = idom[b];
            }
        }
        a
    };
    let mut sink_dom: Option<usize> = None;
    for (i, &v) in order.iter().enumerate() {
        let me = i + 1;
        let mut dom: Option<usize> = rel.is_root[v.index()].then_some(SOURCE);
        for u in graph.neighbors_directed(v, Direction::Incoming) {
            if rel.edge_ok(u, v) {
                let r = rank[u.index()];
                dom = Some(match dom {
                    None => r,
                    Some(d) => intersect(&idom, d, r),
                });
            }
        }
        idom[me] = dom.unwrap_or(SOURCE);
        if rel.is_target[v.index()] {
            sink_dom = Some(match sink_dom {
                None => me,
                Some(d) => intersect(&idom, d, me),
            });
        }
    }
    let Some(mut at) = sink_dom else {
        return Vec::new();
    };
    idom[sink] = at;
    let mut chain = Vec::new();
    while at != SOURCE {
        let v = order[at - 1];
        if !rel.is_root[v.index()] && !rel.is_target[v.index()] {
            chain.push(v);
        }
        at = idom[at];
    }
    chain.reverse();
    chain
}

/// Dominators of a virtual sink (fed by every target) from a virtual source (feeding every
/// root), restricted to the relevant subgraph; roots and targets are left out. For cyclic
/// subgraphs (module graphs), with petgraph's iterative algorithm.
fn choke_points<N, E>(
    graph: &DiGraph<N, E>,
    rel: &Relevant,
    roots: &[NodeIndex],
) -> Vec<NodeIndex> {
    let mut local = vec![usize::MAX; graph.node_count()];
    let mut compact: DiGraph<(), ()> = DiGraph::with_capacity(rel.members.len() + 2, 0);
    for &v in &rel.members {
        local[v.index()] = compact.add_node(()).index();
    }
    let source = compact.add_node(());
    let sink = compact.add_node(());
    for &r in roots {
        if rel.in_set[r.index()] {
            compact.add_edge(source, NodeIndex::new(local[r.index()]), ());
        }
    }
    for &v in &rel.members {
        let lv = NodeIndex::new(local[v.index()]);
        if rel.is_target[v.index()] {
            compact.add_edge(lv, sink, ());
            continue;
        }
        for w in graph.neighbors_directed(v, Direction::Outgoing) {
            if rel.edge_ok(v, w) {
                compact.add_edge(lv, NodeIndex::new(local[w.index()]), ());
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
        .filter(|v| !rel.is_root[v.index()] && !rel.is_target[v.index()])
        .collect();
    chain.reverse();
    chain
}

/// Answers "why" for one target set.
pub fn summarize<N, E>(
    graph: &DiGraph<N, E>,
    roots: &[NodeIndex],
    targets: &[NodeIndex],
    max_chains: usize,
) -> ChainSummary {
    let rel = relevant(graph, roots, targets);
    let reachable = rel.members.iter().any(|v| rel.is_target[v.index()]);
    if !reachable {
        return ChainSummary {
            exact: true,
            ..ChainSummary::default()
        };
    }
    let order = topological(graph, &rel);
    let cyclic = order.is_none();
    let (count, saturated, exact) = match &order {
        Some(order) => {
            let (count, saturated) = count_dag(graph, &rel, order);
            (count, saturated, true)
        }
        None => count_cyclic(graph, &rel, roots),
    };
    let dist = distances(graph, &rel);
    let (chains, stopped) = shortest_chains(graph, &rel, roots, &dist, max_chains, cyclic);
    let shown = chains.len() as u64;
    ChainSummary {
        reachable,
        count: count.max(shown),
        saturated,
        exact: exact && !stopped,
        truncated: saturated || !exact || stopped || count > shown,
        chains,
        choke_points: match &order {
            Some(order) => choke_points_dag(graph, &rel, order),
            None => choke_points(graph, &rel, roots),
        },
        cyclic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize)]) -> DiGraph<(), ()> {
        let mut g = DiGraph::new();
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b) in edges {
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        g
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
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
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

    #[test]
    fn multiple_roots() {
        // roots 0 and 1 both reach 3 through 2.
        let g = graph(4, &[(0, 2), (1, 2), (2, 3)]);
        let s = summarize(&g, &idx(&[0, 1]), &idx(&[3]), 10);
        assert_eq!(s.count, 2);
        assert_eq!(s.choke_points, idx(&[2]));
    }
}
