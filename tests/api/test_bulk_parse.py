"""`POST /v1/bulk/parse`: a bulk file's text read by the CLI's rules, every bad line named at once."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import Api, ApiFactory, bearer


def _parse(api: Api, filename: str, text: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    response = api.client.post("/v1/bulk/parse", json={"filename": filename, "text": text}, headers=headers)
    return response.status_code, response.json()


def test_txt_skips_blank_and_comment_lines_and_labels_the_rest(api: Api) -> None:
    status, body = _parse(api, "prompts.txt", "\ufeffa red fox\n\n# a note\n  a blue whale  \n")
    assert status == 200
    assert body == {"items": [{"prompt": "a red fox"}, {"prompt": "a blue whale"}], "labels": ["line 1", "line 4"]}


def test_csv_rows_keep_only_the_cells_they_set(api: Api) -> None:
    text = 'prompt,width,style\na fox,64,Cinematic\n"a cat, asleep",,\n'
    status, body = _parse(api, "scenes.CSV", text)
    assert status == 200
    assert body["items"] == [{"prompt": "a fox", "width": 64, "style": "Cinematic"}, {"prompt": "a cat, asleep"}]
    assert body["labels"] == ["row 2", "row 3"]


def test_jsonl_objects_and_bare_strings(api: Api) -> None:
    text = json.dumps({"prompt": "a fox", "seed": 7}) + "\n" + json.dumps("a cat") + "\n"
    status, body = _parse(api, "s.jsonl", text)
    assert status == 200 and body["items"] == [{"prompt": "a fox", "seed": 7}, {"prompt": "a cat"}]


def test_every_bad_line_is_named_with_its_field(api: Api) -> None:
    lines = [{"prompt": "ok"}, {"prompt": "a", "width": "wide"}, {"prompt": "b", "colour": "red"}, {"seed": 1}]
    status, body = _parse(api, "s.jsonl", "\n".join(json.dumps(line) for line in lines))
    assert status == 422
    error = body["error"]
    assert error["field"] == "text" and error["message"].startswith("s.jsonl line 2: width:")
    assert [(d["where"], d["field"]) for d in error["details"]] == [
        ("s.jsonl line 2", "width"),
        ("s.jsonl line 3", "colour"),
        ("s.jsonl line 4", "prompt"),
    ]
    assert "unknown field 'colour'" in error["details"][1]["message"]


def test_a_file_that_cannot_be_read_names_its_first_problem(api: Api) -> None:
    status, body = _parse(api, "s.jsonl", '{"prompt": "ok"}\n{not json\n')
    assert status == 422 and body["error"]["field"] == "text"
    assert body["error"]["details"][0]["where"] == "s.jsonl line 2"
    status, body = _parse(api, "s.csv", "width,height\n64,64\n")
    assert status == 422 and "'prompt' among them" in body["error"]["message"]
    status, body = _parse(api, "s.txt", "# only a comment\n")
    assert status == 422 and "holds no prompts" in body["error"]["message"]


def test_names_and_text_are_checked(api: Api) -> None:
    for filename in ("s.exe", "../s.txt", "a\nb.txt", ".txt"):
        status, body = _parse(api, filename, "a fox")
        assert status == 422 and body["error"]["field"] == "filename", filename
    status, body = _parse(api, "s.txt", "a fox\x00")
    assert status == 422 and body["error"]["field"] == "text"


def test_auth_is_required(secured: Api) -> None:
    assert secured.client.post("/v1/bulk/parse", json={"filename": "a.txt", "text": "x"}).status_code == 401
    token = secured.key()
    status, _ = _parse(secured, "a.txt", "a fox", headers=bearer(token))
    assert status == 200


def test_a_file_with_more_rows_than_a_job_holds_is_refused_at_once(make_api: ApiFactory) -> None:
    api = make_api(max_items=3)
    assert _parse(api, "three.txt", "a\nb\nc\n")[0] == 200
    status, body = _parse(api, "four.txt", "a\nb\nc\nd\n")
    assert status == 422 and body["error"]["field"] == "text"
    assert "4 rows" in body["error"]["message"] and "KILN_MAX_ITEMS" in body["error"]["message"]
