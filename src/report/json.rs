//! The JSON document. Its field names are a contract (scripts depend on them): add fields,
//! never rename or remove one without bumping `schema_version`. Wire types live only here.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::analyze::WhyAnswer;
use crate::model::{BuildConfig, DepGraph, EdgeKind};

/// Version of the JSON schema.
pub const SCHEMA_VERSION: u32 = 2;

/// Tool name and version, so a report says what produced it.
#[derive(Serialize)]
pub struct Tool {
    /// Always `linkaudit`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

/// The tool that is running.
pub const TOOL: Tool = Tool {
    name: "linkaudit",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
struct NodeJson {
    module: Option<String>,
    version: Option<String>,
    standard: bool,
    cgo: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ld_libs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pkg_config: Vec<String>,
}

#[derive(Serialize)]
struct WhyJson {
    target: String,
    ecosystem: String,
    resolved_as: &'static str,
    matched: Vec<String>,
    note: Option<String>,
    suggestions: Vec<String>,
    reachable: bool,
    chain_count: Box<RawValue>,
    chain_count_text: String,
    chain_count_exact: bool,
    chains: Vec<Vec<String>>,
    truncated: bool,
    choke_points: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<CutJson>,
    cgo_edges: Vec<[String; 2]>,
    nodes: BTreeMap<String, NodeJson>,
}

/// Digits a JSON number may have and still be read by every common parser: below 10^308 a
/// number fits an IEEE double (serde_json, JavaScript), and Python's `int` limit is 4,300.
pub const JSON_NUMBER_DIGITS: usize = 308;

/// A chain count as a JSON number with every digit, up to [`JSON_NUMBER_DIGITS`] digits;
/// `null` past that (a larger number would make the document unreadable to serde_json and
/// JavaScript). `chain_count_text` beside it always has every digit, for consumers that parse
/// numbers into doubles or need the exact value.
pub fn count_number(summary: &crate::analyze::chains::ChainSummary) -> Box<RawValue> {
    digits_number(summary.count_text())
}

/// [`count_number`] for any count given as its decimal digits.
pub fn digits_number(digits: String) -> Box<RawValue> {
    let json = if digits.len() <= JSON_NUMBER_DIGITS {
        digits
    } else {
        "null".to_owned()
    };
    RawValue::from_string(json).expect("decimal digits or null are JSON")
}

/// The smallest cut in JSON.
#[derive(Serialize)]
pub struct CutJson {
    /// The packages, sorted by id.
    pub packages: Vec<String>,
    /// A cut exists.
    pub possible: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

impl CutJson {
    /// From a computed cut.
    pub fn of(graph: &DepGraph, cut: &crate::analyze::cut::Cut) -> CutJson {
        CutJson {
            packages: cut
                .packages
                .iter()
                .map(|&i| graph.node(i).id.to_string())
                .collect(),
            possible: cut.possible,
            reason: cut.reason.clone(),
        }
    }
}

#[derive(Serialize)]
struct WhyDocument<'a> {
    schema_version: u32,
    tool: Tool,
    config: &'a BuildConfig,
    configs: Vec<&'a BuildConfig>,
    incomplete: bool,
    problems: Vec<String>,
    why: Vec<WhyJson>,
}

fn why_json(graph: &DepGraph, answer: &WhyAnswer) -> WhyJson {
    let id = |i: petgraph::graph::NodeIndex| graph.node(i).id.to_string();
    let summary = &answer.summary;
    let mut nodes = BTreeMap::new();
    let mut cgo_edges = Vec::new();
    for chain in &summary.chains {
        for (pos, &i) in chain.iter().enumerate() {
            let node = graph.node(i);
            nodes
                .entry(node.id.to_string())
                .or_insert_with(|| NodeJson {
                    module: node.module.as_ref().map(|m| m.path.clone()),
                    version: node.module.as_ref().and_then(|m| m.version.clone()),
                    standard: node.standard,
                    cgo: node.is_cgo(),
                    ld_libs: node.ld_libs.clone(),
                    pkg_config: node.pkg_config.clone(),
                });
            if pos > 0 && graph.edge_kind(chain[pos - 1], i) == Some(EdgeKind::Cgo) {
                cgo_edges.push([id(chain[pos - 1]), id(i)]);
            }
        }
    }
    cgo_edges.sort();
    cgo_edges.dedup();
    WhyJson {
        target: answer.target.clone(),
        ecosystem: graph.config.ecosystem.clone(),
        resolved_as: answer.resolved.kind.as_str(),
        matched: answer.resolved.nodes.iter().map(|&i| id(i)).collect(),
        note: answer.resolved.note.clone(),
        suggestions: answer.resolved.suggestions.clone(),
        reachable: summary.reachable,
        chain_count: count_number(summary),
        chain_count_text: summary.count_text(),
        chain_count_exact: summary.exact,
        chains: summary
            .chains
            .iter()
            .map(|chain| chain.iter().map(|&i| id(i)).collect())
            .collect(),
        truncated: summary.truncated,
        choke_points: summary.choke_points.iter().map(|&i| id(i)).collect(),
        cut: answer.cut.as_ref().map(|cut| CutJson::of(graph, cut)),
        cgo_edges,
        nodes,
    }
}

/// Renders the answers of every graph as one pretty-printed JSON document and a newline.
pub fn render_why(sections: &[(&DepGraph, &[WhyAnswer])], out: &mut dyn Write) -> Result<()> {
    let Some((first, _)) = sections.first() else {
        anyhow::bail!("nothing was loaded");
    };
    let mut problems: Vec<String> = sections
        .iter()
        .flat_map(|(g, _)| g.problems.iter().cloned())
        .collect();
    problems.sort();
    problems.dedup();
    let document = WhyDocument {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        config: &first.config,
        configs: sections.iter().map(|(g, _)| &g.config).collect(),
        incomplete: sections.iter().any(|(g, _)| g.incomplete()),
        problems,
        why: sections
            .iter()
            .flat_map(|(graph, answers)| answers.iter().map(|answer| why_json(graph, answer)))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
