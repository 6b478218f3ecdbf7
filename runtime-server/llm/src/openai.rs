//! OpenAI Chat Completions with `stream: true`, as spoken by OpenAI, Ollama, vLLM, llama.cpp
//! server and OpenRouter.
//!
//! Each event is `data: {chat.completion.chunk}`; text is in `choices[0].delta.content`; with
//! `stream_options.include_usage` a last chunk with empty `choices` carries `usage`; the stream
//! closes with `data: [DONE]`.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::config::ProviderConfig;
use crate::http::{Decoder, Wire, count, json_object};
use crate::sse::SseEvent;
use crate::{ChatRequest, ChatRole, Chunk, LlmError, Usage};

/// The OpenAI-compatible wire.
#[derive(Debug)]
pub(crate) struct OpenAi;

/// OpenAI's reasoning models refuse `max_tokens` and any temperature but the default; they take
/// `max_completion_tokens`. Other servers of this protocol know `max_tokens` best.
fn is_reasoning_model(model: &str) -> bool {
    let bare = model.rsplit('/').next().unwrap_or(model);
    ["o1", "o3", "o4", "gpt-5"].iter().any(|prefix| bare.starts_with(prefix))
}

impl Wire for OpenAi {
    fn url(&self, config: &ProviderConfig) -> String {
        format!("{}/chat/completions", config.base_url.trim_end_matches('/'))
    }

    fn headers(&self, config: &ProviderConfig) -> Vec<(&'static str, String)> {
        match &config.api_key {
            Some(key) => vec![("authorization", format!("Bearer {}", key.expose()))],
            None => Vec::new(),
        }
    }

    fn body(&self, config: &ProviderConfig, request: &ChatRequest) -> Value {
        let mut messages = Vec::with_capacity(request.messages.len() + 1);
        if !request.system.is_empty() {
            messages.push(json!({"role": "system", "content": request.system}));
        }
        for message in &request.messages {
            let role = match message.role {
                ChatRole::User => "user",
                ChatRole::Assistant => "assistant",
            };
            messages.push(json!({"role": role, "content": message.content}));
        }
        let mut body = json!({
            "model": config.model,
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        if is_reasoning_model(&config.model) {
            body["max_completion_tokens"] = json!(request.max_output_tokens);
        } else {
            body["max_tokens"] = json!(request.max_output_tokens);
            if let Some(temperature) = request.temperature {
                body["temperature"] = json!(temperature);
            }
        }
        body
    }

    fn decoder(&self) -> Box<dyn Decoder> {
        Box::new(OpenAiDecoder::default())
    }
}

#[derive(Debug, Default)]
struct OpenAiDecoder {
    usage: Option<Usage>,
    finished: bool,
}

impl OpenAiDecoder {
    fn flush_usage(&mut self, out: &mut VecDeque<Result<Chunk, LlmError>>) {
        if let Some(usage) = self.usage.take() {
            out.push_back(Ok(Chunk::Usage(usage)));
        }
    }
}

impl Decoder for OpenAiDecoder {
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<Result<Chunk, LlmError>>) -> bool {
        if event.data.trim() == "[DONE]" {
            self.flush_usage(out);
            return true;
        }
        let chunk = match json_object(&event) {
            Ok(chunk) => chunk,
            Err(error) => {
                out.push_back(Err(error));
                return true;
            }
        };
        if let Some(error) = chunk.get("error") {
            out.push_back(Err(upstream_error(error)));
            return true;
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(Usage {
                input_tokens: count(usage.get("prompt_tokens")).unwrap_or(0),
                output_tokens: count(usage.get("completion_tokens")).unwrap_or(0),
            });
        }
        let choice = chunk.get("choices").and_then(Value::as_array).and_then(|choices| choices.first());
        if let Some(choice) = choice {
            let delta = choice.get("delta");
            // A refusal is the model's answer to the visitor, so it is shown like any text.
            for field in ["content", "refusal"] {
                if let Some(text) = delta.and_then(|d| d.get(field)).and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    out.push_back(Ok(Chunk::Text(text.to_owned())));
                }
            }
            if choice.get("finish_reason").is_some_and(|reason| !reason.is_null()) {
                self.finished = true;
            }
        }
        false
    }

    fn end_without_marker(&mut self, out: &mut VecDeque<Result<Chunk, LlmError>>) {
        // Some servers close after the finishing chunk without `[DONE]`; the answer is whole.
        if self.finished {
            self.flush_usage(out);
        } else {
            out.push_back(Err(LlmError::MalformedStream("the stream ended before a finish_reason or [DONE]".into())));
        }
    }
}

fn upstream_error(error: &Value) -> LlmError {
    let text = |field: &str| error.get(field).and_then(Value::as_str).map(str::to_owned);
    let kind = text("type").or_else(|| text("code")).unwrap_or_else(|| "error".to_owned());
    let message = text("message").unwrap_or_else(|| error.to_string());
    if kind.contains("rate_limit") {
        return LlmError::RateLimited { retry_after: None };
    }
    LlmError::Upstream { kind, message: crate::error::excerpt(&message, None) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChatMessage, RemoteKind};

    #[test]
    fn reasoning_models_get_max_completion_tokens_and_no_temperature() {
        let request = ChatRequest {
            system: String::new(),
            messages: vec![ChatMessage::user("hi")],
            max_output_tokens: 50,
            temperature: Some(0.2),
        };
        let config = ProviderConfig::new(RemoteKind::OpenAiCompatible, "o4-mini", None);
        let body = OpenAi.body(&config, &request);
        assert_eq!(body["max_completion_tokens"], 50);
        assert!(body.get("max_tokens").is_none() && body.get("temperature").is_none());
        assert_eq!(body["messages"], json!([{"role": "user", "content": "hi"}]), "no empty system message");
        let config = ProviderConfig::new(RemoteKind::OpenAiCompatible, "llama3.1:8b", None);
        let body = OpenAi.body(&config, &request);
        assert_eq!(body["max_tokens"], 50);
        assert_eq!(body["temperature"], json!(0.2f32));
    }
}
