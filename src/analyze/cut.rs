//! The smallest cut: the fewest packages, other than roots and targets, whose removal leaves
//! no chain from any root to any target — a minimum vertex cut, exact, by max-flow on the
//! relevant subgraph with each package split into an in and an out node (capacity of the
//! package between them, unbounded on import edges), Dinic's algorithm, and the cut read from
//! the residual graph.
//!
//! Ties are broken deterministically: a package's capacity is `A + B·[standard]` with `A`
//! larger than any sum of the `B` terms, so the cut has the fewest packages first and then the
//! fewest standard-library ones (they are the hardest to stop importing); among the cuts left,
//! the one nearest the main packages (the source side of the residual graph), on a network
//! numbered by package id. When a single choke point exists the cut is one package. Packages
//! that may not be cut (`--cut-exclude`, roots, targets) have unbounded capacity; when every
//! chain runs through them only, there is no cut, and it says why.
//!
//! petgraph's `dinics` returns flows but not the cut, so the network is written here: a few
//! dozen lines, linear in the relevant subgraph per augmenting phase.

use std::collections::VecDeque;

use petgraph::graph::NodeIndex;

use crate::model::DepGraph;

/// Capacity standing for "cannot be cut".
const INF: u128 = u128::MAX / 4;

/// The answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cut {
    /// The packages to stop importing, sorted by id.
    pub packages: Vec<NodeIndex>,
    /// A cut exists (false: some chain runs only through roots, targets and excluded packages).
    pub possible: bool,
    /// Why there is none, when there is none.
    pub reason: Option<String>,
    /// There was no chain to cut.
    pub no_chain: bool,
}

struct Network {
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<u128>,
    next: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Network {
    fn new(nodes: usize) -> Network {
        Network {
            head: vec![NONE; nodes],
            to: Vec::new(),
            cap: Vec::new(),
            next: Vec::new(),
        }
    }

    fn edge(&mut self, from: usize, to: usize, cap: u128) {
        for (a, b, c) in [(from, to, cap), (to, from, 0)] {
            self.to.push(b);
            self.cap.push(c);
            self.next.push(self.head[a]);
            self.head[a] = self.to.len() - 1;
        }
    }

    fn levels(&self, source: usize, sink: usize) -> Option<Vec<u32>> {
        let mut level = vec![u32::MAX; self.head.len()];
        level[source] = 0;
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            let mut e = self.head[v];
            while e != NONE {
                let w = self.to[e];
                if self.cap[e] > 0 && level[w] == u32::MAX {
                    level[w] = level[v] + 1;
                    queue.push_back(w);
                }
                e = self.next[e];
            }
        }
        (level[sink] != u32::MAX).then_some(level)
    }

    /// One blocking-flow phase, iteratively (no recursion on deep graphs).
    fn blocking(&mut self, source: usize, sink: usize, level: &[u32]) -> u128 {
        let mut iter: Vec<usize> = self.head.clone();
        let mut total: u128 = 0;
        loop {
            // Find a path source -> sink in the level graph, remembering edges.
            let mut path: Vec<usize> = Vec::new();
            let mut v = source;
            loop {
                if v == sink {
                    break;
                }
                let mut advanced = false;
                while iter[v] != NONE {
                    let e = iter[v];
                    let w = self.to[e];
                    if self.cap[e] > 0 && level[w] == level[v] + 1 {
                        path.push(e);
                        v = w;
                        advanced = true;
                        break;
                    }
                    iter[v] = self.next[e];
                }
                if !advanced {
                    if v == source {
                        return total;
                    }
                    // Dead end: retreat and skip the edge that led here.
                    let e = path.pop().expect("a path to retreat on");
                    let back = self.to[e ^ 1];
                    iter[back] = self.next[e];
                    v = back;
                }
            }
            let push = path.iter().map(|&e| self.cap[e]).min().unwrap_or(0);
            for &e in &path {
                self.cap[e] -= push;
                self.cap[e ^ 1] += push;
            }
            total = total.saturating_add(push);
            if push >= INF {
                return total;
            }
        }
    }

    fn max_flow(&mut self, source: usize, sink: usize) -> u128 {
        let mut flow: u128 = 0;
        while let Some(level) = self.levels(source, sink) {
            let pushed = self.blocking(source, sink, &level);
            if pushed == 0 {
                break;
            }
            flow = flow.saturating_add(pushed);
            if flow >= INF {
                break;
            }
        }
        flow
    }

    fn reachable(&self, source: usize) -> Vec<bool> {
        let mut seen = vec![false; self.head.len()];
        seen[source] = true;
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            let mut e = self.head[v];
            while e != NONE {
                let w = self.to[e];
                if self.cap[e] > 0 && !seen[w] {
                    seen[w] = true;
                    queue.push_back(w);
                }
                e = self.next[e];
            }
        }
        seen
    }
}

