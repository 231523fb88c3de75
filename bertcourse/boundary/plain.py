"""Plain data across the sandbox boundary: the only thing that crosses it.

`encode(value)` turns a value into JSON-ready data; `decode(data)` turns it back. Both sides use them:
  - the trusted grader encodes a test's arguments (numbers, strings, lists, dicts, numpy arrays, an
    `EvalPrediction`) and the sandbox decodes them into the real objects a student's function expects;
  - the sandbox encodes what the student's code returned (a model as its class name and config, a tokenizer
    encoding as its fields, a tensor as a numpy array) and the grader decodes it.

Decoding builds only the types listed here (None, bool, int, float, fractions.Fraction, decimal.Decimal, str,
bytes, tuple, list, dict, set, numeric numpy arrays and scalars, and the read-only look-alikes below), never an object whose class the
sender chose: nothing a student defines can run on the grader's side, so `__eq__` tricks, patched methods or
frame inspection have nothing to act on. Sizes and nesting are bounded on both sides.
"""

from __future__ import annotations

import base64
import decimal
import fractions
import math
from collections.abc import Mapping, Sequence

MAX_DEPTH = 48
MAX_ITEMS = 5_000_000  # list items, dict entries and array elements in one value
MAX_CHARS = 50_000_000  # characters of strings and bytes in one value
NUMERIC_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                  "float16", "float32", "float64", "complex64", "complex128"}


class NotPlain(TypeError):
    """A value that cannot be sent across the boundary (an unknown type, or too large / too deep)."""


# ------------------------------------------------------------------ read-only look-alikes, built by decode
class PlainConfig:
    """A model configuration as data: attribute access, `to_dict()`, and `num_labels` as transformers has it."""

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        if name == "num_labels" and isinstance(values.get("id2label"), dict):
            return len(values["id2label"])
        raise AttributeError(f"the model's config has no attribute {name!r}")

    def __setattr__(self, name, value):
        raise AttributeError("read-only")

    def to_dict(self) -> dict:
        return dict(object.__getattribute__(self, "_values"))

    def __repr__(self):
        return f"PlainConfig({object.__getattribute__(self, '_values')!r})"


class PlainModel:
    """A model as the grader sees it: its class name (`type(m).__name__`) and `config`."""

    config: PlainConfig

    def __repr__(self):
        return f"<{type(self).__name__} sent as its config>"


class PlainTokenizer:
    """A tokenizer as data: class name, name_or_path, model_max_length, vocab_size."""

    def __init__(self, fields: dict):
        self.__dict__.update(fields)

    def __repr__(self):
        return f"<{type(self).__name__} sent as data>"


class PlainEncoding(dict):
    """A tokenizer's output as its fields (`input_ids`, `attention_mask`, ..., `labels`), plus the
    `word_ids()` and `tokens()` of its first sequence when the tokenizer could give them."""

    def __init__(self, fields: dict, word_ids: list | None, tokens: list | None):
        super().__init__(fields)
        self._word_ids, self._tokens = word_ids, tokens

    def word_ids(self, batch_index: int = 0):
        if self._word_ids is None:
            raise ValueError("word_ids() is not available for this encoding")
        return list(self._word_ids)

    def tokens(self, batch_index: int = 0):
        if self._tokens is None:
            raise ValueError("tokens() is not available for this encoding")
        return list(self._tokens)


def _model_class(name: str, budget: "_Budget") -> type:
    """A PlainModel subclass named like the student's model class, so `type(model).__name__` reads the same.
    Made per decoded value (kept by its budget, freed with it): nothing grows for the process's life."""
    if not (isinstance(name, str) and name.isidentifier() and len(name) <= 100):
        name = "UnknownModel"
    if name not in budget.classes:
        budget.spend(items=1)
        budget.classes[name] = type(name, (PlainModel,), {"__module__": __name__})
    return budget.classes[name]


MAX_SAME_HASH = 16  # keys of one dict (items of one set) sharing a hash: honest data has almost none


def _distinct_hashes(keys: list) -> None:
    """Refuse keys whose hashes collide: building a dict of n colliding keys takes n² comparisons (20,000
    keys: seconds). Counting by hash value is linear (distinct ints hash apart)."""
    counts: dict[int, int] = {}
    for key in keys:
        try:
            h = hash(key)
        except TypeError:
            raise NotPlain("a dict key must be a number, a string or a tuple") from None
        counts[h] = counts.get(h, 0) + 1
        if counts[h] > MAX_SAME_HASH:
            raise NotPlain("too many dict keys (or set items) with the same hash")


# ------------------------------------------------------------------ encode
class _Budget:
    def __init__(self):
        self.items = 0
        self.chars = 0
        self.classes: dict[str, type] = {}

    def spend(self, items: int = 0, chars: int = 0) -> None:
        self.items += items
        self.chars += chars
        if self.items > MAX_ITEMS or self.chars > MAX_CHARS:
            raise NotPlain("the value is too large to send to the grader")


def encode(value, *, lenient_leaves: bool = False) -> object:
    """`value` as JSON-ready data. Raises NotPlain for anything not listed in the module docstring.
    `lenient_leaves` turns unknown leaves into their `repr` (used for model configs only)."""
    return _encode(value, _Budget(), 0, lenient_leaves)


