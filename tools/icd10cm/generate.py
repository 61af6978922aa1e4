#!/usr/bin/env python3
"""Writes carelog's ICD-10-CM code set: every billable code (a leaf of CMS's tabular list) with its
description, one "CODE<TAB>Description" line each, sorted by code, gzipped without a timestamp so the
file is the same on every run.

    pip install simple-icd-10-cm==1.5.0      # CMS's tabular list of April 1, 2026
    python3 tools/icd10cm/generate.py        # writes crates/domain/data/icd10cm.tsv.gz

The file is checked in, so building carelog needs no Python. Run this again, with a newer pinned
package, when CMS publishes a new code set (each October, with April updates).
"""
import gzip
import io
import os
import sys

import simple_icd_10_cm as cm

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "domain", "data", "icd10cm.tsv.gz")

def main() -> int:
    # A block of one category (B20, F99, …) is listed under the same name as its category: once here.
    leaves = sorted({c for c in cm.get_all_codes(with_dots=True) if cm.is_leaf(c)})
    lines = []
    for code in leaves:
        description = " ".join(cm.get_description(code).split())
        if "\t" in code or "\n" in description:
            print(f"unexpected characters in {code}", file=sys.stderr)
            return 1
        lines.append(f"{code}\t{description}\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as out:
        out.write("".join(lines).encode("utf-8"))
    with open(OUT, "wb") as f:
        f.write(buffer.getvalue())
    print(f"{len(lines)} billable codes, {len(buffer.getvalue())} bytes: {os.path.normpath(OUT)}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
