//! Rendering answers: one file per output format. Renderers format what `analyze` computed
//! and never recompute chains.

pub mod binary;
pub mod check;
pub mod check_json;
pub mod check_text;
pub mod diff;
pub mod dot;
pub mod escape;
pub mod fix;
pub mod github;
pub mod html;
pub mod json;
pub mod mermaid;
pub mod picture;
pub mod sarif;
pub mod svg;
pub mod text;
pub mod tree;
pub mod verify;

use std::io::Write;

use anyhow::Result;

use crate::analyze::WhyAnswer;
use crate::model::{BuildConfig, DepGraph};

/// Output format of `why`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `go mod why` stanzas, extended with counts and choke points.
    Text,
    /// The versioned JSON document (`schema_version` 1).
    Json,
    /// Graphviz DOT of the shown chains.
    Dot,
    /// SVG of the shown chains (Graphviz, or the built-in renderer for small graphs).
    Svg,
    /// A Mermaid flowchart of the shown chains, which renders inside a GitHub or GitLab
    /// comment (put it in a ```` ```mermaid ```` block).
    Mermaid,
    /// The inverted tree of `cargo tree -i`: each target, the packages that import it, and so
    /// on up to the main packages, repeated subtrees marked `(*)`.
    Tree,
}

/// Renders `why` answers in `format`, one section per graph.
pub fn render_why(
    sections: &[(&DepGraph, &[WhyAnswer])],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Text => {
            for (i, (graph, answers)) in sections.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                text::render_why(graph, answers, out)?;
            }
            Ok(())
        }
        Format::Json => json::render_why(sections, out),
        Format::Dot => {
            for (graph, answers) in sections {
                dot::render_why(graph, answers, out)?;
            }
            Ok(())
        }
        Format::Mermaid => {
            write!(out, "{}", mermaid::flowchart(&why_picture(sections)))?;
            Ok(())
        }
        Format::Tree => tree::render_why(sections, out),
        // Drawing may fall back to DOT and has notes for stderr: the command does it, from
        // `why_picture`.
        Format::Svg => anyhow::bail!("SVG is drawn by report::svg from why_picture"),
    }
}

/// One picture of every section's answers (with several sections, clusters are labelled by
/// ecosystem, so they stay apart).
pub fn why_picture(sections: &[(&DepGraph, &[WhyAnswer])]) -> picture::Picture {
    let mut combined = picture::Picture::default();
    for (graph, answers) in sections {
        let one = picture::Picture::why(graph, answers);
        if sections.len() == 1 {
            return one;
        }
        combined.append(one, &graph.config.ecosystem);
    }
    combined
}

/// One-line description of a build configuration, e.g.
/// `go list GOOS=linux GOARCH=amd64 CGO_ENABLED=1 tags=none go1.26.8`.
pub fn describe_config(config: &BuildConfig) -> String {
    let unknown = "unknown".to_owned();
    let mut parts = Vec::new();
    match &config.input {
        Some(input) => parts.push(format!("{} ({})", input, config.input_format)),
        None => parts.push(config.source.clone()),
    }
    if config.ecosystem == "cargo" {
        parts.push(format!(
            "target={}",
            config.target.as_ref().unwrap_or(&unknown)
        ));
        parts.push(format!(
            "crt-static={}{}",
            match config.crt_static {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            config
                .crt_static_from
                .as_ref()
                .map(|from| format!(" (from {from})"))
                .unwrap_or_default()
        ));
        if !config.cargo_features.is_empty() {
            parts.push(config.cargo_features.join(" "));
        }
        if let Some(package) = &config.package {
            parts.push(format!("-p {package}"));
        }
        if config.host_deps {
            parts.push("host-deps".to_owned());
        }
        return parts.join(" ");
    }
    parts.push(format!("GOOS={}", config.goos.as_ref().unwrap_or(&unknown)));
    parts.push(format!(
        "GOARCH={}",
        config.goarch.as_ref().unwrap_or(&unknown)
    ));
    parts.push(format!(
        "CGO_ENABLED={}",
        match config.cgo_enabled {
            Some(true) => "1",
            Some(false) => "0",
            None => "unknown",
        }
    ));
    parts.push(format!(
        "tags={}",
        match &config.tags {
            Some(tags) if tags.is_empty() => "none".to_owned(),
            Some(tags) => tags.join(","),
            None => unknown.clone(),
        }
    ));
    if let Some(version) = &config.go_version {
        parts.push(version.clone());
    }
    if !config.patterns.is_empty() {
        parts.push(format!("patterns={}", config.patterns.join(",")));
    }
    if !config.roots.is_empty() && config.roots != "main" {
        parts.push(format!("roots={}", config.roots));
    }
    if let Some(goflags) = &config.goflags {
        parts.push(format!("GOFLAGS={goflags}"));
    }
    parts.join(" ")
}
