//! The buffer of a message: inline when small, on the heap beyond.

use std::mem::MaybeUninit;

/// Bytes stored inside the value itself up to this size: a small received
/// message (subject, reply, payload) then needs no allocation of its own
/// besides the `natsMsg` box that carries it.
pub const MSG_INLINE: usize = 96;

/// A growable byte buffer that keeps up to [`MSG_INLINE`] bytes inline and
/// moves to the heap beyond that.
#[derive(Clone)]
pub enum MsgBuf {
    Inline { len: u8, bytes: [u8; MSG_INLINE] },
    Heap(Vec<u8>),
}

impl MsgBuf {
    /// An empty buffer that can take `cap` bytes without growing.
    #[inline]
    pub fn with_capacity(cap: usize) -> MsgBuf {
        if cap <= MSG_INLINE {
            MsgBuf::new()
        } else {
            MsgBuf::Heap(Vec::with_capacity(cap))
        }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            MsgBuf::Inline { len, bytes } => &bytes[..*len as usize],
            MsgBuf::Heap(v) => v,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match self {
            MsgBuf::Inline { len, .. } => *len as usize,
            MsgBuf::Heap(v) => v.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes it can hold without growing.
    pub fn capacity(&self) -> usize {
        match self {
            MsgBuf::Inline { .. } => MSG_INLINE,
            MsgBuf::Heap(v) => v.capacity(),
        }
    }

    #[inline]
    pub fn extend_from_slice(&mut self, s: &[u8]) {
        match self {
            MsgBuf::Inline { len, bytes } => {
                let l = *len as usize;
                if l + s.len() <= MSG_INLINE {
                    bytes[l..l + s.len()].copy_from_slice(s);
                    *len = (l + s.len()) as u8;
                    return;
                }
            }
            MsgBuf::Heap(v) => {
                v.extend_from_slice(s);
                return;
            }
        }
        self.spill(s);
    }

    /// An inline buffer that `s` does not fit in moves to the heap (kept
    /// out of line, so that the common appends above inline).
    #[cold]
    #[inline(never)]
    fn spill(&mut self, s: &[u8]) {
        if let MsgBuf::Inline { len, bytes } = self {
            let l = *len as usize;
            let mut v = Vec::with_capacity(l + s.len());
            v.extend_from_slice(&bytes[..l]);
            v.extend_from_slice(s);
            *self = MsgBuf::Heap(v);
        }
    }

    #[inline]
    pub fn push(&mut self, b: u8) {
        match self {
            MsgBuf::Inline { len, bytes } if (*len as usize) < MSG_INLINE => {
                bytes[*len as usize] = b;
                *len += 1;
            }
            MsgBuf::Heap(v) => v.push(b),
            _ => self.extend_from_slice(&[b]),
        }
    }

    /// Zeroes the `n` bytes of room at `from..from + n` (`from` at or after
    /// the content's end; the room must exist). Content appended later,
    /// within capacity and not beyond `from`, leaves them as they are, so
    /// they stay zero behind it (message padding).
    pub(super) fn zero_room(&mut self, from: usize, n: usize) {
        match self {
            MsgBuf::Inline { bytes, .. } => bytes[from..from + n].fill(0),
            MsgBuf::Heap(v) => {
                let off = from - v.len();
                v.spare_capacity_mut()[off..off + n].fill(MaybeUninit::new(0));
            }
        }
    }

    /// The `n` bytes right after the content, which `zero_room` wrote.
    #[cfg(test)]
    pub(super) fn room_after(&self, n: usize) -> Vec<u8> {
        match self {
            MsgBuf::Inline { len, bytes } => bytes[*len as usize..*len as usize + n].to_vec(),
            MsgBuf::Heap(v) => {
                assert!(v.capacity() >= v.len() + n, "no room for {n} bytes");
                // SAFETY: the bytes are inside the allocation (checked
                // above) and were initialised by `zero_room`.
                unsafe { std::slice::from_raw_parts(v.as_ptr().add(v.len()), n) }.to_vec()
            }
        }
    }

    /// An empty inline buffer (no allocation).
    pub const fn new() -> MsgBuf {
        MsgBuf::Inline {
            len: 0,
            bytes: [0; MSG_INLINE],
        }
    }
}

impl Default for MsgBuf {
    fn default() -> Self {
        MsgBuf::new()
    }
}

impl std::fmt::Debug for MsgBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for MsgBuf {
    fn eq(&self, o: &MsgBuf) -> bool {
        self.as_slice() == o.as_slice()
    }
}
impl Eq for MsgBuf {}
