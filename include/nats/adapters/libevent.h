/*
 * rnats: connect a NATS connection to a libevent event loop.
 *
 * Header-only adapter with the function names of cnats' <nats/adapters/libevent.h>:
 *
 *     natsLibevent_Init();                    // once: libevent's pthreads support
 *     natsOptions_SetEventLoop(opts, (void *) base, natsLibevent_Attach,
 *                              natsLibevent_Read, natsLibevent_Write, natsLibevent_Detach);
 *     natsConnection_Connect(&nc, opts);
 *     event_base_dispatch(base);
 *
 * The library calls these callbacks from the loop's thread and from its
 * own threads; libevent with threading enabled (natsLibevent_Init, before
 * the event base is created) accepts that. Event removals never wait for
 * a running callback (event_del_noblock).
 *
 * Contract with the library (cnats 3.14): Attach starts polling for reads;
 * Read(false) means the socket is finished with: it is handed back with
 * natsConnection_ProcessCloseEvent() from the loop's thread; Detach ends
 * the adapter's state, and natsConnection_ProcessDetachedEvent() (from the
 * loop's thread) lets the library release the connection. While attached,
 * a long timer keeps event_base_dispatch() running between sockets
 * (reconnects).
 *
 * Written for rnats; not derived from cnats' adapter.
 */
#ifndef RNATS_ADAPTERS_LIBEVENT_H_
#define RNATS_ADAPTERS_LIBEVENT_H_

#include <stdbool.h>
#include <stdlib.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "../nats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One connection's state (the `userData` of the callbacks). */
typedef struct {
    natsConnection *nc;
    struct event_base *base;
    struct event *rd;    /* read and write events of the current socket */
    struct event *wr;
    struct event *hold;  /* keeps the loop running while attached */
} rnatsEvConn;

/* A finished socket and its events: freed, and the socket handed back to
 * the library, on the loop's thread. */
typedef struct {
    natsSock sock;
    struct event *rd;
    struct event *wr;
} rnatsEvClosing;

/* Enables libevent's thread support; call once, before creating the
 * event base. */
static inline void natsLibevent_Init(void)
{
    evthread_use_pthreads();
}

static inline void rnatsEv_ready(evutil_socket_t fd, short what, void *arg)
{
    rnatsEvConn *c = (rnatsEvConn *)arg;

    (void)fd;
    if (what & EV_READ)
        natsConnection_ProcessReadEvent(c->nc);
    if (what & EV_WRITE)
        natsConnection_ProcessWriteEvent(c->nc);
}

static inline void rnatsEv_holdCb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

static inline void rnatsEv_closeCb(evutil_socket_t fd, short what, void *arg)
{
    rnatsEvClosing *cl = (rnatsEvClosing *)arg;

    (void)fd;
    (void)what;
    event_free(cl->rd);
    event_free(cl->wr);
    natsConnection_ProcessCloseEvent(&cl->sock);
    free(cl);
}

static inline void rnatsEv_dropEvents(rnatsEvConn *c)
{
    if (c->rd != NULL) {
        event_del_noblock(c->rd);
        event_free(c->rd);
        c->rd = NULL;
    }
    if (c->wr != NULL) {
        event_del_noblock(c->wr);
        event_free(c->wr);
        c->wr = NULL;
    }
}

static inline void rnatsEv_freeConn(rnatsEvConn *c)
{
    rnatsEv_dropEvents(c);
    if (c->hold != NULL) {
        event_del_noblock(c->hold);
        event_free(c->hold);
    }
    free(c);
}

static inline void rnatsEv_detachCb(evutil_socket_t fd, short what, void *arg)
{
    rnatsEvConn *c = (rnatsEvConn *)arg;
    natsConnection *nc = c->nc;

    (void)fd;
    (void)what;
    rnatsEv_freeConn(c);
    natsConnection_ProcessDetachedEvent(nc);
}

/* natsEvLoop_Attach: after each connect and reconnect. */
static inline natsStatus natsLibevent_Attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    rnatsEvConn *c = (rnatsEvConn *)*userData;
    bool fresh = false;

    if (c == NULL) {
        struct timeval far = {86400 * 365, 0};

        c = (rnatsEvConn *)calloc(1, sizeof(*c));
        if (c == NULL)
            return NATS_NO_MEMORY;
        fresh = true;
        c->nc = nc;
        c->base = (struct event_base *)loop;
        c->hold = event_new(c->base, -1, EV_PERSIST, rnatsEv_holdCb, NULL);
        if (c->hold == NULL || event_add(c->hold, &far) != 0) {
            rnatsEv_freeConn(c);
            return NATS_ERR;
        }
    }
    c->rd = event_new(c->base, socket, EV_READ | EV_PERSIST, rnatsEv_ready, c);
    c->wr = event_new(c->base, socket, EV_WRITE | EV_PERSIST, rnatsEv_ready, c);
    if (c->rd == NULL || c->wr == NULL || event_add(c->rd, NULL) != 0) {
        if (fresh)
            rnatsEv_freeConn(c);
        else
            rnatsEv_dropEvents(c);
        return NATS_ERR;
    }
    *userData = c;
    return NATS_OK;
}

/* natsEvLoop_ReadAddRemove: removing read interest ends the socket. */
static inline natsStatus natsLibevent_Read(void *userData, bool add)
{
    rnatsEvConn *c = (rnatsEvConn *)userData;
    rnatsEvClosing *cl;

    if (c->rd == NULL)
        return NATS_OK;
    if (add)
        return event_add(c->rd, NULL) == 0 ? NATS_OK : NATS_ERR;
    cl = (rnatsEvClosing *)malloc(sizeof(*cl));
    if (cl == NULL)
        return NATS_NO_MEMORY;
    event_del_noblock(c->rd);
    event_del_noblock(c->wr);
    cl->sock = (natsSock)event_get_fd(c->rd);
    cl->rd = c->rd;
    cl->wr = c->wr;
    c->rd = NULL;
    c->wr = NULL;
    /* Freed and closed from the loop's thread, once no longer polled. */
    if (event_base_once(c->base, -1, EV_TIMEOUT, rnatsEv_closeCb, cl, NULL) != 0) {
        free(cl);
        return NATS_ERR;
    }
    return NATS_OK;
}

/* natsEvLoop_WriteAddRemove. */
static inline natsStatus natsLibevent_Write(void *userData, bool add)
{
    rnatsEvConn *c = (rnatsEvConn *)userData;
    int r;

    if (c->wr == NULL)
        return NATS_OK;
    r = add ? event_add(c->wr, NULL) : event_del_noblock(c->wr);
    return r == 0 ? NATS_OK : NATS_ERR;
}

/* natsEvLoop_Detach: the state goes (on the loop's thread). */
static inline natsStatus natsLibevent_Detach(void *userData)
{
    rnatsEvConn *c = (rnatsEvConn *)userData;

    return event_base_once(c->base, -1, EV_TIMEOUT, rnatsEv_detachCb, c, NULL) == 0 ? NATS_OK : NATS_ERR;
}

#ifdef __cplusplus
}
#endif

#endif /* RNATS_ADAPTERS_LIBEVENT_H_ */
