"""SSAN: semantically self-aligned network for text-to-image person re-identification

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

PAPER = dict(name='ssan', title='Semantically Self-Aligned Network for Text-to-Image Part-aware Person Re-identification',
             citation='Z. Ding, C. Ding, Z. Shao, D. Tao, arXiv 2107.12666 (2021)', upstream='zifyloo/SSAN',
             task='text-to-image person re-identification', datasets=['cuhk_pedes', 'icfg_pedes'])
PAPER_RESULTS = [
    PaperResult('cuhk_pedes', 'text-to-image (ResNet-50)', {'R1': 61.37, 'R5': 80.15, 'R10': 86.73}),
    PaperResult('icfg_pedes', 'text-to-image (ResNet-50)', {'R1': 54.23, 'R5': 72.63, 'R10': 79.53}),
]

def paper_results(dataset: str | None = None) -> list[PaperResult]:
    "The paper's rows, optionally for one dataset"
    if dataset is not None and dataset not in PAPER["datasets"]:
        raise ValueError(f"{dataset!r} is not a dataset of this paper; expected one of {PAPER['datasets']}")
    return [r for r in PAPER_RESULTS if dataset is None or r.dataset == dataset]
```"""
