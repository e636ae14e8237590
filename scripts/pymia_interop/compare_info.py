"""Compares `mia dataset info --json` output with the expected JSON (exact for ints/strings, 1e-12 for floats)."""
import json
import sys

got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))


def same(a, b, where):
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), (where, sorted(a), sorted(b))
        for k in a:
            same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f'{where}[{i}]')
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (where, a, b)
    else:
        assert a == b, (where, a, b)


same(got, want, 'info')
print(f"mia dataset info --json matches h5py on the pymia dataset ({len(got['subjects'])} subjects, "
      f"{len(got['categories'])} categories)")
