"""Decode ``MODELS_STATE`` without unpickling anything.

Aerich stores the models' description as base64(zlib(json)). Its own reader
also unpickles index entries; a linter must never execute data from a file, so
only base64, zlib and json are used here.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any


class ModelsStateError(ValueError):
    pass


def decode_models_state(value: str) -> Any:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=False)
        data = zlib.decompress(raw)
        return json.loads(data)
    except (binascii.Error, UnicodeEncodeError, zlib.error, ValueError) as exc:
        raise ModelsStateError(f"MODELS_STATE is not base64+zlib+json: {exc}") from None
