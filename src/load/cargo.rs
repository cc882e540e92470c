//! Parser for `cargo metadata --format-version 1` (via `cargo_metadata`'s types): the crates
//! that end up in the target's binaries, with their enabled features, feature tables and
//! dependency names. Build-dependencies and proc-macros run on the host: they are left out
//! unless asked for (`--host-deps`), and then kept apart (edge kind `Build`, `host` nodes).
//! Each root also gets a `Linker` edge to a synthetic `std` node standing for the target's
//! standard library, which is how the glibc target itself becomes a linkage source.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::BufRead;

use anyhow::{Context, Result, bail};
use cargo_metadata::{DependencyKind, Metadata, Package, PackageId, TargetKind};

use crate::model::{
    BuildConfig, CrateFacts, EdgeKind, Granularity, GraphBuilder, ModuleInfo, Node,
};

use super::go_list::Parsed;

/// The id of the synthetic node for the target's standard library.
pub const STD: &str = "std";

/// Options of a Cargo load.
#[derive(Clone, Debug, Default)]
pub struct CargoOptions {
    /// `-p NAME`: this workspace member's targets are the roots.
    pub package: Option<String>,
    /// Keep build-dependencies and proc-macros.
    pub host_deps: bool,
}

/// `cfg` values of a target triple, enough to evaluate `[target.'cfg(...)'.dependencies]` in
/// recordings made without `--filter-platform`.
pub fn target_cfgs(triple: &str) -> Vec<cargo_metadata::cargo_platform::Cfg> {
    use cargo_metadata::cargo_platform::Cfg;
    let parts: Vec<&str> = triple.split('-').collect();
    let arch = parts.first().copied().unwrap_or("");
    let os = if triple.contains("linux") {
        "linux"
    } else if triple.contains("windows") {
        "windows"
    } else if triple.contains("darwin") {
        "macos"
    } else if triple.contains("freebsd") {
        "freebsd"
    } else {
        parts.get(2).copied().unwrap_or("")
    };
    let env = if triple.ends_with("gnu") || triple.contains("-gnu") {
        "gnu"
    } else if triple.contains("musl") {
        "musl"
    } else if triple.contains("msvc") {
        "msvc"
    } else {
        ""
    };
    let family = if os == "windows" { "windows" } else { "unix" };
    let width = if arch.contains("64") || arch == "s390x" {
        "64"
    } else {
        "32"
    };
    let name = |n: &str| cargo_metadata::cargo_platform::Ident {
        name: n.to_owned(),
        raw: false,
    };
    let kv = |k: &str, v: &str| Cfg::KeyPair(name(k), v.to_owned());
    vec![
        Cfg::Name(name(family)),
        kv("target_family", family),
        kv("target_os", os),
        kv("target_arch", arch),
        kv("target_env", env),
        kv("target_pointer_width", width),
        kv("target_vendor", parts.get(1).copied().unwrap_or("unknown")),
        kv("target_endian", "little"),
    ]
}

fn node_id(package: &Package, duplicates: &BTreeSet<(String, String)>) -> String {
    let key = (package.name.to_string(), package.version.to_string());
    if duplicates.contains(&key) {
        let source = package
            .source
            .as_ref()
            .map(|s| s.repr.clone())
            .unwrap_or_else(|| "path".to_owned());
        format!("{}@{} ({source})", package.name, package.version)
    } else {
        format!("{}@{}", package.name, package.version)
    }
}

