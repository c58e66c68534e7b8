//! One module per subcommand that talks to AWS, plus `policy`: each checks
//! its flags, runs, and prints its result; `main` turns an error into the
//! exit code.

pub mod policy;
pub mod rotate;
pub mod setup;
pub mod teardown;
pub mod test;
