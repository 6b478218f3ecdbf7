//! Test chat with a draft, streamed frame by frame, and the poster upload.

use std::time::Duration;

use animo_shared::ErrorCode;
use animo_shared::bot::{Personality, UpdateBotRequest};
use animo_shared::chat::{ServerFrame, TestChatRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{TestServer, TestStudio, signed_up};

fn personality(answer: &str) -> Personality {
    serde_json::from_value(serde_json::json!({
        "name": "Ava",
        "faq": [{ "question": "What are your opening hours?", "answer": answer }],
    }))
    .expect("valid personality")
}

fn message(text: &str, conversation: Option<animo_shared::ConversationId>) -> TestChatRequest {
    TestChatRequest { conversation_id: conversation, client_msg_id: None, text: text.to_owned() }
}

fn answer(frames: &[ServerFrame]) -> String {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ServerFrame::Token { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn test_chat_streams_the_drafts_answer_frame_by_frame() {
    let (_server, t) = signed_up().await;
    let bot = t.create_bot(personality("We are open from 9 to 5.")).await;

    let mut frames = Vec::new();
    let outcome = t
        .studio
        .test_chat(&bot.id, &message("When are you open?", None), |frame| frames.push(frame))
        .await
        .expect("answered");
    assert!(matches!(frames.first(), Some(ServerFrame::Ack { .. })), "{frames:?}");
    assert!(matches!(frames.get(1), Some(ServerFrame::Cue { .. })), "{frames:?}");
    assert!(matches!(frames.last(), Some(ServerFrame::Done { .. })), "{frames:?}");
    assert_eq!(outcome.frames as usize, frames.len());
    assert!(answer(&frames).starts_with("We are open from 9 to 5."), "{frames:?}");
    let conversation = outcome.conversation_id.expect("a conversation");

    // An edit of the draft answers the follow-up, in the same conversation.
    let update = UpdateBotRequest { personality: Some(personality("We now open at 7.")), ..Default::default() };
    t.studio.update_draft(&bot.id, update).await.expect("saved");
    let mut frames = Vec::new();
    let outcome = t
        .studio
        .test_chat(&bot.id, &message("When are you open?", Some(conversation.clone())), |frame| frames.push(frame))
        .await
        .expect("answered");
    assert_eq!(outcome.conversation_id, Some(conversation));
    assert!(answer(&frames).starts_with("We now open at 7."), "{frames:?}");

    let refused = t.studio.test_chat(&bot.id, &message("   ", None), |_| {}).await.expect_err("refused");
    assert_eq!(refused.code, ErrorCode::InvalidRequest);
    assert!(refused.request_id.is_some(), "the server's refusal: {refused:?}");
}

/// A proxy in front of the server that answers test-chat requests with an
/// event stream that falls silent after one keep-alive, and passes every
/// other request on (asking the server to close the connection after it, so
/// that each request arrives on a connection of its own to be looked at).
async fn stalling_proxy(target: std::net::SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                let head_end = loop {
                    let Ok(read) = inbound.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    if let Some(at) = request.windows(4).position(|window| window == b"\r\n\r\n") {
                        break at + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|value| value.trim().parse().ok())
                    .unwrap_or(0);
                while request.len() < head_end + length {
                    let Ok(read) = inbound.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                }
                if head.lines().next().is_some_and(|line| line.contains("/test-chat")) {
                    let stream = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n3\r\n:\n\n\r\n";
                    let _sent = inbound.write_all(stream.as_bytes()).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                let line_end = request.windows(2).position(|window| window == b"\r\n").unwrap_or(0) + 2;
                let mut forwarded = request[..line_end].to_vec();
                forwarded.extend_from_slice(b"connection: close\r\n");
                forwarded.extend_from_slice(&request[line_end..]);
                if outbound.write_all(&forwarded).await.is_err() {
                    return;
                }
                let _copied = tokio::io::copy(&mut outbound, &mut inbound).await;
                let _closed = inbound.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test]
async fn test_chat_gives_up_on_a_stalled_stream() {
    let server = TestServer::start().await;
    let target = server.url().trim_start_matches("http://").parse().expect("the server's address");
    let proxy = stalling_proxy(target).await;
    let t = TestStudio::open().await;
    t.sign_up(&proxy).await;
    let bot = t.create_bot(personality("We are open.")).await;
    let started = std::time::Instant::now();
    let error = t
        .studio
        .test_chat_within(&bot.id, &message("Hello", None), Duration::from_millis(500), |_| {})
        .await
        .expect_err("the stream stalls");
    assert_eq!(error.code, ErrorCode::Unavailable, "{error:?}");
    assert_eq!(error.details.as_ref().and_then(|details| details.get("stalled")), Some(&serde_json::json!(true)));
    assert!(started.elapsed() < Duration::from_secs(10), "gave up after {:?}", started.elapsed());
}

/// A 1×1 PNG.
const TINY_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test]
async fn a_poster_is_uploaded_to_the_draft_and_a_bad_one_refused() {
    use base64::Engine;
    let (_server, t) = signed_up().await;
    let bot = t.create_bot(personality("We are open.")).await;
    let png = base64::engine::general_purpose::STANDARD.decode(TINY_PNG).expect("base64");
    let stored = t.studio.upload_poster(&bot.id, png).await.expect("uploaded");
    assert_eq!((stored.width, stored.height), (1, 1));
    let draft = t.studio.bot(&bot.id).await.expect("bot").draft;
    assert_eq!(draft.poster.map(|poster| poster.etag), Some(stored.etag));

    let refused = t.studio.upload_poster(&bot.id, b"not a png".to_vec()).await.expect_err("refused");
    assert_eq!(refused.code, ErrorCode::PosterInvalid);
}
