"""Real-world accuracy, corpus by corpus: vgr's bundled recipe beside inaSpeechSegmenter on the same files.

    python bench/corpora.py [--model vgr/default_model] [--workers 2] \
        [--ina /work/peers/ina | --ina-results ina.csv] [--save-ina ina.csv] [--measurements vgr.pickle]
    python bench/corpora.py --choose-blend [--measurements vgr.pickle]   # how the default blend was chosen

Every labelled shared corpus (bench/shared_corpora.py): real/ split by source, librispeech-test-other/ and the
four corpora of speakers/. The protocol is leave one corpus out:

- a trainable corpus is scored by the model's fold ensemble plus a voiceprint head fitted, exactly as
  `vgr voiceprint` fits it (vgr.voiceprint.head.fit_head, blend chosen leave-one-speaker-out), on the *other
  trainable* corpora only;
- an evaluation-only corpus (SiSEC, trainable = no) is never fitted on: it is scored by the model as given, whose
  head must have been fitted on trainable recordings only (checked against its provenance by sha256).

The CMU ARCTIC files that are voice.csv rows (clb and slt arctic_a0001) are left out of the scores. A file vgr
cannot analyse, or in which inaSpeechSegmenter finds no speech, counts as wrong ("unanswered" says how many).
inaSpeechSegmenter runs in its own venv (bench/peers/setup_ina.sh), never as a dependency of vgr; --ina-results
reuses a CSV that bench/peers/ina_labels.py wrote for these files.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from shared_corpora import EVALUATION_ONLY, TRAINABLE, recordings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vgr.predict import load_model  # noqa: E402
from vgr.voiceprint.head import BLENDS, DEFAULT_BLEND, fit_head  # noqa: E402
from vgr.voiceprint.training import file_sha256  # noqa: E402


def measure_one(path: str):
    """Features, embedding and seconds of work for one file, as `vgr predict` computes them (None on failure)."""
    from vgr.errors import AudioError
    from vgr.runs.batch import measure
    from vgr.voiceprint.encoder import embed

    started = time.perf_counter()
    try:
        features, _, embedding = measure(path, embed)
    except AudioError:
        return None, None, time.perf_counter() - started
    return features, embedding, time.perf_counter() - started


def measure_all(paths: list[str], workers: int) -> tuple[list, np.ndarray, np.ndarray]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(measure_one, paths, chunksize=4))
    features = [r[0] for r in results]
    embeddings = np.array([r[1] if r[1] is not None else np.zeros(256) for r in results])
    return features, embeddings, np.array([r[2] for r in results])


def measured(args, paths: list[str]) -> tuple[list, np.ndarray, np.ndarray, float]:
    """measure_all, or its results kept by an earlier run (--measurements FILE, written when absent)."""
    import pickle

    if args.measurements and args.measurements.exists():
        with open(args.measurements, "rb") as stream:  # a file this script wrote itself
            kept = pickle.load(stream)
        if kept["paths"] != paths:
            raise SystemExit(f"{args.measurements}: made for other files")
        return kept["features"], kept["embeddings"], kept["seconds"], kept["wall"]
    started = time.perf_counter()
    features, embeddings, seconds = measure_all(paths, args.workers)
    wall = time.perf_counter() - started
    if args.measurements:
        with open(args.measurements, "wb") as stream:
            pickle.dump({"paths": paths, "features": features, "embeddings": embeddings, "seconds": seconds,
                         "wall": wall}, stream)
    return features, embeddings, seconds, wall


def ensemble_p_male(model, features: list) -> np.ndarray:
    p = np.full(len(features), np.nan)
    ok = [i for i, f in enumerate(features) if f is not None]
    p[ok] = model.predict_proba([features[i] for i in ok])[:, model.labels.index("male")]
    return p


def leave_one_corpus_out(table: pd.DataFrame, embeddings: np.ndarray, p_ensemble: np.ndarray,
                         blend: float | None = DEFAULT_BLEND) -> np.ndarray:
    """p(male) of each trainable corpus's files from a head fitted on the other trainable corpora."""
    p = np.full(len(table), np.nan)
    analysed = ~np.isnan(p_ensemble)
    for corpus in TRAINABLE:
        held_out = (table["corpus"] == corpus).to_numpy()
        train = table["trainable"].to_numpy() & ~held_out & analysed
        head = fit_head(embeddings[train], (table["label"] == "male").to_numpy()[train],
                        table["speaker"].to_numpy()[train], p_ensemble[train], blend=blend)
        print(f"{corpus}: head on {train.sum()} files of {table['speaker'][train].nunique()} speakers, "
              f"blend {head.blend:.2f}", file=sys.stderr)
        scored = held_out & analysed
        p[scored] = head.blended(embeddings[scored], p_ensemble[scored])
    return p


