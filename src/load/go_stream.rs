//! The `go list -json` stream read in blocks that end between two packages, and the blocks
//! parsed on every core, each straight into the nodes of the graph.
//!
//! From a pipe (a live `go list`, standard input), the reader (the calling thread) reads
//! the input in blocks of [`BLOCK`] bytes and cuts each one after the last `}` that is
//! followed by blanks holding a newline and then `{`: in JSON that is always the end of one
//! top-level value and the start of the next (a raw newline cannot be inside a string, and
//! `} {` is valid only between top-level values), so each block holds whole packages and
//! can be parsed on its own. What follows the cut starts the next block; a package longer than a
//! block waits for more input (searched again only once the bytes held have doubled:
//! linear, however long).
//!
//! A regular file is read by the workers, each block at its offset ([`parse_file`]), and
//! the calling thread is one of them: between two blocks of its own it merges what the
//! others parsed, so there are only as many threads as cores. Block `k` runs from the first
//! boundary at or after `k` times the block size to the first one at or after the next
//! block's start, so each worker finds its cuts alone, every byte lands in exactly one
//! block, and a package longer than a block leaves the blocks it covers empty. Reading and
//! the page faults of fresh buffers then run on every core, where one reading thread, which
//! had to share the cores with the workers, held both of them back at the start of a small
//! input.
//!
//! Workers (one per core) parse blocks in any order. A block's packages go into one
//! [`crate::model::Arena`] (every id, name, directory and file name of the block: no
//! allocation per string), its packages' `Module`s are shared (one `ModuleInfo` per distinct
//! module of the block), and its imports are numbered by distinct import path. The merger
//! takes the blocks back in input order and adds them to the graph, resolving each distinct
//! import of a block once.
//!
//! Errors keep the line and column of the whole input: a worker counts its block's
//! newlines, and the merger, which sees the blocks in order, relocates serde's position in
//! a block to the input's.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use anyhow::Result;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::go_list::{GoModule, GoPackageError, Text, ld_libs, module_info, one_line};
use crate::model::{
    Arena, ArenaBuilder, ArenaFull, IdHasher, ListSpan, ModuleInfo, Names, Node, NodeFacts,
    NodeRef, Span, Str,
};

/// Bytes per block read and handed to a worker.
pub const BLOCK: usize = 1 << 20;

/// One block's packages, parsed and converted.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Chunk {
    /// The packages, in input order.
    pub nodes: Vec<NodeRef>,
    /// What the merger needs beside each node.
    pub extras: Vec<Extra>,
    /// The distinct import paths of the block (`"C"` as written), numbered by first use.
    pub import_names: Names,
    /// Every package's imports, as numbers into `import_names`, one run per package.
    pub imports: Vec<u32>,
    /// Why the block stopped before its end, if it did (after `nodes`).
    pub failure: Option<Failure>,
    /// The hash of each node's id and of each import path, by the graph's [`IdHasher`]
    /// (hashed here, on the worker, not by the merger).
    pub id_hashes: Vec<u64>,
    pub import_hashes: Vec<u64>,
    /// For each import path, the package of this block it names (its position + 1), 0 when
    /// none does: those need no lookup in the graph's id table.
    pub import_local: Vec<u32>,
    /// Each node's [`NodeFacts`] (read here, while the node is in this core's cache).
    pub facts: Vec<NodeFacts>,
}

/// What a package brings besides its node.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Extra {
    /// Its run of [`Chunk::imports`].
    pub imports: (u32, u32),
    /// The patterns that matched it (`Match`).
    pub matches: Vec<String>,
    /// Its `DepsErrors`, one line each.
    pub deps_errors: Vec<String>,
    /// No name and no Go files: with an error, `go list -e`'s stand-in for a pattern that
    /// names nothing.
    pub empty: bool,
}

impl Extra {
    /// `empty` is set when the package is added ([`ChunkBuilder::push_package`]).
    pub(super) fn new(imports: (u32, u32), matches: Vec<String>, deps_errors: Vec<String>) -> Self {
        Extra {
            imports,
            matches,
            deps_errors,
            empty: false,
        }
    }
}

/// Why a block stopped before its end.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// Not JSON, or not a package object: what, and serde's message with the position in
    /// the whole input.
    Json(&'static str, String),
    /// An object without `ImportPath`.
    NoImportPath,
}

/// A block as the reading thread hands it to a worker.
struct Block {
    seq: usize,
    bytes: Vec<u8>,
    /// The input ends with it.
    last: bool,
}

impl Block {
    fn piece(&self) -> Piece<'_> {
        Piece {
            seq: self.seq,
            bytes: &self.bytes,
            last: self.last,
        }
    }
}

/// A block as a worker parses it: its number, its bytes (a [`Block`]'s, or a part of the
/// buffer a worker read it into), and whether the input ends with it.
#[derive(Clone, Copy)]
struct Piece<'a> {
    seq: usize,
    bytes: &'a [u8],
    last: bool,
}

/// A parsed block and what the merger needs to place its errors in the whole input.
struct Parsed {
    seq: usize,
    chunk: Chunk,
    /// Serde's error in the block: (what, message without position, line, column).
    error: Option<(&'static str, String, usize, usize)>,
    /// Newlines in the block, and bytes after its last one (its length when it has none).
    newlines: usize,
    tail: usize,
}

/// Reads `reader` to its end and hands the packages to `add`, block by block in input
/// order; stops at the first error `add` returns or the first block that fails (after
/// handing over the packages before the failure).
pub(super) fn parse(
    reader: impl Read,
    source: &str,
    hasher: &IdHasher,
    add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
) -> Result<()> {
    parse_with(reader, source, hasher, worker_count(), add)
}

/// One worker per core, at most eight. Asked once per process: the standard library reads
/// the cgroup's CPU quota from files each time, which took 60-70 µs of every load here.
pub(super) fn worker_count() -> usize {
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
}

/// [`parse`] with `workers` worker threads.
fn parse_with(
    reader: impl Read,
    source: &str,
    hasher: &IdHasher,
    workers: usize,
    add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
) -> Result<()> {
    let cannot_read = |err| cannot_read(source, err);
    let mut reader = reader;
    let mut first = Vec::new();
    let eof = fill(&mut reader, &mut first, BLOCK).map_err(cannot_read)?;
    if eof {
        // Small inputs (most fixtures, most live loads of small modules): no threads.
        let mut place = Placement::default();
        let parsed = parse_block(
            Piece {
                seq: 0,
                bytes: &first,
                last: true,
            },
            hasher,
        );
        return place.deliver(parsed, add);
    }
    let stop = AtomicBool::new(false);
    let (block_tx, block_rx) = mpsc::sync_channel::<Block>(2 * workers);
    let block_rx = Mutex::new(block_rx);
    let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Parsed>(2 * workers);
    let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(4 * workers);
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let (block_rx, parsed_tx, free_tx, stop) =
                (&block_rx, parsed_tx.clone(), free_tx.clone(), &stop);
            let worker = std::thread::Builder::new().name("go-list-parse".into());
            worker.spawn_scoped(scope, move || {
                loop {
                    let block = match block_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(block) = block else { return };
                    // Once the merger has stopped, blocks are taken and dropped (the reader
                    // must not wait on a full channel).
                    if stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    let parsed = parse_block(block.piece(), hasher);
                    let _ = free_tx.try_send(block.bytes);
                    if parsed_tx.send(parsed).is_err() {
                        return;
                    }
                }
            })?;
        }
        drop((parsed_tx, free_tx));
        let merger = std::thread::Builder::new()
            .name("go-list-merge".into())
            .spawn_scoped(scope, || merge_in_order(parsed_rx, &stop, add))?;
        let read = cut_blocks(
            reader,
            first,
            &stop,
            || free_rx.try_recv().ok(),
            |block| block_tx.send(block).is_ok(),
        )
        .map_err(cannot_read);
        drop(block_tx);
        let merged = merger
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        merged?;
        read
    })
}

