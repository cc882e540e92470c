//! Parser for `go list -e -deps -json[=fields]` output: a stream of JSON objects (not an array),
//! one per package, read in one streaming pass into a [`GraphBuilder`].
//!
//! Accepts full and field-selected output of any Go from 1.16 on, and GOPATH-mode output (no
//! `Module`). The pseudo-import `"C"` becomes a [`EdgeKind::Cgo`] edge to `runtime/cgo`.

use std::borrow::Cow;
use std::sync::Arc;

use anyhow::{Result, bail};
use serde::Deserialize;

use super::go_stream::{Chunk, Extra, Failure};
use crate::model::{
    ArenaBuilder, BuildConfig, DeferredEdges, DepGraph, EdgeKind, Granularity, GraphBuilder,
    ModuleInfo, Names, Node, NodeRef, NumberedEdges, Str,
};
use crate::pattern;

/// The fields we ask `go list -json=` for. Never `Deps`: it is most of the bytes, and the
/// closure is computed from `Imports`. `fixtures/go/regen.sh` records with the same list.
pub const GO_LIST_FIELDS: &str = "ImportPath,Dir,Name,Standard,DepOnly,Match,Module,Imports,GoFiles,CgoFiles,IgnoredGoFiles,CFiles,CXXFiles,SysoFiles,CgoLDFLAGS,CgoPkgConfig,Error,DepsErrors,Incomplete";

/// How roots are chosen among the packages of a `go list` stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootMode {
    /// Matched `main` packages; all matched packages when none is `main`.
    Main,
    /// Every matched package (`DepOnly` false).
    All,
    /// Every package whose import path matches this pattern (`path`, `path/...`).
    Pattern(String),
}

impl RootMode {
    /// The name recorded in the config.
    pub fn describe(&self) -> String {
        match self {
            RootMode::Main => "main".to_owned(),
            RootMode::All => "all".to_owned(),
            RootMode::Pattern(pattern) => pattern.clone(),
        }
    }
}

/// A JSON string borrowed from the input when it has no escapes (nearly every string of a
/// `go list` stream), copied otherwise. serde's own `Cow<str>` borrows only as a direct field,
/// never inside a `Vec`, which is where most of the strings are.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'a>(pub Cow<'a, str>);

impl From<String> for Text<'static> {
    fn from(text: String) -> Self {
        Text(Cow::Owned(text))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        deserializer.deserialize_str(Visit).map(Text)
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Text<'_> {
    /// The string, owned.
    pub fn own(self) -> String {
        self.0.into_owned()
    }
}

fn own_all(texts: Vec<Text<'_>>) -> Vec<String> {
    texts.into_iter().map(Text::own).collect()
}

/// A package's `Module` as `go list -json` gives it (the fields we read).
#[derive(Clone, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct GoModule<'a> {
    #[serde(rename = "Path", borrow)]
    pub path: Text<'a>,
    #[serde(rename = "Version", borrow)]
    pub version: Option<Text<'a>>,
    #[serde(rename = "Main")]
    pub main: bool,
    #[serde(rename = "Replace", borrow)]
    pub replace: Option<Box<GoModule<'a>>>,
    #[serde(rename = "Dir", borrow)]
    pub dir: Option<Text<'a>>,
}

impl GoModule<'_> {
    /// The same module with every string owned.
    pub fn into_owned(self) -> GoModule<'static> {
        let own = |text: Text<'_>| Text::from(text.own());
        GoModule {
            path: own(self.path),
            version: self.version.map(own),
            main: self.main,
            replace: self.replace.map(|r| Box::new(r.into_owned())),
            dir: self.dir.map(own),
        }
    }
}

/// A package error (`Err` only).
#[derive(Clone, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct GoPackageError<'a> {
    #[serde(rename = "Err", borrow)]
    pub err: Text<'a>,
}

