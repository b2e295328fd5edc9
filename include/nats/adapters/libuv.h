/*
 * rnats: connect a NATS connection to a libuv event loop.
 *
 * Header-only adapter with the function names of cnats' <nats/adapters/libuv.h>:
 *
 *     natsLibuv_Init();                       // once, before anything else
 *     natsLibuv_SetThreadLocalLoop(loop);     // on the thread that runs uv_run(loop)
 *     natsOptions_SetEventLoop(opts, (void *) loop, natsLibuv_Attach,
 *                              natsLibuv_Read, natsLibuv_Write, natsLibuv_Detach);
 *     natsConnection_Connect(&nc, opts);      // on the loop's thread
 *
 * libuv is not thread-safe: the library calls these callbacks from the
 * loop's thread and from its own threads (the flusher asks for write
 * events, the reconnect thread re-attaches). A call made off the loop's
 * thread is queued and run on the loop through a uv_async_t, in order;
 * a call on the loop's thread runs at once when nothing is queued.
 *
 * Contract with the library (cnats 3.14): Attach starts polling for reads;
 * Read(false) means the socket is finished with: the poll handle is closed
 * and the socket handed back with natsConnection_ProcessCloseEvent();
 * Detach ends the adapter's state for the connection, and, once libuv has
 * closed its handles, natsConnection_ProcessDetachedEvent() lets the
 * library release the connection.
 *
 * Written for rnats; not derived from cnats' adapter.
 */
#ifndef RNATS_ADAPTERS_LIBUV_H_
#define RNATS_ADAPTERS_LIBUV_H_

/* uv.h needs POSIX types (pthread_rwlock_t, ...) that strict C modes hide:
 * include this header first, or define a feature macro yourself. */
#if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE) && !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdbool.h>
#include <stdlib.h>
#include <uv.h>

#include "../nats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Queued operations. */
enum {
    RNATS_UV_OP_ATTACH = 1,
    RNATS_UV_OP_READ,
    RNATS_UV_OP_WRITE,
    RNATS_UV_OP_DETACH
};

typedef struct rnatsUvOp {
    int kind;
    bool add;
    natsSock sock;
    struct rnatsUvOp *next;
} rnatsUvOp;

/* One connection's state (the `userData` of the callbacks). */
typedef struct {
    natsConnection *nc;
    uv_loop_t *loop;
    uv_poll_t *poll;   /* NULL when not polling a socket */
    uv_async_t *wake;  /* runs the queue on the loop's thread */
    uv_mutex_t qlock;
    rnatsUvOp *qhead;
    rnatsUvOp *qtail;
    natsSock sock;
    int events;        /* UV_READABLE | UV_WRITABLE being polled */
    bool detaching;
} rnatsUvConn;

static uv_once_t rnatsUvOnce = UV_ONCE_INIT;
static uv_key_t rnatsUvLoopKey;

static inline void rnatsUv_makeKey(void)
{
    if (uv_key_create(&rnatsUvLoopKey) != 0)
        abort();
}

/* Initializes the adapter; call once before using it. */
static inline void natsLibuv_Init(void)
{
    uv_once(&rnatsUvOnce, rnatsUv_makeKey);
}

/* Tells the adapter that the calling thread runs `loop`. */
static inline void natsLibuv_SetThreadLocalLoop(uv_loop_t *loop)
{
    uv_key_set(&rnatsUvLoopKey, (void *)loop);
}

static inline bool rnatsUv_onLoop(uv_loop_t *loop)
{
    return uv_key_get(&rnatsUvLoopKey) == (void *)loop;
}

static inline void rnatsUv_pollCb(uv_poll_t *h, int status, int events)
{
    rnatsUvConn *c = (rnatsUvConn *)h->data;
    natsConnection *nc = c->nc;

    /* An error on the socket: a read shows it to the library. */
    if (status < 0 || (events & UV_READABLE))
        natsConnection_ProcessReadEvent(nc);
    /* The read may have stopped polling (c->poll changed). */
    if (status == 0 && (events & UV_WRITABLE) && c->poll == h)
        natsConnection_ProcessWriteEvent(nc);
}

static inline void rnatsUv_freeHandle(uv_handle_t *h)
{
    free(h);
}

