//! How a bot's avatar plays Animo's slots: slot → clip bindings, and the
//! rules that turn widget events, emotions and intents into slots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::slots::Slot;
use crate::text::{ValidationError, bounded_text};

bounded_text!(
    /// The name of an animation clip inside the avatar's GLB.
    ClipName, 1, 200, multiline = false, default = "Idle"
);
bounded_text!(
    /// The name of a morph target (blend shape) inside the avatar's GLB.
    MorphTargetName, 1, 200, multiline = false, default = "Smile"
);

/// How a slot's clip plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LoopMode {
    /// Repeats until another slot plays.
    #[default]
    Loop,
    /// Plays once, then returns to idle.
    Once,
    /// Plays once and holds the last frame until another slot plays.
    Hold,
}

macro_rules! bounded_float {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $default:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(try_from = "f64", into = "f64")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(f64);

        impl $name {
            /// Smallest value allowed.
            pub const MIN: f64 = $min;
            /// Largest value allowed.
            pub const MAX: f64 = $max;

            /// The value.
            pub fn value(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = ValidationError;
            fn try_from(value: f64) -> Result<Self, Self::Error> {
                if (Self::MIN..=Self::MAX).contains(&value) {
                    Ok(Self(value))
                } else {
                    Err(ValidationError::new(stringify!($name), format!("must be between {} and {}", Self::MIN, Self::MAX)))
                }
            }
        }

        impl From<$name> for f64 {
            fn from(value: $name) -> f64 {
                value.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self($default)
            }
        }
    };
}

bounded_float!(
    /// Playback speed, 1 being the clip's own speed.
    Speed, 0.1, 4.0, 1.0
);
bounded_float!(
    /// Crossfade time into the slot, in seconds.
    Crossfade, 0.0, 3.0, 0.3
);
bounded_float!(
    /// A morph target's weight, from 0 (off) to 1 (full).
    MorphWeight, 0.0, 1.0, 1.0
);

/// A facial expression laid over a slot's clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expression {
    /// The morph target to weight.
    pub morph_target: MorphTargetName,
    /// How strongly.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub weight: MorphWeight,
}

/// How one slot plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotBinding {
    /// The clip to play.
    pub clip: ClipName,
    /// Loop, once then back to idle, or hold the last frame.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub loop_mode: LoopMode,
    /// Playback speed.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub speed: Speed,
    /// Crossfade into this slot, in seconds.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub crossfade_secs: Crossfade,
    /// An optional facial expression.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expression: Option<Expression>,
}

impl SlotBinding {
    /// A binding with default playback for `clip`, looping or not.
    pub fn new(clip: ClipName, loop_mode: LoopMode) -> Self {
        Self { clip, loop_mode, speed: Speed::default(), crossfade_secs: Crossfade::default(), expression: None }
    }
}

/// Something that happens in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WidgetEvent {
    /// The chat opened.
    Open,
    /// The chat closed.
    Close,
    /// The visitor clicked or tapped the avatar.
    Click,
    /// The pointer rests on the avatar.
    Hover,
    /// The visitor started dragging the avatar.
    DragStart,
    /// The visitor dropped the avatar.
    DragEnd,
    /// The visitor moved to another page.
    PageView,
    /// Nothing happened for a while.
    IdleTimeout,
}

impl WidgetEvent {
    /// Every event.
    pub const ALL: &'static [WidgetEvent] = &[
        Self::Open,
        Self::Close,
        Self::Click,
        Self::Hover,
        Self::DragStart,
        Self::DragEnd,
        Self::PageView,
        Self::IdleTimeout,
    ];
}

/// The emotion read in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Emotion {
    /// Positive.
    Happy,
    /// Negative, low.
    Sad,
    /// Unexpected.
    Surprised,
    /// Negative, high.
    Angry,
    /// Uncertain.
    Confused,
    /// Nothing in particular.
    Neutral,
}

impl Emotion {
    /// Every emotion.
    pub const ALL: &'static [Emotion] =
        &[Self::Happy, Self::Sad, Self::Surprised, Self::Angry, Self::Confused, Self::Neutral];
}

