//! The Studio core against a real animo-server on 127.0.0.1:0, with the
//! tokens in the kernel keyring (keyutils), the headless store.

mod avatars;
mod common;
mod drafts;
mod knowledge;
mod session;
mod test_chat;
