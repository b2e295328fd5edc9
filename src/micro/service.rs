//! The service, its groups and endpoints, and their statistics.

use super::request::Request;
use super::validate::{is_valid_name, is_valid_semver, is_valid_subject};
use super::{
    control_subject, monitoring, EndpointConfig, GroupConfig, Metadata, MicroError, RequestHandler, ServiceConfig,
    DEFAULT_QUEUE_GROUP, INFO_RESPONSE_TYPE, INFO_VERB, PING_VERB, STATS_RESPONSE_TYPE, STATS_VERB,
};
use crate::conn::sub::{MsgCallback, Subscription};
use crate::conn::Connection;
use crate::msg::Msg;
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// A running service (`microService`).
pub struct Service {
    nc: Arc<Connection>,
    id: String,
    cfg: ServiceConfig,
    started_ns: i64,
    me: Weak<Service>,
    st: Mutex<SvcState>,
    cv: Condvar,
}

#[derive(Default)]
struct SvcState {
    stopped: bool,
    endpoints: Vec<Arc<Endpoint>>,
    groups: Vec<Arc<Group>>,
    /// Subscriptions not completed yet.
    pending: usize,
    /// Holds the service alive while a stop is under way, so that the done
    /// handler runs even when the owner has let go of it.
    keepalive: Option<Arc<Service>>,
    /// `micro_AddService` failed: no done handler for a service the caller
    /// never got.
    failed: bool,
    /// Every subscription has completed and the done handler has returned.
    done: bool,
}

/// An endpoint (`microEndpoint`): a subject, its subscription, handler and
/// statistics.
pub struct Endpoint {
    service: Weak<Service>,
    /// The full subject (group prefix included).
    subject: String,
    /// The queue group used (`None`: a plain subscription).
    queue_group: Option<String>,
    /// The configured queue group settings (an update must keep them).
    cfg_queue_group: Option<String>,
    cfg_no_queue_group: bool,
    internal: bool,
    cfg: Mutex<EpCfg>,
    stats: Mutex<RawStats>,
    sub: Mutex<Option<Arc<Subscription>>>,
}

struct EpCfg {
    name: String,
    metadata: Metadata,
    handler: RequestHandler,
    state: usize,
}

#[derive(Default, Clone)]
struct RawStats {
    num_requests: i64,
    num_errors: i64,
    processing_ns: i64,
    last_error: String,
}

/// A group of endpoints under a subject prefix (`microGroup`).
pub struct Group {
    service: Weak<Service>,
    /// The full prefix (parents' prefixes included).
    prefix: String,
    queue_group: Option<String>,
    no_queue_group: bool,
}

/// `microEndpointInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInfo {
    pub name: String,
    pub subject: String,
    pub queue_group: Option<String>,
    pub metadata: Metadata,
}

/// `microServiceInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    pub type_: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub id: String,
    pub metadata: Metadata,
    pub endpoints: Vec<EndpointInfo>,
}

/// `microEndpointStats`; times in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    pub name: String,
    pub subject: String,
    pub queue_group: Option<String>,
    pub num_requests: i64,
    pub num_errors: i64,
    pub processing_time_ns: i64,
    pub average_processing_time_ns: i64,
    pub last_error: String,
}

/// `microServiceStats`; `started_ns` is Unix time in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStats {
    pub type_: String,
    pub name: String,
    pub version: String,
    pub id: String,
    pub metadata: Metadata,
    pub started_ns: i64,
    pub endpoints: Vec<EndpointStats>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn check_queue(q: &Option<String>, what: &str) -> Result<(), MicroError> {
    if let Some(q) = q {
        if q.is_empty() || crate::subject::check_queue(q.as_bytes()).is_err() {
            return Err(MicroError::invalid_arg_with(format!(
                "invalid queue group '{q}' for {what}"
            )));
        }
    }
    Ok(())
}

fn now_unix_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

