//! Loading a dependency graph: run `go list` in a Go module directory and/or `cargo metadata`
//! in a Cargo workspace (a directory with both is loaded as both), or read a recording
//! (`go list -json` stream, `go mod graph` text, `cargo metadata` JSON) from a file or stdin,
//! detecting which it is.
//!
//! Everything here streams: the input is read once, front to back.

pub mod cargo;
pub mod cargo_config;
pub mod dir_cache;
pub mod go_header;
pub mod go_list;
pub mod go_mod_graph;
mod go_scan;
mod go_stream;
pub mod locate;
pub mod native;
pub mod source;

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
    /// `cargo metadata --format-version 1` JSON.
    CargoMetadata,
}

/// Which ecosystems a directory is loaded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ecosystem {
    /// Whatever the directory has: `go.mod`, `Cargo.toml`, or both.
    Auto,
    /// Go only.
    Go,
    /// Cargo only.
    Cargo,
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
    /// Cargo `--target` triple (default: the host's).
    pub target: Option<String>,
    /// Cargo: `--crt-static` given (default: what RUSTFLAGS says, else off).
    pub crt_static: Option<bool>,
    /// Cargo `-p`.
    pub package: Option<String>,
    /// Cargo `--host-deps`.
    pub host_deps: bool,
    /// Cargo `--features`.
    pub features: Vec<String>,
    /// Cargo `--all-features`.
    pub all_features: bool,
    /// Cargo `--no-default-features`.
    pub no_default_features: bool,
}

impl RequestedConfig {
    /// The feature flags as cargo takes them.
    pub fn cargo_feature_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.features.is_empty() {
            args.push("--features".to_owned());
            args.push(self.features.join(","));
        }
        if self.all_features {
            args.push("--all-features".to_owned());
        }
        if self.no_default_features {
            args.push("--no-default-features".to_owned());
        }
        args
    }
}

/// How a Go module directory is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GoLoader {
    /// Native where exact, else `go list` with a note.
    #[default]
    Auto,
    /// Native, or an error.
    Native,
    /// `go list`.
    GoList,
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
        /// Native loader or `go list`.
        loader: GoLoader,
        /// Which ecosystems to load the directory as.
        ecosystem: Ecosystem,
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

/// Loads every graph the request describes: one for a file, one or two for a directory (Go
/// and/or Cargo).
pub fn load_all(request: &LoadRequest) -> Result<Vec<Parsed>> {
    match &request.source {
        Source::Go {
            dir,
            patterns,
            workspace,
            loader,
            ecosystem,
        } => {
            let has_go = dir.join("go.mod").is_file();
            let has_cargo = dir.join("Cargo.toml").is_file();
            let (go, cargo) = match ecosystem {
                Ecosystem::Go => (true, false),
                Ecosystem::Cargo => (false, true),
                Ecosystem::Auto => (has_go || !has_cargo, has_cargo),
            };
            let mut out = Vec::new();
            if go {
                out.push(load_go(
                    dir,
                    patterns,
                    *workspace,
                    *loader,
                    &request.config,
                    &request.roots,
                )?);
            }
            if cargo {
                out.push(load_cargo(dir, &request.config)?);
            }
            Ok(out)
        }
        Source::File { .. } => Ok(vec![load(request)?]),
    }
}

/// Loads one graph: the Go one for a directory with both `go.mod` and `Cargo.toml` (use
/// [`load_all`] for both).
pub fn load(request: &LoadRequest) -> Result<Parsed> {
    match &request.source {
        Source::Go {
            dir,
            patterns,
            workspace,
            loader,
            ecosystem,
        } => {
            let cargo_only = *ecosystem == Ecosystem::Cargo
                || (*ecosystem == Ecosystem::Auto
                    && !dir.join("go.mod").is_file()
                    && dir.join("Cargo.toml").is_file());
            if cargo_only {
                load_cargo(dir, &request.config)
            } else {
                load_go(
                    dir,
                    patterns,
                    *workspace,
                    *loader,
                    &request.config,
                    &request.roots,
                )
            }
        }
        Source::File { path, format } => {
            let config = BuildConfig {
                ecosystem: "go".to_owned(),
                target: request.config.target.clone(),
                crt_static: request.config.crt_static,
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
                parse_recording_with(
                    stdin.lock(),
                    "<stdin>",
                    *format,
                    &request.roots,
                    &cargo_options(&request.config),
                    config,
                )
            } else {
                let file = File::open(path).with_context(|| format!("{path}: cannot open"))?;
                parse_file_recording(
                    file,
                    path,
                    *format,
                    &request.roots,
                    &cargo_options(&request.config),
                    config,
                )
            }
        }
    }
}

