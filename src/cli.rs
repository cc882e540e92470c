//! Command-line interface: clap definitions and their translation into load requests and
//! analysis options. No analysis happens here.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::{
    Ecosystem, GoLoader, InputFormat, LoadRequest, RequestedConfig, RootMode, Source,
};
use crate::report::Format;
use crate::report::svg::Renderer;
use crate::rules::Severity;

/// Why is this binary dynamically linked, and what exactly must change to make it fully static?
#[derive(Debug, Parser)]
#[command(
    name = "audit",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("AUDIT_COMMIT"), ")"),
    about,
    long_about = None
)]
pub struct Cli {
    /// Never show the progress line (shown on stderr only when it is a terminal).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
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
    /// Verdict per main package, findings from the rule catalog with chains and fixes, and what
    /// a fully static link would meet. Exits 1 on findings at or above --fail-on.
    Check(CheckArgs),
    /// List, show, lint and document the rule catalog.
    Rules(RulesArgs),
    /// The smallest change that gives a fully static binary (build tags, CGO_ENABLED, an
    /// external static link, upgrades), checked by loading the graph again under it.
    Fix(FixArgs),
    /// Build the way `audit fix` says (or --command), inspect the binary and the linker's
    /// warnings, and compare with the prediction.
    Verify(VerifyArgs),
    /// Inspect a built executable without the source: ELF linkage, glibc floor, Go build info,
    /// and the catalog's rules at module level. Exits 1 when it is not static or a finding is
    /// at or above --fail-on.
    Binary(BinaryArgs),
    /// What a change does to dynamic linking: the working tree against a git base (or two
    /// recordings): verdicts that changed, new and removed findings, new chains and the
    /// package the change touched. Exits 1 on a new finding at or above --fail-on or a main
    /// package that became dynamic.
    Diff(DiffArgs),
    /// Shell completions for bash, zsh or fish, on stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff, for `man -l`), on stdout.
    Man,
    /// `audit check` as one self-contained HTML page: verdicts, findings with fixes, each
    /// finding's why-graph as inline SVG, the chains, the config and the fix command. Exits 1
    /// on findings at or above --fail-on, like check.
    Report(ReportArgs),
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
    /// `cargo metadata --format-version 1` JSON.
    CargoMetadata,
}

/// `--ecosystem` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EcosystemArg {
    /// Whatever the directory has (go.mod, Cargo.toml, or both in one report).
    Auto,
    /// Go only.
    Go,
    /// Cargo only.
    Cargo,
}

/// `--loader` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LoaderArg {
    /// The native loader where it is exact, else `go list` (with one note saying why).
    Auto,
    /// The native loader only: an error where it cannot be exact.
    Native,
    /// Always `go list`.
    GoList,
}

/// `--cgo` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CgoArg {
    /// `CGO_ENABLED=1`.
    On,
    /// `CGO_ENABLED=0`.
    Off,
}

/// `--crt-static` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// `-C target-feature=+crt-static`.
    On,
    /// `-C target-feature=-crt-static`.
    Off,
}

/// Rewrites the single-dash spellings `go build` uses (`-tags`, `-ldflags`, `-buildmode`,
/// alone or with `=`) into the long flags, leaving values and everything after `--` alone.
/// `-C`, `-o` and `-p` are already short flags.
pub fn go_spellings(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let command = Cli::command();
    // Flags that take a value: their next word is never rewritten.
    let mut takes_value: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    fn collect(command: &clap::Command, into: &mut std::collections::BTreeSet<String>) {
        for arg in command.get_arguments() {
            if arg.get_action().takes_values() {
                if let Some(long) = arg.get_long() {
                    into.insert(format!("--{long}"));
                }
                if let Some(short) = arg.get_short() {
                    into.insert(format!("-{short}"));
                }
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, into);
        }
    }
    collect(&command, &mut takes_value);
    let renamed = ["tags", "ldflags", "buildmode"];
    let mut out = Vec::with_capacity(args.len());
    let mut value_next = false;
    let mut rest = false;
    for arg in args {
        let text = arg.to_string_lossy().into_owned();
        if rest || value_next {
            value_next = false;
            out.push(arg);
            continue;
        }
        if text == "--" {
            rest = true;
            out.push(arg);
            continue;
        }
        let (name, inline) = match text.split_once('=') {
            Some((name, _)) => (name.to_owned(), true),
            None => (text.clone(), false),
        };
        let go_style = name
            .strip_prefix('-')
            .filter(|n| !n.starts_with('-') && renamed.contains(n));
        let word = match go_style {
            Some(_) => format!("-{text}"),
            None => text.clone(),
        };
        let flag = if go_style.is_some() {
            format!("-{name}")
        } else {
            name
        };
        if !inline && takes_value.contains(&flag) {
            value_next = true;
        }
        out.push(word.into());
    }
    out
}

