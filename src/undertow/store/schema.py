"""Tables of the record store (SQLAlchemy Core, portable between SQLite and PostgreSQL).

Each table notes the migration that introduced it; ``migrations.py`` creates them in order.
Dialect-specific objects (full-text indexes, triggers, pragmas) live in the dialect modules.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_version = Table(  # migration 1
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

documents = Table(  # migration 1
    "documents",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # FTS rowid on SQLite
    Column("id", String(32), nullable=False, unique=True),
    Column("source", Text, nullable=False),
    Column("url", Text, unique=True),
    Column("title", Text),
    Column("author", Text),
    Column("section", Text),
    Column("outlet_id", String(128), index=True),
    Column("outlet_name", Text),
    Column("outlet_country", String(8)),
    Column("outlet_state_affiliated", Boolean),
    Column("outlet_kind", String(32)),  # media | agency | official | ... (canonical tie-break)
    Column("language", String(8), index=True),
    Column("published", Date, index=True),
    Column("published_source", String(16)),
    Column("fetched", DateTime(timezone=True)),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("word_count", Integer, nullable=False),
    Column("duplicate_of", String(32), index=True),
    Column("paragraphs", Text, nullable=False),  # JSON list of {start, end, language}
    Column("record", Text),  # JSON of the later stages' annotations (actors, statements, ...)
)

doc_minhash = Table(  # migration 1
    "doc_minhash",
    metadata,
    Column("doc_id", String(32), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("signature", LargeBinary, nullable=False),
)

doc_lsh = Table(  # migration 1
    "doc_lsh",
    metadata,
    Column("band", Integer, nullable=False),
    Column("bucket", BigInteger, nullable=False),
    Column("doc_id", String(32), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Index("ix_doc_lsh_bucket", "bucket"),  # bucket keys hash the band number in: unique per band
)

feeds = Table(  # migration 1
    "feeds",
    metadata,
    Column("url", Text, primary_key=True),
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled", DateTime(timezone=True)),
    Column("last_status", Text),
)

feed_items = Table(  # migration 1
    "feed_items",
    metadata,
    Column("feed_url", Text, primary_key=True),
    Column("item_key", Text, primary_key=True),
    Column("doc_id", String(32)),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

ingest_errors = Table(  # migration 1
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

TABLES_V1 = [schema_version, documents, doc_minhash, doc_lsh, feeds, feed_items, ingest_errors]


# --- migration 2: statements as rows, and the dynamics stage's state (issue 5) -----------------
# The documents table keeps each record's JSON; these tables index its statements so that the
# dynamics stage (series, first-seen, bursts, shifts, alerts, briefs) reads only the days it needs.

statements = Table(  # migration 2
    "statements",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # arrival order: the track watermark
    Column("id", String(40), nullable=False, unique=True),
    Column("doc_id", String(32), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("day", Date, index=True),  # the day said, else the document's day published
    Column("said_start", Date),
    Column("said_end", Date),
    Column("published", Date),
    Column("canonical", Boolean, nullable=False),  # False for statements of syndicated copies
    Column("outlet_id", String(128)),
    Column("outlet_kind", String(32)),
    Column("state_affiliated", Boolean),
    Column("language", String(8)),
    Column("speaker", String(128), index=True),  # actor id (None: unattributed)
    Column("kind", String(16), nullable=False),
    Column("medium", String(64)),
    Column("text", Text, nullable=False),  # the statement's content
    Column("sentence", Text, nullable=False),  # the sentence(s) that carry it, for citations
    Column("start", Integer, nullable=False),  # content span in the document text
    Column("end", Integer, nullable=False),
    Column("aspect", String(12)),  # "new" | "habitual": what the text itself says about the line's age
    Column("confidence", Float, nullable=False),
    Column("vector", LargeBinary),  # float16 sentence vector (discovery clusters the unlabelled ones)
    # migration 4: the speaker and cue spans, so that lists need not decode the record JSON
    Column("speaker_start", Integer),
    Column("speaker_end", Integer),
    Column("cue_start", Integer),
    Column("cue_end", Integer),
    Column("cue_text", Text),
)

statement_labels = Table(  # migration 2
    "statement_labels",
    metadata,
    Column("statement_id", String(40), ForeignKey("statements.id", ondelete="CASCADE"), nullable=False),
    Column("label", String(128), nullable=False),
    Column("taxonomy", String(64), nullable=False),
    Column("parent", String(128)),  # the narrative of a sub-narrative
    Column("confidence", Float, nullable=False),
    Column("day", Date),  # copied from the statement, for per-label day scans
    Index("ix_statement_labels_label_day", "label", "day"),
    Index("ix_statement_labels_statement", "statement_id"),
)

statement_stances = Table(  # migration 2
    "statement_stances",
    metadata,
    Column("statement_id", String(40), ForeignKey("statements.id", ondelete="CASCADE"), nullable=False),
    Column("issue", String(128), nullable=False),
    Column("polarity", String(8), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("speaker", String(128)),
    Column("day", Date),
    Index("ix_statement_stances_speaker_issue_day", "speaker", "issue", "day"),
    Index("ix_statement_stances_statement", "statement_id"),
)

track_state = Table(  # migration 2: key/value bookkeeping of the dynamics stage (watermarks)
    "track_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

daily_counts = Table(  # migration 2: canonical statements per day, dimension, key and outlet
    "daily_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column(
        "dim", String(16), primary_key=True
    ),  # all | docs | narrative | narrative-doc | actor | language | issue
    Column("key", String(160), primary_key=True),
    Column("outlet_id", String(128), primary_key=True),  # "" when the document has no outlet
    Column("n", Integer, nullable=False),
    Index("ix_daily_counts_dim_key_day", "dim", "key", "day"),
)

first_seen = Table(  # migration 2: the first statement per narrative, and per actor x narrative
    "first_seen",
    metadata,
    Column("scope", String(16), primary_key=True),  # narrative | actor
    Column("key", String(300), primary_key=True),  # "<label>" or "<actor>|<label>"
    Column("label", String(128), nullable=False),
    Column("actor", String(128)),
    Column("day", Date, nullable=False),
    Column("statement_id", String(40), nullable=False),
    Column("seen", Integer, nullable=False),  # statements counted so far
    Column("habitual", Integer, nullable=False),  # of which the text says the line is old
)

clusters = Table(  # migration 2: candidate narratives from unlabelled statements
    "clusters",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("centroid", LargeBinary, nullable=False),  # float32, unit length
    Column("size", Integer, nullable=False),
    Column("first_day", Date),
    Column("last_day", Date),
    Column("status", String(12), nullable=False),  # candidate | promoted | dismissed
    Column("promoted_as", String(128)),
)

cluster_members = Table(  # migration 2
    "cluster_members",
    metadata,
    Column("cluster_id", String(16), ForeignKey("clusters.id", ondelete="CASCADE"), nullable=False),
    Column("statement_id", String(40), nullable=False),
    Column("day", Date),
    Column("similarity", Float, nullable=False),
    # copied from the statement (migration 7), so that a candidate's documents, speakers, outlets
    # and languages are counted from the cluster's own rows, not one statement lookup per member
    Column("doc_id", String(32)),
    Column("speaker", String(128)),
    Column("outlet_id", String(128)),
    Column("language", String(8)),
    Index("ix_cluster_members_cluster", "cluster_id"),
)
CLUSTER_MEMBER_VOICES = ("doc_id", "speaker", "outlet_id", "language")

alerts = Table(  # migration 2
    "alerts",
    metadata,
    Column("id", String(24), primary_key=True),  # hash of rule and subject: the deduplication key
    Column("rule", String(64), nullable=False),
    Column("type", String(32), nullable=False),
    Column("day", Date, nullable=False, index=True),
    Column("subject", String(300), nullable=False),  # what it is about: "<label>", "<actor>|<issue>"
    Column("title", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the whole alert as JSON (evidence bundle included)
    Column("created", DateTime(timezone=True), nullable=False),
)

alert_deliveries = Table(  # migration 2: webhook deliveries, so a failed one is retried next run
    "alert_deliveries",
    metadata,
    Column("alert_id", String(24), primary_key=True),
    Column("target", Text, primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", Integer),
    Column("error", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

TABLES_V2 = [
    statements,
    statement_labels,
    statement_stances,
    track_state,
    daily_counts,
    first_seen,
    clusters,
    cluster_members,
    alerts,
    alert_deliveries,
]


# --- migration 4: events as rows (the API, exports and dashboard list them) ----------------------

events = Table(  # migration 4
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False),  # unique within its document (copies share ids)
    Column("doc_id", String(32), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("mode", String(32)),
    Column("source", Text, nullable=False),  # JSON list of country codes
    Column("target", Text, nullable=False),
    Column("source_actors", Text, nullable=False),  # JSON list of actor ids
    Column("target_actors", Text, nullable=False),
    Column("location", Text),
    Column("date_start", Date),
    Column("date_end", Date),
    Column("day", Date),  # the event's first day, else the document's day published
    Column("published", Date),
    Column("canonical", Boolean, nullable=False),
    Column("outlet_id", String(128)),
    Column("language", String(8)),
    Column("start", Integer, nullable=False),  # evidence span in the document text
    Column("end", Integer, nullable=False),
    Column("sentence", Text, nullable=False),
    Column("confidence", Float, nullable=False),
    UniqueConstraint("doc_id", "id", name="uq_events_doc_id"),
)

TABLES_V4 = [events]

# created by migration 4 as plain DDL (not attached to the tables above, so that migration 2's
# create_all on a new database does not make them first): name -> (table, columns)
INDEXES_V4 = {
    "ix_statements_day_seq": ("statements", "day, seq"),
    "ix_statements_speaker_day": ("statements", "speaker, day"),
    "ix_statements_outlet_day": ("statements", "outlet_id, day"),
    "ix_statements_language_day": ("statements", "language, day"),
    "ix_documents_published_seq": ("documents", "published, seq"),
    "ix_events_day_seq": ("events", "day, seq"),
    "ix_events_type_day": ("events", "type, day"),
}

# --- migration 5: indexes for the web app's lists and pages on a large archive ------------------

INDEXES_V5 = {
    # documents newest first without syndicated copies, or of one language or outlet: read in
    # index order (without them SQLite sorts every canonical document of the archive)
    "ix_documents_duplicate_of_published_seq": ("documents", "duplicate_of, published, seq"),
    "ix_documents_language_published_seq": ("documents", "language, published, seq"),
    "ix_documents_outlet_published_seq": ("documents", "outlet_id, published, seq"),
    # "label = X OR parent = X" (a narrative with its sub-narratives): both sides indexed
    "ix_statement_labels_parent_day": ("statement_labels", "parent, day"),
    # labels of a window (the overview's active narratives)
    "ix_statement_labels_day_label": ("statement_labels", "day, label"),
}

# --- migration 6 ---------------------------------------------------------------------------------

INDEXES_V6 = {
    # the top keys of a dimension in a window (overview, trends) from the window's index entries,
    # not the dimension's whole history; per-key totals (every speaker's statements, first and
    # last day) from the index alone, without reading each of the dimension's rows
    "ix_daily_counts_dim_day_key_n": ("daily_counts", "dim, day, key, n"),
}

# --- migration 8 ---------------------------------------------------------------------------------

INDEXES_V8 = {
    # a backfill skips the inputs already stored: one lookup per input, by its source key
    # ("file.jsonl:12", a path or a URL)
    "ix_documents_source": ("documents", "source"),
}

# --- migration 10 --------------------------------------------------------------------------------

INDEXES_V10 = {
    # the stances of a window (the brief's per-issue section) by their day, not all stances
    "ix_statement_stances_day": ("statement_stances", "day"),
}
