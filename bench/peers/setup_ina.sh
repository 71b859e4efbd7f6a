#!/usr/bin/env bash
# Set up an offline runner for inaSpeechSegmenter (MIT) in its own venv.
#
#   bash bench/peers/setup_ina.sh [TARGET]   # TARGET defaults to ../peers/ina beside the checkout
#
# Result:
#   TARGET/venv/bin/python                      python with inaSpeechSegmenter 0.8.0 + tensorflow-cpu
#   TARGET/keras/inaSpeechSegmenter/*.hdf5      the three Keras models (from the 0.6.8 wheel)
# Use with:  KERAS_HOME=TARGET/keras  (ina_labels.py --keras-home TARGET/keras does this)
#
# Idempotent: re-running skips whatever is already in place and checks the weights' md5.
# Only PyPI is needed (no ffmpeg, no sox, no GitHub download).
set -euo pipefail

TARGET="${1:-$(cd "$(dirname "$0")/../../.." && pwd)/peers/ina}"
PY="${PYTHON:-python3}"
VENV="$TARGET/venv"
WDIR="$TARGET/keras/inaSpeechSegmenter"

# Versions found to work together (Python 3.11, CPU only).
INA_VERSION=0.8.0
INA_WEIGHTS_VERSION=0.6.8
PINS=(
  tensorflow-cpu==2.21.0
  keras==3.15.1
  h5py==3.14.0
  numpy==2.4.6
  scipy==1.17.1
  pandas==3.1.1
  scikit-image==0.26.0
  soundfile==0.14.0
  pytextgrid==0.1.4
)

declare -A MD5=(
  [keras_male_female_cnn.hdf5]=e6665980061b8703d219b64fe7db621f
  [keras_speech_music_cnn.hdf5]=c728edf23661bc250140bb0c519ed4e4
  [keras_speech_music_noise_cnn.hdf5]=6a5bdcfec60d24a3a504f4187e3b5b40
)

log() { echo "[setup_ina] $*" >&2; }

mkdir -p "$TARGET"

# 1. venv
if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv $VENV"
  "$PY" -m venv "$VENV"
fi
VPIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# 2. packages. inaSpeechSegmenter declares tensorflow[and-cuda], onnxruntime-gpu, pyannote.core,
#    matplotlib, Pyro4: none of them is needed by Segmenter, so it goes in with --no-deps and its
#    real imports are installed by hand.
need_install=0
for spec in "inaspeechsegmenter==$INA_VERSION" "${PINS[@]}"; do
  name="${spec%%==*}"; want="${spec##*==}"
  have="$("$VENV/bin/python" -c "import importlib.metadata as m,sys
try: print(m.version(sys.argv[1]))
except Exception: print('')" "$name")"
  if [ "$have" != "$want" ]; then need_install=1; break; fi
done
if [ "$need_install" = 1 ]; then
  log "installing packages (tensorflow-cpu is large; this takes a few minutes)"
  "${VPIP[@]}" install -q "${PINS[@]}"
  "${VPIP[@]}" install -q --no-deps "inaspeechsegmenter==$INA_VERSION"
else
  log "packages already installed"
fi

# 3. weights: 0.8.0 would download them from GitHub at first use; the 0.6.8 wheel ships them.
weights_ok() {
  for f in "${!MD5[@]}"; do
    [ -f "$WDIR/$f" ] || return 1
    [ "$(md5sum "$WDIR/$f" | cut -d' ' -f1)" = "${MD5[$f]}" ] || return 1
  done
}
if weights_ok; then
  log "weights already in $WDIR"
else
  log "fetching weights from inaspeechsegmenter==$INA_WEIGHTS_VERSION wheel"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "${VPIP[@]}" download -q --no-deps --only-binary=:all: -d "$tmp" "inaspeechsegmenter==$INA_WEIGHTS_VERSION"
  mkdir -p "$WDIR"
  "$VENV/bin/python" - "$tmp" "$WDIR" <<'EOF'
import glob, os, sys, zipfile
tmp, wdir = sys.argv[1], sys.argv[2]
whl, = glob.glob(os.path.join(tmp, '*.whl'))
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith('inaSpeechSegmenter/') and n.endswith('.hdf5'):
            dst = os.path.join(wdir, os.path.basename(n))
            with z.open(n) as src, open(dst + '.part', 'wb') as out:
                out.write(src.read())
            os.replace(dst + '.part', dst)
            print('  ', dst, file=sys.stderr)
EOF
  weights_ok || { log "ERROR: weight md5 mismatch in $WDIR"; exit 1; }
fi

# 4. smoke test: build the Segmenter offline from these weights.
log "smoke test"
KERAS_HOME="$TARGET/keras" TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 \
  "$VENV/bin/python" -W ignore -c "
import inaSpeechSegmenter, tensorflow as tf
from inaSpeechSegmenter import Segmenter
Segmenter(ffmpeg=None)
print('inaSpeechSegmenter', inaSpeechSegmenter.__version__, 'tensorflow', tf.__version__, 'OK')
" 2>/dev/null || { log "ERROR: smoke test failed (rerun without 2>/dev/null to see why)"; exit 1; }
log "done: $TARGET  (python: $VENV/bin/python, keras home: $TARGET/keras)"
