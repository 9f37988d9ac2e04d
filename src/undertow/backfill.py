"""Backfill: the pipeline's stages over a large set of inputs, on one machine or a Ray cluster.

    read -> skip stored -> extract -> annotate -> classify -> write

Both engines run the same stage code (``Pipeline.extract / annotate / classify`` and
``Store.save_document``):

* ``local``: the inputs are read and the stored ones skipped in this process, the three document
  stages run in a pool of worker processes (each loads its models once), and this process writes,
  one transaction per document (``pipeline.ingest_items``).
* ``ray``: a Ray Data stream. Reading is a ``flat_map`` over input units (files, URLs), each later
  stage a ``map_batches``: extract as tasks, annotate and classify as actor pools whose actors load
  their models once and use one inference thread, write as a small actor pool (one actor on
  SQLite, which has one writer at a time). Ray's streaming executor bounds the blocks in flight
  (backpressure) and shows a progress bar per stage. A worker that dies is restarted and its batch
  retried; a document already written is then found unchanged, never written twice.

Resumable: a document is written in one transaction, and a rerun skips every input whose source
key (``file.jsonl:12``, a path, a URL) names a stored document, so a rerun after a crash or
``kill -9`` does only what was left, and loses nothing. Inputs that failed are tried again.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from undertow.errors import InputError
from undertow.ingest.sources import RawItem, Sources, units
from undertow.pipeline import Pipeline, PipelineOptions, _limit_threads, ingest_items, save
from undertow.store import Store

log = logging.getLogger(__name__)

Engine = Literal["local", "ray"]

#: Ray Data's target block size for the backfill (a few dozen pages of HTML).
BLOCK_BYTES = 2 * 1024 * 1024

# CPUs each Ray stage reserves per task or actor: in proportion to their measured costs per
# document (annotate ≈ 1.5 x classify ≈ 10 x extract; reading and writing next to nothing; see
# docs/scaling.md). These are scheduling shares: an actor uses a whole core while it works.
READ_CPUS = 0.05
EXTRACT_CPUS = 0.2
ANNOTATE_CPUS = 0.5
CLASSIFY_CPUS = 0.3


@dataclass(frozen=True)
class BackfillOptions:
    engine: Engine = "local"
    workers: int = 2  # local: worker processes; ray: CPUs per stage pool (actors of annotate, classify)
    writers: int | None = None  # ray: writer actors (default: 1 on SQLite, 2 on PostgreSQL)
    address: str | None = None  # ray: a cluster to join ("auto", "ray://head:10001"); None: start one here
    batch_size: int = 8  # documents per Ray Data batch
    skip_stored: bool = True
    allow_private: bool = False  # fetching URLs: loopback/private addresses
    robots: bool = True
    progress: bool = True  # ray: Ray Data's progress bars (one per stage)


@dataclass
class BackfillReport:
    engine: str
    inputs: int = 0  # raw items read (documents-to-be) and inputs that could not be read
    skipped: int = 0  # already stored by an earlier run
    stored: int = 0
    duplicates: int = 0
    unchanged: int = 0
    errors: list[InputError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def processed(self) -> int:
        return self.stored + self.duplicates + self.unchanged + self.failed


Progress = Callable[[str, Any], None]  # ("saved" | "error" | "skipped", detail)


def backfill(
    inputs: Iterable[str],
    db: str,
    *,
    options: BackfillOptions | None = None,
    pipeline_options: PipelineOptions | None = None,
    on_event: Progress | None = None,
) -> BackfillReport:
    """Run every input through the pipeline into the store at ``db`` (a path or URL)."""
    options = options or BackfillOptions()
    pipeline_options = pipeline_options or PipelineOptions()
    started = time.perf_counter()
    if options.engine == "local":
        report = _local(list(inputs), db, options, pipeline_options, on_event or _quiet)
    elif options.engine == "ray":
        report = _ray(list(inputs), db, options, pipeline_options, on_event or _quiet)
    else:
        raise ValueError(f"unknown engine {options.engine!r} (local or ray)")
    report.seconds = time.perf_counter() - started
    return report


def _quiet(kind: str, detail: Any) -> None:
    return None


def _sources(options: BackfillOptions, store: Store) -> Sources:
    """The inputs' reader; ``store`` remembers feeds (seen entries, ETag and Last-Modified)."""
    return Sources.fetching(store, allow_private=options.allow_private, robots=options.robots)


