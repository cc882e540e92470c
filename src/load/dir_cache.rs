//! The native loader's cache on disk: what was read of a directory, kept between runs, so
//! that a second `audit why` reads only what changed.
//!
//! Directories that are immutable by the Go toolchain's design are stored as read: those of
//! a module in the module cache (`GOMODCACHE/<path>@<version>/...`: written once from a zip
//! checked against go.sum, then made read-only) and those of an installed toolchain's
//! `GOROOT/src` (keyed by its `VERSION` file; a development GOROOT without one is not
//! cached). Directories of the main module (the one mutable root) are stored with a stamp:
//! the directory's and each read file's size, modification and change times and inode. An
//! entry is used only when every stamp still holds (a file added, removed or renamed changes
//! the directory's times; an edit changes the file's), and nothing is stored that changed in
//! the last two seconds, when a further edit could keep the same times (git's "racy" rule).
//! Other directories (local replacements outside the main module) are read every time.
//!
//! One file per module root (or GOROOT; the main module's spread over 16 shards, decoded in
//! parallel), checksummed, in `$LINKAUDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/linkaudit`, else
//! `~/.cache/linkaudit` (`LINKAUDIT_CACHE_DIR=off` turns the cache off). A file holds its key
//! (the root, the toolchain version, the root directory's modification time) and the facts
//! of the directories read under that root, by relative path. A file that is missing,
//! unreadable, from another key or damaged is ignored and rewritten; the cache only saves
//! time, it never changes an answer. Files are replaced by a rename, so concurrent runs never
//! see half a file.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::model::FastMap;

/// The layout version: bump it when what is stored changes.
const LAYOUT: &str = "linkaudit native directory cache v2";

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

/// The stored facts of directories, by directory.
pub struct DirCache<T> {
    dir: PathBuf,
    modcache: Option<PathBuf>,
    /// `GOROOT/src` directories with their toolchain version.
    goroots: RwLock<Vec<(PathBuf, String)>>,
    /// The main module's directory: stored with stamps.
    mutable: Option<PathBuf>,
    /// [`SETTLED_NS`], but in tests.
    settled_ns: i128,
    roots: Mutex<Roots<T>>,
}

/// The cache files read so far, by root directory and shard (or toolchain version).
type Roots<T> = FastMap<(PathBuf, String), Arc<Root<T>>>;

/// One cache file: the directories read under one module root or GOROOT (or one shard of
/// the main module's).
struct Root<T> {
    /// What the file must say it is for.
    key: String,
    known: OnceLock<RwLock<BTreeMap<String, Entry<T>>>>,
    /// Directories were added since the file was read.
    dirty: AtomicBool,
}

/// One directory's facts, with the stamp they hold for when the directory may change.
struct Entry<T> {
    stamp: Option<Stamp>,
    facts: Arc<T>,
}

/// A mutable directory as it was read: its own [`FileStamp`] (`""`) and each read file's.
type Stamp = Vec<(String, FileStamp)>;

/// What changes when a file does: size, modification and change times (ns), inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
struct FileStamp {
    size: u64,
    modified: i128,
    changed: i128,
    inode: u64,
}

impl FileStamp {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            size: m.size(),
            modified: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            changed: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
            inode: m.ino(),
        })
    }

    /// Without inode and change times, no stamp is trusted.
    #[cfg(not(unix))]
    fn of(_: &Path) -> Option<FileStamp> {
        None
    }
}

/// How long after its last change a file's stamp is trusted (a change within the same
/// clock tick as the read would leave the stamp as it was).
const SETTLED_NS: i128 = 2_000_000_000;

#[derive(Serialize)]
struct Stored<'a, T> {
    key: &'a str,
    dirs: BTreeMap<&'a str, (&'a Option<Stamp>, &'a T)>,
}

#[derive(serde::Deserialize)]
struct Loaded<T> {
    key: String,
    dirs: BTreeMap<String, (Option<Stamp>, T)>,
}

/// Where a directory is stored.
struct Location {
    /// The root directory and the shard (or toolchain version) of its file.
    root: (PathBuf, String),
    rel: String,
    mutable: bool,
}

