"""Start-up cost: `vgr --help` imports nothing heavy, prediction needs no torch."""

import subprocess
import sys
from pathlib import Path


def modules_loaded_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Run ``code`` in a fresh interpreter and list which of ``modules`` it imported."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {modules!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in done.stdout.strip().split(",") if m]


def predicting(example: str) -> str:
    """Code that predicts a bundled example in a fresh interpreter and checks the label."""
    return (
        "import vgr\n"
        "from importlib.resources import files\n"
        f"assert vgr.predict_file(str(files('vgr') / 'examples' / '{example}.flac')).label == '{example}'\n"
    )


def test_help_imports_no_heavy_module():
    code = (
        "from typer.testing import CliRunner\n"
        "from vgr.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
    )
    assert modules_loaded_by(code, ("torch", "librosa", "numpy", "scipy", "pandas")) == []


def test_predict_needs_no_torch():
    assert modules_loaded_by(predicting("male"), ("torch", "librosa")) == []


def test_python_m_vgr_works():
    done = subprocess.run([sys.executable, "-m", "vgr", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("vgr ")


def test_pyfftw_is_imported_only_for_a_file_with_a_tie_frame():
    """The bundled examples have no dominant-track tie: no pyfftw. A tie loads its core alone, not its scipy or
    dask interfaces (`import pyfftw` costs 0.13 s, ~2 s with dask installed)."""
    assert modules_loaded_by(predicting("female"), ("pyfftw", "scipy")) == []
    tie = "import numpy as np\nfrom vgr.features.dominant import dominant_track\nx = np.zeros(8000)\nx[100] = 1.0\ndominant_track(x, 8000)\n"
    assert modules_loaded_by(tie, ("pyfftw.pyfftw", "scipy", "dask")) == ["pyfftw.pyfftw"]


# What a plain ``pip install vgr`` lacks (the train and test extras): made unimportable in the child.
_WITHOUT_EXTRAS = (
    "import sys\n"
    "for name in ('torch', 'matplotlib', 'pandas', 'librosa'):\n"
    "    sys.modules[name] = None\n"
    "from vgr.cli import main\n"
    "sys.argv = ['vgr', *sys.argv[1:]]\n"
    "main()\n"
)


def vgr_without_extras(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _WITHOUT_EXTRAS, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_predict_and_extract_run_without_torch_importable(tmp_path):
    examples = Path(__file__).parent.parent / "vgr" / "examples"
    done = vgr_without_extras("predict", str(examples / "female.flac"), str(examples / "male.flac"), "-f", "csv", "-w", "1")
    assert done.returncode == 0, done.stderr
    assert [line.split(",")[1] for line in done.stdout.splitlines()[1:]] == ["female", "male"]
    done = vgr_without_extras("extract", str(examples), "-o", str(tmp_path / "features.csv"), "-w", "1")
    assert done.returncode == 0, done.stderr
    done = vgr_without_extras("evaluate", str(tmp_path / "features.csv"))
    assert done.returncode == 1 and "column 'label' is missing" in done.stderr  # read without pandas


def test_train_without_torch_says_what_to_install(tmp_path):
    done = vgr_without_extras("train", "voice.csv", "-o", str(tmp_path / "model"))
    assert done.returncode == 1
    assert done.stderr.splitlines() == ['vgr: error: vgr train needs torch, which is not installed: pip install "vgr[train]"']
    assert not (tmp_path / "model").exists()
