//! The built-in offline responder: answers from the bot's curated Q&A (and,
//! once knowledge exists, its passages) by picking the entry and the
//! sentences most relevant to the question, with citations. It needs no
//! API key and never invents: without a relevant passage it says the bot's
//! fallback message.

use animo_shared::avatar::mapping::Intent;
use animo_shared::bot::Personality;
use animo_shared::chat::Source;
use animo_shared::sentiment::Reading;

/// A passage the responder may answer from.
#[derive(Debug, Clone)]
pub struct Passage {
    /// Its title (a Q&A question, or a document title).
    pub title: String,
    /// Text that describes what it is about (the question), weighted higher.
    pub about: String,
    /// The text to answer with.
    pub text: String,
    /// Where it comes from, when it has an address.
    pub url: Option<String>,
}

/// The responder's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineAnswer {
    /// The text, citing sources as `[1]`.
    pub text: String,
    /// The sources cited.
    pub sources: Vec<Source>,
    /// True when nothing relevant was found and the fallback message was used.
    pub unanswered: bool,
}

/// The least share of the question's content words a passage must contain.
const MIN_COVERAGE: f64 = 0.34;
/// Most sentences of a passage quoted in one answer.
const MAX_SENTENCES: usize = 3;

const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "can", "could", "do", "does", "for", "from", "have", "how",
    "i", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "should", "so", "tell", "that", "the",
    "there", "this", "to", "us", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "would",
    "you", "your", "any", "get", "know", "want", "need", "hi", "hello", "hey",
];

/// Lower-case content words, with plural and verb endings trimmed so "ships"
/// and "shipping" meet "ship".
fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !STOPWORDS.contains(&word.as_str()))
        .map(|word| stem(&word))
        .collect()
}

fn stem(word: &str) -> String {
    let mut root = word.to_owned();
    if let Some(stripped) = root.strip_suffix("ies").filter(|r| r.len() >= 2) {
        root = format!("{stripped}y");
    } else if ["sses", "ches", "shes", "xes"].iter().any(|end| root.ends_with(end)) {
        root.truncate(root.len() - 2);
    } else if root.ends_with('s') && !root.ends_with("ss") && root.len() > 3 {
        root.truncate(root.len() - 1);
    }
    for suffix in ["ing", "ed"] {
        if let Some(stripped) = root.strip_suffix(suffix).filter(|r| r.chars().count() >= 3) {
            root = stripped.to_owned();
            // "shipping" → "shipp" → "ship".
            let mut tail = root.chars().rev();
            if let (Some(last), Some(before)) = (tail.next(), tail.next())
                && last == before
                && !"aeiouls".contains(last)
            {
                root.pop();
            }
            break;
        }
    }
    // "close", "closed" and "closing" all end as "clos".
    if root.len() > 3 && root.ends_with('e') {
        root.pop();
    }
    root
}

