//! A bot's knowledge: the passages it answers from and how they are found.

pub mod fetch;
pub mod index;
