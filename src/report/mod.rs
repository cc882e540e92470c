//! Rendering answers: one file per output format. Renderers format what `analyze` computed
//! and never recompute chains.

pub mod binary;
pub mod check;
pub mod check_json;
pub mod check_text;
pub mod dot;
pub mod escape;
pub mod fix;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

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
}

/// Renders `why` answers in `format`.
pub fn render_why(
    graph: &DepGraph,
    answers: &[WhyAnswer],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Text => text::render_why(graph, answers, out),
        Format::Json => json::render_why(graph, answers, out),
        Format::Dot => dot::render_why(graph, answers, out),
    }
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
