//! The rule catalog run on a binary's Go build info. Build info lists modules, not packages,
//! so a rule applies at module level: its module is a dependency (at a version in range), the
//! cgo setting fits, and none of its fix tags was set. For std packages, which are always
//! "there", the symbol tables decide: cgo symbols of the package (`net._Cfunc_...`), or the
//! C symbols it makes the binary import (`getaddrinfo`, `dlopen`). A stripped binary leaves
//! std rules undecided, and says so. [`inspect`] reads a file with `binary`'s readers and
//! gives the whole report.

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
            rule: rule.id.clone(),
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
    })
}
