//! A block of `go list -json` packages read without serde: the fields the graph keeps go
//! straight into the block's arena, the others are skipped, and every byte is checked
//! against JSON's grammar on the way.
//!
//! Why by hand: serde_json's typed path (visitor calls per key and string, a check that
//! each key and kept string is UTF-8) cost about 2.8 times serde_json's own `IgnoredAny`
//! walk over the same bytes, and the issue budgets the whole load at about that walk. No
//! crate reads a stream of JSON objects into borrowed spans faster: sonic-rs's serde path
//! measured 2.4 times slower than serde_json here, and simd-json rewrites its input.
//!
//! The scanner handles what `go list` writes; anything else makes it give up on the block
//! ([`Unread`]), which is then parsed by serde (`go_stream`), the reference for every error
//! message and for what this reader does not take on (a package without an import path, a
//! duplicate key, a value of an unexpected type, invalid JSON of any kind, nesting deeper
//! than serde allows). So for any input the loader's answer is serde's; the scanner is
//! only faster. A test holds the two equal on every recorded stream.

use super::go_stream::{ChunkBuilder, Draft, Extra, Field, Raw, RawModule};
use crate::model::{ListSpan, ModuleInfo};
use std::sync::Arc;

/// The scanner gave up on a block: serde reads it instead.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unread;

type Scan<T> = Result<T, Unread>;

/// Nesting deeper than this is left to serde (whose limit is 128 levels).
const MAX_DEPTH: u32 = 100;

/// Reads every package of `bytes` into `chunk`, and counts the block's newlines (all of
/// them are blanks between tokens: JSON has no raw newline inside a string); `Err(Unread)`
/// at the first thing it does not read (the chunk is then to be thrown away).
pub(super) fn read_block(bytes: &[u8], chunk: &mut ChunkBuilder) -> Scan<usize> {
    let mut scanner = Scanner::new(bytes);
    loop {
        scanner.skip_blank();
        if scanner.pos == bytes.len() {
            return Ok(scanner.newlines);
        }
        scanner.package(chunk)?;
    }
}

struct Scanner<'b> {
    bytes: &'b [u8],
    pos: usize,
    newlines: usize,
    /// The last `Module` object parsed in this block.
    last_module: Option<LastModule>,
}

/// A `Module` object's text in the block (`start..end`), its newlines, and what it read as.
struct LastModule {
    start: usize,
    end: usize,
    newlines: usize,
    info: Arc<ModuleInfo>,
}

/// Bytes where a string stops being plain: `"`, `\` or a control character, as a mask of
/// the high bit of each such byte in a little-endian word (the lowest one is exact).
fn specials(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control
}

