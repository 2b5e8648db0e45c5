#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Rebuild the seed corpus of tests/fuzz/corpus/<target>/ from the fixtures in
# datasets/ and the hand-made cases below. Every seed starts with one option
# byte (see the OPT_* bits at the top of each fuzz_<target>.c), then the file.
#   tests/fuzz/make_corpus.sh [path/to/saksi]   (the CLI makes a small election)
set -euo pipefail
cd "$(dirname "$0")/../.."
saksi=${1:-build/saksi}
out=tests/fuzz/corpus
rm -rf "$out"
mkdir -p "$out/csv" "$out/colmap" "$out/rules"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed TARGET NAME OPTBYTE FILE: the option byte, then the file.
seed() {
  printf "\\x$3" >"$out/$1/$2"
  cat "$4" >>"$out/$1/$2"
}
# text TARGET NAME OPTBYTE TEXT (printf escapes allowed in TEXT)
text() {
  printf "%b" "$4" >"$tmp/t"
  seed "$1" "$2" "$3" "$tmp/t"
}

# --- csv: fixtures, compressed copies, a small simulated election -------------
f=datasets/fixtures
seed csv good-tiny-buffers 00 $f/good.csv
seed csv good-report 25 $f/good.csv
seed csv good-short-lines-id 5a $f/good.csv
seed csv bad 03 $f/bad.csv
seed csv bad-strict-report 31 $f/bad.csv
seed csv bad-report-id a7 $f/bad.csv
seed csv mapped-unmapped 01 $f/mapped.csv
gzip -9n <$f/good.csv >"$tmp/good.csv.gz"
xz -9 <$f/good.csv >"$tmp/good.csv.xz"
seed csv good-gzip 02 "$tmp/good.csv.gz"
seed csv good-xz 24 "$tmp/good.csv.xz"
"$saksi" simulate -o "$tmp/sim" --stations 40 --seed 7 --plant all=0.1 --region-columns 2>/dev/null
seed csv simulated-planted 20 "$tmp/sim/stations.csv"
"$saksi" simulate -o "$tmp/sim2" --stations 40 --seed 8 --candidates 5 2>/dev/null
seed csv simulated-5cand 0f "$tmp/sim2/stations.csv"
H='station_id,registered,valid,invalid,total,cand_01,cand_02'
text csv empty 00 ''
text csv header-only 20 "$H\n"
text csv header-no-newline 00 "$H"
text csv bom-crlf 06 "\xef\xbb\xbf$H\r\n3171010001001,100,90,1,91,45,45\r\n\r\n"
text csv quoted-newline 01 "$H\n\"31710100\n01001\",100,\"9\"\"0\",1,91,45,45\n"
text csv unterminated-quote 04 "$H\n3171010001001,100,\"90,1,91,45,45\n"
text csv no-station-id 00 'registered,cand_01\n1,2\n'
text csv no-candidate 00 'station_id,registered\nA,2\n'
text csv duplicate-column 00 'station_id,registered,registered,cand_01\nA,1,2,3\n'
text csv duplicate-ids 21 "$H\nA,1,1,0,1,1,0\nA,1,1,0,1,0,1\n"
text csv int-extremes 20 "$H\nA,2147483647,2147483647,-2147483647,0,2147483647,2147483647\nB,2147483648,-2147483648,99999999999999999999,+0,-0,00\n"
text csv missing-everything 20 "$H\nA,,,,,,\nB, , , , , ,\n"
text csv nul-and-utf8 00 "$H\nA\x00,1,1,0,1,1,0\nB\xc3\xa9,1,1,0,1,1,0\nC\xff,1,1,0,1,1,0\n"
text csv region-columns 20 'station_id,province,regency,district,village,registered,valid,cand_01\nA,"P,1",R,D,V,5,4,4\nB,P,,D,,5,4,3\n'
text csv field-count 00 "$H\nA,1\nB,1,1,0,1,1,0,9,9\n"
text csv long-record 4c "$H\nA,1,1,0,1,1,$(printf '1%.0s' $(seq 1 300))\n"

# --- colmap: the map files in datasets/ and hand-made cases --------------------
seed colmap mapped 00 $f/mapped.map
seed colmap mapped-pairs-extra 03 $f/mapped.map
seed colmap sirekap-gigit 01 datasets/maps/sirekap-gigit.map
seed colmap sirekap-gigit-reverse 04 datasets/maps/sirekap-gigit.map
text colmap bom-comments-crlf 01 '\xef\xbb\xbfstation_id = id # the id\r\nregistered=dpt\r\n\r\n# only a comment\ncand_01 = a\n'
text colmap duplicate-canonical 01 'station_id=a\nstation_id=b\n'
text colmap duplicate-input 01 'station_id=a\nregistered=a\n'
text colmap not-canonical 01 'votes=a\n'
text colmap no-equals 01 'station_id\n'
text colmap empty-side 01 ' = a\nstation_id = \n'
text colmap quotes-commas 02 'station_id="id, with comma"\nregistered=d"p"t\ncand_x=\xc3\xa9\n'

