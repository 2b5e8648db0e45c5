/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * plot.h — private to the report: the plots of report.html drawn in
 * process with cairo into PNG images held in memory. Numbers on the axes
 * use a built-in 5x7 bitmap font, so an image depends on no installed
 * font (titles, axis names and legends are HTML around the image, in both
 * languages).
 */
#ifndef SAKSI_PLOT_H
#define SAKSI_PLOT_H

#include "saksi_internal.h"

/* A PNG image in memory. */
typedef struct saksi_png {
    unsigned char *data;
    size_t len, cap;
    int width, height;
} saksi_png;

void saksi_png_free(saksi_png *p);

/* Plot sizes in pixels. */
#define SAKSI_PLOT_WIDTH  640
#define SAKSI_PLOT_HEIGHT 240
#define SAKSI_PLOT_SQUARE 360

/* Colours (0xRRGGBB) of the series, shared with the HTML legends. */
#define SAKSI_PLOT_BAR       0x4682b4 /* observed */
#define SAKSI_PLOT_EXPECTED  0x202020 /* calibrated expectation */
#define SAKSI_PLOT_CLASSICAL 0xe08214 /* classical (uncalibrated) expectation */

/* Histogram of counts in 1-point bins 0..99, bin 100 (exactly 100%) and
 * bin 101 (above 100%, drawn apart at the right). */
saksi_status saksi_plot_percent_hist(const int64_t *count, size_t nbins, saksi_png *out,
                                     saksi_error *err);
/* Digit bars: observed shares of the 10 digits against the calibrated
 * expectation (marks) and the classical one (dashed line); any of expected
 * and classical may be NULL or all NaN. Values are counts: shares are
 * drawn. */
saksi_status saksi_plot_digits(const double *observed, const double *expected,
                               const double *classical, saksi_png *out, saksi_error *err);
/* Integer-percent spikes: stations at exactly p% (bars) against the
 * expected count (line), p = 0..n-1. */
saksi_status saksi_plot_spikes(const double *observed, const double *expected, size_t n,
                               saksi_png *out, saksi_error *err);
/* Fingerprint heat-map: counts of nx turnout bins (x) by ny share bins
 * (y), x-major, coloured by log(1 + count), white where 0. */
saksi_status saksi_plot_heatmap(const int64_t *count, size_t nx, size_t ny, saksi_png *out,
                                saksi_error *err);

/* The 5x7 glyph of c (rows top to bottom, 5 low bits each), or NULL when
 * the font has none. Digits, '.', '%', '-', '+', 'e', 'k', 'M', ' '. */
const unsigned char *saksi_plot_glyph(char c);

#endif /* SAKSI_PLOT_H */
