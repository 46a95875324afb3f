"""Serving the studio's bundle at `/`: files, client-side routes, caching, gzip, traversal, HEAD, a missing build."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.requests import Request

from kiln.api.studio import download_origins, html_headers
from kiln.config import Settings
from tests.api.conftest import ApiFactory

INDEX = b"<!doctype html><html><head><script type=module src=/assets/app-abc123.js></script></head></html>"
SCRIPT = b"console.log('kiln');" * 50


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A bundle laid out like Vite's: index.html and hashed assets, each with its gzip sibling."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    for name, body in {"index.html": INDEX, "assets/app-abc123.js": SCRIPT, "robots.txt": b"User-agent: *\n"}.items():
        (root / name).write_bytes(body)
        if name != "robots.txt":
            (root / f"{name}.gz").write_bytes(gzip.compress(body))
    (tmp_path / "secret.txt").write_text("outside the bundle")
    return root


def test_client_side_routes_get_index_html_revalidated_with_security_headers(
    make_api: ApiFactory, bundle: Path
) -> None:
    client = make_api(studio_dir=bundle).client
    for path in ("/", "/queue", "/queue/01JABCDEF", "/gallery?board=x", "/status/"):
        response = client.get(path, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, path
        assert response.content == INDEX
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "connect-src 'self' ws://testserver wss://testserver" in policy
        assert response.headers["x-content-type-options"] == "nosniff"


def test_hashed_assets_are_immutable_and_sent_gzipped_to_who_accepts_it(make_api: ApiFactory, bundle: Path) -> None:
    client = make_api(studio_dir=bundle).client
    plain = client.get("/assets/app-abc123.js", headers={"Accept-Encoding": "identity"})
    assert plain.content == SCRIPT and "content-encoding" not in plain.headers
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["vary"] == "Accept-Encoding"
    with client.stream("GET", "/assets/app-abc123.js", headers={"Accept-Encoding": "gzip, br"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(raw) == SCRIPT and len(raw) < len(SCRIPT)
    refused = client.get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_etag_answers_304(make_api: ApiFactory, bundle: Path) -> None:
    client = make_api(studio_dir=bundle).client
    first = client.get("/robots.txt")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/robots.txt", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_head_has_the_headers_and_no_body(make_api: ApiFactory, bundle: Path) -> None:
    client = make_api(studio_dir=bundle).client
    response = client.head("/queue", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == str(len(INDEX))


def test_the_api_keeps_its_own_404s_and_405s(make_api: ApiFactory, bundle: Path) -> None:
    client = make_api(studio_dir=bundle).client
    for path in ("/v1/nothing", "/v1", "/healthz/x", "/metrics/x", "/docs/x"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["type"] == "not_found"
    assert client.get("/v1/images").status_code == 405  # a POST-only route
    assert client.post("/queue").status_code == 404  # the studio answers GET and HEAD only
    assert client.get("/openapi.json").json()["info"]["title"] == "kiln"


@pytest.mark.parametrize(
    "path",
    ["/assets/missing-123.js", "/favicon.ico", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/a%00.js"],
)
def test_missing_files_and_escapes_are_404_not_index_html(make_api: ApiFactory, bundle: Path, path: str) -> None:
    response = make_api(studio_dir=bundle).client.get(path)
    assert response.status_code == 404
    assert b"outside the bundle" not in response.content and b"<html" not in response.content


def test_a_symlink_out_of_the_bundle_is_not_followed(make_api: ApiFactory, bundle: Path) -> None:
    (bundle / "leak.txt").symlink_to(bundle.parent / "secret.txt")
    response = make_api(studio_dir=bundle).client.get("/leak.txt")
    assert response.status_code == 404


def test_a_missing_build_says_how_to_build_it(make_api: ApiFactory, tmp_path: Path) -> None:
    response = make_api(studio_dir=tmp_path / "nowhere").client.get("/queue")
    assert response.status_code == 503
    assert "npm ci &amp;&amp; npm run build" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_studio_off_leaves_only_the_api(make_api: ApiFactory, bundle: Path) -> None:
    client = make_api(studio_dir=bundle, studio=False).client
    assert client.get("/").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_the_package_ships_a_built_bundle(make_api: ApiFactory) -> None:
    """The committed bundle (kiln/studio/dist) is what `kiln serve` sends by default."""
    client = make_api().client
    page = client.get("/")
    assert page.status_code == 200, "kiln/studio/dist is not built: cd web && npm ci && npm run build"
    assert '<div id="root">' in page.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/" + "a" * 300, 200), ("/" + "a/" * 3000, 200), ("/assets/" + "b" * 300 + ".js", 404)],
)
def test_a_path_too_long_for_the_file_system_is_a_page_or_a_404_not_a_500(
    make_api: ApiFactory, bundle: Path, path: str, status: int
) -> None:
    response = make_api(studio_dir=bundle).client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == status
    if status == 200:
        assert response.content == INDEX


def test_images_redirected_to_a_bucket_are_allowed_by_the_pages_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a bucket and redirected downloads, `<img src="/v1/artifacts/{id}">` ends at the bucket's endpoint: the
    page's policy must let images and videos come from there, or the studio shows none."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"kiln.local")]})
    assert download_origins(Settings()) == ()  # a folder: files come from this origin
    streamed = Settings(storage_url="s3://media", s3_endpoint_url="http://127.0.0.1:9000", s3_downloads="stream")
    assert download_origins(streamed) == ()
    minio = Settings(storage_url="s3://media/kiln", s3_endpoint_url="http://127.0.0.1:9000/ignored/path")
    assert download_origins(minio) == ("http://127.0.0.1:9000",)
    assert download_origins(Settings(storage_url="s3://media")) == ("https:",)  # AWS: the host depends on the region
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://acct.r2.cloudflarestorage.com")
    assert download_origins(Settings(storage_url="s3://media")) == ("https://acct.r2.cloudflarestorage.com",)
    policy = html_headers(request, download_origins(minio))["Content-Security-Policy"]
    assert "img-src 'self' data: blob: http://127.0.0.1:9000;" in policy
    assert "media-src 'self' blob: http://127.0.0.1:9000;" in policy
    assert "script-src 'self';" in policy  # scripts still come from this origin only
