/**
 * The Studio's commands with their argument and result types, mirroring
 * studio/src/commands.rs. Shared contract types come from the generated
 * bindings; these describe the desktop app's own commands.
 */
import { invoke } from "@tauri-apps/api/core";
import type {
  AnimationMapping,
  AvatarId,
  Emotion,
  InspectionReport,
  Intent,
  MappingSuggestion,
  Slot,
  WidgetEvent,
} from "./generated/animo";

export interface StudioInfo {
  version: string;
  bench: boolean;
}

export type AvatarSource =
  | { kind: "demo" }
  | { kind: "file"; path: string }
  /** An avatar uploaded to the signed-in tenant. */
  | { kind: "server"; avatar_id: AvatarId; name: string };

export interface ViewportSize {
  width: number;
  height: number;
}

export interface AvatarOpened {
  name: string;
  report: InspectionReport;
  mapping: AnimationMapping;
  suggestion: MappingSuggestion;
}

export interface SentenceReading {
  compound: number;
  emotion: Emotion;
  intensity: number;
  intent: Intent | null;
  slot: Slot;
}

export type ViewportInput =
  | { kind: "orbit"; yaw: number; pitch: number }
  | { kind: "zoom"; factor: number }
  | { kind: "reset_camera" }
  | { kind: "click"; x: number; y: number }
  | { kind: "resize"; width: number; height: number }
  | { kind: "play_slot"; slot: Slot }
  | { kind: "play_clip"; clip: string };

export type ViewportEvent =
  | { kind: "ready" }
  | { kind: "failed"; code: string | null; message: string }
  | { kind: "clicked"; point: [number, number, number] }
  | { kind: "stopped"; message: string };

export const VIEWPORT_EVENT = "viewport-event";

export const studioInfo = (): Promise<StudioInfo> => invoke("studio_info");
export const uiReady = (): Promise<void> => invoke("ui_ready");
export const avatarChooseFile = (): Promise<string | null> => invoke("avatar_choose_file");
/** Opens an avatar; with `mapping` (a bot's own) instead of the suggested one. */
export const avatarOpen = (source: AvatarSource, size: ViewportSize, mapping?: AnimationMapping): Promise<AvatarOpened> =>
  invoke("avatar_open", { source, size, mapping: mapping ?? null });
export const viewportInput = (input: ViewportInput, sequence: number): Promise<void> =>
  invoke("viewport_input", { input, sequence });
export const mappingSet = (mapping: AnimationMapping): Promise<void> => invoke("mapping_set", { mapping });
export const sentencePlay = (text: string): Promise<SentenceReading> => invoke("sentence_play", { text });
export const widgetEvent = (event: WidgetEvent): Promise<Slot | null> => invoke("widget_event", { event });
export const benchFinish = (report: unknown): Promise<void> => invoke("bench_finish", { report });
