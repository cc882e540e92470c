//! Compressed adjacency (CSR): each node's successors and predecessors as one contiguous,
//! ascending run of node numbers, forward and reverse built once from the edge list.
//!
//! Every pass of the analysis (reachability, topological order, counting, dominators, the
//! k-shortest search) walks rows of these arrays; petgraph's linked edge lists cost a cache
//! miss per edge on large graphs. [`Adjacency`] is what the analyses take, so that they run
//! on a [`crate::model::DepGraph`] and on any graph built from an edge list alike.

/// What a graph pass needs: node count, successors and predecessors of a node, each an
/// ascending slice of node numbers.
pub trait Adjacency {
    /// Number of nodes (node numbers are `0..node_count()`).
    fn node_count(&self) -> usize;
    /// The nodes `v` has an edge to, ascending.
    fn successors(&self, v: u32) -> &[u32];
    /// The nodes with an edge to `v`, ascending.
    fn predecessors(&self, v: u32) -> &[u32];

    /// Every node in an order where each comes before its successors; `None` when the
    /// graph has a cycle. Computed each time unless the graph keeps one.
    fn topological_order(&self) -> Option<std::borrow::Cow<'_, [u32]>> {
        crate::analyze::chains::topological_order(self).map(std::borrow::Cow::Owned)
    }

    /// Edges from the nearest of `roots` to each node (`u32::MAX`: no root reaches it), when
    /// the graph keeps them for these roots.
    fn kept_root_distances(&self, _roots: &[petgraph::graph::NodeIndex]) -> Option<&[u32]> {
        None
    }
}

/// Edges from the nearest of `roots` to each node (`u32::MAX`: no root reaches it): one
/// breadth-first search.
pub fn root_distances<G: Adjacency + ?Sized>(
    graph: &G,
    roots: &[petgraph::graph::NodeIndex],
) -> Vec<u32> {
    let mut distance = vec![u32::MAX; graph.node_count()];
    let mut queue: Vec<u32> = Vec::new();
    for root in roots {
        if distance[root.index()] == u32::MAX {
            distance[root.index()] = 0;
            queue.push(root.index() as u32);
        }
    }
    let mut next = 0;
    while let Some(&v) = queue.get(next) {
        next += 1;
        let here = distance[v as usize] + 1;
        for &w in graph.successors(v) {
            if distance[w as usize] == u32::MAX {
                distance[w as usize] = here;
                queue.push(w);
            }
        }
    }
    distance
}

/// Forward and reverse adjacency of a simple directed graph (no parallel edges).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csr {
    out_start: Vec<u32>,
    out_to: Vec<u32>,
    in_start: Vec<u32>,
    in_from: Vec<u32>,
}

impl Csr {
    /// From `n` nodes and each node's successors, row by row: `rows` yields, for nodes
    /// `0..n` in order, an ascending run of successors without duplicates.
    pub fn from_rows<'r>(n: usize, rows: impl Iterator<Item = &'r [u32]>) -> Self {
        let mut out_start = Vec::with_capacity(n + 1);
        let mut out_to = Vec::new();
        out_start.push(0);
        for row in rows {
            out_to.extend_from_slice(row);
            out_start.push(out_to.len() as u32);
        }
        assert_eq!(out_start.len(), n + 1, "one row per node");
        Self::with_reverse(out_start, out_to)
    }

    /// From row starts (`n + 1` of them) and the successors of every row, concatenated.
    pub fn from_parts(out_start: Vec<u32>, out_to: Vec<u32>) -> Self {
        Self::with_reverse(out_start, out_to)
    }

    /// From any edge list (pairs of node numbers below `n`): sorted, duplicates and self
    /// edges dropped.
    pub fn from_edges(n: usize, edges: &[(usize, usize)]) -> Self {
        let mut edges: Vec<(u32, u32)> = edges
            .iter()
            .filter(|(a, b)| a != b)
            .map(|&(a, b)| (a as u32, b as u32))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let mut out_start = vec![0u32; n + 1];
        for &(a, _) in &edges {
            out_start[a as usize + 1] += 1;
        }
        for i in 0..n {
            out_start[i + 1] += out_start[i];
        }
        let out_to = edges.iter().map(|&(_, b)| b).collect();
        Self::with_reverse(out_start, out_to)
    }

    /// The reverse rows by a counting sort of the forward ones: one pass to count, one to
    /// place; walking sources in ascending order leaves each reverse row ascending.
    fn with_reverse(out_start: Vec<u32>, out_to: Vec<u32>) -> Self {
        let n = out_start.len() - 1;
        let mut in_start = vec![0u32; n + 1];
        for &w in &out_to {
            in_start[w as usize + 1] += 1;
        }
        for i in 0..n {
            in_start[i + 1] += in_start[i];
        }
        let mut fill: Vec<u32> = in_start[..n].to_vec();
        let mut in_from = vec![0u32; out_to.len()];
        for v in 0..n {
            for &w in &out_to[out_start[v] as usize..out_start[v + 1] as usize] {
                let slot = &mut fill[w as usize];
                in_from[*slot as usize] = v as u32;
                *slot += 1;
            }
        }
        Csr {
            out_start,
            out_to,
            in_start,
            in_from,
        }
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.out_to.len()
    }

    /// Position of the edge `from -> to` in the forward rows (its number), if there is one.
    pub fn edge_position(&self, from: u32, to: u32) -> Option<usize> {
        let start = self.out_start[from as usize] as usize;
        self.successors(from)
            .binary_search(&to)
            .ok()
            .map(|i| start + i)
    }

    /// The range of edge numbers of `v`'s successors.
    pub fn successor_range(&self, v: u32) -> std::ops::Range<usize> {
        self.out_start[v as usize] as usize..self.out_start[v as usize + 1] as usize
    }
}

impl Adjacency for Csr {
    fn node_count(&self) -> usize {
        self.out_start.len() - 1
    }

    fn successors(&self, v: u32) -> &[u32] {
        &self.out_to[self.out_start[v as usize] as usize..self.out_start[v as usize + 1] as usize]
    }

    fn predecessors(&self, v: u32) -> &[u32] {
        &self.in_from[self.in_start[v as usize] as usize..self.in_start[v as usize + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_ascending_both_ways_without_duplicates_or_loops() {
        let g = Csr::from_edges(5, &[(3, 1), (0, 4), (0, 1), (3, 1), (2, 2), (4, 1), (0, 3)]);
        assert_eq!(g.node_count(), 5);
        assert_eq!(g.edge_count(), 5);
        assert_eq!(g.successors(0), [1, 3, 4]);
        assert_eq!(g.successors(2), [] as [u32; 0]);
        assert_eq!(g.predecessors(1), [0, 3, 4]);
        assert_eq!(g.predecessors(4), [0]);
        assert_eq!(g.edge_position(0, 3), Some(1));
        assert_eq!(g.edge_position(3, 0), None);
        let rows: Vec<Vec<u32>> = (0..5).map(|v| g.successors(v).to_vec()).collect();
        assert_eq!(Csr::from_rows(5, rows.iter().map(Vec::as_slice)), g);
    }
}
