//! Strings of the graph's nodes kept in shared buffers: a [`Str`] (an id, a package name, a
//! directory) and a [`Names`] list (a package's files) are spans of one [`Arena`] that the
//! loader filled for many packages at once, so a node costs no allocation per string and
//! dropping a graph frees a few large buffers instead of millions of small ones.
//!
//! Both read as ordinary strings: `Str` derefs to `str` and compares, hashes, orders,
//! prints and serializes as its text; `Names` iterates, compares and serializes as a list
//! of `&str`. Made from a `String` (tests, the Cargo loader), each owns a small arena of its
//! own.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Text and list boundaries shared by the strings of many nodes.
#[derive(Debug, Default)]
pub struct Arena {
    text: String,
    /// For each list, the offsets where its names start, then where its last one ends.
    cuts: Vec<u32>,
}

/// Fills an [`Arena`]: strings and lists are appended, and their spans handed back to be
/// turned into [`Str`] and [`Names`] once the arena is shared ([`ArenaBuilder::finish`]).
///
/// Strings may be appended as bytes (a JSON parser's strings, before any UTF-8 check):
/// the whole text is checked once, when the arena is finished, which costs far less than
/// a check per string.
#[derive(Debug, Default)]
pub struct ArenaBuilder {
    text: Vec<u8>,
    cuts: Vec<u32>,
}

/// Where a string lies in an arena: `start..end` of its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The empty string.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Where a list lies in an arena: its cuts start at `first`, and it has `count` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListSpan {
    first: u32,
    count: u32,
}

impl ListSpan {
    /// No name.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The arena outgrew the 32-bit offsets of its spans (one load's block of packages past
/// 4 GiB of strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaFull;

impl fmt::Display for ArenaFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("more than 4 GiB of strings in one block of the input")
    }
}

impl std::error::Error for ArenaFull {}

fn offset(n: usize) -> Result<u32, ArenaFull> {
    u32::try_from(n).map_err(|_| ArenaFull)
}

impl ArenaBuilder {
    /// An empty builder with room for `bytes` of text.
    pub fn with_capacity(bytes: usize) -> Self {
        ArenaBuilder {
            text: Vec::with_capacity(bytes),
            cuts: Vec::new(),
        }
    }

    /// An empty builder with room for `bytes` of text and `cuts` list boundaries.
    pub fn with_capacities(bytes: usize, cuts: usize) -> Self {
        ArenaBuilder {
            text: Vec::with_capacity(bytes),
            cuts: Vec::with_capacity(cuts),
        }
    }

    /// List boundaries so far.
    pub fn cuts_len(&self) -> usize {
        self.cuts.len()
    }

    /// Appends one string.
    pub fn push(&mut self, s: &str) -> Result<Span, ArenaFull> {
        self.push_bytes(s.as_bytes())
    }

    /// Appends one string given as bytes (checked to be UTF-8 when the arena is finished).
    pub fn push_bytes(&mut self, s: &[u8]) -> Result<Span, ArenaFull> {
        let start = offset(self.text.len())?;
        self.text.extend_from_slice(s);
        let end = offset(self.text.len())?;
        Ok(Span { start, end })
    }

    /// Starts a list: names pushed with [`ArenaBuilder::push_name`] until
    /// [`ArenaBuilder::end_list`] belong to it.
    pub fn start_list(&mut self) -> Result<u32, ArenaFull> {
        let first = offset(self.cuts.len())?;
        self.cuts.push(offset(self.text.len())?);
        Ok(first)
    }

    /// Appends a name to the list being made.
    pub fn push_name(&mut self, name: &str) -> Result<(), ArenaFull> {
        self.push_name_bytes(name.as_bytes())
    }

    /// Appends a name given as bytes (see [`ArenaBuilder::push_bytes`]).
    pub fn push_name_bytes(&mut self, name: &[u8]) -> Result<(), ArenaFull> {
        self.text.extend_from_slice(name);
        self.cuts.push(offset(self.text.len())?);
        Ok(())
    }

