/**
 * The Avatar screen's logic without the DOM: how a bot's mapping was adapted
 * to a newly chosen avatar, in words for the designer.
 */
import type { SlotAdjustment } from "../generated/studio";

/** One line per changed slot: what it played, what it plays now and why. */
export function describeAdjustment(adjustment: SlotAdjustment): string {
  const slot = adjustment.slot.replace(/_/g, " ");
  if (adjustment.clip === null) {
    return `${slot}: “${adjustment.previous_clip}” is unmapped and falls back (${adjustment.reason})`;
  }
  if (adjustment.clip === adjustment.previous_clip) {
    return `${slot}: still “${adjustment.clip}” (${adjustment.reason})`;
  }
  return `${slot}: “${adjustment.previous_clip}” → “${adjustment.clip}”, suggested (${adjustment.reason})`;
}

/** The heading above the list, or null when nothing changed. */
export function adjustmentSummary(adjusted: readonly SlotAdjustment[]): string | null {
  if (adjusted.length === 0) return null;
  const slots = adjusted.length === 1 ? "1 slot" : `${adjusted.length} slots`;
  return `The bot's mapping was adapted to this avatar: ${slots} changed. Review them, then attach to keep the result.`;
}
