//! The Studio front-end's typed command and event bindings
//! (`studio/ui/src/generated/commands.ts`), written by `cargo xtask codegen`.
//!
//! Tauri finds a command by its name and its arguments by their camelCase
//! names at run time only: a misspelt command or argument is an error the
//! first time someone clicks. So the front-end never spells them: this
//! module reads the commands registered in `studio/src/main.rs` and their
//! signatures in `studio/src/*.rs` (argument names and types, result type,
//! documentation) and writes one typed function per command, whose types
//! are the ones `codegen` declares from animo-shared and the Studio core.
//! The events come from the Studio core's declarations
//! ([`animo_studio_core::app::AppEvent`]), one typed listener each. A
//! Rust type without a TypeScript declaration fails generation, naming it.
//! A test checks that the front-end calls `invoke` and `listen` only here.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The generated file, relative to the workspace root.
pub const BINDINGS: &str = "studio/ui/src/generated/commands.ts";

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Argument {
    /// As the front-end spells it (camelCase).
    name: String,
    /// The Rust type as written.
    rust: String,
}

/// One command as the Rust side declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Command {
    name: String,
    /// Its documentation, one line per `///` line.
    doc: Vec<String>,
    /// Arguments in order, without what Tauri injects (state, app handle).
    arguments: Vec<Argument>,
    /// The Rust result type as written; `()` when there is none.
    returns: String,
}

/// The generated TypeScript: typed functions for every registered command,
/// typed listeners for every event. `declared` maps each type name of the
/// generated declarations to the module (`./animo`, `./studio`) declaring it.
pub fn bindings(root: &Path, declared: &BTreeMap<String, &'static str>) -> Result<String> {
    let commands = commands(root)?;
    let mut imports: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut body = String::new();
    for command in &commands {
        let context = || format!("the command {}", command.name);
        let mut parameters = Vec::new();
        let mut keys = Vec::new();
        // Trailing `Option` arguments may be left out by the caller.
        let optional_from = command
            .arguments
            .iter()
            .rposition(|argument| !is_option(&argument.rust))
            .map_or(0, |last_required| last_required + 1);
        for (index, argument) in command.arguments.iter().enumerate() {
            if RESERVED.contains(&argument.name.as_str()) {
                bail!("the argument {} of {} is a reserved word in TypeScript: rename it", argument.name, command.name);
            }
            let ts = ts_type(&argument.rust, declared, &mut imports).with_context(context)?;
            if index >= optional_from {
                parameters.push(format!("{}?: {ts}", argument.name));
                // Sent as null rather than left out, which Tauri reads as `None` as well.
                keys.push(format!("{0}: {0} ?? null", argument.name));
            } else {
                parameters.push(format!("{}: {ts}", argument.name));
                keys.push(argument.name.clone());
            }
        }
        let returns = ts_type(&command.returns, declared, &mut imports).with_context(context)?;
        body.push('\n');
        body.push_str(&js_doc(&command.doc, ""));
        let function = camel_case(&command.name);
        let call = if keys.is_empty() {
            format!("invoke<{returns}>(\"{}\")", command.name)
        } else {
            format!("invoke<{returns}>(\"{}\", {{ {} }})", command.name, keys.join(", "))
        };
        writeln!(body, "export function {function}({}): Promise<{returns}> {{", parameters.join(", "))?;
        writeln!(body, "  return {call};")?;
        body.push_str("}\n");
    }
    for event in animo_studio_core::typescript::events() {
        let payload = ts_type(&event.payload, declared, &mut imports)
            .with_context(|| format!("the payload of the event {}", event.name))?;
        let doc: Vec<String> = event.doc.lines().map(|line| line.trim().to_owned()).collect();
        body.push('\n');
        body.push_str(&js_doc(&doc, ""));
        writeln!(
            body,
            "export function {}(handler: (payload: {payload}) => void): Promise<UnlistenFn> {{",
            event.listener
        )?;
        writeln!(body, "  return listen<{payload}>(\"{}\", ({{ payload }}) => handler(payload));", event.name)?;
        body.push_str("}\n");
    }
    let mut out = String::from(
        "// Generated from the Studio's commands (studio/src) and the Studio core's events by `cargo xtask codegen`. Do not edit.\n\n",
    );
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    out.push_str("import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n");
    for (module, names) in &imports {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        writeln!(out, "import type {{ {} }} from \"{module}\";", names.join(", "))?;
    }
    out.push_str(&body);
    Ok(out)
}

