#!/usr/bin/env python3
"""Label audio files male/female with inaSpeechSegmenter, offline.

Run with the venv made by setup_ina.sh:

    ../peers/ina/venv/bin/python bench/peers/ina_labels.py --keras-home ../peers/ina/keras \
        < paths.txt > out.csv

stdin: absolute audio paths (anything libsndfile reads: FLAC, WAV, ...; any sample rate and
channel count), one per line; blank lines are skipped.
stdout: CSV  file,label,female_s,male_s,seconds,error
  label     'female' or 'male', the sex with more seconds of speech in the whole file; empty when
            no speech segment was found (unanswered), on an exact tie, or on error
  female_s  seconds of segments labelled female by inaSpeechSegmenter
  male_s    seconds of segments labelled male
  seconds   wall time spent on this file: conversion + segmentation
  error     empty, or a one-line reason why this file could not be processed
Progress goes to stderr.

Each file is converted to 16 kHz mono 16-bit WAV in a temp dir (channels are MIXED: the mean of
all channels; resampling with scipy.signal.resample_poly), then passed to one Segmenter
(vad_engine='smn', detect_gender=True, ffmpeg=None) that is created once and reused.
"""
import argparse
import os
import sys


def _parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--keras-home', required=True,
                   help='folder holding inaSpeechSegmenter/*.hdf5 (setup_ina.sh: TARGET/keras)')
    p.add_argument('--threads', type=int, default=1,
                   help='TensorFlow intra- and inter-op threads, and BLAS/OMP threads (default 1)')
    p.add_argument('--batch-size', type=int, default=32,
                   help='Keras predict batch size (inaSpeechSegmenter default 32)')
    p.add_argument('--vad-engine', default='smn', choices=['smn', 'sm'],
                   help="inaSpeechSegmenter VAD engine (default 'smn', its default)")
    p.add_argument('--no-warmup', action='store_true',
                   help='skip the untimed warm-up run on a synthetic signal')
    p.add_argument('--quiet', action='store_true', help='no per-file progress on stderr')
    return p.parse_args()


ARGS = _parse_args()

# Must be set before tensorflow / numpy are imported.
_t = str(ARGS.threads)
os.environ['KERAS_HOME'] = os.path.abspath(ARGS.keras_home)
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
os.environ['CUDA_VISIBLE_DEVICES'] = '-1'
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'TF_NUM_INTRAOP_THREADS',
           'TF_NUM_INTEROP_THREADS'):
    os.environ[_v] = _t

import contextlib  # noqa: E402
import csv  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings('ignore')
logging.getLogger('tensorflow').setLevel(logging.ERROR)

# Keras' predict(verbose=2) and some TF code write to fd 1. Keep the real stdout for the CSV only
# and point fd 1 at stderr for everything else.
_csv_out = os.fdopen(os.dup(1), 'w', newline='', buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr


def log(msg):
    print(msg, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _silence_fd1():
    """Send fd 1 (Keras' per-predict progress lines) to /dev/null for the block."""
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 1)
        with open(os.devnull, 'w') as pynull, contextlib.redirect_stdout(pynull):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402

import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
tf.config.threading.set_inter_op_parallelism_threads(ARGS.threads)
tf.get_logger().setLevel('ERROR')
try:
    import absl.logging
    absl.logging.set_verbosity(absl.logging.ERROR)
except Exception:
    pass

import inaSpeechSegmenter  # noqa: E402
from inaSpeechSegmenter import Segmenter  # noqa: E402

SR = 16000


def to_16k_mono_wav(src, dst):
    """Whole file -> 16 kHz mono PCM_16 WAV. Channels are mixed (mean). Returns duration (s)."""
    x, sr = sf.read(src, dtype='float64', always_2d=True)
    if x.shape[0] == 0:
        raise ValueError('empty audio (0 samples)')
    x = x.mean(axis=1)
    if sr != SR:
        g = math.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g)
    x = np.clip(x, -1.0, 1.0)
    sf.write(dst, x, SR, subtype='PCM_16', format='WAV')
    return len(x) / SR


def label_segments(segs):
    female = sum(e - s for lab, s, e in segs if lab == 'female')
    male = sum(e - s for lab, s, e in segs if lab == 'male')
    if female > male:
        label = 'female'
    elif male > female:
        label = 'male'
    else:
        label = ''  # no speech at all (or an exact tie): unanswered
    return label, female, male


def main():
    t0 = time.time()
    if not os.path.isdir(os.path.join(ARGS.keras_home, 'inaSpeechSegmenter')):
        log(f'ina_labels: no {ARGS.keras_home}/inaSpeechSegmenter/ folder (run setup_ina.sh)')
        return 2
    with _silence_fd1():
        seg = Segmenter(vad_engine=ARGS.vad_engine, detect_gender=True, ffmpeg=None,
                        batch_size=ARGS.batch_size)
    tmpdir = tempfile.mkdtemp(prefix='ina_labels_')
    try:
        if not ARGS.no_warmup:
            # Untimed: the first predict() builds the TF graph (~1-2 s) and would bias file 1.
            # Two lengths, so that Keras has also traced a second batch shape.
            rng = np.random.default_rng(0)
            for dur in (3.1, 6.7):
                t = np.arange(int(dur * SR)) / SR
                w = 0.3 * np.sin(2 * np.pi * 150 * t) * (1 + np.sin(2 * np.pi * 3 * t)) \
                    + 0.01 * rng.standard_normal(len(t))
                wpath = os.path.join(tmpdir, 'warmup.wav')
                sf.write(wpath, w, SR, subtype='PCM_16')
                with _silence_fd1():
                    seg(wpath)
        log(f'ina_labels: inaSpeechSegmenter {inaSpeechSegmenter.__version__}, tensorflow '
            f'{tf.__version__}, threads={ARGS.threads}, batch_size={ARGS.batch_size}, '
            f'vad={ARGS.vad_engine}; ready in {time.time() - t0:.1f}s')

        w = csv.writer(_csv_out, lineterminator='\n')
        w.writerow(['file', 'label', 'female_s', 'male_s', 'seconds', 'error'])
        n = n_ok = n_unans = n_err = 0
        tot = 0.0
        for line in sys.stdin:
            path = line.strip()
            if not path:
                continue
            n += 1
            t1 = time.time()
            label, female, male, err = '', 0.0, 0.0, ''
            wav = os.path.join(tmpdir, 'in.wav')
            try:
                to_16k_mono_wav(path, wav)
                with _silence_fd1():
                    segs = seg(wav)
                label, female, male = label_segments(segs)
            except Exception as e:  # one bad file must not stop the run
                err = f'{type(e).__name__}: {e}'.replace('\r', ' ').replace('\n', ' ')[:300]
            finally:
                with contextlib.suppress(OSError):
                    os.remove(wav)
            dt = time.time() - t1
            tot += dt
            w.writerow([path, label, f'{female:.2f}', f'{male:.2f}', f'{dt:.3f}', err])
            if err:
                n_err += 1
            elif label:
                n_ok += 1
            else:
                n_unans += 1
            if not ARGS.quiet:
                log(f'[{n}] {label or "-":6s} f={female:5.2f} m={male:5.2f} {dt:5.2f}s {path}'
                    + (f'  ERROR {err}' if err else ''))
        log(f'ina_labels: {n} files, {n_ok} labelled, {n_unans} unanswered, {n_err} errors; '
            f'{tot:.1f}s ({tot / max(n, 1):.2f} s/file)')
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        _csv_out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
