//! The native Go loader: the package graph `go list -e -deps -json ./...` would give, computed
//! here from the module sources, for any build configuration, without running `go list`.
//!
//! The `go` command is asked only what it decides cheaply and exactly: the build list with
//! each module's directory (`go list -m -json all`, once per module directory) and, per
//! GOOS/GOARCH, the build context's tool and release tags (`go list -f {{context...}} unsafe`,
//! a few milliseconds). Everything else is `go/build`'s and `cmd/go`'s rules, ported:
//! which files of a directory count under a configuration (file-name suffixes, build
//! constraints, `import "C"` and cgo on/off, `_test.go`, `documentation`), the package's
//! imports, its `#cgo LDFLAGS`/`pkg-config` lines, import resolution (standard library, the
//! standard library's `vendor/`, the module providing a path), the implicit imports of cgo and
//! of main packages, the `./...` walk, and `-deps` order. Directory facts (each file's
//! constraint, package clause, imports and cgo preamble) are read once, in parallel, and
//! shared by every configuration evaluated in the process: `fix` and the `audit.toml` matrix
//! evaluate configurations in memory. They are also kept on disk between runs
//! ([`dir_cache`]: immutable directories as read, the main module's with stamps that must
//! still hold), and so is the build list, so a second run reads only what changed and runs
//! `go` only for `go env` and the toolchain's tags.
//!
//! Where it cannot be exact it says so ([`Unsupported`]) and the caller runs `go list`:
//! vendor mode, `go.work`, a `GOFLAGS` it does not model, a module whose source is not in the
//! module cache, an import no module provides, a package `go list` would report an error for,
//! SWIG, patterns other than relative ones.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::exec::{self, CommandSpec};
use crate::load::dir_cache::{self, DirCache};
use crate::load::go_header::{self, GoHeader, HeaderError};
use crate::load::go_list::{GoModule, GoPackage, MatchedPackage, Numbered, SharedPackage, Text};
use crate::load::source;
use crate::model::constraint::{self, Context, Expr};
use crate::model::{EdgeKind, FastMap};

/// Why the native loader cannot give `go list`'s answer here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn unsupported<T>(text: impl Into<String>) -> Result<T, Unsupported> {
    Err(Unsupported(text.into()))
}

/// A build configuration to evaluate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NativeConfig {
    /// GOOS.
    pub goos: String,
    /// GOARCH.
    pub goarch: String,
    /// CGO_ENABLED.
    pub cgo: bool,
    /// `-tags`.
    pub tags: Vec<String>,
}

struct Module {
    /// Required in the main go.mod (or the main module): searched first, as `cmd/go` looks
    /// in the root requirements before it loads the whole module graph.
    root: bool,
    path: String,
    dir: Option<PathBuf>,
    /// The main module, or replaced by a directory: nested modules may sit inside it.
    local: bool,
    info: GoModule<'static>,
}

/// What the toolchain's build context says for one GOOS/GOARCH.
struct Toolchain {
    goroot: PathBuf,
    tool_tags: Vec<String>,
    go_minor: u32,
}

/// One file of a directory, read once for every configuration.
#[derive(Serialize, Deserialize)]
struct FileFacts {
    name: String,
    ext: String,
    constraint: Result<Option<Expr>, String>,
    /// `.go` files: the package clause, imports and cgo preambles.
    go: Option<Result<GoHeader, String>>,
}

/// A package under one configuration, or why `go list` reports an error for it.
type Evaluation = Result<Arc<Evaluated>, String>;

/// A directory's files, sorted by name. What is read is stored in the [`DirCache`]; what
/// is derived is not.
#[derive(Serialize, Deserialize)]
#[serde(from = "StoredDir")]
struct DirFacts {
    files: Vec<FileFacts>,
    /// Every tag whose truth decides something here (file-name suffixes, constraints, `#cgo`
    /// conditions, and `cgo`): the configurations that agree on them get the same package.
    #[serde(skip_serializing)]
    tags: Vec<String>,
    /// The evaluations so far, by the mask of [`DirFacts::tags`] that hold (most directories
    /// look at no tag: every configuration finds their one without a lock).
    #[serde(skip_serializing)]
    evaluations: Memo<u64, Evaluation>,
    /// Whether a `./...` pattern matches the directory ([`scan_dir_matches`]), by the same
    /// mask.
    #[serde(skip_serializing)]
    scans: Memo<u64, bool>,
    /// `fsys.IsGoDir`: some `.go` file (any name, a regular file or a link to one).
    has_go_file: bool,
}

/// [`DirFacts`] as stored.
#[derive(Deserialize)]
struct StoredDir {
    files: Vec<FileFacts>,
    has_go_file: bool,
}

impl From<StoredDir> for DirFacts {
    fn from(stored: StoredDir) -> Self {
        DirFacts::new(stored.files, stored.has_go_file)
    }
}

impl DirFacts {
    fn new(files: Vec<FileFacts>, has_go_file: bool) -> Self {
        let tags = decisive_tags(&files);
        DirFacts {
            files,
            has_go_file,
            tags,
            evaluations: Memo::default(),
            scans: Memo::default(),
        }
    }

    /// Which of [`DirFacts::tags`] hold under `context`, as a bit mask: configurations with
    /// the same mask see the same package here (`None`: too many tags to key by).
    fn mask(&self, context: &Context) -> Option<u64> {
        (self.tags.len() <= 64).then(|| {
            self.tags
                .iter()
                .enumerate()
                .filter(|(_, tag)| context.holds(tag))
                .fold(0u64, |mask, (i, _)| mask | (1 << i))
        })
    }

    /// [`scan_dir_matches`], once per mask.
    fn scan_matches(&self, context: &Context) -> bool {
        let Some(mask) = self.mask(context) else {
            return scan_dir_matches(self, context);
        };
        if let Some(known) = self.scans.find(|m| *m == mask) {
            return known;
        }
        self.scans
            .keep(mask, scan_dir_matches(self, context), |m| *m == mask)
    }
}

/// Values by key, one standing per key: the first kept is read without a lock (most memos
/// here hold one value, asked for by every configuration), the others from a list.
struct Memo<K, V> {
    first: OnceLock<(K, V)>,
    more: Mutex<Vec<(K, V)>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            first: OnceLock::new(),
            more: Mutex::default(),
        }
    }
}

impl<K, V: Clone> Memo<K, V> {
    /// The value whose key `fits`.
    fn find(&self, fits: impl Fn(&K) -> bool) -> Option<V> {
        if let Some((k, v)) = self.first.get()
            && fits(k)
        {
            return Some(v.clone());
        }
        let more = self.more.lock().unwrap();
        more.iter().find(|(k, _)| fits(k)).map(|(_, v)| v.clone())
    }

    /// Keeps `value` under `key` (which `fits`) unless a value stands there already (two
    /// threads may both have made one); the value that stands.
    fn keep(&self, key: K, value: V, fits: impl Fn(&K) -> bool) -> V {
        let mut more = self.more.lock().unwrap();
        if let Some((k, v)) = self.first.get()
            && fits(k)
        {
            return v.clone();
        }
        if let Some((_, v)) = more.iter().find(|(k, _)| fits(k)) {
            return v.clone();
        }
        // Set under the lock: no other value can be kept for the key meanwhile.
        if self.first.get().is_none() {
            let _ = self.first.set((key, value.clone()));
        } else {
            more.push((key, value.clone()));
        }
        value
    }
}

/// A package under one configuration (`go/build`'s `Import`, the fields we need).
#[derive(Default)]
struct Evaluated {
    name: String,
    go_files: Vec<String>,
    cgo_files: Vec<String>,
    ignored_go_files: Vec<String>,
    c_files: Vec<String>,
    cxx_files: Vec<String>,
    syso_files: Vec<String>,
    ldflags: Vec<String>,
    pkg_config: Vec<String>,
    /// Sorted, unique, `"C"` included.
    imports: Vec<String>,
    /// The packages `imports` name ("C" left out), resolved once: where an import leads does
    /// not depend on the configuration, and configurations share evaluations.
    resolved_imports: OnceLock<Result<Vec<Arc<Resolved>>, Unsupported>>,
    /// Their numbers ([`Resolved::number`]), side by side: a later configuration's walk skips
    /// the imports it has seen without reaching into each one.
    import_numbers: OnceLock<Vec<u32>>,
    /// The nodes built from this evaluation, by (package number, matching patterns): a
    /// later configuration that reaches the package with the same evaluation and patterns
    /// takes its node here (the first without a lock). Several only for the same directory
    /// under another import path, or other patterns.
    nodes: Memo<(u32, Vec<String>), Arc<SharedPackage>>,
}

impl Evaluated {
    /// The node built from this evaluation for package `number` matched by `matches`.
    fn node_for(&self, number: u32, matches: &[String]) -> Option<Arc<SharedPackage>> {
        self.nodes
            .find(|(n, m)| *n == number && m.as_slice() == matches)
    }

    /// Keeps `shared` as the node for package `number` matched by `matches`, unless one is
    /// kept already (two configurations loaded at once may both have built it; one stays).
    fn keep_node(&self, number: u32, matches: &[String], shared: &Arc<SharedPackage>) {
        self.nodes
            .keep((number, matches.to_vec()), shared.clone(), |(n, m)| {
                *n == number && m.as_slice() == matches
            });
    }
}

