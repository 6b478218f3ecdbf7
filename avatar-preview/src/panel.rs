//! The window tool: the avatar on the right, an egui side panel on the left
//! to audition clips, edit the slot mapping, try sentences and widget events,
//! and open or save the mapping.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use animo_preview::avatar::check_mapping;
use animo_preview::camera::mouse_controls;
use animo_preview::playback::slot_for_reading;
use animo_preview::prelude::*;
use animo_shared::avatar::inspect::InspectionReport;
use animo_shared::avatar::mapping::{
    AnimationMapping, ClipName, Crossfade, Expression, LoopMode, MorphTargetName, MorphWeight, SlotBinding, Speed,
    WidgetEvent,
};
use animo_shared::avatar::slots::Slot;
use animo_shared::avatar::suggest::suggest_mapping;
use animo_shared::sentiment::{Lexicon, Reading, analyze};
use anyhow::{Context, Result};
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext, egui};

/// What the panel edits and shows.
#[derive(Resource, Debug)]
struct PanelState {
    report: InspectionReport,
    /// The mapping being edited; every change is sent to the preview.
    draft: AnimationMapping,
    mapping_path: String,
    sentence: String,
    reading: Option<(Reading, Slot)>,
    status: String,
}

/// A screenshot of the whole window after some frames, then exit.
#[derive(Resource, Debug, Clone)]
pub struct WindowCapture {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// After how many frames.
    pub frames: u64,
}

/// Opens the window and runs until it is closed, or until the screenshot of
/// `capture` is written.
pub fn run_window(
    file: &Path,
    glb: Arc<[u8]>,
    report: InspectionReport,
    mapping: AnimationMapping,
    mapping_path: Option<PathBuf>,
    slot: Slot,
    capture: Option<WindowCapture>,
) -> Result<()> {
    let mapping_path = mapping_path.unwrap_or_else(|| file.with_extension("mapping.json"));
    let title = format!(
        "Animo preview: {}",
        file.file_name().map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned())
    );
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window { title, resolution: (1280, 800).into(), ..default() }),
        ..default()
    }))
    .add_plugins((AvatarPreviewPlugin, EguiPlugin::default()))
    .insert_resource(PanelState {
        report,
        draft: mapping.clone(),
        mapping_path: mapping_path.display().to_string(),
        sentence: String::new(),
        reading: None,
        status: "loading…".to_owned(),
    })
    .add_systems(Startup, spawn_panel_camera)
    .add_systems(EguiPrimaryContextPass, draw_panel)
    .add_systems(Update, (mouse_controls.run_if(pointer_is_free), react_to_preview));
    if let Some(capture) = capture {
        app.insert_resource(capture).add_systems(Update, capture_window);
    }
    app.world_mut().write_message(LoadAvatar { glb, mapping: Some(mapping) });
    app.world_mut().write_message(PlaySlot(slot));
    let exit = app.run();
    if exit.is_error() {
        anyhow::bail!("the window closed with an error");
    }
    Ok(())
}

