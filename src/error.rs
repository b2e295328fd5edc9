//! The core error type: a status plus a human-readable text.

use crate::status::natsStatus;
use std::fmt;

/// An error of the core: the C status it maps to, and a text for
/// `nats_GetLastError`. The text never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: natsStatus,
    pub text: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(status: natsStatus, text: impl Into<String>) -> Error {
        Error {
            status,
            text: text.into(),
        }
    }

    /// An error whose text is the status' own text.
    pub fn status(status: natsStatus) -> Error {
        Error {
            status,
            text: status.text().to_string(),
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

impl From<natsStatus> for Error {
    fn from(s: natsStatus) -> Error {
        Error::status(s)
    }
}
