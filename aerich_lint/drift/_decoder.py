"""aerich's MODELS_STATE decoder, made safe for files from strangers.

aerich reads MODELS_STATE with ``aerich.utils.decompress_dict``: base64, zlib,
then json with ``aerich.coder.object_hook``, which unpickles every
``{"type": "index", "val": <base64 pickle>}`` entry. aerich 0.9 wrote such entries
for index objects when tortoise (before 0.24) had no ``Index.describe()``; later
versions write describe()'s dict, but every version still reads the old form.
Unpickling runs whatever the data names, so ``patch_aerich`` swaps aerich's
decoder for ``decompress_dict`` below before aerich reads anything:

- the same bounds as the linter's own decoder (aerich_lint.load.models_state);
- pickled entries go through an unpickler that resolves only tortoise's index
  classes (``tortoise.indexes.Index`` and its subclasses: PartialIndex, the
  PostgreSQL and MySQL ones in tortoise.contrib, or a project's own subclass
  in an already imported models module); anything else is refused, by name,
  before it is even looked up, and no module is imported on the data's behalf.

The swap fails closed: when aerich's decoder is not where this module knows it,
drift refuses to run rather than run it unpatched. Only the drift runner
imports this module (it imports tortoise and aerich).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib
import io
import pickle
import sys
import types
from typing import Any

from aerich_lint.load.models_state import ModelsStateError, inflate, parse_json

# tortoise's modules of index classes, imported here so the unpickler never has to
INDEX_MODULES = (
    "tortoise.indexes",
    "tortoise.contrib.postgres.indexes",
    "tortoise.contrib.mysql.indexes",
)


class UnsafeState(ModelsStateError):
    """MODELS_STATE asks for something drift never unpickles."""


class PatchError(Exception):
    """aerich's decoder is not where this module knows it: drift must not run."""


def index_class(module: str, name: str) -> type | None:
    """The tortoise index class pickled as ``module.name``, or None.

    Looked up in modules already imported, by their namespace only (no import,
    no module ``__getattr__``, no dotted names)."""
    indexes = sys.modules.get("tortoise.indexes")
    found = sys.modules.get(module)
    if indexes is None or found is None or not name.isidentifier():
        return None
    base = vars(indexes).get("Index")
    value = vars(found).get(name)
    if isinstance(base, type) and isinstance(value, type) and issubclass(value, base):
        return value
    return None


class IndexUnpickler(pickle.Unpickler):
    """An unpickler whose only globals are tortoise's index classes."""

    def find_class(self, module: str, name: str) -> Any:
        found = index_class(module, name)
        if found is None:
            raise UnsafeState(
                f"MODELS_STATE holds a pickled {module}.{name}: drift unpickles only "
                "tortoise's index classes, never anything else"
            )
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeState("MODELS_STATE holds a pickle with persistent ids: drift refuses it")


def restricted_loads(data: bytes, **_: Any) -> Any:
    """pickle.loads for index entries: tortoise's index classes, or UnsafeState."""
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafeState("MODELS_STATE holds a pickle that is not bytes: drift refuses it")
    try:
        return IndexUnpickler(io.BytesIO(data)).load()
    except ModelsStateError:
        raise
    except Exception as exc:
        raise ModelsStateError(
            f"MODELS_STATE holds a pickled index that cannot be read: {type(exc).__name__}"
        ) from None


def restricted_load(file: Any, **_: Any) -> Any:
    return restricted_loads(file.read())


def object_hook(obj: dict[str, Any]) -> Any:
    """aerich.coder.object_hook, with the restricted unpickler."""
    val = obj.get("val")
    if obj.get("type") != "index" or not val:
        return obj
    if not isinstance(val, str):
        raise UnsafeState("MODELS_STATE holds an index entry whose pickle is not a string")
    try:
        raw = base64.b64decode(val)
    except (binascii.Error, ValueError):
        raise ModelsStateError("MODELS_STATE holds an index entry that is not base64") from None
    index = restricted_loads(raw)
    base = sys.modules["tortoise.indexes"].Index
    if not isinstance(index, base):
        raise UnsafeState(
            f"MODELS_STATE holds a pickled {type(index).__name__} where aerich stores an index"
        )
    return index


