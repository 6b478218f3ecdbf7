//! The camera: framed on the avatar's bounds, orbiting and zooming around
//! it, and turning clicks into hits on the avatar.

use std::f32::consts::FRAC_PI_2;

use bevy::camera::{Exposure, Projection};
use bevy::core_pipeline::prepass::DepthPrepass;
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::light::GlobalAmbientLight;
use bevy::math::bounding::{Aabb3d, RayCast3d};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use crate::avatar::{Avatar, AvatarReady};

/// The colour behind the avatar.
pub const BACKGROUND: Color = Color::srgb(0.13, 0.14, 0.17);

/// Moves the camera around the avatar.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum CameraInput {
    /// Turns around the avatar by these angles, in radians (positive yaw
    /// turns the camera to its right, positive pitch raises it).
    Orbit {
        /// Around the vertical axis.
        yaw: f32,
        /// Up or down, kept short of straight above or below.
        pitch: f32,
    },
    /// Multiplies the distance to the avatar: below 1 comes closer.
    Zoom(f32),
    /// Back to the framing the avatar was loaded with.
    Reset,
}

/// A click or tap at a position in the viewport, in logical pixels from the
/// top left corner (image pixels when rendering offscreen).
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct ClickAt(pub Vec2);

/// A click hit the avatar.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct AvatarClicked {
    /// Where the click's ray entered the avatar's bounding box, in world space.
    pub point: Vec3,
}

/// The preview's camera, orbiting a focus point at a distance fitted to the
/// avatar's bounds.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct OrbitCamera {
    /// The point looked at: the centre of the avatar's bounds.
    pub focus: Vec3,
    /// Half the size of the avatar's bounds along each axis.
    pub half_extents: Vec3,
    /// The angle around the vertical axis, 0 looking at the avatar's front (+Z).
    pub yaw: f32,
    /// The angle above the horizontal.
    pub pitch: f32,
    /// The distance as a multiple of the fitted one.
    pub zoom: f32,
}

const DEFAULT_PITCH: f32 = 0.12;
const PITCH_LIMIT: f32 = FRAC_PI_2 - 0.05;
const ZOOM_RANGE: (f32, f32) = (0.2, 5.0);

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            focus: Vec3::new(0.0, 1.0, 0.0),
            half_extents: Vec3::splat(1.0),
            yaw: 0.0,
            pitch: DEFAULT_PITCH,
            zoom: 1.0,
        }
    }
}

impl OrbitCamera {
    /// The distance at which the whole box fits a view with this vertical
    /// field of view and aspect ratio, from any yaw.
    pub fn fitted_distance(&self, vertical_fov: f32, aspect: f32) -> f32 {
        let tan_half = (vertical_fov / 2.0).tan().max(1e-3);
        let horizontal_half = self.half_extents.x.max(self.half_extents.z);
        let for_height = self.half_extents.y / tan_half;
        let for_width = horizontal_half / (tan_half * aspect.max(1e-3));
        // A margin so the avatar does not touch the edges, plus the box's depth
        // towards the camera.
        for_height.max(for_width) * 1.12 + horizontal_half
    }

    /// The camera's transform for a view with this field of view and aspect ratio.
    pub fn transform(&self, vertical_fov: f32, aspect: f32) -> Transform {
        let distance = self.fitted_distance(vertical_fov, aspect) * self.zoom;
        let offset = Quat::from_euler(EulerRot::YXZ, self.yaw, -self.pitch, 0.0) * Vec3::new(0.0, 0.0, distance);
        Transform::from_translation(self.focus + offset).looking_at(self.focus, Vec3::Y)
    }
}

/// The widget's lighting (`widget/src/avatar/scene.ts`), which visitors see:
/// a white directional light of intensity 2 from (1, 2, 3), a hemisphere
/// light of intensity 2.2 from white above to this colour below, no shadows
/// and no tone mapping.
const WIDGET_SUN_INTENSITY: f32 = 2.0;
const WIDGET_SUN_FROM: Vec3 = Vec3::new(1.0, 2.0, 3.0);
const WIDGET_HEMISPHERE_INTENSITY: f32 = 2.2;
const WIDGET_HEMISPHERE_GROUND: Color = Color::srgb_u8(0x55, 0x60, 0x70);