impl Evaluated {
    /// Only `_test.go` files count (`go list -e` lists it without an error; building it
    /// fails).
    fn test_only(&self) -> bool {
        self.go_files.is_empty() && self.cgo_files.is_empty()
    }
}

/// What [`NativeGo::load`] hands each package to: the build list's modules, the package, the
/// patterns that matched it.
type EachPackage<'a> = dyn FnMut(&[Module], &Loaded, &[String]) + 'a;

/// Where an import path leads, or why that cannot be known natively.
type Resolution = Result<Arc<Resolved>, Unsupported>;

/// One package of a configuration, loaded: where it is, what it holds, what it brings in
/// (its imports, "C" left out, in order, then the implicit ones).
#[derive(Clone)]
struct Loaded {
    resolved: Arc<Resolved>,
    evaluated: Arc<Evaluated>,
    /// What it brings in besides its imports (shared by the configurations that share the
    /// evaluation, not copied for each).
    implicit: Vec<Arc<Resolved>>,
}

impl Loaded {
    /// What it brings in: its imports ("C" left out), in order, then the implicit ones.
    fn deps(&self) -> impl Iterator<Item = &Arc<Resolved>> {
        evaluated_imports(&self.evaluated)
            .unwrap_or(&[])
            .iter()
            .chain(&self.implicit)
    }
}

/// An evaluation, or the note of why `go list` would report an error for the package.
fn evaluated_or(evaluated: Evaluation, resolved: &Resolved) -> Result<Arc<Evaluated>, Unsupported> {
    evaluated.map_err(|err| {
        Unsupported(format!(
            "package {}: {err} (go list reports an error here)",
            resolved.path
        ))
    })
}

/// An evaluation's imports, resolved ("C" left out; `None` before they are).
fn evaluated_imports(evaluated: &Evaluated) -> Option<&[Arc<Resolved>]> {
    match evaluated.resolved_imports.get() {
        Some(Ok(explicit)) => Some(explicit.as_slice()),
        _ => None,
    }
}

/// A package found for an import path. One per path and loader
/// ([`NativeGo::canonical`]): a load keys its packages by its number.
struct Resolved {
    path: String,
    dir: PathBuf,
    standard: bool,
    module: Option<usize>,
    /// The directory's facts, once looked up (the same for every configuration).
    facts: OnceLock<Arc<DirFacts>>,
    /// Its number in this loader (dense, from 0; set by [`NativeGo::canonical`]): the graphs
    /// of every configuration name the package by it ([`GraphBuilder::add_numbered`]).
    ///
    /// [`GraphBuilder::add_numbered`]: crate::model::GraphBuilder::add_numbered
    number: u32,
}

impl Resolved {
    fn new(path: String, dir: PathBuf, standard: bool, module: Option<usize>) -> Self {
        Resolved {
            path,
            dir,
            standard,
            module,
            facts: OnceLock::new(),
            number: 0,
        }
    }
}

/// A package the patterns match, with the patterns that match it.
type Root = (Arc<Resolved>, Vec<String>);

/// The roots of patterns, for the directories they matched (one bit set per pattern, over
/// its directories).
struct RootsMemo {
    patterns: Vec<String>,
    matched: Vec<Vec<u64>>,
    roots: Arc<Vec<Root>>,
}

/// A module directory, ready to evaluate configurations.
pub struct NativeGo {
    root: PathBuf,
    /// The main module's path, from its go.mod.
    main_path: String,
    build_list: OnceLock<Result<BuildList, Unsupported>>,
    /// `go list -m -json all`, running.
    pending: Mutex<Option<std::thread::JoinHandle<Result<BuildList, Unsupported>>>>,
    env: Vec<(String, String)>,
    toolchains: Mutex<BTreeMap<(String, String), Arc<Toolchain>>>,
    /// Where the context answers are kept between runs, and the `go env` they depend on.
    toolchain_answers: Option<(PathBuf, String)>,
    /// Read-mostly, shared by the configurations evaluated at once: read locks only, once
    /// every directory has been seen.
    /// A directory is read by one thread; the others wanting it wait for that read.
    dirs: RwLock<FastMap<PathBuf, Arc<OnceLock<Arc<DirFacts>>>>>,
    /// Import path → package, for imports from module packages (0) and from standard ones
    /// (1): the answer does not depend on the configuration.
    resolved: [RwLock<FastMap<String, Resolution>>; 2],
    /// Import path → the one `Resolved` of that path.
    packages: RwLock<FastMap<String, Arc<Resolved>>>,
    /// The directories of the main module a `./...` walk visits (relative, `""` for the root).
    walk: OnceLock<Vec<String>>,
    /// The facts of [`NativeGo::walk`]'s directories, in its order, once looked up.
    walk_facts: OnceLock<Vec<OnceLock<Arc<DirFacts>>>>,
    /// The roots of earlier loads, by patterns and the directories they matched: the
    /// configurations that agree on which directories match share one list.
    roots: Mutex<Vec<RootsMemo>>,
    /// What earlier runs read of directories that cannot change, or have not.
    disk: Option<DirCache<DirFacts>>,
    /// Directories read from the file system (not found in `disk`).
    reads: std::sync::atomic::AtomicUsize,
    /// Loads finished.
    loads: std::sync::atomic::AtomicUsize,
}

const INSTALL_HINT: &str = "install Go (https://go.dev/doc/install)";

/// `GOFLAGS` the native loader models: none changes which files or packages a load sees.
fn goflag_is_modelled(flag: &str) -> bool {
    flag.starts_with("-buildvcs")
        || flag == "-trimpath"
        || flag == "-mod=mod"
        || flag == "-mod=readonly"
        || flag.starts_with("-modcacherw")
}

/// Opens a module directory (cached for the process: every configuration of a `fix` or a
/// matrix shares what was read).
///
/// `known_env`: `go env -json` with at least [`GO_ENV_VARS`], asked as they say, when the
/// caller has it (else it is asked here).
pub fn open(
    dir: &Path,
    workspace: bool,
    known_env: Option<&BTreeMap<String, String>>,
) -> Result<Arc<NativeGo>, Unsupported> {
    type Opened = Result<Arc<NativeGo>, Unsupported>;
    static OPEN: OnceLock<Mutex<HashMap<(PathBuf, bool), Opened>>> = OnceLock::new();
    let key = (dir.to_path_buf(), workspace);
    // Held while opening: the configurations of a matrix load at once, and one of them runs
    // `go list -m` while the others wait for its answer.
    let mut cache = OPEN.get_or_init(Default::default).lock().unwrap();
    if let Some(found) = cache.get(&key) {
        return found.clone();
    }
    let opened =
        NativeGo::open(dir, workspace, dir_cache::cache_dir_from_env(), known_env).map(Arc::new);
    cache.insert(key, opened.clone());
    opened
}

/// The `go env` variables the loader reads, asked in the module's directory (with
/// `GOWORK=off` unless a workspace is wanted): the flags, the workspace and go.mod in use,
/// and what decides the build list besides go.mod and go.sum (the toolchain, where modules
/// come from and where they are kept).
pub const GO_ENV_VARS: &[&str] = &[
    "GOFLAGS",
    "GOWORK",
    "GOMOD",
    "GOMODCACHE",
    "GOVERSION",
    "GOTOOLCHAIN",
    "GOPROXY",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOSUMDB",
    "GOINSECURE",
    // What decides the context's tool tags (with GOOS/GOARCH): the toolchain, its
    // experiments, the architecture levels, FIPS mode.
    "GOROOT",
    "GOEXPERIMENT",
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GO386",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
    "GOFIPS140",
];

struct GoEnv {
    goflags: String,
    gowork: String,
    gomod: String,
    gomodcache: String,
}

/// Opens a module directory for this caller alone, with the directory cache in `cache` (or
/// none): what [`open`] does, without sharing.
pub fn open_unshared(
    dir: &Path,
    workspace: bool,
    cache: Option<PathBuf>,
) -> Result<NativeGo, Unsupported> {
    NativeGo::open(dir, workspace, cache, None)
}

