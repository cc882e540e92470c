//! A sign of life for long work (builds, live loads, `fix`'s repeated loads): one updating
//! line on stderr — a spinner, what runs, for how long — when stderr is a terminal and
//! `--quiet` was not given; nothing at all otherwise, so piped and CI output never carries it.
//! `exec` reports each child it waits for; the line is cleared when the child ends.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// `--quiet`: never show progress.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn enabled() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// Shows `message` until [`done`] (replacing any earlier message).
pub fn working(message: &str) {
    if !enabled() {
        return;
    }
    let Ok(mut current) = CURRENT.lock() else {
        return;
    };
    let bar = current.get_or_insert_with(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let shown: String = message.chars().take(160).collect();
    bar.set_message(crate::report::escape::text_line(&shown).into_owned());
}

/// Clears the line.
pub fn done() {
    if let Ok(mut current) = CURRENT.lock()
        && let Some(bar) = current.take()
    {
        bar.finish_and_clear();
    }
}
