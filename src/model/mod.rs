//! The dependency graph every command works on: one immutable petgraph `DiGraph` of packages (or
//! modules) and their imports, with the build configuration it was loaded under.
//!
//! This module knows nothing about input formats, rules or output: `load` builds a [`DepGraph`]
//! through [`GraphBuilder`], `analyze` queries it, `report` formats what `analyze` found.
//! `constraint` holds Go's build-constraint logic, which file facts are judged with.

pub mod constraint;
pub mod csr;
pub mod text;

pub use csr::{Adjacency, Csr};
pub use text::{Arena, ArenaBuilder, ArenaFull, ListSpan, Names, Span, Str};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Maps keyed by package ids: foldhash, not SipHash (ids come from our own inputs, and the
/// loader hashes every import of every package).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

/// Node ids → node slots: the table holds each slot with the full hash of its id, and
/// compares a probe with the id itself only when the hashes agree (so a probe reads one id,
/// the one it finds, and growing the table reads none). Where the ids are is the caller's:
/// `id_of` gives a slot's id.
#[derive(Clone, Debug, Default)]
struct IdTable {
    slots: hashbrown::HashTable<(u32, u64)>,
    hasher: IdHasher,
}

/// How a graph's id table hashes ids: a loader may hash ids on its own threads with it and
/// hand the builder the hashes ([`GraphBuilder::add_node_slot_hashed`], [`DeferredEdges`]).
#[derive(Clone, Debug, Default)]
pub struct IdHasher(foldhash::fast::RandomState);

impl IdHasher {
    /// The hash of `id`.
    pub fn hash(&self, id: &str) -> u64 {
        self.hash_bytes(id.as_bytes())
    }

    /// The hash of an id given as its bytes (the same as [`IdHasher::hash`] of the string):
    /// a loader numbering the names it reads hashes each once, before it checks its text.
    pub fn hash_bytes(&self, id: &[u8]) -> u64 {
        std::hash::BuildHasher::hash_one(&self.0, id)
    }
}

impl IdTable {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash(id)
    }

    fn reserve(&mut self, n: usize) {
        self.slots.reserve(n, |&(_, hash)| hash);
    }

    /// The slot of the id hashed to `hash`.
    fn get_hashed<'a>(&self, hash: u64, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.slots
            .find(hash, |&(slot, h)| h == hash && id_of(slot) == id)
            .map(|&(slot, _)| slot)
    }

    /// The slot of `id`.
    fn get<'a>(&self, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.get_hashed(self.hash(id), id, id_of)
    }

    /// Records `slot`, whose id (hashed to `hash`) no other slot has.
    fn insert_new(&mut self, slot: u32, hash: u64) {
        self.slots.insert_unique(hash, (slot, hash), |&(_, h)| h);
    }
}

/// Whether nodes are Go packages or Go modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// Nodes are packages; edges are imports (from `go list`).
    Package,
    /// Nodes are modules; edges are requirements (from `go mod graph`) or imports that cross
    /// module boundaries (collapsed from a package graph).
    Module,
}

/// The module a package belongs to, as `go list` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModuleInfo {
    /// Module path, e.g. `github.com/mattn/go-sqlite3`.
    pub path: String,
    /// Selected version; `None` for the main module and directory replacements.
    pub version: Option<String>,
    /// True for a main module (the module being built).
    pub main: bool,
    /// `path@version` (or a directory) that replaces this module, if any.
    pub replace: Option<String>,
    /// The module's directory (`go list`'s `Module.Dir`), when recorded; never printed.
    #[serde(skip)]
    pub dir: Option<String>,
}

impl ModuleInfo {
    /// `path@version`, or the bare path when there is no version (main module).
    pub fn display(&self) -> String {
        match &self.version {
            Some(version) => format!("{}@{}", self.path, version),
            None => self.path.clone(),
        }
    }

    /// `text` is [`ModuleInfo::display`] (told without making it).
    pub fn displays_as(&self, text: &str) -> bool {
        match &self.version {
            Some(version) => text
                .strip_prefix(self.path.as_str())
                .and_then(|rest| rest.strip_prefix('@'))
                .is_some_and(|rest| rest == version.as_str()),
            None => text == self.path.as_str(),
        }
    }
}

/// One node of the graph: a package (or a module, at module granularity).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Import path (package graph) or `path@version` / bare main-module path (module graph).
    pub id: Str,
    /// Go package name (`main` for commands); empty for module nodes.
    pub name: Str,
    /// The module the package belongs to; `None` for std packages and GOPATH-mode packages.
    pub module: Option<Arc<ModuleInfo>>,
    /// Part of the Go standard library.
    pub standard: bool,
    /// Listed only as a dependency (`DepOnly`), not matched by the patterns.
    pub dep_only: bool,
    /// Files with `import "C"` compiled under this configuration.
    pub cgo_files: Names,
    /// Files excluded by build constraints under this configuration (they show what tags change).
    pub ignored_go_files: Names,
    /// Go files compiled under this configuration, other than the cgo files.
    pub go_files: Names,
    /// C, C++ and prebuilt object (`.syso`) files linked into the package.
    pub c_files: Names,
    /// Prebuilt objects linked in.
    pub syso_files: Names,
    /// Libraries named by `-l` in `#cgo LDFLAGS` (without the `-l`).
    pub ld_libs: Vec<String>,
    /// `#cgo pkg-config:` names.
    pub pkg_config: Vec<String>,
    /// `#cgo LDFLAGS` ask for a static link (`-static`, `-Wl,-Bstatic`): its libraries are
    /// archives, not shared objects.
    pub ldflags_static: bool,
    /// Load error reported by the Go tool for this package, if any.
    pub error: Option<String>,
    /// Referenced by an import but absent from the input (the input is incomplete).
    pub missing: bool,
    /// Cargo: what only crates have (`None` for Go packages and modules, which keeps a
    /// node small: a large Go graph holds one per package); read through
    /// [`Node::crate_facts`].
    pub cargo: Option<Box<CrateFacts>>,
    /// The package directory (`go list`'s `Dir`), when recorded.
    #[serde(skip)]
    pub dir: Option<Str>,
    /// What the package's source files say (constraints, `#cgo` directives, calls), read by the
    /// loader for the packages whose files matter to dynamic linking; `None` when not read.
    /// Boxed: few packages have it, and a node is allocated, moved and dropped for every
    /// package of a graph.
    #[serde(skip)]
    pub source: Option<Box<PackageSource>>,
}

/// What a Cargo crate's node knows beyond a Go package's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CrateFacts {
    /// Features enabled on the crate.
    pub features: Vec<String>,
    /// The crate's feature table (feature → what it enables), for walking a fix up to
    /// a dependency the user declares.
    pub feature_defs: BTreeMap<String, Vec<String>>,
    /// How the crate's own manifest names each dependency (key or rename → crate name).
    pub dep_keys: BTreeMap<String, String>,
    /// How a workspace member declares each dependency (key → features asked for,
    /// default features on).
    pub declared: BTreeMap<String, (Vec<String>, bool)>,
    /// The `links` key (a hint, not proof of native linking).
    pub links: Option<String>,
    /// The crate has a build script.
    pub build_script: bool,
    /// The crate is a proc-macro (it runs in the compiler, on the host).
    pub proc_macro: bool,
    /// Only the host needs it (build-dependency or proc-macro, or reached only through
    /// one).
    pub host: bool,
}

/// The facts of a node that is not a crate.
static NO_CRATE: CrateFacts = CrateFacts {
    features: Vec::new(),
    feature_defs: BTreeMap::new(),
    dep_keys: BTreeMap::new(),
    declared: BTreeMap::new(),
    links: None,
    build_script: false,
    proc_macro: false,
    host: false,
};

impl Node {
    /// The crate's facts (empty for a node that is not a crate).
    pub fn crate_facts(&self) -> &CrateFacts {
        self.cargo.as_deref().unwrap_or(&NO_CRATE)
    }
}

/// One `#cgo` directive: `#cgo [CONDITIONS] KIND: ARGS`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgoDirective {
    /// The conditions (`linux,amd64 !windows`), as a build-constraint expression.
    #[serde(skip)]
    pub condition: Option<constraint::Expr>,
    /// The conditions as written.
    pub condition_text: String,
    /// `CFLAGS`, `LDFLAGS`, `pkg-config`, ...
    pub kind: String,
    /// The arguments.
    pub args: Vec<String>,
}

/// What one Go source file of a package says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileFacts {
    /// The base name.
    pub name: String,
    /// The build constraint of its header (`//go:build`, else `// +build`).
    #[serde(skip)]
    pub constraint: Option<constraint::Expr>,
    /// The constraint as written (normalised), for reports.
    pub constraint_text: Option<String>,
    /// It has `import "C"`.
    pub uses_cgo: bool,
    /// Its `#cgo` directives.
    pub cgo: Vec<CgoDirective>,
    /// glibc functions that warn in a static link (`dlopen`, `getaddrinfo`, ...) its C preamble
    /// or its `C.` references call.
    pub calls: BTreeSet<String>,
}

impl FileFacts {
    /// Libraries its `#cgo LDFLAGS` name with `-l`, under the context.
    pub fn ld_libs(&self, context: &constraint::Context) -> Vec<String> {
        let mut out = Vec::new();
        for directive in &self.cgo {
            if directive.kind != "LDFLAGS"
                || !directive
                    .condition
                    .as_ref()
                    .is_none_or(|c| c.eval(&|t| context.holds(t)))
            {
                continue;
            }
            let mut args = directive.args.iter();
            while let Some(arg) = args.next() {
                if arg == "-l" {
                    if let Some(lib) = args.next() {
                        out.push(lib.clone());
                    }
                } else if let Some(lib) = arg.strip_prefix("-l") {
                    out.push(lib.to_owned());
                }
            }
        }
        out
    }

