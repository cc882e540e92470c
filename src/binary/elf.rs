//! ELF linkage facts through the `object` crate: interpreter, `DT_NEEDED`, PIE flag, the glibc
//! versions required (`.gnu.version_r`), imported and defined symbol names, and the sections
//! and segments the Go build-info reader needs. Malformed input is an error, never a panic.

use anyhow::{Result, anyhow, bail};
use object::elf;
use object::read::elf::{ElfFile, FileHeader, ProgramHeader, SectionHeader, Sym};

/// What an ELF file says about its linkage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfFacts {
    /// `ELF32` or `ELF64`.
    pub class: &'static str,
    /// `e_type` is `ET_DYN`.
    pub is_dyn: bool,
    /// `DF_1_PIE` is set.
    pub pie: bool,
    /// `PT_INTERP`, if any.
    pub interpreter: Option<String>,
    /// `PT_DYNAMIC` is present.
    pub has_dynamic_segment: bool,
    /// `DT_NEEDED` entries, in order.
    pub needed: Vec<String>,
    /// Version names required from each library (`libc.so.6` → `GLIBC_2.34`, ...), sorted.
    pub version_needs: Vec<(String, String)>,
    /// Undefined dynamic symbols (what the binary imports), sorted.
    pub imported: Vec<String>,
    /// Imported dynamic symbols with the version each needs (`getaddrinfo`, `GLIBC_2.2.5`),
    /// sorted; symbols without a version are left out.
    pub imported_versions: Vec<(String, String)>,
    /// Names in `.symtab` (empty when stripped), sorted.
    pub symbols: Vec<String>,
    /// Contents of `.go.buildinfo`, if that section exists.
    pub go_buildinfo_section: Option<Vec<u8>>,
    /// The first writable, non-executable `PT_LOAD` segment's file bytes (where Go puts build
    /// info when there are no section headers).
    pub first_data_segment: Option<Vec<u8>>,
    /// `PT_LOAD` segments as (vaddr, file offset, file size), to map pointers of the old
    /// build-info format.
    pub loads: Vec<(u64, u64, u64)>,
    /// Big-endian file.
    pub big_endian: bool,
}

/// Parses an ELF file.
pub fn parse(data: &[u8]) -> Result<ElfFacts> {
    if data.len() < 16 || &data[..4] != b"\x7fELF" {
        bail!("not an ELF file (only ELF executables are supported)");
    }
    match elf::FileClass(data[4]) {
        elf::ELFCLASS32 => facts::<elf::FileHeader32<object::Endianness>>(data, "ELF32"),
        elf::ELFCLASS64 => facts::<elf::FileHeader64<object::Endianness>>(data, "ELF64"),
        other => bail!("unknown ELF class {}", other.0),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn facts<Elf: FileHeader<Endian = object::Endianness>>(
    data: &[u8],
    class: &'static str,
) -> Result<ElfFacts> {
    let file = ElfFile::<Elf>::parse(data).map_err(|err| anyhow!("malformed ELF: {err}"))?;
    let endian = file.endian();
    let header = file.elf_header();
    let mut out = ElfFacts {
        class,
        is_dyn: header.e_type(endian) == elf::ET_DYN,
        big_endian: !header.is_little_endian(),
        ..ElfFacts::default()
    };
    for segment in file.elf_program_headers() {
        let p_type = segment.p_type(endian);
        if p_type == elf::PT_INTERP {
            let interp = segment
                .interpreter(endian, data)
                .map_err(|err| anyhow!("malformed PT_INTERP: {err}"))?;
            out.interpreter = interp.map(text);
        } else if p_type == elf::PT_DYNAMIC {
            out.has_dynamic_segment = true;
        } else if p_type == elf::PT_LOAD {
            let (vaddr, offset, size) = (
                segment.p_vaddr(endian).into(),
                segment.p_offset(endian).into(),
                segment.p_filesz(endian).into(),
            );
            out.loads.push((vaddr, offset, size));
            let flags = segment.p_flags(endian);
            if out.first_data_segment.is_none()
                && flags & elf::PF_W != elf::ProgramFlags(0)
                && flags & elf::PF_X == elf::ProgramFlags(0)
                && let Ok(bytes) = segment.data(endian, data)
            {
                out.first_data_segment = Some(bytes.to_vec());
            }
        }
    }
    if out.loads.is_empty() {
        bail!(
            "malformed ELF: no loadable segment (e_phnum {}): not an executable the kernel could run",
            header.e_phnum(endian)
        );
    }
    let sections = file.elf_section_table();
    let dynamic = sections
        .dynamic_table(endian, data)
        .map_err(|err| anyhow!("malformed dynamic section: {err}"))?;
    for entry in &dynamic {
        if entry.tag == elf::DT_NEEDED {
            let name = dynamic
                .string(entry)
                .map_err(|err| anyhow!("malformed DT_NEEDED: {err}"))?;
            out.needed.push(text(name));
        } else if entry.tag == elf::DT_FLAGS_1 && entry.val & elf::DF_1_PIE.0 != 0 {
            out.pie = true;
        }
    }
    if let Some((mut needs, link)) = sections
        .gnu_verneed(endian, data)
        .map_err(|err| anyhow!("malformed .gnu.version_r: {err}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|err| anyhow!("malformed .gnu.version_r strings: {err}"))?;
        while let Some((need, mut auxes)) = needs
            .next()
            .map_err(|err| anyhow!("malformed .gnu.version_r: {err}"))?
        {
            let library = need.file(endian, strings).map(text).unwrap_or_default();
            while let Some(aux) = auxes
                .next()
                .map_err(|err| anyhow!("malformed .gnu.version_r entry: {err}"))?
            {
                if let Ok(name) = aux.name(endian, strings) {
                    out.version_needs.push((library.clone(), text(name)));
                }
            }
        }
    }
    out.version_needs.sort();
    out.version_needs.dedup();
    // The version each imported symbol needs (.gnu.version against .gnu.version_r); a
    // malformed table only loses this detail.
    let versions = sections.versions(endian, data).ok().flatten();
    for (sh_type, into_imported) in [(elf::SHT_DYNSYM, true), (elf::SHT_SYMTAB, false)] {
        let table = sections
            .symbols(endian, data, sh_type)
            .map_err(|err| anyhow!("malformed symbol table: {err}"))?;
        let strings = table.strings();
        for (index, symbol) in table.symbols().iter().enumerate() {
            let Ok(name) = symbol.name(endian, strings) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            if into_imported {
                if symbol.st_shndx(endian) == elf::SHN_UNDEF {
                    out.imported.push(text(name));
                    if let Some(versions) = &versions {
                        let version_index =
                            versions.version_index(endian, object::read::SymbolIndex(index));
                        if let Ok(Some(version)) = versions.version(version_index.index()) {
                            out.imported_versions
                                .push((text(name), text(version.name())));
                        }
                    }
                }
            } else {
                out.symbols.push(text(name));
            }
        }
    }
    out.imported.sort();
    out.imported.dedup();
    out.imported_versions.sort();
    out.imported_versions.dedup();
    out.symbols.sort();
    out.symbols.dedup();
    for section in sections.iter() {
        if let Ok(name) = sections.section_name(endian, section)
            && name == b".go.buildinfo"
            && let Ok(bytes) = section.data(endian, data)
        {
            out.go_buildinfo_section = Some(bytes.to_vec());
        }
    }
    Ok(out)
}
