//! `cargo xtask demo-avatar`: Animo's own demo avatar, a little box robot with
//! a skeleton, a face with morph targets and one animation per slot, written
//! as a GLB that Bevy's glTF loader and three.js's `GLTFLoader` both read.
//!
//! The file is committed so that the server, the widget and the preview can
//! use it without running this generator, and a test fails when it is stale.
//! Generating it is deterministic down to the byte: no clocks, no hash maps,
//! JSON from structs, and our own sine and cosine (see `math`).
//!
//! The file holds, in order: the joints' nodes (`root` → `hips` → `spine` →
//! `neck` → `head`; `spine` → `shoulder.L` → `upper_arm.L` → `forearm.L` and
//! the same on the right; `hips` → `thigh.L` and `thigh.R`), then the two
//! skinned mesh nodes, `animo_body` and `animo_head`, which sit at the root of
//! the scene as glTF recommends. The head's mesh carries the morph targets
//! `Smile`, `Frown`, `Surprise` and `Blink`.
//!
//! The clips animate only the skeleton, never the morph weights: Bevy gives
//! each animated root node its own `AnimationPlayer`, so a clip that also
//! drove the head mesh node (a second root) would be split between two
//! players. Expressions are the mapping's job (`SlotBinding::expression`),
//! which is what the suggested mapping proposes from the target names.

mod body;
mod clips;
mod gltf;
mod math;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use body::{Joint, Paint, Piece};
use clips::{CLIPS, Clip};
use gltf::{BinBuilder, Usage};

/// Where the generated avatar is committed.
pub fn output_path(root: &Path) -> PathBuf {
    root.join("runtime-server/assets/demo-avatar.glb")
}

/// Writes the avatar, leaving the file untouched when it is already fresh.
pub fn write(root: &Path) -> Result<()> {
    let path = output_path(root);
    let shown = relative(root, &path);
    let glb = generate();
    if is_fresh(&path, &glb)? {
        println!("demo-avatar: {shown} is up to date ({} bytes)", glb.len());
        return Ok(());
    }
    let dir = path.parent().expect("the avatar sits in a folder");
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", relative(root, dir)))?;
    fs::write(&path, &glb).with_context(|| format!("could not write {shown}"))?;
    println!("demo-avatar: wrote {shown} ({} bytes)", glb.len());
    Ok(())
}

/// Fails when the committed avatar differs from what `write` would put there.
pub fn check(root: &Path) -> Result<()> {
    let path = output_path(root);
    if !is_fresh(&path, &generate())? {
        bail!("{}", stale_message(root));
    }
    println!("demo-avatar: {} is up to date", relative(root, &path));
    Ok(())
}

fn stale_message(root: &Path) -> String {
    format!(
        "{} is stale or missing: it differs from what the generator in xtask/src/demo_avatar/ produces; \
         run `cargo xtask demo-avatar` and commit the result",
        relative(root, &output_path(root))
    )
}