impl Service {
    /// `micro_AddService`: validates the configuration, subscribes the
    /// monitoring subjects and the configured endpoint.
    pub fn add(nc: &Arc<Connection>, cfg: ServiceConfig) -> Result<Arc<Service>, MicroError> {
        if !is_valid_name(&cfg.name) {
            return Err(MicroError::invalid_arg_with(format!(
                "invalid service name '{}'",
                cfg.name
            )));
        }
        if !is_valid_semver(&cfg.version) {
            return Err(MicroError::invalid_arg_with(format!(
                "invalid version '{}' of service '{}': not a semantic version",
                cfg.version, cfg.name
            )));
        }
        check_queue(&cfg.queue_group, &format!("service '{}'", cfg.name))?;
        if nc.is_closed() || nc.is_draining() {
            return Err(MicroError::new(format!(
                "can't add service '{}' to a closed or draining connection",
                cfg.name
            )));
        }
        let mut cfg = cfg;
        let endpoint = cfg.endpoint.take();
        let svc = Arc::new_cyclic(|me| Service {
            nc: nc.clone(),
            id: crate::nuid::next(),
            cfg,
            started_ns: now_unix_ns(),
            me: me.clone(),
            st: Mutex::new(SvcState::default()),
            cv: Condvar::new(),
        });
        let wrap = |e: MicroError, svc: &Arc<Service>| {
            svc.unsubscribe_all();
            e.wrap(format!("failed to add microservice '{}'", svc.cfg.name))
        };
        if let Err(e) = svc.add_monitoring() {
            return Err(wrap(e, &svc));
        }
        if let Some(ep) = endpoint {
            if let Err(e) = svc.add_endpoint(ep) {
                return Err(wrap(e, &svc));
            }
        }
        Ok(svc)
    }

    fn add_monitoring(&self) -> Result<(), MicroError> {
        type Responder = fn(&mut Request) -> Result<(), MicroError>;
        let verbs: [(&str, Responder); 3] = [
            (PING_VERB, monitoring::handle_ping),
            (STATS_VERB, monitoring::handle_stats),
            (INFO_VERB, monitoring::handle_info),
        ];
        for (verb, h) in verbs {
            let handler: RequestHandler = Arc::new(h);
            let forms = [
                (control_subject(verb, None, None)?, format!("{verb}-all")),
                (
                    control_subject(verb, Some(&self.cfg.name), None)?,
                    format!("{verb}-kind"),
                ),
                (
                    control_subject(verb, Some(&self.cfg.name), Some(&self.id))?,
                    verb.to_string(),
                ),
            ];
            for (subject, name) in forms {
                let cfg = EndpointConfig {
                    name,
                    subject: Some(subject),
                    handler: Some(handler.clone()),
                    ..Default::default()
                };
                self.add_endpoint_in(None, cfg, true)?;
            }
        }
        Ok(())
    }

    /// `microService_AddEndpoint`.
    pub fn add_endpoint(&self, cfg: EndpointConfig) -> Result<Arc<Endpoint>, MicroError> {
        self.add_endpoint_in(None, cfg, false)
    }

    /// `microService_AddGroup`.
    pub fn add_group(&self, cfg: GroupConfig) -> Result<Arc<Group>, MicroError> {
        self.new_group(None, cfg)
    }

    fn new_group(&self, parent: Option<&Group>, cfg: GroupConfig) -> Result<Arc<Group>, MicroError> {
        if cfg.prefix.is_empty() {
            return Err(MicroError::invalid_arg_with("a group needs a prefix"));
        }
        let prefix = match parent {
            Some(p) => format!("{}.{}", p.prefix, cfg.prefix),
            None => cfg.prefix.clone(),
        };
        if !is_valid_subject(&prefix) || prefix.split('.').any(|t| t == ">") {
            return Err(MicroError::invalid_arg_with(format!("invalid group prefix '{prefix}'")));
        }
        check_queue(&cfg.queue_group, &format!("group '{prefix}'"))?;
        let (queue_group, no_queue_group) = if cfg.no_queue_group {
            (None, true)
        } else if let Some(q) = non_empty(&cfg.queue_group) {
            (Some(q.to_string()), false)
        } else if let Some(p) = parent {
            (p.queue_group.clone(), p.no_queue_group)
        } else {
            (None, false)
        };
        let g = Arc::new(Group {
            service: self.me.clone(),
            prefix,
            queue_group,
            no_queue_group,
        });
        self.st.lock().groups.push(g.clone());
        Ok(g)
    }

