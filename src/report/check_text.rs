//! Text output of `audit check`: per configuration the linkage verdicts, the findings with
//! chains and fixes, what a fully static link would meet; then a one-paragraph summary.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;

use crate::analyze::check::Finding;
use crate::model::DepGraph;
use crate::rules::Severity;

use super::check::{CheckOutput, cgo_off_line, fix_line, package_label};
use super::escape::text_line;

const CHAINS_SHOWN: usize = 3;

/// Renders the check as text.
pub fn render(output: &CheckOutput<'_>, out: &mut dyn Write) -> Result<()> {
    for (i, run) in output.runs.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let graph = &run.graph;
        super::text::config_header(graph, "findings", out)?;
        writeln!(out, "\nlinkage:")?;
        for target in &run.result.targets {
            writeln!(
                out,
                "  {}: {}",
                text_line(&graph.node(target.package).id),
                target.linkage
            )?;
            for reason in &target.reasons {
                writeln!(out, "    - {}", text_line(reason))?;
            }
        }
        if run.result.findings.is_empty() {
            writeln!(out, "\nfindings: none")?;
        } else {
            writeln!(out, "\nfindings:")?;
        }
        // Each finding's lines depend only on the graph and the finding: made on the calling
        // thread and the pool's together for many findings (each count's digits with its
        // lines), written in order.
        let findings = &run.result.findings;
        let texts: Vec<Result<String, std::fmt::Error>> = if findings.len() >= SHARED_FINDINGS {
            crate::model::share_here(findings.len(), |i| {
                finding_text(graph, &findings[i], &findings[i].chains.count_text())
            })
        } else {
            let counts = super::check::count_texts(findings);
            (findings.iter().zip(&counts))
                .map(|(finding, count)| finding_text(graph, finding, count))
                .collect()
        };
        let texts = texts.into_iter().collect::<Result<Vec<String>, _>>()?;
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
        let report = &run.result.static_link;
        if graph.config.ecosystem == "cargo" {
            writeln!(
                out,
                "\nfully static link (-C target-feature=+crt-static) would meet:"
            )?;
        } else {
            writeln!(
                out,
                "\nfully static link (-linkmode external -extldflags '-static') would meet:"
            )?;
        }
        if report.warnings.is_empty() {
            writeln!(out, "  glibc warnings: none")?;
        } else {
            let mut symbols: Vec<String> = Vec::new();
            for warning in &report.warnings {
                symbols.push(format!(
                    "{} ({})",
                    text_line(&warning.symbol),
                    text_line(&warning.package)
                ));
            }
            writeln!(out, "  glibc warnings: {}", symbols.join(", "))?;
        }
        if report.libraries.is_empty() {
            writeln!(out, "  libraries: none")?;
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
            writeln!(
                out,
                "  library {}: {} (from {})",
                text_line(&library.library),
                text_line(&state),
                text_line(&library.packages.join(", "))
            )?;
        }
        for effect in &report.cgo_off {
            let what = if effect.outcome == "stub" {
                "becomes a stub"
            } else {
                "fails to build"
            };
            writeln!(
                out,
                "  with CGO_ENABLED=0: {} {what} ({})",
                text_line(&effect.package),
                effect.rule
            )?;
        }
    }
    for allow in &output.allow.expired {
        writeln!(
            out,
            "\nallow: the entry for {} expired on {} and no longer suppresses it ({})",
            allow.rule,
            allow.until.as_deref().unwrap_or("?"),
            text_line(&allow.reason)
        )?;
    }
    for allow in &output.allow.stale {
        writeln!(
            out,
            "\nallow: stale entry for {}{}: it matches no finding",
            allow.rule,
            allow
                .package
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "\n{}", summary(output))?;
    Ok(())
}

