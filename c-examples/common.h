/*
 * Shared helpers for the rnats C example programs.
 *
 * Every example accepts the same small set of command line flags:
 *
 *   -s URL[,URL...]  server(s) to connect to (default nats://127.0.0.1:4222)
 *   -subj SUBJECT    subject to use (each example has its own default)
 *   -count N         how many messages / requests (example-specific default)
 *   -txt TEXT        payload text
 *   -q QUEUE         queue group name (queuegroup only)
 *   -n MEMBERS       number of queue members (queuegroup only)
 *   -sync            use a synchronous subscription (subscriber only)
 *   -wait SECONDS    give up after this long waiting for messages (0: never)
 *   -timeout MS      request / next-message timeout in milliseconds
 *
 * The helpers are `static inline` so that an example which does not use one
 * of them still compiles cleanly with -Wall -Wextra -Werror.
 */
#ifndef RNATS_EXAMPLES_COMMON_H
#define RNATS_EXAMPLES_COMMON_H

#include <nats/nats.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_DEFAULT_URL "nats://127.0.0.1:4222"
#define EX_MAX_SERVERS 16

typedef struct
{
    const char *urls;    /* comma-separated server list as given */
    const char *subj;
    const char *txt;
    const char *queue;
    int         count;
    int         members;
    int         sync;
    int64_t     waitSecs;
    int64_t     timeoutMs;
} exArgs;

/* Which flags a program understands, so that unknown flags are rejected. */
enum
{
    EX_OPT_COUNT   = 1 << 0,
    EX_OPT_TXT     = 1 << 1,
    EX_OPT_QUEUE   = 1 << 2,
    EX_OPT_MEMBERS = 1 << 3,
    EX_OPT_SYNC    = 1 << 4,
    EX_OPT_WAIT    = 1 << 5,
    EX_OPT_TIMEOUT = 1 << 6,
};

static inline void
ex_usage(const char *prog, int accepted)
{
    fprintf(stderr, "usage: %s [-s URL[,URL...]] [-subj SUBJECT]", prog);
    if (accepted & EX_OPT_COUNT)
        fprintf(stderr, " [-count N]");
    if (accepted & EX_OPT_TXT)
        fprintf(stderr, " [-txt TEXT]");
    if (accepted & EX_OPT_QUEUE)
        fprintf(stderr, " [-q QUEUE]");
    if (accepted & EX_OPT_MEMBERS)
        fprintf(stderr, " [-n MEMBERS]");
    if (accepted & EX_OPT_SYNC)
        fprintf(stderr, " [-sync]");
    if (accepted & EX_OPT_WAIT)
        fprintf(stderr, " [-wait SECONDS]");
    if (accepted & EX_OPT_TIMEOUT)
        fprintf(stderr, " [-timeout MS]");
    fprintf(stderr, "\n");
}

/* Parses a non-negative decimal number; returns 0 on success. */
static inline int
ex_number(const char *text, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;

    if ((text == NULL) || (*text == '\0'))
        return -1;
    v = strtoll(text, &end, 10);
    if ((*end != '\0') || (v < 0) || (v > max))
        return -1;
    *out = (int64_t) v;
    return 0;
}

/*
 * Fills `a` from the command line. `a` must hold the program's defaults on
 * entry. Returns 0 on success; prints the usage and returns -1 otherwise.
 */
static inline int
ex_parse(int argc, char **argv, int accepted, exArgs *a)
{
    int i;

    if (a->urls == NULL)
        a->urls = EX_DEFAULT_URL;

    for (i = 1; i < argc; i++)
    {
        const char *flag  = argv[i];
        const char *value = (i + 1 < argc) ? argv[i + 1] : NULL;
        int64_t     n     = 0;
        int         takes = 1;

        if (strcmp(flag, "-s") == 0)
            a->urls = value;
        else if (strcmp(flag, "-subj") == 0)
            a->subj = value;
        else if ((accepted & EX_OPT_TXT) && (strcmp(flag, "-txt") == 0))
            a->txt = value;
        else if ((accepted & EX_OPT_QUEUE) && (strcmp(flag, "-q") == 0))
            a->queue = value;
        else if ((accepted & EX_OPT_COUNT) && (strcmp(flag, "-count") == 0))
        {
            if (ex_number(value, 1000000000, &n) != 0 || n == 0)
                goto bad;
            a->count = (int) n;
        }
        else if ((accepted & EX_OPT_MEMBERS) && (strcmp(flag, "-n") == 0))
        {
            if (ex_number(value, 64, &n) != 0 || n == 0)
                goto bad;
            a->members = (int) n;
        }
        else if ((accepted & EX_OPT_WAIT) && (strcmp(flag, "-wait") == 0))
        {
            if (ex_number(value, 86400, &n) != 0)
                goto bad;
            a->waitSecs = n;
        }
        else if ((accepted & EX_OPT_TIMEOUT) && (strcmp(flag, "-timeout") == 0))
        {
            if (ex_number(value, 3600000, &n) != 0 || n == 0)
                goto bad;
            a->timeoutMs = n;
        }
        else if ((accepted & EX_OPT_SYNC) && (strcmp(flag, "-sync") == 0))
        {
            a->sync = 1;
            takes = 0;
        }
        else
        {
            fprintf(stderr, "%s: unknown option '%s'\n", argv[0], flag);
            ex_usage(argv[0], accepted);
            return -1;
        }

        if (takes)
        {
            if (value == NULL)
                goto bad;
            i++;
        }
        continue;

    bad:
        fprintf(stderr, "%s: missing or bad value for '%s'\n", argv[0], flag);
        ex_usage(argv[0], accepted);
        return -1;
    }
    if ((a->urls == NULL) || (a->subj == NULL) || (*a->subj == '\0'))
    {
        ex_usage(argv[0], accepted);
        return -1;
    }
    return 0;
}