    /// `-DNAME` macros its `#cgo CFLAGS`/`CPPFLAGS` define, under the context.
    pub fn defines(&self, context: &constraint::Context) -> Vec<String> {
        let mut out = Vec::new();
        for directive in &self.cgo {
            if !matches!(directive.kind.as_str(), "CFLAGS" | "CPPFLAGS")
                || !directive
                    .condition
                    .as_ref()
                    .is_none_or(|c| c.eval(&|t| context.holds(t)))
            {
                continue;
            }
            for arg in &directive.args {
                if let Some(define) = arg.strip_prefix("-D") {
                    out.push(define.split('=').next().unwrap_or(define).to_owned());
                }
            }
        }
        out
    }
}

/// The source facts of a package.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PackageSource {
    /// Every Go file `go list` named (compiled, cgo and ignored), sorted by name.
    pub files: Vec<FileFacts>,
    /// Files that could not be read or parsed, with why.
    pub problems: Vec<String>,
}

impl Node {
    /// True when the file (a base name) is compiled under this configuration.
    pub fn compiles(&self, file: &str) -> bool {
        self.go_files
            .iter()
            .chain(&self.cgo_files)
            .any(|f| f == file)
    }

    /// True when the package has cgo files or is `runtime/cgo` itself.
    pub fn is_cgo(&self) -> bool {
        !self.cgo_files.is_empty() || self.id == "runtime/cgo"
    }

    /// `module@version` for packages outside std and the main module.
    pub fn module_label(&self) -> Option<String> {
        let module = self.module.as_ref()?;
        // Crate ids already carry their version.
        if module.main || self.standard || module.displays_as(&self.id) {
            return None;
        }
        Some(module.display())
    }
}

/// A node of a graph: one of a block of nodes a loader made together (one allocation for
/// the block, freed in one sweep when its last node goes: dropping a large graph frees a
/// few hundred blocks, not a node at a time from cold memory), or a block of its own. Cheap
/// to clone (graphs of several configurations share the nodes they agree on); reads as the
/// [`Node`].
#[derive(Clone)]
pub struct NodeRef {
    block: Arc<[Node]>,
    at: u32,
}

impl NodeRef {
    /// A node on its own.
    pub fn new(node: Node) -> Self {
        NodeRef {
            block: Arc::from([node]),
            at: 0,
        }
    }

    /// The same node of the same block (not a copy of it).
    pub fn ptr_eq(a: &NodeRef, b: &NodeRef) -> bool {
        Arc::ptr_eq(&a.block, &b.block) && a.at == b.at
    }

    /// Every node of `block`, in order.
    pub fn all(block: Arc<[Node]>) -> impl Iterator<Item = NodeRef> {
        (0..block.len() as u32).map(move |at| NodeRef {
            block: block.clone(),
            at,
        })
    }

    /// The node, to change: in place when nothing else holds its block, else a copy of its
    /// own.
    pub fn make_mut(&mut self) -> &mut Node {
        if self.block.len() != 1 || Arc::get_mut(&mut self.block).is_none() {
            *self = NodeRef::new((**self).clone());
        }
        let at = self.at as usize;
        match Arc::get_mut(&mut self.block) {
            Some(block) => &mut block[at],
            None => unreachable!("a block of its own, held once"),
        }
    }
}

impl std::ops::Deref for NodeRef {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.block[self.at as usize]
    }
}

impl PartialEq for NodeRef {
    fn eq(&self, other: &NodeRef) -> bool {
        **self == **other
    }
}

impl Eq for NodeRef {}

impl std::fmt::Debug for NodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// What scans over every package ask of it, four bytes per node kept beside the graph:
/// reading a node behind its pointer costs a cache miss or two on large graphs, and most
/// scans want to skip most packages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeFacts {
    flags: u16,
    /// Go files named (compiled, cgo and ignored), capped at `u16::MAX`.
    pub files: u16,
}

impl NodeFacts {
    /// A placeholder for a package imported but absent from the input.
    pub const MISSING: u16 = 1;
    /// Part of the standard library.
    pub const STANDARD: u16 = 1 << 1;
    /// Has cgo files.
    pub const CGO: u16 = 1 << 2;
    /// Has prebuilt objects (`.syso`).
    pub const SYSO: u16 = 1 << 3;
    /// Has a load error.
    pub const ERROR: u16 = 1 << 4;
    /// Compiles no Go file (neither plain nor cgo).
    pub const NO_COMPILED: u16 = 1 << 5;
    /// Has files its build constraints exclude.
    pub const IGNORED: u16 = 1 << 6;
    /// Names libraries (`-l`, pkg-config).
    pub const LIBS: u16 = 1 << 7;
    /// Has its source facts read.
    pub const SOURCE: u16 = 1 << 8;
    /// Listed only as a dependency.
    pub const DEP_ONLY: u16 = 1 << 9;

    /// The facts of `node`.
    pub fn of(node: &Node) -> Self {
        let mut flags = 0;
        let mut set = |bit: u16, on: bool| {
            if on {
                flags |= bit;
            }
        };
        set(Self::MISSING, node.missing);
        set(Self::STANDARD, node.standard);
        set(Self::CGO, !node.cgo_files.is_empty());
        set(Self::SYSO, !node.syso_files.is_empty());
        set(Self::ERROR, node.error.is_some());
        set(
            Self::NO_COMPILED,
            node.go_files.is_empty() && node.cgo_files.is_empty(),
        );
        set(Self::IGNORED, !node.ignored_go_files.is_empty());
        set(
            Self::LIBS,
            !node.ld_libs.is_empty() || !node.pkg_config.is_empty(),
        );
        set(Self::SOURCE, node.source.is_some());
        set(Self::DEP_ONLY, node.dep_only);
        let files = node.go_files.len() + node.cgo_files.len() + node.ignored_go_files.len();
        NodeFacts {
            flags,
            files: u16::try_from(files).unwrap_or(u16::MAX),
        }
    }

    /// Whether any of `bits` is set.
    pub fn any(self, bits: u16) -> bool {
        self.flags & bits != 0
    }

    /// Whether all of `bits` are set.
    pub fn all(self, bits: u16) -> bool {
        self.flags & bits == bits
    }
}

/// How an edge came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// An ordinary Go import.
    Import,
    /// The pseudo-import `"C"`, which links `runtime/cgo` (go list lists `"C"` in `Imports` but
    /// `runtime/cgo` only in `Deps`).
    Cgo,
    /// A module requirement (`go mod graph`) or an import crossing a module boundary.
    Require,
    /// Added by the linker, not by an import: `runtime/race`, `runtime/msan`, `runtime/asan`
    /// for `-race`/`-msan`/`-asan` builds (go list lists them only in `Deps`), and Rust's `std`
    /// for the target.
    Linker,
    /// A Cargo build-dependency, or a dependency on a proc-macro: runs on the host.
    Build,
}

/// The effective build configuration a graph was loaded under. Printed in every output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildConfig {
    /// `go` or `cargo`.
    pub ecosystem: String,
    /// `go list`, `cargo metadata` (run by us) or `file` (a recording).
    pub source: String,
    /// The recorded file (`-` for stdin), when `source` is `file`.
    pub input: Option<String>,
    /// `go-list-json` or `go-mod-graph`.
    pub input_format: String,
    /// `GOOS`; `None` when unknown (a recording without `--goos`).
    pub goos: Option<String>,
    /// `GOARCH`; `None` when unknown.
    pub goarch: Option<String>,
    /// `CGO_ENABLED`; `None` when unknown.
    pub cgo_enabled: Option<bool>,
    /// Build tags passed with `-tags`; `None` when unknown (a recording without `--tags`).
    pub tags: Option<Vec<String>>,
    /// `go env GOVERSION` of the toolchain that produced the graph, when known.
    pub go_version: Option<String>,
    /// `GOFLAGS` in the environment of the run (it can add flags we did not pass).
    pub goflags: Option<String>,
    /// Package patterns given to `go list`.
    pub patterns: Vec<String>,
    /// Whether `go.work` was honoured (`GOWORK=off` otherwise).
    pub workspace: bool,
    /// `native` when the native Go loader gave the graph (absent: `go list`, or a recording).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loader: Option<String>,
    /// How roots were chosen: `main`, `all` or a pattern.
    pub roots: String,
    /// Package or module granularity.
    pub granularity: Option<Granularity>,
    /// Cargo: the target triple the graph was resolved for.
    pub target: Option<String>,
    /// Cargo: `-C target-feature=+crt-static` (from `--crt-static` or RUSTFLAGS); `None` when
    /// unknown.
    pub crt_static: Option<bool>,
    /// Cargo: workspace members selected with `-p`.
    pub package: Option<String>,
    /// Cargo: build-dependencies and proc-macros are in the graph.
    pub host_deps: bool,
    /// Environment variables the rules look at, as they were for this run.
    pub env: BTreeMap<String, String>,
    /// pkg-config names the rules ask about, and whether `pkg-config --exists` found them on
    /// this machine (absent: not asked).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pkg_config: BTreeMap<String, bool>,
    /// Cargo: the feature flags of the load (`--features a,b`, `--all-features`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cargo_features: Vec<String>,
    /// Cargo: the RUSTFLAGS the build would use (from the environment or `.cargo/config.toml`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rustflags: Vec<String>,
    /// Where `crt_static` came from (`--crt-static`, `RUSTFLAGS`, `.cargo/config.toml`, the
    /// target's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crt_static_from: Option<String>,
    /// The project's root directory as the input records it (the main module's `Dir`, the
    /// workspace root), for locations relative to it; never printed.
    #[serde(skip)]
    pub root_dir: Option<String>,
}

/// An immutable dependency graph with its roots and the problems met while loading it.
///
/// Nodes are numbered in the sorted order of their ids; edges are kept as compressed
/// adjacency ([`Csr`]: each node's successors and predecessors ascending), with each edge's
/// kind beside its forward position. petgraph's [`DiGraph`] of the same nodes and edges is
/// built only when [`DepGraph::graph`] is first asked for.
#[derive(Clone, Debug)]
pub struct DepGraph {
    nodes: Vec<NodeRef>,
    /// [`NodeFacts`] of each node, by index.
    facts: Vec<NodeFacts>,
    /// Every node's id, in index order, in one buffer.
    ids: Ids,
    csr: Csr,
    /// The kind of each edge, by its forward position in `csr`.
    kinds: Vec<EdgeKind>,
    petgraph: std::sync::OnceLock<DiGraph<NodeRef, EdgeKind>>,
    /// A topological order of every node (`None`: a cycle), found on first use.
    topological: std::sync::OnceLock<Option<Vec<u32>>>,
    /// The nodes in the reverse of the order they arrived in: the topological order when the
    /// loader gave them dependencies first (`go list -deps`), which one pass over the edges
    /// confirms, instead of Kahn's algorithm.
    arrival: Vec<u32>,
    /// [`DepGraph::root_distances`], found on first use.
    from_roots: std::sync::OnceLock<Vec<u32>>,
    index: IdTable,
    roots: Vec<NodeIndex>,
    granularity: Granularity,
    /// The configuration the graph was loaded under.
    pub config: BuildConfig,
    /// Load problems (package errors, missing packages), sorted and deduplicated. Non-empty
    /// means the graph is incomplete.
    pub problems: Vec<String>,
}

