//! The `audit` binary: parse arguments, run, map the outcome to an exit status. Everything else
//! lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use linkaudit::{ExitStatus, cli::Cli};

/// mimalloc: loading a large module allocates millions of small strings (directory facts
/// decoded from the cache, package fields), where it is about 10% faster end to end than
/// glibc's allocator (kubernetes `why`, warm, 20 alternating runs: 94 ms against 107 ms).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mimalloc.h`'s `mi_option_e` (v2 and v3; `libmimalloc-sys`
/// names the options around it but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory stays with the process: by default mimalloc hands it back to the kernel
/// (`madvise`) after a delay, and a command that runs for a fraction of a second then faults
/// the same pages in again. A 12-configuration matrix `check` on kubernetes purged 50–56 MB
/// that way (`MIMALLOC_SHOW_STATS`); never purging made it 4–10% faster in four of five
/// comparisons of 15–25 alternating runs (152 → 143, 171 → 154, 157 → 150 ms) and 4% slower in
/// one (this VM's noise is of that size); a single `why` is unchanged. An explicit
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one option of the allocator, which may be called at any time; the
        // value -1 (never purge) is one the option documents.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    keep_freed_memory();
    let mut cli = Cli::parse_from(linkaudit::cli::go_spellings(std::env::args_os().collect()));
    cli.normalize();
    linkaudit::progress::set_quiet(cli.quiet);
    let stdout = std::io::stdout();
    let mut stdout = std::io::BufWriter::new(stdout.lock());
    // Not locked for the whole run: the progress line's ticker thread writes to stderr too.
    let mut stderr = std::io::stderr();
    let status = match linkaudit::run(&cli, &mut stdout, &mut stderr) {
        Ok(status) => status,
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => {
            let message = format!("{err:#}").replace('\n', "; ");
            let _ = writeln!(stderr, "audit: error: {message}");
            ExitStatus::Error
        }
    };
    if let Err(err) = stdout.flush()
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(stderr, "audit: error: cannot write output: {err}");
        return ExitCode::from(ExitStatus::Error.code());
    }
    ExitCode::from(status.code())
}
