//! Fast lexicon-based sentiment and intent, in the manner of VADER: word
//! valences adjusted by intensifiers, negation, capitals, "but" and
//! punctuation, plus emoji; then an emotion and an intent for the avatar.
//!
//! Languages plug in as a [`Lexicon`]; English is the first.

mod en;

use crate::avatar::mapping::{Emotion, Intent};

/// The word lists of one language.
#[derive(Debug)]
pub struct Lexicon {
    valence: &'static [(&'static str, f64)],
    boosters: &'static [(&'static str, f64)],
    negations: &'static [&'static str],
    anger: &'static [&'static str],
    surprise: &'static [&'static str],
    confusion: &'static [&'static str],
    greetings: &'static [&'static str],
    farewells: &'static [&'static str],
    thanks: &'static [&'static str],
    question_openers: &'static [&'static str],
    complaint: &'static [&'static str],
    contrast: &'static str,
}

/// English.
pub static ENGLISH: Lexicon = Lexicon {
    valence: en::VALENCE,
    boosters: en::BOOSTERS,
    negations: en::NEGATIONS,
    anger: en::ANGER,
    surprise: en::SURPRISE,
    confusion: en::CONFUSION,
    greetings: en::GREETINGS,
    farewells: en::FAREWELLS,
    thanks: en::THANKS,
    question_openers: en::QUESTION_OPENERS,
    complaint: en::COMPLAINT,
    contrast: "but",
};

impl Lexicon {
    /// The lexicon for a BCP 47 language tag, falling back to English.
    pub fn for_language(_tag: &str) -> &'static Lexicon {
        // Only English exists so far; every tag gets it until others are added.
        &ENGLISH
    }

    fn valence(&self, word: &str) -> Option<f64> {
        self.valence.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
    }

    fn booster(&self, word: &str) -> Option<f64> {
        self.boosters.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
    }
}

/// What the analyzer read in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Overall feeling from -1 (most negative) to +1 (most positive).
    pub compound: f64,
    /// The emotion for the avatar.
    pub emotion: Emotion,
    /// How strongly, from 0 to 1.
    pub intensity: f64,
    /// What the message tries to do, if recognisable.
    pub intent: Option<Intent>,
}

const CAPS_BOOST: f64 = 0.733;
const NEGATION_SCALAR: f64 = -0.74;
const EXCLAMATION_BOOST: f64 = 0.292;
const NORMALISER: f64 = 15.0;

struct Token {
    word: String,
    shouted: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    text.split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\''))
        .filter_map(|raw| {
            let word: String = raw.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            if word.is_empty() {
                return None;
            }
            let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
            let shouted = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
            Some(Token { word, shouted })
        })
        .collect()
}

