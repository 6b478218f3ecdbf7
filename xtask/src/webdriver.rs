//! A minimal W3C WebDriver client: the handful of commands the Studio's
//! end-to-end test needs (sessions, finding and clicking elements, typing,
//! running scripts, screenshots), spoken to tauri-driver over loopback HTTP.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a screenshot may take.
const SCREENSHOT_WAIT: Duration = Duration::from_secs(20);

/// Keeps the page presenting frames: a nearly transparent pixel in a corner
/// changes on every animation frame until [`STOP_PRESENTING`] runs.
const KEEP_PRESENTING: &str = r"
if (window.__keepPresenting) return;
const dot = document.createElement('div');
dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647;background:#000;opacity:0.01';
document.body.appendChild(dot);
window.__keepPresenting = true;
let odd = false;
const tick = () => {
  if (!window.__keepPresenting) { dot.remove(); return; }
  odd = !odd;
  dot.style.opacity = odd ? '0.02' : '0.01';
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
";

/// Ends [`KEEP_PRESENTING`].
const STOP_PRESENTING: &str = "window.__keepPresenting = false;";

/// One WebDriver session.
#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
}

/// A reference to an element of the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Opens a session on the driver at `driver` (`http://127.0.0.1:PORT`)
    /// with these capabilities.
    pub async fn start(driver: &str, capabilities: Value) -> Result<Self> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(120))
            .build()
            .context("could not build the HTTP client")?;
        // tauri-driver listens before the native driver behind it does, and
        // drops the connection of a request it cannot forward yet: such
        // requests are retried for a while, refusals are not.
        let deadline = Instant::now() + Duration::from_secs(30);
        let answer = loop {
            let body = json!({ "capabilities": capabilities.clone() });
            match call(&http, reqwest::Method::POST, &format!("{driver}/session"), Some(body)).await {
                Ok(answer) => break answer,
                Err(error)
                    if Instant::now() < deadline
                        && error.chain().any(|cause| cause.downcast_ref::<reqwest::Error>().is_some()) =>
                {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(error) => return Err(error.context("the driver refused to start a session")),
            }
        };
        let id = answer["sessionId"].as_str().context("the driver's new session has no id")?;
        Ok(Self { http, base: format!("{driver}/session/{id}") })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(&self.http, reqwest::Method::POST, &format!("{}{path}", self.base), Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        call(&self.http, reqwest::Method::GET, &format!("{}{path}", self.base), None).await
    }

    /// The first element matching a CSS selector, waiting up to `timeout` for it.
    pub async fn find(&self, selector: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.post("/element", json!({ "using": "css selector", "value": selector })).await;
            // Before the page has loaded the driver may answer without an element.
            let found = found.and_then(|value| match value[ELEMENT_KEY].as_str() {
                Some(id) => Ok(Element(id.to_owned())),
                None => bail!("the driver answered {value} instead of an element"),
            });
            match found {
                Ok(element) => return Ok(element),
                Err(error) if Instant::now() > deadline => {
                    return Err(error.context(format!("no element matches {selector:?}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Clicks an element.
    pub async fn click(&self, element: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", element.0), json!({})).await.map(drop)
    }

    /// Types into an element.
    pub async fn type_text(&self, element: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text })).await.map(drop)
    }

    /// An element's visible text.
    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self.get(&format!("/element/{}/text", element.0)).await?;
        value.as_str().map(str::to_owned).context("the element's text is not a string")
    }

    /// Runs a script in the page (its `arguments` are `args`) and returns its result.
    pub async fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// Runs an asynchronous script in the page: its `arguments` are `args`
    /// followed by the callback it calls with its result once done.
    pub async fn execute_async(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/async", json!({ "script": script, "args": args })).await
    }

    /// Evaluates `script` until it returns `true`, for up to `timeout`.
    pub async fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.execute(script, json!([])).await? == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("timed out after {} s waiting for {what}", timeout.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A PNG of the window's page.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        // WebKit takes an automation screenshot after the page's next
        // presentation update. A screen that has settled (a form, a list)
        // presents nothing until something changes, so the screenshot never
        // came for those, while screens with the live viewport always had
        // one; one pixel kept changing on every animation frame makes the
        // update come, and is stopped once the screenshot is in.
        self.execute(KEEP_PRESENTING, json!([])).await.context("could not prepare the screenshot")?;
        let shot = tokio::time::timeout(SCREENSHOT_WAIT, self.get("/screenshot")).await;
        // The next screenshot starts it again; a page that went away has nothing to stop.
        let _ = self.execute(STOP_PRESENTING, json!([])).await;
        let value = shot.map_err(|_| anyhow::anyhow!("no screenshot within {} s", SCREENSHOT_WAIT.as_secs()))??;
        let encoded = value.as_str().context("the screenshot is not a string")?;
        base64::engine::general_purpose::STANDARD.decode(encoded).context("the screenshot is not base64")
    }

    /// Sets the window's outer size in CSS pixels.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height })).await.map(drop)
    }

    /// Ends the session, which closes the app.
    pub async fn end(self) -> Result<()> {
        call(&self.http, reqwest::Method::DELETE, &self.base, None).await.map(drop)
    }
}

/// One WebDriver call: the answer's `value`, or an error with the driver's message.
async fn call(http: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> Result<Value> {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.with_context(|| format!("could not reach the driver at {url}"))?;
    let status = response.status();
    let answer: Value = response.json().await.with_context(|| format!("the driver's answer to {url} is not JSON"))?;
    if !status.is_success() {
        let error = answer["value"]["error"].as_str().unwrap_or("unknown error");
        let message = answer["value"]["message"].as_str().unwrap_or("");
        bail!("{url}: {error}: {message}");
    }
    Ok(answer["value"].clone())
}
