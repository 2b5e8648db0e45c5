/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_build.c — the program: its sources (embedded at build time, or
 * read from a kernel directory), its build options, the build itself with
 * the build log in the error, the kernels created once, and the program
 * binary cache that spares a second run the compiler (DESIGN §7).
 */
#define _POSIX_C_SOURCE 200809L
#include "opencl_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Written by cmake/embed.cmake into saksi_embedded.c. */
extern const char saksi_src_shared_h[], saksi_src_integrity_cl[], saksi_src_rng_cl[];
extern const size_t saksi_src_shared_h_len, saksi_src_integrity_cl_len, saksi_src_rng_cl_len;
extern const char saksi_src_fingerprint_shared_h[], saksi_src_fingerprint_cl[];
extern const size_t saksi_src_fingerprint_shared_h_len, saksi_src_fingerprint_cl_len;
extern const char saksi_src_digits_shared_h[], saksi_src_digits_cl[];
extern const size_t saksi_src_digits_shared_h_len, saksi_src_digits_cl_len;
extern const char saksi_src_turnout_shared_h[], saksi_src_turnout_cl[];
extern const size_t saksi_src_turnout_shared_h_len, saksi_src_turnout_cl_len;

/* Every source of the program, in build order: a new test family adds one
 * line here (and its file to SAKSI_EMBED_FILES in CMakeLists.txt).
 * saksi_shared.h comes first so that the `#ifndef SAKSI_SHARED_H` guard
 * around each .cl file's #include skips it: the compiler then needs no
 * include path, which an embedded program could not give it. */
static const struct kernel_source {
    const char *file;
    const char *text;
    const size_t *len;
} sources[] = {
    {"saksi_shared.h", saksi_src_shared_h, &saksi_src_shared_h_len},
    {"integrity.cl", saksi_src_integrity_cl, &saksi_src_integrity_cl_len},
    {"rng.cl", saksi_src_rng_cl, &saksi_src_rng_cl_len},
    {"fingerprint_shared.h", saksi_src_fingerprint_shared_h, &saksi_src_fingerprint_shared_h_len},
    {"fingerprint.cl", saksi_src_fingerprint_cl, &saksi_src_fingerprint_cl_len},
    {"digits_shared.h", saksi_src_digits_shared_h, &saksi_src_digits_shared_h_len},
    {"digits.cl", saksi_src_digits_cl, &saksi_src_digits_cl_len},
    {"turnout_shared.h", saksi_src_turnout_shared_h, &saksi_src_turnout_shared_h_len},
    {"turnout.cl", saksi_src_turnout_cl, &saksi_src_turnout_cl_len},
};
#define NSOURCES (sizeof sources / sizeof sources[0])

static const char *const kernel_names[SAKSI_NKERNELS] = {
    [SAKSI_K_INTEGRITY_CHECK] = "integrity_check",
    [SAKSI_K_RNG_PHILOX] = "rng_philox",
    [SAKSI_K_FINGERPRINT_BIN] = "fingerprint_bin",
    [SAKSI_K_FINGERPRINT_SIMULATE] = "fingerprint_simulate",
    [SAKSI_K_FINGERPRINT_GRID] = "fingerprint_grid",
    [SAKSI_K_DIGITS_HISTOGRAM] = "digits_histogram",
    [SAKSI_K_TURNOUT_INTEGER_PERCENT] = "turnout_integer_percent",
};

/* Format tag of a cache file, then the binary's length and SHA-256: a
 * truncated or damaged file is treated as absent, never handed to the
 * driver. */
static const char cache_magic[8] = {'S', 'A', 'K', 'S', 'I', 'C', 'L', '1'};
#define CACHE_HEADER (sizeof cache_magic + 8 + 32)

enum { PATH_BYTES = 4096 };

typedef struct program_text {
    const char *str[NSOURCES];
    size_t len[NSOURCES];
    char *owned[NSOURCES]; /* read from kernel_dir */
    char origin[PATH_BYTES + 32];
} program_text;

