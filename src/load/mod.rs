//! Loading a dependency graph: run `go list` in a module directory, or read a recording
//! (`go list -json` stream or `go mod graph` text) from a file or stdin, detecting which it is.
//!
//! Everything here streams: the input is read once, front to back.

pub mod go_list;
pub mod go_mod_graph;
pub mod locate;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::exec::{self, CommandSpec};
use crate::model::BuildConfig;

pub use go_list::{Parsed, RootMode};

/// The format of a recorded input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Detect from the first bytes: `{` is a `go list -json` stream, other text `go mod graph`.
    Auto,
    /// `go list -json` stream.
    GoList,
    /// `go mod graph` text.
    GoModGraph,
}

/// The build configuration requested on the command line; `None` means "what `go env` says"
/// for a live load, and "unknown" for a recording.
#[derive(Clone, Debug, Default)]
pub struct RequestedConfig {
    /// `--goos`.
    pub goos: Option<String>,
    /// `--goarch`.
    pub goarch: Option<String>,
    /// `--cgo on|off`.
    pub cgo_enabled: Option<bool>,
    /// `--tags a,b`; `None` when not given.
    pub tags: Option<Vec<String>>,
}

/// Where the graph comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// Run `go list` in a module directory.
    Go {
        /// The module directory (`-C`).
        dir: PathBuf,
        /// Package patterns (default `./...`).
        patterns: Vec<String>,
        /// Honour `go.work` instead of setting `GOWORK=off`.
        workspace: bool,
    },
    /// Read a recording; `-` is stdin.
    File {
        /// Path, or `-`.
        path: String,
        /// Forced or detected format.
        format: InputFormat,
    },
}

/// Everything needed to load a graph.
#[derive(Clone, Debug)]
pub struct LoadRequest {
    /// Where from.
    pub source: Source,
    /// The build configuration.
    pub config: RequestedConfig,
    /// How to choose roots.
    pub roots: RootMode,
}

/// Loads the graph the request describes.
pub fn load(request: &LoadRequest) -> Result<Parsed> {
    match &request.source {
        Source::Go {
            dir,
            patterns,
            workspace,
        } => load_go(dir, patterns, *workspace, &request.config, &request.roots),
        Source::File { path, format } => {
            let config = BuildConfig {
                source: "file".to_owned(),
                input: Some(path.clone()),
                goos: request.config.goos.clone(),
                goarch: request.config.goarch.clone(),
                cgo_enabled: request.config.cgo_enabled,
                tags: request.config.tags.clone(),
                ..BuildConfig::default()
            };
            if path == "-" {
                let stdin = std::io::stdin();
                parse_recording(stdin.lock(), "<stdin>", *format, &request.roots, config)
            } else {
                let file = File::open(path).with_context(|| format!("{path}: cannot open"))?;
                parse_recording(
                    BufReader::with_capacity(1 << 16, file),
                    path,
                    *format,
                    &request.roots,
                    config,
                )
            }
        }
    }
}

/// Parses a recording whose format is given or detected from its first non-blank byte.
pub fn parse_recording(
    mut reader: impl BufRead,
    source: &str,
    format: InputFormat,
    roots: &RootMode,
    mut config: BuildConfig,
) -> Result<Parsed> {
    let format = match format {
        InputFormat::Auto => detect(&mut reader, source)?,
        forced => forced,
    };
    match format {
        InputFormat::GoList | InputFormat::Auto => {
            config.input_format = "go-list-json".to_owned();
            go_list::parse(reader, source, roots, config)
        }
        InputFormat::GoModGraph => {
            config.input_format = "go-mod-graph".to_owned();
            go_mod_graph::parse(reader, source, config)
        }
    }
}

