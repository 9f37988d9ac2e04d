"""Annotate-stage speed: tokens/s of actors + statements + dates + events over the demo corpus.

    python bench/annotate_speed.py [--repeat 3] [--no-events] [--processes 2]

Documents are extracted first (not timed); models are loaded and warmed before timing. Each
process runs one thread; with ``--processes N`` the documents are split over N forked worker
processes (models loaded once, before the fork) and the wall time of the whole batch is reported,
which is what this 2-core machine delivers when `undertow ingest --workers 2` runs the stage.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


_ANN: Any = None
_DOCS: list[Any] = []


def _annotate_chunk(indices: list[int]) -> list[Any]:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    out = []
    for i in indices:
        d = _DOCS[i]
        _ANN.annotate(d)
        out.append(d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-events", action="store_true")
    ap.add_argument("--processes", type=int, default=1)
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
    global _ANN, _DOCS
    _ANN, _DOCS = ann, docs
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        if args.processes > 1:
            chunks = [list(range(i, len(docs), args.processes)) for i in range(args.processes)]
            with mp.get_context("fork").Pool(args.processes) as pool:
                results = pool.map(_annotate_chunk, chunks)
            for chunk, annotated in zip(chunks, results, strict=True):
                for i, d in zip(chunk, annotated, strict=True):
                    docs[i] = d
        else:
            for d in docs:
                ann.annotate(d)
        best = min(best, time.perf_counter() - t0)
    n_st = sum(len(d.statements) for d in docs)
    print(f"{len(docs)} documents, {tokens} tokens, {n_st} statements; best of {args.repeat}: {best:.2f} s")
    label = "annotate (no events)" if args.no_events else "annotate"
    label += f", {args.processes} process(es)"
    print(f"{label}: {tokens / best:.0f} tokens/s, {len(docs) / best:.1f} docs/s")
    flags = (" --no-events" if args.no_events else "") + (
        f" --processes {args.processes}" if args.processes > 1 else ""
    )
    print("command: python bench/annotate_speed.py" + flags)


if __name__ == "__main__":
    main()
