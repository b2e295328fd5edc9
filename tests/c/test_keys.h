/*
 * NKeys, JWTs, creds and the operator-mode server configuration of the C
 * authentication tests (test_auth, test_ws, test_secrets), read from the
 * files that tests/c/gen_keys.py writes at test time (the CTest fixture
 * c_test_keys; fresh random keys each run, nothing checked in).
 *
 * The directory is RNATS_TEST_KEYS_DIR_DEFAULT (compiled in by
 * tests/c/CMakeLists.txt); the environment variable RNATS_TEST_KEYS_DIR
 * overrides it, e.g. after `python3 tests/c/gen_keys.py /tmp/keys`.
 *
 * Files are read with open/read (no stdio buffer keeps a copy: test_secrets
 * scans the process's memory for the seed).
 */
#ifndef RNATS_TEST_KEYS_H_
#define RNATS_TEST_KEYS_H_

#include "test.h"

#include <fcntl.h>
#include <sys/stat.h>

#ifndef RNATS_TEST_KEYS_DIR_DEFAULT
#define RNATS_TEST_KEYS_DIR_DEFAULT "test-keys"
#endif

#define TEST_KEYS_MAX 4096
#define TEST_KEYS_SLOTS 12

/* The path of the generated file `name`; fails the test when missing.
 * The result stays valid until TEST_KEYS_SLOTS more calls. */
static inline const char *test_keys_path(const char *name)
{
    static char paths[TEST_KEYS_SLOTS][1024];
    static int next = 0;
    const char *dir = getenv("RNATS_TEST_KEYS_DIR");
    char *p = paths[next];
    struct stat st;

    next = (next + 1) % TEST_KEYS_SLOTS;
    if (dir == NULL || dir[0] == '\0')
        dir = RNATS_TEST_KEYS_DIR_DEFAULT;
    snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
    if (stat(p, &st) != 0)
        test_fail(__FILE__, __LINE__,
                  "%s missing: CTest writes it in the fixture c_test_keys; by hand run "
                  "`python3 tests/c/gen_keys.py DIR` and set RNATS_TEST_KEYS_DIR=DIR",
                  p);
    return p;
}

/* Reads the generated file `name` into `buf` (NUL-terminated, trailing
 * newlines removed) and returns its length. */
static inline size_t test_keys_read(const char *name, char *buf, size_t n)
{
    const char *path = test_keys_path(name);
    size_t len = 0;
    ssize_t r;
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        test_fail(__FILE__, __LINE__, "cannot open %s", path);
    while (len + 1 < n && (r = read(fd, buf + len, n - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    if (len + 1 >= n)
        test_fail(__FILE__, __LINE__, "%s is larger than %d bytes", path, (int)n - 1);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    if (len == 0)
        test_fail(__FILE__, __LINE__, "%s is empty", path);
    return len;
}

/* The content of the generated file `name`, read once and kept in a static
 * buffer. */
static inline const char *test_key(const char *name)
{
    static char names[TEST_KEYS_SLOTS][32];
    static char values[TEST_KEYS_SLOTS][TEST_KEYS_MAX];
    int i;

    for (i = 0; i < TEST_KEYS_SLOTS && names[i][0] != '\0'; i++)
        if (strcmp(names[i], name) == 0)
            return values[i];
    if (i == TEST_KEYS_SLOTS || strlen(name) >= sizeof(names[0]))
        test_fail(__FILE__, __LINE__, "test_key: no slot for %s", name);
    test_keys_read(name, values[i], sizeof(values[i]));
    snprintf(names[i], sizeof(names[i]), "%s", name);
    return values[i];
}

/* A user NKey pair that the `authorization { users: [ {nkey: ...} ] }`
 * servers of the tests accept. */
#define TEST_NKEY_SEED test_key("nkey.seed")
#define TEST_NKEY_PUB test_key("nkey.pub")
/* A user seed unknown to every server. */
#define TEST_OTHER_SEED test_key("other.seed")
/* The operator -> account -> user chain. */
#define TEST_OPERATOR_JWT test_key("operator.jwt")
#define TEST_ACCOUNT_PUB test_key("account.pub")
#define TEST_ACCOUNT_JWT test_key("account.jwt")
#define TEST_USER_JWT test_key("user.jwt")
#define TEST_USER_SEED test_key("user.seed")
/* A server configuration trusting the operator, with the account
 * preloaded (a memory resolver). */
#define TEST_OPERATOR_SERVER_CONF test_key("operator.conf")

#endif /* RNATS_TEST_KEYS_H_ */
