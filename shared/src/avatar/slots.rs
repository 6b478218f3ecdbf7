//! The animation slots: what an avatar can be asked to do, whatever clips it has.
//!
//! Every slot has a meaning and falls back along a chain that ends at
//! [`Slot::Idle`], so a cue for a slot the avatar has no clip for still
//! plays something sensible.

use serde::{Deserialize, Serialize};

macro_rules! slots {
    ($($(#[$doc:meta])* $variant:ident = ($name:literal, $fallback:expr, $meaning:literal),)*) => {
        /// One of Animo's animation slots.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum Slot {
            $($(#[$doc])* $variant,)*
        }

        impl Slot {
            /// Every slot, in catalogue order.
            pub const ALL: &'static [Slot] = &[$(Slot::$variant,)*];

            /// The wire name.
            pub const fn name(self) -> &'static str {
                match self { $(Slot::$variant => $name,)* }
            }

            /// What the slot is for, in one sentence.
            pub const fn meaning(self) -> &'static str {
                match self { $(Slot::$variant => $meaning,)* }
            }

            /// The next slot to try when this one has no clip; `None` only for idle.
            pub const fn fallback(self) -> Option<Slot> {
                match self { $(Slot::$variant => $fallback,)* }
            }
        }
    };
}

slots! {
    /// Resting loop.
    Idle = ("idle", None, "The resting loop the avatar returns to after every other slot."),
    /// A variation of the resting loop.
    IdleVariant = ("idle_variant", Some(Slot::Idle), "An occasional variation of the resting loop, so the avatar does not look frozen."),
    /// Attending to the visitor.
    Listening = ("listening", Some(Slot::Idle), "Attentive posture while the visitor types."),
    /// Waiting for the answer.
    Thinking = ("thinking", Some(Slot::Listening), "Pondering while the answer is being prepared."),
    /// Speaking.
    Talking = ("talking", Some(Slot::Idle), "Speaking while the answer streams."),
    /// Saying hello.
    Greeting = ("greeting", Some(Slot::Happy), "Saying hello when the chat opens or the visitor greets."),
    /// Saying goodbye.
    Farewell = ("farewell", Some(Slot::Greeting), "Saying goodbye when the chat closes or the visitor leaves."),
    /// Agreeing.
    NodYes = ("nod_yes", Some(Slot::Idle), "Nodding to agree or confirm."),
    /// Disagreeing.
    ShakeNo = ("shake_no", Some(Slot::Idle), "Shaking the head to decline or disagree."),
    /// Joy.
    Happy = ("happy", Some(Slot::Idle), "Showing joy at good news or kind words."),
    /// Laughter.
    Laughing = ("laughing", Some(Slot::Happy), "Laughing at a joke."),
    /// Sadness.
    Sad = ("sad", Some(Slot::Idle), "Showing sympathy for bad news."),
    /// Surprise.
    Surprised = ("surprised", Some(Slot::Idle), "Reacting to something unexpected, or to being poked."),
    /// Anger.
    Angry = ("angry", Some(Slot::ShakeNo), "Showing displeasure; rarely the right reaction for a host."),
    /// Puzzlement.
    Confused = ("confused", Some(Slot::Thinking), "Showing the question was not understood."),
    /// Approval.
    ThumbsUp = ("thumbs_up", Some(Slot::NodYes), "Approving or encouraging."),
    /// Directing attention.
    Pointing = ("pointing", Some(Slot::Talking), "Directing attention to something on the page."),
    /// Celebration.
    Celebrating = ("celebrating", Some(Slot::Happy), "Celebrating a success, such as a finished purchase."),
    /// Apology.
    Apologetic = ("apologetic", Some(Slot::Sad), "Apologising for a problem or a missing answer."),
    /// Boredom.
    Bored = ("bored", Some(Slot::IdleVariant), "Showing it has been a while, after a long idle time."),
}

impl Slot {
    /// This slot followed by its fallbacks, ending at idle.
    pub fn chain(self) -> impl Iterator<Item = Slot> {
        std::iter::successors(Some(self), |slot| slot.fallback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chain_ends_at_idle_without_cycles() {
        assert_eq!(Slot::ALL.len(), 20);
        for slot in Slot::ALL {
            let chain: Vec<Slot> = slot.chain().take(Slot::ALL.len() + 1).collect();
            assert!(chain.len() <= Slot::ALL.len(), "{slot:?} has a cycle: {chain:?}");
            assert_eq!(chain.last(), Some(&Slot::Idle), "{slot:?} does not end at idle");
            let json = serde_json::to_value(slot).expect("serializes");
            assert_eq!(json, slot.name());
            assert!(slot.meaning().ends_with('.'));
        }
    }
}
