"""Every solution notebook runs top to bottom on the offline default, with no prompt and no stray warning."""

from __future__ import annotations

import re

import pytest

from bertcourse.execute import outputs_text
from course_runs import MASTER_NAMES, offline_run

# Things a student must never meet: login prompts, remote-code questions, tracker sign-ups.
PROMPTS = re.compile(r"wandb|api key|trust_remote_code|\[y/N\]|do you wish to run|login|HF_TOKEN", re.I)
# Library warnings that reach the output. Each notebook silences the noise it can explain; a new one fails here.
WARNINGS = re.compile(r"warning|deprecat", re.I)


@pytest.mark.parametrize("name", MASTER_NAMES)
def test_solution_runs_offline_without_prompts_or_warnings(name):
    executed, seconds, values = offline_run(name)
    assert values.get("OFFLINE") is True, "the run must use the offline switch"
    text = outputs_text(executed)
    assert not PROMPTS.findall(text), f"{name} shows a prompt: {PROMPTS.findall(text)}"
    assert not WARNINGS.findall(text), f"{name} prints a warning: " + "; ".join(
        line for line in text.splitlines() if WARNINGS.search(line))[:500]
    print(f"{name}: offline run {seconds:.0f} s")