def bundled_head(model, table: pd.DataFrame, embeddings: np.ndarray, p_ensemble: np.ndarray) -> np.ndarray:
    """p(male) of each evaluation-only file from the model as given; refuses a head fitted on any of them."""
    head = model.voiceprint
    if head is None:
        raise SystemExit("the model has no voiceprint head: run bench/make_default_head.py first")
    fitted_on = {row["sha256"] for row in head.metadata.get("training_recordings", [])}
    evaluation = table[~table["trainable"]]
    leaked = [name for name, path in zip(evaluation["file"], evaluation["path"]) if file_sha256(path) in fitted_on]
    if leaked or not fitted_on:
        raise SystemExit(f"the model's head was fitted on evaluation-only recordings ({leaked[:3]}) or records none")
    p = np.full(len(table), np.nan)
    scored = (~table["trainable"]).to_numpy() & ~np.isnan(p_ensemble)
    p[scored] = head.blended(embeddings[scored], p_ensemble[scored])
    return p


def choose_blend(table: pd.DataFrame, embeddings: np.ndarray, p_ensemble: np.ndarray) -> None:
    """How the default blend was chosen: leave-one-corpus-out accuracy on the trainable corpora only."""
    scored = ~table["in_voice_csv"].to_numpy() & table["trainable"].to_numpy()
    print("| blend | " + " | ".join(TRAINABLE) + " | macro mean |\n|" + "---|" * (len(TRAINABLE) + 2))
    for blend in (*BLENDS, None):
        p = leave_one_corpus_out(table, embeddings, p_ensemble, blend)
        right = pd.Series((p >= 0.5) == (table["label"] == "male").to_numpy())[scored]
        each = [right[table["corpus"][scored] == corpus].mean() for corpus in TRAINABLE]
        name = "auto (leave one speaker out)" if blend is None else f"{blend:.3f}"
        print(f"| {name} | " + " | ".join(f"{a:.1%}" for a in each) + f" | {np.mean(each):.2%} |")


def run_ina(args, paths: list[str]) -> pd.DataFrame:
    if args.ina_results:
        return pd.read_csv(args.ina_results, dtype={"label": str}, keep_default_na=False)
    done = subprocess.run([str(args.ina / "venv" / "bin" / "python"), str(ROOT / "bench" / "peers" / "ina_labels.py"),
                           "--keras-home", str(args.ina / "keras"), "--quiet"],
                          input="\n".join(paths) + "\n", capture_output=True, text=True, check=True)
    result = pd.read_csv(io.StringIO(done.stdout), dtype={"label": str}, keep_default_na=False)
    if args.save_ina:
        result.to_csv(args.save_ina, index=False)
    return result


def right(predicted: pd.Series, truth: pd.Series) -> pd.Series:
    return predicted.fillna("") == truth


def percent(values: pd.Series) -> str:
    return f"{values.mean():.1%}" if len(values) else "–"