/*
 * Reports a failed call: what was attempted, the status text and the
 * library's description of the thread's last error. Returns `s` so that it
 * can be used as `return ex_failed("...", s);`.
 */
static inline natsStatus
ex_failed(const char *what, natsStatus s)
{
    natsStatus  last = NATS_OK;
    const char *text = nats_GetLastError(&last);

    fprintf(stderr, "Error: %s failed: %s (%d)", what, natsStatus_GetText(s), (int) s);
    if (text != NULL)
        fprintf(stderr, ": %s", text);
    fprintf(stderr, "\n");
    return s;
}

/*
 * Builds options pointing at the comma-separated server list `urls` (up to
 * EX_MAX_SERVERS entries) and connects. On success `*nc` receives the
 * connection; the options are always destroyed before returning.
 */
static inline natsStatus
ex_connect(natsConnection **nc, const char *urls, const char *name)
{
    natsOptions *opts = NULL;
    const char  *servers[EX_MAX_SERVERS];
    char        *copy = NULL;
    char        *tok  = NULL;
    char        *rest = NULL;
    int          n    = 0;
    natsStatus   s;

    copy = (char *) malloc(strlen(urls) + 1);
    if (copy == NULL)
        return NATS_NO_MEMORY;
    strcpy(copy, urls);

    /* Split on commas by hand (strtok_r is not C99). */
    for (tok = copy; (tok != NULL) && (n < EX_MAX_SERVERS); tok = rest)
    {
        rest = strchr(tok, ',');
        if (rest != NULL)
            *rest++ = '\0';
        while (*tok == ' ')
            tok++;
        if (*tok != '\0')
            servers[n++] = tok;
    }
    if (n == 0)
    {
        free(copy);
        fprintf(stderr, "Error: no server URL given\n");
        return NATS_ADDRESS_MISSING;
    }

    s = natsOptions_Create(&opts);
    if (s != NATS_OK)
        ex_failed("natsOptions_Create", s);
    if (s == NATS_OK)
    {
        s = natsOptions_SetServers(opts, servers, n);
        if (s != NATS_OK)
            ex_failed("natsOptions_SetServers", s);
    }
    if ((s == NATS_OK) && (name != NULL))
    {
        s = natsOptions_SetName(opts, name);
        if (s != NATS_OK)
            ex_failed("natsOptions_SetName", s);
    }
    if (s == NATS_OK)
    {
        s = natsConnection_Connect(nc, opts);
        if (s != NATS_OK)
            ex_failed("natsConnection_Connect", s);
    }
    if (s == NATS_OK)
    {
        char url[256];

        if (natsConnection_GetConnectedUrl(*nc, url, sizeof(url)) == NATS_OK)
            printf("Connected to %s\n", url);
    }

    natsOptions_Destroy(opts);
    free(copy);
    return s;
}

/* Prints the connection's traffic counters; returns the status. */
static inline natsStatus
ex_print_stats(natsConnection *nc)
{
    natsStatistics *stats = NULL;
    uint64_t        inMsgs = 0, inBytes = 0, outMsgs = 0, outBytes = 0, reconnects = 0;
    natsStatus      s;

    s = natsStatistics_Create(&stats);
    if (s == NATS_OK)
        s = natsConnection_GetStats(nc, stats);
    if (s == NATS_OK)
        s = natsStatistics_GetCounts(stats, &inMsgs, &inBytes, &outMsgs, &outBytes, &reconnects);
    if (s == NATS_OK)
        printf("Statistics: in %llu msgs / %llu bytes, out %llu msgs / %llu bytes, %llu reconnects\n",
               (unsigned long long) inMsgs, (unsigned long long) inBytes,
               (unsigned long long) outMsgs, (unsigned long long) outBytes,
               (unsigned long long) reconnects);
    else
        ex_failed("reading statistics", s);
    natsStatistics_Destroy(stats);
    return s;
}

/* Prints every header of `msg` (one "key: value" line per value). */
static inline natsStatus
ex_print_headers(natsMsg *msg)
{
    const char **keys  = NULL;
    int          nkeys = 0;
    int          i;
    natsStatus   s;

    s = natsMsgHeader_Keys(msg, &keys, &nkeys);
    if (s == NATS_NOT_FOUND)
    {
        printf("  (no headers)\n");
        return NATS_OK;
    }
    if (s != NATS_OK)
        return ex_failed("natsMsgHeader_Keys", s);

    for (i = 0; (s == NATS_OK) && (i < nkeys); i++)
    {
        const char **vals  = NULL;
        int          nvals = 0;
        int          j;

        s = natsMsgHeader_Values(msg, keys[i], &vals, &nvals);
        if (s != NATS_OK)
        {
            ex_failed("natsMsgHeader_Values", s);
            break;
        }
        for (j = 0; j < nvals; j++)
            printf("  %s: %s\n", keys[i], vals[j]);
        free((void *) vals);
    }
    free((void *) keys);
    return s;
}

#endif /* RNATS_EXAMPLES_COMMON_H */
