//! Benchmark: loading a `go list -e -deps -json=...` stream and answering `why`, on synthetic
//! streams of 1,000, 10,000 and 100,000 packages.
//!
//! No criterion: a small harness times each step with `Instant` (at least 3 runs, more while
//! a per-step time budget lasts) and prints the wall-clock minimum and median, and the mean
//! on-CPU time (schedstat), which other processes on a shared machine do not inflate. Run with
//! `cargo bench --bench load_and_why`; `benches/README.md` describes the output.
//!
//! Environment:
//! - `LINKAUDIT_BENCH_SIZES=1000,10000` picks the sizes (default `1000,10000,100000`);
//! - `LINKAUDIT_BENCH_DUMP=DIR` also writes each stream to `DIR/go-list-<size>.json` (used by
//!   `benches/run.sh` to time the `audit` binary end to end);
//! - `LINKAUDIT_BENCH_DUMP_ONLY=1` with `LINKAUDIT_BENCH_DUMP` writes the streams and stops
//!   (to profile the `audit` binary on them without the whole bench);
//! - `LINKAUDIT_BENCH_ONLY=tables,parse,diff,native` runs only those sections (default: all
//!   four: the load/why tables, `why`/`check` against the bare parse, `diff` against `check`,
//!   the native loader against `go mod why` on the kubernetes tree);
//! - `LINKAUDIT_BENCH_RSS_COMMAND` is internal too: the bench re-runs itself to run one
//!   `audit` command line (words separated by U+001F) and print its peak RSS;
//! - `LINKAUDIT_BENCH_REAL_DIR=DIR` keeps the real recordings (maddy, kubernetes) there, so
//!   that later runs reuse them (default `target/bench-real`);
//! - `LINKAUDIT_BENCH_RSS_CHILD=FILE` is internal: the bench re-runs itself with it to measure
//!   the peak RSS of loading FILE in a fresh process.
//!
//! The generator is deterministic (splitmix64, fixed seed) and writes what `go list` writes:
//! one `json.MarshalIndent(p, "", "\t")` object per package followed by a newline, fields in
//! the order of Go's `Package` struct, empty fields omitted, dependencies before dependents.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::BufReader;
use std::time::{Duration, Instant};

use linkaudit::analyze::{self, WhyAnswer, WhyOptions};
use linkaudit::load::{self, InputFormat, Parsed, RootMode};
use linkaudit::model::{BuildConfig, DepGraph};
use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG
// ---------------------------------------------------------------------------------------------

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// JSON writer with Go's MarshalIndent(p, "", "\t") layout
// ---------------------------------------------------------------------------------------------

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push('\t');
    }
}

fn quote(out: &mut String, s: &str) {
    debug_assert!(!s.contains(['"', '\\', '\n', '<', '>', '&']));
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// One JSON object being written; fields in call order, empty ones omitted (Go's `omitempty`).
struct Obj<'a> {
    out: &'a mut String,
    depth: usize,
    empty: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut String, depth: usize) -> Self {
        out.push('{');
        Obj {
            out,
            depth,
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        self.out.push('\n');
        indent(self.out, self.depth + 1);
        quote(self.out, key);
        self.out.push_str(": ");
    }

    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        quote(self.out, value);
    }

    fn flag(&mut self, key: &str, value: bool) {
        if value {
            self.key(key);
            self.out.push_str("true");
        }
    }

    fn list<S: AsRef<str>>(&mut self, key: &str, items: &[S]) {
        if items.is_empty() {
            return;
        }
        self.key(key);
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push('\n');
            indent(self.out, self.depth + 2);
            quote(self.out, item.as_ref());
        }
        self.out.push('\n');
        indent(self.out, self.depth + 1);
        self.out.push(']');
    }

    /// A pre-rendered value (a nested object written at `depth + 1`).
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    fn close(self) {
        if !self.empty {
            self.out.push('\n');
            indent(self.out, self.depth);
        }
        self.out.push('}');
    }
}

// ---------------------------------------------------------------------------------------------
// The synthetic module graph
// ---------------------------------------------------------------------------------------------

/// The bottom of std, in dependency order, with their real (trimmed) imports. `C` marks cgo.
const STD_CORE: &[(&str, &str)] = &[
    ("unsafe", ""),
    ("internal/goarch", ""),
    ("internal/abi", "internal/goarch unsafe"),
    ("internal/bytealg", "internal/abi unsafe"),
    ("internal/runtime/sys", "internal/goarch unsafe"),
    ("internal/runtime/atomic", "unsafe"),
    ("internal/cpu", "unsafe"),
    ("internal/race", "unsafe"),
    ("internal/godebugs", ""),
    (
        "runtime",
        "internal/abi internal/bytealg internal/cpu internal/goarch internal/godebugs internal/runtime/atomic internal/runtime/sys unsafe",
    ),
    (
        "internal/reflectlite",
        "internal/abi internal/goarch runtime unsafe",
    ),
    ("errors", "internal/reflectlite"),
    ("sync/atomic", "unsafe"),
    ("sync", "internal/race runtime sync/atomic unsafe"),
    ("io", "errors sync"),
    ("unicode", ""),
    ("unicode/utf8", ""),
    ("unicode/utf16", ""),
    ("cmp", ""),
    ("math/bits", ""),
    ("math", "internal/cpu math/bits unsafe"),
    ("internal/itoa", ""),
    (
        "strconv",
        "errors internal/bytealg math math/bits unicode/utf8",
    ),
    ("slices", "cmp math/bits unsafe"),
    ("iter", "internal/race runtime unsafe"),
    ("maps", "iter"),
    (
        "syscall",
        "errors internal/bytealg internal/itoa internal/race runtime sync sync/atomic unsafe",
    ),
    ("time", "errors runtime sync syscall unsafe"),
    ("internal/oserror", "errors"),
    ("path", "errors internal/bytealg unicode/utf8"),
    (
        "io/fs",
        "errors internal/oserror io path slices time unicode/utf8",
    ),
    ("internal/syscall/unix", "sync/atomic syscall unsafe"),
    (
        "internal/poll",
        "errors internal/race internal/syscall/unix io runtime sync sync/atomic syscall time unsafe",
    ),
    (
        "internal/godebug",
        "internal/godebugs sync sync/atomic unsafe",
    ),
    (
        "os",
        "errors internal/godebug internal/poll internal/syscall/unix io io/fs runtime slices sync syscall time unsafe",
    ),
    ("sort", "math/bits slices"),
    (
        "strings",
        "errors internal/bytealg io math/bits unicode unicode/utf8 unsafe",
    ),
    (
        "bytes",
        "errors internal/bytealg io unicode unicode/utf8 unsafe",
    ),
    (
        "reflect",
        "errors internal/abi internal/goarch iter math runtime strconv sync unicode unicode/utf8 unsafe",
    ),
    (
        "fmt",
        "errors io math os reflect slices strconv sync unicode/utf8",
    ),
    (
        "context",
        "errors internal/reflectlite sync sync/atomic time",
    ),
    (
        "runtime/cgo",
        "C internal/runtime/sys sync sync/atomic unsafe",
    ),
    ("bufio", "bytes errors io strings unicode/utf8"),
    (
        "path/filepath",
        "errors io/fs os runtime slices strings syscall unicode/utf8",
    ),
    ("encoding", ""),
    ("encoding/binary", "errors io math reflect slices sync"),
    ("encoding/base64", "encoding/binary io slices strconv"),
    ("encoding/hex", "errors fmt io slices strings"),
    (
        "encoding/json",
        "bytes cmp encoding encoding/base64 errors fmt io math reflect slices strconv strings sync unicode unicode/utf16 unicode/utf8",
    ),
    ("log/internal", ""),
    (
        "log",
        "fmt io log/internal os runtime sync sync/atomic time",
    ),
    ("regexp/syntax", "sort strconv strings unicode unicode/utf8"),
    (
        "regexp",
        "bytes io regexp/syntax slices sort strconv strings sync unicode unicode/utf8",
    ),
    ("hash", "io"),
    ("crypto", "hash io strconv"),
    ("internal/byteorder", ""),
    ("crypto/sha256", "crypto errors hash internal/byteorder"),
    ("math/rand", "internal/godebug math sync sync/atomic unsafe"),
    (
        "math/big",
        "bytes encoding/binary errors fmt io math math/bits math/rand slices strconv strings sync",
    ),
    ("crypto/rand", "crypto errors io math/big"),
    ("unique", "internal/abi runtime sync unsafe"),
    (
        "net/netip",
        "cmp errors internal/bytealg internal/byteorder internal/itoa math math/bits strconv unique",
    ),
    ("internal/nettrace", ""),
    ("internal/singleflight", "sync"),
    (
        "net",
        "C cmp context errors internal/bytealg internal/godebug internal/nettrace internal/poll internal/singleflight internal/syscall/unix io io/fs net/netip os runtime slices sync sync/atomic syscall time unsafe",
    ),
    ("net/url", "errors fmt path slices strconv strings"),
    (
        "crypto/x509",
        "bytes crypto crypto/sha256 encoding/hex errors fmt io math/big net net/netip net/url os runtime strconv strings sync time unicode/utf8",
    ),
    (
        "crypto/tls",
        "bytes context crypto crypto/rand crypto/sha256 crypto/x509 encoding/binary errors fmt hash io net os slices strconv strings sync sync/atomic time",
    ),
    (
        "net/textproto",
        "bufio bytes errors fmt io net strings sync",
    ),
    (
        "mime",
        "bufio bytes encoding/base64 errors fmt io os slices strings sync unicode unicode/utf8",
    ),
    (
        "net/http",
        "bufio bytes context crypto/rand crypto/tls encoding/base64 encoding/binary errors fmt io log maps math math/rand mime net net/netip net/textproto net/url os path path/filepath reflect slices sort strconv strings sync sync/atomic time unicode unicode/utf8",
    ),
    (
        "os/user",
        "C fmt runtime strconv strings sync syscall unsafe",
    ),
    ("plugin", "C errors sync unsafe"),
    (
        "database/sql/driver",
        "context errors fmt reflect strconv time",
    ),
    (
        "database/sql",
        "context database/sql/driver errors fmt io math/rand reflect slices sort strconv sync sync/atomic time",
    ),
    (
        "os/exec",
        "bytes context errors internal/godebug io io/fs os path/filepath runtime strconv strings syscall time",
    ),
    ("os/signal", "context os slices sync syscall"),
    (
        "flag",
        "encoding errors fmt io os reflect runtime slices strconv strings time",
    ),
];

