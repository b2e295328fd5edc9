"""natsffi: a thin ctypes binding to the cnats C API (libnats.so).

This is a demonstration of the C library's FFI contract for people who
write bindings, not a NATS client for Python applications (use nats-py for
that). It keeps cnats' semantics and shows, in a small amount of code:

* ownership: every handle the library returns (natsConnection*,
  natsSubscription*, natsOptions*, natsMsg*) is owned by exactly one
  Python object, which releases it with the matching ``*_Destroy``
  exactly once (``close()`` / context manager, or the garbage collector);
* freeing: a received ``natsMsg`` is copied into an immutable Python
  :class:`Msg` and destroyed at once; arrays the library allocates for the
  caller (header keys and values) are released with the C library's
  ``free``, while the strings in them stay owned by the message;
* status codes: every call returns a ``natsStatus``; anything but
  ``NATS_OK`` raises :class:`NatsError` carrying the :class:`Status` and
  the thread's last-error text (``nats_GetLastError``), and
  ``NATS_TIMEOUT`` raises the subclass :class:`NatsTimeout`.

ctypes releases the GIL around each foreign call, so a blocking
``next_msg`` or ``request`` does not stop other Python threads.

The library is found through ``$RNATS_LIB`` (a path to libnats.so), else
``ctypes.util.find_library("nats")``; or call :func:`load` with a path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import os
import threading
from ctypes import POINTER, byref, c_bool, c_char_p, c_int, c_int64, c_void_p
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Union

__all__ = [
    "Status",
    "ConnStatus",
    "NatsError",
    "NatsTimeout",
    "Msg",
    "Connection",
    "Subscription",
    "connect",
    "load",
    "library",
    "version",
]


class Status(enum.IntEnum):
    """``natsStatus``: the values are cnats' (and rnats') enum values."""

    OK = 0
    ERR = 1
    PROTOCOL_ERROR = 2
    IO_ERROR = 3
    LINE_TOO_LONG = 4
    CONNECTION_CLOSED = 5
    NO_SERVER = 6
    STALE_CONNECTION = 7
    SECURE_CONNECTION_WANTED = 8
    SECURE_CONNECTION_REQUIRED = 9
    CONNECTION_DISCONNECTED = 10
    CONNECTION_AUTH_FAILED = 11
    NOT_PERMITTED = 12
    NOT_FOUND = 13
    ADDRESS_MISSING = 14
    INVALID_SUBJECT = 15
    INVALID_ARG = 16
    INVALID_SUBSCRIPTION = 17
    INVALID_TIMEOUT = 18
    ILLEGAL_STATE = 19
    SLOW_CONSUMER = 20
    MAX_PAYLOAD = 21
    MAX_DELIVERED_MSGS = 22
    INSUFFICIENT_BUFFER = 23
    NO_MEMORY = 24
    SYS_ERROR = 25
    TIMEOUT = 26
    FAILED_TO_INITIALIZE = 27
    NOT_INITIALIZED = 28
    SSL_ERROR = 29
    NO_SERVER_SUPPORT = 30
    NOT_YET_CONNECTED = 31
    DRAINING = 32
    INVALID_QUEUE_NAME = 33
    NO_RESPONDERS = 34
    MISMATCH = 35
    MISSED_HEARTBEAT = 36
    LIMIT_REACHED = 37
    PIN_ID_MISMATCH = 38
    INVALID_CONFIG = 39


class ConnStatus(enum.IntEnum):
    """``natsConnStatus``."""

    DISCONNECTED = 0
    CONNECTING = 1
    CONNECTED = 2
    CLOSED = 3
    RECONNECTING = 4
    DRAINING_SUBS = 5
    DRAINING_PUBS = 6


class NatsError(Exception):
    """A C call returned a status other than ``NATS_OK``."""

    def __init__(self, status: int, call: str, text: str):
        try:
            self.status: Union[Status, int] = Status(status)
        except ValueError:
            self.status = status
        self.call = call
        self.text = text
        super().__init__(f"{call}: {text} (status {int(status)})")


class NatsTimeout(NatsError, TimeoutError):
    """``NATS_TIMEOUT``: nothing arrived in time."""


# --------------------------------------------------------------------------
# Loading the library and declaring the functions used.

_lib: Optional[ctypes.CDLL] = None
_lib_lock = threading.Lock()
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [c_void_p]
_libc.free.restype = None

_natsConnection_p = c_void_p
_natsSubscription_p = c_void_p
_natsOptions_p = c_void_p
_natsMsg_p = c_void_p

# name: (restype, argtypes). natsStatus is an int-sized enum.
_SIGNATURES = {
    "nats_GetVersion": (c_char_p, []),
    "nats_Open": (c_int, [c_int64]),
    "nats_Close": (None, []),
    "nats_GetLastError": (c_char_p, [POINTER(c_int)]),
    "natsStatus_GetText": (c_char_p, [c_int]),
    "natsOptions_Create": (c_int, [POINTER(_natsOptions_p)]),
    "natsOptions_SetURL": (c_int, [_natsOptions_p, c_char_p]),
    "natsOptions_SetName": (c_int, [_natsOptions_p, c_char_p]),
    "natsOptions_SetTimeout": (c_int, [_natsOptions_p, c_int64]),
    "natsOptions_SetMaxReconnect": (c_int, [_natsOptions_p, c_int]),
    "natsOptions_Destroy": (None, [_natsOptions_p]),
    "natsConnection_Connect": (c_int, [POINTER(_natsConnection_p), _natsOptions_p]),
    "natsConnection_Publish": (c_int, [_natsConnection_p, c_char_p, c_void_p, c_int]),
    "natsConnection_PublishRequest": (c_int, [_natsConnection_p, c_char_p, c_char_p, c_void_p, c_int]),
    "natsConnection_PublishMsg": (c_int, [_natsConnection_p, _natsMsg_p]),
    "natsConnection_Request": (c_int, [POINTER(_natsMsg_p), _natsConnection_p, c_char_p, c_void_p, c_int, c_int64]),
    "natsConnection_RequestMsg": (c_int, [POINTER(_natsMsg_p), _natsConnection_p, _natsMsg_p, c_int64]),
    "natsConnection_SubscribeSync": (c_int, [POINTER(_natsSubscription_p), _natsConnection_p, c_char_p]),
    "natsConnection_QueueSubscribeSync": (
        c_int,
        [POINTER(_natsSubscription_p), _natsConnection_p, c_char_p, c_char_p],
    ),
    "natsConnection_FlushTimeout": (c_int, [_natsConnection_p, c_int64]),
    "natsConnection_Status": (c_int, [_natsConnection_p]),
    "natsConnection_IsClosed": (c_bool, [_natsConnection_p]),
    "natsConnection_Close": (None, [_natsConnection_p]),
    "natsConnection_Destroy": (None, [_natsConnection_p]),
    "natsSubscription_NextMsg": (c_int, [POINTER(_natsMsg_p), _natsSubscription_p, c_int64]),
    "natsSubscription_Unsubscribe": (c_int, [_natsSubscription_p]),
    "natsSubscription_AutoUnsubscribe": (c_int, [_natsSubscription_p, c_int]),
    "natsSubscription_IsValid": (c_bool, [_natsSubscription_p]),
    "natsSubscription_Destroy": (None, [_natsSubscription_p]),
    "natsMsg_Create": (c_int, [POINTER(_natsMsg_p), c_char_p, c_char_p, c_void_p, c_int]),
    "natsMsg_GetSubject": (c_char_p, [_natsMsg_p]),
    "natsMsg_GetReply": (c_char_p, [_natsMsg_p]),
    "natsMsg_GetData": (c_void_p, [_natsMsg_p]),
    "natsMsg_GetDataLength": (c_int, [_natsMsg_p]),
    "natsMsg_Destroy": (None, [_natsMsg_p]),
    "natsMsgHeader_Add": (c_int, [_natsMsg_p, c_char_p, c_char_p]),
    "natsMsgHeader_Keys": (c_int, [_natsMsg_p, POINTER(POINTER(c_char_p)), POINTER(c_int)]),
    "natsMsgHeader_Values": (c_int, [_natsMsg_p, c_char_p, POINTER(POINTER(c_char_p)), POINTER(c_int)]),
}


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Loads libnats (once per process) and declares the functions used.

    ``path`` overrides ``$RNATS_LIB`` and the system search. Loading a
    second, different library later in the same process is refused.
    """
    global _lib
    with _lib_lock:
        if path is None:
            path = os.environ.get("RNATS_LIB") or ctypes.util.find_library("nats")
        if path is None:
            raise OSError("libnats not found: set RNATS_LIB to the path of libnats.so")
        if _lib is not None:
            if os.path.realpath(path) != os.path.realpath(_lib._name):
                raise OSError(f"libnats already loaded from {_lib._name}")
            return _lib
        lib = ctypes.CDLL(path)
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _check(lib, lib.nats_Open(-1), "nats_Open")
        _lib = lib
        return lib


