//! Watchers (cnats' `kvWatcher`): an ordered push consumer on the keys'
//! subjects. Deliver the last revision of each key (or all with
//! `include_history`, only new ones with `updates_only`, from a revision
//! with `resume_from_revision`), headers only with `meta_only`. Once the
//! values there were when the watcher started are delivered, one `None`
//! ("initial values done") follows; on an empty bucket it comes first.
//! The ordered consumer recreates itself after a gap, missed heartbeats
//! or a reconnect, resuming after the last revision delivered.

use super::{operation_of, Entry, KeyValue, Operation, WatchOptions};
use crate::conn::sub::{MsgCallback, Subscription};
use crate::error::{Error, Result};
use crate::js::push::SubOptions;
use crate::js::{ConsumerConfig, DeliverPolicy};
use crate::msg::Msg;
use crate::status::natsStatus::*;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a callback watcher is given: an entry, or `None` once the
/// initial values are delivered.
pub type WatchCallback = Arc<dyn Fn(Option<Entry>) + Send + Sync>;

#[derive(Default)]
struct State {
    /// The initial values are all delivered.
    init_done: bool,
    /// The "initial values done" `None` is owed (sync: before the next
    /// entry; callback: before the next entry or by the starter thread).
    marker_due: bool,
}

struct Shared {
    bucket: String,
    pre: String,
    ignore_deletes: bool,
    state: Mutex<State>,
}

impl Shared {
    /// The entry of a delivered message, and whether it is the last of
    /// the initial values.
    fn entry(&self, m: &mut Msg) -> Option<Entry> {
        let meta = m.metadata().ok()?;
        let subject = std::str::from_utf8(m.subject()).ok()?;
        let key = subject.strip_prefix(self.pre.as_str())?.to_string();
        let op = operation_of(m.existing_headers().ok().flatten().map(|h| &*h));
        Some(Entry {
            bucket: self.bucket.clone(),
            key,
            value: m.data().to_vec(),
            revision: meta.sequence.stream,
            created: meta.timestamp,
            delta: meta.num_pending,
            operation: op,
        })
    }

    /// Updates the state for entry `e`; whether it is passed on.
    fn accept(&self, st: &mut State, e: &Entry) -> bool {
        if !st.init_done && e.delta == 0 {
            st.init_done = true;
            st.marker_due = true;
        }
        !(self.ignore_deletes && e.operation != Operation::Put)
    }
}

/// cnats' `kvWatcher`.
pub struct Watcher {
    sub: Arc<Subscription>,
    shared: Arc<Shared>,
    callback: bool,
    stopped: AtomicBool,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").field("bucket", &self.shared.bucket).finish()
    }
}

