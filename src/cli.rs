//! Command-line interface: clap definitions and their translation into load requests and
//! analysis options. No analysis happens here.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::{InputFormat, LoadRequest, RequestedConfig, RootMode, Source};
use crate::report::Format;

/// Why is this binary dynamically linked, and what exactly must change to make it fully static?
#[derive(Debug, Parser)]
#[command(name = "audit", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every chain from the main packages to a package, pattern, module or `cgo`: counted
    /// exactly, shortest first, with the choke points every chain passes through.
    Why(WhyArgs),
}

/// `--input-format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// Detect from the content.
    Auto,
    /// `go list -json` stream.
    GoList,
    /// `go mod graph` text.
    GoModGraph,
}

/// `--cgo` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CgoArg {
    /// `CGO_ENABLED=1`.
    On,
    /// `CGO_ENABLED=0`.
    Off,
}

/// Where the graph comes from and under which build configuration.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Go module directory to run `go list` in.
    #[arg(short = 'C', long = "dir", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Package patterns for `go list` (comma-separated).
    #[arg(
        long,
        value_name = "PATTERNS",
        value_delimiter = ',',
        default_value = "./..."
    )]
    pub patterns: Vec<String>,
    /// Read a recorded `go list -json` stream or `go mod graph` text instead of running `go`
    /// (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Format of --input.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    pub input_format: InputFormatArg,
    /// Target GOOS (default: what `go env` says). With --input it records what the file was
    /// made with.
    #[arg(long, value_name = "GOOS")]
    pub goos: Option<String>,
    /// Target GOARCH (default: what `go env` says).
    #[arg(long, value_name = "GOARCH")]
    pub goarch: Option<String>,
    /// CGO_ENABLED (default: what `go env` says for the target).
    #[arg(long, value_enum)]
    pub cgo: Option<CgoArg>,
    /// Build tags (comma-separated).
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    pub tags: Option<Vec<String>>,
    /// Honour go.work (by default `GOWORK=off`).
    #[arg(long)]
    pub workspace: bool,
    /// Roots of the chains: `main` (matched main packages; all matched packages when none is
    /// main), `all` (every matched package) or an import-path pattern.
    #[arg(long, value_name = "main|all|PATTERN", default_value = "main")]
    pub roots: String,
}

impl LoadArgs {
    /// The load request these flags describe.
    pub fn request(&self) -> Result<LoadRequest> {
        let source = match &self.input {
            Some(path) => Source::File {
                path: path.clone(),
                format: match self.input_format {
                    InputFormatArg::Auto => InputFormat::Auto,
                    InputFormatArg::GoList => InputFormat::GoList,
                    InputFormatArg::GoModGraph => InputFormat::GoModGraph,
                },
            },
            None => Source::Go {
                dir: self.dir.clone(),
                patterns: self.patterns.clone(),
                workspace: self.workspace,
            },
        };
        let roots = match self.roots.as_str() {
            "main" => RootMode::Main,
            "all" => RootMode::All,
            "" => bail!("--roots needs main, all or a package pattern"),
            pattern => RootMode::Pattern(pattern.to_owned()),
        };
        let tags = self.tags.as_ref().map(|tags| {
            tags.iter()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()
        });
        Ok(LoadRequest {
            source,
            config: RequestedConfig {
                goos: self.goos.clone(),
                goarch: self.goarch.clone(),
                cgo_enabled: self.cgo.map(|cgo| cgo == CgoArg::On),
                tags,
            },
            roots,
        })
    }
}

/// Output flags shared by every command.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `audit why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// Import paths, `path/...` patterns, module paths, or `cgo`.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// How many chains to show per target (shortest first).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_chains: usize,
    /// Answer at module granularity (from a `go mod graph` input, or by collapsing packages).
    #[arg(long)]
    pub modules: bool,
    /// Where the graph comes from.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}
