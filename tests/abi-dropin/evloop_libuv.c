/* A libuv program built against Debian's cnats with cnats' libuv adapter:
 * pub/sub, request/reply and a server restart through the loop. */
#include "evloop_common.h"

#include <nats/adapters/libuv.h>

TEST(evloop_libuv)
{
    test_server *srv = test_server_start();
    uv_loop_t loop;
    natsOptions *opts;
    ev_driver_arg arg;
    pthread_t driver;

    natsLibuv_Init();
    CHECK(uv_loop_init(&loop) == 0);
    natsLibuv_SetThreadLocalLoop(&loop);
    opts = ev_options(srv->url, &loop, natsLibuv_Attach, natsLibuv_Read, natsLibuv_Write, natsLibuv_Detach);
    arg.srv = srv;
    arg.nc = NULL;
    /* On the loop's thread, as the adapter requires. */
    CHECK_OK(natsConnection_Connect(&arg.nc, opts));
    natsOptions_Destroy(opts);
    CHECK(pthread_create(&driver, NULL, ev_driver, &arg) == 0);
    /* Returns once the adapter has closed its handles (after the destroy). */
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(pthread_join(driver, NULL) == 0);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    test_server_stop(arg.srv);
}

static const test_case tests[] = {
    T(evloop_libuv),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("evloop_libuv");
    rc = TEST_MAIN(tests);
    if (rc == 0)
        printf("evloop_libuv: OK\n");
    return rc;
}
