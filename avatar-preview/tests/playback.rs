//! The plugin in a headless Bevy app without a renderer, driven with
//! `App::update` at a fixed 60 frames per second: graph building, slots
//! through the mapping and its fallbacks, crossfades, loop modes, speed and
//! morph expressions.

use std::time::Duration;

use animo_preview::prelude::*;
use animo_shared::avatar::mapping::{
    AnimationMapping, ClipName, Crossfade, Expression, LoopMode, MorphTargetName, MorphWeight, SlotBinding, Speed,
};
use animo_shared::avatar::slots::Slot;
use bevy::animation::AnimationPlugin;
use bevy::gltf::GltfPlugin;
use bevy::mesh::MeshPlugin;
use bevy::mesh::morph::MorphWeights;
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy::world_serialization::WorldSerializationPlugin;

const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime-server/assets/demo-avatar.glb");
const FPS: u32 = 60;

fn binding(clip: &str, loop_mode: LoopMode) -> SlotBinding {
    SlotBinding::new(ClipName::try_from(clip).expect("valid clip name"), loop_mode)
}

fn with_crossfade(mut binding: SlotBinding, seconds: f64) -> SlotBinding {
    binding.crossfade_secs = Crossfade::try_from(seconds).expect("valid crossfade");
    binding
}

fn mapping(slots: impl IntoIterator<Item = (Slot, SlotBinding)>) -> AnimationMapping {
    AnimationMapping { slots: slots.into_iter().collect(), ..AnimationMapping::default() }
}

/// A preview app with the avatar loaded and its first slot playing.
fn preview(path: &str, mapping: Option<AnimationMapping>) -> App {
    let glb = std::fs::read(path).expect("the avatar fixture exists");
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin::default(),
        TransformPlugin,
        MeshPlugin,
        WorldSerializationPlugin,
        AnimationPlugin,
        GltfPlugin::default(),
        AvatarPreviewPlugin,
    ))
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs(1) / FPS));
    app.finish();
    app.cleanup();
    app.world_mut().write_message(LoadAvatar { glb: glb.into(), mapping });
    // Assets load on other threads, so give them wall-clock time as well as updates.
    for _ in 0..2_000 {
        app.update();
        if app.world().resource::<Playback>().now().is_some() {
            return app;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the avatar did not become ready");
}

fn seconds(app: &mut App, seconds: f32) {
    let frames = (seconds * FPS as f32).round() as u32;
    for _ in 0..frames {
        app.update();
    }
}

fn play(app: &mut App, slot: Slot) {
    app.world_mut().write_message(PlaySlot(slot));
    app.update();
}

fn node(app: &App, clip: &str) -> AnimationNodeIndex {
    let avatar = app.world().resource::<Avatar>();
    avatar.graph().and_then(|graph| graph.node(clip)).unwrap_or_else(|| panic!("no node for {clip}"))
}

fn now(app: &App) -> NowPlaying {
    app.world().resource::<Playback>().now().cloned().expect("something plays")
}

/// The avatar's animation player (both fixtures have exactly one).
fn player(app: &mut App) -> AnimationPlayer {
    let mut players = app.world_mut().query::<&AnimationPlayer>();
    let all: Vec<&AnimationPlayer> = players.iter(app.world()).collect();
    assert_eq!(all.len(), 1, "one animation player");
    all[0].clone()
}

fn weight(app: &mut App, clip: &str) -> Option<f32> {
    let node = node(app, clip);
    player(app).animation(node).map(|active| active.weight())
}

#[test]
fn the_graph_has_one_node_per_clip() {
    let mut app = preview(ROBOT, None);
    let avatar = app.world().resource::<Avatar>();
    let graph = avatar.graph().expect("graph built").clone();
    let names: Vec<&str> = graph.clips.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, avatar.report.clip_names());
    assert_eq!(names.len(), 14);
    let mut nodes: Vec<AnimationNodeIndex> = graph.clips.iter().map(|(_, node)| *node).collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes.len(), 14, "every clip has its own node");

    let graphs = app.world().resource::<Assets<AnimationGraph>>();
    let asset = graphs.get(&graph.handle).expect("graph asset");
    // The root node plus one per clip.
    assert_eq!(asset.graph.node_count(), 15);
    let mut handles = app.world_mut().query_filtered::<&AnimationGraphHandle, With<AnimationPlayer>>();
    let handles: Vec<&AnimationGraphHandle> = handles.iter(app.world()).collect();
    assert_eq!(handles.len(), 1);
    assert_eq!(handles[0].0, graph.handle);
}