/// Splits text into sentences at `.`, `!`, `?` or a line break followed by
/// white space or the end.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (position, &(at, c)) in bytes.iter().enumerate() {
        let ends =
            matches!(c, '.' | '!' | '?' | '\n') && bytes.get(position + 1).is_none_or(|(_, next)| next.is_whitespace());
        if ends {
            let end = at + c.len_utf8();
            let sentence = text[start..end].trim();
            if !sentence.is_empty() {
                out.push(sentence);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// How well `passage` answers a question with content words `question`.
fn score(question: &[String], passage: &Passage) -> (f64, f64) {
    if question.is_empty() {
        return (0.0, 0.0);
    }
    let about = terms(&passage.about);
    let body = terms(&passage.text);
    let mut score = 0.0;
    let mut covered = 0usize;
    for term in question {
        let in_about = about.iter().any(|t| t == term);
        let in_body = body.iter().any(|t| t == term);
        if in_about || in_body {
            covered += 1;
        }
        score += if in_about { 2.0 } else { 0.0 } + if in_body { 1.0 } else { 0.0 };
    }
    #[expect(clippy::cast_precision_loss, reason = "term counts are small")]
    let coverage = covered as f64 / question.len() as f64;
    (score * coverage, coverage)
}

/// The passages of a personality's curated Q&A.
pub fn faq_passages(personality: &Personality) -> Vec<Passage> {
    personality
        .faq
        .items()
        .iter()
        .map(|entry| Passage {
            title: entry.question.as_str().to_owned(),
            about: entry.question.as_str().to_owned(),
            text: entry.answer.as_str().to_owned(),
            url: None,
        })
        .collect()
}

/// The `limit` passages most relevant to `question`, best first, leaving
/// out those that share too few of its words.
pub fn relevant_passages(question: &str, passages: &[Passage], limit: usize) -> Vec<Passage> {
    let query = terms(question);
    let mut scored: Vec<(f64, &Passage)> = passages
        .iter()
        .map(|passage| (score(&query, passage), passage))
        .filter(|((_, coverage), _)| *coverage >= MIN_COVERAGE)
        .map(|((score, _), passage)| (score, passage))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(limit).map(|(_, passage)| passage.clone()).collect()
}

/// Answers `question` from `passages` in the persona's voice.
pub fn answer(question: &str, reading: &Reading, personality: &Personality, passages: &[Passage]) -> OfflineAnswer {
    let query = terms(question);
    let best = passages
        .iter()
        .map(|passage| (score(&query, passage), passage))
        .filter(|((_, coverage), _)| *coverage >= MIN_COVERAGE)
        .max_by(|((a, _), _), ((b, _), _)| a.total_cmp(b));
    if let Some((_, passage)) = best {
        let chosen = relevant_sentences(&query, &passage.text);
        let excerpt: String = passage.text.chars().take(300).collect();
        return OfflineAnswer {
            text: format!("{} [1]", chosen.trim_end()),
            sources: vec![Source { number: 1, title: passage.title.clone(), url: passage.url.clone(), excerpt }],
            unanswered: false,
        };
    }
    // Small talk is answered in the persona's own words rather than with
    // "I don't know".
    let small_talk = match reading.intent {
        Some(Intent::Greeting) if query.is_empty() => Some(personality.greeting.as_str().to_owned()),
        Some(Intent::Thanks) => Some("You're welcome! Is there anything else I can help with?".to_owned()),
        Some(Intent::Farewell) => Some("Goodbye, and thanks for stopping by!".to_owned()),
        _ => None,
    };
    match small_talk {
        Some(text) if !text.is_empty() => OfflineAnswer { text, sources: Vec::new(), unanswered: false },
        _ => OfflineAnswer {
            text: personality.fallback_message.as_str().to_owned(),
            sources: Vec::new(),
            unanswered: true,
        },
    }
}

/// The passage's sentences that share most words with the question, in
/// their original order; the whole passage when it is short.
fn relevant_sentences(query: &[String], text: &str) -> String {
    let all = sentences(text);
    if all.len() <= MAX_SENTENCES {
        return all.join(" ");
    }
    let mut scored: Vec<(usize, usize)> = all
        .iter()
        .enumerate()
        .map(|(index, sentence)| {
            let words = terms(sentence);
            (index, query.iter().filter(|term| words.contains(term)).count())
        })
        .collect();
    // The first sentence usually states the answer; it always goes in.
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut keep: Vec<usize> = scored.iter().take(MAX_SENTENCES - 1).map(|(index, _)| *index).collect();
    if !keep.contains(&0) {
        keep.push(0);
    }
    keep.sort_unstable();
    keep.iter().filter_map(|index| all.get(*index)).copied().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use animo_shared::bot::{BotName, Faq, FaqEntry};
    use animo_shared::sentiment::{ENGLISH, analyze};

    use super::*;

    fn personality() -> Personality {
        let mut personality = Personality::named(BotName::try_from("Ava".to_owned()).expect("name"));
        personality.faq = Faq::try_from(vec![
            FaqEntry {
                question: "What are your opening hours?".to_owned().try_into().expect("q"),
                answer: "We are open from 9 to 5, Monday to Friday.".to_owned().try_into().expect("a"),
            },
            FaqEntry {
                question: "Do you ship abroad?".to_owned().try_into().expect("q"),
                answer:
                    "Yes, we ship to all EU countries. Shipping takes 3 to 5 days. Returns are free. We also gift wrap."
                        .to_owned()
                        .try_into()
                        .expect("a"),
            },
        ])
        .expect("faq");
        personality
    }

    fn check(question: &str, expect_start: &str, unanswered: bool) {
        let personality = personality();
        let reading = analyze(question, &ENGLISH);
        let answer = answer(question, &reading, &personality, &faq_passages(&personality));
        assert!(answer.text.starts_with(expect_start), "{question:?} → {:?}", answer.text);
        assert_eq!(answer.unanswered, unanswered, "{question:?}");
        assert_eq!(answer.sources.is_empty(), !answer.text.ends_with("[1]"), "{question:?}");
    }

    #[test]
    fn answers_from_the_most_relevant_entry_or_admits_not_knowing() {
        check("When are you open?", "We are open from 9 to 5", false);
        check("what hours are you open on monday", "We are open", false);
        check("How long does shipping take?", "Yes, we ship to all EU countries. Shipping takes 3 to 5 days.", false);
        check("Can I pay with bitcoin?", "I'm sorry, I don't know that yet.", true);
        check("Hello!", "Hi! How can I help you today?", false);
        check("thanks a lot", "You're welcome!", false);
    }

    #[test]
    fn long_passages_are_cut_to_the_relevant_sentences() {
        let personality = personality();
        let reading = analyze("Are returns free?", &ENGLISH);
        let text = answer("Are returns free?", &reading, &personality, &faq_passages(&personality)).text;
        assert!(text.contains("Returns are free."), "{text}");
        assert!(!text.contains("gift wrap"), "{text}");
    }

    #[test]
    fn sentences_split_at_terminators_followed_by_space() {
        assert_eq!(sentences("Hi there. Version 1.5 is out! Right?"), ["Hi there.", "Version 1.5 is out!", "Right?"]);
        assert_eq!(sentences("no end"), ["no end"]);
        assert!(sentences("  ").is_empty());
    }
}
