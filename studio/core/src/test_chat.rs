//! Test chat with a bot's draft, and the poster the widget shows where its
//! 3D avatar cannot run.
//!
//! A test message is `POST /v1/bots/{bot}/test-chat`; the answer streams back
//! as server-sent events, one chat-protocol [`ServerFrame`] per `data:` line.
//! The stream is read chunk by chunk and parsed here, each frame handed to
//! the caller as soon as its event is complete, so the avatar can play a
//! sentence's cue as its words arrive. A stream that stays silent longer
//! than the stall timeout is given up with `unavailable`.

use std::time::Duration;

use animo_shared::chat::{PosterView, ServerFrame, TestChatRequest};
use animo_shared::{BotId, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::Studio;
use crate::error::{StudioError, StudioResult};

/// How long a test answer may go without a byte before it counts as stalled.
/// The server sends keep-alive comments every 15 s and a model's first token
/// may take up to 20 s by default, so this is longer than both.
pub const TEST_CHAT_STALL: Duration = Duration::from_secs(45);

/// How a test message ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestChatOutcome {
    /// The conversation the message went to, for a follow-up.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub conversation_id: Option<animo_shared::ConversationId>,
    /// The frames received, in order.
    pub frames: u32,
}

impl Studio {
    /// Sends a test message to the bot's draft and hands every frame of the
    /// answer to `on_frame` as it arrives. Ends with the conversation to
    /// continue; an `error` frame (after being handed on) ends it with that
    /// code, and so does a refusal before the stream starts.
    pub async fn test_chat<F>(
        &self,
        bot: &BotId,
        request: &TestChatRequest,
        on_frame: F,
    ) -> StudioResult<TestChatOutcome>
    where
        F: FnMut(ServerFrame) + Send,
    {
        self.test_chat_within(bot, request, TEST_CHAT_STALL, on_frame).await
    }

    /// [`Studio::test_chat`] with a stall timeout of the caller's choosing.
    pub async fn test_chat_within<F>(
        &self,
        bot: &BotId,
        request: &TestChatRequest,
        stall: Duration,
        mut on_frame: F,
    ) -> StudioResult<TestChatOutcome>
    where
        F: FnMut(ServerFrame) + Send,
    {
        // The whole answer may take longer than an ordinary request's
        // timeout, so the client without one is used and silence is bounded
        // by `stall` instead.
        let http = self.inner.upload_http.clone();
        let path = format!("/v1/bots/{bot}/test-chat");
        let sending = self.send(|_, server, token| {
            Ok(http
                .post(format!("{server}{path}"))
                .bearer_auth(token)
                .header("accept", "text/event-stream")
                .json(request))
        });
        let mut response = tokio::time::timeout(stall, sending).await.map_err(|_| stalled(stall))??;
        let mut parser = SseParser::default();
        let mut outcome = TestChatOutcome { conversation_id: None, frames: 0 };
        loop {
            let chunk = tokio::time::timeout(stall, response.chunk()).await.map_err(|_| stalled(stall))?;
            let chunk = chunk.map_err(|error| {
                StudioError::new(ErrorCode::Unavailable, format!("The answer was cut off: {error}"))
                    .with_details(serde_json::json!({ "unreachable": true }))
            })?;
            let Some(chunk) = chunk else { break };
            for data in parser.push(&chunk) {
                let frame: ServerFrame = serde_json::from_str(&data).map_err(|error| {
                    StudioError::new(
                        ErrorCode::Internal,
                        format!("The server sent a frame this Studio does not understand ({error}); update the Studio or the server."),
                    )
                })?;
                outcome.frames = outcome.frames.saturating_add(1);
                let end = match &frame {
                    ServerFrame::Ack { conversation_id, .. } => {
                        outcome.conversation_id = Some(conversation_id.clone());
                        None
                    }
                    ServerFrame::Done { .. } | ServerFrame::Message { .. } => Some(Ok(())),
                    ServerFrame::Error { code, message } => Some(Err(StudioError::new(*code, message.clone()))),
                    _ => None,
                };
                on_frame(frame);
                match end {
                    Some(Ok(())) => return Ok(outcome),
                    Some(Err(error)) => return Err(error),
                    None => {}
                }
            }
        }
        Err(StudioError::new(
            ErrorCode::Unavailable,
            "The answer ended before it was complete; send the message again.",
        ))
    }

    /// Stores `png` as the bot's poster: the widget's 2D fallback image,
    /// frozen into the next published version.
    pub async fn upload_poster(&self, bot: &BotId, png: Vec<u8>) -> StudioResult<PosterView> {
        let path = format!("/v1/bots/{bot}/poster");
        let body = bytes::Bytes::from(png);
        let response = self
            .send(|http, server, token| {
                Ok(http
                    .put(format!("{server}{path}"))
                    .bearer_auth(token)
                    .header("content-type", "image/png")
                    .body(body.clone()))
            })
            .await?;
        crate::client::parse(response).await
    }
}

fn stalled(stall: Duration) -> StudioError {
    StudioError::new(
        ErrorCode::Unavailable,
        format!("The server sent nothing for {} s; the answer was given up.", stall.as_secs()),
    )
    .with_details(serde_json::json!({ "stalled": true }))
}

/// Splits a `text/event-stream` body into its events' data, whatever the
/// chunking: an event ends at a blank line; its `data:` lines are joined
/// with newlines; comments (`:` lines, the keep-alives) and other fields are
/// skipped.
#[derive(Debug, Default)]
struct SseParser {
    pending: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    /// The data of every event completed by `chunk`.
    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|byte| *byte == b'\n') {
            let mut line: Vec<u8> = self.pending.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line);
            if line.is_empty() {
                if !self.data.is_empty() {
                    events.push(self.data.join("\n"));
                    self.data.clear();
                }
                continue;
            }
            if let Some(value) = line.strip_prefix("data:") {
                self.data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_found_across_any_chunking() {
        let body = b": keep-alive\n\ndata: {\"a\":1}\n\ndata: one\r\ndata: two\r\n\r\nevent: x\ndata:three\n\n";
        for size in 1..body.len() {
            let mut parser = SseParser::default();
            let events: Vec<String> = body.chunks(size).flat_map(|chunk| parser.push(chunk)).collect();
            assert_eq!(events, ["{\"a\":1}", "one\ntwo", "three"], "chunks of {size}");
        }
    }

    #[test]
    fn an_unfinished_event_waits_for_its_blank_line() {
        let mut parser = SseParser::default();
        assert!(parser.push(b"data: {\"a\":1}\n").is_empty());
        assert_eq!(parser.push(b"\n"), ["{\"a\":1}"]);
    }
}