/// More real std names for the middle of std; those in `NET_USERS` import `net`.
const STD_MORE: &[&str] = &[
    "archive/tar",
    "archive/zip",
    "compress/flate",
    "compress/gzip",
    "compress/zlib",
    "container/heap",
    "container/list",
    "container/ring",
    "crypto/aes",
    "crypto/cipher",
    "crypto/des",
    "crypto/ecdh",
    "crypto/ecdsa",
    "crypto/ed25519",
    "crypto/elliptic",
    "crypto/hmac",
    "crypto/md5",
    "crypto/rsa",
    "crypto/sha1",
    "crypto/sha512",
    "crypto/subtle",
    "crypto/x509/pkix",
    "debug/dwarf",
    "debug/elf",
    "embed",
    "encoding/asn1",
    "encoding/csv",
    "encoding/gob",
    "encoding/pem",
    "encoding/xml",
    "errors/internal",
    "expvar",
    "go/ast",
    "go/build",
    "go/parser",
    "go/scanner",
    "go/token",
    "hash/adler32",
    "hash/crc32",
    "hash/crc64",
    "hash/fnv",
    "hash/maphash",
    "html",
    "html/template",
    "image",
    "image/color",
    "image/draw",
    "image/gif",
    "image/jpeg",
    "image/png",
    "index/suffixarray",
    "io/ioutil",
    "log/slog",
    "log/syslog",
    "math/cmplx",
    "math/rand/v2",
    "mime/multipart",
    "mime/quotedprintable",
    "net/http/httptrace",
    "net/http/httputil",
    "net/http/pprof",
    "net/http/cookiejar",
    "net/mail",
    "net/rpc",
    "net/rpc/jsonrpc",
    "net/smtp",
    "runtime/debug",
    "runtime/metrics",
    "runtime/pprof",
    "runtime/trace",
    "text/scanner",
    "text/tabwriter",
    "text/template",
    "text/template/parse",
    "time/tzdata",
    "testing",
    "testing/iotest",
    "internal/fmtsort",
    "internal/lazyregexp",
    "internal/saferio",
    "internal/sysinfo",
    "vendor/golang.org/x/net/dns/dnsmessage",
    "vendor/golang.org/x/net/http/httpguts",
    "vendor/golang.org/x/net/http2/hpack",
    "vendor/golang.org/x/net/idna",
    "vendor/golang.org/x/text/unicode/bidi",
    "vendor/golang.org/x/text/unicode/norm",
    "vendor/golang.org/x/crypto/chacha20",
    "vendor/golang.org/x/crypto/cryptobyte",
];

const NET_USERS: &[&str] = &[
    "net/http/httptrace",
    "net/http/httputil",
    "net/http/pprof",
    "net/http/cookiejar",
    "net/mail",
    "net/rpc",
    "net/rpc/jsonrpc",
    "net/smtp",
    "log/syslog",
    "expvar",
    "vendor/golang.org/x/net/http/httpguts",
];

/// What third-party packages import from std most of the time.
const POPULAR_STD: &[&str] = &[
    "bytes",
    "context",
    "encoding/json",
    "errors",
    "fmt",
    "io",
    "net",
    "net/http",
    "net/url",
    "os",
    "path/filepath",
    "reflect",
    "sort",
    "strconv",
    "strings",
    "sync",
    "sync/atomic",
    "time",
    "bufio",
    "regexp",
    "crypto/tls",
    "os/exec",
    "log",
    "math",
    "unicode/utf8",
    "encoding/binary",
];

/// Number of std packages in every stream.
const N_STD: usize = 300;

/// Hub modules at the bottom of the third-party graph that everybody imports.
const HUB_MODULES: &[(&str, &str)] = &[
    ("golang.org/x/sys", "v0.18.0"),
    ("github.com/pkg/errors", "v0.9.1"),
    ("github.com/sirupsen/logrus", "v1.9.3"),
    ("google.golang.org/protobuf", "v1.33.0"),
    ("github.com/golang/protobuf", "v1.5.4"),
    ("golang.org/x/net", "v0.22.0"),
    ("google.golang.org/grpc", "v1.59.0"),
    ("github.com/prometheus/client_golang", "v1.19.0"),
    ("gopkg.in/yaml.v3", "v3.0.1"),
    ("github.com/spf13/cobra", "v1.8.0"),
    ("k8s.io/apimachinery", "v0.29.3"),
    ("github.com/gogo/protobuf", "v1.3.2"),
];

/// The first package of a hub module without a package at its root.
fn hub_root(module: &str) -> Option<&'static str> {
    match module {
        "golang.org/x/sys" => Some("unix"),
        "google.golang.org/protobuf" => Some("proto"),
        "github.com/golang/protobuf" => Some("proto"),
        "golang.org/x/net" => Some("http2"),
        "github.com/prometheus/client_golang" => Some("prometheus"),
        "k8s.io/apimachinery" => Some("pkg/runtime"),
        "github.com/gogo/protobuf" => Some("proto"),
        _ => None,
    }
}

/// The module whose packages are the third-party `why` target (`<module path>` below).
const TARGET_MODULE: &str = "k8s.io/apimachinery";

const WORDS: &[&str] = &[
    "api", "auth", "cache", "client", "codec", "config", "core", "crypto", "db", "decode",
    "encode", "errors", "event", "exec", "fs", "grpc", "http", "internal", "io", "json", "kv",
    "log", "metrics", "net", "proto", "queue", "retry", "rpc", "runtime", "schema", "server",
    "signal", "sql", "store", "stream", "sync", "term", "text", "trace", "types", "util", "wire",
    "xds", "yaml", "zap",
];

const ORGS: &[&str] = &[
    "acme",
    "cloudcorp",
    "containerd",
    "docker",
    "etcd-io",
    "go-kit",
    "gorilla",
    "hashicorp",
    "jackc",
    "klauspost",
    "kubernetes",
    "mattn",
    "minio",
    "moby",
    "nats-io",
    "opencontainers",
    "prometheus",
    "rs",
    "spf13",
    "uber-go",
];

const LDFLAGS: &[&str] = &[
    "-lsqlite3",
    "-lz",
    "-lssl",
    "-lpcap",
    "-lseccomp",
    "-lsystemd",
    "-ldl",
];

/// A generated stream and what the loader should find in it.
struct Synthetic {
    json: Vec<u8>,
    n_packages: usize,
    n_edges: usize,
    n_roots: usize,
    n_modules: usize,
}

/// One package about to be written.
#[derive(Default)]
struct Pkg {
    path: String,
    name: String,
    standard: bool,
    module_json: Option<usize>,
    matched: bool,
    go_files: Vec<String>,
    cgo_files: Vec<String>,
    ignored_go_files: Vec<String>,
    c_files: Vec<String>,
    cgo_ldflags: Vec<String>,
    cgo_pkg_config: Vec<String>,
    /// Indices of imported packages; `C` is added at write time when `cgo` is set.
    imports: Vec<usize>,
    cgo: bool,
}

/// How far import chains reach down the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Every module sits on one of [`LAYERS`] layers above std and imports only packages of
    /// lower depth: chains are at most about 60 packages long whatever the size, as in real
    /// programs (kubernetes v1.34.4: 3,413 packages, longest import chain 70), and chain
    /// counts stay near real ones (10^14 there).
    Layered,
    /// No bound: each package also imports the oldest package nobody imports yet and one of
    /// the last 1,000, so the longest chain holds nearly every package (9,613 of 10,000) and
    /// chain counts have about N/8 digits (1,191 at 10,000, 12,256 at 100,000). The stress
    /// case for exact counting, and the only shape before issue 11's work.
    Deep,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Layered => "layered",
            Shape::Deep => "deep",
        }
    }

    /// The file name of a dumped stream.
    fn file(self, size: usize) -> String {
        match self {
            Shape::Layered => format!("go-list-{size}.json"),
            Shape::Deep => format!("go-list-deep-{size}.json"),
        }
    }
}

