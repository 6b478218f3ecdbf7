//! Turning words into animation cues.
//!
//! An answer streams in chunks of any size. [`CueWriter`] holds them back
//! until a sentence is complete, reads the sentence's emotion and intent,
//! and then releases a `cue` frame followed by the sentence's `token` frames
//! (cut where the chunks were cut), so the avatar moves with the words it
//! goes with.

use animo_shared::avatar::mapping::{AnimationMapping, Emotion, Intent};
use animo_shared::avatar::slots::Slot;
use animo_shared::chat::ServerFrame;
use animo_shared::sentiment::{Lexicon, Reading, analyze};

/// A sentence with no terminator is released once it grows this long.
const MAX_HELD_BYTES: usize = 240;
/// Below this intensity an emotion is not acted out.
const MIN_EMOTION_INTENSITY: f64 = 0.3;

/// The cue for a sentence of the bot's answer.
pub fn reply_cue(reading: &Reading, mapping: &AnimationMapping) -> ServerFrame {
    let by_intent = reading
        .intent
        .filter(|intent| matches!(intent, Intent::Greeting | Intent::Farewell | Intent::Thanks))
        .and_then(|intent| mapping.intents.get(&intent).copied());
    let by_emotion = (reading.emotion != Emotion::Neutral && reading.intensity >= MIN_EMOTION_INTENSITY)
        .then(|| mapping.emotions.get(&reading.emotion).copied())
        .flatten();
    let slot = by_intent.or(by_emotion).unwrap_or(Slot::Talking);
    cue(slot, reading)
}

/// The cue while the bot reads the visitor's message: the intent's reaction
/// (a wave back to a greeting, an apology for a complaint), else thinking.
pub fn visitor_cue(reading: &Reading, mapping: &AnimationMapping) -> ServerFrame {
    let slot = reading.intent.and_then(|intent| mapping.intents.get(&intent).copied()).unwrap_or(Slot::Thinking);
    cue(slot, reading)
}

fn cue(slot: Slot, reading: &Reading) -> ServerFrame {
    ServerFrame::Cue {
        slot,
        emotion: reading.emotion,
        intensity: (reading.intensity * 100.0).round() / 100.0,
        intent: reading.intent,
    }
}

/// Holds streamed text back until sentences are complete.
#[derive(Debug)]
pub struct CueWriter<'a> {
    mapping: &'a AnimationMapping,
    lexicon: &'static Lexicon,
    held: String,
    /// Offsets in `held` where the provider's chunks ended.
    cuts: Vec<usize>,
}

impl<'a> CueWriter<'a> {
    /// A writer that cues with `mapping`, reading sentences with `lexicon`.
    pub fn new(mapping: &'a AnimationMapping, lexicon: &'static Lexicon) -> Self {
        Self { mapping, lexicon, held: String::new(), cuts: Vec::new() }
    }

    /// Takes a chunk; returns the frames of the sentences it completed.
    pub fn push(&mut self, chunk: &str) -> Vec<ServerFrame> {
        if chunk.is_empty() {
            return Vec::new();
        }
        self.held.push_str(chunk);
        self.cuts.push(self.held.len());
        let mut frames = Vec::new();
        while let Some(end) = self.sentence_end() {
            self.release(end, &mut frames);
        }
        frames
    }

