/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_rng.c — the host Philox4x32-10 of saksi_shared.h against the
 * published known-answer vectors of Random123 and against hand arithmetic
 * for one round. The device copy is checked against the same vectors in
 * test_opencl.c.
 * LABELS: unit
 */
#include "test_support.h"

#include "saksi_shared.h"

/* The three "philox4x32 10" lines of Random123's tests/kat_vectors
 * (github.com/DEShawResearch/random123): counter, key, expected output. */
static const struct {
    saksi_u32 ctr[4], key[2], out[4];
} kat[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

static void test_kat_vectors(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof kat / sizeof kat[0]; v++) {
        saksi_philox_ctr c;
        memcpy(c.v, kat[v].ctr, sizeof c.v);
        saksi_philox_ctr r = saksi_philox4x32_10(c, kat[v].key[0], kat[v].key[1]);
        for (int j = 0; j < 4; j++) {
            if (r.v[j] != kat[v].out[j])
                fail_msg("vector %zu word %d: %08x, Random123 says %08x", v, j, r.v[j],
                         kat[v].out[j]);
        }
    }
}

/* One round by hand (Salmon et al. 2011, fig. 2): with c = (x, 0, y, 0) and
 * key (0, 0), the round gives (hi(M1*y), lo(M1*y), hi(M0*x), lo(M0*x)),
 * M0 = 0xD2511F53, M1 = 0xCD9E8D57. For x = y = 1 the products are the
 * multipliers themselves; for x = y = 0xFFFFFFFF, M*(2^32 - 1) = M*2^32 - M,
 * so hi = M - 1 and lo = 2^32 - M: 0xD2511F52 / 0x2DAEE0AD and
 * 0xCD9E8D56 / 0x326172A9. */
static void test_one_round(void **state)
{
    (void)state;
    saksi_philox_ctr c = {{1, 0, 1, 0}};
    saksi_philox_ctr r = saksi_philox_round(c, 0, 0);
    assert_int_equal(r.v[0], 0);
    assert_int_equal(r.v[1], 0xCD9E8D57u);
    assert_int_equal(r.v[2], 0);
    assert_int_equal(r.v[3], 0xD2511F53u);

    saksi_philox_ctr w = {{0xFFFFFFFFu, 0, 0xFFFFFFFFu, 0}};
    r = saksi_philox_round(w, 0, 0);
    assert_int_equal(r.v[0], 0xCD9E8D56u);
    assert_int_equal(r.v[1], 0x326172A9u);
    assert_int_equal(r.v[2], 0xD2511F52u);
    assert_int_equal(r.v[3], 0x2DAEE0ADu);

    /* The odd words and the key are XORed into the high halves. */
    saksi_philox_ctr k = {{1, 0x0F0F0F0Fu, 1, 0xF0F0F0F0u}};
    r = saksi_philox_round(k, 0x11111111u, 0x22222222u);
    assert_int_equal(r.v[0], 0x0F0F0F0Fu ^ 0x11111111u);
    assert_int_equal(r.v[2], 0xF0F0F0F0u ^ 0x22222222u);
}

/* For a fixed key Philox is a bijection of the counter, so 65,536
 * consecutive counters give 65,536 different blocks; and each output bit
 * is set about half the time (binomial: 65,536 draws, sd 128, so 4 sd is
 * 512). */
static int cmp_block(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static void test_distinct_and_balanced(void **state)
{
    (void)state;
    const size_t n = 65536;
    saksi_philox_ctr *out = malloc(n * sizeof *out);
    size_t ones[128] = {0};
    for (size_t i = 0; i < n; i++) {
        saksi_philox_ctr c = {{(saksi_u32)i, 0, 0, 0}};
        out[i] = saksi_philox4x32_10(c, 0x5a4b5349u, 2024u);
        for (int j = 0; j < 4; j++)
            for (int b = 0; b < 32; b++)
                ones[32 * j + b] += (out[i].v[j] >> b) & 1u;
    }
    for (int bit = 0; bit < 128; bit++)
        assert_close((double)ones[bit], n / 2.0, 512.0);
    qsort(out, n, sizeof *out, cmp_block);
    for (size_t i = 1; i < n; i++)
        assert_true(memcmp(&out[i - 1], &out[i], 16) != 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kat_vectors),
        cmocka_unit_test(test_one_round),
        cmocka_unit_test(test_distinct_and_balanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
