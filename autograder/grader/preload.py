"""What every grading process needs, imported once by the fork server (run_one.start_grade) instead of per submission.

Measured (tools/bench_grading.py): a fresh grading process spent about 1.1 s importing nbgrader's autograde and
feedback, 1.2 s importing torch for the judge, and 1.2 s on torch.optim's first optimizer (torch._dynamo).
Nothing here runs student code or opens a course file: a forked child starts from modules alone.
"""
from __future__ import annotations

from .run_one import skip_unused_iri_checker

skip_unused_iri_checker()

import torch  # noqa: E402

torch.set_num_threads(1)  # before any op: the children fork from here, and a forked OpenMP pool can hang

import nbgrader.apps.api  # noqa: E402,F401
import nbgrader.converters.autograde  # noqa: E402,F401
import nbgrader.converters.generate_feedback  # noqa: E402,F401
import nbconvert.exporters.html  # noqa: E402,F401

from . import judge  # noqa: E402
from .nbconfig import nbgrader_config  # noqa: E402,F401

judge._load_judge()