#[test]
fn without_a_mapping_the_suggested_one_plays_idle() {
    let mut app = preview(ROBOT, None);
    let playing = now(&app);
    assert_eq!(playing.requested, Some(Slot::Idle));
    assert_eq!(playing.binding.clip.as_str(), "Idle");
    let idle = node(&app, "Idle");
    assert!(player(&mut app).is_playing_animation(idle));
}

#[test]
fn slots_play_through_the_mapping_and_its_fallbacks() {
    let mut app = preview(
        ROBOT,
        Some(mapping([(Slot::Idle, binding("Idle", LoopMode::Loop)), (Slot::Happy, binding("Dance", LoopMode::Loop))])),
    );
    play(&mut app, Slot::Laughing);
    let playing = now(&app);
    assert_eq!((playing.requested, playing.resolved), (Some(Slot::Laughing), Some(Slot::Happy)));
    assert_eq!(playing.binding.clip.as_str(), "Dance");
    let dance = node(&app, "Dance");
    assert!(player(&mut app).is_playing_animation(dance));

    // sad → idle
    play(&mut app, Slot::Sad);
    let playing = now(&app);
    assert_eq!((playing.requested, playing.resolved), (Some(Slot::Sad), Some(Slot::Idle)));
    assert_eq!(playing.binding.clip.as_str(), "Idle");
}

