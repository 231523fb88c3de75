"""Where things live in the repository."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"
AUTOGRADER = REPO / "autograder"
OFFLINE = SOLUTIONS / "offline"  # built fixtures; otter copies them next to every notebook

TINY_BERT = OFFLINE / "tiny-bert-cased"
DATASET_DIRS = {
    "yelp": OFFLINE / "yelp_review_full",
    "mnli": OFFLINE / "multi_nli",
    "conll": OFFLINE / "conll2003",
}


def masters() -> list[Path]:
    """Every master notebook, in course order (nb1_..., nb2_...)."""
    return sorted(SOLUTIONS.glob("nb*.ipynb"))


def release_name(master: Path) -> str:
    """The folder name a master is released under: its file stem."""
    return master.stem