/// Hands the parsed blocks to `add` in input order, whatever order they come in; after the
/// first error, sets `stop` and drops the rest.
fn merge_in_order(
    parsed_rx: mpsc::Receiver<Parsed>,
    stop: &AtomicBool,
    add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
) -> Result<()> {
    let mut merge = InOrder::default();
    for parsed in parsed_rx {
        merge.take(parsed, stop, add);
    }
    merge.result
}

/// Parsed blocks put back in input order: each is handed to `add` once those before it
/// have been; after the first error, `stop` is set and the rest are dropped.
struct InOrder {
    place: Placement,
    waiting: std::collections::BTreeMap<usize, Parsed>,
    next: usize,
    result: Result<()>,
}

impl Default for InOrder {
    fn default() -> Self {
        InOrder {
            place: Placement::default(),
            waiting: Default::default(),
            next: 0,
            result: Ok(()),
        }
    }
}

impl InOrder {
    fn take(
        &mut self,
        parsed: Parsed,
        stop: &AtomicBool,
        add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
    ) {
        if self.result.is_err() {
            return;
        }
        self.waiting.insert(parsed.seq, parsed);
        while let Some(parsed) = self.waiting.remove(&self.next) {
            self.next += 1;
            if let Err(err) = self.place.deliver(parsed, add) {
                stop.store(true, Ordering::Relaxed);
                self.result = Err(err);
                self.waiting.clear();
                return;
            }
        }
    }
}

/// Reads the `go list` stream in `file` from byte `start` to its end in `blocks` (their
/// size in bytes, and the workers that read them), each worker reading and parsing its own
/// (see the module's header), and hands the packages to `add` as [`parse`] does.
#[cfg(unix)]
pub(super) fn parse_file(
    file: &std::fs::File,
    start: u64,
    (block, workers): (usize, usize),
    source: &str,
    hasher: &IdHasher,
    add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let cannot_read = |err| cannot_read(source, err);
    let end = file.metadata().map_err(cannot_read)?.len();
    let size = end.saturating_sub(start);
    if workers < 2 || size <= block as u64 {
        // One block, or one core: the reading path (one block parsed in place).
        let mut reader = file;
        reader.seek(SeekFrom::Start(start)).map_err(cannot_read)?;
        return parse_with(reader, source, hasher, workers, add);
    }
    let span = FileSpan {
        file,
        start,
        size,
        block,
    };
    let n_blocks = size.div_ceil(block as u64) as usize;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The first read error, by block: the blocks before it are still delivered.
    let failed: Mutex<Option<(usize, std::io::Error)>> = Mutex::new(None);
    // Takes the next block, reads it into `buf` and parses it; `None` when no block is
    // left, or after the first error (a read error is kept in `failed`).
    let work = |buf: &mut Vec<u8>| -> Option<Parsed> {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let seq = next.fetch_add(1, Ordering::Relaxed);
        if seq >= n_blocks {
            return None;
        }
        match span.read_block(seq, buf) {
            Ok((range, last)) => {
                let piece = Piece {
                    seq,
                    bytes: &buf[range],
                    last,
                };
                Some(parse_block(piece, hasher))
            }
            Err(err) => {
                let mut failed = failed.lock().unwrap_or_else(|e| e.into_inner());
                if failed.as_ref().is_none_or(|(at, _)| seq < *at) {
                    *failed = Some((seq, err));
                }
                stop.store(true, Ordering::Relaxed);
                None
            }
        }
    };
    let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Parsed>(2 * workers);
    let merged = std::thread::scope(|scope| -> Result<()> {
        // This thread is a worker too: it merges, in input order, what the others parsed
        // between two blocks of its own, so that there are only as many threads as workers.
        for _ in 1..workers {
            let (parsed_tx, work) = (parsed_tx.clone(), &work);
            let worker = std::thread::Builder::new().name("go-list-parse".into());
            worker.spawn_scoped(scope, move || {
                let mut buf = Vec::new();
                while let Some(parsed) = work(&mut buf) {
                    if parsed_tx.send(parsed).is_err() {
                        return;
                    }
                }
            })?;
        }
        drop(parsed_tx);
        let mut merge = InOrder::default();
        let mut buf = Vec::new();
        loop {
            while let Ok(parsed) = parsed_rx.try_recv() {
                merge.take(parsed, &stop, add);
            }
            match work(&mut buf) {
                Some(parsed) => merge.take(parsed, &stop, add),
                None => break,
            }
        }
        drop(buf);
        // The other workers' last blocks; the receiver ends when they are done.
        for parsed in parsed_rx {
            merge.take(parsed, &stop, add);
        }
        merge.result
    });
    merged?;
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some((_, err)) => Err(cannot_read(err)),
        None => Ok(()),
    }
}

#[cfg(unix)]
/// Bytes read past a block's nominal end at first, where its last package most often
/// ends (a `go list` package is a few kB); more are read while no boundary is found.
const SLACK: usize = 16 << 10;

/// A stream in a file: `size` bytes from `start`, in blocks of `block` bytes.
#[cfg(unix)]
struct FileSpan<'f> {
    file: &'f std::fs::File,
    start: u64,
    size: u64,
    block: usize,
}

#[cfg(unix)]
impl FileSpan<'_> {
    /// Reads block `seq` into `buf`: where it lies in `buf`, and whether the input ends
    /// with it. It runs from the first boundary at or after `seq * block` (the input's
    /// start for the first block) to the first boundary at or after the next block's
    /// start (the input's end when there is none). It is empty when no boundary falls
    /// within its own `block` bytes: the block before it runs past them.
    fn read_block(
        &self,
        seq: usize,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<(std::ops::Range<usize>, bool)> {
        let lo = seq as u64 * self.block as u64;
        let hi = (lo + self.block as u64).min(self.size);
        // From one byte before the block: a boundary at its first byte follows a `}` there.
        let base = lo.saturating_sub(1);
        let mut filled = 0;
        self.read_more(base, buf, &mut filled, (hi - base) as usize + SLACK)?;
        let relative = |at: u64| (at - base) as usize;
        let first = if seq == 0 {
            0
        } else {
            match self.boundary(base, buf, &mut filled, relative(lo), relative(hi))? {
                Some(at) => at,
                None => return Ok((0..0, false)),
            }
        };
        let end = match hi < self.size {
            true => self.boundary(base, buf, &mut filled, relative(hi), usize::MAX)?,
            false => None,
        };
        let end = end.unwrap_or_else(|| relative(self.size));
        if end == relative(self.size) {
            // Read to the input's end (a search that found nothing already has).
            self.read_more(base, buf, &mut filled, end)?;
        }
        Ok((first..end, end == relative(self.size)))
    }

    /// The first boundary at or after `from` and before `limit` in the bytes from `base`,
    /// reading more of them into `buf` as the search needs; `None` when there is none.
    fn boundary(
        &self,
        base: u64,
        buf: &mut Vec<u8>,
        filled: &mut usize,
        from: usize,
        limit: usize,
    ) -> std::io::Result<Option<usize>> {
        let (mut at, mut step) = (from, SLACK);
        loop {
            let complete = base + *filled as u64 >= self.size;
            match first_boundary(&buf[..*filled], from, at, limit, complete) {
                Search::Found(p) => return Ok(Some(p)),
                Search::Absent => return Ok(None),
                Search::More(resume) => {
                    // Twice as much each time: linear in the bytes read, however long.
                    at = resume;
                    self.read_more(base, buf, filled, *filled + step)?;
                    step *= 2;
                }
            }
        }
    }

    /// Reads the bytes from `base` into `buf` until `want` of them are there or the input
    /// ends; `filled` counts those read. The buffer only grows (zeroed once, then reused).
    fn read_more(
        &self,
        base: u64,
        buf: &mut Vec<u8>,
        filled: &mut usize,
        want: usize,
    ) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let want = want.min((self.size - base) as usize);
        if want <= *filled {
            return Ok(());
        }
        if buf.len() < want {
            buf.resize(want, 0);
        }
        let offset = self.start + base + *filled as u64;
        self.file.read_exact_at(&mut buf[*filled..want], offset)?;
        *filled = want;
        Ok(())
    }
}

/// What a search for a boundary found.
#[cfg(unix)]
#[derive(Debug, PartialEq, Eq)]
enum Search {
    /// The boundary.
    Found(usize),
    /// None in range.
    Absent,
    /// The bytes end before it is known: search again from here with more of them.
    More(usize),
}

