//! The demo avatar's body: a little robot built from boxes, its skeleton,
//! its materials and the morph targets of its face.
//!
//! Coordinates are glTF's: metres, Y up, the robot facing +Z and standing on
//! y = 0, so its left is +X. Every box is given where it sits in the bind
//! pose and moves rigidly with one joint.

/// A joint of the skeleton. The order is the skin's joint order and the
/// order of the first nodes in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Joint {
    Root,
    Hips,
    Spine,
    Neck,
    Head,
    ShoulderL,
    UpperArmL,
    ForearmL,
    ShoulderR,
    UpperArmR,
    ForearmR,
    ThighL,
    ThighR,
}

impl Joint {
    /// Every joint, parents before children.
    pub const ALL: [Joint; 13] = [
        Joint::Root,
        Joint::Hips,
        Joint::Spine,
        Joint::Neck,
        Joint::Head,
        Joint::ShoulderL,
        Joint::UpperArmL,
        Joint::ForearmL,
        Joint::ShoulderR,
        Joint::UpperArmR,
        Joint::ForearmR,
        Joint::ThighL,
        Joint::ThighR,
    ];

    /// The node's name, in the Blender/Rigify style animators expect.
    pub fn name(self) -> &'static str {
        match self {
            Joint::Root => "root",
            Joint::Hips => "hips",
            Joint::Spine => "spine",
            Joint::Neck => "neck",
            Joint::Head => "head",
            Joint::ShoulderL => "shoulder.L",
            Joint::UpperArmL => "upper_arm.L",
            Joint::ForearmL => "forearm.L",
            Joint::ShoulderR => "shoulder.R",
            Joint::UpperArmR => "upper_arm.R",
            Joint::ForearmR => "forearm.R",
            Joint::ThighL => "thigh.L",
            Joint::ThighR => "thigh.R",
        }
    }

    /// The index of the joint in [`Joint::ALL`], in the skin and among the nodes.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parent(self) -> Option<Joint> {
        match self {
            Joint::Root => None,
            Joint::Hips => Some(Joint::Root),
            Joint::Spine | Joint::ThighL | Joint::ThighR => Some(Joint::Hips),
            Joint::Neck | Joint::ShoulderL | Joint::ShoulderR => Some(Joint::Spine),
            Joint::Head => Some(Joint::Neck),
            Joint::UpperArmL => Some(Joint::ShoulderL),
            Joint::ForearmL => Some(Joint::UpperArmL),
            Joint::UpperArmR => Some(Joint::ShoulderR),
            Joint::ForearmR => Some(Joint::UpperArmR),
        }
    }

    /// The joint's translation from its parent in the bind pose, which has
    /// no rotations.
    pub fn offset(self) -> [f32; 3] {
        match self {
            Joint::Root => [0.0, 0.0, 0.0],
            Joint::Hips => [0.0, 0.86, 0.0],
            Joint::Spine => [0.0, 0.06, 0.0],
            Joint::Neck => [0.0, 0.36, 0.0],
            Joint::Head => [0.0, 0.05, 0.0],
            Joint::ShoulderL => [0.17, 0.32, 0.0],
            Joint::ShoulderR => [-0.17, 0.32, 0.0],
            Joint::UpperArmL => [0.05, 0.0, 0.0],
            Joint::UpperArmR => [-0.05, 0.0, 0.0],
            Joint::ForearmL | Joint::ForearmR => [0.0, -0.25, 0.0],
            Joint::ThighL => [0.095, -0.04, 0.0],
            Joint::ThighR => [-0.095, -0.04, 0.0],
        }
    }

    /// Where the joint is in the bind pose, summed from the root down the way
    /// a renderer composes the nodes' translations.
    pub fn bind_position(self) -> [f32; 3] {
        let [x, y, z] = self.offset();
        match self.parent() {
            None => [x, y, z],
            Some(parent) => {
                let [px, py, pz] = parent.bind_position();
                [px + x, py + y, pz + z]
            }
        }
    }

    /// The same joint on the other side; joints on the centre line are their own mirror.
    fn mirrored(self) -> Joint {
        match self {
            Joint::ShoulderL => Joint::ShoulderR,
            Joint::UpperArmL => Joint::UpperArmR,
            Joint::ForearmL => Joint::ForearmR,
            Joint::ThighL => Joint::ThighR,
            Joint::ShoulderR => Joint::ShoulderL,
            Joint::UpperArmR => Joint::UpperArmL,
            Joint::ForearmR => Joint::ForearmL,
            Joint::ThighR => Joint::ThighL,
            centre => centre,
        }
    }
}

