/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_html_text.c — the fixed words of report.html in Bahasa Indonesia
 * and English: the style sheet, the limits of every test (what it cannot
 * detect, DESIGN §4), and HTML escaping.
 */
#include "report_html_text.h"

void saksi_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
            break;
        }
    }
}

/* No scripts, no fonts, no external anything: the content security policy
 * in the head forbids every fetch but data: images. */
const char saksi_html_style[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#111;"
    "line-height:1.4}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;"
    "border-bottom:2px solid #4682b4}h3{font-size:1.05em;margin-top:1.2em}\n"
    ".en{color:#555;font-weight:normal}\n"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.2em .45em;text-align:left;vertical-align:top}\n"
    "th{background:#eef3f8}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".limits{border:2px solid #e08214;background:#fff7ec;padding:.6em 1em;margin:1em 0}\n"
    ".notice{font-weight:bold}\n"
    ".swatch{display:inline-block;width:1.2em;height:.8em;margin:0 .3em 0 .8em;"
    "vertical-align:middle}\n"
    ".dash{display:inline-block;width:1.2em;border-top:2px dashed #e08214;margin:0 .3em 0 .8em;"
    "vertical-align:middle}\n"
    "figure{margin:1em 0}figcaption{font-size:.9em;color:#333;max-width:48em}\n"
    ".mono{font-family:monospace;font-size:.9em;word-break:break-all}\n"
    ".flag{color:#b00;font-weight:bold}.none{color:#777;font-style:italic}\n"
    "nav a{margin-right:1em}\n";

/* What each test cannot detect (DESIGN §4 "Every test states ... its
 * limits"), in both languages. */
const saksi_html_limit saksi_html_limits[] = {
    {"integrity",
     "Aturan integritas hanya melihat identitas aritmetika formulir: pemalsuan yang menjaga "
     "semua jumlah (misalnya menukar kotak dua calon, atau menulis ulang seluruh formulir "
     "secara konsisten) tidak terdeteksi.",
     "Integrity rules see only the form's arithmetic identities: a falsification that keeps "
     "every sum (swapping two candidates' boxes, or rewriting the whole form consistently) "
     "passes unseen."},
    {"transcription",
     "Perbaikan satu digit yang memulihkan semua identitas adalah penjelasan yang mungkin, "
     "bukan kepastian; bobot dan jumlah alternatif menunjukkan seberapa yakin. Pertukaran "
     "angka antar calon menjaga semua jumlah.",
     "A single-digit repair that restores every identity is a likely explanation, not a "
     "certainty; its weight and number of alternatives say how sure. A swap between two "
     "candidates keeps every sum."},
    {"anomaly",
     "Kelas anomali membandingkan TPS dengan TPS lain di kecamatannya di luar "
     "desa/kelurahannya sendiri (binomial logit-normal dari sebaran para pembanding; bila "
     "data tidak menyebut desa, semua TPS lain di kecamatan). Manipulasi yang merata di "
     "seluruh kecamatan ikut masuk ke pembanding dan tidak terlihat; pergeseran beberapa "
     "suara di TPS kecil tidak punya daya uji. Suara tak terjelaskan dihitung bersyarat pada "
     "suara sah, sehingga surat suara tambahan terhitung sebagian saja.",
     "The anomaly class compares a station with its district peers outside its own village "
     "(a logit-normal binomial from the peers' spread; where the input names no villages, "
     "every other station of the district). Manipulation spread evenly over a whole district "
     "enters the peers and is invisible; a shift of a few votes at a small station has no "
     "power. Unexplained votes are conditional on the valid votes, so added ballots count "
     "only in part."},
    {"weights",
     "Bendera wilayah menaikkan bobot TPS dalam BH berbobot; bendera itu dihitung dari data "
     "yang sama, sehingga nilai q adalah perkiraan.",
     "Region flags raise a station's weight in weighted BH; they come from the same data, so "
     "the q-values are approximate."},
    {"digits",
     "Uji digit memerlukan cukup angka per wilayah (mis. 50). Harapan klasik (Benford, "
     "seragam) tidak dikalibrasi untuk hitungan sekecil TPS dan hanya ditampilkan sebagai "
     "pembanding.",
     "Digit tests need enough numbers per region (e.g. 50). The classical expectations "
     "(Benford, uniform) are not calibrated for counts of TPS size and are shown only for "
     "comparison."},
    {"integer_percent",
     "Pada TPS dengan 300 pemilih atau kurang banyak persentase bulat tidak dapat dicapai "
     "secara tepat; uji ini lemah di sana.",
     "At stations of 300 voters or fewer many integer percentages cannot be reached exactly; "
     "the test is weak there."},
    {"fingerprint",
     "Sidik jari dan statistik bentuk bersifat deskriptif: keragaman antarwilayah saja "
     "sudah menghasilkan f_i > 0.",
     "Fingerprints and shape statistics are descriptive: heterogeneity between regions alone "
     "fits f_i > 0."},
    {"coverage",
     "Unggahan awal bukan sampel acak: wilayah dengan cakupan rendah dapat menyesatkan.",
     "Early uploads are not a random sample: regions with low coverage can mislead."},
};
const size_t saksi_html_nlimits = sizeof saksi_html_limits / sizeof saksi_html_limits[0];
