//! Go build constraints: the `//go:build` expression (and the legacy `// +build` lines), the
//! `_GOOS_GOARCH.go` file-name rule, and their evaluation under a build configuration — the
//! same decisions `go/build` makes when it sorts a package's files into `GoFiles`, `CgoFiles`
//! and `IgnoredGoFiles`. Pure: the caller reads the file headers.

use std::collections::BTreeSet;
use std::fmt;

/// Operating systems `go/build` knows (`syslist.go`): a file-name suffix or an identifier
/// equal to one of these is a GOOS constraint, never a user tag.
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Operating systems for which the `unix` constraint holds (`syslist.go`, `UnixOS`).
pub const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// Architectures `go/build` knows (`syslist.go`).
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// A build-constraint expression.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Expr {
    /// A tag.
    Tag(String),
    /// `!x`.
    Not(Box<Expr>),
    /// `x && y`.
    And(Box<Expr>, Box<Expr>),
    /// `x || y`.
    Or(Box<Expr>, Box<Expr>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn go(e: &Expr, f: &mut fmt::Formatter<'_>, parent: u8) -> fmt::Result {
            match e {
                Expr::Tag(t) => write!(f, "{t}"),
                Expr::Not(x) => {
                    write!(f, "!")?;
                    go(x, f, 3)
                }
                Expr::And(a, b) => {
                    if parent > 2 {
                        write!(f, "(")?;
                    }
                    go(a, f, 2)?;
                    write!(f, " && ")?;
                    go(b, f, 2)?;
                    if parent > 2 {
                        write!(f, ")")?;
                    }
                    Ok(())
                }
                Expr::Or(a, b) => {
                    if parent > 1 {
                        write!(f, "(")?;
                    }
                    go(a, f, 1)?;
                    write!(f, " || ")?;
                    go(b, f, 1)?;
                    if parent > 1 {
                        write!(f, ")")?;
                    }
                    Ok(())
                }
            }
        }
        go(self, f, 0)
    }
}

impl Expr {
    /// Evaluates with `holds` deciding each tag.
    pub fn eval(&self, holds: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::Tag(tag) => holds(tag),
            Expr::Not(x) => !x.eval(holds),
            Expr::And(a, b) => a.eval(holds) && b.eval(holds),
            Expr::Or(a, b) => a.eval(holds) || b.eval(holds),
        }
    }

    /// Every tag the expression names, sorted.
    pub fn tags(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        fn walk(e: &Expr, out: &mut BTreeSet<String>) {
            match e {
                Expr::Tag(t) => {
                    out.insert(t.clone());
                }
                Expr::Not(x) => walk(x, out),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        walk(self, &mut out);
        out
    }

    fn and(a: Expr, b: Expr) -> Expr {
        Expr::And(Box::new(a), Box::new(b))
    }

    fn or(a: Expr, b: Expr) -> Expr {
        Expr::Or(Box::new(a), Box::new(b))
    }
}

/// Parses a `//go:build` expression (the text after `//go:build`).
pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.pos]));
    }
    Ok(expr)
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Tag(String),
    Not,
    And,
    Or,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'!' => {
                out.push(Token::Not);
                i += 1;
            }
            b'(' => {
                out.push(Token::Open);
                i += 1;
            }
            b')' => {
                out.push(Token::Close);
                i += 1;
            }
            b'&' if bytes.get(i + 1) == Some(&b'&') => {
                out.push(Token::And);
                i += 2;
            }
            b'|' if bytes.get(i + 1) == Some(&b'|') => {
                out.push(Token::Or);
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
                {
                    i += 1;
                }
                out.push(Token::Tag(text[start..i].to_owned()));
            }
            _ => return Err(format!("unexpected character {:?}", bytes[i] as char)),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::or(left, right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            let right = self.not()?;
            left = Expr::and(left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.tokens.get(self.pos).cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("missing )".to_owned());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Token::Tag(tag)) => {
                self.pos += 1;
                Ok(Expr::Tag(tag))
            }
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("unexpected end of expression".to_owned()),
        }
    }
}