/// A material: a flat colour, no textures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Paint {
    /// The white shell.
    Shell,
    /// The dark joints, hands, feet and face plate.
    Trim,
    /// The orange chest light and antenna tip.
    Accent,
    /// The glowing cyan eyes and mouth.
    Glow,
}

impl Paint {
    pub const ALL: [Paint; 4] = [Paint::Shell, Paint::Trim, Paint::Accent, Paint::Glow];

    pub fn name(self) -> &'static str {
        match self {
            Paint::Shell => "shell",
            Paint::Trim => "trim",
            Paint::Accent => "accent",
            Paint::Glow => "glow",
        }
    }

    /// Linear RGBA base colour, metallic and roughness factors.
    pub fn factors(self) -> ([f32; 4], f32, f32) {
        match self {
            Paint::Shell => ([0.86, 0.88, 0.9, 1.0], 0.1, 0.45),
            Paint::Trim => ([0.05, 0.06, 0.08, 1.0], 0.4, 0.6),
            Paint::Accent => ([1.0, 0.35, 0.05, 1.0], 0.0, 0.4),
            Paint::Glow => ([0.1, 0.75, 1.0, 1.0], 0.0, 0.3),
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a box is to the face's morph targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    /// Not moved by any target.
    None,
    Eye,
    /// One half of the mouth; the halves meet at x = 0, so moving their outer
    /// ends bends the mouth into a smile or a frown.
    Mouth,
}

/// A morph target of the head, in the order of the mesh's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expression {
    Smile,
    Frown,
    Surprise,
    Blink,
}

impl Expression {
    pub const ALL: [Expression; 4] = [Expression::Smile, Expression::Frown, Expression::Surprise, Expression::Blink];

    /// The target's name in `mesh.extras.targetNames`.
    pub fn name(self) -> &'static str {
        match self {
            Expression::Smile => "Smile",
            Expression::Frown => "Frown",
            Expression::Surprise => "Surprise",
            Expression::Blink => "Blink",
        }
    }

    /// How far this target moves `corner` of a box that is `feature`.
    fn displacement(self, feature: Feature, corner: Corner) -> [f32; 3] {
        match (self, feature) {
            (Expression::Smile, Feature::Mouth) if corner.outer => [0.0, 0.014, 0.0],
            (Expression::Frown, Feature::Mouth) if corner.outer => [0.0, -0.014, 0.0],
            (Expression::Surprise, Feature::Mouth) => {
                // The mouth drops open and narrows into an O.
                let dx = if corner.outer { -corner.side * 0.015 } else { 0.0 };
                let dy = if corner.top { 0.0 } else { -0.022 };
                [dx, dy, 0.0]
            }
            (Expression::Surprise, Feature::Eye) => [0.0, if corner.top { 0.01 } else { -0.006 }, 0.0],
            // Closes to a slit rather than to nothing, so no face becomes degenerate.
            (Expression::Blink, Feature::Eye) if corner.top => [0.0, -0.028, 0.0],
            _ => [0.0, 0.0, 0.0],
        }
    }
}

/// Where a vertex sits on its box, as the morph targets see it.
#[derive(Debug, Clone, Copy)]
struct Corner {
    top: bool,
    /// Farther from the centre line than the box's other x face.
    outer: bool,
    /// +1 on the robot's left (+X) of the centre line, -1 on its right.
    side: f32,
}

/// A box that moves with one joint.
#[derive(Debug, Clone, Copy)]
struct Part {
    joint: Joint,
    paint: Paint,
    feature: Feature,
    min: [f32; 3],
    max: [f32; 3],
}

