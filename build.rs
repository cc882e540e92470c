//! Embeds the rule catalog: lists every `queries/**/*.toml` into `$OUT_DIR/builtin_rules.rs`
//! as `(relative path, include_str!(...))`, so adding a rule needs no Rust change.

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

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
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
