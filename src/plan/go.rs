//! The Go seam of the planner: `go list` under a route's `CGO_ENABLED` and the tags so far;
//! candidate tags from the catalog's fixes and from the source's own constraints; and the two
//! routes to a static binary, each judged on its own graph:
//!
//! - **cgo**: cgo stays on, the tags remove what cannot be linked statically, and the program
//!   links externally with `-extldflags '-static'` (the link model says what the linker does
//!   with that, and the static-link report what it meets);
//! - **no-cgo**: `CGO_ENABLED=0` with its own tag loop; what fails or becomes a stub is read
//!   from the `CGO_ENABLED=0` graph (never from rules applied to the cgo graph), and the
//!   program is compiled (`go build -o /dev/null`) before the route is called safe.
//!
//! The no-cgo route is chosen when it builds, compiles and leaves nothing; else the cgo route.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::analyze::check::{self, CheckOptions, CheckResult, Finding};
use crate::analyze::fix::{self, UpgradeStep};
use crate::analyze::link::LinkFlags;
use crate::cli::FixArgs;
use crate::exec::{self, CommandSpec};
use crate::load::{self, LoadRequest, Source};
use crate::model::DepGraph;
use crate::rules::{Catalog, Effect};

use super::{
    Blocker, BuildPlan, Change, CompileOutcome, Fixpoint, Origin, Plan, Route, Seam, discover,
    finding_key, fixpoint, predict, relevant, removed_findings,
};

/// The `-ldflags` of the cgo route.
pub const STATIC_LDFLAGS: &str = "-linkmode external -extldflags '-static'";

/// A route's fixed setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoRoute {
    /// `CGO_ENABLED`.
    pub cgo: bool,
}

/// Loads `go list` graphs for the planner.
pub struct GoSeam {
    request: LoadRequest,
    goos: Option<String>,
    goarch: Option<String>,
    base_tags: Vec<String>,
    env: BTreeMap<String, String>,
    ldflags: Option<String>,
    buildmode: Option<String>,
    diagnostics_printed: bool,
    /// Upgrades the findings asked for.
    pub upgrades: Vec<UpgradeStep>,
}

/// The tags of a change list.
pub fn tags_of(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|c| c.key.strip_prefix("tag:").map(str::to_owned))
        .collect()
}

fn tag_change(tag: &str, origin: Origin) -> Change {
    Change {
        key: format!("tag:{tag}"),
        display: format!("-tags {tag}"),
        origin,
    }
}

impl GoSeam {
    fn all_tags(&self, changes: &[Change]) -> Vec<String> {
        let mut tags: BTreeSet<String> = self.base_tags.iter().cloned().collect();
        tags.extend(tags_of(changes));
        tags.into_iter().collect()
    }
}

impl Seam for GoSeam {
    type Route = GoRoute;

    fn load(&mut self, route: &GoRoute, changes: &[Change]) -> Result<DepGraph> {
        let mut request = self.request.clone();
        request.config.goos = self.goos.clone();
        request.config.goarch = self.goarch.clone();
        request.config.cgo_enabled = Some(route.cgo);
        request.config.tags = Some(self.all_tags(changes));
        let mut graph = load::load(&request)?.graph;
        graph.config.env = self.env.clone();
        Ok(graph)
    }

    fn options(
        &self,
        route: &GoRoute,
        _changes: &[Change],
        graph: &DepGraph,
    ) -> Result<CheckOptions> {
        let ldflags = route_ldflags(route, graph, self.ldflags.as_deref());
        Ok(CheckOptions {
            cuts: false,
            max_chains: 3,
            link: crate::commands::check::link_flags(
                ldflags.as_deref(),
                self.buildmode.as_deref(),
            )?,
        })
    }

