/**
 * The chat panel's CSS, scoped by the shadow root (nothing leaks into the
 * page, nothing of the page's leaks in). Colours come from custom
 * properties the loader sets from the bot's look; light and dark follow the
 * config, `auto` follows the visitor's system.
 */
export const CHAT_CSS = `
.panel{--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--bubble:#f0f2f5;--border:#d9dde3;--focus:#1a56db;
position:fixed;z-index:2147483001;display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 40px);
height:min(640px,calc(100vh - 120px));background:var(--bg);color:var(--fg);border:1px solid var(--border);
border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
box-sizing:border-box}
.panel *{box-sizing:border-box}
.panel[hidden]{display:none}
.theme-dark{--bg:#16191d;--fg:#eceff3;--muted:#a4adb8;--bubble:#262b31;--border:#3a414a;--focus:#8ab4ff}
@media (prefers-color-scheme:dark){.theme-auto{--bg:#16191d;--fg:#eceff3;--muted:#a4adb8;--bubble:#262b31;--border:#3a414a;--focus:#8ab4ff}}
.panel.bottom_right{right:20px;bottom:88px}.panel.bottom_left{left:20px;bottom:88px}
.panel.top_right{right:20px;top:88px}.panel.top_left{left:20px;top:88px}
header{display:flex;align-items:center;gap:10px;padding:10px 12px;background:var(--animo-primary);color:var(--animo-on-primary)}
header h2{flex:1;margin:0;font-size:16px;font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.status{display:flex;align-items:center;gap:6px;font-size:12px}
.dot{width:8px;height:8px;border-radius:50%;background:#9aa3ad;box-shadow:0 0 0 2px rgba(255,255,255,.6)}
.status[data-state=online] .dot{background:#1f9d55}
.status[data-state=offline] .dot{background:#d93025}
.status[data-state=reconnecting] .dot,.status[data-state=connecting] .dot{background:#f2a900}
button{font:inherit;color:inherit;cursor:pointer}
.icon{display:grid;place-items:center;width:36px;height:36px;border:0;border-radius:50%;background:transparent;color:inherit;font-size:22px;line-height:1}
.icon:hover{background:rgba(127,127,127,.2)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header :focus-visible{outline-color:var(--animo-on-primary)}
.stage{position:relative;flex:none;height:190px;background:linear-gradient(180deg,rgba(127,127,127,.08),rgba(127,127,127,.18));border-bottom:1px solid var(--border)}
.stage canvas{display:block;width:100%;height:100%}
.poster{display:grid;place-items:center;width:100%;height:100%}
.poster img{max-width:100%;max-height:100%;object-fit:contain}
.initial{display:grid;place-items:center;width:96px;height:96px;border-radius:50%;background:var(--animo-primary);color:var(--animo-on-primary);font-size:44px;font-weight:700}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;overscroll-behavior:contain}
.msg{max-width:88%;padding:8px 12px;border-radius:14px;overflow-wrap:anywhere}
.msg p,.msg ul,.msg ol,.msg pre,.msg blockquote{margin:0 0 6px}.msg>:last-child{margin-bottom:0}
.msg ul,.msg ol{padding-left:20px}
.msg pre{white-space:pre-wrap;background:rgba(127,127,127,.15);padding:6px;border-radius:6px;font-size:13px}
.msg code{font-family:ui-monospace,monospace;font-size:.92em}
.msg blockquote{border-left:3px solid var(--border);padding-left:8px;color:var(--muted)}
.msg a{color:inherit;text-decoration:underline}
.bot{align-self:flex-start;background:var(--bubble)}
.visitor{align-self:flex-end;background:var(--animo-primary);color:var(--animo-on-primary)}
.cite{font-size:.75em;color:var(--muted)}
.visitor .cite{color:inherit}
.note{font-size:12px;color:var(--muted);margin-top:4px}
.visitor .note{color:inherit;opacity:.9}
.note button{border:0;background:none;padding:0;text-decoration:underline}
.sources{margin:8px 0 0;padding:8px 0 0;border-top:1px solid var(--border);font-size:13px;list-style:none}
.sources li{margin:0 0 6px}
.sources .title{font-weight:600}
.sources .snippet{display:block;color:var(--muted)}
.rate{display:flex;gap:6px;margin-top:6px;align-items:center;font-size:12px;color:var(--muted)}
.rate button{display:grid;place-items:center;border:1px solid var(--border);background:var(--bg);border-radius:12px;padding:3px 9px}
.rate svg{width:16px;height:16px}.rate [data-rating=down] svg{transform:rotate(180deg)}
.rate button[aria-pressed=true]{background:var(--animo-primary);color:var(--animo-on-primary);border-color:transparent}
.typing{padding:0 14px 6px;font-size:13px;color:var(--muted);min-height:20px}
.alert{margin:0 12px 8px;padding:8px 10px;border-radius:8px;background:#fdecea;color:#7a1712;font-size:13px}
.alert[hidden],.typing[hidden]{display:none}
form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid var(--border)}
textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:9px 10px;border:1px solid var(--border);border-radius:10px;background:var(--bg);color:var(--fg);font:inherit}
.send{border:0;border-radius:10px;padding:0 14px;background:var(--animo-primary);color:var(--animo-on-primary);font-weight:600}
.send:disabled{opacity:.5;cursor:default}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px),(max-height:520px){
.panel{inset:0;width:100%;max-width:none;height:100%;border-radius:0;border:0;transform:none!important}
.stage{height:140px}
:host([data-open]) .launcher{display:none}}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
`;
