//! Prometheus metrics: request latency histograms by route and status.

use prometheus::{Encoder, HistogramOpts, HistogramVec, Registry, TextEncoder};

/// The server's metrics registry.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    /// Request latency in seconds by method, route template and status.
    pub request_seconds: HistogramVec,
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
        if let Err(error) = registry.register(Box::new(request_seconds.clone())) {
            unreachable!("metric names are unique: {error}");
        }
        Self { registry, request_seconds }
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