    fn candidates(
        &mut self,
        _route: &GoRoute,
        graph: &DepGraph,
        result: &CheckResult,
        findings: &[Finding],
        _catalog: &Catalog,
    ) -> Vec<Change> {
        let mut out = Vec::new();
        let (_, steps) = fix::requested_tags(graph, findings);
        self.upgrades.extend(steps);
        for finding in findings {
            let key = finding_key(graph, finding);
            let (usable, _) = fix::requested_tags(graph, std::slice::from_ref(finding));
            for tag in usable {
                out.push(tag_change(
                    &tag,
                    Origin::Catalog {
                        rule: key.0.clone(),
                        package: key.1.clone(),
                        notes: finding.notes.clone(),
                    },
                ));
            }
        }
        // Discovered tags: packages whose compiled files block a clean static link (a
        // finding at warning or above, a glibc warning, a missing archive).
        let mut packages: BTreeSet<String> = findings
            .iter()
            .map(|f| graph.node(f.package).id.to_string())
            .collect();
        packages.extend(
            result
                .static_link
                .warnings
                .iter()
                .map(|w| w.package.clone()),
        );
        for library in &result.static_link.libraries {
            if library.archive_found == Some(false) {
                packages.extend(library.packages.iter().cloned());
            }
        }
        let context = discover::context(graph);
        for package in packages {
            let Some(idx) = graph.find(&package) else {
                continue;
            };
            for candidate in discover::for_package(graph.node(idx), &context) {
                out.push(tag_change(
                    &candidate.tag,
                    Origin::Discovered {
                        package: candidate.package,
                        file: candidate.file,
                        constraint: candidate.constraint,
                        evidence: candidate.evidence,
                    },
                ));
            }
        }
        out
    }

    fn diagnostics(&mut self, graph: &DepGraph, stderr: &mut dyn Write) -> Result<()> {
        if !self.diagnostics_printed {
            self.diagnostics_printed = true;
            crate::print_diagnostics(&[], graph, stderr)?;
        }
        Ok(())
    }
}

/// The `-ldflags` a route's build uses: the project's own, then the external static link
/// when cgo is linked (the linker takes the last `-linkmode` and `-extldflags`).
fn route_ldflags(route: &GoRoute, graph: &DepGraph, user: Option<&str>) -> Option<String> {
    let reach = check::reachable_set(graph);
    let cgo_linked = graph.find("runtime/cgo").is_some_and(|i| reach[i.index()]);
    let ours = (route.cgo && cgo_linked).then_some(STATIC_LDFLAGS);
    match (user.filter(|u| !u.trim().is_empty()), ours) {
        (Some(user), Some(ours)) => Some(format!("{} {ours}", user.trim())),
        (Some(user), None) => Some(user.trim().to_owned()),
        (None, Some(ours)) => Some(ours.to_owned()),
        (None, None) => None,
    }
}

fn quote_tags(tags: &[String]) -> String {
    if tags.len() == 1 {
        tags[0].clone()
    } else {
        format!("'{}'", tags.join(" "))
    }
}

/// The `go build` of a configuration, as typed and as `verify` runs it (`{out}` is the
/// output directory).
pub fn build_plan(
    dir: &std::path::Path,
    graph: &DepGraph,
    cgo: bool,
    tags: &[String],
    ldflags: Option<&str>,
    buildmode: Option<&str>,
) -> BuildPlan {
    let patterns = fix::build_patterns(graph);
    let mut command = format!("CGO_ENABLED={} go build", u8::from(cgo));
    if let Some(mode) = buildmode {
        command.push_str(&format!(" -buildmode={mode}"));
    }
    if !tags.is_empty() {
        command.push_str(&format!(" -tags {}", quote_tags(tags)));
    }
    if let Some(ldflags) = ldflags {
        command.push_str(&format!(" -ldflags \"{ldflags}\""));
    }
    command.push(' ');
    command.push_str(&patterns.join(" "));
    let mut args = vec!["build".to_owned(), "-o".to_owned(), "{out}/".to_owned()];
    if let Some(mode) = buildmode {
        args.push(format!("-buildmode={mode}"));
    }
    if !tags.is_empty() {
        args.push(format!("-tags={}", tags.join(",")));
    }
    if let Some(ldflags) = ldflags {
        args.push(format!("-ldflags={ldflags}"));
    }
    args.extend(patterns);
    let mut env = vec![
        ("CGO_ENABLED".to_owned(), u8::from(cgo).to_string()),
        ("GOWORK".to_owned(), "off".to_owned()),
    ];
    if let Some(goos) = &graph.config.goos {
        env.push(("GOOS".to_owned(), goos.clone()));
    }
    if let Some(goarch) = &graph.config.goarch {
        env.push(("GOARCH".to_owned(), goarch.clone()));
    }
    BuildPlan {
        command,
        spec: CommandSpec {
            program: "go".to_owned(),
            args,
            dir: Some(dir.to_path_buf()),
            env,
            install_hint: "install Go to build".to_owned(),
        },
    }
}