    /// The queue group of an endpoint: its own setting, else its group's,
    /// else the service's, else `q`.
    fn resolve_queue(&self, group: Option<&Group>, cfg: &EndpointConfig) -> Option<String> {
        if cfg.no_queue_group {
            return None;
        }
        if let Some(q) = non_empty(&cfg.queue_group) {
            return Some(q.to_string());
        }
        if let Some(g) = group {
            if g.no_queue_group {
                return None;
            }
            if let Some(q) = non_empty(&g.queue_group) {
                return Some(q.to_string());
            }
        }
        if self.cfg.no_queue_group {
            return None;
        }
        if let Some(q) = non_empty(&self.cfg.queue_group) {
            return Some(q.to_string());
        }
        Some(DEFAULT_QUEUE_GROUP.to_string())
    }

    fn add_endpoint_in(
        &self,
        group: Option<&Group>,
        cfg: EndpointConfig,
        internal: bool,
    ) -> Result<Arc<Endpoint>, MicroError> {
        let ctx = |e: MicroError| {
            e.wrap(format!(
                "can't add an endpoint '{}' to service '{}'",
                cfg.name, self.cfg.name
            ))
        };
        if !internal && !is_valid_name(&cfg.name) {
            return Err(ctx(MicroError::invalid_arg_with(format!(
                "invalid endpoint name '{}'",
                cfg.name
            ))));
        }
        let Some(handler) = cfg.handler.clone() else {
            return Err(ctx(MicroError::invalid_arg_with(format!(
                "NULL endpoint request handler for '{}'",
                cfg.name
            ))));
        };
        check_queue(&cfg.queue_group, &format!("endpoint '{}'", cfg.name)).map_err(ctx)?;
        let local = non_empty(&cfg.subject).unwrap_or(&cfg.name);
        let subject = match group {
            Some(g) => format!("{}.{}", g.prefix, local),
            None => local.to_string(),
        };
        if !is_valid_subject(&subject) {
            return Err(ctx(MicroError::invalid_arg_with(format!(
                "invalid subject '{subject}' for endpoint '{}'",
                cfg.name
            ))));
        }
        let queue_group = if internal {
            None
        } else {
            self.resolve_queue(group, &cfg)
        };
        let mut st = self.st.lock();
        if st.stopped {
            return Err(ctx(MicroError::new(format!(
                "can't add an endpoint '{}' to service '{}': the service is stopped",
                cfg.name, self.cfg.name
            ))));
        }
        // The same subject again updates the endpoint (as cnats): new
        // name, handler, metadata, fresh statistics; the queue group
        // settings cannot change.
        if let Some(ep) = st.endpoints.iter().find(|e| e.subject == subject) {
            if cfg.no_queue_group != ep.cfg_no_queue_group {
                return Err(ctx(MicroError::new(format!(
                    "can't change the queue group settings for endpoint '{}'",
                    cfg.name
                ))));
            }
            if non_empty(&cfg.queue_group) != non_empty(&ep.cfg_queue_group) {
                return Err(ctx(MicroError::new(format!(
                    "can't change the queue group for endpoint '{}'",
                    cfg.name
                ))));
            }
            *ep.cfg.lock() = EpCfg {
                name: cfg.name.clone(),
                metadata: cfg.metadata.clone(),
                handler,
                state: cfg.state,
            };
            *ep.stats.lock() = RawStats::default();
            return Ok(ep.clone());
        }
        let ep = Arc::new(Endpoint {
            service: self.me.clone(),
            subject,
            queue_group,
            cfg_queue_group: cfg.queue_group.clone(),
            cfg_no_queue_group: cfg.no_queue_group,
            internal,
            cfg: Mutex::new(EpCfg {
                name: cfg.name.clone(),
                metadata: cfg.metadata.clone(),
                handler,
                state: cfg.state,
            }),
            stats: Mutex::new(RawStats::default()),
            sub: Mutex::new(None),
        });
        // Listed (and counted as pending) before subscribing, so that the
        // same subject cannot be added twice meanwhile; the service lock
        // is not held while the connection subscribes (the connection may
        // complete subscriptions, which takes the service lock, under its
        // own locks).
        st.pending += 1;
        st.endpoints.push(ep.clone());
        drop(st);
        match self.subscribe_endpoint(&ep) {
            Ok(()) => Ok(ep),
            Err(e) => {
                self.st.lock().endpoints.retain(|x| !Arc::ptr_eq(x, &ep));
                self.subscription_done();
                Err(ctx(e))
            }
        }
    }

