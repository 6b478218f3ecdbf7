//! Anthropic's Messages API with `stream: true`.
//!
//! Events: `message_start` (input usage), `content_block_start`, `content_block_delta` (text in
//! `text_delta`), `content_block_stop`, `message_delta` (cumulative output usage),
//! `message_stop` (the end), `ping`, and `error`. Unknown event types are skipped, as Anthropic
//! asks clients to do.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::config::ProviderConfig;
use crate::http::{Decoder, Wire, count, json_object};
use crate::sse::SseEvent;
use crate::{ChatRequest, ChatRole, Chunk, LlmError, Usage};

/// The API version this client speaks.
pub(crate) const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The Anthropic wire.
#[derive(Debug)]
pub(crate) struct Anthropic;

impl Wire for Anthropic {
    fn url(&self, config: &ProviderConfig) -> String {
        format!("{}/v1/messages", config.base_url.trim_end_matches('/'))
    }

    fn headers(&self, config: &ProviderConfig) -> Vec<(&'static str, String)> {
        let mut headers = vec![("anthropic-version", ANTHROPIC_VERSION.to_owned())];
        if let Some(key) = &config.api_key {
            headers.push(("x-api-key", key.expose().to_owned()));
        }
        headers
    }

    fn body(&self, config: &ProviderConfig, request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|message| {
                let role = match message.role {
                    ChatRole::User => "user",
                    ChatRole::Assistant => "assistant",
                };
                json!({"role": role, "content": message.content})
            })
            .collect();
        let mut body = json!({
            "model": config.model,
            "max_tokens": request.max_output_tokens,
            "messages": messages,
            "stream": true,
        });
        if !request.system.is_empty() {
            body["system"] = json!(request.system);
        }
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        body
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(AnthropicDecoder::default())
    }
}

#[derive(Debug, Default)]
struct AnthropicDecoder {
    /// Uncached, cache-written and cache-read prompt tokens, each as last reported.
    input_parts: [Option<u32>; 3],
    output: Option<u32>,
}

const INPUT_FIELDS: [&str; 3] = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"];

impl AnthropicDecoder {
    /// `message_start` reports the prompt and `message_delta` cumulative figures, which may repeat
    /// or grow any of the parts (server tools add input), so each part keeps its latest value.
    fn read_usage(&mut self, usage: &Value) {
        for (part, field) in self.input_parts.iter_mut().zip(INPUT_FIELDS) {
            if let Some(tokens) = count(usage.get(field)) {
                *part = Some(tokens);
            }
        }
        if let Some(output) = count(usage.get("output_tokens")) {
            self.output = Some(output);
        }
    }

    /// The prompt's size is the sum of its parts.
    fn usage(&self) -> Option<Usage> {
        let input = self.input_parts.iter().flatten().copied().reduce(u32::saturating_add);
        if input.is_none() && self.output.is_none() {
            return None;
        }
        Some(Usage { input_tokens: input.unwrap_or(0), output_tokens: self.output.unwrap_or(0) })
    }
}

impl Decoder for AnthropicDecoder {
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<Result<Chunk, LlmError>>) -> bool {
        let data = match json_object(&event) {
            Ok(data) => data,
            Err(error) => {
                out.push_back(Err(error));
                return true;
            }
        };
        let kind = if event.event.is_empty() {
            data.get("type").and_then(Value::as_str).unwrap_or_default()
        } else {
            event.event.as_str()
        };
        match kind {
            "message_start" => {
                if let Some(usage) = data.get("message").and_then(|m| m.get("usage")) {
                    self.read_usage(usage);
                }
            }
            "content_block_delta" => {
                let delta = data.get("delta");
                let is_text = delta.and_then(|d| d.get("type")).and_then(Value::as_str) == Some("text_delta");
                let text = delta.and_then(|d| d.get("text")).and_then(Value::as_str);
                if let Some(text) = text.filter(|t| is_text && !t.is_empty()) {
                    out.push_back(Ok(Chunk::Text(text.to_owned())));
                }
            }
            "message_delta" => {
                if let Some(usage) = data.get("usage") {
                    self.read_usage(usage);
                }
            }
            "message_stop" => {
                if let Some(usage) = self.usage() {
                    out.push_back(Ok(Chunk::Usage(usage)));
                }
                return true;
            }
            "error" => {
                let error = data.get("error");
                let text = |field: &str| error.and_then(|e| e.get(field)).and_then(Value::as_str).unwrap_or_default();
                let error = match text("type") {
                    "rate_limit_error" => LlmError::RateLimited { retry_after: None },
                    kind => LlmError::Upstream {
                        kind: if kind.is_empty() { "error".to_owned() } else { kind.to_owned() },
                        message: crate::error::excerpt(text("message"), None),
                    },
                };
                out.push_back(Err(error));
                return true;
            }
            // ping, content_block_start, content_block_stop and event types added later.
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: Value) -> SseEvent {
        let kind = data["type"].as_str().expect("typed").to_owned();
        SseEvent { event: kind, data: data.to_string(), id: None }
    }

    #[test]
    fn cumulative_usage_in_message_delta_updates_each_part() {
        let mut decoder = AnthropicDecoder::default();
        let mut out = VecDeque::new();
        let start = json!({"type": "message_start", "message": {"usage": {"input_tokens": 10, "cache_read_input_tokens": 100, "output_tokens": 1}}});
        assert!(!decoder.event(event(start), &mut out));
        let delta = json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"input_tokens": 25, "output_tokens": 40}});
        assert!(!decoder.event(event(delta), &mut out));
        assert!(decoder.event(event(json!({"type": "message_stop"})), &mut out));
        assert_eq!(out.pop_front(), Some(Ok(Chunk::Usage(Usage { input_tokens: 125, output_tokens: 40 }))));
        assert!(out.is_empty());
    }
}
