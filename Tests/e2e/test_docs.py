"""Generated documentation stays in step with the sources."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plugin_reference_lists_every_public_symbol_as_the_sources_document_it():
    result = subprocess.run([str(ROOT / "scripts" / "plugin-reference"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
