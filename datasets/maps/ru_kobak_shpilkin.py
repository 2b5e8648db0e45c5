#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flatten one Russian federal election of ../shared/datasets/real/ru-kobak-shpilkin
(Shpilkin's UIK tables, the data of Kobak, Shpilkin & Pshenichnikov 2016) into a CSV that
saksi ingests with datasets/maps/ru-kobak-shpilkin.map.

A column map only renames columns; this step does what a map cannot, and nothing else:
  - one unique station id per row (the year and the row number: region/tik/uik names
    repeat across regions),
  - given = the three "ballots issued" columns summed (early + in the station + outside),
    Kobak's turnout numerator; box_total = valid + invalid (ballots found in the boxes,
    his "received"),
  - the same short column names for every year (the protocol lines are worded differently
    from one election to the next), chosen by the same substrings as Kobak's loaddata(),
  - the candidate or party columns as party_1, party_2, ... in file order (their names are
    written to stderr).
Empty cells (2024: 2,268 stations in four annexed regions without data) stay empty.

usage: ru_kobak_shpilkin.py YEAR.csv.zip > out.csv
"""
import csv
import io
import os
import sys
import zipfile


def pick(header, wanted, exclude=()):
    cols = [i for i, h in enumerate(header)
            if any(w in h for w in wanted) and not any(x in h for x in exclude)]
    return cols


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    year = os.path.basename(path).split('.')[0]
    with zipfile.ZipFile(path) as z:
        name = z.namelist()[0]
        rows = csv.reader(io.TextIOWrapper(z.open(name), encoding='utf-8'))
        header = next(rows)
        voters = pick(header, ['Число избирателей, включенных', 'Число избирателей, внесенных'])
        given = pick(header, ['бюллетеней, выданных'])
        valid = pick(header, ['Число действительных'])
        invalid = pick(header, ['Число недействительных'])
        received = pick(header, ['бюллетеней, полученных'])
        assert len(voters) == 1 and len(given) == 3 and len(valid) == 1 and len(invalid) == 1, \
            (voters, given, valid, invalid)
        region, tik = header.index('region'), header.index('tik')
        # Candidates and parties follow the protocol lines: every column after the last
        # "Число ..." line, except the url.
        last_line = max(i for i, h in enumerate(header) if h.startswith('Число'))
        parties = [i for i in range(last_line + 1, len(header)) if header[i] != 'url']
        for k, i in enumerate(parties):
            print(f'party_{k + 1}\t{header[i]}', file=sys.stderr)
        out = csv.writer(sys.stdout, lineterminator='\n')
        out.writerow(['uik_id', 'region', 'tik', 'voters_list', 'ballots_uik', 'given',
                      'valid_ballots', 'invalid_ballots', 'box_total'] +
                     [f'party_{k + 1}' for k in range(len(parties))])

        def num(row, i):
            return row[i].strip()

        for r, row in enumerate(rows, start=1):
            cells = [num(row, i) for i in given]
            g = str(sum(int(c) for c in cells)) if all(c != '' for c in cells) else ''
            v, inv = num(row, valid[0]), num(row, invalid[0])
            box = str(int(v) + int(inv)) if v != '' and inv != '' else ''
            out.writerow([f'{year}-{r:06d}', row[region], row[tik], num(row, voters[0]),
                          num(row, received[0]) if received else '', g, v, inv, box] +
                         [num(row, i) for i in parties])


if __name__ == '__main__':
    main()
