//! Go build info (what `go version -m` prints), read from the binary's bytes with no `go`.
//!
//! Written by hand after `golang/go: src/debug/buildinfo/buildinfo.go`: no maintained crate
//! does only this, and it is small. The blob starts with `"\xff Go buildinf:"` at a 16-byte
//! aligned offset in `.go.buildinfo` (or the first writable segment); byte 14 is the pointer
//! size, byte 15 the flags (bit 1: inline strings, Go 1.18+; bit 0: big-endian). Inline: two
//! uvarint-prefixed strings, the Go version and the module info. Older: two pointers to Go
//! string headers, mapped through the `PT_LOAD` segments. Every read is bounds-checked and
//! every length capped, so hostile input is an error, never a panic.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde::Serialize;

use super::elf::ElfFacts;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const SEARCH_LIMIT: usize = 64 * 1024;
const MAX_STRING: u64 = 8 << 20;

/// A module line: `mod`, `dep`, with its replacement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildModule {
    /// Module path.
    pub path: String,
    /// Version (`(devel)` for a local main module).
    pub version: String,
    /// `h1:` checksum, if any.
    pub sum: Option<String>,
    /// The `=>` replacement, if any.
    pub replace: Option<Box<BuildModule>>,
}

/// Parsed build info.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    /// `go1.26.8`.
    pub go_version: String,
    /// The main package path (`path` line).
    pub path: Option<String>,
    /// The main module (`mod` line).
    pub main: Option<BuildModule>,
    /// Dependencies (`dep` lines), in file order (sorted by path).
    pub deps: Vec<BuildModule>,
    /// Build settings (`build` lines): `CGO_ENABLED`, `-tags`, `-ldflags`, `GOOS`, ...
    pub settings: BTreeMap<String, String>,
}

impl BuildInfo {
    /// The `-tags` setting, split.
    pub fn tags(&self) -> Vec<String> {
        self.settings
            .get("-tags")
            .map(|tags| {
                tags.split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `CGO_ENABLED`, when recorded.
    pub fn cgo_enabled(&self) -> Option<bool> {
        self.settings.get("CGO_ENABLED").map(|v| v == "1")
    }

    /// The dependency (or main module) with this path.
    pub fn module(&self, path: &str) -> Option<&BuildModule> {
        self.deps
            .iter()
            .chain(self.main.iter())
            .find(|m| m.path == path)
    }
}

fn read_uvarint(data: &[u8], pos: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&byte) = data.get(*pos) else {
            bail!("truncated build info")
        };
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("malformed build info: varint too long")
}

fn read_inline_string<'a>(data: &'a [u8], pos: &mut usize) -> Result<&'a [u8]> {
    let len = read_uvarint(data, pos)?;
    if len > MAX_STRING {
        bail!("malformed build info: string of {len} bytes");
    }
    let end = pos
        .checked_add(len as usize)
        .filter(|&end| end <= data.len());
    let Some(end) = end else {
        bail!("truncated build info")
    };
    let bytes = &data[*pos..end];
    *pos = end;
    Ok(bytes)
}

/// Reads `size` bytes at virtual address `vaddr` through the `PT_LOAD` segments.
fn read_vaddr<'a>(
    file: &'a [u8],
    loads: &[(u64, u64, u64)],
    vaddr: u64,
    size: u64,
) -> Result<&'a [u8]> {
    for &(start, offset, filesz) in loads {
        if vaddr >= start
            && vaddr
                .checked_add(size)
                .is_some_and(|end| end <= start.saturating_add(filesz))
        {
            let from = offset
                .checked_add(vaddr - start)
                .and_then(|v| usize::try_from(v).ok());
            let to = from.and_then(|f| f.checked_add(size as usize));
            if let (Some(from), Some(to)) = (from, to)
                && to <= file.len()
            {
                return Ok(&file[from..to]);
            }
        }
    }
    bail!("malformed build info: pointer {vaddr:#x} outside the file")
}

fn read_pointer(bytes: &[u8], size: usize, big_endian: bool) -> Result<u64> {
    let Some(bytes) = bytes.get(..size) else {
        bail!("truncated build info")
    };
    let mut value = 0u64;
    for i in 0..size {
        let byte = if big_endian {
            bytes[i]
        } else {
            bytes[size - 1 - i]
        };
        value = (value << 8) | u64::from(byte);
    }
    Ok(value)
}

/// Finds the build-info blob in `region` and returns (go version, modinfo text).
pub fn extract(region: &[u8], file: &[u8], facts: &ElfFacts) -> Result<Option<(String, String)>> {
    let limit = region.len().min(SEARCH_LIMIT);
    let Some(start) = (0..limit)
        .step_by(16)
        .find(|&i| region[i..].starts_with(MAGIC))
    else {
        return Ok(None);
    };
    let header = &region[start..];
    if header.len() < 32 {
        bail!("truncated build info header");
    }
    let pointer_size = header[14] as usize;
    let flags = header[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let mut pos = 32;
        let version = read_inline_string(header, &mut pos)?.to_vec();
        let modinfo = read_inline_string(header, &mut pos)?.to_vec();
        (version, modinfo)
    } else {
        if pointer_size != 4 && pointer_size != 8 {
            bail!("malformed build info: pointer size {pointer_size}");
        }
        let big_endian = flags & 1 != 0;
        let read_string = |field: usize| -> Result<Vec<u8>> {
            let pointer = read_pointer(
                &header[16 + field * pointer_size..],
                pointer_size,
                big_endian,
            )?;
            let string_header = read_vaddr(file, &facts.loads, pointer, 2 * pointer_size as u64)?;
            let data = read_pointer(string_header, pointer_size, big_endian)?;
            let len = read_pointer(&string_header[pointer_size..], pointer_size, big_endian)?;
            if len > MAX_STRING {
                bail!("malformed build info: string of {len} bytes");
            }
            Ok(read_vaddr(file, &facts.loads, data, len)?.to_vec())
        };
        (read_string(0)?, read_string(1)?)
    };
    let mut modinfo = modinfo;
    // Strip the 16-byte sentinels around the module info.
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        modinfo = modinfo[16..modinfo.len() - 16].to_vec();
    }
    Ok(Some((
        String::from_utf8_lossy(&version).into_owned(),
        String::from_utf8_lossy(&modinfo).into_owned(),
    )))
}

