//! What a Go file's header says, read the way `go/build` reads it: the build constraint (the
//! `//go:build` line, else the `// +build` lines of the leading comments, after
//! `parseFileHeader` and `shouldBuild`), the package clause, the imports and the doc comment
//! of `import "C"` (the cgo preamble, where the `#cgo` directives are). Also the `#cgo`
//! directive syntax (`saveCgo`, `splitQuoted`, `${SRCDIR}`).
//!
//! This is what the native loader reads instead of running `go list`; it stops at the first
//! declaration after the imports, as `go/build`'s `readGoInfo` does.

use crate::model::constraint::{self, Expr};

/// The build constraint of a file's leading comments, exactly as `go/build` decides: a
/// `//go:build` line anywhere in the leading run of `//` comments and blank lines controls;
/// else every `// +build` line of that run that is followed by a blank line counts (anded;
/// one that does not parse is skipped). Two `//go:build` lines are an error.
pub fn file_constraint(content: &str) -> Result<Option<Expr>, String> {
    let mut end = 0;
    let mut go_build: Option<&str> = None;
    let mut ended = false;
    let mut in_slash_star = false;
    let mut rest = content;
    'lines: while !rest.is_empty() {
        let (raw, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        let line = raw.trim();
        if line.is_empty() && !ended {
            end = content.len() - rest.len();
            continue;
        }
        if !line.starts_with("//") {
            ended = true;
        }
        if !in_slash_star && is_go_build(line) {
            if go_build.is_some() {
                return Err("multiple //go:build comments".to_owned());
            }
            go_build = Some(line);
        }
        let mut line = line;
        while !line.is_empty() {
            if in_slash_star {
                match line.find("*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = line[i + 2..].trim();
                        continue;
                    }
                    None => continue 'lines,
                }
            }
            if line.starts_with("//") {
                continue 'lines;
            }
            if let Some(after) = line.strip_prefix("/*") {
                in_slash_star = true;
                line = after.trim();
                continue;
            }
            break 'lines;
        }
    }
    if let Some(line) = go_build {
        let text = line["//go:build".len()..].trim();
        return constraint::parse_expr(text)
            .map(Some)
            .map_err(|err| format!("parsing //go:build line: {err}"));
    }
    let mut all: Option<Expr> = None;
    for line in content[..end].lines() {
        let line = line.trim();
        let Some(after) = line.strip_prefix("//") else {
            continue;
        };
        let after = after.trim();
        let Some(expr) = after.strip_prefix("+build") else {
            continue;
        };
        if !(expr.is_empty() || expr.starts_with([' ', '\t'])) {
            continue;
        }
        if let Ok(Some(expr)) = constraint::parse_plus_build(&[expr.trim().to_owned()]) {
            all = Some(match all {
                Some(before) => Expr::And(Box::new(before), Box::new(expr)),
                None => expr,
            });
        }
    }
    Ok(all)
}

fn is_go_build(line: &str) -> bool {
    match line.strip_prefix("//go:build") {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '\t']),
        None => false,
    }
}

/// The package clause and imports of a Go file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GoHeader {
    /// The package name.
    pub package: String,
    /// Import paths, in file order.
    pub imports: Vec<String>,
    /// The text of the doc comment of each `import "C"` (comment markers removed).
    pub cgo_docs: Vec<String>,
}

/// The header could not be read: the file ends before its imports do (read more of it), or
/// it is not Go.
#[derive(Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The bytes end inside the header.
    NeedMore,
    /// A syntax error.
    Syntax(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Str,
    Punct(u8),
    Eof,
}

struct Comment<'a> {
    start_line: usize,
    end_line: usize,
    text: &'a str,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    /// Whether the input is the whole file (an end is then the end, not a cut).
    complete: bool,
}