/// Layers of third-party modules above std in a [`Shape::Layered`] stream.
const LAYERS: u32 = 40;

struct Builder {
    rng: Rng,
    shape: Shape,
    /// Longest import chain below each package, itself included.
    depth: Vec<u32>,
    /// The depth the packages being made must stay under (`u32::MAX`: none).
    cap: u32,
    /// The longest chain within std.
    std_depth: u32,
    out: String,
    paths: Vec<String>,
    /// Index into `modules` for third-party and main-module packages.
    module_of: Vec<Option<usize>>,
    imported: Vec<bool>,
    /// Packages nobody imports yet, oldest first (lazily cleaned).
    unimported: VecDeque<usize>,
    /// Rendered `Module` objects.
    modules: Vec<String>,
    module_paths: Vec<String>,
    n_edges: usize,
    std_index: std::collections::HashMap<String, usize>,
}

fn package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() >= 2
        && last.starts_with('v')
        && last[1..].bytes().all(|b| b.is_ascii_digit())
        && let Some(prev) = parts.next()
    {
        last = prev;
    }
    let last = last.split('.').next().unwrap_or(last);
    last.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn fake_hash(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(48);
    s.push_str("h1:");
    for _ in 0..43 {
        s.push(ALPHABET[rng.below(64)] as char);
    }
    s.push('=');
    s
}

impl Builder {
    fn new(seed: u64, shape: Shape) -> Self {
        Builder {
            rng: Rng(seed),
            shape,
            depth: Vec::new(),
            cap: u32::MAX,
            std_depth: 0,
            out: String::new(),
            paths: Vec::new(),
            module_of: Vec::new(),
            imported: Vec::new(),
            unimported: VecDeque::new(),
            modules: Vec::new(),
            module_paths: Vec::new(),
            n_edges: 0,
            std_index: std::collections::HashMap::new(),
        }
    }

    fn std(&self, path: &str) -> usize {
        *self
            .std_index
            .get(path)
            .unwrap_or_else(|| panic!("std package {path} not generated yet"))
    }

    fn popular_std(&mut self) -> usize {
        let path = *self.rng.pick(POPULAR_STD);
        self.std(path)
    }

