//! The glibc floor of a binary (the highest `GLIBC_x.y` it needs) and the oldest release of
//! common distributions whose glibc satisfies it — the seed problem: a binary built on a new
//! host fails with `GLIBC_2.34 not found` on an older one.

use serde::Serialize;

use crate::rules::version::Version;

/// (distribution, release, glibc version) — each release's shipped glibc.
pub const DISTRIBUTIONS: &[(&str, &str, &str)] = &[
    ("Debian", "10 (buster)", "2.28"),
    ("Debian", "11 (bullseye)", "2.31"),
    ("Debian", "12 (bookworm)", "2.36"),
    ("Debian", "13 (trixie)", "2.41"),
    ("Ubuntu", "18.04", "2.27"),
    ("Ubuntu", "20.04", "2.31"),
    ("Ubuntu", "22.04", "2.35"),
    ("Ubuntu", "24.04", "2.39"),
    ("RHEL/CentOS", "7", "2.17"),
    ("RHEL/Rocky/Alma", "8", "2.28"),
    ("RHEL/Rocky/Alma", "9", "2.34"),
    ("RHEL/Rocky/Alma", "10", "2.39"),
    ("Amazon Linux", "2", "2.26"),
    ("Amazon Linux", "2023", "2.34"),
];

/// The oldest release of a distribution that can run the binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OldestRelease {
    /// Distribution name.
    pub distribution: String,
    /// Release.
    pub release: String,
    /// Its glibc.
    pub glibc: String,
}

/// The highest `GLIBC_x.y[.z]` among the version names.
pub fn floor<'a>(version_names: impl Iterator<Item = &'a str>) -> Option<String> {
    version_names
        .filter_map(|name| name.strip_prefix("GLIBC_"))
        .filter_map(|v| Version::parse(v).ok().map(|parsed| (parsed, v)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.to_owned())
}

/// For each distribution, its oldest release whose glibc is at least `floor`; distributions
/// none of whose listed releases is new enough are left out.
pub fn oldest_releases(floor: &str) -> Vec<OldestRelease> {
    let Ok(floor) = Version::parse(floor) else {
        return Vec::new();
    };
    let mut out: Vec<OldestRelease> = Vec::new();
    for &(distribution, release, glibc) in DISTRIBUTIONS {
        if out.iter().any(|o| o.distribution == distribution) {
            continue;
        }
        if Version::parse(glibc).is_ok_and(|v| v >= floor) {
            out.push(OldestRelease {
                distribution: distribution.to_owned(),
                release: release.to_owned(),
                glibc: glibc.to_owned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_distributions() {
        let names = ["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.3.2", "GLIBC_2.32"];
        assert_eq!(floor(names.iter().copied()).as_deref(), Some("2.34"));
        let releases = oldest_releases("2.34");
        assert!(releases.contains(&OldestRelease {
            distribution: "Debian".into(),
            release: "12 (bookworm)".into(),
            glibc: "2.36".into()
        }));
        assert!(
            releases
                .iter()
                .any(|r| r.distribution == "RHEL/Rocky/Alma" && r.release == "9")
        );
    }
}
