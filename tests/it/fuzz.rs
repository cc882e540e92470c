//! A bounded fuzzing harness for every reader, seeded with the real fixtures: the `go list`
//! stream, `go mod graph`, `cargo metadata`, ELF and Go build info, `audit.toml` and rule
//! TOML. Each mutation (bit flips, bytes set to extremes, deletions, duplications,
//! insertions, truncations, splices, and for JSON structural edits: keys removed, values of
//! the wrong type, ids swapped) must give an answer or an error — never a panic. The run is
//! deterministic (xorshift, fixed seed) and bounded: `FUZZ_ITERATIONS` per reader (default
//! 2000; CI runs the default). Stable Rust, no nightly: `cargo fuzz` would need
//! `-Zsanitizer`, which this toolchain does not have.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use linkaudit::load::{self, InputFormat, RootMode, cargo::CargoOptions};
use linkaudit::model::BuildConfig;
use serde_json::Value;

use crate::support::repo_path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn iterations() -> usize {
    std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// One byte-level mutation of `seed` (`other` for splices).
fn mutate_bytes(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if out.is_empty() {
            out.push(b'{');
        }
        let pos = rng.below(out.len());
        match rng.below(8) {
            0 => out[pos] ^= 1 << rng.below(8),
            1 => out[pos] = 0xff,
            2 => out[pos] = 0,
            3 => {
                let end = (pos + 1 + rng.below(64)).min(out.len());
                out.drain(pos..end);
            }
            4 => {
                let end = (pos + 1 + rng.below(64)).min(out.len());
                let piece = out[pos..end].to_vec();
                out.splice(pos..pos, piece);
            }
            5 => {
                let junk: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
                out.splice(pos..pos, junk);
            }
            6 => out.truncate(pos),
            _ => {
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let end = (from + 1 + rng.below(256)).min(other.len());
                    out.splice(pos..pos, other[from..end].iter().copied());
                }
            }
        }
    }
    out
}

/// One structural mutation of a JSON value.
fn mutate_json(rng: &mut Rng, value: &mut Value) {
    let replacements = [
        Value::Null,
        Value::from(-1),
        Value::from(u64::MAX),
        Value::from(""),
        Value::from("x".repeat(1000)),
        Value::Array(Vec::new()),
        serde_json::json!({}),
        Value::from(true),
    ];
    // Choose a path first (read-only), then edit at its end through a JSON pointer.
    let mut pointer = String::new();
    let mut at: &Value = value;
    for _ in 0..rng.below(5) {
        let step = match at {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned().unwrap();
                Some((key.replace('~', "~0").replace('/', "~1"), &map[&key]))
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                Some((i.to_string(), &items[i]))
            }
            _ => None,
        };
        match step {
            Some((segment, child)) => {
                pointer.push('/');
                pointer.push_str(&segment);
                at = child;
            }
            None => break,
        }
    }
    let choice = rng.below(2);
    let replacement = replacements[rng.below(replacements.len())].clone();
    let Some(node) = value.pointer_mut(&pointer) else {
        return;
    };
    match node {
        Value::Object(map) if !map.is_empty() && choice == 0 => {
            let key = map.keys().next().cloned().unwrap();
            map.remove(&key);
        }
        Value::Array(items) if !items.is_empty() && choice == 0 => {
            let copy = items[0].clone();
            items.push(copy);
        }
        other => *other = replacement,
    }
}

/// Runs `f` on each input and fails on the first panic, naming the input's number.
fn never_panics(reader: &str, inputs: impl Iterator<Item = Vec<u8>>, f: impl Fn(&[u8])) {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut panicked = None;
    for (i, input) in inputs.enumerate() {
        if catch_unwind(AssertUnwindSafe(|| f(&input))).is_err() {
            panicked = Some((i, input));
            break;
        }
    }
    std::panic::set_hook(hook);
    if let Some((i, input)) = panicked {
        let path = repo_path(&format!("target/fuzz-crash-{reader}-{i}"));
        let _ = std::fs::create_dir_all(path.parent().unwrap());
        let _ = std::fs::write(&path, &input);
        panic!(
            "{reader}: mutation {i} panicked; input saved to {}",
            path.display()
        );
    }
}

fn recording(bytes: &[u8], format: InputFormat) {
    let _ = load::parse_recording_with(
        bytes,
        "fuzz",
        format,
        &RootMode::Main,
        &CargoOptions::default(),
        BuildConfig::default(),
    );
}

fn seeds(paths: &[&str]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| std::fs::read(repo_path(p)).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect()
}