T = TypeVar("T")


def _mark_stored(
    items: Iterable[T], key: Callable[[T], str | None], store: Store | None, chunk: int = 64
) -> Iterator[tuple[T, bool]]:
    """Each item with whether its source key (``key``; None: not a document-to-be) names a stored
    document, looked up ``chunk`` keys at a time; never stored without a ``store``."""
    batch: list[T] = []

    def flush() -> Iterator[tuple[T, bool]]:
        keys = [k for k in map(key, batch) if k is not None]
        stored = store.stored_sources(keys) if store is not None and keys else set()
        for it in batch:
            yield it, key(it) in stored
        batch.clear()

    for it in items:
        batch.append(it)
        if len(batch) >= chunk:
            yield from flush()
    yield from flush()


def _item_key(it: RawItem | InputError) -> str | None:
    return None if isinstance(it, InputError) else it.source


def _row_key(row: dict[str, Any]) -> str | None:
    return row["source"] if row["error"] is None else None


# --- local engine ------------------------------------------------------------------------------


def _local(
    inputs: list[str], db: str, options: BackfillOptions, popts: PipelineOptions, notify: Progress
) -> BackfillReport:
    report = BackfillReport("local")
    with Store.open(db) as store:

        def unstored() -> Iterator[RawItem | InputError]:
            items = _sources(options, store).items(inputs)
            for it, stored in _mark_stored(items, _item_key, store if options.skip_stored else None):
                report.inputs += 1
                if stored:  # (never an InputError: those have no source key)
                    assert not isinstance(it, InputError)
                    report.skipped += 1
                    notify("skipped", it.source)
                    continue
                yield it

        def forward(kind: str, obj: Any) -> None:
            if kind in ("saved", "error"):
                notify(kind, obj)

        ing = ingest_items(unstored(), store, options=popts, workers=options.workers, on_event=forward)
    report.stored, report.duplicates, report.unchanged = ing.stored, ing.duplicates, ing.unchanged
    report.errors = ing.errors
    return report


# --- the stages as Ray Data functions ----------------------------------------------------------
# Rows are {"source": str, "payload": bytes | None, "error": str | None}; the payload is a pickled
# RawItem after reading and a pickled (Document, Fingerprint, RawItem.feed) after extraction. A
# row without a payload is passed on untouched: with an error, a stage failed on it (the writer
# records it and the rest of the batch goes on); without one, it was stored by an earlier run.

_PIPELINES: dict[PipelineOptions, Pipeline] = {}


def _pipeline(options: PipelineOptions) -> Pipeline:
    """This worker process's pipeline for ``options``, built once (tasks reuse their process)."""
    if options not in _PIPELINES:
        _limit_threads()
        _PIPELINES[options] = Pipeline(options)
    return _PIPELINES[options]


def _error_row(source: str, reason: str) -> dict[str, Any]:
    return {"source": source, "payload": None, "error": reason}


_STORES: dict[str, Store] = {}
_SOURCES: dict[tuple[str, bool, bool], Sources] = {}


def _store(db: str) -> Store:
    """This worker process's connection pool to ``db``, opened once."""
    if db not in _STORES:
        _STORES[db] = Store.open(db, create=False)
    return _STORES[db]


def read_unit(row: dict[str, Any], options: BackfillOptions, db: str) -> Iterator[dict[str, Any]]:
    """Read one input unit (a file, a folder's file, a URL) into raw-item rows, as a stream (an
    archive of a million lines is never in memory at once); with ``options.skip_stored``, the rows
    of items stored by an earlier run are left empty (later stages pass them over; the writer
    counts them as skipped). One reader per process and database: the fetcher's per-host spacing
    and robots.txt cache hold across the units the process reads."""
    key = (db, options.allow_private, options.robots)
    if key not in _SOURCES:
        _SOURCES[key] = _sources(options, _store(db))
    rows = (
        _error_row(it.source, it.reason)
        if isinstance(it, InputError)
        else {"source": it.source, "payload": pickle.dumps(it), "error": None}
        for it in _SOURCES[key].items([row["unit"]])
    )
    for r, stored in _mark_stored(rows, _row_key, _store(db) if options.skip_stored else None):
        if stored:
            r["payload"] = None
        yield r


