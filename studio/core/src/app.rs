//! The shapes the desktop app's own commands and events exchange with the
//! front-end (the avatar viewport, test chat, uploads), and the events the
//! app emits.
//!
//! The app's commands are glue in `studio/src`; their argument and result
//! types live here, beside the core's, so that they get TypeScript
//! declarations (feature `ts`) from which `cargo xtask codegen` writes the
//! front-end's typed command and event bindings. Nothing here does I/O.

use animo_shared::AvatarId;
use animo_shared::ErrorCode;
use animo_shared::avatar::inspect::InspectionReport;
use animo_shared::avatar::mapping::{AnimationMapping, Emotion, Intent};
use animo_shared::avatar::slots::Slot;
use animo_shared::avatar::suggest::MappingSuggestion;
use animo_shared::chat::ServerFrame;
use serde::{Deserialize, Serialize};

use crate::client::Connectivity;

/// What the front-end needs to know at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StudioInfo {
    /// The Studio's version.
    pub version: String,
    /// Whether this run measures the viewport instead of serving a person.
    pub bench: bool,
}

/// Which avatar to open (or upload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AvatarSource {
    /// Animo's demo avatar, built into the Studio.
    Demo,
    /// A GLB file on this computer.
    File {
        /// Its path.
        path: String,
    },
    /// An avatar uploaded to the signed-in tenant, fetched from the server.
    Server {
        /// Its id.
        avatar_id: AvatarId,
        /// Its file name, for display.
        name: String,
    },
}

/// The viewport's size in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewportSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl ViewportSize {
    /// The size as (width, height) when each side is 1 to `max_side` pixels.
    pub fn within(self, max_side: u32) -> Option<(u32, u32)> {
        ((1..=max_side).contains(&self.width) && (1..=max_side).contains(&self.height))
            .then_some((self.width, self.height))
    }
}

/// Input from the viewport's canvas and the screen's buttons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ViewportInput {
    /// Turn around the avatar, in radians.
    Orbit {
        /// Around the vertical axis.
        yaw: f32,
        /// Up or down.
        pitch: f32,
    },
    /// Multiply the distance to the avatar.
    Zoom {
        /// Below 1 comes closer.
        factor: f32,
    },
    /// Back to the first framing.
    ResetCamera,
    /// A click at this frame pixel.
    Click {
        /// From the left.
        x: f32,
        /// From the top.
        y: f32,
    },
    /// Render at this size from now on.
    Resize {
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
    },
    /// Play a slot through the mapping.
    PlaySlot {
        /// Which.
        slot: Slot,
    },
    /// Audition one clip.
    PlayClip {
        /// Its name.
        clip: String,
    },
}

/// What the viewport's renderer reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ViewportEvent {
    /// The avatar is loaded and playing.
    Ready,
    /// A request failed; the viewport goes on.
    Failed {
        /// The error's code, when it has one.
        code: Option<ErrorCode>,
        /// What went wrong.
        message: String,
    },
    /// The click hit the avatar here (world space).
    Clicked {
        /// x, y and z.
        point: [f32; 3],
    },
    /// The renderer stopped; a new avatar starts it again.
    Stopped {
        /// Why.
        message: String,
    },
}

/// One slot of a bot's mapping changed to fit another avatar (see
/// [`fit_mapping`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SlotAdjustment {
    /// The slot.
    pub slot: Slot,
    /// The clip the bot's mapping named.
    pub previous_clip: String,
    /// The clip it plays now; `None` when nothing fits and the slot falls
    /// back along its chain.
    pub clip: Option<String>,
    /// Why, for the designer.
    pub reason: String,
}

/// What the front-end gets when an avatar opens.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AvatarOpened {
    /// The file's name.
    pub name: String,
    /// The inspection report.
    pub report: InspectionReport,
    /// The mapping in force: the bot's (adapted to this avatar where it did
    /// not fit) or the suggested one.
    pub mapping: AnimationMapping,
    /// The suggestion with its reasons and confidences.
    pub suggestion: MappingSuggestion,
    /// The slots of the bot's mapping that were changed to fit this avatar;
    /// empty when it fitted or no mapping was given.
    pub adjusted: Vec<SlotAdjustment>,
}

