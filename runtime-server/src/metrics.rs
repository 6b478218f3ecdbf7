//! Prometheus metrics: request latency by route and status, chat sessions,
//! message outcomes, time to first token and the answer cache's hit rate.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The server's metrics registry.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    /// Request latency in seconds by method, route template and status.
    pub request_seconds: HistogramVec,
    /// Open chat sessions (WebSocket connections).
    pub chat_sessions: IntGauge,
    /// Visitor messages by outcome (`answered`, `refused`, `failed`).
    pub chat_messages: IntCounterVec,
    /// Seconds from a visitor message's arrival to the first token frame.
    pub chat_first_token_seconds: Histogram,
    /// Answer-cache look-ups by result (`hit`, `miss`).
    pub chat_cache: IntCounterVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    if let Err(error) = registry.register(Box::new(metric.clone())) {
        unreachable!("metric names are unique: {error}");
    }
    metric
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let registry = Registry::new();
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("animo_http_request_duration_seconds", "HTTP request latency by route and status")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|error| unreachable!("static metric definition is valid: {error}"));
        let request_seconds = register(&registry, request_seconds);
        let invalid = |error: prometheus::Error| -> ! { unreachable!("static metric definition is valid: {error}") };
        let chat_sessions = register(
            &registry,
            IntGauge::new("animo_chat_sessions", "Open chat WebSocket sessions").unwrap_or_else(|e| invalid(e)),
        );
        let chat_messages = register(
            &registry,
            IntCounterVec::new(Opts::new("animo_chat_messages_total", "Visitor messages by outcome"), &["outcome"])
                .unwrap_or_else(|e| invalid(e)),
        );
        let chat_first_token_seconds = register(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "animo_chat_first_token_seconds",
                    "Time from a visitor message's arrival to the first token frame",
                )
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            )
            .unwrap_or_else(|e| invalid(e)),
        );
        let chat_cache = register(
            &registry,
            IntCounterVec::new(
                Opts::new("animo_chat_cache_lookups_total", "Answer-cache look-ups by result"),
                &["result"],
            )
            .unwrap_or_else(|e| invalid(e)),
        );
        Self { registry, request_seconds, chat_sessions, chat_messages, chat_first_token_seconds, chat_cache }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "encoding metrics failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
