"""The SQL schema as SQLAlchemy declarative models; the store uses their tables through SQLAlchemy Core.

`migrations/versions/` creates exactly this (a test compares them). Times are stored in UTC and read back as
aware datetimes on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from kiln.jobs.sql.nul import NulFreeText

__all__ = [
    "API_KEYS",
    "ARTIFACTS",
    "BOARDS",
    "BOARD_ARTIFACTS",
    "COUNTERS",
    "EVENTS",
    "ITEMS",
    "JOBS",
    "RATES",
    "USAGE",
    "WEBHOOKS",
    "WORKERS",
    "ApiKeyRow",
    "ArtifactRow",
    "Base",
    "BoardArtifactRow",
    "BoardRow",
    "CounterRow",
    "EventRow",
    "ItemRow",
    "JobRow",
    "RateRow",
    "UsageRow",
    "UtcDateTime",
    "WebhookRow",
    "WorkerRow",
]

ID = String(26)  # kiln.jobs.ids.new_id
SERIAL = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC (naive on SQLite, timestamptz on PostgreSQL), read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: kiln stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int]
    owner: Mapped[str | None] = mapped_column(String(64))
    prefix: Mapped[str | None] = mapped_column(Text)
    save: Mapped[bool]
    micro_batch: Mapped[int | None]
    webhook_url: Mapped[str | None] = mapped_column(Text)
    max_attempts: Mapped[int]
    request: Mapped[dict[str, Any]]
    total: Mapped[int]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(NulFreeText)
    last_unit: Mapped[str | None] = mapped_column(ID)  # the unit that last claimed one of its items (fair share)
    grid: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # a grid job's axes
    grid_due: Mapped[datetime | None]  # a grid image is owed, claimable from then (`claim_grid`'s lease)
    grid_artifact_id: Mapped[str | None] = mapped_column(ID)  # the grid image, once made
    idempotency_key: Mapped[str | None] = mapped_column(String(255))  # a repeated key returns this job

    __table_args__ = (
        Index("ux_jobs_owner_idempotency", "owner", "idempotency_key", unique=True),
        Index("ix_jobs_owner_id", "owner", "id"),
        Index("ix_jobs_owner_created", "owner", "created_at"),
        Index("ix_jobs_owner_last_unit", "owner", "last_unit"),  # when an owner was last served
        Index("ix_jobs_grid_due", "grid_due"),
    )


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ID, ForeignKey("jobs.id", ondelete="CASCADE"))
    item_index: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int]  # the job's, for claim order
    job_created: Mapped[datetime]  # the job's, for claim order
    owner: Mapped[str | None] = mapped_column(String(64))  # the job's, for fair share between owners
    signature: Mapped[str] = mapped_column(Text)  # Signature.key()
    model: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]]  # ImageItem.to_dict() or TaskItem.to_dict()
    attempts: Mapped[int]
    error: Mapped[str | None] = mapped_column(NulFreeText)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    unit_id: Mapped[str | None] = mapped_column(ID)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    progress: Mapped[float | None] = mapped_column(Float)  # the latest fraction done while running
    retry_at: Mapped[datetime | None]  # after a storage failure: not claimed again before then
    remote_id: Mapped[str | None] = mapped_column(Text)  # the remote work it started (`kiln.remote`)
    remote_cost_usd: Mapped[float | None] = mapped_column(Float)  # what that work cost

    __table_args__ = (
        Index("ix_items_job_index", "job_id", "item_index", unique=True),
        Index("ix_items_job_state", "job_id", "state"),
        Index("ix_items_unit", "unit_id"),
        Index("ix_items_state_finished", "state", "finished_at"),  # recent run times, for metrics
    )


# claim order: the best pending items first; priority descends, the rest ascends
Index("ix_items_claim", ItemRow.state, ItemRow.priority.desc(), ItemRow.job_created, ItemRow.job_id, ItemRow.item_index)
# a unit's batch-mates: the best pending items of one signature, in claim order
Index(
    "ix_items_batch",
    ItemRow.state,
    ItemRow.signature,
    ItemRow.priority.desc(),
    ItemRow.job_created,
    ItemRow.job_id,
    ItemRow.item_index,
)
# fair share: the owners with pending work at a priority, and each one's best pending item
Index(
    "ix_items_owner_claim",
    ItemRow.state,
    ItemRow.priority.desc(),
    ItemRow.owner,
    ItemRow.job_created,
    ItemRow.job_id,
    ItemRow.item_index,
)


class ArtifactRow(Base):
    __tablename__ = "artifacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    job_id: Mapped[str] = mapped_column(ID, ForeignKey("jobs.id", ondelete="CASCADE"))
    # None: the job's own file (its grid image), with item_index the job's total
    item_id: Mapped[int | None] = mapped_column(SERIAL, ForeignKey("items.id", ondelete="CASCADE"))
    item_index: Mapped[int]
    storage_key: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int]
    height: Mapped[int]
    meta: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[datetime]
    # the gallery's (kiln.jobs.gallery.gallery_fields), taken when the artifact is recorded
    owner: Mapped[str | None] = mapped_column(String(64))  # its job's
    prompt: Mapped[str | None] = mapped_column(NulFreeText)  # the user's prompt, case-folded, for search
    model: Mapped[str | None] = mapped_column(Text)
    style: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    media: Mapped[str] = mapped_column(String(8), server_default="image")
    starred: Mapped[bool] = mapped_column(server_default=false())

    __table_args__ = (
        Index("ix_artifacts_job_index", "job_id", "item_index"),
        Index("ix_artifacts_item", "item_id", unique=True),
        # the gallery: newest first per owner, and per owner and filter where a filter is selective
        Index("ix_artifacts_owner_id", "owner", "id"),
        Index("ix_artifacts_owner_created", "owner", "created_at"),
        Index("ix_artifacts_owner_model", "owner", "model", "id"),
        Index("ix_artifacts_owner_style", "owner", "style", "id"),
        Index("ix_artifacts_owner_seed", "owner", "seed", "id"),
        Index("ix_artifacts_owner_starred", "owner", "starred", "id"),
        Index("ix_artifacts_owner_media", "owner", "media", "id"),
    )


class BoardRow(Base):
    """A named collection of one owner's artifacts (`kiln.jobs.gallery`)."""

    __tablename__ = "boards"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))  # ANONYMOUS_BOARDS with authentication off
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_boards_owner_name", "owner", "name", unique=True),)


