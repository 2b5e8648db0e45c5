/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_report_browser.c — report.html in a real browser: headless Chromium
 * (Debian's chromium package) opens the page offline, with every host name
 * unresolvable, and must log nothing to its console (a script, a fetch or a
 * content-security-policy violation would); its DOM holds every section,
 * and a screenshot is taken (the command is in docs/report.md). A control page
 * that does try the network must be caught, so the check can fail.
 * Labelled `browser`: Chromium is heavy for CI (about 10 s and 300 MB);
 * without it the test is skipped with a message.
 * LABELS: browser
 */
#include "report_world.h"

#define CHROMIUM "/usr/bin/chromium"
/* Headless, offline: no background traffic, no component updates, every
 * host resolving to nothing, console messages to stderr. */
#define CHROMIUM_FLAGS                                                                             \
    "--headless --no-sandbox --disable-gpu --disable-background-networking "                       \
    "--disable-component-update --no-first-run --host-resolver-rules='MAP * ~NOTFOUND' "           \
    "--enable-logging=stderr --v=0"

/* Open path; dump the DOM into dir/dom.html and the log into dir/log. */
static int open_page(const char *dir, const char *path, const char *extra)
{
    return test_run("timeout 120 " CHROMIUM " " CHROMIUM_FLAGS " --user-data-dir='%s/profile' %s "
                    "--dump-dom 'file://%s' >'%s/dom.html' 2>'%s/log'",
                    dir, extra ? extra : "", path, dir, dir);
}

static size_t console_lines(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/log", dir);
    char *log = test_read_file(path, NULL);
    size_t n = 0;
    for (const char *p = log; p && (p = strstr(p, ":CONSOLE")) != NULL; p++)
        n++;
    free(log);
    return n;
}

static void test_chromium(void **state)
{
    (void)state;
    if (access(CHROMIUM, X_OK) != 0) {
        fprintf(stderr, "note: %s is absent (apt-get install chromium); browser test skipped\n",
                CHROMIUM);
        skip();
    }
    world w;
    saksi_error err = {0};
    char html[4400], path[4400];
    world_build(&w, 3000, 21);
    assert_int_equal(saksi_report_render_files(w.h5, w.dir, "en", 1, &err), SAKSI_OK);
    snprintf(html, sizeof html, "%s/report.html", w.dir);

    assert_int_equal(open_page(w.dir, html, NULL), 0);
    assert_int_equal(console_lines(w.dir), 0);
    snprintf(path, sizeof path, "%s/dom.html", w.dir);
    char *dom = test_read_file(path, NULL);
    assert_non_null(dom);
    assert_non_null(strstr(dom, "id=\"limits\""));
    assert_non_null(strstr(dom, "id=\"ranked\""));
    assert_non_null(strstr(dom, "id=\"plots\""));
    assert_non_null(strstr(dom, "<tr id=\"rk1\">"));
    free(dom);

    /* a screenshot, as the README documents it */
    snprintf(path, sizeof path, "%s/shot.png", w.dir);
    assert_int_equal(test_run("timeout 120 " CHROMIUM " " CHROMIUM_FLAGS
                              " --user-data-dir='%s/profile' --hide-scrollbars "
                              "--window-size=1280,2400 --screenshot='%s' 'file://%s' "
                              ">/dev/null 2>&1",
                              w.dir, path, html),
                     0);
    size_t len;
    char *png = test_read_file(path, &len);
    assert_non_null(png);
    assert_true(len > 10000);
    assert_memory_equal(png, "\x89PNG", 4);
    free(png);

    /* the control: a page that reaches for the network is caught */
    snprintf(path, sizeof path, "%s/control.html", w.dir);
    assert_int_equal(test_write_file(path, "<!DOCTYPE html><html><head><meta "
                                           "http-equiv=\"Content-Security-Policy\" "
                                           "content=\"default-src 'none'\"></head><body><img "
                                           "src=\"http://example.invalid/x.png\"></body></html>"),
                     0);
    assert_int_equal(open_page(w.dir, path, NULL), 0);
    assert_true(console_lines(w.dir) >= 1);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_chromium)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
