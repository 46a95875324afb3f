"""A `kiln worker` process on an empty data folder of its own (no disk shared with the API) writes its images to an
S3 bucket (`KILN_STORAGE_URL`, moto's server standing in for AWS, R2 or MinIO), and the API serves them from there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.api.conftest import SMALL, ApiFactory

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_process_on_its_own_folder_writes_to_the_bucket(
    make_api: ApiFactory, tmp_path: Path, s3_endpoint: str
) -> None:
    api = make_api(storage="s3", s3_downloads="stream")
    job_id = api.submit(prompts=["a", "b"], defaults=SMALL, start_seed=9)["id"]
    database = api.settings.data_dir.parent / "kiln.db"  # where make_api keeps its SQLite store
    assert database.is_file()
    own = tmp_path / "worker-machine"
    env = os.environ | {
        "KILN_DATABASE_URL": f"sqlite:///{database}",
        "KILN_STORAGE_URL": str(api.settings.storage_url),
        "KILN_DATA_DIR": str(own / "data"),
        "KILN_OUTPUT_DIR": str(own / "outputs"),
        "KILN_THREADS": "2",
        "KILN_PRELOAD_MODEL": "false",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-c", "from kiln.cli.app import main; main()", "worker", "--worker-id", "remote"]
    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            job = api.wait_final(job_id, timeout=240)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the worker said: {log.read_text()[-3000:]}") from None
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    assert job["state"] == "completed", log.read_text()[-3000:]
    keys = sorted(a.storage_key for a in api.store.list_artifacts(job_id))
    assert api.stored() == keys and len(keys) == 2
    assert not (own / "outputs").exists()  # nothing on the worker's own disk
    for artifact in api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]:
        download = api.client.get(f"/v1/artifacts/{artifact['id']}")
        assert download.status_code == 200 and download.content[:4] == b"\x89PNG"