impl NativeGo {
    fn open(
        dir: &Path,
        workspace: bool,
        cache: Option<PathBuf>,
        known_env: Option<&BTreeMap<String, String>>,
    ) -> Result<NativeGo, Unsupported> {
        // `go` names directories by their real path (it runs in `dir` and asks the kernel).
        let dir = &std::fs::canonicalize(dir)
            .map_err(|err| Unsupported(format!("{}: {err}", dir.display())))?;
        let go_mod = dir.join("go.mod");
        let Ok(go_mod_text) = std::fs::read_to_string(&go_mod) else {
            return unsupported(format!(
                "{} has no go.mod (a subdirectory, or GOPATH mode)",
                dir.display()
            ));
        };
        if dir.join("vendor").join("modules.txt").is_file() {
            return unsupported("vendor mode (vendor/modules.txt)");
        }
        if go_mod_text
            .lines()
            .any(|line| line.trim_start().starts_with("ignore ") || line.trim() == "ignore (")
        {
            return unsupported("go.mod has an ignore directive");
        }
        let mut env = Vec::new();
        if !workspace {
            env.push(("GOWORK".to_owned(), "off".to_owned()));
        }
        let capture = |args: &[&str], env: &[(String, String)]| {
            exec::capture(&CommandSpec {
                program: "go".to_owned(),
                args: args.iter().map(|a| a.to_string()).collect(),
                dir: Some(dir.to_path_buf()),
                env: env.to_vec(),
                install_hint: INSTALL_HINT.to_owned(),
            })
            .map_err(|err| Unsupported(format!("{err:#}")))
        };
        let asked;
        let known = match known_env {
            Some(known) => known,
            None => {
                let mut args = vec!["env", "-json"];
                args.extend(GO_ENV_VARS);
                asked = serde_json::from_slice(&capture(&args, &env)?)
                    .map_err(|err| Unsupported(format!("go env: {err}")))?;
                &asked
            }
        };
        // What decides the build list besides go.mod and go.sum: the toolchain, the flags,
        // where modules come from and where they are kept.
        let decisive: BTreeMap<&str, &str> = GO_ENV_VARS
            .iter()
            .map(|var| (*var, known.get(*var).map_or("", String::as_str)))
            .collect();
        let decisive_env = format!("{decisive:?}");
        let value = |var: &str| known.get(var).cloned().unwrap_or_default();
        let go_env = GoEnv {
            goflags: value("GOFLAGS"),
            gowork: value("GOWORK"),
            gomod: value("GOMOD"),
            gomodcache: value("GOMODCACHE"),
        };
        if let Some(flag) = go_env
            .goflags
            .split_whitespace()
            .find(|flag| !goflag_is_modelled(flag))
        {
            return unsupported(format!("GOFLAGS has {flag}"));
        }
        if !go_env.gowork.is_empty() && go_env.gowork != "off" {
            return unsupported(format!("a workspace ({})", go_env.gowork));
        }
        if std::fs::canonicalize(&go_env.gomod).ok().as_deref() != Some(go_mod.as_path()) {
            return unsupported(format!("the go command uses {}", go_env.gomod));
        }
        let Some(main_path) = go_mod_module(&go_mod_text) else {
            return unsupported("go.mod has no module directive");
        };
        // The build list comes from `go list -m`, about 0.1 s on a large module: it runs while
        // the main module's directories are read.
        let roots = go_mod_requires(&go_mod_text);
        let spec = CommandSpec {
            program: "go".to_owned(),
            args: ["list", "-m", "-json", "all"].map(str::to_owned).to_vec(),
            dir: Some(dir.to_path_buf()),
            env: env.clone(),
            install_hint: INSTALL_HINT.to_owned(),
        };
        let stored = cache.as_ref().map(|cache_dir| {
            // go.sum read once: its digest keys the stored answer; its lines, parsed only when
            // an answer is stored, say which modules' directories the answer depends on.
            let go_sum_path = dir.join("go.sum");
            let go_sum_text = std::fs::read(&go_sum_path).ok();
            let go_sum = match &go_sum_text {
                Some(bytes) => dir_cache::Expect::contents(bytes),
                None => dir_cache::Expect::file(&go_sum_path),
            };
            let key = format!("{decisive_env}\n{go_mod_text}\n{go_sum:?}");
            let name = format!("go list -m -json all in {}", dir.display());
            let sums = GoSum {
                text: go_sum_text.unwrap_or_default(),
                // Without `-mod=mod` the go command reports a module's directory only when
                // go.sum has the hash of its zip (`checksumOk("")` in modload's moduleInfo).
                readonly: !go_env.goflags.split_whitespace().any(|f| f == "-mod=mod"),
            };
            (dir_cache::AnswerCache::new(cache_dir, &name, &key), sums)
        });
        let modcache = PathBuf::from(&go_env.gomodcache);
        let pending =
            std::thread::spawn(move || build_list(&spec, &roots, stored.as_ref(), &modcache));
        Ok(NativeGo {
            root: dir.to_path_buf(),
            main_path,
            build_list: OnceLock::new(),
            pending: Mutex::new(Some(pending)),
            env,
            toolchains: Mutex::default(),
            toolchain_answers: cache
                .as_ref()
                .map(|cache_dir| (cache_dir.clone(), decisive_env.clone())),
            dirs: RwLock::default(),
            resolved: Default::default(),
            packages: RwLock::default(),
            walk: OnceLock::new(),
            walk_facts: OnceLock::new(),
            roots: Mutex::default(),
            reads: Default::default(),
            loads: Default::default(),
            disk: cache.map(|c| {
                DirCache::new(c, Some(PathBuf::from(go_env.gomodcache)), Some(dir.clone()))
            }),
        })
    }

