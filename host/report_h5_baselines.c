/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_h5_baselines.c — the turnout family's section of report.h5
 * (docs/report-schema.md): /baselines (per-station baseline p-values and
 * effect sizes, one row per station and measure, apart from the narrow
 * /stations table; measure and skip-reason legends) and /integer_percent
 * (per level the region details of Kobak's test, the per-percent spike
 * profile with reachability). The BH rows themselves are in
 * /region_tests/<level>.
 */
#include "report_h5.h"
#include "turnout.h"

#include <math.h>
#include <string.h>

/* A table not yet opened: nothing to release. */
#define TABLE_NONE                                                                                 \
    {                                                                                              \
        .dset = H5I_INVALID_HID, .ftype = H5I_INVALID_HID, .mtype = H5I_INVALID_HID                \
    }

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* ------------------------------------------------------------------ */
/* /baselines                                                          */
/* ------------------------------------------------------------------ */

enum { BS_STATION, BS_MEASURE, BS_X, BS_N, BS_EXP, BS_P, BS_Z, BS_DIR, BS_SKIP, BS_NCOLS };

static saksi_status write_measures(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                   const saksi_baselines *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = TABLE_NONE;
    char name[64];
    enum {
        M_MEASURE,
        M_NAME,
        M_TESTED,
        M_VILLAGE,
        M_K0,
        M_PRIOR,
        M_SKEW,
        M_TREND,
        M_DISP,
        M_SKIP0
    };
    saksi_h5_col cols[M_SKIP0 + SAKSI_NBSKIP - 1];
    static const char *const skip_cols[SAKSI_NBSKIP] = {"",
                                                        "skipped_absent",
                                                        "skipped_missing",
                                                        "skipped_size",
                                                        "skipped_range",
                                                        "skipped_integrity",
                                                        "skipped_no_peers",
                                                        "skipped_stratum"};
    size_t w = 1;
    for (size_t m = 0; m < b->nmeasures; m++) {
        saksi_baseline_measure_name(t, m, name, sizeof name);
        w = max_sz(w, strlen(name));
    }
    cols[M_MEASURE] = (saksi_h5_col){"measure", SAKSI_H5_I32, 0};
    cols[M_NAME] = (saksi_h5_col){"name", SAKSI_H5_STR, w};
    cols[M_TESTED] = (saksi_h5_col){"tested", SAKSI_H5_I64, 0};
    cols[M_VILLAGE] = (saksi_h5_col){"village_share", SAKSI_H5_F64, 0};
    cols[M_K0] = (saksi_h5_col){"shrink_k0", SAKSI_H5_F64, 0};
    cols[M_PRIOR] = (saksi_h5_col){"prior_df", SAKSI_H5_F64, 0};
    cols[M_SKEW] = (saksi_h5_col){"share_skew", SAKSI_H5_F64, 0};
    cols[M_TREND] = (saksi_h5_col){"size_trend", SAKSI_H5_F64, 0};
    cols[M_DISP] = (saksi_h5_col){"size_dispersion", SAKSI_H5_F64, 0};
    for (int r = 1; r < SAKSI_NBSKIP; r++)
        cols[M_SKIP0 + r - 1] = (saksi_h5_col){skip_cols[r], SAKSI_H5_I64, 0};
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/baselines", "measures", cols,
                                  sizeof cols / sizeof cols[0], b->nmeasures, err));
    for (size_t m = 0; m < b->nmeasures; m++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_baseline_measure_name(t, m, name, sizeof name);
        saksi_h5_put_i32(&tb, row, M_MEASURE, (int32_t)m);
        saksi_h5_put_str(&tb, row, M_NAME, name);
        saksi_h5_put_i64(&tb, row, M_TESTED, (int64_t)b->tested[m]);
        saksi_h5_put_f64(&tb, row, M_VILLAGE, b->village_share[m]);
        saksi_h5_put_f64(&tb, row, M_K0, b->shrink_k0[m]);
        saksi_h5_put_f64(&tb, row, M_PRIOR, b->prior_df[m]);
        saksi_h5_put_f64(&tb, row, M_SKEW, b->share_skew[m]);
        saksi_h5_put_f64(&tb, row, M_TREND, b->size_trend[m]);
        saksi_h5_put_f64(&tb, row, M_DISP, b->size_dispersion[m]);
        for (int r = 1; r < SAKSI_NBSKIP; r++)
            saksi_h5_put_i64(&tb, row, M_SKIP0 + (size_t)r - 1, (int64_t)b->skipped[m][r]);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_skip_reasons(const saksi_h5_file *f, hid_t g, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = TABLE_NONE;
    size_t w = 1;
    for (int r = 0; r < SAKSI_NBSKIP; r++)
        w = max_sz(w, strlen(saksi_baseline_skip_name(r)));
    const saksi_h5_col cols[] = {{"code", SAKSI_H5_I32, 0}, {"reason", SAKSI_H5_STR, w}};
    SAKSI_TRY(
        saksi_h5_table_open(&tb, f, g, "/baselines", "skip_reasons", cols, 2, SAKSI_NBSKIP, err));
    for (int r = 0; r < SAKSI_NBSKIP; r++) {
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, 0, r);
        saksi_h5_put_str(&tb, row, 1, saksi_baseline_skip_name(r));
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

/* One row per station and measure whose column exists (absent columns
 * are counted in /baselines/measures only). */
static saksi_status write_station_rows(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                       const saksi_baselines *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = TABLE_NONE;
    size_t rows = 0;
    for (size_t m = 0; m < b->nmeasures; m++)
        rows += b->n - b->skipped[m][SAKSI_BSKIP_ABSENT];
    const saksi_h5_col cols[BS_NCOLS] = {
        [BS_STATION] = {"station", SAKSI_H5_I32, 0},
        [BS_MEASURE] = {"measure", SAKSI_H5_I32, 0},
        [BS_X] = {"x", SAKSI_H5_I32, 0},
        [BS_N] = {"n", SAKSI_H5_I32, 0},
        [BS_EXP] = {"expected", SAKSI_H5_F64, 0},
        [BS_P] = {"p", SAKSI_H5_F64, 0},
        [BS_Z] = {"z", SAKSI_H5_F64, 0},
        [BS_DIR] = {"direction", SAKSI_H5_I32, 0},
        [BS_SKIP] = {"skip_reason", SAKSI_H5_I32, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/baselines", "stations", cols, BS_NCOLS, rows, err));
    /* Station-major: a station's measures are adjacent, as a reader
     * looking one station up wants them. */
    for (size_t i = 0; i < b->n; i++) {
        for (size_t m = 0; m < b->nmeasures; m++) {
            size_t k = m * b->n + i;
            if (b->skip[k] == SAKSI_BSKIP_ABSENT) continue;
            unsigned char *row;
            int32_t x = -1, n = -1;
            if (saksi_baseline_rate(t, m, i, &x, &n) != SAKSI_BSKIP_NONE)
                x = n = -1; /* no usable rate: see skip_reason */
            SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
            saksi_h5_put_i32(&tb, row, BS_STATION, (int32_t)i);
            saksi_h5_put_i32(&tb, row, BS_MEASURE, (int32_t)m);
            saksi_h5_put_i32(&tb, row, BS_X, x);
            saksi_h5_put_i32(&tb, row, BS_N, n);
            saksi_h5_put_f64(&tb, row, BS_EXP, b->expected[k]);
            saksi_h5_put_f64(&tb, row, BS_P, b->p[k]);
            saksi_h5_put_f64(&tb, row, BS_Z, b->z[k]);
            int dir = isnan(b->expected[k]) || x < 0 ? 0
                      : x > b->expected[k]           ? 1
                      : x < b->expected[k]           ? -1
                                                     : 0;
            saksi_h5_put_i32(&tb, row, BS_DIR, dir);
            saksi_h5_put_i32(&tb, row, BS_SKIP, b->skip[k]);
        }
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_baselines(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                    const saksi_baselines *b, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = -1;
    SAKSI_TRY(saksi_h5_group(f, root, "baselines", &g, err));
    SAKSI_TRY(
        saksi_h5_attr_str(f, g, "/baselines", "null", saksi_baseline_null_name(b->null), err));
    SAKSI_TRY(saksi_h5_attr_str(
        f, g, "/baselines", "definition",
        "per station and measure: two-sided mid-p of its count under the peer null (district "
        "peers of its stratum, leave one out, shrunk to the regency, then province and nation "
        "for tiny strata), robust z = (rate - peer median) / max(1.4826 MAD, binomial sd), "
        "direction = sign(x - expected). Measures: turnout = voters_dpt (else total, else "
        "voters_total) / registered; invalid / total; (voters_dptb + voters_dpk) / voters_total; "
        "cand_k / valid.",
        err));
    SAKSI_TRY(saksi_h5_attr_str(f, g, "/baselines", "turnout_numerator",
                                b->turnout_field >= 0 ? saksi_field_name(b->turnout_field) : "",
                                err));
    SAKSI_TRY(write_measures(f, g, t, b, err));
    SAKSI_TRY(write_skip_reasons(f, g, err));
    SAKSI_TRY(write_station_rows(f, g, t, b, err));
out:
    return saksi_h5_close(g, H5Gclose, rc, f, "/baselines", err);
}

/* ------------------------------------------------------------------ */
/* /integer_percent                                                    */
/* ------------------------------------------------------------------ */

enum {
    IP_REGION,
    IP_CODE,
    IP_STATIONS,
    IP_TESTED,
    IP_OBS,
    IP_OBS_T,
    IP_OBS_S,
    IP_EXP,
    IP_EXP_T,
    IP_EXP_S,
    IP_VAR,
    IP_TAIL,
    IP_MIDP,
    IP_METHOD,
    IP_DROPPED,
    IP_SMALL,
    IP_SKIP,
    IP_NCOLS
};

static saksi_status write_ipct_level(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                     const saksi_kobak *k, int level, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = TABLE_NONE;
    size_t rows = 0, wcode = 1, wskip = 1;
    for (size_t r = 0; r < k->nregions; r++) {
        const saksi_kobak_region *kr = &k->regions[r];
        if (kr->level != level) continue;
        rows++;
        wcode = max_sz(wcode, strlen(t->regions[level].code[kr->region]));
        wskip = max_sz(wskip, strlen(kr->skip));
    }
    const saksi_h5_col cols[IP_NCOLS] = {
        [IP_REGION] = {"region", SAKSI_H5_I32, 0},
        [IP_CODE] = {"code", SAKSI_H5_STR, wcode},
        [IP_STATIONS] = {"stations", SAKSI_H5_I64, 0},
        [IP_TESTED] = {"tested", SAKSI_H5_I64, 0},
        [IP_OBS] = {"observed", SAKSI_H5_I64, 0},
        [IP_OBS_T] = {"observed_turnout", SAKSI_H5_I64, 0},
        [IP_OBS_S] = {"observed_share", SAKSI_H5_I64, 0},
        [IP_EXP] = {"expected", SAKSI_H5_F64, 0},
        [IP_EXP_T] = {"expected_turnout", SAKSI_H5_F64, 0},
        [IP_EXP_S] = {"expected_share", SAKSI_H5_F64, 0},
        [IP_VAR] = {"variance", SAKSI_H5_F64, 0},
        [IP_TAIL] = {"p_tail", SAKSI_H5_F64, 0},
        [IP_MIDP] = {"p_mid", SAKSI_H5_F64, 0},
        [IP_METHOD] = {"method", SAKSI_H5_STR, strlen("saddlepoint")},
        [IP_DROPPED] = {"dropped_mass", SAKSI_H5_F64, 0},
        [IP_SMALL] = {"small_share", SAKSI_H5_F64, 0},
        [IP_SKIP] = {"skip_reason", SAKSI_H5_STR, wskip},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/integer_percent", saksi_level_name(level), cols,
                                  IP_NCOLS, rows, err));
    for (size_t r = 0; r < k->nregions; r++) {
        const saksi_kobak_region *kr = &k->regions[r];
        unsigned char *row;
        if (kr->level != level) continue;
        int tested = !*kr->skip;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, IP_REGION, (int32_t)kr->region);
        saksi_h5_put_str(&tb, row, IP_CODE, t->regions[level].code[kr->region]);
        saksi_h5_put_i64(&tb, row, IP_STATIONS, (int64_t)kr->stations);
        saksi_h5_put_i64(&tb, row, IP_TESTED, (int64_t)kr->tested);
        saksi_h5_put_i64(&tb, row, IP_OBS, kr->observed);
        saksi_h5_put_i64(&tb, row, IP_OBS_T, kr->observed_rate[SAKSI_IPCT_TURNOUT]);
        saksi_h5_put_i64(&tb, row, IP_OBS_S, kr->observed_rate[SAKSI_IPCT_SHARE]);
        saksi_h5_put_f64(&tb, row, IP_EXP, kr->expected);
        saksi_h5_put_f64(&tb, row, IP_EXP_T, kr->expected_rate[SAKSI_IPCT_TURNOUT]);
        saksi_h5_put_f64(&tb, row, IP_EXP_S, kr->expected_rate[SAKSI_IPCT_SHARE]);
        saksi_h5_put_f64(&tb, row, IP_VAR, kr->variance);
        saksi_h5_put_f64(&tb, row, IP_TAIL, tested ? kr->test.tail : NAN);
        saksi_h5_put_f64(&tb, row, IP_MIDP, tested ? kr->test.midp : NAN);
        saksi_h5_put_str(&tb, row, IP_METHOD,
                         tested ? saksi_poibin_method_name(kr->test.method) : "");
        saksi_h5_put_f64(&tb, row, IP_DROPPED, tested ? kr->test.dropped : NAN);
        saksi_h5_put_f64(&tb, row, IP_SMALL, kr->small_share);
        saksi_h5_put_str(&tb, row, IP_SKIP, kr->skip);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

enum { PF_LEVEL, PF_REGION, PF_CODE, PF_RATE, PF_PCT, PF_OBS, PF_EXP, PF_REACH, PF_NCOLS };

static saksi_status write_profile(const saksi_h5_file *f, hid_t g, const saksi_table *t,
                                  const saksi_kobak *k, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    saksi_h5_table tb = TABLE_NONE;
    static const char *const rate_names[SAKSI_NIPCT_RATES] = {"turnout", "share"};
    size_t wcode = 1;
    for (size_t q = 0; q < k->nprofile; q++)
        wcode = max_sz(wcode, strlen(t->regions[k->profile[q].level].code[k->profile[q].region]));
    const saksi_h5_col cols[PF_NCOLS] = {
        [PF_LEVEL] = {"level", SAKSI_H5_I32, 0},   [PF_REGION] = {"region", SAKSI_H5_I32, 0},
        [PF_CODE] = {"code", SAKSI_H5_STR, wcode}, [PF_RATE] = {"rate", SAKSI_H5_STR, 7},
        [PF_PCT] = {"percent", SAKSI_H5_I32, 0},   [PF_OBS] = {"observed", SAKSI_H5_I64, 0},
        [PF_EXP] = {"expected", SAKSI_H5_F64, 0},  [PF_REACH] = {"reachable", SAKSI_H5_I64, 0},
    };
    SAKSI_TRY(saksi_h5_table_open(&tb, f, g, "/integer_percent", "profile", cols, PF_NCOLS,
                                  k->nprofile, err));
    for (size_t q = 0; q < k->nprofile; q++) {
        const saksi_kobak_profile *pf = &k->profile[q];
        unsigned char *row;
        SAKSI_TRY(saksi_h5_table_row(&tb, &row, err));
        saksi_h5_put_i32(&tb, row, PF_LEVEL, pf->level);
        saksi_h5_put_i32(&tb, row, PF_REGION, (int32_t)pf->region);
        saksi_h5_put_str(&tb, row, PF_CODE, t->regions[pf->level].code[pf->region]);
        saksi_h5_put_str(&tb, row, PF_RATE, rate_names[pf->rate]);
        saksi_h5_put_i32(&tb, row, PF_PCT, pf->percent);
        saksi_h5_put_i64(&tb, row, PF_OBS, pf->observed);
        saksi_h5_put_f64(&tb, row, PF_EXP, pf->expected);
        saksi_h5_put_i64(&tb, row, PF_REACH, pf->reachable);
    }
    SAKSI_TRY(saksi_h5_table_close(&tb, err));
out:
    saksi_h5_table_release(&tb);
    return rc;
}

static saksi_status write_integer_percent(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                          const saksi_kobak *k, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    hid_t g = -1;
    char leader[96] = "", tol[48], fields[160];
    if (k->leader >= 0) snprintf(leader, sizeof leader, "cand_%s", t->cand_label[k->leader]);
    snprintf(tol, sizeof tol, "%d/%d points", k->tol_num, k->tol_den);
    snprintf(fields, sizeof fields, "turnout %s / %s; share %s / %s",
             k->field[0] >= 0 ? saksi_field_name(k->field[0]) : "(absent)",
             k->field[1] >= 0 ? saksi_field_name(k->field[1]) : "(absent)",
             leader[0] ? leader : "(no candidate)",
             k->field[3] >= 0 ? saksi_field_name(k->field[3]) : "(absent)");
    SAKSI_TRY(saksi_h5_group(f, root, "integer_percent", &g, err));
    const char *const attrs[][2] = {
        {"leader", leader},
        {"tolerance", tol},
        {"rates", fields},
        {"null", "per station the binomial at its own observed rate (Kobak, Shpilkin & "
                 "Pshenichnikov 2016); per region the exact Poisson-binomial of the union "
                 "(windowed DP within mean +- 12 sd, else Lugannani-Rice saddlepoint)"},
        {"limits", "an exact integer percentage of n voters needs n to divide 100 x: at the "
                   "<= 300 voters of a TPS many percentages are unreachable (see reachable in "
                   "profile); the test sees round numbers only, not other falsification"},
    };
    for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++)
        SAKSI_TRY(saksi_h5_attr_str(f, g, "/integer_percent", attrs[a][0], attrs[a][1], err));
    for (int l = 0; l <= SAKSI_IPCT_MAX_LEVEL && l < SAKSI_NLEVELS; l++)
        SAKSI_TRY(write_ipct_level(f, g, t, k, l, err));
    SAKSI_TRY(write_profile(f, g, t, k, err));
out:
    return saksi_h5_close(g, H5Gclose, rc, f, "/integer_percent", err);
}

saksi_status saksi_h5_write_baselines(const saksi_h5_file *f, hid_t root, const saksi_table *t,
                                      const saksi_results *res, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    const saksi_turnout *tr = res->turnout;
    if (tr && tr->baselines) {
        if (tr->baselines->n != t->n)
            SAKSI_FAIL(SAKSI_ERR_INTERNAL, "%s: baselines of %zu stations for a table of %zu",
                       f->path, tr->baselines->n, t->n);
        SAKSI_TRY(write_baselines(f, root, t, tr->baselines, err));
    }
    if (tr && tr->kobak) SAKSI_TRY(write_integer_percent(f, root, t, tr->kobak, err));
out:
    return rc;
}