    fn subscribe_endpoint(&self, ep: &Arc<Endpoint>) -> Result<(), MicroError> {
        let wsvc = self.me.clone();
        let wep = Arc::downgrade(ep);
        let cb: MsgCallback = Arc::new(move |_nc, _sub, msg: Option<Box<Msg>>| {
            let Some(msg) = msg else { return };
            if let (Some(svc), Some(ep)) = (wsvc.upgrade(), wep.upgrade()) {
                svc.handle(&ep, msg);
            }
        });
        let sub = self
            .nc
            .subscribe(
                ep.subject.as_bytes(),
                ep.queue_group.as_deref().map(str::as_bytes),
                Some(cb),
                0,
            )
            .map_err(|e| MicroError::from_error(&e))?;
        let (wsvc, wep) = (self.me.clone(), Arc::downgrade(ep));
        let _ = sub.set_on_error(Some(Arc::new(move |_sub, status| {
            if let (Some(svc), Some(ep)) = (wsvc.upgrade(), wep.upgrade()) {
                svc.endpoint_error(&ep, status);
            }
        })));
        let wsvc = self.me.clone();
        if sub
            .set_on_complete(Some(Box::new(move || {
                if let Some(svc) = wsvc.upgrade() {
                    svc.subscription_done();
                }
            })))
            .is_err()
        {
            let _ = self.nc.unsubscribe(&sub, 0);
            return Err(MicroError::new("the endpoint's subscription closed at once"));
        }
        *ep.sub.lock() = Some(sub.clone());
        // Stopped while subscribing: this one was not seen by the stop.
        if self.is_stopped() {
            let _ = self.nc.drain_sub(&sub, 0);
        }
        Ok(())
    }

