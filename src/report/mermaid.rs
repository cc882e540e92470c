//! A picture as a Mermaid flowchart, which GitHub and GitLab render inside a comment:
//! synthetic node ids (`n0`), labels escaped for Mermaid, main packages, sources, choke points
//! and cut packages as classes, `import "C"` edges labelled.

use std::fmt::Write as _;

use super::escape::mermaid as esc;
use super::picture::{CGO_FILL, CHOKE_COLOR, CUT_COLOR, Picture, ROOT_FILL, SOURCE_FILL};

/// The flowchart text (without the ```` ```mermaid ```` fence).
pub fn flowchart(picture: &Picture) -> String {
    let mut out = String::from("flowchart LR\n");
    for (n, node) in picture.nodes.iter().enumerate() {
        let label = match &node.module {
            Some(module) if module != "standard library" && !module.ends_with("(main module)") => {
                format!("{}<br/>{}", esc(&node.label), esc(module))
            }
            _ => esc(&node.label),
        };
        let _ = writeln!(out, "  n{n}[\"{label}\"]");
    }
    for edge in &picture.edges {
        match &edge.label {
            Some(label) => {
                let _ = writeln!(out, "  n{} -->|\"{}\"| n{}", edge.from, esc(label), edge.to);
            }
            None => {
                let _ = writeln!(out, "  n{} --> n{}", edge.from, edge.to);
            }
        }
    }
    type Applies = fn(&super::picture::PicNode) -> bool;
    let classes: [(&str, String, Applies); 5] = [
        ("root", format!("fill:{ROOT_FILL}"), |n| n.root),
        (
            "source",
            format!("fill:{SOURCE_FILL},stroke-width:2px"),
            |n| n.source,
        ),
        ("cgo", format!("fill:{CGO_FILL}"), |n| {
            n.cgo && !n.root && !n.source
        }),
        (
            "choke",
            format!("stroke:{CHOKE_COLOR},stroke-width:3px"),
            |n| n.choke,
        ),
        (
            "cut",
            format!("stroke:{CUT_COLOR},stroke-width:3px,stroke-dasharray:4 2"),
            |n| n.cut,
        ),
    ];
    for (name, style, applies) in &classes {
        let members: Vec<String> = picture
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| applies(n))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {name} {style}");
            let _ = writeln!(out, "  class {} {name}", members.join(","));
        }
    }
    out
}
