//! The avatar open in the Avatar & Animations screen: its bytes, inspection
//! report and the mapping being edited, checked with animo-shared's rules
//! exactly as the server and the preview check them.

use std::sync::Arc;

use animo_preview::playback::slot_for_reading;
use animo_shared::ErrorCode;
use animo_shared::avatar::inspect::{InspectLimits, InspectionReport, inspect_glb};
use animo_shared::avatar::mapping::{AnimationMapping, MappingProblem, WidgetEvent};
use animo_shared::avatar::slots::Slot;
use animo_shared::avatar::suggest::{MappingSuggestion, suggest_mapping};
use animo_shared::sentiment::{Lexicon, analyze};
use animo_studio_core::app::{AvatarOpened, SentenceReading, SlotAdjustment, fit_mapping};

use crate::error::CommandError;

/// Animo's own demo avatar, so that the viewport can be tried before any
/// file is chosen (and without a server).
pub const DEMO_AVATAR: &[u8] = include_bytes!("../../runtime-server/assets/demo-avatar.glb");

/// An avatar the Studio has open.
#[derive(Debug, Clone)]
pub struct OpenAvatar {
    /// The file's name, for display.
    pub name: String,
    /// The GLB bytes.
    pub glb: Arc<[u8]>,
    /// What inspection found.
    pub report: InspectionReport,
    /// The mapping being edited.
    pub mapping: AnimationMapping,
    /// The suggestion made from the clip names when the avatar was opened.
    pub suggestion: MappingSuggestion,
}

impl OpenAvatar {
    /// Inspects `glb` and proposes a mapping from its clip names.
    ///
    /// # Errors
    ///
    /// The inspection's coded error (`not_glb`, `glb_corrupt`, …).
    pub fn inspect(name: String, glb: Vec<u8>) -> Result<Self, CommandError> {
        let report = inspect_glb(&glb, &InspectLimits::default())
            .map_err(|error| CommandError::new(error.code, error.message))?;
        let suggestion = suggest_mapping(&report.clip_names(), &report.morph_target_names());
        Ok(Self { name, glb: glb.into(), mapping: suggestion.mapping.clone(), report, suggestion })
    }

    /// The description the front-end shows, with the slots of a bot's
    /// mapping that [`OpenAvatar::adopt_mapping`] changed.
    pub fn opened(&self, adjusted: Vec<SlotAdjustment>) -> AvatarOpened {
        AvatarOpened {
            name: self.name.clone(),
            report: self.report.clone(),
            mapping: self.mapping.clone(),
            suggestion: self.suggestion.clone(),
            adjusted,
        }
    }

    /// Makes a bot's mapping the one in force, adapted to this avatar: slots
    /// naming a clip it lacks take the suggestion's clip (or fall back), an
    /// expression it lacks is dropped. Returns the slots that changed.
    pub fn adopt_mapping(&mut self, mapping: &AnimationMapping) -> Vec<SlotAdjustment> {
        let (fitted, adjusted) = fit_mapping(
            mapping,
            &self.report.clip_names(),
            &self.report.morph_target_names(),
            &self.suggestion.mapping,
        );
        self.mapping = fitted;
        adjusted
    }

    /// Checks a mapping against this avatar's clips and morph targets.
    ///
    /// # Errors
    ///
    /// `mapping_invalid` naming every slot that refers to something missing.
    pub fn check_mapping(&self, mapping: &AnimationMapping) -> Result<(), CommandError> {
        mapping
            .validate(&self.report.clip_names(), &self.report.morph_target_names(), false)
            .map_err(|problems| mapping_invalid(&problems))
    }

    /// The slot a widget event plays under the current mapping.
    pub fn slot_for_event(&self, event: WidgetEvent) -> Option<Slot> {
        self.mapping.events.get(&event).copied()
    }
}

fn mapping_invalid(problems: &[MappingProblem]) -> CommandError {
    let described: Vec<String> =
        problems.iter().map(|problem| format!("{}: {}", problem.slot.name(), problem.problem)).collect();
    CommandError::new(ErrorCode::MappingInvalid, described.join("; "))
}

/// Reads `text` with the shared sentiment reader (the one the chat engine's
/// cues use) and picks the slot through `mapping`'s rules.
pub fn read_sentence(text: &str, mapping: &AnimationMapping) -> SentenceReading {
    let reading = analyze(text, Lexicon::for_language("en"));
    let slot = slot_for_reading(mapping, &reading);
    SentenceReading {
        compound: reading.compound,
        emotion: reading.emotion,
        intensity: reading.intensity,
        intent: reading.intent,
        slot,
    }
}

#[cfg(test)]
mod tests {
    use animo_shared::avatar::mapping::Emotion;

    use super::*;

    #[test]
    fn the_demo_avatar_opens_with_idle_and_talking_mapped() {
        let avatar = OpenAvatar::inspect("demo-avatar.glb".to_owned(), DEMO_AVATAR.to_vec()).expect("the demo avatar");
        assert!(avatar.report.clips.len() >= 20, "one clip per slot");
        assert!(avatar.mapping.slots.contains_key(&Slot::Idle));
        assert!(avatar.mapping.slots.contains_key(&Slot::Talking));
        avatar.check_mapping(&avatar.mapping).expect("the suggestion names only the avatar's clips");
    }

    #[test]
    fn not_a_glb_is_refused_with_its_code() {
        let error = OpenAvatar::inspect("notes.txt".to_owned(), b"hello".to_vec()).expect_err("not a GLB");
        assert_eq!(error.code, ErrorCode::NotGlb);
    }

    #[test]
    fn a_mapping_naming_a_missing_clip_is_refused() {
        let avatar = OpenAvatar::inspect("demo-avatar.glb".to_owned(), DEMO_AVATAR.to_vec()).expect("the demo avatar");
        let mut mapping = avatar.mapping.clone();
        let binding = mapping.slots.get_mut(&Slot::Happy).expect("happy is mapped");
        binding.clip = "NoSuchClip".try_into().expect("a valid clip name");
        let error = avatar.check_mapping(&mapping).expect_err("a missing clip");
        assert_eq!(error.code, ErrorCode::MappingInvalid);
        assert!(error.message.contains("happy"), "{}", error.message);
    }

    #[test]
    fn a_bots_mapping_for_another_avatar_is_adapted_instead_of_refused() {
        let mut avatar =
            OpenAvatar::inspect("demo-avatar.glb".to_owned(), DEMO_AVATAR.to_vec()).expect("the demo avatar");
        let mut mapping = avatar.mapping.clone();
        mapping.slots.get_mut(&Slot::Happy).expect("happy is mapped").clip =
            "OtherAvatarsDance".try_into().expect("a valid clip name");
        let adjusted = avatar.adopt_mapping(&mapping);
        assert_eq!(adjusted.len(), 1, "{adjusted:?}");
        assert_eq!(adjusted[0].slot, Slot::Happy);
        avatar.check_mapping(&avatar.mapping).expect("the adapted mapping fits");
        assert_eq!(avatar.opened(adjusted).adjusted[0].previous_clip, "OtherAvatarsDance");
    }

    #[test]
    fn a_happy_sentence_plays_the_happy_rule() {
        let mapping = AnimationMapping::default();
        let reading = read_sentence("This is wonderful, I love it!", &mapping);
        assert_eq!(reading.emotion, Emotion::Happy);
        assert_eq!(Some(reading.slot), mapping.emotions.get(&Emotion::Happy).copied());
    }
}
