//! GLB inspection: what an uploaded avatar contains, read from its bytes alone.
//!
//! [`inspect_glb`] reads a binary glTF (`.glb`) without any glTF crate: the
//! 12-byte header, the chunks, the JSON chunk through serde, and only the few
//! bytes of the BIN chunk it needs (image headers, and animation key times when
//! an accessor lacks its `max`). It checks that every reference and byte range
//! is consistent, refuses the extensions the preview cannot load, fills an
//! [`InspectionReport`], and holds the report against [`InspectLimits`].
//!
//! The input is an untrusted upload, so the parser never panics: every slice
//! goes through `get`, every offset through checked arithmetic, counts are
//! checked against the bytes that back them before anything is sized by them,
//! and the node hierarchy is walked with an explicit stack after a cycle check.
//!
//! Approximations, chosen because the report is a summary for people and for
//! limits, not a renderer:
//! - Counts (`meshes`, `primitives`, `triangles`, `vertices`) are per mesh as
//!   stored, not per instance: a mesh used by two nodes counts once.
//! - `bounds` transforms the corners of each `POSITION` accessor's `min`/`max`
//!   box by its node's global transform in the default scene, so it can be
//!   looser than the true box of the vertices. Skinned meshes use their node's
//!   transform too (the renderer ignores it and poses them with their joints),
//!   morph targets are ignored, and primitives whose `POSITION` lacks `min`/`max`
//!   do not contribute.
//! - Names are what the file says; an unnamed mesh is called `mesh_<index>`, an
//!   unnamed clip `clip_<index>`, an unnamed node `node_<index>` and an unnamed
//!   morph target `target_<index>`, with indices as in the file.

// The parser reads untrusted bytes: these lints turn a would-be panic into a
// build failure rather than a crash at upload time.
#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// How big an avatar may be. The server derives one from the tenant's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectLimits {
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// The most triangles over all meshes.
    pub max_triangles: u64,
    /// The most vertices (`POSITION` elements) over all meshes.
    pub max_vertices: u64,
    /// The most joints in any one skin.
    pub max_joints: u32,
    /// The largest width or height of an embedded PNG or JPEG image, in pixels.
    pub max_texture_dimension: u32,
    /// The most animation clips.
    pub max_clips: u32,
}

impl Default for InspectLimits {
    /// Generous limits that only stop files no browser should be asked to show.
    fn default() -> Self {
        Self {
            max_file_bytes: 50 * 1024 * 1024,
            max_triangles: 500_000,
            max_vertices: 500_000,
            max_joints: 256,
            max_texture_dimension: 8192,
            max_clips: 200,
        }
    }
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectError {
    /// One of [`ErrorCode::NotGlb`], [`ErrorCode::GltfVersionUnsupported`],
    /// [`ErrorCode::GlbCorrupt`], [`ErrorCode::GltfExtensionUnsupported`] and
    /// [`ErrorCode::AvatarTooComplex`].
    pub code: ErrorCode,
    /// What is wrong, in a sentence for the person who uploaded the file.
    pub message: String,
    /// For [`ErrorCode::AvatarTooComplex`], the field of [`InspectLimits`] that
    /// was exceeded, such as `max_triangles`.
    pub limit: Option<String>,
}

impl InspectError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), limit: None }
    }

    fn corrupt(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::GlbCorrupt, message)
    }

    fn too_complex(limit: &str, message: impl Into<String>) -> Self {
        Self { code: ErrorCode::AvatarTooComplex, message: message.into(), limit: Some(limit.to_owned()) }
    }
}

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InspectError {}

/// What an avatar file contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionReport {
    /// The file's size in bytes.
    pub file_bytes: u64,
    /// The tool that wrote the file (`asset.generator`), if it says.
    pub generator: Option<String>,
    /// The animation clips, in file order.
    pub clips: Vec<ClipInfo>,
    /// The meshes that have morph targets, in file order.
    pub morph_targets: Vec<MeshMorphTargets>,
    /// The skins, in file order.
    pub skins: Vec<SkinInfo>,
    /// How many meshes the file defines.
    pub meshes: u32,
    /// How many primitives (draw calls) those meshes have.
    pub primitives: u32,
    /// Triangles over all primitives; points and lines count none.
    pub triangles: u64,
    /// Vertices (`POSITION` elements) over all primitives.
    pub vertices: u64,
    /// The images.
    pub textures: TextureInfo,
    /// The default scene's bounding box, when it has geometry with a known extent.
    pub bounds: Option<Bounds>,
    /// The bounding box's height (`max[1] - min[1]`), in the file's units (metres, by glTF convention).
    pub height: Option<f32>,
    /// `extensionsUsed`, sorted.
    pub extensions_used: Vec<String>,
    /// `extensionsRequired`, sorted; all of them are in [`SUPPORTED_REQUIRED_EXTENSIONS`].
    pub extensions_required: Vec<String>,
}

impl InspectionReport {
    /// The clips' names, in file order.
    pub fn clip_names(&self) -> Vec<String> {
        self.clips.iter().map(|clip| clip.name.clone()).collect()
    }

    /// Every morph target's name over all meshes, sorted, each once.
    pub fn morph_target_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.morph_targets.iter().flat_map(|mesh| mesh.targets.iter().cloned()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// An animation clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClipInfo {
    /// The clip's name, or `clip_<index>` when it has none.
    pub name: String,
    /// The latest key time over its samplers, in seconds.
    pub duration_secs: f32,
    /// How many channels (animated node properties) it has.
    pub channels: u32,
    /// The names of the nodes it animates (bones, mostly), sorted, each once.
    pub targeted_joints: Vec<String>,
}

/// The morph targets (blend shapes) of one mesh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeshMorphTargets {
    /// The mesh's name, or `mesh_<index>` when it has none.
    pub mesh: String,
    /// The targets' names from the mesh's `extras.targetNames` (the convention
    /// of Blender's exporter and most others), or `target_<index>` when absent.
    pub targets: Vec<String>,
}

/// A skin (skeleton binding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkinInfo {
    /// The skin's name, if it has one.
    pub name: Option<String>,
    /// How many joints it binds.
    pub joints: u32,
}

/// The images a file carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextureInfo {
    /// How many images, embedded or referenced by URI.
    pub count: u32,
    /// The largest width or height over the embedded PNG and JPEG images, in pixels.
    pub largest_dimension: Option<u32>,
    /// The images' media types, sorted, each once.
    pub formats: Vec<String>,
}

/// An axis-aligned bounding box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bounds {
    /// The lowest x, y and z.
    pub min: [f32; 3],
    /// The highest x, y and z.
    pub max: [f32; 3],
}

/// The extensions a file may list in `extensionsRequired`.
///
/// These are the extensions that the `gltf` crate validates as supported with
/// the features `bevy_gltf` enables, so a file that passes here also passes
/// the preview's loader. Geometry compression (`KHR_draco_mesh_compression`,
/// `EXT_meshopt_compression`) and GPU texture formats (`KHR_texture_basisu`)
/// are absent on purpose: the preview cannot decode them. Extensions that are
/// only *used* never matter, as a loader may ignore them.
pub const SUPPORTED_REQUIRED_EXTENSIONS: &[&str] = &[
    "KHR_lights_punctual",
    "KHR_materials_emissive_strength",
    "KHR_materials_ior",
    "KHR_materials_transmission",
    "KHR_materials_unlit",
    "KHR_texture_transform",
];

/// Reads a GLB file and says what it contains, or why it cannot be used.
///
/// # Errors
///
/// [`ErrorCode::NotGlb`] when the bytes are not a GLB (a `.gltf` JSON file
/// included), [`ErrorCode::GltfVersionUnsupported`] for anything but glTF 2.0,
/// [`ErrorCode::GlbCorrupt`] when the container, the JSON or a reference or
/// byte range in it is inconsistent, [`ErrorCode::GltfExtensionUnsupported`]
/// when it requires an extension outside [`SUPPORTED_REQUIRED_EXTENSIONS`], and
/// [`ErrorCode::AvatarTooComplex`] when it exceeds `limits`.
pub fn inspect_glb(bytes: &[u8], limits: &InspectLimits) -> Result<InspectionReport, InspectError> {
    let file_bytes = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if file_bytes > limits.max_file_bytes {
        return Err(InspectError::too_complex(
            "max_file_bytes",
            format!("The file is {file_bytes} bytes; the limit is {} bytes.", limits.max_file_bytes),
        ));
    }
    let container = read_container(bytes)?;
    let root = read_json(container.json)?;
    check_version(&root)?;
    check_required_extensions(&root.extensions_required)?;
    let buffers = buffer_data(&root, container.bin)?;
    check_buffer_views(&root)?;
    check_accessors(&root)?;
    let hierarchy = Hierarchy::new(&root)?;

    let geometry = geometry(&root)?;
    let skins = skins(&root)?;
    let clips = clips(&root, &buffers)?;
    let textures = textures(&root, &buffers)?;
    let bounds = hierarchy.bounds(&root);

    let report = InspectionReport {
        file_bytes,
        generator: root.asset.as_ref().and_then(|asset| asset.generator.clone()),
        clips,
        morph_targets: geometry.morph_targets,
        skins,
        meshes: count_u32(root.meshes.len()),
        primitives: geometry.primitives,
        triangles: geometry.triangles,
        vertices: geometry.vertices,
        textures,
        bounds: bounds.map(|(bounds, _)| bounds),
        height: bounds.map(|(_, height)| height),
        extensions_used: sorted_unique(&root.extensions_used),
        extensions_required: sorted_unique(&root.extensions_required),
    };
    check_limits(&report, limits)?;
    Ok(report)
}

