//! Parser for `go list -e -deps -json[=fields]` output: a stream of JSON objects (not an array),
//! one per package, read in one streaming pass into a [`GraphBuilder`].
//!
//! Accepts full and field-selected output of any Go from 1.16 on, and GOPATH-mode output (no
//! `Module`). The pseudo-import `"C"` becomes a [`EdgeKind::Cgo`] edge to `runtime/cgo`.

use std::io::BufRead;

use anyhow::{Result, bail};
use serde::Deserialize;

use crate::model::{BuildConfig, DepGraph, EdgeKind, Granularity, GraphBuilder, ModuleInfo, Node};
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct GoModule {
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "Version")]
    version: Option<String>,
    #[serde(rename = "Main")]
    main: bool,
    #[serde(rename = "Replace")]
    replace: Option<Box<GoModule>>,
    #[serde(rename = "Dir")]
    dir: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GoPackageError {
    #[serde(rename = "Err")]
    err: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GoPackage {
    #[serde(rename = "ImportPath")]
    import_path: Option<String>,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Dir")]
    dir: Option<String>,
    #[serde(rename = "Standard")]
    standard: bool,
    #[serde(rename = "DepOnly")]
    dep_only: bool,
    #[serde(rename = "Match")]
    matches: Vec<String>,
    #[serde(rename = "Module")]
    module: Option<GoModule>,
    #[serde(rename = "Imports")]
    imports: Vec<String>,
    #[serde(rename = "GoFiles")]
    go_files: Vec<String>,
    #[serde(rename = "CgoFiles")]
    cgo_files: Vec<String>,
    #[serde(rename = "IgnoredGoFiles")]
    ignored_go_files: Vec<String>,
    #[serde(rename = "CFiles")]
    c_files: Vec<String>,
    #[serde(rename = "CXXFiles")]
    cxx_files: Vec<String>,
    #[serde(rename = "SysoFiles")]
    syso_files: Vec<String>,
    #[serde(rename = "CgoLDFLAGS")]
    cgo_ldflags: Vec<String>,
    #[serde(rename = "CgoPkgConfig")]
    cgo_pkg_config: Vec<String>,
    #[serde(rename = "Error")]
    error: Option<GoPackageError>,
    #[serde(rename = "DepsErrors")]
    deps_errors: Vec<GoPackageError>,
}

/// The library names of `-lfoo` / `-l foo` flags.
pub fn ld_libs(flags: &[String]) -> Vec<String> {
    let mut libs = Vec::new();
    let mut tokens = flags.iter();
    while let Some(token) = tokens.next() {
        if token == "-l" {
            if let Some(lib) = tokens.next() {
                libs.push(lib.clone());
            }
        } else if let Some(lib) = token.strip_prefix("-l") {
            libs.push(lib.to_owned());
        }
    }
    libs
}

fn module_info(module: GoModule) -> ModuleInfo {
    let replace = module.replace.map(|replacement| match replacement.version {
        Some(version) => format!("{}@{}", replacement.path, version),
        None => replacement.path,
    });
    ModuleInfo {
        path: module.path,
        version: module.version,
        main: module.main,
        replace,
        dir: module.dir.filter(|d| !d.is_empty()),
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

/// Parses a `go list -json` stream from `reader` as it arrives (a live `go list`). `source`
/// names the input in errors.
pub fn parse(
    reader: impl BufRead,
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    let stream = serde_json::Deserializer::from_reader(reader).into_iter::<GoPackage>();
    parse_packages(stream, source, roots, config)
}

/// Parses a whole `go list -json` stream held in memory (a recording): serde_json reads a
/// slice without the per-byte reader calls of [`parse`].
pub fn parse_slice(
    bytes: &[u8],
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<GoPackage>();
    parse_packages(stream, source, roots, config)
}

fn parse_packages(
    stream: impl Iterator<Item = serde_json::Result<GoPackage>>,
    source: &str,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    let mut builder = GraphBuilder::new();
    let mut matched: Vec<(String, bool)> = Vec::new();
    let mut n_packages = 0usize;
    let mut seen_patterns: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for item in stream {
        let package = match item {
            Ok(package) => package,
            Err(err) => {
                let what = match err.classify() {
                    serde_json::error::Category::Eof => "truncated go list stream",
                    serde_json::error::Category::Io => "cannot read go list stream",
                    _ => "not a go list -json stream",
                };
                bail!(
                    "{source}: {what} after {n_packages} package(s): {}",
                    err.to_string().replace('\n', " ")
                );
            }
        };
        n_packages += 1;
        let Some(import_path) = package.import_path.filter(|path| !path.is_empty()) else {
            bail!(
                "{source}: object {n_packages} has no ImportPath: this is not `go list -json` package output"
            );
        };
        if let Some(error) = &package.error {
            builder.add_problem(format!("package {import_path}: {}", one_line(&error.err)));
        }
        for error in &package.deps_errors {
            builder.add_problem(format!(
                "dependency of {import_path}: {}",
                one_line(&error.err)
            ));
        }
        for import in &package.imports {
            if import == "C" {
                builder.add_edge(&import_path, "runtime/cgo", EdgeKind::Cgo);
            } else {
                builder.add_edge(&import_path, import, EdgeKind::Import);
            }
        }
        if !package.dep_only {
            // `go list -e` reports a pattern that names nothing as a pseudo-package with an
            // error and no files; `go build` would stop there, and so do we.
            if package.name.is_empty()
                && package.go_files.is_empty()
                && package.cgo_files.is_empty()
                && package.ignored_go_files.is_empty()
                && let Some(error) = &package.error
                && (package.matches.iter().any(|m| m == &import_path)
                    || import_path.starts_with('.')
                    || import_path.starts_with('/'))
            {
                bail!(
                    "{source}: pattern {import_path} matches no package: {}",
                    one_line(&error.err)
                );
            }
            matched.push((import_path.clone(), package.name == "main"));
        }
        for pattern in &package.matches {
            seen_patterns.insert(pattern.clone());
        }
        let mut c_files = package.c_files;
        c_files.extend(package.cxx_files);
        let node = Node {
            id: import_path.clone(),
            name: package.name,
            module: package.module.map(module_info),
            standard: package.standard,
            dep_only: package.dep_only,
            ld_libs: ld_libs(&package.cgo_ldflags),
            ldflags_static: package
                .cgo_ldflags
                .iter()
                .any(|flag| flag == "-static" || flag == "-Wl,-Bstatic"),
            // `#cgo pkg-config: --static foo` lists flags beside the names, and a name may be
            // a path to a `.pc` file.
            pkg_config: package
                .cgo_pkg_config
                .into_iter()
                .filter(|name| !name.starts_with('-'))
                .map(|name| match name.strip_suffix(".pc") {
                    Some(path) => path.rsplit('/').next().unwrap_or(path).to_owned(),
                    None => name,
                })
                .collect(),
            cgo_files: package.cgo_files,
            ignored_go_files: package.ignored_go_files,
            go_files: package.go_files,
            c_files,
            syso_files: package.syso_files,
            error: package.error.map(|error| one_line(&error.err)),
            dir: package.dir.filter(|dir| !dir.is_empty()),
            ..Node::default()
        };
        if !builder.add_node(node) {
            bail!("{source}: package {import_path} appears twice in the stream");
        }
    }
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

fn one_line(text: &str) -> String {
    text.split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_libs_reads_both_spellings() {
        let flags: Vec<String> = ["-L/x", "-lsqlite3", "-l", "dl", "-pthread"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(ld_libs(&flags), vec!["sqlite3", "dl"]);
    }
}
