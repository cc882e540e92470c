//! Opt-out tags found in the source, for packages the catalog does not know: a compiled cgo
//! file that calls `dlopen` or an NSS function, or links `-ldl` or a system library, and whose
//! own build constraint names a tag that would exclude it (`//go:build linux && cgo &&
//! !static`) while the package keeps files to build. These are candidates only: the planner
//! re-loads the graph with each and keeps it only if the file is really gone.
//!
//! Pure: it reads the source facts the loader attached to the graph.

use std::collections::BTreeSet;

use crate::analyze::check::GLIBC_LIBRARIES;
use crate::model::constraint::{self, Context};
use crate::model::{DepGraph, FileFacts, Node};

/// A discovered tag.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// The tag.
    pub tag: String,
    /// The package whose file it drops.
    pub package: String,
    /// The file.
    pub file: String,
    /// The file's constraint.
    pub constraint: String,
    /// What the file has: `dlopen`, `getpwnam_r`, `-ldl`, `-lfoo`.
    pub evidence: Vec<String>,
}

/// The build-constraint context of a graph's configuration.
pub fn context(graph: &DepGraph) -> Context {
    let config = &graph.config;
    let go_minor = config
        .go_version
        .as_deref()
        .and_then(|v| v.strip_prefix("go1."))
        .and_then(|rest| rest.split(['.', '-', ' ']).next())
        .and_then(|minor| minor.parse().ok())
        .unwrap_or(u32::MAX);
    Context {
        goos: config.goos.clone().unwrap_or_else(|| "linux".to_owned()),
        goarch: config.goarch.clone().unwrap_or_else(|| "amd64".to_owned()),
        cgo: config.cgo_enabled.unwrap_or(true),
        tags: config
            .tags
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        go_minor,
    }
}

/// The dynamic-linking evidence of one compiled file.
pub fn evidence(file: &FileFacts, context: &Context) -> Vec<String> {
    let mut out: Vec<String> = file.calls.iter().cloned().collect();
    for lib in file.ld_libs(context) {
        if lib == "dl" || !GLIBC_LIBRARIES.contains(&lib.as_str()) {
            out.push(format!("-l{lib}"));
        }
    }
    for directive in &file.cgo {
        if directive.kind == "pkg-config"
            && directive
                .condition
                .as_ref()
                .is_none_or(|c| c.eval(&|t| context.holds(t)))
        {
            out.extend(
                directive
                    .args
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(|a| format!("pkg-config {a}")),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

fn file_compiles(file: &FileFacts, context: &Context) -> bool {
    constraint::compiles(&file.name, file.constraint.as_ref(), file.uses_cgo, context)
}

/// Candidates for one package.
pub fn for_package(node: &Node, context: &Context) -> Vec<Candidate> {
    let Some(source) = &node.source else {
        return Vec::new();
    };
    let mut out = BTreeSet::new();
    for file in &source.files {
        if !file.uses_cgo || !node.cgo_files.contains(&file.name) {
            continue;
        }
        let evidence = evidence(file, context);
        if evidence.is_empty() {
            continue;
        }
        let Some(expr) = &file.constraint else {
            continue;
        };
        for tag in expr.tags() {
            if Context::is_config_tag(&tag) || context.tags.contains(&tag) {
                continue;
            }
            let with = context.with_tag(&tag);
            if file_compiles(file, &with) {
                continue;
            }
            // The package must keep something to build.
            if !source
                .files
                .iter()
                .any(|other| other.name != file.name && file_compiles(other, &with))
            {
                continue;
            }
            out.insert(Candidate {
                tag,
                package: node.id.to_string(),
                file: file.name.clone(),
                constraint: file.constraint_text.clone().unwrap_or_default(),
                evidence: evidence.clone(),
            });
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::file_facts;
    use crate::model::PackageSource;

    #[test]
    fn the_tag_that_drops_a_dlopen_file_and_leaves_a_fallback() {
        let dlopen = file_facts(
            "dlopen_linux.go",
            "//go:build linux && cgo && !static\n\npackage system\n\n// #cgo LDFLAGS: -ldl\nimport \"C\"\n\nfunc f() { C.dlopen(nil, 0) }\n",
        )
        .0;
        let other = file_facts(
            "dlopen_other.go",
            "//go:build !linux || !cgo || static\n\npackage system\n",
        )
        .0;
        let node = Node {
            id: "example.com/system".into(),
            cgo_files: ["dlopen_linux.go"].into(),
            ignored_go_files: ["dlopen_other.go"].into(),
            source: Some(Box::new(PackageSource {
                files: vec![dlopen, other],
                problems: Vec::new(),
            })),
            ..Node::default()
        };
        let context = Context {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            go_minor: 26,
            ..Context::default()
        };
        let found = for_package(&node, &context);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].tag, "static");
        assert_eq!(found[0].evidence, vec!["-ldl", "dlopen"]);
        // Without the fallback file the tag would leave nothing to build.
        let mut lonely = node.clone();
        lonely.source.as_mut().unwrap().files.truncate(1);
        assert!(for_package(&lonely, &context).is_empty());
    }
}