impl<T: Serialize + DeserializeOwned> DirCache<T> {
    /// A cache in `dir` for the module cache at `modcache`, with `main` (the main module's
    /// directory) stored with stamps.
    pub fn new(dir: PathBuf, modcache: Option<PathBuf>, main: Option<PathBuf>) -> Self {
        DirCache {
            dir,
            modcache: modcache.filter(|m| m.is_absolute()),
            goroots: RwLock::default(),
            mutable: main.filter(|m| m.is_absolute()),
            settled_ns: SETTLED_NS,
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

    /// Where a directory is stored; `None` for one that is not.
    fn locate(&self, dir: &Path) -> Option<Location> {
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
                    return Some(Location {
                        root: (root, String::new()),
                        rel,
                        mutable: false,
                    });
                }
            }
            return None;
        }
        let goroots = self.goroots.read().unwrap();
        if let Some(found) = goroots.iter().find_map(|(src, version)| {
            let rel = relative(dir.strip_prefix(src).ok()?)?;
            Some(Location {
                root: (src.clone(), version.clone()),
                rel,
                mutable: false,
            })
        }) {
            return Some(found);
        }
        let main = self.mutable.as_ref()?;
        let rel = relative(dir.strip_prefix(main).ok()?)?;
        // FNV-1a: stable across runs and builds, and cheap (this runs for every directory).
        let hash = rel.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let shard = hash % 16;
        Some(Location {
            root: (main.clone(), format!("main module, shard {shard}")),
            rel,
            mutable: true,
        })
    }

    fn root(&self, location: &Location) -> Arc<Root<T>> {
        let mut roots = self.roots.lock().unwrap();
        if let Some(root) = roots.get(&location.root) {
            return root.clone();
        }
        roots
            .entry(location.root.clone())
            .or_insert_with(|| {
                let (path, version) = &location.root;
                // The main module's root changes as files come and go: its entries carry
                // their own stamps instead.
                let modified = if location.mutable {
                    0
                } else {
                    std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos())
                };
                let key = format!("{LAYOUT}\n{}\n{version}\n{modified}", path.display());
                Arc::new(Root {
                    key,
                    known: OnceLock::new(),
                    dirty: AtomicBool::new(false),
                })
            })
            .clone()
    }

    fn known<'r>(&self, root: &'r Root<T>) -> &'r RwLock<BTreeMap<String, Entry<T>>> {
        root.known.get_or_init(|| {
            let read = std::fs::read(self.file(root))
                .ok()
                .and_then(|bytes| decode::<Loaded<T>>(&bytes))
                .filter(|loaded| loaded.key == root.key);
            let dirs = read.map_or_else(BTreeMap::new, |loaded| {
                loaded
                    .dirs
                    .into_iter()
                    .map(|(rel, (stamp, facts))| {
                        let facts = Arc::new(facts);
                        (rel, Entry { stamp, facts })
                    })
                    .collect()
            });
            RwLock::new(dirs)
        })
    }

    fn file(&self, root: &Root<T>) -> PathBuf {
        let digest = Sha256::digest(root.key.as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.bin"))
    }

    /// What was stored for `dir` and still holds, or `None`.
    pub fn get(&self, dir: &Path) -> Option<Arc<T>> {
        let location = self.locate(dir)?;
        let root = self.root(&location);
        let known = self.known(&root).read().unwrap();
        let entry = known.get(&location.rel)?;
        match (&entry.stamp, location.mutable) {
            (None, false) => Some(entry.facts.clone()),
            (Some(stamp), true) => stamp_holds(dir, stamp).then(|| entry.facts.clone()),
            _ => None,
        }
    }

    /// Stores the facts of `dir` (with their stamp, for a directory that may change; not at
    /// all when it changed too recently); [`DirCache::flush`] writes them. `files` names the
    /// files of `dir` the facts were read from.
    pub fn put(&self, dir: &Path, facts: Arc<T>, files: &dyn Fn(&T) -> Vec<String>) {
        let Some(location) = self.locate(dir) else {
            return;
        };
        let stamp = if location.mutable {
            let Some(stamp) = stamp_of(dir, &files(&facts)) else {
                return;
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as i128);
            let settled = stamp
                .iter()
                .all(|(_, s)| s.modified.max(s.changed) + self.settled_ns < now);
            if !settled {
                return;
            }
            Some(stamp)
        } else {
            None
        };
        let root = self.root(&location);
        let mut known = self.known(&root).write().unwrap();
        let fresh = known
            .get(&location.rel)
            .is_none_or(|old| old.stamp != stamp);
        if fresh {
            known.insert(location.rel, Entry { stamp, facts });
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
                dirs: known
                    .iter()
                    .map(|(rel, e)| (rel.as_str(), (&e.stamp, &*e.facts)))
                    .collect(),
            };
            let Some(bytes) = encode(&stored) else {
                continue;
            };
            drop(known);
            let _ = write_atomically(&self.dir, &self.file(&root), &bytes);
        }
    }
}

/// The stamp of `dir` and of its `files` now; `None` when one cannot be had.
fn stamp_of(dir: &Path, files: &[String]) -> Option<Stamp> {
    let mut stamp = Vec::with_capacity(files.len() + 1);
    stamp.push((String::new(), FileStamp::of(dir)?));
    for name in files {
        stamp.push((name.clone(), FileStamp::of(&dir.join(name))?));
    }
    Some(stamp)
}