# --- rules: the built-in rules and hand-made cases -----------------------------
r=datasets/rules/indonesia.rules
seed rules indonesia-plain 00 $r
seed rules indonesia-extremes-report 05 $r
seed rules indonesia-wide-id 0a $r
text rules ceil-guard 01 'rule a integrity: ceil(registered*102/100) >= total when valid >= 1\n'
text rules coefficients 02 'rule big integrity votes: 3*valid - 2*total + 7 == sum(cand)\n'
text rules except-stratum 00 'rule r integrity: valid == total\nexcept r where province in 31 99\nstratum noken where regency in 3171\nstratum special where station in 31710100010\n'
text rules unknown-field 00 'rule r integrity: vallid == total\n'
text rules too-many-terms 00 'rule r integrity: valid+valid+valid+valid+valid+valid+valid+valid+valid == valid+valid+valid+valid+valid+valid+valid+valid+valid\n'
text rules ceil-div-zero 00 'rule r integrity: ceil(valid*1/0) == 0\n'
text rules units-classes 04 'rule a incomplete registered: registered >= 1 when valid >= 1\nrule b integrity ballots: ballots_received == ballots_used\n'
text rules syntax-errors 00 'rule\nrule 1x integrity: a == b\nfoo\n'

# --- sirekap: synthetic documents in the published schema (JSON Lines), a
# KawalPemilu node pair, and archives of them (made-up codes and numbers) ---
mkdir -p "$out/sirekap"
D1='{"kode":"3101011001001","mode":"hhcw","chart":{"null":null,"100025":80,"100026":100,"100027":40},"images":["https://example.invalid/ppwp/31/01/01/10/01/3101011001001-a.jpg",null,null],"administrasi":{"suara_sah":220,"suara_total":225,"pemilih_dpt_j":290,"pemilih_dpt_l":140,"pemilih_dpt_p":150,"pengguna_dpt_j":290,"pengguna_dpt_l":140,"pengguna_dpt_p":150,"pengguna_dptb_j":1,"pengguna_dptb_l":0,"pengguna_dptb_p":1,"suara_tidak_sah":5,"pengguna_total_j":291,"pengguna_total_l":140,"pengguna_total_p":151,"pengguna_non_dpt_j":0,"pengguna_non_dpt_l":0,"pengguna_non_dpt_p":0},"psu":null,"ts":"2024-02-16 16:25:10","status_suara":true,"status_adm":true}'
D2='{"kode":"3101011001002","chart":null,"images":[null,null,null],"administrasi":null,"psu":null,"ts":"2024-02-15 07:00:44","status_suara":false,"status_adm":false}'
D3='{"kode_tps":"3101011001003","chart":{"100025":10,"100026":null,"100027":5},"administrasi":{"suara_sah":15,"suara_tidak_sah":0,"suara_total":15}}'
text sirekap one-document 00 "$D1\n"
text sirekap documents-report 04 "$D1\n$D2\n$D3\n"
text sirekap documents-auto-strict 0a "$D1\n$D2\n$D3\n"
text sirekap duplicate-code 04 "$D1\n$D1\n"
text sirekap malformed 00 '{"kode":"3101011001004","chart":{"100025":1,}\n{"kode":"3101011001005","chart":{"100025":1.5,"100026":1e3}}\n{"kode":"3101011001006","chart":{"100025":"12"},"administrasi":[]}\n{"kode":"3101011001007","chart":{"100025":2147483648,"100025":3}}\n'
text sirekap nested-and-truncated 00 '{"kode":"3101011001008","x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}\n{"kode":"3101011001009","chart":{"100025":4'
text sirekap code-from-image 04 '{"chart":{"100025":3,"100026":4},"images":["https://example.invalid/ppwp/32/01/01/10/01/3201011001001-b.jpg"]}\n{"chart":{"100025":3}}\n'
K1='{"parentIds":[0,41863,42221,42259],"name":"DESA","id":42260,"depth":4,"children":[[1,111,109],[2,104,112],[3,-1,-1]],"data":{"0":{},"1":{"sum":{"pas1":140,"pas2":80,"sah":220,"tSah":3,"jum":223,"janggal":0},"ts":1556089889057},"3":{"sum":{"pas1":10,"pas2":20,"sah":30,"tSah":null,"jum":31}}},"kpu":[null,{"pas1":140,"jum":223,"tSah":3,"sah":220,"pas2":80},{"pas1":50,"pas2":60,"sah":110,"tSah":0,"jum":110},{"pas1":12,"pas2":18,"sah":30,"tSah":1,"jum":31}]}'
K2='{"parentIds":[0,41863,42221],"id":42259,"depth":3,"children":[[42260,"DESA",3,100,100]],"data":{}}'
text sirekap kawal-nodes 01 "$K1\n$K2\n"
text sirekap kawal-nodes-auto-report 06 "$K1\n$K2\n"
printf '%s\n%s\n' "$D1" "$D3" | gzip -9n >"$tmp/docs.jsonl.gz"
seed sirekap documents-gzip 00 "$tmp/docs.jsonl.gz"
mkdir -p "$tmp/tree" && printf '%s' "$D1" >"$tmp/tree/3101011001001.json" && printf '%s' "$D3" >"$tmp/tree/3101011001003.json"
(cd "$tmp/tree" && python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED); [z.write(n) for n in sys.argv[2:]]; z.close()' "$tmp/docs.zip" 3101011001001.json 3101011001003.json)
seed sirekap documents-zip 06 "$tmp/docs.zip"
(cd "$tmp/tree" && tar --format=ustar --owner=0 --group=0 --mtime=@0 -cf "$tmp/docs.tar" 3101011001001.json 3101011001003.json)
seed sirekap documents-tar 02 "$tmp/docs.tar"
# a CSV inside a zip, for the CSV target (the engine's auto format reads it)
(cd "$tmp" && cp "$OLDPWD/$f/good.csv" good.csv && python3 -c 'import zipfile; z=zipfile.ZipFile("good.zip","w",zipfile.ZIP_STORED); z.write("good.csv"); z.close()')
seed csv good-zip-member 20 "$tmp/good.zip"