/* Stops polling, closes the poll handle and gives the socket back. */
static inline void rnatsUv_stopPolling(rnatsUvConn *c)
{
    if (c->poll != NULL) {
        uv_close((uv_handle_t *)c->poll, rnatsUv_freeHandle);
        c->poll = NULL;
    }
    c->events = 0;
    natsConnection_ProcessCloseEvent(&c->sock);
}

static inline natsStatus rnatsUv_doAttach(rnatsUvConn *c, natsSock sock)
{
    if (c->poll != NULL)
        rnatsUv_stopPolling(c);
    c->sock = sock;
    c->poll = (uv_poll_t *)malloc(sizeof(uv_poll_t));
    if (c->poll == NULL)
        return NATS_NO_MEMORY;
    if (uv_poll_init_socket(c->loop, c->poll, sock) != 0) {
        free(c->poll);
        c->poll = NULL;
        return NATS_ERR;
    }
    c->poll->data = c;
    c->events = UV_READABLE;
    if (uv_poll_start(c->poll, c->events, rnatsUv_pollCb) != 0)
        return NATS_ERR;
    return NATS_OK;
}

static inline natsStatus rnatsUv_doInterest(rnatsUvConn *c, int flag, bool add)
{
    if (c->poll == NULL)
        return NATS_OK;
    if (flag == UV_READABLE && !add) {
        rnatsUv_stopPolling(c);
        return NATS_OK;
    }
    if (add)
        c->events |= flag;
    else
        c->events &= ~flag;
    if (c->events == 0)
        return uv_poll_stop(c->poll) == 0 ? NATS_OK : NATS_ERR;
    return uv_poll_start(c->poll, c->events, rnatsUv_pollCb) == 0 ? NATS_OK : NATS_ERR;
}

static inline void rnatsUv_freeConn(rnatsUvConn *c, bool tell)
{
    natsConnection *nc = c->nc;
    rnatsUvOp *op;

    while ((op = c->qhead) != NULL) {
        c->qhead = op->next;
        free(op);
    }
    uv_mutex_destroy(&c->qlock);
    free(c->wake);
    free(c);
    if (tell)
        natsConnection_ProcessDetachedEvent(nc);
}

static inline void rnatsUv_wakeClosed(uv_handle_t *h)
{
    rnatsUv_freeConn((rnatsUvConn *)h->data, true);
}

/* After a failed first attach: nothing to tell the library. */
static inline void rnatsUv_wakeClosedQuietly(uv_handle_t *h)
{
    rnatsUv_freeConn((rnatsUvConn *)h->data, false);
}

static inline void rnatsUv_doDetach(rnatsUvConn *c)
{
    if (c->poll != NULL)
        rnatsUv_stopPolling(c);
    c->detaching = true;
    uv_close((uv_handle_t *)c->wake, rnatsUv_wakeClosed);
}

static inline natsStatus rnatsUv_run(rnatsUvConn *c, const rnatsUvOp *op)
{
    switch (op->kind) {
    case RNATS_UV_OP_ATTACH:
        return rnatsUv_doAttach(c, op->sock);
    case RNATS_UV_OP_READ:
        return rnatsUv_doInterest(c, UV_READABLE, op->add);
    case RNATS_UV_OP_WRITE:
        return rnatsUv_doInterest(c, UV_WRITABLE, op->add);
    case RNATS_UV_OP_DETACH:
        rnatsUv_doDetach(c);
        return NATS_OK;
    }
    return NATS_ERR;
}

/* On the loop's thread: runs what other threads queued, in order. */
static inline void rnatsUv_wakeCb(uv_async_t *a)
{
    rnatsUvConn *c = (rnatsUvConn *)a->data;
    natsStatus s = NATS_OK;

    while (!c->detaching) {
        rnatsUvOp *op;

        uv_mutex_lock(&c->qlock);
        op = c->qhead;
        if (op != NULL) {
            c->qhead = op->next;
            if (c->qhead == NULL)
                c->qtail = NULL;
        }
        uv_mutex_unlock(&c->qlock);
        if (op == NULL)
            break;
        s = rnatsUv_run(c, op);
        free(op);
        if (s != NATS_OK) {
            /* The loop cannot serve this connection any more. */
            natsConnection_Close(c->nc);
            break;
        }
    }
}

