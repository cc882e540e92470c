//! Rule documentation generated from the catalog: `docs/rules/README.md` (an index) and one
//! `docs/rules/<id>.md` per rule. A test regenerates them and fails on drift
//! (`UPDATE_DOCS=1 cargo test` rewrites them); `audit rules docs --out DIR` writes them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Catalog, Report, Rule};

fn effects(rule: &Rule) -> String {
    rule.effects
        .iter()
        .map(|e| format!("`{}`", e.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn report_kind(rule: &Rule) -> &'static str {
    match rule.report {
        Report::Finding => "finding",
        Report::Linkage => "linkage reason",
        Report::None => "not reported (documented non-finding)",
    }
}

/// Markdown for one rule.
pub fn rule_page(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# `{}`\n", rule.id);
    let _ = writeln!(out, "{}\n", rule.summary);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| ecosystem | {} |", rule.ecosystem);
    let _ = writeln!(out, "| severity | {} |", rule.severity.as_str());
    let _ = writeln!(out, "| reported as | {} |", report_kind(rule));
    let _ = writeln!(out, "| effects | {} |", effects(rule));
    let m = &rule.matcher;
    let mut matches = Vec::new();
    if let Some(package) = &m.package {
        matches.push(format!("package `{package}`"));
    }
    if let Some(module) = &m.module {
        matches.push(format!("module `{module}`"));
    }
    if let Some(generic) = &m.generic {
        matches.push(format!(
            "generic detector `{}`",
            serde_json::to_value(generic)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("")
        ));
    }
    if let Some(versions) = &m.versions {
        matches.push(format!("module version `{versions}`"));
    }
    if let Some(cgo_files) = m.cgo_files {
        matches.push(if cgo_files {
            "with cgo files".to_owned()
        } else {
            "without cgo files".to_owned()
        });
    }
    if !m.files.is_empty() {
        matches.push(format!("compiling one of {}", list(&m.files)));
    }
    if !m.files_absent.is_empty() {
        matches.push(format!("compiling none of {}", list(&m.files_absent)));
    }
    if !m.features.is_empty() {
        matches.push(format!("with features {}", list(&m.features)));
    }
    if !m.features_any.is_empty() {
        matches.push(format!(
            "with one of the features {}",
            list(&m.features_any)
        ));
    }
    if !m.features_absent.is_empty() {
        matches.push(format!("without the features {}", list(&m.features_absent)));
    }
    if !m.imports.is_empty() {
        matches.push(format!("importing one of {}", list(&m.imports)));
    }
    let _ = writeln!(out, "| matches | {} |", matches.join("; "));
    let w = &rule.when;
    let mut when = Vec::new();
    if let Some(cgo) = w.cgo {
        when.push(format!("CGO_ENABLED={}", u8::from(cgo)));
    }
    if !w.goos.is_empty() {
        when.push(format!("GOOS in {}", list(&w.goos)));
    }
    if !w.tags_present.is_empty() {
        when.push(format!("tags {} set", list(&w.tags_present)));
    }
    if !w.tags_absent.is_empty() {
        when.push(format!("tags {} not set", list(&w.tags_absent)));
    }
    if let Some(go) = &w.go {
        when.push(format!("Go `{go}`"));
    }
    if !w.target.is_empty() {
        when.push(format!("target matches {}", list(&w.target)));
    }
    if let Some(crt_static) = w.crt_static {
        when.push(format!(
            "crt-static {}",
            if crt_static { "on" } else { "off" }
        ));
    }
    if !w.env_present.is_empty() {
        when.push(format!("{} set", list(&w.env_present)));
    }
    if let Some(name) = &w.system_library {
        when.push(format!(
            "pkg-config finds `{name}` on the build machine (else the bundled copy is built)"
        ));
    }
    if !w.env_absent.is_empty() {
        when.push(format!("{} not set", list(&w.env_absent)));
    }
    if !when.is_empty() {
        let _ = writeln!(out, "| active when | {} |", when.join("; "));
    }
    if !rule.explains.is_empty() {
        let _ = writeln!(
            out,
            "| explains | {} |",
            rule.explains
                .iter()
                .map(|id| format!("[`{id}`]({id}.md)"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out, "\n## Why\n\n{}\n", rule.why.trim());
    let _ = writeln!(out, "## Fix\n\n{}\n", rule.fix.text.trim());
    let fix = &rule.fix;
    if !fix.tags.is_empty() {
        let since = fix
            .tags_min_version
            .as_ref()
            .map(|v| format!(" (needs {v} or later)"))
            .unwrap_or_default();
        let _ = writeln!(out, "- build tags: {}{since}", list(&fix.tags));
    }
    if let Some(upgrade) = &fix.upgrade {
        let tags = if upgrade.tags.is_empty() {
            String::new()
        } else {
            format!(", then tags {}", list(&upgrade.tags))
        };
        let _ = writeln!(
            out,
            "- upgrade: `go get {}@{}`{tags}",
            upgrade.module, upgrade.version
        );
    }
    if let Some(cgo_off) = fix.cgo_off {
        let _ = writeln!(
            out,
            "- `CGO_ENABLED=0`: {}",
            serde_json::to_value(cgo_off)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("")
        );
    }
    if !fix.features.is_empty() {
        let _ = writeln!(
            out,
            "- features of the crate: {} (the fix walks up to the dependency a workspace member declares)",
            list(&fix.features)
        );
    }
    if let Some(dependency) = &fix.dependency {
        let _ = writeln!(
            out,
            "- dependency declaration: enable {}, disable {}",
            list(&dependency.enable),
            list(&dependency.disable)
        );
    }
    if let Some(rustflags) = &fix.rustflags {
        let _ = writeln!(out, "- `RUSTFLAGS=\"{rustflags}\"`");
    }
    if let Some(target) = &fix.target {
        let _ = writeln!(out, "- target: `{target}`");
    }
    if !fix.env.is_empty() {
        let _ = writeln!(out, "- environment: {}", list(&fix.env));
    }
    if let Some(alternative) = &fix.alternative {
        let _ = writeln!(out, "- alternative: {alternative}");
    }
    if !rule.static_link.warnings.is_empty()
        || !rule.static_link.libraries.is_empty()
        || rule.static_link.internal_link.is_some()
    {
        let _ = writeln!(out, "\n## Fully static link\n");
        if let Some(error) = &rule.static_link.internal_link {
            let _ = writeln!(out, "- `-linkmode internal` does not link: {error}");
        }
        if !rule.static_link.warnings.is_empty() {
            let _ = writeln!(
                out,
                "- glibc warnings: {}",
                list(&rule.static_link.warnings)
            );
        }
        if !rule.static_link.libraries.is_empty() {
            let _ = writeln!(
                out,
                "- static archives needed: {}",
                list(&rule.static_link.libraries)
            );
        }
    }
    let _ = writeln!(out, "\n## References\n");
    for reference in &rule.references {
        let _ = writeln!(out, "- <{reference}>");
    }
    let _ = writeln!(
        out,
        "\n<!-- generated from {} by `audit rules docs`; do not edit -->",
        rule.source
    );
    out
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every generated file: relative path to content.
pub fn generate(catalog: &Catalog) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Rules\n\nGenerated from `queries/` by `audit rules docs`; do not edit.\n\n| id | severity | reported as | effects | summary |\n|---|---|---|---|---|\n",
    );
    for rule in &catalog.rules {
        let _ = writeln!(
            index,
            "| [`{id}`]({id}.md) | {} | {} | {} | {} |",
            rule.severity.as_str(),
            report_kind(rule),
            effects(rule),
            rule.summary.replace('|', "\\|"),
            id = rule.id
        );
        files.insert(format!("{}.md", rule.id), rule_page(rule));
    }
    if !catalog.fingerprints.is_empty() {
        index.push_str(
            "\n## Forks\n\nA package elsewhere whose Go files include at least the given share of these packages' files (and that links the same `-l` libraries) is treated as a fork: the rules of the original apply to it, with a note, and version ranges are not checked (`queries/*/fingerprints/`, written by `fixtures/rules/fingerprint.sh`).\n\n| package | read from | files | share |\n|---|---|---|---|\n",
        );
        for fingerprint in &catalog.fingerprints {
            let _ = writeln!(
                index,
                "| `{}` | {} | {} | {} |",
                fingerprint.package,
                fingerprint.version,
                fingerprint.files.len(),
                fingerprint.min_share
            );
        }
    }
    files.insert("README.md".to_owned(), index);
    files
}
