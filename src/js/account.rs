//! `js_GetAccountInfo`.

use super::types::AccountInfo;
use super::{JetStream, JsOptions};
use crate::error::Result;

impl JetStream {
    /// `js_GetAccountInfo`: the account's JetStream usage and limits.
    pub fn account_info(&self, opts: Option<&JsOptions>) -> Result<AccountInfo> {
        let o = self.call_opts(opts);
        self.api_request(&o, "INFO", b"", &[])
    }
}