/// Every box of the robot. Paired boxes are given for the left side (+X) only.
fn parts() -> Vec<Part> {
    let part = |joint, paint, min, max| Part { joint, paint, feature: Feature::None, min, max };
    let centre = [
        part(Joint::Hips, Paint::Trim, [-0.15, 0.78, -0.09], [0.15, 0.92, 0.09]),
        part(Joint::Spine, Paint::Shell, [-0.17, 0.92, -0.11], [0.17, 1.28, 0.11]),
        part(Joint::Spine, Paint::Accent, [-0.08, 1.08, 0.11], [0.08, 1.2, 0.125]),
        part(Joint::Neck, Paint::Trim, [-0.045, 1.27, -0.045], [0.045, 1.34, 0.045]),
        // A slightly squashed head: wider than tall.
        part(Joint::Head, Paint::Shell, [-0.14, 1.33, -0.12], [0.14, 1.53, 0.12]),
        part(Joint::Head, Paint::Trim, [-0.115, 1.36, 0.12], [0.115, 1.5, 0.128]),
        part(Joint::Head, Paint::Trim, [-0.008, 1.53, -0.008], [0.008, 1.58, 0.008]),
        part(Joint::Head, Paint::Accent, [-0.02, 1.58, -0.02], [0.02, 1.62, 0.02]),
    ];
    let left = [
        part(Joint::ShoulderL, Paint::Trim, [0.165, 1.19, -0.055], [0.265, 1.29, 0.055]),
        part(Joint::UpperArmL, Paint::Shell, [0.185, 1.0, -0.04], [0.255, 1.2, 0.04]),
        part(Joint::ForearmL, Paint::Trim, [0.19, 0.965, -0.04], [0.25, 1.015, 0.04]),
        part(Joint::ForearmL, Paint::Shell, [0.19, 0.79, -0.035], [0.25, 0.97, 0.035]),
        part(Joint::ForearmL, Paint::Trim, [0.18, 0.68, -0.035], [0.26, 0.79, 0.045]),
        part(Joint::ThighL, Paint::Shell, [0.045, 0.08, -0.055], [0.145, 0.8, 0.055]),
        part(Joint::ThighL, Paint::Trim, [0.04, 0.0, -0.07], [0.15, 0.08, 0.12]),
        part(Joint::Head, Paint::Trim, [0.14, 1.4, -0.04], [0.16, 1.47, 0.04]),
        Part { feature: Feature::Eye, ..part(Joint::Head, Paint::Glow, [0.03, 1.44, 0.128], [0.066, 1.472, 0.136]) },
        Part { feature: Feature::Mouth, ..part(Joint::Head, Paint::Glow, [0.0, 1.385, 0.128], [0.05, 1.397, 0.134]) },
    ];
    let mut parts = centre.to_vec();
    for part in left {
        parts.push(part);
        parts.push(Part {
            joint: part.joint.mirrored(),
            // `0.0 - x` rather than `-x`, so the box at the centre line gets
            // 0.0 and not -0.0.
            min: [0.0 - part.max[0], part.min[1], part.min[2]],
            max: [0.0 - part.min[0], part.max[1], part.max[2]],
            ..part
        });
    }
    parts
}

/// One of the two skinned meshes: the body, and the head with the face's
/// morph targets. Splitting them keeps the zero displacements of the
/// targets to the head's few vertices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Body,
    Head,
}

impl Piece {
    pub const ALL: [Piece; 2] = [Piece::Body, Piece::Head];

    pub fn name(self) -> &'static str {
        match self {
            Piece::Body => "animo_body",
            Piece::Head => "animo_head",
        }
    }

    /// The morph targets of this piece's mesh.
    pub fn expressions(self) -> &'static [Expression] {
        match self {
            Piece::Body => &[],
            Piece::Head => &Expression::ALL,
        }
    }

    fn holds(self, joint: Joint) -> bool {
        (joint == Joint::Head) == (self == Piece::Head)
    }
}

/// The vertices and triangles of one primitive: the boxes of one piece with one paint.
#[derive(Debug, Default)]
pub struct Geometry {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub joints: Vec<[u8; 4]>,
    pub weights: Vec<[f32; 4]>,
    pub indices: Vec<u16>,
    /// Per expression of the piece, one displacement per vertex.
    pub targets: Vec<Vec<[f32; 3]>>,
}

