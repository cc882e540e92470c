//! Embeds the rule catalog: lists every `queries/**/*.toml` into `$OUT_DIR/builtin_rules.rs`
//! as `(relative path, include_str!(...))`, so adding a rule needs no Rust change. Also records
//! the commit the binary is built from (`AUDIT_COMMIT`, for `audit --version`).

use std::path::{Path, PathBuf};

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
}

/// `git rev-parse --short=12 HEAD` in the source directory, or `unknown` (a source tarball).
fn commit(root: &Path) -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|hash| !hash.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    println!("cargo:rustc-env=AUDIT_COMMIT={}", commit(&root));
    for git_file in [".git/HEAD", ".git/index"] {
        if root.join(git_file).exists() {
            println!("cargo:rerun-if-changed={git_file}");
        }
    }
    let queries = root.join("queries");
    println!("cargo:rerun-if-changed=queries");
    let mut files = Vec::new();
    collect(&queries, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        // Directories are watched for added/removed files, each file for edits.
        println!("cargo:rerun-if-changed={}", file.display());
        if let Some(parent) = file.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        let relative = file
            .strip_prefix(&queries)
            .expect("under queries")
            .to_string_lossy()
            .replace('\\', "/");
        out.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("]\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out_dir.join("builtin_rules.rs"), out).expect("write builtin_rules.rs");
}
