//! External event loop mode (`natsOptions_SetEventLoop`): the host
//! program's loop polls the socket and calls `process_read_event` /
//! `process_write_event`; the connection has no reader thread.
//!
//! The contract, as cnats keeps it:
//! - after every (re)connect the loop's `attach` is called with the new
//!   socket (the adapter starts polling it for reads); the first attach
//!   happens on the thread that connects, later ones on the reconnect
//!   thread;
//! - `write(true)` when there are bytes the socket did not take, and
//!   `write(false)` once `process_write_event` has sent them all;
//! - on a disconnect and on close, polling stops: `write(false)` then
//!   `read(false)` (a cnats 3.14 adapter closes its socket there with
//!   `natsConnection_ProcessCloseEvent`); after close, `detach` once;
//! - the connection stays alive for the adapter from the first attach
//!   until `natsConnection_ProcessDetachedEvent`.
//!
//! The adapter gets its own duplicate of the socket's descriptor: it may
//! close it (cnats 3.14 adapters do) without touching ours, and ours can
//! be closed at any time without the loop polling a reused number.
//!
//! Writes: the flusher (and send-asap publishers) write what the
//! non-blocking socket takes at once; the rest waits in [`LoopStream`]'s
//! buffer, which `process_write_event` sends from the loop's thread.

use super::*;
use std::cell::Cell;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::sync::atomic::AtomicUsize;

/// Above this many bytes waiting for the loop, writers (never the loop's
/// own thread) wait for it to drain.
const LOOP_HIGH_WATER: usize = 8 * 1024 * 1024;

/// The host loop's callbacks (`natsEvLoop_*`), as the core calls them.
/// `data` is the adapter's per-connection value (`void *userData`): 0
/// before the first attach, then whatever the attach stored.
pub trait EvLoop: Send + Sync {
    fn attach(&self, data: &mut usize, conn: &Arc<Connection>, fd: i32) -> natsStatus;
    fn read(&self, data: usize, add: bool) -> natsStatus;
    fn write(&self, data: usize, add: bool) -> natsStatus;
    fn detach(&self, data: usize) -> natsStatus;
}

thread_local! {
    /// This thread is inside `process_read_event` / `process_write_event`
    /// (the loop's thread): it must never wait for the loop.
    static IN_LOOP: Cell<bool> = const { Cell::new(false) };
}

struct InLoop(bool);

impl InLoop {
    fn enter() -> InLoop {
        InLoop(IN_LOOP.with(|f| f.replace(true)))
    }
}

impl Drop for InLoop {
    fn drop(&mut self) {
        IN_LOOP.with(|f| f.set(self.0));
    }
}

/// What the connection and its loop streams share.
pub(super) struct EvShared {
    hooks: Arc<dyn EvLoop>,
    data: AtomicUsize,
}

impl EvShared {
    fn data(&self) -> usize {
        self.data.load(Ordering::Acquire)
    }
}

/// The reading side, used by `process_read_event` instead of a thread.
pub(super) struct LoopReader {
    transport: Arc<Transport>,
    parser: Parser,
    io: usize,
}

#[derive(Default)]
struct EvSt {
    /// `attach` succeeded at least once (so `detach` is owed).
    attached: bool,
    detached: bool,
    /// Kept for the adapter from the first attach until
    /// `natsConnection_ProcessDetachedEvent`.
    retained: Option<Arc<Connection>>,
}

/// A connection's event-loop state.
pub(super) struct EvConn {
    shared: Arc<EvShared>,
    reader: Mutex<Option<LoopReader>>,
    st: Mutex<EvSt>,
}

impl EvConn {
    pub(super) fn new(hooks: Option<Arc<dyn EvLoop>>) -> Option<EvConn> {
        hooks.map(|hooks| EvConn {
            shared: Arc::new(EvShared {
                hooks,
                data: AtomicUsize::new(0),
            }),
            reader: Mutex::new(None),
            st: Mutex::new(EvSt::default()),
        })
    }
}

