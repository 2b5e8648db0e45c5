/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot.c — the plots of report.html, drawn with cairo into in-memory PNGs:
 * percent histograms, digit bars against the calibrated and classical
 * expectations, integer-percent spike profiles and the fingerprint
 * heat-map (log colour). Axis numbers come from the bitmap font of
 * plot_font.c; everything else is shapes, so no installed font is used.
 */
#include "plot.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frame: room for the y labels at the left and the x labels below. */
#define MARGIN_LEFT   64
#define MARGIN_RIGHT  28 /* half of "100%" at the right end */
#define MARGIN_TOP    12
#define MARGIN_BOTTOM 30
/* Bitmap font: 5x7 glyphs drawn at this many pixels per dot. */
#define FONT_SCALE   2
#define FONT_ADVANCE (6 * FONT_SCALE)
#define FONT_HEIGHT  (7 * FONT_SCALE)
/* Ticks on the y axis: about this many. */
#define Y_TICKS 4

void saksi_png_free(saksi_png *p)
{
    if (!p) return;
    free(p->data);
    memset(p, 0, sizeof *p);
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                         (rgb & 255) / 255.0);
}

/* Text in the bitmap font, its top-left at (x, y); characters the font
 * lacks are skipped. */
static void draw_text(cairo_t *cr, double x, double y, const char *s)
{
    cairo_save(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    set_rgb(cr, 0x000000);
    for (; *s; s++, x += FONT_ADVANCE) {
        const unsigned char *g = saksi_plot_glyph(*s);
        for (int r = 0; g && r < 7; r++)
            for (int c = 0; c < 5; c++)
                if (g[r] >> (4 - c) & 1)
                    cairo_rectangle(cr, floor(x) + c * FONT_SCALE, floor(y) + r * FONT_SCALE,
                                    FONT_SCALE, FONT_SCALE);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

static double text_width(const char *s)
{
    return (double)strlen(s) * FONT_ADVANCE - FONT_SCALE;
}

/* A tick value as short text: 12k for 12,000, 1.5M, 0.25, 40%. */
static void tick_text(char *buf, size_t len, double v, int percent)
{
    if (percent)
        snprintf(buf, len, "%g%%", v);
    else if (fabs(v) >= 1e6)
        snprintf(buf, len, "%gM", v / 1e6);
    else if (fabs(v) >= 1e4)
        snprintf(buf, len, "%gk", v / 1e3);
    else
        snprintf(buf, len, "%g", v);
    for (char *c = buf; *c; c++)
        if (*c == ',') *c = '.'; /* a decimal point whatever the locale */
}

/* A step of 1, 2 or 5 times a power of ten giving about Y_TICKS ticks. */
static double nice_step(double max)
{
    double raw = max / Y_TICKS, p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
}

typedef struct frame {
    cairo_surface_t *surface;
    cairo_t *cr;
    double x0, y0, w, h; /* plot area */
    double ymax;         /* top of the y axis */
} frame;

static saksi_status frame_open(frame *fr, int width, int height, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    fr->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(fr->surface) != CAIRO_STATUS_SUCCESS)
        SAKSI_FAIL(SAKSI_ERR_NOMEM, "cairo cannot make a %dx%d image: %s", width, height,
                   cairo_status_to_string(cairo_surface_status(fr->surface)));
    fr->cr = cairo_create(fr->surface);
    if (cairo_status(fr->cr) != CAIRO_STATUS_SUCCESS)
        SAKSI_FAIL(SAKSI_ERR_NOMEM, "cairo cannot draw: %s",
                   cairo_status_to_string(cairo_status(fr->cr)));
    set_rgb(fr->cr, 0xffffff);
    cairo_paint(fr->cr);
    fr->x0 = MARGIN_LEFT;
    fr->y0 = MARGIN_TOP;
    fr->w = width - MARGIN_LEFT - MARGIN_RIGHT;
    fr->h = height - MARGIN_TOP - MARGIN_BOTTOM;
out:
    return rc;
}

/* y axis from 0 to a nice value above max, with grid lines and labels. */
static void y_axis(frame *fr, double max, int percent)
{
    cairo_t *cr = fr->cr;
    double step = nice_step(max > 0 ? max : 1.0);
    fr->ymax = ceil((max > 0 ? max : 1.0) / step) * step;
    cairo_set_line_width(cr, 1.0);
    for (double v = 0; v <= fr->ymax + step / 2; v += step) {
        double y = floor(fr->y0 + fr->h - v / fr->ymax * fr->h) + 0.5;
        char buf[32];
        set_rgb(cr, v == 0 ? 0x000000 : 0xdddddd);
        cairo_move_to(cr, fr->x0, y);
        cairo_line_to(cr, fr->x0 + fr->w, y);
        cairo_stroke(cr);
        tick_text(buf, sizeof buf, percent ? v * 100.0 : v, percent);
        draw_text(cr, fr->x0 - 6 - text_width(buf), y - FONT_HEIGHT / 2.0, buf);
    }
}

static double px_y(const frame *fr, double v)
{
    return fr->y0 + fr->h - (v > fr->ymax ? fr->ymax : v) / fr->ymax * fr->h;
}

/* An x label centred at x. */
static void x_label(frame *fr, double x, const char *s)
{
    draw_text(fr->cr, x - text_width(s) / 2.0, fr->y0 + fr->h + 8, s);
}

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    saksi_png *p = closure;
    if (p->cap - p->len < len) {
        size_t cap = p->cap ? p->cap : 1 << 14;
        while (cap - p->len < len)
            cap *= 2;
        unsigned char *d2 = realloc(p->data, cap);
        if (!d2) return CAIRO_STATUS_NO_MEMORY;
        p->data = d2;
        p->cap = cap;
    }
    memcpy(p->data + p->len, data, len);
    p->len += len;
    return CAIRO_STATUS_SUCCESS;
}

static saksi_status frame_close(frame *fr, saksi_png *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    if (fr->cr && cairo_status(fr->cr) != CAIRO_STATUS_SUCCESS)
        SAKSI_FAIL(SAKSI_ERR_NOMEM, "cairo failed while drawing: %s",
                   cairo_status_to_string(cairo_status(fr->cr)));
    if (out && fr->surface) {
        cairo_surface_flush(fr->surface);
        out->width = cairo_image_surface_get_width(fr->surface);
        out->height = cairo_image_surface_get_height(fr->surface);
        cairo_status_t st = cairo_surface_write_to_png_stream(fr->surface, png_write, out);
        if (st != CAIRO_STATUS_SUCCESS)
            SAKSI_FAIL(SAKSI_ERR_NOMEM, "cairo cannot write a PNG: %s", cairo_status_to_string(st));
    }
out:
    if (rc != SAKSI_OK && out) saksi_png_free(out);
    if (fr->cr) cairo_destroy(fr->cr);
    if (fr->surface) cairo_surface_destroy(fr->surface);
    fr->cr = NULL;
    fr->surface = NULL;
    return rc;
}

/* Close the frame: the PNG when everything went well, and the first
 * failure otherwise (out is then empty). */
static saksi_status finish(frame *fr, saksi_status rc, saksi_png *out, saksi_error *err)
{
    saksi_status rc2 = frame_close(fr, rc == SAKSI_OK ? out : NULL, err);
    if (rc != SAKSI_OK) saksi_png_free(out);
    return rc != SAKSI_OK ? rc : rc2;
}

static void bar(frame *fr, double x, double w, double v, uint32_t rgb)
{
    if (!(v > 0)) return;
    double top = px_y(fr, v);
    set_rgb(fr->cr, rgb);
    cairo_rectangle(fr->cr, x, top, w, fr->y0 + fr->h - top);
    cairo_fill(fr->cr);
}

/* ------------------------------------------------------------------ */

saksi_status saksi_plot_percent_hist(const int64_t *count, size_t nbins, saksi_png *out,
                                     saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    frame fr = {0};
    double max = 0;
    memset(out, 0, sizeof *out);
    if (nbins < 102)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "a percent histogram needs 102 bins, not %zu", nbins);
    SAKSI_TRY(frame_open(&fr, SAKSI_PLOT_WIDTH, SAKSI_PLOT_HEIGHT, err));
    for (size_t k = 0; k < nbins; k++)
        max = (double)count[k] > max ? (double)count[k] : max;
    y_axis(&fr, max, 0);
    /* 101 bins 0..100% side by side, a gap of 3 bins, then "above 100%" */
    double bw = fr.w / 105.0;
    for (size_t k = 0; k <= 100; k++)
        bar(&fr, fr.x0 + k * bw, bw * 0.9, (double)count[k], SAKSI_PLOT_BAR);
    bar(&fr, fr.x0 + 104 * bw, bw * 0.9, (double)count[101], SAKSI_PLOT_CLASSICAL);
    for (int p = 0; p <= 100; p += 20) {
        char buf[16];
        tick_text(buf, sizeof buf, p, 1);
        x_label(&fr, fr.x0 + (p + 0.5) * bw, buf);
    }
    /* the overflow bar is named in the caption: a label there would
     * collide with "100%" */
out:
    return finish(&fr, rc, out, err);
}

