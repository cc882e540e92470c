//! Answers that must not change with size or with the number of threads: chain counts past
//! `u64` are exact in every format, `check` gives byte-identical output on 1 and 4 threads,
//! and a stream of many blocks gives the same bytes read from a file (each worker reading its
//! own blocks) as from a pipe (one reading thread).
//!
//! The big graphs are real recordings with a ladder of diamonds inserted under the main
//! package (each diamond doubles the number of chains), so every count is the recording's own
//! count times a power of two that the test computes independently.

use std::path::{Path, PathBuf};

use num_bigint::BigUint;
use serde_json::Value;

use crate::support::{audit_command, recorded_streams, repo_path};

fn parse_stream(path: &Path) -> Vec<Value> {
    let text = std::fs::read(path).expect("read recording");
    serde_json::Deserializer::from_slice(&text)
        .into_iter::<Value>()
        .map(|v| v.expect("recording parses"))
        .collect()
}

/// `recording` with `diamonds` diamonds between its one main package and that package's
/// imports: main -> j0 -> {a0, b0} -> j1 -> ... -> j<diamonds> -> (main's old imports).
fn with_ladder(recording: &Path, diamonds: usize, out: &Path) {
    let mut objects = parse_stream(recording);
    let main_at = objects
        .iter()
        .position(|o| o["Name"] == "main")
        .expect("a main package");
    let module = objects[main_at]["Module"].clone();
    let old_imports = objects[main_at]["Imports"].clone();
    let path = |name: String| format!("example.com/ladder/{name}");
    let package = |id: String, imports: Vec<String>| {
        let mut o = serde_json::json!({
            "ImportPath": id,
            "Name": "ladder",
            "GoFiles": ["ladder.go"],
            "Imports": imports,
        });
        if !module.is_null() {
            o["Module"] = module.clone();
        }
        o
    };
    let mut ladder = Vec::new();
    let last = path(format!("j{diamonds}"));
    let mut bottom = package(last.clone(), Vec::new());
    bottom["Imports"] = old_imports;
    ladder.push(bottom);
    for d in (0..diamonds).rev() {
        let next = path(format!("j{}", d + 1));
        ladder.push(package(path(format!("a{d}")), vec![next.clone()]));
        ladder.push(package(path(format!("b{d}")), vec![next]));
        ladder.push(package(
            path(format!("j{d}")),
            vec![path(format!("a{d}")), path(format!("b{d}"))],
        ));
    }
    let ids: Vec<Value> = ladder.iter().map(|o| o["ImportPath"].clone()).collect();
    objects[main_at]["Imports"] = Value::Array(vec![Value::String(path("j0".into()))]);
    if let Some(deps) = objects[main_at]["Deps"].as_array_mut() {
        deps.extend(ids);
    }
    let mut text = Vec::new();
    for o in objects[..main_at]
        .iter()
        .chain(&ladder)
        .chain(&objects[main_at..])
    {
        serde_json::to_writer_pretty(&mut text, o).expect("serialize");
        text.push(b'\n');
    }
    std::fs::write(out, text).expect("write ladder recording");
}

fn run(args: &[&str], threads: &str) -> (i32, Vec<u8>) {
    let output = audit_command(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("run audit");
    assert!(
        output.status.code() != Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), output.stdout)
}

/// The digits of `"key": <number>` in a JSON text (a double would lose them).
fn raw_numbers(json: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\": ");
    json.match_indices(&needle)
        .map(|(at, _)| {
            json[at + needle.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        })
        .collect()
}