    fn add_module(&mut self, path: &str, version: Option<&str>, main: bool) -> usize {
        let rng = &mut self.rng;
        let mut json = String::new();
        let mut obj = Obj::new(&mut json, 1);
        obj.string("Path", path);
        if let Some(version) = version {
            obj.string("Version", version);
            let time = format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                rng.between(18, 25),
                rng.between(1, 12),
                rng.between(1, 28),
                rng.below(24),
                rng.below(60),
                rng.below(60)
            );
            obj.string("Time", &time);
        }
        obj.flag("Main", main);
        if !main {
            obj.flag("Indirect", rng.chance(0.6));
        }
        if main {
            obj.string("Dir", "/home/dev/src/app");
            obj.string("GoMod", "/home/dev/src/app/go.mod");
        } else {
            let version = version.unwrap_or("v0.0.0");
            obj.string("Dir", &format!("/root/go/pkg/mod/{path}@{version}"));
            obj.string(
                "GoMod",
                &format!("/root/go/pkg/mod/cache/download/{path}/@v/{version}.mod"),
            );
        }
        obj.string("GoVersion", &format!("1.{}", rng.between(13, 22)));
        if !main {
            let sum = fake_hash(rng);
            let mod_sum = fake_hash(rng);
            obj.string("Sum", &sum);
            obj.string("GoModSum", &mod_sum);
        }
        obj.close();
        self.modules.push(json);
        self.module_paths.push(path.to_owned());
        self.modules.len() - 1
    }

    fn files(&mut self, stem: &str, lo: usize, hi: usize, suffix: &str) -> Vec<String> {
        let n = self.rng.between(lo, hi);
        let mut files: Vec<String> = (0..n)
            .map(|i| format!("{}_{}{}", stem, self.rng.pick(WORDS), i) + suffix)
            .collect();
        files.sort();
        files
    }

    /// Writes `pkg` and records its edges; returns its index.
    fn emit(&mut self, mut pkg: Pkg) -> usize {
        let idx = self.paths.len();
        pkg.imports.sort_unstable();
        pkg.imports.dedup();
        for &i in &pkg.imports {
            assert!(i < idx, "imports must come first (post-order)");
            self.imported[i] = true;
        }
        let mut imports: Vec<&str> = pkg
            .imports
            .iter()
            .map(|&i| self.paths[i].as_str())
            .collect();
        if pkg.cgo {
            imports.push("C");
        }
        imports.sort_unstable();
        // Edges as the loader sees them: "C" becomes runtime/cgo, duplicates collapse.
        let cgo_is_new = pkg.cgo && !pkg.imports.iter().any(|&i| self.paths[i] == "runtime/cgo");
        self.n_edges += pkg.imports.len() + usize::from(cgo_is_new && pkg.path != "runtime/cgo");

        let out = &mut self.out;
        let mut obj = Obj::new(out, 0);
        obj.string("ImportPath", &pkg.path);
        obj.string("Name", &pkg.name);
        obj.flag("Standard", pkg.standard);
        if let Some(m) = pkg.module_json {
            obj.raw("Module", &self.modules[m]);
        }
        if pkg.matched {
            obj.list("Match", &["./..."]);
        }
        obj.flag("DepOnly", !pkg.matched);
        obj.list("GoFiles", &pkg.go_files);
        obj.list("CgoFiles", &pkg.cgo_files);
        obj.list("IgnoredGoFiles", &pkg.ignored_go_files);
        obj.list("CFiles", &pkg.c_files);
        obj.list("CgoLDFLAGS", &pkg.cgo_ldflags);
        obj.list("CgoPkgConfig", &pkg.cgo_pkg_config);
        obj.list("Imports", &imports);
        obj.close();
        out.push('\n');

        if pkg.standard {
            self.std_index.insert(pkg.path.clone(), idx);
        }
        let depth = 1 + pkg
            .imports
            .iter()
            .map(|&i| self.depth[i])
            .max()
            .unwrap_or(0);
        self.depth.push(depth);
        self.paths.push(pkg.path);
        self.module_of.push(pkg.module_json);
        self.imported.push(false);
        self.unimported.push_back(idx);
        idx
    }

    fn oldest_unimported(&mut self) -> Option<usize> {
        while let Some(&i) = self.unimported.front() {
            if self.imported[i] {
                self.unimported.pop_front();
            } else {
                return Some(i);
            }
        }
        None
    }

    /// The oldest package nobody imports yet, in a deep stream (a layered one leaves them to
    /// the main packages: taking them chains every package to the one before).
    fn chain_unimported(&mut self) -> Option<usize> {
        match self.shape {
            Shape::Deep => self.oldest_unimported(),
            Shape::Layered => None,
        }
    }

    fn std_packages(&mut self) {
        for &(path, imports) in STD_CORE {
            let cgo = imports.split_whitespace().any(|i| i == "C");
            let imports: Vec<usize> = imports
                .split_whitespace()
                .filter(|&i| i != "C")
                .map(|i| self.std(i))
                .collect();
            let stem = package_name(path);
            let go_files = self.files(&stem, 1, 25, ".go");
            let ignored_go_files = if self.rng.chance(0.5) {
                self.files(&stem, 1, 12, "_windows.go")
            } else {
                Vec::new()
            };
            let (cgo_files, c_files, cgo_ldflags) = match path {
                "runtime/cgo" => (
                    vec!["cgo.go".to_owned()],
                    [
                        "gcc_context.c",
                        "gcc_libinit.c",
                        "gcc_linux_amd64.c",
                        "gcc_mmap.c",
                        "gcc_setenv.c",
                        "gcc_util.c",
                    ]
                    .map(str::to_owned)
                    .to_vec(),
                    vec!["-lpthread".to_owned()],
                ),
                "net" => (
                    [
                        "cgo_linux.go",
                        "cgo_resnew.go",
                        "cgo_socknew.go",
                        "cgo_unix_cgo.go",
                    ]
                    .map(str::to_owned)
                    .to_vec(),
                    Vec::new(),
                    vec!["-lresolv".to_owned()],
                ),
                "os/user" => (
                    ["cgo_lookup_cgo.go", "getgrouplist_unix.go"]
                        .map(str::to_owned)
                        .to_vec(),
                    Vec::new(),
                    Vec::new(),
                ),
                "plugin" => (
                    vec!["plugin_dlopen.go".to_owned()],
                    Vec::new(),
                    vec!["-ldl".to_owned()],
                ),
                _ => (Vec::new(), Vec::new(), Vec::new()),
            };
            self.emit(Pkg {
                path: path.to_owned(),
                name: if path == "runtime/cgo" {
                    "cgo".to_owned()
                } else {
                    stem
                },
                standard: true,
                go_files,
                cgo_files,
                ignored_go_files,
                c_files,
                cgo_ldflags,
                imports,
                cgo,
                ..Pkg::default()
            });
        }
        // The first STD_CORE packages are the bottom of std; fillers import them and each other.
        let core_count = self.paths.len();
        let mut names: Vec<String> = STD_MORE.iter().map(|s| (*s).to_owned()).collect();
        let mut k = 0;
        while core_count + names.len() < N_STD {
            names.push(format!("internal/synth/p{k:03}"));
            k += 1;
        }
        let cgo_std = ["runtime/cgo", "net", "os/user", "plugin"].map(|p| self.std(p));
        for path in names {
            let n = self.rng.between(2, 10);
            let mut imports = Vec::with_capacity(n + 1);
            for _ in 0..n {
                let i = if self.rng.chance(0.7) {
                    self.popular_std()
                } else {
                    self.rng.below(self.paths.len())
                };
                if !cgo_std.contains(&i) || self.paths[i] == "net" {
                    imports.push(i);
                }
            }
            if NET_USERS.contains(&path.as_str()) {
                imports.push(self.std("net"));
            }
            let stem = package_name(&path);
            let go_files = self.files(&stem, 1, 20, ".go");
            self.emit(Pkg {
                name: stem,
                path,
                standard: true,
                go_files,
                imports,
                ..Pkg::default()
            });
        }
        assert_eq!(self.paths.len(), N_STD);
        self.std_depth = self.depth.iter().copied().max().unwrap_or(0);
    }

    /// Picks one import for third-party package number `self.paths.len()` of module `module`:
    /// in a layered stream, one below the depth cap (the first of 16 draws that is, else a
    /// popular std package, which every cap is above).
    fn pick_import(&mut self, hubs: &[usize], module_pkgs: &[usize], first_tp: usize) -> usize {
        for _ in 0..16 {
            let i = self.draw_import(hubs, module_pkgs, first_tp);
            if self.depth[i] < self.cap {
                return i;
            }
        }
        self.popular_std()
    }

    fn draw_import(&mut self, hubs: &[usize], module_pkgs: &[usize], first_tp: usize) -> usize {
        let here = self.paths.len();
        let r = self.rng.below(100);
        if r < 40 || here == first_tp {
            self.popular_std()
        } else if r < 55 && !hubs.is_empty() {
            *self.rng.pick(hubs)
        } else if r < 75 && !module_pkgs.is_empty() {
            *self.rng.pick(module_pkgs)
        } else if self.rng.chance(0.5) {
            first_tp + self.rng.below(here - first_tp)
        } else {
            let window = (here - first_tp).min(1000);
            here - 1 - self.rng.below(window)
        }
    }

    fn third_party(&mut self, n: usize) -> Vec<usize> {
        let first_tp = self.paths.len();
        let end = first_tp + n;
        let mut hubs: Vec<usize> = Vec::new();
        let mut hub_module = 0;
        let mut m = 0usize;
        // Packages of each third-party module so far (for intra-module imports and late adds).
        let mut module_pkgs: Vec<Vec<usize>> = vec![Vec::new(); self.modules.len()];
        let (plugin, os_user) = (self.std("plugin"), self.std("os/user"));
        while self.paths.len() < end {
            let (path, version) = if hub_module < HUB_MODULES.len() {
                let (p, v) = HUB_MODULES[hub_module];
                hub_module += 1;
                (p.to_owned(), v.to_owned())
            } else {
                let org = self.rng.pick(ORGS);
                let word = self.rng.pick(WORDS);
                let mut path = format!("github.com/{org}{}/{word}-{m}", m % 7);
                let major = self.rng.below(10);
                if major >= 8 {
                    write!(path, "/v{}", major - 6).unwrap();
                }
                let version = format!(
                    "v{}.{}.{}",
                    if major >= 8 {
                        major - 6
                    } else {
                        self.rng.below(2)
                    },
                    self.rng.below(30),
                    self.rng.below(12)
                );
                (path, version)
            };
            m += 1;
            if self.shape == Shape::Layered {
                // Hub modules at the bottom, the others on a layer each.
                let layers = if m <= HUB_MODULES.len() { 4 } else { LAYERS };
                self.cap = self.std_depth + 1 + self.rng.between(1, layers as usize) as u32;
            }
            let module = self.add_module(&path, Some(&version), false);
            module_pkgs.push(Vec::new());
            let size = self.rng.between(1, 19).min(end - self.paths.len());
            for j in 0..size {
                // About 1% of packages are added to an older module: module graphs get cycles.
                let (module, pkg_path) = if j > 0 && module > 0 && self.rng.chance(0.01) {
                    let old = self.rng.below(module);
                    let old = if module_pkgs[old].is_empty() {
                        module
                    } else {
                        old
                    };
                    let p = format!(
                        "{}/late/{}{}",
                        self.module_paths[old],
                        self.rng.pick(WORDS),
                        self.paths.len()
                    );
                    (old, p)
                } else if j == 0 {
                    // Some modules have no package at their root (golang.org/x/sys).
                    let root = match hub_root(&path) {
                        Some(sub) => format!("{path}/{sub}"),
                        None if module >= HUB_MODULES.len() && self.rng.chance(0.15) => {
                            format!("{path}/{}", self.rng.pick(WORDS))
                        }
                        None => path.clone(),
                    };
                    (module, root)
                } else {
                    let word = self.rng.pick(WORDS);
                    let p = match self.rng.below(4) {
                        0 => format!("{path}/pkg/{word}{j}"),
                        1 => format!("{path}/internal/{word}{j}"),
                        2 => format!("{path}/{word}{j}"),
                        _ => format!("{path}/{word}/{}{j}", self.rng.pick(WORDS)),
                    };
                    (module, p)
                };
                let n_imports = self.rng.between(5, 15);
                let mut imports = Vec::with_capacity(n_imports + 2);
                if let Some(i) = self.chain_unimported() {
                    imports.push(i);
                }
                while imports.len() < n_imports {
                    let i = self.pick_import(&hubs, &module_pkgs[module], first_tp);
                    imports.push(i);
                }
                if self.rng.chance(0.003) {
                    imports.push(plugin);
                }
                if self.rng.chance(0.01) {
                    imports.push(os_user);
                }
                let cgo = self.rng.chance(0.03);
                let stem = package_name(&pkg_path);
                let go_files = self.files(&stem, 1, 12, ".go");
                let ignored_go_files = if self.rng.chance(0.3) {
                    self.files(&stem, 1, 4, "_windows.go")
                } else {
                    Vec::new()
                };
                let (cgo_files, c_files, cgo_ldflags, cgo_pkg_config) = if cgo {
                    let ld = if self.rng.chance(0.5) {
                        vec![
                            "-L/usr/lib".to_owned(),
                            (*self.rng.pick(LDFLAGS)).to_owned(),
                        ]
                    } else {
                        Vec::new()
                    };
                    let pc = if self.rng.chance(0.2) {
                        vec!["libsystemd".to_owned()]
                    } else {
                        Vec::new()
                    };
                    let c = if self.rng.chance(0.5) {
                        self.files(&stem, 1, 3, ".c")
                    } else {
                        Vec::new()
                    };
                    (self.files(&stem, 1, 3, "_cgo.go"), c, ld, pc)
                } else {
                    Default::default()
                };
                let idx = self.emit(Pkg {
                    name: stem,
                    path: pkg_path,
                    module_json: Some(module),
                    go_files,
                    cgo_files,
                    ignored_go_files,
                    c_files,
                    cgo_ldflags,
                    cgo_pkg_config,
                    imports,
                    cgo,
                    ..Pkg::default()
                });
                if j == 0 && module < HUB_MODULES.len() {
                    hubs.push(idx);
                }
                module_pkgs[module].push(idx);
            }
        }
        hubs
    }

    fn main_module(&mut self, n_internal: usize, n_mains: usize, hubs: &[usize]) {
        let module = self.add_module("example.com/app", None, true);
        self.cap = u32::MAX;
        let first_tp = N_STD;
        let mut internals = Vec::new();
        for j in 0..n_internal {
            let path = format!("example.com/app/internal/{}{j}", self.rng.pick(WORDS));
            let mut imports = Vec::new();
            for _ in 0..self.rng.between(5, 15) {
                let here = self.paths.len();
                let i = match self.rng.below(3) {
                    0 => self.popular_std(),
                    1 => *self.rng.pick(hubs),
                    _ => here - 1 - self.rng.below((here - first_tp).min(3000)),
                };
                imports.push(i);
            }
            let stem = package_name(&path);
            let go_files = self.files(&stem, 1, 10, ".go");
            internals.push(self.emit(Pkg {
                name: stem,
                path,
                module_json: Some(module),
                matched: true,
                go_files,
                imports,
                ..Pkg::default()
            }));
        }
        // Whatever nobody imports yet goes to the mains, so every package is a dependency of a
        // main package, as in real `-deps` output.
        let mut leftovers = Vec::new();
        while let Some(i) = self.oldest_unimported() {
            self.unimported.pop_front();
            leftovers.push(i);
        }
        for k in 0..n_mains {
            let path = format!("example.com/app/cmd/{}{k}", self.rng.pick(WORDS));
            let mut imports: Vec<usize> = internals
                .iter()
                .copied()
                .enumerate()
                .filter(|(j, _)| j % n_mains == k || self.rng.chance(0.3))
                .map(|(_, i)| i)
                .collect();
            imports.extend(leftovers.iter().copied().skip(k).step_by(n_mains));
            for _ in 0..self.rng.between(20, 40) {
                let here = self.paths.len();
                let i = match self.rng.below(4) {
                    0 => self.popular_std(),
                    1 => *self.rng.pick(hubs),
                    _ => first_tp + self.rng.below(here - first_tp),
                };
                imports.push(i);
            }
            let go_files = self.files("main", 1, 6, ".go");
            self.emit(Pkg {
                name: "main".to_owned(),
                path,
                module_json: Some(module),
                matched: true,
                go_files,
                imports,
                ..Pkg::default()
            });
        }
    }
}