saksi_status saksi_plot_digits(const double *observed, const double *expected,
                               const double *classical, saksi_png *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    frame fr = {0};
    double share[3][10], total = 0, max = 0;
    const double *series[3] = {observed, expected, classical};
    memset(out, 0, sizeof *out);
    SAKSI_TRY(frame_open(&fr, SAKSI_PLOT_WIDTH, SAKSI_PLOT_HEIGHT, err));
    /* every series as shares of its own total (the expectations are counts
     * over the same numbers, or already probabilities) */
    for (int s = 0; s < 3; s++) {
        total = 0;
        for (int d = 0; d < 10; d++)
            total += series[s] && isfinite(series[s][d]) ? series[s][d] : 0;
        for (int d = 0; d < 10; d++) {
            share[s][d] =
                series[s] && isfinite(series[s][d]) && total > 0 ? series[s][d] / total : NAN;
            max = share[s][d] > max ? share[s][d] : max;
        }
    }
    y_axis(&fr, max * 1.1, 1);
    double bw = fr.w / 10.0;
    cairo_t *cr = fr.cr;
    for (int d = 0; d < 10; d++) {
        char buf[4] = {(char)('0' + d), 0};
        bar(&fr, fr.x0 + d * bw + bw * 0.15, bw * 0.7, share[0][d], SAKSI_PLOT_BAR);
        x_label(&fr, fr.x0 + (d + 0.5) * bw, buf);
    }
    /* classical: a dashed line across each bar */
    set_rgb(cr, SAKSI_PLOT_CLASSICAL);
    cairo_set_line_width(cr, 2.0);
    cairo_set_dash(cr, (double[]){6.0, 4.0}, 2, 0);
    for (int d = 0; d < 10; d++) {
        if (isnan(share[2][d])) continue;
        cairo_move_to(cr, fr.x0 + d * bw + 2, px_y(&fr, share[2][d]));
        cairo_line_to(cr, fr.x0 + (d + 1) * bw - 2, px_y(&fr, share[2][d]));
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    /* calibrated: a solid mark on each bar */
    set_rgb(cr, SAKSI_PLOT_EXPECTED);
    cairo_set_line_width(cr, 3.0);
    for (int d = 0; d < 10; d++) {
        if (isnan(share[1][d])) continue;
        double y = px_y(&fr, share[1][d]);
        cairo_move_to(cr, fr.x0 + d * bw + bw * 0.1, y);
        cairo_line_to(cr, fr.x0 + d * bw + bw * 0.9, y);
    }
    cairo_stroke(cr);
out:
    return finish(&fr, rc, out, err);
}

saksi_status saksi_plot_spikes(const double *observed, const double *expected, size_t n,
                               saksi_png *out, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    frame fr = {0};
    double max = 0;
    memset(out, 0, sizeof *out);
    if (n < 2)
        SAKSI_FAIL(SAKSI_ERR_INTERNAL, "a spike profile needs 2 or more percents, not %zu", n);
    SAKSI_TRY(frame_open(&fr, SAKSI_PLOT_WIDTH, SAKSI_PLOT_HEIGHT, err));
    for (size_t k = 0; k < n; k++) {
        max = observed[k] > max ? observed[k] : max;
        max = expected && expected[k] > max ? expected[k] : max;
    }
    y_axis(&fr, max, 0);
    double bw = fr.w / (double)n;
    for (size_t k = 0; k < n; k++)
        bar(&fr, fr.x0 + k * bw, bw * 0.8, observed[k], SAKSI_PLOT_BAR);
    if (expected) {
        cairo_t *cr = fr.cr;
        set_rgb(cr, SAKSI_PLOT_EXPECTED);
        cairo_set_line_width(cr, 1.5);
        int started = 0;
        for (size_t k = 0; k < n; k++) {
            if (!isfinite(expected[k])) {
                started = 0;
                continue;
            }
            double x = fr.x0 + (k + 0.4) * bw, y = px_y(&fr, expected[k]);
            if (started)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            started = 1;
        }
        cairo_stroke(cr);
    }
    for (size_t p = 0; p < n; p += 20) {
        char buf[16];
        tick_text(buf, sizeof buf, (double)p, 1);
        x_label(&fr, fr.x0 + (p + 0.4) * bw, buf);
    }
out:
    return finish(&fr, rc, out, err);
}

/* Perceptual palette (viridis anchors, Smith & van der Walt 2015) for t
 * in [0, 1], linear between anchors. */
static uint32_t palette(double t)
{
    static const unsigned char a[5][3] = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    double x = (t < 0 ? 0 : t > 1 ? 1 : t) * 4.0;
    int k = x >= 4.0 ? 3 : (int)x;
    double f = x - k;
    uint32_t rgb = 0;
    for (int c = 0; c < 3; c++)
        rgb = rgb << 8 | (uint32_t)lround(a[k][c] + f * (a[k + 1][c] - a[k][c]));
    return rgb;
}

saksi_status saksi_plot_heatmap(const int64_t *count, size_t nx, size_t ny, saksi_png *out,
                                saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    frame fr = {0};
    int64_t max = 0;
    memset(out, 0, sizeof *out);
    if (nx == 0 || ny == 0) SAKSI_FAIL(SAKSI_ERR_INTERNAL, "a heat-map of %zu x %zu cells", nx, ny);
    /* the square plot area, then room for the colour scale and its labels */
    SAKSI_TRY(frame_open(&fr, MARGIN_LEFT + SAKSI_PLOT_SQUARE - MARGIN_TOP - MARGIN_BOTTOM + 110,
                         SAKSI_PLOT_SQUARE, err));
    fr.w = fr.h; /* square cells */
    for (size_t k = 0; k < nx * ny; k++)
        max = count[k] > max ? count[k] : max;
    double cw = fr.w / (double)nx, ch = fr.h / (double)ny, lmax = log1p((double)max);
    cairo_t *cr = fr.cr;
    for (size_t x = 0; x < nx; x++)
        for (size_t y = 0; y < ny; y++) {
            int64_t c = count[x * ny + y];
            if (c <= 0) continue;
            set_rgb(cr, palette(lmax > 0 ? log1p((double)c) / lmax : 1.0));
            /* whole pixels: neighbouring cells must not bleed into each other */
            double x0 = floor(fr.x0 + x * cw), x1 = floor(fr.x0 + (x + 1) * cw);
            double y1 = floor(fr.y0 + fr.h - y * ch), y0 = floor(fr.y0 + fr.h - (y + 1) * ch);
            cairo_rectangle(cr, x0, y0, x1 - x0 > 1 ? x1 - x0 : 1, y1 - y0 > 1 ? y1 - y0 : 1);
            cairo_fill(cr);
        }
    set_rgb(cr, 0x000000);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, fr.x0 - 0.5, fr.y0 - 0.5, fr.w + 1, fr.h + 1);
    cairo_stroke(cr);
    for (int p = 0; p <= 100; p += 20) {
        char buf[16];
        tick_text(buf, sizeof buf, p, 1);
        x_label(&fr, fr.x0 + p / 100.0 * fr.w, buf);
        draw_text(cr, fr.x0 - 6 - text_width(buf),
                  fr.y0 + fr.h - p / 100.0 * fr.h - FONT_HEIGHT / 2.0, buf);
    }
    /* the colour scale: a bar from 1 to the largest count, log-spaced */
    double bx = fr.x0 + fr.w + 14;
    for (int k = 0; k < 100; k++) {
        set_rgb(cr, palette(k / 99.0));
        cairo_rectangle(cr, bx, fr.y0 + fr.h - (k + 1) * fr.h / 100.0, 12, fr.h / 100.0 + 0.5);
        cairo_fill(cr);
    }
    char buf[32];
    tick_text(buf, sizeof buf, (double)max, 0);
    draw_text(cr, bx + 16, fr.y0, buf);
    draw_text(cr, bx + 16, fr.y0 + fr.h - FONT_HEIGHT, "1");
out:
    return finish(&fr, rc, out, err);
}