/// The closing paragraph.
pub fn summary(output: &CheckOutput<'_>) -> String {
    let mut sentences = Vec::new();
    let mut n_dynamic = 0;
    let mut n_targets = 0;
    let mut n_broken = 0;
    for run in output.runs {
        for target in &run.result.targets {
            n_targets += 1;
            if target.linkage == "dynamic" {
                n_dynamic += 1;
            }
            if target.linkage == "does-not-build" {
                n_broken += 1;
            }
        }
    }
    let configs = if output.runs.len() > 1 {
        format!(" across {} configurations", output.runs.len())
    } else {
        String::new()
    };
    let broken = if n_broken > 0 {
        format!(", {n_broken} that do not build")
    } else {
        String::new()
    };
    sentences.push(format!(
        "Checked {n_targets} main package(s){configs}: {n_dynamic} dynamically linked, {} static{broken}.",
        n_targets - n_dynamic - n_broken
    ));
    let findings: Vec<_> = output
        .runs
        .iter()
        .flat_map(|run| run.result.findings.iter().map(move |f| (run, f)))
        .collect();
    let count = |severity: Severity| {
        findings
            .iter()
            .filter(|(_, f)| f.severity == severity)
            .count()
    };
    sentences.push(format!(
        "{} finding(s): {} error, {} warning, {} note.",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    ));
    let failing: Vec<String> = findings
        .iter()
        .filter(|(_, f)| f.fails)
        .map(|(run, f)| format!("{} ({})", f.rule, run.graph.node(f.package).id))
        .collect();
    let n_allowed = findings.iter().filter(|(_, f)| f.allowed.is_some()).count();
    if failing.is_empty() {
        sentences.push(format!(
            "None is at or above fail-on {}{}.",
            output.fail_on.as_str(),
            if output.baseline {
                " and new since the baseline"
            } else {
                ""
            }
        ));
    } else {
        sentences.push(format!(
            "{} at or above fail-on {}{}: {}.",
            failing.len(),
            output.fail_on.as_str(),
            if output.baseline {
                " and new since the baseline"
            } else {
                ""
            },
            text_line(&failing.join(", "))
        ));
        let mut tags: BTreeSet<String> = BTreeSet::new();
        for (_, f) in findings.iter().filter(|(_, f)| f.fails) {
            tags.extend(f.fix.tags.iter().cloned());
        }
        if !tags.is_empty() {
            sentences.push(format!(
                "Their tag fixes together: -tags '{}' (tags change the graph: check again with them).",
                tags.into_iter().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    if n_allowed > 0 {
        sentences.push(format!("{n_allowed} finding(s) are allowed by audit.toml."));
    }
    if !output.allow.expired.is_empty() {
        sentences.push(format!(
            "{} allow entr(ies) expired.",
            output.allow.expired.len()
        ));
    }
    if !output.allow.stale.is_empty() {
        sentences.push(format!(
            "{} allow entr(ies) are stale.",
            output.allow.stale.len()
        ));
    }
    if output.warn_only && !failing.is_empty() {
        sentences.push("--warn-only: not failing.".to_owned());
    }
    sentences.join(" ")
}

/// Findings from which the texts are shared with the pool ([`crate::model::share_here`]).
/// Fewer are made on one thread: the 493 findings of the bench's 10k-package check take
/// 0.73-0.76 ms there, less than a sleeping pool thread may take to wake on a small VM.
const SHARED_FINDINGS: usize = 1024;

/// One finding's lines: its rule and summary, package, effects, chains, fix.
fn finding_text(
    graph: &DepGraph,
    finding: &Finding,
    count: &str,
) -> Result<String, std::fmt::Error> {
    use std::fmt::Write as _;
    // Room for the chains, most of the text (about 40 bytes an id), grown once if short.
    let ids: usize = (finding.chains.chains.iter().take(CHAINS_SHOWN))
        .map(Vec::len)
        .sum();
    let mut out = String::with_capacity(512 + 40 * ids);
    let mut flags = Vec::new();
    if finding.fails {
        flags.push("FAILS".to_owned());
    }
    if let Some(allow) = &finding.allowed {
        flags.push(format!("allowed: {}", allow.reason));
    }
    if let Some(allow) = &finding.expired {
        flags.push(format!(
            "allow entry expired on {}: {}",
            allow.until.as_deref().unwrap_or("?"),
            allow.reason
        ));
    }
    match finding.new {
        Some(true) => flags.push("new".to_owned()),
        Some(false) if !finding.new_chains.is_empty() => {
            flags.push(format!("{} new chain(s)", finding.new_chains.len()))
        }
        Some(false) => flags.push("in baseline".to_owned()),
        None => {}
    }
    writeln!(out, "{}", super::check::headline(finding, &flags))?;
    let mut package = package_label(graph, finding);
    if let Some(library) = &finding.library {
        package.push_str(&format!(", library {library}"));
    }
    writeln!(&mut out, "    package: {}", text_line(&package))?;
    let effects: Vec<&str> = finding.effects.iter().map(|e| e.as_str()).collect();
    writeln!(&mut out, "    effects: {}", effects.join(", "))?;
    let chains = &finding.chains;
    let chokes: Vec<_> = chains
        .choke_points
        .iter()
        .map(|&i| text_line(graph.id(i)))
        .collect();
    let shown = chains.chains.len().min(CHAINS_SHOWN);
    writeln!(
        out,
        "    chains: {count}{}; choke points: {}",
        if (shown as u64) < chains.count || chains.saturated {
            format!(" (showing {shown} of {count})")
        } else {
            String::new()
        },
        if chokes.is_empty() {
            "none".to_owned()
        } else {
            chokes.join(", ")
        }
    )?;
    // Chains are much of a report's bytes (1,262 lines, 45% of the bench's 10k-package
    // check): written id by id, with no list or string per chain.
    for chain in chains.chains.iter().take(CHAINS_SHOWN) {
        out.push_str("      ");
        for (k, &i) in chain.iter().enumerate() {
            if k > 0 {
                out.push_str(" > ");
            }
            out.push_str(&text_line(graph.id(i)));
        }
        out.push('\n');
    }
    for chain in &finding.new_chains {
        writeln!(
            out,
            "      new: {}",
            chain
                .iter()
                .map(|id| text_line(id))
                .collect::<Vec<_>>()
                .join(" > ")
        )?;
    }
    for (rule, package) in &finding.explains {
        writeln!(&mut out, "    explains: {rule} ({})", text_line(package))?;
    }
    for note in &finding.notes {
        writeln!(&mut out, "    note: {}", text_line(note))?;
    }
    writeln!(
        &mut out,
        "    fix: {}",
        text_line(&fix_line(graph, finding))
    )?;
    if let Some(consequence) = cgo_off_line(finding) {
        writeln!(&mut out, "    with CGO_ENABLED=0: {consequence}")?;
    }
    Ok(out)
}