/// One package object of a `go list -json` stream: the fields of [`GO_LIST_FIELDS`]. The
/// native loader builds the same values (owned), so both loaders share what follows.
#[derive(Clone, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(default)]
pub struct GoPackage<'a> {
    #[serde(rename = "ImportPath", borrow)]
    pub import_path: Option<Text<'a>>,
    #[serde(rename = "Name", borrow)]
    pub name: Text<'a>,
    #[serde(rename = "Dir", borrow)]
    pub dir: Option<Text<'a>>,
    #[serde(rename = "Standard")]
    pub standard: bool,
    #[serde(rename = "DepOnly")]
    pub dep_only: bool,
    #[serde(rename = "Match", borrow)]
    pub matches: Vec<Text<'a>>,
    #[serde(rename = "Module", borrow)]
    pub module: Option<GoModule<'a>>,
    #[serde(rename = "Imports", borrow)]
    pub imports: Vec<Text<'a>>,
    #[serde(rename = "GoFiles", borrow)]
    pub go_files: Vec<Text<'a>>,
    #[serde(rename = "CgoFiles", borrow)]
    pub cgo_files: Vec<Text<'a>>,
    #[serde(rename = "IgnoredGoFiles", borrow)]
    pub ignored_go_files: Vec<Text<'a>>,
    #[serde(rename = "CFiles", borrow)]
    pub c_files: Vec<Text<'a>>,
    #[serde(rename = "CXXFiles", borrow)]
    pub cxx_files: Vec<Text<'a>>,
    #[serde(rename = "SysoFiles", borrow)]
    pub syso_files: Vec<Text<'a>>,
    #[serde(rename = "CgoLDFLAGS", borrow)]
    pub cgo_ldflags: Vec<Text<'a>>,
    #[serde(rename = "CgoPkgConfig", borrow)]
    pub cgo_pkg_config: Vec<Text<'a>>,
    #[serde(rename = "Error", borrow)]
    pub error: Option<GoPackageError<'a>>,
    #[serde(rename = "DepsErrors", borrow)]
    pub deps_errors: Vec<GoPackageError<'a>>,
}

/// The library names of `-lfoo` / `-l foo` flags.
pub fn ld_libs<S: AsRef<str>>(flags: &[S]) -> Vec<String> {
    let mut libs = Vec::new();
    let mut tokens = flags.iter().map(AsRef::as_ref);
    while let Some(token) = tokens.next() {
        if token == "-l" {
            if let Some(lib) = tokens.next() {
                libs.push(lib.to_owned());
            }
        } else if let Some(lib) = token.strip_prefix("-l") {
            libs.push(lib.to_owned());
        }
    }
    libs
}

pub(super) fn module_info(module: GoModule<'_>) -> ModuleInfo {
    let replace = module.replace.map(|replacement| match replacement.version {
        Some(version) => format!("{}@{}", &*replacement.path, &*version),
        None => replacement.path.own(),
    });
    ModuleInfo {
        path: module.path.own(),
        version: module.version.map(Text::own),
        main: module.main,
        replace,
        dir: module.dir.filter(|d| !d.is_empty()).map(Text::own),
    }
}

/// Result of parsing a stream: the graph and notes for stderr (not problems: the graph is
/// complete, but the user should know, e.g. that matched library packages are not roots).
pub struct Parsed {
    /// The graph.
    pub graph: DepGraph,
    /// Notes to print once on stderr.
    pub notes: Vec<String>,
}

/// Parses a `go list -json` stream from `reader` as it arrives (a live `go list`, a file, a
/// pipe). `source` names the input in errors.
///
/// The input is read in blocks cut between packages and the blocks are parsed on every core
/// (see `go_stream`); the packages are added to the graph in input order, each block's
/// distinct imports resolved once. Only a few blocks are in memory at a time, so a recording
/// costs no more memory than the graph it gives.
pub fn parse(
    reader: impl std::io::Read,
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    into_graph(source, roots, config, |hasher, add| {
        super::go_stream::parse(reader, source, hasher, add)
    })
}

/// The graph of the packages `read` hands over chunk by chunk (hashed by `hasher`), in input
/// order: what a stream, read by one thread or by the workers, ends in.
fn into_graph(
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
    read: impl FnOnce(
        &crate::model::IdHasher,
        &mut (dyn FnMut(Chunk) -> Result<()> + Send),
    ) -> Result<()>,
) -> Result<Parsed> {
    let mut state = Stream::default();
    let hasher = state.builder.id_hasher();
    read(&hasher, &mut |chunk| state.add_chunk(chunk, source))?;
    state.finish(source, roots, config)
}

