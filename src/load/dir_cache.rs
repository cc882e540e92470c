//! The native loader's cache on disk: what was read of a directory that cannot change, kept
//! between runs, so that a second `audit why` reads only the main module's files.
//!
//! Only directories that are immutable by the Go toolchain's design are cached: those of a
//! module in the module cache (`GOMODCACHE/<path>@<version>/...`: written once from a zip
//! checked against go.sum, then made read-only) and those of an installed toolchain's
//! `GOROOT/src` (keyed by its `VERSION` file; a development GOROOT without one is not cached).
//! The main module and modules replaced by a local directory are read every time.
//!
//! One file per module root (or GOROOT), in `$LINKAUDIT_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/linkaudit`, else `~/.cache/linkaudit` (`LINKAUDIT_CACHE_DIR=off` turns the
//! cache off). A file holds its key (the root, the toolchain version, the root directory's
//! modification time) and the facts of the directories read under that root, by relative
//! path. A file that is missing, unreadable, from another key or not parseable is ignored and
//! rewritten; the cache only saves time, it never changes an answer. Files are replaced by a
//! rename, so concurrent runs never see half a file.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::model::FastMap;

/// The layout version: bump it when what is stored changes.
const LAYOUT: &str = "linkaudit native directory cache v1";

/// The cache directory the environment names, or `None` when the cache is off.
pub fn cache_dir_from_env() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LINKAUDIT_CACHE_DIR") {
        if dir.is_empty() || dir == "off" {
            return None;
        }
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("linkaudit"))
}

/// The stored facts of immutable directories, by directory.
pub struct DirCache<T> {
    dir: PathBuf,
    modcache: Option<PathBuf>,
    /// `GOROOT/src` directories with their toolchain version.
    goroots: RwLock<Vec<(PathBuf, String)>>,
    roots: Mutex<FastMap<PathBuf, Arc<Root<T>>>>,
}

/// One cache file: the directories read under one module root or GOROOT.
struct Root<T> {
    /// What the file must say it is for.
    key: String,
    known: OnceLock<RwLock<BTreeMap<String, Arc<T>>>>,
    /// Directories were added since the file was read.
    dirty: AtomicBool,
}

#[derive(Serialize)]
struct Stored<'a, T> {
    key: &'a str,
    dirs: BTreeMap<&'a str, &'a T>,
}

#[derive(serde::Deserialize)]
struct Loaded<T> {
    key: String,
    dirs: BTreeMap<String, T>,
}

impl<T: Serialize + DeserializeOwned> DirCache<T> {
    /// A cache in `dir` for the module cache at `modcache`.
    pub fn new(dir: PathBuf, modcache: Option<PathBuf>) -> Self {
        DirCache {
            dir,
            modcache: modcache.filter(|m| m.is_absolute()),
            goroots: RwLock::default(),
            roots: Mutex::default(),
        }
    }

    /// Caches the directories under `src` (an installed toolchain's `GOROOT/src`) when its
    /// `VERSION` file names the release.
    pub fn add_goroot(&self, goroot: &Path) {
        let Ok(version) = std::fs::read_to_string(goroot.join("VERSION")) else {
            return;
        };
        let version = version.lines().next().unwrap_or_default().trim().to_owned();
        if !version.starts_with("go") {
            return;
        }
        let src = goroot.join("src");
        let mut goroots = self.goroots.write().unwrap();
        if !goroots.iter().any(|(s, _)| *s == src) {
            goroots.push((src, version));
        }
    }

    /// The root a directory is cached under, its relative path, and the version part of its
    /// key; `None` for a directory that may change.
    fn locate(&self, dir: &Path) -> Option<(PathBuf, String, String)> {
        if let Some(rest) = self
            .modcache
            .as_ref()
            .and_then(|m| dir.strip_prefix(m).ok())
        {
            let mut root = self.modcache.clone().expect("modcache");
            let mut parts = rest.components();
            let mut first = true;
            for part in parts.by_ref() {
                let Component::Normal(name) = part else {
                    return None;
                };
                // cache/download holds zips and go.mod files, not package directories.
                if first && name == "cache" {
                    return None;
                }
                first = false;
                root.push(name);
                if name.to_string_lossy().contains('@') {
                    let rel = relative(parts.as_path())?;
                    return Some((root, rel, String::new()));
                }
            }
            return None;
        }
        let goroots = self.goroots.read().unwrap();
        goroots.iter().find_map(|(src, version)| {
            let rel = relative(dir.strip_prefix(src).ok()?)?;
            Some((src.clone(), rel, version.clone()))
        })
    }

    fn root(&self, path: PathBuf, version: &str) -> Arc<Root<T>> {
        let mut roots = self.roots.lock().unwrap();
        roots
            .entry(path.clone())
            .or_insert_with(|| {
                let modified = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                let key = format!("{LAYOUT}\n{}\n{version}\n{modified}", path.display());
                Arc::new(Root {
                    key,
                    known: OnceLock::new(),
                    dirty: AtomicBool::new(false),
                })
            })
            .clone()
    }