fn byte_and_json_inputs(seeds: Vec<Vec<u8>>, seed: u64) -> impl Iterator<Item = Vec<u8>> {
    let mut rng = Rng(seed);
    let n = iterations();
    (0..n).map(move |i| {
        let base = &seeds[i % seeds.len()];
        let other = &seeds[(i + 1) % seeds.len()];
        if i % 3 == 0 {
            // Structural: the first JSON value of the seed, edited.
            if let Some(Ok(mut value)) = serde_json::Deserializer::from_slice(base)
                .into_iter::<Value>()
                .next()
            {
                mutate_json(&mut rng, &mut value);
                let mut out = serde_json::to_vec(&value).unwrap();
                out.extend_from_slice(&base[base.len().min(out.len())..]);
                return out;
            }
        }
        mutate_bytes(&mut rng, base, other)
    })
}

#[test]
fn fuzz_go_list_reader() {
    let inputs = byte_and_json_inputs(
        seeds(&[
            "fixtures/go/pure/recorded/default.json",
            "fixtures/go/gopath/recorded/default.json",
            "fixtures/hostile/go-list.json",
            "fixtures/go/cgo-only/recorded/cgo-off.json",
        ]),
        0x9e37_79b9_7f4a_7c15,
    );
    never_panics("go-list", inputs, |b| recording(b, InputFormat::Auto));
}

#[test]
fn fuzz_go_mod_graph_reader() {
    let seeds = seeds(&[
        "fixtures/go/myagent/recorded/modgraph.txt",
        "fixtures/go/pure/recorded/modgraph.txt",
    ]);
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let n = iterations();
    let inputs = (0..n).map(move |i| {
        mutate_bytes(
            &mut rng,
            &seeds[i % seeds.len()],
            &seeds[(i + 1) % seeds.len()],
        )
    });
    never_panics("go-mod-graph", inputs, |b| {
        recording(b, InputFormat::GoModGraph)
    });
}

#[test]
fn fuzz_cargo_metadata_reader() {
    let inputs = byte_and_json_inputs(
        seeds(&[
            "fixtures/cargo/pure-rust/recorded/metadata.json",
            "fixtures/cargo/mixed-workspace/recorded/metadata.json",
        ]),
        0x0bad_cafe_f00d_d00d,
    );
    never_panics("cargo-metadata", inputs, |b| {
        recording(b, InputFormat::CargoMetadata)
    });
}

#[test]
fn fuzz_elf_and_build_info_readers() {
    let real = std::fs::read(env!("CARGO_BIN_EXE_audit")).unwrap();
    let head = real[..real.len().min(1 << 16)].to_vec();
    let mut rng = Rng(0xdead_beef_0123_4567);
    let n = iterations();
    let inputs = (0..n).map(move |_| {
        let mut bytes = head.clone();
        for _ in 0..1 + rng.below(8) {
            // Mostly the headers: that is where the offsets and counts are.
            let pos = rng.below(256.min(bytes.len()));
            bytes[pos] = match rng.below(3) {
                0 => bytes[pos] ^ (1 << rng.below(8)),
                1 => 0xff,
                _ => 0,
            };
        }
        let cut = bytes.len() - rng.below(bytes.len() / 2);
        bytes.truncate(cut);
        bytes
    });
    let catalog = linkaudit::rules::Catalog::builtin().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("elf");
    never_panics("elf", inputs, |b| {
        if let Ok(facts) = linkaudit::binary::elf::parse(b) {
            let _ = linkaudit::binary::buildinfo::read(b, &facts);
        }
        std::fs::write(&path, b).unwrap();
        let _ = linkaudit::analyze::binary::inspect(&path, &catalog);
    });
}

#[test]
fn fuzz_audit_toml_and_rule_readers() {
    let config = b"fail-on = \"warning\"\nrules = [\"r\"]\n[[build]]\ngoos = [\"linux\"]\ncgo = [\"on\", \"off\"]\ntags = [[\"netgo\"]]\nldflags = \"-s\"\n[[allow]]\nrule = \"go-net-cgo-resolver\"\npackage = \"net\"\nreason = \"x\"\nuntil = \"2027-06-30\"\n".to_vec();
    let rules = seeds(&[
        "queries/go/go-net-cgo-resolver.toml",
        "queries/go/go-containerd-dynamic-plugins-before-1-7-25.toml",
        "queries/rust/rust-curl-sys-system.toml",
        "queries/go/fingerprints/go-sqlite3.toml",
    ]);
    let mut rng = Rng(0x5555_aaaa_3333_cccc);
    let n = iterations();
    let mut all = rules.clone();
    all.push(config.clone());
    let inputs =
        (0..n).map(move |i| mutate_bytes(&mut rng, &all[i % all.len()], &all[(i + 3) % all.len()]));
    never_panics("toml", inputs, |b| {
        let text = String::from_utf8_lossy(b);
        let _ = linkaudit::config::AuditConfig::parse(&text, Path::new("fuzz.toml"));
        if let Ok(rule) = linkaudit::rules::parse_rule(&text, "fuzz.toml") {
            let _ = linkaudit::rules::lint::check_rule(&rule);
        }
        let _ = linkaudit::rules::parse_fingerprint(&text, "fuzz.toml");
    });
}
