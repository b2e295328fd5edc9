// Package natsgo calls the cnats C API (libnats, here rnats) from Go
// through cgo, using only the standard library. It links the installed
// library through pkg-config (`#cgo pkg-config: libnats`).
//
// Like bindings/python, it is a demonstration of the C library's FFI
// contract, not a Go NATS client (use nats.go for that):
//
//   - each C handle is owned by one Go value and released once, by Close
//     (natsSubscription_Destroy / natsConnection_Destroy);
//   - a received natsMsg is copied into a Go Msg and destroyed at once;
//   - Go memory passed to C (payloads) is only borrowed for the call, as
//     the C API copies what it keeps; C strings we allocate are freed;
//   - a status other than NATS_OK becomes *Error with the status and the
//     thread's last-error text. cgo runs each call on the goroutine's
//     current OS thread, and the text is read in the same C call sequence,
//     so the text belongs to the failing call.
package natsgo

/*
#cgo pkg-config: libnats
#include <nats/nats.h>
#include <stdlib.h>

// The last error of this thread, read right after a failed call in the
// same cgo call, so the goroutine cannot have moved to another thread.
static natsStatus natsgo_lastErr(natsStatus s, const char **text) {
    natsStatus last = NATS_OK;
    *text = NULL;
    if (s != NATS_OK) {
        const char *t = nats_GetLastError(&last);
        if (last == s)
            *text = t;
    }
    return s;
}

static natsStatus natsgo_connect(natsConnection **nc, const char *url, const char *name, int64_t timeout, const char **err) {
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK && name != NULL) s = natsOptions_SetName(opts, name);
    if (s == NATS_OK && timeout > 0) s = natsOptions_SetTimeout(opts, timeout);
    if (s == NATS_OK) s = natsConnection_Connect(nc, opts);
    natsgo_lastErr(s, err);
    natsOptions_Destroy(opts);
    return s;
}

static natsStatus natsgo_publish(natsConnection *nc, const char *subj, const void *data, int n, const char **err) {
    return natsgo_lastErr(natsConnection_Publish(nc, subj, data, n), err);
}

static natsStatus natsgo_subscribeSync(natsSubscription **sub, natsConnection *nc, const char *subj, const char **err) {
    return natsgo_lastErr(natsConnection_SubscribeSync(sub, nc, subj), err);
}

static natsStatus natsgo_nextMsg(natsMsg **m, natsSubscription *sub, int64_t timeout, const char **err) {
    return natsgo_lastErr(natsSubscription_NextMsg(m, sub, timeout), err);
}

static natsStatus natsgo_request(natsMsg **m, natsConnection *nc, const char *subj, const void *data, int n, int64_t timeout, const char **err) {
    return natsgo_lastErr(natsConnection_Request(m, nc, subj, data, n, timeout), err);
}

static natsStatus natsgo_flush(natsConnection *nc, int64_t timeout, const char **err) {
    return natsgo_lastErr(natsConnection_FlushTimeout(nc, timeout), err);
}
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Status is a natsStatus value.
type Status int

// A few statuses, with cnats' values (the constants come from the header).
const (
	OK                  Status = C.NATS_OK
	ConnectionClosed    Status = C.NATS_CONNECTION_CLOSED
	NoServer            Status = C.NATS_NO_SERVER
	InvalidSubject      Status = C.NATS_INVALID_SUBJECT
	InvalidArg          Status = C.NATS_INVALID_ARG
	InvalidSubscription Status = C.NATS_INVALID_SUBSCRIPTION
	Timeout             Status = C.NATS_TIMEOUT
	NoResponders        Status = C.NATS_NO_RESPONDERS
)

// String is natsStatus_GetText.
func (s Status) String() string { return C.GoString(C.natsStatus_GetText(C.natsStatus(s))) }

// Error is a failed call: its status and the library's description.
type Error struct {
	Call   string
	Status Status
	Text   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (status %d)", e.Call, e.Text, int(e.Status))
}

func check(call string, s C.natsStatus, text *C.char) error {
	if s == C.NATS_OK {
		return nil
	}
	t := Status(s).String()
	if text != nil {
		t = C.GoString(text)
	}
	return &Error{Call: call, Status: Status(s), Text: t}
}

// Version is nats_GetVersion of the linked library.
func Version() string { return C.GoString(C.nats_GetVersion()) }

func millis(d time.Duration) C.int64_t { return C.int64_t(d / time.Millisecond) }

// payload borrows a Go slice for the duration of one C call.
func payload(data []byte) (unsafe.Pointer, C.int) {
	if len(data) == 0 {
		return nil, 0
	}
	return unsafe.Pointer(&data[0]), C.int(len(data))
}

// Msg is a received message, copied out of the C natsMsg.
type Msg struct {
	Subject string
	Reply   string
	Data    []byte
}

// takeMsg copies a natsMsg the caller owns and destroys it.
func takeMsg(m *C.natsMsg) *Msg {
	defer C.natsMsg_Destroy(m)
	out := &Msg{Subject: C.GoString(C.natsMsg_GetSubject(m))}
	if r := C.natsMsg_GetReply(m); r != nil {
		out.Reply = C.GoString(r)
	}
	out.Data = C.GoBytes(unsafe.Pointer(C.natsMsg_GetData(m)), C.natsMsg_GetDataLength(m))
	return out
}

// Conn owns a natsConnection.
type Conn struct{ nc *C.natsConnection }

// Connect connects to url (natsOptions + natsConnection_Connect).
func Connect(url, name string, timeout time.Duration) (*Conn, error) {
	curl := C.CString(url)
	defer C.free(unsafe.Pointer(curl))
	var cname *C.char
	if name != "" {
		cname = C.CString(name)
		defer C.free(unsafe.Pointer(cname))
	}
	var nc *C.natsConnection
	var text *C.char
	s := C.natsgo_connect(&nc, curl, cname, millis(timeout), &text)
	if err := check("natsConnection_Connect", s, text); err != nil {
		return nil, err
	}
	return &Conn{nc: nc}, nil
}

// Publish is natsConnection_Publish.
func (c *Conn) Publish(subject string, data []byte) error {
	cs := C.CString(subject)
	defer C.free(unsafe.Pointer(cs))
	p, n := payload(data)
	var text *C.char
	return check("natsConnection_Publish", C.natsgo_publish(c.nc, cs, p, n, &text), text)
}

// Request is natsConnection_Request.
func (c *Conn) Request(subject string, data []byte, timeout time.Duration) (*Msg, error) {
	cs := C.CString(subject)
	defer C.free(unsafe.Pointer(cs))
	p, n := payload(data)
	var m *C.natsMsg
	var text *C.char
	if err := check("natsConnection_Request", C.natsgo_request(&m, c.nc, cs, p, n, millis(timeout), &text), text); err != nil {
		return nil, err
	}
	return takeMsg(m), nil
}

// Flush is natsConnection_FlushTimeout.
func (c *Conn) Flush(timeout time.Duration) error {
	var text *C.char
	return check("natsConnection_FlushTimeout", C.natsgo_flush(c.nc, millis(timeout), &text), text)
}

// SubscribeSync is natsConnection_SubscribeSync.
func (c *Conn) SubscribeSync(subject string) (*Subscription, error) {
	cs := C.CString(subject)
	defer C.free(unsafe.Pointer(cs))
	var sub *C.natsSubscription
	var text *C.char
	if err := check("natsConnection_SubscribeSync", C.natsgo_subscribeSync(&sub, c.nc, cs, &text), text); err != nil {
		return nil, err
	}
	return &Subscription{sub: sub}, nil
}

// IsClosed is natsConnection_IsClosed.
func (c *Conn) IsClosed() bool { return bool(C.natsConnection_IsClosed(c.nc)) }

// Close closes the connection; the handle stays usable (calls then fail
// with ConnectionClosed), as in C. Destroy releases it.
func (c *Conn) Close() { C.natsConnection_Close(c.nc) }

// Destroy closes and releases the connection (natsConnection_Destroy).
// The Conn must not be used afterwards.
func (c *Conn) Destroy() {
	if c.nc != nil {
		C.natsConnection_Destroy(c.nc)
		c.nc = nil
	}
}

// Subscription owns a natsSubscription.
type Subscription struct{ sub *C.natsSubscription }

// NextMsg is natsSubscription_NextMsg; an *Error with Status Timeout when
// nothing arrived in time.
func (s *Subscription) NextMsg(timeout time.Duration) (*Msg, error) {
	var m *C.natsMsg
	var text *C.char
	if err := check("natsSubscription_NextMsg", C.natsgo_nextMsg(&m, s.sub, millis(timeout), &text), text); err != nil {
		return nil, err
	}
	return takeMsg(m), nil
}

// Close unsubscribes (if still valid) and releases the subscription.
func (s *Subscription) Close() {
	if s.sub != nil {
		if C.natsSubscription_IsValid(s.sub) {
			C.natsSubscription_Unsubscribe(s.sub)
		}
		C.natsSubscription_Destroy(s.sub)
		s.sub = nil
	}
}