    /// Ends the list started at `first`.
    pub fn end_list(&mut self, first: u32) -> ListSpan {
        ListSpan {
            first,
            count: self.cuts.len() as u32 - first - 1,
        }
    }

    /// A whole list at once.
    pub fn push_list<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<ListSpan, ArenaFull> {
        let first = self.start_list()?;
        for name in names {
            self.push_name(name)?;
        }
        Ok(self.end_list(first))
    }

    /// Bytes of text so far.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Nothing pushed yet.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.cuts.is_empty()
    }

    /// The arena, to be shared by the strings made from its spans; an error when a string
    /// pushed as bytes was not UTF-8 (its spans are then not to be used).
    pub fn finish(self) -> Result<Arc<Arena>, std::string::FromUtf8Error> {
        let mut text = String::from_utf8(self.text)?;
        let mut cuts = self.cuts;
        // Room left by a generous guess is given back when it is more than a quarter (a
        // shrink is a copy).
        if text.capacity() > text.len() + text.len() / 4 {
            text.shrink_to_fit();
        }
        if cuts.capacity() > cuts.len() + cuts.len() / 4 {
            cuts.shrink_to_fit();
        }
        Ok(Arc::new(Arena { text, cuts }))
    }

    /// [`ArenaBuilder::finish`] for a builder given only `&str`s (whose text is UTF-8).
    pub fn finish_text(self) -> Arc<Arena> {
        self.finish().unwrap_or_else(|err| {
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            Arc::new(Arena {
                text,
                cuts: Vec::new(),
            })
        })
    }
}

/// A string held in a shared [`Arena`] (or nowhere: the empty string).
#[derive(Clone, Default)]
pub struct Str {
    arena: Option<Arc<Arena>>,
    start: u32,
    end: u32,
}

