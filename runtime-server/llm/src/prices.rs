//! What answers cost: USD per million tokens per model, from built-in defaults and an optional
//! TOML file.
//!
//! ```toml
//! # prices.toml: USD per million tokens. Keys are model names or globs (`*` any run of
//! # characters, `?` one character), matched case-insensitively.
//! [models]
//! "gpt-4o-mini*" = { input = 0.15, output = 0.60 }
//! "llama*" = { input = 0, output = 0 }   # a local model is free, and not "unpriced"
//! ```
//!
//! The most specific key wins: an exact name before any glob, then the glob with the most
//! literal characters, so `gpt-4o-mini*` beats `gpt-4o*`. A file's key replaces the built-in
//! key of the same spelling.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{LlmError, Usage};

/// The price of one model, in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Per million prompt tokens.
    pub input: f64,
    /// Per million answer tokens.
    pub output: f64,
}

/// What one answer cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Millionths of a US dollar, rounded to the nearest.
    pub micro_usd: u64,
    /// `false` when the model is in no table: the cost reads 0 but is unknown, and the server
    /// should say "unpriced" rather than "free".
    pub priced: bool,
}

/// Prices by model name or glob.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    entries: BTreeMap<String, ModelPrice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default)]
    models: BTreeMap<String, ModelPrice>,
}

/// Public list prices of common models (standard tier, prompts under any long-context surcharge).
const BUILT_IN: &[(&str, f64, f64)] = &[
    ("gpt-5*", 1.25, 10.0),
    ("gpt-5-mini*", 0.25, 2.0),
    ("gpt-5-nano*", 0.05, 0.40),
    ("gpt-4.1*", 2.0, 8.0),
    ("gpt-4.1-mini*", 0.40, 1.60),
    ("gpt-4.1-nano*", 0.10, 0.40),
    ("gpt-4o*", 2.50, 10.0),
    ("gpt-4o-mini*", 0.15, 0.60),
    ("gpt-4-turbo*", 10.0, 30.0),
    ("gpt-4", 30.0, 60.0),
    ("gpt-3.5-turbo*", 0.50, 1.50),
    ("o1*", 15.0, 60.0),
    ("o1-mini*", 1.10, 4.40),
    ("o3*", 2.0, 8.0),
    ("o3-mini*", 1.10, 4.40),
    ("o4-mini*", 1.10, 4.40),
    ("claude-opus-4*", 15.0, 75.0),
    ("claude-opus-4-5*", 5.0, 25.0),
    ("claude-sonnet-4*", 3.0, 15.0),
    ("claude-3-7-sonnet*", 3.0, 15.0),
    ("claude-3-5-sonnet*", 3.0, 15.0),
    ("claude-haiku-4-5*", 1.0, 5.0),
    ("claude-3-5-haiku*", 0.80, 4.0),
    ("claude-3-haiku*", 0.25, 1.25),
    ("gemini-2.5-pro*", 1.25, 10.0),
    ("gemini-2.5-flash*", 0.30, 2.50),
    ("gemini-2.5-flash-lite*", 0.10, 0.40),
    ("gemini-2.0-flash*", 0.10, 0.40),
    ("gemini-2.0-flash-lite*", 0.075, 0.30),
    ("gemini-1.5-pro*", 1.25, 5.0),
    ("gemini-1.5-flash*", 0.075, 0.30),
];

impl Default for PriceTable {
    fn default() -> Self {
        Self::built_in()
    }
}

impl PriceTable {
    /// The built-in prices only.
    pub fn built_in() -> Self {
        let entries = BUILT_IN
            .iter()
            .map(|&(pattern, input, output)| (pattern.to_ascii_lowercase(), ModelPrice { input, output }))
            .collect();
        Self { entries }
    }

    /// The built-in prices overridden and extended by a TOML document.
    pub fn from_toml(text: &str) -> Result<Self, LlmError> {
        let file: PriceFile =
            toml::from_str(text).map_err(|error| LlmError::Config(format!("price table: {error}")))?;
        let mut table = Self::built_in();
        for (pattern, price) in file.models {
            let valid = |n: f64| n.is_finite() && n >= 0.0;
            if !valid(price.input) || !valid(price.output) {
                return Err(LlmError::Config(format!("price table: {pattern:?} needs prices of zero or more")));
            }
            if pattern.trim().is_empty() {
                return Err(LlmError::Config("price table: an empty model name".into()));
            }
            table.entries.insert(pattern.to_ascii_lowercase(), price);
        }
        Ok(table)
    }