def library() -> ctypes.CDLL:
    """The loaded library (loading it with the defaults if needed)."""
    return _lib if _lib is not None else load()


def version() -> str:
    """``nats_GetVersion()`` of the loaded library."""
    return library().nats_GetVersion().decode()


def _check(lib: ctypes.CDLL, status: int, call: str) -> None:
    if status == Status.OK:
        return
    # The last error is recorded per thread by the failing call itself, so
    # reading it right away on the same thread gives that call's text.
    last = c_int(0)
    text = lib.nats_GetLastError(byref(last))
    if text and last.value == status:
        msg = text.decode(errors="replace")
    else:
        msg = lib.natsStatus_GetText(status).decode()
    cls = NatsTimeout if status == Status.TIMEOUT else NatsError
    raise cls(status, call, msg)


def _b(s: Optional[Union[str, bytes]]) -> Optional[bytes]:
    if s is None or isinstance(s, bytes):
        return s
    return s.encode()


def _payload(data: Union[str, bytes, bytearray, memoryview, None]) -> bytes:
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode()
    return bytes(data)


# --------------------------------------------------------------------------
# Messages.


@dataclass(frozen=True)
class Msg:
    """A received message, copied out of the library's ``natsMsg``."""

    subject: str
    data: bytes
    reply: Optional[str] = None
    headers: Dict[str, List[str]] = field(default_factory=dict)

    @staticmethod
    def _take(lib: ctypes.CDLL, ptr: int) -> "Msg":
        """Copies a natsMsg the caller owns into a Msg and destroys it."""
        try:
            subject = lib.natsMsg_GetSubject(ptr).decode()
            reply = lib.natsMsg_GetReply(ptr)
            n = lib.natsMsg_GetDataLength(ptr)
            data = ctypes.string_at(lib.natsMsg_GetData(ptr), n) if n > 0 else b""
            return Msg(subject, data, reply.decode() if reply else None, _headers_of(lib, ptr))
        finally:
            lib.natsMsg_Destroy(ptr)