impl DepGraph {
    /// The same nodes and edges as a petgraph graph (built on the first call, then kept):
    /// nodes in index order, each node's edges added in ascending order of their target.
    pub fn graph(&self) -> &DiGraph<NodeRef, EdgeKind> {
        self.petgraph.get_or_init(|| {
            let mut graph = DiGraph::with_capacity(self.nodes.len(), self.kinds.len());
            for node in &self.nodes {
                graph.add_node(node.clone());
            }
            for v in 0..self.nodes.len() as u32 {
                for (position, &w) in self.csr.successor_range(v).zip(self.csr.successors(v)) {
                    graph.add_edge(
                        NodeIndex::new(v as usize),
                        NodeIndex::new(w as usize),
                        self.kinds[position],
                    );
                }
            }
            graph
        })
    }

    /// The compressed adjacency (what the analyses walk).
    pub fn csr(&self) -> &Csr {
        &self.csr
    }

    /// The node with this id.
    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        self.index
            .get(id, |slot| self.ids.get(slot as usize))
            .map(|slot| NodeIndex::new(slot as usize))
    }

    /// The nodes whose ids start with `prefix`, in index order: one contiguous run, since
    /// indices follow the sorted order of ids (found by binary search, not a scan).
    pub fn with_prefix<'s>(&'s self, prefix: &'s str) -> impl Iterator<Item = NodeIndex> + 's {
        let (mut lo, mut hi) = (0, self.nodes.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.ids.get(mid) < prefix {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..self.nodes.len())
            .take_while(move |&i| self.ids.get(i).starts_with(prefix))
            .map(NodeIndex::new)
    }

    /// Node data.
    pub fn node(&self, idx: NodeIndex) -> &Node {
        &self.nodes[idx.index()]
    }

    /// Every node, in index order (the sorted order of ids).
    pub fn nodes(&self) -> &[NodeRef] {
        &self.nodes
    }

    /// A node's id (read from one buffer of every id, in index order: a scan of ids does not
    /// touch the nodes).
    pub fn id(&self, idx: NodeIndex) -> &str {
        self.ids.get(idx.index())
    }

    /// Edges from the nearest root to each node (`u32::MAX`: no root reaches it), found on
    /// first use and kept (reachability, verdicts and the chain index all start from it).
    pub fn root_distances(&self) -> &[u32] {
        self.from_roots
            .get_or_init(|| csr::root_distances(&self.csr, &self.roots))
    }

    /// Finds the kept topological order and, with `distances`, the root distances, the two
    /// at once on two threads for a large graph (each is a pass over every edge, and a
    /// one-package `why` on an acyclic graph asks for both; `check` finds them on the two sides
    /// of its first join instead): at 100k packages about 5 and
    /// 4 ms one after the other, so `why`'s analysis takes 14 instead of 17 ms. (On a cyclic
    /// graph the distances go unused: one breadth-first search too many.) Under 20,000 nodes
    /// the two cost well under a millisecond and waking a thread gains nothing measurable.
    pub fn keep_orders(&self, distances: bool) {
        if distances && self.nodes.len() >= 20_000 {
            join_here(
                || {
                    self.topological_order();
                },
                || {
                    self.root_distances();
                },
            );
        } else {
            self.topological_order();
            if distances {
                self.root_distances();
            }
        }
    }

    /// The facts of a node that scans ask (see [`NodeFacts`]).
    pub fn facts(&self, idx: NodeIndex) -> NodeFacts {
        self.facts[idx.index()]
    }

    /// The nodes with any of `bits` set, ascending (a scan of four bytes per node).
    pub fn with_facts(&self, bits: u16) -> impl Iterator<Item = NodeIndex> + '_ {
        (self.facts.iter().enumerate())
            .filter(move |(_, facts)| facts.any(bits))
            .map(|(i, _)| NodeIndex::new(i))
    }

    /// Every node index, ascending.
    pub fn node_indices(&self) -> impl Iterator<Item = NodeIndex> + use<> {
        (0..self.nodes.len()).map(NodeIndex::new)
    }

    /// What `idx` imports (requires, depends on), ascending by index.
    pub fn successors(&self, idx: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.csr
            .successors(idx.index() as u32)
            .iter()
            .map(|&w| NodeIndex::new(w as usize))
    }

    /// What imports `idx`, ascending by index.
    pub fn predecessors(&self, idx: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.csr
            .predecessors(idx.index() as u32)
            .iter()
            .map(|&u| NodeIndex::new(u as usize))
    }

    /// `idx`'s edges with their kinds, ascending by target.
    pub fn edges_from(&self, idx: NodeIndex) -> impl Iterator<Item = (NodeIndex, EdgeKind)> + '_ {
        let v = idx.index() as u32;
        self.csr
            .successor_range(v)
            .zip(self.csr.successors(v))
            .map(|(position, &w)| (NodeIndex::new(w as usize), self.kinds[position]))
    }

    /// The edges into `idx` with their kinds, ascending by source.
    pub fn edges_to(&self, idx: NodeIndex) -> impl Iterator<Item = (NodeIndex, EdgeKind)> + '_ {
        let v = idx.index() as u32;
        self.csr.predecessors(v).iter().map(move |&u| {
            let position = self
                .csr
                .edge_position(u, v)
                .expect("a reverse edge is a forward one");
            (NodeIndex::new(u as usize), self.kinds[position])
        })
    }

    /// The roots (main packages, or what `--roots` chose), sorted by id.
    pub fn roots(&self) -> &[NodeIndex] {
        &self.roots
    }

    /// Package or module granularity.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// True when loading met errors, so answers may miss chains.
    pub fn incomplete(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The kind of the edge `from -> to`, if there is one.
    pub fn edge_kind(&self, from: NodeIndex, to: NodeIndex) -> Option<EdgeKind> {
        self.csr
            .edge_position(from.index() as u32, to.index() as u32)
            .map(|position| self.kinds[position])
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.kinds.len()
    }

    /// Attaches the source facts the loader read for a package (the only mutation after
    /// building: the loader reads files once the graph says which packages matter).
    pub fn set_source(&mut self, idx: NodeIndex, source: PackageSource) {
        self.nodes[idx.index()].make_mut().source = Some(Box::new(source));
        self.facts[idx.index()] = NodeFacts::of(&self.nodes[idx.index()]);
        // A petgraph view made before holds the node as it was.
        self.petgraph = std::sync::OnceLock::new();
    }
}

impl Adjacency for DepGraph {
    fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn kept_root_distances(&self, roots: &[NodeIndex]) -> Option<&[u32]> {
        (roots == self.roots.as_slice()).then(|| self.root_distances())
    }

    /// Found once, then kept: `check` and the chain index both walk it. The reverse of the
    /// arrival order when that is one (checked in one pass over the edges), else Kahn's
    /// algorithm. Any topological order serves: counts, dominators and chains do not
    /// depend on which.
    fn topological_order(&self) -> Option<std::borrow::Cow<'_, [u32]>> {
        self.topological
            .get_or_init(|| {
                crate::analyze::chains::checked_topological_order(&self.csr, &self.arrival)
                    .or_else(|| crate::analyze::chains::topological_order(&self.csr))
            })
            .as_deref()
            .map(std::borrow::Cow::Borrowed)
    }

    fn successors(&self, v: u32) -> &[u32] {
        self.csr.successors(v)
    }

    fn predecessors(&self, v: u32) -> &[u32] {
        self.csr.predecessors(v)
    }
}

/// Strings in one buffer, each found by number.
#[derive(Clone, Debug)]
struct Ids {
    text: String,
    ends: Vec<u32>,
}

impl Default for Ids {
    fn default() -> Self {
        Ids {
            text: String::new(),
            ends: vec![0],
        }
    }
}

impl Ids {
    /// Appends one.
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        // Ids of a graph do not reach 4 GiB: each came through an arena's 32-bit spans.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    fn new<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut out = Ids {
            text: String::new(),
            ends: Vec::with_capacity(ids.len() + 1),
        };
        out.ends.push(0);
        for id in ids {
            out.text.push_str(id);
            // Ids of a graph do not reach 4 GiB: each came through an arena's 32-bit spans.
            out.ends
                .push(u32::try_from(out.text.len()).unwrap_or(u32::MAX));
        }
        out
    }

    fn get(&self, i: usize) -> &str {
        self.text
            .get(self.ends[i] as usize..self.ends[i + 1] as usize)
            .unwrap_or_default()
    }
}

/// The edges of a numbered node ([`GraphBuilder::add_numbered_edges`]): the numbers of the
/// nodes they point at, with their kinds.
pub type NumberedEdges = Arc<[(u32, EdgeKind)]>;

