//! Graphviz DOT of a [`Picture`]: one cluster per module (with its version), roots and sources
//! filled, choke points outlined, edges coloured by effect (`import "C"` labelled), a legend
//! and a title naming the command and the configuration. Node ids are synthetic (`n0`, `n1`,
//! ...) and every label is escaped, since dot-writer escapes nothing.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use dot_writer::{Attributes, DotWriter, Scope};

use crate::analyze::WhyAnswer;
use crate::model::DepGraph;

use super::escape::dot as esc;
use super::picture::{
    CGO_FILL, CHOKE_COLOR, CUT_COLOR, NodeKey, PLAIN_EDGE, PicNode, Picture, ROOT_FILL, SOURCE_FILL,
};

fn write_node(scope: &mut Scope<'_, '_>, node: &PicNode, id: &str) {
    let mut dot_node = scope.node_named(id);
    dot_node.set("label", &esc(&node.label), true);
    if node.source {
        dot_node
            .set("style", "filled,bold", true)
            .set("fillcolor", SOURCE_FILL, true)
            .set("penwidth", "2", false);
    } else if node.root {
        dot_node
            .set("style", "filled", true)
            .set("fillcolor", ROOT_FILL, true);
    } else if node.cgo {
        dot_node
            .set("style", "filled", true)
            .set("fillcolor", CGO_FILL, true);
    }
    if node.choke {
        dot_node
            .set("color", CHOKE_COLOR, true)
            .set("penwidth", "3", false);
    } else if node.cut {
        dot_node
            .set("color", CUT_COLOR, true)
            .set("penwidth", "3", false)
            .set("peripheries", "2", false);
    }
}

/// The legend as one HTML-like table label (static text only: nothing from the input).
fn legend_label(picture: &Picture) -> Option<String> {
    let keys = picture.node_keys();
    let paints = picture.paints();
    if keys.is_empty() && paints.is_empty() {
        return None;
    }
    let mut rows = String::new();
    for key in keys {
        let words = esc_html_label(&picture.node_key_label(key));
        let cell = match key {
            NodeKey::Root => format!(r#"<TD BGCOLOR="{ROOT_FILL}">{words}</TD>"#),
            NodeKey::Source => format!(r#"<TD BGCOLOR="{SOURCE_FILL}" BORDER="2">{words}</TD>"#),
            NodeKey::Choke => format!(r#"<TD COLOR="{CHOKE_COLOR}" BORDER="3">{words}</TD>"#),
            NodeKey::Cut => format!(r#"<TD COLOR="{CUT_COLOR}" BORDER="3">{words}</TD>"#),
            NodeKey::Cgo => format!(r#"<TD BGCOLOR="{CGO_FILL}">{words}</TD>"#),
        };
        rows.push_str(&format!("<TR>{cell}</TR>"));
    }
    for paint in paints {
        rows.push_str(&format!(
            r#"<TR><TD BORDER="0" ALIGN="LEFT"><FONT COLOR="{}"><B>&#8212;&#8212;&#9658;</B> {}</FONT></TD></TR>"#,
            paint.color(),
            esc_html_label(paint.legend())
        ));
    }
    Some(format!(
        r#"<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="4">{rows}</TABLE>>"#
    ))
}

/// Escapes text for a Graphviz HTML-like label.
fn esc_html_label(text: &str) -> String {
    super::escape::html(&super::escape::text_line(text))
}

/// Writes the picture as one DOT digraph.
pub fn write_picture(picture: &Picture, out: &mut dyn Write) -> Result<()> {
    let mut clusters: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (n, node) in picture.nodes.iter().enumerate() {
        clusters.entry(node.module.as_deref()).or_default().push(n);
    }
    let ids: Vec<String> = (0..picture.nodes.len()).map(|n| format!("n{n}")).collect();
    let title = picture.title.join("\n");
    let mut buffer: Vec<u8> = Vec::new();
    {
        let mut writer = DotWriter::from(&mut buffer);
        writer.set_pretty_print(true);
        let mut digraph = writer.digraph();
        {
            let mut attributes = digraph.graph_attributes();
            attributes
                .set("rankdir", "LR", false)
                .set("label", &esc(&title), true)
                .set("labelloc", "t", false)
                .set("fontname", "Helvetica", true)
                .set("fontsize", "16", false)
                .set("nodesep", "0.3", false);
            if let Some(id) = &picture.id {
                attributes.set("id", &esc(id), true);
            }
        }
        digraph
            .node_attributes()
            .set("shape", "box", false)
            .set("style", "filled", true)
            .set("fillcolor", "white", true)
            .set("fontname", "Helvetica", true);
        digraph
            .edge_attributes()
            .set("fontname", "Helvetica", true)
            .set("color", PLAIN_EDGE, true);
        for (n, (label, members)) in clusters.iter().enumerate() {
            match label {
                Some(label) => {
                    let mut cluster = digraph.cluster();
                    {
                        let mut attributes = cluster.graph_attributes();
                        attributes
                            .set("label", &esc(label), true)
                            .set("style", "dashed", true)
                            .set("color", "#7f7f7f", true)
                            .set("fontcolor", "#404040", true);
                        if let Some(id) = &picture.id {
                            attributes.set("id", &esc(&format!("{id}_c{n}")), true);
                        }
                    }
                    for &member in members {
                        write_node(&mut cluster, &picture.nodes[member], &ids[member]);
                    }
                }
                None => {
                    for &member in members {
                        write_node(&mut digraph, &picture.nodes[member], &ids[member]);
                    }
                }
            }
        }
        for edge in &picture.edges {
            let dot_edge = digraph.edge(&ids[edge.from], &ids[edge.to]);
            let mut attributes = dot_edge.attributes();
            if let Some(paint) = edge.paint {
                attributes
                    .set("color", paint.color(), true)
                    .set("fontcolor", paint.color(), true)
                    .set("penwidth", "2", false);
            }
            if let Some(label) = &edge.label {
                attributes.set("label", &esc(label), true);
            }
            if edge.dashed {
                attributes.set("style", "dashed", true);
            }
        }
        if let Some(legend) = legend_label(picture) {
            let mut cluster = digraph.cluster();
            {
                let mut attributes = cluster.graph_attributes();
                attributes
                    .set("label", "legend", true)
                    .set("style", "rounded", true)
                    .set("color", "#bfbfbf", true)
                    .set("fontcolor", "#404040", true);
                if let Some(id) = &picture.id {
                    attributes.set("id", &esc(&format!("{id}_legend")), true);
                }
            }
            cluster
                .node_named("legend")
                .set("shape", "plaintext", false)
                .set("style", "", true)
                .set("label", &legend, false);
        }
    }
    out.write_all(&buffer)?;
    writeln!(out)?;
    Ok(())
}

/// Renders the answers as one DOT digraph.
pub fn render_why(graph: &DepGraph, answers: &[WhyAnswer], out: &mut dyn Write) -> Result<()> {
    write_picture(&Picture::why(graph, answers), out)
}