/// The panel gets a camera of its own that draws only the UI over the
/// avatar's camera, so the avatar's camera can be narrowed to the area right
/// of the panel.
fn spawn_panel_camera(mut commands: Commands, mut settings: ResMut<EguiGlobalSettings>) {
    settings.auto_create_primary_context = false;
    commands.spawn((
        Name::new("panel camera"),
        PrimaryEguiContext,
        Camera3d::default(),
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

fn capture_window(mut commands: Commands, capture: Res<WindowCapture>, mut frame: Local<u64>) {
    *frame += 1;
    if *frame != capture.frames {
        return;
    }
    let path = capture.path.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| match save_screenshot(
            &captured.image,
            &path,
        ) {
            Ok(()) => {
                exit.write(AppExit::Success);
            }
            Err(error) => {
                error!("{error:#}");
                exit.write(AppExit::error());
            }
        },
    );
}

fn save_screenshot(image: &Image, path: &Path) -> Result<()> {
    let rgba = image.clone().try_into_dynamic().context("the screenshot has an unknown pixel format")?.to_rgba8();
    let frame = Frame { width: rgba.width(), height: rgba.height(), rgba: rgba.into_raw(), index: 0 };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
    }
    frame.write_png(path).with_context(|| format!("could not write {}", path.display()))
}

fn pointer_is_free(wants: Res<EguiWantsInput>) -> bool {
    !wants.wants_pointer_input() && !wants.is_pointer_over_area()
}

fn react_to_preview(
    mut ready: MessageReader<AvatarReady>,
    mut failed: MessageReader<PreviewFailed>,
    mut clicked: MessageReader<AvatarClicked>,
    mut state: ResMut<PanelState>,
    mut play: MessageWriter<PlaySlot>,
) {
    if ready.read().count() > 0 {
        state.status = "ready".to_owned();
    }
    for PreviewFailed(error) in failed.read() {
        state.status = error.to_string();
    }
    for _ in clicked.read() {
        let slot = state.draft.events.get(&WidgetEvent::Click).copied().unwrap_or(Slot::Surprised);
        state.status = format!("clicked the avatar: plays {}", slot.name());
        play.write(PlaySlot(slot));
    }
}

#[derive(Default)]
struct Actions {
    play_slot: Option<Slot>,
    play_clip: Option<String>,
    mapping_changed: bool,
}

fn draw_panel(
    mut contexts: EguiContexts,
    mut state: ResMut<PanelState>,
    playback: Res<Playback>,
    mut cameras: Query<&mut Camera, With<OrbitCamera>>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut play_slot: MessageWriter<PlaySlot>,
    mut play_clip: MessageWriter<PlayClip>,
    mut set_mapping: MessageWriter<SetMapping>,
) -> bevy::ecs::error::Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    let mut actions = Actions::default();
    let panel_width = egui::Panel::left("animo panel")
        .resizable(true)
        .default_size(560.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| panel_contents(ui, &mut state, &playback, &mut actions));
        })
        .response
        .rect
        .width();

    if let Some(slot) = actions.play_slot {
        play_slot.write(PlaySlot(slot));
    }
    if let Some(clip) = actions.play_clip {
        play_clip.write(PlayClip(clip));
    }
    if actions.mapping_changed {
        set_mapping.write(SetMapping(state.draft.clone()));
    }

    // The avatar's camera renders to the right of the panel only.
    let scale = window.scale_factor();
    let left = ((panel_width * scale) as u32).min(window.physical_width().saturating_sub(1));
    let size = UVec2::new(window.physical_width() - left, window.physical_height().max(1));
    for mut camera in &mut cameras {
        camera.viewport = Some(Viewport { physical_position: UVec2::new(left, 0), physical_size: size, ..default() });
    }
    Ok(())
}