/// Reads a message.
pub fn analyze(text: &str, lexicon: &Lexicon) -> Reading {
    let tokens = tokenize(text);
    let has_lower = text.chars().any(char::is_lowercase);
    let contrast_at = tokens.iter().position(|token| token.word == lexicon.contrast);
    let mut sum = 0.0;
    for (index, token) in tokens.iter().enumerate() {
        let Some(mut valence) = lexicon.valence(&token.word) else { continue };
        // "no" as an answer is negative; as "no problem" it negates instead.
        if lexicon.negations.contains(&token.word.as_str())
            && tokens.get(index + 1).is_some_and(|next| lexicon.valence(&next.word).is_some())
        {
            continue;
        }
        let sign = valence.signum();
        if token.shouted && has_lower {
            valence += sign * CAPS_BOOST;
        }
        for (distance, decay) in [(1, 1.0), (2, 0.95), (3, 0.9)] {
            let Some(previous) = index.checked_sub(distance).and_then(|at| tokens.get(at)) else { break };
            if let Some(boost) = lexicon.booster(&previous.word) {
                valence += sign * boost * decay;
            }
            if lexicon.negations.contains(&previous.word.as_str()) {
                valence *= NEGATION_SCALAR;
            }
        }
        if let Some(at) = contrast_at {
            valence *= if index < at { 0.5 } else { 1.5 };
        }
        sum += valence;
    }
    for c in text.chars() {
        if let Some((_, valence)) = en::EMOJI.iter().find(|(emoji, _)| *emoji == c) {
            sum += valence;
        }
    }
    let exclamations = text.chars().filter(|c| *c == '!').count().min(4) as f64;
    if sum != 0.0 {
        sum += sum.signum() * exclamations * EXCLAMATION_BOOST;
    }
    let compound = sum / (sum * sum + NORMALISER).sqrt();
    let has = |list: &[&str]| tokens.iter().any(|token| list.contains(&token.word.as_str()));
    let has_emoji = |set: &[char]| text.chars().any(|c| set.contains(&c));
    let question = text.trim_end().trim_end_matches('!').ends_with('?');

    let emotion = if compound <= -0.05 && (has(lexicon.anger) || has_emoji(&['😡', '😠', '🤬'])) {
        Emotion::Angry
    } else if (has(lexicon.confusion) && (question || compound < 0.0)) || has_emoji(&['🤔', '😕']) {
        Emotion::Confused
    } else if text.contains("!?")
        || text.contains("?!")
        || ((has(lexicon.surprise) || has_emoji(&['😮', '😲', '😱'])) && compound.abs() < 0.6)
    {
        Emotion::Surprised
    } else if compound >= 0.05 {
        Emotion::Happy
    } else if compound <= -0.05 {
        Emotion::Sad
    } else {
        Emotion::Neutral
    };
    let intensity = match emotion {
        Emotion::Neutral => 0.0,
        Emotion::Surprised | Emotion::Confused => compound.abs().max(0.5),
        _ => compound.abs(),
    }
    .clamp(0.0, 1.0);

    let first = tokens.first().map(|token| token.word.as_str());
    let intent = if compound < -0.3 && has(lexicon.complaint) {
        Some(Intent::Complaint)
    } else if question || first.is_some_and(|word| lexicon.question_openers.contains(&word)) && tokens.len() > 2 {
        Some(Intent::Question)
    } else if has(lexicon.thanks) {
        Some(Intent::Thanks)
    } else if has(lexicon.farewells) || text.to_lowercase().contains("see you") {
        Some(Intent::Farewell)
    } else if first.is_some_and(|word| lexicon.greetings.contains(&word))
        || text.to_lowercase().starts_with("good morning")
    {
        Some(Intent::Greeting)
    } else {
        None
    };
    Reading { compound, emotion, intensity, intent }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, emotion: Emotion, intent: Option<Intent>) {
        let reading = analyze(text, &ENGLISH);
        assert_eq!((reading.emotion, reading.intent), (emotion, intent), "{text:?} read as {reading:?}");
        assert!((-1.0..=1.0).contains(&reading.compound) && (0.0..=1.0).contains(&reading.intensity));
    }

    #[test]
    fn emotions_and_intents() {
        check("Hello there", Emotion::Neutral, Some(Intent::Greeting));
        check("Hi! I love this shop", Emotion::Happy, Some(Intent::Greeting));
        check("How do I return my order?", Emotion::Neutral, Some(Intent::Question));
        check("Thanks a lot, that was really helpful", Emotion::Happy, Some(Intent::Thanks));
        check("ok bye", Emotion::Happy, Some(Intent::Farewell));
        check("My order arrived broken and I want a refund", Emotion::Sad, Some(Intent::Complaint));
        check("This is the WORST service, absolutely unacceptable!!", Emotion::Angry, Some(Intent::Complaint));
        check("I'm confused, what does that mean?", Emotion::Confused, Some(Intent::Question));
        check("Wow, really?!", Emotion::Surprised, Some(Intent::Question));
        check("The delivery was sad 😢", Emotion::Sad, None);
        check("🎉🎉", Emotion::Happy, None);
        check("", Emotion::Neutral, None);
    }

    #[test]
    fn rules_move_the_score_the_right_way() {
        let score = |text: &str| analyze(text, &ENGLISH).compound;
        assert!(score("good") > 0.0);
        assert!(score("not good") < 0.0, "negation flips");
        assert!(score("very good") > score("good"), "boosters strengthen");
        assert!(score("slightly good") < score("good"), "dampeners soften");
        assert!(score("GOOD, yes it is") > score("good, yes it is"), "shouting in mixed case strengthens");
        assert!(score("good!!!") > score("good"), "exclamations strengthen");
        assert!(score("the food was good but the service was terrible") < 0.0, "the clause after but weighs more");
        assert!(score("no problem") > 0.0, "no problem is not a problem");
    }
}
