//! Go package patterns as `go list` understands them: `...` matches any string, and a
//! trailing `/...` also matches the path before it (`net/...` matches `net` and `net/http`).

/// A pattern taken apart once, for matching many names (rule matching asks it of every
/// package of every configuration): [`matches()`] without looking for `...` each time.
pub struct Compiled<'p> {
    pattern: &'p str,
    kind: Kind<'p>,
}

enum Kind<'p> {
    /// No `...`: the name itself.
    Exact,
    /// `path/...`: `path` and below.
    Below(&'p str),
    /// Anything else: the literal head (before the first `...`) and tail (after the last).
    Glob { head: &'p str, tail: &'p str },
}

impl<'p> Compiled<'p> {
    /// Takes `pattern` apart.
    pub fn new(pattern: &'p str) -> Self {
        let kind = match (pattern.find("..."), pattern.rfind("...")) {
            (Some(first), Some(last)) => match pattern.strip_suffix("/...") {
                Some(prefix) if !prefix.contains("...") => Kind::Below(prefix),
                _ => Kind::Glob {
                    head: &pattern[..first],
                    tail: &pattern[last + 3..],
                },
            },
            _ => Kind::Exact,
        };
        Compiled { pattern, kind }
    }

    /// True when `name` matches, as [`matches()`] says.
    pub fn matches(&self, name: &str) -> bool {
        match self.kind {
            Kind::Exact => self.pattern == name,
            Kind::Below(prefix) => name
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
            Kind::Glob { head, tail } => {
                // The last byte first: it turns most names away without a call to memcmp
                // (rule matching asks every package of a graph about these patterns).
                tail.as_bytes()
                    .last()
                    .is_none_or(|b| name.as_bytes().last() == Some(b))
                    && name.len() >= head.len() + tail.len()
                    && name.ends_with(tail)
                    && name.starts_with(head)
                    && glob(self.pattern.as_bytes(), name.as_bytes())
            }
        }
    }
}

/// True when `name` matches the Go package pattern `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains("...") {
        return pattern == name;
    }
    // The common shape, `path/...`: a prefix test, no glob (rule matching asks it of every
    // package).
    if let Some(prefix) = pattern.strip_suffix("/...")
        && !prefix.contains("...")
    {
        return name
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    }
    // What comes before the first `...` and after the last is literal: a name without that
    // prefix and suffix cannot match (most names, for a pattern like `.../storage/pkg/x`),
    // and is turned away without the glob's backtracking.
    let (first, last) = (
        pattern.find("...").expect("a pattern"),
        pattern.rfind("...").expect("a pattern"),
    );
    if !name.starts_with(&pattern[..first]) || !name.ends_with(&pattern[last + 3..]) {
        return false;
    }
    glob(pattern.as_bytes(), name.as_bytes())
}

/// Matches with `...` as the only wildcard, iteratively (no exponential backtracking).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if pattern[p..].starts_with(b"...") {
            star = Some((p + 3, n));
            p += 3;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    while pattern[p..].starts_with(b"...") {
        p += 3;
    }
    p == pattern.len()
}

/// True when the string is a pattern rather than a literal path.
pub fn is_pattern(text: &str) -> bool {
    text.contains("...")
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn go_patterns() {
        assert!(matches("net/...", "net"));
        assert!(matches("net/...", "net/http"));
        assert!(!matches("net/...", "netx"));
        assert!(matches("github.com/a/.../b", "github.com/a/x/y/b"));
        assert!(!matches("github.com/a/.../b", "github.com/a/x/y/c"));
        assert!(matches("...", "anything"));
        assert!(matches("os/user", "os/user"));
        assert!(!matches("os/user", "os/users"));
        assert!(matches(
            "example.com/...sqlite...",
            "example.com/go-sqlite3/x"
        ));
        assert!(matches(".../storage/pkg/x", "github.com/c/storage/pkg/x"));
        assert!(!matches(".../storage/pkg/x", "github.com/c/storage/pkg/y"));
        assert!(matches("a/...b", "a/b"));
        assert!(!matches("a/...b", "xa/b"));
        assert!(matches("github.com/.../pcap", "github.com/g/gopacket/pcap"));
        // Prefix and suffix may not overlap: "ab...ba" needs at least "abba".
        assert!(!matches("ab...ba", "aba"));
        let names = [
            "net", "net/http", "netx", "a/b", "xa/b", "aba", "abba", "os/user", "",
        ];
        let patterns = [
            "net/...", "net", "...", "a/...b", "ab...ba", ".../b", "os/...r",
        ];
        for pattern in patterns {
            let compiled = super::Compiled::new(pattern);
            for name in names {
                assert_eq!(
                    compiled.matches(name),
                    matches(pattern, name),
                    "{pattern} {name}"
                );
            }
        }
    }
}
