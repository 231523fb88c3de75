#!/usr/bin/env bash
# Gradescope (and `otter grade`'s Docker image) runs this once, as root, when it builds the grading image.
# It installs the course's Python (the version in the zip's top-level file python-version, e.g. 3.13: the one
# Colab runs; 3.13 if the file is missing) and every package the notebook needs (pinned; PyTorch's CPU-only
# build from PyTorch's own index), in folders every user can read: submissions run as unprivileged users of
# their own and must be able to import them.
# Variables, for a local simulation of the same steps (tests/test_gradescope.py):
#   AUTOGRADER_ROOT        where source/ submission/ results/ are (default /autograder)
#   BERTCOURSE_PYTHON      an existing python of that version to use instead of installing one
#   BERTCOURSE_VENV        the environment to create (default /opt/bertcourse-venv)
#   BERTCOURSE_TORCH_INDEX the index of PyTorch's CPU wheels ("" to rely on pip's own configuration)
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="${BERTCOURSE_VENV:-/opt/bertcourse-venv}"
TORCH_INDEX="${BERTCOURSE_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
PYTHON="${BERTCOURSE_PYTHON:-}"
VERSION="$(tr -d '[:space:]' < "$ROOT/source/python-version" 2>/dev/null || true)"
case "$VERSION" in
    3.[0-9]|3.[0-9][0-9]) ;;
    *) echo "no usable python-version file in the zip (${VERSION:-missing}): using Python 3.13"; VERSION=3.13 ;;
esac

if [ -z "$PYTHON" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y wget ca-certificates
    apt-get install -y bubblewrap || echo "bubblewrap unavailable: submissions will run as unprivileged users only"
    arch="$(uname -m)"
    wget -nv "https://github.com/conda-forge/miniforge/releases/download/25.3.1-0/Miniforge3-Linux-${arch}.sh" \
        -O /tmp/miniforge.sh
    bash /tmp/miniforge.sh -b -p /opt/miniforge3
    /opt/miniforge3/bin/conda create -y -p "/opt/python$VERSION" "python=$VERSION"
    PYTHON="/opt/python$VERSION/bin/python$VERSION"
    chmod -R a+rX /opt/miniforge3 "/opt/python$VERSION"
fi
"$PYTHON" -c "import sys; v = '$VERSION'; assert '%d.%d' % sys.version_info[:2] == v, f'{sys.executable} is not Python {v}'"

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} \
    -r "$ROOT/source/requirements.txt"
chmod -R a+rX "$VENV"