    /// The build list, once `go list -m` has given it.
    fn build_list(&self) -> Result<&BuildList, Unsupported> {
        self.build_list
            .get_or_init(|| {
                let pending = self.pending.lock().unwrap().take();
                match pending.map(std::thread::JoinHandle::join) {
                    Some(Ok(list)) => list,
                    Some(Err(panic)) => std::panic::resume_unwind(panic),
                    None => unsupported("the build list was not read"),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn toolchain(&self, goos: &str, goarch: &str) -> Result<Arc<Toolchain>, Unsupported> {
        let key = (goos.to_owned(), goarch.to_owned());
        if let Some(found) = self.toolchains.lock().unwrap().get(&key) {
            return Ok(found.clone());
        }
        let mut env = self.env.clone();
        env.push(("GOOS".to_owned(), goos.to_owned()));
        env.push(("GOARCH".to_owned(), goarch.to_owned()));
        // The answer is decided by the toolchain and the variables of `GO_ENV_VARS` that
        // name its experiments and architecture levels, with the target: kept between runs
        // under that key (checked: GOROOT/src is still there).
        let stored = self.toolchain_answers.as_ref().map(|(cache_dir, go_env)| {
            let name = format!("go list context for {goos}/{goarch}");
            dir_cache::AnswerCache::new(cache_dir, &name, &format!("{go_env:?}\n{env:?}"))
        });
        let out = match stored.as_ref().and_then(dir_cache::AnswerCache::get) {
            Some(out) => out,
            None => {
                let out = exec::capture(&CommandSpec {
                    program: "go".to_owned(),
                    args: [
                        "list",
                        "-f",
                        "{{context.GOROOT}}\n{{join context.ToolTags \",\"}}\n{{join context.ReleaseTags \",\"}}",
                        "unsafe",
                    ]
                    .map(str::to_owned)
                    .to_vec(),
                    dir: Some(self.root.clone()),
                    env,
                    install_hint: INSTALL_HINT.to_owned(),
                })
                .map_err(|err| Unsupported(format!("{err:#}")))?;
                if let Some(stored) = &stored {
                    let goroot = String::from_utf8_lossy(&out);
                    let goroot = PathBuf::from(goroot.lines().next().unwrap_or_default());
                    stored.put(&out, vec![(goroot.join("src"), dir_cache::Expect::Dir)]);
                }
                out
            }
        };
        let text = String::from_utf8_lossy(&out);
        let mut lines = text.lines();
        let goroot = PathBuf::from(lines.next().unwrap_or_default());
        let tool_tags = lines
            .next()
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let go_minor = lines
            .next()
            .unwrap_or_default()
            .split(',')
            .filter_map(|t| t.strip_prefix("go1.")?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        if !goroot.join("src").is_dir() {
            return unsupported(format!("no GOROOT/src at {}", goroot.display()));
        }
        if let Some(disk) = &self.disk {
            disk.add_goroot(&goroot);
        }
        let toolchain = Arc::new(Toolchain {
            goroot,
            tool_tags,
            go_minor,
        });
        self.toolchains
            .lock()
            .unwrap()
            .insert(key, toolchain.clone());
        Ok(toolchain)
    }

    /// The packages `go list -e -deps -json` prints for `patterns` under `config`, in its
    /// order.
    pub fn packages(
        &self,
        config: &NativeConfig,
        patterns: &[String],
    ) -> Result<Vec<GoPackage<'static>>, Unsupported> {
        let mut out = Vec::new();
        let loaded = self.load(config, patterns, &mut |modules, loaded, matches| {
            out.push(package_of(modules, loaded, matches));
        });
        if let Some(disk) = &self.disk {
            disk.flush();
        }
        loaded.map(|()| out)
    }

    /// [`NativeGo::packages`] converted to nodes (as a `go list` stream's are, with the
    /// source facts [`source::source_of`] reads), each with the patterns that matched it.
    /// Configurations that agree on a package (the same evaluation of its directory, the same
    /// patterns) share its node: a matrix builds each distinct package once.
    pub fn shared_packages(
        &self,
        config: &NativeConfig,
        patterns: &[String],
    ) -> Result<Vec<MatchedPackage>, Unsupported> {
        /// A package of this load: shared already, or to be converted.
        enum Slot {
            Known(Arc<SharedPackage>),
            Fresh(Loaded),
        }
        let mut slots: Vec<(Slot, Vec<String>)> =
            Vec::with_capacity(self.packages.read().unwrap().len());
        let loaded = self.load(config, patterns, &mut |_, loaded, matches| {
            let slot = match loaded.evaluated.node_for(loaded.resolved.number, matches) {
                Some(shared) => Slot::Known(shared),
                None => Slot::Fresh(loaded.clone()),
            };
            slots.push((slot, matches.to_vec()));
        });
        if let Some(disk) = &self.disk {
            disk.flush();
        }
        loaded?;
        let modules = &self.build_list()?.modules;
        // The packages no configuration built before: converted, and their sources read, on
        // every core.
        let imports_c = |dir: &Path, name: &str| self.imports_c(dir, name);
        // Each with the package and evaluation it was built for, when it is new.
        type Built = (MatchedPackage, Option<(u32, Arc<Evaluated>)>);
        let built: Vec<Built> = slots
            .into_par_iter()
            .map(|(slot, matches)| match slot {
                Slot::Known(shared) => ((shared, matches), None),
                Slot::Fresh(loaded) => {
                    let package = package_of(modules, &loaded, &matches);
                    let (mut node, imports) =
                        SharedPackage::convert(package).expect("a native package has a path");
                    node.source = source::source_of(&node, &imports_c).map(Box::new);
                    let shared = Arc::new(SharedPackage {
                        node: crate::model::NodeRef::new(node),
                        imports,
                        numbered: numbered(&loaded),
                    });
                    (
                        (shared, matches),
                        Some((loaded.resolved.number, loaded.evaluated)),
                    )
                }
            })
            .collect();
        Ok(built
            .into_iter()
            .map(|((shared, matches), fresh)| {
                if let Some((number, evaluated)) = fresh {
                    evaluated.keep_node(number, &matches, &shared);
                }
                (shared, matches)
            })
            .collect())
    }

    /// Loads the packages of `patterns` under `config` and hands each to `each` (with the
    /// build list's modules and the patterns that matched it) in `go list -deps` order.
    fn load(
        &self,
        config: &NativeConfig,
        patterns: &[String],
        each: &mut EachPackage<'_>,
    ) -> Result<(), Unsupported> {
        // The toolchain's tags come from a `go` command; the main module's directories are
        // listed meanwhile.
        let walks = patterns.iter().any(|p| p.ends_with("..."));
        let (toolchain, _) = rayon::join(
            || self.toolchain(&config.goos, &config.goarch),
            || walks.then(|| self.walk().len()),
        );
        let toolchain = toolchain?;
        let mut tags: BTreeSet<String> = config.tags.iter().cloned().collect();
        tags.extend(toolchain.tool_tags.iter().cloned());
        let context = Context {
            goos: config.goos.clone(),
            goarch: config.goarch.clone(),
            cgo: config.cgo,
            tags,
            go_minor: toolchain.go_minor,
        };
        let roots = self.match_patterns(patterns, &context)?;
        // Packages are numbered by their canonical `Resolved` (no string hashed per import).
        let n = self.packages.read().unwrap().len();
        let mut matched: Vec<Option<&[String]>> = vec![None; n];
        for (root, patterns) in roots.iter() {
            *grown(&mut matched, root.number) = Some(patterns.as_slice());
        }
        let modules = &self.build_list()?.modules;
        let mut seen = vec![false; n];
        let mut emit = |loaded: &Loaded| {
            let matches = matched
                .get(loaded.resolved.number as usize)
                .copied()
                .flatten();
            each(modules, loaded, matches.unwrap_or(&[]));
        };
        if self.loads.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            // A configuration after the first finds nearly every directory read and every
            // import resolved: one depth-first pass evaluates and hands out each package.
            for (root, _) in roots.iter() {
                self.visit_loading(root, &context, &toolchain, &mut seen, &mut emit)?;
            }
        } else {
            // The first reads the sources, level by level on every core, then hands them out.
            let mut state: Vec<Option<Loaded>> = Vec::with_capacity(n);
            let mut frontier: Vec<Arc<Resolved>> = Vec::new();
            let mut queued = vec![false; n];
            for (root, _) in roots.iter() {
                if !std::mem::replace(grown(&mut queued, root.number), true) {
                    frontier.push(root.clone());
                }
            }
            while !frontier.is_empty() {
                let done: Vec<_> = frontier
                    .par_iter()
                    .map(|resolved| {
                        let evaluated = self.evaluate(resolved, &context)?;
                        let implicit = self.deps(resolved, &evaluated, &context, &toolchain)?;
                        Ok(Loaded {
                            resolved: resolved.clone(),
                            evaluated,
                            implicit,
                        })
                    })
                    .collect::<Result<_, Unsupported>>()?;
                frontier = Vec::new();
                for loaded in done {
                    for dep in loaded.deps() {
                        if !std::mem::replace(grown(&mut queued, dep.number), true) {
                            frontier.push(dep.clone());
                        }
                    }
                    let number = loaded.resolved.number;
                    *grown(&mut state, number) = Some(loaded);
                }
            }
            // `-deps` order: depth first from each root in order, a package after its imports.
            for (root, _) in roots.iter() {
                visit(root, &state, &mut seen, &mut emit);
            }
        }
        self.loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// [`visit`], evaluating each package as it is reached (for a load whose sources are
    /// mostly read already).
    fn visit_loading(
        &self,
        package: &Arc<Resolved>,
        context: &Context,
        toolchain: &Toolchain,
        seen: &mut Vec<bool>,
        each: &mut dyn FnMut(&Loaded),
    ) -> Result<(), Unsupported> {
        if std::mem::replace(grown(seen, package.number), true) {
            return Ok(());
        }
        let evaluated = self.evaluate(package, context)?;
        let loaded = Loaded {
            resolved: package.clone(),
            implicit: self.deps(package, &evaluated, context, toolchain)?,
            evaluated,
        };
        let explicit = match evaluated_imports(&loaded.evaluated) {
            Some(explicit) => explicit,
            None => &[],
        };
        let numbers = loaded
            .evaluated
            .import_numbers
            .get_or_init(|| explicit.iter().map(|dep| dep.number).collect());
        for (dep, &number) in explicit.iter().zip(numbers) {
            if !seen.get(number as usize).is_some_and(|&seen| seen) {
                self.visit_loading(dep, context, toolchain, seen, each)?;
            }
        }
        for dep in &loaded.implicit {
            self.visit_loading(dep, context, toolchain, seen, each)?;
        }
        each(&loaded);
        Ok(())
    }

    /// The packages the patterns match, each with the patterns that match it, in `go list`'s
    /// order.
    fn match_patterns(
        &self,
        patterns: &[String],
        context: &Context,
    ) -> Result<Arc<Vec<Root>>, Unsupported> {
        // Each pattern's directories: for `path/...`, those of the walk inside `path`.
        let mut scopes: Vec<(&str, bool, Vec<usize>)> = Vec::new();
        for pattern in patterns {
            let rel = if pattern == "." {
                ""
            } else if let Some(rest) = pattern.strip_prefix("./") {
                rest.trim_end_matches('/')
            } else {
                return unsupported(format!(
                    "pattern {pattern} (only ./... and ./dir are read natively)"
                ));
            };
            let (prefix, wildcard) = match rel.strip_suffix("...") {
                Some(prefix) => (prefix.trim_end_matches('/'), true),
                None => (rel, false),
            };
            if prefix.contains("...") || prefix.split('/').any(|e| e == "..") {
                return unsupported(format!("pattern {pattern}"));
            }
            let dirs: Vec<usize> = if wildcard {
                let prefix_slash = format!("{prefix}/");
                let inside =
                    |d: &String| prefix.is_empty() || d == prefix || d.starts_with(&prefix_slash);
                self.walk()
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| inside(d))
                    .map(|(i, _)| i)
                    .collect()
            } else {
                Vec::new()
            };
            scopes.push((prefix, wildcard, dirs));
        }
        // Walked only when a pattern has `...` (`./cmd/x` alone needs no walk).
        let walks = scopes.iter().any(|(_, wildcard, _)| *wildcard);
        let walk: &[String] = if walks { self.walk() } else { &[] };
        let facts: &[OnceLock<Arc<DirFacts>>] = if walks {
            self.walk_facts
                .get_or_init(|| walk.iter().map(|_| OnceLock::new()).collect())
        } else {
            &[]
        };
        // The directories not looked up yet, read on every core (outside any cell: the reads'
        // jobs may run another load on this thread).
        let mut missing: Vec<usize> = scopes
            .iter()
            .flat_map(|(_, _, dirs)| dirs.iter().copied())
            .filter(|&i| facts[i].get().is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing.par_iter().for_each(|&i| {
            let read = self.dir_facts(&self.main_dir(&walk[i]));
            let _ = facts[i].set(read);
        });
        let facts_at = |i: usize| facts[i].get().expect("looked up above");
        let matched: Vec<Vec<u64>> = scopes
            .iter()
            .map(|(_, wildcard, dirs)| {
                let mut bits = vec![0u64; dirs.len().div_ceil(64)];
                if *wildcard {
                    for (i, &dir) in dirs.iter().enumerate() {
                        if facts_at(dir).scan_matches(context) {
                            bits[i / 64] |= 1 << (i % 64);
                        }
                    }
                }
                bits
            })
            .collect();
        if let Some(memo) = self
            .roots
            .lock()
            .unwrap()
            .iter()
            .find(|m| m.patterns == patterns && m.matched == matched)
        {
            return Ok(memo.roots.clone());
        }
        // Read while `go list -m` ran; from here on its answer is needed.
        let list = self.build_list()?;
        let main = list.main;
        if list.modules[main].path != self.main_path {
            return unsupported(format!(
                "go list -m names main module {}, go.mod {}",
                list.modules[main].path, self.main_path
            ));
        }
        let mut order: Vec<String> = Vec::new();
        let mut by_path: FastMap<String, (Arc<Resolved>, Vec<String>)> = FastMap::default();
        for ((pattern, (prefix, wildcard, dirs)), bits) in
            patterns.iter().zip(&scopes).zip(&matched)
        {
            let found: Vec<&str> = if *wildcard {
                dirs.iter()
                    .enumerate()
                    .filter(|(i, _)| bits[i / 64] & (1 << (i % 64)) != 0)
                    .map(|(_, &dir)| walk[dir].as_str())
                    .collect()
            } else {
                vec![*prefix]
            };
            for rel in found {
                let path = if rel.is_empty() {
                    self.main_path.clone()
                } else {
                    format!("{}/{rel}", self.main_path)
                };
                let entry = by_path.entry(path.clone()).or_insert_with(|| {
                    order.push(path.clone());
                    let dir = self.main_dir(rel);
                    let resolved = Resolved::new(path.clone(), dir, false, Some(main));
                    (self.canonical(resolved), Vec::new())
                });
                if !entry.1.contains(pattern) {
                    entry.1.push(pattern.clone());
                }
            }
        }
        let roots: Arc<Vec<Root>> = Arc::new(
            order
                .into_iter()
                .map(|path| by_path.remove(&path).expect("matched"))
                .collect(),
        );
        self.roots.lock().unwrap().push(RootsMemo {
            patterns: patterns.to_vec(),
            matched,
            roots: roots.clone(),
        });
        Ok(roots)
    }

    /// The directory of the main module at `rel` (`""`: its root, without a trailing `/`).
    fn main_dir(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// The main module's directories a `./...` walk visits (`modload`'s `walkPkgs`): not
    /// `.x`, `_x` or `testdata`, not inside a nested module, not below `vendor`.
    fn walk(&self) -> &[String] {
        // Once: the configurations loaded meanwhile wait for it (the walk needs no rayon
        // thread, so waiting on one cannot hold it back).
        self.walk.get_or_init(|| {
            let mut out = walk_from(&self.root);
            out.sort();
            out
        })
    }

    fn dir_facts(&self, dir: &Path) -> Arc<DirFacts> {
        let known = self.dirs.read().unwrap().get(dir).cloned();
        let slot = match known {
            Some(slot) => slot,
            None => self
                .dirs
                .write()
                .unwrap()
                .entry(dir.to_path_buf())
                .or_default()
                .clone(),
        };
        slot.get_or_init(|| {
            let files = |facts: &DirFacts| facts.files.iter().map(|f| f.name.clone()).collect();
            if let Some(stored) = self.disk.as_ref().and_then(|d| d.get(dir)) {
                return stored;
            }
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let facts = Arc::new(read_dir_facts(dir));
            if let Some(disk) = &self.disk {
                disk.put(dir, facts.clone(), &files);
            }
            facts
        })
        .clone()
    }

    /// How many directories this loader has read from the file system (the others came from
    /// the directory cache).
    pub fn directories_read(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the Go file `name` in `dir` has `import "C"`, from the header already read
    /// (`None`: the directory was not read, or the file's header could not be).
    pub fn imports_c(&self, dir: &Path, name: &str) -> Option<bool> {
        let slot = self.dirs.read().unwrap().get(dir).cloned()?;
        let facts = slot.get()?;
        let file = facts
            .files
            .binary_search_by(|f| f.name.as_str().cmp(name))
            .ok()
            .map(|i| &facts.files[i])?;
        match &file.go {
            Some(Ok(header)) => Some(header.imports.iter().any(|i| i == "C")),
            _ => None,
        }
    }

    /// The package under a configuration; configurations that agree on every tag the
    /// directory's files look at share one evaluation.
    fn evaluate(
        &self,
        resolved: &Resolved,
        context: &Context,
    ) -> Result<Arc<Evaluated>, Unsupported> {
        let facts = self.facts_of(resolved);
        let key = facts.mask(context);
        let cached = key.and_then(|key| facts.evaluations.find(|k| *k == key));
        let evaluated = match cached {
            Some(evaluated) => evaluated,
            None => {
                let dir = resolved.dir.to_string_lossy();
                let evaluated = evaluate(facts, context, &dir).map(Arc::new);
                // One evaluation stands per mask: configurations share a package's node only
                // when they share its evaluation.
                match key {
                    Some(key) => facts.evaluations.keep(key, evaluated, |k| *k == key),
                    None => evaluated,
                }
            }
        };
        evaluated_or(evaluated, resolved)
    }

    /// The packages a package brings in besides its imports, in `cmd/go`'s order (cgo's
    /// `unsafe`, `runtime/cgo`, `syscall`; a main package's `runtime`, ...); its imports are
    /// resolved on its evaluation, once.
    fn deps(
        &self,
        resolved: &Resolved,
        evaluated: &Evaluated,
        context: &Context,
        toolchain: &Toolchain,
    ) -> Result<Vec<Arc<Resolved>>, Unsupported> {
        evaluated
            .resolved_imports
            .get_or_init(|| {
                evaluated
                    .imports
                    .iter()
                    .filter(|p| *p != "C")
                    .map(|path| self.resolve(path, resolved.standard, toolchain))
                    .collect()
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let mut implicit: Vec<&str> = Vec::new();
        if !evaluated.cgo_files.is_empty() {
            implicit.push("unsafe");
            if !(resolved.standard && resolved.path == "runtime/cgo") {
                implicit.push("runtime/cgo");
            }
            let syscall_exclude = [
                "runtime/cgo",
                "runtime/race",
                "runtime/msan",
                "runtime/asan",
            ];
            if !(resolved.standard && syscall_exclude.contains(&resolved.path.as_str())) {
                implicit.push("syscall");
            }
        }
        if evaluated.name == "main" {
            implicit.push("runtime");
            if must_link_external(&context.goos, &context.goarch) {
                if !context.cgo {
                    return unsupported(format!(
                        "{}/{} requires external (cgo) linking, but cgo is not enabled",
                        context.goos, context.goarch
                    ));
                }
                implicit.push("runtime/cgo");
            }
            if context.goarch == "arm" {
                implicit.push("math");
            }
        }
        let mut deps = Vec::new();
        let mut added: Vec<&str> = Vec::new();
        for path in implicit {
            if !evaluated.imports.iter().any(|p| p == path) && !added.contains(&path) {
                added.push(path);
                deps.push(self.resolve(path, resolved.standard, toolchain)?);
            }
        }
        Ok(deps)
    }

    /// The package an import path names, from a standard or a module package.
    fn resolve(
        &self,
        path: &str,
        from_std: bool,
        toolchain: &Toolchain,
    ) -> Result<Arc<Resolved>, Unsupported> {
        let cache = &self.resolved[usize::from(from_std)];
        if let Some(found) = cache.read().unwrap().get(path) {
            return found.clone();
        }
        let found = self
            .resolve_uncached(path, from_std, toolchain)
            .map(|resolved| self.canonical(resolved));
        cache
            .write()
            .unwrap()
            .entry(path.to_owned())
            .or_insert(found)
            .clone()
    }

    /// The one `Resolved` of its path: the first one made stands.
    fn canonical(&self, resolved: Resolved) -> Arc<Resolved> {
        if let Some(known) = self.packages.read().unwrap().get(&resolved.path) {
            return known.clone();
        }
        let mut packages = self.packages.write().unwrap();
        let number = packages.len() as u32;
        packages
            .entry(resolved.path.clone())
            .or_insert_with(|| {
                let mut resolved = resolved;
                resolved.number = number;
                Arc::new(resolved)
            })
            .clone()
    }

    /// The facts of a package's directory, looked up once per package.
    fn facts_of<'r>(&self, resolved: &'r Resolved) -> &'r DirFacts {
        resolved.facts.get_or_init(|| self.dir_facts(&resolved.dir))
    }

    fn resolve_uncached(
        &self,
        path: &str,
        from_std: bool,
        toolchain: &Toolchain,
    ) -> Result<Resolved, Unsupported> {
        let src = toolchain.goroot.join("src");
        let first = path.split('/').next().unwrap_or_default();
        let std_path = !first.contains('.');
        if from_std && !std_path {
            let dir = src.join("vendor").join(path);
            if self.dir_facts(&dir).has_go_file {
                return Ok(Resolved::new(format!("vendor/{path}"), dir, true, None));
            }
        }
        if std_path {
            let dir = src.join(path);
            if self.dir_facts(&dir).has_go_file {
                return Ok(Resolved::new(path.to_owned(), dir, true, None));
            }
        }
        // The root requirements first; the whole build list only when they lack the package.
        let mut found = self.providers(path, true)?;
        if found.is_empty() {
            found = self.providers(path, false)?;
        }
        match found.len() {
            1 => {
                let (module, dir) = found.pop().expect("one");
                Ok(Resolved::new(path.to_owned(), dir, false, Some(module)))
            }
            0 => unsupported(format!("no module provides package {path}")),
            _ => unsupported(format!("ambiguous import: {path} is in several modules")),
        }
    }

    /// The modules (roots only, or all) whose directory holds package `path`.
    fn providers(&self, path: &str, roots: bool) -> Result<Vec<(usize, PathBuf)>, Unsupported> {
        let mut found: Vec<(usize, PathBuf)> = Vec::new();
        for (i, module) in self.build_list()?.modules.iter().enumerate() {
            if roots && !module.root {
                continue;
            }
            let rest = if path == module.path {
                ""
            } else if let Some(rest) = path
                .strip_prefix(module.path.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                rest
            } else {
                continue;
            };
            let Some(mod_dir) = &module.dir else {
                return unsupported(format!(
                    "module {} is not in the module cache (go list would download it)",
                    module.path
                ));
            };
            let dir = if rest.is_empty() {
                mod_dir.clone()
            } else {
                mod_dir.join(rest)
            };
            if !self.dir_facts(&dir).has_go_file {
                continue;
            }
            if module.local && !rest.is_empty() {
                // A go.mod between the module root and the package makes it another module's.
                let mut nested = false;
                let mut d = dir.clone();
                while d != *mod_dir && d.starts_with(mod_dir) {
                    if d.join("go.mod").is_file() {
                        nested = true;
                        break;
                    }
                    if !d.pop() {
                        break;
                    }
                }
                if nested {
                    continue;
                }
            }
            found.push((i, dir));
        }
        Ok(found)
    }
}

/// Hands `package` to `each` after everything it brings in, depth first, each package once
/// (`go list -deps` order).
fn visit(
    package: &Arc<Resolved>,
    state: &[Option<Loaded>],
    seen: &mut Vec<bool>,
    each: &mut dyn FnMut(&Loaded),
) {
    if std::mem::replace(grown(seen, package.number), true) {
        return;
    }
    let loaded = state[package.number as usize]
        .as_ref()
        .expect("every package queued is loaded");
    for dep in loaded.deps() {
        visit(dep, state, seen, each);
    }
    each(loaded);
}

/// The entry for package number `number`, the vector grown to hold it (packages found while
/// a load runs get numbers past those known when it started).
fn grown<T: Default>(items: &mut Vec<T>, number: u32) -> &mut T {
    let i = number as usize;
    if i >= items.len() {
        items.resize_with(i + 1, T::default);
    }
    &mut items[i]
}

/// A loaded package's number and those of its imports, in order, as [`SharedPackage`] keeps
/// them (`import "C"` stands for `runtime/cgo`, as in a `go list` stream's graph).
fn numbered(loaded: &Loaded) -> Numbered {
    let Loaded {
        resolved,
        evaluated,
        ..
    } = loaded;
    let runtime_cgo = || {
        if resolved.standard && resolved.path == "runtime/cgo" {
            return Some(resolved.number);
        }
        loaded
            .deps()
            .find(|dep| dep.standard && dep.path == "runtime/cgo")
            .map(|dep| dep.number)
    };
    let mut explicit = loaded.deps();
    let edges = evaluated
        .imports
        .iter()
        .map(|import| {
            if import == "C" {
                Some((runtime_cgo()?, EdgeKind::Cgo))
            } else {
                Some((explicit.next()?.number, EdgeKind::Import))
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some((resolved.number, edges.into()))
}

/// The `go list -json` object of a loaded package.
fn package_of(modules: &[Module], loaded: &Loaded, matches: &[String]) -> GoPackage<'static> {
    let Loaded {
        resolved,
        evaluated,
        ..
    } = loaded;
    let texts = |list: &[String]| list.iter().cloned().map(Text::from).collect::<Vec<_>>();
    // The first dependencies are the imports, "C" left out, in order.
    let mut resolved_imports = loaded.deps();
    let imports = evaluated
        .imports
        .iter()
        .map(|import| {
            let path = if import == "C" {
                import.clone()
            } else {
                resolved_imports
                    .next()
                    .map_or_else(|| import.clone(), |dep| dep.path.clone())
            };
            Text::from(path)
        })
        .collect();
    GoPackage {
        import_path: Some(Text::from(resolved.path.clone())),
        name: Text::from(evaluated.name.clone()),
        dir: Some(Text::from(resolved.dir.to_string_lossy().into_owned())),
        standard: resolved.standard,
        dep_only: matches.is_empty(),
        matches: texts(matches),
        module: resolved.module.map(|m| modules[m].info.clone()),
        imports,
        go_files: texts(&evaluated.go_files),
        cgo_files: texts(&evaluated.cgo_files),
        ignored_go_files: texts(&evaluated.ignored_go_files),
        c_files: texts(&evaluated.c_files),
        cxx_files: texts(&evaluated.cxx_files),
        syso_files: texts(&evaluated.syso_files),
        cgo_ldflags: texts(&evaluated.ldflags),
        cgo_pkg_config: texts(&evaluated.pkg_config),
        error: None,
        deps_errors: Vec::new(),
    }
}

/// The directories a `./...` walk of the main module at `root` visits (`""`: the root), on
/// threads of its own sharing one queue of directories to list, not rayon's: configurations
/// loaded at once wait for this one walk, and a rayon thread that waits must never be the one
/// holding back the work it waits for.
fn walk_from(root: &Path) -> Vec<String> {
    struct Queue {
        dirs: Vec<String>,
        /// Threads listing a directory (each may add more).
        busy: usize,
        /// Threads waiting for a directory.
        waiting: usize,
    }
    let threads = super::go_stream::worker_count();
    let queue = Mutex::new(Queue {
        dirs: vec![String::new()],
        busy: threads,
        waiting: 0,
    });
    let more = std::sync::Condvar::new();
    // Depth first on each thread: one child is listed next on the same thread, its siblings
    // go to the queue (a lock per directory with siblings; a wake-up only for a waiting thread).
    let walker = || {
        let mut visited = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let rel = match next.take() {
                Some(rel) => rel,
                None => {
                    let mut queue = queue.lock().unwrap();
                    queue.busy -= 1;
                    loop {
                        if let Some(rel) = queue.dirs.pop() {
                            queue.busy += 1;
                            break rel;
                        }
                        if queue.busy == 0 {
                            more.notify_all();
                            return visited;
                        }
                        queue.waiting += 1;
                        queue = more.wait(queue).unwrap();
                        queue.waiting -= 1;
                    }
                }
            };
            let mut children = children_walked(root, &rel);
            visited.push(rel);
            next = children.pop();
            if !children.is_empty() {
                let mut queue = queue.lock().unwrap();
                queue.dirs.extend(children);
                if queue.waiting > 0 {
                    more.notify_all();
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(walker)).collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a walk thread does not panic"))
            .collect()
    })
}

/// The subdirectories of `rel` a `./...` walk enters: not `.x`, `_x` or `testdata`, not
/// symlinks, not nested modules, nothing below a `vendor` directory.
fn children_walked(root: &Path, rel: &str) -> Vec<String> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut children = Vec::new();
    let below_vendor = rel.rsplit('/').next() == Some("vendor");
    if let Some(entries) = std::fs::read_dir(&dir).ok().filter(|_| !below_vendor) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.starts_with('_') || name == "testdata" {
                continue;
            }
            // Directories only, not symlinks to them (WalkDir does not follow).
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if entry.path().join("go.mod").is_file() {
                continue;
            }
            children.push(if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            });
        }
    }
    children
}

/// The modules of the build list (`go list -m -json all`).
struct BuildList {
    modules: Vec<Module>,
    main: usize,
}

/// The build list: `go list -m -json all`'s answer, or the one stored for the same go.mod,
/// go.sum, environment, local replacements and module cache contents.
fn build_list(
    spec: &CommandSpec,
    roots: &BTreeSet<String>,
    stored: Option<&(dir_cache::AnswerCache, GoSum)>,
    modcache: &Path,
) -> Result<BuildList, Unsupported> {
    if let Some(list) = stored
        .and_then(|(answer, _)| answer.get())
        .and_then(|listed| parse_build_list(&listed, roots).ok())
    {
        return Ok(list);
    }
    let listed = exec::capture(spec).map_err(|err| Unsupported(format!("{err:#}")))?;
    let list = parse_build_list(&listed, roots)?;
    if let Some((answer, go_sum)) = stored {
        answer.put(&listed, build_list_expects(&list, modcache, go_sum));
    }
    Ok(list)
}

/// The main module's go.sum as read when the answer's key was made, and the mode it is read in.
struct GoSum {
    text: Vec<u8>,
    /// Without `-mod=mod`: a directory is reported only for a module whose zip hash it holds.
    readonly: bool,
}

/// The `path version` pairs of go.sum's zip hashes (`path version h1:...`; the
/// `version/go.mod` lines are go.mod hashes).
fn go_sum_zips(text: &[u8]) -> BTreeSet<(String, String)> {
    String::from_utf8_lossy(text)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (path, version, hash) = (words.next()?, words.next()?, words.next()?);
            (hash.starts_with("h1:") && !version.ends_with("/go.mod"))
                .then(|| (path.to_owned(), version.to_owned()))
        })
        .collect()
}

/// What a build list assumes of the file system: each local replacement's go.mod as it is,
/// each module directory there, and each module not in the module cache still missing (once
/// downloaded, `go list -m` names its directory) — unless go.sum lacks its zip hash, for then
/// `go list -m` names no directory whatever the module cache holds (a module another project
/// downloaded must not make the stored answer stale forever).
fn build_list_expects(
    list: &BuildList,
    modcache: &Path,
    go_sum: &GoSum,
) -> Vec<(PathBuf, dir_cache::Expect)> {
    let zips = go_sum_zips(&go_sum.text);
    let mut out = Vec::new();
    for module in &list.modules {
        if module.info.main {
            continue;
        }
        match &module.dir {
            Some(dir) if module.local => {
                let go_mod = dir.join("go.mod");
                out.push((go_mod.clone(), dir_cache::Expect::file(&go_mod)));
            }
            Some(dir) => out.push((dir.clone(), dir_cache::Expect::Dir)),
            None => {
                let (path, version) = match &module.info.replace {
                    Some(r) => (&*r.path, r.version.as_deref()),
                    None => (&*module.info.path, module.info.version.as_deref()),
                };
                if let Some(version) = version {
                    if go_sum.readonly && !zips.contains(&(path.to_owned(), version.to_owned())) {
                        continue;
                    }
                    let dir = modcache.join(format!(
                        "{}@{}",
                        escape_module_path(path),
                        escape_module_path(version)
                    ));
                    out.push((dir, dir_cache::Expect::Absent));
                }
            }
        }
    }
    out
}

/// `module.EscapePath`: each upper-case letter as `!` and its lower case.
fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_build_list(listed: &[u8], roots: &BTreeSet<String>) -> Result<BuildList, Unsupported> {
    let mut modules = Vec::new();
    // The same objects as a package's `Module`.
    for module in serde_json::Deserializer::from_slice(listed).into_iter::<GoModule>() {
        let module = module
            .map_err(|err| Unsupported(format!("go list -m: {err}")))?
            .into_owned();
        let local = module.main || module.replace.as_ref().is_some_and(|r| r.version.is_none());
        modules.push(Module {
            root: module.main || roots.contains(&*module.path),
            path: module.path.to_string(),
            dir: module
                .dir
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            local,
            info: module,
        });
    }
    let Some(main) = modules.iter().position(|m| m.info.main) else {
        return unsupported("go list -m all names no main module");
    };
    Ok(BuildList { modules, main })
}

/// The module path of a go.mod's `module` directive.
fn go_mod_module(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split("//").next()?.trim();
        let path = line.strip_prefix("module")?;
        path.starts_with([' ', '\t'])
            .then(|| path.trim().trim_matches('"').to_owned())
    })
}