fn panel_contents(ui: &mut egui::Ui, state: &mut PanelState, playback: &Playback, actions: &mut Actions) {
    ui.heading("Animo avatar preview");
    ui.label(format!("Status: {}", state.status));
    if let Some(now) = playback.now() {
        let slot = match (now.requested, now.resolved) {
            (Some(requested), Some(resolved)) if requested != resolved => {
                format!("slot {} (falls back to {})", requested.name(), resolved.name())
            }
            (Some(requested), _) => format!("slot {}", requested.name()),
            (None, _) => "clip audition".to_owned(),
        };
        ui.label(format!("Playing: {slot}, clip {}", now.binding.clip.as_str()));
    }
    ui.label("Drag on the avatar to orbit, scroll to zoom, click it to poke it.");

    ui.separator();
    ui.collapsing("Clips", |ui| {
        for clip in &state.report.clips {
            if ui.button(format!("{}  ({:.2} s)", clip.name, clip.duration_secs)).clicked() {
                actions.play_clip = Some(clip.name.clone());
            }
        }
    });

    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Slots");
        if ui.button("Auto-suggest").on_hover_text("Propose a mapping from the clip names").clicked() {
            let suggestion = suggest_mapping(&state.report.clip_names(), &state.report.morph_target_names());
            state.draft = suggestion.mapping;
            state.status = format!(
                "suggested clips for {} slots; {} fall back",
                suggestion.slots.len(),
                suggestion.unmapped.len()
            );
            actions.mapping_changed = true;
        }
    });
    slot_table(ui, state, actions);

    ui.separator();
    ui.strong("Sentence");
    let response = ui.text_edit_singleline(&mut state.sentence);
    let submitted = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
    if ui.button("Read and play").clicked() || submitted {
        let reading = analyze(&state.sentence, Lexicon::for_language("en"));
        let slot = slot_for_reading(&state.draft, &reading);
        actions.play_slot = Some(slot);
        state.reading = Some((reading, slot));
    }
    if let Some((reading, slot)) = &state.reading {
        let intent = reading.intent.map_or_else(|| "none".to_owned(), |intent| format!("{intent:?}").to_lowercase());
        ui.label(format!(
            "emotion {} ({:.2}), intent {intent}, compound {:+.2} → {}",
            format!("{:?}", reading.emotion).to_lowercase(),
            reading.intensity,
            reading.compound,
            slot.name()
        ));
    }

    ui.separator();
    ui.strong("Widget events");
    ui.horizontal_wrapped(|ui| {
        for event in WidgetEvent::ALL {
            let slot = state.draft.events.get(event).copied();
            let label = format!("{event:?}");
            let button = ui.button(label);
            if let Some(slot) = slot
                && button.on_hover_text(format!("plays {}", slot.name())).clicked()
            {
                actions.play_slot = Some(slot);
            }
        }
    });

    ui.separator();
    ui.strong("Mapping file");
    ui.text_edit_singleline(&mut state.mapping_path);
    ui.horizontal(|ui| {
        if ui.button("Open").clicked() {
            match open_mapping(Path::new(&state.mapping_path), &state.report) {
                Ok(mapping) => {
                    state.draft = mapping;
                    state.status = format!("opened {}", state.mapping_path);
                    actions.mapping_changed = true;
                }
                Err(error) => state.status = format!("{error:#}"),
            }
        }
        if ui.button("Save").clicked() {
            state.status = match save_mapping(Path::new(&state.mapping_path), &state.draft) {
                Ok(()) => format!("saved {}", state.mapping_path),
                Err(error) => format!("{error:#}"),
            };
        }
    });
}

const FALLBACK: &str = "(falls back)";
const NO_EXPRESSION: &str = "(none)";

fn slot_table(ui: &mut egui::Ui, state: &mut PanelState, actions: &mut Actions) {
    let clips = state.report.clip_names();
    let morphs = state.report.morph_target_names();
    egui::Grid::new("slot table").striped(true).num_columns(7).show(ui, |ui| {
        for header in ["slot", "clip", "loop", "speed", "fade s", "expression", ""] {
            ui.strong(header);
        }
        ui.end_row();
        for slot in Slot::ALL.iter().copied() {
            ui.label(slot.name()).on_hover_text(slot.meaning());
            let binding = state.draft.slots.get(&slot).cloned();
            let selected = binding.as_ref().map_or(FALLBACK, |binding| binding.clip.as_str()).to_owned();
            let mut chosen = selected.clone();
            egui::ComboBox::from_id_salt(("clip", slot)).selected_text(&selected).width(130.0).show_ui(ui, |ui| {
                if slot != Slot::Idle {
                    ui.selectable_value(&mut chosen, FALLBACK.to_owned(), FALLBACK);
                }
                for clip in &clips {
                    ui.selectable_value(&mut chosen, clip.clone(), clip);
                }
            });
            if chosen != selected {
                match ClipName::try_from(chosen.as_str()) {
                    Ok(clip) => {
                        let edited = match binding.clone() {
                            Some(binding) => SlotBinding { clip, ..binding },
                            None => SlotBinding::new(clip, LoopMode::Loop),
                        };
                        state.draft.slots.insert(slot, edited);
                    }
                    Err(_) => {
                        state.draft.slots.remove(&slot);
                    }
                }
                actions.mapping_changed = true;
            }
            match state.draft.slots.get_mut(&slot) {
                Some(binding) => {
                    actions.mapping_changed |= binding_editors(ui, slot, binding, &morphs);
                    if ui.button("▶").on_hover_text("play this slot").clicked() {
                        actions.play_slot = Some(slot);
                    }
                }
                None => {
                    let fallback = state.draft.resolve(slot).map_or("nothing", |(resolved, _)| resolved.name());
                    ui.label(format!("→ {fallback}"));
                    for _ in 0..3 {
                        ui.label("");
                    }
                    if ui.button("▶").on_hover_text("play this slot").clicked() {
                        actions.play_slot = Some(slot);
                    }
                }
            }
            ui.end_row();
        }
    });
}

