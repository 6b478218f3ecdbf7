//! A bot's ordered providers with fallback, and the registry that shares providers and breakers
//! between requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::StreamExt;

use crate::breaker::{BreakerSettings, Breakers, CircuitBreaker};
use crate::provider::{Provider, build, until_first_text};
use crate::{ChatRequest, ChunkStream, LlmError, ProviderConfig, ProviderFailure};

/// One provider of a chain with its breaker.
#[derive(Debug, Clone)]
pub struct ChainLink {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// Its breaker, normally shared through [`Breakers`].
    pub breaker: Arc<CircuitBreaker>,
}

/// Providers in order of preference.
#[derive(Debug, Clone)]
pub struct Chain {
    links: Vec<ChainLink>,
}

impl Chain {
    /// A chain of the given links, first choice first.
    pub fn new(links: Vec<ChainLink>) -> Self {
        Self { links }
    }

    /// The links, first choice first.
    pub fn links(&self) -> &[ChainLink] {
        &self.links
    }

    /// Asks each provider in turn until one starts answering, and returns its position and its
    /// stream. A provider whose breaker is open is skipped without being called; one that fails
    /// or times out before its first token is recorded as failed and the next is asked. Once a
    /// provider has produced text the chain is committed to it: a later error arrives as the
    /// stream's last item (and counts as a failure of that provider's breaker).
    pub async fn stream(&self, request: &ChatRequest) -> Result<(usize, ChunkStream), LlmError> {
        let mut failures = Vec::new();
        for (index, link) in self.links.iter().enumerate() {
            let failure = |error| ProviderFailure {
                index,
                label: link.provider.label().to_owned(),
                model: link.provider.model().to_owned(),
                error,
            };
            let permit = match link.breaker.try_acquire() {
                Ok(permit) => permit,
                Err(retry_in) => {
                    failures.push(failure(LlmError::CircuitOpen { retry_in }));
                    continue;
                }
            };
            // Providers of this crate already return at the first text; the check here holds
            // the same line for providers written elsewhere.
            let started = match link.provider.stream(request).await {
                Ok(stream) => until_first_text(stream, None).await,
                Err(error) => Err(error),
            };
            match started {
                Ok(stream) => {
                    permit.success();
                    return Ok((index, report_late_failure(stream, Arc::clone(&link.breaker))));
                }
                Err(error) => {
                    tracing::warn!(provider = link.provider.label(), model = link.provider.model(), %error, "provider failed; trying the next");
                    permit.failure();
                    failures.push(failure(error));
                }
            }
        }
        Err(LlmError::AllFailed(failures))
    }
}

/// Counts an error after the first token against the provider's breaker: a provider that
/// breaks off answers is not healthy even though it starts them.
fn report_late_failure(stream: ChunkStream, breaker: Arc<CircuitBreaker>) -> ChunkStream {
    Box::pin(stream.inspect(move |item| {
        if item.is_err() {
            breaker.record_failure();
        }
    }))
}

/// Built providers and their breakers, shared by every request of the server.
///
/// Building a provider creates its connection pool, so the registry keeps one per distinct
/// configuration (configurations are few: one per distinct provider entry of the bots' chains).
#[derive(Debug, Default)]
pub struct Registry {
    breakers: Breakers,
    providers: Mutex<HashMap<ProviderConfig, Arc<dyn Provider>>>,
}

impl Registry {
    /// An empty registry whose breakers use `settings`.
    pub fn new(settings: BreakerSettings) -> Self {
        Self { breakers: Breakers::new(settings), providers: Mutex::new(HashMap::new()) }
    }

    /// The breakers, for links built by hand (tests, scripted providers).
    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }

    /// The provider for `config`, built on first use.
    pub fn provider(&self, config: &ProviderConfig) -> Result<Arc<dyn Provider>, LlmError> {
        // Entries are only inserted whole, so a poisoned map is still consistent.
        let mut providers = self.providers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(provider) = providers.get(config) {
            return Ok(Arc::clone(provider));
        }
        let provider = build(config.clone())?;
        providers.insert(config.clone(), Arc::clone(&provider));
        Ok(provider)
    }

    /// A chain of the configured providers, sharing built providers and breakers with every
    /// other chain of this registry.
    pub fn chain(&self, configs: &[ProviderConfig]) -> Result<Chain, LlmError> {
        let links = configs
            .iter()
            .map(|config| {
                Ok(ChainLink { provider: self.provider(config)?, breaker: self.breakers.get(&config.breaker_key()) })
            })
            .collect::<Result<Vec<_>, LlmError>>()?;
        Ok(Chain::new(links))
    }
}
