"""The model artefact: arrays as .npz, tables as JSON, the fitted pipeline pickled — signed.

Layout (decision 0029)::

    b"REALIO-RECS\\n" | format (1 byte) | HMAC-SHA256 tag (32 bytes) | payload
    payload = u32 header length | header JSON | u64 npz length | npz | pickled pipeline

The header holds the model version, the training time, the library versions and the
catalogue's code tables (ids, owners, cities, types, currencies). The npz holds every array
(content vectors, item factors, popularity, codes) and is read with ``allow_pickle=False``.
Only the fitted scikit-learn pipeline (needed to transform new listings exactly as at training)
is a pickle, and pickles can run code when loaded, so the whole payload is signed with an
HMAC of a key the service takes from its settings: ``load`` checks the tag with
``hmac.compare_digest`` before it parses anything, and refuses artefacts written by another
scikit-learn version. Load artefacts only from our own storage.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import pickle
import struct
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import sklearn

from subgraphs.recommendations.ml.catalogue import Catalogue
from subgraphs.recommendations.ml.features import ContentFeatures

if TYPE_CHECKING:
    from subgraphs.recommendations.ml.model import Recommender

MAGIC = b"REALIO-RECS\n"
FORMAT = 1
TAG_BYTES = 32
MIN_KEY_BYTES = 16


class ArtefactError(ValueError):
    """The bytes are not an artefact this code can trust and load."""


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ArtefactError(f"the artefact key must be at least {MIN_KEY_BYTES} bytes")


def _tag(key: bytes, payload: bytes | memoryview) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def dump(model: Recommender, *, key: bytes) -> bytes:
    """The signed artefact of ``model``."""
    _check_key(key)
    header = {
        "version": model.version,
        "trained_at": model.trained_at.isoformat(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "tables": model.catalogue.tables(),
    }
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    arrays = io.BytesIO()
    np.savez(arrays, allow_pickle=False, **model.catalogue.arrays())
    npz = arrays.getbuffer()  # no copy: the arrays are the bulk of the artefact
    pipeline = pickle.dumps(model.features.pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    parts: list[bytes | memoryview] = [
        struct.pack(">I", len(header_bytes)),
        header_bytes,
        struct.pack(">Q", len(npz)),
        npz,
        pipeline,
    ]
    tag = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        tag.update(part)
    # One copy of the payload, into the artefact itself.
    return b"".join([MAGIC, bytes([FORMAT]), tag.digest(), *parts])


def load(data: bytes, *, key: bytes) -> Recommender:
    """The model in ``data``; ArtefactError unless it is signed with ``key`` and readable."""
    from subgraphs.recommendations.ml.model import Recommender

    _check_key(key)
    start = len(MAGIC) + 1
    if len(data) < start + TAG_BYTES or not data.startswith(MAGIC):
        raise ArtefactError("not a recommendations artefact")
    if data[len(MAGIC)] != FORMAT:
        raise ArtefactError(f"unknown artefact format {data[len(MAGIC)]}")
    tag, payload = data[start : start + TAG_BYTES], memoryview(data)[start + TAG_BYTES :]
    if not hmac.compare_digest(tag, _tag(key, payload)):
        raise ArtefactError("artefact signature does not match (wrong key or altered bytes)")
    try:
        (header_length,) = struct.unpack_from(">I", payload, 0)
        header = json.loads(bytes(payload[4 : 4 + header_length]))
        offset = 4 + header_length
        (npz_length,) = struct.unpack_from(">Q", payload, offset)
        offset += 8
        npz = payload[offset : offset + npz_length]
        pipeline_bytes = payload[offset + npz_length :]
        if header["sklearn"] != sklearn.__version__:
            raise ArtefactError(
                f"artefact written by scikit-learn {header['sklearn']}, "
                f"this is {sklearn.__version__}: retrain"
            )
        with np.load(io.BytesIO(npz), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        catalogue = Catalogue.restore(arrays, header["tables"])
        pipeline = pickle.loads(pipeline_bytes)  # signed and checked above
        return Recommender(
            ContentFeatures(pipeline),
            catalogue,
            version=str(header["version"]),
            trained_at=datetime.fromisoformat(header["trained_at"]),
        )
    except ArtefactError:
        raise
    except (KeyError, ValueError, TypeError, struct.error, pickle.UnpicklingError) as error:
        raise ArtefactError(f"unreadable artefact: {error}") from error