/// Collects nodes and edges in any order, then builds a [`DepGraph`] whose node and edge order
/// depends only on the ids (so output is deterministic whatever the input order).
///
/// Ids are looked up as they arrive (no copy of any id: the table points at the nodes), and
/// nodes are kept in arrival order; `finish` sorts the ids once and moves the nodes into that
/// order (moving pointers, never copying a node), and builds the compressed adjacency row by
/// row: gathered from each node's run of edges when every node's edges were added at once
/// (as loaders add a package's imports), on every core for a large graph; by a counting sort
/// of every edge otherwise. A loader that numbers its packages itself (one number per id,
/// the same in every graph it builds) adds nodes and edges by number
/// ([`GraphBuilder::add_numbered`]): no id is hashed per edge.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    /// Id -> slot (arrival order until `finish`).
    slots: IdTable,
    /// Each slot's id, in one buffer (what the table compares a probe with).
    ids: Ids,
    /// The caller's number of a node -> its slot + 1 (0: not added).
    numbered: Vec<u32>,
    /// Edges by number: a slot and the numbers its edges point at (a list the caller keeps
    /// for every graph it builds: not copied, read once in `finish`).
    lists: Vec<(u32, NumberedEdges)>,
    /// Nodes by arrival; an id only imported so far holds a `missing` placeholder.
    nodes: Vec<NodeRef>,
    /// By slot: the node's [`NodeFacts`].
    facts: Vec<NodeFacts>,
    /// By slot: a node with this id was added (not a placeholder).
    added: Vec<bool>,
    /// By slot: an edge points at it.
    imported: Vec<bool>,
    edges: Vec<(u32, u32, EdgeKind)>,
    /// By slot: where its edges are in `edges` (start, end), while each slot's edges are
    /// one run (a loader adds a package's imports at once); `finish` then gathers each row
    /// from its run instead of sorting every edge into rows.
    runs: Vec<(u32, u32)>,
    /// Some slot's edges are not one run: rows are built by a counting sort.
    scattered: bool,
    /// Edges handed over by target name, block by block ([`GraphBuilder::add_deferred`]);
    /// the first `resolved_blocks` are resolved.
    deferred: Vec<Deferred>,
    resolved_blocks: usize,
    /// By slot: its run of a resolved deferred block's targets (block + 1, start, end; block
    /// 0: none).
    deferred_runs: Vec<(u32, u32, u32)>,
    problems: Vec<String>,
}

/// Edges a loader hands over by target name, a block at a time: the merge of a block then
/// only adds its nodes, and every block's names are looked up at once, on every core for a
/// large graph, once all nodes are in ([`GraphBuilder::resolve_deferred`]).
#[derive(Debug)]
pub struct DeferredEdges {
    /// The block's distinct target ids, and the hash of each by the builder's [`IdHasher`].
    pub names: Names,
    pub hashes: Vec<u64>,
    /// A name that stands for another id, and the kind of its edges (go list's `"C"`:
    /// `runtime/cgo`, a cgo edge); every other name's edges are imports.
    pub alias: Option<(u32, &'static str, EdgeKind)>,
    /// Every source's targets, as numbers into `names`, one run per source.
    pub targets: Vec<u32>,
    /// Each source's slot and its run of `targets` (start, end).
    pub sources: Vec<(u32, u32, u32)>,
    /// For each name, the source of this block whose id it is (one more than its position
    /// in `sources`; 0 when the loader found none there, and empty when it did not look):
    /// its slot, with no lookup.
    pub local: Vec<u32>,
}

/// A block of [`DeferredEdges`] and, once resolved, each name's slot and edge kind.
#[derive(Debug)]
struct Deferred {
    edges: DeferredEdges,
    resolved: Vec<(u32, EdgeKind)>,
}

impl Deferred {
    /// The slot of name `i` when a source of this block has it as id (and it stands for no
    /// other id).
    fn local_slot(&self, i: usize) -> Option<u32> {
        let at = self.edges.local.get(i)?.checked_sub(1)?;
        if self
            .edges
            .alias
            .is_some_and(|(number, _, _)| number as usize == i)
        {
            return None;
        }
        self.edges
            .sources
            .get(at as usize)
            .map(|&(slot, _, _)| slot)
    }

    /// The id looked up for name `i`, its hash, and the kind of its edges.
    fn lookup(&self, i: usize, hash_of: impl Fn(&str) -> u64) -> (&str, u64, EdgeKind) {
        match self.edges.alias {
            Some((number, id, kind)) if number as usize == i => (id, hash_of(id), kind),
            _ => (
                self.edges.names.get(i).unwrap_or_default(),
                self.edges.hashes[i],
                EdgeKind::Import,
            ),
        }
    }

    /// The resolved edges of source run `start..end`.
    fn run(&self, start: u32, end: u32) -> impl Iterator<Item = (u32, EdgeKind)> + '_ {
        self.edges.targets[start as usize..end as usize]
            .iter()
            .map(|&number| self.resolved[number as usize])
    }
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `nodes` nodes and `edges` edges: one allocation each
    /// where the caller knows the sizes (a native load does), not a doubling series of large
    /// copies.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        let mut slots = IdTable::default();
        slots.reserve(nodes);
        Self {
            slots,
            ids: Ids::default(),
            numbered: Vec::new(),
            lists: Vec::new(),
            nodes: Vec::with_capacity(nodes),
            facts: Vec::with_capacity(nodes),
            added: Vec::with_capacity(nodes),
            imported: Vec::with_capacity(nodes),
            edges: Vec::with_capacity(edges),
            runs: Vec::with_capacity(nodes),
            scattered: false,
            deferred: Vec::new(),
            resolved_blocks: 0,
            deferred_runs: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn push_hashed(&mut self, node: NodeRef, hash: u64, added: bool) -> u32 {
        let facts = NodeFacts::of(&node);
        self.push_with(node, hash, added, facts)
    }

    fn push_with(&mut self, node: NodeRef, hash: u64, added: bool, facts: NodeFacts) -> u32 {
        let slot = self.nodes.len() as u32;
        self.ids.push(&node.id);
        self.nodes.push(node);
        self.facts.push(facts);
        self.slots.insert_new(slot, hash);
        self.added.push(added);
        self.imported.push(false);
        self.runs.push((0, 0));
        slot
    }

    /// Notes that `edges[start..]`, just pushed, are all from `from`.
    fn extend_run(&mut self, from: u32, start: usize) {
        let end = self.edges.len();
        if end == start {
            return;
        }
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) else {
            self.scattered = true;
            return;
        };
        let run = &mut self.runs[from as usize];
        if run.0 == run.1 {
            *run = (start, end);
        } else if run.1 == start {
            run.1 = end;
        } else {
            self.scattered = true;
        }
    }

    fn find_slot_hashed(&self, hash: u64, id: &str) -> Option<usize> {
        self.slots
            .get_hashed(hash, id, |slot| self.ids.get(slot as usize))
            .map(|slot| slot as usize)
    }

    fn find_slot(&self, id: &str) -> Option<usize> {
        self.find_slot_hashed(self.slots.hash(id), id)
    }

    fn slot(&mut self, id: &str) -> u32 {
        self.slot_of_hashed(self.slots.hash(id), id)
    }

    /// How this builder hashes ids (for a loader that hashes them on its own threads).
    pub fn id_hasher(&self) -> IdHasher {
        self.slots.hasher.clone()
    }

    /// The slot of the id hashed to `hash`, a `missing` placeholder's if no node has it yet.
    fn slot_of_hashed(&mut self, hash: u64, id: &str) -> u32 {
        if let Some(slot) = self.find_slot_hashed(hash, id) {
            return slot as u32;
        }
        let placeholder = Node {
            id: id.into(),
            missing: true,
            ..Node::default()
        };
        self.push_hashed(NodeRef::new(placeholder), hash, false)
    }

    /// Adds a node, or replaces a placeholder with the same id. Returns false when a complete
    /// node with this id already exists (the duplicate is ignored).
    pub fn add_node(&mut self, node: Node) -> bool {
        self.add_shared(NodeRef::new(node))
    }

    /// [`GraphBuilder::add_node`] for a node other graphs may hold too (a loader that
    /// evaluates several configurations shares the packages they agree on).
    pub fn add_shared(&mut self, node: NodeRef) -> bool {
        self.add_at_slot(node).is_some()
    }

    /// Adds `node` (see [`GraphBuilder::add_node`]); its slot, or `None` for a duplicate.
    fn add_at_slot(&mut self, node: NodeRef) -> Option<u32> {
        let hash = self.slots.hash(&node.id);
        self.add_at_slot_hashed(node, hash)
    }

    /// Adds `node` (see [`GraphBuilder::add_node`]), whose id [`GraphBuilder::id_hasher`]
    /// hashed to `hash` and whose facts are `facts`: its slot, or the node handed back when a
    /// complete node with its id was added before.
    pub fn add_node_slot_hashed(
        &mut self,
        node: NodeRef,
        hash: u64,
        facts: NodeFacts,
    ) -> Result<u32, NodeRef> {
        match self.find_slot_hashed(hash, &node.id) {
            None => Ok(self.push_with(node, hash, true, facts)),
            Some(slot) => {
                if self.added[slot] && !self.nodes[slot].missing {
                    return Err(node);
                }
                self.nodes[slot] = node;
                self.facts[slot] = facts;
                self.added[slot] = true;
                Ok(slot as u32)
            }
        }
    }

    fn add_at_slot_hashed(&mut self, node: NodeRef, hash: u64) -> Option<u32> {
        let facts = NodeFacts::of(&node);
        self.add_node_slot_hashed(node, hash, facts).ok()
    }

    /// [`GraphBuilder::add_shared`] for a node the caller numbers: `number` stands for its id
    /// in [`GraphBuilder::add_numbered_edges`] (one number per id; small, dense numbers).
    pub fn add_numbered(&mut self, number: u32, node: NodeRef) -> bool {
        let Some(slot) = self.add_at_slot(node) else {
            return false;
        };
        let number = number as usize;
        if self.numbered.len() <= number {
            self.numbered.resize(number + 1, 0);
        }
        self.numbered[number] = slot + 1;
        true
    }

    /// Edges from the node numbered `from` to the nodes numbered `to`, all added already by
    /// [`GraphBuilder::add_numbered`]. False, and nothing added, when one is not (the caller
    /// adds those edges by id).
    pub fn add_numbered_edges(&mut self, from: u32, to: &NumberedEdges) -> bool {
        let slot = |number: u32| match self.numbered.get(number as usize) {
            Some(&slot) if slot > 0 => Some(slot - 1),
            _ => None,
        };
        let Some(from) = slot(from) else {
            return false;
        };
        if to.iter().any(|&(number, _)| slot(number).is_none()) {
            return false;
        }
        for &(number, _) in to.iter() {
            let to = self.numbered[number as usize] - 1;
            self.imported[to as usize] = true;
        }
        self.lists.push((from, to.clone()));
        true
    }