/// [`parse`] for a stream in a regular file, from byte `start` (after what format
/// detection skipped) to its end: each worker reads its own blocks (see `go_stream`).
#[cfg(unix)]
pub fn parse_file(
    file: &std::fs::File,
    start: u64,
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    let blocks = (super::go_stream::BLOCK, super::go_stream::worker_count());
    parse_file_in_blocks(file, start, blocks, source, roots, config)
}

/// [`parse_file`] with `blocks`: their size in bytes, and the workers that read them.
#[cfg(unix)]
fn parse_file_in_blocks(
    file: &std::fs::File,
    start: u64,
    (block, workers): (usize, usize),
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    into_graph(source, roots, config, |hasher, add| {
        super::go_stream::parse_file(file, start, (block, workers), source, hasher, add)
    })
}

/// Builds the graph from packages already in hand (the native loader's), through the same
/// conversion and checks as a stream.
pub fn parse_packages(
    packages: Vec<GoPackage<'static>>,
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    // Sized once: the packages are all here, and each is added as it is converted.
    let n_imports: usize = packages.iter().map(|p| p.imports.len()).sum();
    let mut state = Stream::with_capacity(packages.len(), n_imports);
    let mut imports = Imports::default();
    for package in packages {
        imports.clear();
        match entry(package, &mut imports) {
            Some(entry) => state.add(entry, &imports, source)?,
            None => bail!("{source}: a package without an import path"),
        }
    }
    state.finish(source, roots, config)
}

/// One package converted to its node, the same way a `go list` stream's are, for a loader that
/// shares nodes between the configurations it loads ([`parse_shared`]).
#[derive(Debug)]
pub struct SharedPackage {
    /// The node (without load errors: a loader that shares nodes reports none).
    pub node: NodeRef,
    /// `Imports`, in order.
    pub imports: Vec<String>,
    /// The loader's number of the package and of each import's package, in order (`"C"`:
    /// `runtime/cgo`, an edge of kind cgo), when it numbers them: the graph is then built by
    /// number ([`GraphBuilder::add_numbered`]), no id hashed per import.
    pub numbered: Numbered,
}

/// See [`SharedPackage::numbered`].
pub type Numbered = Option<(u32, NumberedEdges)>;

impl SharedPackage {
    /// The node and imports of `package`, converted as [`parse`] converts a stream's;
    /// `None` without an import path.
    pub fn convert(package: GoPackage<'_>) -> Option<(Node, Vec<String>)> {
        let mut imports = Imports::default();
        let entry = entry(package, &mut imports)?;
        let imports = (0..imports.len())
            .map(|i| imports.get(i).to_owned())
            .collect();
        Some((entry.node, imports))
    }
}

/// A converted package and the patterns that matched it (none: a dependency only).
pub type MatchedPackage = (Arc<SharedPackage>, Vec<String>);

/// [`parse_packages`] for packages already converted and perhaps shared with other graphs,
/// each with the patterns that matched it, in `go list -deps` order.
pub fn parse_shared(
    packages: &[MatchedPackage],
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    // Edges by id only for packages without numbers (those by number stay in the packages).
    let n_imports: usize = packages
        .iter()
        .filter(|(p, _)| p.numbered.is_none())
        .map(|(p, _)| p.imports.len())
        .sum();
    let mut state = Stream::with_capacity(packages.len(), n_imports);
    for (package, matches) in packages {
        let node = &package.node;
        let empty = node.name.is_empty()
            && node.go_files.is_empty()
            && node.cgo_files.is_empty()
            && node.ignored_go_files.is_empty();
        let imports = package.imports.iter().map(String::as_str);
        let numbered = package.numbered.as_ref();
        state.add_shared(
            node.clone(),
            imports,
            numbered,
            matches.clone(),
            &[],
            empty,
            source,
        )?;
    }
    state.finish(source, roots, config)
}

/// Every package object of a whole `go list -json` stream, strings borrowed (for comparing
/// two loaders).
pub fn read_packages(bytes: &[u8]) -> Result<Vec<GoPackage<'_>>> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<GoPackage>()
        .map(|package| package.map_err(Into::into))
        .collect()
}