class BoardArtifactRow(Base):
    """An artifact in a board; goes with either."""

    __tablename__ = "board_artifacts"

    board_id: Mapped[str] = mapped_column(ID, ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)
    artifact_id: Mapped[str] = mapped_column(ID, ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime]

    __table_args__ = (Index("ix_board_artifacts_artifact", "artifact_id"),)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ID, ForeignKey("jobs.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_events_job_id", "job_id", "id"),)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64))
    quota_per_day: Mapped[int | None]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_api_keys_token_hash", "token_hash", unique=True),)


class WebhookRow(Base):
    """A webhook delivery; no foreign key, so a delivery outlives the job it tells about."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ID)
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(NulFreeText)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_job", "job_id"),
    )


class UsageRow(Base):
    """One job's charge against its owner's quota (`kiln.jobs.quota`); no foreign key, so a charge outlives its job
    (deleting a job gives no images back)."""

    __tablename__ = "usage_ledger"

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(ID)
    images: Mapped[int]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_usage_ledger_owner_created", "owner", "created_at"),)


class WorkerRow(Base):
    """A worker process's last beat (`kiln.jobs.workers`)."""

    __tablename__ = "workers"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    info: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    last_seen: Mapped[datetime]

    __table_args__ = (Index("ix_workers_last_seen", "last_seen"),)


class CounterRow(Base):
    """A running count of the whole store (`storage_errors`), kept across deleted jobs."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class RateRow(Base):
    """A signature's recent seconds per image, recorded by the workers (`kiln.jobs.rates`)."""

    __tablename__ = "signature_rates"

    signature: Mapped[str] = mapped_column(Text, primary_key=True)  # Signature.key(), as in items.signature
    seconds_per_image: Mapped[float] = mapped_column(Float)
    units: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


JOBS = _table(JobRow)
ITEMS = _table(ItemRow)
ARTIFACTS = _table(ArtifactRow)
EVENTS = _table(EventRow)
API_KEYS = _table(ApiKeyRow)
WEBHOOKS = _table(WebhookRow)
WORKERS = _table(WorkerRow)
USAGE = _table(UsageRow)
COUNTERS = _table(CounterRow)
RATES = _table(RateRow)
BOARDS = _table(BoardRow)
BOARD_ARTIFACTS = _table(BoardArtifactRow)
