//! `audit rules list|show|check|docs`.

use std::io::Write;

use anyhow::{Context, Result, bail};

use crate::ExitStatus;
use crate::cli::{RulesArgs, RulesCommand};
use crate::rules::{Catalog, docs, lint};

/// Runs `audit rules`.
pub fn run(args: &RulesArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<ExitStatus> {
    match &args.command {
        RulesCommand::List { rules } => {
            let catalog = Catalog::with_dirs(rules)?;
            for rule in &catalog.rules {
                writeln!(
                    stdout,
                    "{:<48} {:<7} {}",
                    rule.id,
                    rule.severity.as_str(),
                    rule.summary
                )?;
            }
            Ok(ExitStatus::Success)
        }
        RulesCommand::Show { id, rules } => {
            let catalog = Catalog::with_dirs(rules)?;
            let Some(rule) = catalog.get(id) else {
                let mut close: Vec<(usize, &str)> = catalog
                    .rules
                    .iter()
                    .map(|r| (strsim::levenshtein(id, &r.id), r.id.as_str()))
                    .collect();
                close.sort();
                bail!(
                    "no rule {id}; did you mean {}?",
                    close.first().map_or("", |c| c.1)
                );
            };
            write!(stdout, "{}", docs::rule_page(rule))?;
            Ok(ExitStatus::Success)
        }
        RulesCommand::Check { dir } => {
            let problems = lint::lint_dir(dir)?;
            for (file, problem) in &problems {
                writeln!(stderr, "{file}: {problem}")?;
            }
            if problems.is_empty() {
                let n = crate::rules::read_dir_rules(dir)?.len();
                writeln!(stdout, "{}: {n} rule(s), no problems", dir.display())?;
                Ok(ExitStatus::Success)
            } else {
                writeln!(stdout, "{}: {} problem(s)", dir.display(), problems.len())?;
                Ok(ExitStatus::Findings)
            }
        }
        RulesCommand::Docs { out } => {
            let catalog = Catalog::builtin()?;
            std::fs::create_dir_all(out)
                .with_context(|| format!("{}: cannot create", out.display()))?;
            for entry in std::fs::read_dir(out)? {
                let path = entry?.path();
                if path.extension().is_some_and(|ext| ext == "md") {
                    std::fs::remove_file(&path)?;
                }
            }
            let files = docs::generate(&catalog);
            for (name, content) in &files {
                std::fs::write(out.join(name), content)
                    .with_context(|| format!("{}: cannot write", out.join(name).display()))?;
            }
            writeln!(stdout, "wrote {} file(s) to {}", files.len(), out.display())?;
            Ok(ExitStatus::Success)
        }
    }
}
