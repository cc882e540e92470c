//! The rule catalog run on a binary's Go build info. Build info lists modules, not packages,
//! so a rule applies at module level: its module is a dependency (at a version in range), the
//! cgo setting fits, and none of its fix tags was set. For std packages, which are always
//! "there", the symbol tables decide: cgo symbols of the package (`net._Cfunc_...`), or the
//! C symbols it makes the binary import (`getaddrinfo`, `dlopen`). A stripped binary leaves
//! std rules undecided, and says so. [`inspect`] reads a file with `binary`'s readers and
//! gives the whole report.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::binary::buildinfo::BuildInfo;
use crate::binary::elf::ElfFacts;
use crate::rules::version::{Version, VersionRange};
use crate::rules::{Catalog, Effect, Report, Rule, Severity};

/// A rule that applies to the binary.
#[derive(Clone, Debug, Serialize)]
pub struct BinaryFinding {
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// The rule's summary.
    pub summary: String,
    /// The module (`std` for the standard library).
    pub module: String,
    /// Its version, when a dependency.
    pub version: Option<String>,
    /// What in the binary shows it.
    pub evidence: String,
    /// `certain` (symbols prove it) or `possible` (module-level only).
    pub confidence: &'static str,
    /// The fix tags that were not set.
    pub fix_tags: Vec<String>,
    /// The rule's fix text.
    pub fix: String,
}

fn is_std_path(path: &str) -> bool {
    !path.split('/').next().unwrap_or("").contains('.')
}

/// The module a rule's package belongs to, among the binary's dependencies.
fn rule_module<'a>(rule: &'a Rule, info: &'a BuildInfo) -> Option<(String, Option<String>)> {
    if let Some(module) = &rule.matcher.module {
        return info
            .module(module)
            .map(|m| (m.path.clone(), Some(effective_version(m))));
    }
    let package = rule.matcher.package.as_deref()?;
    let package = package.trim_end_matches("/...");
    if is_std_path(package) {
        return Some(("std".to_owned(), None));
    }
    info.deps
        .iter()
        .filter(|m| package == m.path || package.starts_with(&format!("{}/", m.path)))
        .max_by_key(|m| m.path.len())
        .map(|m| (m.path.clone(), Some(effective_version(m))))
}

fn effective_version(module: &crate::binary::buildinfo::BuildModule) -> String {
    match &module.replace {
        Some(replacement)
            if !replacement.version.is_empty() && replacement.version != "(devel)" =>
        {
            replacement.version.clone()
        }
        _ => module.version.clone(),
    }
}

fn needs_cgo(rule: &Rule) -> bool {
    rule.when.cgo == Some(true)
        || rule.matcher.cgo_files == Some(true)
        || rule.effects.contains(&Effect::Cgo)
}

