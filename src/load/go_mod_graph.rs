//! Parser for `go mod graph` text: one requirement `A B` per line, main modules bare, every other
//! node `path@version`. Gives a module graph, which may have cycles. The pseudo-modules `go@...`
//! and `toolchain@...` (Go 1.21+) are dropped.

use std::io::BufRead;

use anyhow::{Context, Result, bail};

use crate::model::{BuildConfig, EdgeKind, Granularity, GraphBuilder, ModuleInfo, Node};

use super::go_list::Parsed;

fn is_pseudo_module(id: &str) -> bool {
    id.starts_with("go@") || id.starts_with("toolchain@")
}

fn module_node(id: &str) -> Node {
    let (path, version) = match id.split_once('@') {
        Some((path, version)) => (path.to_owned(), Some(version.to_owned())),
        None => (id.to_owned(), None),
    };
    let main = version.is_none();
    Node {
        id: id.into(),
        module: Some(std::sync::Arc::new(ModuleInfo {
            path,
            version,
            main,
            replace: None,
            dir: None,
        })),
        ..Node::default()
    }
}

/// Parses `go mod graph` output from `reader`. `source` names the input in errors.
pub fn parse(reader: impl BufRead, source: &str, config: BuildConfig) -> Result<Parsed> {
    let mut builder = GraphBuilder::new();
    let mut roots = Vec::new();
    let mut n_edges = 0usize;
    for (line_idx, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{source}: cannot read line {}", line_idx + 1))?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(' ');
        let (Some(from), Some(to), None) = (fields.next(), fields.next(), fields.next()) else {
            bail!(
                "{source}: line {}: expected `module module@version` as `go mod graph` prints, got {:?}",
                line_idx + 1,
                truncate(line, 80)
            );
        };
        if from.is_empty() || to.is_empty() || !to.contains('@') {
            bail!(
                "{source}: line {}: expected `module module@version` as `go mod graph` prints, got {:?}",
                line_idx + 1,
                truncate(line, 80)
            );
        }
        n_edges += 1;
        if is_pseudo_module(from) || is_pseudo_module(to) {
            continue;
        }
        for id in [from, to] {
            if !builder.contains(id) {
                builder.add_node(module_node(id));
            }
        }
        if !from.contains('@') {
            roots.push(from.to_owned());
        }
        builder.add_edge(from, to, EdgeKind::Require);
    }
    if n_edges == 0 {
        bail!("{source}: empty input: no requirements in the go mod graph text");
    }
    roots.sort();
    roots.dedup();
    if roots.is_empty() {
        bail!("{source}: no main module (a line whose first module has no @version)");
    }
    let mut config = config;
    config.roots = "main".to_owned();
    Ok(Parsed {
        graph: builder.finish(&roots, Granularity::Module, config),
        notes: Vec::new(),
    })
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    }
}