/// The first boundary `p` with `from <= p < limit` in `bytes` (`1 <= from`), searching
/// newlines from `at` (`from`, or where the last search stopped): a `}` at `p - 1`, then
/// blanks holding a newline, then `{`. `complete`: `bytes` runs to the input's end. Each
/// run of blanks is looked at once.
#[cfg(unix)]
fn first_boundary(
    bytes: &[u8],
    from: usize,
    mut at: usize,
    limit: usize,
    complete: bool,
) -> Search {
    while let Some(offset) = memchr::memchr(b'\n', &bytes[at.min(bytes.len())..]) {
        let (start, after) = blanks_around(bytes, at + offset);
        if start >= limit {
            return Search::Absent;
        }
        if after == bytes.len() {
            return match complete {
                true => Search::Absent,
                false => Search::More(at + offset),
            };
        }
        if start >= from && bytes[start - 1] == b'}' && bytes[after] == b'{' {
            return Search::Found(start);
        }
        at = after;
    }
    // No newline left: one still to come starts its run of blanks at or after the last
    // byte that is not blank.
    let settled = bytes
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(0, |p| p + 1);
    if complete || settled >= limit {
        Search::Absent
    } else {
        Search::More(at.min(bytes.len()))
    }
}

/// The error of an input that cannot be read.
fn cannot_read(source: &str, err: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("{source}: cannot read go list stream: {err}")
}

