//! A first mapping proposed from an avatar's clip and morph-target names.
//!
//! Names are split into words (`ThumbsUp`, `thumbs_up`, `Armature|ThumbsUp`
//! all give `thumbs`, `up`) and matched against keywords per slot. Only
//! clips and morph targets the avatar has are ever proposed.

use serde::{Deserialize, Serialize};

use super::mapping::{AnimationMapping, ClipName, Expression, LoopMode, MorphTargetName, MorphWeight, SlotBinding};
use super::slots::Slot;

/// Why a slot got its clip, and how sure the guess is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotSuggestion {
    /// The slot.
    pub slot: Slot,
    /// The clip proposed for it.
    pub clip: String,
    /// The morph target proposed as its expression, if any.
    pub expression: Option<String>,
    /// From 0 (a guess) to 1 (the name says so).
    pub confidence: f64,
    /// Why, for people.
    pub reason: String,
}

/// A proposed mapping with the reasoning per slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingSuggestion {
    /// The mapping, ready to edit.
    pub mapping: AnimationMapping,
    /// One entry per mapped slot.
    pub slots: Vec<SlotSuggestion>,
    /// Slots left unmapped; they fall back along their chain.
    pub unmapped: Vec<Slot>,
}

/// Keywords per slot with the confidence a match gives. Exact words score
/// fully; words of four letters or more also match as prefixes (`talking`).
const KEYWORDS: &[(Slot, &[(&str, f64)])] = &[
    (Slot::Idle, &[("idle", 1.0), ("breathing", 0.8), ("breathe", 0.8), ("rest", 0.6)]),
    (Slot::IdleVariant, &[("standing", 0.5), ("stand", 0.5), ("look", 0.5), ("stretch", 0.6), ("fidget", 0.7)]),
    (Slot::Listening, &[("listen", 1.0), ("listening", 1.0), ("attentive", 0.8)]),
    (Slot::Thinking, &[("think", 1.0), ("thinking", 1.0), ("ponder", 0.9), ("hmm", 0.8)]),
    (
        Slot::Talking,
        &[("talk", 1.0), ("talking", 1.0), ("speak", 1.0), ("speaking", 1.0), ("speech", 0.9), ("conversation", 0.8)],
    ),
    (Slot::Greeting, &[("wave", 1.0), ("waving", 1.0), ("greet", 1.0), ("greeting", 1.0), ("hello", 1.0), ("hi", 0.8)]),
    (Slot::Farewell, &[("bye", 1.0), ("goodbye", 1.0), ("farewell", 1.0), ("wave", 0.5), ("waving", 0.5)]),
    (Slot::NodYes, &[("yes", 1.0), ("nod", 1.0), ("nodding", 1.0), ("agree", 0.9)]),
    (Slot::ShakeNo, &[("no", 1.0), ("shake", 0.8), ("disagree", 0.9)]),
    (Slot::Happy, &[("happy", 1.0), ("joy", 0.9), ("smile", 0.8), ("cheerful", 0.8)]),
    (Slot::Laughing, &[("laugh", 1.0), ("laughing", 1.0), ("giggle", 0.9)]),
    (Slot::Sad, &[("sad", 1.0), ("cry", 0.9), ("crying", 0.9), ("upset", 0.8)]),
    (Slot::Surprised, &[("surprise", 1.0), ("surprised", 1.0), ("shock", 0.9), ("gasp", 0.8)]),
    (Slot::Angry, &[("angry", 1.0), ("anger", 1.0), ("mad", 0.8), ("punch", 0.4)]),
    (Slot::Confused, &[("confused", 1.0), ("confuse", 1.0), ("shrug", 0.9), ("puzzled", 0.9)]),
    (Slot::ThumbsUp, &[("thumbsup", 1.0), ("thumbs", 1.0), ("thumb", 0.9), ("like", 0.6)]),
    (Slot::Pointing, &[("point", 1.0), ("pointing", 1.0)]),
    (
        Slot::Celebrating,
        &[("dance", 1.0), ("dancing", 1.0), ("celebrate", 1.0), ("cheer", 0.9), ("victory", 0.9), ("jump", 0.5)],
    ),
    (Slot::Apologetic, &[("sorry", 1.0), ("apology", 1.0), ("apologize", 1.0), ("apologise", 1.0), ("bow", 0.6)]),
    (Slot::Bored, &[("bored", 1.0), ("yawn", 0.9), ("sitting", 0.4), ("sit", 0.4)]),
];

