"""Benchmark of the poster check: `cfp bench-posters [DIR]`.

Without a folder, posters of every real shape (``cfp_tools.posters.SHAPES``) are generated, with and
without embedded fonts, and A0 posters with two photographs over a quarter of the page each (at 72 and at
150 dpi, noise that compresses as badly as photographs: megabytes of PDF); each is checked ``--repeat``
times under the call's size (``--size``, A0 portrait by default). With a folder, every PDF in it is
checked instead. Each file's median time, the isolated child's peak memory and the verdict are printed,
then the overall median, p95 and peak and the verdicts by outcome and problem code; every expected verdict
of a generated poster is checked.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

from cfp.formatcheck import PosterSpec, warm_up
from cfp.formatcheck.check import measure_poster
from cfp.formatcheck.models import Budget
from cfp.formatcheck.poster import judge_poster
from cfp_tools.posters import SHAPES, PosterLayout, make_poster, photo_at_dpi


def generated(size: PosterSpec) -> list[tuple[str, bytes, str | None]]:
    """Posters of every shape, and what the check must say of each under ``size`` (None: not asserted)."""
    found: list[tuple[str, bytes, str | None]] = []
    for name, shape in SHAPES.items():
        found.append((name, make_poster(PosterLayout(size=shape)), None))
        found.append(
            (f"{name}, fonts not embedded", make_poster(PosterLayout(size=shape, embed_fonts=False)), None)
        )
    a0 = SHAPES["A0 portrait"]
    for dpi in (72, 150):
        photos = [
            photo_at_dpi(dpi, (0.05, 0.05, 0.45, 0.3), a0, noisy=True),
            photo_at_dpi(dpi, (0.5, 0.5, 0.45, 0.3), a0, noisy=True),
        ]
        expected = "warn" if dpi < 150 else "pass"
        poster = make_poster(PosterLayout(photos=photos))
        found.append((f"A0 portrait, two {dpi} dpi photos over a quarter of the page each", poster, expected))
    found.append(("A0 portrait, two pages", make_poster(PosterLayout(pages=2)), "fail"))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cfp bench-posters", description="Time the poster check.")
    parser.add_argument("folder", nargs="?", type=Path, help="folder of PDFs (default: generated posters)")
    parser.add_argument("--size", default="A0 portrait", help="the call's poster size (default A0 portrait)")
    parser.add_argument("--repeat", type=int, default=5, help="checks per file (default 5)")
    args = parser.parse_args(argv)
    spec = PosterSpec.parse(args.size)
    warm_up()
    inputs: list[tuple[str, bytes, str | None]]
    if args.folder is not None:
        inputs = [
            (p.name, p.read_bytes(), None)
            for p in sorted(args.folder.iterdir())
            if p.suffix.lower() == ".pdf"
        ]
    else:
        inputs = generated(spec)
    times: list[float] = []
    peak = 0.0
    outcomes: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    wrong = 0
    for name, data, expected in inputs:
        mine: list[float] = []
        for _ in range(args.repeat):
            facts, usage = measure_poster(data, Budget(max_bytes=spec.max_bytes))
            mine.append(usage.elapsed_s * 1000)
            peak = max(peak, usage.max_rss_mb)
        verdict = judge_poster(facts, spec)
        times.extend(mine)
        outcomes[verdict.outcome] += 1
        codes.update(p.code for p in verdict.problems)
        mark = ""
        if expected is not None and verdict.outcome != expected:
            wrong += 1
            mark = f"  WRONG: expected {expected}"
        print(
            f"{statistics.median(mine):8.1f} ms {usage.max_rss_mb:6.0f} MB {len(data) / 1e6:6.2f} MB "
            f"{verdict.outcome:<4} {','.join(p.code for p in verdict.problems):<40} {name}{mark}"
        )
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{len(inputs)} posters x {args.repeat}: median {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms, slowest {ordered[-1]:.1f} ms, peak {peak:.0f} MB; {dict(outcomes)}; {dict(codes)}"
    )
    if wrong:
        print(f"{wrong} verdicts were not the expected ones", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
