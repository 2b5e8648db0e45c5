# SPDX-License-Identifier: GPL-3.0-or-later
# dispersion.awk — an independent re-computation of analysis/dispersion.c's
# within-district overdispersion ratio on the Sirekap crawl's derived CSV
# (column positions as in its SOURCE.md), used to check the C code in
# tests/test_dispersion_real.c. Prints one 'T ratio' / 'S ratio' line per
# district; datasets/README.md shows the pipeline that takes the quartiles.
BEGIN { FS = "," }
function P(v) { return v ~ /^[0-9]+$/ }
NR > 1 {
  d = substr($1, 1, 6)
  reg = $15; vt = $27; tot = $32; num = P(vt) ? vt : tot
  if (P(reg) && P(num) && reg + 0 >= 1 && num + 0 <= reg + 0) {
    ok = 1
    if (P($18) && P($21) && P($24) && P(vt) && $18 + $21 + $24 != vt + 0) ok = 0
    if (P($16) && P($17) && $16 + $17 != reg + 0) ok = 0
    if (P($28) && P($29) && P(vt) && $28 + $29 != vt + 0) ok = 0
    if (P($18) && $18 + 0 > reg + 0) ok = 0
    if (P(tot) && P(vt) && tot + 0 != vt + 0) ok = 0
    if (P($30) && P($31) && P(tot) && $30 + $31 != tot + 0) ok = 0
    if (ok) { tn[d]++; tx[d] += num; tN[d] += reg; r = num / reg; ty[d, tn[d]] = r; tinv[d] += 1 / reg }
  }
  val = $30; c = $13
  if (P(val) && P(c) && val + 0 >= 1 && c + 0 <= val + 0) {
    ok = P($12) && P($14) && $12 + $13 + $14 == val + 0
    if (ok && P($31) && P(tot) && val + $31 != tot + 0) ok = 0
    if (ok) { sn[d]++; sx[d] += c; sN[d] += val; sy[d, sn[d]] = c / val; sinv[d] += 1 / val }
  }
}
function ratios(tag, cnt, sumx, sumN, ys, inv,   k, m, j, mean, ss, p) {
  for (k in cnt) {
    m = cnt[k]; if (m < 8) continue
    p = sumx[k] / sumN[k]; if (p <= 0 || p >= 1) continue
    mean = 0; for (j = 1; j <= m; j++) mean += ys[k, j]; mean /= m
    ss = 0; for (j = 1; j <= m; j++) ss += (ys[k, j] - mean) ^ 2
    printf "%s %.12f\n", tag, sqrt(ss / (m - 1)) / sqrt(p * (1 - p) * inv[k] / m)
  }
}
END { ratios("T", tn, tx, tN, ty, tinv); ratios("S", sn, sx, sN, sy, sinv) }