static saksi_status read_whole(const char *path, char **out, size_t *len, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *buf = NULL, *grown;
    size_t cap = 1 << 16, n = 0, got;
    FILE *f = fopen(path, "rb");

    *out = NULL;
    if (!f)
        SAKSI_FAIL(SAKSI_ERR_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    buf = malloc(cap + 1);
    if (!buf)
        SAKSI_ALLOC_FAIL(path);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            grown = realloc(buf, 2 * cap + 1);
            if (!grown)
                SAKSI_ALLOC_FAIL(path);
            buf = grown;
            cap *= 2;
        }
    }
    if (ferror(f))
        SAKSI_FAIL(SAKSI_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

/* The embedded sources, or those of kernel_dir (for kernel work without
 * rebuilding the library). */
static saksi_status load_sources(const saksi_cl_options *opt, program_text *txt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char path[PATH_BYTES];

    for (size_t i = 0; i < NSOURCES; i++) {
        txt->str[i] = sources[i].text;
        txt->len[i] = *sources[i].len;
    }
    snprintf(txt->origin, sizeof txt->origin, "embedded kernels");
    if (!opt->kernel_dir)
        goto out;
    snprintf(txt->origin, sizeof txt->origin, "kernels from %s", opt->kernel_dir);
    for (size_t i = 0; i < NSOURCES; i++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", opt->kernel_dir, sources[i].file) >=
            sizeof path)
            SAKSI_FAIL(SAKSI_ERR_USAGE, "kernel directory path too long: %s", opt->kernel_dir);
        SAKSI_TRY(read_whole(path, &txt->owned[i], &txt->len[i], err));
        txt->str[i] = txt->owned[i];
    }
out:
    return rc;
}

static void free_sources(program_text *txt)
{
    for (size_t i = 0; i < NSOURCES; i++)
        free(txt->owned[i]);
}

/* The one place where build options are assembled. OpenCL C 1.2 and exact
 * arithmetic: never -cl-fast-relaxed-math or -cl-mad-enable (integer
 * kernels must give the CPU twin's integers; DESIGN §7). The device limits
 * are there for kernels that size local-memory arrays or work-groups. */
static void build_options(const saksi_cl *cl, char *buf, size_t len)
{
    snprintf(buf, len, "-cl-std=CL1.2 -DSAKSI_MAX_WORK_GROUP=%zu -DSAKSI_LOCAL_MEM_BYTES=%llu",
             cl->max_work_group, (unsigned long long)cl->local_mem);
}

/* Write (append = 0) or append to cl->cache_note, truncating. */
static void note(saksi_cl *cl, int append, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(saksi_cl *cl, int append, const char *fmt, ...)
{
    size_t at = append ? strlen(cl->cache_note) : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cl->cache_note + at, sizeof cl->cache_note - at, fmt, ap);
    va_end(ap);
}

static void release_kernels(saksi_cl *cl)
{
    for (int k = SAKSI_NKERNELS - 1; k >= 0; k--) {
        if (cl->kernel[k])
            clReleaseKernel(cl->kernel[k]);
        cl->kernel[k] = NULL;
    }
}

/* Append "<length>:<bytes>\n" so that no two different inputs give the
 * same key material. */
static int key_add(char **buf, size_t *n, size_t *cap, const char *s, size_t len)
{
    char head[32];
    int h = snprintf(head, sizeof head, "%zu:", len);
    if (*n + (size_t)h + len + 1 > *cap) {
        size_t want = 2 * (*n + (size_t)h + len + 1);
        char *grown = realloc(*buf, want);
        if (!grown)
            return 0;
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *n, head, (size_t)h);
    memcpy(*buf + *n + h, s, len);
    (*buf)[*n + (size_t)h + len] = '\n';
    *n += (size_t)h + len + 1;
    return 1;
}

/* SHA-256 over what decides the binary: platform, device, driver, options
 * and every source, as 64 hex digits. 0 when it cannot be computed (the
 * cache is then off for this run). */