impl<'b> Scanner<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Scanner {
            bytes,
            pos: 0,
            newlines: 0,
            last_module: None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while let Some(b @ (b' ' | b'\t' | b'\n' | b'\r')) = self.peek() {
            self.newlines += usize::from(b == b'\n');
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Scan<()> {
        self.skip_blank();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Unread)
        }
    }

    /// After a value in an object or array: true at `,`, false at `close`.
    fn next_or_close(&mut self, close: u8) -> Scan<bool> {
        self.skip_blank();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(Unread),
        }
    }

    /// The position of the first special byte at or after `from`: 16 bytes at a time (SSE2 or
    /// NEON, through `wide`'s safe vectors), then a word of 8, then byte by byte.
    fn find_special(&self, mut from: usize) -> Scan<usize> {
        let bytes = self.bytes;
        while let Some(chunk) = bytes.get(from..from + 16) {
            let v = wide::u8x16::new(chunk.try_into().map_err(|_| Unread)?);
            let special = v.simd_eq(wide::u8x16::splat(b'"'))
                | v.simd_eq(wide::u8x16::splat(b'\\'))
                | v.min(wide::u8x16::splat(0x1f)).simd_eq(v);
            let mask = special.to_bitmask();
            if mask != 0 {
                return Ok(from + mask.trailing_zeros() as usize);
            }
            from += 16;
        }
        while from + 8 <= bytes.len() {
            let word = u64::from_le_bytes(bytes[from..from + 8].try_into().map_err(|_| Unread)?);
            let mask = specials(word);
            if mask != 0 {
                return Ok(from + (mask.trailing_zeros() / 8) as usize);
            }
            from += 8;
        }
        while from < bytes.len() {
            if matches!(bytes[from], b'"' | b'\\' | 0..=0x1f) {
                return Ok(from);
            }
            from += 1;
        }
        Err(Unread)
    }

    /// A string (the opening quote next, after blanks): its bytes, borrowed when it has no
    /// escape, decoded into `scratch` when it has. Raw control characters are invalid.
    fn string<'s>(&mut self, scratch: &'s mut Vec<u8>) -> Scan<Text<'b, 's>> {
        self.eat(b'"')?;
        let start = self.pos;
        let at = self.find_special(start)?;
        match self.bytes[at] {
            b'"' => {
                self.pos = at + 1;
                Ok(Text::Borrowed(&self.bytes[start..at]))
            }
            b'\\' => {
                scratch.clear();
                scratch.extend_from_slice(&self.bytes[start..at]);
                self.pos = at;
                self.escaped_rest(Some(scratch))?;
                Ok(Text::Decoded(scratch))
            }
            _ => Err(Unread),
        }
    }

    /// The rest of a string from a backslash at `pos`, decoded onto `out` when given.
    fn escaped_rest(&mut self, mut out: Option<&mut Vec<u8>>) -> Scan<()> {
        loop {
            let at = self.find_special(self.pos)?;
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&self.bytes[self.pos..at]);
            }
            self.pos = at + 1;
            match self.bytes[at] {
                b'"' => return Ok(()),
                b'\\' => {
                    let escape = self.peek().ok_or(Unread)?;
                    self.pos += 1;
                    let simple = match escape {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(Unread),
                    };
                    match simple {
                        Some(byte) => {
                            if let Some(out) = out.as_deref_mut() {
                                out.push(byte);
                            }
                        }
                        None => {
                            let c = self.unicode_escape()?;
                            if let Some(out) = out.as_deref_mut() {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                    }
                }
                _ => return Err(Unread),
            }
        }
    }

    fn hex4(&mut self) -> Scan<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or(Unread)?;
        let mut value = 0u32;
        for &d in digits {
            value = value * 16 + char::from(d).to_digit(16).ok_or(Unread)?;
        }
        self.pos += 4;
        Ok(value)
    }

    /// After `\u`: the character, a surrogate pair joined; a lone surrogate is left to serde.
    fn unicode_escape(&mut self) -> Scan<char> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err(Unread);
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(Unread);
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or(Unread)
    }

    /// Skips any value, checking its grammar.
    fn skip_value(&mut self, depth: u32) -> Scan<()> {
        if depth > MAX_DEPTH {
            return Err(Unread);
        }
        self.skip_blank();
        match self.peek().ok_or(Unread)? {
            b'"' => {
                self.pos += 1;
                let at = self.find_special(self.pos)?;
                self.pos = at + 1;
                match self.bytes[at] {
                    b'"' => Ok(()),
                    b'\\' => {
                        self.pos = at;
                        self.escaped_rest(None)
                    }
                    _ => Err(Unread),
                }
            }
            b'{' => {
                self.pos += 1;
                self.skip_blank();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value_string()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    if !self.next_or_close(b'}')? {
                        return Ok(());
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.skip_blank();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if !self.next_or_close(b']')? {
                        return Ok(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Unread),
        }
    }

    /// A string that must come next (an object key being skipped).
    fn skip_value_string(&mut self) -> Scan<()> {
        self.skip_blank();
        if self.peek() != Some(b'"') {
            return Err(Unread);
        }
        self.skip_value(0)
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Unread)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Scan<()> {
        let digits = |s: &mut Self| -> Scan<()> {
            let start = s.pos;
            while s.peek().is_some_and(|b| b.is_ascii_digit()) {
                s.pos += 1;
            }
            if s.pos == start { Err(Unread) } else { Ok(()) }
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => digits(self)?,
            _ => return Err(Unread),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            digits(self)?;
        }
        Ok(())
    }

    fn boolean(&mut self) -> Scan<bool> {
        self.skip_blank();
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(Unread),
        }
    }

    /// `null` next (after blanks): consumed.
    fn null(&mut self) -> bool {
        self.skip_blank();
        if self.bytes.get(self.pos..self.pos + 4) == Some(b"null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// An object's keys in turn: `key` is called at each, with the scanner before its value.
    fn object(&mut self, mut key: impl FnMut(&mut Self, &[u8]) -> Scan<()>) -> Scan<()> {
        self.eat(b'{')?;
        self.skip_blank();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut scratch = Vec::new();
        loop {
            // Keys with escapes are rare enough to leave to serde.
            let name = match self.string(&mut scratch)? {
                Text::Borrowed(name) => name,
                Text::Decoded(_) => return Err(Unread),
            };
            self.eat(b':')?;
            key(self, name)?;
            if !self.next_or_close(b'}')? {
                return Ok(());
            }
        }
    }

    /// An array's items in turn: `item` is called at each, with the scanner before it.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.eat(b'[')?;
        self.skip_blank();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// An array of strings into a list of the block's arena.
    fn list(&mut self, chunk: &mut ChunkBuilder) -> Scan<ListSpan> {
        let first = chunk.arena.start_list().map_err(|_| Unread)?;
        let mut scratch = Vec::new();
        self.array(|s| {
            let name = s.string(&mut scratch)?;
            chunk
                .arena
                .push_name_bytes(name.bytes())
                .map_err(|_| Unread)
        })?;
        Ok(chunk.arena.end_list(first))
    }

    /// An array of strings, each checked to be UTF-8 (the rare fields kept as `String`s).
    fn strings(&mut self) -> Scan<Vec<String>> {
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        self.array(|s| {
            let text = s.string(&mut scratch)?;
            out.push(
                std::str::from_utf8(text.bytes())
                    .map_err(|_| Unread)?
                    .to_owned(),
            );
            Ok(())
        })?;
        Ok(out)
    }

    /// A package error object: its `Err`.
    fn package_error(&mut self) -> Scan<String> {
        let mut err = None;
        self.object(|s, key| {
            if key == b"Err" {
                if err.is_some() {
                    return Err(Unread);
                }
                let mut scratch = Vec::new();
                let text = s.string(&mut scratch)?;
                err = Some(
                    std::str::from_utf8(text.bytes())
                        .map_err(|_| Unread)?
                        .to_owned(),
                );
                Ok(())
            } else {
                s.skip_value(1)
            }
        })?;
        Ok(err.unwrap_or_default())
    }

    /// A `Module` object (its `Replace` one level down).
    fn module(&mut self, depth: u32) -> Scan<RawModule<'b>> {
        if depth > 4 {
            return Err(Unread);
        }
        let mut module = RawModule::default();
        let mut seen = 0u32;
        self.object(|s, key| {
            let bit = match key {
                b"Path" => 1,
                b"Version" => 2,
                b"Main" => 4,
                b"Replace" => 8,
                b"Dir" => 16,
                _ => return s.skip_value(1),
            };
            if seen & bit != 0 {
                return Err(Unread);
            }
            seen |= bit;
            match bit {
                1 => module.path = s.raw()?,
                2 => module.version = s.optional_raw()?,
                4 => module.main = s.boolean()?,
                8 => {
                    module.replace = if s.null() {
                        None
                    } else {
                        Some(Box::new(s.module(depth + 1)?))
                    };
                }
                _ => module.dir = s.optional_raw()?,
            }
            Ok(())
        })?;
        Ok(module)
    }

    /// A package's `Module` (not `null`): the previous one's when its text is the same byte
    /// for byte, which one comparison tells (the same bytes are the same JSON value), else
    /// parsed. Most packages follow another of their module in a `go list` stream, and
    /// their `Module` objects are nearly half its bytes.
    fn module_info(&mut self, chunk: &mut ChunkBuilder) -> Scan<Arc<ModuleInfo>> {
        self.skip_blank();
        if let Some(last) = &self.last_module {
            let text = &self.bytes[last.start..last.end];
            if self.bytes[self.pos..].starts_with(text) {
                self.pos += text.len();
                self.newlines += last.newlines;
                return Ok(last.info.clone());
            }
        }
        let (start, newlines) = (self.pos, self.newlines);
        let module = self.module(0)?;
        let info = chunk
            .module::<serde_json::Error>(module)
            .map_err(|_| Unread)?;
        self.last_module = Some(LastModule {
            start,
            end: self.pos,
            newlines: self.newlines - newlines,
            info: info.clone(),
        });
        Ok(info)
    }

    /// A string as a [`Raw`] (owned when it had escapes).
    fn raw(&mut self) -> Scan<Raw<'b>> {
        let mut scratch = Vec::new();
        Ok(match self.string(&mut scratch)? {
            Text::Borrowed(bytes) => Raw::borrowed(bytes),
            Text::Decoded(bytes) => Raw::owned(bytes.clone()),
        })
    }

    fn optional_raw(&mut self) -> Scan<Option<Raw<'b>>> {
        if self.null() {
            Ok(None)
        } else {
            self.raw().map(Some)
        }
    }

    /// One package object into `chunk`.
    fn package(&mut self, chunk: &mut ChunkBuilder) -> Scan<()> {
        let mut draft = Draft::default();
        let mut id = None;
        let mut matches = Vec::new();
        let mut deps_errors = Vec::new();
        let mut imports = (chunk.imports.len() as u32, chunk.imports.len() as u32);
        let mut seen = 0u32;
        let mut scratch = Vec::new();
        self.object(|s, key| {
            let field = Field::of(key);
            let bit = field.bit();
            if seen & bit != 0 {
                return Err(Unread);
            }
            seen |= bit;
            match field {
                Field::ImportPath => {
                    if !s.null() {
                        let path = s.string(&mut scratch)?;
                        if !path.bytes().is_empty() {
                            id = Some(chunk.arena.push_bytes(path.bytes()).map_err(|_| Unread)?);
                        }
                    }
                }
                Field::Name => {
                    let name = s.string(&mut scratch)?;
                    draft.name = chunk.arena.push_bytes(name.bytes()).map_err(|_| Unread)?;
                }
                Field::Dir => {
                    if !s.null() {
                        let dir = s.string(&mut scratch)?;
                        if !dir.bytes().is_empty() {
                            draft.dir =
                                Some(chunk.arena.push_bytes(dir.bytes()).map_err(|_| Unread)?);
                        }
                    }
                }
                Field::Standard => draft.standard = s.boolean()?,
                Field::DepOnly => draft.dep_only = s.boolean()?,
                Field::Match => matches = s.strings()?,
                Field::Module => {
                    if !s.null() {
                        draft.module = Some(s.module_info(chunk)?);
                    }
                }
                Field::Imports => {
                    let start = chunk.imports.len() as u32;
                    s.array(|s| {
                        let path = s.string(&mut scratch)?;
                        let number = chunk
                            .import_number::<serde_json::Error>(path.bytes())
                            .map_err(|_| Unread)?;
                        chunk.imports.push(number);
                        Ok(())
                    })?;
                    imports = (start, chunk.imports.len() as u32);
                }
                Field::GoFiles => draft.go_files = s.list(chunk)?,
                Field::CgoFiles => draft.cgo_files = s.list(chunk)?,
                Field::IgnoredGoFiles => draft.ignored_go_files = s.list(chunk)?,
                Field::CFiles => draft.c_files = s.list(chunk)?,
                Field::CxxFiles => draft.cxx_files = s.list(chunk)?,
                Field::SysoFiles => draft.syso_files = s.list(chunk)?,
                Field::CgoLdflags => draft.set_ldflags(&s.strings()?),
                Field::CgoPkgConfig => draft.set_pkg_config(s.strings()?),
                Field::Error => {
                    if !s.null() {
                        draft.error = Some(super::go_list::one_line(&s.package_error()?));
                    }
                }
                Field::DepsErrors => {
                    let mut errors = Vec::new();
                    s.array(|s| {
                        errors.push(super::go_list::one_line(&s.package_error()?));
                        Ok(())
                    })?;
                    deps_errors = errors;
                }
                Field::Other => s.skip_value(1)?,
            }
            Ok(())
        })?;
        // Without an import path the package is serde's to report.
        draft.id = id.ok_or(Unread)?;
        chunk.push_package(draft, Extra::new(imports, matches, deps_errors));
        Ok(())
    }
}

