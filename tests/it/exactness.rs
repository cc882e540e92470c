//! Checks `chain_count`, the shortest chain and `choke_points` on every recorded `go list`
//! stream against an independent computation: the stream is re-read here with plain
//! `serde_json::Value`s into string adjacency lists, paths are counted by memoised recursion
//! in `u128`, shortest lengths by BFS, and choke points by deleting each node in turn and
//! testing reachability. None of this shares code with the crate.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use linkaudit::analyze::{self, WhyOptions};
use linkaudit::load::{self, InputFormat, RootMode};
use linkaudit::model::BuildConfig;

use crate::support::recorded_streams;

struct Independent {
    imports: BTreeMap<String, Vec<String>>,
    roots: Vec<String>,
    cgo: BTreeSet<String>,
}

fn read_independently(text: &str) -> Independent {
    let mut imports = BTreeMap::new();
    let mut matched = Vec::new();
    let mut cgo = BTreeSet::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
        let value = value.expect("valid recording");
        let path = value["ImportPath"].as_str().expect("ImportPath").to_owned();
        let list: Vec<String> = value["Imports"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        // `import "C"` links runtime/cgo; runtime/cgo's own "C" is not an edge.
        let list = list
            .into_iter()
            .map(|i| {
                if i == "C" {
                    "runtime/cgo".to_owned()
                } else {
                    i
                }
            })
            .filter(|i| *i != path)
            .collect();
        if value["CgoFiles"].as_array().is_some_and(|a| !a.is_empty()) || path == "runtime/cgo" {
            cgo.insert(path.clone());
        }
        if !value["DepOnly"].as_bool().unwrap_or(false) {
            matched.push((path.clone(), value["Name"].as_str() == Some("main")));
        }
        imports.insert(path, list);
    }
    let mains: Vec<String> = matched
        .iter()
        .filter(|m| m.1)
        .map(|m| m.0.clone())
        .collect();
    let roots = if mains.is_empty() {
        matched.into_iter().map(|m| m.0).collect()
    } else {
        mains
    };
    Independent {
        imports,
        roots,
        cgo,
    }
}

impl Independent {
    /// Paths from `from` to the nearest node of `targets` (never passing through another).
    fn count(
        &self,
        from: &str,
        targets: &BTreeSet<String>,
        memo: &mut HashMap<String, u128>,
    ) -> u128 {
        if targets.contains(from) {
            return 1;
        }
        if let Some(&n) = memo.get(from) {
            return n;
        }
        let mut total = 0u128;
        for next in self.imports.get(from).into_iter().flatten() {
            total += self.count(next, targets, memo);
        }
        memo.insert(from.to_owned(), total);
        total
    }

    fn total(&self, targets: &BTreeSet<String>) -> u128 {
        let mut memo = HashMap::new();
        self.roots
            .iter()
            .map(|r| self.count(r, targets, &mut memo))
            .sum()
    }

    /// BFS length (in nodes) of the shortest chain, avoiding `removed`.
    fn shortest(&self, targets: &BTreeSet<String>, removed: Option<&str>) -> Option<usize> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue = VecDeque::new();
        for root in &self.roots {
            if Some(root.as_str()) != removed && seen.insert(root) {
                queue.push_back((root.as_str(), 1usize));
            }
        }
        while let Some((v, len)) = queue.pop_front() {
            if targets.contains(v) {
                return Some(len);
            }
            for next in self.imports.get(v).into_iter().flatten() {
                if Some(next.as_str()) != removed && seen.insert(next) {
                    queue.push_back((next, len + 1));
                }
            }
        }
        None
    }
}

