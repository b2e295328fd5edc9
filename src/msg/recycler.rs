//! Where received messages come from: the parser's allocator (one box per
//! message, recycled), and the pool of destroyed messages' boxes.

use super::{Msg, MsgBuf, MSG_INLINE};
use crate::proto::{MsgAlloc, WireMsg};
use parking_lot::Mutex;

/// Boxes of destroyed messages, kept for the next received ones: the
/// reader allocates a message and another thread (the program's, through
/// `natsMsg_Destroy`) frees it, which malloc handles badly (every free and
/// every malloc take the slow path). Recycling the boxes costs a lock.
/// Only [`recycle`] fills it, only a [`Recycler::shared`] takes from it.
///
/// It keeps up to 8 MiB of boxes (inline buffers; a heap buffer is freed
/// when its message is), enough for the backlog of a subscription at
/// cnats' default pending limit of 65 536 messages: a reader that gets far
/// ahead of a delivery thread then reuses the boxes of the previous
/// backlog instead of allocating (and the delivery thread freeing)
/// thousands of them again. The boxes stay until `nats_Close`.
const RECYCLE_MAX: usize = (8 << 20) / std::mem::size_of::<Msg>();
#[allow(clippy::vec_box)] // the boxes themselves are what is recycled
static RECYCLED: Mutex<Vec<Box<Msg>>> = Mutex::new(Vec::new());

/// Frees a message (`natsMsg_Destroy`), keeping its box for the readers'
/// [`Recycler`]s.
pub fn recycle(mut b: Box<Msg>) {
    b.clear_for_reuse();
    let mut r = RECYCLED.lock();
    if r.len() < RECYCLE_MAX {
        r.push(b);
    }
}

/// Frees the recycled boxes (library close).
pub fn clear_recycled() {
    let v = std::mem::take(&mut *RECYCLED.lock());
    drop(v);
}

/// The message allocator of one parser (a connection's reader): a box for
/// each received message, a recycled one when it has one, with the
/// configured padding after the payload.
///
/// A [`Recycler::shared`] one refills its supply from the boxes that
/// [`recycle`] (`natsMsg_Destroy`) keeps, in one swap when the supply is
/// empty (one lock per batch of messages). A [`Recycler::new`] one uses
/// only what [`Recycler::give_back`] returns to it and touches no
/// process-wide state (tests, fuzzing).
#[derive(Debug, Default)]
pub struct Recycler {
    #[allow(clippy::vec_box)] // the boxes themselves are what is recycled
    supply: Vec<Box<Msg>>,
    padding: usize,
    shared: bool,
}

impl Recycler {
    /// A recycler of its own boxes only.
    pub fn new() -> Recycler {
        Recycler::default()
    }

    /// A recycler fed with the boxes of destroyed messages ([`recycle`]).
    pub fn shared() -> Recycler {
        Recycler {
            shared: true,
            ..Recycler::default()
        }
    }

    /// Every message gets `padding` zero bytes after the NUL that ends its
    /// data (`natsOptions_SetMessageBufferPadding`).
    pub fn with_padding(mut self, padding: usize) -> Recycler {
        self.padding = padding;
        self
    }

    pub fn padding(&self) -> usize {
        self.padding
    }

    /// Keeps a message's box for a next message of this recycler.
    pub fn give_back(&mut self, mut b: Box<Msg>) {
        if self.supply.len() < RECYCLE_MAX {
            b.clear_for_reuse();
            self.supply.push(b);
        }
    }

    /// A box for a received message: a recycled one when there is one.
    #[inline]
    fn take_box(&mut self) -> Box<Msg> {
        if self.supply.is_empty() && self.shared {
            std::mem::swap(&mut self.supply, &mut *RECYCLED.lock());
        }
        self.supply.pop().unwrap_or_else(|| {
            Box::new(Msg {
                buf: MsgBuf::new(),
                subject_len: 0,
                reply_len: 0,
                raw_hdr_len: 0,
                headers: None,
                js: None,
                acked: false,
            })
        })
    }
}

