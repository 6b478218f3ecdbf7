//! animo-embed's tests: the local model on the real all-MiniLM-L6-v2 weights (installed by
//! `cargo xtask setup`), loading errors, and the OpenAI-compatible provider against a local
//! HTTP server speaking the documented format.

mod loading;
mod local_model;
mod openai;
mod server;
