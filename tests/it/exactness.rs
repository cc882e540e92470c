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
    let answers = analyze::why(
        &graph,
        None,
        &names,
        &WhyOptions {
            max_chains: 5,
            cut: None,
        },
    );
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
                .map(|&i| graph.node(i).id.to_string())
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

/// An independent vertex cut check: Edmonds–Karp (BFS augmenting paths, unit capacities on
/// split nodes) over string adjacency lists, and brute force over subsets when few packages
/// can be cut.
struct CutOracle<'a> {
    ind: &'a Independent,
}

impl CutOracle<'_> {
    /// Nodes on some chain from a root to `target`, not passing other targets.
    fn relevant(&self, target: &str) -> BTreeSet<String> {
        let mut forward: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = self.ind.roots.iter().cloned().collect();
        while let Some(v) = queue.pop_front() {
            if !forward.insert(v.clone()) || v == target {
                continue;
            }
            for w in self.ind.imports.get(&v).into_iter().flatten() {
                queue.push_back(w.clone());
            }
        }
        let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
        for (from, list) in &self.ind.imports {
            for to in list {
                reverse.entry(to.as_str()).or_default().push(from.as_str());
            }
        }
        let mut backward: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([target]);
        while let Some(v) = queue.pop_front() {
            if !forward.contains(v) || !backward.insert(v.to_owned()) {
                continue;
            }
            for &w in reverse.get(v).into_iter().flatten() {
                if w != target {
                    queue.push_back(w);
                }
            }
        }
        backward
    }

    fn separated(&self, target: &str, removed: &BTreeSet<String>) -> bool {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = self
            .ind
            .roots
            .iter()
            .filter(|r| !removed.contains(*r))
            .cloned()
            .collect();
        while let Some(v) = queue.pop_front() {
            if v == target {
                return false;
            }
            if !seen.insert(v.clone()) {
                continue;
            }
            for w in self.ind.imports.get(&v).into_iter().flatten() {
                if !removed.contains(w) {
                    queue.push_back(w.clone());
                }
            }
        }
        true
    }

    /// The max-flow (the minimum cut's size), or None when it is unbounded.
    fn max_flow(&self, target: &str, relevant: &BTreeSet<String>) -> Option<usize> {
        let roots: BTreeSet<&str> = self.ind.roots.iter().map(String::as_str).collect();
        // Residual capacities keyed by (from, to) over "in:x"/"out:x"/"S"/"T".
        let big = 1_000_000i64;
        let mut cap: HashMap<(String, String), i64> = HashMap::new();
        let mut adj: HashMap<String, BTreeSet<String>> = HashMap::new();
        let mut add = |a: String, b: String, c: i64| {
            *cap.entry((a.clone(), b.clone())).or_insert(0) += c;
            cap.entry((b.clone(), a.clone())).or_insert(0);
            adj.entry(a.clone()).or_default().insert(b.clone());
            adj.entry(b).or_default().insert(a);
        };
        for v in relevant {
            let fixed = roots.contains(v.as_str()) || v == target;
            add(
                format!("in:{v}"),
                format!("out:{v}"),
                if fixed { big } else { 1 },
            );
            if roots.contains(v.as_str()) {
                add("S".to_owned(), format!("in:{v}"), big);
            }
            if v == target {
                add(format!("out:{v}"), "T".to_owned(), big);
                continue;
            }
            for w in self.ind.imports.get(v).into_iter().flatten() {
                if relevant.contains(w) {
                    add(format!("out:{v}"), format!("in:{w}"), big);
                }
            }
        }
        let mut flow = 0i64;
        loop {
            let mut parent: HashMap<String, String> = HashMap::new();
            let mut queue = VecDeque::from(["S".to_owned()]);
            while let Some(v) = queue.pop_front() {
                if v == "T" {
                    break;
                }
                for w in adj.get(&v).into_iter().flatten() {
                    if w != "S" && !parent.contains_key(w) && cap[&(v.clone(), w.clone())] > 0 {
                        parent.insert(w.clone(), v.clone());
                        queue.push_back(w.clone());
                    }
                }
            }
            if !parent.contains_key("T") {
                break;
            }
            let mut path = Vec::new();
            let mut v = "T".to_owned();
            while v != "S" {
                let u = parent[&v].clone();
                path.push((u.clone(), v.clone()));
                v = u;
            }
            let push = path.iter().map(|e| cap[e]).min().unwrap();
            for (u, v) in path {
                *cap.get_mut(&(u.clone(), v.clone())).unwrap() -= push;
                *cap.get_mut(&(v, u)).unwrap() += push;
            }
            flow += push;
            if flow >= big {
                return None;
            }
        }
        Some(flow as usize)
    }
}