/// Whether `package` really builds its dependency `dep_id`. The resolve graph also lists
/// optional dependencies that only a weak feature (`dep?/feat`) names, which Cargo's resolver
/// keeps although nothing builds them (rust-lang/cargo#10801); `cargo tree` and the build
/// leave them out, and so do we. An optional dependency is built when the crate's enabled
/// features include its implicit feature, or an enabled feature names `dep:key` or `key/feat`.
fn activated(
    package: &Package,
    node: &cargo_metadata::Node,
    dep_id: &PackageId,
    packages: &BTreeMap<&PackageId, &Package>,
) -> bool {
    let Some(dep_package) = packages.get(dep_id) else {
        return true;
    };
    let declarations: Vec<&cargo_metadata::Dependency> = package
        .dependencies
        .iter()
        .filter(|d| d.name == dep_package.name.as_str() && d.kind != DependencyKind::Development)
        .collect();
    if declarations.is_empty() || declarations.iter().any(|d| !d.optional) {
        return true;
    }
    let enabled: BTreeSet<String> = node.features.iter().map(|f| f.to_string()).collect();
    declarations.iter().any(|declaration| {
        let key = declaration
            .rename
            .clone()
            .unwrap_or_else(|| declaration.name.clone());
        if enabled.contains(&key) {
            return true;
        }
        let strong = format!("{key}/");
        let explicit = format!("dep:{key}");
        enabled.iter().any(|feature| {
            package.features.get(feature).is_some_and(|items| {
                items
                    .iter()
                    .any(|item| *item == explicit || item.starts_with(&strong))
            })
        })
    })
}

/// Every id the graph refers to must be a package, once: a recording that breaks this is
/// rejected with the id, not indexed blindly.
fn validate(metadata: &Metadata, resolve: &cargo_metadata::Resolve, source: &str) -> Result<()> {
    let mut ids: BTreeSet<&PackageId> = BTreeSet::new();
    for package in &metadata.packages {
        if !ids.insert(&package.id) {
            bail!("{source}: package {} is listed twice", package.id);
        }
    }
    let mut nodes: BTreeSet<&PackageId> = BTreeSet::new();
    for node in &resolve.nodes {
        if !ids.contains(&node.id) {
            bail!(
                "{source}: resolve node {} is not among the packages",
                node.id
            );
        }
        if !nodes.insert(&node.id) {
            bail!("{source}: resolve node {} is listed twice", node.id);
        }
        for dep in &node.deps {
            if !ids.contains(&dep.pkg) {
                bail!(
                    "{source}: {} depends on {}, which is not among the packages",
                    node.id,
                    dep.pkg
                );
            }
        }
    }
    if metadata.workspace_members.is_empty() {
        bail!(
            "{source}: the workspace has no members: nothing is built, so nothing can be checked"
        );
    }
    for member in &metadata.workspace_members {
        if !ids.contains(member) {
            bail!("{source}: workspace member {member} is not among the packages");
        }
    }
    Ok(())
}

