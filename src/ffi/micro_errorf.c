/*
 * rnats: the printf-style constructors of microError (micro_Errorf,
 * micro_ErrorfCode, microError_Wrapf).
 *
 * cnats declares them C-variadic, and stable Rust cannot define a
 * C-variadic function nor read a va_list, so the formatting is done here,
 * in C. The exported symbols themselves are tiny Rust trampolines
 * (src/ffi/micro_error.rs) that jump here with the caller's registers and
 * stack untouched: rustc exports only Rust-defined symbols from the shared
 * library, so a symbol defined in this file could not be exported directly.
 *
 * The struct below must match `ErrorBlock` in src/ffi/micro_types.rs.
 * Memory: the error block comes from calloc, its message from malloc; the
 * Rust side frees both with free().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct rnats_micro_error {
    bool is_static;
    int status;
    int code;
    char *message;
    struct rnats_micro_error *cause;
};

#if defined(__GNUC__)
#define RNATS_HIDDEN __attribute__((visibility("hidden")))
#else
#define RNATS_HIDDEN
#endif

/* Defined by the Rust side (the exported out-of-memory error). */
extern struct rnats_micro_error *micro_ErrorOutOfMemory;

/* Returned when the format string cannot be formatted; never freed. */
static struct rnats_micro_error bad_format = {
    true, 16 /* NATS_INVALID_ARG */, 0, "invalid format string", NULL,
};

static struct rnats_micro_error *
rnats_verror(int code, const char *format, va_list ap)
{
    va_list again;
    struct rnats_micro_error *e;
    char *text;
    int n;

    if (format == NULL)
        format = "";
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, format, ap);
    if (n < 0) {
        va_end(again);
        return &bad_format;
    }
    text = malloc((size_t)n + 1);
    e = calloc(1, sizeof(*e));
    if (text == NULL || e == NULL) {
        va_end(again);
        free(text);
        free(e);
        return micro_ErrorOutOfMemory;
    }
    vsnprintf(text, (size_t)n + 1, format, again);
    va_end(again);
    e->code = code;
    e->message = text;
    return e;
}

RNATS_HIDDEN struct rnats_micro_error *
rnats__micro_Errorf(const char *format, ...)
{
    struct rnats_micro_error *e;
    va_list ap;

    va_start(ap, format);
    e = rnats_verror(0, format, ap);
    va_end(ap);
    return e;
}

RNATS_HIDDEN struct rnats_micro_error *
rnats__micro_ErrorfCode(int code, const char *format, ...)
{
    struct rnats_micro_error *e;
    va_list ap;

    va_start(ap, format);
    e = rnats_verror(code, format, ap);
    va_end(ap);
    return e;
}

/* Wraps `err` in a new error whose text is the formatted one; NULL stays
 * NULL. When the new error cannot be made, `err` is returned as it is, so
 * the caller still owns exactly one chain. */
RNATS_HIDDEN struct rnats_micro_error *
rnats__microError_Wrapf(struct rnats_micro_error *err, const char *format, ...)
{
    struct rnats_micro_error *e;
    va_list ap;

    if (err == NULL)
        return NULL;
    va_start(ap, format);
    e = rnats_verror(0, format, ap);
    va_end(ap);
    if (e->is_static)
        return err;
    e->cause = err;
    return e;
}