/// Looks at the first non-blank byte without consuming anything but leading whitespace.
fn detect(reader: &mut impl BufRead, source: &str) -> Result<InputFormat> {
    loop {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("{source}: cannot read"))?;
        if buf.is_empty() {
            bail!("{source}: empty input: expected `go list -json` output or `go mod graph` text");
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(pos) => {
                let first = buf[pos];
                reader.consume(pos);
                return match first {
                    b'{' => Ok(InputFormat::GoList),
                    b'[' => bail!(
                        "{source}: a JSON array; `go list -json` writes a stream of objects, not an array"
                    ),
                    _ if first.is_ascii_graphic() => Ok(InputFormat::GoModGraph),
                    _ => bail!(
                        "{source}: binary data: expected `go list -json` output or `go mod graph` text"
                    ),
                };
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

const GO_INSTALL_HINT: &str = "install Go (https://go.dev/doc/install, or your distribution's golang package), or pass --input FILE with recorded `go list -e -deps -json` output";

#[derive(Deserialize, Default)]
#[serde(default)]
struct GoEnv {
    #[serde(rename = "GOOS")]
    goos: String,
    #[serde(rename = "GOARCH")]
    goarch: String,
    #[serde(rename = "CGO_ENABLED")]
    cgo_enabled: String,
    #[serde(rename = "GOVERSION")]
    go_version: String,
    #[serde(rename = "GOFLAGS")]
    goflags: String,
}

fn go_env(dir: &Path, requested: &RequestedConfig) -> Result<GoEnv> {
    let mut env = Vec::new();
    if let Some(goos) = &requested.goos {
        env.push(("GOOS".to_owned(), goos.clone()));
    }
    if let Some(goarch) = &requested.goarch {
        env.push(("GOARCH".to_owned(), goarch.clone()));
    }
    let spec = CommandSpec {
        program: "go".to_owned(),
        args: [
            "env",
            "-json",
            "GOOS",
            "GOARCH",
            "CGO_ENABLED",
            "GOVERSION",
            "GOFLAGS",
        ]
        .map(str::to_owned)
        .to_vec(),
        dir: Some(dir.to_path_buf()),
        env,
        install_hint: GO_INSTALL_HINT.to_owned(),
    };
    let stdout = exec::capture(&spec)?;
    serde_json::from_slice(&stdout)
        .with_context(|| format!("cannot read the output of `{}`", spec.display()))
}

fn load_go(
    dir: &Path,
    patterns: &[String],
    workspace: bool,
    requested: &RequestedConfig,
    roots: &RootMode,
) -> Result<Parsed> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let go_env = go_env(dir, requested)?;
    let goos = requested.goos.clone().unwrap_or(go_env.goos);
    let goarch = requested.goarch.clone().unwrap_or(go_env.goarch);
    let cgo_enabled = requested
        .cgo_enabled
        .unwrap_or(go_env.cgo_enabled.trim() == "1");
    let patterns: Vec<String> = if patterns.is_empty() {
        vec!["./...".to_owned()]
    } else {
        patterns.to_vec()
    };
    let mut env = vec![
        ("GOOS".to_owned(), goos.clone()),
        ("GOARCH".to_owned(), goarch.clone()),
        (
            "CGO_ENABLED".to_owned(),
            if cgo_enabled { "1" } else { "0" }.to_owned(),
        ),
    ];
    if !workspace {
        env.push(("GOWORK".to_owned(), "off".to_owned()));
    }
    let mut args = vec![
        "list".to_owned(),
        "-e".to_owned(),
        "-deps".to_owned(),
        format!("-json={}", go_list::GO_LIST_FIELDS),
        format!(
            "-tags={}",
            requested.tags.clone().unwrap_or_default().join(",")
        ),
    ];
    args.extend(patterns.iter().cloned());
    let spec = CommandSpec {
        program: "go".to_owned(),
        args,
        dir: Some(dir.to_path_buf()),
        env,
        install_hint: GO_INSTALL_HINT.to_owned(),
    };
    let config = BuildConfig {
        source: "go list".to_owned(),
        input: None,
        input_format: "go-list-json".to_owned(),
        goos: Some(goos),
        goarch: Some(goarch),
        cgo_enabled: Some(cgo_enabled),
        tags: Some(requested.tags.clone().unwrap_or_default()),
        go_version: Some(go_env.go_version).filter(|v| !v.is_empty()),
        goflags: Some(go_env.goflags).filter(|v| !v.is_empty()),
        patterns,
        workspace,
        ..BuildConfig::default()
    };
    let name = format!("`{}`", spec.display());
    exec::stream(&spec, |reader| go_list::parse(reader, &name, roots, config))
}
