/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * version.c — saksi's version and the versions of the libraries it runs
 * with, for --version and the report's provenance.
 */
#include "report.h"

#include <gsl/gsl_version.h>
#include <openssl/crypto.h>
#include <stdio.h>

const char *saksi_version_string(void)
{
    return SAKSI_VERSION_STRING;
}

void saksi_library_versions(char *buf, size_t len)
{
    char h5[64];
    saksi_report_h5_library_version(h5, sizeof h5);
    /* gsl_version and OpenSSL_version are the linked libraries' own. */
    snprintf(buf, len, "%s; GSL %s; %s; OpenCL 1.2 host API (ICD loader)", h5, gsl_version,
             OpenSSL_version(OPENSSL_VERSION));
}