fn cargo_options(config: &RequestedConfig) -> cargo::CargoOptions {
    cargo::CargoOptions {
        package: config.package.clone(),
        host_deps: config.host_deps,
    }
}

/// Parses a recording whose format is given or detected from its first non-blank byte.
pub fn parse_recording(
    reader: impl BufRead,
    source: &str,
    format: InputFormat,
    roots: &RootMode,
    config: BuildConfig,
) -> Result<Parsed> {
    parse_recording_with(
        reader,
        source,
        format,
        roots,
        &cargo::CargoOptions::default(),
        config,
    )
}

/// [`parse_recording`] with Cargo options.
pub fn parse_recording_with(
    mut reader: impl BufRead,
    source: &str,
    format: InputFormat,
    roots: &RootMode,
    cargo_options: &cargo::CargoOptions,
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
        InputFormat::CargoMetadata => cargo::parse(reader, source, cargo_options, config),
    }
}

/// [`parse_recording_with`] for a recording in a file: a `go list` stream in a regular file
/// is read by the workers at their blocks' offsets ([`go_list::parse_file`]); anything else
/// through a reader.
fn parse_file_recording(
    file: File,
    source: &str,
    format: InputFormat,
    roots: &RootMode,
    cargo_options: &cargo::CargoOptions,
    config: BuildConfig,
) -> Result<Parsed> {
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let format = match format {
        InputFormat::Auto => detect(&mut reader, source)?,
        forced => forced,
    };
    #[cfg(unix)]
    if format == InputFormat::GoList && reader.get_ref().metadata().is_ok_and(|m| m.is_file()) {
        use std::io::Seek;
        // Past what detection skipped (a byte-order mark, leading blanks).
        let start = reader
            .stream_position()
            .with_context(|| format!("{source}: cannot read"))?;
        let config = BuildConfig {
            input_format: "go-list-json".to_owned(),
            ..config
        };
        return go_list::parse_file(reader.get_ref(), start, source, roots, config);
    }
    parse_recording_with(reader, source, format, roots, cargo_options, config)
}

/// Top-level keys of `cargo metadata --format-version 1` (a `go list` object starts with
/// `Dir` or `ImportPath`).
const CARGO_KEYS: &[&[u8]] = &[
    b"\"packages\"",
    b"\"workspace_members\"",
    b"\"workspace_default_members\"",
    b"\"resolve\"",
    b"\"target_directory\"",
    b"\"build_directory\"",
    b"\"version\"",
    b"\"workspace_root\"",
    b"\"metadata\"",
];

