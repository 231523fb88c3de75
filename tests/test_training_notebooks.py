"""The fine-tuned tiny model learns the offline fixtures: clearly better than chance / an all-O baseline.

Margins are set so luck cannot pass them: e.g. 160 eval reviews at chance (0.2) have a standard deviation of
about 0.03, so 0.5 is 10 standard deviations away."""

from __future__ import annotations

import pytest

from course_runs import offline_run, run_group


@pytest.mark.parametrize("name,metric,floor", [
    pytest.param("nb2_yelp_stars", "eval_accuracy", 0.5, marks=run_group("nb2_yelp_stars")),    # chance 0.2
    pytest.param("nb3_mnli_pairs", "matched_accuracy", 0.55, marks=run_group("nb3_mnli_pairs")),  # chance 0.33
    pytest.param("nb3_mnli_pairs", "mismatched_accuracy", 0.55, marks=run_group("nb3_mnli_pairs")),
    pytest.param("nb4_conll_ner", "seqeval_overall_f1", 0.5, marks=run_group("nb4_conll_ner")),  # all-O: 0.0
    pytest.param("nb4_conll_ner", "token_macro_f1", 0.5, marks=run_group("nb4_conll_ner")),
])
def test_tiny_model_beats_the_baseline(name, metric, floor):
    _, seconds, values = offline_run(name)
    assert values[metric] >= floor, f"{name}: {metric} = {values[metric]:.3f} < {floor} after {seconds:.0f} s"
