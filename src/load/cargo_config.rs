//! What Cargo's own configuration says about the link, read the way cargo reads it
//! (<https://doc.rust-lang.org/cargo/reference/config.html>): `.cargo/config.toml` (or
//! `.cargo/config`) in the workspace directory and every ancestor, then `$CARGO_HOME`'s; a
//! deeper file wins for strings, arrays are joined with the deeper file's items last. The
//! RUSTFLAGS of a build come from the first of: `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, every
//! matching `[target.<triple>]` / `[target.'cfg(..)']` `rustflags`, `CARGO_BUILD_RUSTFLAGS`,
//! `[build] rustflags`. The default target is `CARGO_BUILD_TARGET` or `[build] target`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result};

/// The link-relevant settings, with where each came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoSettings {
    /// The RUSTFLAGS words of a build.
    pub rustflags: Vec<String>,
    /// Where they came from (`RUSTFLAGS`, `/w/.cargo/config.toml [build] rustflags`, ...).
    pub rustflags_from: Option<String>,
    /// The default target triple, when configured.
    pub target: Option<String>,
    /// Where it came from.
    pub target_from: Option<String>,
}

/// Config files, deepest first (they win), `$CARGO_HOME`'s last.
fn config_files(workspace: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let start = workspace
        .canonicalize()
        .unwrap_or_else(|_| workspace.to_path_buf());
    for dir in start.ancestors() {
        for name in ["config.toml", "config"] {
            let path = dir.join(".cargo").join(name);
            if path.is_file() {
                files.push(path);
                break;
            }
        }
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = home {
        for name in ["config.toml", "config"] {
            let path = home.join(name);
            if path.is_file() {
                let canonical = path.canonicalize().unwrap_or(path.clone());
                if !files
                    .iter()
                    .any(|f| f.canonicalize().unwrap_or(f.clone()) == canonical)
                {
                    files.push(path);
                }
                break;
            }
        }
    }
    files
}

/// A string or an array of strings (cargo accepts both for `rustflags`).
fn words(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        toml::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

fn split_env(name: &str, separator: Option<char>) -> Option<Vec<String>> {
    let value = std::env::var(name).ok()?;
    let words: Vec<String> = match separator {
        Some(separator) => value.split(separator).map(str::to_owned).collect(),
        None => value.split_whitespace().map(str::to_owned).collect(),
    };
    let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
    (!words.is_empty()).then_some(words)
}

/// Reads the settings for a workspace; `target` is the triple the build is for (for
/// `[target]` tables), `None` to take the configured default (or the host's, by the caller).
pub fn read(workspace: &Path, target: Option<&str>) -> Result<CargoSettings> {
    let mut parsed: Vec<(PathBuf, toml::Table)> = Vec::new();
    for file in config_files(workspace) {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("{}: cannot read", file.display()))?;
        let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
            anyhow::anyhow!("{}: {}", file.display(), err.to_string().replace('\n', " "))
        })?;
        parsed.push((file, table));
    }
    let mut settings = CargoSettings::default();
    // build.target: the environment, else the deepest file that sets it.
    if let Ok(value) = std::env::var("CARGO_BUILD_TARGET")
        && !value.is_empty()
    {
        settings.target = Some(value);
        settings.target_from = Some("CARGO_BUILD_TARGET".to_owned());
    } else {
        for (file, table) in &parsed {
            if let Some(value) = table.get("build").and_then(|b| b.get("target")) {
                let first = match value {
                    toml::Value::String(s) => Some(s.clone()),
                    toml::Value::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
                    _ => None,
                };
                if let Some(first) = first {
                    settings.target = Some(first);
                    settings.target_from = Some(format!("{} [build] target", file.display()));
                    break;
                }
            }
        }
    }
    let triple = target
        .map(str::to_owned)
        .or_else(|| settings.target.clone())
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned());
    if let Some(flags) = split_env("CARGO_ENCODED_RUSTFLAGS", Some('\x1f')) {
        settings.rustflags = flags;
        settings.rustflags_from = Some("CARGO_ENCODED_RUSTFLAGS".to_owned());
        return Ok(settings);
    }
    if let Some(flags) = split_env("RUSTFLAGS", None) {
        settings.rustflags = flags;
        settings.rustflags_from = Some("RUSTFLAGS".to_owned());
        return Ok(settings);
    }
    // [target.<triple>] and [target.'cfg(...)'] rustflags, joined (ancestors first).
    let cfgs = super::cargo::target_cfgs(&triple);
    let mut joined: Vec<String> = Vec::new();
    let mut from: Vec<String> = Vec::new();
    for (file, table) in parsed.iter().rev() {
        let Some(targets) = table.get("target").and_then(|t| t.as_table()) else {
            continue;
        };
        for (key, value) in targets {
            let applies = key == &triple
                || (key.starts_with("cfg(")
                    && cargo_metadata::cargo_platform::Platform::from_str(key)
                        .is_ok_and(|p| p.matches(&triple, &cfgs)));
            if !applies {
                continue;
            }
            if let Some(flags) = value.get("rustflags").and_then(words) {
                joined.extend(flags);
                from.push(format!("{} [target.{key}] rustflags", file.display()));
            }
        }
    }
    if !from.is_empty() {
        settings.rustflags = joined;
        settings.rustflags_from = Some(from.join(", "));
        return Ok(settings);
    }
    if let Some(flags) = split_env("CARGO_BUILD_RUSTFLAGS", None) {
        settings.rustflags = flags;
        settings.rustflags_from = Some("CARGO_BUILD_RUSTFLAGS".to_owned());
        return Ok(settings);
    }
    for (file, table) in parsed.iter().rev() {
        if let Some(flags) = table
            .get("build")
            .and_then(|b| b.get("rustflags"))
            .and_then(words)
        {
            settings.rustflags.extend(flags);
            from.push(format!("{} [build] rustflags", file.display()));
        }
    }
    if !from.is_empty() {
        settings.rustflags_from = Some(from.join(", "));
    }
    Ok(settings)
}

/// `crt-static` as the flags set it: the last `target-feature` that names it wins.
pub fn crt_static(flags: &[String]) -> Option<bool> {
    let mut out = None;
    let mut iter = flags.iter().peekable();
    while let Some(flag) = iter.next() {
        let feature = if flag == "-C" {
            iter.next().map(String::as_str)
        } else {
            flag.strip_prefix("-C")
        };
        let Some(feature) = feature.and_then(|f| f.strip_prefix("target-feature=")) else {
            continue;
        };
        for part in feature.split(',') {
            match part {
                "+crt-static" => out = Some(true),
                "-crt-static" => out = Some(false),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crt_static_from_flag_words() {
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            crt_static(&words("-C target-feature=+crt-static")),
            Some(true)
        );
        assert_eq!(
            crt_static(&words("-Ctarget-feature=+crt-static,-crt-static")),
            Some(false)
        );
        assert_eq!(crt_static(&words("-C opt-level=3")), None);
    }
}
