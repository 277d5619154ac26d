//! Fault modes (`--fault KIND[:RATE]`): the misbehaviour of real servers and of the proxies in
//! front of them, injected into a share of generation requests, so that every failure path of a
//! client has an end-to-end test. docs/transports.md, "Mock server", lists what each produces.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::errors::splitmix64;

/// One way to misbehave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests` with a JSON error and `Retry-After`, as an overloaded server or gateway.
    Status429,
    /// `502 Bad Gateway` with nginx's HTML page, as a proxy whose upstream died.
    Html502,
    /// Accepts the request and never answers (the client's timeout must fire).
    Hang,
    /// Sends the status and part of the body, then resets the connection.
    ResetMidStream,
    /// One event (or the body) is cut-off JSON.
    MalformedEvent,
    /// One event (or the body) carries a byte that is not UTF-8 in its text.
    InvalidUtf8,
    /// Every byte of the body is its own write (and its own HTTP chunk).
    ByteByByte,
    /// Answers a streaming request with one whole JSON body.
    JsonToStream,
    /// After the first piece, an endless body without a line break (128 MiB, then the end).
    HugeResponse,
}

impl Fault {
    /// Every fault, in the order of the table in docs/transports.md.
    pub const ALL: [Self; 9] = [
        Self::Status429,
        Self::Html502,
        Self::Hang,
        Self::ResetMidStream,
        Self::MalformedEvent,
        Self::InvalidUtf8,
        Self::ByteByByte,
        Self::JsonToStream,
        Self::HugeResponse,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Status429 => "status-429",
            Self::Html502 => "html-502",
            Self::Hang => "hang",
            Self::ResetMidStream => "reset-mid-stream",
            Self::MalformedEvent => "malformed-event",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::ByteByByte => "byte-by-byte",
            Self::JsonToStream => "json-to-stream",
            Self::HugeResponse => "huge-response",
        }
    }
}

/// A fault and the share (0–1) of generation requests it hits: `reset-mid-stream:0.2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultSpec {
    /// The fault.
    pub fault: Fault,
    /// The share of requests.
    pub rate: f64,
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, rate) = text.split_once(':').unwrap_or((text, "1"));
        let fault = Fault::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
            format!("unknown fault '{name}': expected one of {} (optionally :RATE, e.g. hang:0.1)", names.join(", "))
        })?;
        let rate: f64 =
            rate.parse().ok().filter(|r| (0.0..=1.0).contains(r)).ok_or_else(|| format!("'{rate}' is not a share between 0 and 1"))?;
        Ok(Self { fault, rate })
    }
}

/// Draws the fault of each request from the seed, one draw per request: faults take adjacent
/// slices of [0, 1), so their rates add up (past 1, the later ones are cut short).
#[derive(Debug)]
pub(crate) struct Faults {
    specs: Vec<FaultSpec>,
    seed: u64,
    requests: AtomicU64,
}

impl Faults {
    pub(crate) fn new(specs: Vec<FaultSpec>, seed: u64) -> Self {
        Self { specs, seed: splitmix64(seed ^ 0xFA17), requests: AtomicU64::new(0) }
    }

    /// The fault of the next generation request, if any.
    pub(crate) fn pick(&self) -> Option<Fault> {
        if self.specs.is_empty() {
            return None;
        }
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let draw = (splitmix64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64 / (1u64 << 53) as f64;
        let mut edge = 0.0;
        self.specs
            .iter()
            .find(|spec| {
                edge += spec.rate;
                draw < edge
            })
            .map(|spec| spec.fault)
    }
}

/// nginx's page for a 502, byte for byte.
pub(crate) const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The first piece of body the stream faults alter (the second of a stream, the body itself
/// otherwise).
pub(crate) fn is_target(piece: u32, streaming: bool) -> bool {
    piece == if streaming { 2 } else { 1 }
}

/// `bytes` with JSON cut in the middle of a string (an event keeps its `data: ` and blank line).
pub(crate) fn malformed(bytes: &[u8], streaming: bool) -> Vec<u8> {
    if streaming {
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"cut off\n\n".to_vec()
    } else {
        bytes[..bytes.len() / 2].to_vec()
    }
}

/// `bytes` with a 0xFF byte inside its first text value (after `"content":"` or `"text":"`).
pub(crate) fn invalid_utf8(bytes: &[u8]) -> Vec<u8> {
    let at = [&b"\"content\":\""[..], b"\"text\":\""]
        .iter()
        .find_map(|key| bytes.windows(key.len()).position(|w| w == *key).map(|i| i + key.len()))
        .unwrap_or(bytes.len() / 2);
    let mut out = bytes.to_vec();
    out.insert(at, 0xFF);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_faults_follow_their_rates() {
        assert_eq!("hang".parse::<FaultSpec>().unwrap(), FaultSpec { fault: Fault::Hang, rate: 1.0 });
        assert_eq!("html-502:0.25".parse::<FaultSpec>().unwrap().rate, 0.25);
        assert!("teapot".parse::<FaultSpec>().unwrap_err().contains("expected one of status-429, html-502, hang"));
        assert!("hang:2".parse::<FaultSpec>().is_err());
        let faults = Faults::new(vec!["hang:0.25".parse().unwrap(), "html-502:0.25".parse().unwrap()], 3);
        let picks: Vec<Option<Fault>> = (0..10_000).map(|_| faults.pick()).collect();
        let count = |f| picks.iter().filter(|p| **p == f).count();
        assert!((2_300..2_700).contains(&count(Some(Fault::Hang))), "{}", count(Some(Fault::Hang)));
        assert!((2_300..2_700).contains(&count(Some(Fault::Html502))));
        assert!(Faults::new(Vec::new(), 3).pick().is_none());
    }

    #[test]
    fn altered_bytes() {
        let event = br#"data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}"#;
        let bad = invalid_utf8(event);
        assert!(std::str::from_utf8(&bad).is_err() && bad.windows(2).any(|w| w == [0xFF, b'H']));
        assert!(malformed(event, true).ends_with(b"\n\n"));
        assert!(is_target(2, true) && is_target(1, false) && !is_target(1, true));
    }
}
