//! Playing slots through the mapping, and clips directly for auditioning.

use std::time::Duration;

use animo_shared::avatar::mapping::{ClipName, LoopMode, SlotBinding};
use animo_shared::avatar::slots::Slot;
use bevy::animation::RepeatAnimation;
use bevy::prelude::*;

use crate::avatar::{Avatar, AvatarReady, PreviewFailed};
use crate::error::PreviewError;

/// Plays a slot: its binding in the mapping, or the first mapped slot along
/// its fallback chain.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaySlot(pub Slot);

/// Plays one clip of the avatar, looping at its own speed, whatever the
/// mapping says; for auditioning clips.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct PlayClip(pub String);

/// What the avatar plays now.
#[derive(Resource, Debug, Default)]
pub struct Playback {
    now: Option<NowPlaying>,
    /// A request that arrived before the avatar was ready.
    pending: Option<Request>,
}

impl Playback {
    /// The slot or clip playing, once the avatar is ready.
    pub fn now(&self) -> Option<&NowPlaying> {
        self.now.as_ref()
    }
}

/// A slot or clip being played.
#[derive(Debug, Clone, PartialEq)]
pub struct NowPlaying {
    /// The slot asked for; `None` when a clip is auditioned.
    pub requested: Option<Slot>,
    /// The slot whose binding plays: the one asked for or a fallback.
    pub resolved: Option<Slot>,
    /// How it plays.
    pub binding: SlotBinding,
    /// The clip's node in the avatar's graph.
    pub node: AnimationNodeIndex,
    /// The time (as `Time::elapsed`) it started, for fading expressions in.
    pub started: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    Slot(Slot),
    Clip(String),
}

pub(crate) fn play_requests(
    mut slots: MessageReader<PlaySlot>,
    mut clips: MessageReader<PlayClip>,
    mut ready: MessageReader<AvatarReady>,
    mut playback: ResMut<Playback>,
    avatar: Option<Res<Avatar>>,
    mut players: Query<(&mut AnimationPlayer, &mut AnimationTransitions)>,
    mut failures: MessageWriter<PreviewFailed>,
    time: Res<Time>,
) {
    let mut requests: Vec<Request> = slots.read().map(|PlaySlot(slot)| Request::Slot(*slot)).collect();
    requests.extend(clips.read().map(|PlayClip(clip)| Request::Clip(clip.clone())));
    let became_ready = ready.read().count() > 0;

    let Some(avatar) = avatar.filter(|avatar| avatar.is_ready()) else {
        if let Some(request) = requests.pop() {
            playback.pending = Some(request);
        }
        return;
    };
    if became_ready {
        // A new avatar starts afresh: what the previous one played means nothing to it.
        playback.now = None;
        let first = playback.pending.take().unwrap_or(Request::Slot(Slot::Idle));
        requests.insert(0, first);
    }
    for request in requests {
        match start(&request, &avatar, &mut players, time.elapsed()) {
            Ok(now) => playback.now = Some(now),
            Err(error) => {
                failures.write(PreviewFailed(error));
            }
        }
    }
}

/// Returns to idle when a slot that plays once has finished.
pub(crate) fn return_to_idle(
    mut playback: ResMut<Playback>,
    avatar: Option<Res<Avatar>>,
    mut players: Query<(&mut AnimationPlayer, &mut AnimationTransitions)>,
    time: Res<Time>,
) {
    let Some(avatar) = avatar.filter(|avatar| avatar.is_ready()) else {
        return;
    };
    let Some(now) = playback.now.as_ref().filter(|now| now.binding.loop_mode == LoopMode::Once) else {
        return;
    };
    let finished =
        players.iter().any(|(player, _)| player.animation(now.node).is_some_and(|active| active.is_finished()));
    if !finished {
        return;
    }
    if let Ok(now) = start(&Request::Slot(Slot::Idle), &avatar, &mut players, time.elapsed()) {
        playback.now = Some(now);
    } else {
        // Without an idle binding there is nothing to return to; the clip
        // holds its last frame instead.
        playback.now = playback.now.take().map(|now| NowPlaying { binding: hold(now.binding), ..now });
    }
}

fn hold(binding: SlotBinding) -> SlotBinding {
    SlotBinding { loop_mode: LoopMode::Hold, ..binding }
}

fn start(
    request: &Request,
    avatar: &Avatar,
    players: &mut Query<(&mut AnimationPlayer, &mut AnimationTransitions)>,
    started: Duration,
) -> Result<NowPlaying, PreviewError> {
    let Some(graph) = avatar.graph() else {
        return Err(PreviewError::Load("the avatar has not loaded yet".to_owned()));
    };
    let (requested, resolved, binding) = match request {
        Request::Slot(slot) => match avatar.mapping.resolve(*slot) {
            Some((resolved, binding)) => (Some(*slot), Some(resolved), binding.clone()),
            None => {
                return Err(PreviewError::Mapping(vec![animo_shared::avatar::mapping::MappingProblem {
                    slot: *slot,
                    problem: "neither this slot nor any slot of its fallback chain, idle included, is mapped"
                        .to_owned(),
                }]));
            }
        },
        Request::Clip(clip) => {
            let name = ClipName::try_from(clip.as_str()).map_err(|_| PreviewError::UnknownClip(clip.clone()))?;
            (None, None, SlotBinding::new(name, LoopMode::Loop))
        }
    };
    let node =
        graph.node(binding.clip.as_str()).ok_or_else(|| PreviewError::UnknownClip(binding.clip.as_str().to_owned()))?;
    let crossfade = Duration::from_secs_f64(binding.crossfade_secs.value());
    let speed = binding.speed.value() as f32;
    for (mut player, mut transitions) in players.iter_mut() {
        let active = transitions.play(&mut player, node, crossfade);
        active.set_speed(speed);
        match binding.loop_mode {
            LoopMode::Loop => active.repeat(),
            LoopMode::Once | LoopMode::Hold => active.set_repeat(RepeatAnimation::Never),
        };
    }
    Ok(NowPlaying { requested, resolved, binding, node, started })
}

/// The slot a reading of a sentence plays through the mapping's rules: the
/// intent's slot when the sentence has a recognised intent with a rule (a
/// greeting waves even when said flatly), otherwise the emotion's slot, and
/// talking when neither has a rule.
pub fn slot_for_reading(
    mapping: &animo_shared::avatar::mapping::AnimationMapping,
    reading: &animo_shared::sentiment::Reading,
) -> Slot {
    reading
        .intent
        .and_then(|intent| mapping.intents.get(&intent))
        .or_else(|| mapping.emotions.get(&reading.emotion))
        .copied()
        .unwrap_or(Slot::Talking)
}
