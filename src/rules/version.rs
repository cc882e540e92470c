//! Go module versions and version ranges for rules (`">= 1.7.0, < 1.7.25"`).
//!
//! Hand-written rather than the `semver` crate: Go versions carry a `v`, `+incompatible`, and
//! pseudo-versions (`v1.7.25-0.20240101-abcdef`), and `semver::VersionReq` will not let a
//! pre-release such as a pseudo-version match `< 1.7.25` unless the comparator names the same
//! pre-release. Here a pre-release simply sorts before its release, as in `golang.org/x/mod/semver`.

use std::cmp::Ordering;
use std::fmt;

use anyhow::{Result, bail};

/// A parsed version: `major.minor.patch` and an optional pre-release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    numbers: [u64; 3],
    prerelease: Option<String>,
}

impl Version {
    /// Parses `v1.2.3`, `1.2`, `v1.2.3-pre+meta`, `go1.26.8`.
    pub fn parse(text: &str) -> Result<Version> {
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix("go")
            .or_else(|| trimmed.strip_prefix('v'))
            .unwrap_or(trimmed);
        let body = body.split('+').next().unwrap_or(body);
        let (core, prerelease) = match body.split_once('-') {
            Some((core, pre)) => (core, Some(pre.to_owned())),
            None => (body, None),
        };
        let mut numbers = [0u64; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            bail!("bad version {text:?}");
        }
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = part
                .parse()
                .map_err(|_| anyhow::anyhow!("bad version {text:?}"))?;
        }
        Ok(Version {
            numbers,
            prerelease,
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| match (&self.prerelease, &other.prerelease) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.numbers[0], self.numbers[1], self.numbers[2]
        )?;
        if let Some(pre) = &self.prerelease {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A conjunction of comparators, e.g. `>= 1.7.0, < 1.7.25`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    comparators: Vec<(Op, Version)>,
    text: String,
}

impl VersionRange {
    /// Parses a comma-separated list of `>=`, `>`, `<=`, `<`, `=` comparators.
    pub fn parse(text: &str) -> Result<VersionRange> {
        let mut comparators = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = if let Some(rest) = part.strip_prefix(">=") {
                (Op::Ge, rest)
            } else if let Some(rest) = part.strip_prefix("<=") {
                (Op::Le, rest)
            } else if let Some(rest) = part.strip_prefix('>') {
                (Op::Gt, rest)
            } else if let Some(rest) = part.strip_prefix('<') {
                (Op::Lt, rest)
            } else if let Some(rest) = part.strip_prefix('=') {
                (Op::Eq, rest)
            } else {
                bail!("bad version range {text:?}: each part needs >=, >, <=, < or =");
            };
            comparators.push((op, Version::parse(rest)?));
        }
        if comparators.is_empty() {
            bail!("empty version range");
        }
        Ok(VersionRange {
            comparators,
            text: text.to_owned(),
        })
    }

    /// True when `version` satisfies every comparator.
    pub fn contains(&self, version: &Version) -> bool {
        self.comparators.iter().all(|(op, bound)| {
            let ord = version.cmp(bound);
            match op {
                Op::Ge => ord != Ordering::Less,
                Op::Gt => ord == Ordering::Greater,
                Op::Le => ord != Ordering::Greater,
                Op::Lt => ord == Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
            }
        })
    }

    /// The range as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The greatest lower bound (`>=`, `>`, `=`), `None` when the range is open below.
    pub fn lower_bound(&self) -> Option<&Version> {
        self.comparators
            .iter()
            .filter(|(op, _)| matches!(op, Op::Ge | Op::Gt | Op::Eq))
            .map(|(_, v)| v)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn ranges() {
        let range = VersionRange::parse(">= 1.7.0, < 1.7.25").unwrap();
        assert!(range.contains(&v("v1.7.24")));
        assert!(!range.contains(&v("v1.7.25")));
        assert!(range.contains(&v("v1.7.25-0.20240101000000-abcdef123456")));
        assert!(!range.contains(&v("v1.6.9")));
        assert!(
            VersionRange::parse(">= 1.20")
                .unwrap()
                .contains(&v("go1.26.8"))
        );
        assert!(
            VersionRange::parse("< 2")
                .unwrap()
                .contains(&v("v1.99.0+incompatible"))
        );
        assert!(VersionRange::parse("~1.2").is_err());
        assert!(VersionRange::parse(">= x").is_err());
    }
}
