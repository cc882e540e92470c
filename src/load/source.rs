//! Reading what a package's Go files say, for the packages whose files decide dynamic linking
//! (every non-standard package with cgo files under the loaded configuration): each file's
//! build constraint, whether it has `import "C"`, its `#cgo` directives, and the glibc
//! functions that warn in a static link which its C preamble or `C.` references call.
//!
//! Only live loads read sources (a recording's `Dir` names another machine's files, and output
//! must not depend on what happens to exist here). Reading is bounded: at most
//! [`MAX_FILE_BYTES`] per file.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use crate::model::constraint::{self, Expr};
use crate::model::{CgoDirective, DepGraph, FileFacts, Node, PackageSource};

/// Bytes read of one file (cgo preambles and their calls sit at the top of real files).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Bytes read to see whether an excluded file has `import "C"` (imports follow the header).
const HEADER_BYTES: u64 = 16 << 10;

/// glibc functions that print `Using 'X' in statically linked applications requires at
/// runtime the shared libraries from the glibc version used for linking` in a static link
/// (glibc 2.36 `libc.a`: dlopen and the NSS families).
pub const GLIBC_WARNING_SYMBOLS: &[&str] = &[
    "dlopen",
    "dlmopen",
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname_r",
    "gethostbyname2",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "gethostent",
    "gethostent_r",
    "getpwnam",
    "getpwnam_r",
    "getpwuid",
    "getpwuid_r",
    "getpwent",
    "getpwent_r",
    "getgrnam",
    "getgrnam_r",
    "getgrgid",
    "getgrgid_r",
    "getgrent",
    "getgrent_r",
    "getgrouplist",
    "initgroups",
    "getspnam",
    "getspnam_r",
    "getservbyname",
    "getservbyname_r",
    "getservbyport",
    "getservbyport_r",
    "getprotobyname",
    "getprotobyname_r",
    "getprotobynumber",
    "getprotobynumber_r",
    "getnetbyname",
    "getnetbyaddr",
    "getaliasbyname",
];

/// Whether the Go file `name` in `dir` has `import "C"`, where a loader already knows.
pub type ImportsC<'a> = dyn Fn(&Path, &str) -> Option<bool> + Sync + 'a;

/// Reads the facts of one file's text.
pub fn file_facts(name: &str, text: &str) -> (FileFacts, Option<String>) {
    let (mut facts, problem) = facts_without_cgo(name, constraint::header_constraint(text));
    if !has_import_c(text) {
        return (facts, problem);
    }
    facts.uses_cgo = true;
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("//").unwrap_or(line).trim_start();
        if let Some(rest) = line.strip_prefix("#cgo")
            && rest.starts_with([' ', '\t'])
            && let Some(directive) = cgo_directive(rest.trim())
        {
            facts.cgo.push(directive);
        }
    }
    for symbol in GLIBC_WARNING_SYMBOLS {
        if calls_symbol(text, symbol) {
            facts.calls.insert((*symbol).to_owned());
        }
    }
    (facts, problem)
}

fn has_import_c(text: &str) -> bool {
    let mut in_import_block = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "import \"C\"" || line.starts_with("import \"C\" ") {
            return true;
        }
        if line.starts_with("import (") {
            in_import_block = true;
            continue;
        }
        if in_import_block {
            if line.starts_with(')') {
                in_import_block = false;
            } else if line == "\"C\"" || line.starts_with("\"C\" ") {
                return true;
            }
        }
    }
    false
}

/// `symbol(` as a C call in the preamble, or `C.symbol` from Go; not part of a longer name.
fn calls_symbol(text: &str, symbol: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(pos) = text[start..].find(symbol) {
        let at = start + pos;
        let end = at + symbol.len();
        start = end;
        let before = if at == 0 { b' ' } else { bytes[at - 1] };
        if before.is_ascii_alphanumeric() || before == b'_' {
            continue;
        }
        let after = bytes.get(end).copied().unwrap_or(b' ');
        if after.is_ascii_alphanumeric() || after == b'_' {
            continue;
        }
        let from_go = at >= 2 && &bytes[at - 2..at] == b"C.";
        let rest = text[end..].trim_start();
        if from_go || rest.starts_with('(') {
            return true;
        }
    }
    false
}

