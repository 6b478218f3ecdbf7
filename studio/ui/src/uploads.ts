/**
 * Upload progress for the Knowledge and Avatar screens: each upload gets an
 * id of the caller's, and the app's `upload-progress` events carry it.
 */
import type { UnlistenFn } from "@tauri-apps/api/event";
import type { UploadProgress } from "./generated/studio";
import { onUploadProgress } from "./generated/commands";

let uploads = 0;

/** A fresh id for an upload, to tell its progress events apart. */
export function nextUploadId(kind: string): string {
  uploads += 1;
  return `${kind}-${Date.now().toString(36)}-${uploads}`;
}

/** Calls `onProgress` for every progress event of upload `id` until the returned function is called. */
export function watchUpload(id: string, onProgress: (progress: UploadProgress) => void): Promise<UnlistenFn> {
  return onUploadProgress((payload) => {
    if (payload.id === id) onProgress({ sent: payload.sent, total: payload.total });
  });
}