#[test]
fn counts_past_u64_are_exact_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = repo_path("fixtures/go/myagent/recorded/default.json");
    let base = recording.to_str().expect("utf-8 path");
    let (_, json) = run(&["why", "plugin", "--input", base, "--format", "json"], "1");
    let json: Value = serde_json::from_slice(&json).expect("why JSON");
    let base_count: BigUint = json["why"][0]["chain_count_text"]
        .as_str()
        .expect("chain_count_text")
        .parse()
        .expect("digits");
    assert!(base_count > BigUint::ZERO);

    // 1100 diamonds: past 308 digits, where `chain_count` is null and only the text has them.
    for diamonds in [100usize, 1000, 1100] {
        let ladder = dir.path().join(format!("ladder-{diamonds}.json"));
        with_ladder(&recording, diamonds, &ladder);
        let input = ladder.to_str().expect("utf-8 path");
        let expected = (&base_count << diamonds).to_string();
        if diamonds == 100 && base_count == BigUint::from(1u8) {
            assert_eq!(expected, "1267650600228229401496703205376");
        }

        let (_, text) = run(&["why", "plugin", "--input", input], "1");
        let text = String::from_utf8(text).expect("utf-8");
        assert!(
            text.contains(&format!("# {expected} chains from 1 root")),
            "{text}"
        );

        let (_, json) = run(
            &["why", "plugin", "--input", input, "--format", "json"],
            "1",
        );
        let json = String::from_utf8(json).expect("utf-8");
        // As a number while every common parser can read it, else null.
        let as_number = |digits: &str| {
            if digits.len() <= 308 {
                digits.to_owned()
            } else {
                String::new()
            }
        };
        assert_eq!(
            raw_numbers(&json, "chain_count"),
            vec![as_number(&expected)]
        );
        let parsed: Value = serde_json::from_str(&json).expect("why JSON parses with serde_json");
        assert_eq!(parsed["why"][0]["chain_count_text"], expected.as_str());
        if expected.len() > 308 {
            assert!(parsed["why"][0]["chain_count"].is_null());
        }

        let (status, check) = run(&["check", "--input", input, "--format", "json"], "1");
        assert_eq!(status, 1, "findings exit 1");
        let check = String::from_utf8(check).expect("utf-8");
        let parsed: Value = serde_json::from_str(&check).expect("check JSON");
        let findings = parsed["findings"].as_array().expect("findings");
        assert!(!findings.is_empty());
        let raw = raw_numbers(&check, "chain_count");
        assert_eq!(raw.len(), findings.len());
        let mut texts = Vec::new();
        for (finding, number) in findings.iter().zip(&raw) {
            // Every finding's chains all pass the ladder: its count is a multiple of 2^n.
            let digits = finding["chain_count_text"]
                .as_str()
                .expect("chain_count_text");
            assert_eq!(*number, as_number(digits));
            let count: BigUint = digits.parse().expect("digits");
            assert!(count >= BigUint::from(1u8) << diamonds, "{finding}");
            assert!(count.trailing_zeros().unwrap_or(0) >= diamonds as u64);
            texts.push(digits.to_owned());
        }
        let (_, check_text) = run(&["check", "--input", input], "1");
        let check_text = String::from_utf8(check_text).expect("utf-8");
        assert!(
            check_text.contains(&format!("chains: {}", raw[0])),
            "{check_text}"
        );
    }
}

fn streams_with_a_ladder(dir: &Path) -> Vec<PathBuf> {
    let mut streams = recorded_streams();
    let ladder = dir.join("ladder.json");
    with_ladder(
        &repo_path("fixtures/go/myagent-more/recorded/default.json"),
        80,
        &ladder,
    );
    streams.push(ladder);
    streams
}

/// `check` runs each finding's search on every core; whatever the thread count, the bytes
/// are the same, in text and in JSON (which also computes every cut).
#[test]
fn check_output_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut compared = 0;
    for stream in streams_with_a_ladder(dir.path()) {
        let input = stream.to_str().expect("utf-8 path");
        for format in ["text", "json"] {
            let args = ["check", "--input", input, "--format", format];
            let one = run(&args, "1");
            let four = run(&args, "4");
            assert_eq!(one.0, four.0, "exit status of {args:?}");
            assert!(
                one.1 == four.1,
                "{args:?}: 1 and 4 threads differ:\n{}\n---\n{}",
                String::from_utf8_lossy(&one.1),
                String::from_utf8_lossy(&four.1)
            );
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} outputs compared");
}

/// A stream of several blocks (the loader reads 1 MiB at a time): from a file the workers read
/// their blocks at their offsets; from standard input one thread reads them in turn. Both give
/// the same bytes, on 1 and on 4 threads.
#[test]
fn a_file_and_a_pipe_give_the_same_answers() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let ladder = dir.path().join("ladder.json");
    with_ladder(
        &repo_path("fixtures/go/myagent-more/recorded/default.json"),
        4000,
        &ladder,
    );
    let size = std::fs::metadata(&ladder).expect("ladder").len();
    assert!(size > 2 << 20, "{size} bytes: not several blocks");
    let bytes = std::fs::read(&ladder).expect("ladder");
    let file = ladder.to_str().expect("utf-8 path");
    let commands: [&[&str]; 3] = [
        &["why", "plugin", "net"],
        &["why", "runtime/cgo", "--modules", "--format", "json"],
        &["check", "--format", "json"],
    ];
    for words in commands {
        for threads in ["1", "4"] {
            let (run_status, from_file) = run(&[words, &["--input", file]].concat(), threads);
            let mut child = audit_command(&[words, &["--input", "-"]].concat())
                .env("RAYON_NUM_THREADS", threads)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run audit");
            let mut stdin = child.stdin.take().expect("stdin");
            let input = bytes.clone();
            let feeder = std::thread::spawn(move || stdin.write_all(&input));
            let piped = child.wait_with_output().expect("audit output");
            feeder.join().expect("feeder").expect("write stdin");
            // The input is named where the configuration is: `-` for the pipe.
            let from_file = String::from_utf8(from_file)
                .expect("UTF-8")
                .replace(file, "-");
            let piped_text = String::from_utf8(piped.stdout).expect("UTF-8");
            assert!(
                piped.status.code() == Some(run_status) && from_file == piped_text,
                "{words:?} on {threads} thread(s): file and pipe differ"
            );
            assert!(from_file.contains("plugin") || from_file.contains("runtime/cgo"));
        }
    }
}
