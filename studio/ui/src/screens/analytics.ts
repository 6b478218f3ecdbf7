/**
 * Analytics: a bot's conversations, messages, cost, sentiment and feedback
 * per day over a chosen range, drawn as SVG charts, with the most asked and
 * the unanswered questions the server counts.
 */
import type { BotAnalytics, DayAnalytics } from "../generated/animo";
import type { Screen, StudioContext } from "../context";
import { h, replaceChildren } from "../dom";
import { describeError } from "../errors";
import { analyticsLoad } from "../generated/commands";
import { formatUsd, lastDays, lineChart, percent, rangeProblem, stackedBars } from "./chart";

const PRESETS = [7, 30, 90] as const;
const COLORS = {
  conversations: "#5b46e5",
  messages: "#1f9bde",
  answers: "#9a8cf0",
  cost: "#d9822b",
  positive: "#2e9e5b",
  neutral: "#b9b6c9",
  negative: "#c62f3f",
  up: "#2e9e5b",
  down: "#c62f3f",
  unanswered: "#d9822b",
};

export function analyticsScreen(context: StudioContext): Screen {
  const initial = lastDays(30);
  const from = h("input", { type: "date", value: initial.from, testid: "analytics-from" });
  const to = h("input", { type: "date", value: initial.to, testid: "analytics-to" });
  const status = h("p", { class: "muted", testid: "analytics-status" });
  const totals = h("div", { class: "tiles", testid: "analytics-totals" });
  const charts = h("div", { class: "charts" });
  const questions = h("div", { class: "questions" });
  let request = 0;

  async function load(): Promise<void> {
    const bot = context.bot();
    if (bot === null) return;
    const problem = rangeProblem(from.value, to.value);
    if (problem !== null) {
      status.textContent = problem;
      return;
    }
    request += 1;
    const mine = request;
    status.textContent = "Loading…";
    try {
      const analytics = await analyticsLoad(bot.id, { from: from.value, to: to.value });
      // A later request (another range or bot) wins.
      if (mine !== request) return;
      render(analytics);
      status.textContent = `${analytics.days.length} days, ${from.value} to ${to.value} (UTC)`;
    } catch (error) {
      if (mine !== request) return;
      status.textContent = describeError(error);
    }
  }

  function tile(label: string, value: string, id: string, detail?: string): HTMLElement {
    return h(
      "div",
      { class: "tile", testid: `analytics-total-${id}` },
      h("div", { class: "muted small", text: label }),
      h("div", { class: "tile-value", text: value }),
      detail === undefined ? null : h("div", { class: "muted small", text: detail }),
    );
  }

  function render(analytics: BotAnalytics): void {
    const t: DayAnalytics = analytics.totals;
    const rated = t.feedback_up + t.feedback_down;
    const moods = t.sentiment.positive + t.sentiment.neutral + t.sentiment.negative;
    replaceChildren(
      totals,
      tile("Conversations", String(t.conversations), "conversations", `${t.unique_visitors} visitors`),
      tile("Visitor messages", String(t.visitor_messages), "messages", `${t.answers} answers`),
      tile("Cost", formatUsd(t.cost_micro_usd), "cost", `${t.input_tokens + t.output_tokens} tokens`),
      tile("Positive messages", percent(t.sentiment.positive, moods), "sentiment", `${t.sentiment.negative} negative`),
      tile("Rated helpful", percent(t.feedback_up, rated), "feedback", `${rated} ratings`),
      tile("Unanswered", String(t.unanswered), "unanswered", `first words after ${Math.round(t.latency_ms_mean)} ms on average`),
    );
    const days = analytics.days.map((day) => day.day);
    const series = (pick: (day: DayAnalytics) => number): number[] => analytics.days.map(pick);
    const chart = (title: string, id: string, body: HTMLElement): HTMLElement =>
      h("section", { class: "panel chart-panel", testid: `analytics-chart-${id}` }, h("h3", { text: title }), body);
    replaceChildren(
      charts,
      chart(
        "Conversations and messages",
        "activity",
        lineChart(days, [
          { name: "Conversations", values: series((d) => d.conversations), color: COLORS.conversations },
          { name: "Visitor messages", values: series((d) => d.visitor_messages), color: COLORS.messages },
          { name: "Answers", values: series((d) => d.answers), color: COLORS.answers },
        ]),
      ),
      chart(
        "Cost",
        "cost",
        lineChart(days, [{ name: "Cost (USD)", values: series((d) => d.cost_micro_usd), color: COLORS.cost }], formatUsd),
      ),
      chart(
        "Sentiment of visitor messages",
        "sentiment",
        stackedBars(days, [
          { name: "Positive", values: series((d) => d.sentiment.positive), color: COLORS.positive },
          { name: "Neutral", values: series((d) => d.sentiment.neutral), color: COLORS.neutral },
          { name: "Negative", values: series((d) => d.sentiment.negative), color: COLORS.negative },
        ]),
      ),
      chart(
        "Feedback and unanswered questions",
        "feedback",
        stackedBars(days, [
          { name: "Helpful", values: series((d) => d.feedback_up), color: COLORS.up },
          { name: "Unhelpful", values: series((d) => d.feedback_down), color: COLORS.down },
          { name: "Unanswered", values: series((d) => d.unanswered), color: COLORS.unanswered },
        ]),
      ),
    );
    const list = (title: string, id: string, items: BotAnalytics["top_questions"], empty: string): HTMLElement =>
      h(
        "section",
        { class: "panel", testid: `analytics-${id}` },
        h("h3", { text: title }),
        items.length === 0
          ? h("p", { class: "muted", text: empty })
          : h(
              "ol",
              { class: "question-list" },
              ...items.map((item) => h("li", {}, h("span", { text: item.question }), h("span", { class: "muted", text: ` × ${item.count}` }))),
            ),
      );
    replaceChildren(
      questions,
      list("Top questions", "top-questions", analytics.top_questions, "No questions in this range."),
      list("Unanswered questions", "unanswered-questions", analytics.unanswered_questions, "Every question got an answer."),
    );
  }

  const presets = PRESETS.map((days) =>
    h("button", {
      text: `Last ${days} days`,
      testid: `analytics-range-${days}`,
      on: {
        click: () => {
          const range = lastDays(days);
          from.value = range.from;
          to.value = range.to;
          void load();
        },
      },
    }),
  );

  const element = h(
    "div",
    { class: "screen analytics-screen", testid: "screen-analytics" },
    h("h2", { text: "Analytics" }),
    h(
      "div",
      { class: "row wrap" },
      h("label", { class: "row" }, "From ", from),
      h("label", { class: "row" }, "to ", to),
      h("button", { text: "Show", testid: "analytics-load", on: { click: () => void load() } }),
      ...presets,
    ),
    status,
    totals,
    h("div", { class: "analytics-layout" }, charts, questions),
  );

  context.onBotChange(() => {
    replaceChildren(totals);
    replaceChildren(charts);
    replaceChildren(questions);
  });

  return {
    id: "analytics",
    title: "Analytics",
    needsBot: true,
    element,
    shown: () => load(),
  };
}
