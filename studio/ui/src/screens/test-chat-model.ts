/**
 * Which answer a test-chat frame belongs to.
 *
 * The frames of an answer arrive as Tauri events while the `test_chat_send`
 * command runs, and Tauri does not order events against a command's result:
 * the last frames (`done` among them) may arrive after the command has
 * returned. So an answer stays open until its own final frame (`done` or
 * `error`), not until its command returns.
 */
export class OpenAnswers<T> {
  private readonly open = new Map<number, T>();

  /** Starts routing the frames of `request` to `answer`. */
  add(request: number, answer: T): void {
    this.open.set(request, answer);
  }

  /**
   * The answer a frame of `request` belongs to, or `undefined` when that
   * answer has finished or was dropped. A final frame closes it.
   */
  route(request: number, frame: { type: string }): T | undefined {
    const answer = this.open.get(request);
    if (answer !== undefined && (frame.type === "done" || frame.type === "error")) this.open.delete(request);
    return answer;
  }

  /** Stops routing `request`, e.g. when its command failed before any frame. */
  close(request: number): void {
    this.open.delete(request);
  }

  /** Stops routing every answer (a new conversation). */
  clear(): void {
    this.open.clear();
  }
}