struct LoopOut {
    buf: Vec<u8>,
    write_added: bool,
    /// Polling stopped (disconnect or close): nothing more is written.
    stopped: bool,
    /// The socket was shut down: writers waiting for space give up.
    dead: bool,
}

/// The socket of a connection in event-loop mode: a plain or TLS stream
/// (non-blocking) and the bytes waiting for the loop.
pub struct LoopStream {
    inner: Arc<Transport>,
    shared: Arc<EvShared>,
    out: Mutex<LoopOut>,
    cv: Condvar,
}

fn io_status(s: natsStatus, what: &str) -> std::io::Error {
    std::io::Error::other(format!("event loop {what} callback failed: {}", s.text()))
}

impl LoopStream {
    pub fn inner(&self) -> &Transport {
        &self.inner
    }

    /// Writes what the socket takes now; the rest waits for the loop
    /// (write interest added).
    pub(super) fn write_all(&self, data: &[u8]) -> std::io::Result<()> {
        let mut o = self.out.lock();
        let on_loop = IN_LOOP.with(|f| f.get());
        loop {
            if o.stopped || o.dead {
                return Err(std::io::ErrorKind::NotConnected.into());
            }
            if o.buf.len() < LOOP_HIGH_WATER || on_loop {
                break;
            }
            self.cv.wait_for(&mut o, Duration::from_millis(100));
        }
        let mut off = 0;
        if o.buf.is_empty() {
            while off < data.len() {
                let n = self.inner.try_write(&data[off..])?;
                if n == 0 {
                    break;
                }
                off += n;
            }
        }
        o.buf.extend_from_slice(&data[off..]);
        if (!o.buf.is_empty() || self.inner.has_backlog()) && !o.write_added {
            o.write_added = true;
            let s = self.shared.hooks.write(self.shared.data(), true);
            if s != NATS_OK {
                return Err(io_status(s, "write"));
            }
        }
        Ok(())
    }

    /// The socket is writable: sends what waits; write interest removed
    /// once all is sent.
    fn on_writable(&self) -> std::io::Result<()> {
        let mut o = self.out.lock();
        if o.stopped {
            return Ok(());
        }
        loop {
            if !self.inner.flush_backlog()? {
                return Ok(());
            }
            if o.buf.is_empty() {
                break;
            }
            let n = self.inner.try_write(&o.buf)?;
            if n == 0 {
                return Ok(());
            }
            o.buf.drain(..n);
            self.cv.notify_all();
        }
        if o.write_added {
            o.write_added = false;
            let s = self.shared.hooks.write(self.shared.data(), false);
            if s != NATS_OK {
                return Err(io_status(s, "write"));
            }
        }
        Ok(())
    }

    /// Stops polling (once): write interest removed, then read interest.
    fn stop(&self) {
        let mut o = self.out.lock();
        if o.stopped {
            return;
        }
        o.stopped = true;
        o.write_added = false;
        let d = self.shared.data();
        let _ = self.shared.hooks.write(d, false);
        let _ = self.shared.hooks.read(d, false);
        drop(o);
        self.cv.notify_all();
    }

    pub(super) fn shutdown(&self) {
        self.out.lock().dead = true;
        self.cv.notify_all();
        self.inner.shutdown();
    }
}

