//! `audit.toml`: the build configurations to check (a matrix), the failure threshold, extra
//! rule directories, and `allow` entries (each with a reason, optionally an expiry date).
//! Found by walking up from the project directory, or given with `--config FILE`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::rules::Severity;

/// One `[[build]]` entry: every combination of its values is a configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildMatrix {
    /// GOOS values.
    #[serde(default)]
    pub goos: Vec<String>,
    /// GOARCH values.
    #[serde(default)]
    pub goarch: Vec<String>,
    /// `on`/`off` values.
    #[serde(default)]
    pub cgo: Vec<String>,
    /// Tag sets: each inner list is one `-tags` value.
    #[serde(default)]
    pub tags: Vec<Vec<String>>,
    /// `-ldflags` the build uses.
    pub ldflags: Option<String>,
}

/// A suppression.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// The rule id.
    pub rule: String,
    /// Restrict to packages matching this pattern.
    pub package: Option<String>,
    /// Why it is acceptable (required).
    pub reason: String,
    /// `YYYY-MM-DD`: the entry stops suppressing after this day.
    pub until: Option<String>,
}

/// The parsed file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuditConfig {
    /// Findings at or above this severity fail the run.
    pub fail_on: Option<Severity>,
    /// Extra rule directories, relative to the file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// The configurations to check.
    #[serde(default)]
    pub build: Vec<BuildMatrix>,
    /// Suppressions.
    #[serde(default)]
    pub allow: Vec<Allow>,
    /// Where it was read from.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// One expanded configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildEntry {
    /// GOOS, or the default.
    pub goos: Option<String>,
    /// GOARCH, or the default.
    pub goarch: Option<String>,
    /// CGO_ENABLED, or the default.
    pub cgo: Option<bool>,
    /// Tags, or the command line's.
    pub tags: Option<Vec<String>>,
    /// `-ldflags`.
    pub ldflags: Option<String>,
}

impl AuditConfig {
    /// Reads and validates a config file.
    pub fn read(path: &Path) -> Result<AuditConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        AuditConfig::parse(&text, path)
    }

    /// Parses and validates the text of a config file read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<AuditConfig> {
        let mut config: AuditConfig = toml::from_str(text).map_err(|err| {
            anyhow::anyhow!("{}: {}", path.display(), err.to_string().replace('\n', " "))
        })?;
        for (i, allow) in config.allow.iter().enumerate() {
            if allow.reason.trim().is_empty() {
                bail!(
                    "{}: allow entry {} ({}) needs a reason",
                    path.display(),
                    i + 1,
                    allow.rule
                );
            }
            if let Some(until) = &allow.until {
                parse_date(until).with_context(|| {
                    format!("{}: allow entry {} ({})", path.display(), i + 1, allow.rule)
                })?;
            }
        }
        for build in &config.build {
            for cgo in &build.cgo {
                if cgo != "on" && cgo != "off" {
                    bail!(
                        "{}: build.cgo values are \"on\" or \"off\", not {cgo:?}",
                        path.display()
                    );
                }
            }
        }
        let base = path.parent().unwrap_or(Path::new("."));
        config.rules = config.rules.iter().map(|dir| base.join(dir)).collect();
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// `audit.toml` in `dir` or the nearest ancestor.
    pub fn discover(dir: &Path) -> Result<Option<AuditConfig>> {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        for ancestor in start.ancestors() {
            let candidate = ancestor.join("audit.toml");
            if candidate.is_file() {
                return AuditConfig::read(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// The matrix, expanded; empty when the file lists no builds.
    pub fn builds(&self) -> Vec<BuildEntry> {
        let mut out = Vec::new();
        for matrix in &self.build {
            let goos: Vec<Option<String>> = options(&matrix.goos);
            let goarch: Vec<Option<String>> = options(&matrix.goarch);
            let cgo: Vec<Option<bool>> = if matrix.cgo.is_empty() {
                vec![None]
            } else {
                matrix.cgo.iter().map(|c| Some(c == "on")).collect()
            };
            let tags: Vec<Option<Vec<String>>> = if matrix.tags.is_empty() {
                vec![None]
            } else {
                matrix.tags.iter().cloned().map(Some).collect()
            };
            for os in &goos {
                for arch in &goarch {
                    for c in &cgo {
                        for t in &tags {
                            out.push(BuildEntry {
                                goos: os.clone(),
                                goarch: arch.clone(),
                                cgo: *c,
                                tags: t.clone(),
                                ldflags: matrix.ldflags.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }
}

fn options(values: &[String]) -> Vec<Option<String>> {
    if values.is_empty() {
        vec![None]
    } else {
        values.iter().cloned().map(Some).collect()
    }
}

/// A civil date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i64,
    /// Month, 1-12.
    pub month: u32,
    /// Day, 1-31.
    pub day: u32,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let bad = || anyhow::anyhow!("until {text:?} is not a YYYY-MM-DD date");
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let year: i64 = parts[0].parse().map_err(|_| bad())?;
    let month: u32 = parts[1].parse().map_err(|_| bad())?;
    let day: u32 = parts[2].parse().map_err(|_| bad())?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days_in_month).contains(&day) {
        return Err(anyhow::anyhow!(
            "until {text:?} is not a date: {year}-{month:02} has {days_in_month} days"
        ));
    }
    Ok(Date { year, month, day })
}

/// Today (UTC), or `AUDIT_TODAY=YYYY-MM-DD` when set (for reproducible runs and tests).
pub fn today() -> Result<Date> {
    if let Ok(text) = std::env::var("AUDIT_TODAY") {
        return parse_date(&text).context("AUDIT_TODAY");
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(civil_from_days((secs / 86_400) as i64))
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a date.
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(20_418).to_string(), "2025-11-26");
        assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("2026-1-01").is_err());
    }
}