/// The module paths of a go.mod's `require` directives.
fn go_mod_requires(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        if in_block {
            if line == ")" {
                in_block = false;
            } else if let Some(path) = line.split_whitespace().next() {
                out.insert(path.trim_matches('"').to_owned());
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("require") else {
            continue;
        };
        let rest = rest.trim();
        if rest == "(" {
            in_block = true;
        } else if let Some(path) = rest.split_whitespace().next() {
            out.insert(path.trim_matches('"').to_owned());
        }
    }
    out
}

/// `platform.MustLinkExternal(goos, goarch, false)`.
fn must_link_external(goos: &str, goarch: &str) -> bool {
    match goos {
        "android" => goarch != "arm64",
        "ios" => goarch == "arm64",
        _ => false,
    }
}

/// Extensions `go/build` sorts into a file list (`fileListForExt`); others are not looked at.
const KNOWN_EXT: &[&str] = &[
    ".c", ".cc", ".cxx", ".cpp", ".m", ".h", ".hh", ".hpp", ".hxx", ".f", ".F", ".for", ".f90",
    ".s", ".S", ".sx", ".swig", ".swigcxx", ".syso",
];

/// Bytes read of a file first; the rest only when its header goes on.
const FIRST_READ: usize = 4 << 10;

fn read_dir_facts(dir: &Path) -> DirFacts {
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    let mut has_go_file = false;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type();
            let is_file = match kind {
                Ok(t) if t.is_file() => true,
                Ok(t) if t.is_symlink() => {
                    !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir())
                }
                _ => false,
            };
            // IsGoDir wants a regular file, or a link to one.
            has_go_file |= name.ends_with(".go")
                && match kind {
                    Ok(t) if t.is_symlink() => {
                        std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
                    }
                    _ => is_file,
                };
            if name.starts_with('_') || name.starts_with('.') {
                continue;
            }
            if is_file {
                names.push((name, entry.path()));
            }
        }
    }
    names.sort();
    // Sequential: this runs inside a directory's one-time initializer, which other threads
    // may wait on; a rayon join here could steal a job that waits on the same directory.
    // The packages of a frontier are read in parallel instead.
    let files: Vec<FileFacts> = names
        .iter()
        .filter_map(|(name, path)| {
            let ext = name.rfind('.').map_or("", |i| &name[i..]).to_owned();
            if ext != ".go" && !KNOWN_EXT.contains(&ext.as_str()) {
                return None;
            }
            Some(read_file_facts(name, ext, path))
        })
        .collect();
    DirFacts::new(files, has_go_file)
}

