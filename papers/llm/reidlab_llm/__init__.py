"""LLM: low-rank local matching for visible-infrared person re-identification

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

PAPER = dict(name='llm', title='Learning Cross-modality Person Re-identification via Low-rank Local Matching',
             citation='F. Jian, J. Xu, Y. Ji, F. Wu, IEEE Signal Processing Letters 28:1789-1793 (2021)', upstream='FYJ112233/LLM (test code only) on top of mangye16/Cross-Modal-Re-ID-baseline',
             task='visible-infrared cross-modality person re-identification', datasets=['sysu_mm01', 'regdb'])
PAPER_RESULTS = [
    PaperResult('sysu_mm01', 'all-search', {'R1': 55.25, 'R10': 86.09, 'mAP': 52.96}),
    PaperResult('sysu_mm01', 'indoor-search', {'R1': 59.65, 'R10': 90.85, 'mAP': 66.46}),
    PaperResult('regdb', 'visible->thermal', {'R1': 74.85, 'R10': 90.58, 'mAP': 71.32}),
]

def paper_results(dataset: str | None = None) -> list[PaperResult]:
    "The paper's rows, optionally for one dataset"
    if dataset is not None and dataset not in PAPER["datasets"]:
        raise ValueError(f"{dataset!r} is not a dataset of this paper; expected one of {PAPER['datasets']}")
    return [r for r in PAPER_RESULTS if dataset is None or r.dataset == dataset]
```"""
