//! The one integration-test binary (matklad's "delete cargo integration tests"): modules by
//! topic, sharing `support`.

mod cargo;
mod check;
mod cli;
mod diff;
mod exactness;
mod fix;
mod fuzz;
mod gohabits;
mod live;
mod native;
mod real;
mod report;
mod robust;
mod rules;
mod scale;
mod snapshots;
mod support;
mod truth;
