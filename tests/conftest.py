"""Shared pytest fixtures: every master as a parameter, and the cached gradings of course_runs."""

from __future__ import annotations

import pytest

from course_runs import MASTER_NAMES, graded


def pytest_generate_tests(metafunc):
    if "notebook_name" in metafunc.fixturenames:
        metafunc.parametrize("notebook_name", MASTER_NAMES)


@pytest.fixture
def grade_of():
    return graded
