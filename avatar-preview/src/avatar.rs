//! Loading an avatar: bytes in, a spawned scene with an animation graph of
//! all its clips out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use animo_shared::avatar::inspect::{InspectLimits, InspectionReport, inspect_glb};
use animo_shared::avatar::mapping::AnimationMapping;
use animo_shared::avatar::suggest::suggest_mapping;
use bevy::asset::io::embedded::EmbeddedAssetRegistry;
use bevy::asset::{LoadState, RecursiveDependencyLoadState};
use bevy::gltf::Gltf;
use bevy::mesh::morph::MorphWeights;
use bevy::prelude::*;
use bevy::world_serialization::{WorldAssetRoot, WorldInstanceReady};

use crate::error::PreviewError;
use crate::expression::MorphTargets;

/// Asks the preview to show an avatar, replacing the one it shows.
#[derive(Message, Debug, Clone)]
pub struct LoadAvatar {
    /// The GLB file's bytes.
    pub glb: Arc<[u8]>,
    /// How the avatar plays the slots; `None` uses the mapping suggested from
    /// its clip names.
    pub mapping: Option<AnimationMapping>,
}

/// Replaces the mapping of the avatar shown. A mapping that names clips or
/// morph targets the avatar lacks is refused with [`PreviewFailed`].
#[derive(Message, Debug, Clone)]
pub struct SetMapping(pub AnimationMapping);

/// The avatar is on screen and its clips can play.
#[derive(Message, Debug, Clone)]
pub struct AvatarReady;

/// Something the preview was asked failed.
#[derive(Message, Debug, Clone)]
pub struct PreviewFailed(pub PreviewError);

/// The avatar being shown: what inspection found and its bindings to Bevy.
#[derive(Resource, Debug)]
pub struct Avatar {
    /// The inspection report of the GLB.
    pub report: InspectionReport,
    /// The mapping the slots play through.
    pub mapping: AnimationMapping,
    gltf: Handle<Gltf>,
    graph: Option<ClipGraph>,
    root: Option<Entity>,
    ready: bool,
}

impl Avatar {
    /// Whether the scene is spawned and its animation players are set up.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// The graph of the avatar's clips, once the GLB has loaded.
    pub fn graph(&self) -> Option<&ClipGraph> {
        self.graph.as_ref()
    }

    /// The entity the avatar's scene is spawned under.
    pub fn root(&self) -> Option<Entity> {
        self.root
    }
}

/// The animation graph of an avatar: one clip node per clip of the GLB.
#[derive(Debug, Clone)]
pub struct ClipGraph {
    /// The graph asset given to every animation player of the avatar.
    pub handle: Handle<AnimationGraph>,
    /// Each clip's name (as inspection reports it) and its node, in file order.
    pub clips: Vec<(String, AnimationNodeIndex)>,
}

impl ClipGraph {
    /// The node that plays the clip called `name`.
    pub fn node(&self, name: &str) -> Option<AnimationNodeIndex> {
        self.clips.iter().find(|(clip, _)| clip == name).map(|(_, node)| *node)
    }
}

/// Marks the entity the avatar's scene is spawned under.
#[derive(Component, Debug)]
pub struct AvatarRoot;

/// Counts loads so that each avatar gets its own asset path: the asset
/// server caches by path, and a second avatar must not be served the first.
#[derive(Resource, Debug, Default)]
pub(crate) struct LoadCounter(u64);

/// Inspects the GLB and checks the mapping, returning the report and the
/// mapping to use.
pub fn prepare(
    glb: &[u8],
    mapping: Option<AnimationMapping>,
) -> Result<(InspectionReport, AnimationMapping), PreviewError> {
    let report = inspect_glb(glb, &InspectLimits::default()).map_err(PreviewError::Inspect)?;
    let mapping = match mapping {
        Some(mapping) => {
            check_mapping(&report, &mapping)?;
            mapping
        }
        None => suggest_mapping(&report.clip_names(), &report.morph_target_names()).mapping,
    };
    Ok((report, mapping))
}

/// Checks that `mapping` names only clips and morph targets the avatar has.
pub fn check_mapping(report: &InspectionReport, mapping: &AnimationMapping) -> Result<(), PreviewError> {
    mapping.validate(&report.clip_names(), &report.morph_target_names(), false).map_err(PreviewError::Mapping)
}

