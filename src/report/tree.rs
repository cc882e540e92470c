//! `why --format tree`: the inverted tree `cargo tree -i` users know. Each target is a root;
//! under it, the packages that import it, then theirs, up to the main packages; a package
//! already expanded elsewhere is printed again marked `(*)` and not expanded (only when it has
//! dependents of its own, as cargo does); trees of several targets are separated by a blank
//! line and share that memory. Children are sorted as cargo sorts package ids (name, version,
//! id). Host edges (build-dependencies, with `--host-deps`) come under `[build-dependencies]`,
//! except edges into a proc-macro, which cargo lists as normal ones marked `(proc-macro)`;
//! Rust's `std`, which the linker adds to every crate, is left out, as in cargo.
//!
//! Labels: Cargo crates as `name vVERSION`, path crates with their directory relative to the
//! workspace root (`app v0.1.0 (crates/app)`, where cargo prints the absolute path); Go
//! packages as their import path with `[module@version]` outside std and the main module.

use std::collections::HashSet;
use std::io::Write;

use anyhow::Result;
use petgraph::graph::NodeIndex;

use super::escape::text_line;
use crate::analyze::WhyAnswer;
use crate::model::{DepGraph, EdgeKind};

const DOWN: &str = "│";
const TEE: &str = "├";
const ELL: &str = "└";
const RIGHT: &str = "─";

/// Renders one tree per resolved target, for every section.
pub fn render_why(sections: &[(&DepGraph, &[WhyAnswer])], out: &mut dyn Write) -> Result<()> {
    let mut first = true;
    for (graph, answers) in sections {
        let mut visited = HashSet::new();
        for answer in answers.iter() {
            let mut targets = answer.resolved.nodes.clone();
            targets.sort_by_key(|idx| sort_key(graph, *idx));
            targets.dedup();
            if targets.is_empty() {
                if !first {
                    writeln!(out)?;
                }
                first = false;
                writeln!(out, "({} is not in the graph)", text_line(&answer.target))?;
                continue;
            }
            for target in targets {
                if !first {
                    writeln!(out)?;
                }
                first = false;
                let mut printer = Printer {
                    graph,
                    visited: &mut visited,
                    levels: Vec::new(),
                    stack: Vec::new(),
                    out: &mut *out,
                };
                printer.node(target)?;
            }
        }
    }
    Ok(())
}

/// cargo's package-id order: name, then version (semver when it parses), then the id.
fn sort_key(
    graph: &DepGraph,
    idx: NodeIndex,
) -> (String, Option<cargo_metadata::semver::Version>, String) {
    let node = graph.node(idx);
    match &node.module {
        Some(module) if graph.config.ecosystem == "cargo" => (
            module.path.clone(),
            module
                .version
                .as_deref()
                .and_then(|v| cargo_metadata::semver::Version::parse(v).ok()),
            node.id.to_string(),
        ),
        _ => (node.id.to_string(), None, String::new()),
    }
}

fn label(graph: &DepGraph, idx: NodeIndex) -> String {
    let node = graph.node(idx);
    if graph.config.ecosystem == "cargo"
        && let Some(module) = &node.module
        && let Some(version) = &module.version
    {
        let mut label = format!("{} v{}", module.path, version);
        if let Some(dir) = &module.dir {
            let root = graph.config.root_dir.as_deref().unwrap_or("");
            let relative = std::path::Path::new(dir)
                .strip_prefix(root)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| dir.clone());
            let shown = if relative.is_empty() { "." } else { &relative };
            label.push_str(&format!(" ({shown})"));
        }
        if node.crate_facts().proc_macro {
            label.push_str(" (proc-macro)");
        }
        return text_line(&label).into_owned();
    }
    match node.module_label() {
        Some(module) => format!("{} [{}]", text_line(&node.id), text_line(&module)),
        None => text_line(&node.id).into_owned(),
    }
}

struct Printer<'a> {
    graph: &'a DepGraph,
    visited: &'a mut HashSet<NodeIndex>,
    /// For each level above: whether more siblings follow (draws `│`).
    levels: Vec<bool>,
    /// The path from the tree's root, to stop at cycles.
    stack: Vec<NodeIndex>,
    out: &'a mut dyn Write,
}

impl Printer<'_> {
    /// The importers of `idx` along edges of `host` kind or not, sorted, without duplicates.
    fn dependents(&self, idx: NodeIndex, host: bool) -> Vec<NodeIndex> {
        let node = self.graph.node(idx);
        let mut list: Vec<NodeIndex> = self
            .graph
            .edges_to(idx)
            .filter(|(_, kind)| *kind != EdgeKind::Linker)
            // A proc-macro is a normal dependency to cargo tree (marked `(proc-macro)`).
            .filter(|(_, kind)| {
                (*kind == EdgeKind::Build && !node.crate_facts().proc_macro) == host
            })
            .map(|(source, _)| source)
            .collect();
        list.sort_by(|a, b| {
            sort_key(self.graph, *a)
                .cmp(&sort_key(self.graph, *b))
                .then(a.cmp(b))
        });
        list.dedup();
        list
    }

    fn node(&mut self, idx: NodeIndex) -> Result<()> {
        let new = self.visited.insert(idx);
        if let Some((last, rest)) = self.levels.split_last() {
            for continues in rest {
                write!(self.out, "{}   ", if *continues { DOWN } else { " " })?;
            }
            write!(self.out, "{}{RIGHT}{RIGHT} ", if *last { TEE } else { ELL })?;
        }
        let in_cycle = self.stack.contains(&idx);
        let normal = self.dependents(idx, false);
        let host = self.dependents(idx, true);
        let has_dependents = !normal.is_empty() || !host.is_empty();
        let star = if (new && !in_cycle) || !has_dependents {
            ""
        } else {
            " (*)"
        };
        writeln!(self.out, "{}{star}", label(self.graph, idx))?;
        if !new || in_cycle {
            return Ok(());
        }
        self.stack.push(idx);
        for (kind, list) in [(None, normal), (Some("[build-dependencies]"), host)] {
            if list.is_empty() {
                continue;
            }
            if let Some(heading) = kind {
                for continues in &self.levels {
                    write!(self.out, "{}   ", if *continues { DOWN } else { " " })?;
                }
                writeln!(self.out, "{heading}")?;
            }
            let count = list.len();
            for (i, next) in list.into_iter().enumerate() {
                self.levels.push(i + 1 < count);
                self.node(next)?;
                self.levels.pop();
            }
        }
        self.stack.pop();
        Ok(())
    }
}
