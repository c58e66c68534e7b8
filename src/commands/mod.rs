//! One module per subcommand: each turns its flags into a validated
//! configuration, runs, prints its result and returns an exit code.

pub mod policy;
pub mod rotate;
pub mod setup;
pub mod teardown;
pub mod test;