/// The relevant nodes: reachable from a root without expanding past a target, and able to
/// reach a target without entering another one.
fn relevant(graph: &DepGraph, targets: &[bool]) -> Vec<bool> {
    let n = graph.node_count();
    let mut forward = vec![false; n];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for &r in graph.roots() {
        if !forward[r.index()] {
            forward[r.index()] = true;
            queue.push_back(r);
        }
    }
    while let Some(v) = queue.pop_front() {
        if targets[v.index()] {
            continue;
        }
        for w in graph.successors(v) {
            if !forward[w.index()] {
                forward[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    let mut backward = vec![false; n];
    for (i, &is_target) in targets.iter().enumerate() {
        if is_target && forward[i] {
            backward[i] = true;
            queue.push_back(NodeIndex::new(i));
        }
    }
    while let Some(v) = queue.pop_front() {
        for w in graph.predecessors(v) {
            if forward[w.index()] && !backward[w.index()] && !targets[w.index()] {
                backward[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    backward
}

/// The minimum vertex cut between the graph's roots and `targets`; `excluded` packages may not
/// be cut.
pub fn min_cut(
    graph: &DepGraph,
    targets: &[NodeIndex],
    excluded: &dyn Fn(NodeIndex) -> bool,
) -> Cut {
    let n = graph.node_count();
    let mut is_target = vec![false; n];
    for t in targets {
        is_target[t.index()] = true;
    }
    let in_set = relevant(graph, &is_target);
    if !in_set.iter().any(|&x| x) {
        return Cut {
            possible: true,
            no_chain: true,
            ..Cut::default()
        };
    }
    let mut is_root = vec![false; n];
    for r in graph.roots() {
        is_root[r.index()] = true;
    }
    if let Some(&r) = graph.roots().iter().find(|r| is_target[r.index()]) {
        return Cut {
            possible: false,
            reason: Some(format!(
                "the main package {} is itself a target",
                graph.node(r).id
            )),
            ..Cut::default()
        };
    }
    // Compact numbering of the relevant nodes, in node-index (= id) order.
    let members: Vec<usize> = (0..n).filter(|&i| in_set[i]).collect();
    let mut slot = vec![NONE; n];
    for (k, &i) in members.iter().enumerate() {
        slot[i] = k;
    }
    let m = members.len() as u128;
    let b = m + 1;
    let a = b * (m + 1);
    let source = 2 * members.len();
    let sink = source + 1;
    let mut net = Network::new(sink + 1);
    for (k, &i) in members.iter().enumerate() {
        let idx = NodeIndex::new(i);
        let fixed = is_root[i] || is_target[i] || excluded(idx);
        let cap = if fixed {
            INF
        } else {
            a + if graph.node(idx).standard { b } else { 0 }
        };
        net.edge(2 * k, 2 * k + 1, cap);
        if is_root[i] {
            net.edge(source, 2 * k, INF);
        }
        if is_target[i] {
            net.edge(2 * k + 1, sink, INF);
            continue;
        }
        let mut outs: Vec<usize> = graph
            .successors(idx)
            .filter(|w| in_set[w.index()])
            .map(|w| slot[w.index()])
            .collect();
        outs.sort_unstable();
        outs.dedup();
        for w in outs {
            net.edge(2 * k + 1, 2 * w, INF);
        }
    }
    let flow = net.max_flow(source, sink);
    if flow >= INF {
        return Cut {
            possible: false,
            reason: Some(
                "a chain runs only through main packages, targets and packages that may not be cut"
                    .to_owned(),
            ),
            ..Cut::default()
        };
    }
    let side = net.reachable(source);
    let mut packages: Vec<NodeIndex> = members
        .iter()
        .enumerate()
        .filter(|&(k, _)| side[2 * k] && !side[2 * k + 1])
        .map(|(_, &i)| NodeIndex::new(i))
        .collect();
    packages.sort_by(|x, y| graph.node(*x).id.cmp(&graph.node(*y).id));
    Cut {
        packages,
        possible: true,
        reason: None,
        no_chain: false,
    }
}

/// The same answer as [`min_cut`] without a max-flow, when the chain summary already holds
/// it: with no chain there is nothing to cut, and on an acyclic relevant subgraph with a choke
/// point that may be cut, the minimum cut is one package — the first non-standard choke point
/// from the roots (capacity `A` beats `A + B`), else the first standard one — since every
/// one-package cut is a choke point and, the choke points lying in order on every chain, the
/// residual graph's source side stops at the first saturated one. `None`: run [`min_cut`].
pub fn from_summary(
    graph: &DepGraph,
    summary: &super::chains::ChainSummary,
    excluded: &dyn Fn(NodeIndex) -> bool,
) -> Option<Cut> {
    if !summary.reachable {
        return Some(Cut {
            possible: true,
            no_chain: true,
            ..Cut::default()
        });
    }
    if summary.cyclic {
        return None;
    }
    let cuttable = || {
        summary
            .choke_points
            .iter()
            .copied()
            .filter(|&c| !excluded(c))
    };
    let pick = cuttable()
        .find(|&c| !graph.node(c).standard)
        .or_else(|| cuttable().next())?;
    Some(Cut {
        packages: vec![pick],
        possible: true,
        reason: None,
        no_chain: false,
    })
}

/// True when removing `cut` leaves no chain from a root to a target.
pub fn separates(graph: &DepGraph, targets: &[NodeIndex], cut: &[NodeIndex]) -> bool {
    let n = graph.node_count();
    let mut blocked = vec![false; n];
    for c in cut {
        blocked[c.index()] = true;
    }
    let mut is_target = vec![false; n];
    for t in targets {
        is_target[t.index()] = true;
    }
    let mut seen = vec![false; n];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for &r in graph.roots() {
        if !blocked[r.index()] && !seen[r.index()] {
            seen[r.index()] = true;
            queue.push_back(r);
        }
    }
    while let Some(v) = queue.pop_front() {
        if is_target[v.index()] {
            return false;
        }
        for w in graph.successors(v) {
            if !blocked[w.index()] && !seen[w.index()] {
                seen[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    true
}
