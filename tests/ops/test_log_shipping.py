"""The Filebeat pipeline in deploy/ reads the fields Realio's JSON log lines carry."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from typing import Any

import yaml

from common.config import REPO_ROOT
from common.logging import JsonFormatter, set_request_id

FILEBEAT = REPO_ROOT / "deploy" / "filebeat.yml"
# Go reference-time layout tokens (as Filebeat's timestamp processor reads them) → strptime.
_GO_LAYOUT = [
    ("2006", "%Y"),
    ("01", "%m"),
    ("02", "%d"),
    ("15", "%H"),
    ("04", "%M"),
    (".999999", ".%f"),
    ("05", "%S"),
    ("Z07:00", "%z"),
]


def strptime_format(layout: str) -> str:
    for token, directive in _GO_LAYOUT:
        layout = layout.replace(token, directive)
    return layout


def config() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FILEBEAT.read_text())
    return data


def processor(name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p[name] for p in config()["processors"] if name in p)
    return found


def realio_log_line() -> dict[str, Any]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("realio.ops-test")
    logger.addHandler(handler)
    try:
        set_request_id("req-123")
        logger.warning("listing %s hidden", "abc", extra={"subgraph": "properties"})
    finally:
        logger.removeHandler(handler)
    line: dict[str, Any] = json.loads(stream.getvalue())
    return line


def test_each_realio_log_line_is_one_json_document_with_the_message_under_msg() -> None:
    (source,) = config()["filebeat.inputs"]
    ndjson = next(p["ndjson"] for p in source["parsers"] if "ndjson" in p)
    line = realio_log_line()
    assert line[ndjson["message_key"]] == "listing abc hidden"
    assert line["request_id"] == "req-123"
    assert line["level"] == "WARNING"
    assert line["subgraph"] == "properties"


def test_the_timestamp_processor_parses_the_ts_realio_writes() -> None:
    timestamp = processor("timestamp")
    value = realio_log_line()[timestamp["field"]]
    formats = [strptime_format(layout) for layout in timestamp["layouts"]]
    parsed = []
    for fmt in formats:
        try:
            parsed.append(datetime.strptime(value, fmt))
        except ValueError:
            continue
    assert parsed and parsed[0].utcoffset() is not None
    for example in timestamp["test"]:
        assert any(_parses(example, fmt) for fmt in formats)


def _parses(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def test_only_the_realio_image_is_shipped_and_it_goes_to_the_compose_elasticsearch() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    image = compose["x-realio"]["image"]
    assert processor("drop_event")["when"]["not"]["equals"]["container.image.name"] == image
    assert config()["output.elasticsearch"]["hosts"] == ["http://elasticsearch:9200"]
    assert "elasticsearch" in compose["services"]["filebeat"]["depends_on"]
