//! One file per subcommand: each wires load, analysis and report for its command.

pub mod binary;
pub mod check;
pub mod diff;
pub mod fix;
pub mod report;
pub mod rules;
pub mod verify;
pub mod why;