/// Compiles a configuration without keeping the result: `go build -o /dev/null`.
fn compile_check(
    dir: &std::path::Path,
    graph: &DepGraph,
    tags: &[String],
) -> Result<CompileOutcome> {
    let plan = build_plan(dir, graph, false, tags, None, None);
    let mut spec = plan.spec.clone();
    for arg in &mut spec.args {
        if arg == "{out}/" {
            *arg = "/dev/null".to_owned();
        }
    }
    let finished = exec::run(&spec)?;
    let stderr = String::from_utf8_lossy(&finished.stderr).into_owned();
    let command = plan
        .command
        .replacen("go build", "go build -o /dev/null", 1);
    let mut errors = Vec::new();
    let mut package = String::new();
    for line in stderr.lines() {
        if let Some(p) = line.strip_prefix("# ") {
            package = p.trim().to_owned();
        } else if !line.trim().is_empty() && errors.len() < 10 {
            errors.push(if package.is_empty() {
                line.trim().to_owned()
            } else {
                format!("{package}: {}", line.trim())
            });
        }
    }
    Ok(CompileOutcome {
        command,
        ok: finished.success,
        errors,
    })
}

/// For `undefined: name.Ident` errors: the imported package that lacks the identifier.
fn lacking_packages(graph: &DepGraph, compile: &CompileOutcome) -> Vec<Blocker> {
    let mut out = BTreeMap::new();
    for error in &compile.errors {
        let Some((package, message)) = error.split_once(": ") else {
            continue;
        };
        let Some(pos) = message.find("undefined: ") else {
            continue;
        };
        let what = message[pos + "undefined: ".len()..].trim();
        let Some((name, ident)) = what.split_once('.') else {
            continue;
        };
        let Some(idx) = graph.find(package) else {
            continue;
        };
        for dep in graph.successors(idx) {
            let node = graph.node(dep);
            if node.name == name || node.id.rsplit('/').next() == Some(name) {
                out.entry(node.id.to_string()).or_insert_with(|| Blocker {
                    package: node.id.to_string(),
                    outcome: "compile",
                    reason: format!(
                        "{package} uses {name}.{ident}, which {} does not define under CGO_ENABLED=0 (the files that define it need cgo): {message}",
                        node.id
                    ),
                    chain: Vec::new(),
                });
            }
        }
    }
    out.into_values().collect()
}

fn chain_to(graph: &DepGraph, idx: petgraph::graph::NodeIndex) -> Vec<String> {
    let summary = crate::analyze::chains::summarize(graph, graph.roots(), &[idx], 1);
    summary
        .chains
        .first()
        .map(|c| crate::analyze::chain_ids(graph, c))
        .unwrap_or_default()
}

/// What fails or becomes a stub in a `CGO_ENABLED=0` graph: load errors of linked packages,
/// and stub rules that fire there.
fn no_cgo_blockers(
    graph: &DepGraph,
    result: &CheckResult,
    allow: &[crate::config::Allow],
) -> Vec<Blocker> {
    let accepted = relevant(graph, result, allow);
    let reach = check::reachable_set(graph);
    let mut out = BTreeSet::new();
    for idx in graph.node_indices() {
        let node = graph.node(idx);
        if !reach[idx.index()] || node.missing {
            continue;
        }
        if let Some(error) = check::nothing_to_build(graph, idx).or_else(|| node.error.clone()) {
            out.insert(Blocker {
                package: node.id.to_string(),
                outcome: "fails",
                reason: error,
                chain: chain_to(graph, idx),
            });
        }
    }
    for finding in &result.findings {
        let allowed = !accepted
            .iter()
            .any(|f| f.rule == finding.rule && f.package == finding.package);
        if finding.effects.contains(&Effect::Stub) && !allowed {
            let mut reason = format!("{} ({})", finding.summary, finding.rule);
            for note in &finding.notes {
                reason.push_str(&format!("; {note}"));
            }
            out.insert(Blocker {
                package: graph.node(finding.package).id.to_string(),
                outcome: "stub",
                reason,
                chain: finding
                    .chains
                    .chains
                    .first()
                    .map(|c| crate::analyze::chain_ids(graph, c))
                    .unwrap_or_default(),
            });
        }
    }
    out.into_iter().collect()
}

