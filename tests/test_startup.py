"""`vgr --help` must not pay for torch or librosa."""

import subprocess
import sys


def test_help_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from vgr.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('torch', 'librosa', 'numpy', 'scipy', 'pandas') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_python_m_vgr_works():
    done = subprocess.run([sys.executable, "-m", "vgr", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("vgr ")


def test_predict_needs_no_torch():
    code = (
        "import sys, vgr\n"
        "from importlib.resources import files\n"
        "vgr.predict_file(str(files('vgr') / 'examples' / 'male.flac'))\n"
        "print('torch' in sys.modules, 'librosa' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"