/// A received message the parser is still filling (no final NUL yet);
/// [`Msg::from_wire`] makes it the message handed to the program.
#[derive(Debug, Clone)]
pub struct Incoming(pub(super) Box<Msg>);

impl MsgAlloc for Recycler {
    type Msg = Incoming;

    /// Subject and reply are copied into a (recycled) box whose buffer has
    /// room for the payload (`total` bytes), the final NUL and the
    /// padding, which is zeroed here (no later write reaches it).
    #[inline]
    fn start(&mut self, subject: &[u8], reply: Option<&[u8]>, header_len: usize, total: usize) -> Incoming {
        let reply = reply.filter(|r| !r.is_empty());
        let mut m = self.take_box();
        let nul_at = subject.len() + 1 + reply.map_or(0, |r| r.len() + 1) + total;
        let cap = nul_at + 1 + self.padding;
        match &mut m.buf {
            MsgBuf::Heap(v) if cap <= v.capacity() => v.clear(),
            MsgBuf::Inline { len, .. } if cap <= MSG_INLINE => *len = 0,
            b => *b = MsgBuf::with_capacity(cap),
        }
        m.buf.extend_from_slice(subject);
        m.buf.push(0);
        if let Some(r) = reply {
            m.buf.extend_from_slice(r);
            m.buf.push(0);
        }
        if self.padding > 0 {
            m.buf.zero_room(nul_at + 1, self.padding);
        }
        m.subject_len = subject.len() as u32;
        m.reply_len = reply.map_or(0, |r| r.len() as u32);
        m.raw_hdr_len = header_len;
        m.headers = None;
        Incoming(m)
    }
}

