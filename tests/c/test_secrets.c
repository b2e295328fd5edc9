/*
 * Credentials do not outlive the connection. Each case connects to a real
 * nats-server with a distinctive credential (made at run time from
 * /dev/urandom, except the creds case's NKey seed, which belongs to the
 * JWT chain generated for the run by the CTest fixture c_test_keys),
 * closes and destroys the connection and the options, calls nats_Close,
 * waits until the library's threads are gone, and then reads every
 * private writable mapping of the process (/proc/self/maps +
 * /proc/self/mem: heap, malloc arenas, thread stacks, .data/.bss,
 * anonymous mappings) counting the copies of the credential: there must
 * be none.
 *
 * The test keeps no copy of its own: its buffers are wiped before the
 * scan, and the scanner holds the credential only XOR-masked (mask and
 * masked bytes apart). Each case first checks that the scan does see the
 * credential while it is in use (so that a broken scanner cannot pass).
 *
 * Only the public nats.h API is used.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <dirent.h>
#include <sys/mman.h>

/* The operator -> account -> user chain is generated at test time
 * (tests/c/gen_keys.py, the CTest fixture c_test_keys). */
#include "test_keys.h"

#define SECRET_MAX 128

/* ------------------------------------------------------------------ */
/* Wiping and the masked needle                                        */

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n-- > 0)
        *v++ = 0;
}

typedef struct {
    unsigned char mask[SECRET_MAX];
    unsigned char masked[SECRET_MAX];
    size_t len;
} needle;

static void needle_set(needle *nd, const char *secret, size_t len)
{
    size_t i;
    int fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0);
    CHECK(len > 0 && len <= SECRET_MAX);
    CHECK(read(fd, nd->mask, len) == (ssize_t)len);
    close(fd);
    for (i = 0; i < len; i++) {
        nd->mask[i] |= 1; /* never 0: the masked byte differs from the secret */
        nd->masked[i] = (unsigned char)((unsigned char)secret[i] ^ nd->mask[i]);
    }
    nd->len = len;
}

/* `prefix` followed by 32 random letters and digits, NUL-terminated. */
static void make_secret(char *out, size_t n, const char *prefix)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[32];
    size_t p = strlen(prefix), i;
    int fd = open("/dev/urandom", O_RDONLY);

    CHECK(fd >= 0);
    CHECK(p + sizeof(rnd) + 1 <= n);
    CHECK(read(fd, rnd, sizeof(rnd)) == (ssize_t)sizeof(rnd));
    close(fd);
    memcpy(out, prefix, p);
    for (i = 0; i < sizeof(rnd); i++)
        out[p + i] = alpha[rnd[i] % (sizeof(alpha) - 1)];
    out[p + sizeof(rnd)] = '\0';
    wipe(rnd, sizeof(rnd));
}

/* ------------------------------------------------------------------ */
/* The scan                                                            */

#define SCAN_CHUNK ((size_t)1 << 20)
#define MAPS_MAX ((size_t)4 << 20)

/* A private mapping of its own (of /dev/zero: MAP_ANONYMOUS is not
 * POSIX). */
static void *map_anon(size_t n)
{
    void *p;
    int fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0);
    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    CHECK(p != MAP_FAILED);
    return p;
}

/* Reads [addr, addr+n) of our own memory through /proc/self/mem;
 * unreadable pages read as zeros. */
static void read_mem(int mem, unsigned char *buf, size_t n, uintptr_t addr)
{
    size_t done = 0;
    if (pread(mem, buf, n, (off_t)addr) == (ssize_t)n)
        return;
    while (done < n) {
        size_t end = done + 4096 - (size_t)((addr + done) % 4096);
        if (end > n)
            end = n;
        if (pread(mem, buf + done, end - done, (off_t)(addr + done)) != (ssize_t)(end - done))
            memset(buf + done, 0, end - done);
        done = end;
    }
}

/* Counts the copies of the needle in the private writable (rw-p)
 * mappings, leaving out the scanner's own two buffers (mapped apart from
 * the heap, so that scanning neither reuses freed heap blocks nor sees its
 * own copies). With `report`, prints where each copy is. */