pub(crate) fn start_loading(
    mut requests: MessageReader<LoadAvatar>,
    mut failures: MessageWriter<PreviewFailed>,
    mut commands: Commands,
    registry: Res<EmbeddedAssetRegistry>,
    asset_server: Res<AssetServer>,
    mut counter: ResMut<LoadCounter>,
    current: Option<Res<Avatar>>,
) {
    // Only the newest request matters when several arrive in one frame.
    let Some(request) = requests.read().last() else {
        return;
    };
    let (report, mapping) = match prepare(&request.glb, request.mapping.clone()) {
        Ok(prepared) => prepared,
        Err(error) => {
            failures.write(PreviewFailed(error));
            return;
        }
    };
    if let Some(root) = current.as_ref().and_then(|avatar| avatar.root) {
        commands.entity(root).despawn();
    }
    counter.0 += 1;
    let path = format!("animo/avatar-{}.glb", counter.0);
    registry.insert_asset(PathBuf::from(&path), Path::new(&path), request.glb.to_vec());
    let gltf = asset_server.load(format!("embedded://{path}"));
    commands.insert_resource(Avatar { report, mapping, gltf, graph: None, root: None, ready: false });
}

pub(crate) fn finish_loading(
    mut commands: Commands,
    avatar: Option<ResMut<Avatar>>,
    asset_server: Res<AssetServer>,
    gltfs: Res<Assets<Gltf>>,
    mut graphs: ResMut<Assets<AnimationGraph>>,
    mut failures: MessageWriter<PreviewFailed>,
) {
    let Some(mut avatar) = avatar else {
        return;
    };
    if avatar.graph.is_some() {
        return;
    }
    if let LoadState::Failed(error) = asset_server.load_state(&avatar.gltf) {
        failures.write(PreviewFailed(PreviewError::Load(error.to_string())));
        commands.remove_resource::<Avatar>();
        return;
    }
    if let RecursiveDependencyLoadState::Failed(error) = asset_server.recursive_dependency_load_state(&avatar.gltf) {
        failures.write(PreviewFailed(PreviewError::Load(error.to_string())));
        commands.remove_resource::<Avatar>();
        return;
    }
    if !asset_server.is_loaded_with_dependencies(&avatar.gltf) {
        return;
    }
    let Some(gltf) = gltfs.get(&avatar.gltf) else {
        return;
    };
    let Some(scene) = gltf.default_scene.clone().or_else(|| gltf.scenes.first().cloned()) else {
        failures.write(PreviewFailed(PreviewError::Load("the GLB has no scene".to_owned())));
        commands.remove_resource::<Avatar>();
        return;
    };
    if gltf.animations.len() != avatar.report.clips.len() {
        failures.write(PreviewFailed(PreviewError::Load(format!(
            "the loader found {} clips where inspection found {}",
            gltf.animations.len(),
            avatar.report.clips.len()
        ))));
        commands.remove_resource::<Avatar>();
        return;
    }

    // Clips are named as inspection names them (unnamed ones `clip_<index>`),
    // which is how mappings refer to them; both list them in file order.
    let (graph, nodes) = AnimationGraph::from_clips(gltf.animations.iter().cloned());
    let clips = avatar.report.clips.iter().map(|clip| clip.name.clone()).zip(nodes).collect();
    avatar.graph = Some(ClipGraph { handle: graphs.add(graph), clips });

    let root = commands.spawn((AvatarRoot, Name::new("avatar"), WorldAssetRoot(scene), Transform::default())).id();
    commands.entity(root).observe(set_up_scene);
    avatar.root = Some(root);
}

/// Gives every animation player of the spawned scene the clip graph and a
/// transitions component, and records the morph targets of every mesh that
/// has them.
fn set_up_scene(
    ready: On<WorldInstanceReady>,
    mut commands: Commands,
    avatar: Option<ResMut<Avatar>>,
    children: Query<&Children>,
    players: Query<(), With<AnimationPlayer>>,
    morphs: Query<&MorphWeights>,
    meshes: Res<Assets<Mesh>>,
    mut ready_messages: MessageWriter<AvatarReady>,
) {
    let Some(mut avatar) = avatar else {
        return;
    };
    if avatar.root != Some(ready.entity) {
        return;
    }
    let Some(graph) = avatar.graph.clone() else {
        return;
    };
    for entity in children.iter_descendants(ready.entity) {
        if players.contains(entity) {
            commands.entity(entity).insert((AnimationGraphHandle(graph.handle.clone()), AnimationTransitions::new()));
        }
        if let Ok(weights) = morphs.get(entity) {
            let names =
                weights.first_mesh().and_then(|mesh| meshes.get(mesh)).and_then(|mesh| mesh.morph_target_names());
            if let Some(names) = names {
                commands.entity(entity).insert(MorphTargets::new(names.to_vec(), weights.weights().to_vec()));
            }
        }
    }
    avatar.ready = true;
    ready_messages.write(AvatarReady);
}

pub(crate) fn set_mapping(
    mut requests: MessageReader<SetMapping>,
    avatar: Option<ResMut<Avatar>>,
    mut failures: MessageWriter<PreviewFailed>,
) {
    let Some(mut avatar) = avatar else {
        return;
    };
    for SetMapping(mapping) in requests.read() {
        match check_mapping(&avatar.report, mapping) {
            Ok(()) => avatar.mapping = mapping.clone(),
            Err(error) => {
                failures.write(PreviewFailed(error));
            }
        }
    }
}
