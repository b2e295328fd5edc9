//! Library lifecycle and library-wide threads.
//!
//! - The *event thread* runs connection event callbacks (closed,
//!   disconnected, reconnected, error, discovered servers, lame duck) one at
//!   a time, in the order they were posted, as cnats' async-callback thread
//!   does. It starts on first use.
//! - Every thread the library starts is counted, so `nats_CloseAndWait`
//!   can wait until all of them have ended.

use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send>;

struct Events {
    queue: VecDeque<Job>,
    running: bool,
}

static EVENTS: Mutex<Events> = Mutex::new(Events {
    queue: VecDeque::new(),
    running: false,
});
static EVENTS_CV: Condvar = Condvar::new();

static THREADS: Mutex<usize> = Mutex::new(0);
static THREADS_CV: Condvar = Condvar::new();
static OPENED: AtomicBool = AtomicBool::new(false);
static CLOSING: AtomicBool = AtomicBool::new(false);
static POOL_SIZE: AtomicUsize = AtomicUsize::new(1);

/// A hook called at the start of each library thread (`natsClientConfig`).
pub type ThreadStartedHook = std::sync::Arc<dyn Fn() + Send + Sync>;
static THREAD_HOOK: Mutex<Option<ThreadStartedHook>> = Mutex::new(None);

pub fn set_thread_started_hook(h: Option<ThreadStartedHook>) {
    *THREAD_HOOK.lock() = h;
}

/// Marks the library open (idempotent). Reads cnats' environment defaults.
pub fn open() {
    if !OPENED.swap(true, Ordering::AcqRel) {
        CLOSING.store(false, Ordering::Release);
        if let Ok(v) = std::env::var("NATS_DEFAULT_LIB_MSG_DELIVERY_POOL_SIZE") {
            if let Ok(n) = v.trim().parse::<usize>() {
                if n > 0 {
                    POOL_SIZE.store(n, Ordering::Release);
                }
            }
        }
    }
}

pub fn is_open() -> bool {
    OPENED.load(Ordering::Acquire)
}

/// The library settings of `nats_OpenWithConfig` (cnats'
/// `natsClientConfig`) that new options objects start from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LibConfig {
    /// `DefaultWriteDeadline`: the write deadline (ms) of new options.
    pub default_write_deadline_ms: i64,
    /// `DefaultToThreadPool`: new options deliver through the shared pool.
    pub default_to_pool: bool,
    /// `DefaultRepliesToThreadPool`, `UseSeparatePoolForReplies`,
    /// `ReplyThreadPoolMax`: cnats keeps these for "reply" subscriptions,
    /// which only its micro-service API creates, and cnats delivers those
    /// on their own thread whatever the setting. rnats has no such
    /// subscription (request replies are routed by the reader to the
    /// waiting requester, no callback thread), so they are recorded and
    /// reported by [`config`] only.
    pub default_replies_to_pool: bool,
    pub separate_reply_pool: bool,
    pub reply_pool_max: i32,
}

static CONFIG: Mutex<LibConfig> = Mutex::new(LibConfig {
    default_write_deadline_ms: 0,
    default_to_pool: false,
    default_replies_to_pool: false,
    separate_reply_pool: false,
    reply_pool_max: 0,
});

/// Records the settings that every new options object starts from.
pub fn set_config(c: LibConfig) {
    *CONFIG.lock() = c;
}

/// The settings of the last `nats_OpenWithConfig`.
pub fn config() -> LibConfig {
    *CONFIG.lock()
}

/// New options use the shared delivery pool when `nats_OpenWithConfig`
/// said so (`DefaultToThreadPool`) or `NATS_DEFAULT_TO_LIB_MSG_DELIVERY`
/// is set in the environment.
pub fn default_to_global_delivery() -> bool {
    CONFIG.lock().default_to_pool
        || std::env::var("NATS_DEFAULT_TO_LIB_MSG_DELIVERY")
            .map(|v| !v.is_empty() && v != "0")
            .unwrap_or(false)
}

/// The write deadline (ms) new options start with (`DefaultWriteDeadline`).
pub fn default_write_deadline_ms() -> i64 {
    CONFIG.lock().default_write_deadline_ms.max(0)
}

pub fn set_delivery_pool_size(n: usize) {
    let cur = POOL_SIZE.load(Ordering::Acquire);
    if n > cur {
        POOL_SIZE.store(n, Ordering::Release);
    }
}

pub fn delivery_pool_size() -> usize {
    POOL_SIZE.load(Ordering::Acquire)
}

/// Connections created and not yet closed (`nats_Close` waits for the
/// library's threads only when there is none: an open connection's
/// threads keep running, as in cnats).
static OPEN_CONNS: AtomicUsize = AtomicUsize::new(0);

pub fn conn_opened() {
    OPEN_CONNS.fetch_add(1, Ordering::AcqRel);
}

pub fn conn_closed() {
    if OPEN_CONNS.fetch_sub(1, Ordering::AcqRel) == 1 {
        // The last connection: the event and pool threads, which wait
        // without a time limit while a connection is open, start their
        // idle countdown. Notified under their locks, so that a thread
        // that has just seen a connection open is already waiting.
        {
            let _ev = EVENTS.lock();
            EVENTS_CV.notify_all();
        }
        let _p = POOL.lock();
        POOL_CV.notify_all();
    }
}

