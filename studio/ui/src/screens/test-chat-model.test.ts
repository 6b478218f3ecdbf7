import { describe, expect, it } from "vitest";
import { OpenAnswers } from "./test-chat-model";

describe("routing test-chat frames to their answer", () => {
  it("keeps an answer open after its command returned, until its final frame", () => {
    const answers = new OpenAnswers<string>();
    answers.add(1, "first");
    // The command has returned here; its last frames are still on their way.
    expect(answers.route(1, { type: "token" })).toBe("first");
    expect(answers.route(1, { type: "done" })).toBe("first");
    expect(answers.route(1, { type: "token" })).toBeUndefined();
  });

  it("closes an answer on an error frame and keeps the others apart", () => {
    const answers = new OpenAnswers<string>();
    answers.add(1, "first");
    answers.add(2, "second");
    expect(answers.route(2, { type: "error" })).toBe("second");
    expect(answers.route(2, { type: "done" })).toBeUndefined();
    expect(answers.route(1, { type: "cue" })).toBe("first");
    expect(answers.route(3, { type: "token" })).toBeUndefined();
  });

  it("drops what a failed command or a new conversation leaves", () => {
    const answers = new OpenAnswers<string>();
    answers.add(1, "first");
    answers.add(2, "second");
    answers.close(1);
    expect(answers.route(1, { type: "done" })).toBeUndefined();
    answers.clear();
    expect(answers.route(2, { type: "done" })).toBeUndefined();
  });
});