/// A `go list -e -deps -json=...` stream of exactly `n_packages` packages.
fn generate(n_packages: usize, shape: Shape) -> Synthetic {
    const N_INTERNAL: usize = 10;
    const N_MAINS: usize = 5;
    assert!(n_packages >= N_STD + N_INTERNAL + N_MAINS + 2 * HUB_MODULES.len() * 10);
    let mut b = Builder::new(0x5EED_0000_0000_0000 ^ n_packages as u64, shape);
    b.out.reserve(n_packages * 1300);
    b.std_packages();
    let hubs = b.third_party(n_packages - N_STD - N_INTERNAL - N_MAINS);
    b.main_module(N_INTERNAL, N_MAINS, &hubs);
    assert_eq!(b.paths.len(), n_packages);
    let n_modules = b.modules.len();
    Synthetic {
        n_packages,
        n_edges: b.n_edges,
        n_roots: N_MAINS,
        n_modules,
        json: b.out.into_bytes(),
    }
}

// ---------------------------------------------------------------------------------------------
// Timing harness
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Sample {
    min: Duration,
    median: Duration,
    /// Mean time on a CPU per run, from `/proc/thread-self/schedstat`: unlike wall time it
    /// does not grow while other processes hold the CPUs. The kernel updates it at scheduler
    /// ticks (4 ms here), so it is only given when the runs add up to `CPU_MIN_TOTAL`.
    cpu_mean: Option<Duration>,
    runs: usize,
}

/// Below this total on-CPU time the tick granularity of schedstat makes the mean meaningless.
const CPU_MIN_TOTAL: Duration = Duration::from_millis(250);

/// Nanoseconds this thread has spent on a CPU (Linux schedstat).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Runs `f` at least `MIN_RUNS` times and then while `BUDGET` lasts (at most `MAX_RUNS`).
/// Returns the timings and the last result (earlier results are dropped outside the timing).
fn measure<T>(mut f: impl FnMut() -> T) -> (Sample, T) {
    const MIN_RUNS: usize = 3;
    const MAX_RUNS: usize = 51;
    const BUDGET: Duration = Duration::from_millis(1500);
    let started = Instant::now();
    let mut times = Vec::new();
    let mut cpu_total = Some(Duration::ZERO);
    let mut last = None;
    while times.len() < MIN_RUNS || (times.len() < MAX_RUNS && started.elapsed() < BUDGET) {
        last = Some(timed_run(&mut f, &mut times, &mut cpu_total));
    }
    (sample_of(times, cpu_total), last.expect("at least one run"))
}

/// Runs `f` once: its wall time pushed on `times`, its time on a CPU added to `cpu_total`
/// (which becomes `None` where the kernel does not tell).
fn timed_run<T>(
    f: &mut impl FnMut() -> T,
    times: &mut Vec<Duration>,
    cpu_total: &mut Option<Duration>,
) -> T {
    let cpu_start = thread_cpu_ns();
    let start = Instant::now();
    let out = black_box(f());
    times.push(start.elapsed());
    *cpu_total = match (*cpu_total, cpu_start, thread_cpu_ns()) {
        (Some(total), Some(a), Some(b)) => Some(total + Duration::from_nanos(b.saturating_sub(a))),
        _ => None,
    };
    out
}

/// The sample of a case's runs.
fn sample_of(mut times: Vec<Duration>, cpu_total: Option<Duration>) -> Sample {
    times.sort();
    Sample {
        min: times[0],
        median: times[times.len() / 2],
        cpu_mean: cpu_total
            .filter(|&total| total >= CPU_MIN_TOTAL)
            .map(|total| total / times.len() as u32),
        runs: times.len(),
    }
}

/// Runs every case of `cases` once per round, round after round, at least `MIN_RUNS` rounds
/// and then while `BUDGET` lasts for all of them together (at most `MAX_RUNS`): the cases see
/// the same drift of the machine's speed, so their ratios are steadier than those of cases
/// measured one after the other. One sample per case, in the order given.
fn measure_rounds(cases: &mut [&mut dyn FnMut()]) -> Vec<Sample> {
    const MIN_RUNS: usize = 5;
    const MAX_RUNS: usize = 51;
    const BUDGET: Duration = Duration::from_millis(4500);
    let started = Instant::now();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut cpu: Vec<Option<Duration>> = vec![Some(Duration::ZERO); cases.len()];
    let mut rounds = 0;
    while rounds < MIN_RUNS || (rounds < MAX_RUNS && started.elapsed() < BUDGET) {
        for ((case, times), cpu) in cases.iter_mut().zip(&mut times).zip(&mut cpu) {
            timed_run(case, times, cpu);
        }
        rounds += 1;
    }
    times
        .into_iter()
        .zip(cpu)
        .map(|(times, cpu_total)| sample_of(times, cpu_total))
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn fmt_ms(s: Sample) -> String {
    let cpu = s
        .cpu_mean
        .map_or_else(|| "-".to_owned(), |d| format!("{:.2}", ms(d)));
    format!("{:.2} / {:.2} / {cpu}", ms(s.min), ms(s.median))
}

/// A field of /proc/self/status in MB (Linux only).
fn proc_status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

const TARGETS: [&str; 4] = ["plugin", "runtime/cgo", "cgo", TARGET_MODULE];

/// Peak RSS without the bench's own allocations: a child process (this binary again, with
/// `LINKAUDIT_BENCH_RSS_CHILD=FILE`) loads the stream from a file as `audit why --input`
/// does, then answers the targets on the package and the module graph. `None` off Linux or
/// when anything fails.
fn peak_rss(size: usize, stream: &[u8]) -> Option<(f64, f64)> {
    let path = std::env::temp_dir().join(format!(
        "linkaudit-bench-{}-{size}.json",
        std::process::id()
    ));
    std::fs::write(&path, stream).ok()?;
    let output = std::process::Command::new(std::env::current_exe().ok()?)
        .env("LINKAUDIT_BENCH_RSS_CHILD", &path)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut numbers = text.split_whitespace().map(|n| n.parse::<f64>().ok());
    Some((numbers.next()??, numbers.next()??))
}

fn rss_child(path: &str) {
    let file = std::fs::File::open(path).expect("open the stream");
    let parsed = load::parse_recording(
        BufReader::with_capacity(1 << 16, file),
        path,
        InputFormat::Auto,
        &RootMode::Main,
        BuildConfig::default(),
    )
    .expect("the synthetic stream loads");
    let after_load = proc_status_mb("VmHWM:").expect("VmHWM");
    let targets: Vec<String> = TARGETS.map(str::to_owned).to_vec();
    let options = WhyOptions {
        max_chains: 10,
        cut: None,
    };
    black_box(analyze::why(&parsed.graph, None, &targets, &options));
    let modules = analyze::modules::collapse(&parsed.graph);
    black_box(analyze::why(
        &modules,
        Some(&parsed.graph),
        &targets,
        &options,
    ));
    let after_all = proc_status_mb("VmHWM:").expect("VmHWM");
    println!("{after_load} {after_all}");
}

fn load(stream: &[u8]) -> Parsed {
    load::parse_recording(
        BufReader::with_capacity(1 << 16, stream),
        "synthetic",
        InputFormat::Auto,
        &RootMode::Main,
        BuildConfig::default(),
    )
    .expect("the synthetic stream loads")
}

/// A copy of the loader's private `GoPackage`, to time serde_json alone.
#[derive(Deserialize, Default)]
#[serde(default)]
#[allow(dead_code)]
struct MirrorPackage {
    #[serde(rename = "ImportPath")]
    import_path: Option<String>,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Standard")]
    standard: bool,
    #[serde(rename = "DepOnly")]
    dep_only: bool,
    #[serde(rename = "Module")]
    module: Option<MirrorModule>,
    #[serde(rename = "Imports")]
    imports: Vec<String>,
    #[serde(rename = "GoFiles")]
    go_files: Vec<String>,
    #[serde(rename = "CgoFiles")]
    cgo_files: Vec<String>,
    #[serde(rename = "IgnoredGoFiles")]
    ignored_go_files: Vec<String>,
    #[serde(rename = "CFiles")]
    c_files: Vec<String>,
    #[serde(rename = "CgoLDFLAGS")]
    cgo_ldflags: Vec<String>,
    #[serde(rename = "CgoPkgConfig")]
    cgo_pkg_config: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[allow(dead_code)]
struct MirrorModule {
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "Version")]
    version: Option<String>,
    #[serde(rename = "Main")]
    main: bool,
}

