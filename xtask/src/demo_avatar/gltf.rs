//! Just enough of glTF 2.0 to write the demo avatar: the JSON document as
//! typed structs, a builder for the binary buffer and its accessors, and the
//! GLB container.
//!
//! The JSON is serialized from structs rather than from `serde_json::Value`
//! so that key order is the field order whatever features `serde_json` is
//! built with (`preserve_order` turns its maps from sorted into insertion
//! order), and floats go through `f32`'s shortest round-trip formatting, so
//! the same model always gives the same bytes.

use serde::Serialize;

/// The root of a glTF document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub asset: Asset,
    pub scene: usize,
    pub scenes: Vec<Scene>,
    pub nodes: Vec<Node>,
    pub meshes: Vec<Mesh>,
    pub materials: Vec<Material>,
    pub skins: Vec<Skin>,
    pub animations: Vec<Animation>,
    pub accessors: Vec<Accessor>,
    pub buffer_views: Vec<BufferView>,
    pub buffers: Vec<Buffer>,
}

#[derive(Debug, Serialize)]
pub struct Asset {
    pub version: &'static str,
    pub generator: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Scene {
    pub name: &'static str,
    pub nodes: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub struct Node {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation: Option<[f32; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mesh: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skin: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Mesh {
    pub name: &'static str,
    pub primitives: Vec<Primitive>,
    /// The default morph weights, one per target; absent without targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extras: Option<MeshExtras>,
}

/// Where the Blender exporter, and so both loaders, put morph target names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshExtras {
    pub target_names: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Primitive {
    pub attributes: Attributes,
    pub indices: usize,
    pub material: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<MorphTarget>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Attributes {
    pub position: usize,
    pub normal: usize,
    #[serde(rename = "JOINTS_0")]
    pub joints: usize,
    #[serde(rename = "WEIGHTS_0")]
    pub weights: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct MorphTarget {
    pub position: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Material {
    pub name: &'static str,
    pub pbr_metallic_roughness: PbrMetallicRoughness,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PbrMetallicRoughness {
    pub base_color_factor: [f32; 4],
    pub metallic_factor: f32,
    pub roughness_factor: f32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skin {
    pub name: &'static str,
    pub inverse_bind_matrices: usize,
    pub skeleton: usize,
    pub joints: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub struct Animation {
    pub name: &'static str,
    pub channels: Vec<Channel>,
    pub samplers: Vec<Sampler>,
}

#[derive(Debug, Serialize)]
pub struct Channel {
    pub sampler: usize,
    pub target: ChannelTarget,
}

#[derive(Debug, Serialize)]
pub struct ChannelTarget {
    pub node: usize,
    /// `rotation` or `translation`.
    pub path: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Sampler {
    pub input: usize,
    pub interpolation: &'static str,
    pub output: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accessor {
    pub buffer_view: usize,
    pub byte_offset: usize,
    pub component_type: u32,
    pub count: usize,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Vec<f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Vec<f32>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BufferView {
    pub buffer: usize,
    pub byte_offset: usize,
    pub byte_length: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Buffer {
    pub byte_length: usize,
}

const UNSIGNED_BYTE: u32 = 5121;
const UNSIGNED_SHORT: u32 = 5123;
const FLOAT: u32 = 5126;
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;

/// What an accessor's data is for, which decides its buffer view's `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Per-vertex data the GPU reads.
    Vertex,
    /// Data only the loader reads: animation keys, inverse bind matrices.
    Other,
}

/// The binary buffer and the accessors into it, one buffer view per accessor.
#[derive(Debug, Default)]
pub struct BinBuilder {
    bin: Vec<u8>,
    accessors: Vec<Accessor>,
    buffer_views: Vec<BufferView>,
}

impl BinBuilder {
    /// Float elements of `N` components (1, 3, 4 or 16), with `min` and `max`
    /// when `bounded` (glTF requires them on positions and animation inputs).
    pub fn floats<const N: usize>(&mut self, elements: &[[f32; N]], usage: Usage, bounded: bool) -> usize {
        let kind = match N {
            1 => "SCALAR",
            3 => "VEC3",
            4 => "VEC4",
            16 => "MAT4",
            _ => panic!("no glTF accessor type has {N} float components"),
        };
        let (min, max) = if bounded {
            let mut min = [f32::INFINITY; N];
            let mut max = [f32::NEG_INFINITY; N];
            for element in elements {
                for (component, value) in element.iter().enumerate() {
                    min[component] = min[component].min(*value);
                    max[component] = max[component].max(*value);
                }
            }
            (Some(min.to_vec()), Some(max.to_vec()))
        } else {
            (None, None)
        };
        let bytes: Vec<u8> = elements.iter().flatten().flat_map(|value| value.to_le_bytes()).collect();
        let target = (usage == Usage::Vertex).then_some(ARRAY_BUFFER);
        let buffer_view = self.buffer_view(&bytes, target);
        self.accessor(Accessor {
            buffer_view,
            byte_offset: 0,
            component_type: FLOAT,
            count: elements.len(),
            kind,
            min,
            max,
        })
    }

    /// Animation key times: scalars with the `min` and `max` glTF requires.
    pub fn times(&mut self, times: &[f32]) -> usize {
        let elements: Vec<[f32; 1]> = times.iter().map(|&time| [time]).collect();
        self.floats(&elements, Usage::Other, true)
    }

    /// Four joint indices per vertex.
    pub fn joints(&mut self, elements: &[[u8; 4]]) -> usize {
        let bytes: Vec<u8> = elements.iter().flatten().copied().collect();
        let buffer_view = self.buffer_view(&bytes, Some(ARRAY_BUFFER));
        self.accessor(Accessor {
            buffer_view,
            byte_offset: 0,
            component_type: UNSIGNED_BYTE,
            count: elements.len(),
            kind: "VEC4",
            min: None,
            max: None,
        })
    }

    /// Triangle indices.
    pub fn indices(&mut self, indices: &[u16]) -> usize {
        let bytes: Vec<u8> = indices.iter().flat_map(|index| index.to_le_bytes()).collect();
        let buffer_view = self.buffer_view(&bytes, Some(ELEMENT_ARRAY_BUFFER));
        self.accessor(Accessor {
            buffer_view,
            byte_offset: 0,
            component_type: UNSIGNED_SHORT,
            count: indices.len(),
            kind: "SCALAR",
            min: None,
            max: None,
        })
    }

    /// The accessors, the buffer views and the buffer's bytes, padded with
    /// zeros to a multiple of 4 as the GLB BIN chunk requires.
    pub fn finish(mut self) -> (Vec<Accessor>, Vec<BufferView>, Vec<u8>) {
        pad(&mut self.bin, 0);
        (self.accessors, self.buffer_views, self.bin)
    }

    /// Appends `bytes` at the next 4-byte boundary, so that every accessor,
    /// whatever its component type, starts aligned.
    fn buffer_view(&mut self, bytes: &[u8], target: Option<u32>) -> usize {
        pad(&mut self.bin, 0);
        self.buffer_views.push(BufferView { buffer: 0, byte_offset: self.bin.len(), byte_length: bytes.len(), target });
        self.bin.extend_from_slice(bytes);
        self.buffer_views.len() - 1
    }

    fn accessor(&mut self, accessor: Accessor) -> usize {
        self.accessors.push(accessor);
        self.accessors.len() - 1
    }
}

/// Packs a document's JSON and its binary buffer into a GLB file.
pub fn glb(json: &[u8], bin: &[u8]) -> Vec<u8> {
    const MAGIC: &[u8; 4] = b"glTF";
    const VERSION: u32 = 2;
    const JSON_CHUNK: u32 = 0x4E4F_534A;
    const BIN_CHUNK: u32 = 0x004E_4942;

    let mut json = json.to_vec();
    pad(&mut json, b' ');
    let mut bin = bin.to_vec();
    pad(&mut bin, 0);
    let total = 12 + 8 + json.len() + 8 + bin.len();

    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&length_u32(total).to_le_bytes());
    for (kind, data) in [(JSON_CHUNK, &json), (BIN_CHUNK, &bin)] {
        out.extend_from_slice(&length_u32(data.len()).to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

fn pad(bytes: &mut Vec<u8>, filler: u8) {
    while !bytes.len().is_multiple_of(4) {
        bytes.push(filler);
    }
}

fn length_u32(length: usize) -> u32 {
    u32::try_from(length).expect("the demo avatar is far smaller than the 4 GiB a GLB can hold")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glb_pads_json_with_spaces_and_bin_with_zeros() {
        let file = glb(b"{}", &[1, 2, 3, 4, 5]);
        assert_eq!(&file[0..4], b"glTF");
        assert_eq!(u32::from_le_bytes(file[8..12].try_into().unwrap()) as usize, file.len());
        assert_eq!(&file[12..16], &4u32.to_le_bytes());
        assert_eq!(&file[20..24], b"{}  ");
        assert_eq!(&file[24..28], &8u32.to_le_bytes());
        assert_eq!(&file[32..40], &[1, 2, 3, 4, 5, 0, 0, 0]);
    }

    #[test]
    fn buffer_views_start_on_four_byte_boundaries() {
        let mut builder = BinBuilder::default();
        builder.indices(&[0, 1, 2]);
        let second = builder.floats(&[[1.0, -2.0, 3.0]], Usage::Vertex, true);
        let (accessors, views, bin) = builder.finish();
        assert_eq!(views[1].byte_offset, 8);
        assert_eq!(bin.len(), 20);
        assert_eq!(accessors[second].min.as_deref(), Some(&[1.0, -2.0, 3.0][..]));
    }
}