/// Fills `buf` with up to `want` more bytes; true at the end of the input.
fn fill(reader: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    // `read_to_end` fills the spare capacity without zeroing it first, and keeps reading
    // what a pipe hands out in pieces until `want` bytes or the end.
    buf.reserve(want);
    let got = reader.by_ref().take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// Reads the rest of the input after `first` and hands out blocks cut between packages, the
/// last one flagged; stops early when `emit` returns false or `stop` is set.
fn cut_blocks(
    mut reader: impl Read,
    first: Vec<u8>,
    stop: &AtomicBool,
    recycle: impl Fn() -> Option<Vec<u8>>,
    mut emit: impl FnMut(Block) -> bool,
) -> std::io::Result<()> {
    let mut buf = first;
    let mut seq = 0;
    // No cut was found in the first `searched_to` bytes held: search again only once they
    // have doubled.
    let mut search_at = 0;
    loop {
        if buf.len() >= search_at {
            match last_boundary(&buf) {
                Some(cut) => {
                    let mut rest = recycle().unwrap_or_else(|| Vec::with_capacity(BLOCK));
                    rest.clear();
                    rest.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    let block = Block {
                        seq,
                        bytes: std::mem::replace(&mut buf, rest),
                        last: false,
                    };
                    seq += 1;
                    search_at = 0;
                    if !emit(block) || stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                }
                None => search_at = 2 * buf.len(),
            }
        }
        // Up to a block in all (what a recycled buffer holds without growing), or a block
        // more while one package outgrows it.
        let want = if buf.len() < BLOCK / 2 {
            BLOCK - buf.len()
        } else {
            BLOCK
        };
        let eof = fill(&mut reader, &mut buf, want)?;
        if eof {
            emit(Block {
                seq,
                bytes: buf,
                last: true,
            });
            return Ok(());
        }
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The run of blanks holding the newline at `newline`: where it starts, and where it ends
/// (the first byte after it that is not blank, or the end of `bytes`).
fn blanks_around(bytes: &[u8], newline: usize) -> (usize, usize) {
    let mut start = newline;
    while start > 0 && is_blank(bytes[start - 1]) {
        start -= 1;
    }
    let mut after = newline + 1;
    while after < bytes.len() && is_blank(bytes[after]) {
        after += 1;
    }
    (start, after)
}

/// The end of the last top-level value of `bytes` that another one follows: just after a
/// `}` followed by blanks holding a newline and then `{`. Each run of blanks is looked at
/// once.
fn last_boundary(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(newline) = memchr::memrchr(b'\n', &bytes[..end]) {
        let (start, after) = blanks_around(bytes, newline);
        if start > 0 && bytes[start - 1] == b'}' && bytes.get(after) == Some(&b'{') {
            return Some(start);
        }
        end = start;
    }
    None
}

/// Where blocks start in the whole input, to relocate their errors.
struct Placement {
    /// Line of the next block's first byte (1-based).
    line: usize,
    /// Column of the next block's first byte (1-based).
    column: usize,
}

impl Default for Placement {
    fn default() -> Self {
        Placement { line: 1, column: 1 }
    }
}

impl Placement {
    /// Hands a parsed block (the next in input order) to `add`, its error placed in the
    /// whole input.
    fn deliver(
        &mut self,
        parsed: Parsed,
        add: &mut (dyn FnMut(Chunk) -> Result<()> + Send),
    ) -> Result<()> {
        let Parsed {
            mut chunk,
            error,
            newlines,
            tail,
            ..
        } = parsed;
        if let Some((what, message, line, column)) = error {
            let position = if line == 0 {
                String::new()
            } else {
                let column = if line == 1 {
                    self.column + column - 1
                } else {
                    column
                };
                format!(" at line {} column {column}", self.line + line - 1)
            };
            chunk.failure = Some(Failure::Json(what, format!("{message}{position}")));
        }
        if newlines > 0 {
            self.line += newlines;
            self.column = tail + 1;
        } else {
            self.column += tail;
        }
        add(chunk)
    }
}

/// Parses every package of a block: strings taken as bytes and the block's text checked to
/// be UTF-8 once; where it is not, the block is parsed again checking each string, so that
/// the error names the string's place.
fn parse_block(block: Piece<'_>, hasher: &IdHasher) -> Parsed {
    let bytes = block.bytes;
    let (parsed, newlines) = match fast(block, hasher) {
        Some((chunk, newlines)) => ((Ok(chunk), None), newlines),
        None => (
            parse_packages(block, false, hasher),
            memchr::memchr_iter(b'\n', bytes).count(),
        ),
    };
    let tail = match memchr::memrchr(b'\n', bytes) {
        Some(at) => bytes.len() - at - 1,
        None => bytes.len(),
    };
    let (chunk, error) = match parsed {
        (Ok(chunk), error) => (chunk, error),
        (Err(_), _) => match parse_packages(block, true, hasher) {
            (Ok(chunk), error) => (chunk, error),
            // Not reached: the strict pass refuses the first string that is not UTF-8.
            (Err(err), _) => (
                Chunk::default(),
                Some(("not a go list -json stream", err.to_string(), 0, 0)),
            ),
        },
    };
    Parsed {
        seq: block.seq,
        chunk,
        error,
        newlines,
        tail,
    }
}

/// The block read by the scanner (`go_scan`), and its newlines, when it reads all of it
/// and its text is UTF-8; `None` leaves it to serde.
fn fast(block: Piece<'_>, hasher: &IdHasher) -> Option<(Chunk, usize)> {
    let mut builder = ChunkBuilder::new(block.bytes.len(), false, hasher);
    let newlines = super::go_scan::read_block(block.bytes, &mut builder).ok()?;
    Some((builder.finish(hasher).ok()?, newlines))
}

/// Serde's error in a block: (what, message without position, line, column).
type BlockError = (&'static str, String, usize, usize);

/// One pass over a block's packages (`strict`: each string checked to be UTF-8 as read).
fn parse_packages(
    block: Piece<'_>,
    strict: bool,
    hasher: &IdHasher,
) -> (
    Result<Chunk, std::string::FromUtf8Error>,
    Option<BlockError>,
) {
    let builder = ChunkBuilder::new(block.bytes.len(), strict, hasher);
    BLOCK_BEING_PARSED.with(|cell| *cell.borrow_mut() = Some(builder));
    let mut error = None;
    let mut no_import_path = false;
    for package in serde_json::Deserializer::from_slice(block.bytes).into_iter::<Package>() {
        match package {
            Ok(Package(true)) => {}
            Ok(Package(false)) => {
                no_import_path = true;
                break;
            }
            Err(err) => {
                let what = match err.classify() {
                    serde_json::error::Category::Eof if block.last => "truncated go list stream",
                    serde_json::error::Category::Io => "cannot read go list stream",
                    _ => "not a go list -json stream",
                };
                let text = err.to_string().replace('\n', " ");
                let suffix = format!(" at line {} column {}", err.line(), err.column());
                let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
                error = Some((what, message, err.line(), err.column()));
                break;
            }
        }
    }
    let builder = BLOCK_BEING_PARSED.with(|cell| cell.borrow_mut().take());
    let chunk = builder
        .unwrap_or_else(|| ChunkBuilder::new(0, strict, hasher))
        .finish(hasher)
        .map(|mut chunk| {
            if no_import_path {
                chunk.failure = Some(Failure::NoImportPath);
            }
            chunk
        });
    (chunk, error)
}

thread_local! {
    /// The block this thread is parsing. serde_json says where a value ends only to a
    /// `StreamDeserializer`, which takes `Deserialize` types, not seeds: [`Package`] finds
    /// its block here. (`Deserializer::end`, the other way to see that only blanks are
    /// left, builds an error, and so counts the newlines before it, at every package.)
    static BLOCK_BEING_PARSED: std::cell::RefCell<Option<ChunkBuilder>> =
        const { std::cell::RefCell::new(None) };
}

/// One package object, read into the block being parsed: `false` when it has no import
/// path.
struct Package(bool);

impl<'de> Deserialize<'de> for Package {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BLOCK_BEING_PARSED.with(|cell| {
            let mut block = cell.borrow_mut();
            let chunk = block
                .as_mut()
                .ok_or_else(|| de::Error::custom("no block is being parsed"))?;
            PackageSeed { chunk }.deserialize(deserializer).map(Package)
        })
    }
}

/// A JSON string as its bytes, borrowed from the input when it has no escapes, not checked
/// to be UTF-8 (its arena is, once, in bulk).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Raw<'de>(Cow<'de, [u8]>);

impl<'de> Raw<'de> {
    pub(super) fn borrowed(bytes: &'de [u8]) -> Self {
        Raw(Cow::Borrowed(bytes))
    }

    pub(super) fn owned(bytes: Vec<u8>) -> Self {
        Raw(Cow::Owned(bytes))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Raw<'de>, E> {
                Ok(Raw(Cow::Borrowed(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw<'de>, E> {
                Ok(Raw(Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Raw<'de>, E> {
                Ok(Raw(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw<'de>, E> {
                Ok(Raw(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        deserializer.deserialize_bytes(Visit)
    }
}

/// A package's `Module` as bytes (the fields its `ModuleInfo` is made of).
#[derive(Debug, Default)]
pub(super) struct RawModule<'a> {
    pub(super) path: Raw<'a>,
    pub(super) version: Option<Raw<'a>>,
    pub(super) main: bool,
    pub(super) replace: Option<Box<RawModule<'a>>>,
    pub(super) dir: Option<Raw<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawModule<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The module's fields: `Path`, `Version`, `Main`, `Replace`, `Dir` (as [`Field`]s
        /// of the same names, for the key reader), the others skipped.
        fn module_field(key: &[u8]) -> Field {
            match key {
                b"Path" => Field::ImportPath,
                b"Version" => Field::Name,
                b"Main" => Field::Standard,
                b"Replace" => Field::Module,
                b"Dir" => Field::Dir,
                _ => Field::Other,
            }
        }
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Visit<'a> {
            type Value = RawModule<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct GoModule")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawModule<'a>, A::Error> {
                let mut module = RawModule::default();
                let mut seen = 0u32;
                while let Some(field) = map.next_key_seed(KeySeed(module_field))? {
                    let (bit, name) = match field {
                        Field::ImportPath => (1, "Path"),
                        Field::Name => (2, "Version"),
                        Field::Standard => (4, "Main"),
                        Field::Module => (8, "Replace"),
                        Field::Dir => (16, "Dir"),
                        _ => (0, ""),
                    };
                    if seen & bit != 0 {
                        return Err(de::Error::duplicate_field(name));
                    }
                    seen |= bit;
                    match field {
                        Field::ImportPath => module.path = map.next_value()?,
                        Field::Name => module.version = map.next_value()?,
                        Field::Standard => module.main = map.next_value()?,
                        Field::Module => module.replace = map.next_value()?,
                        Field::Dir => module.dir = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(module)
            }
        }
        deserializer.deserialize_struct("GoModule", &[], Visit(std::marker::PhantomData))
    }
}

/// A key read as bytes and told apart by `F`.
struct KeySeed<F>(F);

impl<'de, F> DeserializeSeed<'de> for KeySeed<F>
where
    F: Fn(&[u8]) -> Field,
{
    type Value = Field;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_bytes(KeyBytes(self.0))
    }
}

/// A module as a package names it: the fields its `ModuleInfo` is made of.
type ModuleKey<'a> = (
    &'a [u8],
    Option<&'a [u8]>,
    bool,
    Option<(&'a [u8], Option<&'a [u8]>)>,
    Option<&'a [u8]>,
);

impl RawModule<'_> {
    fn key(&self) -> ModuleKey<'_> {
        (
            &self.path.0,
            self.version.as_ref().map(|v| &*v.0),
            self.main,
            self.replace
                .as_ref()
                .map(|r| (&*r.path.0, r.version.as_ref().map(|v| &*v.0))),
            self.dir.as_ref().map(|d| &*d.0),
        )
    }

    /// The module as `go_list` reads it (each string checked to be UTF-8).
    fn text(&self) -> Result<GoModule<'static>, std::str::Utf8Error> {
        let text = |raw: &Raw<'_>| -> Result<Text<'static>, std::str::Utf8Error> {
            Ok(Text::from(std::str::from_utf8(&raw.0)?.to_owned()))
        };
        Ok(GoModule {
            path: text(&self.path)?,
            version: self.version.as_ref().map(text).transpose()?,
            main: self.main,
            replace: self
                .replace
                .as_ref()
                .map(|r| r.text().map(Box::new))
                .transpose()?,
            dir: self.dir.as_ref().map(text).transpose()?,
        })
    }
}

/// A module of the block, its key owned (kept for the comparisons of later packages).
struct ModuleEntry {
    path: Vec<u8>,
    version: Option<Vec<u8>>,
    main: bool,
    replace: Option<(Vec<u8>, Option<Vec<u8>>)>,
    dir: Option<Vec<u8>>,
    info: Arc<ModuleInfo>,
}

impl ModuleEntry {
    fn key(&self) -> ModuleKey<'_> {
        (
            &self.path,
            self.version.as_deref(),
            self.main,
            self.replace
                .as_ref()
                .map(|(p, v)| (p.as_slice(), v.as_deref())),
            self.dir.as_deref(),
        )
    }
}

/// One block being parsed.
pub(super) struct ChunkBuilder {
    /// Each string checked to be UTF-8 as read (the second pass over a block whose text
    /// was not).
    strict: bool,
    /// The block's length.
    bytes: usize,
    pub(super) arena: ArenaBuilder,
    drafts: Vec<Draft>,
    extras: Vec<Extra>,
    /// The block's distinct modules, and a table of their numbers by hash of their key.
    modules: Vec<ModuleEntry>,
    module_table: hashbrown::HashTable<u32>,
    /// Distinct import paths, numbered by first use: their text, where each ends, their
    /// hashes by the graph's [`IdHasher`] (the merger looks them up with these), and a table
    /// of their numbers by hash.
    names: Vec<u8>,
    name_ends: Vec<u32>,
    name_hashes: Vec<u64>,
    name_table: hashbrown::HashTable<u32>,
    ids: IdHasher,
    /// Hashes module keys.
    hasher: foldhash::fast::RandomState,
    pub(super) imports: Vec<u32>,
}

/// What a block needed: its vectors are sized from the last block the thread read (scaled
/// to the new block's bytes, with a margin), so they do not grow by doubling, each step a
/// copy.
#[derive(Clone, Copy, Debug)]
struct BlockSizes {
    bytes: usize,
    packages: usize,
    text: usize,
    cuts: usize,
    names: usize,
    distinct_imports: usize,
    imports: usize,
}

impl BlockSizes {
    /// The guess before any block: go list's packages as the synthetic and real streams
    /// have them (about a kilobyte each, a third of it strings that are kept).
    const GUESS: BlockSizes = BlockSizes {
        bytes: 1 << 20,
        packages: 1 << 10,
        text: 340 << 10,
        cuts: 10 << 10,
        names: 24 << 10,
        distinct_imports: 1 << 10,
        imports: 10 << 10,
    };

    fn scaled(self, bytes: usize) -> BlockSizes {
        // A quarter more than the last block's share of these bytes, and never nothing.
        let scale = |n: usize| {
            (n as u128 * bytes as u128 * 5 / (4 * self.bytes.max(1) as u128)) as usize + 16
        };
        BlockSizes {
            bytes,
            packages: scale(self.packages),
            text: scale(self.text),
            cuts: scale(self.cuts),
            names: scale(self.names),
            distinct_imports: scale(self.distinct_imports),
            imports: scale(self.imports),
        }
    }
}

thread_local! {
    static LAST_BLOCK: std::cell::Cell<BlockSizes> = const { std::cell::Cell::new(BlockSizes::GUESS) };
}

/// The `i`-th of `ends`' names in `text`.
fn nth<'t>(text: &'t [u8], ends: &[u32], i: u32) -> &'t [u8] {
    &text[ends[i as usize] as usize..ends[i as usize + 1] as usize]
}

/// The error of a string that is not UTF-8, as serde_json words it.
fn not_utf8<E: de::Error>(_: std::str::Utf8Error) -> E {
    E::custom("invalid unicode code point")
}

impl ChunkBuilder {
    fn new(bytes: usize, strict: bool, ids: &IdHasher) -> Self {
        let sizes = LAST_BLOCK.with(|last| last.get()).scaled(bytes);
        ChunkBuilder {
            strict,
            bytes,
            arena: ArenaBuilder::with_capacities(sizes.text, sizes.cuts),
            drafts: Vec::with_capacity(sizes.packages),
            extras: Vec::with_capacity(sizes.packages),
            modules: Vec::new(),
            module_table: hashbrown::HashTable::new(),
            names: Vec::with_capacity(sizes.names),
            name_ends: Vec::with_capacity(sizes.distinct_imports + 1),
            name_hashes: Vec::with_capacity(sizes.distinct_imports),
            name_table: hashbrown::HashTable::with_capacity(sizes.distinct_imports),
            ids: ids.clone(),
            hasher: foldhash::fast::RandomState::default(),
            imports: Vec::with_capacity(sizes.imports),
        }
        .with_first_end()
    }

    fn with_first_end(mut self) -> Self {
        self.name_ends.push(0);
        self
    }

    /// What this block needed, per byte of it, for the next block this thread reads.
    fn remember_sizes(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let sizes = BlockSizes {
            bytes,
            packages: self.drafts.len(),
            text: self.arena.len(),
            cuts: self.arena.cuts_len(),
            names: self.names.len(),
            distinct_imports: self.name_ends.len() - 1,
            imports: self.imports.len(),
        };
        LAST_BLOCK.with(|last| last.set(sizes));
    }

    /// `raw`, checked to be UTF-8 in a strict pass.
    fn checked<'r, E: de::Error>(&self, raw: &'r [u8]) -> Result<&'r [u8], E> {
        if self.strict {
            std::str::from_utf8(raw).map_err(not_utf8)?;
        }
        Ok(raw)
    }

    /// Appends a string to the block's arena.
    fn push<E: de::Error>(&mut self, raw: &[u8]) -> Result<Span, E> {
        let raw = self.checked(raw)?;
        self.arena.push_bytes(raw).map_err(full)
    }

    /// The number of an import path in this block, given it on first use.
    pub(super) fn import_number<E: de::Error>(&mut self, path: &[u8]) -> Result<u32, E> {
        let hash = self.ids.hash_bytes(path);
        let (names, ends) = (&self.names, &self.name_ends);
        if let Some(&i) = self.name_table.find(hash, |&i| nth(names, ends, i) == path) {
            return Ok(i);
        }
        let path = self.checked(path)?;
        let i = (self.name_ends.len() - 1) as u32;
        self.names.extend_from_slice(path);
        self.name_ends
            .push(u32::try_from(self.names.len()).map_err(|_| full(ArenaFull))?);
        self.name_hashes.push(hash);
        let hashes = &self.name_hashes;
        self.name_table
            .insert_unique(hash, i, |&j| hashes[j as usize]);
        Ok(i)
    }

    /// The block's `ModuleInfo` for `module`, made on its first package.
    pub(super) fn module<E: de::Error>(
        &mut self,
        module: RawModule<'_>,
    ) -> Result<Arc<ModuleInfo>, E> {
        let key = module.key();
        let hash = self.hasher.hash_one(key);
        let modules = &self.modules;
        if let Some(&i) = self
            .module_table
            .find(hash, |&i| modules[i as usize].key() == key)
        {
            return Ok(self.modules[i as usize].info.clone());
        }
        let info = Arc::new(module_info(module.text().map_err(not_utf8)?));
        let i = self.modules.len() as u32;
        let owned = |raw: &Raw<'_>| raw.0.to_vec();
        self.modules.push(ModuleEntry {
            path: owned(&module.path),
            version: module.version.as_ref().map(owned),
            main: module.main,
            replace: module
                .replace
                .as_ref()
                .map(|r| (owned(&r.path), r.version.as_ref().map(owned))),
            dir: module.dir.as_ref().map(owned),
            info: info.clone(),
        });
        let (hasher, modules) = (&self.hasher, &self.modules);
        self.module_table
            .insert_unique(hash, i, |&j| hasher.hash_one(modules[j as usize].key()));
        Ok(info)
    }

    /// A package read, with what the merger needs besides its node.
    pub(super) fn push_package(&mut self, draft: Draft, mut extra: Extra) {
        extra.empty = draft.name.is_empty()
            && draft.go_files.is_empty()
            && draft.cgo_files.is_empty()
            && draft.ignored_go_files.is_empty();
        self.drafts.push(draft);
        self.extras.push(extra);
    }

    /// The chunk, once its text is known to be UTF-8.
    fn finish(self, hasher: &IdHasher) -> Result<Chunk, std::string::FromUtf8Error> {
        self.remember_sizes(self.bytes);
        let arena = self.arena.finish()?;
        let names = String::from_utf8(self.names)?;
        let import_names: Names = (0..self.name_ends.len() as u32 - 1)
            .map(|i| {
                &names[self.name_ends[i as usize] as usize..self.name_ends[i as usize + 1] as usize]
            })
            .collect();
        // One allocation for the block's nodes.
        let block: Arc<[Node]> = self
            .drafts
            .into_iter()
            .map(|draft| draft.node(&arena))
            .collect();
        let nodes: Vec<NodeRef> = NodeRef::all(block).collect();
        let id_hashes: Vec<u64> = nodes.iter().map(|node| hasher.hash(&node.id)).collect();
        let facts = nodes.iter().map(|node| NodeFacts::of(node)).collect();
        // The imports this block's own packages answer: one probe of the block's names per
        // package, here on the worker, instead of a lookup in the whole graph's table.
        let mut import_local = vec![0u32; self.name_hashes.len()];
        let (names_text, ends) = (names.as_bytes(), &self.name_ends);
        for (k, (node, &hash)) in nodes.iter().zip(&id_hashes).enumerate() {
            let id = node.id.as_bytes();
            if let Some(&i) = self
                .name_table
                .find(hash, |&i| nth(names_text, ends, i) == id)
            {
                import_local[i as usize] = k as u32 + 1;
            }
        }
        let import_hashes = self.name_hashes;
        Ok(Chunk {
            nodes,
            extras: self.extras,
            import_names,
            imports: self.imports,
            failure: None,
            id_hashes,
            import_hashes,
            import_local,
            facts,
        })
    }
}

