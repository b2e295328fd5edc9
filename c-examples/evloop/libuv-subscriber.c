/*
 * libuv-subscriber: receives -count messages on -subj with the connection
 * driven by a libuv loop (rnats' <nats/adapters/libuv.h>): no reader
 * thread, the loop reads the socket. The message callback runs on the
 * library's delivery thread; when the last message is in, it wakes the
 * loop, which closes the connection; the loop then has nothing left and
 * uv_run returns.
 *
 *   libuv-subscriber [-s URL[,URL...]] [-subj foo] [-count 10] [-wait 0]
 */
/* POSIX (threads, uv.h's types) before any system header. */
#define _POSIX_C_SOURCE 200809L

#include "../common.h"

#include <nats/adapters/libuv.h>

static uv_loop_t loop;
static uv_async_t done;       /* wakes the loop when all messages are in */
static uv_timer_t give_up;    /* -wait */
static uv_work_t ready;       /* flush off the loop's thread, then "Listening" */
static natsConnection *conn;
static natsSubscription *sub;
static exArgs args;
static int received;
static int timed_out;
static int finished;

static void
on_msg(natsConnection *nc, natsSubscription *s, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) s;
    (void) closure;
    printf("Received on '%s': '%.*s'\n", natsMsg_GetSubject(msg), natsMsg_GetDataLength(msg),
           natsMsg_GetData(msg));
    fflush(stdout);
    natsMsg_Destroy(msg);
    /* One delivery thread per subscription: no other callback runs now. */
    if (++received == args.count && !finished)
        uv_async_send(&done);
}

/* On the loop's thread: everything is closed there, then the handles. */
static void
finish(void)
{
    if (finished)
        return;
    finished = 1;
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(conn);
    uv_close((uv_handle_t *) &done, NULL);
    if (args.waitSecs > 0)
        uv_close((uv_handle_t *) &give_up, NULL);
}

static void
on_done(uv_async_t *a)
{
    (void) a;
    finish();
}

static void
on_give_up(uv_timer_t *t)
{
    (void) t;
    fprintf(stderr, "Timed out after %d of %d message(s)\n", received, args.count);
    timed_out = 1;
    finish();
}

/* A libuv worker thread: the loop must run for the PONG to be read. */
static void
flush_work(uv_work_t *w)
{
    natsStatus *s = (natsStatus *) w->data;
    *s = natsConnection_FlushTimeout(conn, 10000);
}

static void
flush_done(uv_work_t *w, int status)
{
    natsStatus *s = (natsStatus *) w->data;
    (void) status;
    if (*s != NATS_OK)
    {
        ex_failed("natsConnection_FlushTimeout", *s);
        timed_out = 1;
        finish();
        return;
    }
    printf("Listening on '%s' for %d message(s) (libuv loop)\n", args.subj, args.count);
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    natsOptions *opts = NULL;
    natsStatus   s;
    static natsStatus flushed;

    args.subj  = "foo";
    args.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_WAIT, &args) != 0)
        return 2;

    natsLibuv_Init();
    if (uv_loop_init(&loop) != 0)
        return 1;
    /* This thread runs the loop (the adapter needs to know). */
    natsLibuv_SetThreadLocalLoop(&loop);

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, args.urls);
    if (s == NATS_OK)
        s = natsOptions_SetEventLoop(opts, (void *) &loop, natsLibuv_Attach, natsLibuv_Read, natsLibuv_Write,
                                     natsLibuv_Detach);
    if (s == NATS_OK)
        s = natsConnection_Connect(&conn, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK)
    {
        ex_failed("natsConnection_Connect", s);
        return 1;
    }

    s = natsConnection_Subscribe(&sub, conn, args.subj, on_msg, NULL);
    if (s != NATS_OK)
    {
        ex_failed("natsConnection_Subscribe", s);
        natsConnection_Destroy(conn);
        return 1;
    }
    uv_async_init(&loop, &done, on_done);
    if (args.waitSecs > 0)
    {
        uv_timer_init(&loop, &give_up);
        uv_timer_start(&give_up, on_give_up, (uint64_t) args.waitSecs * 1000, 0);
    }
    ready.data = &flushed;
    uv_queue_work(&loop, &ready, flush_work, flush_done);

    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    nats_Close();
    if (!timed_out)
        printf("Received %d message(s)\n", received);
    return timed_out ? 1 : 0;
}