static int scan(const needle *nd, int report)
{
    char *maps = (char *)map_anon(MAPS_MAX);
    unsigned char *buf = (unsigned char *)map_anon(SCAN_CHUNK + SECRET_MAX);
    uintptr_t own[2][2];
    size_t maps_len = 0;
    ssize_t r;
    int fd, mem, hits = 0;
    char *line, *next;

    own[0][0] = (uintptr_t)maps;
    own[0][1] = (uintptr_t)maps + MAPS_MAX;
    own[1][0] = (uintptr_t)buf;
    own[1][1] = (uintptr_t)buf + SCAN_CHUNK + SECRET_MAX;

    fd = open("/proc/self/maps", O_RDONLY);
    CHECK(fd >= 0);
    while ((r = read(fd, maps + maps_len, MAPS_MAX - 1 - maps_len)) > 0)
        maps_len += (size_t)r;
    close(fd);
    maps[maps_len] = '\0';
    mem = open("/proc/self/mem", O_RDONLY);
    CHECK(mem >= 0);

    for (line = maps; line != NULL && *line != '\0'; line = next) {
        unsigned long lo, hi;
        char perms[8];
        uintptr_t parts[3][2];
        int np = 1, k, pi;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || strcmp(perms, "rw-p") != 0)
            continue;
        /* AddressSanitizer's shadow memory: a reservation of terabytes
         * that holds shadow bytes, no program data. */
        if (hi - lo > ((unsigned long)64 << 30))
            continue;
        parts[0][0] = lo;
        parts[0][1] = hi;
        for (k = 0; k < 2; k++) {
            if (own[k][0] < hi && own[k][1] > lo) {
                parts[0][1] = own[k][0] > lo ? own[k][0] : lo;
                parts[np][0] = own[k][1] < hi ? own[k][1] : hi;
                parts[np][1] = hi;
                np++;
            }
        }
        for (pi = 0; pi < np; pi++) {
            uintptr_t off = parts[pi][0], end = parts[pi][1];
            while (off < end) {
                size_t len = end - off, i;
                if (len > SCAN_CHUNK + nd->len - 1)
                    len = SCAN_CHUNK + nd->len - 1;
                read_mem(mem, buf, len, off);
                for (i = 0; i + nd->len <= len; i++) {
                    size_t j = 0;
                    while (j < nd->len && (buf[i + j] ^ nd->mask[j]) == nd->masked[j])
                        j++;
                    if (j == nd->len) {
                        hits++;
                        if (report)
                            fprintf(stderr, "copy at %#lx (+%#lx in %s)\n", (unsigned long)(off + i),
                                    (unsigned long)(off + i - lo), line);
                    }
                }
                if (len < SCAN_CHUNK + nd->len - 1)
                    break;
                off += SCAN_CHUNK;
            }
        }
    }
    close(mem);
    wipe(buf, SCAN_CHUNK + SECRET_MAX);
    munmap(buf, SCAN_CHUNK + SECRET_MAX);
    munmap(maps, MAPS_MAX);
    return hits;
}

/* Threads of this process (the library's end some time after
 * nats_Close). */
static int thread_count(void)
{
    int n = 0;
    struct dirent *e;
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ------------------------------------------------------------------ */
/* The cases                                                           */

typedef enum { USER_INFO, TOKEN, URL, CREDS_FILE } setup_kind;

/* Connects with the credential set up as `kind` (`a`, `b`: user and
 * password, token, URL, or creds file path), checks that the scan sees
 * the credential while in use, then closes and destroys everything and
 * closes the library. */
static void connect_and_close(const char *server_url, setup_kind kind, const char *a, const char *b,
                              const needle *nd)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    int64_t deadline;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, kind == URL ? a : server_url));
    if (kind == USER_INFO)
        CHECK_OK(natsOptions_SetUserInfo(opts, a, b));
    else if (kind == TOKEN)
        CHECK_OK(natsOptions_SetToken(opts, a));
    else if (kind == CREDS_FILE)
        CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, a, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK(scan(nd, 0) > 0); /* the scanner sees a copy in use */
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    deadline = test_now_ms() + 10000;
    while (thread_count() > 1 && test_now_ms() < deadline)
        test_sleep_ms(10);
    CHECK_EQ_INT(thread_count(), 1);
}