/// How long the event thread and pool threads stay once idle with no
/// connection open. While a connection is open they stay (until
/// `nats_Close`, or until the last connection is closed and this passes),
/// so that bursty traffic does not start and stop threads (and call the
/// thread-started handler) over and over; waiting costs no wake-up.
const IDLE_EXIT: Duration = Duration::from_millis(500);

/// Waits on `cv` for more work: without a time limit while a connection
/// is open, else up to [`IDLE_EXIT`]. `true` when the wait timed out.
fn idle_wait<T>(cv: &Condvar, guard: &mut parking_lot::MutexGuard<'_, T>) -> bool {
    if OPEN_CONNS.load(Ordering::Acquire) > 0 {
        cv.wait(guard);
        false
    } else {
        cv.wait_for(guard, IDLE_EXIT).timed_out()
    }
}

thread_local! {
    /// Set in every thread started by [`spawn`].
    static LIB_THREAD: std::cell::Cell<Option<std::thread::ThreadId>> = const { std::cell::Cell::new(None) };
}

/// The id of the calling thread when the library started it, else `None`
/// (a program's thread: asking std for its id would allocate a thread
/// handle that outlives `nats_Close`).
pub fn lib_thread_id() -> Option<std::thread::ThreadId> {
    LIB_THREAD.with(|t| t.get())
}

struct ThreadGuard;
impl Drop for ThreadGuard {
    fn drop(&mut self) {
        let mut n = THREADS.lock();
        *n -= 1;
        THREADS_CV.notify_all();
    }
}

/// The join handles of the library's threads, so that `nats_Close` can
/// make sure they are gone (a thread that has returned still runs its
/// thread-local destructors). Finished ones are joined at each spawn.
static HANDLES: Mutex<Vec<std::thread::JoinHandle<()>>> = Mutex::new(Vec::new());

fn register(h: std::thread::JoinHandle<()>) {
    let finished: Vec<_> = {
        let mut hs = HANDLES.lock();
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut *hs).into_iter().partition(|h| h.is_finished());
        *hs = running;
        hs.push(h);
        done
    };
    for h in finished {
        let _ = h.join();
    }
}

/// Joins the library thread `id` (not the calling thread).
pub fn join(id: std::thread::ThreadId) {
    let h = {
        let mut hs = HANDLES.lock();
        hs.iter().position(|h| h.thread().id() == id).map(|i| hs.swap_remove(i))
    };
    if let Some(h) = h {
        let _ = h.join();
    }
}

/// Joins every library thread that has returned (all of them when
/// `all`: the caller knows they have all returned).
fn join_finished(all: bool) {
    let done: Vec<_> = {
        let mut hs = HANDLES.lock();
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut *hs)
            .into_iter()
            .partition(|h| all || h.is_finished());
        *hs = running;
        done
    };
    for h in done {
        let _ = h.join();
    }
}

/// Starts a counted library thread and returns its id (see [`join`]). A
/// panic inside `f` is caught, never propagated.
pub fn spawn<F>(name: &str, f: F) -> std::io::Result<std::thread::ThreadId>
where
    F: FnOnce() + Send + 'static,
{
    *THREADS.lock() += 1;
    let hook = THREAD_HOOK.lock().clone();
    let r = std::thread::Builder::new().name(name.to_string()).spawn(move || {
        let _g = ThreadGuard;
        LIB_THREAD.with(|t| t.set(Some(std::thread::current().id())));
        if let Some(h) = hook {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h()));
        }
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    });
    match r {
        Ok(h) => {
            let id = h.thread().id();
            register(h);
            Ok(id)
        }
        Err(e) => {
            let mut n = THREADS.lock();
            *n -= 1;
            THREADS_CV.notify_all();
            Err(e)
        }
    }
}

/// Event callbacks waiting for the event thread above which droppable
/// events are dropped (a callback that blocks the event thread must not
/// make the queue grow without end; cnats' queue has no bound).
pub const EVENT_QUEUE_MAX: usize = 16 * 1024;
static DROPPED_EVENTS: AtomicUsize = AtomicUsize::new(0);

/// Events dropped because the queue was full (see [`post_droppable`]).
pub fn dropped_events() -> usize {
    DROPPED_EVENTS.load(Ordering::Acquire)
}

/// Queues a job that must run (a connection's closed callback, a
/// subscription's on-complete callback: at most one per object, so these
/// are bounded by the objects alive) on the event thread.
pub fn post(job: Job) {
    post_job(job, false);
}

/// Queues an event that may be lost (asynchronous error, disconnected,
/// reconnected, connected, discovered servers, lame duck): when
/// [`EVENT_QUEUE_MAX`] events are already waiting, it is dropped and
/// counted ([`dropped_events`]), and `false` is returned.
pub fn post_droppable(job: Job) -> bool {
    post_job(job, true)
}

