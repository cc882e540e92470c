//! Reading a built executable without the source: ELF linkage (`elf.rs`), Go build info
//! (`buildinfo.rs`), the glibc floor and the distributions that satisfy it (`glibc.rs`).
//! `analyze::binary` runs the catalog on what these read.

pub mod buildinfo;
pub mod elf;
pub mod glibc;

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
