//! The steps of the procedure, one module each, in the order `setup` runs them.

pub mod attach_policy;
pub mod bucket_region;
pub mod connection_test;
pub mod create_access_key;
pub mod create_user;
pub mod credentials_file;
pub mod identity;
