//! One module per subcommand: each turns its flags into a validated
//! configuration, runs, prints its result and returns an exit code.

pub mod policy;
pub mod setup;