def _headers_of(lib: ctypes.CDLL, msg: int) -> Dict[str, List[str]]:
    keys = POINTER(c_char_p)()
    count = c_int(0)
    s = lib.natsMsgHeader_Keys(msg, byref(keys), byref(count))
    if s == Status.NOT_FOUND:  # no headers at all
        return {}
    _check(lib, s, "natsMsgHeader_Keys")
    out: Dict[str, List[str]] = {}
    try:
        for i in range(count.value):
            key = keys[i]
            vals = POINTER(c_char_p)()
            n = c_int(0)
            _check(lib, lib.natsMsgHeader_Values(msg, key, byref(vals), byref(n)), "natsMsgHeader_Values")
            try:
                out[key.decode()] = [vals[j].decode() for j in range(n.value)]
            finally:
                _libc.free(ctypes.cast(vals, c_void_p))  # the array is ours, the strings are not
    finally:
        _libc.free(ctypes.cast(keys, c_void_p))
    return out


def _build_msg(lib, subject, data, reply, headers) -> int:
    """A natsMsg the caller owns (destroy with natsMsg_Destroy)."""
    payload = _payload(data)
    m = _natsMsg_p()
    _check(lib, lib.natsMsg_Create(byref(m), _b(subject), _b(reply), payload, len(payload)), "natsMsg_Create")
    try:
        for key, value in headers.items():
            values = [value] if isinstance(value, (str, bytes)) else list(value)
            for v in values:
                _check(lib, lib.natsMsgHeader_Add(m, _b(key), _b(v)), "natsMsgHeader_Add")
    except BaseException:
        lib.natsMsg_Destroy(m)
        raise
    return m.value


