//! Linting a rule catalog (`audit rules check DIR`, and every load): unknown keys (serde
//! `deny_unknown_fields`), duplicate ids, ids that do not match the file name, bad version
//! ranges, missing prose or references.

use std::collections::BTreeMap;
use std::path::Path;

use super::version::VersionRange;
use super::{Rule, parse_rule};

/// Problems with one parsed rule (empty when it is fine).
pub fn check_rule(rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    let id = &rule.id;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || id.starts_with('-')
        || id.ends_with('-')
        || id.contains("--")
    {
        problems.push(format!("id {id:?} is not kebab-case"));
    }
    if !["go", "rust"].contains(&rule.ecosystem.as_str()) {
        problems.push(format!("ecosystem {:?} is not go or rust", rule.ecosystem));
    }
    let m = &rule.matcher;
    let n_selectors = usize::from(m.package.is_some())
        + usize::from(m.module.is_some())
        + usize::from(m.generic.is_some());
    if n_selectors != 1 {
        problems.push("match needs exactly one of package, module, generic".to_owned());
    }
    if let Some(versions) = &m.versions
        && let Err(err) = VersionRange::parse(versions)
    {
        problems.push(format!("match.versions: {err}"));
    }
    if let Some(go) = &rule.when.go
        && let Err(err) = VersionRange::parse(go)
    {
        problems.push(format!("when.go: {err}"));
    }
    if let Some(min) = &rule.fix.tags_min_version
        && let Err(err) = super::version::Version::parse(min)
    {
        problems.push(format!("fix.tags_min_version: {err}"));
    }
    if let Some(upgrade) = &rule.fix.upgrade
        && let Err(err) = super::version::Version::parse(&upgrade.version)
    {
        problems.push(format!("fix.upgrade.version: {err}"));
    }
    if rule.summary.trim().is_empty() || rule.summary.contains('\n') {
        problems.push("summary must be one non-empty line".to_owned());
    }
    if rule.why.trim().is_empty() {
        problems.push("why is empty".to_owned());
    }
    if rule.fix.text.trim().is_empty() {
        problems.push("fix.text is empty".to_owned());
    }
    if rule.effects.is_empty() {
        problems.push("effects is empty".to_owned());
    }
    if rule.references.is_empty() {
        problems.push("references is empty".to_owned());
    }
    for reference in &rule.references {
        if !reference.starts_with("https://") {
            problems.push(format!("reference {reference:?} is not an https URL"));
        }
    }
    if rule.explains.contains(&rule.id) {
        problems.push("a rule cannot explain itself".to_owned());
    }
    problems
}

/// Lints every `*.toml` under `dir`: returns (file, problem) pairs, sorted.
pub fn lint_dir(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let builtin = super::Catalog::builtin()
        .map(|c| c.rules)
        .unwrap_or_default();
    // The shipped catalog itself (`audit rules check queries`) is checked as it is: a
    // directory holding the built-in rules' own files.
    let canonical = dir.canonicalize().ok();
    let shipped = canonical.as_ref().is_some_and(|c| {
        builtin
            .iter()
            .all(|b| c.join(b.source.trim_start_matches("queries/")).is_file())
    });
    for file in files {
        let source = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) => {
                problems.push((source, format!("cannot read: {err}")));
                continue;
            }
        };
        if source
            .replace('\\', "/")
            .split('/')
            .any(|part| part == "fingerprints")
        {
            if let Err(err) = super::parse_fingerprint(&text, &source) {
                problems.push((source, err.to_string()));
            }
            continue;
        }
        let rule = match parse_rule(&text, &source) {
            Ok(rule) => rule,
            Err(err) => {
                let message = err.to_string();
                let message = message
                    .strip_prefix(&format!("{source}: "))
                    .unwrap_or(&message)
                    .to_owned();
                problems.push((source, message));
                continue;
            }
        };
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if stem != rule.id {
            problems.push((
                source.clone(),
                format!("id {} does not match the file name {stem}.toml", rule.id),
            ));
        }
        if let Some(other) = ids.insert(rule.id.to_string(), source.clone()) {
            problems.push((
                source.clone(),
                format!("duplicate id {} (also in {other})", rule.id),
            ));
        }
        for problem in check_rule(&rule) {
            problems.push((source.clone(), problem));
        }
        // A directory that is not the shipped catalog extends it: an id of a built-in rule
        // would silently replace it.
        if !shipped && builtin.iter().any(|b| b.id == rule.id) && !rule.replaces_builtin {
            problems.push((
                source.clone(),
                format!(
                    "id {} is a built-in rule's: loading this directory with --rules would fail (set replaces_builtin = true to replace it)",
                    rule.id
                ),
            ));
        }
    }
    problems.sort();
    Ok(problems)
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| anyhow::anyhow!("{}: cannot read rule directory: {err}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
    Ok(())
}
