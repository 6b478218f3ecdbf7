//! Token counts for trimming a history to a model's context window.
//!
//! OpenAI models are counted exactly with their own byte-pair encodings (tiktoken-rs embeds the
//! vocabularies in the binary; nothing is downloaded at run time). Other vendors do not publish
//! their tokenizers, so their counts are an estimate that errs on the high side: a trimmed
//! history that is slightly too short is harmless, one that overflows the window is refused.

use tiktoken_rs::CoreBPE;

use crate::{ChatMessage, ChatRole};

/// Which way a model's text is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `o200k_base`: GPT-4o, GPT-4.1, GPT-4.5, GPT-5 and the o-series.
    O200k,
    /// `cl100k_base`: GPT-4 and GPT-3.5.
    Cl100k,
    /// The estimate of [`approximate_tokens`], for every other model.
    Approximate,
}

impl Encoding {
    /// The encoding for a model name; a vendor prefix such as `openai/` (OpenRouter) is ignored.
    pub fn for_model(model: &str) -> Self {
        let bare = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| bare.starts_with(p));
        if starts(&["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss"]) {
            Self::O200k
        } else if starts(&["gpt-4", "gpt-3.5", "gpt-35"]) {
            Self::Cl100k
        } else {
            Self::Approximate
        }
    }

    fn bpe(self) -> Option<&'static CoreBPE> {
        match self {
            Self::O200k => Some(tiktoken_rs::o200k_base_singleton()),
            Self::Cl100k => Some(tiktoken_rs::cl100k_base_singleton()),
            Self::Approximate => None,
        }
    }
}

/// The tokens `text` takes for `model`.
pub fn count_tokens(model: &str, text: &str) -> u32 {
    match Encoding::for_model(model).bpe() {
        Some(bpe) => u32::try_from(bpe.encode_ordinary(text).len()).unwrap_or(u32::MAX),
        None => approximate_tokens(text),
    }
}

/// An estimate for tokenizers we cannot run: a token per four ASCII characters (English prose
/// averages a little over four with Llama, Claude and Gemini tokenizers) and one per other
/// character, since accented letters, CJK and emoji take one or more tokens each. It overcounts
/// non-English Latin text somewhat, which only makes trimming more careful.
pub fn approximate_tokens(text: &str) -> u32 {
    let (ascii, other) =
        text.chars().fold((0u64, 0u64), |(a, o), c| if c.is_ascii() { (a + 1, o) } else { (a, o + 1) });
    u32::try_from(ascii.div_ceil(4) + other).unwrap_or(u32::MAX)
}

/// Tokens each message costs beyond its text (role markers and separators in chat formats).
pub const TOKENS_PER_MESSAGE: u32 = 4;
/// Tokens the reply's own framing takes.
pub const TOKENS_PER_REPLY: u32 = 3;

/// The newest turns of `messages` that fit in `context_window` together with the system prompt
/// and `reserve_for_output` tokens for the answer, oldest first.
///
/// Turns are kept whole and contiguous, newest first, stopping at the first that does not fit.
/// The result starts with a visitor's turn, since Anthropic refuses a history that opens with the
/// assistant and other models answer it oddly. It is empty when not even the last turn fits; the
/// caller decides what to tell the visitor then.
pub fn trim_history(
    system: &str,
    messages: &[ChatMessage],
    context_window: u32,
    reserve_for_output: u32,
    counter: impl Fn(&str) -> u32,
) -> Vec<ChatMessage> {
    let fixed = counter(system).saturating_add(TOKENS_PER_MESSAGE).saturating_add(TOKENS_PER_REPLY);
    let mut budget = context_window.saturating_sub(reserve_for_output).saturating_sub(fixed);
    let mut start = messages.len();
    for (index, message) in messages.iter().enumerate().rev() {
        let cost = counter(&message.content).saturating_add(TOKENS_PER_MESSAGE);
        if cost > budget {
            break;
        }
        budget -= cost;
        start = index;
    }
    let kept = &messages[start..];
    let first_user = kept.iter().position(|m| m.role == ChatRole::User).unwrap_or(kept.len());
    kept[first_user..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_models_use_their_own_encodings() {
        let check = |model, expected| assert_eq!(Encoding::for_model(model), expected, "{model}");
        check("gpt-4o-mini", Encoding::O200k);
        check("gpt-4.1-nano-2025-04-14", Encoding::O200k);
        check("o3-mini", Encoding::O200k);
        check("openai/gpt-5", Encoding::O200k);
        check("gpt-4-turbo", Encoding::Cl100k);
        check("gpt-3.5-turbo-0125", Encoding::Cl100k);
        check("claude-sonnet-4-5", Encoding::Approximate);
        check("llama3.1:8b", Encoding::Approximate);
    }

    #[test]
    fn exact_counts_match_the_reference_tokenizers() {
        // Reference counts from OpenAI's tokenizer for these encodings.
        assert_eq!(count_tokens("gpt-4o", "hello world"), 2);
        assert_eq!(count_tokens("gpt-4", "hello world"), 2);
        assert_eq!(count_tokens("gpt-4o", ""), 0);
        // The encodings differ, which shows each model really gets its own.
        let text = "Animo gives a business AI assistants with 3D avatars. Здравствуйте! 日本語のテキスト";
        assert_ne!(count_tokens("gpt-4o", text), count_tokens("gpt-4", text));
    }

    #[test]
    fn the_approximation_counts_ascii_by_fours_and_other_characters_singly() {
        assert_eq!(approximate_tokens(""), 0);
        assert_eq!(approximate_tokens("abcd"), 1);
        assert_eq!(approximate_tokens("abcde"), 2);
        assert_eq!(approximate_tokens("日本語"), 3);
        assert_eq!(count_tokens("claude-haiku-4-5", "hello world!"), 3);
    }

    fn words(text: &str) -> u32 {
        u32::try_from(text.split_whitespace().count()).expect("small")
    }

    fn history() -> Vec<ChatMessage> {
        vec![
            ChatMessage::assistant("hello how can I help"), // 5 words
            ChatMessage::user("one two three"),             // 3
            ChatMessage::assistant("four five"),            // 2
            ChatMessage::user("six seven eight nine"),      // 4
        ]
    }

    #[test]
    fn trimming_keeps_the_newest_turns_that_fit() {
        // Fixed: system 2 + 4 + 3 = 9. Newest first: 4+4=8, 2+4=6, 3+4=7, 5+4=9.
        let all = 9 + 8 + 6 + 7 + 9;
        assert_eq!(trim_history("be kind", &history(), all + 100, 100, words).len(), 3, "leading assistant dropped");
        assert_eq!(trim_history("be kind", &history(), all - 1 + 100, 100, words), history()[1..].to_vec());
        // Room for the last two: 9 + 8 + 6 = 23, but they start with the assistant, so only the last stays.
        assert_eq!(trim_history("be kind", &history(), 23 + 100, 100, words), vec![history()[3].clone()]);
        assert_eq!(trim_history("be kind", &history(), 9 + 7 + 100, 100, words), Vec::new(), "not even the last fits");
        assert_eq!(trim_history("be kind", &history(), 10, 100, words), Vec::new(), "reserve larger than the window");
    }

    #[test]
    fn trimming_stops_at_the_first_turn_that_does_not_fit() {
        let messages = vec![ChatMessage::user("a"), ChatMessage::user("long ".repeat(50)), ChatMessage::user("b")];
        let kept = trim_history("", &messages, 30, 0, words);
        assert_eq!(kept, vec![ChatMessage::user("b")], "the short first turn is not kept past the gap");
    }
}