struct Token<'a> {
    tok: Tok<'a>,
    line: usize,
    /// A string literal's value.
    value: String,
    comments: Vec<Comment<'a>>,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Result<Token<'a>, HeaderError> {
        let bytes = self.src.as_bytes();
        let mut comments = Vec::new();
        loop {
            while self.pos < bytes.len() && matches!(bytes[self.pos], b' ' | b'\t' | b'\r' | b'\n')
            {
                if bytes[self.pos] == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            if bytes[self.pos..].starts_with(b"//") {
                let start = self.pos;
                let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                if end == bytes.len() && !self.complete {
                    return Err(HeaderError::NeedMore);
                }
                comments.push(Comment {
                    start_line: self.line,
                    end_line: self.line,
                    text: &self.src[start..end],
                });
                self.pos = end;
                continue;
            }
            if bytes[self.pos..].starts_with(b"/*") {
                let start = self.pos;
                let Some(close) = memchr::memmem::find(&bytes[start + 2..], b"*/") else {
                    return Err(if self.complete {
                        HeaderError::Syntax("comment not terminated".to_owned())
                    } else {
                        HeaderError::NeedMore
                    });
                };
                let end = start + 2 + close + 2;
                let start_line = self.line;
                self.line += memchr::memchr_iter(b'\n', &bytes[start..end]).count();
                comments.push(Comment {
                    start_line,
                    end_line: self.line,
                    text: &self.src[start..end],
                });
                self.pos = end;
                continue;
            }
            break;
        }
        let line = self.line;
        let mut value = String::new();
        let tok = match bytes.get(self.pos) {
            None if self.complete => Tok::Eof,
            None => return Err(HeaderError::NeedMore),
            Some(&b) if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 => {
                let start = self.pos;
                while self.pos < bytes.len()
                    && (bytes[self.pos] == b'_'
                        || bytes[self.pos].is_ascii_alphanumeric()
                        || bytes[self.pos] >= 0x80)
                {
                    self.pos += 1;
                }
                if self.pos == bytes.len() && !self.complete {
                    return Err(HeaderError::NeedMore);
                }
                Tok::Ident(&self.src[start..self.pos])
            }
            Some(b'"') => {
                let start = self.pos + 1;
                let mut i = start;
                loop {
                    match bytes.get(i) {
                        None => return Err(self.cut("string literal not terminated")),
                        Some(b'\n') => {
                            return Err(HeaderError::Syntax(
                                "string literal not terminated".to_owned(),
                            ));
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                let literal = &self.src[self.pos..=i];
                value = serde_json::from_str::<String>(literal)
                    .unwrap_or_else(|_| literal[1..literal.len() - 1].to_owned());
                self.pos = i + 1;
                Tok::Str
            }
            Some(b'`') => {
                let start = self.pos + 1;
                let Some(close) = memchr::memchr(b'`', &bytes[start..]) else {
                    return Err(self.cut("raw string literal not terminated"));
                };
                value = self.src[start..start + close].replace('\r', "");
                self.line += memchr::memchr_iter(b'\n', &bytes[start..start + close]).count();
                self.pos = start + close + 1;
                Tok::Str
            }
            // A `/` ending a partial read may start a comment.
            Some(b'/') if self.pos + 1 == bytes.len() && !self.complete => {
                return Err(HeaderError::NeedMore);
            }
            Some(&b) => {
                self.pos += 1;
                Tok::Punct(b)
            }
        };
        Ok(Token {
            tok,
            line,
            value,
            comments,
        })
    }

    fn cut(&self, what: &str) -> HeaderError {
        if self.complete {
            HeaderError::Syntax(what.to_owned())
        } else {
            HeaderError::NeedMore
        }
    }
}

/// The lead comment of a token (`go/parser`'s rule): the last group of adjacent comments
/// before it, when that group ends on the line just before the token and does not start on
/// the previous token's line.
fn lead_comment(token: &Token<'_>, previous_line: Option<usize>) -> Option<String> {
    let comments = &token.comments;
    let mut start = 0;
    // A group on the previous token's line is that token's line comment.
    if let Some(previous) = previous_line {
        while start < comments.len() && comments[start].start_line == previous {
            start += 1;
        }
    }
    if start == comments.len() {
        return None;
    }
    let mut group_start = start;
    for i in start + 1..comments.len() {
        if comments[i].start_line > comments[i - 1].end_line + 1 {
            group_start = i;
        }
    }
    let group = &comments[group_start..];
    if group.last()?.end_line + 1 != token.line {
        return None;
    }
    Some(comment_text(group))
}

/// `ast.CommentGroup.Text` as far as `#cgo` lines care: markers removed, directives
/// (`//go:x`, `//line`, `//export`, `//extern`) dropped.
fn comment_text(group: &[Comment<'_>]) -> String {
    let mut out = String::new();
    for comment in group {
        if let Some(body) = comment.text.strip_prefix("//") {
            if is_directive(body) {
                continue;
            }
            out.push_str(body);
        } else {
            let body = &comment.text[2..comment.text.len() - 2];
            out.push_str(body);
        }
        out.push('\n');
    }
    out
}

fn is_directive(body: &str) -> bool {
    if body.starts_with("line ") || body.starts_with("extern ") || body.starts_with("export ") {
        return true;
    }
    let bytes = body.as_bytes();
    let word = bytes
        .iter()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        .count();
    word > 0
        && bytes.get(word) == Some(&b':')
        && bytes
            .get(word + 1)
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Reads the package clause and imports. `complete` says whether `src` is the whole file;
/// when it is not and the header runs past its end, [`HeaderError::NeedMore`].
pub fn read_header(src: &str, complete: bool) -> Result<GoHeader, HeaderError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        line: 1,
        complete,
    };
    let syntax = |what: &str| HeaderError::Syntax(what.to_owned());
    let mut header = GoHeader::default();
    let token = lexer.next()?;
    if token.tok != Tok::Ident("package") {
        return Err(syntax("expected 'package'"));
    }
    let token = lexer.next()?;
    let Tok::Ident(name) = token.tok else {
        return Err(syntax("expected package name"));
    };
    header.package = name.to_owned();
    let mut previous_line = token.line;
    let mut token = lexer.next()?;
    loop {
        if token.tok == Tok::Punct(b';') {
            previous_line = token.line;
            token = lexer.next()?;
            continue;
        }
        if token.tok != Tok::Ident("import") {
            break;
        }
        let decl_doc = lead_comment(&token, Some(previous_line));
        let next = lexer.next()?;
        if next.tok == Tok::Punct(b'(') {
            previous_line = next.line;
            let mut specs: Vec<(String, Option<String>)> = Vec::new();
            let mut spec = lexer.next()?;
            loop {
                match spec.tok {
                    Tok::Punct(b')') => break,
                    Tok::Punct(b';') => {
                        previous_line = spec.line;
                        spec = lexer.next()?;
                        continue;
                    }
                    Tok::Eof => return Err(syntax("unterminated import group")),
                    _ => {}
                }
                let doc = lead_comment(&spec, Some(previous_line));
                let path = import_spec(&mut lexer, spec)?;
                previous_line = path.1;
                specs.push((path.0, doc));
                spec = lexer.next()?;
            }
            previous_line = spec.line;
            let single = specs.len() == 1;
            for (path, doc) in specs {
                let doc = doc.or_else(|| if single { decl_doc.clone() } else { None });
                push_import(&mut header, path, doc);
            }
        } else {
            let (path, line) = import_spec(&mut lexer, next)?;
            previous_line = line;
            push_import(&mut header, path, decl_doc);
        }
        token = lexer.next()?;
    }
    Ok(header)
}

fn push_import(header: &mut GoHeader, path: String, doc: Option<String>) {
    if path == "C"
        && let Some(doc) = doc
    {
        header.cgo_docs.push(doc);
    }
    header.imports.push(path);
}

/// One import spec starting at `first`: `[name] "path"`; the path and its line.
fn import_spec<'a>(
    lexer: &mut Lexer<'a>,
    first: Token<'a>,
) -> Result<(String, usize), HeaderError> {
    let token = match first.tok {
        Tok::Ident(_) | Tok::Punct(b'.') => lexer.next()?,
        _ => first,
    };
    if token.tok != Tok::Str {
        return Err(HeaderError::Syntax("expected import path".to_owned()));
    }
    Ok((token.value, token.line))
}

/// One `#cgo` line of a preamble, its condition not yet evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgoLine {
    /// The condition words (any may hold), empty for none.
    pub conditions: Vec<String>,
    /// `CFLAGS`, `LDFLAGS`, `pkg-config`, ...
    pub verb: String,
    /// The arguments, unquoted, `${SRCDIR}` not yet expanded.
    pub args: Vec<String>,
}

/// The `#cgo` lines of a preamble (`saveCgo`): `nocallback`/`noescape` lines skipped; a
/// malformed line is an error, as it is for `go build`.
pub fn cgo_lines(doc: &str) -> Result<Vec<CgoLine>, String> {
    let mut out = Vec::new();
    for orig in doc.split('\n') {
        let line = orig.trim();
        if line.len() < 5
            || !line.starts_with("#cgo")
            || !matches!(line.as_bytes()[4], b' ' | b'\t')
        {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() == 3 && (fields[1] == "nocallback" || fields[1] == "noescape") {
            continue;
        }
        let Some((head, args)) = line[4..].trim().split_once(':') else {
            return Err(format!("invalid #cgo line: {orig}"));
        };
        let mut words: Vec<String> = head.split_whitespace().map(str::to_owned).collect();
        let Some(verb) = words.pop() else {
            return Err(format!("invalid #cgo line: {orig}"));
        };
        let args = split_quoted(args).map_err(|err| format!("{err}: {orig}"))?;
        out.push(CgoLine {
            conditions: words,
            verb,
            args,
        });
    }
    Ok(out)
}

/// `go/build`'s `splitQuoted`: fields split at spaces, `'` and `"` quote, `\` escapes.
pub fn split_quoted(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut arg = String::new();
    let mut escaped = false;
    let mut quoted = false;
    let mut quote = '\0';
    for c in s.chars() {
        if escaped {
            escaped = false;
            arg.push(c);
        } else if quote != '\0' {
            if c == quote {
                quote = '\0';
            } else {
                arg.push(c);
            }
        } else if c == '"' || c == '\'' {
            quoted = true;
            quote = c;
        } else if c == '\\' {
            escaped = true;
        } else if c.is_whitespace() {
            if quoted || !arg.is_empty() {
                out.push(std::mem::take(&mut arg));
                quoted = false;
            }
        } else {
            arg.push(c);
        }
    }
    if quoted || !arg.is_empty() {
        out.push(arg);
    }
    if quote != '\0' {
        return Err("unclosed quote".to_owned());
    }
    if escaped {
        return Err("unfinished escaping".to_owned());
    }
    Ok(out)
}

/// `go/build`'s `expandSrcDir` and its safety check: `${SRCDIR}` replaced by `dir`; `None`
/// when the result is not a safe argument.
pub fn expand_srcdir(arg: &str, dir: &str) -> Option<String> {
    let chunks: Vec<&str> = arg.split("${SRCDIR}").collect();
    if chunks.len() < 2 {
        return safe_cgo_arg(arg).then(|| arg.to_owned());
    }
    let mut ok = true;
    for chunk in &chunks {
        ok = ok && (chunk.is_empty() || safe_cgo_arg(chunk));
    }
    ok = ok && (dir.is_empty() || safe_cgo_arg(dir));
    let expanded = chunks.join(dir);
    (ok && !expanded.is_empty()).then_some(expanded)
}

/// `go/build`'s `safeCgoName`: not empty, and every ASCII byte one of its safe set.
fn safe_cgo_arg(s: &str) -> bool {
    const SAFE: &[u8] =
        b"+-.,/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz:$@%! ~^";
    !s.is_empty() && s.bytes().all(|b| b >= 0x80 || SAFE.contains(&b))
}

/// `makePathsAbsolute`: relative `-I` and `-L` paths made absolute against `dir`.
pub fn make_paths_absolute(args: &mut [String], dir: &str) {
    let mut next_path = false;
    for arg in args.iter_mut() {
        if next_path {
            if !arg.starts_with('/') {
                *arg = join(dir, arg);
            }
            next_path = false;
        } else if arg.starts_with("-I") || arg.starts_with("-L") {
            if arg.len() == 2 {
                next_path = true;
            } else if !arg[2..].starts_with('/') {
                *arg = format!("{}{}", &arg[..2], join(dir, &arg[2..]));
            }
        }
    }
}

/// `filepath.Join` of an absolute directory and a relative path, cleaned.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preamble_is_the_doc_comment_of_import_c() {
        let src = "// Copyright\n\n//go:build cgo\n\npackage sqlite3 // the package\n\n/*\n#cgo CFLAGS: -DX\n#cgo linux LDFLAGS: -ldl\n*/\nimport \"C\"\nimport (\n\t\"fmt\" // line comment\n\n\t// not a preamble\n\n\tx \"os\"\n\t. `strings`\n)\n\nfunc f() {}\n";
        let header = read_header(src, true).unwrap();
        assert_eq!(header.package, "sqlite3");
        assert_eq!(header.imports, ["C", "fmt", "os", "strings"]);
        assert_eq!(header.cgo_docs.len(), 1);
        let lines = cgo_lines(&header.cgo_docs[0]).unwrap();
        assert_eq!(lines[1].conditions, ["linux"]);
        assert_eq!(lines[1].verb, "LDFLAGS");
        assert_eq!(lines[1].args, ["-ldl"]);
        // A blank line between the comment and the import: no preamble.
        let header =
            read_header("package x\n\n// #cgo LDFLAGS: -lm\n\nimport \"C\"\n", true).unwrap();
        assert!(header.cgo_docs.is_empty());
        // Grouped import with one spec: the declaration's doc.
        let header = read_header(
            "package x\n// #cgo LDFLAGS: -lm\nimport (\n\"C\"\n)\n",
            true,
        )
        .unwrap();
        assert_eq!(header.cgo_docs.len(), 1);
        // A cut header asks for more, wherever it is cut.
        let whole = "// long comment\n/* block */\npackage x // c\n\nimport (\n\t\"fmt\"\n\tx `os`\n)\n\nfunc f() {}\n";
        let expected = read_header(whole, true).unwrap();
        for cut in 0..whole.len() {
            match read_header(&whole[..cut], false) {
                Err(HeaderError::NeedMore) => {}
                Ok(header) => assert_eq!(header, expected, "cut at {cut}"),
                Err(err) => panic!("cut at {cut}: {err:?}"),
            }
        }
    }

    #[test]
    fn constraints_as_go_build_reads_them() {
        let c = |s: &str| file_constraint(s).unwrap().map(|e| e.to_string());
        assert_eq!(
            c("//go:build linux\n\npackage x\n").as_deref(),
            Some("linux")
        );
        // A +build line must be followed by a blank line.
        assert_eq!(c("// +build linux\npackage x\n"), None);
        assert_eq!(
            c("// +build linux\n\npackage x\n").as_deref(),
            Some("linux")
        );
        // After the package clause nothing counts.
        assert_eq!(c("package x\n\n//go:build linux\n"), None);
        assert!(file_constraint("//go:build a\n//go:build b\n\npackage x\n").is_err());
        // A //go:build line after a /* */ comment still counts (go/build does this); a
        // +build line there does not.
        assert_eq!(
            c("/* c */\n//go:build linux\n\npackage x\n").as_deref(),
            Some("linux")
        );
        assert_eq!(c("/* c */\n// +build linux\n\npackage x\n"), None);
    }

    #[test]
    fn quoting_and_srcdir() {
        assert_eq!(
            split_quoted(r#"-I"a b" 'c' d\ e"#).unwrap(),
            ["-Ia b", "c", "d e"]
        );
        assert_eq!(
            expand_srcdir("-L${SRCDIR}/lib", "/m/x").as_deref(),
            Some("-L/m/x/lib")
        );
        let mut args = vec!["-Ifoo".to_owned(), "-L".to_owned(), "../lib".to_owned()];
        make_paths_absolute(&mut args, "/m/x");
        assert_eq!(args, ["-I/m/x/foo", "-L", "/m/lib"]);
    }
}
