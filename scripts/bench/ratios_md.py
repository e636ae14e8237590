#!/usr/bin/env python3
"""Renders target/mia-bench/ratios.json (written by `cargo xtask bench --vs-pymia`) as a Markdown table.

usage: python3 scripts/bench/ratios_md.py [target/mia-bench/ratios.json] > table.md
"""
import json
import sys


def fmt_s(v):
    if v is None:
        return '–'
    return f'{v * 1e3:.3g} ms' if v < 1 else f'{v:.3g} s'


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'target/mia-bench/ratios.json'
    with open(path) as f:
        data = json.load(f)
    print('| work | peer | mia threads | mia | peer | speed-up (peer / mia) |')
    print('|---|---|---|---|---|---|')
    for r in data['rows']:
        speedup = r.get('speedup')
        print(f"| {r['name']} | {r['peer']} | {r['threads']} | {fmt_s(r.get('mia_median_s'))} | "
              f"{fmt_s(r.get('peer_median_s'))} | {'–' if speedup is None else f'{speedup:.2f}×'} |")


if __name__ == '__main__':
    main()
