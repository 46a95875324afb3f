"""THE RULE: the API process never imports torch (nor diffusers), even after a token-analysis request."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from fastapi.testclient import TestClient
    from kiln.api import create_app
    from kiln.config import Settings
    from kiln.jobs.sql import SqlStore, migrate
    from kiln.storage.local import LocalStorage

    root = Path(sys.argv[1])
    url = f"sqlite:///{root / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    settings = Settings(data_dir=root, output_dir=root / "outputs", auth="off")
    app = create_app(settings, store=store, keys=store, storage=LocalStorage(settings.output_dir))
    after_create = sorted(m for m in ("torch", "diffusers") if m in sys.modules)
    client = TestClient(app)
    statuses = [
        client.post("/v1/tokens", json={"prompt": "a lighthouse at dusk", "model": "tiny-sd3"}).status_code,
        client.post("/v1/jobs", json={"prompts": ["a lighthouse"]}).status_code,
        client.get("/v1/models").status_code,
        client.get("/metrics").status_code,
        client.get("/readyz").status_code,  # no worker: 503
    ]
    after_requests = sorted(m for m in ("torch", "diffusers") if m in sys.modules)
    print(json.dumps({"after_create": after_create, "after_requests": after_requests, "statuses": statuses}))
    """
)


def test_api_process_never_imports_torch(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200, 202, 200, 200, 503]
    assert report["after_create"] == []
    assert report["after_requests"] == [], (
        "the API imported torch (as of writing: kiln.engine.tokens calls kiln.engine.quiet.quiet_libraries(), "
        "which imports diffusers, which imports torch)"
    )
