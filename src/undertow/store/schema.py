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
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
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