    /// Releases whatever is held; call when the answer is complete.
    pub fn finish(&mut self) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        if !self.held.is_empty() {
            self.release(self.held.len(), &mut frames);
        }
        frames
    }

    /// The end of the first complete sentence held: after a terminator that
    /// is followed by white space, or at the last space of an over-long run.
    fn sentence_end(&self) -> Option<usize> {
        let mut chars = self.held.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if matches!(c, '.' | '!' | '?' | '\n' | '。' | '！' | '？')
                && let Some((_, next)) = chars.peek()
                && next.is_whitespace()
                && !self.held[..at].trim().is_empty()
            {
                return Some(at + c.len_utf8());
            }
        }
        if self.held.len() > MAX_HELD_BYTES {
            let space = self.held[..MAX_HELD_BYTES].rfind(char::is_whitespace).filter(|at| *at > 0);
            return Some(space.unwrap_or_else(|| {
                (1..=MAX_HELD_BYTES).rev().find(|at| self.held.is_char_boundary(*at)).unwrap_or(self.held.len())
            }));
        }
        None
    }

    fn release(&mut self, end: usize, frames: &mut Vec<ServerFrame>) {
        let sentence = &self.held[..end];
        // A trailing citation such as " [1]" is no sentence to act out.
        if sentence.chars().any(char::is_alphabetic) {
            frames.push(reply_cue(&analyze(sentence, self.lexicon), self.mapping));
        }
        let mut start = 0;
        for cut in self.cuts.iter().copied().filter(|cut| *cut < end).chain(std::iter::once(end)) {
            if cut > start {
                frames.push(ServerFrame::Token { text: self.held[start..cut].to_owned() });
                start = cut;
            }
        }
        self.held.drain(..end);
        self.cuts = self.cuts.iter().filter(|cut| **cut > end).map(|cut| cut - end).collect();
    }
}

#[cfg(test)]
mod tests {
    use animo_shared::sentiment::ENGLISH;

    use super::*;

    fn kinds(frames: &[ServerFrame]) -> Vec<String> {
        frames
            .iter()
            .map(|frame| match frame {
                ServerFrame::Cue { slot, .. } => format!("cue:{}", serde_json::to_string(slot).unwrap_or_default()),
                ServerFrame::Token { text } => format!("token:{text}"),
                other => other.kind().to_owned(),
            })
            .collect()
    }

    #[test]
    fn each_sentence_is_cued_before_its_first_token() {
        let mapping = AnimationMapping::default();
        let mut writer = CueWriter::new(&mapping, &ENGLISH);
        let mut frames = Vec::new();
        for chunk in ["Hello", " there! I am", " so happy to help.", " The shop opens", " at nine."] {
            frames.extend(writer.push(chunk));
        }
        frames.extend(writer.finish());
        assert_eq!(
            kinds(&frames),
            [
                "cue:\"greeting\"",
                "token:Hello",
                "token: there!",
                "cue:\"happy\"",
                "token: I am",
                "token: so happy to help.",
                "cue:\"talking\"",
                "token: The shop opens",
                "token: at nine.",
            ]
        );
        let text: String = frames
            .iter()
            .filter_map(|frame| match frame {
                ServerFrame::Token { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "Hello there! I am so happy to help. The shop opens at nine.");
    }

    #[test]
    fn numbers_and_long_runs_do_not_break_or_stall_sentences() {
        let mapping = AnimationMapping::default();
        let mut writer = CueWriter::new(&mapping, &ENGLISH);
        assert!(writer.push("Version 1.5").is_empty(), "a decimal point is no sentence end");
        assert!(writer.push(" is out").is_empty());
        let long = "word ".repeat(80);
        let frames = writer.push(&long);
        assert!(matches!(frames.first(), Some(ServerFrame::Cue { .. })), "an over-long run is released");
        let rest = writer.finish();
        let all: String = frames
            .iter()
            .chain(rest.iter())
            .filter_map(|frame| match frame {
                ServerFrame::Token { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(all, format!("Version 1.5 is out{long}"));
    }

    #[test]
    fn visitor_messages_get_a_listening_reaction() {
        let mapping = AnimationMapping::default();
        let hello = visitor_cue(&analyze("Hi there!", &ENGLISH), &mapping);
        assert!(matches!(hello, ServerFrame::Cue { slot: Slot::Greeting, .. }));
        let question = visitor_cue(&analyze("Where is my order?", &ENGLISH), &mapping);
        assert!(matches!(question, ServerFrame::Cue { slot: Slot::Thinking, .. }));
    }
}
