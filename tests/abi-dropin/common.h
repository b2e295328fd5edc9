/*
 * Shared bits of the ABI drop-in programs. These programs are compiled
 * against Debian's cnats headers (/usr/include/nats) and linked with
 * Debian's libnats.so; run.sh then runs them unchanged with rnats'
 * library in place of Debian's.
 *
 * Every program prints "library <version>" (nats_GetVersion, i.e. the
 * library actually loaded) and ends with "<program>: OK".
 */
#ifndef ABI_DROPIN_COMMON_H_
#define ABI_DROPIN_COMMON_H_

#include "../c/test.h" /* assertions + private nats-server */

#include <nats/nats.h>

static inline void dropin_banner(const char *prog)
{
    printf("%s: library %s (compiled against headers %s)\n", prog, nats_GetVersion(), NATS_VERSION_STRING);
    fflush(stdout);
}

static inline natsConnection *dropin_connect(const char *url, const char *name)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetName(opts, name));
    CHECK_OK(natsOptions_SetTimeout(opts, 10000));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 5));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

#endif