/// One package, parsed and converted on the parser thread: the node and what the inserter
/// needs besides it.
struct Entry {
    node: Node,
    /// The package's imports: numbers `start..end` of its batch's [`Imports`].
    imports: (usize, usize),
    matches: Vec<String>,
    deps_errors: Vec<String>,
    /// No name and no Go files: with an error, `go list -e`'s stand-in for a pattern that
    /// names nothing.
    empty: bool,
}

/// Every import of a batch's packages, in order, in one string (one allocation per batch, not
/// per import).
#[derive(Default)]
struct Imports {
    text: String,
    ends: Vec<usize>,
}

impl Imports {
    fn push(&mut self, import: &str) {
        self.text.push_str(import);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// The node of one package and its imports (pushed onto `imports`); `None` without an
/// `ImportPath`. Its strings go to an arena of its own.
fn entry(package: GoPackage<'_>, imports: &mut Imports) -> Option<Entry> {
    let import_path = package
        .import_path
        .as_deref()
        .filter(|path| !path.is_empty())?;
    let start = imports.len();
    for import in &package.imports {
        imports.push(import);
    }
    let empty = package.name.is_empty()
        && package.go_files.is_empty()
        && package.cgo_files.is_empty()
        && package.ignored_go_files.is_empty();
    let mut arena = ArenaBuilder::default();
    let mut spans = || -> Result<_, crate::model::ArenaFull> {
        Ok((
            arena.push(import_path)?,
            arena.push(&package.name)?,
            package
                .dir
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| arena.push(d))
                .transpose()?,
            arena.push_list(package.go_files.iter().map(|t| &**t))?,
            arena.push_list(package.cgo_files.iter().map(|t| &**t))?,
            arena.push_list(package.ignored_go_files.iter().map(|t| &**t))?,
            arena.push_list(
                (package.c_files.iter())
                    .chain(&package.cxx_files)
                    .map(|t| &**t),
            )?,
            arena.push_list(package.syso_files.iter().map(|t| &**t))?,
        ))
    };
    let (id, name, dir, go_files, cgo_files, ignored_go_files, c_files, syso_files) =
        spans().ok()?;
    let arena = arena.finish_text();
    let node = Node {
        id: Str::new(&arena, id),
        name: Str::new(&arena, name),
        module: package.module.map(|m| Arc::new(module_info(m))),
        standard: package.standard,
        dep_only: package.dep_only,
        ld_libs: ld_libs(&package.cgo_ldflags),
        ldflags_static: package
            .cgo_ldflags
            .iter()
            .any(|flag| &**flag == "-static" || &**flag == "-Wl,-Bstatic"),
        // `#cgo pkg-config: --static foo` lists flags beside the names, and a name may be
        // a path to a `.pc` file.
        pkg_config: package
            .cgo_pkg_config
            .into_iter()
            .filter(|name| !name.starts_with('-'))
            .map(|name| match name.strip_suffix(".pc") {
                Some(path) => path.rsplit('/').next().unwrap_or(path).to_owned(),
                None => name.own(),
            })
            .collect(),
        cgo_files: Names::new(&arena, cgo_files),
        ignored_go_files: Names::new(&arena, ignored_go_files),
        go_files: Names::new(&arena, go_files),
        c_files: Names::new(&arena, c_files),
        syso_files: Names::new(&arena, syso_files),
        error: package.error.map(|error| one_line(&error.err)),
        dir: dir.map(|dir| Str::new(&arena, dir)),
        ..Node::default()
    };
    Some(Entry {
        node,
        imports: (start, imports.len()),
        matches: own_all(package.matches),
        deps_errors: package
            .deps_errors
            .iter()
            .map(|error| one_line(&error.err))
            .collect(),
        empty,
    })
}

/// The inserter's state: the graph so far and what the roots and checks at the end need.
#[derive(Default)]
struct Stream {
    builder: GraphBuilder,
    matched: Vec<(String, bool)>,
    n_packages: usize,
    seen_patterns: std::collections::BTreeSet<String>,
}

impl Stream {
    /// An empty stream whose graph has room for `packages` nodes and `imports` edges.
    fn with_capacity(packages: usize, imports: usize) -> Self {
        Stream {
            builder: GraphBuilder::with_capacity(packages, imports),
            ..Stream::default()
        }
    }

