//! What a CI gate decides from findings: `allow` entries (with reasons and expiry dates),
//! a baseline from the base branch (only new findings and new chains fail), and the failure
//! threshold. Pure: today's date and the baseline are inputs.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::config::{Allow, Date, parse_date};
use crate::model::DepGraph;
use crate::pattern;
use crate::rules::Severity;

use super::check::Finding;

/// A finding recorded in a baseline report.
#[derive(Clone, Debug, Default)]
pub struct BaselineEntry {
    /// Its chain count then.
    pub chain_count: u64,
    /// Its shown chains then.
    pub chains: Vec<Vec<String>>,
}

/// A baseline: finding key (prefixed by the config label when there are several) to entry.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    /// The findings.
    pub findings: BTreeMap<String, BaselineEntry>,
}

impl Baseline {
    /// Reads a JSON report written by `audit check --format json` or `--write-baseline`.
    pub fn read(path: &std::path::Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read baseline", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| anyhow::anyhow!("{}: not a JSON report: {err}", path.display()))?;
        let findings = value["findings"].as_array().with_context(|| {
            format!(
                "{}: not an `audit check` JSON report (no findings array)",
                path.display()
            )
        })?;
        let mut baseline = Baseline::default();
        for finding in findings {
            let key = finding["key"]
                .as_str()
                .with_context(|| format!("{}: a finding has no key", path.display()))?;
            let config = finding["config"].as_str().unwrap_or("");
            let chains = serde_json::from_value(finding["chains"].clone()).unwrap_or_default();
            baseline.findings.insert(
                scoped_key(config, key),
                BaselineEntry {
                    chain_count: finding["chain_count"].as_u64().unwrap_or(0),
                    chains,
                },
            );
        }
        Ok(baseline)
    }
}

/// A finding key scoped by its configuration label.
pub fn scoped_key(config: &str, key: &str) -> String {
    if config.is_empty() {
        key.to_owned()
    } else {
        format!("[{config}] {key}")
    }
}

/// Policy inputs.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Failure threshold.
    pub fail_on: Severity,
    /// Suppressions.
    pub allow: Vec<Allow>,
    /// Today.
    pub today: Date,
    /// The baseline, if any.
    pub baseline: Option<Baseline>,
}

/// What the policy concluded about the allow entries.
#[derive(Clone, Debug, Default)]
pub struct AllowReport {
    /// Entries past their `until` date that matched a finding (it is no longer suppressed).
    pub expired: Vec<Allow>,
    /// Entries that matched no finding.
    pub stale: Vec<Allow>,
}

fn allow_matches(allow: &Allow, finding: &Finding, graph: &DepGraph) -> bool {
    allow.rule == finding.rule
        && allow
            .package
            .as_ref()
            .is_none_or(|p| pattern::matches(p, &graph.node(finding.package).id))
}

/// Applies the policy to the findings of several runs (each with its graph and label); sets
/// each finding's `allowed`, `expired`, `new`, `new_chains` and `fails`.
pub fn apply(policy: &Policy, runs: &mut [(&DepGraph, &str, &mut Vec<Finding>)]) -> AllowReport {
    let mut used = vec![false; policy.allow.len()];
    let mut expired_used = vec![false; policy.allow.len()];
    for (graph, label, findings) in runs.iter_mut() {
        for finding in findings.iter_mut() {
            for (i, allow) in policy.allow.iter().enumerate() {
                if !allow_matches(allow, finding, graph) {
                    continue;
                }
                let expired = allow
                    .until
                    .as_deref()
                    .and_then(|until| parse_date(until).ok())
                    .is_some_and(|until| until < policy.today);
                if expired {
                    expired_used[i] = true;
                    finding.expired.get_or_insert_with(|| allow.clone());
                } else {
                    used[i] = true;
                    finding.allowed = Some(allow.clone());
                    break;
                }
            }
            if let Some(baseline) = &policy.baseline {
                let key = scoped_key(label, &finding.key(graph));
                match baseline.findings.get(&key) {
                    None => finding.new = Some(true),
                    Some(entry) => {
                        finding.new = Some(false);
                        if finding.chains.count > entry.chain_count {
                            finding.new_chains = finding
                                .chains
                                .chains
                                .iter()
                                .map(|chain| super::chain_ids(graph, chain))
                                .filter(|chain| !entry.chains.contains(chain))
                                .collect();
                        }
                    }
                }
            }
            let counts = match finding.new {
                None => true,
                Some(new) => new || !finding.new_chains.is_empty(),
            };
            finding.fails =
                finding.allowed.is_none() && finding.severity >= policy.fail_on && counts;
        }
    }
    let mut report = AllowReport::default();
    for (i, allow) in policy.allow.iter().enumerate() {
        if expired_used[i] && !used[i] {
            report.expired.push(allow.clone());
        } else if !used[i] && !expired_used[i] {
            report.stale.push(allow.clone());
        }
    }
    report
}