def decoder(obj: str | bytes) -> Any:
    """aerich.coder.decoder (the aerich table's JSON field), bounded and restricted."""
    data = obj.encode("utf-8") if isinstance(obj, str) else obj
    return parse_json(data, object_hook=object_hook)


def decompress_dict(compressed_str: Any) -> dict[str, Any]:
    """aerich.utils.decompress_dict, bounded, with the restricted unpickler."""
    state = parse_json(inflate(compressed_str), object_hook=object_hook)
    if not isinstance(state, dict):
        raise ModelsStateError(
            f"MODELS_STATE is a JSON {type(state).__name__}, not aerich's dict of models"
        )
    return state


def _pickle_stand_in() -> types.ModuleType:
    """pickle for aerich's modules: writing as before, reading through the
    restricted unpickler."""
    stand_in = types.ModuleType("pickle")
    stand_in.__dict__.update(vars(pickle))
    stand_in.__dict__.update(
        loads=restricted_loads,
        load=restricted_load,
        Unpickler=IndexUnpickler,
        _loads=restricted_loads,
        _load=restricted_load,
        _Unpickler=IndexUnpickler,
    )
    return stand_in


def patch_aerich() -> None:
    """Make every aerich module read MODELS_STATE through this module; PatchError
    (drift refuses to run) when aerich's decoder is not where this knows it."""
    import aerich
    import aerich.coder
    import aerich.migrate
    import aerich.utils

    for name in INDEX_MODULES:
        importlib.import_module(name)
    with contextlib.suppress(ImportError):
        import aerich.cli  # the runner imports it later: patch it too
    version = getattr(aerich, "__version__", "?")
    migrate_module: Any = aerich.migrate  # its names are imported, not exported
    wanted = (
        (aerich.coder, "object_hook"),
        (aerich.coder, "decoder"),
        (aerich.utils, "decompress_dict"),
        (aerich.migrate, "decompress_dict"),
    )
    for module, attr in wanted:
        if not isinstance(getattr(module, attr, None), types.FunctionType):
            raise PatchError(
                f"aerich {version} has no function {module.__name__}.{attr}, which drift "
                "replaces to read MODELS_STATE without running pickle: drift does not run "
                "aerich's decoder unpatched"
            )
    reader = getattr(aerich.migrate.Migrate, "get_migration_info_for_file", None)
    code = getattr(getattr(reader, "__func__", reader), "__code__", None)
    if code is None or "decompress_dict" not in code.co_names:
        raise PatchError(
            f"aerich {version} no longer reads MODELS_STATE with decompress_dict in "
            "Migrate.get_migration_info_for_file: drift does not run aerich's decoder unpatched"
        )
    pairs: list[tuple[Any, Any]] = [
        (aerich.coder.object_hook, object_hook),
        (aerich.coder.decoder, decoder),
        (aerich.utils.decompress_dict, decompress_dict),
        (migrate_module.decompress_dict, decompress_dict),
        (pickle, _pickle_stand_in()),
        (pickle.loads, restricted_loads),
        (pickle.load, restricted_load),
        (pickle.Unpickler, IndexUnpickler),
    ]
    replacements = {id(original): replacement for original, replacement in pairs}
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "aerich" or module_name.startswith("aerich.")):
            continue
        namespace = vars(module)
        for attr, value in list(namespace.items()):
            replacement = replacements.get(id(value))
            if replacement is not None:
                namespace[attr] = replacement
    patched = (
        aerich.coder.object_hook is object_hook
        and aerich.coder.decoder is decoder
        and getattr(aerich.coder, "pickle", None) is not pickle
        and aerich.utils.decompress_dict is decompress_dict
        and migrate_module.decompress_dict is decompress_dict
        and getattr(aerich, "decompress_dict", decompress_dict) is decompress_dict
    )
    if not patched:
        raise PatchError(f"aerich {version}: replacing its MODELS_STATE decoder did not hold")


def allowed_unpickle(module: str, name: str) -> bool:
    """For the audit hook (event ``pickle.find_class``): any unpickling in the
    runner, whoever starts it, may resolve tortoise's index classes only."""
    return index_class(module, name) is not None