def extract_batch(batch: Any, options: PipelineOptions) -> Any:
    pipe = _pipeline(options)
    from undertow.ingest.dedupe import fingerprint

    payloads, errors = [], []
    for source, payload, error in zip(batch["source"], batch["payload"], batch["error"], strict=True):
        if payload is None:
            payloads.append(None)
            errors.append(error)
            continue
        try:
            item = pickle.loads(payload)
            doc = pipe.extract(item)
            payloads.append(pickle.dumps((doc, fingerprint(doc.text), item.feed)))
            errors.append(None)
        except InputError as err:
            payloads.append(None)
            errors.append(err.reason)
        except Exception as exc:  # an extractor bug must not stop the batch
            payloads.append(None)
            errors.append(f"internal error while extracting: {type(exc).__name__}: {exc}")
            log.exception("extracting %s", source)
    batch["payload"], batch["error"] = payloads, errors
    return batch


class _DocumentStage:
    """An actor-pool stage over extracted documents; subclasses name the pipeline method."""

    stage = ""

    def __init__(self, options: PipelineOptions) -> None:
        self.pipe = _pipeline(options)
        self.warm()

    def warm(self) -> None:
        """Load the models now, once per actor, not on the first batch."""

    def __call__(self, batch: Any) -> Any:
        payloads, errors = list(batch["payload"]), list(batch["error"])
        for i, payload in enumerate(payloads):
            if payload is None:
                continue
            doc, fp, feed = pickle.loads(payload)
            try:
                getattr(self.pipe, self.stage)(doc)
            except Exception as exc:
                payloads[i], errors[i] = None, f"internal error in {self.stage}: {type(exc).__name__}: {exc}"
                log.exception("%s of %s", self.stage, doc.source)
                continue
            payloads[i] = pickle.dumps((doc, fp, feed))
        batch["payload"], batch["error"] = payloads, errors
        return batch


class Annotate(_DocumentStage):
    stage = "annotate"

    def warm(self) -> None:
        if self.pipe.options.annotate:
            from undertow.language.annotate import default_annotator

            default_annotator().english()


class Classify(_DocumentStage):
    stage = "classify"

    def warm(self) -> None:
        if self.pipe.options.classify:
            _ = self.pipe.classifier


class Write:
    """Store each document in its own transaction; record each failed input in ``ingest_errors``."""

    def __init__(self, db: str) -> None:
        self.store = Store.open(db, create=False)

    def __call__(self, batch: Any) -> Any:
        import pandas as pd

        rows = []
        for source, payload, error in zip(batch["source"], batch["payload"], batch["error"], strict=True):
            row = {"source": source, "outcome": "skipped", "doc_id": None, "error": error}
            if error is not None:
                self.store.record_error(source, error)
                row["outcome"] = "error"
            elif payload is not None:
                res = save(self.store, *pickle.loads(payload))  # (doc, fingerprint, feed entry)
                row["outcome"], row["doc_id"] = res.outcome, res.doc_id
            rows.append(row)
        return pd.DataFrame(rows, columns=["source", "outcome", "doc_id", "error"])


# --- Ray engine --------------------------------------------------------------------------------