/// What a message is trying to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Intent {
    /// Hello.
    Greeting,
    /// Goodbye.
    Farewell,
    /// Thank you.
    Thanks,
    /// A question.
    Question,
    /// A complaint.
    Complaint,
}

impl Intent {
    /// Every intent.
    pub const ALL: &'static [Intent] = &[Self::Greeting, Self::Farewell, Self::Thanks, Self::Question, Self::Complaint];
}

/// A bot's whole animation mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnimationMapping {
    /// Which clip plays each slot; unmapped slots fall back along their chain.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub slots: BTreeMap<Slot, SlotBinding>,
    /// Which slot each widget event plays.
    #[serde(default = "default_event_rules")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub events: BTreeMap<WidgetEvent, Slot>,
    /// Which slot each emotion plays.
    #[serde(default = "default_emotion_rules")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub emotions: BTreeMap<Emotion, Slot>,
    /// Which slot each intent plays.
    #[serde(default = "default_intent_rules")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub intents: BTreeMap<Intent, Slot>,
}

/// Default reactions to widget events.
pub fn default_event_rules() -> BTreeMap<WidgetEvent, Slot> {
    BTreeMap::from([
        (WidgetEvent::Open, Slot::Greeting),
        (WidgetEvent::Close, Slot::Farewell),
        (WidgetEvent::Click, Slot::Surprised),
        (WidgetEvent::Hover, Slot::Listening),
        (WidgetEvent::DragStart, Slot::Surprised),
        (WidgetEvent::DragEnd, Slot::Happy),
        (WidgetEvent::PageView, Slot::Pointing),
        (WidgetEvent::IdleTimeout, Slot::Bored),
    ])
}

/// Default reactions to emotions. An angry visitor gets an apology, not anger back.
pub fn default_emotion_rules() -> BTreeMap<Emotion, Slot> {
    BTreeMap::from([
        (Emotion::Happy, Slot::Happy),
        (Emotion::Sad, Slot::Sad),
        (Emotion::Surprised, Slot::Surprised),
        (Emotion::Angry, Slot::Apologetic),
        (Emotion::Confused, Slot::Confused),
        (Emotion::Neutral, Slot::Talking),
    ])
}

/// Default reactions to intents.
pub fn default_intent_rules() -> BTreeMap<Intent, Slot> {
    BTreeMap::from([
        (Intent::Greeting, Slot::Greeting),
        (Intent::Farewell, Slot::Farewell),
        (Intent::Thanks, Slot::NodYes),
        (Intent::Question, Slot::Thinking),
        (Intent::Complaint, Slot::Apologetic),
    ])
}

impl Default for AnimationMapping {
    fn default() -> Self {
        Self {
            slots: BTreeMap::new(),
            events: default_event_rules(),
            emotions: default_emotion_rules(),
            intents: default_intent_rules(),
        }
    }
}

/// One way a mapping does not fit an avatar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingProblem {
    /// The slot concerned.
    pub slot: Slot,
    /// What is wrong, for people.
    pub problem: String,
}

/// The slots that must have a clip before a bot can be published.
pub const REQUIRED_FOR_PUBLISH: &[Slot] = &[Slot::Idle, Slot::Talking];

impl AnimationMapping {
    /// The binding that plays for `slot`: its own, or the first mapped slot
    /// along its fallback chain. `None` when not even idle is mapped.
    pub fn resolve(&self, slot: Slot) -> Option<(Slot, &SlotBinding)> {
        slot.chain().find_map(|candidate| self.slots.get(&candidate).map(|binding| (candidate, binding)))
    }

