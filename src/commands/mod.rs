//! Glue between the command line and the domain modules: one function per subcommand.

pub mod agent;
pub mod call;
pub mod data;
pub mod devices;
pub mod eval;
pub mod export;
pub mod grammar;
pub mod inspect;
pub mod quantize;
pub mod serve;
pub mod tools;
pub mod train;
