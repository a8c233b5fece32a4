#!/usr/bin/env bash
# One GPU run: fine-tune the shipped weights on the datafile.py images for a fixed wall time.
#
#   OUT=/somewhere bash bench/gpu_train.sh        # on the device, from the repository root
#
# Needs python3 with torch, numpy, safetensors, click, opencv, scikit-image; no ffmpeg and no
# install (PYTHONPATH=.). Writes $OUT/vae.safetensors + vae.json (the record holds the held-out
# PSNR of the starting weights, "init_eval", and of the result, "eval"), train.log and preview.png.
# The weights are saved every 2 minutes too, so a run killed early still leaves some.
# Knobs (environment): MINUTES of steps (the lr cosine is fitted to them), BATCH, CROP, LR,
# DEVICE, AMP=1 for bf16 autocast, DATA, INIT (empty: from scratch), EXTRA (more train flags,
# split on spaces, e.g. the critic runs' "--adversary-weight 0.1 --mix-weight 1 --pyramid-weight
# 0.5"; empty by default, as gpu1 and gpu2 were made).
set -u
OUT=${OUT:?set OUT to the folder to write}
DATA=${DATA:-gpu_data/train.npz}
INIT=${INIT-models/vae.safetensors}
MINUTES=${MINUTES:-6.5}
BATCH=${BATCH:-64}
CROP=${CROP:-128}
LR=${LR:-5e-4}
DEVICE=${DEVICE:-}
export PYTHONPATH=.${PYTHONPATH:+:$PYTHONPATH}
mkdir -p "$OUT"
args=(train --data "$DATA" --out "$OUT/vae.safetensors" --overwrite --steps 1000000
      --max-minutes "$MINUTES" --batch-size "$BATCH" --crop "$CROP" --lr "$LR" --warmup 100
      --warp-weight 1 --log-every "${LOG_EVERY:-200}" --threads 4)
[ -n "$INIT" ] && args+=(--init "$INIT")
[ -n "$DEVICE" ] && args+=(--device "$DEVICE")
[ "${AMP:-0}" = 1 ] && args+=(--amp)
# shellcheck disable=SC2206  # EXTRA is a list of flags: split on purpose
[ -n "${EXTRA:-}" ] && args+=(${EXTRA})
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
    torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" 2>&1 | tee "$OUT/train.log"
python3 -u -m vae_transition.cli "${args[@]}" 2>&1 | tee -a "$OUT/train.log"
rc=${PIPESTATUS[0]}
python3 - "$OUT" <<'PY' 2>&1 | tee -a "$OUT/train.log"
import json, sys
from pathlib import Path

import cv2

from vae_transition.train.evaluate import preview
from vae_transition.weights import load_model

out = Path(sys.argv[1])
record = json.loads((out / "vae.json").read_text())["training"]
cv2.imwrite(str(out / "preview.png"), preview(load_model(out / "vae.safetensors"))[:, :, ::-1])
start = record.get("init_eval", {}).get("psnr")
print(f"held-out PSNR: start {start} dB -> {record.get('eval', {}).get('psnr')} dB after "
      f"{record['steps_done']} steps ({'checkpoint only' if record.get('checkpoint') else 'finished'})")
PY
echo "train exit status $rc"
exit "$rc"