/// `!cgo` files that replace cgo files in packages of both graphs: they may be stubs; the
/// user should know which files the build swaps (no claim either way).
fn swapped_files(with_cgo: &DepGraph, without: &DepGraph, blockers: &[Blocker]) -> Vec<String> {
    let reach = check::reachable_set(without);
    let mut out = Vec::new();
    for idx in without.node_indices() {
        let node = without.node(idx);
        if !reach[idx.index()] || node.standard || blockers.iter().any(|b| b.package == node.id) {
            continue;
        }
        let Some(cgo_idx) = with_cgo.find(&node.id) else {
            continue;
        };
        let before = with_cgo.node(cgo_idx);
        if before.cgo_files.is_empty() {
            continue;
        }
        let gained: Vec<&str> = node
            .go_files
            .iter()
            .filter(|f| !before.go_files.contains(f))
            .collect();
        out.push(format!(
            "{}: without cgo it compiles {} instead of {}",
            node.id,
            if gained.is_empty() {
                "only its other files".to_owned()
            } else {
                gained.join(", ")
            },
            before.cgo_files.join(", ")
        ));
    }
    out
}

struct Made {
    route: Route,
    loads: usize,
}

/// What every route of one plan shares.
struct Context<'a> {
    dir: &'a std::path::Path,
    catalog: &'a Catalog,
    allow: &'a [crate::config::Allow],
    base: &'a DepGraph,
    base_findings: &'a [Finding],
}

fn make_route(
    seam: &mut GoSeam,
    context: &Context<'_>,
    cgo: bool,
    stderr: &mut dyn Write,
) -> Result<Made> {
    let Context {
        dir,
        catalog,
        allow,
        base,
        base_findings,
    } = *context;
    let route = GoRoute { cgo };
    let Fixpoint {
        graph,
        result,
        applied,
        rejected,
        loads,
        ..
    } = fixpoint(seam, &route, catalog, allow, stderr)?;
    let changes: Vec<Change> = applied.iter().map(|a| a.change.clone()).collect();
    let tags = seam.all_tags(&changes);
    let ldflags = route_ldflags(&route, &graph, seam.ldflags.as_deref());
    let build = build_plan(
        dir,
        &graph,
        cgo,
        &tags,
        ldflags.as_deref(),
        seam.buildmode.as_deref(),
    );
    let remaining = relevant(&graph, &result, allow);
    let removed = removed_findings(base, base_findings, &graph, &remaining, &applied);
    let mut notes = Vec::new();
    if ldflags
        .as_deref()
        .is_some_and(|l| l.contains(STATIC_LDFLAGS))
    {
        let decision = result.targets.iter().find_map(|t| t.link.as_ref());
        let auto_external = decision.is_some_and(|d| d.mode_reason.contains("C objects"))
            || check::reachable_set(&graph)
                .iter()
                .enumerate()
                .any(|(i, r)| {
                    *r && {
                        let node = graph.node(petgraph::graph::NodeIndex::new(i));
                        !node.cgo_files.is_empty()
                            && !crate::analyze::link::INTERNAL_PACKAGES.contains(&node.id.as_str())
                    }
                });
        notes.push(if auto_external {
            "-linkmode external is kept although the Go linker would link externally on its own here (a third-party cgo package brings C objects): it keeps the link static if that package leaves the build".to_owned()
        } else {
            "-linkmode external is needed: only standard-library cgo remains, which the Go linker links internally (dynamically) unless told otherwise".to_owned()
        });
    }
    let prediction = predict(&graph, &result, &remaining);
    let title = if cgo {
        if ldflags
            .as_deref()
            .is_some_and(|l| l.contains(STATIC_LDFLAGS))
        {
            "cgo stays on, linked externally with -static".to_owned()
        } else {
            "no cgo package is left: the Go linker links statically on its own".to_owned()
        }
    } else {
        "CGO_ENABLED=0".to_owned()
    };
    let mut route = Route {
        name: if cgo { "cgo" } else { "no-cgo" },
        title,
        graph,
        result,
        applied,
        rejected,
        blockers: Vec::new(),
        compile: None,
        notes,
        differs: Vec::new(),
        build,
        prediction,
        removed,
        remaining,
    };
    if !cgo {
        route.blockers = no_cgo_blockers(&route.graph, &route.result, allow);
        // A main package that the configuration drops is a binary the user no longer gets
        // (`./...` silently skips a package whose files all need cgo).
        for &root in base.roots() {
            let id = &base.node(root).id;
            let built = route
                .graph
                .find(id)
                .is_some_and(|idx| route.graph.roots().contains(&idx));
            if !built {
                route.blockers.push(Blocker {
                    package: id.to_string(),
                    outcome: "not-built",
                    reason: "this main package is not built with CGO_ENABLED=0: its files need cgo (the build would silently leave out this binary)".to_owned(),
                    chain: vec![id.to_string()],
                });
            }
        }
        route.blockers.sort();
    }
    Ok(Made { route, loads })
}