/// A package read, its strings in the block's arena not yet shared.
#[derive(Default)]
pub(super) struct Draft {
    pub(super) id: Span,
    pub(super) name: Span,
    pub(super) dir: Option<Span>,
    pub(super) module: Option<Arc<ModuleInfo>>,
    pub(super) standard: bool,
    pub(super) dep_only: bool,
    pub(super) go_files: ListSpan,
    pub(super) cgo_files: ListSpan,
    pub(super) ignored_go_files: ListSpan,
    pub(super) c_files: ListSpan,
    pub(super) cxx_files: ListSpan,
    pub(super) syso_files: ListSpan,
    pub(super) ld_libs: Vec<String>,
    pub(super) ldflags_static: bool,
    pub(super) pkg_config: Vec<String>,
    pub(super) error: Option<String>,
}

impl Draft {
    /// `CgoLDFLAGS`: the libraries named with `-l`, and whether the flags ask for a static
    /// link.
    pub(super) fn set_ldflags<S: AsRef<str>>(&mut self, flags: &[S]) {
        self.ld_libs = ld_libs(flags);
        self.ldflags_static = flags
            .iter()
            .any(|flag| flag.as_ref() == "-static" || flag.as_ref() == "-Wl,-Bstatic");
    }

    /// `CgoPkgConfig`: the package names (`#cgo pkg-config: --static foo` lists flags
    /// beside them, and a name may be a path to a `.pc` file).
    pub(super) fn set_pkg_config<S: AsRef<str>>(&mut self, names: Vec<S>) {
        self.pkg_config = names
            .iter()
            .map(AsRef::as_ref)
            .filter(|name| !name.starts_with('-'))
            .map(|name| match name.strip_suffix(".pc") {
                Some(path) => path.rsplit('/').next().unwrap_or(path).to_owned(),
                None => name.to_owned(),
            })
            .collect();
    }