/// Whether `dir` and the files its stamp names are as they were.
fn stamp_holds(dir: &Path, stamp: &Stamp) -> bool {
    stamp.iter().all(|(name, then)| {
        let now = if name.is_empty() {
            FileStamp::of(dir)
        } else {
            FileStamp::of(&dir.join(name))
        };
        now.as_ref() == Some(then)
    })
}

/// What a stored answer assumes of a path, checked before the answer is used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Expect {
    /// A file with these contents (SHA-256).
    File([u8; 32]),
    /// A directory.
    Dir,
    /// Nothing there.
    Absent,
}

impl Expect {
    /// What `path` holds now, as a file's digest, or a directory, or nothing.
    pub fn file(path: &Path) -> Expect {
        match std::fs::read(path) {
            Ok(bytes) => Expect::File(Sha256::digest(&bytes).into()),
            Err(_) if path.is_dir() => Expect::Dir,
            Err(_) => Expect::Absent,
        }
    }

    /// A file that holds `bytes` (read once by the caller, who also uses them).
    pub fn contents(bytes: &[u8]) -> Expect {
        Expect::File(Sha256::digest(bytes).into())
    }

    fn holds(&self, path: &Path) -> bool {
        match self {
            Expect::File(_) => Expect::file(path) == *self,
            Expect::Dir => path.is_dir(),
            Expect::Absent => !path.exists(),
        }
    }
}