/// The tags [`evaluate`] asks about for these files.
fn decisive_tags(files: &[FileFacts]) -> Vec<String> {
    let mut tags: BTreeSet<String> = BTreeSet::new();
    // cgo on or off changes a directory's evaluation through its `import "C"` files and its
    // C and C++ files (dropped without cgo), besides the `cgo` tag in constraints (below):
    // a directory of Go files alone evaluates the same either way.
    let plain_go = |file: &FileFacts| {
        file.name.ends_with(".go")
            && matches!(&file.go, Some(Ok(header)) if !header.imports.iter().any(|i| i == "C"))
    };
    if !files.iter().all(plain_go) {
        tags.insert("cgo".to_owned());
    }
    for file in files {
        tags.extend(
            constraint::name_tags(&file.name)
                .into_iter()
                .map(str::to_owned),
        );
        if let Ok(Some(expr)) = &file.constraint {
            tags.extend(expr.tags());
        }
        if let Some(Ok(header)) = &file.go {
            for doc in &header.cgo_docs {
                for line in go_header::cgo_lines(doc).unwrap_or_default() {
                    for condition in &line.conditions {
                        if let Some(expr) = match_auto(condition) {
                            tags.extend(expr.tags());
                        }
                    }
                }
            }
        }
    }
    tags.into_iter().collect()
}

