//! Helpers shared by the integration tests: running the `audit` binary, finding fixtures,
//! deciding whether live tests that need `go` may skip (never in CI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository root.
pub fn repo_path(relative: &str) -> PathBuf {
    root().join(relative)
}

/// Every recorded `go list` stream under `fixtures/go/*/recorded/*.json`, sorted.
pub fn recorded_streams() -> Vec<PathBuf> {
    let mut streams = Vec::new();
    for fixture in std::fs::read_dir(repo_path("fixtures/go")).expect("fixtures/go") {
        let recorded = fixture.expect("entry").path().join("recorded");
        let Ok(entries) = std::fs::read_dir(&recorded) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|ext| ext == "json") {
                streams.push(path);
            }
        }
    }
    streams.sort();
    assert!(
        streams.len() >= 10,
        "expected the recorded fixtures, found {streams:?}"
    );
    streams
}

/// Result of running `audit`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A command for the `audit` binary, run from the repository root.
pub fn audit_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audit"));
    command.args(args).current_dir(root());
    command
}

/// Runs `audit` from the repository root.
pub fn audit(args: &[&str]) -> Run {
    audit_command(args).output().expect("run audit").into()
}

/// Whether `go` can be run. Outside CI a missing `go` skips live tests (with a message); in
/// CI (`CI=true`) it fails them, so live tests can never silently skip there.
pub fn go_available() -> bool {
    let ok = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("`go` is required for the live tests in CI (CI=true) but cannot be run");
        }
        #[expect(clippy::print_stderr, reason = "a skipped test says why")]
        {
            eprintln!("skipping live test: `go` is not installed (set CI=true to make this fail)");
        }
    }
    ok
}

/// Runs `go` with `GOWORK=off` in `dir`.
pub fn go(dir: &Path, args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOWORK", "off")
        .output()
        .expect("run go")
}

/// `go mod download` the module and copy its source to a writable directory.
pub fn fetch_module(module_version: &str, into: &Path) -> PathBuf {
    let out = Command::new("go")
        .args(["mod", "download", "-json", module_version])
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("go mod download");
    assert!(
        out.status.success(),
        "go mod download {module_version}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = info["Dir"].as_str().expect("Dir").to_owned();
    let name = module_version.replace(['/', '@'], "_");
    let target = into.join(name);
    let status = Command::new("cp")
        .args(["-R", &dir])
        .arg(&target)
        .status()
        .expect("cp");
    assert!(status.success());
    let status = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&target)
        .status()
        .expect("chmod");
    assert!(status.success());
    for extra in ["vendor", "go.work", "go.work.sum"] {
        let path = target.join(extra);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else if path.is_file() {
            std::fs::remove_file(&path).unwrap();
        }
    }
    target
}