    /// One request: runs the handler (a panic becomes an error), sends a
    /// returned error back, updates the statistics.
    fn handle(&self, ep: &Arc<Endpoint>, msg: Box<Msg>) {
        let Some(svc) = self.me.upgrade() else { return };
        let handler = ep.cfg.lock().handler.clone();
        let mut req = Request::new(msg, svc, ep.clone());
        let start = Instant::now();
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&mut req)))
            .unwrap_or_else(|p| Err(MicroError::new(crate::error::panic_text(&*p))));
        // A returned error is counted, and the request with it, before
        // the framework sends the error response: whoever gets the reply
        // sees statistics that include it.
        let to_send = match res {
            Ok(()) => None,
            Err(e) => {
                ep.record_error(&e, &mut req.error_counted);
                (!req.responded()).then_some(e)
            }
        };
        let elapsed = start.elapsed().as_nanos().min(i64::MAX as u128) as i64;
        {
            let mut s = ep.stats.lock();
            s.num_requests += 1;
            s.processing_ns = s.processing_ns.saturating_add(elapsed);
        }
        if let Some(e) = to_send {
            // A failure to send (no reply subject, connection closed) is
            // not a second error of the request.
            let _ = req.respond_error(&e);
        }
    }

    /// An asynchronous error of an endpoint's subscription (a slow
    /// consumer): as cnats, it is the endpoint's last error (and counted),
    /// the error handler is told, and the service stops.
    fn endpoint_error(&self, ep: &Arc<Endpoint>, status: crate::status::natsStatus) {
        let Some(e) = MicroError::from_status(status) else {
            return;
        };
        let e = e.wrap(format!("NATS error on endpoint '{}'", ep.subject));
        ep.record_error(&e, &mut false);
        if let (Some(h), Some(me)) = (self.cfg.err_handler.clone(), self.me.upgrade()) {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h(&me, ep, status)));
        }
        let _ = self.stop();
    }

    fn subscription_done(&self) {
        let done = {
            let mut st = self.st.lock();
            st.pending = st.pending.saturating_sub(1);
            if st.pending == 0 {
                st.stopped = true;
                for ep in &st.endpoints {
                    ep.sub.lock().take();
                }
                Some((st.keepalive.take(), st.failed))
            } else {
                None
            }
        };
        if let Some((keep, failed)) = done {
            self.cv.notify_all();
            let h = self.cfg.done_handler.clone().filter(|_| !failed);
            if let (Some(h), Some(me)) = (h, self.me.upgrade()) {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h(&me)));
            }
            self.st.lock().done = true;
            self.cv.notify_all();
            drop(keep);
        }
    }

    /// `microService_Stop`: drains every subscription; the service is
    /// stopped at once for new endpoints, the done handler runs when the
    /// drains have completed.
    pub fn stop(&self) -> Result<(), MicroError> {
        let eps = {
            let mut st = self.st.lock();
            if st.stopped {
                return Ok(());
            }
            st.stopped = true;
            if st.pending > 0 {
                st.keepalive = self.me.upgrade();
            }
            st.endpoints.clone()
        };
        let mut first_err = None;
        for ep in eps {
            let sub = ep.sub.lock().clone();
            if let Some(sub) = sub {
                match self.nc.drain_sub(&sub, 0) {
                    Ok(()) => {}
                    Err(e) if e.status == crate::status::natsStatus::NATS_INVALID_SUBSCRIPTION => {}
                    Err(e) if e.status == crate::status::natsStatus::NATS_CONNECTION_CLOSED => {}
                    Err(e) => {
                        if first_err.is_none() {
                            first_err = Some(MicroError::from_error(&e).wrap(format!(
                                "failed to stop service '{}', stopping endpoint '{}'",
                                self.cfg.name,
                                ep.name()
                            )));
                        }
                    }
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// `microService_Destroy`: stops the service; the owner then lets go
    /// of it.
    pub fn destroy(&self) -> Result<(), MicroError> {
        self.stop()
    }

    fn unsubscribe_all(&self) {
        let eps = {
            let mut st = self.st.lock();
            st.stopped = true;
            st.failed = true;
            std::mem::take(&mut st.endpoints)
        };
        for ep in eps {
            if let Some(sub) = ep.sub.lock().take() {
                let _ = self.nc.unsubscribe(&sub, 0);
            }
        }
    }

    /// `microService_IsStopped`.
    pub fn is_stopped(&self) -> bool {
        self.st.lock().stopped
    }

    /// True once stopped, every subscription has completed and the done
    /// handler (if any) has returned.
    pub fn is_done(&self) -> bool {
        self.st.lock().done
    }

    /// `microService_Run`: waits until the service has stopped.
    pub fn run(&self) -> Result<(), MicroError> {
        let mut st = self.st.lock();
        while !st.stopped {
            self.cv.wait_for(&mut st, Duration::from_millis(50));
        }
        Ok(())
    }

    /// Waits until the service is done (see [`Service::is_done`]), at most
    /// `timeout`; returns whether it is.
    pub fn wait_done(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = self.st.lock();
        while !st.done {
            if self.cv.wait_until(&mut st, deadline).timed_out() {
                return st.done;
            }
        }
        true
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.nc
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.cfg.name
    }
    pub fn version(&self) -> &str {
        &self.cfg.version
    }
    pub fn description(&self) -> &str {
        self.cfg.description.as_deref().unwrap_or("")
    }
    pub fn metadata(&self) -> &Metadata {
        &self.cfg.metadata
    }
    /// The configuration (its `endpoint` is always `None`).
    pub fn config(&self) -> &ServiceConfig {
        &self.cfg
    }
    /// The opaque `State` of the configuration.
    pub fn state(&self) -> usize {
        self.cfg.state
    }
    /// Start time, Unix nanoseconds.
    pub fn started_ns(&self) -> i64 {
        self.started_ns
    }

    /// The user endpoints, in the order they were added.
    pub fn endpoints(&self) -> Vec<Arc<Endpoint>> {
        self.st
            .lock()
            .endpoints
            .iter()
            .filter(|e| !e.internal)
            .cloned()
            .collect()
    }

    /// `microService_GetInfo`.
    pub fn info(&self) -> ServiceInfo {
        ServiceInfo {
            type_: INFO_RESPONSE_TYPE.to_string(),
            name: self.cfg.name.clone(),
            version: self.cfg.version.clone(),
            description: self.description().to_string(),
            id: self.id.clone(),
            metadata: self.cfg.metadata.clone(),
            endpoints: self
                .endpoints()
                .iter()
                .map(|e| {
                    let c = e.cfg.lock();
                    EndpointInfo {
                        name: c.name.clone(),
                        subject: e.subject.clone(),
                        queue_group: e.queue_group.clone(),
                        metadata: c.metadata.clone(),
                    }
                })
                .collect(),
        }
    }

    /// `microService_GetStats`.
    pub fn stats(&self) -> ServiceStats {
        ServiceStats {
            type_: STATS_RESPONSE_TYPE.to_string(),
            name: self.cfg.name.clone(),
            version: self.cfg.version.clone(),
            id: self.id.clone(),
            metadata: self.cfg.metadata.clone(),
            started_ns: self.started_ns,
            endpoints: self.endpoints().iter().map(|e| e.stats()).collect(),
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Dropped without a stop: no handler can run any more (they hold a
        // weak reference), so leave the subjects.
        let eps = std::mem::take(&mut self.st.get_mut().endpoints);
        for ep in eps {
            if let Some(sub) = ep.sub.lock().take() {
                let _ = self.nc.unsubscribe(&sub, 0);
            }
        }
    }
}

impl Endpoint {
    pub fn name(&self) -> String {
        self.cfg.lock().name.clone()
    }
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn queue_group(&self) -> Option<&str> {
        self.queue_group.as_deref()
    }
    pub fn metadata(&self) -> Metadata {
        self.cfg.lock().metadata.clone()
    }
    /// The opaque `State` of the endpoint's configuration.
    pub fn state(&self) -> usize {
        self.cfg.lock().state
    }
    pub fn service(&self) -> Option<Arc<Service>> {
        self.service.upgrade()
    }
    /// One of the `$SRV` monitoring endpoints.
    pub fn is_internal(&self) -> bool {
        self.internal
    }

    /// Counts an error once per request (`counted` is the request's flag)
    /// and keeps its text as the last error.
    pub(crate) fn record_error(&self, e: &MicroError, counted: &mut bool) {
        let mut s = self.stats.lock();
        if !*counted {
            s.num_errors += 1;
            *counted = true;
        }
        s.last_error = e.to_string();
    }

    pub fn stats(&self) -> EndpointStats {
        let name = self.name();
        let s = self.stats.lock().clone();
        EndpointStats {
            name,
            subject: self.subject.clone(),
            queue_group: self.queue_group.clone(),
            num_requests: s.num_requests,
            num_errors: s.num_errors,
            processing_time_ns: s.processing_ns,
            average_processing_time_ns: if s.num_requests > 0 {
                s.processing_ns / s.num_requests
            } else {
                0
            },
            last_error: s.last_error,
        }
    }
}

impl Group {
    /// `microGroup_AddEndpoint`.
    pub fn add_endpoint(&self, cfg: EndpointConfig) -> Result<Arc<Endpoint>, MicroError> {
        let svc = self.service().ok_or_else(MicroError::invalid_arg)?;
        svc.add_endpoint_in(Some(self), cfg, false)
    }

    /// `microGroup_AddGroup`: a group under this one's prefix.
    pub fn add_group(&self, cfg: GroupConfig) -> Result<Arc<Group>, MicroError> {
        let svc = self.service().ok_or_else(MicroError::invalid_arg)?;
        svc.new_group(Some(self), cfg)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    /// The group's queue group after inheritance (`None`: inherits the
    /// service's, or none when [`Group::no_queue_group`]).
    pub fn queue_group(&self) -> Option<&str> {
        self.queue_group.as_deref()
    }
    pub fn no_queue_group(&self) -> bool {
        self.no_queue_group
    }
    pub fn service(&self) -> Option<Arc<Service>> {
        self.service.upgrade()
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.cfg.name)
            .field("version", &self.cfg.version)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name())
            .field("subject", &self.subject)
            .field("queue_group", &self.queue_group)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("prefix", &self.prefix)
            .field("queue_group", &self.queue_group)
            .field("no_queue_group", &self.no_queue_group)
            .finish_non_exhaustive()
    }
}
