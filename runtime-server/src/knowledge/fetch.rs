//! Fetching a tenant's web pages for URL sources, without letting a URL
//! reach the server's own network.
//!
//! Every hop (the first request and each redirect) is checked: only http
//! and https; the host is resolved here, every address it resolves to must
//! be public (no loopback, private, link-local, shared, multicast,
//! unspecified, documentation or cloud-metadata address) unless the
//! operator allowed its range; and the request then goes to exactly the
//! address that was checked, so a second DNS answer cannot swap in another.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures::StreamExt;
use reqwest::header::{CONTENT_TYPE, LOCATION, USER_AGENT};

/// The user agent Animo fetches pages as; robots.txt rules for it apply.
pub const AGENT: &str = "AnimoBot";
/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// A range of addresses, `ADDRESS/PREFIX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpRange {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (address, prefix) = text.split_once('/').unwrap_or((text, ""));
        let network: IpAddr = address.parse().map_err(|_| format!("{text:?} is not an address range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix =
            if prefix.is_empty() { max } else { prefix.parse().map_err(|_| format!("bad prefix in {text:?}"))? };
        if prefix > max {
            return Err(format!("prefix of {text:?} is longer than {max}"));
        }
        Ok(Self { network, prefix })
    }
}

impl IpRange {
    /// Whether `address` lies in the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// What may be fetched.
#[derive(Debug, Clone, Default)]
pub struct FetchPolicy {
    /// Non-public ranges the operator allowed anyway (e.g. an intranet, or loopback in tests).
    pub allowed: Vec<IpRange>,
    /// Largest body, in bytes.
    pub max_bytes: u64,
    /// Time limit of one request.
    pub timeout: Duration,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// Not an http(s) URL with a host.
    #[error("only http and https URLs with a host can be fetched")]
    BadUrl,
    /// The host resolves to an address Animo must not reach.
    #[error("{0} resolves to a non-public address, which Animo does not fetch")]
    Forbidden(String),
    /// The host did not resolve.
    #[error("the host {0} could not be resolved")]
    Unresolvable(String),
    /// Too many redirects.
    #[error("too many redirects")]
    Redirects,
    /// The server answered with an error status.
    #[error("the page answered with HTTP status {0}")]
    Status(u16),
    /// The page is larger than allowed.
    #[error("the page is larger than {0} bytes")]
    TooLarge(u64),
    /// The connection failed or timed out.
    #[error("the page could not be fetched: {0}")]
    Network(String),
    /// The page declared a content type the caller does not read.
    #[error("the page is of type {0}, which Animo does not read")]
    UnsupportedType(String),
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub url: String,
    /// The content type the server declared, without parameters.
    pub content_type: Option<String>,
    /// The body.
    pub bytes: Vec<u8>,
}

/// Whether an address is one Animo must never reach on a tenant's behalf.
pub fn is_non_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || first & 0xfe00 == 0xfc00 // unique local
                || first & 0xffc0 == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64 (may reach IPv4 private space)
        }
    }
}

fn is_non_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local() // includes 169.254.169.254, the cloud metadata address
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

/// Resolves a URL's host and checks every address; returns one to connect to.
async fn vet(url: &reqwest::Url, policy: &FetchPolicy) -> Result<SocketAddr, FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl);
    }
    let host = url.host_str().ok_or(FetchError::BadUrl)?;
    let port = url.port_or_known_default().ok_or(FetchError::BadUrl)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| FetchError::Unresolvable(host.to_owned()))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(FetchError::Unresolvable(host.to_owned()));
    }
    // Every address must pass: a host that resolves to one public and one
    // private address could be answered with either.
    for address in &addresses {
        let ip = address.ip();
        if is_non_public(ip) && !policy.allowed.iter().any(|range| range.contains(ip)) {
            return Err(FetchError::Forbidden(host.to_owned()));
        }
    }
    Ok(addresses[0])
}

/// Checks a URL as its first hop would be checked, without fetching it.
pub async fn vet_url(url: &str, policy: &FetchPolicy) -> Result<(), FetchError> {
    let url = reqwest::Url::parse(url).map_err(|_| FetchError::BadUrl)?;
    vet(&url, policy).await.map(|_| ())
}

/// Fetches `url`, following redirects hop by hop under the policy.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Fetched, FetchError> {
    fetch_accepting(url, policy, |_| true).await
}