// ---------------------------------------------------------------------------
// The container

const GLB_MAGIC: &[u8; 4] = b"glTF";
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;
const HEADER_BYTES: usize = 12;
const CHUNK_HEADER_BYTES: usize = 8;

struct Container<'a> {
    json: &'a [u8],
    bin: Option<&'a [u8]>,
}

fn read_u32_le(bytes: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let word: [u8; 4] = bytes.get(offset..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

fn read_container(bytes: &[u8]) -> Result<Container<'_>, InspectError> {
    if bytes.get(..4) != Some(GLB_MAGIC.as_slice()) {
        return Err(not_glb(bytes));
    }
    let (Some(version), Some(length)) = (read_u32_le(bytes, 4), read_u32_le(bytes, 8)) else {
        return Err(InspectError::corrupt("The file ends inside the 12-byte GLB header."));
    };
    if version != 2 {
        return Err(InspectError::new(
            ErrorCode::GltfVersionUnsupported,
            format!("The file is a version {version} GLB; only glTF 2.0 is supported."),
        ));
    }
    if usize::try_from(length).ok() != Some(bytes.len()) {
        return Err(InspectError::corrupt(format!(
            "The GLB header says the file is {length} bytes long, but it is {} bytes; it may be truncated.",
            bytes.len()
        )));
    }

    let mut json = None;
    let mut bin = None;
    let mut offset = HEADER_BYTES;
    let mut index = 0_u32;
    while offset < bytes.len() {
        let (Some(chunk_length), Some(chunk_type)) =
            (read_u32_le(bytes, offset), offset.checked_add(4).and_then(|at| read_u32_le(bytes, at)))
        else {
            return Err(InspectError::corrupt(format!("The file ends inside the header of chunk {index}.")));
        };
        let start = offset.saturating_add(CHUNK_HEADER_BYTES);
        let data = usize::try_from(chunk_length)
            .ok()
            .and_then(|length| start.checked_add(length))
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| {
                InspectError::corrupt(format!(
                    "Chunk {index} claims {chunk_length} bytes, but only {} remain in the file.",
                    bytes.len().saturating_sub(start)
                ))
            })?;
        match (index, chunk_type) {
            (0, CHUNK_JSON) => json = Some(data),
            (0, _) => return Err(InspectError::corrupt("The first chunk of the GLB is not its JSON chunk.")),
            (1, CHUNK_BIN) => bin = Some(data),
            (_, CHUNK_JSON) => return Err(InspectError::corrupt("The GLB has more than one JSON chunk.")),
            (_, CHUNK_BIN) => {
                return Err(InspectError::corrupt("The GLB's BIN chunk is not the one right after its JSON chunk."));
            }
            // The specification asks readers to skip chunk types they do not know.
            _ => {}
        }
        offset = start.saturating_add(data.len());
        index = index.saturating_add(1);
    }
    let json = json.ok_or_else(|| InspectError::corrupt("The GLB has no JSON chunk."))?;
    Ok(Container { json, bin })
}

fn not_glb(bytes: &[u8]) -> InspectError {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    let first = text.iter().find(|byte| !byte.is_ascii_whitespace());
    let message = if bytes.is_empty() {
        "The file is empty; export the avatar as glTF Binary (.glb)."
    } else if first == Some(&b'{') {
        "This is a glTF JSON file (.gltf), which keeps its buffers and textures in separate files; \
         export the avatar as glTF Binary (.glb) instead."
    } else {
        "The file is not a binary glTF: it does not start with \"glTF\"; export the avatar as glTF Binary (.glb)."
    };
    InspectError::new(ErrorCode::NotGlb, message)
}

