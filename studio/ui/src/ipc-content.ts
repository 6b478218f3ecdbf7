/**
 * The commands of the Knowledge, Widget & Placement and Analytics screens
 * and the avatar upload, mirroring studio/src/content.rs. They fail with the
 * core's StudioError (a code of the shared table and a sentence).
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AddUrlRequest,
  AnalyticsQuery,
  AvatarView,
  BotAnalytics,
  BotAvatar,
  BotId,
  DocumentId,
  DocumentList,
  DocumentView,
  SearchRequest,
  SearchResponse,
} from "./generated/animo";
import type { DraftSave, UploadProgress } from "./generated/studio";
import type { AvatarSource } from "./ipc";

/** The event an upload's progress arrives on. */
export const UPLOAD_PROGRESS_EVENT = "upload-progress";

export interface UploadProgressEvent extends UploadProgress {
  /** The id given to the upload by the caller. */
  id: string;
}

let uploads = 0;

/** A fresh id for an upload, to tell its progress events apart. */
export function nextUploadId(kind: string): string {
  uploads += 1;
  return `${kind}-${Date.now().toString(36)}-${uploads}`;
}

/** Calls `onProgress` for every progress event of upload `id` until the returned function is called. */
export function watchUpload(id: string, onProgress: (progress: UploadProgress) => void): Promise<UnlistenFn> {
  return listen<UploadProgressEvent>(UPLOAD_PROGRESS_EVENT, ({ payload }) => {
    if (payload.id === id) onProgress({ sent: payload.sent, total: payload.total });
  });
}

export const knowledgeChooseFiles = (): Promise<string[]> => invoke("knowledge_choose_files");
export const knowledgeAddFile = (botId: BotId, path: string, uploadId: string): Promise<DocumentView> =>
  invoke("knowledge_add_file", { botId, path, uploadId });
export const knowledgeAddUrl = (botId: BotId, request: AddUrlRequest): Promise<DocumentView> =>
  invoke("knowledge_add_url", { botId, request });
export const knowledgeList = (botId: BotId): Promise<DocumentList> => invoke("knowledge_list", { botId });
export const knowledgeDelete = (botId: BotId, documentId: DocumentId): Promise<void> =>
  invoke("knowledge_delete", { botId, documentId });
export const knowledgeResync = (botId: BotId, documentId: DocumentId): Promise<DocumentView> =>
  invoke("knowledge_resync", { botId, documentId });
export const knowledgeSearch = (botId: BotId, request: SearchRequest): Promise<SearchResponse> =>
  invoke("knowledge_search", { botId, request });
export const analyticsLoad = (botId: BotId, query: AnalyticsQuery): Promise<BotAnalytics> =>
  invoke("analytics_load", { botId, query });
/** Uploads a local file or the demo avatar (not one already on the server). */
export const avatarUpload = (source: AvatarSource, uploadId: string): Promise<AvatarView> =>
  invoke("avatar_upload", { source, uploadId });
export const avatarAttach = (botId: BotId, avatar: BotAvatar): Promise<DraftSave> =>
  invoke("avatar_attach", { botId, avatar });