impl Str {
    /// The string at `span` of `arena` (empty spans keep no arena alive).
    pub fn new(arena: &Arc<Arena>, span: Span) -> Self {
        if span.start == span.end {
            return Str::default();
        }
        Str {
            arena: Some(arena.clone()),
            start: span.start,
            end: span.end,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.arena {
            Some(arena) => &arena.text[self.start as usize..self.end as usize],
            None => "",
        }
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        let mut builder = ArenaBuilder::with_capacity(s.len());
        match builder.push(s) {
            Ok(span) => Str::new(&builder.finish_text(), span),
            // A string of 4 GiB or more is cut short rather than refused: nothing in a
            // dependency graph is that long, and `From` cannot fail.
            Err(ArenaFull) => {
                let mut end = u32::MAX as usize;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                Str::from(&s[..end])
            }
        }
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str::from(s.as_str())
    }
}

impl From<&String> for Str {
    fn from(s: &String) -> Self {
        Str::from(s.as_str())
    }
}

impl From<Str> for String {
    fn from(s: Str) -> Self {
        s.as_str().to_owned()
    }
}

impl From<&Str> for String {
    fn from(s: &Str) -> Self {
        s.as_str().to_owned()
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<std::path::Path> for Str {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(self.as_str())
    }
}

impl AsRef<std::ffi::OsStr> for Str {
    fn as_ref(&self) -> &std::ffi::OsStr {
        std::ffi::OsStr::new(self.as_str())
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Str {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Str> for str {
    fn eq(&self, other: &Str) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Str> for &str {
    fn eq(&self, other: &Str) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Str> for String {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Str {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A list of names (a package's files) held in a shared [`Arena`].
#[derive(Clone, Default)]
pub struct Names {
    arena: Option<Arc<Arena>>,
    first: u32,
    count: u32,
}

impl Names {
    /// The list at `span` of `arena` (an empty list keeps no arena alive).
    pub fn new(arena: &Arc<Arena>, span: ListSpan) -> Self {
        if span.count == 0 {
            return Names::default();
        }
        Names {
            arena: Some(arena.clone()),
            first: span.first,
            count: span.count,
        }
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// No name.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `i`-th name.
    pub fn get(&self, i: usize) -> Option<&str> {
        let arena = self.arena.as_ref()?;
        if i >= self.count as usize {
            return None;
        }
        let at = self.first as usize + i;
        Some(&arena.text[arena.cuts[at] as usize..arena.cuts[at + 1] as usize])
    }

    /// The names, in order.
    pub fn iter(&self) -> NamesIter<'_> {
        NamesIter {
            names: self,
            next: 0,
        }
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// The names joined with `separator`.
    pub fn join(&self, separator: &str) -> String {
        let mut out = String::new();
        for (i, name) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(name);
        }
        out
    }

    /// The names as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

/// The names of a [`Names`], in order.
#[derive(Clone)]
pub struct NamesIter<'a> {
    names: &'a Names,
    next: usize,
}

impl<'a> Iterator for NamesIter<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let name = self.names.get(self.next)?;
        self.next += 1;
        Some(name)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.names.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for NamesIter<'_> {}

impl<'a> IntoIterator for &'a Names {
    type Item = &'a str;
    type IntoIter = NamesIter<'a>;
    fn into_iter(self) -> NamesIter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Names {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        let names: Vec<S> = names.into_iter().collect();
        let bytes = names.iter().map(|n| n.as_ref().len()).sum();
        let mut builder = ArenaBuilder::with_capacity(bytes);
        match builder.push_list(names.iter().map(AsRef::as_ref)) {
            Ok(span) => Names::new(&builder.finish_text(), span),
            // See `Str::from`: nothing a graph holds comes near 4 GiB.
            Err(ArenaFull) => Names::default(),
        }
    }
}

impl From<Vec<String>> for Names {
    fn from(names: Vec<String>) -> Self {
        names.into_iter().collect()
    }
}

impl From<Vec<&str>> for Names {
    fn from(names: Vec<&str>) -> Self {
        names.into_iter().collect()
    }
}

impl<const N: usize> From<[&str; N]> for Names {
    fn from(names: [&str; N]) -> Self {
        names.into_iter().collect()
    }
}

impl PartialEq for Names {
    fn eq(&self, other: &Names) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Names {}

impl<S: AsRef<str>> PartialEq<[S]> for Names {
    fn eq(&self, other: &[S]) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Names {
    fn eq(&self, other: &[S; N]) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Names {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl fmt::Debug for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Names {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_one_arena_read_back_as_pushed() {
        let mut builder = ArenaBuilder::default();
        let id = builder.push("example.com/p").unwrap();
        let empty = builder.push("").unwrap();
        let files = builder.push_list(["a.go", "", "b\"}.go"]).unwrap();
        let none = builder.push_list([]).unwrap();
        let arena = builder.finish().unwrap();
        let id = Str::new(&arena, id);
        assert_eq!(id, "example.com/p");
        assert_eq!(id.len(), 13);
        assert!(Str::new(&arena, empty).is_empty());
        let files = Names::new(&arena, files);
        assert_eq!(files, ["a.go", "", "b\"}.go"]);
        assert_eq!(files.len(), 3);
        assert!(files.contains("") && !files.contains("c.go"));
        assert_eq!(files.join(", "), "a.go, , b\"}.go");
        assert!(Names::new(&arena, none).is_empty());
        assert_eq!(Names::new(&arena, none), Names::default());
        assert_eq!(Names::from(vec!["a.go", "", "b\"}.go"]), files);
        assert_eq!(Str::from("example.com/p"), id);
        assert_eq!(
            serde_json::to_string(&(id, files)).unwrap(),
            r#"["example.com/p",["a.go","","b\"}.go"]]"#
        );
        // Bytes that are not UTF-8 are refused when the arena is finished.
        let mut builder = ArenaBuilder::default();
        builder.push_bytes(b"ok").unwrap();
        builder.push_bytes(b"\xff").unwrap();
        assert!(builder.finish().is_err());
    }
}