fn post_job(job: Job, droppable: bool) -> bool {
    let mut ev = EVENTS.lock();
    if droppable && ev.queue.len() >= EVENT_QUEUE_MAX {
        drop(ev);
        DROPPED_EVENTS.fetch_add(1, Ordering::AcqRel);
        return false;
    }
    ev.queue.push_back(job);
    if !ev.running {
        ev.running = true;
        drop(ev);
        if spawn("nats-events", event_loop).is_err() {
            EVENTS.lock().running = false;
        }
    } else {
        EVENTS_CV.notify_one();
    }
    true
}

/// The event thread ends once idle for a while with no connection open
/// (see [`IDLE_EXIT`]), so that no thread lingers when the program has no
/// connection left.
fn event_loop() {
    loop {
        let job = {
            let mut ev = EVENTS.lock();
            loop {
                if let Some(j) = ev.queue.pop_front() {
                    break Some(j);
                }
                if CLOSING.load(Ordering::Acquire) || idle_wait(&EVENTS_CV, &mut ev) && ev.queue.is_empty() {
                    ev.running = false;
                    break None;
                }
            }
        };
        match job {
            Some(j) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(j));
            }
            None => return,
        }
    }
}

/// Work for the shared message-delivery pool: one subscription's batch.
pub trait PoolJob: Send + Sync {
    fn run(self: std::sync::Arc<Self>);
}

struct Pool {
    queue: VecDeque<std::sync::Arc<dyn PoolJob>>,
    threads: usize,
    idle: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    queue: VecDeque::new(),
    threads: 0,
    idle: 0,
});
static POOL_CV: Condvar = Condvar::new();

/// Queues a job on the delivery pool, starting a pool thread if none is
/// idle and the pool is below its size (`nats_SetMessageDeliveryPoolSize`).
pub fn pool_schedule(job: std::sync::Arc<dyn PoolJob>) {
    let mut p = POOL.lock();
    p.queue.push_back(job);
    if p.idle > 0 {
        POOL_CV.notify_one();
        return;
    }
    if p.threads < delivery_pool_size().max(1) {
        p.threads += 1;
        drop(p);
        if spawn("nats-delivery", pool_worker).is_err() {
            POOL.lock().threads -= 1;
        }
    }
}

/// A pool thread ends after being idle for a while with no connection
/// open (see [`IDLE_EXIT`]).
fn pool_worker() {
    loop {
        let job = {
            let mut p = POOL.lock();
            loop {
                if let Some(j) = p.queue.pop_front() {
                    break Some(j);
                }
                if CLOSING.load(Ordering::Acquire) {
                    p.threads -= 1;
                    break None;
                }
                p.idle += 1;
                let timed_out = idle_wait(&POOL_CV, &mut p);
                p.idle -= 1;
                if p.queue.is_empty() && (timed_out || CLOSING.load(Ordering::Acquire)) {
                    p.threads -= 1;
                    break None;
                }
            }
        };
        match job {
            Some(j) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| j.run()));
            }
            None => return,
        }
    }
}

/// Marks the library closed and wakes its idle threads (event thread,
/// delivery pool), which then end.
pub fn close() {
    CLOSING.store(true, Ordering::Release);
    // Under the locks: a thread about to wait (without a time limit while
    // a connection is open) is then either waiting or sees CLOSING.
    {
        let _ev = EVENTS.lock();
        EVENTS_CV.notify_all();
    }
    {
        let _p = POOL.lock();
        POOL_CV.notify_all();
    }
    OPENED.store(false, Ordering::Release);
    crate::msg::clear_recycled();
}

/// How long `nats_Close` waits for the library's threads at most.
const CLOSE_WAIT_MS: i64 = 10_000;

/// `nats_Close`: closes the library and, when every connection is closed
/// and the caller is not a library thread (a callback), waits (bounded)
/// until the library's threads have ended; then drops the library-wide
/// state (recycled messages, the thread-started hook). After it returns,
/// the library holds no thread and no memory but what Rust's runtime
/// keeps for the process.
pub fn close_and_settle() {
    close();
    if lib_thread_id().is_none() && OPEN_CONNS.load(Ordering::Acquire) == 0 {
        // Every thread has returned: join them so that none is left.
        let all = wait_threads(CLOSE_WAIT_MS);
        join_finished(all);
    }
    // Threads may have recycled messages while ending.
    crate::msg::clear_recycled();
    set_thread_started_hook(None);
}

/// Waits until every library thread has ended; `false` on timeout
/// (`timeout_ms` <= 0 waits forever).
pub fn wait_threads(timeout_ms: i64) -> bool {
    let deadline = if timeout_ms > 0 {
        Some(Instant::now() + Duration::from_millis(timeout_ms as u64))
    } else {
        None
    };
    let mut n = THREADS.lock();
    while *n > 0 {
        match deadline {
            Some(d) => {
                if THREADS_CV.wait_until(&mut n, d).timed_out() && *n > 0 {
                    return false;
                }
            }
            None => THREADS_CV.wait(&mut n),
        }
    }
    true
}

pub fn thread_count() -> usize {
    *THREADS.lock()
}
