//! What a change does to dynamic linking: two checked graphs (the base and the change, loaded
//! under the same configuration) compared per main package and per finding. A finding is new
//! when the base has no finding with its key; a chain is new when one of its imports is not in
//! the base graph (the count of new chains is exact: all chains minus those that use base
//! imports only); each new chain names the first package on it that the change touched (from
//! the files the change touched), else the first package whose import on the chain is new.
//! Pure: the caller loads, checks and says which packages were touched.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::NodeIndex;

use crate::model::{Csr, DepGraph};

use super::chains;
use super::check::{CheckResult, Finding};

/// Chains shown per new or grown finding.
pub const CHAINS_SHOWN: usize = 5;

/// A main package whose verdict changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetChange {
    /// The main package.
    pub package: String,
    /// The verdict in the base (`None`: not a main package there).
    pub before: Option<String>,
    /// The verdict after the change (`None`: gone).
    pub after: Option<String>,
}

impl TargetChange {
    /// Static (or absent) before, dynamic or broken after.
    pub fn worsened(&self) -> bool {
        let bad = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|l| l == "dynamic" || l == "does-not-build")
        };
        bad(&self.after) && !bad(&self.before)
    }
}

/// A chain of the change that the base does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChain {
    /// The package ids, root to finding.
    pub chain: Vec<String>,
    /// The first package on it the change touched (or whose import on it is new).
    pub touched: Option<String>,
    /// Why that package: `changed files`, `new import`, `module version changed`.
    pub how: &'static str,
}

/// A finding of the change, compared with the base.
#[derive(Clone, Debug)]
pub struct ChangedFinding {
    /// The finding (in the change's graph).
    pub finding: Finding,
    /// The base had no finding with this key.
    pub new: bool,
    /// Chains that use an import the base does not have (exact count).
    pub new_chain_count: num_bigint::BigUint,
    /// The shortest of them.
    pub new_chains: Vec<NewChain>,
}

/// The comparison.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Main packages whose verdict changed.
    pub targets: Vec<TargetChange>,
    /// New findings, and findings with new chains.
    pub changed: Vec<ChangedFinding>,
    /// Findings of the base that the change does not have: (rule, package, severity).
    pub removed: Vec<(String, String, String)>,
}

impl Diff {
    /// Nothing changed for dynamic linking.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares `head` (the change) with `base`. `touched` are the packages the change touched,
/// and `touched_how` says how that is known (`changed files`).
pub fn diff(
    base: &DepGraph,
    base_result: &CheckResult,
    head: &DepGraph,
    head_result: &CheckResult,
    touched: &BTreeSet<String>,
    touched_how: &'static str,
) -> Diff {
    let mut out = Diff::default();
    // Verdicts.
    let before: BTreeMap<String, String> = base_result
        .targets
        .iter()
        .map(|t| (base.node(t.package).id.to_string(), t.linkage.to_owned()))
        .collect();
    let after: BTreeMap<String, String> = head_result
        .targets
        .iter()
        .map(|t| (head.node(t.package).id.to_string(), t.linkage.to_owned()))
        .collect();
    let packages: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for package in packages {
        let (b, a) = (before.get(package).cloned(), after.get(package).cloned());
        if b != a {
            out.targets.push(TargetChange {
                package: package.clone(),
                before: b,
                after: a,
            });
        }
    }
    // Findings.
    let base_keys: BTreeSet<String> = base_result.findings.iter().map(|f| f.key(base)).collect();
    let head_keys: BTreeSet<String> = head_result.findings.iter().map(|f| f.key(head)).collect();
    for finding in &base_result.findings {
        if !head_keys.contains(&finding.key(base)) {
            out.removed.push((
                finding.rule.clone(),
                base.node(finding.package).id.to_string(),
                finding.severity.as_str().to_owned(),
            ));
        }
    }
    out.removed.sort();
    out.removed.dedup();
    // The change's graph with only the imports the base has too (same node indices; the
    // chain searches need no node data).
    let base_number: Vec<Option<NodeIndex>> = head
        .nodes()
        .iter()
        .map(|node| base.find(&node.id))
        .collect();
    let old_rows: Vec<Vec<u32>> = head
        .node_indices()
        .map(|a| {
            head.successors(a)
                .filter(|b| match (base_number[a.index()], base_number[b.index()]) {
                    (Some(a), Some(b)) => base.edge_kind(a, b).is_some(),
                    _ => false,
                })
                .map(|b| b.index() as u32)
                .collect()
        })
        .collect();
    let old_only = Csr::from_rows(head.node_count(), old_rows.iter().map(Vec::as_slice));
    // One index per graph serves every finding's count and chains.
    let targets: Vec<NodeIndex> = head_result.findings.iter().map(|f| f.package).collect();
    let old_index = chains::ChainIndex::for_targets(&old_only, head.roots(), &targets);
    let head_index = chains::ChainIndex::for_targets(head, head.roots(), &targets);
    let module_versions = |graph: &DepGraph| -> BTreeMap<String, Option<String>> {
        graph
            .nodes()
            .iter()
            .filter_map(|n| n.module.as_ref())
            .map(|m| (m.path.clone(), m.version.clone()))
            .collect()
    };
    let base_modules = module_versions(base);
    for finding in &head_result.findings {
        let new = !base_keys.contains(&finding.key(head));
        let all = finding.chains.exact_count();
        let old = old_index.summarize(finding.package, 0).exact_count();
        // Every chain of the base-only graph is one of head's, so old <= all.
        let new_chain_count = if old <= all {
            &all - &old
        } else {
            Default::default()
        };
        if !new && new_chain_count == num_bigint::BigUint::ZERO {
            continue;
        }
        // The shortest chains that use a new import.
        let candidates = head_index.summarize(finding.package, 64);
        let mut new_chains = Vec::new();
        for chain in &candidates.chains {
            let ids: Vec<String> = chain.iter().map(|&i| head.node(i).id.to_string()).collect();
            let uses_new = chain.windows(2).any(|pair| {
                old_only
                    .edge_position(pair[0].index() as u32, pair[1].index() as u32)
                    .is_none()
            });
            if !uses_new && !new {
                continue;
            }
            let (touched_package, how) = first_touched(
                head,
                chain,
                &ids,
                touched,
                touched_how,
                &old_only,
                &base_modules,
            );
            new_chains.push(NewChain {
                chain: ids,
                touched: touched_package,
                how,
            });
            if new_chains.len() == CHAINS_SHOWN {
                break;
            }
        }
        out.changed.push(ChangedFinding {
            finding: finding.clone(),
            new,
            new_chain_count: if new { all } else { new_chain_count },
            new_chains,
        });
    }
    out
}

fn first_touched(
    head: &DepGraph,
    chain: &[NodeIndex],
    ids: &[String],
    touched: &BTreeSet<String>,
    touched_how: &'static str,
    old_only: &Csr,
    base_modules: &BTreeMap<String, Option<String>>,
) -> (Option<String>, &'static str) {
    if let Some(id) = ids.iter().find(|id| touched.contains(*id)) {
        return (Some(id.clone()), touched_how);
    }
    if let Some(pair) = chain.windows(2).find(|pair| {
        old_only
            .edge_position(pair[0].index() as u32, pair[1].index() as u32)
            .is_none()
    }) {
        return (Some(head.node(pair[0]).id.to_string()), "new import");
    }
    for &idx in chain {
        if let Some(module) = &head.node(idx).module
            && base_modules
                .get(&module.path)
                .is_some_and(|v| *v != module.version)
        {
            return (
                Some(head.node(idx).id.to_string()),
                "module version changed",
            );
        }
    }
    (None, "")
}