/// The exported type names of a generated declaration bundle.
pub fn exported_types(bundle: &str) -> impl Iterator<Item = String> + '_ {
    bundle.lines().filter_map(|line| {
        let rest = line.strip_prefix("export type ")?;
        let end = rest.find(|character: char| !(character.is_alphanumeric() || character == '_'))?;
        Some(rest[..end].to_owned())
    })
}

/// Words a parameter cannot be named in TypeScript's strict mode.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "await",
];

fn is_option(rust: &str) -> bool {
    let rust = rust.trim();
    rust.starts_with("Option<") || rust.starts_with("std::option::Option<")
}

/// The TypeScript type of a Rust type as written in a signature, recording
/// which generated module each named type is imported from.
fn ts_type(
    rust: &str,
    declared: &BTreeMap<String, &'static str>,
    imports: &mut BTreeMap<&'static str, BTreeSet<String>>,
) -> Result<String> {
    let rust: String = rust.chars().filter(|character| !character.is_whitespace()).collect();
    let rust = rust.trim_start_matches('&').trim_start_matches("'_").trim_start_matches("'static");
    if rust == "()" {
        return Ok("void".to_owned());
    }
    if let Some((outer, inner)) = generic(rust) {
        let last = outer.rsplit("::").next().unwrap_or(outer);
        let parts = split_top_level(inner);
        return match (last, parts.as_slice()) {
            ("Option", [inner]) => {
                let inner = ts_type(inner, declared, imports)?;
                Ok(format!("{inner} | null"))
            }
            ("Vec", [inner]) => {
                let inner = ts_type(inner, declared, imports)?;
                Ok(if inner.contains(' ') { format!("({inner})[]") } else { format!("{inner}[]") })
            }
            // A failure rejects the promise; the result is what it resolves to.
            ("Result", [ok, _]) | ("StudioResult", [ok]) => ts_type(ok, declared, imports),
            _ => bail!("the type {rust} has no TypeScript counterpart here: give it a declared type of its own"),
        };
    }
    let primitive = match rust {
        "bool" => Some("boolean"),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32" | "f64" => {
            Some("number")
        }
        "String" | "str" | "PathBuf" | "Path" | "std::path::PathBuf" => Some("string"),
        "serde_json::Value" | "Value" => Some("unknown"),
        _ => None,
    };
    if let Some(primitive) = primitive {
        return Ok(primitive.to_owned());
    }
    let name = rust.rsplit("::").next().unwrap_or(rust);
    if name.is_empty() || !name.chars().all(|character| character.is_alphanumeric() || character == '_') {
        bail!("the type {rust} has no TypeScript counterpart here");
    }
    let Some(module) = declared.get(name) else {
        bail!(
            "the type {name} has no TypeScript declaration: derive ts_rs::TS for it in animo-shared or the Studio \
             core and list it in their bundle"
        );
    };
    imports.entry(module).or_default().insert(name.to_owned());
    Ok(name.to_owned())
}

/// `Outer<inner>` split into its parts; `None` for a type without arguments.
fn generic(rust: &str) -> Option<(&str, &str)> {
    let open = rust.find('<')?;
    let inner = rust[open + 1..].strip_suffix('>')?;
    Some((&rust[..open], inner))
}