/// Computes the Go plan for the module in `args.load.dir`.
pub fn plan(args: &FixArgs, stderr: &mut dyn Write) -> Result<Plan> {
    let request = args.load.request()?;
    if matches!(request.source, Source::File { .. }) {
        bail!(
            "audit fix checks its proposal by loading the graph again under it, which a recording cannot do: run it in the module directory (-C DIR)"
        );
    }
    let dir: PathBuf = args.load.dir.clone();
    let (audit_config, catalog) =
        crate::commands::check::config_and_catalog(&dir, args.config.as_deref(), &args.rules)?;
    let allow = audit_config.allow.clone();
    let mut probe = crate::commands::check::CcProbe::new();

    let parsed = load::load(&request)?;
    print_notes(&parsed.notes, stderr)?;
    let mut base = parsed.graph;
    base.config.env = check::rule_env(&catalog);
    let base_options = CheckOptions {
        cuts: false,
        max_chains: 3,
        link: crate::commands::check::link_flags(None, None)?,
    };
    let base_result = check::check(&base, &catalog, &base_options, &mut probe);
    let base_findings = relevant(&base, &base_result, &allow);
    let mut seam = GoSeam {
        request: request.clone(),
        goos: base.config.goos.clone(),
        goarch: base.config.goarch.clone(),
        base_tags: base.config.tags.clone().unwrap_or_default(),
        env: base.config.env.clone(),
        ldflags: args.ldflags.clone(),
        buildmode: args.buildmode.clone(),
        diagnostics_printed: false,
        upgrades: Vec::new(),
    };
    let base_cgo = base.config.cgo_enabled.unwrap_or(true);
    let reach = check::reachable_set(&base);
    let uses_cgo = base.find("runtime/cgo").is_some_and(|i| reach[i.index()]);
    let mut loads = 1;
    let mut routes: Vec<Route> = Vec::new();
    let want_cgo = base_cgo && request.config.cgo_enabled != Some(false);
    let want_no_cgo = request.config.cgo_enabled != Some(true) && (uses_cgo || !base_cgo);
    let context = Context {
        dir: &dir,
        catalog: &catalog,
        allow: &allow,
        base: &base,
        base_findings: &base_findings,
    };
    if want_cgo {
        let made = make_route(&mut seam, &context, true, stderr)?;
        loads += made.loads;
        routes.push(made.route);
    }
    if want_no_cgo {
        let mut made = make_route(&mut seam, &context, false, stderr)?;
        loads += made.loads;
        if base_cgo {
            // Against the build as it is now: what turning cgo off changes.
            made.route.differs = fix::diff(&base, &made.route.graph);
            made.route.notes.extend(swapped_files(
                &base,
                &made.route.graph,
                &made.route.blockers,
            ));
        }
        if made.route.blockers.is_empty() && !args.no_compile {
            let tags = tags_of(
                &made
                    .route
                    .applied
                    .iter()
                    .map(|a| a.change.clone())
                    .collect::<Vec<_>>(),
            );
            let mut all: BTreeSet<String> = seam.base_tags.iter().cloned().collect();
            all.extend(tags);
            let all: Vec<String> = all.into_iter().collect();
            let compile = compile_check(&dir, &made.route.graph, &all)?;
            if !compile.ok {
                let mut blockers = lacking_packages(&made.route.graph, &compile);
                if blockers.is_empty() {
                    blockers.push(Blocker {
                        package: compile
                            .errors
                            .first()
                            .and_then(|e| e.split_once(": "))
                            .map(|(p, _)| p.to_owned())
                            .unwrap_or_default(),
                        outcome: "compile",
                        reason: format!(
                            "the program does not compile with CGO_ENABLED=0: {}",
                            compile.errors.first().cloned().unwrap_or_default()
                        ),
                        chain: Vec::new(),
                    });
                }
                made.route.blockers = blockers;
            }
            made.route.compile = Some(compile);
        } else if args.no_compile && made.route.blockers.is_empty() {
            made.route
                .notes
                .push("not compiled (--no-compile): the graph says it builds; whether the program compiles against the !cgo files is unchecked".to_owned());
        }
        routes.push(made.route);
    }
    if routes.is_empty() {
        bail!("nothing to plan: no route applies to this configuration");
    }
    // Choose: no-cgo when it builds, compiles and leaves a clean static binary; else cgo.
    let no_cgo_ok = routes
        .iter()
        .position(|r| r.name == "no-cgo" && r.viable() && r.prediction.clean);
    let chosen_index = match no_cgo_ok {
        Some(i) => i,
        None => routes
            .iter()
            .position(|r| r.name == "cgo" && r.viable())
            .or_else(|| routes.iter().position(|r| r.viable()))
            .unwrap_or(0),
    };
    let chosen = routes.remove(chosen_index);
    let others: Vec<(Route, String)> = routes
        .into_iter()
        .map(|route| {
            let why = if !route.blockers.is_empty() {
                format!(
                    "not safe: {}",
                    route
                        .blockers
                        .iter()
                        .map(|b| format!("{} {}", b.package, b.outcome))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if !route.prediction.clean {
                "not clean: see what remains".to_owned()
            } else {
                "also works; the proposal needs no C toolchain".to_owned()
            };
            (route, why)
        })
        .collect();
    let mut upgrades = seam.upgrades.clone();
    upgrades.sort();
    upgrades.dedup();
    for upgrade in &mut upgrades {
        if upgrade.kind == "needed" && !chosen.remaining.iter().any(|f| f.rule == upgrade.rule) {
            upgrade.kind = "alternative";
        }
    }
    upgrades.dedup();
    Ok(Plan {
        ecosystem: "go",
        catalog,
        base,
        base_result,
        chosen,
        others,
        upgrades,
        loads,
        workspace: None,
    })
}

fn print_notes(notes: &[String], stderr: &mut dyn Write) -> Result<()> {
    for note in notes {
        writeln!(stderr, "audit: {note}")?;
    }
    Ok(())
}

/// The link flags of a plan's chosen build.
pub fn chosen_link(plan: &Plan) -> Result<LinkFlags> {
    let ldflags = plan
        .chosen
        .build
        .spec
        .args
        .iter()
        .find_map(|a| a.strip_prefix("-ldflags="))
        .map(str::to_owned);
    crate::commands::check::link_flags(ldflags.as_deref(), None)
}

/// The prediction for a build's own settings (a `--command`'s, read from its binary or its
/// command line): the graph loaded under them, checked under their link flags.
pub fn predict_for(
    args: &FixArgs,
    settings: &super::verify::BuildSettings,
    catalog: &Catalog,
) -> Result<super::verify::Predicted> {
    let mut request = args.load.request()?;
    if let Some(cgo) = settings.cgo {
        request.config.cgo_enabled = Some(cgo);
    }
    request.config.tags = Some(settings.tags.clone());
    if settings.goos.is_some() {
        request.config.goos = settings.goos.clone();
    }
    if settings.goarch.is_some() {
        request.config.goarch = settings.goarch.clone();
    }
    if !settings.packages.is_empty()
        && let Source::Go { patterns, .. } = &mut request.source
    {
        *patterns = settings.packages.clone();
    }
    let mut graph = load::load(&request)?.graph;
    graph.config.env = check::rule_env(catalog);
    let options = CheckOptions {
        cuts: false,
        max_chains: 3,
        link: crate::commands::check::link_flags(
            settings.ldflags.as_deref(),
            settings.buildmode.as_deref(),
        )?,
    };
    let mut probe = crate::commands::check::CcProbe::new();
    let result = check::check(&graph, catalog, &options, &mut probe);
    let remaining = relevant(&graph, &result, &[]);
    let prediction = predict(&graph, &result, &remaining);
    Ok(super::verify::Predicted {
        settings: settings.clone(),
        graph,
        prediction,
    })
}