/// The primitives of `piece`, one per paint it uses, in [`Paint::ALL`] order.
pub fn primitives(piece: Piece) -> Vec<(Paint, Geometry)> {
    let parts = parts();
    let mut primitives = Vec::new();
    for paint in Paint::ALL {
        let mut geometry = Geometry { targets: vec![Vec::new(); piece.expressions().len()], ..Geometry::default() };
        for part in parts.iter().filter(|part| part.paint == paint && piece.holds(part.joint)) {
            add_box(&mut geometry, part, piece.expressions());
        }
        if !geometry.indices.is_empty() {
            primitives.push((paint, geometry));
        }
    }
    primitives
}

/// Adds a box with its own four vertices per face, so that each face is
/// flat-shaded by its own normal.
fn add_box(geometry: &mut Geometry, part: &Part, expressions: &[Expression]) {
    let joint = u8::try_from(part.joint.index()).expect("the skeleton has fewer than 256 joints");
    for axis in 0..3 {
        for sign in [1.0_f32, -1.0] {
            // Two tangents whose cross product is the outward normal, so the
            // corners below run counter-clockwise seen from outside, which is
            // glTF's front face.
            let (u, v) = if sign > 0.0 { ((axis + 1) % 3, (axis + 2) % 3) } else { ((axis + 2) % 3, (axis + 1) % 3) };
            let mut normal = [0.0; 3];
            normal[axis] = sign;
            let first = u16::try_from(geometry.positions.len()).expect("a primitive has fewer than 65,536 vertices");
            for (along_u, along_v) in [(false, false), (true, false), (true, true), (false, true)] {
                let mut position = [0.0; 3];
                position[axis] = if sign > 0.0 { part.max[axis] } else { part.min[axis] };
                position[u] = if along_u { part.max[u] } else { part.min[u] };
                position[v] = if along_v { part.max[v] } else { part.min[v] };
                geometry.positions.push(position);
                geometry.normals.push(normal);
                geometry.joints.push([joint, 0, 0, 0]);
                geometry.weights.push([1.0, 0.0, 0.0, 0.0]);
                let corner = corner(part, position);
                for (target, expression) in geometry.targets.iter_mut().zip(expressions) {
                    target.push(expression.displacement(part.feature, corner));
                }
            }
            geometry.indices.extend([first, first + 1, first + 2, first, first + 2, first + 3]);
        }
    }
}

fn corner(part: &Part, position: [f32; 3]) -> Corner {
    let [x, y, _] = position;
    let other_x = if x == part.min[0] { part.max[0] } else { part.min[0] };
    let centre_x = (part.min[0] + part.max[0]) / 2.0;
    Corner { top: y == part.max[1], outer: x.abs() > other_x.abs(), side: if centre_x >= 0.0 { 1.0 } else { -1.0 } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_robot_stands_on_the_ground_and_is_about_one_metre_sixty() {
        let parts = parts();
        let lowest = parts.iter().map(|part| part.min[1]).fold(f32::INFINITY, f32::min);
        let highest = parts.iter().map(|part| part.max[1]).fold(f32::NEG_INFINITY, f32::max);
        assert_eq!(lowest, 0.0);
        assert!((1.5..=1.7).contains(&highest), "{highest}");
    }

    #[test]
    fn faces_wind_counter_clockwise_around_their_normals() {
        for piece in Piece::ALL {
            for (_, geometry) in primitives(piece) {
                for triangle in geometry.indices.chunks(3) {
                    let [a, b, c] = [0, 1, 2].map(|i| geometry.positions[usize::from(triangle[i])]);
                    let normal = geometry.normals[usize::from(triangle[0])];
                    let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
                    let ac = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
                    let cross =
                        [ab[1] * ac[2] - ab[2] * ac[1], ab[2] * ac[0] - ab[0] * ac[2], ab[0] * ac[1] - ab[1] * ac[0]];
                    let dot = cross[0] * normal[0] + cross[1] * normal[1] + cross[2] * normal[2];
                    assert!(dot > 0.0, "a triangle of {} faces inwards", piece.name());
                }
            }
        }
    }

    #[test]
    fn only_the_face_moves_with_the_expressions() {
        for (paint, geometry) in primitives(Piece::Head) {
            let moved = geometry.targets.iter().flatten().any(|displacement| *displacement != [0.0; 3]);
            assert_eq!(moved, paint == Paint::Glow, "{paint:?}");
        }
        for (_, geometry) in primitives(Piece::Body) {
            assert!(geometry.targets.is_empty());
        }
    }
}