    /// Edges from slots already added to targets named by id, resolved later (see
    /// [`DeferredEdges`]).
    pub fn add_deferred(&mut self, edges: DeferredEdges) {
        self.deferred.push(Deferred {
            edges,
            resolved: Vec::new(),
        });
    }

    /// Resolves the deferred blocks not resolved yet: every name looked up in one pass over
    /// the blocks (on every core for many blocks; the id table is only read), then, in input
    /// order, a `missing` placeholder made for each id no node has, and the targets marked
    /// imported. [`GraphBuilder::finish`] calls it; a caller that asks
    /// [`GraphBuilder::is_imported`] before `finish` calls it first.
    pub fn resolve_deferred(&mut self) {
        let first = self.resolved_blocks;
        if first == self.deferred.len() {
            return;
        }
        let mut blocks = std::mem::take(&mut self.deferred);
        {
            let this = &*self;
            let resolve = |block: &mut Deferred| {
                block.resolved = (0..block.edges.names.len())
                    .map(|i| {
                        if let Some(slot) = block.local_slot(i) {
                            return (slot, EdgeKind::Import);
                        }
                        let (id, hash, kind) = block.lookup(i, |id| this.slots.hash(id));
                        let slot = this.find_slot_hashed(hash, id);
                        (slot.map_or(u32::MAX, |slot| slot as u32), kind)
                    })
                    .collect();
            };
            if blocks.len() - first > 1 && self.nodes.len() >= PARALLEL_SORT_MIN {
                use rayon::prelude::*;
                // The calling thread resolves its share of the blocks while the pool takes
                // the others ([`join_here`]).
                let pending = &mut blocks[first..];
                let share = pending.len() / rayon::current_num_threads().max(1);
                let (here, pool) = pending.split_at_mut(share);
                let resolve = &resolve;
                join_here(
                    || here.iter_mut().for_each(resolve),
                    || pool.par_iter_mut().for_each(resolve),
                );
            } else {
                blocks[first..].iter_mut().for_each(resolve);
            }
        }
        for block in &mut blocks[first..] {
            for i in 0..block.resolved.len() {
                if block.resolved[i].0 == u32::MAX {
                    let (id, hash, _) = block.lookup(i, |id| self.slots.hash(id));
                    let id = id.to_owned();
                    block.resolved[i].0 = self.slot_of_hashed(hash, &id);
                }
            }
        }
        self.deferred_runs.resize(self.nodes.len(), (0, 0, 0));
        for (b, block) in blocks.iter().enumerate().skip(first) {
            // Every name of a block is a target of one of its sources.
            for &(slot, _) in &block.resolved {
                self.imported[slot as usize] = true;
            }
            for &(slot, start, end) in &block.edges.sources {
                if start == end {
                    continue;
                }
                let run = &mut self.deferred_runs[slot as usize];
                if run.0 != 0 {
                    self.scattered = true;
                } else {
                    *run = (b as u32 + 1, start, end);
                }
            }
        }
        self.deferred = blocks;
        self.resolved_blocks = self.deferred.len();
    }

    /// Room for `nodes` more nodes and `edges` more edges (the id table grown by doubling,
    /// so that adding blocks of nodes costs a linear number of rehashes).
    pub fn reserve(&mut self, nodes: usize, edges: usize) {
        let wanted = self.nodes.len() + nodes;
        if wanted > self.slots.slots.capacity() {
            let grow = wanted.max(2 * self.slots.slots.capacity()) - self.slots.slots.len();
            self.slots.reserve(grow);
        }
        self.nodes.reserve(nodes);
        self.facts.reserve(nodes);
        self.added.reserve(nodes);
        self.imported.reserve(nodes);
        self.runs.reserve(nodes);
        self.edges.reserve(edges);
    }

    /// True when a node with this id was added.
    pub fn contains(&self, id: &str) -> bool {
        self.find_slot(id).is_some_and(|slot| self.added[slot])
    }

    /// Adds an edge; endpoints that are never added become `missing` placeholder nodes.
    pub fn add_edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        let from = self.slot(from);
        let to = self.slot(to);
        self.imported[to as usize] = true;
        self.edges.push((from, to, kind));
        self.extend_run(from, self.edges.len() - 1);
    }

    /// [`GraphBuilder::add_edge`] for several edges from one node (its id looked up once).
    pub fn add_edges_from<'e>(
        &mut self,
        from: &str,
        edges: impl IntoIterator<Item = (&'e str, EdgeKind)>,
    ) {
        let from = self.slot(from);
        let start = self.edges.len();
        for (to, kind) in edges {
            let to = self.slot(to);
            self.imported[to as usize] = true;
            self.edges.push((from, to, kind));
        }
        self.extend_run(from, start);
    }

    /// Records a load problem; the graph will be marked incomplete.
    pub fn add_problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// True when some edge added so far points at `id`.
    pub fn is_imported(&self, id: &str) -> bool {
        self.find_slot(id).is_some_and(|slot| self.imported[slot])
    }

    /// Ids of all nodes added so far, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let mut ids: Vec<&str> = (0..self.nodes.len())
            .filter(|&slot| self.added[slot])
            .map(|slot| self.ids.get(slot))
            .collect();
        ids.sort_unstable();
        ids.into_iter()
    }

    /// Node data by id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.find_slot(id)
            .filter(|&slot| self.added[slot])
            .map(|slot| &*self.nodes[slot])
    }

    /// Builds the graph. `roots` are node ids; unknown ids are ignored.
    pub fn finish(
        mut self,
        roots: &[String],
        granularity: Granularity,
        config: BuildConfig,
    ) -> DepGraph {
        self.resolve_deferred();
        self.deferred_runs.resize(self.nodes.len(), (0, 0, 0));
        // Endpoints never added stay placeholders, counted once, the first one (in edge
        // order: the deferred blocks', then the others) named.
        let mut n_missing = 0usize;
        let mut missing_example = None;
        let mut counted = vec![false; self.added.len()];
        // Only edges can make placeholders: none to look for when every slot was added.
        let suspects: Box<dyn Iterator<Item = (u32, u32)>> =
            if self.added.iter().all(|&added| added) {
                Box::new(std::iter::empty())
            } else {
                let deferred = self.deferred.iter().flat_map(|block| {
                    (block.edges.sources.iter()).flat_map(move |&(from, start, end)| {
                        block.run(start, end).map(move |(to, _)| (from, to))
                    })
                });
                Box::new(deferred.chain(self.edges.iter().map(|&(from, to, _)| (from, to))))
            };
        for (from, to) in suspects {
            for slot in [from, to] {
                let slot = slot as usize;
                if !self.added[slot] && !counted[slot] {
                    counted[slot] = true;
                    n_missing += 1;
                    if missing_example.is_none() {
                        let id = |slot: u32| self.ids.get(slot as usize).to_owned();
                        missing_example = Some((id(slot as u32), id(from)));
                    }
                }
            }
        }
        drop(counted);
        if let Some((id, importer)) = missing_example {
            self.problems.push(format!(
                "{n_missing} imported package(s) are not in the input, e.g. {id} (imported by {importer}); was it recorded without -deps?"
            ));
        }
        // Arrival slots in the sorted order of their ids; the nodes move into that order
        // (pointers moved: the nodes themselves are not copied).
        let n = self.nodes.len();
        let (order, ids): (Vec<u32>, Ids) = {
            // The ids read once each (a comparison then reads the text, not three pointers
            // to it).
            let mut ids: Vec<(&str, u32)> = (0..n as u32)
                .map(|slot| (self.ids.get(slot as usize), slot))
                .collect();
            if n >= PARALLEL_SORT_MIN {
                // The calling thread sorts its share while the pool sorts the rest
                // ([`join_here`]), then the two runs are merged (no two entries are equal:
                // the same order as one sort).
                let share = n / rayon::current_num_threads().max(1);
                let (here, pool) = ids.split_at_mut(share);
                join_here(
                    || here.sort_unstable(),
                    || rayon::slice::ParallelSliceMut::par_sort_unstable(pool),
                );
                ids = merge_sorted(here, pool);
            } else {
                ids.sort_unstable();
            }
            let sorted = Ids::new(ids.iter().map(|&(id, _)| id));
            (ids.into_iter().map(|(_, slot)| slot).collect(), sorted)
        };
        let mut renumber = vec![0u32; n];
        for (p, &slot) in order.iter().enumerate() {
            renumber[slot as usize] = p as u32;
        }
        // Slots are numbered as ids first arrive: with dependencies first, their reverse
        // puts every package before its imports.
        let arrival: Vec<u32> = renumber.iter().rev().copied().collect();
        let Self {
            slots: mut index,
            mut problems,
            numbered,
            lists,
            nodes: arrived,
            facts: arrived_facts,
            edges,
            runs,
            scattered,
            deferred,
            deferred_runs,
            ..
        } = self;
        // The nodes and their facts moved into the sorted order (pointers moved: the nodes
        // themselves are not copied) and the id table renumbered on one side; on the other
        // the rows (in pieces, for the pool) and the reverse rows. Two threads for a large
        // graph.
        let ((nodes, facts), csr_and_kinds) = join_if(
            n >= PARALLEL_SORT_MIN,
            || {
                let mut arrived: Vec<Option<NodeRef>> = arrived.into_iter().map(Some).collect();
                let facts: Vec<NodeFacts> = order
                    .iter()
                    .map(|&slot| arrived_facts[slot as usize])
                    .collect();
                let nodes: Vec<NodeRef> = order
                    .iter()
                    .map(|&slot| arrived[slot as usize].take().expect("each node once"))
                    .collect();
                // Each slot is rewritten on its own (the order of the walk does not
                // matter); a slot's id, and so its hash, is unchanged.
                for (slot, _) in index.slots.iter_mut() {
                    *slot = renumber[*slot as usize];
                }
                (nodes, facts)
            },
            || {
                let targets = RowSources {
                    renumber: &renumber,
                    numbered: &numbered,
                    edges: &edges,
                    lists: &lists,
                    deferred: &deferred,
                    deferred_runs: &deferred_runs,
                };
                let (out_start, out_to, kinds) = (!scattered)
                    .then(|| targets.gathered(&order, &runs))
                    .flatten()
                    .unwrap_or_else(|| targets.counted());
                (Csr::from_parts(out_start, out_to), kinds)
            },
        );
        let (csr, kinds) = csr_and_kinds;
        drop((order, edges, lists, deferred));
        let mut root_idxs: Vec<NodeIndex> = roots
            .iter()
            .filter_map(|id| index.get(id, |slot| ids.get(slot as usize)))
            .map(|slot| NodeIndex::new(slot as usize))
            .collect();
        root_idxs.sort();
        root_idxs.dedup();
        problems.sort();
        problems.dedup();
        let mut config = config;
        config.granularity = Some(granularity);
        DepGraph {
            nodes,
            facts,
            ids,
            csr,
            kinds,
            petgraph: std::sync::OnceLock::new(),
            topological: std::sync::OnceLock::new(),
            from_roots: std::sync::OnceLock::new(),
            arrival,
            index,
            roots: root_idxs,
            granularity,
            config,
            problems,
        }
    }
}