    fn node(self, arena: &Arc<Arena>) -> Node {
        let c_files = match (self.c_files.is_empty(), self.cxx_files.is_empty()) {
            (_, true) => Names::new(arena, self.c_files),
            (true, false) => Names::new(arena, self.cxx_files),
            // Both (rare): one list of its own.
            (false, false) => {
                let (c, cxx) = (
                    Names::new(arena, self.c_files),
                    Names::new(arena, self.cxx_files),
                );
                c.iter().chain(cxx.iter()).collect()
            }
        };
        Node {
            id: Str::new(arena, self.id),
            name: Str::new(arena, self.name),
            module: self.module,
            standard: self.standard,
            dep_only: self.dep_only,
            ld_libs: self.ld_libs,
            ldflags_static: self.ldflags_static,
            pkg_config: self.pkg_config,
            cgo_files: Names::new(arena, self.cgo_files),
            ignored_go_files: Names::new(arena, self.ignored_go_files),
            go_files: Names::new(arena, self.go_files),
            c_files,
            syso_files: Names::new(arena, self.syso_files),
            error: self.error,
            dir: self.dir.map(|dir| Str::new(arena, dir)),
            ..Node::default()
        }
    }
}

/// The fields of a package object that are read; the others are skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    ImportPath,
    Name,
    Dir,
    Standard,
    DepOnly,
    Match,
    Module,
    Imports,
    GoFiles,
    CgoFiles,
    IgnoredGoFiles,
    CFiles,
    CxxFiles,
    SysoFiles,
    CgoLdflags,
    CgoPkgConfig,
    Error,
    DepsErrors,
    Other,
}

/// Keys are read as bytes: a key that is not one of ours is skipped, so nothing need check
/// that it is UTF-8 (serde's derived identifiers check every key).
struct KeyBytes<F>(F);

impl<'de, F> Visitor<'de> for KeyBytes<F>
where
    F: Fn(&[u8]) -> Field,
{
    type Value = Field;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_bytes<E>(self, key: &[u8]) -> Result<Field, E> {
        Ok((self.0)(key))
    }
    fn visit_str<E>(self, key: &str) -> Result<Field, E> {
        Ok((self.0)(key.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(KeyBytes(Field::of))
    }
}

impl Field {
    /// The field a key names (`Other`: one that is skipped). A `match` on the bytes: the
    /// scanner asks it of every key of every package.
    pub(super) fn of(key: &[u8]) -> Field {
        match key {
            b"ImportPath" => Field::ImportPath,
            b"Name" => Field::Name,
            b"Dir" => Field::Dir,
            b"Standard" => Field::Standard,
            b"DepOnly" => Field::DepOnly,
            b"Match" => Field::Match,
            b"Module" => Field::Module,
            b"Imports" => Field::Imports,
            b"GoFiles" => Field::GoFiles,
            b"CgoFiles" => Field::CgoFiles,
            b"IgnoredGoFiles" => Field::IgnoredGoFiles,
            b"CFiles" => Field::CFiles,
            b"CXXFiles" => Field::CxxFiles,
            b"SysoFiles" => Field::SysoFiles,
            b"CgoLDFLAGS" => Field::CgoLdflags,
            b"CgoPkgConfig" => Field::CgoPkgConfig,
            b"Error" => Field::Error,
            b"DepsErrors" => Field::DepsErrors,
            _ => Field::Other,
        }
    }

    /// The field's bit in a set of fields seen (for duplicates); `Other` has none.
    pub(super) fn bit(self) -> u32 {
        match self {
            Field::Other => 0,
            field => 1 << field as u32,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Field::ImportPath => "ImportPath",
            Field::Name => "Name",
            Field::Dir => "Dir",
            Field::Standard => "Standard",
            Field::DepOnly => "DepOnly",
            Field::Match => "Match",
            Field::Module => "Module",
            Field::Imports => "Imports",
            Field::GoFiles => "GoFiles",
            Field::CgoFiles => "CgoFiles",
            Field::IgnoredGoFiles => "IgnoredGoFiles",
            Field::CFiles => "CFiles",
            Field::CxxFiles => "CXXFiles",
            Field::SysoFiles => "SysoFiles",
            Field::CgoLdflags => "CgoLDFLAGS",
            Field::CgoPkgConfig => "CgoPkgConfig",
            Field::Error => "Error",
            Field::DepsErrors => "DepsErrors",
            Field::Other => "",
        }
    }
}

/// One package object into the block being parsed: `Ok(false)` when it has no import path.
struct PackageSeed<'c> {
    chunk: &'c mut ChunkBuilder,
}

impl<'de> DeserializeSeed<'de> for PackageSeed<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_struct("GoPackage", &[], self)
    }
}

fn full<E: de::Error>(_: ArenaFull) -> E {
    E::custom(ArenaFull)
}