impl WireMsg for Incoming {
    #[inline]
    fn append(&mut self, b: &[u8]) {
        self.0.buf.extend_from_slice(b);
    }
    fn subject(&self) -> &[u8] {
        self.0.subject()
    }
    fn reply(&self) -> Option<&[u8]> {
        self.0.reply()
    }
    fn header_len(&self) -> usize {
        self.0.raw_hdr_len
    }
    #[inline]
    fn payload(&self) -> &[u8] {
        &self.0.buf.as_slice()[self.0.payload_start()..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{MsgOp, Parser, ServerOp};
    use crate::status::natsStatus;

    fn parser(r: Recycler) -> Parser<Recycler> {
        Parser::with_alloc(r)
    }

    fn next_msg(p: &mut Parser<Recycler>) -> Box<Msg> {
        match p.next_op().unwrap() {
            Some(ServerOp::Msg(mo)) => Msg::from_wire(mo).unwrap(),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn from_parser_without_reallocating() {
        for data in [&b"hello"[..], &[b'x'; 1000][..]] {
            let mut p = parser(Recycler::new());
            let mut wire = format!("HMSG foo 1 rep 12 {}\r\nNATS/1.0\r\n\r\n", 12 + data.len()).into_bytes();
            wire.extend_from_slice(data);
            wire.extend_from_slice(b"\r\n");
            p.feed(&wire);
            let Some(ServerOp::Msg(mo)) = p.next_op().unwrap() else {
                panic!()
            };
            let heap = match &mo.msg.0.buf {
                MsgBuf::Heap(v) => Some(v.as_ptr()),
                MsgBuf::Inline { .. } => None,
            };
            assert_eq!(heap.is_some(), data.len() > 100);
            let m = Msg::from_wire(mo).unwrap();
            assert_eq!(m.data(), data);
            assert_eq!(m.data_with_nul().last(), Some(&0));
            assert_eq!(m.subject_cstr().to_bytes(), b"foo");
            assert_eq!(m.reply(), Some(&b"rep"[..]));
            if let (Some(p), MsgBuf::Heap(v)) = (heap, &m.buf) {
                assert_eq!(v.as_ptr(), p, "the payload buffer was reused");
            }
            assert!(m.encoded_headers().is_some());
        }
    }

    #[test]
    fn nul_in_subject_or_reply_from_the_parser_is_refused() {
        for wire in [&b"MSG a\0b 1 1\r\nx\r\n"[..], b"MSG a 1 r\0 1\r\nx\r\n"] {
            let mut p = parser(Recycler::new());
            p.feed(wire);
            match p.next_op().unwrap() {
                Some(ServerOp::Msg(m)) => {
                    assert!(!m.nul_free);
                    assert_eq!(Msg::from_wire(m).unwrap_err().status, natsStatus::NATS_PROTOCOL_ERROR);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn payload_capacity_leaves_room_for_the_nul() {
        for size in [5, 200] {
            let mut p = parser(Recycler::new());
            p.feed(format!("MSG foo 1 {size}\r\n").as_bytes());
            assert!(p.next_op().unwrap().is_none());
            p.feed(&vec![b'x'; size]);
            assert!(p.next_op().unwrap().is_none());
            p.feed(b"\r\n");
            let Some(ServerOp::Msg(mo)) = p.next_op().unwrap() else {
                panic!()
            };
            let b = &mo.msg.0.buf;
            assert!(b.capacity() > b.len(), "{} {}", b.capacity(), b.len());
        }
    }

    /// Received messages of many sizes (inline and heap, with and without
    /// reply and headers), through the parser, each in a box reused from
    /// a message whose bytes were all 0xAA.
    #[allow(clippy::vec_box)] // the messages as the engine hands them out
    fn padded_messages(padding: usize) -> Vec<Box<Msg>> {
        let mut r = Recycler::new().with_padding(padding);
        for _ in 0..8 {
            let mut dirty = r.start(b"d", None, 0, 90);
            dirty.append(&[0xAA; 90]);
            r.give_back(
                Msg::from_wire(MsgOp {
                    sid: 1,
                    msg: dirty,
                    nul_free: true,
                })
                .unwrap(),
            );
        }
        // The boxes were reset but keep their stale inline bytes.
        let mut p = parser(r);
        let mut out = Vec::new();
        for size in [0usize, 1, 7, 40, 60, 95, 96, 97, 300, 5000] {
            let data = vec![0xAAu8; size];
            let mut wire = format!("MSG s 1 {size}\r\n").into_bytes();
            wire.extend_from_slice(&data);
            wire.extend_from_slice(format!("\r\nMSG subj.x 2 _INBOX.r {size}\r\n").as_bytes());
            wire.extend_from_slice(&data);
            wire.extend_from_slice(format!("\r\nHMSG h 3 12 {}\r\nNATS/1.0\r\n\r\n", size + 12).as_bytes());
            wire.extend_from_slice(&data);
            wire.extend_from_slice(b"\r\n");
            p.feed(&wire);
            for _ in 0..3 {
                let m = next_msg(&mut p);
                assert_eq!(m.data(), &data[..]);
                out.push(m);
            }
        }
        out
    }

    #[test]
    fn padding_after_the_payload_is_there_and_zero() {
        for padding in [1, 8, 64, 1000] {
            for m in padded_messages(padding) {
                assert_eq!(m.data_with_nul().last(), Some(&0));
                assert_eq!(
                    m.buf.room_after(padding),
                    vec![0u8; padding],
                    "padding {padding}, data {} bytes",
                    m.data().len()
                );
                assert!(m.buf.capacity() >= m.buf.len() + padding);
            }
        }
        // Without padding: the NUL only (no extra room asked for).
        for m in padded_messages(0) {
            assert_eq!(m.data_with_nul().last(), Some(&0));
            if let MsgBuf::Heap(v) = &m.buf {
                assert!(v.capacity() < v.len() + 16, "{} for {}", v.capacity(), v.len());
            }
        }
    }

    #[test]
    fn a_local_recycler_reuses_its_boxes() {
        let mut r = Recycler::new();
        let mut m = r.start(b"a", None, 0, 1);
        m.append(b"x");
        let m = Msg::from_wire(MsgOp {
            sid: 1,
            msg: m,
            nul_free: true,
        })
        .unwrap();
        let addr = &*m as *const Msg;
        r.give_back(m);
        let again = r.start(b"bb", Some(b"r"), 0, 2);
        assert_eq!(&*again.0 as *const Msg, addr, "the same box");
        assert_eq!(again.subject(), b"bb");
        assert_eq!(again.reply(), Some(&b"r"[..]));
        assert_eq!(again.payload(), b"");
    }
}
