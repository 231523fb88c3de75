"""What crosses the sandbox's boundary is bounded on the trusted side, and the grader's own failures are never a
student's result (no sandbox needed: these run everywhere, in milliseconds)."""

from __future__ import annotations

import json
import socket
import time
from decimal import Decimal
from fractions import Fraction

import pytest

from bertcourse import batch, cache, outputs
from bertcourse.boundary import plain
from bertcourse.boundary.channel import MAX_KEYS, Channel


@pytest.mark.parametrize("number", [Fraction(2, 3), Decimal("0.6667"), Decimal("-1E+3"), Decimal("NaN")],
                         ids=repr)
def test_the_standard_librarys_exact_numbers_cross_as_themselves(number):
    """The prose allows any kind of number: a Fraction or a Decimal reaches the verdict with its type and value."""
    data = json.loads(json.dumps(plain.encode({"accuracy": number})))
    back = plain.decode(data)["accuracy"]
    assert type(back) is type(number)
    assert back == number or (back.is_nan() and number.is_nan())


@pytest.mark.parametrize("data", [{"$": "fraction", "v": [1, 0]}, {"$": "fraction", "v": [1.5, 2]},
                                  {"$": "fraction", "v": [True, 2]}, {"$": "decimal", "v": "1/3"},
                                  {"$": "decimal", "v": "9" * 5000}])
def test_malformed_exact_numbers_are_refused(data):
    with pytest.raises(plain.NotPlain):
        plain.decode(data)


@pytest.mark.parametrize("value", [10**5000, Fraction(10**5000, 3), [1, -(2**9000)]], ids=["int", "fraction", "list"])
def test_an_integer_too_long_for_json_is_refused_before_it_is_sent(value):
    with pytest.raises(plain.NotPlain):
        plain.encode(value)
    assert json.loads(json.dumps(plain.encode(2**8000))) == 2**8000


def test_colliding_dict_keys_are_refused_in_linear_time():
    colliding = {"$": "dict", "v": [[i * (2**61 - 1), 1] for i in range(20_000)]}  # all hash to 0
    started = time.monotonic()
    with pytest.raises(plain.NotPlain, match="same hash"):
        plain.decode(colliding)
    with pytest.raises(plain.NotPlain, match="same hash"):
        plain.decode({"$": "set", "v": [i * (2**61 - 1) for i in range(20_000)]})
    assert time.monotonic() - started < 0.5
    assert plain.decode(plain.encode({i: str(i) for i in range(50_000)})) == {i: str(i) for i in range(50_000)}


def test_a_json_object_with_many_keys_is_refused_by_the_channel():
    mine, theirs = socket.socketpair()
    body = ("{" + ",".join(f'"k{i}": 1' for i in range(MAX_KEYS + 1)) + "}").encode()
    mine.sendall(len(body).to_bytes(8, "big") + body)
    with pytest.raises(ValueError):
        Channel(theirs).receive(timeout=5)
    mine.close()
    theirs.close()


def test_model_classes_do_not_outlive_the_value():
    import gc
    import weakref

    model = plain.decode({"$": "model", "class": "StudentModel123", "config": {"$": "dict", "v": [["a", 1]]}})
    assert type(model).__name__ == "StudentModel123" and model.config.a == 1
    ref = weakref.ref(type(model))
    del model
    gc.collect()
    assert ref() is None, "a class made for one submission's value stays for the process's life"


def test_a_spec_too_large_for_the_channel_is_the_notebooks_own_row():
    small = {"cells": ["x = 1"], "files": {"nb.ipynb": "{}"}}
    assert batch.spec_too_large(small) is None
    huge = {"cells": ["s = '" + "é" * (batch.MAX_SPEC_BYTES // 6 + 10) + "'"]}
    assert batch.spec_too_large(huge).startswith("error: the notebook is too large to grade")


def test_grader_failures_are_never_cached(tmp_path):
    results = cache.ResultsCache(tmp_path)
    failure = {"status": outputs.GRADER_FAILURE + "the sandbox could not start a job (boom)", "questions": {}}
    results.put("k1", failure)
    assert results.get("k1", None) is None
    results.put("k2", {"status": "ok", "questions": {}})
    assert results.get("k2", {}) == {"status": "ok", "questions": {}}
    text = outputs.feedback_markdown("x.ipynb", failure, None)
    assert "not your notebook's fault" in text and "could not be graded" not in text


def test_a_memory_limit_too_small_for_the_template_is_refused():
    assert batch.check_memory_mb(batch.MIN_MEMORY_MB) is None
    assert "too small to grade" in batch.check_memory_mb(300)


def test_gradescope_posts_a_score_for_the_students_statuses_only():
    from bertcourse import gradescope

    too_large = batch.spec_too_large({"cells": ["s = '" + "é" * (batch.MAX_SPEC_BYTES // 6 + 10) + "'"]})
    assert gradescope.posts_a_score(too_large, None)
    assert gradescope.posts_a_score("ok", None) and gradescope.posts_a_score("timeout", None)
    assert not gradescope.posts_a_score(outputs.GRADER_FAILURE + "the sandbox's template was lost", None)
    assert not gradescope.posts_a_score("error: the sandbox could not start", None)