/// Looks at the first non-blank byte (after a UTF-8 byte-order mark) without consuming
/// anything but the mark and leading whitespace.
fn detect(reader: &mut impl BufRead, source: &str) -> Result<InputFormat> {
    let mut first_buffer = true;
    loop {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("{source}: cannot read"))?;
        if buf.is_empty() {
            bail!("{source}: empty input: expected `go list -json` output or `go mod graph` text");
        }
        if first_buffer && buf.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
            first_buffer = false;
            continue;
        }
        first_buffer = false;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(pos) => {
                let first = buf[pos];
                // The first key of the object decides: cargo metadata's keys are its own.
                let rest: Vec<u8> = buf[pos + 1..]
                    .iter()
                    .copied()
                    .skip_while(|b| b.is_ascii_whitespace())
                    .take(32)
                    .collect();
                reader.consume(pos);
                return match first {
                    b'{' if CARGO_KEYS.iter().any(|key| rest.starts_with(key)) => {
                        Ok(InputFormat::CargoMetadata)
                    }
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

#[derive(Clone, Deserialize, Default)]
#[serde(default)]
struct GoEnv {
    /// Every variable asked, for the native loader.
    #[serde(skip)]
    all: std::collections::BTreeMap<String, String>,
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

/// `go env` for a directory and target, asked once per process (`fix` and a matrix load the
/// same directory many times).
fn go_env(dir: &Path, requested: &RequestedConfig, workspace: bool) -> Result<GoEnv> {
    type Key = (PathBuf, Option<String>, Option<String>, bool);
    static ASKED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<Key, GoEnv>>> =
        std::sync::OnceLock::new();
    let key = (
        dir.to_path_buf(),
        requested.goos.clone(),
        requested.goarch.clone(),
        workspace,
    );
    // Held while asking: the configurations of a matrix start at once and want the same
    // answer (`go env` starts no parallel work of ours, so nothing waits on this thread).
    let mut asked = ASKED.get_or_init(Default::default).lock().unwrap();
    if let Some(known) = asked.get(&key) {
        return Ok(known.clone());
    }
    let answer = ask_go_env(dir, requested, workspace)?;
    asked.insert(key, answer.clone());
    Ok(answer)
}

/// One `go env` for both loaders: the target's defaults, and what the native loader reads
/// ([`native::GO_ENV_VARS`]), with `GOWORK=off` as every later `go` command has it.
fn ask_go_env(dir: &Path, requested: &RequestedConfig, workspace: bool) -> Result<GoEnv> {
    let mut env = Vec::new();
    if let Some(goos) = &requested.goos {
        env.push(("GOOS".to_owned(), goos.clone()));
    }
    if let Some(goarch) = &requested.goarch {
        env.push(("GOARCH".to_owned(), goarch.clone()));
    }
    if !workspace {
        env.push(("GOWORK".to_owned(), "off".to_owned()));
    }
    let mut args: Vec<String> = ["env", "-json", "GOOS", "GOARCH", "CGO_ENABLED"]
        .map(str::to_owned)
        .to_vec();
    args.extend(native::GO_ENV_VARS.iter().map(|v| v.to_string()));
    let spec = CommandSpec {
        program: "go".to_owned(),
        args,
        dir: Some(dir.to_path_buf()),
        env,
        install_hint: GO_INSTALL_HINT.to_owned(),
    };
    let stdout = exec::capture(&spec)?;
    let context = || format!("cannot read the output of `{}`", spec.display());
    let all: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&stdout).with_context(context)?;
    let mut go_env: GoEnv = serde_json::from_slice(&stdout).with_context(context)?;
    go_env.all = all;
    Ok(go_env)
}

/// `go tool dist list`, once read in this process.
static TARGET_PAIRS: std::sync::Mutex<Option<std::collections::BTreeSet<String>>> =
    std::sync::Mutex::new(None);

/// [`check_target`] without asking anything: `None` while the list is not read yet.
fn check_known_target(goos: &str, goarch: &str) -> Option<Result<()>> {
    let pairs = TARGET_PAIRS.lock().unwrap();
    let known = pairs.as_ref()?;
    let pair = format!("{goos}/{goarch}");
    Some(if known.contains(&pair) {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "unsupported GOOS/GOARCH pair {pair} (not in `go tool dist list`)"
        ))
    })
}

/// A target the toolchain builds for (`go tool dist list`, asked once per process and kept in
/// the answer cache under the toolchain's GOROOT and version): `go env` and `go list` accept
/// any GOOS/GOARCH, only a build refuses an unknown one, so a typo in a matrix would
/// otherwise be checked as if it were a platform.
fn check_target(dir: &Path, goroot: &str, version: &str, goos: &str, goarch: &str) -> Result<()> {
    let mut pairs = TARGET_PAIRS.lock().unwrap();
    if pairs.is_none() {
        let spec = CommandSpec {
            program: "go".to_owned(),
            args: ["tool", "dist", "list"].map(str::to_owned).to_vec(),
            dir: Some(dir.to_path_buf()),
            env: Vec::new(),
            install_hint: GO_INSTALL_HINT.to_owned(),
        };
        // The list is compiled into the toolchain's `dist`: decided by which toolchain it is.
        let stored = (!goroot.is_empty() && !version.is_empty())
            .then(dir_cache::cache_dir_from_env)
            .flatten()
            .map(|cache_dir| {
                dir_cache::AnswerCache::new(
                    &cache_dir,
                    &format!("go tool dist list of {goroot}"),
                    version,
                )
            });
        let out = match stored.as_ref().and_then(dir_cache::AnswerCache::get) {
            Some(out) => out,
            None => {
                let out = exec::capture(&spec)?;
                if let Some(stored) = &stored {
                    let version_file = Path::new(goroot).join("VERSION");
                    let expect = dir_cache::Expect::file(&version_file);
                    stored.put(&out, vec![(version_file, expect)]);
                }
                out
            }
        };
        *pairs = Some(
            String::from_utf8_lossy(&out)
                .lines()
                .map(|line| line.trim().to_owned())
                .filter(|line| !line.is_empty())
                .collect(),
        );
    }
    drop(pairs);
    check_known_target(goos, goarch).expect("the list is read")
}