/// Runs the catalog on a binary.
pub fn evaluate(info: &BuildInfo, facts: &ElfFacts, catalog: &Catalog) -> Vec<BinaryFinding> {
    let tags = info.tags();
    let cgo = info.cgo_enabled();
    let mut out = Vec::new();
    for rule in &catalog.rules {
        if rule.report != Report::Finding || rule.matcher.generic.is_some() {
            continue;
        }
        let Some((module, version)) = rule_module(rule, info) else {
            continue;
        };
        if let (Some(range), Some(version)) = (&rule.matcher.versions, &version)
            && let (Ok(range), Ok(version)) = (VersionRange::parse(range), Version::parse(version))
            && !range.contains(&version)
        {
            continue;
        }
        if needs_cgo(rule) && cgo == Some(false) {
            continue;
        }
        if rule.when.cgo == Some(false) && cgo != Some(false) {
            continue;
        }
        if rule.when.tags_absent.iter().any(|t| tags.contains(t))
            || rule.when.tags_present.iter().any(|t| !tags.contains(t))
        {
            continue;
        }
        if rule.fix.tags.iter().any(|t| tags.contains(t)) {
            continue;
        }
        // Files switched on by something other than the fix tags (an opt-in tag such as
        // `libsqlite3`) cannot be decided from build info unless the rule names the tag.
        if !rule.matcher.files.is_empty()
            && rule.fix.tags.is_empty()
            && rule.when.tags_present.is_empty()
            && rule.when.cgo.is_none()
        {
            continue;
        }
        let (evidence, confidence) = if module == "std" {
            let package = rule.matcher.package.as_deref().unwrap_or("");
            let cgo_prefixes = [format!("{package}._C"), format!("local.{package}._C")];
            let proof = facts.symbols.iter().find(|symbol| {
                cgo_prefixes
                    .iter()
                    .any(|prefix| symbol.starts_with(prefix.as_str()))
                    || rule
                        .binary
                        .symbols
                        .iter()
                        .any(|needle| symbol.contains(needle.as_str()))
            });
            if let Some(symbol) = proof {
                (
                    format!("symbol {symbol} of {package} in the symbol table"),
                    "certain",
                )
            } else if facts.symbols.is_empty() {
                let imports: Vec<&str> = rule
                    .static_link
                    .warnings
                    .iter()
                    .filter(|symbol| facts.imported.iter().any(|i| i == *symbol))
                    .map(String::as_str)
                    .collect();
                if imports.is_empty() {
                    continue;
                }
                (
                    format!(
                        "stripped binary imports {} (possibly from {package})",
                        imports.join(", ")
                    ),
                    "possible",
                )
            } else {
                continue;
            }
        } else {
            let mut evidence = format!(
                "built with {module}{}",
                version
                    .as_ref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default()
            );
            if needs_cgo(rule) {
                evidence.push_str(match cgo {
                    Some(true) => " and CGO_ENABLED=1",
                    Some(false) => " and CGO_ENABLED=0",
                    None => " (CGO_ENABLED not recorded)",
                });
            }
            if !rule.fix.tags.is_empty() {
                evidence.push_str(&format!(", without -tags {}", rule.fix.tags.join(",")));
            }
            (evidence, "possible")
        };
        out.push(BinaryFinding {
            rule: rule.id.to_string(),
            severity: rule.severity,
            summary: rule.summary.clone(),
            module,
            version,
            evidence,
            confidence,
            fix_tags: rule.fix.tags.clone(),
            fix: rule.fix.text.trim().to_owned(),
        });
    }
    out.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), &a.rule).cmp(&(std::cmp::Reverse(b.severity), &b.rule))
    });
    out
}

/// Everything `audit binary` reports.
#[derive(Clone, Debug, Serialize)]
pub struct BinaryReport {
    /// The file, as given.
    pub file: String,
    /// `ELF64`, `ELF32`.
    pub class: &'static str,
    /// `static`, `static-pie`, `dynamic` or `shared-library`.
    pub linkage: &'static str,
    /// `PT_INTERP`.
    pub interpreter: Option<String>,
    /// `DT_NEEDED`.
    pub needed: Vec<String>,
    /// The highest `GLIBC_x.y` needed.
    pub glibc_floor: Option<String>,
    /// The oldest release of common distributions that satisfies the floor.
    pub glibc_oldest_releases: Vec<crate::binary::glibc::OldestRelease>,
    /// Go build info, for Go binaries.
    pub go: Option<BuildInfo>,
    /// Catalog rules that apply, from the build info and symbols.
    pub findings: Vec<BinaryFinding>,
    /// Why the linkage is what it is.
    pub reasons: Vec<String>,
    /// The glibc versions the binary needs, highest first, each with the imported symbols
    /// that need it and the package each most likely comes from.
    pub floor_symbols: Vec<FloorVersion>,
    /// What would lower the floor.
    pub lowers_the_floor: Vec<String>,
}

/// One `GLIBC_x.y` version and the symbols that need it.
#[derive(Clone, Debug, Serialize)]
pub struct FloorVersion {
    /// `2.34`.
    pub version: String,
    /// The symbols, sorted by name.
    pub symbols: Vec<FloorSymbol>,
}

/// One imported glibc symbol and where it comes from.
#[derive(Clone, Debug, Serialize)]
pub struct FloorSymbol {
    /// `getaddrinfo`.
    pub name: String,
    /// The package that calls it, or most likely does.
    pub package: Option<String>,
    /// `called-from-go`: the symbol table has that package's cgo stub for it
    /// (`net._Cfunc_res_search`), so the package calls it itself; `likely`: a guess from the
    /// catalog and the build's cgo modules (the call is inside C code).
    pub evidence: &'static str,
}

/// Packages whose cgo stubs call each C function directly from Go: `net._Cfunc_res_search`
/// and `net._C2func_getaddrinfo` in `.symtab` mean `net` calls `res_search`/`getaddrinfo`.
fn cgo_callers(symbols: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut callers: BTreeMap<String, Vec<String>> = Default::default();
    for name in symbols {
        if name.starts_with("local.") || name.starts_with("_cgo_") {
            continue;
        }
        let name = name.strip_suffix(".abi0").unwrap_or(name);
        for marker in ["._Cfunc_", "._C2func_"] {
            if let Some(at) = name.find(marker) {
                let (package, function) = (&name[..at], &name[at + marker.len()..]);
                if package.is_empty() || function.is_empty() || package.contains("._cgo_") {
                    continue;
                }
                let list = callers.entry(function.to_owned()).or_default();
                if !list.iter().any(|p| p == package) {
                    list.push(package.to_owned());
                }
            }
        }
    }
    for list in callers.values_mut() {
        list.sort();
    }
    callers
}

