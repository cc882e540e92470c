//! `audit binary`: what a built executable says, without the source: ELF linkage (`elf.rs`),
//! Go build info (`buildinfo.rs`), the glibc floor and the distributions that satisfy it
//! (`glibc.rs`), and the module-level rules run on the build info.

pub mod buildinfo;
pub mod elf;
pub mod glibc;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::analyze::binary::{self, BinaryFinding};
use crate::rules::Catalog;

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
    pub glibc_oldest_releases: Vec<glibc::OldestRelease>,
    /// Go build info, for Go binaries.
    pub go: Option<buildinfo::BuildInfo>,
    /// Catalog rules that apply, from the build info and symbols.
    pub findings: Vec<BinaryFinding>,
    /// Why the linkage is what it is.
    pub reasons: Vec<String>,
}

/// Classifies linkage: static iff no `PT_INTERP` and no `DT_NEEDED` (`PT_DYNAMIC` alone proves
/// nothing: static-pie has it for self-relocation).
pub fn linkage(facts: &elf::ElfFacts) -> &'static str {
    match (
        facts.interpreter.is_some(),
        facts.needed.is_empty(),
        facts.is_dyn,
        facts.pie,
    ) {
        (false, true, false, _) => "static",
        (false, true, true, true) => "static-pie",
        (false, _, true, false) => "shared-library",
        _ => "dynamic",
    }
}

/// Inspects a file.
pub fn inspect(path: &std::path::Path, catalog: &Catalog) -> Result<BinaryReport> {
    let data = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let facts = elf::parse(&data).with_context(|| path.display().to_string())?;
    let go = buildinfo::read(&data, &facts)
        .with_context(|| format!("{}: Go build info", path.display()))?;
    let glibc_floor = glibc::floor(
        facts
            .version_needs
            .iter()
            .filter(|(library, _)| library.starts_with("libc.so"))
            .map(|(_, name)| name.as_str()),
    );
    let glibc_oldest_releases = glibc_floor
        .as_deref()
        .map(glibc::oldest_releases)
        .unwrap_or_default();
    let linkage = linkage(&facts);
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
        .map(|info| binary::evaluate(info, &facts, catalog))
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