/// Parses the legacy `// +build` lines (each the text after `+build`): within a line, space
/// separates alternatives and comma conjunctions; the lines are and-ed.
pub fn parse_plus_build(lines: &[String]) -> Result<Option<Expr>, String> {
    let mut all: Option<Expr> = None;
    for line in lines {
        let mut any: Option<Expr> = None;
        for alternative in line.split_whitespace() {
            let mut conj: Option<Expr> = None;
            for term in alternative.split(',') {
                let (negated, name) = match term.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, term),
                };
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                {
                    return Err(format!("bad +build term {term:?}"));
                }
                let tag = Expr::Tag(name.to_owned());
                let term = if negated {
                    Expr::Not(Box::new(tag))
                } else {
                    tag
                };
                conj = Some(match conj {
                    Some(c) => Expr::and(c, term),
                    None => term,
                });
            }
            if let Some(c) = conj {
                any = Some(match any {
                    Some(a) => Expr::or(a, c),
                    None => c,
                });
            }
        }
        if let Some(a) = any {
            all = Some(match all {
                Some(x) => Expr::and(x, a),
                None => a,
            });
        }
    }
    Ok(all)
}

/// The constraint lines of a Go file's header (before the package clause): the `//go:build`
/// expression when there is one (Go ignores `// +build` then), else the `// +build` lines.
pub fn header_constraint(source: &str) -> Result<Option<Expr>, String> {
    header_constraint_of(source, true).expect("a whole file's header ends")
}

/// [`header_constraint`] of the first bytes of a file, or `None` when they end inside the
/// header (before a whole line that is neither blank nor a comment).
pub fn header_constraint_of_prefix(prefix: &str) -> Option<Result<Option<Expr>, String>> {
    header_constraint_of(prefix, false)
}