fn js_doc(lines: &[String], indent: &str) -> String {
    let lines: Vec<&String> = lines.iter().filter(|line| !line.is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let text = |line: &str| line.replace("*/", "* /");
    if let [line] = lines.as_slice() {
        return format!("{indent}/** {} */\n", text(line));
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        out.push_str(&format!("{indent} * {}\n", text(line)));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

/// The registered commands with their signatures, in registration order.
fn commands(root: &Path) -> Result<Vec<Command>> {
    let source = root.join("studio/src");
    let main = read(&source.join("main.rs"))?;
    let start = main.find("generate_handler![").context("studio/src/main.rs registers no commands")?;
    let list = &main[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').context("generate_handler! is not closed")?];
    let mut commands = Vec::new();
    for line in list.lines() {
        let line = line.split("//").next().unwrap_or_default();
        for entry in line.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let (module, name) = entry.rsplit_once("::").unwrap_or(("main", entry));
            let file = source.join(format!("{}.rs", module.replace("::", "/")));
            let command = signature(&read(&file)?, name)
                .with_context(|| format!("the command {entry} is not a function of {}", file.display()))?;
            commands.push(command);
        }
    }
    Ok(commands)
}

/// The signature of `#[tauri::command] fn name(…)` in `source`.
fn signature(source: &str, name: &str) -> Result<Command> {
    let mut search = 0;
    while let Some(found) = source[search..].find(&format!("fn {name}")) {
        let at = search + found;
        search = at + 3;
        let after = &source[at + 3 + name.len()..];
        // Another function whose name starts with this one.
        let Some(rest) = after.trim_start().strip_prefix(['(', '<']) else { continue };
        let before = &source[..at];
        let attribute = before.rfind("#[tauri::command]");
        let previous_item = before.rfind('}');
        let Some(attribute) = attribute.filter(|attribute| previous_item.is_none_or(|item| item < *attribute)) else {
            continue;
        };
        let open = if after.trim_start().starts_with('<') { rest.find('(').map(|i| i + 1) } else { Some(0) };
        let params = &rest[open.context("no parameter list")?..];
        let close = closing(params).context("the parameter list is not closed")?;
        let returns = params[close + 1..]
            .split(['{', ';'])
            .next()
            .unwrap_or_default()
            .split(" where ")
            .next()
            .unwrap_or_default()
            .trim();
        let returns = returns.strip_prefix("->").map_or("()", str::trim).to_owned();
        let mut arguments = Vec::new();
        for param in split_top_level(&params[..close]) {
            let Some((pattern, kind)) = param.split_once(':') else { continue };
            let kind = kind.trim();
            if ["State<", "AppHandle", "Window", "Webview", "Channel<"].iter().any(|injected| kind.contains(injected)) {
                continue;
            }
            let pattern = pattern.trim().trim_start_matches("mut ").trim();
            arguments.push(Argument { name: camel_case(pattern), rust: kind.to_owned() });
        }
        return Ok(Command { name: name.to_owned(), doc: doc_before(&source[..attribute]), arguments, returns });
    }
    bail!("no #[tauri::command] fn {name}")
}

/// The `///` lines right above an item (attributes between them allowed).
fn doc_before(before: &str) -> Vec<String> {
    let mut doc = Vec::new();
    for line in before.lines().rev() {
        let line = line.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.strip_prefix(' ').unwrap_or(text).replace("[`", "`").replace("`]", "`"));
        } else if !line.starts_with("#[") {
            break;
        }
    }
    doc.reverse();
    doc
}

/// Where the parenthesis opened just before `text` closes.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at commas outside brackets of any kind.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' | '<' | '[' | '{' => depth += 1,
            ')' | '>' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..index].trim());
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|part| !part.is_empty());
    parts
}