fn is_fresh(path: &Path, glb: &[u8]) -> Result<bool> {
    match fs::read(path) {
        Ok(current) => Ok(current == glb),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error).with_context(|| format!("could not read {}", path.display())),
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// The avatar's GLB bytes.
pub fn generate() -> Vec<u8> {
    let mut bin = BinBuilder::default();

    let mut nodes: Vec<gltf::Node> = Joint::ALL
        .iter()
        .map(|&joint| gltf::Node {
            name: joint.name(),
            children: Joint::ALL
                .iter()
                .filter(|child| child.parent() == Some(joint))
                .map(|child| child.index())
                .collect(),
            translation: (joint.offset() != [0.0; 3]).then(|| joint.offset()),
            mesh: None,
            skin: None,
        })
        .collect();

    let inverse_binds: Vec<[f32; 16]> =
        Joint::ALL.iter().map(|joint| math::inverse_bind_matrix(joint.bind_position())).collect();
    let skin = gltf::Skin {
        name: "animo_skeleton",
        inverse_bind_matrices: bin.floats(&inverse_binds, Usage::Other, false),
        skeleton: Joint::Root.index(),
        joints: Joint::ALL.iter().map(|joint| joint.index()).collect(),
    };

    let mut meshes = Vec::new();
    for piece in Piece::ALL {
        meshes.push(mesh(&mut bin, piece));
        nodes.push(gltf::Node {
            name: piece.name(),
            children: Vec::new(),
            translation: None,
            mesh: Some(meshes.len() - 1),
            skin: Some(0),
        });
    }
    let mesh_nodes = Joint::ALL.len()..nodes.len();

    // Joints a clip leaves at rest all share these two outputs.
    let identity = [0.0, 0.0, 0.0, 1.0];
    let rest_hips = Joint::Hips.offset();
    let at_rest = AtRest {
        rotation: bin.floats(&[identity, identity], Usage::Other, false),
        hips: bin.floats(&[rest_hips, rest_hips], Usage::Other, false),
    };
    let animations = CLIPS.iter().map(|clip| animation(&mut bin, clip, &at_rest)).collect();

    let materials = Paint::ALL
        .iter()
        .map(|paint| {
            let (base_color_factor, metallic_factor, roughness_factor) = paint.factors();
            gltf::Material {
                name: paint.name(),
                pbr_metallic_roughness: gltf::PbrMetallicRoughness {
                    base_color_factor,
                    metallic_factor,
                    roughness_factor,
                },
            }
        })
        .collect();

    let (accessors, buffer_views, bin) = bin.finish();
    let document = gltf::Document {
        asset: gltf::Asset { version: "2.0", generator: "Animo demo-avatar generator" },
        scene: 0,
        scenes: vec![gltf::Scene {
            name: "animo_demo_avatar",
            nodes: std::iter::once(Joint::Root.index()).chain(mesh_nodes).collect(),
        }],
        nodes,
        meshes,
        materials,
        skins: vec![skin],
        animations,
        accessors,
        buffer_views,
        buffers: vec![gltf::Buffer { byte_length: bin.len() }],
    };
    let json = serde_json::to_vec(&document).expect("the glTF document serializes");
    gltf::glb(&json, &bin)
}

fn mesh(bin: &mut BinBuilder, piece: Piece) -> gltf::Mesh {
    let primitives = body::primitives(piece)
        .into_iter()
        .map(|(paint, geometry)| gltf::Primitive {
            attributes: gltf::Attributes {
                position: bin.floats(&geometry.positions, Usage::Vertex, true),
                normal: bin.floats(&geometry.normals, Usage::Vertex, false),
                joints: bin.joints(&geometry.joints),
                weights: bin.floats(&geometry.weights, Usage::Vertex, false),
            },
            indices: bin.indices(&geometry.indices),
            material: paint.index(),
            targets: geometry
                .targets
                .iter()
                .map(|displacements| gltf::MorphTarget { position: bin.floats(displacements, Usage::Vertex, true) })
                .collect(),
        })
        .collect();
    let expressions = piece.expressions();
    gltf::Mesh {
        name: piece.name(),
        primitives,
        weights: vec![0.0; expressions.len()],
        extras: (!expressions.is_empty()).then(|| gltf::MeshExtras {
            target_names: expressions.iter().map(|expression| expression.name()).collect(),
        }),
    }
}

/// Two-key outputs that hold a joint at rest.
#[derive(Debug)]
struct AtRest {
    /// The identity rotation, twice.
    rotation: usize,
    /// The hips' rest translation, twice.
    hips: usize,
}

/// One clip as an animation that sets every joint below the root (and the
/// hips' translation) all the way through.
///
/// Joints a clip leaves at rest still get a two-key channel holding them
/// there: Bevy's player leaves a joint where the last clip put it when the
/// next clip does not animate it, so every clip must be a whole pose.
fn animation(bin: &mut BinBuilder, clip: &Clip, at_rest: &AtRest) -> gltf::Animation {
    let times: Vec<f32> = clip.keys.iter().map(|key| key.time).collect();
    let keyed = bin.times(&times);
    let held = bin.times(&[0.0, clip.duration()]);

    let mut channels = Vec::new();
    let mut samplers = Vec::new();
    let mut add = |node: Joint, path: &'static str, input: usize, output: usize| {
        channels
            .push(gltf::Channel { sampler: samplers.len(), target: gltf::ChannelTarget { node: node.index(), path } });
        samplers.push(gltf::Sampler { input, interpolation: "LINEAR", output });
    };

    let rest_hips = Joint::Hips.offset();
    if clip.lifts() {
        let positions: Vec<[f32; 3]> = clip
            .keys
            .iter()
            .map(|key| [rest_hips[0] + key.lift[0], rest_hips[1] + key.lift[1], rest_hips[2] + key.lift[2]])
            .collect();
        add(Joint::Hips, "translation", keyed, bin.floats(&positions, Usage::Other, false));
    } else {
        add(Joint::Hips, "translation", held, at_rest.hips);
    }
    for joint in Joint::ALL.into_iter().filter(|&joint| joint != Joint::Root) {
        if clip.moves(joint) {
            let rotations: Vec<[f32; 4]> = clip.turns(joint).into_iter().map(math::quat_from_turn).collect();
            add(joint, "rotation", keyed, bin.floats(&rotations, Usage::Other, false));
        } else {
            add(joint, "rotation", held, at_rest.rotation);
        }
    }
    gltf::Animation { name: clip.slot.name(), channels, samplers }
}

#[cfg(test)]
mod tests;
