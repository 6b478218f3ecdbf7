/**
 * Time-series charts drawn as plain SVG, and the arithmetic behind them
 * (axis scaling, series geometry, date ranges) kept free of the DOM so it
 * can be tested on its own.
 */

const SVG = "http://www.w3.org/2000/svg";

/** Axis ticks from 0 to a "nice" top at or above `max` (1, 2 or 5 times a power of ten per step). */
export function niceTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(roundTo(value, step));
  return ticks;
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(value.toFixed(decimals));
}

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The x of point `index` of `count`, points spread over the plot's width (one alone sits in the middle). */
export function xAt(index: number, count: number, box: Box): number {
  const inner = box.width - box.left - box.right;
  if (count <= 1) return box.left + inner / 2;
  return box.left + (inner * index) / (count - 1);
}

/** The y of `value` on an axis from 0 to `top`. */
export function yAt(value: number, top: number, box: Box): number {
  const inner = box.height - box.top - box.bottom;
  const clamped = Math.min(Math.max(value, 0), top);
  return box.top + inner - (top <= 0 ? 0 : (inner * clamped) / top);
}

/** An SVG path through the series' points. */
export function linePath(values: readonly number[], top: number, box: Box): string {
  return values
    .map((value, index) => `${index === 0 ? "M" : "L"}${xAt(index, values.length, box).toFixed(1)},${yAt(value, top, box).toFixed(1)}`)
    .join(" ");
}

/** Stacked bar segments per day: for each day, [y, height] of each layer, bottom layer first. */
export function stackSegments(layers: readonly (readonly number[])[], top: number, box: Box): [number, number][][] {
  const days = layers[0]?.length ?? 0;
  const result: [number, number][][] = [];
  for (let day = 0; day < days; day += 1) {
    let base = 0;
    const segments: [number, number][] = [];
    for (const layer of layers) {
      const value = layer[day] ?? 0;
      const y0 = yAt(base, top, box);
      const y1 = yAt(base + value, top, box);
      segments.push([y1, y0 - y1]);
      base += value;
    }
    result.push(segments);
  }
  return result;
}

/** Which of `count` x labels to draw so that about `most` show. */
export function labelEvery(count: number, most: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, most)));
}

// ---- Dates (UTC days, as the server counts them) ----

/** `YYYY-MM-DD` of a date, in UTC. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day `days` after `day`. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/** Days from `from` to `to`, both included; NaN when either is not a day. */
export function daysIncluded(from: string, to: string): number {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  return (end - start) / 86_400_000 + 1;
}

/** The most days the server's analytics answer at once (`to` less than 366 days after `from`). */
export const MAX_RANGE_DAYS = 366;

/** Why a range cannot be asked for, or null. */
export function rangeProblem(from: string, to: string): string | null {
  const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
  if (!dayPattern.test(from) || !dayPattern.test(to) || Number.isNaN(daysIncluded(from, to))) {
    return "Choose a first and a last day.";
  }
  const days = daysIncluded(from, to);
  if (days < 1) return "The first day must not come after the last.";
  if (days > MAX_RANGE_DAYS) return `A range spans at most ${MAX_RANGE_DAYS} days.`;
  return null;
}

/** The last `days` days up to `today`, today included. */
export function lastDays(days: number, today: Date = new Date()): { from: string; to: string } {
  const to = isoDay(today);
  return { from: addDays(to, 1 - days), to };
}

// ---- Drawing ----

export interface Series {
  name: string;
  values: number[];
  /** A CSS colour. */
  color: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

const BOX: Box = { width: 560, height: 200, left: 44, right: 12, top: 12, bottom: 28 };

function axes(root: SVGSVGElement, days: readonly string[], top: number, ticks: number[], format: (v: number) => string): void {
  for (const tick of ticks) {
    const y = yAt(tick, top, BOX);
    root.append(svg("line", { x1: BOX.left, x2: BOX.width - BOX.right, y1: y, y2: y, class: "chart-grid" }));
    const label = svg("text", { x: BOX.left - 6, y: y + 4, "text-anchor": "end", class: "chart-label" });
    label.textContent = format(tick);
    root.append(label);
  }
  const every = labelEvery(days.length, 7);
  days.forEach((day, index) => {
    if (index % every !== 0) return;
    const label = svg("text", { x: xAt(index, days.length, BOX), y: BOX.height - 8, "text-anchor": "middle", class: "chart-label" });
    label.textContent = day.slice(5);
    root.append(label);
  });
}

function legend(series: readonly Series[]): HTMLElement {
  const element = document.createElement("div");
  element.className = "chart-legend";
  for (const item of series) {
    const entry = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = item.color;
    entry.append(swatch, item.name);
    element.append(entry);
  }
  return element;
}

/** A line chart of one or more series over `days`. */
export function lineChart(days: readonly string[], series: readonly Series[], format: (v: number) => string = String): HTMLElement {
  const max = Math.max(0, ...series.flatMap((item) => item.values));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] ?? 1;
  const root = svg("svg", { viewBox: `0 0 ${BOX.width} ${BOX.height}`, class: "chart", role: "img" });
  axes(root, days, top, ticks, format);
  for (const item of series) {
    root.append(svg("path", { d: linePath(item.values, top, BOX), stroke: item.color, class: "chart-line" }));
    item.values.forEach((value, index) => {
      const dot = svg("circle", { cx: xAt(index, item.values.length, BOX), cy: yAt(value, top, BOX), r: 2.5, fill: item.color });
      const title = svg("title", {});
      title.textContent = `${days[index] ?? ""}: ${item.name} ${format(value)}`;
      dot.append(title);
      root.append(dot);
    });
  }
  const wrapper = document.createElement("div");
  wrapper.append(root, legend(series));
  return wrapper;
}

/** A stacked bar chart: one bar per day, one layer per series, the first at the bottom. */
export function stackedBars(days: readonly string[], series: readonly Series[]): HTMLElement {
  const totals = days.map((_, day) => series.reduce((sum, item) => sum + (item.values[day] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks[ticks.length - 1] ?? 1;
  const root = svg("svg", { viewBox: `0 0 ${BOX.width} ${BOX.height}`, class: "chart", role: "img" });
  axes(root, days, top, ticks, String);
  const inner = BOX.width - BOX.left - BOX.right;
  const barWidth = Math.max(1, Math.min(24, (inner / Math.max(1, days.length)) * 0.7));
  stackSegments(series.map((item) => item.values), top, BOX).forEach((segments, day) => {
    const x = xAt(day, days.length, BOX) - barWidth / 2;
    segments.forEach(([y, height], layer) => {
      const item = series[layer];
      if (item === undefined || height <= 0) return;
      const rect = svg("rect", { x, y, width: barWidth, height, fill: item.color });
      const title = svg("title", {});
      title.textContent = `${days[day] ?? ""}: ${item.name} ${item.values[day] ?? 0}`;
      rect.append(title);
      root.append(rect);
    });
  });
  const wrapper = document.createElement("div");
  wrapper.append(root, legend(series));
  return wrapper;
}

// ---- Formats ----

/** Millionths of a US dollar as dollars, with cents or, below a cent, enough digits to see the amount. */
export function formatUsd(microUsd: number): string {
  const dollars = microUsd / 1_000_000;
  if (dollars === 0) return "$0";
  if (Math.abs(dollars) >= 0.01) return `$${dollars.toFixed(2)}`;
  return `$${dollars.toPrecision(2)}`;
}

/** A share as a whole percentage, or "–" when there is nothing to share. */
export function percent(part: number, whole: number): string {
  return whole <= 0 ? "–" : `${Math.round((100 * part) / whole)}%`;
}
