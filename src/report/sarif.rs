//! SARIF 2.1.0 output of `audit check`: one `reportingDescriptor` per catalog rule (stable
//! `ruleId` = rule id), one result per finding located at the import line that starts its
//! shortest chain (or the go.mod `require` line), the chains as `codeFlows`, allowed findings as
//! `suppressions`, and `partialFingerprints` from the finding key so code scanning can track
//! findings across runs.

use std::io::Write;

use anyhow::Result;
use serde_json::{Value, json};

use crate::analyze::chain_ids;
use crate::rules::{Report, Severity};

use super::check::{CheckOutput, finding_location, fix_line, package_label};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn physical(file: &str, line: Option<u32>) -> Value {
    match line {
        Some(line) => json!({
            "artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line}
        }),
        None => json!({"artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"}}),
    }
}

/// Renders the check as a SARIF 2.1.0 log.
pub fn render(output: &CheckOutput<'_>, out: &mut dyn Write) -> Result<()> {
    let rules: Vec<&crate::rules::Rule> = output
        .catalog
        .rules
        .iter()
        .filter(|r| r.report == Report::Finding)
        .collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let effects: Vec<&str> = rule.effects.iter().map(|e| e.as_str()).collect();
            json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.why.trim()},
                "help": {"text": rule.fix.text.trim()},
                "helpUri": rule.references.first(),
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {"tags": effects}
            })
        })
        .collect();
    let mut results = Vec::new();
    for run in output.runs {
        let graph = &run.graph;
        for finding in &run.result.findings {
            let rule_index = rules.iter().position(|r| r.id == finding.rule);
            let mut message = format!("{}: {}.", package_label(graph, finding), finding.summary);
            if let Some(library) = &finding.library {
                message.push_str(&format!(" Library: {library}."));
            }
            message.push_str(&format!(
                " {} chain(s) from the main packages.",
                finding.chains.count
            ));
            message.push_str(&format!(" Fix: {}", fix_line(graph, finding)));
            if !run.label.is_empty() {
                message.push_str(&format!(" [config {}]", run.label));
            }
            let location = finding_location(output.sources, graph, finding);
            let locations =
                vec![json!({"physicalLocation": physical(&location.file, location.line)})];
            let code_flows: Vec<Value> = finding
                .chains
                .chains
                .iter()
                .map(|chain| {
                    let ids = chain_ids(graph, chain);
                    let steps: Vec<Value> = ids
                        .iter()
                        .enumerate()
                        .map(|(i, id)| {
                            let mut location = json!({"message": {"text": id}});
                            if i == 0
                                && let Some(next) = ids.get(1)
                                && let Some(l) = output.sources.import_line(id, next)
                            {
                                location["physicalLocation"] = physical(&l.file, l.line);
                            }
                            json!({"location": location, "nestingLevel": i})
                        })
                        .collect();
                    json!({
                        "message": {"text": ids.join(" > ")},
                        "threadFlows": [{"locations": steps}]
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.severity),
                "message": {"text": message},
                "locations": locations,
                "codeFlows": code_flows,
                "partialFingerprints": {"linkauditFinding/v1": crate::analyze::policy::scoped_key(&run.label, &finding.key(graph))},
                "properties": {
                    "package": graph.node(finding.package).id,
                    "chainCount": finding.chains.count,
                    "effects": finding.effects.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                    "fails": finding.fails
                }
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            if let Some(allow) = &finding.allowed {
                result["suppressions"] =
                    json!([{"kind": "external", "justification": allow.reason}]);
            }
            if let Some(new) = finding.new {
                result["baselineState"] = json!(if new {
                    "new"
                } else if finding.new_chains.is_empty() {
                    "unchanged"
                } else {
                    "updated"
                });
            }
            results.push(result);
        }
    }
    // An incomplete graph is said where code scanning shows it: the invocation's
    // notifications, and the run's properties.
    let problems: Vec<(String, String)> = output
        .runs
        .iter()
        .flat_map(|run| {
            run.graph
                .problems
                .iter()
                .map(move |p| (run.label.clone(), p.clone()))
        })
        .collect();
    let incomplete = !problems.is_empty();
    let notifications: Vec<Value> = problems
        .iter()
        .take(50)
        .map(|(label, problem)| {
            let text = if label.is_empty() {
                format!("incomplete graph: {problem}")
            } else {
                format!("incomplete graph [config {label}]: {problem}")
            };
            json!({"level": "warning", "message": {"text": text}, "descriptor": {"id": "incomplete-graph"}})
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications
            }],
            "tool": {"driver": {
                "name": "linkaudit",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/golang/go/blob/master/src/cmd/link/internal/ld/lib.go",
                "rules": descriptors
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "summary": super::check_text::summary(output),
                "incomplete": incomplete,
                "loadProblems": problems.len()
            }
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(())
}
