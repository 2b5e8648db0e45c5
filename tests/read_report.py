# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent readers used by tests/test_report.c: h5py for report.h5,
Python's csv module for the CSV files and json for the summary. Each mode
prints one fact per line so that the C test can assert on exact lines.

  read_report.py h5 FILE     every root attribute, every dataset's shape,
                             dtype, filters and chunking, and every cell
                             (of a plain n-D array: a SHA-256 of its values)
  read_report.py csv FILE    every record as a JSON list
  read_report.py json FILE   every leaf as key.path=JSON value
"""
import csv
import json
import sys


def h5_dump(path):
    import h5py

    with h5py.File(path, "r") as f:
        for key in sorted(f.attrs):
            value = f.attrs[key]
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            print("attr %s=%s" % (key, value))
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in sorted(names):
            d = f[name]
            if d.dtype.names is None:
                array_dump(name, d)
                continue
            fields = ",".join("%s:%s" % (n, d.dtype.fields[n][0].str) for n in d.dtype.names)
            print("dataset /%s rows=%d fields=%s" % (name, d.shape[0], fields))
            print("storage /%s chunks=%s compression=%s shuffle=%s fletcher32=%s maxshape=%s"
                  % (name, d.chunks, d.compression, d.shuffle, d.fletcher32, d.maxshape))
            data = d[()]
            for i in range(d.shape[0]):
                for n in d.dtype.names:
                    v = data[i][n]
                    if isinstance(v, bytes):
                        v = v.decode("utf-8", errors="replace")
                    print("/%s[%d].%s=%s" % (name, i, n, v))


def array_dump(name, d):
    """A dataset of plain numbers (the fingerprint histograms and their bin
    edges): shape, type and storage, then every value of a 1-D one, and the
    SHA-256 of the little-endian C-order values of any shape."""
    import hashlib

    print("dataset /%s shape=%s dtype=%s" % (name, d.shape, d.dtype.str))
    print("storage /%s chunks=%s compression=%s shuffle=%s fletcher32=%s maxshape=%s"
          % (name, d.chunks, d.compression, d.shuffle, d.fletcher32, d.maxshape))
    data = d[()]
    if len(d.shape) == 1:
        for i in range(d.shape[0]):
            print("/%s[%d]=%r" % (name, i, data[i].item()))
    le = data.astype(data.dtype.newbyteorder("<"), copy=False)
    print("/%s.sha256=%s" % (name, hashlib.sha256(le.tobytes(order="C")).hexdigest()))


def csv_dump(path):
    with open(path, newline="", encoding="utf-8") as fh:
        for record in csv.reader(fh, strict=True):
            print(json.dumps(record))


def json_dump(path):
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)

    def walk(prefix, v):
        if isinstance(v, dict):
            for k in v:
                walk(prefix + "." + k if prefix else k, v[k])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk("%s[%d]" % (prefix, i), x)
        else:
            print("%s=%s" % (prefix, json.dumps(v)))

    walk("", doc)


if __name__ == "__main__":
    {"h5": h5_dump, "csv": csv_dump, "json": json_dump}[sys.argv[1]](sys.argv[2])
