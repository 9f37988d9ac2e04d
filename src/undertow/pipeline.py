"""The pipeline: the one place that knows the order of the stages.

    source -> extract -> language -> outlet -> annotate (actors, statements, events)
           -> (classify: later issues) -> store

``Pipeline.document`` turns one raw item into a :class:`~undertow.records.Document`;
``ingest`` runs it over many inputs (optionally in worker processes, each loading its models
once) and writes the results to a :class:`~undertow.store.Store` from the parent process, one
transaction per document.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from undertow.config import DEFAULT_LANGUAGES
from undertow.errors import InputError
from undertow.ingest.dedupe import Fingerprint, fingerprint
from undertow.ingest.extract import Extracted, decode_bytes, extract_html, extract_plain_text
from undertow.ingest.extract import preload as preload_extraction
from undertow.ingest.sources import RawItem, Sources
from undertow.knowledge.outlets import OutletRegistry, default_registry
from undertow.language.langid import get_identifier
from undertow.records import Document
from undertow.store import SaveResult, Store


@dataclass(frozen=True)
class PipelineOptions:
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    default_published: dt.date | None = None  # ``--published``: used where the input gives no date
    outlets_file: str | None = None
    annotate: bool = True  # actors, statements, events (language/annotate.py)
    classify: bool = True  # narratives and stances (narratives/)
    taxonomies: tuple[str, ...] = ()  # taxonomy files or shipped names; () = the shipped war-rhetoric


class Pipeline:
    """Runs the document stages over raw items. Models load once, when the pipeline is built."""

    def __init__(self, options: PipelineOptions | None = None, outlets: OutletRegistry | None = None) -> None:
        self.options = options or PipelineOptions()
        if outlets is not None:
            self.outlets = outlets
        elif self.options.outlets_file:
            self.outlets = OutletRegistry.load(self.options.outlets_file)
        else:
            self.outlets = default_registry()
        self.langid = get_identifier(tuple(self.options.languages))
        self._classifier: Any = None

    @property
    def classifier(self) -> Any:
        """The narrative and stance classifier (built at first use: it embeds the taxonomies)."""
        if self._classifier is None:
            from undertow.narratives import default_classifier

            self._classifier = default_classifier(self.options.taxonomies)
        return self._classifier

    def document(self, item: RawItem) -> Document:
        """Every stage for one item: ``extract``, then ``annotate`` and ``classify`` where the
        options ask for them. Raises ``InputError``."""
        doc = self.extract(item)
        self.annotate(doc)
        self.classify(doc)
        return doc

    def extract(self, item: RawItem) -> Document:
        """Extract, date, tag and language-identify one item. Raises ``InputError``."""
        ex = self._extract(item)
        if not ex.text.strip():
            raise InputError(item.source, "no article text found (empty, or a page that needs JavaScript)")
        url = item.url or ex.url
        published, published_source = self._published(item, ex)
        doc = Document(
            source=item.source,
            text=ex.text,
            url=url,
            title=item.title or ex.title,
            author=item.author or ex.author,
            section=ex.section,
            outlet=self.outlets.resolve(url, declared=item.outlet, sitename=ex.sitename),
            published=published,
            published_source=published_source,
            fetched=item.fetched,
        )
        lang, doc.paragraphs = self.langid.paragraphs(doc.text)
        doc.language = item.language or lang or ex.language_hint
        return doc

    def annotate(self, doc: Document) -> None:
        """Actors, statements and events (``language/annotate.py``), if the options ask for them."""
        if self.options.annotate:
            from undertow.language.annotate import default_annotator

            default_annotator().annotate(doc)

    def classify(self, doc: Document) -> None:
        """Narratives and stances of the statements (``narratives/``), if the options ask."""
        if self.options.classify:
            self.classifier.classify(doc)

    def _extract(self, item: RawItem) -> Extracted:
        data = item.content()
        text = data if isinstance(data, str) else decode_bytes(data, item.charset, source=item.source)
        if item.kind == "text":
            return extract_plain_text(text)
        return extract_html(text, url=item.url)

    def _published(self, item: RawItem, ex: Extracted) -> tuple[dt.date | None, Any]:
        """Publication date and where it came from. Never the fetch time: unknown stays None."""
        if item.published_source == "jsonl" and item.published:
            return item.published, "jsonl"
        if ex.published:
            return ex.published, "page"
        if item.published:
            return item.published, item.published_source
        if self.options.default_published:
            return self.options.default_published, "argument"
        return None, None


# --- running over many inputs ------------------------------------------------------------------

_worker_pipeline: Pipeline | None = None


def _init_worker(options: PipelineOptions) -> None:
    global _worker_pipeline
    _limit_threads()
    if _worker_pipeline is None or _worker_pipeline.options != options:
        _worker_pipeline = Pipeline(options)  # a forked worker already has the parent's (see _pool)


def _limit_threads() -> None:
    """One inference thread per worker process (several threads per process thrash on 2 cores)."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scipy/numpy stacks
        pass


def _process(item: RawItem) -> tuple[Document, Fingerprint] | InputError:
    assert _worker_pipeline is not None
    return process_item(_worker_pipeline, item)


