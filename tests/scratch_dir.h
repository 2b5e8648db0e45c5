/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scratch_dir.h — a scratch folder for a test group: scratch_setup and
 * scratch_teardown as the group's cmocka fixtures, at(name) the path of a
 * file in it (eight rotating buffers, so one call may take several).
 */
#ifndef SAKSI_SCRATCH_DIR_H
#define SAKSI_SCRATCH_DIR_H

#include "test_support.h"

static char *dir;

static inline int scratch_setup(void **state)
{
    (void)state;
    dir = test_mkdtemp("scratch");
    return dir ? 0 : -1;
}

static inline int scratch_teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    return 0;
}

static inline const char *at(const char *name)
{
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

#endif
