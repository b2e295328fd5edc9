//! Status codes, with cnats' names, values and texts.
//!
//! `natsStatus` and `natsConnStatus` are part of the C ABI: the numbering
//! must never change (it is cnats' `status.h`).

/// The status returned by most functions of the library.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsStatus {
    NATS_OK = 0,
    NATS_ERR,
    NATS_PROTOCOL_ERROR,
    NATS_IO_ERROR,
    NATS_LINE_TOO_LONG,
    NATS_CONNECTION_CLOSED,
    NATS_NO_SERVER,
    NATS_STALE_CONNECTION,
    NATS_SECURE_CONNECTION_WANTED,
    NATS_SECURE_CONNECTION_REQUIRED,
    NATS_CONNECTION_DISCONNECTED,
    NATS_CONNECTION_AUTH_FAILED,
    NATS_NOT_PERMITTED,
    NATS_NOT_FOUND,
    NATS_ADDRESS_MISSING,
    NATS_INVALID_SUBJECT,
    NATS_INVALID_ARG,
    NATS_INVALID_SUBSCRIPTION,
    NATS_INVALID_TIMEOUT,
    NATS_ILLEGAL_STATE,
    NATS_SLOW_CONSUMER,
    NATS_MAX_PAYLOAD,
    NATS_MAX_DELIVERED_MSGS,
    NATS_INSUFFICIENT_BUFFER,
    NATS_NO_MEMORY,
    NATS_SYS_ERROR,
    NATS_TIMEOUT,
    NATS_FAILED_TO_INITIALIZE,
    NATS_NOT_INITIALIZED,
    NATS_SSL_ERROR,
    NATS_NO_SERVER_SUPPORT,
    NATS_NOT_YET_CONNECTED,
    NATS_DRAINING,
    NATS_INVALID_QUEUE_NAME,
    NATS_NO_RESPONDERS,
    NATS_MISMATCH,
    NATS_MISSED_HEARTBEAT,
    NATS_LIMIT_REACHED,
    NATS_PIN_ID_MISMATCH,
    NATS_INVALID_CONFIG,
    /// Not a status: one past the last value.
    NATS_MAX_STATUS_VALUE,
}

pub use natsStatus::*;

/// The state of a connection.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsConnStatus {
    NATS_CONN_STATUS_DISCONNECTED = 0,
    NATS_CONN_STATUS_CONNECTING,
    NATS_CONN_STATUS_CONNECTED,
    NATS_CONN_STATUS_CLOSED,
    NATS_CONN_STATUS_RECONNECTING,
    NATS_CONN_STATUS_DRAINING_SUBS,
    NATS_CONN_STATUS_DRAINING_PUBS,
}

const TEXTS: [&str; natsStatus::NATS_MAX_STATUS_VALUE as usize] = [
    "OK",
    "Error",
    "Protocol Error",
    "IO Error",
    "Line too long",
    "Connection Closed",
    "No server available for connection",
    "Stale Connection",
    "Secure Connection not available",
    "Secure Connection Required",
    "Connection Disconnected",
    "Authentication Violation",
    "Not Permitted",
    "Not Found",
    "TCP Address missing",
    "Invalid Subject",
    "Invalid Argument",
    "Invalid Subscription",
    "Invalid Timeout",
    "Illegal State",
    "Slow Consumer, messages dropped",
    "Maximum Payload Exceeded",
    "Maximum Messages Delivered",
    "Insufficient Buffer",
    "No Memory",
    "System Error",
    "Timeout",
    "Initialization Failed",
    "Not Initialized",
    "SSL Error",
    "Not Supported By Server",
    "Not Yet Connected",
    "Draining in progress",
    "Invalid queue name",
    "No responders available for request",
    "Mismatch",
    "Missed Server Heartbeat",
    "Limit reached",
    "Jetstream Consumer PinID Mismatch",
    "Invalid Configuration",
];

impl natsStatus {
    /// The fixed text of a status, as cnats' `natsStatus_GetText`.
    pub fn text(self) -> &'static str {
        TEXTS.get(self as usize).copied().unwrap_or("Unknown Status")
    }

    /// Converts a raw value received from C (a callback's return) into a
    /// status; values outside the enum become `NATS_ERR`.
    pub fn from_raw(v: i32) -> natsStatus {
        if v >= 0 && v < natsStatus::NATS_MAX_STATUS_VALUE as i32 {
            // SAFETY: repr(C) enum with contiguous discriminants 0..MAX.
            unsafe { std::mem::transmute::<i32, natsStatus>(v) }
        } else {
            natsStatus::NATS_ERR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_text_and_round_trips() {
        for v in 0..NATS_MAX_STATUS_VALUE as i32 {
            let s = natsStatus::from_raw(v);
            assert_eq!(s as i32, v);
            assert!(!s.text().is_empty());
        }
        assert_eq!(natsStatus::from_raw(-1), NATS_ERR);
        assert_eq!(natsStatus::from_raw(1000), NATS_ERR);
        assert_eq!(NATS_INVALID_CONFIG as i32, 39);
        assert_eq!(NATS_CONNECTION_AUTH_FAILED.text(), "Authentication Violation");
    }
}