/// Symbols the C runtime of any cgo binary imports (runtime/cgo and the C start-up code).
const RUNTIME_CGO_SYMBOLS: &[&str] = &[
    "__libc_start_main",
    "__errno_location",
    "abort",
    "fprintf",
    "fputc",
    "free",
    "fwrite",
    "malloc",
    "mmap",
    "munmap",
    "nanosleep",
    "pthread_attr_destroy",
    "pthread_attr_getstacksize",
    "pthread_attr_init",
    "pthread_cond_broadcast",
    "pthread_cond_wait",
    "pthread_create",
    "pthread_detach",
    "pthread_getattr_np",
    "pthread_key_create",
    "pthread_mutex_lock",
    "pthread_mutex_unlock",
    "pthread_self",
    "pthread_setspecific",
    "pthread_sigmask",
    "setenv",
    "sigaction",
    "sigaddset",
    "sigemptyset",
    "sigfillset",
    "sigismember",
    "stderr",
    "strerror",
    "unsetenv",
    "vfprintf",
];

/// The cgo packages linked into the binary, from its symbol table: a Go symbol
/// `P._cgo_<prefix>_...` or `P._Cfunc_...` names package `P` and its cgo prefix; a prefix whose
/// Go side was dead-code eliminated (only `_cgo_<prefix>_Cfunc_pluginOpen` is left) is named by
/// the catalog rule whose binary evidence lists `_Cfunc_pluginOpen`. Empty when stripped.
fn cgo_packages(symbols: &[String], catalog: &Catalog) -> BTreeSet<String> {
    let mut packages = BTreeSet::new();
    let mut named_prefixes = BTreeSet::new();
    let mut stubs: Vec<(&str, &str)> = Vec::new();
    for name in symbols {
        if name.starts_with("local.") {
            continue;
        }
        if let Some(rest) = name.strip_prefix("_cgo_") {
            // `_cgo_<12 hex>_Cfunc_<name>`: the C side of a stub.
            if let Some((prefix, function)) = rest.split_once("_Cfunc_")
                && prefix.len() == 12
                && prefix.bytes().all(|b| b.is_ascii_hexdigit())
            {
                stubs.push((prefix, function));
            }
            continue;
        }
        for marker in ["._cgo_", "._Cfunc_", "._C2func_"] {
            if let Some(at) = name.find(marker) {
                let package = &name[..at];
                if package.is_empty() {
                    continue;
                }
                packages.insert(package.to_owned());
                if marker == "._cgo_"
                    && let Some(prefix) = name.get(at + marker.len()..at + marker.len() + 12)
                {
                    named_prefixes.insert(prefix.to_owned());
                }
                break;
            }
        }
    }
    for (prefix, function) in stubs {
        if named_prefixes.contains(prefix) {
            continue;
        }
        let evidence = format!("_Cfunc_{function}");
        for rule in &catalog.rules {
            if rule.ecosystem == "go"
                && rule.binary.symbols.contains(&evidence)
                && let Some(package) = &rule.matcher.package
                && !package.contains("...")
            {
                packages.insert(package.clone());
            }
        }
    }
    packages
}

/// The package a glibc symbol most likely comes from when no cgo stub of it is in the symbol
/// table (the call is inside C code): a cgo package of the binary whose catalog rule names the
/// symbol (a static-link warning or binary evidence), else the C runtime of cgo, else the
/// non-standard cgo packages of the binary (C code of their own).
fn likely_source(symbol: &str, catalog: &Catalog, cgo: &BTreeSet<String>) -> Option<String> {
    let mut candidates: BTreeSet<&str> = BTreeSet::new();
    for rule in &catalog.rules {
        if rule.ecosystem != "go" {
            continue;
        }
        let Some(package) = &rule.matcher.package else {
            continue;
        };
        let names = rule
            .static_link
            .warnings
            .iter()
            .chain(&rule.binary.symbols)
            .any(|s| s == symbol);
        if names && cgo.contains(package) {
            candidates.insert(package);
        }
    }
    if !candidates.is_empty() {
        return Some(candidates.into_iter().collect::<Vec<_>>().join(" or "));
    }
    if RUNTIME_CGO_SYMBOLS.contains(&symbol) || symbol.starts_with("pthread_") {
        return Some("runtime/cgo (the C runtime of every cgo binary)".to_owned());
    }
    let own_c: Vec<&str> = cgo
        .iter()
        .map(String::as_str)
        .filter(|p| p.split('/').next().is_some_and(|first| first.contains('.')))
        .collect();
    if !own_c.is_empty() {
        return Some(format!("the C code of {}", own_c.join(" or ")));
    }
    None
}