def _ray(
    inputs: list[str], db: str, options: BackfillOptions, popts: PipelineOptions, notify: Progress
) -> BackfillReport:
    try:
        import ray
        import ray.data
    except ImportError as exc:  # pragma: no cover - ray is in the [scale] extra
        raise RuntimeError("--engine ray needs Ray: pip install 'undertow[scale]'") from exc

    report = BackfillReport("ray")
    db = _absolute(db)  # Ray's workers may run in another folder
    unit_rows: list[dict[str, str]] = []
    with Store.open(db) as store:  # migrate once, here, before the writers open it
        sqlite = store.engine.dialect.name == "sqlite"
        for u in units(inputs):
            if isinstance(u, InputError):  # an unreadable unit counts as an input, as in _local
                report.inputs += 1
                report.errors.append(u)
                notify("error", u)
                store.record_error(u.source, u.reason)
            else:
                unit_rows.append({"unit": u})
    writers = 1 if sqlite else (options.writers or 2)

    started_here = not ray.is_initialized()
    if started_here:
        _ray_init(ray, options)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = options.progress
        ctx.verbose_progress = False
        # small blocks: a stage's parallelism is its number of blocks in flight, and one archive
        # file read by one task must still reach every annotate actor (default: 128 MiB blocks)
        ctx.target_max_block_size = BLOCK_BYTES
        retry: dict[str, Any] = {"max_restarts": -1, "max_task_retries": -1}
        ds = ray.data.from_items(unit_rows, override_num_blocks=max(1, min(len(unit_rows), 200)))
        ds = ds.flat_map(
            read_unit,
            fn_kwargs={"options": options, "db": db},
            num_cpus=READ_CPUS,
            concurrency=options.workers,
            max_retries=-1,
        )
        ds = ds.map_batches(
            extract_batch,
            fn_kwargs={"options": popts},
            batch_size=options.batch_size,
            batch_format="pandas",
            num_cpus=EXTRACT_CPUS,
            concurrency=options.workers,  # each task process loads the extractors (~350 MB)
            max_retries=-1,
        )
        share = _actor_share(float(ray.cluster_resources().get("CPU", 1.0)), options.workers)
        stages = (
            (Annotate, ANNOTATE_CPUS * share, popts.annotate),
            (Classify, CLASSIFY_CPUS * share, popts.classify),
        )
        for stage, cpus, wanted in stages:
            if not wanted:  # (an actor pool that only unpickles and pickles again: none)
                continue
            ds = ds.map_batches(
                stage,
                fn_constructor_kwargs={"options": popts},
                batch_size=options.batch_size,
                batch_format="pandas",
                compute=ray.data.ActorPoolStrategy(size=options.workers),
                num_cpus=cpus,
                **retry,
            )
        ds = ds.map_batches(
            Write,
            fn_constructor_kwargs={"db": db},
            batch_size=options.batch_size,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(size=writers),
            num_cpus=0,
            **retry,
        )
        for row in ds.iter_rows():
            report.inputs += 1
            outcome = row["outcome"]
            if outcome == "skipped":
                report.skipped += 1
                notify("skipped", row["source"])
                continue
            if outcome == "error":
                e = InputError(row["source"], row["error"])
                report.errors.append(e)
                notify("error", e)
                continue
            if outcome == "stored":
                report.stored += 1
            elif outcome == "duplicate":
                report.duplicates += 1
            else:
                report.unchanged += 1
            notify("saved", row)
    finally:
        if started_here:
            ray.shutdown()
    return report


def _actor_share(cluster_cpus: float, workers: int) -> float:
    """The factor on the model actors' CPU requests that lets all ``2 x workers`` of them start
    beside one read and one extract task (1 when they fit; Ray would otherwise wait forever for
    an actor it cannot place)."""
    need = workers * (ANNOTATE_CPUS + CLASSIFY_CPUS)
    room = cluster_cpus - READ_CPUS - EXTRACT_CPUS
    return 1.0 if need <= room else max(room, 0.01) / need


def _absolute(db: str) -> str:
    from undertow.config import db_url

    url = db_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return f"sqlite:///{os.path.abspath(url[len('sqlite:///') :])}"
    return url


def _ray_init(ray: Any, options: BackfillOptions) -> None:
    """Join ``options.address``, or start a local Ray with ``workers`` CPUs and a small object
    store (the rows are documents: kilobytes each)."""
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": logging.WARNING,
        "log_to_driver": True,
        "configure_logging": False,
    }
    if options.address:
        ray.init(address=options.address, **kwargs)
    else:
        # this machine's CPUs: ``workers`` sizes the stage pools, and the stages run side by side
        ray.init(num_cpus=os.cpu_count() or 1, object_store_memory=400 * 1024 * 1024, **kwargs)