impl<'de> Visitor<'de> for PackageSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("struct GoPackage")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let chunk = self.chunk;
        let mut draft = Draft::default();
        let mut id: Option<Span> = None;
        let mut matches = Vec::new();
        let mut deps_errors = Vec::new();
        let mut imports = (chunk.imports.len() as u32, chunk.imports.len() as u32);
        let mut seen = 0u32;
        while let Some(field) = map.next_key::<Field>()? {
            if field != Field::Other {
                let bit = field.bit();
                if seen & bit != 0 {
                    return Err(de::Error::duplicate_field(field.key()));
                }
                seen |= bit;
            }
            match field {
                Field::ImportPath => {
                    if let Some(path) = map.next_value::<Option<Raw<'de>>>()?
                        && !path.0.is_empty()
                    {
                        id = Some(chunk.push(&path.0)?);
                    }
                }
                Field::Name => {
                    let name: Raw<'de> = map.next_value()?;
                    draft.name = chunk.push(&name.0)?;
                }
                Field::Dir => {
                    if let Some(dir) = map.next_value::<Option<Raw<'de>>>()?
                        && !dir.0.is_empty()
                    {
                        draft.dir = Some(chunk.push(&dir.0)?);
                    }
                }
                Field::Standard => draft.standard = map.next_value()?,
                Field::DepOnly => draft.dep_only = map.next_value()?,
                Field::Match => {
                    let list: Vec<Text<'de>> = map.next_value()?;
                    matches = list.into_iter().map(Text::own).collect();
                }
                Field::Module => {
                    if let Some(module) = map.next_value::<Option<RawModule<'de>>>()? {
                        draft.module = Some(chunk.module(module)?);
                    }
                }
                Field::Imports => {
                    let start = chunk.imports.len() as u32;
                    map.next_value_seed(ImportsSeed { chunk: &mut *chunk })?;
                    imports = (start, chunk.imports.len() as u32);
                }
                Field::GoFiles => draft.go_files = map.next_value_seed(ListSeed(&mut *chunk))?,
                Field::CgoFiles => draft.cgo_files = map.next_value_seed(ListSeed(&mut *chunk))?,
                Field::IgnoredGoFiles => {
                    draft.ignored_go_files = map.next_value_seed(ListSeed(&mut *chunk))?;
                }
                Field::CFiles => draft.c_files = map.next_value_seed(ListSeed(&mut *chunk))?,
                Field::CxxFiles => draft.cxx_files = map.next_value_seed(ListSeed(&mut *chunk))?,
                Field::SysoFiles => {
                    draft.syso_files = map.next_value_seed(ListSeed(&mut *chunk))?;
                }
                Field::CgoLdflags => draft.set_ldflags(&map.next_value::<Vec<Text<'de>>>()?),
                Field::CgoPkgConfig => draft.set_pkg_config(map.next_value::<Vec<Text<'de>>>()?),
                Field::Error => {
                    if let Some(error) = map.next_value::<Option<GoPackageError<'de>>>()? {
                        draft.error = Some(one_line(&error.err));
                    }
                }
                Field::DepsErrors => {
                    let errors: Vec<GoPackageError<'de>> = map.next_value()?;
                    deps_errors = errors.iter().map(|error| one_line(&error.err)).collect();
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(id) = id else {
            return Ok(false);
        };
        draft.id = id;
        chunk.push_package(draft, Extra::new(imports, matches, deps_errors));
        Ok(true)
    }
}

/// A list of strings into the block's arena.
struct ListSeed<'c>(&'c mut ChunkBuilder);

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ListSpan;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<ListSpan, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ListSpan;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ListSpan, A::Error> {
        let chunk = self.0;
        let first = chunk.arena.start_list().map_err(full)?;
        while let Some(name) = seq.next_element::<Raw<'de>>()? {
            let name = chunk.checked(&name.0)?;
            chunk.arena.push_name_bytes(name).map_err(full)?;
        }
        Ok(chunk.arena.end_list(first))
    }
}

/// A package's imports, numbered into the block's distinct import paths.
struct ImportsSeed<'c> {
    chunk: &'c mut ChunkBuilder,
}

