/**
 * The embed loader, `embed.js`. This is a placeholder: it only finds the bot's
 * embed id. The launcher, the chat and the avatar land with the widget issue.
 */
import { readEmbedId } from "./embed-id";

export { readEmbedId } from "./embed-id";
export type { ScriptWithDataset } from "./embed-id";
export { describeError } from "./errors";

// `currentScript` is only set while the loader's own tag runs, so it is read
// once, at the top level, before anything asynchronous happens.
const embedId = readEmbedId(document.currentScript);
if (embedId === null) {
  // A site owner pasting the snippet without its attribute needs to be told why
  // nothing appears; this is the one place they would look.
  console.error("animo: the embed script tag has no data-embed-id attribute");
}
