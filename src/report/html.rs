//! The self-contained HTML page of `audit report`: verdict per main package, the fix command,
//! the findings table, an overview graph of every source's shortest chain, then each finding
//! with its chains, choke points, fix and why-graph (inline SVG), what a fully static link
//! would meet, and the exact configuration and tool version.
//!
//! Self-contained means nothing is loaded from elsewhere: inline CSS, inline SVG, no script,
//! no font, no external URL; a Content-Security-Policy forbids every load. Every string from
//! the input goes through [`html`]/[`html_line`]. Large projects stay readable: graphs hold
//! only chain nodes, what is not on a chain is collapsed, `max_findings` caps the findings
//! with a visible note and `focus` keeps the findings and chains touching some packages.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use petgraph::graph::NodeIndex;

use crate::analyze::check::Finding;
use crate::analyze::fix::{build_patterns, requested_tags};
use crate::model::DepGraph;
use crate::pattern;
use crate::rules::Severity;

use super::check::{CheckOutput, CheckRun, fix_line, package_label};
use super::escape::{html, html_line};
use super::json::TOOL;
use super::picture::{Paint, Picture};
use super::svg::{Drawn, GRAPHVIZ_INSTALL, SvgRenderer};

/// The overview graph is left out above this many packages (unreadable even from Graphviz).
const OVERVIEW_MAX_NODES: usize = 150;