static void check_no_copy(const needle *nd)
{
    int hits = scan(nd, 1);
    if (hits != 0)
        test_fail(__FILE__, __LINE__, "%d copies of the credential left after close/destroy/nats_Close", hits);
}

/* A server whose whole configuration is `fmt` with the secret in it
 * (formatted in a buffer wiped at once; the harness writes the text
 * straight to a file). */
static test_server *server_with_secret(const char *fmt, const char *secret)
{
    char conf[512];
    test_server *s;
    snprintf(conf, sizeof(conf), fmt, secret);
    s = test_server_start_conf(conf);
    wipe(conf, sizeof(conf));
    return s;
}

TEST(secrets_password_wiped)
{
    char pass[64];
    needle nd;
    test_server *srv;

    make_secret(pass, sizeof(pass), "pw-");
    needle_set(&nd, pass, strlen(pass));
    srv = server_with_secret("authorization { user: alice, password: \"%s\" }\n", pass);
    connect_and_close(srv->url, USER_INFO, "alice", pass, &nd);
    wipe(pass, sizeof(pass));
    check_no_copy(&nd);
}

TEST(secrets_token_wiped)
{
    char tok[64];
    needle nd;
    test_server *srv;

    make_secret(tok, sizeof(tok), "tok-");
    needle_set(&nd, tok, strlen(tok));
    srv = server_with_secret("authorization { token: \"%s\" }\n", tok);
    connect_and_close(srv->url, TOKEN, tok, NULL, &nd);
    wipe(tok, sizeof(tok));
    check_no_copy(&nd);
}

TEST(secrets_url_password_wiped)
{
    char pass[64], url[160];
    needle nd;
    test_server *srv;

    make_secret(pass, sizeof(pass), "urlpw-");
    needle_set(&nd, pass, strlen(pass));
    srv = server_with_secret("authorization { user: bob, password: \"%s\" }\n", pass);
    snprintf(url, sizeof(url), "nats://bob:%s@127.0.0.1:%d", pass, srv->port);
    wipe(pass, sizeof(pass));
    connect_and_close(NULL, URL, url, NULL, &nd);
    wipe(url, sizeof(url));
    check_no_copy(&nd);
}

TEST(secrets_url_token_wiped)
{
    char tok[64], url[160];
    needle nd;
    test_server *srv;

    make_secret(tok, sizeof(tok), "urltok-");
    needle_set(&nd, tok, strlen(tok));
    srv = server_with_secret("authorization { token: \"%s\" }\n", tok);
    snprintf(url, sizeof(url), "nats://%s@127.0.0.1:%d", tok, srv->port);
    wipe(tok, sizeof(tok));
    connect_and_close(NULL, URL, url, NULL, &nd);
    wipe(url, sizeof(url));
    check_no_copy(&nd);
}

TEST(secrets_creds_seed_wiped)
{
    char seed[128];
    needle nd;
    test_server *srv;

    /* The configuration holds only public keys and JWTs. */
    srv = test_server_start_conf(TEST_OPERATOR_SERVER_CONF);
    /* The seed, read with open/read (no stdio buffer keeps a copy); the
     * library reads the generated creds file itself. The test's copy is
     * what the in-use scan sees (the library wipes the seed once it has
     * signed), and is wiped before the final scan. */
    test_keys_read("user.seed", seed, sizeof(seed));
    needle_set(&nd, seed, strlen(seed));
    connect_and_close(srv->url, CREDS_FILE, test_keys_path("user.creds"), NULL, &nd);
    wipe(seed, sizeof(seed));
    check_no_copy(&nd);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        T(secrets_password_wiped),
        T(secrets_token_wiped),
        T(secrets_url_password_wiped),
        T(secrets_url_token_wiped),
        T(secrets_creds_seed_wiped),
    };
    return TEST_MAIN(tests);
}