/// Graphs with at least this many nodes share their id sort, import lookups and rows
/// between the calling thread and the pool ([`join_here`]). Below it one thread does it
/// faster: waking the pool's sleeping threads cost more than they saved on a 10k-package
/// stream (in process, interleaved with the bare parse, when the pool did all of it: the id
/// sort 1.1-1.8 ms on two threads, 0.84 ms on one; the rows 1.4-3.0 ms, 1.0 ms; the whole
/// `why` 12.4 → 11.8 ms).
const PARALLEL_SORT_MIN: usize = 16_384;

/// `a()` and `b()` side by side. On a pool thread, `rayon::join`. On any other thread `a`
/// runs here while `b` goes to the pool, where `rayon::join` would hand both to the pool and
/// wait: the calling thread's core then works instead of waiting, and one pool thread taking
/// `b` is enough (a second may wake too late to take its half of a join: on a small VM, a
/// millisecond or more).
pub(crate) fn join_here<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if rayon::current_thread_index().is_some() {
        return rayon::join(a, b);
    }
    let mut out_b = None;
    let out_a = rayon::in_place_scope(|scope| {
        scope.spawn(|_| out_b = Some(b()));
        a()
    });
    (out_a, out_b.expect("a scope ends when what it spawned has"))
}

/// `work(i)` for every `i` in `0..n`, the results in index order. Off the pool, the calling
/// thread and one job per pool thread each take the next index from a shared counter: the
/// calling thread works from the first item, and a pool thread that wakes late takes what is
/// left when it wakes, where a parallel iterator would hand every item to the pool and wait
/// (on a small VM a sleeping pool thread may take a millisecond or more to wake). On a pool
/// thread, rayon's parallel iterator.
pub(crate) fn share_here<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    share_beside(|| (), n, work).1
}

/// [`share_here`], with `first()` made by the first pool job to start, before it takes items
/// (the calling thread starts on the items at once; of the pool's threads, one may wake much
/// later than another, so the first to start makes it). On a pool thread, `first` beside
/// rayon's parallel iterator.
pub(crate) fn share_beside<R: Send, T: Send>(
    first: impl FnOnce() -> R + Send,
    n: usize,
    work: impl Fn(usize) -> T + Sync,
) -> (R, Vec<T>) {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};
    if rayon::current_thread_index().is_some() {
        return rayon::join(first, || (0..n).into_par_iter().map(&work).collect());
    }
    let next = AtomicUsize::new(0);
    let take = || {
        let mut taken = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return taken;
            }
            taken.push((i, work(i)));
        }
    };
    let first = Mutex::new(Some(first));
    let made = Mutex::new(None);
    let mut theirs: Vec<Vec<(usize, T)>> = (0..rayon::current_num_threads())
        .map(|_| Vec::new())
        .collect();
    let mine = rayon::in_place_scope(|scope| {
        for slot in theirs.iter_mut() {
            scope.spawn(|_| {
                let claimed = first.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(first) = claimed {
                    let value = first();
                    *made.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
                }
                *slot = take();
            });
        }
        take()
    });
    // A pool has a thread, and the scope ends when every job has.
    let made = (made.into_inner().unwrap_or_else(PoisonError::into_inner))
        .expect("the first pool job to start made `first`");
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, value) in mine.into_iter().chain(theirs.into_iter().flatten()) {
        out[i] = Some(value);
    }
    let out = out
        .into_iter()
        .map(|value| value.expect("every index is taken once"))
        .collect();
    (made, out)
}

/// The items of two ascending runs, ascending (of two equal items, `a`'s first).
fn merge_sorted<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// `a()` and `b()`: side by side when `parallel` ([`join_here`]), else one after the other.
fn join_if<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if parallel {
        join_here(a, b)
    } else {
        (a(), b())
    }
}

/// A graph's rows: where each row starts (`n + 1` of them), every row's targets one after
/// the other, and the kind of each edge.
type Rows = (Vec<u32>, Vec<u32>, Vec<EdgeKind>);

/// What [`GraphBuilder::finish`] builds the rows from: the builder's edges and numbered
/// lists, by arrival slot, and each slot's place in the sorted order.
struct RowSources<'b> {
    renumber: &'b [u32],
    numbered: &'b [u32],
    edges: &'b [(u32, u32, EdgeKind)],
    lists: &'b [(u32, NumberedEdges)],
    deferred: &'b [Deferred],
    deferred_runs: &'b [(u32, u32, u32)],
}