fn floor_detail(facts: &ElfFacts, catalog: &Catalog) -> Vec<FloorVersion> {
    let cgo = cgo_packages(&facts.symbols, catalog);
    let callers = cgo_callers(&facts.symbols);
    let mut by_version: BTreeMap<Version, (String, Vec<FloorSymbol>)> = BTreeMap::new();
    for (symbol, version) in &facts.imported_versions {
        let Some(number) = version.strip_prefix("GLIBC_") else {
            continue;
        };
        let Ok(parsed) = Version::parse(number) else {
            continue;
        };
        by_version
            .entry(parsed)
            .or_insert_with(|| (number.to_owned(), Vec::new()))
            .1
            .push(match callers.get(symbol) {
                Some(packages) => FloorSymbol {
                    name: symbol.clone(),
                    package: Some(packages.join(" and ")),
                    evidence: "called-from-go",
                },
                None => FloorSymbol {
                    name: symbol.clone(),
                    package: likely_source(symbol, catalog, &cgo),
                    evidence: "likely",
                },
            });
    }
    by_version
        .into_iter()
        .rev()
        .take(3)
        .map(|(_, (version, mut symbols))| {
            symbols.sort_by(|a, b| a.name.cmp(&b.name));
            FloorVersion { version, symbols }
        })
        .collect()
}

/// Inspects a file.
pub fn inspect(path: &std::path::Path, catalog: &Catalog) -> Result<BinaryReport> {
    let data = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let facts = crate::binary::elf::parse(&data).with_context(|| path.display().to_string())?;
    let go = crate::binary::buildinfo::read(&data, &facts)
        .with_context(|| format!("{}: Go build info", path.display()))?;
    let glibc_floor = crate::binary::glibc::floor(
        facts
            .version_needs
            .iter()
            .filter(|(library, _)| library.starts_with("libc.so"))
            .map(|(_, name)| name.as_str()),
    );
    let glibc_oldest_releases = glibc_floor
        .as_deref()
        .map(crate::binary::glibc::oldest_releases)
        .unwrap_or_default();
    let linkage = crate::binary::linkage(&facts);
    let floor_symbols = floor_detail(&facts, catalog);
    let mut lowers_the_floor = Vec::new();
    if glibc_floor.is_some() {
        lowers_the_floor.push(
            "a static link: a static binary has no glibc floor (`audit fix` proposes one)"
                .to_owned(),
        );
        lowers_the_floor.push(
            "building on an older distribution: the dynamic symbols take the build host's newest versions (e.g. glibc 2.34 moved pthread_* into libc, so a build on glibc 2.34+ needs GLIBC_2.34)".to_owned(),
        );
        if go.as_ref().and_then(|g| g.cgo_enabled()) == Some(true) {
            lowers_the_floor.push(
                "CGO_ENABLED=0, when no package needs cgo to work: the binary then needs no glibc at all"
                    .to_owned(),
            );
        }
    }
    let mut reasons = Vec::new();
    match &facts.interpreter {
        Some(interp) => reasons.push(format!(
            "PT_INTERP {interp}: the kernel starts the dynamic loader"
        )),
        None => reasons.push("no PT_INTERP".to_owned()),
    }
    if facts.needed.is_empty() {
        reasons.push("no DT_NEEDED".to_owned());
    } else {
        reasons.push(format!("DT_NEEDED {}", facts.needed.join(", ")));
    }
    if facts.has_dynamic_segment && linkage.starts_with("static") {
        reasons.push(
            "PT_DYNAMIC present (self-relocation of a static-pie; not a dependency)".to_owned(),
        );
    }
    let findings = go
        .as_ref()
        .map(|info| evaluate(info, &facts, catalog))
        .unwrap_or_default();
    Ok(BinaryReport {
        file: path.display().to_string(),
        class: facts.class,
        linkage,
        interpreter: facts.interpreter.clone(),
        needed: facts.needed.clone(),
        glibc_floor,
        glibc_oldest_releases,
        go,
        findings,
        reasons,
        floor_symbols,
        lowers_the_floor,
    })
}