/// three.js lights are in the output's units, Bevy's in lux scaled by the
/// camera's exposure; this brings the widget's intensities to Bevy's.
fn bevy_light_units(intensity: f32) -> f32 {
    intensity / Exposure::default().exposure()
}

/// The ambient light closest to the widget's hemisphere light: Bevy has no
/// hemisphere light, so a uniform light of the sky and ground colours' mean,
/// which is what a surface facing sideways gets from the hemisphere. three.js
/// divides the hemisphere's irradiance by π (Lambert), Bevy's ambient does not.
pub(crate) fn widget_ambient_light() -> GlobalAmbientLight {
    let ground = WIDGET_HEMISPHERE_GROUND.to_linear();
    let mean = LinearRgba::rgb((1.0 + ground.red) / 2.0, (1.0 + ground.green) / 2.0, (1.0 + ground.blue) / 2.0);
    GlobalAmbientLight {
        color: mean.into(),
        brightness: bevy_light_units(WIDGET_HEMISPHERE_INTENSITY / std::f32::consts::PI),
        ..default()
    }
}

/// Spawns the camera and the light, lit as the widget lights the avatar.
///
/// Every pass and light costs fragment work, which on a software renderer
/// (Mesa's llvmpipe, where the Studio may run) is most of a frame's time: no
/// tone mapping or dithering (the widget has none either), a single
/// directional light like the widget's, no shadow maps (the widget renders
/// none), and a depth prepass, which shades each covered pixel once instead
/// of once per overlapping surface.
pub(crate) fn spawn_camera_and_lights(mut commands: Commands) {
    commands.spawn((
        Name::new("preview camera"),
        Camera3d::default(),
        Tonemapping::None,
        DebandDither::Disabled,
        DepthPrepass,
        OrbitCamera::default(),
        Transform::default(),
    ));
    commands.spawn((
        Name::new("key light"),
        DirectionalLight {
            illuminance: bevy_light_units(WIDGET_SUN_INTENSITY),
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_translation(WIDGET_SUN_FROM).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

/// Frames a newly ready avatar from its inspected bounds.
pub(crate) fn frame_avatar(
    mut ready: MessageReader<AvatarReady>,
    avatar: Option<Res<Avatar>>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    if ready.read().count() == 0 {
        return;
    }
    let Some(bounds) = avatar.as_ref().and_then(|avatar| avatar.report.bounds) else {
        return;
    };
    let (min, max) = (Vec3::from_array(bounds.min), Vec3::from_array(bounds.max));
    for mut camera in &mut cameras {
        *camera = OrbitCamera {
            focus: (min + max) / 2.0,
            half_extents: ((max - min) / 2.0).max(Vec3::splat(0.01)),
            ..OrbitCamera::default()
        };
    }
}

pub(crate) fn apply_camera_input(mut inputs: MessageReader<CameraInput>, mut cameras: Query<&mut OrbitCamera>) {
    for input in inputs.read() {
        for mut camera in &mut cameras {
            match *input {
                CameraInput::Orbit { yaw, pitch } => {
                    camera.yaw += yaw;
                    camera.pitch = (camera.pitch + pitch).clamp(-PITCH_LIMIT, PITCH_LIMIT);
                }
                CameraInput::Zoom(factor) if factor.is_finite() && factor > 0.0 => {
                    camera.zoom = (camera.zoom * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
                }
                CameraInput::Zoom(_) => {}
                CameraInput::Reset => {
                    camera.yaw = 0.0;
                    camera.pitch = DEFAULT_PITCH;
                    camera.zoom = 1.0;
                }
            }
        }
    }
}

/// Places every orbit camera, using its projection and current viewport.
pub(crate) fn place_cameras(mut cameras: Query<(&OrbitCamera, &Camera, &Projection, &mut Transform)>) {
    for (orbit, camera, projection, mut transform) in &mut cameras {
        let (fov, projection_aspect) = match projection {
            Projection::Perspective(perspective) => (perspective.fov, perspective.aspect_ratio),
            _ => (std::f32::consts::FRAC_PI_4, 1.0),
        };
        let aspect = camera.logical_viewport_size().map_or(projection_aspect, |size| size.x / size.y.max(1.0));
        let placed = orbit.transform(fov, aspect);
        if *transform != placed {
            *transform = placed;
        }
    }
}

/// Casts each click's ray against the avatar's bounding box.
pub(crate) fn pick(
    mut clicks: MessageReader<ClickAt>,
    avatar: Option<Res<Avatar>>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    roots: Query<&GlobalTransform>,
    mut hits: MessageWriter<AvatarClicked>,
) {
    let Some(avatar) = avatar.filter(|avatar| avatar.is_ready()) else {
        clicks.clear();
        return;
    };
    let Some(bounds) = avatar.report.bounds else {
        clicks.clear();
        return;
    };
    let root = avatar.root().and_then(|root| roots.get(root).ok()).copied().unwrap_or_default();
    for ClickAt(position) in clicks.read() {
        for (camera, camera_transform) in &cameras {
            let Ok(ray) = camera.viewport_to_world(camera_transform, *position) else {
                continue;
            };
            if let Some(point) = hit_box(ray, &root, Vec3::from_array(bounds.min), Vec3::from_array(bounds.max)) {
                hits.write(AvatarClicked { point });
            }
        }
    }
}

/// Where `ray` (in world space) enters the box `min..max` given in the
/// space of `root`.
pub fn hit_box(ray: Ray3d, root: &GlobalTransform, min: Vec3, max: Vec3) -> Option<Vec3> {
    let to_local = root.affine().inverse();
    let origin = to_local.transform_point3(ray.origin);
    let direction = Dir3::new(to_local.transform_vector3(*ray.direction)).ok()?;
    let local = Ray3d::new(origin, direction);
    let distance = RayCast3d::from_ray(local, f32::MAX)
        .aabb_intersection_at(&Aabb3d::new((min + max) / 2.0, (max - min) / 2.0))?;
    Some(root.transform_point(local.get_point(distance)))
}

/// The window's mouse controls: drag with the left button to orbit, wheel to
/// zoom, and a click (a press and release without a drag) to pick.
///
/// Public so that the window tool can run it only while its panel does not
/// want the pointer.
pub fn mouse_controls(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    window: Single<&Window, With<PrimaryWindow>>,
    cameras: Query<&Camera, With<OrbitCamera>>,
    mut pressed_at: Local<Option<Vec2>>,
    mut dragged: Local<bool>,
    mut camera_input: MessageWriter<CameraInput>,
    mut clicks: MessageWriter<ClickAt>,
) {
    const RADIANS_PER_PIXEL: f32 = 0.008;
    const DRAG_THRESHOLD: f32 = 4.0;

    let cursor = window.cursor_position();
    if buttons.just_pressed(MouseButton::Left) {
        *pressed_at = cursor;
        *dragged = false;
    }
    if buttons.pressed(MouseButton::Left) && motion.delta != Vec2::ZERO {
        if let (Some(start), Some(now)) = (*pressed_at, cursor)
            && start.distance(now) > DRAG_THRESHOLD
        {
            *dragged = true;
        }
        if *dragged {
            camera_input.write(CameraInput::Orbit {
                yaw: -motion.delta.x * RADIANS_PER_PIXEL,
                pitch: motion.delta.y * RADIANS_PER_PIXEL,
            });
        }
    }
    if buttons.just_released(MouseButton::Left) {
        if !*dragged && let Some(position) = cursor {
            // Clicks are given relative to the camera's viewport, which the
            // window tool narrows to the area beside its panel.
            for camera in &cameras {
                let viewport =
                    camera.logical_viewport_rect().unwrap_or(Rect::new(0.0, 0.0, window.width(), window.height()));
                if viewport.contains(position) {
                    clicks.write(ClickAt(position - viewport.min));
                }
            }
        }
        *pressed_at = None;
    }
    if scroll.delta.y != 0.0 {
        let notches = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        camera_input.write(CameraInput::Zoom(0.9_f32.powf(notches)));
    }
}