/// What the page shows beyond the check.
#[derive(Clone, Debug, Default)]
pub struct PageOptions {
    /// `--focus` patterns: keep findings and chains touching a matching package.
    pub focus: Vec<String>,
    /// Findings shown in full, worst first.
    pub max_findings: usize,
    /// The project directory, as given.
    pub project: String,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f5f7; color: #1f2328; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1380px; margin: 0 auto; padding: 14px 20px 40px; }
header h1 { font-size: 25px; margin: 6px 0 2px; }
header .sub { color: #57606a; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 0 0 8px; }
h3 { font-size: 16.5px; margin: 0 0 6px; }
section, article { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13.5px; }
pre { white-space: pre-wrap; word-break: break-word; margin: 6px 0; }
pre.command { background: #0d1117; color: #f0f6fc; padding: 12px 14px; border-radius: 6px; font-size: 15px; overflow-wrap: anywhere; }
pre.data { background: #f6f8fa; padding: 8px 10px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; font-size: 13px; text-transform: uppercase; letter-spacing: .03em; color: #57606a; }
tr.allowed td { color: #6e7781; }
table.findings { table-layout: fixed; }
table.findings td { overflow-wrap: anywhere; }
code.pkg { font-weight: 700; font-size: 14.5px; background: #ffd966; padding: 1px 5px; border-radius: 4px; }
.module { color: #57606a; font-size: 13px; }
.sev { display: inline-block; font-weight: 600; padding: 0 8px; border-radius: 10px; font-size: 12.5px; border: 1px solid; }
.sev-error { background: #ffebe9; color: #a40e26; border-color: #ff8182; }
.sev-warning { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.sev-note { background: #ddf4ff; color: #0550ae; border-color: #54aeff; }
.flag { display: inline-block; font-size: 12px; font-weight: 600; padding: 0 6px; border-radius: 4px; background: #eaeef2; margin-left: 4px; }
.flag-fails { background: #a40e26; color: #fff; }
.effect { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 4px; margin: 1px 2px 1px 0; color: #fff; }
.linkage { font-weight: 700; }
.linkage-dynamic { color: #a40e26; }
.linkage-static, .linkage-static-external, .linkage-static-pie { color: #1a7f37; }
.linkage-does-not-build { color: #a40e26; text-decoration: underline; }
.chain { margin: 3px 0; line-height: 1.9; }
.chain code { background: #f6f8fa; border: 1px solid #d8dee4; padding: 1px 5px; border-radius: 4px; }
.chain code.root { background: #c6efce; }
.chain code.source { background: #ffd966; font-weight: 700; }
.chain code.choke { outline: 2px solid #c55a11; }
.chain .sep { color: #8c959f; margin: 0 3px; }
ol.chains { margin: 4px 0; padding-left: 22px; }
figure.graph { margin: 8px 0 0; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
.note { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 6px 10px; margin: 8px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; }
details > summary { cursor: pointer; font-weight: 600; }
footer { color: #57606a; font-size: 13px; margin-top: 18px; }
"#;

/// A finding as the page shows it: possibly with only the chains that touch the focus.
struct Shown<'a> {
    run: &'a CheckRun,
    finding: Finding,
    /// How many of the finding's listed chains the focus kept, when it dropped some.
    focus_kept: Option<(usize, usize)>,
}

fn touches(graph: &DepGraph, chain: &[NodeIndex], focus: &[String]) -> bool {
    chain
        .iter()
        .any(|&i| focus.iter().any(|p| pattern::matches(p, &graph.node(i).id)))
}

/// Every finding to show, worst first per configuration, narrowed by the focus.
fn select<'a>(output: &CheckOutput<'a>, focus: &[String]) -> Vec<Shown<'a>> {
    let mut shown = Vec::new();
    for run in output.runs {
        for finding in &run.result.findings {
            let mut finding = finding.clone();
            let mut focus_kept = None;
            if !focus.is_empty() {
                let package = &run.graph.node(finding.package).id;
                if !focus.iter().any(|p| pattern::matches(p, package)) {
                    let listed = finding.chains.chains.len();
                    finding
                        .chains
                        .chains
                        .retain(|chain| touches(&run.graph, chain, focus));
                    if finding.chains.chains.is_empty() {
                        continue;
                    }
                    if finding.chains.chains.len() < listed {
                        focus_kept = Some((finding.chains.chains.len(), listed));
                    }
                }
            }
            shown.push(Shown {
                run,
                finding,
                focus_kept,
            });
        }
    }
    shown
}

fn severity_badge(severity: Severity) -> String {
    format!(r#"<span class="sev sev-{0}">{0}</span>"#, severity.as_str())
}

fn effect_badges(finding: &Finding) -> String {
    let paint = Paint::of_finding(finding);
    finding
        .effects
        .iter()
        .map(|effect| {
            let color = match effect.as_str() {
                "cgo" => Paint::Cgo.color(),
                "dlopen" => Paint::Dlopen.color(),
                "nss" => Paint::Nss.color(),
                "system-library" => Paint::SystemLibrary.color(),
                _ if paint == Paint::Other => Paint::Other.color(),
                _ => "#6e7781",
            };
            format!(
                r#"<span class="effect" style="background:{color}">{}</span>"#,
                effect.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join("")
}

fn flags(finding: &Finding) -> String {
    let mut out = String::new();
    if finding.fails {
        out.push_str(r#"<span class="flag flag-fails">FAILS</span>"#);
    }
    if let Some(allow) = &finding.allowed {
        let _ = write!(
            out,
            r#"<span class="flag">allowed: {}</span>"#,
            html_line(&allow.reason)
        );
    }
    if let Some(allow) = &finding.expired {
        let _ = write!(
            out,
            r#"<span class="flag">allow entry expired {}</span>"#,
            html_line(allow.until.as_deref().unwrap_or("?"))
        );
    }
    match finding.new {
        Some(true) => out.push_str(r#"<span class="flag">new</span>"#),
        Some(false) if !finding.new_chains.is_empty() => {
            let _ = write!(
                out,
                r#"<span class="flag">{} new chain(s)</span>"#,
                finding.new_chains.len()
            );
        }
        _ => {}
    }
    out
}

/// One chain as inline code: root, source and choke points marked.
fn chain_html(graph: &DepGraph, chain: &[NodeIndex], chokes: &[NodeIndex]) -> String {
    let mut out = String::from(r#"<div class="chain">"#);
    for (i, &idx) in chain.iter().enumerate() {
        if i > 0 {
            out.push_str(r#" <span class="sep">&#8594;</span> "#);
        }
        let mut classes = Vec::new();
        if i == 0 {
            classes.push("root");
        }
        if i + 1 == chain.len() {
            classes.push("source");
        }
        if chokes.contains(&idx) {
            classes.push("choke");
        }
        // A line may break after a `/` of a long path, nowhere else.
        let _ = write!(
            out,
            r#"<code class="{}">{}</code>"#,
            classes.join(" "),
            html_line(&graph.node(idx).id).replace('/', "/<wbr>")
        );
    }
    out.push_str("</div>");
    out
}

fn chain_count(finding: &Finding) -> String {
    if !finding.chains.exact {
        format!("at least {}", finding.chains.count)
    } else {
        finding.chains.count_text()
    }
}

fn quote_tags(tags: &BTreeSet<String>) -> String {
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    if tags.len() == 1 {
        tags[0].to_owned()
    } else {
        format!("'{}'", tags.join(" "))
    }
}

/// The build command the findings' fixes add up to (Go), or their Cargo commands; with
/// alternatives (upgrades). Predicted: `audit fix` confirms it by loading the graph again.
fn predicted_fix(run: &CheckRun) -> (Vec<String>, Vec<String>) {
    let graph = &run.graph;
    let findings: Vec<Finding> = run
        .result
        .findings
        .iter()
        .filter(|f| f.allowed.is_none() && f.severity >= Severity::Warning)
        .cloned()
        .collect();
    if findings.is_empty() {
        return (Vec::new(), Vec::new());
    }
    if graph.config.ecosystem == "cargo" {
        let mut commands: BTreeSet<String> = BTreeSet::new();
        for finding in &findings {
            if let Some(edit) = &finding.cargo_edit {
                commands.insert(edit.command.clone());
            }
            if let Some(rustflags) = &finding.fix.rustflags {
                commands.insert(format!("RUSTFLAGS=\"{rustflags}\" cargo build --release"));
            }
        }
        return (commands.into_iter().collect(), Vec::new());
    }
    let (wanted, upgrades) = requested_tags(graph, &findings);
    let mut tags: BTreeSet<String> = graph
        .config
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    tags.extend(wanted);
    let keep_cgo =
        graph.config.cgo_enabled != Some(false) && !run.result.static_link.cgo_off.is_empty();
    let mut command = format!("CGO_ENABLED={} go build", u8::from(keep_cgo));
    if !tags.is_empty() {
        command.push_str(&format!(" -tags {}", quote_tags(&tags)));
    }
    if keep_cgo {
        command.push_str(" -ldflags \"-linkmode external -extldflags '-static'\"");
    }
    let patterns = build_patterns(graph);
    if !patterns.is_empty() {
        command.push(' ');
        command.push_str(&patterns.join(" "));
    }
    let upgrades = upgrades
        .iter()
        .map(|u| {
            let tags = if u.tags.is_empty() {
                String::new()
            } else {
                format!(", then -tags {}", u.tags.join(","))
            };
            format!("{} ({}): {}{tags}", u.command, u.kind, u.rule)
        })
        .collect();
    (vec![command], upgrades)
}

/// Draws a picture into the page: inline SVG, or a note and the DOT when it is too large.
fn figure(out: &mut String, svg: &mut SvgRenderer, picture: &Picture) -> Result<()> {
    out.push_str(r#"<figure class="graph">"#);
    match svg.draw(picture)? {
        Drawn::Svg(text) => out.push_str(&super::svg::inline(&text)),
        Drawn::TooLarge { dot, nodes } => {
            let _ = write!(
                out,
                r#"<p class="note">This graph has {nodes} packages: drawing it needs Graphviz (<code>{GRAPHVIZ_INSTALL}</code>). The chains are listed in full above; the DOT is below.</p><details><summary>DOT</summary><pre class="data">{}</pre></details>"#,
                html(&dot)
            );
        }
    }
    out.push_str("</figure>\n");
    Ok(())
}

fn project_name(output: &CheckOutput<'_>, options: &PageOptions) -> String {
    for run in output.runs {
        for &root in run.graph.roots() {
            if let Some(module) = &run.graph.node(root).module
                && module.main
            {
                return module.path.clone();
            }
        }
    }
    options.project.clone()
}

/// Renders the page.
pub fn render(
    output: &CheckOutput<'_>,
    options: &PageOptions,
    svg: &mut SvgRenderer,
    out: &mut dyn Write,
) -> Result<()> {
    let shown = select(output, &options.focus);
    let total: usize = output.runs.iter().map(|r| r.result.findings.len()).sum();
    let capped = shown.len().min(options.max_findings);
    let project = project_name(output, options);
    let mut page = String::new();
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>linkaudit report: {project}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Why is it dynamically linked? {project}</h1>
<p class="sub">linkaudit {version} &middot; audit report &middot; {summary}</p>
"#,
        project = html_line(&project),
        version = TOOL.version,
        summary = html_line(&super::check_text::summary(output)),
    );
    for run in output.runs {
        let _ = writeln!(
            page,
            r#"<p class="sub"><b>config{}:</b> <code>{}</code></p>"#,
            if run.label.is_empty() {
                String::new()
            } else {
                format!(" {}", html_line(&run.label))
            },
            html_line(&super::describe_config(&run.graph.config))
        );
        if run.graph.incomplete() {
            let _ = writeln!(
                page,
                r#"<p class="note">The graph is incomplete ({} load problem(s)): findings may be missing.</p>"#,
                run.graph.problems.len()
            );
        }
    }
    if !options.focus.is_empty() {
        let _ = writeln!(
            page,
            r#"<p class="note">Focused on <code>{}</code>: {} of {total} finding(s) touch it; chains that do not are left out.</p>"#,
            html_line(&options.focus.join(" ")),
            shown.len()
        );
    }
    page.push_str("</header>\n");

    // Verdicts.
    page.push_str("<section id=\"verdict\"><h2>Linkage per main package</h2><table>\n");
    for run in output.runs {
        for target in &run.result.targets {
            let _ = write!(
                page,
                r#"<tr><td><code>{}</code></td><td><span class="linkage linkage-{1}">{1}</span></td><td>"#,
                html_line(&run.graph.node(target.package).id),
                target.linkage
            );
            if !target.reasons.is_empty() {
                let _ = write!(
                    page,
                    "<details><summary>{} reason(s)</summary><ul>",
                    target.reasons.len()
                );
                for reason in &target.reasons {
                    let _ = write!(page, "<li>{}</li>", html_line(reason));
                }
                page.push_str("</ul></details>");
            }
            page.push_str("</td></tr>\n");
        }
    }
    page.push_str("</table></section>\n");

    // The fix command.
    page.push_str("<section id=\"fix\"><h2>Fix command</h2>\n");
    let mut any_fix = false;
    for run in output.runs {
        let (commands, upgrades) = predicted_fix(run);
        if commands.is_empty() {
            continue;
        }
        any_fix = true;
        if !run.label.is_empty() {
            let _ = writeln!(page, "<h3>{}</h3>", html_line(&run.label));
        }
        for command in &commands {
            let _ = writeln!(page, r#"<pre class="command">{}</pre>"#, html(command));
        }
        if !upgrades.is_empty() {
            page.push_str("<p>Upgrades:</p><ul>");
            for upgrade in &upgrades {
                let _ = write!(page, "<li><code>{}</code></li>", html_line(upgrade));
            }
            page.push_str("</ul>");
        }
    }
    if any_fix {
        let _ = writeln!(
            page,
            "<p>Added up from the findings' fixes (tags change the graph): <code>audit fix -C {0}</code> confirms it by loading the graph again under it, <code>audit verify -C {0}</code> builds it and inspects the binary.</p>",
            html_line(&options.project)
        );
    } else {
        page.push_str("<p>Nothing to fix: no finding at warning or above.</p>\n");
    }
    page.push_str("</section>\n");

    // Findings table.
    let _ = writeln!(
        page,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        shown.len()
    );
    if shown.is_empty() {
        page.push_str("<p>None.</p>\n");
    } else {
        page.push_str("<table class=\"findings\"><colgroup><col style=\"width:7%\"><col style=\"width:20%\"><col style=\"width:20%\"><col style=\"width:33%\"><col style=\"width:20%\"></colgroup>\n<tr><th>Severity</th><th>Source package</th><th>Finding</th><th>Chains (shortest)</th><th>Fix</th></tr>\n");
    }
    for (n, item) in shown.iter().enumerate().take(capped) {
        let graph = &item.run.graph;
        let finding = &item.finding;
        let shortest = finding
            .chains
            .chains
            .first()
            .map(|c| chain_html(graph, c, &finding.chains.choke_points))
            .unwrap_or_default();
        let _ = writeln!(
            page,
            r##"<tr{}><td>{}{}</td><td><code class="pkg">{}</code>{}<div>{}</div></td><td><a href="#f{n}"><code>{}</code></a><div>{}</div></td><td><b>{}</b> chain(s){}</td><td>{}</td></tr>"##,
            if finding.allowed.is_some() {
                r#" class="allowed""#
            } else {
                ""
            },
            severity_badge(finding.severity),
            flags(finding),
            html_line(&graph.node(finding.package).id),
            graph
                .node(finding.package)
                .module_label()
                .map(|m| format!(r#"<div class="module">{}</div>"#, html_line(&m)))
                .unwrap_or_default(),
            effect_badges(finding),
            html_line(&finding.rule),
            html_line(&finding.summary),
            chain_count(finding),
            shortest,
            html_line(&fix_line(graph, finding)),
        );
    }
    if !shown.is_empty() {
        page.push_str("</table>\n");
    }
    if shown.len() > capped {
        let _ = writeln!(
            page,
            r#"<p class="note">{} more finding(s) are not shown (--max-findings {}): narrow the page with --focus PATTERN, or see them all with <code>audit check</code>.</p>"#,
            shown.len() - capped,
            options.max_findings
        );
    }
    page.push_str("</section>\n");

    // Overview: the shortest chain of every shown, not allowed finding, per configuration.
    for (r, run) in output.runs.iter().enumerate() {
        let findings: Vec<&Finding> = shown
            .iter()
            .take(capped)
            .filter(|s| std::ptr::eq(s.run, run) && s.finding.allowed.is_none())
            .map(|s| &s.finding)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let mut picture = Picture::findings(
            &run.graph,
            &findings,
            1,
            vec![
                "Every source and its shortest chain".to_owned(),
                super::describe_config(&run.graph.config),
            ],
        );
        picture.id = Some(format!("ov{r}g"));
        let _ = writeln!(
            page,
            "<section id=\"overview{r}\"><h2>Sources and their shortest chains{}</h2>",
            if run.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", html_line(&run.label))
            }
        );
        if picture.nodes.len() > OVERVIEW_MAX_NODES {
            let _ = writeln!(
                page,
                r#"<p class="note">The overview would have {} packages, too many to read: each finding below has its own graph (or use --focus).</p>"#,
                picture.nodes.len()
            );
        } else {
            figure(&mut page, svg, &picture)?;
        }
        page.push_str("</section>\n");
    }

    // Each finding.
    for (n, item) in shown.iter().enumerate().take(capped) {
        let graph = &item.run.graph;
        let finding = &item.finding;
        let open = if finding.fails || finding.severity >= Severity::Warning {
            " open"
        } else {
            ""
        };
        let _ = writeln!(
            page,
            r#"<article id="f{n}"><details{open}><summary>{} <code>{}</code> {}: {}</summary>"#,
            severity_badge(finding.severity),
            html_line(&finding.rule),
            flags(finding),
            html_line(&finding.summary)
        );
        page.push_str(r#"<dl class="facts">"#);
        let _ = write!(
            page,
            "<dt>package</dt><dd><code>{}</code>{}</dd>",
            html_line(&package_label(graph, finding)),
            finding
                .library
                .as_ref()
                .map(|l| format!(", library <code>{}</code>", html_line(l)))
                .unwrap_or_default()
        );
        if !item.run.label.is_empty() {
            let _ = write!(
                page,
                "<dt>config</dt><dd>{}</dd>",
                html_line(&item.run.label)
            );
        }
        let _ = write!(page, "<dt>effects</dt><dd>{}</dd>", effect_badges(finding));
        let _ = write!(
            page,
            "<dt>fix</dt><dd>{}</dd>",
            html_line(&fix_line(graph, finding))
        );
        let chokes: Vec<String> = finding
            .chains
            .choke_points
            .iter()
            .map(|&i| format!("<code>{}</code>", html_line(&graph.node(i).id)))
            .collect();
        let _ = write!(
            page,
            "<dt>choke points</dt><dd>{}</dd>",
            if chokes.is_empty() {
                "none (no single package is on every chain)".to_owned()
            } else {
                chokes.join(", ")
            }
        );
        for (rule, package) in &finding.explains {
            let _ = write!(
                page,
                "<dt>explains</dt><dd><code>{}</code> ({})</dd>",
                html_line(rule),
                html_line(package)
            );
        }
        page.push_str("</dl>\n");
        let listed = finding.chains.chains.len();
        let _ = write!(
            page,
            "<h3>Chains: {}{}</h3><ol class=\"chains\">",
            chain_count(finding),
            match item.focus_kept {
                Some((kept, of)) =>
                    format!(" (showing the {kept} of {of} listed that touch the focus)"),
                None if (listed as u64) < finding.chains.count || finding.chains.saturated => {
                    format!(" (showing the {listed} shortest)")
                }
                None => String::new(),
            }
        );
        for chain in &finding.chains.chains {
            let _ = write!(
                page,
                "<li>{}</li>",
                chain_html(graph, chain, &finding.chains.choke_points)
            );
        }
        page.push_str("</ol>\n");
        for chain in &finding.new_chains {
            let _ = write!(
                page,
                "<p>new: <code>{}</code></p>",
                html_line(&chain.join(" > "))
            );
        }
        if !finding.fix.text.trim().is_empty() {
            let _ = write!(
                page,
                "<details><summary>About the fix</summary><p>{}</p></details>",
                html(finding.fix.text.trim())
            );
        }
        if !finding.chains.chains.is_empty() {
            let mut picture = Picture::findings(
                graph,
                &[finding],
                usize::MAX,
                vec![
                    format!("{}: {}", finding.rule, graph.node(finding.package).id),
                    super::describe_config(&graph.config),
                ],
            );
            picture.id = Some(format!("f{n}g"));
            figure(&mut page, svg, &picture)?;
        }
        page.push_str("</details></article>\n");
    }

    // What a fully static link would meet, collapsed.
    for (r, run) in output.runs.iter().enumerate() {
        let report = &run.result.static_link;
        let _ = write!(
            page,
            "<section id=\"static{r}\"><details><summary>What a fully static link would meet{}</summary><ul>",
            if run.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", html_line(&run.label))
            }
        );
        if report.warnings.is_empty() {
            page.push_str("<li>glibc warnings: none</li>");
        }
        for warning in &report.warnings {
            let _ = write!(
                page,
                "<li>glibc warning: <code>{}</code> from <code>{}</code> ({})</li>",
                html_line(&warning.symbol),
                html_line(&warning.package),
                html_line(&warning.rule)
            );
        }
        for library in &report.libraries {
            let state = match (library.pkg_config, library.archive_found) {
                (true, _) => "pkg-config name: needs a static build (not checked)".to_owned(),
                (false, Some(true)) => format!("lib{}.a found", library.library),
                (false, Some(false)) => format!(
                    "lib{}.a MISSING: the link fails with `cannot find -l{}`",
                    library.library, library.library
                ),
                (false, None) => "not checked (no C compiler)".to_owned(),
            };
            let _ = write!(
                page,
                "<li>library <code>{}</code>: {} (from {})</li>",
                html_line(&library.library),
                html_line(&state),
                html_line(&library.packages.join(", "))
            );
        }
        for effect in &report.cgo_off {
            let _ = write!(
                page,
                "<li>with CGO_ENABLED=0: <code>{}</code> {} ({})</li>",
                html_line(&effect.package),
                if effect.outcome == "stub" {
                    "becomes a stub"
                } else {
                    "fails to build"
                },
                html_line(&effect.rule)
            );
        }
        page.push_str("</ul></details></section>\n");
    }

    // Configuration and tool.
    page.push_str("<section id=\"config\"><h2>Configuration</h2>");
    let _ = write!(
        page,
        "<dl class=\"facts\"><dt>tool</dt><dd>{} {}</dd><dt>fail-on</dt><dd>{}</dd><dt>baseline</dt><dd>{}</dd><dt>warn-only</dt><dd>{}</dd></dl>",
        TOOL.name,
        TOOL.version,
        output.fail_on.as_str(),
        if output.baseline { "yes" } else { "no" },
        if output.warn_only { "yes" } else { "no" }
    );
    for allow in &output.allow.expired {
        let _ = write!(
            page,
            r#"<p class="note">allow entry for <code>{}</code> expired on {}: {}</p>"#,
            html_line(&allow.rule),
            html_line(allow.until.as_deref().unwrap_or("?")),
            html_line(&allow.reason)
        );
    }
    for allow in &output.allow.stale {
        let _ = write!(
            page,
            r#"<p class="note">stale allow entry for <code>{}</code>: it matches no finding</p>"#,
            html_line(&allow.rule)
        );
    }
    for run in output.runs {
        let config = serde_json::to_string_pretty(&run.graph.config)?;
        let _ = write!(
            page,
            "<details><summary>Build configuration{}</summary><pre class=\"data\">{}</pre></details>",
            if run.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", html_line(&run.label))
            },
            html(&config)
        );
        if !run.graph.problems.is_empty() {
            let _ = write!(
                page,
                "<details><summary>{} load problem(s)</summary><ul>",
                run.graph.problems.len()
            );
            for problem in &run.graph.problems {
                let _ = write!(page, "<li>{}</li>", html_line(problem));
            }
            page.push_str("</ul></details>");
        }
    }
    page.push_str("</section>\n");
    let _ = writeln!(
        page,
        "<footer>{} finding(s) in all; {} shown. Generated by linkaudit {}: a single file with no external resources.</footer>",
        total, capped, TOOL.version
    );
    page.push_str("</main>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())?;
    Ok(())
}