/// Undoes Go's `strconv.Quote` for the escapes it produces.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'U' => {
                let hex: String = chars.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn module_line(fields: &[&str]) -> Option<BuildModule> {
    let path = fields.first()?;
    Some(BuildModule {
        path: (*path).to_owned(),
        version: fields.get(1).copied().unwrap_or("").to_owned(),
        sum: fields
            .get(2)
            .filter(|s| !s.is_empty())
            .map(|s| (*s).to_owned()),
        replace: None,
    })
}

/// Parses the module-info text (`path`, `mod`, `dep`, `=>`, `build` lines).
pub fn parse_modinfo(go_version: &str, text: &str) -> Result<BuildInfo> {
    let mut info = BuildInfo {
        go_version: go_version.to_owned(),
        ..BuildInfo::default()
    };
    let mut last_is_dep = false;
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        let (kind, rest) = line.split_once('\t').unwrap_or((line, ""));
        let fields: Vec<&str> = rest.split('\t').collect();
        match kind {
            "path" => info.path = Some(rest.to_owned()),
            "mod" => {
                info.main = module_line(&fields);
                last_is_dep = false;
            }
            "dep" => {
                if let Some(module) = module_line(&fields) {
                    info.deps.push(module);
                }
                last_is_dep = true;
            }
            "=>" => {
                let replacement = module_line(&fields).map(Box::new);
                let target = if last_is_dep {
                    info.deps.last_mut()
                } else {
                    info.main.as_mut()
                };
                match target {
                    Some(module) => module.replace = replacement,
                    None => bail!("malformed build info: `=>` before any module"),
                }
            }
            "build" => {
                let (key, value) = if rest.starts_with('"') {
                    // A quoted key: find the closing quote (not escaped), then `=value`.
                    let mut end = None;
                    let mut escaped = false;
                    for (i, c) in rest.char_indices().skip(1) {
                        match c {
                            '\\' if !escaped => escaped = true,
                            '"' if !escaped => {
                                end = Some(i);
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                    let Some(end) = end else {
                        bail!("malformed build setting {rest:?}")
                    };
                    let key = unquote(&rest[..=end]).unwrap_or_default();
                    let value = rest[end + 1..].strip_prefix('=').unwrap_or("");
                    (key, value.to_owned())
                } else {
                    let Some((key, value)) = rest.split_once('=') else {
                        bail!("malformed build setting {rest:?}")
                    };
                    (key.to_owned(), value.to_owned())
                };
                let value = if value.starts_with('"') {
                    unquote(&value).unwrap_or(value)
                } else {
                    value
                };
                info.settings.insert(key, value);
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Reads the Go build info of an ELF file, if it is a Go binary.
pub fn read(file: &[u8], facts: &ElfFacts) -> Result<Option<BuildInfo>> {
    let region = facts
        .go_buildinfo_section
        .as_deref()
        .or(facts.first_data_segment.as_deref());
    let Some(region) = region else {
        return Ok(None);
    };
    match extract(region, file, facts)? {
        Some((version, modinfo)) => parse_modinfo(&version, &modinfo).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_lines() {
        let text = "path\texample.com/app/cmd/x\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/mattn/go-sqlite3\tv1.14.53\th1:abc=\n=>\t../sqlite\t(devel)\t\nbuild\t-ldflags=\"-linkmode external -extldflags \\\"-static\\\"\"\nbuild\t-tags=netgo,osusergo\nbuild\tCGO_ENABLED=1\n";
        let info = parse_modinfo("go1.26.8", text).unwrap();
        assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/x"));
        assert_eq!(info.deps[0].version, "v1.14.53");
        assert_eq!(info.deps[0].replace.as_ref().unwrap().path, "../sqlite");
        assert_eq!(
            info.settings["-ldflags"],
            "-linkmode external -extldflags \"-static\""
        );
        assert_eq!(info.tags(), vec!["netgo", "osusergo"]);
        assert_eq!(info.cgo_enabled(), Some(true));
    }

    #[test]
    fn inline_blob() {
        let mut blob = MAGIC.to_vec();
        blob.push(8);
        blob.push(2);
        blob.resize(32, 0);
        blob.push(8);
        blob.extend_from_slice(b"go1.26.8");
        let modinfo = "path\tx\n";
        blob.push(modinfo.len() as u8);
        blob.extend_from_slice(modinfo.as_bytes());
        let facts = ElfFacts::default();
        let (version, text) = extract(&blob, &blob, &facts).unwrap().unwrap();
        assert_eq!(version, "go1.26.8");
        assert_eq!(text, modinfo);
        // Truncations are errors, not panics.
        for len in 0..blob.len() {
            let _ = extract(&blob[..len], &blob[..len], &facts);
        }
    }
}