/// How a sentence reads and what the avatar plays for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SentenceReading {
    /// From -1 (most negative) to +1.
    pub compound: f64,
    /// The emotion the rules see.
    pub emotion: Emotion,
    /// How strongly, from 0 to 1.
    pub intensity: f64,
    /// What the sentence tries to do, if recognisable.
    pub intent: Option<Intent>,
    /// The slot the mapping's intent and emotion rules give.
    pub slot: Slot,
}

/// One frame of a test answer, tagged with the number the screen gave its
/// message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestChatFrame {
    /// The number the screen gave the message.
    pub request: u64,
    /// The frame.
    pub frame: ServerFrame,
}

/// Which avatar the test chat shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TestChatAvatar {
    /// The bot's own, with its draft mapping.
    Bot,
    /// None attached to the draft: the screen opens the demo avatar instead.
    None,
}

/// The avatar opened for a test chat.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestChatAvatarOpened {
    /// Which.
    pub kind: TestChatAvatar,
    /// The opened avatar, for the bot's.
    pub opened: Option<AvatarOpened>,
}

/// One step of an upload, for the front-end's progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UploadProgressEvent {
    /// The id the front-end gave the upload.
    pub id: String,
    /// Bytes sent.
    pub sent: u64,
    /// The file's size.
    pub total: u64,
}

/// An event the app emits to the front-end: its name and the type of its
/// payload. The app emits only through these (so a payload cannot drift from
/// its declaration), and the generated bindings have one typed listener each.
pub trait AppEvent {
    /// The event's name on the wire.
    const NAME: &'static str;
    /// What it carries.
    type Payload: Serialize + Clone;
}

