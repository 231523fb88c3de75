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


def test_a_stream_flushed_mid_line_reads_as_one_text():
    """A kernel under load may flush stdout in the middle of a line: the chunks of one stream are one text."""
    import nbformat

    cell = nbformat.v4.new_code_cell("show tables")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)
                    for text in ["tok", "en  [CLS] a\n\n", "token  [CLS] b\n"]]
    cell.outputs.insert(1, nbformat.v4.new_output("stream", name="stderr", text="a warning\n"))
    text = outputs_text(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x"), cell]))
    assert "tok\na warning\n" in text, "chunks of different streams stay apart"
    cell.outputs.pop(1)
    assert outputs_text(nbformat.v4.new_notebook(cells=[cell])).count("token  [CLS]") == 2