/// Parses `cargo metadata` JSON from `reader`. `target` is the triple to evaluate platform
/// conditions for (recordings made without `--filter-platform`).
pub fn parse(
    mut reader: impl BufRead,
    source: &str,
    options: &CargoOptions,
    mut config: BuildConfig,
) -> Result<Parsed> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .with_context(|| format!("{source}: cannot read"))?;
    let json_error = |err: serde_json::Error| {
        let what = if err.is_eof() {
            "truncated cargo metadata"
        } else {
            "not `cargo metadata --format-version 1` output"
        };
        anyhow::anyhow!("{source}: {what}: {}", err.to_string().replace('\n', " "))
    };
    #[derive(serde::Deserialize)]
    struct Head {
        version: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_slice(&bytes).map_err(json_error)?;
    match head.version.as_ref().and_then(|v| v.as_u64()) {
        Some(1) => {}
        Some(other) => bail!(
            "{source}: cargo metadata format version {other}; only --format-version 1 is understood"
        ),
        None => {
            bail!("{source}: not `cargo metadata --format-version 1` output: no \"version\": 1")
        }
    }
    let metadata: Metadata = serde_json::from_slice(&bytes).map_err(json_error)?;
    let Some(resolve) = &metadata.resolve else {
        bail!("{source}: cargo metadata has no resolve graph (was it run with --no-deps?)");
    };
    validate(&metadata, resolve, source)?;
    let target = config
        .target
        .clone()
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
    let cfgs = target_cfgs(&target);
    let packages: BTreeMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for package in &metadata.packages {
        *seen
            .entry((package.name.to_string(), package.version.to_string()))
            .or_default() += 1;
    }
    let duplicates: BTreeSet<(String, String)> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect();
    let ids: BTreeMap<&PackageId, String> = metadata
        .packages
        .iter()
        .map(|p| (&p.id, node_id(p, &duplicates)))
        .collect();
    let nodes: BTreeMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let is_proc_macro = |id: &PackageId| {
        packages.get(id).is_some_and(|p| {
            p.targets
                .iter()
                .any(|t| t.kind.contains(&TargetKind::ProcMacro))
        })
    };

    // Roots: workspace members' binaries (or the members, for a library workspace).
    let members: Vec<&PackageId> = metadata.workspace_members.iter().collect();
    let selected: Vec<&PackageId> = match &options.package {
        Some(name) => {
            let found: Vec<&PackageId> = members
                .iter()
                .copied()
                .filter(|id| packages.get(id).is_some_and(|p| p.name.as_str() == name))
                .collect();
            if found.is_empty() {
                let names: Vec<String> = members
                    .iter()
                    .filter_map(|id| packages.get(id))
                    .map(|p| p.name.to_string())
                    .collect();
                bail!(
                    "{source}: -p {name}: no such workspace member (members: {})",
                    names.join(", ")
                );
            }
            found
        }
        None => members.clone(),
    };
    let with_bins: Vec<&PackageId> = selected
        .iter()
        .copied()
        .filter(|id| {
            packages
                .get(id)
                .is_some_and(|p| p.targets.iter().any(|t| t.kind.contains(&TargetKind::Bin)))
        })
        .collect();
    let mut notes = Vec::new();
    let roots: Vec<&PackageId> = if with_bins.is_empty() {
        notes.push(format!(
            "note: no workspace member{} has a binary target: the library crate(s) are the roots, so the answers are about what a binary linking them would get",
            if options.package.is_some() { " selected" } else { "" }
        ));
        selected.clone()
    } else {
        if with_bins.len() < selected.len() && options.package.is_none() {
            notes.push(format!(
                "note: {} library workspace member(s) are not roots, only the {} with binaries are; pass -p NAME to pick one",
                selected.len() - with_bins.len(),
                with_bins.len()
            ));
        }
        with_bins
    };

    // Walk from the roots: normal edges for the target, host edges kept apart.
    let mut builder = GraphBuilder::new();
    let mut target_reached: BTreeSet<&PackageId> = BTreeSet::new();
    let mut host_reached: BTreeSet<&PackageId> = BTreeSet::new();
    let mut queue: VecDeque<(&PackageId, bool)> = roots.iter().map(|id| (*id, false)).collect();
    let mut edges: Vec<(&PackageId, &PackageId, EdgeKind)> = Vec::new();
    while let Some((id, host)) = queue.pop_front() {
        let set = if host {
            &mut host_reached
        } else {
            &mut target_reached
        };
        if !set.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let mut normal = false;
            let mut build = false;
            for kind in &dep.dep_kinds {
                let applies = kind
                    .target
                    .as_ref()
                    .is_none_or(|platform| platform.matches(&target, &cfgs));
                if !applies {
                    continue;
                }
                match kind.kind {
                    DependencyKind::Normal => normal = true,
                    DependencyKind::Build => build = true,
                    _ => {}
                }
            }
            if dep.dep_kinds.is_empty() {
                normal = true; // Cargo before 1.41 has no dep_kinds.
            }
            let dep_id = &dep.pkg;
            let Some(package) = packages.get(id) else {
                continue;
            };
            if !activated(package, node, dep_id, &packages) {
                continue;
            }
            if normal && !host && !is_proc_macro(dep_id) {
                edges.push((id, dep_id, EdgeKind::Import));
                queue.push_back((dep_id, false));
            } else if normal || build {
                edges.push((id, dep_id, EdgeKind::Build));
                queue.push_back((dep_id, true));
            }
        }
    }
    for (id, package) in &packages {
        let in_target = target_reached.contains(id);
        let in_host = host_reached.contains(id);
        if !(in_target || (in_host && options.host_deps)) {
            continue;
        }
        let features = nodes
            .get(id)
            .map(|n| n.features.iter().map(|f| f.to_string()).collect())
            .unwrap_or_default();
        let mut dep_keys = BTreeMap::new();
        let mut declared = BTreeMap::new();
        for dependency in &package.dependencies {
            let key = dependency
                .rename
                .clone()
                .unwrap_or_else(|| dependency.name.clone());
            dep_keys.insert(key.clone(), dependency.name.clone());
            if dependency.kind == DependencyKind::Normal {
                declared.insert(
                    key,
                    (
                        dependency.features.clone(),
                        dependency.uses_default_features,
                    ),
                );
            }
        }
        builder.add_node(Node {
            id: ids[id].as_str().into(),
            module: Some(std::sync::Arc::new(ModuleInfo {
                path: package.name.to_string(),
                version: Some(package.version.to_string()),
                main: metadata.workspace_members.contains(id),
                replace: None,
                // Path crates (no `source`) are shown with their directory, as cargo does.
                dir: package
                    .source
                    .is_none()
                    .then(|| package.manifest_path.parent().map(|dir| dir.to_string()))
                    .flatten(),
            })),
            cargo: Some(Box::new(CrateFacts {
                features,
                feature_defs: package.features.clone(),
                dep_keys,
                declared,
                links: package.links.clone(),
                build_script: package
                    .targets
                    .iter()
                    .any(|t| t.kind.contains(&TargetKind::CustomBuild)),
                host: !in_target,
                proc_macro: is_proc_macro(id),
            })),
            dir: package
                .manifest_path
                .parent()
                .map(|dir| dir.as_str().into()),
            ..Node::default()
        });
    }
    for (from, to, kind) in edges {
        let keep = match kind {
            EdgeKind::Build => options.host_deps,
            _ => true,
        };
        if let (Some(from), Some(to)) = (ids.get(from), ids.get(to))
            && keep
            && builder.contains(from)
            && builder.contains(to)
        {
            builder.add_edge(from, to, kind);
        }
    }
    builder.add_node(Node {
        id: STD.into(),
        name: "std".into(),
        standard: true,
        module: Some(std::sync::Arc::new(ModuleInfo {
            path: STD.to_owned(),
            ..ModuleInfo::default()
        })),
        ..Node::default()
    });
    let root_ids: Vec<String> = roots.iter().filter_map(|id| ids.get(id).cloned()).collect();
    if root_ids.is_empty() {
        bail!("{source}: no root: no workspace member is a package of this graph");
    }
    for root in &root_ids {
        builder.add_edge(root, STD, EdgeKind::Linker);
    }
    config.ecosystem = "cargo".to_owned();
    config.input_format = "cargo-metadata".to_owned();
    // Undeclared (a recording): the target's default, off for glibc and on for musl.
    if config.crt_static.is_none() {
        config.crt_static = Some(target.contains("musl"));
    }
    config.target = Some(target);
    config.package = options.package.clone();
    config.host_deps = options.host_deps;
    config.roots = "workspace binaries".to_owned();
    config.root_dir = Some(metadata.workspace_root.to_string());
    Ok(Parsed {
        graph: builder.finish(&root_ids, Granularity::Package, config),
        notes,
    })
}

/// The host triple, from `rustc -vV` output.
pub fn host_triple(rustc_vv: &str) -> Option<String> {
    rustc_vv
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|t| t.trim().to_owned())
}

/// `crt-static` from RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS text, if it says.
pub fn crt_static_from_rustflags(flags: &str) -> Option<bool> {
    if flags.contains("+crt-static") {
        Some(true)
    } else if flags.contains("-crt-static") {
        Some(false)
    } else {
        None
    }
}

/// Reads a file into a string with a clear error.
pub fn read_to_string(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))
}