fn count_reader(stream: &[u8]) -> usize {
    serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, stream))
        .into_iter::<MirrorPackage>()
        .map(|p| p.expect("valid json").imports.len())
        .sum()
}

fn count_slice(stream: &[u8]) -> usize {
    serde_json::Deserializer::from_slice(stream)
        .into_iter::<MirrorPackage>()
        .map(|p| p.expect("valid json").imports.len())
        .sum()
}

fn describe(answer: &WhyAnswer) -> String {
    let s = &answer.summary;
    if !s.reachable {
        return "unreachable".to_owned();
    }
    let count = if s.saturated {
        ">= 2^64 (saturated)".to_owned()
    } else if !s.exact {
        format!(">= {} (work limit)", s.count)
    } else {
        s.count.to_string()
    };
    format!(
        "{} target(s), {} chain(s){}, {} shown, {} choke point(s)",
        answer.resolved.nodes.len(),
        count,
        if s.cyclic { ", cyclic" } else { "" },
        s.chains.len(),
        s.choke_points.len()
    )
}

struct WhyRow {
    target: String,
    packages: Sample,
    packages_answer: String,
    modules: Sample,
    modules_answer: String,
}

struct SizeResult {
    size: usize,
    mb: f64,
    n_edges: usize,
    n_modules: usize,
    module_nodes: usize,
    module_edges: usize,
    load: Sample,
    serde_reader: Sample,
    serde_slice: Sample,
    /// Peak RSS (MB) of a child process that loads the stream from a file, then after it also
    /// answered the four targets on both graphs.
    peak_rss: Option<(f64, f64)>,
    collapse: Sample,
    why: Vec<WhyRow>,
    why_all: Sample,
    why_all_modules: Sample,
}

fn run_size(size: usize, dump: Option<&str>) -> SizeResult {
    let started = Instant::now();
    let synthetic = generate(size, Shape::Layered);
    let stream = &synthetic.json;
    let mb = stream.len() as f64 / 1e6;
    eprintln!(
        "[{size}] generated {mb:.1} MB ({} edges, {} modules) in {:.2} s",
        synthetic.n_edges,
        synthetic.n_modules,
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = dump {
        std::fs::create_dir_all(dir).expect("create dump dir");
        let path = format!("{dir}/go-list-{size}.json");
        std::fs::write(&path, stream).expect("write dump");
        eprintln!("[{size}] wrote {path}");
    }

    // Check the stream before timing anything.
    let parsed = load(stream);
    let graph = &parsed.graph;
    assert_eq!(graph.node_count(), synthetic.n_packages, "node count");
    assert_eq!(graph.graph().edge_count(), synthetic.n_edges, "edge count");
    assert_eq!(graph.roots().len(), synthetic.n_roots, "roots");
    assert!(graph.problems.is_empty(), "problems: {:?}", graph.problems);
    assert!(
        graph.graph().node_weights().all(|n| !n.missing),
        "no missing packages"
    );
    drop(parsed);

    let (load_sample, parsed) = measure(|| load(stream));
    let (serde_reader, n1) = measure(|| count_reader(stream));
    let (serde_slice, n2) = measure(|| count_slice(stream));
    assert_eq!(n1, n2);
    eprintln!("[{size}] load {:.1} ms", ms(load_sample.median));

    let graph: &DepGraph = &parsed.graph;
    let (collapse, modules) = measure(|| analyze::modules::collapse(graph));
    let targets: Vec<String> = TARGETS.map(str::to_owned).to_vec();
    let options = WhyOptions {
        max_chains: 10,
        cut: None,
    };
    let mut why = Vec::new();
    for target in &targets {
        let one = std::slice::from_ref(target);
        let (packages, answer) = measure(|| analyze::why(graph, None, one, &options));
        let packages_answer = describe(&answer[0]);
        if size >= 100_000 && target == "runtime/cgo" {
            assert!(
                answer[0].summary.saturated,
                "the largest size must saturate the chain count"
            );
        }
        let (modules_time, answer) = measure(|| analyze::why(&modules, Some(graph), one, &options));
        let modules_answer = describe(&answer[0]);
        eprintln!(
            "[{size}] why {target}: {:.2} ms packages, {:.2} ms modules",
            ms(packages.median),
            ms(modules_time.median)
        );
        why.push(WhyRow {
            target: target.clone(),
            packages,
            packages_answer,
            modules: modules_time,
            modules_answer,
        });
    }
    let (why_all, _) = measure(|| analyze::why(graph, None, &targets, &options));
    let (why_all_modules, _) = measure(|| {
        let modules = analyze::modules::collapse(graph);
        analyze::why(&modules, Some(graph), &targets, &options).len()
    });
    eprintln!("[{size}] done in {:.1} s", started.elapsed().as_secs_f64());
    SizeResult {
        size,
        mb,
        n_edges: synthetic.n_edges,
        n_modules: synthetic.n_modules,
        module_nodes: modules.node_count(),
        module_edges: modules.graph().edge_count(),
        load: load_sample,
        serde_reader,
        serde_slice,
        peak_rss: peak_rss(size, stream),
        collapse,
        why,
        why_all,
        why_all_modules,
    }
}

fn throughput(mb: f64, s: Sample) -> String {
    let cpu = s.cpu_mean.map_or_else(
        || "-".to_owned(),
        |d| format!("{:.0}", mb / d.as_secs_f64()),
    );
    format!("{:.0} / {cpu}", mb / s.median.as_secs_f64())
}

const TIMES_LEGEND: &str = "times in ms as wall min / wall median / on-CPU mean (schedstat; - when the runs total < 250 ms)";

fn print_tables(results: &[SizeResult]) {
    println!();
    println!("## Load (parse_recording from memory through a 64 KiB BufReader, full graph build)");
    println!("{TIMES_LEGEND}; MB = 10^6 bytes; MB/s from the wall median");
    println!();
    println!(
        "| packages | edges | modules | stream MB | load ms | load MB/s (wall / cpu) | serde_json only (from_reader) ms | serde_json only (from_slice) ms | peak RSS MB: load / + why |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let rss = match r.peak_rss {
            Some((load, all)) => format!("{load:.0} / {all:.0}"),
            None => "n/a".to_owned(),
        };
        println!(
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} |",
            r.size,
            r.n_edges,
            r.n_modules,
            r.mb,
            fmt_ms(r.load),
            throughput(r.mb, r.load),
            fmt_ms(r.serde_reader),
            fmt_ms(r.serde_slice),
            rss
        );
    }
    println!();
    println!("## why (max_chains 10), package graph and --modules graph");
    println!("{TIMES_LEGEND}; the modules column excludes the collapse");
    println!();
    println!("| packages | target | packages ms | answer | modules ms | answer |");
    println!("|---:|---|---:|---|---:|---|");
    for r in results {
        for w in &r.why {
            println!(
                "| {} | `{}` | {} | {} | {} | {} |",
                r.size,
                w.target,
                fmt_ms(w.packages),
                w.packages_answer,
                fmt_ms(w.modules),
                w.modules_answer
            );
        }
        println!(
            "| {} | all 4 at once | {} | | {} | collapse + why, all 4 |",
            r.size,
            fmt_ms(r.why_all),
            fmt_ms(r.why_all_modules)
        );
    }
    println!();
    println!("## --modules collapse (analyze::modules::collapse)");
    println!();
    println!("| packages | module nodes | module edges | collapse ms |");
    println!("|---:|---:|---:|---:|");
    for r in results {
        println!(
            "| {} | {} | {} | {} |",
            r.size,
            r.module_nodes,
            r.module_edges,
            fmt_ms(r.collapse)
        );
    }
    println!();
    let runs: Vec<String> = results
        .iter()
        .map(|r| format!("{}: load {} runs", r.size, r.load.runs))
        .collect();
    println!("runs: {}", runs.join(", "));
}

// ---------------------------------------------------------------------------------------------
// `audit diff` against one `audit check`
// ---------------------------------------------------------------------------------------------

/// The head side of a pre-merge change: the same stream with one main package that also
/// imports `os/user` (added to its `Imports` and `Deps`), so the diff has a new chain to count.
fn with_new_import(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream.len() + 64);
    let mut edited = false;
    for value in serde_json::Deserializer::from_slice(stream).into_iter::<serde_json::Value>() {
        let mut value = value.expect("the stream parses");
        if !edited && value["Name"] == "main" {
            for key in ["Imports", "Deps"] {
                if let Some(list) = value.get_mut(key).and_then(|v| v.as_array_mut())
                    && !list.iter().any(|v| v == "os/user")
                {
                    list.push("os/user".into());
                }
            }
            edited = true;
        }
        serde_json::to_writer(&mut out, &value).expect("serialize");
        out.push(b'\n');
    }
    assert!(edited, "the stream has a main package");
    out
}