fn header_constraint_of(source: &str, whole: bool) -> Option<Result<Option<Expr>, String>> {
    let mut go_build: Option<String> = None;
    let mut plus: Vec<String> = Vec::new();
    let mut in_block = false;
    let mut ended = whole;
    for raw in source.split_inclusive('\n') {
        let line = raw.trim();
        if in_block {
            if line.contains("*/") {
                in_block = false;
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("//") {
            if let Some(expr) = rest.strip_prefix("go:build") {
                if expr.starts_with([' ', '\t']) && go_build.is_none() {
                    go_build = Some(expr.trim().to_owned());
                }
            } else if let Some(expr) = rest.trim_start().strip_prefix("+build")
                && (expr.is_empty() || expr.starts_with([' ', '\t']))
            {
                plus.push(expr.trim().to_owned());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("/*") {
            if !rest.contains("*/") {
                in_block = true;
            }
            continue;
        }
        // A line cut short could still turn out to be a comment.
        ended = whole || raw.ends_with('\n');
        break;
    }
    if !ended {
        return None;
    }
    Some(match go_build {
        Some(text) => parse_expr(&text).map(Some),
        None => parse_plus_build(&plus),
    })
}

/// The configuration a file is judged under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// GOOS.
    pub goos: String,
    /// GOARCH.
    pub goarch: String,
    /// CGO_ENABLED.
    pub cgo: bool,
    /// `-tags`, plus `goexperiment.X` tags.
    pub tags: BTreeSet<String>,
    /// The Go minor release (26 for go1.26.8): `go1.1` … `go1.N` hold.
    pub go_minor: u32,
}

impl Context {
    /// True when the tag holds under this configuration (as `go/build`'s `matchTag`).
    pub fn holds(&self, tag: &str) -> bool {
        if tag == self.goos || tag == self.goarch || tag == "gc" {
            return true;
        }
        if tag == "cgo" {
            return self.cgo;
        }
        // `boringcrypto` is the old name of `goexperiment.boringcrypto`.
        if tag == "boringcrypto" {
            return self.tags.contains("goexperiment.boringcrypto");
        }
        if tag == "unix" {
            return UNIX_OS.contains(&self.goos.as_str());
        }
        // GOOS=android implies linux, illumos implies solaris, ios implies darwin.
        if (tag == "linux" && self.goos == "android")
            || (tag == "solaris" && self.goos == "illumos")
            || (tag == "darwin" && self.goos == "ios")
        {
            return true;
        }
        if let Some(minor) = tag.strip_prefix("go1.")
            && let Ok(minor) = minor.parse::<u32>()
        {
            return minor <= self.go_minor;
        }
        self.tags.contains(tag)
    }

    /// True when `tag` is decided by the configuration itself (GOOS, GOARCH, cgo, unix, the
    /// compiler, Go releases), not a user build tag.
    pub fn is_config_tag(tag: &str) -> bool {
        KNOWN_OS.contains(&tag)
            || KNOWN_ARCH.contains(&tag)
            || matches!(tag, "cgo" | "unix" | "gc" | "gccgo" | "ignore")
            || tag.starts_with("go1.")
            || tag.starts_with("goexperiment.")
    }

    /// This context with one more tag.
    pub fn with_tag(&self, tag: &str) -> Context {
        let mut next = self.clone();
        next.tags.insert(tag.to_owned());
        next
    }
}

/// The `_GOOS`, `_GOARCH`, `_GOOS_GOARCH` suffix rule of file names (`go/build`'s
/// `goodOSArchFile`): the name is cut at its first `.`, everything before the first `_` is
/// the name proper, a trailing `_test` is dropped; true when the name allows the
/// configuration.
pub fn name_allows(name: &str, context: &Context) -> bool {
    name_tags(name).into_iter().all(|tag| context.holds(tag))
}

/// The tags [`name_allows`] asks about for a file name.
pub fn name_tags(name: &str) -> Vec<&str> {
    let stem = name.split('.').next().unwrap_or(name);
    let Some(underscore) = stem.find('_') else {
        return Vec::new();
    };
    let mut parts: Vec<&str> = stem[underscore..].split('_').collect();
    if parts.last() == Some(&"test") {
        parts.pop();
    }
    let n = parts.len();
    if n >= 2 && KNOWN_OS.contains(&parts[n - 2]) && KNOWN_ARCH.contains(&parts[n - 1]) {
        return vec![parts[n - 2], parts[n - 1]];
    }
    if n >= 1 && (KNOWN_OS.contains(&parts[n - 1]) || KNOWN_ARCH.contains(&parts[n - 1])) {
        return vec![parts[n - 1]];
    }
    Vec::new()
}

/// Whether `go/build` compiles a file: the name rule, the header constraint, and for files
/// with `import "C"` cgo itself.
pub fn compiles(name: &str, constraint: Option<&Expr>, uses_cgo: bool, context: &Context) -> bool {
    if name.starts_with('_') || name.starts_with('.') {
        return false;
    }
    if !name_allows(name, context) {
        return false;
    }
    if uses_cgo && !context.cgo {
        return false;
    }
    constraint.is_none_or(|expr| expr.eval(&|tag| context.holds(tag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux(cgo: bool, tags: &[&str]) -> Context {
        Context {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            go_minor: 26,
        }
    }

    #[test]
    fn go_build_lines_parse_and_evaluate() {
        let e = header_constraint(
            "// Copyright\n\n//go:build linux && cgo && !static\n\npackage system\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.to_string(), "linux && cgo && !static");
        assert!(e.eval(&|t| linux(true, &[]).holds(t)));
        assert!(!e.eval(&|t| linux(true, &["static"]).holds(t)));
        assert!(!e.eval(&|t| linux(false, &[]).holds(t)));
        let e = parse_expr("(amd64 || arm64) && !static_build && !gccgo").unwrap();
        assert_eq!(e.to_string(), "(amd64 || arm64) && !static_build && !gccgo");
        assert!(e.eval(&|t| linux(true, &[]).holds(t)));
    }

    #[test]
    fn plus_build_lines_are_anded_and_go_build_wins() {
        let e = header_constraint("// +build !windows\n// +build cgo,linux go1.99\n\npackage x\n")
            .unwrap()
            .unwrap();
        assert!(e.eval(&|t| linux(true, &[]).holds(t)));
        assert!(!e.eval(&|t| linux(false, &[]).holds(t)));
        let e = header_constraint("//go:build ignore\n// +build linux\n\npackage x\n")
            .unwrap()
            .unwrap();
        assert_eq!(e, Expr::Tag("ignore".into()));
        assert_eq!(
            header_constraint("package x\n// +build linux\n").unwrap(),
            None
        );
        assert!(parse_expr("a &&").is_err());
        assert!(parse_expr("a & b").is_err());
    }

    #[test]
    fn file_names_constrain_goos_and_goarch() {
        let ctx = linux(true, &[]);
        assert!(name_allows("dlopen_linux.go", &ctx));
        assert!(!name_allows("cpu_windows.go", &ctx));
        assert!(name_allows("x_linux_amd64.go", &ctx));
        assert!(!name_allows("x_linux_arm64.go", &ctx));
        assert!(name_allows("linux.go", &ctx));
        assert!(name_allows("sqlite3_other.go", &ctx));
        assert!(!compiles("x.go", None, true, &linux(false, &[])));
        assert!(!compiles("_x.go", None, false, &ctx));
    }
}