/// Emotion slots that a same-named morph target can express over the idle clip.
const EXPRESSIVE_SLOTS: &[(Slot, &[&str])] = &[
    (Slot::Happy, &["happy", "smile", "joy"]),
    (Slot::Sad, &["sad", "frown"]),
    (Slot::Surprised, &["surprised", "surprise"]),
    (Slot::Angry, &["angry", "anger"]),
];

/// Splits a clip name into lower-case words: separators and camel-case
/// boundaries split; an exporter's `Armature|` prefix is dropped.
fn words(name: &str) -> Vec<String> {
    let name = name.rsplit('|').next().unwrap_or(name);
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// How well `clip` fits `slot`, 0 when not at all.
fn score(words: &[String], keywords: &[(&str, f64)]) -> f64 {
    let joined: String = words.concat();
    let mut best: f64 = 0.0;
    for (keyword, weight) in keywords {
        let exact = words.iter().any(|word| word == keyword) || joined == *keyword;
        let prefix = keyword.len() >= 4 && words.iter().any(|word| word.starts_with(keyword));
        let value = if exact {
            *weight
        } else if prefix {
            weight * 0.9
        } else {
            0.0
        };
        best = best.max(value);
    }
    best
}

fn loop_mode_for(slot: Slot) -> LoopMode {
    match slot {
        Slot::Idle | Slot::IdleVariant | Slot::Listening | Slot::Thinking | Slot::Talking => LoopMode::Loop,
        _ => LoopMode::Once,
    }
}

/// Proposes a mapping for an avatar with these clips and morph targets.
pub fn suggest_mapping(clips: &[String], morph_targets: &[String]) -> MappingSuggestion {
    let mut mapping = AnimationMapping::default();
    let mut slots = Vec::new();
    let clip_words: Vec<(&String, Vec<String>)> = clips.iter().map(|clip| (clip, words(clip))).collect();
    for (slot, keywords) in KEYWORDS {
        // A clip named exactly after the slot (`nod_yes`, `NodYes`) wins
        // outright; otherwise the best-scoring clip, ties going to the clip
        // listed first.
        let exact = clip_words.iter().find(|(_, words)| words.join("_") == slot.name());
        let mut best: Option<(&String, f64)> = exact.map(|(clip, _)| (*clip, 1.0));
        for (clip, words) in clip_words.iter().filter(|_| exact.is_none()) {
            let value = score(words, keywords);
            if value > 0.0 && best.is_none_or(|(_, top)| value > top) {
                best = Some((clip, value));
            }
        }
        let Some((clip, confidence)) = best else { continue };
        let Ok(name) = ClipName::try_from(clip.as_str()) else { continue };
        mapping.slots.insert(*slot, SlotBinding::new(name, loop_mode_for(*slot)));
        slots.push(SlotSuggestion {
            slot: *slot,
            clip: clip.clone(),
            expression: None,
            confidence,
            reason: format!("the clip name {clip:?} suggests {}", slot.name()),
        });
    }
    add_expressions(&mut mapping, &mut slots, morph_targets);
    let unmapped = Slot::ALL.iter().copied().filter(|slot| !mapping.slots.contains_key(slot)).collect();
    MappingSuggestion { mapping, slots, unmapped }
}

/// Lays same-named morph targets over emotion slots: on their own clip, or on
/// the idle clip when the emotion has none.
fn add_expressions(mapping: &mut AnimationMapping, slots: &mut Vec<SlotSuggestion>, morph_targets: &[String]) {
    for (slot, names) in EXPRESSIVE_SLOTS {
        let target = morph_targets.iter().find(|target| {
            let target_words = words(target);
            names.iter().any(|name| target_words.iter().any(|word| word == name))
        });
        let Some(target) = target else { continue };
        let Ok(morph_target) = MorphTargetName::try_from(target.as_str()) else { continue };
        let expression = Expression { morph_target, weight: MorphWeight::default() };
        if let Some(binding) = mapping.slots.get_mut(slot) {
            binding.expression = Some(expression);
            if let Some(entry) = slots.iter_mut().find(|entry| entry.slot == *slot) {
                entry.expression = Some(target.clone());
                entry.reason.push_str(&format!(", with the {target:?} expression"));
            }
        } else if let Some(idle) = mapping.slots.get(&Slot::Idle).cloned() {
            let clip = idle.clip.as_str().to_owned();
            let mut binding = SlotBinding::new(idle.clip, LoopMode::Once);
            binding.expression = Some(expression);
            mapping.slots.insert(*slot, binding);
            slots.push(SlotSuggestion {
                slot: *slot,
                clip,
                expression: Some(target.clone()),
                confidence: 0.6,
                reason: format!("no {} clip; the idle clip with the {target:?} expression", slot.name()),
            });
        }
    }
    slots.sort_by_key(|entry| entry.slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn words_split_names_the_way_exporters_write_them() {
        assert_eq!(words("ThumbsUp"), ["thumbs", "up"]);
        assert_eq!(words("Armature|thumbs_up.001"), ["thumbs", "up", "001"]);
        assert_eq!(words("mixamo.com"), ["mixamo", "com"]);
        assert_eq!(words("IDLE"), ["idle"]);
    }

    #[test]
    fn robot_expressive_clips_map_as_a_designer_would() {
        let clips = names(&[
            "Dance", "Death", "Idle", "Jump", "No", "Punch", "Running", "Sitting", "Standing", "ThumbsUp", "Walking",
            "WalkJump", "Wave", "Yes",
        ]);
        let morphs = names(&["Angry", "Surprised", "Sad"]);
        let suggestion = suggest_mapping(&clips, &morphs);
        let clip_of = |slot: Slot| suggestion.mapping.slots.get(&slot).map(|binding| binding.clip.as_str());
        assert_eq!(clip_of(Slot::Idle), Some("Idle"));
        assert_eq!(clip_of(Slot::Greeting), Some("Wave"));
        assert_eq!(clip_of(Slot::Farewell), Some("Wave"));
        assert_eq!(clip_of(Slot::NodYes), Some("Yes"));
        assert_eq!(clip_of(Slot::ShakeNo), Some("No"));
        assert_eq!(clip_of(Slot::ThumbsUp), Some("ThumbsUp"));
        assert_eq!(clip_of(Slot::Celebrating), Some("Dance"));
        assert_eq!(clip_of(Slot::Talking), None, "no clip is invented for talking");
        assert_eq!(clip_of(Slot::Sad), Some("Idle"));
        let sad = suggestion.slots.iter().find(|entry| entry.slot == Slot::Sad).expect("sad suggested");
        assert_eq!(sad.expression.as_deref(), Some("Sad"));
        assert!(suggestion.unmapped.contains(&Slot::Talking));
        // Everything proposed exists in the avatar.
        assert!(suggestion.mapping.validate(&clips, &morphs, false).is_ok());
        let greeting = suggestion.slots.iter().find(|entry| entry.slot == Slot::Greeting).expect("greeting");
        assert_eq!(greeting.confidence, 1.0);
    }

    #[test]
    fn clips_named_after_slots_map_to_them() {
        let clips: Vec<String> = Slot::ALL.iter().map(|slot| slot.name().to_owned()).collect();
        let suggestion = suggest_mapping(&clips, &[]);
        for slot in Slot::ALL {
            let binding = suggestion.mapping.slots.get(slot).expect("every slot is mapped");
            assert_eq!(binding.clip.as_str(), slot.name());
        }
        assert!(suggestion.unmapped.is_empty());
        assert!(suggestion.mapping.validate(&clips, &[], true).is_ok());
    }

    #[test]
    fn short_keywords_do_not_match_inside_words() {
        let suggestion = suggest_mapping(&names(&["Normal", "Nothing", "Hidden"]), &[]);
        assert!(!suggestion.mapping.slots.contains_key(&Slot::ShakeNo));
        assert!(!suggestion.mapping.slots.contains_key(&Slot::Greeting));
    }

    #[test]
    fn an_avatar_without_clips_gets_an_empty_mapping() {
        let suggestion = suggest_mapping(&[], &names(&["Smile"]));
        assert!(suggestion.mapping.slots.is_empty());
        assert_eq!(suggestion.unmapped.len(), Slot::ALL.len());
    }
}
