//! An incremental parser for `text/event-stream` bodies, as the WHATWG HTML standard defines them.
//!
//! Bytes are fed in whatever pieces the network delivers; events come out once their blank line
//! has arrived. Lines end in CRLF, LF or CR (a CR at the end of one piece and an LF at the start
//! of the next are one line end). Lines are decoded only when complete, so a UTF-8 character
//! split across pieces is decoded whole.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; empty when absent (the standard's default type is `message`).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` field seen on the stream, if any.
    pub id: Option<String>,
}

/// A line longer than this is refused: no provider sends one, and buffering without bound would let
/// a broken upstream exhaust memory.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Why a stream could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event-stream line longer than {MAX_LINE_BYTES} bytes")]
pub struct LineTooLong;

/// The parser's state between pieces of input.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next piece of the body and appends the events it completes to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), LineTooLong> {
        for &byte in bytes {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' => self.end_line(out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out);
                }
                _ => {
                    if self.line.len() >= MAX_LINE_BYTES {
                        return Err(LineTooLong);
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(())
    }

    /// Ends the stream. The standard discards an event whose blank line never came, and so do we:
    /// a body cut mid-event must not look complete.
    pub fn finish(&mut self) {
        self.line.clear();
        self.event.clear();
        self.data.clear();
        self.has_data = false;
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let mut line = std::mem::take(&mut self.line);
        // A byte-order mark may open the stream and is not part of the first field name.
        if !self.started && line.starts_with(&[0xEF, 0xBB, 0xBF]) {
            line.drain(..3);
        }
        self.started = true;
        self.process_line(&line, out);
        // Give the allocation back for reuse by the next line.
        line.clear();
        self.line = line;
    }

    fn process_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                out.push(SseEvent {
                    event: std::mem::take(&mut self.event),
                    data: std::mem::take(&mut self.data),
                    id: self.last_id.clone(),
                });
            }
            self.event.clear();
            self.data.clear();
            self.has_data = false;
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => self.event = value.into_owned(),
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&value);
                self.has_data = true;
            }
            // The standard ignores ids with NUL so that they cannot end a C string early.
            b"id" if !value.contains('\0') => self.last_id = Some(value.into_owned()),
            // `retry` only concerns browsers reconnecting; other fields are ignored by the standard.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(pieces: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for piece in pieces {
            parser.feed(piece, &mut out).expect("short lines");
        }
        parser.finish();
        out
    }

    fn event(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into(), id: None }
    }

    const STREAM: &str = "\u{feff}: a comment\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\n\
        data: first line\ndata:second line\ndata:  two spaces\n\n\
        :keep-alive\n\n\
        event: ping\rdata: {}\r\r\
        data: héllo wörld — ünïcödé 👋\n\n\
        event: empty-data\ndata\n\n\
        data: cut off at the end, never dispatched\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            event("message_start", "{\"a\":1}"),
            event("", "first line\nsecond line\n two spaces"),
            event("ping", "{}"),
            event("", "héllo wörld — ünïcödé 👋"),
            event("empty-data", ""),
        ]
    }

    #[test]
    fn parses_crlf_cr_lf_comments_multiline_data_and_drops_an_unfinished_event() {
        assert_eq!(parse_in_pieces(&[STREAM.as_bytes()]), expected());
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            assert_eq!(parse_in_pieces(&[a, b]), expected(), "split at byte {split}");
        }
    }

    #[test]
    fn byte_by_byte_and_three_way_splits_give_the_same_events() {
        let bytes = STREAM.as_bytes();
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_in_pieces(&singles), expected());
        for first in (0..bytes.len()).step_by(7) {
            for second in (first..bytes.len()).step_by(5) {
                let pieces = [&bytes[..first], &bytes[first..second], &bytes[second..]];
                assert_eq!(parse_in_pieces(&pieces), expected(), "splits at {first} and {second}");
            }
        }
    }

    #[test]
    fn a_cr_at_the_end_of_a_piece_followed_by_lf_is_one_line_end() {
        let events = parse_in_pieces(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]);
        assert_eq!(events, vec![event("", "a"), event("", "b")]);
    }

    #[test]
    fn ids_are_remembered_and_events_without_data_are_not_dispatched() {
        let events = parse_in_pieces(&[b"id: 7\nevent: lonely\n\ndata: x\n\n"]);
        assert_eq!(events, vec![SseEvent { event: String::new(), data: "x".into(), id: Some("7".into()) }]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let events = parse_in_pieces(&[b"data: \xff\xfeok\n\n"]);
        assert_eq!(events, vec![event("", "\u{fffd}\u{fffd}ok")]);
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let big = vec![b'a'; MAX_LINE_BYTES];
        parser.feed(&big, &mut out).expect("exactly the limit fits");
        assert_eq!(parser.feed(b"a", &mut out), Err(LineTooLong));
    }
}
