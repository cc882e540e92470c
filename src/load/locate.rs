//! Finding where a chain starts in the repository's own files, for SARIF and GitHub
//! annotations: the import line in the root package that begins the chain, or the `require`
//! line of a module in go.mod. Reads files only; paths are relative to the project directory.

use std::path::{Path, PathBuf};

/// A place in a repository file (or a package directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path relative to the project directory, with `/`.
    pub file: String,
    /// 1-based line; `None` for a directory, or a file whose line is unknown.
    pub line: Option<u32>,
}

/// The project's go.mod and source tree.
#[derive(Clone, Debug)]
pub struct SourceIndex {
    root: PathBuf,
    module_path: Option<String>,
    go_mod: Vec<String>,
}

impl SourceIndex {
    /// Indexes the project directory (reads `go.mod` if present).
    pub fn open(root: &Path) -> SourceIndex {
        let go_mod: Vec<String> = std::fs::read_to_string(root.join("go.mod"))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let module_path = go_mod.iter().find_map(|line| {
            let rest = line.trim().strip_prefix("module")?;
            let path = rest.trim().trim_matches('"');
            (!path.is_empty()).then(|| path.to_owned())
        });
        SourceIndex {
            root: root.to_path_buf(),
            module_path,
            go_mod,
        }
    }

    /// The line of `import "imported"` in `package`'s non-test Go files.
    pub fn import_line(&self, package: &str, imported: &str) -> Option<Location> {
        let module = self.module_path.as_deref()?;
        let relative = if package == module {
            ""
        } else {
            package.strip_prefix(module)?.strip_prefix('/')?
        };
        let dir = self.root.join(relative);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                path.extension().is_some_and(|ext| ext == "go")
                    && !path.to_string_lossy().ends_with("_test.go")
            })
            .collect();
        files.sort();
        let quoted = format!("\"{imported}\"");
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if code.contains(&quoted) {
                    let name = file.file_name()?.to_string_lossy().into_owned();
                    let file = if relative.is_empty() {
                        name
                    } else {
                        format!("{relative}/{name}")
                    };
                    return Some(Location {
                        file,
                        line: Some(n as u32 + 1),
                    });
                }
            }
        }
        None
    }

    /// The go.mod line that requires `module` (or, failing that, the `module` line).
    pub fn require_line(&self, module: &str) -> Option<Location> {
        if self.go_mod.is_empty() {
            return None;
        }
        let found = self.go_mod.iter().position(|line| {
            let mut words = line.split_whitespace();
            let first = words.next();
            let path = if first == Some("require") {
                words.next()
            } else {
                first
            };
            path == Some(module)
        });
        let line = found.map_or(1, |i| i + 1);
        Some(Location {
            file: "go.mod".to_owned(),
            line: Some(line as u32),
        })
    }

    /// The line of a member's `Cargo.toml` that declares `dependency` (`name = ...` or
    /// `[dependencies.name]`), when the manifest is in the project directory.
    pub fn cargo_dependency_line(&self, manifest: &str, dependency: &str) -> Option<Location> {
        let text = std::fs::read_to_string(self.root.join(manifest)).ok()?;
        let table = format!("[dependencies.{dependency}]");
        let key = |line: &str| {
            line.split(['=', ' ', '\t'])
                .next()
                .is_some_and(|k| k.trim_matches('"') == dependency)
        };
        let mut in_dependencies = false;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.starts_with('[') {
                if line == table {
                    return Some(Location {
                        file: manifest.to_owned(),
                        line: Some(n as u32 + 1),
                    });
                }
                in_dependencies = line == "[dependencies]"
                    || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
                continue;
            }
            if in_dependencies && key(line) {
                return Some(Location {
                    file: manifest.to_owned(),
                    line: Some(n as u32 + 1),
                });
            }
        }
        Some(Location {
            file: manifest.to_owned(),
            line: None,
        })
    }
}

/// `path` relative to `root`, with `/` (`None` when it is not under it).
pub fn relative(root: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(root.trim_end_matches('/'))?;
    if rest.is_empty() {
        return Some(String::new());
    }
    rest.strip_prefix('/').map(str::to_owned)
}
