//! animo-knowledge against documents it is known to hold, and against many
//! broken copies of them. One test binary, so the crate links once.

mod chunking;
mod fixtures;
mod formats;
mod mutations;
mod web;