impl Cli {
    /// Moves positional package patterns into the load flags (`audit check ./cmd/agent`).
    pub fn normalize(&mut self) {
        let (packages, load) = match &mut self.command {
            Command::Check(args) => (std::mem::take(&mut args.packages), &mut args.load),
            Command::Fix(args) => (std::mem::take(&mut args.packages), &mut args.load),
            Command::Verify(args) => (std::mem::take(&mut args.fix.packages), &mut args.fix.load),
            Command::Report(args) => (std::mem::take(&mut args.packages), &mut args.load),
            Command::Why(args) => (std::mem::take(&mut args.packages), &mut args.load),
            _ => return,
        };
        if !packages.is_empty() {
            load.patterns = packages;
        }
    }
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
    /// Which ecosystems a directory is loaded as.
    #[arg(long, value_enum, default_value_t = EcosystemArg::Auto)]
    pub ecosystem: EcosystemArg,
    /// How a Go module is loaded: `native` reads the module sources and evaluates the build
    /// configuration in memory (the `go` command only resolves the module graph), `go-list`
    /// runs `go list -deps -json`, `auto` is native where that is exact (not in vendor mode, a
    /// workspace, an unmodelled GOFLAGS, missing module sources, ...) and `go list` otherwise.
    #[arg(long, value_enum, default_value_t = LoaderArg::Auto)]
    pub loader: LoaderArg,
    /// Cargo: target triple for `--filter-platform` (default: the host).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Cargo: whether the build uses `-C target-feature=+crt-static` (default: what the
    /// RUSTFLAGS of the build say — CARGO_ENCODED_RUSTFLAGS, RUSTFLAGS, `.cargo/config.toml`
    /// — else on for musl targets and off for the others). `--crt-static` alone means on.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "on", value_name = "on|off")]
    pub crt_static: Option<OnOff>,
    /// Cargo: the workspace member whose binaries are the roots.
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    pub package: Option<String>,
    /// Cargo: keep build-dependencies and proc-macros (they run on the host) in the graph.
    #[arg(long)]
    pub host_deps: bool,
    /// Cargo: features to activate, as `cargo build --features` (comma-separated).
    #[arg(short = 'F', long, value_name = "FEATURES", value_delimiter = ',')]
    pub features: Vec<String>,
    /// Cargo: activate all features.
    #[arg(long)]
    pub all_features: bool,
    /// Cargo: do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
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
                    InputFormatArg::CargoMetadata => InputFormat::CargoMetadata,
                },
            },
            None => Source::Go {
                dir: self.dir.clone(),
                patterns: self.patterns.clone(),
                workspace: self.workspace,
                loader: match self.loader {
                    LoaderArg::Auto => GoLoader::Auto,
                    LoaderArg::Native => GoLoader::Native,
                    LoaderArg::GoList => GoLoader::GoList,
                },
                ecosystem: match self.ecosystem {
                    EcosystemArg::Auto => Ecosystem::Auto,
                    EcosystemArg::Go => Ecosystem::Go,
                    EcosystemArg::Cargo => Ecosystem::Cargo,
                },
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
                target: self.target.clone(),
                crt_static: self.crt_static.map(|v| v == OnOff::On),
                package: self.package.clone(),
                host_deps: self.host_deps,
                features: self
                    .features
                    .iter()
                    .map(|f| f.trim().to_owned())
                    .filter(|f| !f.is_empty())
                    .collect(),
                all_features: self.all_features,
                no_default_features: self.no_default_features,
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
    /// Who draws `--format svg`: Graphviz when installed, else the built-in renderer (graphs
    /// of at most 60 packages).
    #[arg(long, value_enum, default_value_t = Renderer::Auto)]
    pub renderer: Renderer,
}

/// `audit why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// Import paths, `path/...` patterns, module paths, or `cgo`.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Package patterns after `--`, as for `go build` (`audit why plugin -- ./cmd/agent`).
    #[arg(last = true, value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// How many chains to show per target (shortest first).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_chains: usize,
    /// Answer at module granularity (from a `go mod graph` input, or by collapsing packages).
    #[arg(long)]
    pub modules: bool,
    /// Also give the smallest cut: the fewest packages (other than main packages and
    /// targets) to stop importing so that no chain remains (exact, by max-flow).
    #[arg(long)]
    pub cut: bool,
    /// Packages the cut may not use (a pattern; `std` for the standard library; repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub cut_exclude: Vec<String>,
    /// Where the graph comes from.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--format` of `audit check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Verdicts, findings, static-link report, summary paragraph.
    Text,
    /// The JSON document (`schema_version` 1), also the baseline format.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// SVG of the findings' chains (Graphviz, or the built-in renderer for small graphs).
    Svg,
    /// A Mermaid flowchart of the findings' chains, for a GitHub or GitLab comment.
    Mermaid,
}

