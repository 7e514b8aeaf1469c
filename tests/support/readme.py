"""The README's code blocks, so tests can run its examples as written."""

from __future__ import annotations

import re

from common.config import REPO_ROOT


def readme_blocks(language: str, containing: str = "") -> list[str]:
    """Every fenced block of ``language`` in README.md whose text contains ``containing``."""
    text = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(rf"```{re.escape(language)}\n(.*?)```", text, flags=re.DOTALL)
    return [block for block in blocks if containing in block]


def readme_block(language: str, containing: str) -> str:
    """The one block of ``language`` containing ``containing`` (the test fails if not one)."""
    [block] = readme_blocks(language, containing)
    return block