    /// Checks that every clip and morph target named exists in the avatar
    /// and, when `for_publish`, that the required slots are mapped.
    pub fn validate(
        &self,
        clips: &[String],
        morph_targets: &[String],
        for_publish: bool,
    ) -> Result<(), Vec<MappingProblem>> {
        let mut problems = Vec::new();
        for (slot, binding) in &self.slots {
            if !clips.iter().any(|clip| clip == binding.clip.as_str()) {
                problems.push(MappingProblem {
                    slot: *slot,
                    problem: format!("the avatar has no clip named {:?}", binding.clip.as_str()),
                });
            }
            if let Some(expression) = &binding.expression
                && !morph_targets.iter().any(|target| target == expression.morph_target.as_str())
            {
                problems.push(MappingProblem {
                    slot: *slot,
                    problem: format!("the avatar has no morph target named {:?}", expression.morph_target.as_str()),
                });
            }
        }
        if for_publish {
            for slot in REQUIRED_FOR_PUBLISH {
                if !self.slots.contains_key(slot) {
                    problems.push(MappingProblem {
                        slot: *slot,
                        problem: format!("the {} slot must be mapped before publishing", slot.name()),
                    });
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(name: &str) -> ClipName {
        ClipName::try_from(name).expect("valid clip name")
    }

    #[test]
    fn resolve_walks_the_fallback_chain() {
        let mut mapping = AnimationMapping::default();
        assert!(mapping.resolve(Slot::Laughing).is_none());
        mapping.slots.insert(Slot::Idle, SlotBinding::new(clip("Idle"), LoopMode::Loop));
        assert_eq!(mapping.resolve(Slot::Laughing).map(|(slot, _)| slot), Some(Slot::Idle));
        mapping.slots.insert(Slot::Happy, SlotBinding::new(clip("Dance"), LoopMode::Once));
        let (slot, binding) = mapping.resolve(Slot::Laughing).expect("resolves");
        assert_eq!((slot, binding.clip.as_str()), (Slot::Happy, "Dance"));
    }

    #[test]
    fn validation_names_every_problem() {
        let clips = vec!["Idle".to_owned(), "Wave".to_owned()];
        let morphs = vec!["Smile".to_owned()];
        let mut mapping = AnimationMapping::default();
        mapping.slots.insert(Slot::Idle, SlotBinding::new(clip("Idle"), LoopMode::Loop));
        mapping.slots.insert(Slot::Greeting, SlotBinding::new(clip("Wave"), LoopMode::Once));
        assert!(mapping.validate(&clips, &morphs, false).is_ok());
        let problems = mapping.validate(&clips, &morphs, true).expect_err("talking is missing");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].slot, Slot::Talking);

        let mut binding = SlotBinding::new(clip("Dance"), LoopMode::Once);
        binding.expression = Some(Expression {
            morph_target: MorphTargetName::try_from("Frown").expect("valid"),
            weight: MorphWeight::default(),
        });
        mapping.slots.insert(Slot::Celebrating, binding);
        let problems = mapping.validate(&clips, &morphs, false).expect_err("unknown clip and morph");
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn json_shape_and_defaults() {
        let mapping: AnimationMapping = serde_json::from_str(
            r#"{"slots":{"idle":{"clip":"Idle"},"greeting":{"clip":"Wave","loop_mode":"once","speed":1.5}}}"#,
        )
        .expect("valid");
        assert_eq!(mapping.slots[&Slot::Greeting].loop_mode, LoopMode::Once);
        assert_eq!(mapping.slots[&Slot::Idle].crossfade_secs.value(), 0.3);
        assert_eq!(mapping.events[&WidgetEvent::Open], Slot::Greeting);
        assert_eq!(mapping.events.len(), WidgetEvent::ALL.len());
        assert_eq!(mapping.emotions.len(), Emotion::ALL.len());
        assert_eq!(mapping.intents.len(), Intent::ALL.len());
        for bad in [
            r#"{"slots":{"dancing":{"clip":"Idle"}}}"#,
            r#"{"slots":{"idle":{"clip":"Idle","speed":9}}}"#,
            r#"{"slots":{"idle":{"clip":""}}}"#,
            r#"{"slots":{"idle":{"clip":"Idle","colour":1}}}"#,
        ] {
            assert!(serde_json::from_str::<AnimationMapping>(bad).is_err(), "{bad}");
        }
    }
}
