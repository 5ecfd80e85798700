#!/usr/bin/env bash
# Creates the Python virtual environment for the peer benchmark (RecBole 1.2.1's SASRec).
#
#   benches/peers/setup.sh [VENV_DIR]
#
# VENV_DIR defaults to target/peers-venv under the repository root. Installs
# benches/peers/requirements.txt with pip (about 5 GB: the torch wheel pulls in CUDA libraries;
# it runs on CPU too). Idempotent: does nothing when VENV_DIR already holds an environment
# installed from the same requirements.txt (a marker file keeps its SHA-256).
# The interpreter is `python3`, or $PYTHON when set.
#
# Exit codes: 0 ready; 2 python3 or its venv support missing (or too old); other: pip failed.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
requirements="$script_dir/requirements.txt"
venv="${1:-$repo_root/target/peers-venv}"
python="${PYTHON:-python3}"
marker_name=".peers-requirements.sha256"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup.sh: '$python' not found: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)" >&2
    exit 2
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    echo "setup.sh: $("$python" --version 2>&1) is too old: torch 2.15 needs Python 3.10 or newer" >&2
    exit 2
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "setup.sh: $python has no venv/ensurepip support (Debian: apt-get install python3-venv)" >&2
    exit 2
fi

hash="$("$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
marker="$venv/$marker_name"

if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$hash" ]]; then
    echo "setup.sh: $venv is up to date with requirements.txt (sha256 ${hash:0:12}); nothing to do"
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup.sh: creating virtual environment $venv"
    mkdir -p "$(dirname "$venv")"
    if ! "$python" -m venv "$venv"; then
        echo "setup.sh: '$python -m venv' failed: is venv support installed? (Debian: apt-get install python3-venv)" >&2
        exit 2
    fi
fi
rm -f "$marker"

echo "setup.sh: installing $requirements into $venv (large download: torch with CUDA libraries)"
"$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$requirements"

# Check that the pieces the driver uses import (recbole.quick_start is skipped: it needs ray).
"$venv/bin/python" - <<'EOF'
import torch, recbole
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.utils import get_model, get_trainer, init_seed, init_logger
print(f"setup.sh: recbole {recbole.__version__}, torch {torch.__version__} import fine")
EOF

"$venv/bin/python" -m pip freeze --disable-pip-version-check >"$venv/peers-freeze.txt"
echo "$hash" >"$marker"
echo "setup.sh: ready: $venv/bin/python $script_dir/recbole_sasrec.py --help"