/// Runs one `audit` command line through the library, output discarded; returns its status.
fn run_audit(words: &[&str]) -> linkaudit::ExitStatus {
    use clap::Parser;
    let args = std::iter::once("audit").chain(words.iter().copied());
    let mut cli = linkaudit::cli::Cli::try_parse_from(args).expect("bench command line");
    cli.normalize();
    linkaudit::run(&cli, &mut std::io::sink(), &mut std::io::sink()).expect("audit runs")
}

/// A real recording: `go list` of maddy v0.8.1 (a mail server, about 650 packages) from the
/// module proxy, when `go` is here.
fn real_recording(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let download = std::process::Command::new("go")
        .args(["mod", "download", "-json", "github.com/foxcpp/maddy@v0.8.1"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let info: serde_json::Value = serde_json::from_slice(&download.stdout).ok()?;
    let module = info["Dir"].as_str()?;
    let listed = std::process::Command::new("go")
        .args([
            "list",
            "-e",
            "-deps",
            &format!("-json={}", linkaudit::load::go_list::GO_LIST_FIELDS),
            "./...",
        ])
        .current_dir(module)
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "1")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let path = dir.join("maddy.json");
    std::fs::write(&path, listed.stdout).ok()?;
    Some(path)
}

/// Peak RSS (MB) of one whole `audit` command, in a fresh process (the bench binary again).
fn command_rss(words: &[&str]) -> Option<f64> {
    let output = std::process::Command::new(std::env::current_exe().ok()?)
        .env("LINKAUDIT_BENCH_RSS_COMMAND", words.join("\x1f"))
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// A large real recording: the full `go list -e -deps -json ./...` (every field) of
/// kubernetes v1.34.4 from the module proxy, 3,413 packages, about 52 MB. The module zip
/// leaves out the `staging/` modules its `go.mod` replaces to, so those replaces point at the
/// published `v0.34.4` of each instead. Kept in `LINKAUDIT_BENCH_REAL_DIR` once recorded.
fn bench_keep_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(
        std::env::var("LINKAUDIT_BENCH_REAL_DIR").unwrap_or_else(|_| "target/bench-real".into()),
    )
}

fn go_in(args: &[&str], dir: &std::path::Path) -> Option<std::process::Output> {
    std::process::Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOSUMDB", "off")
        .env("CGO_ENABLED", "1")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
}

/// The kubernetes v1.34.4 module tree, kept in the bench directory: the module from the
/// proxy, writable, without `vendor/` and `go.work`, its `./staging` replaces pointed at the
/// published v0.34.4 modules, and every dependency downloaded.
fn kubernetes_tree() -> Option<std::path::PathBuf> {
    let keep = bench_keep_dir();
    let tree = keep.join("kubernetes-v1.34.4");
    if tree.join(".ready").exists() {
        return Some(tree);
    }
    std::fs::create_dir_all(&keep).ok()?;
    let download = go_in(
        &["mod", "download", "-json", "k8s.io/kubernetes@v1.34.4"],
        &keep,
    )?;
    let info: serde_json::Value = serde_json::from_slice(&download.stdout).ok()?;
    let module = std::path::PathBuf::from(info["Dir"].as_str()?);
    let _ = std::fs::remove_dir_all(&tree);
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(&module)
        .arg(&tree)
        .status()
        .ok()?;
    if !copied.success() {
        return None;
    }
    std::process::Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&tree)
        .status()
        .ok()?;
    for name in ["vendor", "go.work", "go.work.sum"] {
        let _ = std::fs::remove_dir_all(tree.join(name));
        let _ = std::fs::remove_file(tree.join(name));
    }
    let go_mod = std::fs::read_to_string(tree.join("go.mod")).ok()?;
    for line in go_mod.lines() {
        if let Some((from, _)) = line.trim().split_once(" => ./staging/") {
            let from = from.trim();
            go_in(
                &["mod", "edit", &format!("-replace={from}={from}@v0.34.4")],
                &tree,
            )?;
        }
    }
    go_in(&["list", "-e", "-deps", "-json=ImportPath", "./..."], &tree)?;
    std::fs::write(tree.join(".ready"), b"").ok()?;
    Some(tree)
}

fn kubernetes_recording() -> Option<std::path::PathBuf> {
    let path = bench_keep_dir().join("kubernetes-v1.34.4.json");
    if path.exists() {
        return Some(path);
    }
    let tree = kubernetes_tree()?;
    let listed = go_in(&["list", "-e", "-deps", "-json", "./..."], &tree)?;
    std::fs::write(&path, listed.stdout).ok()?;
    Some(path)
}

/// Wall time of one run of a command, in seconds (it must succeed, or exit 1 for findings).
fn time_command(program: &str, args: &[&str], dir: &std::path::Path, cache: &str) -> f64 {
    let started = Instant::now();
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("LINKAUDIT_CACHE_DIR", cache)
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOSUMDB", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run");
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "{program} {args:?}: {status}"
    );
    started.elapsed().as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The native loader on kubernetes (issue 13): `audit why` live with each loader against