/// Fetches `url` like [`fetch`], but refuses a response whose declared
/// content type `accept` rejects before reading its body (`None` when the
/// server declared none), so a crawl does not download images or archives.
pub async fn fetch_accepting(
    url: &str,
    policy: &FetchPolicy,
    accept: impl Fn(Option<&str>) -> bool,
) -> Result<Fetched, FetchError> {
    let mut url = reqwest::Url::parse(url).map_err(|_| FetchError::BadUrl)?;
    for _ in 0..=MAX_REDIRECTS {
        let address = vet(&url, policy).await?;
        let host = url.host_str().ok_or(FetchError::BadUrl)?.to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, address)
            .timeout(policy.timeout)
            .build()
            .map_err(|error| FetchError::Network(error.to_string()))?;
        let response = client
            .get(url.clone())
            .header(USER_AGENT, format!("{AGENT}/1.0 (+https://animo.dev/bot)"))
            .send()
            .await
            .map_err(|error| FetchError::Network(error.to_string()))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or(FetchError::Status(status.as_u16()))?;
            url = url.join(location).map_err(|_| FetchError::BadUrl)?;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response.content_length().is_some_and(|length| length > policy.max_bytes) {
            return Err(FetchError::TooLarge(policy.max_bytes));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        if !accept(content_type.as_deref()) {
            return Err(FetchError::UnsupportedType(content_type.unwrap_or_default()));
        }
        let final_url = url.to_string();
        let mut bytes = Vec::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|error| FetchError::Network(error.to_string()))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > policy.max_bytes {
                return Err(FetchError::TooLarge(policy.max_bytes));
            }
        }
        return Ok(Fetched { url: final_url, content_type, bytes });
    }
    Err(FetchError::Redirects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &[&str]) -> FetchPolicy {
        FetchPolicy {
            allowed: allowed.iter().map(|range| range.parse().expect("range")).collect(),
            max_bytes: 1024,
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn internal_addresses_are_refused_however_they_are_written() {
        let refused = [
            "http://127.0.0.1/",
            "http://localhost/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0.0.0.0/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
        ];
        for url in refused {
            let result = fetch(url, &policy(&[])).await;
            assert!(matches!(result, Err(FetchError::Forbidden(_))), "{url} → {result:?}");
        }
        for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "not a url", "http:///nohost"] {
            assert!(fetch(url, &policy(&[])).await.is_err(), "{url}");
        }
    }

    #[test]
    fn ranges_contain_what_they_should() {
        let range: IpRange = "10.1.0.0/16".parse().expect("range");
        assert!(range.contains("10.1.200.3".parse().expect("ip")));
        assert!(!range.contains("10.2.0.1".parse().expect("ip")));
        let single: IpRange = "127.0.0.1".parse().expect("range");
        assert!(
            single.contains("127.0.0.1".parse().expect("ip")) && !single.contains("127.0.0.2".parse().expect("ip"))
        );
        assert!("::1/129".parse::<IpRange>().is_err());
        assert!(!is_non_public("93.184.216.34".parse().expect("ip")));
        assert!(!is_non_public("2606:2800:220:1:248:1893:25c8:1946".parse().expect("ip")));
    }

    #[tokio::test]
    async fn allowed_ranges_are_fetched_and_every_redirect_is_checked_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 2048];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).to_string();
                let answer = if request.starts_with("GET /page") {
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello".to_owned()
                } else if request.starts_with("GET /inside") {
                    "HTTP/1.1 302 Found\r\nlocation: /page\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else if request.starts_with("GET /big") {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n{}",
                        "x".repeat(5000)
                    )
                } else {
                    format!(
                        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:{port}/page\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    )
                };
                // The client may hang up early, which the test server ignores.
                let _sent = socket.write_all(answer.as_bytes()).await;
            }
        });
        let allowed = policy(&["127.0.0.1/32"]);
        let page = fetch(&format!("http://127.0.0.1:{port}/inside"), &allowed).await.expect("fetched");
        assert_eq!(page.bytes, b"hello");
        assert_eq!(page.content_type.as_deref(), Some("text/html"));
        assert!(page.url.ends_with("/page"));
        let escape = fetch(&format!("http://127.0.0.1:{port}/away"), &allowed).await;
        assert_eq!(escape.err(), Some(FetchError::Forbidden("127.0.0.2".into())), "a redirect is vetted like a URL");
        let big = fetch(&format!("http://127.0.0.1:{port}/big"), &allowed).await;
        assert_eq!(big.err(), Some(FetchError::TooLarge(1024)));
    }
}
