//! The only place that starts processes (`go`, `cargo`, `cc`, Graphviz's `dot`). Callers get
//! the child's stdout as a stream, and errors that name the command and show its stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

/// A command to run: program, arguments, working directory and extra environment.
#[derive(Clone, Debug, Default)]
pub struct CommandSpec {
    /// Program name, looked up on `PATH`.
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory; the current one when `None`.
    pub dir: Option<PathBuf>,
    /// Environment variables set (or overridden) for the child.
    pub env: Vec<(String, String)>,
    /// What to tell the user when the program is not installed.
    pub install_hint: String,
}

impl CommandSpec {
    /// The command line as a user would type it, for error messages.
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = self
            .env
            .iter()
            .map(|(key, value)| format!("{key}={}", shell_quote(value)))
            .collect();
        parts.push(self.program.clone());
        parts.extend(self.args.iter().map(|arg| shell_quote(arg)));
        parts.join(" ")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }
}

fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+%".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn spawn_error(spec: &CommandSpec, err: std::io::Error) -> anyhow::Error {
    if err.kind() == std::io::ErrorKind::NotFound {
        anyhow!(
            "`{}` was not found on PATH: {}",
            spec.program,
            spec.install_hint
        )
    } else {
        anyhow!("cannot run `{}`: {err}", spec.display())
    }
}

fn stderr_summary(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        "(no output on stderr)".to_owned()
    } else {
        lines.join("; ")
    }
}

/// The progress line of a running child, cleared when dropped.
struct Progress;

impl Progress {
    fn show(spec: &CommandSpec) -> Progress {
        let mut words = vec![spec.program.clone()];
        words.extend(spec.args.iter().take(3).cloned());
        crate::progress::working(&format!("running {}", words.join(" ")));
        Progress
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        crate::progress::done();
    }
}

/// Runs the command and returns its stdout; fails with its stderr when it exits non-zero.
pub fn capture(spec: &CommandSpec) -> Result<Vec<u8>> {
    let _progress = Progress::show(spec);
    let output = spec
        .command()
        .stdin(Stdio::null())
        .output()
        .map_err(|err| spawn_error(spec, err))?;
    if !output.status.success() {
        bail!(
            "`{}` failed ({}): {}",
            spec.display(),
            output.status,
            stderr_summary(&output.stderr)
        );
    }
    Ok(output.stdout)
}

/// Runs the command and hands its stdout, as a stream, to `consume`. Stderr is collected on a
/// thread so neither pipe can fill up. A non-zero exit status wins over whatever `consume`
/// said, since a parse error on a dying child's output is only a symptom.
pub fn stream<T>(
    spec: &CommandSpec,
    consume: impl FnOnce(&mut dyn BufRead) -> Result<T>,
) -> Result<T> {
    let _progress = Progress::show(spec);
    let mut child = spec
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| spawn_error(spec, err))?;
    let mut stderr = child.stderr.take().context("child stderr")?;
    let stderr_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let stdout = child.stdout.take().context("child stdout")?;
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let result = consume(&mut reader);
    // Drain what the parser did not read, so the child never blocks on a full pipe.
    let _ = std::io::copy(&mut reader, &mut std::io::sink());
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{}`", spec.display()))?;
    let stderr = stderr_thread.join().unwrap_or_default();
    if !status.success() {
        bail!(
            "`{}` failed ({status}): {}",
            spec.display(),
            stderr_summary(&stderr)
        );
    }
    result
}

/// What a finished command printed, and whether it succeeded.
#[derive(Clone, Debug)]
pub struct Finished {
    /// Exit status was 0.
    pub success: bool,
    /// The status, for messages.
    pub status: String,
    /// Stdout.
    pub stdout: Vec<u8>,
    /// Stderr.
    pub stderr: Vec<u8>,
}

/// Runs the command to completion and returns its output whatever its exit status (for
/// builds, whose failure is a result to report, not an error of ours).
pub fn run(spec: &CommandSpec) -> Result<Finished> {
    let _progress = Progress::show(spec);
    let output = spec
        .command()
        .stdin(Stdio::null())
        .output()
        .map_err(|err| spawn_error(spec, err))?;
    Ok(Finished {
        success: output.status.success(),
        status: output.status.to_string(),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

/// The program is not installed (not found on `PATH`): callers that have a fallback look for
/// this error with `downcast_ref`.
#[derive(Clone, Debug)]
pub struct NotInstalled {
    /// The program.
    pub program: String,
    /// What to tell the user.
    pub install_hint: String,
}

impl std::fmt::Display for NotInstalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` was not found on PATH: {}",
            self.program, self.install_hint
        )
    }
}

impl std::error::Error for NotInstalled {}

/// Runs the command with `input` on its stdin and returns its stdout; fails with its stderr
/// when it exits non-zero, and with [`NotInstalled`] when the program is not on `PATH`. Stdin
/// is written on a thread, so a child that answers before reading everything cannot deadlock.
pub fn pipe(spec: &CommandSpec, input: &[u8]) -> Result<Vec<u8>> {
    let mut child = spec
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                anyhow::Error::new(NotInstalled {
                    program: spec.program.clone(),
                    install_hint: spec.install_hint.clone(),
                })
            } else {
                spawn_error(spec, err)
            }
        })?;
    let mut stdin = child.stdin.take().context("child stdin")?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that exits early closes the pipe; its exit status tells what went wrong.
        let _ = stdin.write_all(&input);
    });
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for `{}`", spec.display()))?;
    let _ = writer.join();
    if !output.status.success() {
        bail!(
            "`{}` failed ({}): {}",
            spec.display(),
            output.status,
            stderr_summary(&output.stderr)
        );
    }
    Ok(output.stdout)
}
