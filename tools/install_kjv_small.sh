#!/usr/bin/env bash
# Copies a checkpoint written by train_kjv_small.py into kvlab's resources and pins its sha256s in
# ShippedCheckpoint.KJV_SMALL. Usage: tools/install_kjv_small.sh OUT_DIR   (run from the repository root)
set -euo pipefail
src=$1
dst=model/src/main/resources/dev/kvlab/model/kjv-small
java=model/src/main/java/dev/kvlab/model/ShippedCheckpoint.java
mkdir -p "$dst"
for f in config.json model.safetensors tokenizer.json heldout.txt; do
  cp "$src/$f" "$dst/$f"
  sha=$(sha256sum "$dst/$f" | cut -d' ' -f1)
  # the PinnedFile line naming this file gets the new sha
  case $f in
    config.json) key=Checkpoints.CONFIG ;; model.safetensors) key=Checkpoints.WEIGHTS ;;
    tokenizer.json) key=Checkpoints.TOKENIZER ;; heldout.txt) key=ShippedCheckpoint.HELDOUT ;;
  esac
  sed -i -E "s|(new PinnedFile\($key, \")[^\"]*(\"\))|\1$sha\2|" "$java"
  echo "$sha  $f"
done
