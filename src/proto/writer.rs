//! CONTRACT STUB — replaced by the protocol implementation.
use super::ConnectInfo;

pub const PING: &[u8] = b"PING\r\n";
pub const PONG: &[u8] = b"PONG\r\n";

/// `CONNECT {json}\r\n`
pub fn write_connect(_buf: &mut Vec<u8>, _ci: &ConnectInfo) {}
/// `PUB subj [reply] len\r\npayload\r\n`, or `HPUB subj [reply] hlen tlen\r\nheaders payload\r\n`
/// when `headers` is `Some` (a complete `NATS/1.0…\r\n\r\n` block).
pub fn write_pub(_buf: &mut Vec<u8>, _subject: &[u8], _reply: Option<&[u8]>, _headers: Option<&[u8]>, _payload: &[u8]) {}
/// `SUB subj [queue] sid\r\n`
pub fn write_sub(_buf: &mut Vec<u8>, _subject: &[u8], _queue: Option<&[u8]>, _sid: u64) {}
/// `UNSUB sid [max]\r\n`
pub fn write_unsub(_buf: &mut Vec<u8>, _sid: u64, _max: Option<u64>) {}
