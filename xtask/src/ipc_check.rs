//! Keeps the Studio front-end's command wrappers true to the app's commands.
//!
//! Tauri finds a command by its name and its arguments by their camelCase
//! names at run time only: a misspelt command or argument is an error the
//! first time someone clicks. This check reads the commands registered in
//! `studio/src/main.rs`, their signatures in `studio/src/*.rs`, and every
//! `invoke("…", { … })` of `studio/ui/src`, and lists each mismatch: a
//! command nobody invokes, an invoke of an unknown command, an unknown
//! argument, or a required argument left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One command as the Rust side declares it.
#[derive(Debug, Default)]
struct Command {
    /// Argument names as the front-end spells them (camelCase).
    required: BTreeSet<String>,
    /// `Option<…>` arguments, which the front-end may leave out.
    optional: BTreeSet<String>,
}

/// One `invoke` call of the front-end.
#[derive(Debug)]
struct Invoke {
    file: String,
    name: String,
    /// The object literal's keys; `None` when the arguments are not a
    /// literal the check can read.
    keys: Option<BTreeSet<String>>,
}

/// Every mismatch between the Studio's commands and the front-end's calls.
pub fn mismatches(root: &Path) -> Result<Vec<String>> {
    let commands = commands(root)?;
    let invokes = invokes(&root.join("studio/ui/src"))?;
    let mut problems = Vec::new();
    for name in commands.keys() {
        if !invokes.iter().any(|call| &call.name == name) {
            problems.push(format!("the command {name} is registered but the front-end never invokes it"));
        }
    }
    for call in &invokes {
        let Some(command) = commands.get(&call.name) else {
            problems.push(format!("{} invokes {}, which the app does not register", call.file, call.name));
            continue;
        };
        let Some(keys) = &call.keys else {
            problems.push(format!("{} invokes {} with arguments that are not an object literal", call.file, call.name));
            continue;
        };
        for key in keys {
            if !command.required.contains(key) && !command.optional.contains(key) {
                problems.push(format!("{} passes {key} to {}, which takes no such argument", call.file, call.name));
            }
        }
        for key in &command.required {
            if !keys.contains(key) {
                problems.push(format!("{} invokes {} without its argument {key}", call.file, call.name));
            }
        }
    }
    Ok(problems)
}

/// The registered commands with their arguments.
fn commands(root: &Path) -> Result<BTreeMap<String, Command>> {
    let source = root.join("studio/src");
    let main = read(&source.join("main.rs"))?;
    let start = main.find("generate_handler![").context("studio/src/main.rs registers no commands")?;
    let list = &main[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').context("generate_handler! is not closed")?];
    let mut commands = BTreeMap::new();
    for line in list.lines() {
        let line = line.split("//").next().unwrap_or_default();
        for entry in line.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let (module, name) = entry.rsplit_once("::").unwrap_or(("main", entry));
            let file = source.join(format!("{}.rs", module.replace("::", "/")));
            let command = signature(&read(&file)?, name)
                .with_context(|| format!("the command {entry} is not a function of {}", file.display()))?;
            commands.insert(name.to_owned(), command);
        }
    }
    Ok(commands)
}

/// The arguments of `#[tauri::command] fn name(…)` in `source`.
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
        if attribute.is_none() || previous_item.is_some_and(|item| Some(item) > attribute) {
            continue;
        }
        let open = if after.trim_start().starts_with('<') { rest.find('(').map(|i| i + 1) } else { Some(0) };
        let params = &rest[open.context("no parameter list")?..];
        let params = &params[..closing(params).context("the parameter list is not closed")?];
        let mut command = Command::default();
        for param in split_top_level(params) {
            let Some((pattern, kind)) = param.split_once(':') else { continue };
            let kind = kind.trim();
            if ["State<", "AppHandle", "Window", "Webview", "Channel<"].iter().any(|injected| kind.contains(injected)) {
                continue;
            }
            let pattern = pattern.trim().trim_start_matches("mut ").trim();
            let argument = camel_case(pattern);
            if kind.starts_with("Option<") {
                command.optional.insert(argument);
            } else {
                command.required.insert(argument);
            }
        }
        return Ok(command);
    }
    bail!("no #[tauri::command] fn {name}")
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