/// Loop mode, speed, crossfade and expression of one binding; true when
/// something changed.
fn binding_editors(ui: &mut egui::Ui, slot: Slot, binding: &mut SlotBinding, morphs: &[String]) -> bool {
    let mut changed = false;
    egui::ComboBox::from_id_salt(("loop", slot)).selected_text(loop_name(binding.loop_mode)).width(60.0).show_ui(
        ui,
        |ui| {
            for mode in [LoopMode::Loop, LoopMode::Once, LoopMode::Hold] {
                changed |= ui.selectable_value(&mut binding.loop_mode, mode, loop_name(mode)).changed();
            }
        },
    );

    let mut speed = binding.speed.value();
    if ui.add(egui::DragValue::new(&mut speed).range(Speed::MIN..=Speed::MAX).speed(0.05).fixed_decimals(2)).changed()
        && let Ok(value) = Speed::try_from(speed)
    {
        binding.speed = value;
        changed = true;
    }

    let mut fade = binding.crossfade_secs.value();
    if ui
        .add(egui::DragValue::new(&mut fade).range(Crossfade::MIN..=Crossfade::MAX).speed(0.02).fixed_decimals(2))
        .changed()
        && let Ok(value) = Crossfade::try_from(fade)
    {
        binding.crossfade_secs = value;
        changed = true;
    }

    ui.horizontal(|ui| {
        let selected =
            binding.expression.as_ref().map_or(NO_EXPRESSION, |expression| expression.morph_target.as_str()).to_owned();
        let mut chosen = selected.clone();
        egui::ComboBox::from_id_salt(("expression", slot)).selected_text(&selected).width(80.0).show_ui(ui, |ui| {
            ui.selectable_value(&mut chosen, NO_EXPRESSION.to_owned(), NO_EXPRESSION);
            for morph in morphs {
                ui.selectable_value(&mut chosen, morph.clone(), morph);
            }
        });
        if chosen != selected {
            binding.expression = MorphTargetName::try_from(chosen.as_str())
                .ok()
                .filter(|_| chosen != NO_EXPRESSION)
                .map(|morph_target| Expression { morph_target, weight: MorphWeight::default() });
            changed = true;
        }
        if let Some(expression) = &mut binding.expression {
            let mut weight = expression.weight.value();
            if ui.add(egui::Slider::new(&mut weight, MorphWeight::MIN..=MorphWeight::MAX).show_value(false)).changed()
                && let Ok(value) = MorphWeight::try_from(weight)
            {
                expression.weight = value;
                changed = true;
            }
        }
    });
    changed
}

fn loop_name(mode: LoopMode) -> &'static str {
    match mode {
        LoopMode::Loop => "loop",
        LoopMode::Once => "once",
        LoopMode::Hold => "hold",
    }
}

fn open_mapping(path: &Path, report: &InspectionReport) -> Result<AnimationMapping> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    let mapping: AnimationMapping = serde_json::from_str(&text)
        .with_context(|| format!("invalid_request: {} is not a valid animation mapping", path.display()))?;
    check_mapping(report, &mapping).map_err(|error| anyhow::anyhow!("{error}"))?;
    Ok(mapping)
}

fn save_mapping(path: &Path, mapping: &AnimationMapping) -> Result<()> {
    let json = serde_json::to_string_pretty(mapping).context("could not write the mapping as JSON")?;
    std::fs::write(path, json + "\n").with_context(|| format!("could not write {}", path.display()))
}