    /// Adds a block's packages, in order, and its edges by import path, each distinct import
    /// of the block looked up once when the graph is finished; then the block's failure, if
    /// it had one.
    fn add_chunk(&mut self, chunk: Chunk, source: &str) -> Result<()> {
        let Chunk {
            nodes,
            extras,
            import_names,
            imports,
            failure,
            id_hashes,
            import_hashes,
            import_local,
            facts,
        } = chunk;
        self.builder.reserve(nodes.len(), 0);
        let mut sources = Vec::with_capacity(nodes.len());
        let packages = nodes.into_iter().zip(extras).zip(id_hashes).zip(facts);
        for (((node, extra), hash), facts) in packages {
            let Extra {
                imports: (start, end),
                matches,
                deps_errors,
                empty,
            } = extra;
            self.record(&node, matches, &deps_errors, empty, source)?;
            let from = match self.builder.add_node_slot_hashed(node, hash, facts) {
                Ok(slot) => slot,
                Err(twice) => bail!("{source}: package {} appears twice in the stream", twice.id),
            };
            sources.push((from, start, end));
        }
        // The block's imports are looked up once every package is in (see
        // `GraphBuilder::resolve_deferred`); `"C"` stands for `runtime/cgo`, by a cgo edge.
        let alias = (import_names.iter().position(|name| name == "C"))
            .map(|number| (number as u32, "runtime/cgo", EdgeKind::Cgo));
        self.builder.add_deferred(DeferredEdges {
            names: import_names,
            hashes: import_hashes,
            alias,
            targets: imports,
            sources,
            local: import_local,
        });
        let n_packages = self.n_packages;
        match failure {
            None => Ok(()),
            Some(Failure::Json(what, message)) => {
                bail!("{source}: {what} after {n_packages} package(s): {message}")
            }
            Some(Failure::NoImportPath) => bail!(
                "{source}: object {} has no ImportPath: this is not `go list -json` package output",
                n_packages + 1
            ),
        }
    }

    /// Adds a package converted by [`entry`] (the native loader's, by id).
    fn add(&mut self, entry: Entry, imports: &Imports, source: &str) -> Result<()> {
        let Entry {
            node,
            imports: (start, end),
            matches,
            deps_errors,
            empty,
        } = entry;
        let imports = (start..end).map(|i| imports.get(i));
        self.add_shared(
            NodeRef::new(node),
            imports,
            None,
            matches,
            &deps_errors,
            empty,
            source,
        )
    }

    /// What every package added records: its load problems and, when it was matched, a root
    /// candidate and its patterns. A pattern that names nothing stops the load.
    fn record(
        &mut self,
        node: &Node,
        matches: Vec<String>,
        deps_errors: &[String],
        empty: bool,
        source: &str,
    ) -> Result<()> {
        self.n_packages += 1;
        let import_path = node.id.as_str();
        if let Some(error) = &node.error {
            self.builder
                .add_problem(format!("package {import_path}: {error}"));
        }
        for error in deps_errors {
            self.builder
                .add_problem(format!("dependency of {import_path}: {error}"));
        }
        if !node.dep_only {
            // `go list -e` reports a pattern that names nothing as a pseudo-package with an
            // error and no files; `go build` would stop there, and so do we.
            if empty
                && let Some(error) = &node.error
                && (matches.iter().any(|m| m == import_path)
                    || import_path.starts_with('.')
                    || import_path.starts_with('/'))
            {
                bail!("{source}: pattern {import_path} matches no package: {error}");
            }
            self.matched
                .push((import_path.to_owned(), node.name == "main"));
        }
        self.seen_patterns.extend(matches);
        Ok(())
    }

