//! Which package a linker warning comes from. GNU ld prints, for each glibc function that
//! warns in a static link, the object's function and the source location of the call:
//!
//! ```text
//! /usr/bin/ld: /tmp/go-link-383/000001.o: in function `_cgo_1829a9195957_Cfunc_dlopen':
//! /tmp/go-build/dlopen_linux.cgo2.c:92: warning: Using 'dlopen' in statically linked ...
//! ```
//!
//! The location is a module-cache or GOROOT file (`/_/GOROOT/src/os/user/...` under
//! `-trimpath`), or a cgo-generated file (`X.cgo2.c`, `cgo-gcc-prolog`) whose directory the
//! go command rewrote. For those, the function name carries cgo's symbol prefix
//! `_cgo_<12 hex>_`, which cmd/cgo derives from the package: the first 6 bytes of
//! SHA-256(0x01 ‖ import path ‖ the cgo files' contents, in `CgoFiles` order)
//! (`cmd/cgo/main.go`, `cmd/internal/hash.New32`). Computing it for every cgo package of the
//! build maps the warning to its package exactly, whether or not the package was rebuilt.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::DepGraph;

/// A linker warning, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LinkerWarning {
    /// The function (`dlopen`, `getaddrinfo`, ...).
    pub symbol: String,
    /// The warning line as printed.
    pub line: String,
    /// The source location the linker named, if any.
    pub location: Option<String>,
    /// The function the call is in, if the linker named it.
    pub function: Option<String>,
    /// The package the call is in, when known.
    pub package: Option<String>,
    /// How the package was found (`path`, `cgo prefix`, `cgo file name`), or why not.
    pub how: String,
}

/// The cgo symbol prefix of a package (`1829a9195957`), from its files on disk.
pub fn cgo_prefix<'f>(
    import_path: &str,
    dir: &Path,
    cgo_files: impl IntoIterator<Item = &'f str>,
) -> Option<String> {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(import_path.as_bytes());
    for file in cgo_files {
        hasher.update(std::fs::read(dir.join(file)).ok()?);
    }
    let digest = hasher.finalize();
    Some(digest[..6].iter().map(|b| format!("{b:02x}")).collect())
}

/// The `Using 'X' in statically linked applications` warnings in a build's stderr.
pub fn parse(stderr: &str) -> Vec<LinkerWarning> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.contains("in statically linked applications requires at runtime") {
            continue;
        }
        let Some(start) = line.find("Using '").map(|p| p + "Using '".len()) else {
            continue;
        };
        let Some(end) = line[start..].find('\'').map(|p| p + start) else {
            continue;
        };
        let location = line
            .find(": warning:")
            .map(|p| line[..p].trim().to_owned())
            .filter(|l| !l.is_empty() && !l.starts_with("/usr/bin/ld"));
        let function = i.checked_sub(1).map(|j| lines[j]).and_then(|prev| {
            let at = prev.find("in function `")? + "in function `".len();
            let rest = &prev[at..];
            let end = rest.find('\'')?;
            Some(rest[..end].to_owned())
        });
        out.push(LinkerWarning {
            symbol: line[start..end].to_owned(),
            line: line.trim().to_owned(),
            location,
            function,
            package: None,
            how: String::new(),
        });
    }
    out
}

fn location_file(location: &str) -> &str {
    // `path:line` (the column is not printed by ld).
    match location.rsplit_once(':') {
        Some((path, line)) if line.chars().all(|c| c.is_ascii_digit()) => path,
        _ => location,
    }
}

/// Attributes each warning to a package of `graph` (whose nodes carry `Dir`).
pub fn attribute(warnings: &mut [LinkerWarning], graph: &DepGraph) {
    let mut prefixes: BTreeMap<String, String> = BTreeMap::new();
    let mut dirs: Vec<(String, String)> = Vec::new();
    let mut cgo_file_owner: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in graph.nodes().iter() {
        let Some(dir) = &node.dir else { continue };
        dirs.push((dir.to_string(), node.id.to_string()));
        if node.cgo_files.is_empty() {
            continue;
        }
        if let Some(prefix) = cgo_prefix(&node.id, Path::new(dir), &node.cgo_files) {
            prefixes.insert(prefix, node.id.to_string());
        }
        for file in &node.cgo_files {
            cgo_file_owner
                .entry(file.trim_end_matches(".go").to_owned())
                .or_default()
                .push(node.id.to_string());
        }
    }
    // Longest directory first, so a nested package wins over its parent.
    dirs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
    for warning in warnings.iter_mut() {
        let (package, how) = resolve(warning, &prefixes, &dirs, &cgo_file_owner);
        warning.package = package;
        warning.how = how;
    }
}