/// `go mod why` on the same tree, and a 12-configuration `audit.toml` matrix `check` against
/// one native load. Runs alternate (the `go list` loader's in rounds of their own, after the
/// others); medians of 11 (of 5 for `go list`; the first, cold, run of each is dropped).
/// The native loader's directory cache is a fresh one of the bench's (filled by the dropped
/// first round); one more case runs with the cache off, as a first run would.
fn native_against_go_mod_why() {
    let Some(tree) = kubernetes_tree() else {
        println!("(no `go` or no network: the native loader section is left out)");
        return;
    };
    let audit = env!("CARGO_BIN_EXE_audit");
    let matrix_dir = tempfile::tempdir().expect("tempdir");
    let matrix = matrix_dir.path().join("audit.toml");
    std::fs::write(
        &matrix,
        "[[build]]\ngoos = [\"linux\", \"darwin\", \"windows\"]\ngoarch = [\"amd64\", \"arm64\"]\ncgo = [\"on\", \"off\"]\n",
    )
    .expect("write audit.toml");
    let matrix = matrix.to_str().unwrap().to_owned();
    let cache_dir = matrix_dir.path().join("cache");
    let cache = cache_dir.to_str().unwrap();
    let targets = ["net", "os/user", "plugin"];
    let mut go_mod_why_args = vec!["mod", "why"];
    go_mod_why_args.extend(targets);
    let why = |loader: &str| -> Vec<String> {
        let mut args = vec!["why", "--loader", loader, "--quiet"];
        args.extend(targets);
        args.into_iter().map(str::to_owned).collect()
    };
    let native_args = why("native");
    let go_list_args = why("go-list");
    let matrix_args: Vec<String> = [
        "check", "--config", &matrix, "--loader", "native", "--quiet",
    ]
    .map(str::to_owned)
    .to_vec();
    fn as_strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let cases: Vec<(&str, &str, Vec<&str>, &str)> = vec![
        (
            "go mod why net os/user plugin",
            "go",
            go_mod_why_args.clone(),
            "off",
        ),
        ("audit why (native)", audit, as_strs(&native_args), cache),
        ("audit why (go list)", audit, as_strs(&go_list_args), cache),
        (
            "audit check, 12-config matrix (native)",
            audit,
            as_strs(&matrix_args),
            cache,
        ),
        (
            "audit why (native, directory cache off)",
            audit,
            as_strs(&native_args),
            "off",
        ),
    ];
    // The `go list` case (index 2) runs in rounds of its own, after the others: on this VM a
    // run of it (1.5 s of both cores, the module cache read through) slows whatever runs in
    // the next seconds by up to 2× (its memory handed back to the host, page faults costly
    // again), and in one shared rotation it always came just before the matrix. The others
    // alternate, each round starting one case later, so none always follows the same one.
    // Eleven measured rounds of them: the VM's speed wanders by ±30% within seconds, and
    // medians of five still moved the matrix's ratio from 1.5× to 2.1× between runs.
    let light: Vec<usize> = (0..cases.len()).filter(|&i| i != 2).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for round in 0..12 {
        for k in 0..light.len() {
            let i = light[(round + k) % light.len()];
            let (_, program, args, cache) = &cases[i];
            let t = time_command(program, args, &tree, cache);
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    for round in 0..6 {
        let (_, program, args, cache) = &cases[2];
        let t = time_command(program, args, &tree, cache);
        if round > 0 {
            times[2].push(t);
        }
    }
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    println!(
        "\n## native loader, kubernetes v1.34.4 (live, medians of 11 alternating runs; go list: 5)\n"
    );
    println!("| command | wall | / go mod why |");
    println!("|---|---|---|");
    for ((name, _, _, _), t) in cases.iter().zip(&medians) {
        println!("| {name} | {:.3} s | {:.2}× |", t, t / medians[0]);
    }
    println!(
        "\nmatrix of 12 configurations / one native load (`audit why`): {:.2}×",
        medians[3] / medians[1]
    );
}

/// `audit diff BASE HEAD` against `audit check HEAD`, both whole commands (load, catalog,
/// analysis, JSON rendering), on the real recording and on synthetic streams. The issue's
/// budget: the diff costs at most twice one check (it loads and checks both sides, at once).
fn diff_against_check(sizes: &[usize]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases: Vec<(String, std::path::PathBuf, std::path::PathBuf)> = Vec::new();
    if let Some(real) = real_recording(dir.path()) {
        let head = dir.path().join("maddy-head.json");
        std::fs::write(&head, with_new_import(&std::fs::read(&real).unwrap())).unwrap();
        cases.push(("maddy v0.8.1 (real)".to_owned(), real, head));
    } else {
        println!("(no `go`: the real recording is left out)");
    }
    if let Some(real) = kubernetes_recording() {
        let head = dir.path().join("kubernetes-head.json");
        std::fs::write(&head, with_new_import(&std::fs::read(&real).unwrap())).unwrap();
        cases.push(("kubernetes v1.34.4 (real, 52 MB)".to_owned(), real, head));
    }
    for &size in sizes {
        let stream = generate(size, Shape::Layered).json;
        let base = dir.path().join(format!("base-{size}.json"));
        let head = dir.path().join(format!("head-{size}.json"));
        std::fs::write(&head, with_new_import(&stream)).unwrap();
        std::fs::write(&base, stream).unwrap();
        cases.push((format!("synthetic {size}"), base, head));
    }
    println!(
        "### `audit diff` against one `audit check` ({TIMES_LEGEND}; on-CPU is the calling thread only, so compare wall times)"
    );
    println!();
    println!("| recording | check HEAD | diff BASE HEAD | diff / check (median) |");
    println!("|---|---|---|---|");
    for (name, base, head) in &cases {
        let (base, head) = (base.to_str().unwrap(), head.to_str().unwrap());
        let common = ["--no-archive-check", "--format", "json", "--warn-only"];
        let mut check_words = vec!["check", "--input", head];
        check_words.extend_from_slice(&common);
        let mut diff_words = vec!["diff", base, head];
        diff_words.extend_from_slice(&common);
        let (check, _) = measure(|| run_audit(&check_words));
        let (diff, _) = measure(|| run_audit(&diff_words));
        println!(
            "| {name} | {} | {} | {:.2} |",
            fmt_ms(check),
            fmt_ms(diff),
            diff.median.as_secs_f64() / check.median.as_secs_f64()
        );
    }
    println!();
}

/// Whole `audit why plugin --input F` and `audit check --input F` (read, load, catalog,
/// analysis, text rendering) against the bare parse of the same file in the same run: read it
/// and walk every value with serde_json's `IgnoredAny`, the floor any loader pays. The three
/// run in interleaved rounds (parse, why, check, parse, ...). The ratios are what issue 11
/// budgets (why <= 1.2x, check <= 1.5x the parse).
fn against_the_parse(sizes: &[usize]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases: Vec<(String, std::path::PathBuf)> = Vec::new();
    for shape in [Shape::Layered, Shape::Deep] {
        for &size in sizes {
            let path = dir.path().join(shape.file(size));
            std::fs::write(&path, generate(size, shape).json).unwrap();
            cases.push((format!("synthetic {} {size}", shape.name()), path));
        }
    }
    if let Some(real) = real_recording(dir.path()) {
        cases.push(("maddy v0.8.1 (real)".to_owned(), real));
    }
    match kubernetes_recording() {
        Some(real) => cases.push((
            "kubernetes v1.34.4, full `go list -json` (real)".to_owned(),
            real,
        )),
        None => println!("(no `go` or no proxy: the kubernetes recording is left out)"),
    }
    println!(
        "### `why` and `check` against the bare parse ({TIMES_LEGEND}; peak RSS of each whole command in its own process, MB)"
    );
    println!();
    println!(
        "| recording | MB | bare parse | why plugin | why / parse | check | check / parse | findings | RSS why | RSS check |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut per_size: Vec<(String, usize, f64, f64)> = Vec::new();
    for (name, path) in &cases {
        let file = path.to_str().unwrap();
        let mb = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
        let check_words = [
            "check",
            "--input",
            file,
            "--no-archive-check",
            "--warn-only",
        ];
        let mut bare_parse = || {
            let bytes = std::fs::read(path).unwrap();
            let mut values = 0usize;
            for value in
                serde_json::Deserializer::from_slice(&bytes).into_iter::<serde::de::IgnoredAny>()
            {
                value.expect("parses");
                values += 1;
            }
            black_box(values);
        };
        let mut why = || {
            black_box(run_audit(&["why", "plugin", "--input", file]));
        };
        let mut check = || {
            black_box(run_audit(&check_words));
        };
        let [parse, why, check] = measure_rounds(&mut [&mut bare_parse, &mut why, &mut check])[..]
        else {
            unreachable!("three cases, three samples")
        };
        let findings = {
            use clap::Parser;
            // SARIF: one result per finding, and no cut computed (JSON computes one each).
            let words = ["audit", "check", "--input", file, "--no-archive-check"];
            let mut cli = linkaudit::cli::Cli::try_parse_from(words.iter().chain(&[
                "--warn-only",
                "--format",
                "sarif",
            ]))
            .expect("bench command line");
            cli.normalize();
            let mut out = Vec::new();
            linkaudit::run(&cli, &mut out, &mut std::io::sink()).expect("audit runs");
            let sarif: serde_json::Value = serde_json::from_slice(&out).expect("check SARIF");
            sarif["runs"][0]["results"].as_array().map_or(0, Vec::len)
        };
        let ratio = |a: Sample| a.median.as_secs_f64() / parse.median.as_secs_f64();
        let rss =
            |words: &[&str]| command_rss(words).map_or("-".to_owned(), |mb| format!("{mb:.0}"));
        println!(
            "| {name} | {mb:.1} | {} | {} | {:.2} | {} | {:.2} | {findings} | {} | {} |",
            fmt_ms(parse),
            fmt_ms(why),
            ratio(why),
            fmt_ms(check),
            ratio(check),
            rss(&["why", "plugin", "--input", file]),
            rss(&check_words),
        );
        if let Some((shape, size)) = name
            .strip_prefix("synthetic ")
            .and_then(|rest| rest.split_once(' '))
        {
            per_size.push((
                shape.to_owned(),
                size.parse().unwrap(),
                why.median.as_secs_f64(),
                check.median.as_secs_f64(),
            ));
        }
    }
    println!();
    for shape in [Shape::Layered, Shape::Deep] {
        let runs: Vec<_> = per_size.iter().filter(|r| r.0 == shape.name()).collect();
        if let (Some(small), Some(large)) = (runs.first(), runs.last())
            && large.1 > small.1
        {
            println!(
                "growth, {}: {} -> {} packages ({:.1}x the packages): why {:.1}x, check {:.1}x",
                shape.name(),
                small.1,
                large.1,
                large.1 as f64 / small.1 as f64,
                large.2 / small.2,
                large.3 / small.3
            );
        }
    }
    println!();
}

fn main() {
    if let Ok(path) = std::env::var("LINKAUDIT_BENCH_RSS_CHILD") {
        rss_child(&path);
        return;
    }
    if let Ok(words) = std::env::var("LINKAUDIT_BENCH_RSS_COMMAND") {
        let words: Vec<&str> = words.split('\x1f').collect();
        black_box(run_audit(&words));
        println!("{}", proc_status_mb("VmHWM:").expect("VmHWM"));
        return;
    }
    let sizes: Vec<usize> = std::env::var("LINKAUDIT_BENCH_SIZES")
        .ok()
        .map(|s| {
            s.split(',')
                .map(|n| {
                    n.trim()
                        .replace('_', "")
                        .parse()
                        .expect("LINKAUDIT_BENCH_SIZES: numbers")
                })
                .collect()
        })
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let dump = std::env::var("LINKAUDIT_BENCH_DUMP").ok();
    if let (Some(dir), Some(_)) = (&dump, std::env::var_os("LINKAUDIT_BENCH_DUMP_ONLY")) {
        std::fs::create_dir_all(dir).expect("create dump dir");
        for &size in &sizes {
            for shape in [Shape::Layered, Shape::Deep] {
                let path = format!("{dir}/{}", shape.file(size));
                std::fs::write(&path, generate(size, shape).json).expect("write dump");
                eprintln!("[{size}] wrote {path}");
            }
        }
        return;
    }
    let only = std::env::var("LINKAUDIT_BENCH_ONLY").ok();
    let runs = |section: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|s| s.trim() == section))
    };
    let started = Instant::now();
    if runs("tables") {
        let results: Vec<SizeResult> = sizes
            .iter()
            .map(|&size| run_size(size, dump.as_deref()))
            .collect();
        print_tables(&results);
    }
    if runs("parse") {
        against_the_parse(&sizes);
    }
    // check --format json computes a smallest cut per finding (a max-flow each where no choke
    // point gives it): at 100k synthetic packages that is minutes, so diff stops at 30k.
    let diff_sizes: Vec<usize> = sizes.iter().copied().filter(|&n| n <= 30_000).collect();
    if runs("diff") {
        diff_against_check(&diff_sizes);
    }
    if runs("native") {
        native_against_go_mod_why();
    }
    println!(
        "total bench time {:.1} s ({} logical CPUs)",
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