impl Connection {
    /// `install` in event-loop mode: wraps the socket, keeps the reading
    /// side for `process_read_event` and attaches (with a duplicate of the
    /// descriptor). The returned guard keeps read events out until the
    /// caller has made the socket live.
    pub(super) fn ev_install<'a>(
        &'a self,
        ev: &'a EvConn,
        transport: Arc<Transport>,
        parser: Parser,
    ) -> Result<(Arc<Transport>, parking_lot::MutexGuard<'a, Option<LoopReader>>)> {
        let fail = |e: std::io::Error| {
            transport.shutdown();
            Error::new(
                NATS_IO_ERROR,
                format!("cannot prepare the socket for the event loop: {e}"),
            )
        };
        let fd = transport.set_nonblocking_and_dup().map_err(fail)?;
        let t = Arc::new(Transport::Loop(LoopStream {
            inner: transport.clone(),
            shared: ev.shared.clone(),
            out: Mutex::new(LoopOut {
                buf: Vec::new(),
                write_added: false,
                stopped: false,
                dead: false,
            }),
            cv: Condvar::new(),
        }));
        let mut g = ev.reader.lock();
        *g = Some(LoopReader {
            transport: t.clone(),
            parser,
            io: 4096,
        });
        let mut data = ev.shared.data();
        let s = ev.shared.hooks.attach(&mut data, &self.arc(), fd.as_raw_fd());
        if s == NATS_OK {
            // The adapter's now (it closes it with ProcessCloseEvent).
            let _ = fd.into_raw_fd();
        } else {
            // Not taken: closed here (`fd` dropped).
            drop(fd);
            *g = None;
            drop(g);
            transport.shutdown();
            return Err(Error::new(
                s,
                format!("error attaching to the event loop: {} - {}", s as i32, s.text()),
            ));
        }
        ev.shared.data.store(data, Ordering::Release);
        let mut st = ev.st.lock();
        st.attached = true;
        if st.retained.is_none() && !st.detached {
            st.retained = Some(self.arc());
        }
        drop(st);
        Ok((t, g))
    }

    /// `natsConnection_ProcessReadEvent`: reads what the socket has,
    /// processes it as the reader thread would; a dead socket goes to the
    /// usual disconnect / reconnect path.
    pub fn process_read_event(&self) {
        let Some(ev) = &self.ev else { return };
        let _in = InLoop::enter();
        // A panic while processing (a bug) closes the connection, as one
        // in a reader thread does; the loop's thread goes on.
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_available(ev))) {
            let t = ev.reader.lock().take().map(|r| r.transport);
            if let Some(t) = t {
                t.shutdown();
            }
            self.close_after_panic("event loop (natsConnection_ProcessReadEvent)", &*p);
        }
    }

    fn read_available(&self, ev: &EvConn) {
        let mut g = ev.reader.lock();
        let Some(r) = g.as_mut() else { return };
        let t = r.transport.clone();
        let is_tls = matches!(&*t, Transport::Loop(l) if matches!(&*l.inner, Transport::Tls(_)));
        // A plain socket is read up to this much per event (the loop
        // calls again while data is there; other connections of the loop
        // get their turn); TLS is read until rustls has nothing left (its
        // decrypted bytes do not make the socket readable again).
        let cap = if is_tls {
            usize::MAX
        } else {
            4 * self.opts.io_buf_size.max(4096) as usize
        };
        let mut total = 0usize;
        let err = loop {
            if let Err(e) = self.process_ops(&mut r.parser) {
                break e;
            }
            if total >= cap {
                return;
            }
            match self.read_some(&t, &mut r.parser, &mut r.io) {
                Ok(Some(n)) => total += n,
                Ok(None) => return,
                Err(e) => break e,
            }
        };
        *g = None;
        drop(g);
        t.shutdown();
        self.on_disconnect(&t, Some(err));
    }

    /// `natsConnection_ProcessWriteEvent`: sends what waits for the loop.
    pub fn process_write_event(&self) {
        let Some(t) = self.live_transport() else { return };
        let Transport::Loop(l) = &*t else { return };
        let _in = InLoop::enter();
        if l.on_writable().is_err() {
            // The read side sees the dead socket and handles it.
            t.shutdown();
        }
    }

    /// `natsConnection_ProcessDetachedEvent`: the adapter is done with
    /// the connection.
    pub fn process_detached_event(&self) {
        if let Some(ev) = &self.ev {
            let r = ev.st.lock().retained.take();
            drop(r);
        }
    }

    /// Stops polling the socket `t` (disconnect, close).
    pub(super) fn ev_stop(&self, t: &Arc<Transport>) {
        if let Transport::Loop(l) = &**t {
            l.stop();
        }
        if let Some(ev) = &self.ev {
            let mut g = ev.reader.lock();
            if g.as_ref().is_some_and(|r| Arc::ptr_eq(&r.transport, t)) {
                *g = None;
            }
        }
    }

    /// At close: sends what the socket takes now (best effort), stops
    /// polling.
    pub(super) fn ev_close_socket(&self, t: &Arc<Transport>) {
        if let Transport::Loop(l) = &**t {
            let _ = l.on_writable();
        }
        t.shutdown();
        self.ev_stop(t);
    }

    /// At the end of close: `detach`, once, if attached.
    pub(super) fn ev_detach(&self) {
        let Some(ev) = &self.ev else { return };
        *ev.reader.lock() = None;
        // The socket goes now, even if the adapter never reports the
        // detached event (cnats before 3.10 has none) and the connection
        // object stays.
        self.out.lock().transport = None;
        let go = {
            let mut st = ev.st.lock();
            let go = st.attached && !st.detached;
            st.detached = true;
            if !st.attached {
                st.retained = None;
            }
            go
        };
        if go {
            let _ = ev.shared.hooks.detach(ev.shared.data());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use std::io::{Read, Write};

    #[derive(Default)]
    struct Rec {
        calls: Mutex<Vec<String>>,
        fds: Mutex<Vec<i32>>,
    }

    impl EvLoop for Rec {
        fn attach(&self, data: &mut usize, _conn: &Arc<Connection>, fd: i32) -> natsStatus {
            self.calls.lock().push(format!("attach {}", *data));
            self.fds.lock().push(fd);
            *data = 7;
            NATS_OK
        }
        fn read(&self, data: usize, add: bool) -> natsStatus {
            self.calls.lock().push(format!("read {data} {add}"));
            NATS_OK
        }
        fn write(&self, data: usize, add: bool) -> natsStatus {
            self.calls.lock().push(format!("write {data} {add}"));
            NATS_OK
        }
        fn detach(&self, data: usize) -> natsStatus {
            self.calls.lock().push(format!("detach {data}"));
            NATS_OK
        }
    }

    /// A connected plain transport and the peer's socket.
    fn pair() -> (Arc<Transport>, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let deadline = Instant::now() + Duration::from_secs(5);
        let t = transport::connect_tcp("127.0.0.1", port, deadline, 0).unwrap();
        let (peer, _) = l.accept().unwrap();
        (Arc::new(Transport::Plain(t)), peer)
    }

    #[test]
    fn attach_read_write_stop_detach_in_cnats_order() {
        let rec = Arc::new(Rec::default());
        let mut o = opts("nats://127.0.0.1:1");
        o.ev_loop = Some(rec.clone());
        let c = detached(o);
        let (t, mut peer) = pair();
        let ev = c.ev.as_ref().unwrap();
        let parser = Parser::with_alloc(crate::msg::Recycler::new());
        let (lt, g) = c.ev_install(ev, t, parser).unwrap();
        drop(g);
        assert_eq!(*rec.calls.lock(), vec!["attach 0".to_string()]);
        // The adapter got its own descriptor.
        let fd = rec.fds.lock()[0];
        assert!(fd >= 0);
        // A write the socket takes at once needs no write interest.
        lt.write_all(b"PING\r\n").unwrap();
        let mut b = [0u8; 6];
        peer.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"PING\r\n");
        assert_eq!(rec.calls.lock().len(), 1);
        // The peer does not read: the kernel buffers fill, the rest waits
        // for the loop and write interest is asked for, once.
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            lt.write_all(&chunk).unwrap();
        }
        assert_eq!(rec.calls.lock()[1..], ["write 7 true".to_string()]);
        let Transport::Loop(l) = &*lt else { unreachable!() };
        assert!(!l.out.lock().buf.is_empty());
        // The peer drains; write events send the rest, then interest goes.
        let reader = std::thread::spawn(move || {
            let mut n = 0usize;
            let mut b = vec![0u8; 1 << 16];
            while n < 8 << 20 {
                n += peer.read(&mut b).unwrap();
            }
            peer
        });
        while !l.out.lock().buf.is_empty() || l.out.lock().write_added {
            l.on_writable().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        let _peer = reader.join().unwrap();
        assert_eq!(rec.calls.lock()[2..], ["write 7 false".to_string()]);
        // Stop: write then read interest removed, once.
        c.ev_stop(&lt);
        c.ev_stop(&lt);
        assert_eq!(
            rec.calls.lock()[3..],
            ["write 7 false".to_string(), "read 7 false".to_string()]
        );
        assert!(ev.reader.lock().is_none());
        assert!(lt.write_all(b"x").is_err());
        // Close: detach once; the retained reference goes with the
        // detached event.
        assert!(ev.st.lock().retained.is_some());
        c.close();
        c.ev_detach();
        assert_eq!(rec.calls.lock().last().unwrap(), "detach 7");
        assert_eq!(rec.calls.lock().iter().filter(|s| s.starts_with("detach")).count(), 1);
        c.process_detached_event();
        assert!(ev.st.lock().retained.is_none());
        // The adapter's descriptor is its own to close.
        // SAFETY: `fd` is the duplicate handed to the adapter above, closed once here.
        assert_eq!(unsafe { libc::close(fd) }, 0);
    }

    #[test]
    fn a_writer_waiting_for_the_loop_gives_up_on_shutdown() {
        let rec = Arc::new(Rec::default());
        let mut o = opts("nats://127.0.0.1:1");
        o.ev_loop = Some(rec.clone());
        let c = detached(o);
        let (t, _peer) = pair();
        let ev = c.ev.as_ref().unwrap();
        let (lt, g) = c
            .ev_install(ev, t, Parser::with_alloc(crate::msg::Recycler::new()))
            .unwrap();
        drop(g);
        // Nobody reads and no loop runs: the writer fills the buffer past
        // the high-water mark and waits for the loop (as the flusher
        // would) until the socket is shut down (as Close does after its
        // grace period).
        let w = lt.clone();
        let writer = std::thread::spawn(move || {
            let chunk = vec![b'x'; 1 << 20];
            loop {
                if let Err(e) = w.write_all(&chunk) {
                    return e.kind();
                }
            }
        });
        let Transport::Loop(l) = &*lt else { unreachable!() };
        assert!(eventually(|| l.out.lock().buf.len() >= LOOP_HIGH_WATER));
        lt.shutdown();
        assert_eq!(writer.join().unwrap(), std::io::ErrorKind::NotConnected);
        c.ev_stop(&lt);
        // On the loop's own thread a writer never waits: past the mark,
        // writes still return at once.
        let (t, _peer) = pair();
        let (lt, g) = c
            .ev_install(ev, t, Parser::with_alloc(crate::msg::Recycler::new()))
            .unwrap();
        drop(g);
        let _in = InLoop::enter();
        let chunk = vec![b'y'; 1 << 20];
        for _ in 0..16 {
            lt.write_all(&chunk).unwrap();
        }
        let Transport::Loop(l) = &*lt else { unreachable!() };
        assert!(l.out.lock().buf.len() > LOOP_HIGH_WATER);
        c.ev_stop(&lt);
    }

    #[test]
    fn read_event_parses_and_eof_disconnects() {
        let rec = Arc::new(Rec::default());
        let mut o = opts("nats://127.0.0.1:1");
        o.ev_loop = Some(rec.clone());
        o.allow_reconnect = false;
        let c = detached(o);
        let sub = c.subscribe(b"foo", None, None, 0).unwrap();
        let (t, mut peer) = pair();
        let ev = c.ev.as_ref().unwrap();
        let (lt, g) = c
            .ev_install(ev, t, Parser::with_alloc(crate::msg::Recycler::new()))
            .unwrap();
        drop(g);
        pretend_connected(&c);
        c.state.lock().transport = Some(lt.clone());
        // Nothing there: returns at once.
        c.process_read_event();
        peer.write_all(format!("MSG foo {} 2\r\nhi\r\n", sub.sid).as_bytes())
            .unwrap();
        let m = loop {
            c.process_read_event();
            if let Ok(m) = sub.next_msg(10) {
                break m;
            }
        };
        assert_eq!(m.data(), b"hi");
        drop(peer);
        while !c.is_closed() {
            c.process_read_event();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(rec.calls.lock().contains(&"read 7 false".to_string()));
        assert!(rec.calls.lock().contains(&"detach 7".to_string()));
        c.process_detached_event();
    }
}
