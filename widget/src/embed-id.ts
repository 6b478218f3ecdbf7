/**
 * The part of a `<script>` element the loader reads. Taking this shape rather
 * than `HTMLScriptElement` keeps the helper pure, so it is tested without a DOM.
 */
export interface ScriptWithDataset {
  readonly dataset: Record<string, string | undefined>;
}

/**
 * Returns the bot's embed id from the loader's `data-embed-id` attribute, or
 * `null` when the tag is missing (a module script has no `currentScript`) or the
 * attribute is absent or blank.
 */
export function readEmbedId(script: ScriptWithDataset | null): string | null {
  const embedId = script?.dataset["embedId"]?.trim();
  return embedId === undefined || embedId === "" ? null : embedId;
}