fn load_go(
    dir: &Path,
    patterns: &[String],
    workspace: bool,
    loader: GoLoader,
    requested: &RequestedConfig,
    roots: &RootMode,
) -> Result<Parsed> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    // With the target and cgo given, nothing read from `go env` depends on the target (the
    // flags, the toolchain, where modules come from): the directory's one answer serves
    // every configuration of a matrix.
    let go_env = if requested.goos.is_some()
        && requested.goarch.is_some()
        && requested.cgo_enabled.is_some()
    {
        let untargeted = RequestedConfig {
            goos: None,
            goarch: None,
            ..requested.clone()
        };
        go_env(dir, &untargeted, workspace)?
    } else {
        go_env(dir, requested, workspace)?
    };
    let all_env = go_env.all;
    let goroot = all_env.get("GOROOT").cloned().unwrap_or_default();
    let go_version = go_env.go_version.clone();
    let goos = requested.goos.clone().unwrap_or(go_env.goos);
    let goarch = requested.goarch.clone().unwrap_or(go_env.goarch);
    // A named target is checked against `go tool dist list` while the load runs (its answer
    // is usually stored; asking costs a `go` command); its refusal wins over the load's.
    let targeted = requested.goos.is_some() || requested.goarch.is_some();
    // Once the list is read (a matrix's later configurations), no thread is needed: one
    // started per configuration could wait for a core the loads keep busy.
    let known = if targeted {
        check_known_target(&goos, &goarch).transpose()?
    } else {
        Some(())
    };
    std::thread::scope(|scope| {
        let checked = known
            .is_none()
            .then(|| scope.spawn(|| check_target(dir, &goroot, &go_version, &goos, &goarch)));
        let loaded = load_go_for(
            dir,
            patterns,
            workspace,
            loader,
            requested,
            roots,
            GoEnvFor {
                all: all_env,
                goos: goos.clone(),
                goarch: goarch.clone(),
                cgo_enabled: go_env.cgo_enabled,
                go_version: go_env.go_version,
                goflags: go_env.goflags,
            },
        );
        if let Some(checked) = checked {
            checked.join().expect("the target check panicked")?;
        }
        loaded
    })
}

/// What a load reads of `go env`, with the target settled.
struct GoEnvFor {
    all: std::collections::BTreeMap<String, String>,
    goos: String,
    goarch: String,
    cgo_enabled: String,
    go_version: String,
    goflags: String,
}