# --------------------------------------------------------------------------
# Subscriptions and connections.


class Subscription:
    """A synchronous subscription (``natsConnection_SubscribeSync``)."""

    def __init__(self, conn: "Connection", ptr: int, subject: str):
        self._conn = conn  # keeps the connection object alive
        self._lib = conn._lib
        self._ptr: Optional[int] = ptr
        self.subject = subject

    def _handle(self) -> int:
        if self._ptr is None:
            # The object is gone: report it as cnats reports a bad handle.
            raise NatsError(Status.INVALID_SUBSCRIPTION, "natsffi", "subscription already closed")
        return self._ptr

    def next_msg(self, timeout_ms: int = 1000) -> Msg:
        """``natsSubscription_NextMsg``: the next message, or NatsTimeout."""
        m = _natsMsg_p()
        _check(self._lib, self._lib.natsSubscription_NextMsg(byref(m), self._handle(), timeout_ms),
               "natsSubscription_NextMsg")
        return Msg._take(self._lib, m.value)

    def auto_unsubscribe(self, max_msgs: int) -> None:
        _check(self._lib, self._lib.natsSubscription_AutoUnsubscribe(self._handle(), max_msgs),
               "natsSubscription_AutoUnsubscribe")

    def unsubscribe(self) -> None:
        """``natsSubscription_Unsubscribe`` (the object stays until close)."""
        _check(self._lib, self._lib.natsSubscription_Unsubscribe(self._handle()), "natsSubscription_Unsubscribe")

    @property
    def is_valid(self) -> bool:
        return self._ptr is not None and bool(self._lib.natsSubscription_IsValid(self._ptr))

    def close(self) -> None:
        """Unsubscribes if still valid and destroys the handle (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            if self._lib.natsSubscription_IsValid(ptr):
                self._lib.natsSubscription_Unsubscribe(ptr)
            self._lib.natsSubscription_Destroy(ptr)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Connection:
    """A connection (``natsConnection``). Create it with :func:`connect`."""

    def __init__(self, lib: ctypes.CDLL, ptr: int):
        self._lib = lib
        self._ptr: Optional[int] = ptr

    def _handle(self) -> int:
        if self._ptr is None:
            raise NatsError(Status.CONNECTION_CLOSED, "natsffi", "connection already destroyed")
        return self._ptr

    def publish(self, subject: str, data=b"", reply: Optional[str] = None,
                headers: Optional[Dict[str, Union[str, List[str]]]] = None) -> None:
        """``natsConnection_Publish`` / ``PublishRequest`` / ``PublishMsg``."""
        nc = self._handle()
        if headers:
            m = _build_msg(self._lib, subject, data, reply, headers)
            try:
                _check(self._lib, self._lib.natsConnection_PublishMsg(nc, m), "natsConnection_PublishMsg")
            finally:
                self._lib.natsMsg_Destroy(m)  # PublishMsg does not take ownership
            return
        payload = _payload(data)
        if reply is None:
            s = self._lib.natsConnection_Publish(nc, _b(subject), payload, len(payload))
            _check(self._lib, s, "natsConnection_Publish")
        else:
            s = self._lib.natsConnection_PublishRequest(nc, _b(subject), _b(reply), payload, len(payload))
            _check(self._lib, s, "natsConnection_PublishRequest")

    def subscribe_sync(self, subject: str, queue: Optional[str] = None) -> Subscription:
        """``natsConnection_SubscribeSync`` (or the queue-group variant)."""
        sub = _natsSubscription_p()
        if queue is None:
            s = self._lib.natsConnection_SubscribeSync(byref(sub), self._handle(), _b(subject))
            _check(self._lib, s, "natsConnection_SubscribeSync")
        else:
            s = self._lib.natsConnection_QueueSubscribeSync(byref(sub), self._handle(), _b(subject), _b(queue))
            _check(self._lib, s, "natsConnection_QueueSubscribeSync")
        return Subscription(self, sub.value, subject)

    def request(self, subject: str, data=b"", timeout_ms: int = 1000,
                headers: Optional[Dict[str, Union[str, List[str]]]] = None) -> Msg:
        """``natsConnection_Request`` (``RequestMsg`` with headers)."""
        reply = _natsMsg_p()
        nc = self._handle()
        if headers:
            m = _build_msg(self._lib, subject, data, None, headers)
            try:
                s = self._lib.natsConnection_RequestMsg(byref(reply), nc, m, timeout_ms)
            finally:
                self._lib.natsMsg_Destroy(m)
            _check(self._lib, s, "natsConnection_RequestMsg")
        else:
            payload = _payload(data)
            s = self._lib.natsConnection_Request(byref(reply), nc, _b(subject), payload, len(payload), timeout_ms)
            _check(self._lib, s, "natsConnection_Request")
        return Msg._take(self._lib, reply.value)

    def flush(self, timeout_ms: int = 5000) -> None:
        """``natsConnection_FlushTimeout``."""
        _check(self._lib, self._lib.natsConnection_FlushTimeout(self._handle(), timeout_ms),
               "natsConnection_FlushTimeout")

    @property
    def status(self) -> ConnStatus:
        if self._ptr is None:
            return ConnStatus.CLOSED
        return ConnStatus(self._lib.natsConnection_Status(self._ptr))

    @property
    def is_closed(self) -> bool:
        return self._ptr is None or bool(self._lib.natsConnection_IsClosed(self._ptr))

    def close(self) -> None:
        """``natsConnection_Close``: the handle stays valid, calls then fail
        with CONNECTION_CLOSED, as in cnats. Idempotent."""
        if self._ptr is not None:
            self._lib.natsConnection_Close(self._ptr)

    def destroy(self) -> None:
        """Closes and releases the handle (``natsConnection_Destroy``)."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._lib.natsConnection_Destroy(ptr)

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    def __del__(self) -> None:
        try:
            self.destroy()
        except Exception:
            pass


def connect(url: str, name: Optional[str] = None, timeout_ms: Optional[int] = None,
            max_reconnect: Optional[int] = None) -> Connection:
    """Connects (``natsOptions_*`` + ``natsConnection_Connect``).

    The options object is created, used and destroyed here: the library
    copies what it needs, as cnats does.
    """
    lib = library()
    opts = _natsOptions_p()
    _check(lib, lib.natsOptions_Create(byref(opts)), "natsOptions_Create")
    try:
        _check(lib, lib.natsOptions_SetURL(opts, _b(url)), "natsOptions_SetURL")
        if name is not None:
            _check(lib, lib.natsOptions_SetName(opts, _b(name)), "natsOptions_SetName")
        if timeout_ms is not None:
            _check(lib, lib.natsOptions_SetTimeout(opts, timeout_ms), "natsOptions_SetTimeout")
        if max_reconnect is not None:
            _check(lib, lib.natsOptions_SetMaxReconnect(opts, max_reconnect), "natsOptions_SetMaxReconnect")
        nc = _natsConnection_p()
        _check(lib, lib.natsConnection_Connect(byref(nc), opts), "natsConnection_Connect")
        return Connection(lib, nc.value)
    finally:
        lib.natsOptions_Destroy(opts)