def process_item(pipeline: Pipeline, item: RawItem) -> tuple[Document, Fingerprint] | InputError:
    try:
        doc = pipeline.document(item)
    except InputError as err:
        return err
    except Exception as exc:  # an extractor bug must not stop the batch: report it as this input's error
        return InputError(item.source, f"internal error while processing: {type(exc).__name__}: {exc}")
    return doc, fingerprint(doc.text)


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    unchanged: int = 0
    errors: list[InputError] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    outcomes: list[SaveResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    def add(self, result: SaveResult) -> None:
        if result.outcome == "stored":
            self.stored += 1
        elif result.outcome == "duplicate":
            self.duplicates += 1
        else:
            self.unchanged += 1
        self.doc_ids.append(result.doc_id)
        self.outcomes.append(result)


def ingest(
    inputs: Iterable[str],
    store: Store,
    *,
    options: PipelineOptions | None = None,
    sources: Sources | None = None,
    workers: int = 1,
    on_event: Callable[[str, Any], None] | None = None,
) -> IngestReport:
    """Ingest every input into ``store``; bad inputs are reported and skipped, never fatal.
    (Without ``sources``, page files are read by the workers: ``Sources(defer_reads=True)``.)"""
    sources = sources or Sources(memory=store, defer_reads=True)
    return ingest_items(sources.items(inputs), store, options=options, workers=workers, on_event=on_event)


def ingest_items(
    items: Iterable[RawItem | InputError],
    store: Store,
    *,
    options: PipelineOptions | None = None,
    pipeline: Pipeline | None = None,
    workers: int = 1,
    on_event: Callable[[str, Any], None] | None = None,
) -> IngestReport:
    """Ingest raw items (``Sources.items`` or ``Sources.record``); ``pipeline``: an already built
    pipeline to reuse (one process), e.g. the web app's."""
    options = pipeline.options if pipeline else (options or PipelineOptions())
    report = IngestReport()
    notify = on_event or (lambda kind, obj: None)

    def handle(item: RawItem, outcome: tuple[Document, Fingerprint] | InputError) -> None:
        if isinstance(outcome, InputError):
            report.errors.append(outcome)
            store.record_error(outcome.source, outcome.reason)
            notify("error", outcome)
            return
        doc, fp = outcome
        result = save(store, doc, fp, item.feed)
        report.add(result)
        notify("saved", (doc, result))

    for item, outcome in _run(iter(items), options, workers, report, store, notify, pipeline):
        handle(item, outcome)
    return report


def save(store: Store, doc: Document, fp: Fingerprint, feed: tuple[str, str] | None) -> SaveResult:
    """Store ``doc``; when it came from a feed entry (``RawItem.feed``: feed URL, entry id), mark
    the entry seen so that the feed reader skips it from now on."""
    result = store.save_document(doc, fp)
    if feed:
        store.mark_feed_item(feed[0], feed[1], result.doc_id)
    return result


def _run(
    items: Iterator[RawItem | InputError],
    options: PipelineOptions,
    workers: int,
    report: IngestReport,
    store: Store,
    notify: Callable[[str, Any], None],
    pipeline: Pipeline | None = None,
) -> Iterator[tuple[RawItem, tuple[Document, Fingerprint] | InputError]]:
    """Yield ``(item, outcome)`` pairs, processing in ``workers`` processes with bounded look-ahead."""

    def source_errors() -> Iterator[RawItem]:
        for it in items:
            if isinstance(it, InputError):
                report.errors.append(it)
                store.record_error(it.source, it.reason)
                notify("error", it)
            else:
                notify("item", it)
                yield it

    if workers <= 1:
        pipeline = pipeline or Pipeline(options)
        for item in source_errors():
            yield item, process_item(pipeline, item)
        return
    todo = source_errors()
    first = next(todo, None)
    if first is None:  # nothing to process (e.g. a rerun that finds everything stored): no pool,
        return  # so no models loaded
    Outcome = tuple[RawItem, tuple[Document, Fingerprint] | InputError]
    window: deque[tuple[RawItem, Future[Any]]] = deque()
    ready: deque[Outcome] = deque()
    pool = _pool(options, workers)

    def isolate(pending: list[RawItem]) -> None:
        """After a worker died, run the items that were in flight one at a time in a fresh pool,
        so that only the item that kills a worker is reported and the others are processed."""
        nonlocal pool
        for it in pending:
            try:
                ready.append((it, pool.submit(_process, it).result()))
            except BrokenProcessPool:
                pool.shutdown(cancel_futures=True)
                pool = _pool(options, workers)
                ready.append((it, InputError(it.source, "the worker process died while processing it")))

    def next_result() -> Outcome:
        nonlocal pool
        if ready:
            return ready.popleft()
        item, fut = window.popleft()
        try:
            return item, fut.result()
        except BrokenProcessPool:  # out of memory, a crash in native code, ...
            pending = [item, *(it for it, _ in window)]
            window.clear()
            pool.shutdown(cancel_futures=True)
            pool = _pool(options, workers)
            isolate(pending)
            return ready.popleft()

    try:
        for item in itertools.chain([first], todo):
            window.append((item, pool.submit(_process, item)))
            if len(window) + len(ready) >= workers * 4:
                yield next_result()
        while window or ready:
            yield next_result()
    finally:
        pool.shutdown(cancel_futures=True)


def _pool(options: PipelineOptions, workers: int) -> ProcessPoolExecutor:
    """Worker processes; on platforms that fork, the models are loaded once in the parent first and
    shared copy-on-write, so a worker starts in milliseconds instead of reloading them."""
    global _worker_pipeline
    if mp.get_start_method(allow_none=False) == "fork" and (
        _worker_pipeline is None or _worker_pipeline.options != options
    ):
        _worker_pipeline = Pipeline(options)
        preload_extraction()
        if options.annotate:
            from undertow.language.annotate import default_annotator

            default_annotator().english()  # load spaCy before forking as well
        if options.classify:
            _ = _worker_pipeline.classifier  # embed the taxonomies once, before forking
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(options,))
