//! Text output: `go mod why`'s `# target` stanza (one package per line, root first), extended
//! with the chain count, "showing k of N", the choke points, each hop's module@version and the
//! cgo edges.

use std::io::Write;

use anyhow::Result;
use petgraph::graph::NodeIndex;

use crate::analyze::{TargetKind, WhyAnswer};
use crate::model::{DepGraph, EdgeKind, Granularity};

use super::escape::text_line;

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn hop_line(graph: &DepGraph, chain: &[NodeIndex], pos: usize) -> String {
    let node = graph.node(chain[pos]);
    let mut line = text_line(&node.id).into_owned();
    let mut notes = Vec::new();
    if graph.granularity() == Granularity::Package
        && let Some(module) = node.module_label()
    {
        notes.push(text_line(&module).into_owned());
    }
    match pos
        .checked_sub(1)
        .and_then(|prev| graph.edge_kind(chain[prev], chain[pos]))
    {
        Some(EdgeKind::Cgo) => notes.push("via import \"C\"".to_owned()),
        Some(EdgeKind::Linker) => notes.push("added by the linker".to_owned()),
        _ => {}
    }
    if !notes.is_empty() {
        line.push_str("  [");
        line.push_str(&notes.join("; "));
        line.push(']');
    }
    line
}

/// The `# config:` line, and a warning line when the graph is incomplete (`what` may then be
/// missing: chains, findings).
pub fn config_header(graph: &DepGraph, what: &str, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "# config: {}",
        text_line(&super::describe_config(&graph.config))
    )?;
    if graph.incomplete() {
        writeln!(
            out,
            "# warning: the graph is incomplete ({} load problem(s), listed on stderr); {what} may be missing",
            graph.problems.len()
        )?;
    }
    Ok(())
}

/// Renders the answers as text.
pub fn render_why(graph: &DepGraph, answers: &[WhyAnswer], out: &mut dyn Write) -> Result<()> {
    config_header(graph, "chains", out)?;
    let n_roots = graph.roots().len() as u64;
    for answer in answers {
        let target = text_line(&answer.target);
        let summary = &answer.summary;
        writeln!(out)?;
        writeln!(out, "# {target}")?;
        if let Some(note) = &answer.resolved.note {
            writeln!(out, "# note: {}", text_line(note))?;
        }
        if !summary.reachable {
            let what = match graph.granularity() {
                Granularity::Package => "",
                Granularity::Module => "module ",
            };
            let whose = match (graph.config.ecosystem.as_str(), graph.granularity()) {
                ("cargo", _) => "workspace binaries",
                (_, Granularity::Package) => "main packages",
                (_, Granularity::Module) => "main modules",
            };
            writeln!(out, "({whose} do not need {what}{target})")?;
            if answer.resolved.kind == TargetKind::NotFound
                && !answer.resolved.suggestions.is_empty()
            {
                let names: Vec<_> = answer
                    .resolved
                    .suggestions
                    .iter()
                    .map(|s| text_line(s))
                    .collect();
                writeln!(out, "(did you mean {}?)", names.join(", "))?;
            }
            continue;
        }
        let (count, total) = if summary.saturated {
            (
                format!("{} chains", summary.count_text()),
                summary.count_text(),
            )
        } else if !summary.exact {
            (
                format!(
                    "at least {} (counting stopped at the work limit)",
                    plural(summary.count, "chain")
                ),
                format!("at least {}", summary.count),
            )
        } else {
            (plural(summary.count, "chain"), summary.count.to_string())
        };
        let shown = summary.chains.len();
        let mut header = format!(
            "# {count} from {}, showing {shown} of {total}",
            plural(n_roots, "root")
        );
        if summary.truncated {
            header.push_str(" (raise --max-chains to see more)");
        }
        writeln!(out, "{header}")?;
        if summary.choke_points.is_empty() {
            writeln!(
                out,
                "# choke points: none (no single package is on every chain)"
            )?;
        } else {
            let names: Vec<_> = summary
                .choke_points
                .iter()
                .map(|&i| text_line(&graph.node(i).id))
                .collect();
            writeln!(
                out,
                "# choke points (on every chain, root to target): {}",
                names.join(", ")
            )?;
        }
        if let Some(cut) = &answer.cut {
            if cut.possible && !cut.no_chain {
                let names: Vec<_> = cut
                    .packages
                    .iter()
                    .map(|&i| text_line(&graph.node(i).id))
                    .collect();
                writeln!(
                    out,
                    "# cut ({} package(s); stop importing them and no chain remains): {}",
                    names.len(),
                    names.join(", ")
                )?;
            } else if let Some(reason) = &cut.reason {
                writeln!(out, "# cut: none possible: {}", text_line(reason))?;
            }
        }
        for (chain_idx, chain) in summary.chains.iter().enumerate() {
            if chain_idx > 0 {
                writeln!(out)?;
                writeln!(out, "# {target} (chain {} of {total})", chain_idx + 1)?;
            }
            for pos in 0..chain.len() {
                writeln!(out, "{}", hop_line(graph, chain, pos))?;
            }
        }
    }
    Ok(())
}