    /// Adds a package and its imports (by number, when the loader numbers its packages and
    /// every import is in the graph already, as in `-deps` order; by id otherwise).
    #[allow(clippy::too_many_arguments)]
    fn add_shared<'i>(
        &mut self,
        node: NodeRef,
        imports: impl Iterator<Item = &'i str>,
        numbered: Option<&(u32, NumberedEdges)>,
        matches: Vec<String>,
        deps_errors: &[String],
        empty: bool,
        source: &str,
    ) -> Result<()> {
        self.record(&node, matches, deps_errors, empty, source)?;
        let import_path = node.id.as_str();
        let builder = &mut self.builder;
        let duplicate = || format!("{source}: package {import_path} appears twice in the stream");
        // A numbered package goes in first, then its edges by number; by id, its edges first
        // (the node replaces the placeholder they made).
        let by_number = match numbered {
            Some((number, edges)) => {
                if !builder.add_numbered(*number, node.clone()) {
                    bail!(duplicate());
                }
                builder.add_numbered_edges(*number, edges)
            }
            None => false,
        };
        if !by_number {
            builder.add_edges_from(
                import_path,
                imports.map(|import| match import {
                    "C" => ("runtime/cgo", EdgeKind::Cgo),
                    _ => (import, EdgeKind::Import),
                }),
            );
        }
        if numbered.is_none() && !builder.add_shared(node.clone()) {
            bail!(duplicate());
        }
        Ok(())
    }

    fn finish(self, source: &str, roots: &RootMode, config: BuildConfig) -> Result<Parsed> {
        let Stream {
            mut builder,
            matched,
            n_packages,
            seen_patterns,
        } = self;
        if n_packages == 0 {
            if config.source == "go list" && !config.patterns.is_empty() {
                bail!(
                    "{source}: {} matched no packages",
                    config.patterns.join(" ")
                );
            }
            bail!("{source}: empty input: no packages in the go list stream");
        }
        // Live loads know their patterns: each must have matched something (go list only warns).
        if config.source == "go list" && !seen_patterns.is_empty() {
            for pattern in &config.patterns {
                if !seen_patterns.contains(pattern) {
                    bail!("{source}: pattern {pattern} matched no packages");
                }
            }
        }
        builder.resolve_deferred();
        let (root_ids, notes) = choose_roots(&builder, &matched, roots);
        // Sanitizer runtimes are linked in by -race/-msan/-asan without any import: attribute them
        // to every root, so that chains (and the runtime/cgo they import) stay visible.
        for runtime in ["runtime/race", "runtime/msan", "runtime/asan"] {
            if builder.contains(runtime) && !builder.is_imported(runtime) {
                for root in &root_ids {
                    builder.add_edge(root, runtime, EdgeKind::Linker);
                }
            }
        }
        if root_ids.is_empty() {
            bail!("{source}: no package matches --roots {}", roots.describe());
        }
        let mut config = config;
        config.roots = roots.describe();
        // The main module's directory, for locations relative to the project.
        config.root_dir = root_ids.iter().find_map(|id| {
            builder
                .node(id)
                .and_then(|n| n.module.as_ref())
                .filter(|m| m.main)
                .and_then(|m| m.dir.clone())
        });
        Ok(Parsed {
            graph: builder.finish(&root_ids, Granularity::Package, config),
            notes,
        })
    }
}

fn choose_roots(
    builder: &GraphBuilder,
    matched: &[(String, bool)],
    mode: &RootMode,
) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let roots: Vec<String> = match mode {
        RootMode::Main => {
            let mains: Vec<String> = matched
                .iter()
                .filter(|(_, is_main)| *is_main)
                .map(|(id, _)| id.clone())
                .collect();
            let n_libraries = matched.len() - mains.len();
            if mains.is_empty() {
                matched.iter().map(|(id, _)| id.clone()).collect()
            } else {
                if n_libraries > 0 {
                    notes.push(format!(
                        "note: {n_libraries} matched library package(s) are not roots, only the {} main package(s) are; pass --roots all to include them",
                        mains.len()
                    ));
                }
                mains
            }
        }
        RootMode::All => matched.iter().map(|(id, _)| id.clone()).collect(),
        RootMode::Pattern(pattern) => builder
            .ids()
            .filter(|id| pattern::matches(pattern, id))
            .map(str::to_owned)
            .collect(),
    };
    (roots, notes)
}

