//! Integration tests: a real server on 127.0.0.1:0 backed by a real
//! SurrealDB (in memory, or on disk where persistence matters), driven over
//! real sockets. One test binary, one module per area.

mod auth;
mod avatars;
mod bots;
mod chat;
mod common;
mod data_rights;
mod isolation;
mod knowledge;
mod knowledge_sources;
mod operations;
mod persistence;
mod poster;
mod process;
mod quotas;
mod test_chat;
mod widget;