/// Parses the text after `#cgo`: `[CONDITIONS] KIND: ARGS`.
fn cgo_directive(text: &str) -> Option<CgoDirective> {
    let (head, args) = text.split_once(':')?;
    let mut words: Vec<&str> = head.split_whitespace().collect();
    let kind = words.pop()?.to_owned();
    if !kind
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b == b'-' || b.is_ascii_lowercase())
    {
        return None;
    }
    let condition_text = words.join(" ");
    let condition = if words.is_empty() {
        None
    } else {
        constraint::parse_plus_build(std::slice::from_ref(&condition_text))
            .ok()
            .flatten()
    };
    Some(CgoDirective {
        condition,
        condition_text,
        kind,
        args: args.split_whitespace().map(str::to_owned).collect(),
    })
}

fn read_limited(path: &Path, limit: u64) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether a file has `import "C"` in its first [`HEADER_BYTES`], read once per process (every
/// configuration `fix` or a matrix loads looks at the same files).
fn file_has_import_c(path: &Path) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(&known) = seen.lock().unwrap().get(path) {
        return known;
    }
    let has = read_limited(path, HEADER_BYTES).is_ok_and(|text| has_import_c(&text));
    seen.lock().unwrap().insert(path.to_path_buf(), has);
    has
}

/// Reads the files `go list` named for a package in `dir`, each file once per process (the
/// configurations of a `fix` or a matrix name different subsets of the same files).
pub fn read_package(dir: &Path, names: &[String]) -> PackageSource {
    read_package_with(dir, names, &|_, _| None)
}

/// What a file without `import "C"` says: its header's constraint, nothing else.
fn facts_without_cgo(
    name: &str,
    constraint: Result<Option<Expr>, String>,
) -> (FileFacts, Option<String>) {
    let (constraint, problem) = match constraint {
        Ok(expr) => (expr, None),
        Err(err) => (None, Some(format!("{name}: bad build constraint: {err}"))),
    };
    (
        FileFacts {
            name: name.to_owned(),
            constraint_text: constraint.as_ref().map(Expr::to_string),
            constraint,
            uses_cgo: false,
            cgo: Vec::new(),
            calls: BTreeSet::new(),
        },
        problem,
    )
}

/// Reads one file's facts: only its header when `imports_c` knows it has no `import "C"`.
fn read_file(
    dir: &Path,
    name: &str,
    imports_c: &ImportsC<'_>,
) -> Result<(FileFacts, Option<String>), String> {
    let path = dir.join(name);
    let cannot = |err: std::io::Error| format!("{name}: cannot read: {err}");
    if imports_c(dir, name) == Some(false) {
        let prefix = read_limited(&path, HEADER_BYTES).map_err(cannot)?;
        if let Some(constraint) = constraint::header_constraint_of_prefix(&prefix) {
            return Ok(facts_without_cgo(name, constraint));
        }
    }
    read_limited(&path, MAX_FILE_BYTES)
        .map(|text| file_facts(name, &text))
        .map_err(cannot)
}

/// [`read_package`], with `imports_c` as in [`attach_with`]: a file known to have no `import
/// "C"` is read only as far as its header.
pub fn read_package_with(dir: &Path, names: &[String], imports_c: &ImportsC<'_>) -> PackageSource {
    type Read = Result<(FileFacts, Option<String>), String>;
    static READ: OnceLock<Mutex<HashMap<PathBuf, Read>>> = OnceLock::new();
    let read = READ.get_or_init(Default::default);
    let mut names: Vec<&String> = names.iter().collect();
    names.sort();
    names.dedup();
    // In parallel: a package such as golang.org/x/sys/unix has hundreds of files.
    let all: Vec<Read> = names
        .par_iter()
        .map(|name| {
            let path = dir.join(name);
            let known = read.lock().unwrap().get(&path).cloned();
            known.unwrap_or_else(|| {
                let facts = read_file(dir, name, imports_c);
                read.lock().unwrap().insert(path, facts.clone());
                facts
            })
        })
        .collect();
    let mut source = PackageSource::default();
    for facts in all {
        match facts {
            Ok((facts, problem)) => {
                source.files.push(facts);
                source.problems.extend(problem);
            }
            Err(problem) => source.problems.push(problem),
        }
    }
    source
}