static int cache_key(const saksi_cl *cl, const program_text *txt, const char *options,
                     char hex[65])
{
    const char *facts[] = {"saksi OpenCL program cache 1", cl->platform_name, cl->platform_version,
                           cl->device_name,  cl->device_version, cl->driver_version, options};
    char *buf = NULL;
    size_t n = 0, cap = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = 1;

    for (size_t i = 0; ok && i < sizeof facts / sizeof facts[0]; i++)
        ok = key_add(&buf, &n, &cap, facts[i], strlen(facts[i]));
    for (size_t i = 0; ok && i < NSOURCES; i++)
        ok = key_add(&buf, &n, &cap, sources[i].file, strlen(sources[i].file)) &&
             key_add(&buf, &n, &cap, txt->str[i], txt->len[i]);
    ok = ok && EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
    for (unsigned i = 0; ok && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    free(buf);
    return ok;
}

/* The cache directory (opt->cache_dir; NULL: $XDG_CACHE_HOME/saksi, else
 * $HOME/.cache/saksi; "": off). 0 when the cache is off, with the reason
 * in cl->cache_note. */
static int cache_dir(const saksi_cl_options *opt, saksi_cl *cl, char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w;
    if (opt->cache_dir && !*opt->cache_dir) {
        note(cl, 0, "program cache off");
        return 0;
    }
    if (opt->cache_dir)
        w = snprintf(buf, len, "%s", opt->cache_dir);
    else if (xdg && xdg[0] == '/') /* the XDG spec ignores a relative path */
        w = snprintf(buf, len, "%s/saksi", xdg);
    else if (home && *home)
        w = snprintf(buf, len, "%s/.cache/saksi", home);
    else {
        note(cl, 0, "program cache off: neither $XDG_CACHE_HOME nor $HOME is set");
        return 0;
    }
    if ((size_t)w >= len - 80) { /* room for "/<64 hex>.bin" and a temp suffix */
        note(cl, 0, "program cache off: path too long");
        return 0;
    }
    return 1;
}

/* The cached binary at path: 1, or 0 when absent, -1 when damaged. */
static int read_cached(const char *path, unsigned char **bin, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    uint64_t blen;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (access(path, R_OK) != 0 || read_whole(path, &data, &n, NULL) != SAKSI_OK)
        return 0;
    if (n < CACHE_HEADER || memcmp(data, cache_magic, sizeof cache_magic) != 0)
        goto bad;
    memcpy(&blen, data + sizeof cache_magic, 8);
    if (blen != n - CACHE_HEADER)
        goto bad;
    if (EVP_Digest(data + CACHE_HEADER, blen, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        memcmp(md, data + sizeof cache_magic + 8, 32) != 0)
        goto bad;
    memmove(data, data + CACHE_HEADER, blen);
    *bin = (unsigned char *)data;
    *len = blen;
    return 1;
bad:
    free(data);
    return -1;
}

/* Try the cached binary; 1 when the program and its kernels are ready.
 * A binary the driver rejects (another driver build, a damaged file) only
 * means a source build, noted in cl->cache_note. */
static int try_binary(saksi_cl *cl, const char *path, const char *options)
{
    unsigned char *bin = NULL;
    size_t len = 0;
    cl_int e = CL_SUCCESS, status = CL_SUCCESS;
    const char *step = "clCreateProgramWithBinary";

    int got = read_cached(path, &bin, &len);
    if (got < 0)
        note(cl, 0, "cached file %s damaged; ", path);
    if (got <= 0)
        return 0;
    const unsigned char *cbin = bin;
    cl->program = clCreateProgramWithBinary(cl->ctx, 1, &cl->device, &len, &cbin, &status, &e);
    if (e == CL_SUCCESS && status != CL_SUCCESS)
        e = status;
    if (e == CL_SUCCESS) {
        step = "clBuildProgram";
        e = clBuildProgram(cl->program, 1, &cl->device, options, NULL, NULL);
    }
    for (int k = 0; e == CL_SUCCESS && k < SAKSI_NKERNELS; k++) {
        step = "clCreateKernel";
        cl->kernel[k] = clCreateKernel(cl->program, kernel_names[k], &e);
    }
    free(bin);
    if (e == CL_SUCCESS) {
        note(cl, 0, "program loaded from cache %s", path);
        return 1;
    }
    release_kernels(cl);
    if (cl->program)
        clReleaseProgram(cl->program);
    cl->program = NULL;
    note(cl, 0, "cached binary rejected by %s (%s); ", step, saksi_cl_error_name(e));
    return 0;
}

/* The build log of a failed build, NUL-terminated, trailing blanks cut;
 * NULL when the driver gives none. */
static char *build_log(const saksi_cl *cl)
{
    size_t n = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(cl->program, cl->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) !=
            CL_SUCCESS ||
        !(log = malloc(n + 1)))
        return NULL;
    if (clGetProgramBuildInfo(cl->program, cl->device, CL_PROGRAM_BUILD_LOG, n, log, NULL) !=
        CL_SUCCESS) {
        free(log);
        return NULL;
    }
    log[n] = '\0';
    while (n > 0 && (log[n - 1] == '\0' || log[n - 1] == '\n' || log[n - 1] == ' '))
        log[--n] = '\0';
    return log;
}

static saksi_status build_from_source(saksi_cl *cl, const program_text *txt, const char *options,
                                      saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    char *log = NULL;
    cl_int e;

    cl->program = clCreateProgramWithSource(cl->ctx, (cl_uint)NSOURCES, (const char **)txt->str,
                                            txt->len, &e);
    SAKSI_CL_CHECK(e, "clCreateProgramWithSource(%s)", txt->origin);
    e = clBuildProgram(cl->program, 1, &cl->device, options, NULL, NULL);
    if (e != CL_SUCCESS) {
        /* The log says which line of which kernel failed: put as much of it
         * as fits into the message, keeping its beginning (the first error). */
        char head[PATH_BYTES + 256];
        const char *more = "\n[build log truncated]";
        log = build_log(cl);
        const char *text = log && *log ? log : "(the driver gave no build log)";
        if (snprintf(head, sizeof head, "clBuildProgram(%s, \"%s\") failed: %s (%d); build log:\n",
                     txt->origin, options, saksi_cl_error_name(e), (int)e) < 0)
            head[0] = '\0';
        size_t room = sizeof err->message - 1, used = strlen(head), tlen = strlen(text);
        int cut = used + tlen <= room ? (int)tlen
                  : used + strlen(more) < room ? (int)(room - used - strlen(more))
                                               : 0;
        SAKSI_FAIL(SAKSI_ERR_OPENCL, "%s%.*s%s", head, cut, text, (size_t)cut < tlen ? more : "");
    }
    for (int k = 0; k < SAKSI_NKERNELS; k++) {
        cl->kernel[k] = clCreateKernel(cl->program, kernel_names[k], &e);
        SAKSI_CL_CHECK(e, "clCreateKernel(%s)", kernel_names[k]);
    }
out:
    free(log);
    return rc;
}

/* mkdir -p with mode 0755; 0 on success. */
static int make_dirs(const char *dir)
{
    char p[PATH_BYTES];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            *s = c;
            if (!c)
                return 0;
        }
    }
}