def _encode(value, budget: _Budget, depth: int, lenient: bool):
    if depth > MAX_DEPTH:
        raise NotPlain("the value is nested too deeply to send to the grader")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, float):
        value = float(value)
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if isinstance(value, fractions.Fraction):  # "any kind of number" includes the standard library's exact ones
        return {"$": "fraction", "v": [_int(value.numerator), _int(value.denominator)]}
    if isinstance(value, decimal.Decimal):
        text = str(decimal.Decimal(value))
        budget.spend(chars=len(text))
        return {"$": "decimal", "v": text}
    if isinstance(value, str):
        budget.spend(chars=len(value))
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        budget.spend(chars=len(value))
        return {"$": "bytes", "v": base64.b64encode(bytes(value)).decode()}
    special = _encode_library_object(value, budget, depth, lenient)
    if special is not None:
        return special
    if isinstance(value, Mapping):
        budget.spend(items=len(value))
        return {"$": "dict", "v": [[_encode(k, budget, depth + 1, lenient), _encode(v, budget, depth + 1, lenient)]
                                   for k, v in value.items()]}
    if isinstance(value, tuple):
        budget.spend(items=len(value))
        return {"$": "tuple", "v": [_encode(v, budget, depth + 1, lenient) for v in value]}
    if isinstance(value, (set, frozenset)):
        budget.spend(items=len(value))
        return {"$": "set", "v": [_encode(v, budget, depth + 1, lenient) for v in value]}
    if isinstance(value, (list, range)) or (isinstance(value, Sequence) and not isinstance(value, str)):
        budget.spend(items=len(value))
        return [_encode(v, budget, depth + 1, lenient) for v in value]
    if lenient:
        return repr(value)[:1000]
    raise NotPlain(f"a {type(value).__name__} cannot be sent to the grader (send numbers, strings, lists, dicts, "
                   "arrays, a model or a tokenizer's output)")


MAX_INT_BITS = 8192  # about 2,500 digits: JSON's text of an int stays far below Python's int-to-str limit


def _int(value) -> int:
    value = int(value)
    if value.bit_length() > MAX_INT_BITS:
        raise NotPlain("an integer too large to send to the grader")
    return value


def _encode_library_object(value, budget: _Budget, depth: int, lenient: bool):
    """numpy, torch and transformers objects, recognised by their real classes (only if already imported)."""
    import sys

    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            if value.dtype.name not in NUMERIC_DTYPES:
                if value.dtype == object:
                    return _encode(value.tolist(), budget, depth, lenient)
                raise NotPlain(f"an array of {value.dtype} cannot be sent to the grader")
            budget.spend(items=int(value.size))
            data = np.ascontiguousarray(value)
            return {"$": "nd", "dtype": value.dtype.name, "shape": list(value.shape),
                    "v": base64.b64encode(data.tobytes()).decode()}
        if isinstance(value, np.generic):
            if value.dtype.name not in NUMERIC_DTYPES:
                raise NotPlain(f"a {type(value).__name__} cannot be sent to the grader")
            item = value.item()
            if isinstance(item, complex):
                item = [item.real, item.imag]
            elif isinstance(item, float) and not math.isfinite(item):
                item = repr(item)
            return {"$": "np", "dtype": value.dtype.name, "v": item}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _encode(value.detach().cpu().numpy(), budget, depth, lenient)
    transformers = sys.modules.get("transformers")
    if transformers is None:
        return None
    if isinstance(value, transformers.BatchEncoding):
        word_ids = tokens = None
        try:
            if value.encodings:
                word_ids, tokens = value.word_ids(), value.tokens()
        except Exception:  # noqa: BLE001 - a slow tokenizer's output has no word ids
            pass
        return {"$": "encoding", "fields": _encode(dict(value), budget, depth + 1, lenient),
                "word_ids": word_ids, "tokens": tokens}
    if isinstance(value, transformers.EvalPrediction):
        return {"$": "evalpred", "predictions": _encode(value.predictions, budget, depth + 1, lenient),
                "label_ids": _encode(value.label_ids, budget, depth + 1, lenient)}
    if isinstance(value, transformers.PreTrainedModel):
        return _encode_model(value, budget, depth)
    if isinstance(value, transformers.PreTrainedTokenizerBase):
        return {"$": "tokenizer", "class": type(value).__name__, "fields": _encode({
            "name_or_path": str(value.name_or_path), "model_max_length": int(min(value.model_max_length, 2**62)),
            "vocab_size": int(value.vocab_size)}, budget, depth + 1, lenient)}
    if isinstance(value, transformers.Pipeline):
        return {"$": "pipeline", "task": str(getattr(value, "task", "")), "model": _encode_model(value.model, budget, depth)}
    return None


def _encode_model(model, budget: _Budget, depth: int) -> dict:
    config = model.config.to_dict()
    config["num_labels"] = model.config.num_labels
    return {"$": "model", "class": type(model).__name__,
            "config": _encode(config, budget, depth + 1, lenient=True)}