/// Every `invoke(…)` in the front-end's own sources (not generated code or tests).
fn invokes(base: &Path) -> Result<Vec<Invoke>> {
    let mut found = Vec::new();
    let mut pending = vec![base.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("could not list {}", dir.display()))?.path();
            let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_dir() {
                if name != "generated" {
                    pending.push(path);
                }
            } else if name.ends_with(".ts") && !name.ends_with(".test.ts") && !name.ends_with(".d.ts") {
                let file = path.strip_prefix(base).unwrap_or(&path);
                found.extend(invokes_in(&read(&path)?, &file.display().to_string()));
            }
        }
    }
    Ok(found)
}

fn invokes_in(source: &str, file: &str) -> Vec<Invoke> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("invoke") {
        let preceded_by_word =
            rest[..at].chars().next_back().is_some_and(|character| character.is_alphanumeric() || character == '_');
        rest = &rest[at + "invoke".len()..];
        if preceded_by_word {
            continue;
        }
        let mut call = rest.trim_start();
        if call.starts_with('<') {
            // A type argument: skip to its end.
            let mut depth = 0i32;
            let end = call.char_indices().find_map(|(index, character)| {
                match character {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(index)
            });
            let Some(end) = end else { continue };
            call = call[end + 1..].trim_start();
        }
        let Some(call) = call.strip_prefix('(') else { continue };
        let call = call.trim_start();
        let Some(quote) = call.chars().next().filter(|quote| matches!(quote, '"' | '\'' | '`')) else { continue };
        let Some(end) = call[1..].find(quote) else { continue };
        let name = call[1..=end].to_owned();
        let after = call[end + 2..].trim_start();
        let keys = if after.starts_with(')') {
            Some(BTreeSet::new())
        } else if let Some(object) = after.strip_prefix(',').map(str::trim_start).and_then(|a| a.strip_prefix('{')) {
            object_keys(object)
        } else {
            None
        };
        found.push(Invoke { file: file.to_owned(), name, keys });
    }
    found
}

/// The top-level keys of an object literal whose `{` was just read; `None`
/// for a spread, whose keys cannot be known here.
fn object_keys(object: &str) -> Option<BTreeSet<String>> {
    let mut depth = 1i32;
    let mut end = None;
    for (index, character) in object.char_indices() {
        match character {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(index);
                    break;
                }
            }
            _ => {}
        }
    }
    let mut keys = BTreeSet::new();
    for entry in split_top_level(&object[..end?]) {
        if entry.starts_with("...") {
            return None;
        }
        let key = entry.split(':').next().unwrap_or_default().trim().trim_matches(['"', '\'']);
        keys.insert(key.to_owned());
    }
    Some(keys)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_ends_calls_match_the_studios_commands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
        let problems = mismatches(root).expect("the Studio's sources are readable");
        assert!(problems.is_empty(), "the front-end and the Studio's commands disagree:\n{}", problems.join("\n"));
    }

    #[test]
    fn signatures_are_read_with_injected_state_left_out() {
        let source = r"
#[tauri::command]
pub async fn upload(app: AppHandle, core: State<'_, Core>, bot_id: BotId, paths: Vec<String>, tag: Option<u32>) -> R<()> {}
fn upload_helper(x: u32) {}
";
        let command = signature(source, "upload").expect("found");
        assert_eq!(command.required, BTreeSet::from(["botId".to_owned(), "paths".to_owned()]));
        assert_eq!(command.optional, BTreeSet::from(["tag".to_owned()]));
        assert!(signature(source, "upload_helper").is_err(), "not a command");
        assert!(signature(source, "missing").is_err());
    }

    #[test]
    fn invokes_are_read_with_their_argument_keys() {
        let source = r#"
export const a = (botId: string): Promise<void> => invoke("upload", { botId, paths: [1, 2], tag: f(x, y) });
export const b = (): Promise<Info> => invoke<Info>("studio_info");
const c = () => invoke("spread", { ...all });
const d = () => reinvoke("not_a_call");
"#;
        let calls = invokes_in(source, "x.ts");
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].name, "upload");
        assert_eq!(calls[0].keys, Some(BTreeSet::from(["botId".to_owned(), "paths".to_owned(), "tag".to_owned()])));
        assert_eq!(calls[1].keys, Some(BTreeSet::new()));
        assert_eq!(calls[2].keys, None);
    }

    #[test]
    fn names_become_camel_case() {
        assert_eq!(camel_case("bot_id"), "botId");
        assert_eq!(camel_case("include_archived"), "includeArchived");
        assert_eq!(camel_case("request"), "request");
        assert_eq!(camel_case("_unused"), "unused");
    }
}