fn read_file_facts(name: &str, ext: String, path: &Path) -> FileFacts {
    let mut facts = FileFacts {
        name: name.to_owned(),
        ext,
        constraint: Ok(None),
        go: None,
    };
    // Only C and C++ sources of the non-Go files are reported; the others need no reading.
    let needs_reading = matches!(facts.ext.as_str(), ".go" | ".c" | ".cc" | ".cxx" | ".cpp");
    if !needs_reading {
        return facts;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        facts.constraint = Err("cannot read".to_owned());
        return facts;
    };
    let mut bytes = Vec::with_capacity(FIRST_READ);
    let read = (&mut file).take(FIRST_READ as u64).read_to_end(&mut bytes);
    if read.is_err() {
        facts.constraint = Err("cannot read".to_owned());
        return facts;
    }
    let mut complete = bytes.len() < FIRST_READ;
    loop {
        let text = utf8_prefix(&bytes, complete);
        let constraint = go_header::file_constraint(&text);
        if facts.ext != ".go" {
            facts.constraint = constraint;
            return facts;
        }
        match go_header::read_header(&text, complete) {
            Err(HeaderError::NeedMore) if !complete => {
                if file.read_to_end(&mut bytes).is_err() {
                    facts.constraint = Err("cannot read".to_owned());
                    return facts;
                }
                complete = true;
            }
            Err(HeaderError::NeedMore) => {
                facts.constraint = constraint;
                facts.go = Some(Err("unexpected end of file".to_owned()));
                return facts;
            }
            Err(HeaderError::Syntax(err)) => {
                facts.constraint = constraint;
                facts.go = Some(Err(err));
                return facts;
            }
            Ok(header) => {
                facts.constraint = constraint;
                facts.go = Some(Ok(header));
                return facts;
            }
        }
    }
}

/// The text of a file's first bytes without copying: a character cut by the end of a partial
/// read is left out; only a file that is not UTF-8 is copied (lossily).
fn utf8_prefix(bytes: &[u8], complete: bool) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(err) if !complete && err.error_len().is_none() => {
            std::str::from_utf8(&bytes[..err.valid_up_to()])
                .unwrap_or_default()
                .into()
        }
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `imports.ScanDir` as `./...` uses it: some `.go` file (tests included) passes the name
/// rule and the constraint, and is not a cgo file when cgo is off.
fn scan_dir_matches(facts: &DirFacts, context: &Context) -> bool {
    facts.files.iter().any(|file| {
        file.ext == ".go"
            && constraint::name_allows(&file.name, context)
            && match &file.go {
                Some(Ok(header)) => context.cgo || !header.imports.iter().any(|i| i == "C"),
                _ => true,
            }
            && match &file.constraint {
                Ok(expr) => expr.as_ref().is_none_or(|e| e.eval(&|t| context.holds(t))),
                Err(_) => true,
            }
    })
}