impl RowSources<'_> {
    /// The new number of the node the caller numbered `number`.
    fn target_of(&self, number: u32) -> u32 {
        self.renumber[(self.numbered[number as usize] - 1) as usize]
    }

    /// The rows by a counting sort on the renumbered source (any edges, in any order): the
    /// edges and the lists land in their node's row, which alone is then sorted (each row is
    /// short).
    fn counted(&self) -> Rows {
        let n = self.renumber.len();
        let renumber = self.renumber;
        let mut start = vec![0u32; n + 1];
        for &(from, _, _) in self.edges {
            start[renumber[from as usize] as usize + 1] += 1;
        }
        for (slot, list) in self.lists {
            start[renumber[*slot as usize] as usize + 1] += list.len() as u32;
        }
        for block in self.deferred {
            for &(slot, first, end) in &block.edges.sources {
                start[renumber[slot as usize] as usize + 1] += end - first;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill: Vec<u32> = start[..n].to_vec();
        let mut row_items: Vec<(u32, EdgeKind)> = vec![(0, EdgeKind::Import); start[n] as usize];
        for &(from, to, kind) in self.edges {
            let from = renumber[from as usize] as usize;
            row_items[fill[from] as usize] = (renumber[to as usize], kind);
            fill[from] += 1;
        }
        for (slot, list) in self.lists {
            let from = renumber[*slot as usize] as usize;
            for &(number, kind) in list.iter() {
                row_items[fill[from] as usize] = (self.target_of(number), kind);
                fill[from] += 1;
            }
        }
        for block in self.deferred {
            for &(slot, first, end) in &block.edges.sources {
                let from = renumber[slot as usize] as usize;
                for (to, kind) in block.run(first, end) {
                    row_items[fill[from] as usize] = (renumber[to as usize], kind);
                    fill[from] += 1;
                }
            }
        }
        drop(fill);
        let mut out_start = Vec::with_capacity(n + 1);
        let mut out_to = Vec::with_capacity(row_items.len());
        let mut kinds = Vec::with_capacity(row_items.len());
        out_start.push(0u32);
        for from in 0..n {
            let row = &mut row_items[start[from] as usize..start[from + 1] as usize];
            push_row(row, from, &mut out_to, &mut kinds);
            out_start.push(out_to.len() as u32);
        }
        (out_start, out_to, kinds)
    }

    /// The rows gathered, in the sorted order, from each slot's one run of edges (`runs`)
    /// and its list: no pass that scatters every edge, and for a large graph pieces of the
    /// rows on every core, joined in order (the same rows whatever the number of threads).
    /// `None` when a slot has two lists.
    fn gathered(&self, order: &[u32], runs: &[(u32, u32)]) -> Option<Rows> {
        let n = order.len();
        // By slot: its list's position + 1 (0: none).
        let mut list_at = vec![0u32; n];
        for (i, (slot, _)) in self.lists.iter().enumerate() {
            let at = &mut list_at[*slot as usize];
            if *at != 0 {
                return None;
            }
            *at = i as u32 + 1;
        }
        let pieces = if n >= PARALLEL_SORT_MIN {
            4 * rayon::current_num_threads()
        } else {
            1
        };
        let per = n.div_ceil(pieces).max(1);
        // One piece: each row's end (counted from the piece's start), targets and kinds.
        let piece = |lo: usize| -> Rows {
            let hi = (lo + per).min(n);
            let mut ends = Vec::with_capacity(hi - lo);
            let mut out_to = Vec::new();
            let mut kinds = Vec::new();
            let mut row: Vec<(u32, EdgeKind)> = Vec::new();
            for (from, &slot) in (lo..hi).zip(&order[lo..hi]) {
                row.clear();
                let (start, end) = runs[slot as usize];
                row.extend(
                    self.edges[start as usize..end as usize]
                        .iter()
                        .map(|&(_, to, kind)| (self.renumber[to as usize], kind)),
                );
                let (block, first, end) = self.deferred_runs[slot as usize];
                if let Some(block) = block.checked_sub(1) {
                    row.extend(
                        self.deferred[block as usize]
                            .run(first, end)
                            .map(|(to, kind)| (self.renumber[to as usize], kind)),
                    );
                }
                if let Some(at) = list_at[slot as usize].checked_sub(1) {
                    let list = &self.lists[at as usize].1;
                    row.extend(
                        list.iter()
                            .map(|&(number, kind)| (self.target_of(number), kind)),
                    );
                }
                push_row(&mut row, from, &mut out_to, &mut kinds);
                ends.push(out_to.len() as u32);
            }
            (ends, out_to, kinds)
        };
        let starts: Vec<usize> = (0..n).step_by(per).collect();
        let parts: Vec<Rows> = if starts.len() > 1 {
            use rayon::prelude::*;
            starts.into_par_iter().map(piece).collect()
        } else {
            starts.into_iter().map(piece).collect()
        };
        let total = parts.iter().map(|(_, to, _)| to.len()).sum();
        let mut out_start = Vec::with_capacity(n + 1);
        let mut out_to = Vec::with_capacity(total);
        let mut kinds = Vec::with_capacity(total);
        out_start.push(0u32);
        for (ends, to, piece_kinds) in parts {
            let base = out_to.len() as u32;
            out_start.extend(ends.iter().map(|&end| base + end));
            out_to.extend_from_slice(&to);
            kinds.extend_from_slice(&piece_kinds);
        }
        Some((out_start, out_to, kinds))
    }
}

/// Appends the row of node `from`: its targets ascending, each once, of several kinds for
/// one target the greatest (a cgo edge wins over a plain import of the same pair), and no
/// self edge.
fn push_row(
    row: &mut [(u32, EdgeKind)],
    from: usize,
    out_to: &mut Vec<u32>,
    kinds: &mut Vec<EdgeKind>,
) {
    if !row.is_sorted_by_key(|&(to, kind)| (to, std::cmp::Reverse(kind))) {
        row.sort_unstable_by_key(|&(to, kind)| (to, std::cmp::Reverse(kind)));
    }
    let mut last = None;
    for &(to, kind) in row.iter() {
        if to as usize == from || last == Some(to) {
            continue;
        }
        last = Some(to);
        out_to.push(to);
        kinds.push(kind);
    }
}

/// Helpers the unit tests of several modules share.
#[cfg(test)]
pub(crate) mod testing {
    /// A xorshift generator: `next(bound)` is below `bound`.
    pub(crate) fn xorshift(mut state: u64) -> impl FnMut(usize) -> usize {
        move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::xorshift;
    use super::*;

    fn node(id: &str) -> NodeRef {
        NodeRef::new(Node {
            id: id.into(),
            ..Node::default()
        })
    }

    #[test]
    fn displays_as_agrees_with_display() {
        let module = |path: &str, version: Option<&str>| ModuleInfo {
            path: path.to_owned(),
            version: version.map(str::to_owned),
            main: false,
            replace: None,
            dir: None,
        };
        let modules = [
            module("example.com/m", Some("v1.2.3")),
            module("example.com/m", None),
            module("example.com/m@v1", Some("v1")),
        ];
        let texts = [
            "example.com/m@v1.2.3",
            "example.com/m",
            "example.com/m@v1.2.",
            "example.com/m@v1.2.34",
            "example.com/mv1.2.3",
            "example.com/m@v1@v1",
            "example.com/m@v1",
            "",
        ];
        for module in &modules {
            for text in texts {
                assert_eq!(
                    module.displays_as(text),
                    module.display() == text,
                    "{module:?} {text}"
                );
            }
        }
    }

    fn edges(graph: &DepGraph) -> Vec<(String, String, EdgeKind)> {
        let g = graph.graph();
        g.edge_indices()
            .map(|e| {
                let (a, b) = g.edge_endpoints(e).unwrap();
                (g[a].id.to_string(), g[b].id.to_string(), g[e])
            })
            .collect()
    }

    /// A graph built by number (edges kept in lists, joined node by node) equals the graph
    /// of the same nodes and edges added by id: the same node order, the same edges in the
    /// same order, one edge per pair with a cgo edge winning, no self edge.
    #[test]
    fn numbered_edges_build_the_graph_ids_build() {
        // Numbers in an order unlike the ids' and the arrival order.
        let nodes = [("z/main", 7u32), ("a/lib", 3), ("m/cgo", 0), ("b/x", 5)];
        let imports: [(&str, &[(&str, EdgeKind)]); 4] = [
            ("m/cgo", &[("m/cgo", EdgeKind::Cgo)]),
            (
                "b/x",
                &[("m/cgo", EdgeKind::Import), ("m/cgo", EdgeKind::Cgo)],
            ),
            (
                "a/lib",
                &[("b/x", EdgeKind::Import), ("m/cgo", EdgeKind::Import)],
            ),
            (
                "z/main",
                &[("b/x", EdgeKind::Import), ("a/lib", EdgeKind::Import)],
            ),
        ];
        let number = |id: &str| nodes.iter().find(|(n, _)| *n == id).unwrap().1;
        let mut by_id = GraphBuilder::new();
        let mut by_number = GraphBuilder::with_capacity(4, 0);
        for (from, to) in imports {
            by_id.add_edges_from(from, to.iter().copied());
            assert!(by_id.add_shared(node(from)));
            assert!(by_number.add_numbered(number(from), node(from)));
            let list: NumberedEdges = to.iter().map(|&(id, kind)| (number(id), kind)).collect();
            assert!(by_number.add_numbered_edges(number(from), &list));
        }
        // An edge by id beside the numbered ones, as the sanitizer runtimes are added.
        by_id.add_edge("z/main", "m/cgo", EdgeKind::Linker);
        by_number.add_edge("z/main", "m/cgo", EdgeKind::Linker);
        // A number not added yet is refused, and nothing is added.
        assert!(!by_number.add_numbered_edges(7, &[(9, EdgeKind::Import)].into()));
        let roots = ["z/main".to_owned()];
        let a = by_id.finish(&roots, Granularity::Package, BuildConfig::default());
        let b = by_number.finish(&roots, Granularity::Package, BuildConfig::default());
        let ids = |g: &DepGraph| -> Vec<String> {
            g.graph().node_weights().map(|n| n.id.to_string()).collect()
        };
        assert_eq!(ids(&a), ["a/lib", "b/x", "m/cgo", "z/main"]);
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(edges(&a), edges(&b));
        assert!(edges(&b).contains(&("b/x".into(), "m/cgo".into(), EdgeKind::Cgo)));
        assert_eq!(edges(&b).len(), 6);
        assert_eq!(a.roots(), b.roots());
        assert_eq!(b.find("m/cgo"), Some(NodeIndex::new(2)));
        assert_eq!(b.find("m/none"), None);
    }

    /// A shared list's results come back in index order, each item made once, off the pool
    /// and on it; off the pool the calling thread and the pool's threads both take items, and
    /// `share_beside`'s `first` is made on a pool thread while the calling thread takes items.
    #[test]
    fn shared_items_come_back_in_order_each_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for n in [0usize, 1, 2, 3, 1_000] {
            let calls = AtomicUsize::new(0);
            let work = |i: usize| {
                calls.fetch_add(1, Ordering::Relaxed);
                // Uneven items, so the threads interleave.
                std::hint::black_box(
                    (0..(i % 7) * 100)
                        .fold(i as u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64)),
                );
                i * i
            };
            let want: Vec<usize> = (0..n).map(|i| i * i).collect();
            // Off the pool, and on a pool thread.
            assert_eq!(share_here(n, work), want, "{n} items off the pool");
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| share_here(n, work)),
                want,
                "{n} items on the pool"
            );
            assert_eq!(calls.load(Ordering::Relaxed), 2 * n, "each item once");
        }
        // Off the pool, the calling thread and a pool thread both take items (50 items of a
        // millisecond each leave a pool thread time to wake).
        let here = std::thread::current().id();
        let on_caller = || {
            std::thread::sleep(std::time::Duration::from_millis(1));
            std::thread::current().id() == here
        };
        let threads = share_here(50, |_| on_caller());
        assert!(threads.contains(&true), "the calling thread took none");
        assert!(threads.contains(&false), "no pool thread took any");
        // `first` is made by a pool thread while the calling thread starts on the items.
        let (first_here, threads) = share_beside(
            || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                std::thread::current().id() == here
            },
            10,
            |_| on_caller(),
        );
        assert!(!first_here, "`first` was made on the calling thread");
        assert!(
            threads.contains(&true),
            "the calling thread waited for `first`"
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(
            pool.install(|| share_beside(|| 5, 3, |i| i)),
            (5, vec![0, 1, 2])
        );
    }

    /// Two ascending runs merge into one, every item kept; and the ids of a graph large
    /// enough to be sorted in two shares (the calling thread's and the pool's, then merged)
    /// come out in order, each once, whatever order they arrived in.
    #[test]
    fn ids_sorted_in_shares_come_out_in_order() {
        assert_eq!(
            merge_sorted(&[1, 4, 4, 9], &[0, 4, 5, 10, 11]),
            [0, 1, 4, 4, 4, 5, 9, 10, 11]
        );
        assert_eq!(merge_sorted::<u8>(&[], &[2, 3]), [2, 3]);
        assert_eq!(merge_sorted::<u8>(&[2, 3], &[]), [2, 3]);
        let n = 20_000;
        let mut builder = GraphBuilder::new();
        for i in 0..n {
            builder.add_shared(node(&format!(
                "m{}/p{}",
                (i * 7919) % 13,
                (i * 104_729) % n
            )));
        }
        let graph = builder.finish(&[], Granularity::Package, BuildConfig::default());
        let ids: Vec<&str> = (0..graph.node_count())
            .map(|i| graph.id(NodeIndex::new(i)))
            .collect();
        assert_eq!(ids.len(), n);
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids ascending, each once"
        );
        assert!(
            ids.iter()
                .enumerate()
                .all(|(i, id)| graph.node(NodeIndex::new(i)).id == **id)
        );
    }

    /// The kept topological order is the reverse of the arrival order when the packages came
    /// dependencies first, as `go list -deps` writes them; else Kahn's. Either is a
    /// topological order; a cycle has none.
    #[test]
    fn the_reverse_arrival_order_is_kept_when_it_is_topological() {
        let build = |arrival: &[(&str, &[&str])]| {
            let mut builder = GraphBuilder::new();
            for &(from, to) in arrival {
                assert!(builder.add_shared(node(from)));
                builder.add_edges_from(from, to.iter().map(|&to| (to, EdgeKind::Import)));
            }
            builder.finish(&[], Granularity::Package, BuildConfig::default())
        };
        let ids = |g: &DepGraph, order: &[u32]| -> Vec<String> {
            (order.iter())
                .map(|&v| g.ids.get(v as usize).to_owned())
                .collect()
        };
        let order = |g: &DepGraph| Some(ids(g, &g.topological_order()?));
        let kahn = |g: &DepGraph| Some(ids(g, &crate::analyze::chains::topological_order(&g.csr)?));
        // Dependencies first: the reverse of their arrival.
        let deps_first = build(&[("c/y", &[]), ("b/x", &[]), ("a/main", &["b/x", "c/y"])]);
        assert_eq!(order(&deps_first).unwrap(), ["a/main", "b/x", "c/y"]);
        assert_eq!(kahn(&deps_first).unwrap(), ["a/main", "b/x", "c/y"]);
        // Also where Kahn's algorithm (from the lowest index) would give another order.
        let deps_first = build(&[("b/y", &[]), ("c/x", &[]), ("a/main", &["b/y", "c/x"])]);
        assert_eq!(order(&deps_first).unwrap(), ["a/main", "c/x", "b/y"]);
        assert_eq!(kahn(&deps_first).unwrap(), ["a/main", "b/y", "c/x"]);
        // An importer before its imports: Kahn's.
        let importer_first = build(&[("a/main", &["c/x", "b/y"]), ("b/y", &[]), ("c/x", &[])]);
        assert_eq!(order(&importer_first), kahn(&importer_first));
        assert_eq!(order(&importer_first).unwrap(), ["a/main", "b/y", "c/x"]);
        let late = build(&[("b/y", &["c/x"]), ("c/x", &[]), ("a/main", &["b/y"])]);
        assert_eq!(order(&late).unwrap(), ["a/main", "b/y", "c/x"]);
        // A cycle: none.
        let cycle = build(&[("b/y", &["a/x"]), ("a/x", &["b/y"])]);
        assert_eq!(order(&cycle), None);
    }

    /// Rows gathered from each node's run of edges and list (on every core from
    /// `PARALLEL_SORT_MIN` nodes) equal the rows of the counting sort and a plain oracle:
    /// every pair once, of several kinds the greatest, no self edge, the same in both
    /// directions. A node whose edges are not one run sends the builder to the counting sort.
    #[test]
    fn gathered_rows_equal_counted_rows() {
        let mut next = xorshift(0x853c_49e6_748f_ea9bu64);
        let kinds = [EdgeKind::Import, EdgeKind::Cgo, EdgeKind::Linker];
        for (case, n) in [3, 40, 300, 5_000, 20_000].into_iter().enumerate() {
            let id = |i: usize| format!("m{}/p{i}", i % 7);
            let mut oracle: BTreeMap<(String, String), EdgeKind> = BTreeMap::new();
            let (mut plain, mut forced, mut numbered) = (
                GraphBuilder::new(),
                GraphBuilder::new(),
                GraphBuilder::new(),
            );
            let mut lists = 0;
            for i in 0..n {
                // Packages arrive in no sorted order; a few are only imported (placeholders).
                let at = (i * 7919) % n;
                if at % 97 == 5 {
                    continue;
                }
                let targets: Vec<(usize, EdgeKind)> =
                    (0..next(9)).map(|_| (next(n), kinds[next(3)])).collect();
                for &(to, kind) in targets.iter().filter(|&&(to, _)| to != at) {
                    let kept = oracle.entry((id(at), id(to))).or_insert(kind);
                    *kept = (*kept).max(kind);
                }
                let by_id: Vec<(String, EdgeKind)> =
                    targets.iter().map(|&(to, kind)| (id(to), kind)).collect();
                for b in [&mut plain, &mut forced] {
                    b.add_shared(node(&id(at)));
                    b.add_edges_from(&id(at), by_id.iter().map(|(to, kind)| (to.as_str(), *kind)));
                }
                // By number where every target was added before, by id otherwise (as the
                // native loader does).
                numbered.add_numbered(at as u32, node(&id(at)));
                let list: NumberedEdges = targets
                    .iter()
                    .map(|&(to, kind)| (to as u32, kind))
                    .collect();
                if !targets.is_empty() && numbered.add_numbered_edges(at as u32, &list) {
                    lists += 1;
                } else {
                    numbered.add_edges_from(
                        &id(at),
                        by_id.iter().map(|(to, kind)| (to.as_str(), *kind)),
                    );
                }
            }
            assert!(
                !plain.scattered && !numbered.scattered,
                "case {case}: one run each"
            );
            assert!(n < 300 || lists > 0, "case {case}: some edges by number");
            forced.scattered = true;
            let mut want: Vec<(String, String, EdgeKind)> = oracle
                .into_iter()
                .map(|((a, b), kind)| (a, b, kind))
                .collect();
            want.sort();
            for (which, builder) in [plain, forced, numbered].into_iter().enumerate() {
                let graph = builder.finish(&[], Granularity::Package, BuildConfig::default());
                let mut got = edges(&graph);
                got.sort();
                assert_eq!(got, want, "case {case}, builder {which}");
                for i in graph.node_indices() {
                    for (to, kind) in graph.edges_from(i) {
                        assert!(graph.edges_to(to).any(|(from, k)| from == i && k == kind));
                    }
                }
            }
        }
        let mut split = GraphBuilder::new();
        split.add_edge("a", "b", EdgeKind::Import);
        split.add_edge("c", "a", EdgeKind::Import);
        assert!(!split.scattered);
        split.add_edge("a", "c", EdgeKind::Cgo);
        assert!(split.scattered, "a's edges are now two runs");
        let graph = split.finish(&[], Granularity::Package, BuildConfig::default());
        assert_eq!(
            edges(&graph),
            [
                ("a".into(), "b".into(), EdgeKind::Import),
                ("a".into(), "c".into(), EdgeKind::Cgo),
                ("c".into(), "a".into(), EdgeKind::Import),
            ]
        );
    }
    /// Edges handed over by name in blocks (`add_deferred`), resolved once all nodes are in,
    /// give the graph of the same edges added by id as they came: the same rows, the same
    /// placeholders for ids no node has, the same first missing import named, and an alias
    /// (`"C"`) resolved to its id with its kind; on one thread and, from 16,384 nodes, the
    /// calling thread and the pool each taking a share of the blocks; whether or not the
    /// loader says which names the block's own sources have as ids.
    #[test]
    fn deferred_edges_equal_edges_added_by_id() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        for n in [30, 6_000, 20_000] {
            let id = |i: usize| format!("m{}/p{i}", i % 5);
            let (mut by_id, mut deferred) = (GraphBuilder::new(), GraphBuilder::new());
            for b in [&mut by_id, &mut deferred] {
                b.add_shared(node("runtime/cgo"));
            }
            let mut block: Vec<(usize, Vec<usize>)> = Vec::new();
            let mut flushed = 0usize;
            let mut flush = |deferred: &mut GraphBuilder, block: &mut Vec<(usize, Vec<usize>)>| {
                // Every other block tells which of its names its own sources have.
                flushed += 1;
                let own: Vec<String> = if flushed.is_multiple_of(2) {
                    block.iter().map(|&(at, _)| id(at)).collect()
                } else {
                    Vec::new()
                };
                // The block's distinct names, numbered by first use; usize::MAX is "C".
                let mut names: Vec<String> = Vec::new();
                let mut targets = Vec::new();
                let mut sources = Vec::new();
                for (at, imports) in block.drain(..) {
                    let start = targets.len() as u32;
                    for to in imports {
                        let name = if to == usize::MAX {
                            "C".to_owned()
                        } else {
                            id(to)
                        };
                        let number = match names.iter().position(|n| *n == name) {
                            Some(number) => number,
                            None => {
                                names.push(name);
                                names.len() - 1
                            }
                        };
                        targets.push(number as u32);
                    }
                    let slot = deferred.find_slot(&id(at)).expect("added") as u32;
                    sources.push((slot, start, targets.len() as u32));
                }
                let hasher = deferred.id_hasher();
                let alias = names
                    .iter()
                    .position(|n| n == "C")
                    .map(|number| (number as u32, "runtime/cgo", EdgeKind::Cgo));
                let local = if own.is_empty() {
                    Vec::new()
                } else {
                    (names.iter())
                        .map(|name| {
                            own.iter()
                                .position(|o| o == name)
                                .map_or(0, |k| k as u32 + 1)
                        })
                        .collect()
                };
                deferred.add_deferred(DeferredEdges {
                    hashes: names.iter().map(|n| hasher.hash(n)).collect(),
                    names: names.iter().collect(),
                    alias,
                    targets,
                    sources,
                    local,
                });
            };
            for i in 0..n {
                let at = (i * 7919) % n;
                // Every 41st id is only imported: a placeholder, named as missing.
                if at % 41 == 7 {
                    continue;
                }
                let imports: Vec<usize> = (0..next(7))
                    .map(|_| if next(50) == 0 { usize::MAX } else { next(n) })
                    .collect();
                by_id.add_shared(node(&id(at)));
                let edges: Vec<(String, EdgeKind)> = imports
                    .iter()
                    .map(|&to| match to {
                        usize::MAX => ("runtime/cgo".to_owned(), EdgeKind::Cgo),
                        to => (id(to), EdgeKind::Import),
                    })
                    .collect();
                by_id.add_edges_from(&id(at), edges.iter().map(|(to, kind)| (to.as_str(), *kind)));
                deferred.add_shared(node(&id(at)));
                block.push((at, imports));
                if block.len() == 97 {
                    flush(&mut deferred, &mut block);
                }
            }
            flush(&mut deferred, &mut block);
            deferred.resolve_deferred();
            assert!(deferred.is_imported("runtime/cgo"));
            let roots = [id(1)];
            let a = by_id.finish(&roots, Granularity::Package, BuildConfig::default());
            let b = deferred.finish(&roots, Granularity::Package, BuildConfig::default());
            assert_eq!(edges(&a), edges(&b), "n = {n}");
            assert!(
                n < 1_000 || !a.problems.is_empty(),
                "n = {n}: ids only imported"
            );
            assert_eq!(a.problems, b.problems, "n = {n}");
            let missing = |g: &DepGraph| g.nodes().iter().filter(|node| node.missing).count();
            assert_eq!(missing(&a), missing(&b));
        }
    }
}