impl<'de> DeserializeSeed<'de> for ImportsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ImportsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(path) = seq.next_element::<Raw<'de>>()? {
            let number = self.chunk.import_number(&path.0)?;
            self.chunk.imports.push(number);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::go_list::tests::{Trickle, tricky_stream};

    /// Whatever the reads, the blocks are the input cut between objects, more than one.
    #[test]
    fn blocks_cut_the_input_between_objects() {
        let (stream, _) = tricky_stream();
        let blocks = blocks_of(Trickle {
            bytes: &stream,
            step: 1,
        });
        assert!(blocks.len() >= 3, "{} blocks", blocks.len());
        assert!(blocks.last().unwrap().last);
        assert!(blocks.iter().rev().skip(1).all(|b| !b.last));
        for block in &blocks[..blocks.len() - 1] {
            assert!(block.bytes.ends_with(b"}"), "{:?}", block.bytes.last());
            let values =
                serde_json::Deserializer::from_slice(&block.bytes).into_iter::<serde_json::Value>();
            assert!(values.into_iter().all(|v| v.is_ok()));
        }
        let whole: Vec<u8> = blocks
            .iter()
            .flat_map(|b| b.bytes.iter().copied())
            .collect();
        assert_eq!(whole, stream);
    }

    /// `Field::of` and `Field::key` are each other's inverse.
    #[test]
    fn field_keys_read_back() {
        let keys = [
            "ImportPath",
            "Name",
            "Dir",
            "Standard",
            "DepOnly",
            "Match",
            "Module",
            "Imports",
            "GoFiles",
            "CgoFiles",
            "IgnoredGoFiles",
            "CFiles",
            "CXXFiles",
            "SysoFiles",
            "CgoLDFLAGS",
            "CgoPkgConfig",
            "Error",
            "DepsErrors",
        ];
        let mut bits = 0;
        for key in keys {
            let field = Field::of(key.as_bytes());
            assert_eq!(field.key(), key);
            assert_eq!(bits & field.bit(), 0, "{key}");
            bits |= field.bit();
        }
        assert_eq!(Field::of(b"Deps"), Field::Other);
        assert_eq!(Field::Other.bit(), 0);
    }

    /// Boundaries are found from either side of a block's start, and a search that runs
    /// out of bytes says where to go on.
    #[cfg(unix)]
    #[test]
    fn first_boundary_cases() {
        use Search::*;
        let b = |text: &str, from: usize, limit: usize, complete: bool| {
            first_boundary(text.as_bytes(), from, from, limit, complete)
        };
        // `}` then a newline then `{`: the boundary is just after the `}`.
        assert_eq!(b("x}\n{", 1, usize::MAX, false), Found(2));
        assert_eq!(b("x} \t\n \n {", 1, usize::MAX, false), Found(2));
        // Not one: no newline, no `{` after, a `}` not before.
        assert_eq!(b("x} {\n", 1, usize::MAX, true), Absent);
        assert_eq!(b("x}\n]\n", 1, usize::MAX, true), Absent);
        assert_eq!(b("x]\n{\n", 1, usize::MAX, true), Absent);
        // The first at or after `from`, not one before it.
        assert_eq!(b("}\n{}\n{", 1, usize::MAX, true), Found(1));
        assert_eq!(b("}\n{}\n{", 2, usize::MAX, true), Found(4));
        // A run of blanks that starts before `from` is not one at or after it.
        assert_eq!(b("x}  \n{}\n{", 3, usize::MAX, true), Found(7));
        // Before `limit` only.
        assert_eq!(b("x}\n{", 1, 2, true), Absent);
        assert_eq!(b("x}\n{", 1, 3, true), Found(2));
        // Out of bytes after the newline: more, from that newline; at the end: none.
        assert_eq!(b("xx}\n  ", 1, usize::MAX, false), More(3));
        assert_eq!(b("xx}\n  ", 1, usize::MAX, true), Absent);
        assert_eq!(
            first_boundary(b"xx}\n  {", 1, 3, usize::MAX, false),
            Found(3)
        );
        // Out of bytes with no newline: more, unless what is left already starts past
        // `limit`.
        assert_eq!(b("xx}  ", 1, usize::MAX, false), More(1));
        assert_eq!(b("xx}  ", 1, 3, false), Absent);
        assert_eq!(b("xx}  ", 1, 4, false), More(1));
    }

    /// Every block of a file read by offset, at many block sizes: in order they give the
    /// stream back, each cut between two objects, and each worker finds its own cuts.
    #[cfg(unix)]
    #[test]
    fn file_blocks_cut_the_input_between_objects() {
        let (tricky, _) = tricky_stream();
        // A package longer than many blocks, between short ones.
        let files: Vec<String> = (0..3000).map(|i| format!("file_{i:05}.go")).collect();
        let long = serde_json::json!({"ImportPath": "example.com/long", "GoFiles": files});
        let mut with_long = b"{\"ImportPath\": \"a\"}\n".to_vec();
        with_long.extend(serde_json::to_vec_pretty(&long).unwrap());
        with_long.extend(b"\n  \n{\"ImportPath\": \"b\"}\n\n");
        // A file read from past its first bytes (what format detection skipped).
        let mut padded = b"\xEF\xBB\xBF \n".to_vec();
        padded.extend_from_slice(&with_long);
        let small = [7, 64, 1000, 4096, 65536];
        let large = [1000, 4096, 65536, 1 << 20];
        let streams = [
            (&tricky[..], 0, &large[..]),
            (&with_long[..], 0, &small[..]),
            (&padded[..], 5, &small[..]),
        ];
        for (stream, start, blocks) in streams {
            let mut file = tempfile::tempfile().unwrap();
            std::io::Write::write_all(&mut file, stream).unwrap();
            let size = (stream.len() - start) as u64;
            for &block in blocks {
                let span = FileSpan {
                    file: &file,
                    start: start as u64,
                    size,
                    block,
                };
                let n_blocks = size.div_ceil(block as u64) as usize;
                let (mut whole, mut empty, mut buf) = (Vec::new(), 0, Vec::new());
                for seq in 0..n_blocks {
                    let (range, last) = span.read_block(seq, &mut buf).unwrap();
                    let bytes = &buf[range];
                    empty += usize::from(bytes.is_empty());
                    whole.extend_from_slice(bytes);
                    if !bytes.is_empty() {
                        assert_eq!(last, whole.len() == size as usize, "block {seq} of {block}");
                    }
                    if !bytes.is_empty() && !last {
                        assert!(bytes.ends_with(b"}"), "block {seq} of {block}");
                        let values = serde_json::Deserializer::from_slice(bytes)
                            .into_iter::<serde_json::Value>();
                        assert!(values.into_iter().all(|v| v.is_ok()));
                    }
                }
                assert!(whole == stream[start..], "block size {block}");
                if blocks == small && block <= 4096 {
                    assert!(empty > 0, "the long package leaves empty blocks");
                }
            }
        }
    }

    fn blocks_of(stream: impl Read) -> Vec<Block> {
        let mut blocks = Vec::new();
        cut_blocks(
            stream,
            Vec::new(),
            &AtomicBool::new(false),
            || None,
            |block| {
                blocks.push(block);
                true
            },
        )
        .unwrap();
        blocks
    }

    /// The scanner reads every block of every recorded `go list` stream, and what it reads
    /// equals what serde reads, node for node and import for import.
    #[test]
    fn the_scanner_reads_what_serde_reads() {
        let mut streams: Vec<(String, Vec<u8>)> = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let bytes = std::fs::read(&path).unwrap();
                    if bytes.starts_with(b"{") && !bytes.starts_with(b"{\"packages\"") {
                        streams.push((path.display().to_string(), bytes));
                    }
                }
            }
        }
        streams.sort();
        assert!(streams.len() > 80, "{} streams", streams.len());
        streams.push(("tricky".into(), tricky_stream().0));
        // Escapes the scanner decodes itself, in kept and skipped fields alike.
        streams.push((
            "escapes".into(),
            br#"{"ImportPath": "a\u00e9\\/\"b", "Name": "p\ud83d\ude00", "Deps": ["x\n", {"y": [1.5e3, -0, true, null]}],
              "GoFiles": ["\t.go"], "Module": {"Path": "m", "Replace": {"Path": "../r", "Version": null}}, "Imports": ["C", "\u0066mt"]}
            {"ImportPath": "fmt", "Standard": true, "Error": {"Err": "x\ny", "Pos": ""}, "DepsErrors": [{"Err": "z"}]}"#
                .to_vec(),
        ));
        // Module objects the same as the package before's byte for byte (whose reading is
        // reused), and ones that differ from it only late, only in blanks, or in nesting.
        let module = "{\n\t\t\"Path\": \"m\",\n\t\t\"Version\": \"v1\",\n\t\t\"Dir\": \"/d\"\n\t}";
        let package = |id: &str, module: &str| {
            format!(
                "{{\n\t\"ImportPath\": \"{id}\",\n\t\"Module\": {module},\n\t\"Name\": \"p\"\n}}\n"
            )
        };
        streams.push((
            "modules".into(),
            [
                package("m/a", module),
                package("m/b", module),
                package("m/c", &module.replace("v1", "v2")),
                package("m/d", &module.replace("v1", "v2")),
                package("m/e", &module.replace('\t', " ")),
                package("m/f", &module.replace("}", ", \"Main\": true}")),
                package(
                    "m/g",
                    &module.replace("}", ",\n\"Replace\": {\"Path\": \"r\"}}"),
                ),
                package(
                    "m/h",
                    &module.replace("}", ",\n\"Replace\": {\"Path\": \"r\"}}"),
                ),
                package("m/i", "null"),
                package("m/j", module),
            ]
            .concat()
            .into_bytes(),
        ));
        let mut fast_blocks = 0;
        let mut left_to_serde = Vec::new();
        for (name, stream) in &streams {
            for block in blocks_of(&stream[..]) {
                let hasher = IdHasher::default();
                let (serde, error) = parse_packages(block.piece(), false, &hasher);
                let serde = serde.unwrap();
                match fast(block.piece(), &hasher) {
                    Some((chunk, newlines)) => {
                        assert_eq!(newlines, memchr::memchr_iter(b'\n', &block.bytes).count());
                        assert!(
                            error.is_none(),
                            "{name}: the scanner read a block serde refuses"
                        );
                        assert_eq!(chunk, serde, "{name}");
                        fast_blocks += 1;
                    }
                    None => left_to_serde.push(name.clone()),
                }
            }
        }
        // The hostile fixtures hold control characters and bad UTF-8: serde's to read.
        assert!(
            left_to_serde.iter().all(|name| name.contains("hostile")),
            "{left_to_serde:?}"
        );
        assert!(fast_blocks > 100, "{fast_blocks}");
    }

    /// The chunks handed over are the same, in the same order, whatever the number of
    /// workers (blocks are parsed in any order and merged in input order).
    #[test]
    fn any_number_of_workers_hands_over_the_same_chunks() {
        let (stream, n) = tricky_stream();
        let stream = [stream.as_slice(); 3].concat();
        let hasher = IdHasher::default();
        let chunks = |workers: usize| {
            let mut chunks = Vec::new();
            parse_with(&stream[..], "t", &hasher, workers, &mut |chunk| {
                chunks.push(chunk);
                Ok(())
            })
            .unwrap();
            chunks
        };
        let one = chunks(1);
        assert!(one.len() > 3, "{} chunks", one.len());
        assert_eq!(one.iter().map(|c| c.nodes.len()).sum::<usize>(), 3 * n);
        for workers in [2, 4, 7] {
            assert_eq!(chunks(workers), one, "{workers} workers");
        }
    }

    /// Whatever the scanner gives up on, the answer is serde's: bad inputs give serde's
    /// error at serde's position.
    #[test]
    fn what_the_scanner_leaves_serde_reports() {
        for (input, says) in [
            (
                &br#"{"ImportPath": "a", "Imports": 5}"#[..],
                "invalid type: integer `5`, expected a sequence",
            ),
            (
                br#"{"ImportPath": "a", "ImportPath": "b"}"#,
                "duplicate field `ImportPath`",
            ),
            (br#"{"ImportPath": "a", "Deps": [1,]}"#, "expected value"),
            (
                b"{\"ImportPath\": \"a\", \"Deps\": \"\x01\"}",
                "control character",
            ),
            (
                br#"{"ImportPath": "a", "Name": null}"#,
                "invalid type: null, expected a string",
            ),
            (b"{\"ImportPath\": \"a\xff\"}", "invalid unicode code point"),
        ] {
            let block = Block {
                seq: 0,
                bytes: input.to_vec(),
                last: true,
            };
            let hasher = IdHasher::default();
            assert!(
                fast(block.piece(), &hasher).is_none(),
                "{}",
                String::from_utf8_lossy(input)
            );
            let parsed = parse_block(block.piece(), &hasher);
            let (_, message, line, _) = parsed.error.expect("an error");
            assert!(message.contains(says), "{message}");
            assert_eq!(line, 1);
        }
    }

    #[test]
    fn boundaries_are_between_top_level_values_only() {
        let text = b"{\"a\": {\"b\": 1}\n}\n{\"c\": \"}\\n{\"}\r\n \n\t{\"d\": [\n{}\n]}";
        let cut = last_boundary(text).unwrap();
        assert_eq!(&text[..cut], b"{\"a\": {\"b\": 1}\n}\n{\"c\": \"}\\n{\"}");
        assert_eq!(last_boundary(&text[..cut]), Some(16));
        assert_eq!(last_boundary(b"{\"a\": 1}{\"b\": 2}"), None);
        assert_eq!(last_boundary(b"{\"a\": 1}\n"), None);
        assert_eq!(last_boundary(b"\n{\"a\": 1}"), None);
    }
}