/// Attaches source facts to every non-standard package with cgo files (or with cgo files
/// excluded by the configuration) whose directory exists.
pub fn attach(graph: &mut DepGraph) {
    attach_with(graph, &|_, _| None);
}

/// [`attach`], with `imports_c(dir, file)` answering whether an excluded file has `import
/// "C"` where the loader already read its header (`None`: read the file to see).
pub fn attach_with(graph: &mut DepGraph, imports_c: &ImportsC<'_>) {
    let wanted: Vec<_> = graph.node_indices().collect();
    for idx in wanted {
        if let Some(source) = source_of(graph.node(idx), imports_c) {
            graph.set_source(idx, source);
        }
    }
}

/// What [`attach_with`] attaches to one package: the facts of its Go files when it is a
/// non-standard package that has, or could have under another configuration, cgo files, and
/// its directory is here; `None` otherwise (or when the node already has them).
pub fn source_of(node: &Node, imports_c: &ImportsC<'_>) -> Option<PackageSource> {
    if node.standard || node.missing || node.source.is_some() {
        return None;
    }
    let dir = Path::new(node.dir.as_deref()?);
    // Cheap first look: only packages that have, or could have under another
    // configuration, cgo files are read in full.
    let has_cgo = !node.cgo_files.is_empty()
        || node
            .ignored_go_files
            .iter()
            .any(|name| imports_c(dir, name).unwrap_or_else(|| file_has_import_c(&dir.join(name))));
    if !has_cgo || !dir.is_dir() {
        return None;
    }
    let names: Vec<String> = node
        .go_files
        .iter()
        .chain(&node.cgo_files)
        .chain(&node.ignored_go_files)
        .filter(|name| name.ends_with(".go"))
        .map(str::to_owned)
        .collect();
    Some(read_package_with(dir, &names, imports_c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cgo_file_with_dlopen_and_ldl() {
        let text = "// header\n\n//go:build linux && cgo && !static\n\npackage system\n\n// #cgo LDFLAGS: -ldl\n// #include <dlfcn.h>\nimport \"C\"\n\nfunc f() { h := C.dlopen(nil, C.RTLD_LAZY); _ = h }\n";
        let (facts, problem) = file_facts("dlopen_linux.go", text);
        assert!(problem.is_none());
        assert!(facts.uses_cgo);
        assert_eq!(
            facts.constraint_text.as_deref(),
            Some("linux && cgo && !static")
        );
        assert_eq!(facts.cgo.len(), 1);
        assert_eq!(facts.cgo[0].kind, "LDFLAGS");
        assert_eq!(facts.cgo[0].args, vec!["-ldl"]);
        assert!(facts.calls.contains("dlopen"));
        let ctx = constraint::Context {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            ..Default::default()
        };
        assert_eq!(facts.ld_libs(&ctx), vec!["dl"]);
    }

    #[test]
    fn conditions_and_defines() {
        let text = "// +build sqlite_omit_load_extension\n\npackage sqlite3\n\n/*\n#cgo CFLAGS: -DSQLITE_OMIT_LOAD_EXTENSION\n#cgo linux,ppc LDFLAGS: -lpthread\n*/\nimport \"C\"\n";
        let (facts, _) = file_facts("omit.go", text);
        let ctx = constraint::Context {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            ..Default::default()
        };
        assert_eq!(facts.defines(&ctx), vec!["SQLITE_OMIT_LOAD_EXTENSION"]);
        assert!(facts.ld_libs(&ctx).is_empty());
        assert!(facts.calls.is_empty());
        let (plain, _) = file_facts("x.go", "package x\n\nfunc dlopen() {}\n");
        assert!(!plain.uses_cgo && plain.calls.is_empty());
    }
}
