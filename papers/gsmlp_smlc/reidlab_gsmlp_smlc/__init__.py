"""GSMLP-SMLC: unsupervised person re-identification by graph-structure multi-label prediction and memory-based label consistency

```python
from __future__ import annotations
from dataclasses import dataclass, field
```

```python
@dataclass(frozen=True)
class PaperResult:
    "One row of the paper's results table: dataset, setting and metric values in percent"
    dataset: str
    setting: str
    metrics: dict = field(default_factory=dict)

PAPER = dict(name='gsmlp_smlc', title='Unsupervised Person Re-identification via Multi-Label Prediction and Classification based on Graph-Structural Insight',
             citation='J. Yu, H. Oh, arXiv 2106.08798 (2021)', upstream='andreYoo/GSMLP-SMLC (a fork of the MMCL/MPLP code)',
             task='fully unsupervised image person re-identification', datasets=['market1501', 'dukemtmc_reid', 'msmt17'])
PAPER_RESULTS = [
]

def paper_results(dataset: str | None = None) -> list[PaperResult]:
    "The paper's rows, optionally for one dataset"
    if dataset is not None and dataset not in PAPER["datasets"]:
        raise ValueError(f"{dataset!r} is not a dataset of this paper; expected one of {PAPER['datasets']}")
    return [r for r in PAPER_RESULTS if dataset is None or r.dataset == dataset]
```"""