    /// [`PriceTable::from_toml`] of a file.
    pub fn load(path: &Path) -> Result<Self, LlmError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| LlmError::Config(format!("price table {}: {error}", path.display())))?;
        Self::from_toml(&text)
    }

    /// The price of `model`, if any key matches.
    pub fn price(&self, model: &str) -> Option<ModelPrice> {
        let model = model.to_ascii_lowercase();
        if let Some(price) = self.entries.get(&model) {
            return Some(*price);
        }
        // A vendor prefix (OpenRouter's `openai/gpt-4o`) names the same model.
        let bare = model.rsplit('/').next().unwrap_or(&model);
        self.entries
            .iter()
            .filter(|(pattern, _)| glob_matches(pattern, &model) || glob_matches(pattern, bare))
            .max_by_key(|(pattern, _)| pattern.chars().filter(|c| *c != '*' && *c != '?').count())
            .map(|(_, price)| *price)
    }

    /// What `usage` of `model` cost.
    pub fn cost_micro_usd(&self, model: &str, usage: Usage) -> Cost {
        match self.price(model) {
            // USD per million tokens is exactly micro-USD per token.
            Some(price) => {
                let micro = f64::from(usage.input_tokens) * price.input + f64::from(usage.output_tokens) * price.output;
                // Finite, non-negative and far below u64's range, so the conversion is exact.
                let micro_usd = micro.round() as u64;
                Cost { micro_usd, priced: true }
            }
            None => Cost { micro_usd: 0, priced: false },
        }
    }
}

/// Glob matching with `*` (any run, possibly empty) and `?` (one character), by backtracking to
/// the last `*`, which is linear enough for model names.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                resume = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match resume {
                Some((star, at)) => {
                    p = star + 1;
                    t = at + 1;
                    resume = Some((star, at + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_expected() {
        let check = |pattern, text, expected| assert_eq!(glob_matches(pattern, text), expected, "{pattern} ~ {text}");
        check("gpt-4o*", "gpt-4o", true);
        check("gpt-4o*", "gpt-4o-2024-08-06", true);
        check("gpt-4o*", "gpt-4", false);
        check("*sonnet*", "claude-3-7-sonnet-latest", true);
        check("gpt-?o", "gpt-4o", true);
        check("gpt-?o", "gpt-4oo", false);
        check("a*b*c", "axxbyyc", true);
        check("a*b*c", "axxbyy", false);
        check("", "", true);
        check("*", "", true);
    }

    #[test]
    fn the_most_specific_key_wins() {
        let table = PriceTable::built_in();
        assert_eq!(table.price("gpt-4o-mini-2024-07-18"), Some(ModelPrice { input: 0.15, output: 0.60 }));
        assert_eq!(table.price("gpt-4o-2024-08-06"), Some(ModelPrice { input: 2.50, output: 10.0 }));
        assert_eq!(table.price("GPT-4"), Some(ModelPrice { input: 30.0, output: 60.0 }));
        assert_eq!(table.price("openai/gpt-4o-mini"), Some(ModelPrice { input: 0.15, output: 0.60 }));
        assert_eq!(table.price("claude-opus-4-5-20251101"), Some(ModelPrice { input: 5.0, output: 25.0 }));
        assert_eq!(table.price("llama3.1:8b"), None);
    }

    #[test]
    fn costs_are_micro_dollars_and_unknown_models_are_flagged() {
        let table = PriceTable::built_in();
        let usage = Usage { input_tokens: 1_000, output_tokens: 500 };
        // 1,000 × $0.15/M + 500 × $0.60/M = $0.00015 + $0.0003 = 450 µ$.
        assert_eq!(table.cost_micro_usd("gpt-4o-mini", usage), Cost { micro_usd: 450, priced: true });
        assert_eq!(table.cost_micro_usd("mystery-model", usage), Cost { micro_usd: 0, priced: false });
        let million = Usage { input_tokens: 1_000_000, output_tokens: 1_000_000 };
        assert_eq!(table.cost_micro_usd("claude-sonnet-4-5", million).micro_usd, 18_000_000);
    }

    #[test]
    fn a_file_overrides_and_extends_the_built_in_prices() {
        let table = PriceTable::from_toml(
            r#"
            [models]
            "gpt-4o-mini*" = { input = 0.1, output = 0.2 }
            "llama*" = { input = 0, output = 0 }
            "my-finetune" = { input = 3, output = 6 }
            "#,
        )
        .expect("valid table");
        assert_eq!(table.price("gpt-4o-mini"), Some(ModelPrice { input: 0.1, output: 0.2 }));
        assert_eq!(
            table.cost_micro_usd("llama3.1:8b", Usage { input_tokens: 9, output_tokens: 9 }),
            Cost { micro_usd: 0, priced: true }
        );
        assert_eq!(table.price("my-finetune"), Some(ModelPrice { input: 3.0, output: 6.0 }));
        assert_eq!(table.price("claude-3-haiku-20240307"), Some(ModelPrice { input: 0.25, output: 1.25 }), "kept");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        for bad in [
            "[models]\n\"x\" = { input = -1, output = 0 }",
            "[models]\n\"x\" = { input = 1 }",
            "[models]\n\"x\" = { input = 1, output = 1, cached = 0.5 }",
            "[prices]",
            "[models]\n\"\" = { input = 1, output = 1 }",
        ] {
            assert!(matches!(PriceTable::from_toml(bad), Err(LlmError::Config(_))), "{bad}");
        }
    }
}