    fn known<'r>(&self, root: &'r Root<T>) -> &'r RwLock<BTreeMap<String, Arc<T>>> {
        root.known.get_or_init(|| {
            let read = std::fs::read(self.file(root))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Loaded<T>>(&bytes).ok())
                .filter(|loaded| loaded.key == root.key);
            let dirs = read.map_or_else(BTreeMap::new, |loaded| {
                loaded
                    .dirs
                    .into_iter()
                    .map(|(rel, facts)| (rel, Arc::new(facts)))
                    .collect()
            });
            RwLock::new(dirs)
        })
    }

    fn file(&self, root: &Root<T>) -> PathBuf {
        let digest = Sha256::digest(root.key.as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    /// What was stored for `dir`, or `None` (not stored, or a directory that may change).
    pub fn get(&self, dir: &Path) -> Option<Arc<T>> {
        let (path, rel, version) = self.locate(dir)?;
        let root = self.root(path, &version);
        self.known(&root).read().unwrap().get(&rel).cloned()
    }

    /// Stores the facts of `dir` if it cannot change; [`DirCache::flush`] writes them.
    pub fn put(&self, dir: &Path, facts: Arc<T>) {
        let Some((path, rel, version)) = self.locate(dir) else {
            return;
        };
        let root = self.root(path, &version);
        let mut known = self.known(&root).write().unwrap();
        if let std::collections::btree_map::Entry::Vacant(slot) = known.entry(rel) {
            slot.insert(facts);
            root.dirty.store(true, Ordering::Release);
        }
    }

    /// Writes the files of the roots that gained directories. Errors are ignored: the cache
    /// only saves time.
    pub fn flush(&self) {
        let roots: Vec<Arc<Root<T>>> = self.roots.lock().unwrap().values().cloned().collect();
        for root in roots {
            if !root.dirty.swap(false, Ordering::AcqRel) {
                continue;
            }
            let known = self.known(&root).read().unwrap();
            let stored = Stored {
                key: &root.key,
                dirs: known.iter().map(|(rel, f)| (rel.as_str(), &**f)).collect(),
            };
            let Ok(bytes) = serde_json::to_vec(&stored) else {
                continue;
            };
            drop(known);
            let _ = write_atomically(&self.dir, &self.file(&root), &bytes);
        }
    }
}

/// `rest` as a relative path with '/' separators; `None` for anything but plain names.
fn relative(rest: &Path) -> Option<String> {
    let mut out = String::new();
    for part in rest.components() {
        let Component::Normal(name) = part else {
            return None;
        };
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(name.to_str()?);
    }
    Some(out)
}

fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.persist(file).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_module_cache_and_goroot_directories_are_cached() {
        let store = tempfile::tempdir().unwrap();
        let goroot = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(goroot.path().join("src/net")).unwrap();
        std::fs::write(goroot.path().join("VERSION"), "go1.26.8\ntime x\n").unwrap();
        let modcache = PathBuf::from("/nonexistent/mod");
        let cache: DirCache<Vec<String>> =
            DirCache::new(store.path().to_path_buf(), Some(modcache.clone()));
        cache.add_goroot(goroot.path());
        let module_dir = modcache.join("github.com/a/b@v1.0.0/sub/pkg");
        let net = goroot.path().join("src/net");
        let cases = [
            (module_dir.clone(), true),
            (modcache.join("github.com/a/b@v1.0.0"), true),
            (modcache.join("cache/download/github.com/a/b/@v"), false),
            (modcache.join("github.com/a/b"), false),
            (net.clone(), true),
            (PathBuf::from("/work/main/module"), false),
        ];
        for (dir, cached) in &cases {
            assert_eq!(cache.locate(dir).is_some(), *cached, "{}", dir.display());
        }
        assert_eq!(
            cache.locate(&module_dir).unwrap().1,
            "sub/pkg",
            "relative to the module root"
        );
        cache.put(&module_dir, Arc::new(vec!["a.go".to_owned()]));
        cache.put(&net, Arc::new(vec!["net.go".to_owned()]));
        cache.put(
            Path::new("/work/main/module"),
            Arc::new(vec!["x".to_owned()]),
        );
        cache.flush();
        assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 2);

        // A new process reads what the last one stored.
        let again: DirCache<Vec<String>> =
            DirCache::new(store.path().to_path_buf(), Some(modcache.clone()));
        again.add_goroot(goroot.path());
        assert_eq!(*again.get(&module_dir).unwrap(), vec!["a.go".to_owned()]);
        assert_eq!(*again.get(&net).unwrap(), vec!["net.go".to_owned()]);
        assert!(
            again
                .get(&modcache.join("github.com/a/b@v1.0.0/other"))
                .is_none()
        );

        // Another toolchain version is another key: nothing is found.
        std::fs::write(goroot.path().join("VERSION"), "go1.27.0\n").unwrap();
        let upgraded: DirCache<Vec<String>> =
            DirCache::new(store.path().to_path_buf(), Some(modcache.clone()));
        upgraded.add_goroot(goroot.path());
        assert!(upgraded.get(&net).is_none());

        // A damaged file is ignored (and rewritten on the next flush).
        for entry in std::fs::read_dir(store.path()).unwrap() {
            std::fs::write(entry.unwrap().path(), b"{\"key\": 1, \"dirs\"").unwrap();
        }
        let damaged: DirCache<Vec<String>> =
            DirCache::new(store.path().to_path_buf(), Some(modcache));
        assert!(damaged.get(&module_dir).is_none());
        damaged.put(&module_dir, Arc::new(vec!["b.go".to_owned()]));
        damaged.flush();
    }
}