/// `go/build`'s `Import` for one directory under one configuration.
fn evaluate(facts: &DirFacts, context: &Context, dir: &str) -> Result<Evaluated, String> {
    let mut p = Evaluated::default();
    let mut imports: BTreeSet<String> = BTreeSet::new();
    let mut n_tests = 0;
    let holds = |tag: &str| context.holds(tag);
    for file in &facts.files {
        let is_go = file.ext == ".go";
        if !constraint::name_allows(&file.name, context) {
            if is_go {
                p.ignored_go_files.push(file.name.clone());
            }
            continue;
        }
        if file.ext == ".syso" {
            p.syso_files.push(file.name.clone());
            continue;
        }
        let builds = match &file.constraint {
            Ok(expr) => expr.as_ref().is_none_or(|e| e.eval(&holds)),
            Err(err) if is_go => return Err(format!("{}: {err}", file.name)),
            Err(_) => false,
        };
        if !builds {
            if is_go {
                p.ignored_go_files.push(file.name.clone());
            }
            continue;
        }
        match file.ext.as_str() {
            ".go" => {}
            ".c" => {
                p.c_files.push(file.name.clone());
                continue;
            }
            ".cc" | ".cxx" | ".cpp" => {
                p.cxx_files.push(file.name.clone());
                continue;
            }
            ".swig" | ".swigcxx" => return Err(format!("{}: SWIG is not modelled", file.name)),
            _ => continue,
        }
        let header = match &file.go {
            Some(Ok(header)) => header,
            Some(Err(err)) => return Err(format!("{}: {err}", file.name)),
            None => return Err(format!("{}: not read", file.name)),
        };
        let mut package = header.package.as_str();
        if package == "documentation" {
            p.ignored_go_files.push(file.name.clone());
            continue;
        }
        let is_test = file.name.ends_with("_test.go");
        let mut is_xtest = false;
        if is_test && package.ends_with("_test") && p.name != package {
            is_xtest = true;
            package = &package[..package.len() - "_test".len()];
        }
        if p.name.is_empty() {
            p.name = package.to_owned();
        } else if package != p.name {
            return Err(format!("found packages {} and {package} in {dir}", p.name));
        }
        let is_cgo = header.imports.iter().any(|i| i == "C");
        if is_cgo && is_test {
            return Err(format!("use of cgo in test {} not supported", file.name));
        }
        if is_cgo {
            for doc in &header.cgo_docs {
                save_cgo(doc, dir, context, &mut p)
                    .map_err(|err| format!("{}: {err}", file.name))?;
            }
            if context.cgo {
                p.cgo_files.push(file.name.clone());
                imports.extend(header.imports.iter().cloned());
            } else {
                p.ignored_go_files.push(file.name.clone());
            }
        } else if is_test || is_xtest {
            n_tests += 1;
        } else {
            p.go_files.push(file.name.clone());
            imports.extend(header.imports.iter().cloned());
        }
    }
    if p.test_only() && n_tests == 0 {
        return Err(format!("no Go files for this configuration in {dir}"));
    }
    if !context.cgo {
        p.c_files.clear();
        p.cxx_files.clear();
    }
    if !p.c_files.is_empty() && p.cgo_files.is_empty() {
        return Err("C source files not allowed when not using cgo or SWIG".to_owned());
    }
    p.imports = imports.into_iter().collect();
    Ok(p)
}

/// `go/build`'s `saveCgo`: the `#cgo` lines of one preamble whose condition holds.
fn save_cgo(doc: &str, dir: &str, context: &Context, p: &mut Evaluated) -> Result<(), String> {
    for line in go_header::cgo_lines(doc)? {
        if !line.conditions.is_empty()
            && !line
                .conditions
                .iter()
                .any(|c| match_auto(c).is_some_and(|e| e.eval(&|t| context.holds(t))))
        {
            continue;
        }
        let mut args = Vec::with_capacity(line.args.len());
        for arg in &line.args {
            match go_header::expand_srcdir(arg, dir) {
                Some(arg) => args.push(arg),
                None => return Err(format!("malformed #cgo argument: {arg}")),
            }
        }
        match line.verb.as_str() {
            "CFLAGS" | "CPPFLAGS" | "CXXFLAGS" | "FFLAGS" => {}
            "LDFLAGS" => {
                go_header::make_paths_absolute(&mut args, dir);
                p.ldflags.extend(args);
            }
            "pkg-config" => p.pkg_config.extend(args),
            verb => return Err(format!("invalid #cgo verb: {verb}")),
        }
    }
    Ok(())
}

/// `matchAuto`: a `//go:build` expression when it has operators, else a `// +build` term.
fn match_auto(text: &str) -> Option<Expr> {
    if text.contains(['&', '|', '(', ')']) {
        constraint::parse_expr(text).ok()
    } else {
        constraint::parse_plus_build(&[text.to_owned()])
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_list_expects_only_directories_go_would_report() {
        let listed = br#"{"Path": "example.com/main", "Main": true, "Dir": "/src/main"}
{"Path": "example.com/there", "Version": "v1.0.0", "Dir": "/mod/example.com/there@v1.0.0"}
{"Path": "example.com/summed", "Version": "v1.2.0"}
{"Path": "example.com/modonly", "Version": "v0.3.0"}
"#;
        let list = parse_build_list(listed, &BTreeSet::new()).unwrap();
        let go_sum = b"example.com/there v1.0.0 h1:AAA=\nexample.com/there v1.0.0/go.mod h1:BBB=\n\
example.com/summed v1.2.0 h1:CCC=\nexample.com/summed v1.2.0/go.mod h1:DDD=\n\
example.com/modonly v0.3.0/go.mod h1:EEE=\n";
        let expects = |readonly| {
            let go_sum = GoSum {
                text: go_sum.to_vec(),
                readonly,
            };
            build_list_expects(&list, Path::new("/mod"), &go_sum)
        };
        let there = (
            PathBuf::from("/mod/example.com/there@v1.0.0"),
            dir_cache::Expect::Dir,
        );
        let summed = (
            PathBuf::from("/mod/example.com/summed@v1.2.0"),
            dir_cache::Expect::Absent,
        );
        let modonly = (
            PathBuf::from("/mod/example.com/modonly@v0.3.0"),
            dir_cache::Expect::Absent,
        );
        // Without the zip's hash in go.sum, `go list -m` names no directory however the module
        // cache changes: nothing to expect of it.
        assert_eq!(expects(true), vec![there.clone(), summed.clone()]);
        // With `-mod=mod` every downloaded module's directory is reported.
        assert_eq!(expects(false), vec![there, summed, modonly]);
    }

    fn facts(files: &[(&str, &str)]) -> DirFacts {
        DirFacts {
            files: files
                .iter()
                .map(|(name, text)| {
                    let ext = name.rfind('.').map_or("", |i| &name[i..]).to_owned();
                    let go = (ext == ".go")
                        .then(|| go_header::read_header(text, true).map_err(|e| format!("{e:?}")));
                    FileFacts {
                        name: name.to_string(),
                        ext,
                        constraint: go_header::file_constraint(text),
                        go,
                    }
                })
                .collect(),
            has_go_file: true,
            tags: Vec::new(),
            evaluations: Memo::default(),
            scans: Memo::default(),
        }
    }

    fn linux(cgo: bool) -> Context {
        Context {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo,
            tags: BTreeSet::new(),
            go_minor: 26,
        }
    }

    #[test]
    fn cgo_files_move_to_ignored_without_cgo_and_keep_their_flags() {
        let dir = facts(&[
            ("a.go", "package x\n\nimport \"os\"\n"),
            (
                "b.go",
                "package x\n\n// #cgo linux LDFLAGS: -ldl -L${SRCDIR}/lib\n// #cgo windows LDFLAGS: -lws2_32\nimport \"C\"\nimport \"unsafe\"\n",
            ),
            ("b.c", "int f(void) { return 0; }\n"),
            ("c_windows.go", "package x\n"),
            ("d_test.go", "package x_test\n\nimport \"testing\"\n"),
            ("e.go", "//go:build ignore\n\npackage main\n"),
        ]);
        let on = evaluate(&dir, &linux(true), "/m/x").unwrap();
        assert_eq!(on.go_files, ["a.go"]);
        assert_eq!(on.cgo_files, ["b.go"]);
        assert_eq!(on.c_files, ["b.c"]);
        assert_eq!(on.imports, ["C", "os", "unsafe"]);
        assert_eq!(on.ldflags, ["-ldl", "-L/m/x/lib"]);
        assert_eq!(on.ignored_go_files, ["c_windows.go", "e.go"]);
        let off = evaluate(&dir, &linux(false), "/m/x").unwrap();
        assert_eq!(off.cgo_files, Vec::<String>::new());
        assert!(off.c_files.is_empty());
        assert_eq!(off.imports, ["os"]);
        assert_eq!(off.ignored_go_files, ["b.go", "c_windows.go", "e.go"]);
        // go/build records the flags of a cgo file even when cgo is off.
        assert_eq!(off.ldflags, ["-ldl", "-L/m/x/lib"]);
    }

    #[test]
    fn two_packages_in_one_directory_are_an_error() {
        let dir = facts(&[("a.go", "package a\n"), ("b.go", "package b\n")]);
        assert!(evaluate(&dir, &linux(true), "/m").is_err());
        let only_tests = facts(&[("a_test.go", "package a\n")]);
        assert!(
            evaluate(&only_tests, &linux(true), "/m")
                .unwrap()
                .test_only()
        );
    }
}