def corpus_rows(table: pd.DataFrame, methods: dict[str, str]) -> list[dict]:
    rows = []
    for corpus in (*TRAINABLE, *EVALUATION_ONLY):
        part = table[table["corpus"] == corpus]
        female, male = part[part["label"] == "female"], part[part["label"] == "male"]
        row = {"corpus": corpus, "scored by": "other trainable corpora" if corpus in TRAINABLE else "bundled model",
               "files": len(part),
               "speakers F/M": f"{female['speaker'].nunique()}/{male['speaker'].nunique()}"}
        for name, column in methods.items():
            row[f"{name}"] = percent(right(part[column], part["label"]))
            row[f"{name} F"] = percent(right(female[column], female["label"]))
            row[f"{name} M"] = percent(right(male[column], male["label"]))
        row["ina unanswered"] = int((part["ina"].fillna("") == "").sum())
        rows.append(row)
    macro = {"corpus": "**macro mean**", "scored by": "", "files": len(table), "speakers F/M": ""}
    for key in rows[0]:
        if key not in macro and key != "ina unanswered":
            macro[key] = f"{np.mean([float(r[key].rstrip('%')) for r in rows if r[key] != '–']):.1f}%"
    macro["ina unanswered"] = sum(r["ina unanswered"] for r in rows)
    return rows + [macro]


def markdown(rows: list[dict]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="model folder [default: the bundled model]")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ina", type=Path, default=ROOT.parent / "peers" / "ina",
                        help="folder made by bench/peers/setup_ina.sh [default: ../peers/ina]")
    parser.add_argument("--ina-results", type=Path, help="reuse a CSV of bench/peers/ina_labels.py for these files")
    parser.add_argument("--save-ina", type=Path, help="keep inaSpeechSegmenter's raw CSV here")
    parser.add_argument("--choose-blend", action="store_true",
                        help="only the trainable corpora, once per candidate blend: how the default was chosen")
    parser.add_argument("--measurements", type=Path, help="keep vgr's features and embeddings here, reuse them if present")
    args = parser.parse_args()

    table = recordings()
    model = load_model(args.model)
    features, embeddings, seconds, wall = measured(args, table["path"].tolist())
    p_ensemble = ensemble_p_male(model, features)
    if args.choose_blend:
        choose_blend(table, embeddings, p_ensemble)
        return
    p_loco = leave_one_corpus_out(table, embeddings, p_ensemble)
    p_bundled = bundled_head(model, table, embeddings, p_ensemble)
    p_vgr = np.where(table["trainable"], p_loco, p_bundled)
    table["vgr"] = pd.Series(np.where(p_vgr >= 0.5, "male", "female")).where(~np.isnan(p_vgr))
    table["voice.csv nets"] = pd.Series(np.where(p_ensemble >= 0.5, "male", "female")).where(~np.isnan(p_ensemble))

    ina = run_ina(args, table["path"].tolist()).set_index("file")
    table["ina"] = table["path"].map(ina["label"]).replace("", np.nan)
    table["ina seconds"] = table["path"].map(ina["seconds"])

    scored = table[~table["in_voice_csv"]].copy()
    print(markdown(corpus_rows(scored, {"vgr": "vgr", "ina": "ina", "voice.csv nets": "voice.csv nets"})))
    print(f"\n{len(scored)} files ({int(table['in_voice_csv'].sum())} voice.csv rows left out). "
          f"vgr unanswered: {int(scored['vgr'].isna().sum())}.")
    print("\nSpeakers vgr gets wrong (files wrong / files):")
    wrong = scored[~right(scored["vgr"], scored["label"])]
    for (corpus, speaker, label), group in wrong.groupby(["corpus", "speaker", "label"]):
        print(f"- {speaker} ({label}): {len(group)}/{(scored['speaker'] == speaker).sum()}")
    audio = sum(f is not None for f in features)
    print(f"\nSeconds per file: vgr {seconds.mean():.3f} (features + embedding, one core each, {args.workers} "
          f"workers, {wall:.0f} s wall for {len(table)} files, {audio} analysed); inaSpeechSegmenter "
          f"{table['ina seconds'].mean():.3f} (one thread, conversion + segmentation).")


if __name__ == "__main__":
    main()