// ---------------------------------------------------------------------------
// The JSON chunk: only the parts the report needs. Unknown fields are ignored,
// as glTF is extensible; missing required fields and wrong types are refused.

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Root {
    asset: Option<Asset>,
    extensions_used: Vec<String>,
    extensions_required: Vec<String>,
    buffers: Vec<Buffer>,
    buffer_views: Vec<BufferView>,
    accessors: Vec<Accessor>,
    meshes: Vec<Mesh>,
    nodes: Vec<Node>,
    scenes: Vec<Scene>,
    scene: Option<u32>,
    skins: Vec<Skin>,
    animations: Vec<Animation>,
    images: Vec<Image>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Asset {
    version: String,
    #[serde(default)]
    min_version: Option<String>,
    #[serde(default)]
    generator: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Buffer {
    byte_length: u64,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BufferView {
    buffer: u32,
    #[serde(default)]
    byte_offset: u64,
    byte_length: u64,
    #[serde(default)]
    byte_stride: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accessor {
    #[serde(default)]
    buffer_view: Option<u32>,
    #[serde(default)]
    byte_offset: u64,
    component_type: u32,
    count: u64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    min: Option<Vec<f64>>,
    #[serde(default)]
    max: Option<Vec<f64>>,
    #[serde(default)]
    sparse: Option<Sparse>,
}

#[derive(Debug, Deserialize)]
struct Sparse {
    count: u64,
    indices: SparseIndices,
    values: SparseValues,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SparseIndices {
    buffer_view: u32,
    #[serde(default)]
    byte_offset: u64,
    component_type: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SparseValues {
    buffer_view: u32,
    #[serde(default)]
    byte_offset: u64,
}

#[derive(Debug, Deserialize)]
struct Mesh {
    #[serde(default)]
    name: Option<String>,
    primitives: Vec<Primitive>,
    #[serde(default)]
    extras: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Primitive {
    attributes: BTreeMap<String, u32>,
    #[serde(default)]
    indices: Option<u32>,
    #[serde(default)]
    mode: Option<u32>,
    #[serde(default)]
    targets: Vec<BTreeMap<String, u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Node {
    name: Option<String>,
    children: Vec<u32>,
    mesh: Option<u32>,
    skin: Option<u32>,
    matrix: Option<[f64; 16]>,
    translation: Option<[f64; 3]>,
    rotation: Option<[f64; 4]>,
    scale: Option<[f64; 3]>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Scene {
    nodes: Vec<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Skin {
    #[serde(default)]
    name: Option<String>,
    joints: Vec<u32>,
    #[serde(default)]
    inverse_bind_matrices: Option<u32>,
    #[serde(default)]
    skeleton: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Animation {
    #[serde(default)]
    name: Option<String>,
    channels: Vec<Channel>,
    samplers: Vec<AnimationSampler>,
}

#[derive(Debug, Deserialize)]
struct Channel {
    sampler: u32,
    target: ChannelTarget,
}

#[derive(Debug, Deserialize)]
struct ChannelTarget {
    #[serde(default)]
    node: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct AnimationSampler {
    input: u32,
    output: u32,
}

/// An image; one with a `uri` instead of a `bufferView` is counted but not read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Image {
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    buffer_view: Option<u32>,
}

fn read_json(json: &[u8]) -> Result<Root, InspectError> {
    // Exporters pad the chunk with spaces (as specified) or, wrongly, with NULs.
    let end = json.iter().rposition(|&byte| byte != b' ' && byte != 0).map_or(0, |last| last.saturating_add(1));
    let json = json.get(..end).unwrap_or_default();
    let json = json.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(json);
    serde_json::from_slice(json).map_err(|error| {
        // glTF 1.0 is shaped differently (objects by id rather than arrays), so
        // its JSON fails above; say which version it is rather than "corrupt".
        #[derive(Deserialize)]
        struct VersionOnly {
            asset: Asset,
        }
        match serde_json::from_slice::<VersionOnly>(json) {
            Ok(VersionOnly { asset }) if asset.version.split('.').next() != Some("2") => InspectError::new(
                ErrorCode::GltfVersionUnsupported,
                format!("The file is glTF {}; only glTF 2.0 is supported.", asset.version),
            ),
            _ => InspectError::corrupt(format!("The GLB's JSON chunk is not valid glTF: {error}.")),
        }
    })
}

/// Looks up `items[index]` for an index read from the file.
fn item<T>(items: &[T], index: u32) -> Option<&T> {
    items.get(usize::try_from(index).ok()?)
}

fn missing(what: &str, index: u32, referrer: &str) -> InspectError {
    InspectError::corrupt(format!("{referrer} refers to {what} {index}, which does not exist."))
}

fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

fn sorted_unique(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

// ---------------------------------------------------------------------------
// Version and extensions

fn check_version(root: &Root) -> Result<(), InspectError> {
    let asset = root.asset.as_ref().ok_or_else(|| InspectError::corrupt("The glTF JSON has no \"asset\" object."))?;
    let unsupported = |version: &str| {
        InspectError::new(
            ErrorCode::GltfVersionUnsupported,
            format!("The file is glTF {version}; only glTF 2.0 is supported."),
        )
    };
    if asset.version.split('.').next() != Some("2") {
        return Err(unsupported(&asset.version));
    }
    if let Some(min_version) = &asset.min_version
        && min_version != "2.0"
    {
        return Err(unsupported(min_version));
    }
    Ok(())
}

fn check_required_extensions(required: &[String]) -> Result<(), InspectError> {
    let unsupported: Vec<&str> =
        required.iter().map(String::as_str).filter(|name| !SUPPORTED_REQUIRED_EXTENSIONS.contains(name)).collect();
    let Some(first) = unsupported.first() else {
        return Ok(());
    };
    let advice = match *first {
        "KHR_draco_mesh_compression" => "its meshes are Draco-compressed; export it without mesh compression",
        "EXT_meshopt_compression" => "its buffers are meshopt-compressed; export it without compression",
        "KHR_texture_basisu" => "its textures are KTX2 (Basis Universal); export PNG or JPEG textures",
        _ => "the preview cannot load that extension; export the avatar without it",
    };
    Err(InspectError::new(
        ErrorCode::GltfExtensionUnsupported,
        format!("The avatar requires {}: {advice}.", unsupported.join(", ")),
    ))
}

// ---------------------------------------------------------------------------
// Buffers, buffer views and accessors

/// The bytes behind each buffer: the BIN chunk for the first buffer without a
/// URI, nothing for buffers with a URI (external files and `data:` URIs are not
/// read; only their declared length is checked against).
fn buffer_data<'a>(root: &Root, bin: Option<&'a [u8]>) -> Result<Vec<Option<&'a [u8]>>, InspectError> {
    let mut data = Vec::with_capacity(root.buffers.len());
    for (index, buffer) in root.buffers.iter().enumerate() {
        if buffer.uri.is_some() {
            data.push(None);
            continue;
        }
        let Some(bin) = bin.filter(|_| index == 0) else {
            return Err(InspectError::corrupt(if index == 0 {
                "Buffer 0 has no URI, so its bytes belong in the GLB's BIN chunk, but the file has none.".to_owned()
            } else {
                format!("Buffer {index} has no URI, but only the first buffer can be stored in the GLB's BIN chunk.")
            }));
        };
        // The BIN chunk may be up to 3 bytes longer than the buffer, for padding.
        let bytes = usize::try_from(buffer.byte_length).ok().and_then(|length| bin.get(..length)).ok_or_else(|| {
            InspectError::corrupt(format!(
                "Buffer 0 declares {} bytes, but the BIN chunk holds {} bytes.",
                buffer.byte_length,
                bin.len()
            ))
        })?;
        data.push(Some(bytes));
    }
    Ok(data)
}

fn check_buffer_views(root: &Root) -> Result<(), InspectError> {
    for (index, view) in root.buffer_views.iter().enumerate() {
        let buffer = item(&root.buffers, view.buffer)
            .ok_or_else(|| missing("buffer", view.buffer, &format!("Buffer view {index}")))?;
        let end = view.byte_offset.checked_add(view.byte_length);
        if end.is_none_or(|end| end > buffer.byte_length) {
            return Err(InspectError::corrupt(format!(
                "Buffer view {index} spans bytes {}+{} of buffer {}, which has only {} bytes.",
                view.byte_offset, view.byte_length, view.buffer, buffer.byte_length
            )));
        }
        if view.byte_stride == Some(0) {
            return Err(InspectError::corrupt(format!("Buffer view {index} has a byte stride of 0.")));
        }
    }
    Ok(())
}

const FLOAT: u32 = 5126;
const UNSIGNED_BYTE: u32 = 5121;
const UNSIGNED_SHORT: u32 = 5123;
const UNSIGNED_INT: u32 = 5125;

fn component_bytes(component_type: u32) -> Option<u64> {
    match component_type {
        5120 | UNSIGNED_BYTE => Some(1),
        5122 | UNSIGNED_SHORT => Some(2),
        UNSIGNED_INT | FLOAT => Some(4),
        _ => None,
    }
}

/// The bytes one element occupies; matrix columns are padded to 4 bytes.
fn element_bytes(kind: &str, component_type: u32) -> Option<u64> {
    let component = component_bytes(component_type)?;
    let (columns, rows) = match kind {
        "SCALAR" => (1, 1),
        "VEC2" => (1, 2),
        "VEC3" => (1, 3),
        "VEC4" => (1, 4),
        "MAT2" => (2, 2),
        "MAT3" => (3, 3),
        "MAT4" => (4, 4),
        _ => return None,
    };
    let column = component.checked_mul(rows)?;
    let column = if columns > 1 { column.checked_next_multiple_of(4)? } else { column };
    column.checked_mul(columns)
}

/// Where an accessor's elements lie in its buffer view.
struct Layout {
    view: u32,
    offset: u64,
    stride: u64,
    element: u64,
}

fn layout(root: &Root, index: usize, accessor: &Accessor) -> Result<Option<Layout>, InspectError> {
    let element = element_bytes(&accessor.kind, accessor.component_type).ok_or_else(|| {
        InspectError::corrupt(format!(
            "Accessor {index} has an invalid type {:?} or component type {}.",
            accessor.kind, accessor.component_type
        ))
    })?;
    let Some(view_index) = accessor.buffer_view else {
        return Ok(None);
    };
    let view = item(&root.buffer_views, view_index)
        .ok_or_else(|| missing("buffer view", view_index, &format!("Accessor {index}")))?;
    let stride = view.byte_stride.unwrap_or(element);
    if stride < element {
        return Err(InspectError::corrupt(format!(
            "Accessor {index} has {element}-byte elements, but buffer view {view_index} has a byte stride of {stride}."
        )));
    }
    let needed = match accessor.count.checked_sub(1) {
        None => Some(accessor.byte_offset),
        Some(last) => last.checked_mul(stride).and_then(|span| span.checked_add(element)),
    }
    .and_then(|span| span.checked_add(accessor.byte_offset));
    if needed.is_none_or(|needed| needed > view.byte_length) {
        return Err(InspectError::corrupt(format!(
            "Accessor {index} claims {} elements from byte {}, more than buffer view {view_index} ({} bytes) holds.",
            accessor.count, accessor.byte_offset, view.byte_length
        )));
    }
    Ok(Some(Layout { view: view_index, offset: accessor.byte_offset, stride, element }))
}

fn check_accessors(root: &Root) -> Result<(), InspectError> {
    for (index, accessor) in root.accessors.iter().enumerate() {
        let element = element_bytes(&accessor.kind, accessor.component_type).unwrap_or(0);
        layout(root, index, accessor)?;
        let Some(sparse) = &accessor.sparse else {
            continue;
        };
        if sparse.count > accessor.count {
            return Err(InspectError::corrupt(format!(
                "Accessor {index} has {} sparse elements but only {} elements.",
                sparse.count, accessor.count
            )));
        }
        let index_bytes = match sparse.indices.component_type {
            UNSIGNED_BYTE | UNSIGNED_SHORT | UNSIGNED_INT => component_bytes(sparse.indices.component_type),
            _ => None,
        }
        .ok_or_else(|| {
            InspectError::corrupt(format!(
                "Accessor {index} has sparse indices of invalid component type {}.",
                sparse.indices.component_type
            ))
        })?;
        for (part, view_index, offset, width) in [
            ("indices", sparse.indices.buffer_view, sparse.indices.byte_offset, index_bytes),
            ("values", sparse.values.buffer_view, sparse.values.byte_offset, element),
        ] {
            let view = item(&root.buffer_views, view_index)
                .ok_or_else(|| missing("buffer view", view_index, &format!("Accessor {index}'s sparse {part}")))?;
            let end = sparse.count.checked_mul(width).and_then(|bytes| bytes.checked_add(offset));
            if end.is_none_or(|end| end > view.byte_length) {
                return Err(InspectError::corrupt(format!(
                    "Accessor {index}'s sparse {part} need more bytes than buffer view {view_index} ({} bytes) holds.",
                    view.byte_length
                )));
            }
        }
    }
    Ok(())
}

/// The bytes of a buffer view, when its buffer's bytes are at hand.
fn view_bytes<'a>(root: &Root, buffers: &[Option<&'a [u8]>], view_index: u32) -> Option<&'a [u8]> {
    let view = item(&root.buffer_views, view_index)?;
    let buffer = (*item(buffers, view.buffer)?)?;
    let start = usize::try_from(view.byte_offset).ok()?;
    let end = start.checked_add(usize::try_from(view.byte_length).ok()?)?;
    buffer.get(start..end)
}

// ---------------------------------------------------------------------------
// Meshes

struct Geometry {
    primitives: u32,
    triangles: u64,
    vertices: u64,
    morph_targets: Vec<MeshMorphTargets>,
}

fn geometry(root: &Root) -> Result<Geometry, InspectError> {
    let mut geometry = Geometry { primitives: 0, triangles: 0, vertices: 0, morph_targets: Vec::new() };
    for (mesh_index, mesh) in root.meshes.iter().enumerate() {
        let mut target_count = 0_usize;
        for (primitive_index, primitive) in mesh.primitives.iter().enumerate() {
            let here = format!("Mesh {mesh_index} primitive {primitive_index}");
            let accessor = |index: u32| item(&root.accessors, index).ok_or_else(|| missing("accessor", index, &here));
            for &index in primitive.attributes.values().chain(primitive.targets.iter().flat_map(BTreeMap::values)) {
                accessor(index)?;
            }
            let positions = primitive.attributes.get("POSITION").map(|&index| accessor(index)).transpose()?;
            if let Some(positions) = positions
                && positions.kind != "VEC3"
            {
                return Err(InspectError::corrupt(format!("{here} has POSITION data that is not VEC3.")));
            }
            let corners = match primitive.indices {
                Some(index) => {
                    let indices = accessor(index)?;
                    let unsigned = matches!(indices.component_type, UNSIGNED_BYTE | UNSIGNED_SHORT | UNSIGNED_INT);
                    if indices.kind != "SCALAR" || !unsigned {
                        return Err(InspectError::corrupt(format!(
                            "{here} has indices that are not unsigned scalars."
                        )));
                    }
                    indices.count
                }
                None => positions.map_or(0, |positions| positions.count),
            };
            let triangles = match primitive.mode.unwrap_or(4) {
                // Points, lines, line loops and line strips.
                0..=3 => 0,
                4 => corners / 3,
                // Strips and fans: every corner after the first two adds a triangle.
                5 | 6 => corners.saturating_sub(2),
                mode => return Err(InspectError::corrupt(format!("{here} has an invalid mode {mode}."))),
            };
            geometry.primitives = geometry.primitives.saturating_add(1);
            geometry.triangles = geometry.triangles.saturating_add(triangles);
            geometry.vertices = geometry.vertices.saturating_add(positions.map_or(0, |positions| positions.count));
            target_count = target_count.max(primitive.targets.len());
        }
        if target_count > 0 {
            geometry.morph_targets.push(MeshMorphTargets {
                mesh: mesh.name.clone().unwrap_or_else(|| format!("mesh_{mesh_index}")),
                targets: target_names(mesh.extras.as_ref(), target_count),
            });
        }
    }
    Ok(geometry)
}

/// Names from `extras.targetNames`, with `target_<index>` for the missing ones.
fn target_names(extras: Option<&serde_json::Value>, count: usize) -> Vec<String> {
    let names = extras.and_then(|extras| extras.get("targetNames")).and_then(serde_json::Value::as_array);
    (0..count)
        .map(|index| {
            names
                .and_then(|names| names.get(index))
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| format!("target_{index}"), str::to_owned)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Skins and animations

fn skins(root: &Root) -> Result<Vec<SkinInfo>, InspectError> {
    let mut skins = Vec::with_capacity(root.skins.len());
    for (index, skin) in root.skins.iter().enumerate() {
        let referrer = &format!("Skin {index}");
        for &joint in skin.joints.iter().chain(&skin.skeleton) {
            item(&root.nodes, joint).ok_or_else(|| missing("node", joint, referrer))?;
        }
        if let Some(matrices) = skin.inverse_bind_matrices {
            item(&root.accessors, matrices).ok_or_else(|| missing("accessor", matrices, referrer))?;
        }
        skins.push(SkinInfo { name: skin.name.clone(), joints: count_u32(skin.joints.len()) });
    }
    Ok(skins)
}

fn node_name(root: &Root, index: u32) -> String {
    item(&root.nodes, index).and_then(|node| node.name.clone()).unwrap_or_else(|| format!("node_{index}"))
}

fn clips(root: &Root, buffers: &[Option<&[u8]>]) -> Result<Vec<ClipInfo>, InspectError> {
    let mut clips = Vec::with_capacity(root.animations.len());
    for (clip_index, animation) in root.animations.iter().enumerate() {
        let mut duration = 0.0_f32;
        for (sampler_index, sampler) in animation.samplers.iter().enumerate() {
            let referrer = &format!("Animation {clip_index} sampler {sampler_index}");
            item(&root.accessors, sampler.output).ok_or_else(|| missing("accessor", sampler.output, referrer))?;
            let input =
                item(&root.accessors, sampler.input).ok_or_else(|| missing("accessor", sampler.input, referrer))?;
            if input.kind != "SCALAR" || input.component_type != FLOAT {
                return Err(InspectError::corrupt(format!("{referrer} has key times that are not scalar floats.")));
            }
            let last = match input.max.as_deref() {
                Some([max, ..]) => *max as f32,
                _ => latest_time(root, buffers, sampler.input, input)?,
            };
            // Key times are finite and not negative; anything else says nothing about length.
            if last.is_finite() && last > duration {
                duration = last;
            }
        }
        let mut targeted = Vec::with_capacity(animation.channels.len());
        for (channel_index, channel) in animation.channels.iter().enumerate() {
            let referrer = &format!("Animation {clip_index} channel {channel_index}");
            item(&animation.samplers, channel.sampler).ok_or_else(|| missing("sampler", channel.sampler, referrer))?;
            if let Some(node) = channel.target.node {
                item(&root.nodes, node).ok_or_else(|| missing("node", node, referrer))?;
                targeted.push(node_name(root, node));
            }
        }
        targeted.sort();
        targeted.dedup();
        clips.push(ClipInfo {
            name: animation.name.clone().unwrap_or_else(|| format!("clip_{clip_index}")),
            duration_secs: duration,
            channels: count_u32(animation.channels.len()),
            targeted_joints: targeted,
        });
    }
    Ok(clips)
}

/// The largest key time of an input accessor without `max`, read from its
/// bytes; 0 when its bytes are not at hand (no buffer view, or an external buffer).
fn latest_time(root: &Root, buffers: &[Option<&[u8]>], index: u32, input: &Accessor) -> Result<f32, InspectError> {
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    let Some(layout) = layout(root, index, input)? else {
        return Ok(0.0);
    };
    let Some(bytes) = view_bytes(root, buffers, layout.view) else {
        return Ok(0.0);
    };
    let (Ok(offset), Ok(stride), Ok(element)) =
        (usize::try_from(layout.offset), usize::try_from(layout.stride), usize::try_from(layout.element))
    else {
        return Ok(0.0);
    };
    if stride == 0 {
        return Ok(0.0);
    }
    // `layout` checked that `count` elements fit in the view, so this reads at
    // most the view's bytes; `get` keeps it safe regardless.
    let elements = bytes.get(offset..).unwrap_or_default().chunks(stride);
    let latest = elements
        .take(usize::try_from(input.count).unwrap_or(usize::MAX))
        .filter_map(|chunk| chunk.get(..element)?.try_into().ok().map(f32::from_le_bytes))
        .filter(|time| time.is_finite())
        .fold(0.0_f32, f32::max);
    Ok(latest)
}

// ---------------------------------------------------------------------------
// Images

fn textures(root: &Root, buffers: &[Option<&[u8]>]) -> Result<TextureInfo, InspectError> {
    let mut largest: Option<u32> = None;
    let mut formats = Vec::new();
    for (index, image) in root.images.iter().enumerate() {
        let bytes = match image.buffer_view {
            Some(view) => {
                item(&root.buffer_views, view)
                    .ok_or_else(|| missing("buffer view", view, &format!("Image {index}")))?;
                view_bytes(root, buffers, view)
            }
            None => None,
        };
        let sniffed = bytes.and_then(image_header);
        if let Some((_, width, height)) = sniffed {
            largest = Some(largest.unwrap_or(0).max(width).max(height));
        }
        let format = image.mime_type.clone().or_else(|| sniffed.map(|(mime, _, _)| mime.to_owned()));
        formats.extend(format);
    }
    formats.sort();
    formats.dedup();
    Ok(TextureInfo { count: count_u32(root.images.len()), largest_dimension: largest, formats })
}

/// The media type, width and height of a PNG or JPEG image.
fn image_header(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // The IHDR chunk comes first: length (4), "IHDR" (4), width (4), height (4), big-endian.
        if bytes.get(12..16)? != b"IHDR" {
            return None;
        }
        let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some(("image/png", width, height));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let (width, height) = jpeg_size(bytes)?;
        return Some(("image/jpeg", width, height));
    }
    None
}

/// Walks a JPEG's marker segments up to its start-of-frame header.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2_usize;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at.checked_add(1)?) == Some(&0xFF) {
            at = at.checked_add(1)?;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at.checked_add(1)?)?;
        let segment = at.checked_add(2)?;
        match marker {
            // Markers without a length: TEM and the restart markers.
            0x01 | 0xD0..=0xD7 => {
                at = segment;
                continue;
            }
            // End of image, or start of scan before any frame header.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes(bytes.get(segment..segment.checked_add(2)?)?.try_into().ok()?));
        let is_frame = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_frame {
            // Length (2), precision (1), height (2), width (2).
            let height =
                u16::from_be_bytes(bytes.get(segment.checked_add(3)?..segment.checked_add(5)?)?.try_into().ok()?);
            let width =
                u16::from_be_bytes(bytes.get(segment.checked_add(5)?..segment.checked_add(7)?)?.try_into().ok()?);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        at = segment.checked_add(length)?;
    }
}

// ---------------------------------------------------------------------------
// The node hierarchy and the scene's bounds

/// A 4×4 matrix as four columns, the order glTF stores them in.
type Matrix = [[f64; 4]; 4];

const IDENTITY: Matrix = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];

fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    b.map(|b_column| {
        let mut column = [0.0; 4];
        for (a_column, weight) in a.iter().zip(b_column) {
            for (out, value) in column.iter_mut().zip(a_column) {
                *out += value * weight;
            }
        }
        column
    })
}

fn local_matrix(node: &Node) -> Matrix {
    if let Some(m) = node.matrix {
        return [
            [m[0], m[1], m[2], m[3]],
            [m[4], m[5], m[6], m[7]],
            [m[8], m[9], m[10], m[11]],
            [m[12], m[13], m[14], m[15]],
        ];
    }
    let [tx, ty, tz] = node.translation.unwrap_or([0.0; 3]);
    let [x, y, z, w] = node.rotation.unwrap_or([0.0, 0.0, 0.0, 1.0]);
    let [sx, sy, sz] = node.scale.unwrap_or([1.0; 3]);
    // T * R * S, with R from the unit quaternion (x, y, z, w).
    [
        [(1.0 - 2.0 * (y * y + z * z)) * sx, (2.0 * (x * y + z * w)) * sx, (2.0 * (x * z - y * w)) * sx, 0.0],
        [(2.0 * (x * y - z * w)) * sy, (1.0 - 2.0 * (x * x + z * z)) * sy, (2.0 * (y * z + x * w)) * sy, 0.0],
        [(2.0 * (x * z + y * w)) * sz, (2.0 * (y * z - x * w)) * sz, (1.0 - 2.0 * (x * x + y * y)) * sz, 0.0],
        [tx, ty, tz, 1.0],
    ]
}

fn transform_point(m: &Matrix, [x, y, z]: [f64; 3]) -> [f64; 3] {
    let [c0, c1, c2, c3] = m;
    [
        c0[0] * x + c1[0] * y + c2[0] * z + c3[0],
        c0[1] * x + c1[1] * y + c2[1] * z + c3[1],
        c0[2] * x + c1[2] * y + c2[2] * z + c3[2],
    ]
}

/// The node forest, checked: every reference exists, no node has two parents,
/// and there are no cycles.
struct Hierarchy {
    roots: Vec<u32>,
}

impl Hierarchy {
    fn new(root: &Root) -> Result<Self, InspectError> {
        let mut parent: Vec<Option<u32>> = vec![None; root.nodes.len()];
        for (index, node) in root.nodes.iter().enumerate() {
            let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
            let referrer = &format!("Node {index}");
            if let Some(mesh) = node.mesh {
                item(&root.meshes, mesh).ok_or_else(|| missing("mesh", mesh, referrer))?;
            }
            if let Some(skin) = node.skin {
                item(&root.skins, skin).ok_or_else(|| missing("skin", skin, referrer))?;
            }
            for &child in &node.children {
                let slot = usize::try_from(child)
                    .ok()
                    .and_then(|child| parent.get_mut(child))
                    .ok_or_else(|| missing("child node", child, referrer))?;
                if child == index_u32 {
                    return Err(InspectError::corrupt(format!("Node {index} is its own child.")));
                }
                if slot.is_some() {
                    return Err(InspectError::corrupt(format!("Node {child} has more than one parent.")));
                }
                *slot = Some(index_u32);
            }
        }
        find_cycle(&parent)?;

        let roots = match root.scene {
            Some(scene) => {
                let scene_nodes =
                    &item(&root.scenes, scene).ok_or_else(|| missing("scene", scene, "The default scene"))?.nodes;
                scene_nodes.clone()
            }
            None => match root.scenes.first() {
                Some(scene) => scene.nodes.clone(),
                // Without scenes, every parentless node is shown.
                None => (0..root.nodes.len())
                    .filter(|&index| parent.get(index) == Some(&None))
                    .filter_map(|index| u32::try_from(index).ok())
                    .collect(),
            },
        };
        for (scene_index, scene) in root.scenes.iter().enumerate() {
            for &node in &scene.nodes {
                item(&root.nodes, node).ok_or_else(|| missing("node", node, &format!("Scene {scene_index}")))?;
            }
        }
        Ok(Self { roots })
    }

    /// The default scene's bounds and height, when they are known and finite.
    fn bounds(&self, root: &Root) -> Option<(Bounds, f32)> {
        let mut min = [f64::INFINITY; 3];
        let mut max = [f64::NEG_INFINITY; 3];
        let mut visited = vec![false; root.nodes.len()];
        let mut stack: Vec<(u32, Matrix)> = self.roots.iter().rev().map(|&node| (node, IDENTITY)).collect();
        while let Some((index, parent)) = stack.pop() {
            let (Some(node), Some(seen)) =
                (item(&root.nodes, index), usize::try_from(index).ok().and_then(|index| visited.get_mut(index)))
            else {
                continue;
            };
            // A node a scene lists twice, or lists although it has a parent, is placed once.
            if std::mem::replace(seen, true) {
                continue;
            }
            let global = multiply(&parent, &local_matrix(node));
            if let Some(mesh) = node.mesh.and_then(|mesh| item(&root.meshes, mesh)) {
                for primitive in &mesh.primitives {
                    let Some(positions) = primitive.attributes.get("POSITION").and_then(|&a| item(&root.accessors, a))
                    else {
                        continue;
                    };
                    let (Some([lx, ly, lz]), Some([hx, hy, hz])) = (positions.min.as_deref(), positions.max.as_deref())
                    else {
                        continue;
                    };
                    for corner in [
                        [*lx, *ly, *lz],
                        [*lx, *ly, *hz],
                        [*lx, *hy, *lz],
                        [*lx, *hy, *hz],
                        [*hx, *ly, *lz],
                        [*hx, *ly, *hz],
                        [*hx, *hy, *lz],
                        [*hx, *hy, *hz],
                    ] {
                        let point = transform_point(&global, corner);
                        for ((low, high), value) in min.iter_mut().zip(max.iter_mut()).zip(point) {
                            *low = low.min(value);
                            *high = high.max(value);
                        }
                    }
                }
            }
            stack.extend(node.children.iter().rev().map(|&child| (child, global)));
        }
        let to_f32 = |values: [f64; 3]| values.map(|value| value as f32);
        let (min, max) = (to_f32(min), to_f32(max));
        let [_, low, _] = min;
        let [_, high, _] = max;
        let height = (f64::from(high) - f64::from(low)) as f32;
        let finite = min.iter().chain(&max).chain([&height]).all(|value| value.is_finite());
        finite.then_some((Bounds { min, max }, height))
    }
}

/// Refuses a parent chain that loops, walking each chain once.
fn find_cycle(parent: &[Option<u32>]) -> Result<(), InspectError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Unseen,
        OnPath,
        Done,
    }
    let mut state = vec![State::Unseen; parent.len()];
    let mut path = Vec::new();
    for start in 0..parent.len() {
        let mut at = start;
        loop {
            match state.get(at).copied() {
                Some(State::Unseen) => {}
                Some(State::OnPath) => {
                    return Err(InspectError::corrupt(format!("The node hierarchy has a cycle through node {at}.")));
                }
                Some(State::Done) | None => break,
            }
            if let Some(slot) = state.get_mut(at) {
                *slot = State::OnPath;
            }
            path.push(at);
            match parent.get(at).copied().flatten().and_then(|up| usize::try_from(up).ok()) {
                Some(up) => at = up,
                None => break,
            }
        }
        for node in path.drain(..) {
            if let Some(slot) = state.get_mut(node) {
                *slot = State::Done;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Limits

fn check_limits(report: &InspectionReport, limits: &InspectLimits) -> Result<(), InspectError> {
    let clips = count_u32(report.clips.len());
    if clips > limits.max_clips {
        return Err(InspectError::too_complex(
            "max_clips",
            format!("The avatar has {clips} animation clips; the limit is {}.", limits.max_clips),
        ));
    }
    if let Some(skin) = report.skins.iter().find(|skin| skin.joints > limits.max_joints) {
        return Err(InspectError::too_complex(
            "max_joints",
            format!("A skin of the avatar has {} joints; the limit is {}.", skin.joints, limits.max_joints),
        ));
    }
    if report.triangles > limits.max_triangles {
        return Err(InspectError::too_complex(
            "max_triangles",
            format!("The avatar has {} triangles; the limit is {}.", report.triangles, limits.max_triangles),
        ));
    }
    if report.vertices > limits.max_vertices {
        return Err(InspectError::too_complex(
            "max_vertices",
            format!("The avatar has {} vertices; the limit is {}.", report.vertices, limits.max_vertices),
        ));
    }
    if let Some(largest) = report.textures.largest_dimension
        && largest > limits.max_texture_dimension
    {
        return Err(InspectError::too_complex(
            "max_texture_dimension",
            format!(
                "The avatar has a {largest}-pixel texture; the limit is {} pixels per side.",
                limits.max_texture_dimension
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests build their own inputs and should fail loudly"
)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Assembles a GLB from a JSON chunk and an optional BIN chunk, padding
    /// both to 4 bytes as the specification asks.
    fn glb_from_parts(json: &[u8], bin: Option<&[u8]>) -> Vec<u8> {
        let mut chunks = Vec::new();
        let mut chunk = |kind: u32, data: &[u8], pad: u8| {
            let padded = data.len().next_multiple_of(4);
            chunks.extend_from_slice(&u32::try_from(padded).unwrap().to_le_bytes());
            chunks.extend_from_slice(&kind.to_le_bytes());
            chunks.extend_from_slice(data);
            chunks.resize(chunks.len() + padded - data.len(), pad);
        };
        chunk(CHUNK_JSON, json, b' ');
        if let Some(bin) = bin {
            chunk(CHUNK_BIN, bin, 0);
        }
        let mut glb = b"glTF".to_vec();
        glb.extend_from_slice(&2_u32.to_le_bytes());
        glb.extend_from_slice(&u32::try_from(12 + chunks.len()).unwrap().to_le_bytes());
        glb.extend_from_slice(&chunks);
        glb
    }

    fn glb(json: &Value, bin: &[u8]) -> Vec<u8> {
        glb_from_parts(&serde_json::to_vec(json).unwrap(), (!bin.is_empty()).then_some(bin))
    }

    fn floats(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|value| value.to_le_bytes()).collect()
    }

    /// One triangle in the XY plane, lifted by 1 along y by its node.
    fn triangle() -> (Value, Vec<u8>) {
        let json = json!({
            "asset": {"version": "2.0", "generator": "animo test"},
            "scene": 0,
            "scenes": [{"nodes": [0]}],
            "nodes": [{"name": "Body", "mesh": 0, "translation": [0.0, 1.0, 0.0]}],
            "meshes": [{"name": "Triangle", "primitives": [{"attributes": {"POSITION": 0}}]}],
            "buffers": [{"byteLength": 36}],
            "bufferViews": [{"buffer": 0, "byteLength": 36}],
            "accessors": [{
                "bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]
            }]
        });
        (json, floats(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
    }

    /// The triangle with `edit` applied to its JSON.
    fn triangle_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let (mut json, bin) = triangle();
        edit(&mut json);
        glb(&json, &bin)
    }

    fn inspect(bytes: &[u8]) -> Result<InspectionReport, InspectError> {
        inspect_glb(bytes, &InspectLimits::default())
    }

    #[track_caller]
    fn check_error(bytes: &[u8], code: ErrorCode, message_contains: &str) {
        let error = inspect(bytes).expect_err("the file should be refused");
        assert_eq!(error.code, code, "{error}");
        assert!(error.message.contains(message_contains), "{:?} lacks {message_contains:?}", error.message);
        assert_eq!(error.limit, None);
    }

    #[test]
    fn a_minimal_triangle_is_reported() {
        let report = inspect(&glb(&triangle().0, &triangle().1)).expect("valid");
        assert_eq!(
            report,
            InspectionReport {
                file_bytes: 12
                    + 8
                    + u64::try_from(serde_json::to_vec(&triangle().0).unwrap().len().next_multiple_of(4)).unwrap()
                    + 8
                    + 36,
                generator: Some("animo test".to_owned()),
                clips: vec![],
                morph_targets: vec![],
                skins: vec![],
                meshes: 1,
                primitives: 1,
                triangles: 1,
                vertices: 3,
                textures: TextureInfo { count: 0, largest_dimension: None, formats: vec![] },
                bounds: Some(Bounds { min: [0.0, 1.0, 0.0], max: [1.0, 2.0, 0.0] }),
                height: Some(1.0),
                extensions_used: vec![],
                extensions_required: vec![],
            }
        );
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<InspectionReport>(&json).unwrap(), report);
    }

    #[test]
    fn files_that_are_not_glb_are_refused() {
        check_error(b"", ErrorCode::NotGlb, "empty");
        check_error(b"PK\x03\x04 a zip file", ErrorCode::NotGlb, "does not start with \"glTF\"");
        check_error(b"glT", ErrorCode::NotGlb, "does not start with \"glTF\"");
        let gltf = serde_json::to_vec_pretty(&triangle().0).unwrap();
        check_error(&gltf, ErrorCode::NotGlb, "export the avatar as glTF Binary (.glb)");
        check_error(&[b"\xEF\xBB\xBF \n".as_slice(), &gltf].concat(), ErrorCode::NotGlb, "(.gltf)");
    }

    #[test]
    fn versions_other_than_2_are_refused() {
        let mut version_1 = glb(&triangle().0, &triangle().1);
        version_1[4] = 1;
        check_error(&version_1, ErrorCode::GltfVersionUnsupported, "version 1 GLB");
        let asset_1 = triangle_with(|json| json["asset"]["version"] = json!("1.0"));
        check_error(&asset_1, ErrorCode::GltfVersionUnsupported, "glTF 1.0");
        // glTF 1.0 keeps its objects by id, which glTF 2.0 parsing refuses before the version is checked.
        let by_id = br#"{"asset": {"version": "1.0"}, "buffers": {"binary_glTF": {"byteLength": 0}}}"#;
        check_error(&glb_from_parts(by_id, None), ErrorCode::GltfVersionUnsupported, "glTF 1.0");
        let min_2_1 = triangle_with(|json| json["asset"]["minVersion"] = json!("2.1"));
        check_error(&min_2_1, ErrorCode::GltfVersionUnsupported, "glTF 2.1");
        assert!(inspect(&triangle_with(|json| json["asset"]["version"] = json!("2.1"))).is_ok());
    }

    #[test]
    fn inconsistent_containers_are_corrupt() {
        let good = glb(&triangle().0, &triangle().1);
        check_error(&good[..10], ErrorCode::GlbCorrupt, "inside the 12-byte GLB header");
        check_error(&good[..good.len() - 4], ErrorCode::GlbCorrupt, "truncated");

        let mut long_length = good.clone();
        long_length[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        check_error(&long_length, ErrorCode::GlbCorrupt, "4294967295 bytes long");

        let mut long_chunk = good.clone();
        long_chunk[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        check_error(&long_chunk, ErrorCode::GlbCorrupt, "Chunk 0 claims 4294967295 bytes");

        let mut bin_first = good.clone();
        bin_first[16..20].copy_from_slice(&CHUNK_BIN.to_le_bytes());
        check_error(&bin_first, ErrorCode::GlbCorrupt, "first chunk");

        let mut dangling = good.clone();
        dangling.extend_from_slice(&[0, 0, 0, 0]);
        let length = u32::try_from(dangling.len()).unwrap();
        dangling[8..12].copy_from_slice(&length.to_le_bytes());
        check_error(&dangling, ErrorCode::GlbCorrupt, "inside the header of chunk 2");

        check_error(&glb_from_parts(b"{\"asset\": ", None), ErrorCode::GlbCorrupt, "not valid glTF");
        check_error(&glb_from_parts(b"[1, 2]", None), ErrorCode::GlbCorrupt, "not valid glTF");
        check_error(&glb_from_parts(b"{}", None), ErrorCode::GlbCorrupt, "no \"asset\"");
        let (json, _) = triangle();
        check_error(&glb(&json, &[]), ErrorCode::GlbCorrupt, "Buffer 0 has no URI");
        check_error(&glb(&json, &[0; 32]), ErrorCode::GlbCorrupt, "Buffer 0 declares 36 bytes");
    }

    #[test]
    fn unknown_chunks_and_padding_are_accepted() {
        let (json, bin) = triangle();
        let mut json = serde_json::to_vec(&json).unwrap();
        json.extend_from_slice(b"\0\0");
        let mut glb = glb_from_parts(&json, Some(&bin));
        glb.extend_from_slice(&4_u32.to_le_bytes());
        glb.extend_from_slice(b"XTRA1234");
        let length = u32::try_from(glb.len()).unwrap();
        glb[8..12].copy_from_slice(&length.to_le_bytes());
        assert_eq!(inspect(&glb).expect("valid").triangles, 1);
    }

    #[test]
    fn inconsistent_references_and_ranges_are_corrupt() {
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("which has only 36 bytes", Box::new(|json| json["bufferViews"][0]["byteOffset"] = json!(4))),
            ("refers to buffer 3", Box::new(|json| json["bufferViews"][0]["buffer"] = json!(3))),
            ("more than buffer view 0", Box::new(|json| json["accessors"][0]["count"] = json!(4_000_000_000_u64))),
            ("more than buffer view 0", Box::new(|json| json["accessors"][0]["byteOffset"] = json!(u64::MAX))),
            ("byte stride of 8", Box::new(|json| json["bufferViews"][0]["byteStride"] = json!(8))),
            ("invalid type", Box::new(|json| json["accessors"][0]["type"] = json!("VEC5"))),
            ("component type 5127", Box::new(|json| json["accessors"][0]["componentType"] = json!(5127))),
            ("not valid glTF", Box::new(|json| json["accessors"][0]["count"] = json!(-1))),
            ("not valid glTF", Box::new(|json| json["nodes"][0]["matrix"] = json!([1.0, 0.0]))),
            ("refers to accessor 9", Box::new(|json| json["meshes"][0]["primitives"][0]["indices"] = json!(9))),
            ("not unsigned scalars", Box::new(|json| json["meshes"][0]["primitives"][0]["indices"] = json!(0))),
            ("invalid mode 7", Box::new(|json| json["meshes"][0]["primitives"][0]["mode"] = json!(7))),
            ("refers to mesh 1", Box::new(|json| json["nodes"][0]["mesh"] = json!(1))),
            ("refers to scene 2", Box::new(|json| json["scene"] = json!(2))),
            ("refers to node 5", Box::new(|json| json["scenes"][0]["nodes"] = json!([5]))),
            ("its own child", Box::new(|json| json["nodes"][0]["children"] = json!([0]))),
            (
                "more than one parent",
                Box::new(|json| json["nodes"] = json!([{"children": [2]}, {"children": [2]}, {"mesh": 0}])),
            ),
            (
                "cycle",
                Box::new(|json| {
                    json["nodes"] = json!([{"mesh": 0}, {"children": [2]}, {"children": [3]}, {"children": [1]}])
                }),
            ),
            ("refers to node 7", Box::new(|json| json["skins"] = json!([{"joints": [0, 7]}]))),
            (
                "sampler 1",
                Box::new(|json| {
                    json["animations"] = json!([{"channels": [{"sampler": 1, "target": {"node": 0}}], "samplers": []}])
                }),
            ),
            (
                "not scalar floats",
                Box::new(|json| {
                    json["animations"] = json!([{"channels": [], "samplers": [{"input": 0, "output": 0}]}])
                }),
            ),
            ("refers to buffer view 4", Box::new(|json| json["images"] = json!([{"bufferView": 4}]))),
        ];
        for (message, edit) in cases {
            check_error(&triangle_with(edit), ErrorCode::GlbCorrupt, message);
        }
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let json = format!(
            r#"{{"asset":{{"version":"2.0"}},"extras":{deep},"meshes":[{{"primitives":[],"extras":{deep}}}]}}"#
        );
        check_error(&glb_from_parts(json.as_bytes(), None), ErrorCode::GlbCorrupt, "recursion limit");
    }

    #[test]
    fn required_extensions_outside_the_allowlist_are_refused() {
        for (extension, advice) in [
            ("KHR_draco_mesh_compression", "Draco"),
            ("EXT_meshopt_compression", "meshopt"),
            ("KHR_texture_basisu", "KTX2"),
            ("VENDOR_magic", "VENDOR_magic"),
        ] {
            let bytes = triangle_with(|json| {
                json["extensionsUsed"] = json!([extension, "KHR_materials_unlit"]);
                json["extensionsRequired"] = json!(["KHR_materials_unlit", extension]);
            });
            check_error(&bytes, ErrorCode::GltfExtensionUnsupported, advice);
        }
        let report = inspect(&triangle_with(|json| {
            json["extensionsUsed"] = json!(["KHR_texture_transform", "KHR_draco_mesh_compression"]);
            json["extensionsRequired"] = json!(["KHR_texture_transform"]);
        }))
        .expect("only used, not required");
        assert_eq!(report.extensions_used, ["KHR_draco_mesh_compression", "KHR_texture_transform"]);
        assert_eq!(report.extensions_required, ["KHR_texture_transform"]);
    }

    #[test]
    fn each_limit_is_named_when_exceeded() {
        let (json, bin) = triangle();
        let bytes = glb(&json, &bin);
        let report = inspect(&bytes).unwrap();
        let at_limit = InspectLimits {
            max_file_bytes: 1024,
            max_triangles: 1,
            max_vertices: 3,
            max_joints: 1,
            max_texture_dimension: 1,
            max_clips: 0,
        };
        assert!(inspect_glb(&bytes, &at_limit).is_ok());
        let refused = |bytes: &[u8], limits: InspectLimits| {
            let error = inspect_glb(bytes, &limits).expect_err("over the limit");
            assert_eq!(error.code, ErrorCode::AvatarTooComplex, "{error}");
            error.limit.expect("names the limit")
        };
        assert!(inspect_glb(&bytes, &InspectLimits { max_file_bytes: report.file_bytes, ..at_limit }).is_ok());
        assert_eq!(
            refused(&bytes, InspectLimits { max_file_bytes: report.file_bytes - 1, ..at_limit }),
            "max_file_bytes"
        );
        assert_eq!(refused(&bytes, InspectLimits { max_triangles: 0, ..at_limit }), "max_triangles");
        assert_eq!(refused(&bytes, InspectLimits { max_vertices: 2, ..at_limit }), "max_vertices");

        let skinned = triangle_with(|json| json["skins"] = json!([{"joints": [0]}, {"joints": [0, 0]}]));
        assert_eq!(refused(&skinned, at_limit), "max_joints");

        let (mut json, mut bin) = triangle();
        bin.extend_from_slice(&png_header(2, 1));
        json["buffers"][0]["byteLength"] = json!(bin.len());
        json["bufferViews"].as_array_mut().unwrap().push(json!({"buffer": 0, "byteOffset": 36, "byteLength": 24}));
        json["images"] = json!([{"bufferView": 1, "mimeType": "image/png"}]);
        assert_eq!(refused(&glb(&json, &bin), at_limit), "max_texture_dimension");

        let animated = triangle_with(|json| json["animations"] = json!([{"channels": [], "samplers": []}]));
        assert_eq!(refused(&animated, at_limit), "max_clips");

        let error = inspect_glb(&animated, &at_limit).unwrap_err();
        assert_eq!(error.to_string(), "The avatar has 1 animation clips; the limit is 0.");
    }

    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png
    }

    fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // A fill byte and a restart marker before the frame header.
        jpeg.extend_from_slice(&[0xFF, 0xFF, 0xD0, 0xFF, 0xC2, 0x00, 0x11, 0x08]);
        jpeg.extend_from_slice(&height.to_be_bytes());
        jpeg.extend_from_slice(&width.to_be_bytes());
        jpeg.push(3);
        jpeg
    }

    #[test]
    fn embedded_images_are_measured_and_uri_images_counted() {
        assert_eq!(image_header(&png_header(640, 480)), Some(("image/png", 640, 480)));
        assert_eq!(image_header(&jpeg_header(300, 2048)), Some(("image/jpeg", 300, 2048)));
        assert_eq!(image_header(&jpeg_header(300, 2048)[..20]), None);
        assert_eq!(image_header(&[0xFF, 0xD8, 0xFF, 0xDA]), None);
        assert_eq!(image_header(b"RIFF....WEBP"), None);

        let (mut json, mut bin) = triangle();
        let png = png_header(1024, 512);
        let jpeg = jpeg_header(300, 2048);
        let jpeg_at = 36 + png.len();
        bin.extend_from_slice(&png);
        bin.extend_from_slice(&jpeg);
        json["buffers"][0]["byteLength"] = json!(bin.len());
        json["bufferViews"].as_array_mut().unwrap().extend([
            json!({"buffer": 0, "byteOffset": 36, "byteLength": png.len()}),
            json!({"buffer": 0, "byteOffset": jpeg_at, "byteLength": jpeg.len()}),
        ]);
        json["images"] = json!([
            {"bufferView": 1},
            {"bufferView": 2, "mimeType": "image/jpeg"},
            {"uri": "skin.png", "mimeType": "image/png"},
            {"uri": "data:image/png;base64,AAAA"},
        ]);
        let report = inspect(&glb(&json, &bin)).expect("valid");
        assert_eq!(
            report.textures,
            TextureInfo {
                count: 4,
                largest_dimension: Some(2048),
                formats: vec!["image/jpeg".to_owned(), "image/png".to_owned()]
            }
        );
    }

    #[test]
    fn clips_report_duration_channels_and_joints() {
        let (mut json, mut bin) = triangle();
        // Key times for a sampler whose input has no `max`: read from the buffer.
        bin.extend_from_slice(&floats(&[0.0, 2.5, 1.0]));
        json["buffers"][0]["byteLength"] = json!(bin.len());
        json["bufferViews"].as_array_mut().unwrap().push(json!({"buffer": 0, "byteOffset": 36, "byteLength": 12}));
        json["accessors"].as_array_mut().unwrap().extend([
            json!({"bufferView": 1, "componentType": 5126, "count": 3, "type": "SCALAR"}),
            json!({"componentType": 5126, "count": 3, "type": "SCALAR", "max": [0.75]}),
        ]);
        json["nodes"] = json!([{"name": "Hips", "children": [1], "mesh": 0}, {}]);
        json["animations"] = json!([
            {
                "name": "Wave",
                "channels": [
                    {"sampler": 0, "target": {"node": 1, "path": "rotation"}},
                    {"sampler": 1, "target": {"node": 0, "path": "translation"}},
                    {"sampler": 1, "target": {"node": 0, "path": "rotation"}},
                ],
                "samplers": [{"input": 1, "output": 0}, {"input": 2, "output": 0}],
            },
            {"channels": [], "samplers": [{"input": 2, "output": 0}]},
        ]);
        let report = inspect(&glb(&json, &bin)).expect("valid");
        assert_eq!(
            report.clips,
            [
                ClipInfo {
                    name: "Wave".to_owned(),
                    duration_secs: 2.5,
                    channels: 3,
                    targeted_joints: vec!["Hips".to_owned(), "node_1".to_owned()],
                },
                ClipInfo { name: "clip_1".to_owned(), duration_secs: 0.75, channels: 0, targeted_joints: vec![] },
            ]
        );
        assert_eq!(report.clip_names(), ["Wave", "clip_1"]);
    }

    #[test]
    fn morph_targets_take_names_from_extras_or_fall_back() {
        let report = inspect(&triangle_with(|json| {
            let targets = json!([{"POSITION": 0}, {"POSITION": 0}, {"POSITION": 0}]);
            json["meshes"] = json!([
                {"name": "Face", "primitives": [{"attributes": {"POSITION": 0}, "targets": targets}],
                 "extras": {"targetNames": ["Smile", 7]}},
                {"primitives": [{"attributes": {"POSITION": 0}, "targets": [{"POSITION": 0}]}]},
                {"primitives": [{"attributes": {"POSITION": 0}}]},
            ]);
        }))
        .expect("valid");
        assert_eq!(
            report.morph_targets,
            [
                MeshMorphTargets {
                    mesh: "Face".to_owned(),
                    targets: vec!["Smile".to_owned(), "target_1".to_owned(), "target_2".to_owned()],
                },
                MeshMorphTargets { mesh: "mesh_1".to_owned(), targets: vec!["target_0".to_owned()] },
            ]
        );
        assert_eq!(report.morph_target_names(), ["Smile", "target_0", "target_1", "target_2"]);
        assert_eq!((report.meshes, report.primitives, report.vertices), (3, 3, 9));
    }

    #[test]
    fn triangles_are_counted_per_mode() {
        let (mut json, mut bin) = triangle();
        // Six u16 indices after the positions.
        bin.extend([0_u16, 1, 2, 0, 2, 1].iter().flat_map(|index| index.to_le_bytes()));
        json["buffers"][0]["byteLength"] = json!(bin.len());
        json["bufferViews"].as_array_mut().unwrap().push(json!({"buffer": 0, "byteOffset": 36, "byteLength": 12}));
        json["accessors"]
            .as_array_mut()
            .unwrap()
            .push(json!({"bufferView": 1, "componentType": 5123, "count": 6, "type": "SCALAR"}));
        let primitive = |mode: u32, indexed: bool| {
            let mut primitive = json!({"attributes": {"POSITION": 0}, "mode": mode});
            if indexed {
                primitive["indices"] = json!(1);
            }
            primitive
        };
        for (mode, indexed, triangles) in
            [(4, true, 2), (4, false, 1), (5, true, 4), (6, false, 1), (0, true, 0), (1, true, 0), (3, false, 0)]
        {
            json["meshes"] = json!([{"primitives": [primitive(mode, indexed)]}]);
            let report = inspect(&glb(&json, &bin)).expect("valid");
            assert_eq!(report.triangles, triangles, "mode {mode}, indexed {indexed}");
        }
    }

    #[test]
    fn bounds_follow_the_hierarchy_of_the_default_scene() {
        let report = inspect(&triangle_with(|json| {
            json["nodes"] = json!([
                // Scaled by 2 and moved up by 10.
                {"children": [1], "matrix": [2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 10.0, 0.0, 1.0]},
                // Turned a quarter around z: x goes to y.
                {"mesh": 0, "rotation": [0.0, 0.0, std::f64::consts::FRAC_1_SQRT_2, std::f64::consts::FRAC_1_SQRT_2]},
                // Not in the default scene.
                {"mesh": 0, "translation": [100.0, 0.0, 0.0]},
            ]);
            json["scenes"] = json!([{"nodes": [2]}, {"nodes": [0]}]);
            json["scene"] = json!(1);
        }))
        .expect("valid");
        let bounds = report.bounds.expect("bounds");
        let close = |a: [f32; 3], b: [f32; 3]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5);
        assert!(close(bounds.min, [-2.0, 10.0, 0.0]), "{bounds:?}");
        assert!(close(bounds.max, [0.0, 12.0, 0.0]), "{bounds:?}");
        assert!((report.height.unwrap() - 2.0).abs() < 1e-5);
    }

    #[test]
    fn bounds_are_absent_rather_than_infinite() {
        let huge = triangle_with(|json| json["nodes"][0]["scale"] = json!([1e300, 1e300, 1e300]));
        let report = inspect(&huge).expect("valid");
        assert_eq!((report.bounds, report.height), (None, None));
        let no_min =
            triangle_with(|json| json["accessors"][0].as_object_mut().unwrap().remove("min").map(drop).unwrap());
        assert_eq!(inspect(&no_min).expect("valid").bounds, None);
    }
}
