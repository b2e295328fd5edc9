//! The core error type: a status plus a human-readable text.

use crate::status::natsStatus;
use std::fmt;

/// An error of the core: the C status it maps to, and a text for
/// `nats_GetLastError`. The text never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: natsStatus,
    pub text: String,
    /// The JetStream error code (cnats' `jsErrCode`, the API's
    /// `err_code`); 0 when the error is not a JetStream API error.
    pub js_code: u16,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(status: natsStatus, text: impl Into<String>) -> Error {
        Error {
            status,
            text: text.into(),
            js_code: 0,
        }
    }

    /// A JetStream error: a status, the API's `err_code` and a text.
    pub fn js(status: natsStatus, js_code: u16, text: impl Into<String>) -> Error {
        Error {
            status,
            text: text.into(),
            js_code,
        }
    }

    /// An error whose text is the status' own text.
    pub fn status(status: natsStatus) -> Error {
        Error {
            status,
            text: status.text().to_string(),
            js_code: 0,
        }
    }

    pub fn invalid_arg(text: impl Into<String>) -> Error {
        Error::new(natsStatus::NATS_INVALID_ARG, text)
    }

    pub fn io(e: &std::io::Error) -> Error {
        Error::new(natsStatus::NATS_IO_ERROR, e.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Error {}

/// The text for a caught panic (its payload when it is a string), used
/// wherever a panic is turned into an error: at the C boundary and when a
/// library thread dies.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("internal error (panic): {s}")
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("internal error (panic): {s}")
    } else {
        "internal error (panic)".to_string()
    }
}

impl From<natsStatus> for Error {
    fn from(s: natsStatus) -> Error {
        Error::status(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_text_of_payloads() {
        let cases: Vec<(Box<dyn std::any::Any + Send>, &str)> = vec![
            (Box::new("boom"), "internal error (panic): boom"),
            (Box::new(String::from("owned")), "internal error (panic): owned"),
            (Box::new(42u32), "internal error (panic)"),
        ];
        for (p, want) in cases {
            assert_eq!(panic_text(&*p), want);
        }
        let p = std::panic::catch_unwind(|| panic!("at {}", 3)).unwrap_err();
        assert_eq!(panic_text(&*p), "internal error (panic): at 3");
    }
}
