/* A libevent program built against Debian's cnats with cnats' libevent
 * adapter: pub/sub, request/reply and a server restart through the loop. */
#include "evloop_common.h"

#include <nats/adapters/libevent.h>

/* The loop's only other event: stops it once the connection is closed
 * (cnats' libevent adapter keeps a long timer while attached). */
static struct event_base *base;
static struct timeval every = {0, 20000};

static void check_done(evutil_socket_t fd, short what, void *p)
{
    (void)fd;
    (void)what;
    if (count_get(&counts.closed) > 0)
        event_base_loopbreak(base);
    else
        event_add((struct event *)p, &every);
}

TEST(evloop_libevent)
{
    test_server *srv = test_server_start();
    natsOptions *opts;
    ev_driver_arg arg;
    pthread_t driver;
    struct event *tick;

    natsLibevent_Init();
    base = event_base_new();
    CHECK(base != NULL);
    opts = ev_options(srv->url, base, natsLibevent_Attach, natsLibevent_Read, natsLibevent_Write,
                      natsLibevent_Detach);
    arg.srv = srv;
    arg.nc = NULL;
    CHECK_OK(natsConnection_Connect(&arg.nc, opts));
    natsOptions_Destroy(opts);
    tick = event_new(base, -1, 0, check_done, event_self_cbarg());
    CHECK(tick != NULL);
    CHECK(event_add(tick, &every) == 0);
    CHECK(pthread_create(&driver, NULL, ev_driver, &arg) == 0);
    CHECK(event_base_dispatch(base) >= 0);
    CHECK(pthread_join(driver, NULL) == 0);
    event_free(tick);
    event_base_free(base);
    test_server_stop(arg.srv);
}

static const test_case tests[] = {
    T(evloop_libevent),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("evloop_libevent");
    rc = TEST_MAIN(tests);
    if (rc == 0)
        printf("evloop_libevent: OK\n");
    return rc;
}
