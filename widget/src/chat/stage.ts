/**
 * The stage above the messages: the 3D avatar where the device can afford
 * it, else a 2D poster. The avatar chunk (three.js) is fetched only when
 * the bot has an avatar, WebGL2 works, and the visitor asked neither for
 * reduced motion nor for saving data.
 */
import type { AvatarCue, AvatarHandle, ConversationPhase, MountAvatar } from "../avatar-api";
import type { EmbedConfig, WidgetEvent } from "../generated/animo";

/** What the stage shows and why. */
export type StageKind = { kind: "avatar" } | { kind: "poster"; reason: string };

export interface Stage {
  setPhase(phase: ConversationPhase): void;
  /** Plays a cue; false when there is no avatar to play it. */
  cue(cue: AvatarCue): boolean;
  react(event: WidgetEvent): boolean;
  dispose(): void;
}

interface NetworkInformationLike {
  saveData?: boolean;
}

/** Why the avatar may not be shown here, or null when it may. */
export function avatarBlocker(config: EmbedConfig, avatarChunk: string | null): string | null {
  if (!config.avatar) {
    return "no_avatar";
  }
  if (avatarChunk === null) {
    return "not_built";
  }
  if (matchMedia("(prefers-reduced-motion: reduce)").matches) {
    return "reduced_motion";
  }
  const connection = (navigator as Navigator & { connection?: NetworkInformationLike }).connection;
  if (connection?.saveData === true) {
    return "save_data";
  }
  return webgl2Works() ? null : "no_webgl2";
}

function webgl2Works(): boolean {
  try {
    const context = document.createElement("canvas").getContext("webgl2");
    // Free the probe's context at once: browsers cap live WebGL contexts.
    context?.getExtension("WEBGL_lose_context")?.loseContext();
    return context !== null;
  } catch {
    return false;
  }
}

/**
 * The 2D poster: the avatar's idle pose rendered when the bot was published,
 * over the bot's initial on its brand colour. The initial shows until the
 * image has loaded and stays when it fails to load, or when there is none.
 */
export function drawPoster(container: HTMLElement, botName: string, posterUrl: string | null = null): void {
  const poster = document.createElement("div");
  poster.className = "poster";
  const initial = document.createElement("div");
  initial.className = "initial";
  initial.setAttribute("aria-hidden", "true");
  initial.textContent = (Array.from(botName.trim())[0] ?? "?").toUpperCase();
  poster.append(initial);
  if (posterUrl !== null) {
    const image = document.createElement("img");
    // Decorative: the panel's title already names the bot.
    image.alt = "";
    image.decoding = "async";
    image.hidden = true;
    image.addEventListener("load", () => {
      image.hidden = false;
      initial.remove();
    });
    image.addEventListener("error", () => image.remove());
    image.src = posterUrl;
    poster.append(image);
  }
  container.replaceChildren(poster);
}

/** The poster's absolute URL, when the published version has one. */
export function posterUrl(config: EmbedConfig, base: string): string | null {
  return config.poster_url ? new URL(config.poster_url, `${base}/`).href : null;
}

/**
 * Mounts the stage into `container`; resolves once the avatar shows or the
 * poster stands in, with what was shown.
 */
export async function mountStage(
  container: HTMLElement,
  config: EmbedConfig,
  base: string,
  avatarChunk: string | null,
  onEvent: (kind: WidgetEvent, data?: Record<string, unknown>) => void,
): Promise<{ stage: Stage; shown: StageKind }> {
  const blocker = avatarBlocker(config, avatarChunk);
  const posterStage = (reason: string): { stage: Stage; shown: StageKind } => {
    drawPoster(container, config.bot_name, posterUrl(config, base));
    container.dataset["stage"] = "poster";
    return {
      stage: { setPhase: () => undefined, cue: () => false, react: () => false, dispose: () => undefined },
      shown: { kind: "poster", reason },
    };
  };
  if (blocker !== null || !config.avatar || avatarChunk === null) {
    return posterStage(blocker ?? "no_avatar");
  }
  container.dataset["stage"] = "loading";
  drawPoster(container, config.bot_name, posterUrl(config, base));
  let handle: AvatarHandle;
  try {
    const module = (await import(avatarChunk)) as { mountAvatar: MountAvatar };
    const slot = document.createElement("div");
    slot.style.cssText = "position:absolute;inset:0";
    container.append(slot);
    handle = await module.mountAvatar(slot, {
      modelUrl: new URL(config.avatar.model_url, `${base}/`).href,
      mapping: config.avatar.mapping,
      onEvent,
    });
    container.firstElementChild?.remove();
  } catch (error) {
    console.warn("animo: the avatar could not be shown; showing the poster", error);
    return posterStage("load_failed");
  }
  container.dataset["stage"] = "avatar";
  return {
    stage: {
      setPhase: (phase) => handle.setPhase(phase),
      cue: (cue) => {
        handle.cue(cue);
        return true;
      },
      react: (event) => {
        handle.react(event);
        return true;
      },
      dispose: () => handle.dispose(),
    },
    shown: { kind: "avatar" },
  };
}
