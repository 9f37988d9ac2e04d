"""Annotate-stage speed: tokens/s of actors + statements + dates + events over the demo corpus.

    python bench/annotate_speed.py [--repeat 3] [--no-events]

Documents are extracted first (not timed); models are loaded and warmed before timing. One
process, one thread (the deployment unit: one worker process per core).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-events", action="store_true")
    args = ap.parse_args()

    from threadpoolctl import threadpool_limits

    from undertow.ingest.sources import RawItem, Sources
    from undertow.language.annotate import Annotator
    from undertow.pipeline import Pipeline, PipelineOptions

    threadpool_limits(1)
    pipe = Pipeline(PipelineOptions(annotate=False))
    docs = [
        pipe.document(it)
        for it in Sources().items([str(ROOT / "src/undertow/data/demo")])
        if isinstance(it, RawItem)
    ]
    tokens = sum(len(re.findall(r"\w+", d.text)) for d in docs)
    ann = Annotator(events=not args.no_events)
    ann.annotate(docs[0])  # load models
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for d in docs:
            ann.annotate(d)
        best = min(best, time.perf_counter() - t0)
    n_st = sum(len(d.statements) for d in docs)
    print(f"{len(docs)} documents, {tokens} tokens, {n_st} statements; best of {args.repeat}: {best:.2f} s")
    label = "annotate (no events)" if args.no_events else "annotate"
    print(f"{label}: {tokens / best:.0f} tokens/s, {len(docs) / best:.1f} docs/s")
    print("command: python bench/annotate_speed.py" + (" --no-events" if args.no_events else ""))


if __name__ == "__main__":
    main()