static inline natsStatus rnatsUv_enqueue(rnatsUvConn *c, int kind, bool add, natsSock sock)
{
    rnatsUvOp *op = (rnatsUvOp *)calloc(1, sizeof(*op));

    if (op == NULL)
        return NATS_NO_MEMORY;
    op->kind = kind;
    op->add = add;
    op->sock = sock;
    uv_mutex_lock(&c->qlock);
    if (c->qtail != NULL)
        c->qtail->next = op;
    else
        c->qhead = op;
    c->qtail = op;
    uv_mutex_unlock(&c->qlock);
    return uv_async_send(c->wake) == 0 ? NATS_OK : NATS_ERR;
}

/* Runs `kind` now when on the loop's thread with nothing queued before
 * it, else queues it for the loop. */
static inline natsStatus rnatsUv_submit(rnatsUvConn *c, int kind, bool add, natsSock sock)
{
    bool queued;
    rnatsUvOp op;

    if (rnatsUv_onLoop(c->loop)) {
        uv_mutex_lock(&c->qlock);
        queued = c->qhead != NULL;
        uv_mutex_unlock(&c->qlock);
        if (!queued) {
            op.kind = kind;
            op.add = add;
            op.sock = sock;
            op.next = NULL;
            return rnatsUv_run(c, &op);
        }
    }
    return rnatsUv_enqueue(c, kind, add, sock);
}

/* natsEvLoop_Attach: the first call must be made on the loop's thread
 * (natsConnection_Connect there); later ones (reconnects) may come from
 * any thread. */
static inline natsStatus natsLibuv_Attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    rnatsUvConn *c = (rnatsUvConn *)*userData;

    if (c == NULL) {
        natsStatus s;

        if (!rnatsUv_onLoop((uv_loop_t *)loop))
            return NATS_ILLEGAL_STATE;
        c = (rnatsUvConn *)calloc(1, sizeof(*c));
        if (c == NULL)
            return NATS_NO_MEMORY;
        c->wake = (uv_async_t *)malloc(sizeof(uv_async_t));
        if (c->wake == NULL || uv_mutex_init(&c->qlock) != 0) {
            free(c->wake);
            free(c);
            return NATS_NO_MEMORY;
        }
        if (uv_async_init((uv_loop_t *)loop, c->wake, rnatsUv_wakeCb) != 0) {
            uv_mutex_destroy(&c->qlock);
            free(c->wake);
            free(c);
            return NATS_ERR;
        }
        c->wake->data = c;
        c->nc = nc;
        c->loop = (uv_loop_t *)loop;
        c->sock = (natsSock)-1;
        s = rnatsUv_doAttach(c, socket);
        if (s != NATS_OK) {
            if (c->poll != NULL) {
                uv_close((uv_handle_t *)c->poll, rnatsUv_freeHandle);
                c->poll = NULL;
            }
            /* The socket stays the library's: the connect fails. */
            uv_close((uv_handle_t *)c->wake, rnatsUv_wakeClosedQuietly);
            return s;
        }
        *userData = c;
        return NATS_OK;
    }
    return rnatsUv_submit(c, RNATS_UV_OP_ATTACH, true, socket);
}

/* natsEvLoop_ReadAddRemove. */
static inline natsStatus natsLibuv_Read(void *userData, bool add)
{
    return rnatsUv_submit((rnatsUvConn *)userData, RNATS_UV_OP_READ, add, 0);
}

/* natsEvLoop_WriteAddRemove. */
static inline natsStatus natsLibuv_Write(void *userData, bool add)
{
    return rnatsUv_submit((rnatsUvConn *)userData, RNATS_UV_OP_WRITE, add, 0);
}

/* natsEvLoop_Detach. */
static inline natsStatus natsLibuv_Detach(void *userData)
{
    return rnatsUv_submit((rnatsUvConn *)userData, RNATS_UV_OP_DETACH, true, 0);
}

#ifdef __cplusplus
}
#endif

#endif /* RNATS_ADAPTERS_LIBUV_H_ */