# ------------------------------------------------------------------ decode
def decode(data, *, real_objects: bool = False):
    """The value `data` encodes. `real_objects` (the sandbox side, decoding a test's arguments) builds real
    `EvalPrediction`s; the grader's side builds only plain values and the look-alikes above."""
    return _decode(data, _Budget(), 0, real_objects)


def _decode(data, budget: _Budget, depth: int, real: bool):
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, str):
        budget.spend(chars=len(data))
        return data
    if isinstance(data, list):
        budget.spend(items=len(data))
        return [_decode(v, budget, depth + 1, real) for v in data]
    if not isinstance(data, dict) or not isinstance(data.get("$"), str):
        raise NotPlain("malformed data")
    kind = data["$"]
    if kind == "dict":
        pairs = data.get("v")
        if not isinstance(pairs, list):
            raise NotPlain("malformed dict")
        budget.spend(items=len(pairs))
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
            raise NotPlain("malformed dict")
        keys = [_decode(pair[0], budget, depth + 1, real) for pair in pairs]
        _distinct_hashes(keys)
        return {key: _decode(pair[1], budget, depth + 1, real) for key, pair in zip(keys, pairs)}
    if kind in ("tuple", "set"):
        items = [_decode(v, budget, depth + 1, real) for v in _list(data.get("v"), budget)]
        if kind == "tuple":
            return tuple(items)
        _distinct_hashes(items)
        return set(items)
    if kind == "float":
        text = data.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise NotPlain("malformed float")
        return float(text)
    if kind == "fraction":
        parts = data.get("v")
        if not (isinstance(parts, list) and len(parts) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in parts) and parts[1] > 0):
            raise NotPlain("malformed fraction")
        return fractions.Fraction(parts[0], parts[1])
    if kind == "decimal":
        text = _str(data.get("v"), budget)
        if len(text) > 1000:
            raise NotPlain("malformed decimal")
        try:
            return decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise NotPlain("malformed decimal") from None
    if kind == "bytes":
        return base64.b64decode(_str(data.get("v"), budget), validate=True)
    if kind in ("nd", "np"):
        return _decode_numpy(data, budget)
    if kind == "encoding":
        fields = _decode(data.get("fields"), budget, depth + 1, real)
        if not isinstance(fields, dict):
            raise NotPlain("malformed encoding")
        return PlainEncoding(fields, _optional_list(data.get("word_ids"), budget),
                             _optional_list(data.get("tokens"), budget))
    if kind == "evalpred":
        predictions = _decode(data.get("predictions"), budget, depth + 1, real)
        label_ids = _decode(data.get("label_ids"), budget, depth + 1, real)
        if real:
            from transformers import EvalPrediction

            return EvalPrediction(predictions=predictions, label_ids=label_ids)
        return (predictions, label_ids)
    if kind == "model":
        config = _decode(data.get("config"), budget, depth + 1, real)
        if not isinstance(config, dict):
            raise NotPlain("malformed model")
        model = _model_class(data.get("class"), budget)()
        model.config = PlainConfig(config)
        return model
    if kind == "tokenizer":
        fields = _decode(data.get("fields"), budget, depth + 1, real)
        cls = data.get("class") if isinstance(data.get("class"), str) and data["class"].isidentifier() else "Tokenizer"
        return type(cls[:100], (PlainTokenizer,), {})(fields if isinstance(fields, dict) else {})
    if kind == "pipeline":
        model = _decode(data.get("model"), budget, depth + 1, real)
        return type("Pipeline", (), {"task": str(data.get("task", "")), "model": model,
                                     "__repr__": lambda self: "<pipeline sent as data>"})()
    raise NotPlain(f"unknown kind {kind[:40]!r}")


def _list(value, budget: _Budget) -> list:
    if not isinstance(value, list):
        raise NotPlain("malformed data")
    budget.spend(items=len(value))
    return value


def _optional_list(value, budget: _Budget) -> list | None:
    if value is None:
        return None
    items = _list(value, budget)
    if not all(v is None or isinstance(v, (int, str)) and not isinstance(v, bool) for v in items):
        raise NotPlain("malformed encoding")
    return list(items)


def _str(value, budget: _Budget) -> str:
    if not isinstance(value, str):
        raise NotPlain("malformed data")
    budget.spend(chars=len(value))
    return value


def _decode_numpy(data: dict, budget: _Budget):
    import numpy as np

    dtype = data.get("dtype")
    if dtype not in NUMERIC_DTYPES:
        raise NotPlain("not a numeric dtype")
    if data["$"] == "np":
        value = data.get("v")
        if isinstance(value, str) and value in ("nan", "inf", "-inf"):
            value = float(value)
        elif isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            value = complex(*value)
        elif not isinstance(value, (bool, int, float)):
            raise NotPlain("malformed numpy scalar")
        return np.array(value).astype(dtype)[()]
    shape = data.get("shape")
    if not (isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise NotPlain("malformed array shape")
    size = math.prod(shape)
    budget.spend(items=size)
    raw = base64.b64decode(_str(data.get("v"), budget), validate=True)
    if len(raw) != size * np.dtype(dtype).itemsize:
        raise NotPlain("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
