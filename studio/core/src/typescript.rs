//! TypeScript declarations of the Studio core's own types, for the Studio
//! front-end: `cargo xtask codegen` writes [`bundle`] next to animo-shared's
//! bundle (`studio/ui/src/generated/studio.ts`, importing from `./animo`), and
//! a test fails when the committed file is stale.

use std::collections::BTreeSet;

use ts_rs::{Config, TS};

use crate::{accounts, api, app, client, error, outbox, publish, secrets, session, test_chat};

/// One event the app emits, for the generated listeners.
#[derive(Debug, Clone)]
pub struct EventBinding {
    /// Its name on the wire.
    pub name: &'static str,
    /// The name of its listener function in the front-end.
    pub listener: &'static str,
    /// What it means, one line per sentence of its documentation.
    pub doc: &'static str,
    /// Its payload's TypeScript type, declared in this bundle or animo-shared's.
    pub payload: String,
}

/// Every event the app emits.
pub fn events() -> Vec<EventBinding> {
    app::event_bindings(&config())
}

fn config() -> Config {
    // As in animo-shared's bundle: every integer fits in a JavaScript number.
    Config::new().with_large_int("number")
}

struct Declarations {
    cfg: Config,
    text: String,
    declared: BTreeSet<String>,
    referenced: BTreeSet<String>,
}

impl Declarations {
    fn declare<T: TS + 'static>(&mut self) {
        self.text.push_str("export ");
        self.text.push_str(&T::decl(&self.cfg));
        self.text.push_str("\n\n");
        self.declared.insert(T::ident(&self.cfg));
        for dependency in T::dependencies(&self.cfg) {
            self.referenced.insert(dependency.ts_name);
        }
    }
}

macro_rules! declare_all {
    ($decls:expr; $($ty:ty),* $(,)?) => {
        $($decls.declare::<$ty>();)*
    };
}

/// The whole generated file.
pub fn bundle() -> String {
    let mut decls =
        Declarations { cfg: config(), text: String::new(), declared: BTreeSet::new(), referenced: BTreeSet::new() };
    declare_all!(decls;
        error::StudioError, client::Connectivity, secrets::SecretBackend, accounts::KnownAccount,
        session::SignInRequest, session::SignUpRequest, session::SessionInfo,
        outbox::EditKind, outbox::PendingEdit, api::DraftSaveStatus, api::DraftSave, api::OutboxReport,
        api::FieldProblem, api::PersonalityCheck, api::UploadProgress,
        publish::PublishCheckKind, publish::PublishCheck, publish::PublishChecks, publish::FieldChange,
        publish::DraftDiff, test_chat::TestChatOutcome,
        app::StudioInfo, app::AvatarSource, app::ViewportSize, app::ViewportInput, app::ViewportEvent,
        app::SlotAdjustment, app::AvatarOpened, app::SentenceReading, app::TestChatFrame, app::TestChatAvatar,
        app::TestChatAvatarOpened, app::UploadProgressEvent,
    );
    let imports: Vec<&String> = decls.referenced.iter().filter(|name| !decls.declared.contains(*name)).collect();
    let mut out =
        String::from("// Generated from the animo-studio-core crate by `cargo xtask codegen`. Do not edit.\n\n");
    if !imports.is_empty() {
        out.push_str("import type {\n");
        for name in imports {
            out.push_str(&format!("  {name},\n"));
        }
        out.push_str("} from \"./animo\";\n\n");
    }
    out.push_str(&decls.text);
    out.push_str(&format!("/** The server the quick start runs, offered first on the sign-in screen. */\nexport const DEFAULT_SERVER_URL = {:?};\n", crate::DEFAULT_SERVER_URL));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundle_declares_and_imports() {
        let text = super::bundle();
        for needle in [
            "export type StudioError = {",
            "export type Connectivity = ",
            "import type {\n",
            "  ErrorCode,\n",
            "} from \"./animo\";",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert!(!text.contains("  StudioError,\n"), "own types are not imported");
        assert_eq!(text, super::bundle(), "generation must be deterministic");
    }
}