fn resolve(
    warning: &LinkerWarning,
    prefixes: &BTreeMap<String, String>,
    dirs: &[(String, String)],
    cgo_file_owner: &BTreeMap<String, Vec<String>>,
) -> (Option<String>, String) {
    if let Some(function) = &warning.function
        && let Some(rest) = function.strip_prefix("_cgo_")
        && rest.len() > 12
        && let Some(package) = prefixes.get(&rest[..12])
    {
        return (
            Some(package.clone()),
            format!("cgo symbol prefix of {function}"),
        );
    }
    if let Some(location) = &warning.location {
        let file = location_file(location);
        if let Some(rest) = file.strip_prefix("/_/GOROOT/src/")
            && let Some((dir, _)) = rest.rsplit_once('/')
            && dirs.iter().any(|(_, id)| id == dir)
        {
            return (
                Some(dir.to_owned()),
                format!("standard library file {file}"),
            );
        }
        // -trimpath rewrites a module's directory to `/_/module@version`.
        if let Some(rest) = file.strip_prefix("/_/")
            && let Some((module, within)) = rest.split_once('@')
            && let Some((_, relative)) = within.split_once('/')
        {
            let package = match relative.rsplit_once('/') {
                Some((dir, _)) => format!("{module}/{dir}"),
                None => module.to_owned(),
            };
            if dirs.iter().any(|(_, id)| *id == package) {
                return (Some(package), format!("module file {file} (-trimpath)"));
            }
        }
        if let Some((_, package)) = dirs.iter().find(|(dir, _)| {
            file.strip_prefix(dir.as_str())
                .is_some_and(|rest| rest.starts_with('/') && !rest[1..].contains('/'))
        }) {
            return (Some(package.clone()), format!("file {file}"));
        }
        let base = file.rsplit('/').next().unwrap_or(file);
        if let Some(stem) = base.strip_suffix(".cgo2.c")
            && let Some(owners) = cgo_file_owner.get(stem)
        {
            if owners.len() == 1 {
                return (
                    Some(owners[0].clone()),
                    format!("cgo file {stem}.go, in one package only"),
                );
            }
            return (
                None,
                format!("{stem}.go is a cgo file of {} packages", owners.len()),
            );
        }
        return (None, format!("no package of the build has {file}"));
    }
    (None, "the linker named no source location".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ld_warnings_with_their_function() {
        let stderr = "/usr/bin/ld: /tmp/go-link-1/000001.o: in function `_cgo_1829a9195957_Cfunc_dlopen':\n/tmp/go-build/dlopen_linux.cgo2.c:92: warning: Using 'dlopen' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\n/usr/bin/ld: /tmp/go-link-1/000036.o: in function `mygetgrgid_r':\n/_/GOROOT/src/os/user/cgo_lookup_cgo.go:45: warning: Using 'getgrgid_r' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\n";
        let warnings = parse(stderr);
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].symbol, "dlopen");
        assert_eq!(
            warnings[0].function.as_deref(),
            Some("_cgo_1829a9195957_Cfunc_dlopen")
        );
        assert_eq!(
            warnings[0].location.as_deref(),
            Some("/tmp/go-build/dlopen_linux.cgo2.c:92")
        );
        assert_eq!(warnings[1].symbol, "getgrgid_r");
        assert_eq!(
            location_file(warnings[1].location.as_deref().unwrap()),
            "/_/GOROOT/src/os/user/cgo_lookup_cgo.go"
        );
        let dirs = vec![
            (
                "/m/sqlite@v1".to_owned(),
                "github.com/mattn/go-sqlite3".to_owned(),
            ),
            ("/goroot/src/os/user".to_owned(), "os/user".to_owned()),
        ];
        let resolved = |location: &str| {
            let warning = LinkerWarning {
                symbol: "dlopen".into(),
                line: String::new(),
                location: Some(location.into()),
                function: None,
                package: None,
                how: String::new(),
            };
            resolve(&warning, &BTreeMap::new(), &dirs, &BTreeMap::new()).0
        };
        assert_eq!(
            resolved("/_/github.com/mattn/go-sqlite3@v1.14.24/sqlite3-binding.c:45109").as_deref(),
            Some("github.com/mattn/go-sqlite3")
        );
        assert_eq!(
            resolved("/_/GOROOT/src/os/user/cgo_lookup_cgo.go:45").as_deref(),
            Some("os/user")
        );
        assert_eq!(
            resolved("/m/sqlite@v1/sqlite3-binding.c:1").as_deref(),
            Some("github.com/mattn/go-sqlite3")
        );
    }
}