fn load_go_for(
    dir: &Path,
    patterns: &[String],
    workspace: bool,
    loader: GoLoader,
    requested: &RequestedConfig,
    roots: &RootMode,
    go_env: GoEnvFor,
) -> Result<Parsed> {
    let GoEnvFor {
        all: all_env,
        goos,
        goarch,
        cgo_enabled: env_cgo,
        go_version,
        goflags,
    } = go_env;
    let cgo_enabled = requested.cgo_enabled.unwrap_or(env_cgo.trim() == "1");
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
        ecosystem: "go".to_owned(),
        source: "go list".to_owned(),
        input: None,
        input_format: "go-list-json".to_owned(),
        goos: Some(goos.clone()),
        goarch: Some(goarch.clone()),
        cgo_enabled: Some(cgo_enabled),
        tags: Some(requested.tags.clone().unwrap_or_default()),
        go_version: Some(go_version).filter(|v| !v.is_empty()),
        goflags: Some(goflags).filter(|v| !v.is_empty()),
        patterns,
        workspace,
        ..BuildConfig::default()
    };
    let name = format!("`{}`", spec.display());
    let mut fallback_note = None;
    if loader != GoLoader::GoList {
        let native_config = native::NativeConfig {
            goos: goos.clone(),
            goarch: goarch.clone(),
            cgo: cgo_enabled,
            tags: requested.tags.clone().unwrap_or_default(),
        };
        let opened = native::open(dir, workspace, Some(&all_env));
        let packages = opened
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|opened| opened.shared_packages(&native_config, &config.patterns));
        match packages {
            Ok(packages) => {
                let mut config = config;
                config.loader = Some("native".to_owned());
                let name = format!(
                    "native load of {} ({})",
                    dir.display(),
                    config.patterns.join(" ")
                );
                // The nodes carry their source facts already (read once, for the first
                // configuration that had each).
                return go_list::parse_shared(&packages, &name, roots, config);
            }
            Err(why) if loader == GoLoader::Native => {
                bail!(
                    "{}: the native loader cannot load this exactly: {why}",
                    dir.display()
                )
            }
            Err(why) => {
                fallback_note = Some(format!("note: loaded with go list, not natively: {why}"))
            }
        }
    }
    let mut parsed = exec::stream(&spec, |reader| go_list::parse(reader, &name, roots, config))?;
    parsed.notes.extend(fallback_note);
    source::attach(&mut parsed.graph);
    Ok(parsed)
}

const CARGO_INSTALL_HINT: &str = "install Rust's cargo (https://rustup.rs, or your distribution's cargo package), or pass --input FILE with recorded `cargo metadata --format-version 1` output";

/// `cargo metadata --format-version 1 --filter-platform TARGET [feature flags]`, run in
/// `dir`.
pub fn cargo_metadata_command(dir: &Path, target: &str, features: &[String]) -> CommandSpec {
    let mut args: Vec<String> = [
        "metadata",
        "--format-version",
        "1",
        "--filter-platform",
        target,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(features.iter().cloned());
    CommandSpec {
        program: "cargo".to_owned(),
        args,
        dir: Some(dir.to_path_buf()),
        env: Vec::new(),
        install_hint: CARGO_INSTALL_HINT.to_owned(),
    }
}

fn load_cargo(dir: &Path, requested: &RequestedConfig) -> Result<Parsed> {
    if !dir.join("Cargo.toml").is_file() {
        bail!("{}: no Cargo.toml", dir.display());
    }
    let settings = cargo_config::read(dir, requested.target.as_deref())?;
    let target = match requested.target.clone().or_else(|| settings.target.clone()) {
        Some(target) => target,
        None => {
            let spec = CommandSpec {
                program: "rustc".to_owned(),
                args: vec!["-vV".to_owned()],
                dir: Some(dir.to_path_buf()),
                env: Vec::new(),
                install_hint: CARGO_INSTALL_HINT.to_owned(),
            };
            let out = String::from_utf8_lossy(&exec::capture(&spec)?).into_owned();
            cargo::host_triple(&out).context("rustc -vV printed no host triple")?
        }
    };
    // The config read for the default target may name other [target] tables than ours.
    let settings = if requested.target.is_none() && settings.target.is_some() {
        cargo_config::read(dir, Some(&target))?
    } else {
        settings
    };
    let (crt_static, crt_static_from) = match (
        requested.crt_static,
        cargo_config::crt_static(&settings.rustflags),
    ) {
        (Some(on), _) => (on, "--crt-static".to_owned()),
        (None, Some(on)) => (
            on,
            settings
                .rustflags_from
                .clone()
                .unwrap_or_else(|| "RUSTFLAGS".to_owned()),
        ),
        (None, None) => (target.contains("musl"), format!("the default of {target}")),
    };
    let spec = cargo_metadata_command(dir, &target, &requested.cargo_feature_args());
    let config = BuildConfig {
        ecosystem: "cargo".to_owned(),
        source: "cargo metadata".to_owned(),
        input_format: "cargo-metadata".to_owned(),
        target: Some(target),
        crt_static: Some(crt_static),
        crt_static_from: Some(crt_static_from),
        cargo_features: requested.cargo_feature_args(),
        rustflags: settings.rustflags.clone(),
        ..BuildConfig::default()
    };
    let name = format!("`{}`", spec.display());
    exec::stream(&spec, |reader| {
        cargo::parse(reader, &name, &cargo_options(requested), config)
    })
}