#[test]
fn a_slot_requested_before_the_avatar_is_ready_plays_once_it_is() {
    let glb = std::fs::read(ROBOT).expect("fixture");
    let mut app = preview(ROBOT, None);
    app.world_mut().write_message(LoadAvatar { glb: glb.into(), mapping: None });
    app.world_mut().write_message(PlaySlot(Slot::Greeting));
    for _ in 0..2_000 {
        app.update();
        let avatar = app.world().resource::<Avatar>();
        if avatar.is_ready() && now(&app).requested == Some(Slot::Greeting) {
            assert_eq!(now(&app).binding.clip.as_str(), "Wave");
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the greeting never played on the new avatar");
}

#[test]
fn a_crossfade_fades_the_previous_clip_out_over_the_binding_time() {
    let mut app = preview(
        ROBOT,
        Some(mapping([
            (Slot::Idle, binding("Idle", LoopMode::Loop)),
            (Slot::Greeting, with_crossfade(binding("Wave", LoopMode::Loop), 1.0)),
        ])),
    );
    seconds(&mut app, 0.5);
    assert_eq!(weight(&mut app, "Idle"), Some(1.0));
    play(&mut app, Slot::Greeting);
    seconds(&mut app, 0.5);
    let (idle, wave) = (weight(&mut app, "Idle").expect("idle still fading"), weight(&mut app, "Wave").expect("wave"));
    assert!((0.35..0.65).contains(&idle), "idle halfway out: {idle}");
    assert!((idle + wave - 1.0).abs() < 1e-4, "weights sum to one: {idle} + {wave}");
    seconds(&mut app, 0.6);
    assert_eq!(weight(&mut app, "Idle"), None, "idle stopped after the crossfade");
    assert_eq!(weight(&mut app, "Wave"), Some(1.0));
}

#[test]
fn a_zero_crossfade_cuts() {
    let mut app = preview(
        ROBOT,
        Some(mapping([
            (Slot::Idle, binding("Idle", LoopMode::Loop)),
            (Slot::Greeting, with_crossfade(binding("Wave", LoopMode::Loop), 0.0)),
        ])),
    );
    seconds(&mut app, 0.2);
    play(&mut app, Slot::Greeting);
    seconds(&mut app, 0.05);
    assert_eq!(weight(&mut app, "Idle"), None);
    assert_eq!(weight(&mut app, "Wave"), Some(1.0));
}

#[test]
fn loop_modes_loop_return_to_idle_or_hold() {
    let mut hold = binding("No", LoopMode::Hold);
    hold.speed = Speed::try_from(2.0).expect("valid speed");
    let mut app = preview(
        ROBOT,
        Some(mapping([
            (Slot::Idle, binding("Idle", LoopMode::Loop)),
            (Slot::Talking, binding("Walking", LoopMode::Loop)),
            (Slot::NodYes, binding("Yes", LoopMode::Once)),
            (Slot::ShakeNo, hold),
        ])),
    );

    // Walking (0.96 s) loops.
    play(&mut app, Slot::Talking);
    seconds(&mut app, 2.5);
    let walking = node(&app, "Walking");
    let active = player(&mut app).animation(walking).cloned().expect("walking plays");
    assert!(active.completions() >= 2 && !active.is_finished());
    assert_eq!(now(&app).requested, Some(Slot::Talking));

    // Yes (1.67 s) plays once, then idle comes back.
    play(&mut app, Slot::NodYes);
    seconds(&mut app, 1.0);
    assert_eq!(now(&app).requested, Some(Slot::NodYes));
    seconds(&mut app, 1.0);
    assert_eq!(now(&app).requested, Some(Slot::Idle), "back to idle after the clip ended");
    let idle = node(&app, "Idle");
    assert!(player(&mut app).is_playing_animation(idle));

    // No (1.67 s) at double speed ends after 0.83 s and holds its last frame.
    play(&mut app, Slot::ShakeNo);
    seconds(&mut app, 0.4);
    let no = node(&app, "No");
    let active = player(&mut app).animation(no).cloned().expect("no plays");
    assert_eq!(active.speed(), 2.0);
    assert!((active.seek_time() - 0.8).abs() < 0.1, "double speed: {}", active.seek_time());
    assert!(!active.is_finished());
    seconds(&mut app, 1.5);
    let active = player(&mut app).animation(no).cloned().expect("no still applied");
    assert!(active.is_finished());
    assert_eq!(active.weight(), 1.0);
    assert_eq!(now(&app).requested, Some(Slot::ShakeNo), "hold does not return to idle");
}

#[test]
fn an_expression_weights_its_morph_target_and_is_reset_when_the_slot_changes() {
    let mut happy = with_crossfade(binding("happy", LoopMode::Loop), 0.0);
    happy.expression = Some(Expression {
        morph_target: MorphTargetName::try_from("Smile").expect("valid"),
        weight: MorphWeight::try_from(0.8).expect("valid"),
    });
    let mut app = preview(
        DEMO,
        Some(mapping([
            (Slot::Idle, binding("idle", LoopMode::Loop)),
            (Slot::Happy, happy),
            (Slot::Sad, binding("sad", LoopMode::Loop)),
        ])),
    );
    let smile = |app: &mut App| {
        let mut query = app.world_mut().query::<(&MorphTargets, &MorphWeights)>();
        let weights: Vec<f32> = query
            .iter(app.world())
            .map(|(targets, weights)| weights.weights()[targets.index("Smile").expect("the head has Smile")])
            .collect();
        assert_eq!(weights.len(), 1, "one mesh has the Smile target");
        weights[0]
    };
    assert_eq!(smile(&mut app), 0.0);
    play(&mut app, Slot::Happy);
    seconds(&mut app, 0.1);
    assert!((smile(&mut app) - 0.8).abs() < 1e-6, "smiling: {}", smile(&mut app));
    play(&mut app, Slot::Sad);
    seconds(&mut app, 0.1);
    assert_eq!(smile(&mut app), 0.0, "the smile ends with its slot");
}

#[test]
fn a_mapping_naming_missing_clips_is_refused_and_the_old_one_kept() {
    let mut app = preview(ROBOT, None);
    let before = app.world().resource::<Avatar>().mapping.clone();
    app.world_mut().write_message(SetMapping(mapping([(Slot::Idle, binding("Moonwalk", LoopMode::Loop))])));
    app.update();
    let failures: Vec<PreviewError> =
        app.world_mut().resource_mut::<Messages<PreviewFailed>>().drain().map(|PreviewFailed(error)| error).collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].code(), Some(animo_shared::ErrorCode::MappingInvalid));
    assert!(failures[0].to_string().contains("Moonwalk"));
    assert_eq!(app.world().resource::<Avatar>().mapping, before);
}

/// The local transforms of every animated node, by name.
fn pose(app: &mut App) -> Vec<(String, Transform)> {
    let mut query = app.world_mut().query_filtered::<(&Name, &Transform), With<bevy::animation::AnimatedBy>>();
    let mut pose: Vec<(String, Transform)> =
        query.iter(app.world()).map(|(name, transform)| (name.to_string(), *transform)).collect();
    pose.sort_by(|a, b| a.0.cmp(&b.0));
    pose
}

fn moved(a: &[(String, Transform)], b: &[(String, Transform)]) -> usize {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .filter(|((_, a), (_, b))| {
            a.rotation.angle_between(b.rotation) > 0.05 || a.translation.distance(b.translation) > 0.01
        })
        .count()
}

#[test]
fn slots_move_the_skeleton() {
    let mut app = preview(ROBOT, None);
    seconds(&mut app, 1.0);
    let idle = pose(&mut app);
    assert!(idle.len() > 10, "the robot has animated bones: {}", idle.len());
    play(&mut app, Slot::Greeting);
    seconds(&mut app, 1.0);
    let waving = pose(&mut app);
    let changed = moved(&idle, &waving);
    assert!(changed >= 3, "waving moves the arm: {changed} nodes moved");
}
