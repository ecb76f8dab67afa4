//! The agent: llama.cpp inference constrained by the tools' grammar, every call validated, builtin
//! tools run in a sandbox and Delia's own tools over MCP.

pub mod builtin;
pub mod confine;
pub mod consent;
pub mod forcing;
pub mod mcp;
pub mod run;
pub mod web;