pub(super) fn one_line(text: &str) -> String {
    text.split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::go_stream::BLOCK;

    /// A reader that hands out at most a few bytes per call, as a pipe may.
    pub(crate) struct Trickle<'a> {
        pub(crate) bytes: &'a [u8],
        pub(crate) step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.step = self.step * 7 % 13 + 1;
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Objects whose strings hold braces, quotes and backslashes, some compact, some indented,
    /// more than a few blocks' worth.
    pub(crate) fn tricky_stream() -> (Vec<u8>, usize) {
        let mut out = String::new();
        let mut n = 0;
        while out.len() < 3 * BLOCK {
            let value = serde_json::json!({
                "ImportPath": format!("example.com/p{n}"),
                "Name": "p",
                "GoFiles": [format!("a{{{n}}}.go"), "b\\\"}.go", "}{\"{"],
                "Imports": ["fmt", "os"],
            });
            if n % 3 == 0 {
                out.push_str(&serde_json::to_string_pretty(&value).unwrap());
                out.push('\n');
            } else {
                out.push_str(&serde_json::to_string(&value).unwrap());
            }
            n += 1;
        }
        (out.into_bytes(), n)
    }

    #[test]
    fn objects_across_blocks_whatever_the_reads() {
        let (stream, n) = tricky_stream();
        // Every package, with its files' braces and escapes, through the whole loader.
        let parsed = parse(
            Trickle {
                bytes: &stream,
                step: 1,
            },
            "t",
            &RootMode::All,
            BuildConfig::default(),
        )
        .unwrap();
        let graph = &parsed.graph;
        assert_eq!(graph.nodes().iter().filter(|n| !n.missing).count(), n);
        for i in [0, 7, n / 2, n - 1] {
            let node = graph.node(graph.find(&format!("example.com/p{i}")).unwrap());
            assert_eq!(
                node.go_files,
                [format!("a{{{i}}}.go").as_str(), "b\\\"}.go", "}{\"{"]
            );
            let imports: Vec<&str> = graph
                .successors(graph.find(&node.id).unwrap())
                .map(|d| graph.node(d).id.as_str())
                .collect();
            assert_eq!(imports, ["fmt", "os"]);
        }
    }

    #[test]
    fn an_object_longer_than_many_blocks_loads() {
        let files: Vec<String> = (0..200_000).map(|i| format!("file_{i:06}.go")).collect();
        let value =
            serde_json::json!({"ImportPath": "example.com/big", "Name": "main", "GoFiles": files});
        let mut stream = serde_json::to_vec_pretty(&value).unwrap();
        assert!(stream.len() > 3 * BLOCK);
        stream
            .extend_from_slice(b"\n{\"ImportPath\": \"example.com/small\", \"Name\": \"main\"}\n");
        let parsed = parse(&stream[..], "t", &RootMode::All, BuildConfig::default()).unwrap();
        let big = parsed
            .graph
            .node(parsed.graph.find("example.com/big").unwrap());
        assert_eq!(big.go_files.len(), 200_000);
        assert!(parsed.graph.find("example.com/small").is_some());
    }

    #[test]
    fn errors_give_the_position_in_the_whole_input() {
        let (clean, _) = tricky_stream();
        // A bad object past the second block, after an indented one (mid-line otherwise).
        let mut stream = clean.clone();
        let at = 2 * BLOCK
            + stream[2 * BLOCK..]
                .windows(2)
                .position(|w| w == b"}\n")
                .unwrap()
            + 2;
        stream.splice(at..at, b"{\"ImportPath\": #}".iter().copied());
        let whole = serde_json::Deserializer::from_slice(&stream)
            .into_iter::<serde_json::Value>()
            .find_map(Result::err)
            .unwrap();
        let err = parse(&stream[..], "t", &RootMode::All, BuildConfig::default())
            .err()
            .unwrap()
            .to_string();
        let position = format!("at line {} column {}", whole.line(), whole.column());
        assert!(err.ends_with(&position), "{err} / {position}");
        // A stream cut short is reported as truncated.
        let err = parse(
            &clean[..clean.len() - 5],
            "t",
            &RootMode::All,
            BuildConfig::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("truncated go list stream"), "{err}");
    }

    /// The stream in a temporary file.
    #[cfg(unix)]
    fn in_file(stream: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, stream).unwrap();
        file
    }

    /// A graph's nodes, edges (with their kinds), roots and problems, and the load's notes.
    #[cfg(unix)]
    type Everything = (
        Vec<NodeRef>,
        Vec<Vec<(String, EdgeKind)>>,
        Vec<petgraph::graph::NodeIndex>,
        Vec<String>,
        Vec<String>,
    );

    #[cfg(unix)]
    fn everything(parsed: &Parsed) -> Everything {
        use petgraph::graph::NodeIndex;
        let graph = &parsed.graph;
        let edges: Vec<Vec<(String, EdgeKind)>> = (0..graph.nodes().len())
            .map(|i| {
                let edges = graph.edges_from(NodeIndex::new(i));
                edges
                    .map(|(to, kind)| (graph.node(to).id.to_string(), kind))
                    .collect()
            })
            .collect();
        (
            graph.nodes().to_vec(),
            edges,
            graph.roots().to_vec(),
            graph.problems.clone(),
            parsed.notes.clone(),
        )
    }

    /// A file read by offset, each worker finding its own blocks, gives the graph and the
    /// errors a reader gives, whatever the block size and the number of workers.
    #[cfg(unix)]
    #[test]
    fn a_file_read_by_offset_loads_what_a_reader_loads() {
        let (tricky, _) = tricky_stream();
        let files: Vec<String> = (0..3000).map(|i| format!("file_{i:05}.go")).collect();
        let long = serde_json::json!({"ImportPath": "example.com/long", "GoFiles": files,
            "Imports": ["example.com/p1", "fmt"]});
        let mut with_long = serde_json::to_vec_pretty(&long).unwrap();
        for i in 0..300 {
            let short = serde_json::json!({"ImportPath": format!("example.com/p{i}"),
                "Imports": ["fmt", format!("example.com/p{}", i / 2)]});
            with_long.extend_from_slice(b"\n");
            with_long.extend(serde_json::to_vec_pretty(&short).unwrap());
        }
        // A bad object past the third block; a stream cut short.
        let mut bad = tricky.clone();
        let at = 3 * BLOCK / 2
            + bad[3 * BLOCK / 2..]
                .windows(2)
                .position(|w| w == b"}\n")
                .unwrap()
            + 2;
        bad.splice(at..at, b"{\"ImportPath\": #}".iter().copied());
        let truncated = &tricky[..tricky.len() - 5];
        let load = |stream: &[u8], blocks: Option<(usize, usize)>| {
            let config = BuildConfig::default();
            match blocks {
                None => parse(stream, "t", &RootMode::All, config),
                Some(blocks) => {
                    parse_file_in_blocks(&in_file(stream), 0, blocks, "t", &RootMode::All, config)
                }
            }
        };
        for stream in [&tricky[..], &with_long[..]] {
            let expected = everything(&load(stream, None).unwrap());
            for blocks in [(997, 2), (4096, 3), (BLOCK, 2), (1 << 30, 2)] {
                let parsed = load(stream, Some(blocks)).unwrap();
                assert!(everything(&parsed) == expected, "blocks {blocks:?}");
            }
        }
        for stream in [&bad[..], truncated] {
            let expected = load(stream, None).err().unwrap().to_string();
            for blocks in [(997, 2), (4096, 3), (BLOCK, 2)] {
                let err = load(stream, Some(blocks)).err().unwrap().to_string();
                assert_eq!(err, expected, "blocks {blocks:?}");
            }
        }
        // From past a byte-order mark and blanks, as format detection leaves it.
        let mut marked = b"\xEF\xBB\xBF \n".to_vec();
        marked.extend_from_slice(&tricky);
        let file = in_file(&marked);
        let parsed = parse_file_in_blocks(
            &file,
            5,
            (4096, 2),
            "t",
            &RootMode::All,
            BuildConfig::default(),
        );
        assert!(everything(&parsed.unwrap()) == everything(&load(&tricky, None).unwrap()));
    }

    #[test]
    fn ld_libs_reads_both_spellings() {
        let flags: Vec<String> = ["-L/x", "-lsqlite3", "-l", "dl", "-pthread"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(ld_libs(&flags), vec!["sqlite3", "dl"]);
    }
}