/// `bot_id` → `botId`, as Tauri names command arguments by default.
fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for character in snake.chars() {
        if character == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(character.to_uppercase());
            upper = false;
        } else {
            out.push(character);
        }
    }
    out
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every import of Tauri's untyped `invoke`, `listen`, `once` or `emit`
    /// in the front-end's own sources (not generated code or tests), as
    /// `file:line: text`.
    fn untyped_calls(base: &Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut pending = vec![base.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).expect("the front-end's folder is readable") {
                let path = entry.expect("a folder entry").path();
                let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
                if path.is_dir() {
                    if name != "generated" {
                        pending.push(path);
                    }
                } else if name.ends_with(".ts") && !name.ends_with(".test.ts") && !name.ends_with(".d.ts") {
                    let text = read(&path).expect("a source file is readable");
                    for (number, line) in text.lines().enumerate() {
                        let words: Vec<&str> =
                            line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).collect();
                        let untyped = ["invoke", "listen", "once", "emit"].iter().any(|word| words.contains(word));
                        if line.contains("@tauri-apps/api/") && untyped {
                            let file = path.strip_prefix(base).unwrap_or(&path).display().to_string();
                            found.push(format!("{file}:{}: {}", number + 1, line.trim()));
                        }
                    }
                }
            }
        }
        found
    }

    /// A command or event reached around the generated bindings could have
    /// a misspelt name or argument that no check sees.
    #[test]
    fn the_front_end_reaches_commands_and_events_only_through_the_bindings() {
        let root = crate::project_root();
        let calls = untyped_calls(&root.join("studio/ui/src"));
        assert!(
            calls.is_empty(),
            "import the generated functions of {BINDINGS} instead of Tauri's invoke and listen:\n{}",
            calls.join("\n")
        );
    }

    /// The app emits events only through their declarations in the Studio
    /// core, which give the generated listeners their payload types.
    #[test]
    fn the_app_emits_only_declared_events() {
        let root = crate::project_root();
        let mut stray = Vec::new();
        for entry in std::fs::read_dir(root.join("studio/src")).expect("studio/src is readable") {
            let path = entry.expect("a folder entry").path();
            let text = read(&path).expect("a source file is readable");
            for (number, line) in text.lines().enumerate() {
                let emits = line.contains(".emit") || line.contains("Emitter::emit");
                if emits && !line.contains("E::NAME") {
                    stray.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
                }
            }
        }
        assert!(
            stray.is_empty(),
            "emit events with crate::emit and an AppEvent of the Studio core:\n{}",
            stray.join("\n")
        );
    }

    #[test]
    fn signatures_are_read_with_injected_state_left_out() {
        let source = r"
/// Uploads files.
///
/// With progress.
#[tauri::command]
pub async fn upload(app: AppHandle, core: State<'_, Core>, bot_id: BotId, paths: Vec<String>, tag: Option<u32>) -> R<()> {}
fn upload_helper(x: u32) {}
#[tauri::command]
pub fn ready(studio: State<'_, Studio>) {
}
";
        let command = signature(source, "upload").expect("found");
        let arguments: Vec<(&str, &str)> =
            command.arguments.iter().map(|a| (a.name.as_str(), a.rust.as_str())).collect();
        assert_eq!(arguments, vec![("botId", "BotId"), ("paths", "Vec<String>"), ("tag", "Option<u32>")]);
        assert_eq!(command.returns, "R<()>");
        assert_eq!(command.doc, vec!["Uploads files.", "", "With progress."]);
        let ready = signature(source, "ready").expect("found");
        assert_eq!(ready.returns, "()");
        assert!(ready.doc.is_empty());
        assert!(signature(source, "upload_helper").is_err(), "not a command");
        assert!(signature(source, "missing").is_err());
    }

    #[test]
    fn rust_types_become_declared_typescript_types() {
        let declared = BTreeMap::from([
            ("BotId".to_owned(), "./animo"),
            ("AvatarOpened".to_owned(), "./studio"),
            ("Slot".to_owned(), "./animo"),
        ]);
        let mut imports = BTreeMap::new();
        let mut ts = |rust: &str| ts_type(rust, &declared, &mut imports);
        assert_eq!(ts("Result<Option<String>, CommandError>").expect("typed"), "string | null");
        assert_eq!(ts("StudioResult<Vec<animo_shared::BotId>>").expect("typed"), "BotId[]");
        assert_eq!(ts("Vec<Option<Slot>>").expect("typed"), "(Slot | null)[]");
        assert_eq!(ts("Result<(), StudioError>").expect("typed"), "void");
        assert_eq!(ts("serde_json::Value").expect("typed"), "unknown");
        assert_eq!(ts("u64").expect("typed"), "number");
        assert_eq!(ts("PathBuf").expect("typed"), "string");
        assert_eq!(ts("AvatarOpened").expect("typed"), "AvatarOpened");
        let missing = ts("Secret").expect_err("not declared").to_string();
        assert!(missing.contains("Secret"), "{missing}");
        assert!(ts("HashMap<String, u32>").is_err());
        assert_eq!(
            imports,
            BTreeMap::from([
                ("./animo", BTreeSet::from(["BotId".to_owned(), "Slot".to_owned()])),
                ("./studio", BTreeSet::from(["AvatarOpened".to_owned()])),
            ])
        );
    }

    #[test]
    fn names_become_camel_case() {
        assert_eq!(camel_case("bot_id"), "botId");
        assert_eq!(camel_case("include_archived"), "includeArchived");
        assert_eq!(camel_case("request"), "request");
        assert_eq!(camel_case("_unused"), "unused");
    }

    #[test]
    fn exported_types_are_read_from_a_bundle() {
        let bundle = "import type { X } from \"./animo\";\n\nexport type StudioError = { code: X };\nexport type Slot = \"idle\";\nexport const DEFAULT = 1;\n";
        assert_eq!(exported_types(bundle).collect::<Vec<_>>(), vec!["StudioError", "Slot"]);
    }
}