impl Watcher {
    pub(super) fn start(kv: &KeyValue, keys: &[&str], o: WatchOptions, cb: Option<WatchCallback>) -> Result<Watcher> {
        let pre = kv.read_prefix().to_string();
        let mut subjects = Vec::new();
        if keys.is_empty() {
            subjects.push(format!("{pre}>"));
        }
        for k in keys {
            if !super::valid_key(k, true) {
                return Err(Error::invalid_arg(super::errs::INVALID_KEY));
            }
            subjects.push(format!("{pre}{k}"));
        }
        if o.heartbeat < 0 {
            return Err(Error::invalid_arg("heartbeat cannot be negative"));
        }
        let mut cfg = ConsumerConfig {
            deliver_policy: Some(if o.include_history {
                DeliverPolicy::All
            } else {
                DeliverPolicy::LastPerSubject
            }),
            headers_only: o.meta_only,
            heartbeat: o.heartbeat,
            ..Default::default()
        };
        let mut init_done = false;
        if o.resume_from_revision > 0 {
            cfg.deliver_policy = Some(DeliverPolicy::ByStartSequence);
            cfg.opt_start_seq = o.resume_from_revision;
        } else if o.updates_only {
            cfg.deliver_policy = Some(DeliverPolicy::New);
            init_done = true;
        }
        let shared = Arc::new(Shared {
            bucket: kv.bucket().to_string(),
            pre,
            ignore_deletes: o.ignore_deletes,
            state: Mutex::new(State {
                init_done,
                marker_due: false,
            }),
        });
        let so = SubOptions {
            stream: Some(kv.stream().to_string()),
            ordered: true,
            config: cfg,
            ..Default::default()
        };
        let mcb: Option<MsgCallback> = cb.clone().map(|cb| {
            let sh = shared.clone();
            let f: MsgCallback = Arc::new(move |_, _, m| {
                let Some(mut m) = m else { return };
                let Some(e) = sh.entry(&mut m) else { return };
                let mut st = sh.state.lock();
                if st.marker_due {
                    // Empty at start: the marker goes first.
                    st.marker_due = false;
                    cb(None);
                }
                if sh.accept(&mut st, &e) {
                    cb(Some(e));
                }
                if st.marker_due {
                    st.marker_due = false;
                    cb(None);
                }
            });
            f
        });
        // Held while the starting state is read, so that a callback does
        // not run before it is known.
        let mut st = shared.state.lock();
        let refs: Vec<&str> = subjects.iter().map(String::as_str).collect();
        let sub = kv.js().subscribe_multi(&refs, mcb, None, Some(&so))?;
        if !st.init_done {
            // Nothing to deliver at start: the marker comes at once.
            if let Ok(ci) = crate::js::sub::consumer_info(&sub, None) {
                if ci.num_pending == 0 && ci.delivered.consumer == 0 {
                    st.init_done = true;
                    st.marker_due = true;
                }
            }
        }
        let owed = st.marker_due;
        let is_cb = cb.is_some();
        drop(st);
        if owed {
            if let Some(cb) = cb {
                let sh = shared.clone();
                std::thread::Builder::new()
                    .name("kv-watch-marker".into())
                    .spawn(move || {
                        let mut st = sh.state.lock();
                        if st.marker_due {
                            st.marker_due = false;
                            cb(None);
                        }
                    })
                    .map_err(|e| Error::new(NATS_ERR, format!("cannot start watcher thread: {e}")))?;
            }
        }
        Ok(Watcher {
            sub,
            shared,
            callback: is_cb,
            stopped: AtomicBool::new(false),
        })
    }

    /// `kvWatcher_Next`: the next entry, `None` once the initial values
    /// are delivered; `NATS_TIMEOUT` when nothing comes within
    /// `timeout_ms`. Stopped, or a callback watcher: `NATS_ILLEGAL_STATE`.
    pub fn next(&self, timeout_ms: i64) -> Result<Option<Entry>> {
        if self.stopped.load(Ordering::Acquire) {
            return Err(Error::new(NATS_ILLEGAL_STATE, "watcher stopped"));
        }
        if self.callback {
            return Err(Error::new(NATS_ILLEGAL_STATE, "watcher has a callback"));
        }
        if timeout_ms <= 0 {
            return Err(Error::invalid_arg("timeout must be positive"));
        }
        let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
        loop {
            {
                let mut st = self.shared.state.lock();
                if st.marker_due {
                    st.marker_due = false;
                    return Ok(None);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now()).as_millis() as i64;
            if left <= 0 {
                return Err(Error::status(NATS_TIMEOUT));
            }
            let mut m = match self.sub.next_msg(left) {
                Ok(m) => m,
                Err(_) if self.stopped.load(Ordering::Acquire) => {
                    return Err(Error::new(NATS_ILLEGAL_STATE, "watcher stopped"))
                }
                Err(e) => return Err(e),
            };
            let Some(e) = self.shared.entry(&mut m) else { continue };
            let mut st = self.shared.state.lock();
            if self.shared.accept(&mut st, &e) {
                return Ok(Some(e));
            }
        }
    }

    /// `kvWatcher_Stop`: no more entries (also from inside the callback).
    pub fn stop(&self) -> Result<()> {
        self.stopped.store(true, Ordering::Release);
        let conn = self
            .sub
            .connection()
            .ok_or_else(|| Error::status(NATS_CONNECTION_CLOSED))?;
        match conn.unsubscribe(&self.sub, 0) {
            Err(e) if e.status == NATS_INVALID_SUBSCRIPTION => Ok(()),
            r => r,
        }
    }

    /// The subscription of the watcher (its ordered consumer).
    pub fn subscription(&self) -> &Arc<Subscription> {
        &self.sub
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.sub.is_valid() {
            let _ = self.stop();
        }
    }
}