/// The smallest cut of every finding on every recording: removing it separates the package
/// from the main packages, its size equals an independent max-flow, and on small graphs no
/// smaller set of packages does (brute force).
#[test]
fn cuts_are_minimal_on_every_recording() {
    use linkaudit::analyze::check::{self, CheckOptions, NoProbe};
    let catalog = linkaudit::rules::Catalog::builtin().unwrap();
    let mut checked = 0;
    let mut brute = 0;
    for path in recorded_streams() {
        let text = std::fs::read_to_string(&path).unwrap();
        let ind = read_independently(&text);
        let parsed = load::parse_recording(
            text.as_bytes(),
            &path.display().to_string(),
            InputFormat::Auto,
            &RootMode::Main,
            BuildConfig::default(),
        )
        .unwrap();
        let graph = parsed.graph;
        let options = CheckOptions {
            max_chains: 1,
            cuts: true,
            ..CheckOptions::default()
        };
        let result = check::check(&graph, &catalog, &options, &mut NoProbe);
        let oracle = CutOracle { ind: &ind };
        let mut seen = BTreeSet::new();
        for finding in &result.findings {
            let target = graph.node(finding.package).id.to_string();
            if !seen.insert(target.clone()) || !ind.imports.contains_key(&target) {
                continue;
            }
            // The shortcut from the chain summary gives what the max-flow gives.
            let finding_cut = finding.cut.as_ref().expect("cuts were asked for");
            assert_eq!(
                finding_cut,
                &linkaudit::analyze::cut::min_cut(&graph, &[finding.package], &|_| false),
                "{}: {target}",
                path.display()
            );
            let relevant = oracle.relevant(&target);
            let cut: BTreeSet<String> = finding_cut
                .packages
                .iter()
                .map(|&i| graph.node(i).id.to_string())
                .collect();
            let expected = oracle.max_flow(&target, &relevant);
            match expected {
                None => assert!(
                    !finding_cut.possible,
                    "{}: {target}: cut {cut:?} where none exists",
                    path.display()
                ),
                Some(size) => {
                    assert!(finding_cut.possible, "{}: {target}", path.display());
                    assert_eq!(cut.len(), size, "{}: {target}: {cut:?}", path.display());
                    assert!(
                        oracle.separated(&target, &cut),
                        "{}: {target}: {cut:?} leaves a chain",
                        path.display()
                    );
                    // Brute force when few packages can be cut.
                    let roots: BTreeSet<&String> = ind.roots.iter().collect();
                    let cuttable: Vec<String> = relevant
                        .iter()
                        .filter(|v| !roots.contains(v) && **v != target)
                        .cloned()
                        .collect();
                    if cuttable.len() <= 14 && size > 0 {
                        for mask in 0u32..(1 << cuttable.len()) {
                            if (mask.count_ones() as usize) >= size {
                                continue;
                            }
                            let subset: BTreeSet<String> = cuttable
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| mask & (1 << i) != 0)
                                .map(|(_, v)| v.clone())
                                .collect();
                            assert!(
                                !oracle.separated(&target, &subset),
                                "{}: {target}: {subset:?} is smaller than {cut:?}",
                                path.display()
                            );
                        }
                        brute += 1;
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} cuts checked");
    assert!(brute > 5, "only {brute} brute-forced");
}
