/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_text.h — private to report_html*.c: the fixed bilingual
 * words of report.html, its style sheet and the helpers the section
 * writers share.
 */
#ifndef SAKSI_REPORT_HTML_TEXT_H
#define SAKSI_REPORT_HTML_TEXT_H

#include "plot.h"
#include "report_html.h"

/* One entry of the limits box: what a test cannot detect. */
typedef struct saksi_html_limit {
    const char *topic;
    const char *id, *en;
} saksi_html_limit;

extern const saksi_html_limit saksi_html_limits[];
extern const size_t saksi_html_nlimits;
extern const char saksi_html_style[];

/* Inflation factor from which a family is named in the limits box. */
#define SAKSI_HTML_LAMBDA_WARN 1.3
/* Panels drawn at most per figure kind: up to 4 flagged regions, then the
 * digit family's national view, three tests per candidate. */
#define SAKSI_HTML_MAX_PANELS 16

/* A bilingual heading: <hN id=...>Indonesian <span class=en>/ English</span></hN>. */
void saksi_html_heading(FILE *f, int level, const char *anchor, const char *id, const char *en);
/* A number with a '.' decimal point whatever the locale; "" for NaN. */
void saksi_html_num(FILE *f, double v, int precision);
/* A percentage of a / b with one decimal, "" when b is 0. */
void saksi_html_pct(FILE *f, double a, double b);
/* <img> of a PNG as a base64 data URI. */
void saksi_html_png(FILE *f, const saksi_png *png, const char *alt);

/* The sections with plots (report_html_plots.c). */
saksi_status saksi_html_plots(FILE *f, const saksi_view *v, saksi_error *err);

#endif /* SAKSI_REPORT_HTML_TEXT_H */
