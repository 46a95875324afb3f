"""`SqlGrids`: the grid image a completed grid job owes, claimed under a lease and recorded once.

`jobs.grid_due` is set while an image is owed: from the job's creation (or retry), claimable once the job is
`completed`; a claim moves it `lease_seconds` ahead with one conditional `UPDATE`, so two makers never hold it at
once and a maker that dies leaves it to the next. Recording clears it in the same transaction as the artifact.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from kiln.jobs.gallery import gallery_fields
from kiln.jobs.ids import new_id, stored_id
from kiln.jobs.records import ArtifactRecord, JobRecord, NewArtifact
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.common import artifact_record, load_job, lock_jobs
from kiln.jobs.sql.tables import ARTIFACTS, JOBS

__all__ = ["SqlGrids"]


class SqlGrids(SqlBase):
    """`claim_grid` and `record_grid` of `kiln.jobs.store.JobStore`."""

    def claim_grid(self, *, lease_seconds: float, job_id: str | None = None) -> JobRecord | None:
        if job_id is not None and (job_id := stored_id(job_id)) is None:
            return None
        with self._write() as conn:
            now = self._clock()
            owed = JOBS.c.grid_due <= now, JOBS.c.state == "completed"
            query = select(JOBS.c.id).where(*owed).order_by(JOBS.c.grid_due, JOBS.c.id).limit(1)
            if job_id is not None:
                query = query.where(JOBS.c.id == job_id)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, key_share=True)
            found = conn.execute(query).scalar_one_or_none()
            if found is None:
                return None
            lease = (
                update(JOBS).where(JOBS.c.id == found, *owed).values(grid_due=now + timedelta(seconds=lease_seconds))
            )
            if conn.execute(lease).rowcount != 1:
                return None
            return load_job(conn, found)

    def record_grid(self, job_id: str, artifact: NewArtifact) -> ArtifactRecord | None:
        if (job_id := stored_id(job_id) or "") == "":
            return None
        with self._write() as conn:
            lock_jobs(conn, [job_id])
            query = select(JOBS.c.total, JOBS.c.owner, JOBS.c.grid_due, JOBS.c.grid_artifact_id).where(
                JOBS.c.id == job_id
            )
            job = conn.execute(query).one_or_none()
            if job is None or job.grid_due is None:
                return None
            now = self._clock()
            values = {
                "job_id": job_id, "item_id": None, "item_index": job.total, "storage_key": artifact.storage_key,
                "content_type": artifact.content_type, "size_bytes": artifact.size_bytes, "width": artifact.width,
                "height": artifact.height, "metadata": dict(artifact.metadata), "created_at": now,
                # in the owner's gallery, as an image of no item
                "owner": job.owner, **gallery_fields(None, artifact.metadata, artifact.content_type),
            }  # fmt: skip
            known = ARTIFACTS.c.id == job.grid_artifact_id, ARTIFACTS.c.job_id == job_id
            artifact_id = job.grid_artifact_id
            if artifact_id is None or conn.execute(update(ARTIFACTS).where(*known).values(values)).rowcount != 1:
                artifact_id = new_id(now)
                conn.execute(insert(ARTIFACTS).values(values | {"id": artifact_id}))
            done = {"grid_due": None, "grid_artifact_id": artifact_id}
            conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(done))
            row = conn.execute(select(ARTIFACTS).where(ARTIFACTS.c.id == artifact_id)).one()
            return artifact_record(row)