macro_rules! app_events {
    ($($(#[doc = $doc:literal])+ $marker:ident = $name:literal, $listener:literal => $payload:ty;)+) => {
        $(
            $(#[doc = $doc])+
            #[derive(Debug, Clone, Copy)]
            pub struct $marker;

            impl AppEvent for $marker {
                const NAME: &'static str = $name;
                type Payload = $payload;
            }
        )+

        /// Every event, for the generated bindings.
        #[cfg(feature = "ts")]
        pub(crate) fn event_bindings(cfg: &ts_rs::Config) -> Vec<crate::typescript::EventBinding> {
            vec![$(crate::typescript::EventBinding {
                name: $name,
                listener: $listener,
                doc: concat!($($doc, "\n"),+),
                payload: <$payload as ts_rs::TS>::name(cfg),
            }),+]
        }
    };
}

app_events! {
    /// Connectivity changed: the banner follows it.
    ConnectivityChanged = "connectivity", "onConnectivity" => Connectivity;
    /// The viewport's renderer reported something.
    ViewportReported = "viewport-event", "onViewportEvent" => ViewportEvent;
    /// An upload made progress.
    UploadProgressed = "upload-progress", "onUploadProgress" => UploadProgressEvent;
    /// A frame of a test answer arrived.
    TestChatFrameArrived = "test-chat-frame", "onTestChatFrame" => TestChatFrame;
}

/// Adapts a bot's mapping to an avatar with `clips` and `morph_targets`:
/// slots whose clip the avatar has are kept (an expression whose morph
/// target it lacks is dropped), the others take the suggestion's binding for
/// that slot, or fall back along their chain when the suggestion has none.
/// The rules (events, emotions, intents) are the bot's. Returns the mapping
/// and every slot that changed, for the designer to review.
pub fn fit_mapping(
    mapping: &AnimationMapping,
    clips: &[String],
    morph_targets: &[String],
    suggestion: &AnimationMapping,
) -> (AnimationMapping, Vec<SlotAdjustment>) {
    let mut fitted = mapping.clone();
    let mut adjusted = Vec::new();
    for (slot, binding) in &mapping.slots {
        let previous_clip = binding.clip.as_str().to_owned();
        if !clips.contains(&previous_clip) {
            let replacement = suggestion.slots.get(slot).filter(|b| clips.iter().any(|clip| clip == b.clip.as_str()));
            let reason = format!("this avatar has no clip named {previous_clip:?}");
            match replacement {
                Some(replacement) => {
                    fitted.slots.insert(*slot, replacement.clone());
                    let clip = Some(replacement.clip.as_str().to_owned());
                    adjusted.push(SlotAdjustment { slot: *slot, previous_clip, clip, reason });
                }
                None => {
                    fitted.slots.remove(slot);
                    adjusted.push(SlotAdjustment { slot: *slot, previous_clip, clip: None, reason });
                }
            }
            continue;
        }
        if let Some(expression) = &binding.expression
            && !morph_targets.iter().any(|target| target == expression.morph_target.as_str())
        {
            let reason = format!(
                "this avatar has no morph target named {:?}; the expression was removed",
                expression.morph_target.as_str()
            );
            if let Some(kept) = fitted.slots.get_mut(slot) {
                kept.expression = None;
            }
            adjusted.push(SlotAdjustment {
                slot: *slot,
                previous_clip: previous_clip.clone(),
                clip: Some(previous_clip),
                reason,
            });
        }
    }
    (fitted, adjusted)
}

#[cfg(test)]
mod tests {
    use animo_shared::avatar::mapping::{Expression, LoopMode, SlotBinding};

    use super::*;

    fn binding(clip: &str) -> SlotBinding {
        SlotBinding::new(clip.try_into().expect("a clip name"), LoopMode::Loop)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_mapping_that_fits_is_kept_as_it_is() {
        let mut mapping = AnimationMapping::default();
        mapping.slots.insert(Slot::Idle, binding("Breathe"));
        mapping.slots.insert(Slot::Talking, binding("Chat"));
        let suggestion = AnimationMapping::default();
        let (fitted, adjusted) = fit_mapping(&mapping, &names(&["Breathe", "Chat"]), &[], &suggestion);
        assert_eq!(fitted, mapping);
        assert!(adjusted.is_empty());
    }

    #[test]
    fn slots_that_do_not_fit_take_the_suggestion_or_fall_back() {
        let mut mapping = AnimationMapping::default();
        mapping.slots.insert(Slot::Idle, binding("Idle"));
        let mut tuned = binding("Talk_Old");
        tuned.loop_mode = LoopMode::Hold;
        mapping.slots.insert(Slot::Talking, tuned);
        mapping.slots.insert(Slot::Happy, binding("Dance_Old"));
        mapping.events.clear();
        let mut suggestion = AnimationMapping::default();
        suggestion.slots.insert(Slot::Idle, binding("Idle"));
        suggestion.slots.insert(Slot::Talking, binding("Talking"));
        suggestion.slots.insert(Slot::Thinking, binding("Think"));
        let clips = names(&["Idle", "Talking", "Think"]);

        let (fitted, adjusted) = fit_mapping(&mapping, &clips, &[], &suggestion);

        assert_eq!(fitted.slots.get(&Slot::Idle), mapping.slots.get(&Slot::Idle), "a fitting slot is kept");
        assert_eq!(fitted.slots.get(&Slot::Talking), suggestion.slots.get(&Slot::Talking));
        assert!(!fitted.slots.contains_key(&Slot::Happy), "nothing suggested: falls back");
        assert!(!fitted.slots.contains_key(&Slot::Thinking), "slots the bot left unmapped stay so");
        assert!(fitted.events.is_empty(), "the bot's rules are kept");
        fitted.validate(&clips, &[], false).expect("the fitted mapping names only the avatar's clips");
        let changed: Vec<(Slot, &str, Option<&str>)> =
            adjusted.iter().map(|a| (a.slot, a.previous_clip.as_str(), a.clip.as_deref())).collect();
        assert_eq!(
            changed,
            vec![(Slot::Talking, "Talk_Old", Some("Talking")), (Slot::Happy, "Dance_Old", None)],
            "in slot order"
        );
        assert!(adjusted[0].reason.contains("Talk_Old"), "{}", adjusted[0].reason);
    }

    #[test]
    fn an_expression_the_avatar_lacks_is_removed_and_reported() {
        let mut mapping = AnimationMapping::default();
        let mut happy = binding("Yes");
        happy.expression =
            Some(Expression { morph_target: "Smile".try_into().expect("a morph name"), weight: Default::default() });
        mapping.slots.insert(Slot::Happy, happy);
        let (fitted, adjusted) =
            fit_mapping(&mapping, &names(&["Yes"]), &names(&["Frown"]), &AnimationMapping::default());
        let kept = fitted.slots.get(&Slot::Happy).expect("the clip fits");
        assert_eq!(kept.clip.as_str(), "Yes");
        assert!(kept.expression.is_none());
        assert_eq!(adjusted.len(), 1);
        assert_eq!(adjusted[0].clip.as_deref(), Some("Yes"));
        assert!(adjusted[0].reason.contains("Smile"));
    }
}