/* Store the built program's binary under path, atomically (a temporary
 * file renamed over it), best effort: a cache that cannot be written
 * costs the next run a build, never this run its result. */
static void store_binary(saksi_cl *cl, const char *dir, const char *path)
{
    size_t bsize = 0;
    unsigned char *bin = NULL;
    char tmp[PATH_BYTES + 96];
    const char *why = NULL;
    int fd = -1;
    FILE *f = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (clGetProgramInfo(cl->program, CL_PROGRAM_BINARY_SIZES, sizeof bsize, &bsize, NULL) !=
            CL_SUCCESS ||
        bsize == 0) {
        why = "the driver gives no program binary";
        goto out;
    }
    if (!(bin = malloc(bsize))) {
        why = "out of memory";
        goto out;
    }
    if (clGetProgramInfo(cl->program, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS ||
        EVP_Digest(bin, bsize, md, &mdlen, EVP_sha256(), NULL) != 1) {
        why = "the driver gives no program binary";
        goto out;
    }
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (make_dirs(dir) != 0 || (fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "wb"))) {
        why = strerror(errno);
        goto out;
    }
    fd = -1; /* owned by f now */
    uint64_t blen = bsize;
    int ok = fwrite(cache_magic, sizeof cache_magic, 1, f) == 1 &&
             fwrite(&blen, 8, 1, f) == 1 && fwrite(md, 32, 1, f) == 1 &&
             fwrite(bin, bsize, 1, f) == 1 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    f = NULL;
    if (!ok || rename(tmp, path) != 0) {
        why = strerror(errno);
        unlink(tmp);
    }
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(bin);
    if (why)
        note(cl, 1, "program built from source; not cached in %s: %s", dir, why);
    else
        note(cl, 1, "program built from source; cached as %s", path);
}

saksi_status saksi_cl_build_program(saksi_cl *cl, const saksi_cl_options *opt, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    program_text txt = {0};
    char options[256], dir[PATH_BYTES], path[PATH_BYTES + 80], hex[65];
    int cached = 0;

    SAKSI_TRY(load_sources(opt, &txt, err));
    build_options(cl, options, sizeof options);
    cl->cache_note[0] = '\0';
    if (cache_dir(opt, cl, dir, sizeof dir)) {
        if (cache_key(cl, &txt, options, hex)) {
            snprintf(path, sizeof path, "%s/%s.bin", dir, hex);
            cached = 1;
        } else {
            note(cl, 0, "program cache off: SHA-256 of the key failed");
        }
    }
    if (cached && try_binary(cl, path, options)) {
        cl->from_cache = 1;
        goto out;
    }
    SAKSI_TRY(build_from_source(cl, &txt, options, err));
    if (cached)
        store_binary(cl, dir, path);
out:
    free_sources(&txt);
    return rc;
}
