//! Google Gemini `streamGenerateContent?alt=sse`, through the Gemini API (API key in
//! `x-goog-api-key`) or Vertex AI (bearer token, project and location in the URL).
//!
//! Each event is `data: {GenerateContentResponse}`: text in `candidates[0].content.parts[].text`,
//! cumulative `usageMetadata`, and `finishReason` on the last candidate. There is no end marker
//! besides that `finishReason`.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::config::{ProviderConfig, RemoteKind};
use crate::http::{Decoder, Wire, count, json_object};
use crate::sse::SseEvent;
use crate::{ChatRequest, ChatRole, Chunk, LlmError, Usage};

/// The Gemini wire, for both endpoints.
#[derive(Debug)]
pub(crate) struct Gemini;

impl Wire for Gemini {
    fn url(&self, config: &ProviderConfig) -> String {
        let base = config.base_url.trim_end_matches('/');
        let model = &config.model;
        match config.kind {
            RemoteKind::Vertex => format!("{base}/publishers/google/models/{model}:streamGenerateContent?alt=sse"),
            _ => format!("{base}/models/{model}:streamGenerateContent?alt=sse"),
        }
    }

    fn headers(&self, config: &ProviderConfig) -> Vec<(&'static str, String)> {
        match (&config.api_key, config.kind) {
            (Some(token), RemoteKind::Vertex) => vec![("authorization", format!("Bearer {}", token.expose()))],
            // The key goes in a header rather than `?key=` so that it never appears in a URL,
            // and so never in a logged error.
            (Some(key), _) => vec![("x-goog-api-key", key.expose().to_owned())],
            (None, _) => Vec::new(),
        }
    }

    fn body(&self, _config: &ProviderConfig, request: &ChatRequest) -> Value {
        let contents: Vec<Value> = request
            .messages
            .iter()
            .map(|message| {
                let role = match message.role {
                    ChatRole::User => "user",
                    ChatRole::Assistant => "model",
                };
                json!({"role": role, "parts": [{"text": message.content}]})
            })
            .collect();
        let mut generation = json!({"maxOutputTokens": request.max_output_tokens});
        if let Some(temperature) = request.temperature {
            generation["temperature"] = json!(temperature);
        }
        let mut body = json!({"contents": contents, "generationConfig": generation});
        if !request.system.is_empty() {
            body["systemInstruction"] = json!({"parts": [{"text": request.system}]});
        }
        body
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(GeminiDecoder::default())
    }
}

#[derive(Debug, Default)]
struct GeminiDecoder {
    usage: Option<Usage>,
    finished: bool,
}

impl Decoder for GeminiDecoder {
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<Result<Chunk, LlmError>>) -> bool {
        let data = match json_object(&event) {
            Ok(data) => data,
            Err(error) => {
                out.push_back(Err(error));
                return true;
            }
        };
        if let Some(error) = data.get("error") {
            let text = |field: &str| error.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
            let status = text("status");
            let error = if status == "RESOURCE_EXHAUSTED" || error.get("code").and_then(Value::as_u64) == Some(429) {
                LlmError::RateLimited { retry_after: None }
            } else {
                let kind = if status.is_empty() { "error".to_owned() } else { status };
                LlmError::Upstream { kind, message: crate::error::excerpt(&text("message"), None) }
            };
            out.push_back(Err(error));
            return true;
        }
        if let Some(usage) = data.get("usageMetadata") {
            // Thinking models bill their hidden reasoning as output.
            let output = count(usage.get("candidatesTokenCount"))
                .unwrap_or(0)
                .saturating_add(count(usage.get("thoughtsTokenCount")).unwrap_or(0));
            self.usage =
                Some(Usage { input_tokens: count(usage.get("promptTokenCount")).unwrap_or(0), output_tokens: output });
        }
        let candidate = data.get("candidates").and_then(Value::as_array).and_then(|c| c.first());
        let Some(candidate) = candidate else {
            if let Some(reason) = data.get("promptFeedback").and_then(|f| f.get("blockReason")).and_then(Value::as_str)
            {
                out.push_back(Err(LlmError::Upstream { kind: "prompt_blocked".into(), message: reason.to_owned() }));
                return true;
            }
            return false;
        };
        let parts = candidate.get("content").and_then(|c| c.get("parts")).and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            // Thought summaries are the model's notes, not the answer.
            if part.get("thought").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(text) = part.get("text").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                out.push_back(Ok(Chunk::Text(text.to_owned())));
            }
        }
        if candidate.get("finishReason").and_then(Value::as_str).is_some_and(|r| !r.is_empty()) {
            self.finished = true;
        }
        false
    }

    fn end_without_marker(&mut self, out: &mut VecDeque<Result<Chunk, LlmError>>) {
        if self.finished {
            if let Some(usage) = self.usage.take() {
                out.push_back(Ok(Chunk::Usage(usage)));
            }
        } else {
            out.push_back(Err(LlmError::MalformedStream("the stream ended before a finishReason".into())));
        }
    }
}