/// One command's stored output, for a command whose answer is decided by what its key
/// names (environment, file contents) and by the paths stored with it: the build list of
/// `go list -m -json all` is decided by the main go.mod and go.sum, the go.mod files of
/// local replacements and what the module cache holds.
pub struct AnswerCache {
    file: PathBuf,
    key: String,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredAnswer {
    key: String,
    output: Vec<u8>,
    expects: Vec<(PathBuf, Expect)>,
}

impl AnswerCache {
    /// The answer stored in `dir` under `name` (what it is the answer for: one file each)
    /// when it was made with `key` (what decides it).
    pub fn new(dir: &Path, name: &str, key: &str) -> Self {
        let digest = Sha256::digest(format!("{LAYOUT}\n{name}").as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        AnswerCache {
            file: dir.join(format!("answer-{hex}.bin")),
            key: format!("{LAYOUT}\n{name}\n{key}"),
        }
    }

    /// The stored output, if it was made with this key and every path is as it was then.
    pub fn get(&self) -> Option<Vec<u8>> {
        let bytes = std::fs::read(&self.file).ok()?;
        let stored: StoredAnswer = decode(&bytes)?;
        if stored.key != self.key {
            return None;
        }
        let holds = stored.expects.iter().all(|(path, e)| e.holds(path));
        holds.then_some(stored.output)
    }

    /// Stores `output` with what it assumes of the paths. Errors are ignored.
    pub fn put(&self, output: &[u8], expects: Vec<(PathBuf, Expect)>) {
        let stored = StoredAnswer {
            key: self.key.clone(),
            output: output.to_vec(),
            expects,
        };
        if let (Some(bytes), Some(dir)) = (encode(&stored), self.file.parent()) {
            let _ = write_atomically(dir, &self.file, &bytes);
        }
    }
}

/// A file's bytes: the SHA-256 of the payload, then the payload (postcard: a compact
/// binary encoding of the serde data model, several times faster to read than JSON here).
fn encode<S: Serialize>(value: &S) -> Option<Vec<u8>> {
    let payload = postcard::to_stdvec(value).ok()?;
    let mut bytes = Sha256::digest(&payload).to_vec();
    bytes.extend_from_slice(&payload);
    Some(bytes)
}

/// The value in a file's bytes, or `None` when they are damaged (the digest does not match,
/// so a cut or altered file is never decoded) or not a value of this type.
fn decode<D: DeserializeOwned>(bytes: &[u8]) -> Option<D> {
    let (digest, payload) = bytes.split_at_checked(32)?;
    if Sha256::digest(payload).as_slice() != digest {
        return None;
    }
    postcard::from_bytes(payload).ok()
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

    #[allow(clippy::ptr_arg)] // the cache's facts are a Vec here
    fn names(files: &Vec<String>) -> Vec<String> {
        files.clone()
    }

    #[test]
    fn only_module_cache_goroot_and_main_module_directories_are_cached() {
        let store = tempfile::tempdir().unwrap();
        let goroot = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(goroot.path().join("src/net")).unwrap();
        std::fs::write(goroot.path().join("VERSION"), "go1.26.8\ntime x\n").unwrap();
        let modcache = PathBuf::from("/nonexistent/mod");
        let main = PathBuf::from("/nonexistent/main");
        let open = || {
            let cache: DirCache<Vec<String>> = DirCache::new(
                store.path().to_path_buf(),
                Some(modcache.clone()),
                Some(main.clone()),
            );
            cache.add_goroot(goroot.path());
            cache
        };
        let cache = open();
        let module_dir = modcache.join("github.com/a/b@v1.0.0/sub/pkg");
        let net = goroot.path().join("src/net");
        let cases = [
            (module_dir.clone(), Some(false)),
            (modcache.join("github.com/a/b@v1.0.0"), Some(false)),
            (modcache.join("cache/download/github.com/a/b/@v"), None),
            (modcache.join("github.com/a/b"), None),
            (net.clone(), Some(false)),
            (main.join("cmd/x"), Some(true)),
            (PathBuf::from("/work/elsewhere"), None),
        ];
        for (dir, cached) in &cases {
            let location = cache.locate(dir);
            assert_eq!(location.map(|l| l.mutable), *cached, "{}", dir.display());
        }
        assert_eq!(
            cache.locate(&module_dir).unwrap().rel,
            "sub/pkg",
            "relative to the module root"
        );
        cache.put(&module_dir, Arc::new(vec!["a.go".to_owned()]), &names);
        cache.put(&net, Arc::new(vec!["net.go".to_owned()]), &names);
        cache.put(
            Path::new("/work/elsewhere"),
            Arc::new(vec!["x".to_owned()]),
            &names,
        );
        // A main-module directory that cannot be stamped (it does not exist) is not stored.
        cache.put(&main.join("cmd/x"), Arc::new(Vec::new()), &names);
        cache.flush();
        assert_eq!(std::fs::read_dir(store.path()).unwrap().count(), 2);

        // A new process reads what the last one stored.
        let again = open();
        assert_eq!(*again.get(&module_dir).unwrap(), vec!["a.go".to_owned()]);
        assert_eq!(*again.get(&net).unwrap(), vec!["net.go".to_owned()]);
        let other = modcache.join("github.com/a/b@v1.0.0/other");
        assert!(again.get(&other).is_none());

        // Another toolchain version is another key: nothing is found.
        std::fs::write(goroot.path().join("VERSION"), "go1.27.0\n").unwrap();
        assert!(open().get(&net).is_none());

        // A damaged file is ignored (and rewritten on the next flush): cut short, or one
        // byte changed.
        let files: Vec<PathBuf> = std::fs::read_dir(store.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let mut bytes = std::fs::read(&files[0]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&files[0], &bytes).unwrap();
        std::fs::write(&files[1], b"{\"key\": 1, \"dirs\"").unwrap();
        let damaged = open();
        assert!(damaged.get(&module_dir).is_none());
        assert!(damaged.get(&net).is_none());
        damaged.put(&module_dir, Arc::new(vec!["b.go".to_owned()]), &names);
        damaged.flush();
        assert_eq!(*open().get(&module_dir).unwrap(), vec!["b.go".to_owned()]);
    }

    #[test]
    fn main_module_directories_hold_while_their_stamps_do() {
        let store = tempfile::tempdir().unwrap();
        let main = tempfile::tempdir().unwrap();
        let dir = main.path().join("pkg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.go"), "package a\n").unwrap();
        let open = |settled_ns| {
            let mut cache: DirCache<Vec<String>> =
                DirCache::new(store.path().to_path_buf(), None, Some(main.path().into()));
            cache.settled_ns = settled_ns;
            cache
        };
        let facts = Arc::new(vec!["a.go".to_owned()]);

        // Just written: not stored (an edit in the same clock tick would go unseen).
        let fresh = open(SETTLED_NS);
        fresh.put(&dir, facts.clone(), &names);
        fresh.flush();
        assert!(open(SETTLED_NS).get(&dir).is_none());

        let cache = open(0);
        cache.put(&dir, facts.clone(), &names);
        cache.flush();
        assert_eq!(open(0).get(&dir), Some(facts.clone()));

        // An edit changes the file's stamp; a new file changes the directory's.
        std::fs::write(dir.join("a.go"), "package a // edited\n").unwrap();
        assert!(open(0).get(&dir).is_none());
        let cache = open(0);
        cache.put(&dir, facts.clone(), &names);
        cache.flush();
        assert!(open(0).get(&dir).is_some());
        std::fs::write(dir.join("b.go"), "package a\n").unwrap();
        assert!(open(0).get(&dir).is_none());
        let cache = open(0);
        cache.put(&dir, facts.clone(), &names);
        cache.flush();
        std::fs::remove_file(dir.join("b.go")).unwrap();
        assert!(open(0).get(&dir).is_none());
    }
}