/// A string as read: borrowed from the block, or decoded from its escapes into a scratch
/// buffer.
enum Text<'b, 's> {
    Borrowed(&'b [u8]),
    Decoded(&'s Vec<u8>),
}

impl Text<'_, '_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Borrowed(bytes) => bytes,
            Text::Decoded(bytes) => bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_finds_the_first_quote_backslash_or_control() {
        let at = |s: &[u8]| {
            let mut word = [b'a'; 8];
            word[..s.len()].copy_from_slice(s);
            let mask = specials(u64::from_le_bytes(word));
            (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)
        };
        assert_eq!(at(b"abc\"efgh"), Some(3));
        assert_eq!(at(b"\\bcdefgh"), Some(0));
        assert_eq!(at(b"abcdefg\n"), Some(7));
        assert_eq!(at(b"a\x7f\xff\xc3\xa9 ~!"), None);
        assert_eq!(at(b"ab\x1fd\"fgh"), Some(2));
    }

    /// The first special byte is found wherever it lies: in a 16-byte step, in an 8-byte
    /// word or in the bytes after; bytes from 0x20 up (DEL and non-ASCII too) are not special.
    #[test]
    fn find_special_finds_the_first_special_byte_at_any_place() {
        let plain: Vec<u8> = (0u8..=255)
            .filter(|&b| b >= 0x20 && b != b'"' && b != b'\\')
            .collect();
        for len in 1..=48 {
            for at in 0..len {
                for special in [b'"', b'\\', 0, b'\n', 0x1f] {
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|i| plain[(i * 7 + len) % plain.len()])
                        .collect();
                    bytes[at] = special;
                    if at + 1 < len {
                        bytes[len - 1] = b'"';
                    }
                    let scanner = Scanner::new(&bytes);
                    assert_eq!(scanner.find_special(0), Ok(at), "{bytes:?}");
                }
            }
            let bytes: Vec<u8> = (0..len).map(|i| plain[(i * 5) % plain.len()]).collect();
            assert_eq!(
                Scanner::new(&bytes).find_special(0),
                Err(Unread),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn numbers_and_literals_by_the_grammar() {
        let skip = |s: &str| {
            let mut scanner = Scanner::new(s.as_bytes());
            scanner.skip_value(0).is_ok() && scanner.pos == s.len()
        };
        for good in [
            "0",
            "-0",
            "12.5e-3",
            "1E9",
            "true",
            "null",
            "[]",
            "{}",
            "[1,{\"a\":[]}]",
        ] {
            assert!(skip(good), "{good}");
        }
        for bad in [
            "01", "-", "1.", ".5", "1e", "tru", "nul", "[1,]", "{\"a\"}", "{,}", "\"\t\"",
        ] {
            assert!(!skip(bad), "{bad}");
        }
    }
}
