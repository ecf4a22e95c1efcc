#!/bin/sh
# `npm run notebooks`: executes every notebook of this folder with Debian's jupyter-nbconvert on the
# meanfield-ts kernel (install-kernel.sh), writing the executed copies to out/notebooks/. A failing
# cell (a type error included) fails the run. Arguments: notebook files to run instead of all.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
if ! command -v jupyter-nbconvert >/dev/null 2>&1; then
  echo "npm run notebooks needs jupyter-nbconvert: apt-get install -y jupyter-nbconvert python3-nbclient python3-jupyter-client" >&2
  exit 1
fi
sh "$here/install-kernel.sh"
out="$root/out/notebooks"
mkdir -p "$out"
[ "$#" -gt 0 ] || set -- "$here"/*.ipynb
for notebook in "$@"; do
  start=$(date +%s)
  JUPYTER_PATH="$here/.build/jupyter" jupyter-nbconvert --to notebook --execute --log-level=WARN \
    --ExecutePreprocessor.timeout=1800 --output-dir "$out" "$notebook"
  echo "$(basename "$notebook"): $(($(date +%s) - start)) s"
done