/// What `audit check` and `audit report` share: the config, the catalog and the policy.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Config file (default: `audit.toml` in the project directory or an ancestor).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule directory (repeatable); its rules add to or replace the built-in ones.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Fail on findings at or above this severity (default: the config's, else error).
    #[arg(long, value_enum)]
    pub fail_on: Option<Severity>,
    /// Report findings but exit 0.
    #[arg(long)]
    pub warn_only: bool,
    /// A JSON report from the base branch: only new findings and new chains fail.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Chains listed (and drawn) per finding.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_chains: usize,
    /// The -ldflags the build uses: with the graph they decide internal or external linking
    /// the way the Go linker does, and so the verdict (`-extldflags -static` on an external
    /// link gives "static-external").
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub ldflags: Option<String>,
    /// The -buildmode the build uses (`pie` changes how the linker links).
    #[arg(long, value_name = "MODE")]
    pub buildmode: Option<String>,
    /// Do not ask the C compiler which static archives exist.
    #[arg(long)]
    pub no_archive_check: bool,
}

/// `audit check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Package patterns, as for `go build` (default `./...`; same as --patterns).
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// Config, catalog and policy.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Also write the JSON report to FILE, for use as a later --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Where the graph comes from.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Who draws `--format svg`: Graphviz when installed, else the built-in renderer (graphs
    /// of at most 60 packages).
    #[arg(long, value_enum, default_value_t = Renderer::Auto)]
    pub renderer: Renderer,
}

/// `--format` of `audit diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Verdict changes, new findings with their new chains, removed findings.
    Text,
    /// The JSON document.
    Json,
    /// SARIF 2.1.0 with the new findings only.
    Sarif,
    /// GitHub Actions annotations for the new findings.
    Github,
    /// A pull-request comment: tables and a Mermaid graph of the new chains.
    Markdown,
}

/// `audit diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Two recordings to compare (OLD NEW); without them, the working tree against --base.
    #[arg(value_name = "RECORDING", num_args = 0..=2)]
    pub recordings: Vec<String>,
    /// The git revision to compare with (default: the merge base with the upstream branch,
    /// else HEAD~1).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Config, catalog and policy.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Where the graph comes from.
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `audit report`: the flags of `audit check` that choose what is checked, and the page's.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Package patterns, as for `go build` (default `./...`; same as --patterns).
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// Config, catalog and policy.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Where the graph comes from.
    #[command(flatten)]
    pub load: LoadArgs,
    /// The HTML file to write.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "report.html"
    )]
    pub output: PathBuf,
    /// Keep only the findings and chains that touch packages matching PATTERN (an import
    /// path or `path/...`; repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub focus: Vec<String>,
    /// Findings shown in full (worst first); the page says how many more there are.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_findings: usize,
    /// Who draws the graphs: Graphviz when installed, else the built-in renderer (graphs of
    /// at most 60 packages).
    #[arg(long, value_enum, default_value_t = Renderer::Auto)]
    pub renderer: Renderer,
}

/// `audit rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `audit rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule.
    List {
        /// Extra rule directory (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// A rule's documentation.
    Show {
        /// Rule id.
        id: String,
        /// Extra rule directory (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Lint a rule directory: unknown keys, duplicate ids, bad version ranges. Exit 1 on
    /// problems.
    Check {
        /// The directory.
        dir: PathBuf,
    },
    /// Write the generated rule docs (`docs/rules/`).
    Docs {
        /// Output directory.
        #[arg(long, value_name = "DIR", default_value = "docs/rules")]
        out: PathBuf,
    },
}

/// `--format` of `audit binary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BinaryFormat {
    /// Human-readable.
    Text,
    /// JSON (`schema_version` 1).
    Json,
}

/// `audit binary`.
#[derive(Debug, Args)]
pub struct BinaryArgs {
    /// The executable.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BinaryFormat::Text)]
    pub format: BinaryFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail on findings at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,
    /// Do not fail because the binary is dynamically linked.
    #[arg(long)]
    pub allow_dynamic: bool,
    /// Extra rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

/// `audit fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Package patterns, as for `go build` (default `./...`; same as --patterns).
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// Config file (default: `audit.toml` in the project directory or an ancestor).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Where the graph comes from (a module directory: the fix is checked by re-loading).
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BinaryFormat::Text)]
    pub format: BinaryFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not compile the `CGO_ENABLED=0` candidate (`go build -o /dev/null`) before calling
    /// it safe; the plan then says it is unchecked.
    #[arg(long)]
    pub no_compile: bool,
    /// The project's own -ldflags (`-s -w -X ...`): kept in the proposed build, before the
    /// link flags the fix adds (the linker takes the last -linkmode and -extldflags).
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub ldflags: Option<String>,
    /// The -buildmode the build uses.
    #[arg(long, value_name = "MODE")]
    pub buildmode: Option<String>,
}

/// `audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Build with this shell command instead of the one `audit fix` computes. It runs in the
    /// module directory with `AUDIT_OUT` set to a temporary directory, where it must write the
    /// binaries (e.g. `go build -o "$AUDIT_OUT/" ./cmd/agent`).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// Keep the built binaries in DIR instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// The fix computation's flags.
    #[command(flatten)]
    pub fix: FixArgs,
}