fn check_stream(path: &std::path::Path) -> usize {
    let text = std::fs::read_to_string(path).expect("read recording");
    let independent = read_independently(&text);
    let parsed = load::parse_recording(
        text.as_bytes(),
        &path.display().to_string(),
        InputFormat::Auto,
        &RootMode::Main,
        BuildConfig::default(),
    )
    .expect("the crate loads the recording");
    let graph = parsed.graph;
    assert_eq!(
        graph.node_count(),
        independent.imports.len(),
        "{}",
        path.display()
    );

    // Targets: every package (count + shortest), `cgo`, and choke points for the
    // interesting ones and a deterministic sample.
    let mut target_sets: Vec<(String, BTreeSet<String>)> = independent
        .imports
        .keys()
        .map(|id| (id.clone(), BTreeSet::from([id.clone()])))
        .collect();
    target_sets.push(("cgo".to_owned(), independent.cgo.clone()));
    let with_chokes: BTreeSet<String> = [
        "plugin",
        "net",
        "os/user",
        "runtime/cgo",
        "cgo",
        "github.com/mattn/go-sqlite3",
        "github.com/containerd/containerd/plugin",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(independent.imports.keys().step_by(17).cloned())
    .collect();
    let names: Vec<String> = target_sets.iter().map(|(name, _)| name.clone()).collect();
    let answers = analyze::why(&graph, None, &names, WhyOptions { max_chains: 5 });
    let mut n_checked = 0;
    for ((name, targets), answer) in target_sets.iter().zip(&answers) {
        let expected = independent.total(targets);
        let context = format!("{} target {name}", path.display());
        assert!(!answer.summary.saturated, "{context}");
        assert_eq!(
            u128::from(answer.summary.count),
            expected,
            "chain_count of {context}"
        );
        assert_eq!(answer.summary.reachable, expected > 0, "{context}");
        let shortest = independent.shortest(targets, None);
        assert_eq!(
            answer.summary.chains.first().map(Vec::len),
            shortest,
            "shortest chain of {context}"
        );
        // Every shown chain is a real chain: root first, target last, each hop an import.
        let mut previous_len = 0;
        for chain in &answer.summary.chains {
            let ids = analyze::chain_ids(&graph, chain);
            assert!(independent.roots.contains(&ids[0]), "{context}: {ids:?}");
            assert!(targets.contains(ids.last().unwrap()), "{context}: {ids:?}");
            for pair in ids.windows(2) {
                assert!(
                    independent.imports[&pair[0]].contains(&pair[1]),
                    "{context}: {pair:?}"
                );
                assert!(
                    !targets.contains(&pair[0]),
                    "{context}: passes a target: {ids:?}"
                );
            }
            assert!(ids.len() >= previous_len, "{context}: not shortest first");
            previous_len = ids.len();
        }
        assert_eq!(
            answer.summary.chains.len() as u128,
            expected.min(5),
            "{context}"
        );
        assert_eq!(answer.summary.truncated, expected > 5, "{context}");
        if with_chokes.contains(name) && expected > 0 {
            let roots: BTreeSet<&String> = independent.roots.iter().collect();
            let mut chokes: Vec<(usize, String)> = Vec::new();
            for candidate in independent.imports.keys() {
                if roots.contains(candidate) || targets.contains(candidate) {
                    continue;
                }
                if independent.shortest(targets, Some(candidate)).is_none() {
                    // Order root to target: by distance from the roots.
                    let distance = independent
                        .shortest(&BTreeSet::from([candidate.clone()]), None)
                        .unwrap();
                    chokes.push((distance, candidate.clone()));
                }
            }
            chokes.sort();
            let expected_chokes: Vec<String> = chokes.into_iter().map(|(_, id)| id).collect();
            let got: Vec<String> = answer
                .summary
                .choke_points
                .iter()
                .map(|&i| graph.node(i).id.clone())
                .collect();
            assert_eq!(got, expected_chokes, "choke points of {context}");
        }
        n_checked += 1;
    }
    n_checked
}

/// Every recorded stream: counts, shortest chains and choke points match the independent
/// computation for every package as a target.
#[test]
fn every_recording_matches_an_independent_computation() {
    let mut total = 0;
    for path in recorded_streams() {
        total += check_stream(&path);
    }
    assert!(total > 1000, "checked only {total} targets");
}
