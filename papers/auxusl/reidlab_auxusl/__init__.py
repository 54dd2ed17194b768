"""AuxUSL: unsupervised video person re-identification with auxiliary information

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

PAPER = dict(name='auxusl', title='A High-Accuracy Unsupervised Person Re-identification Method Using Auxiliary Information Mined from Datasets',
             citation='X. Teng, T. He, Y. Guo, Z. Ding, arXiv 2205.03124 (2022)', upstream='tenghehan/AuxUSLReID',
             task='fully unsupervised video person re-identification', datasets=['mars', 'dukemtmc_videoreid'])
PAPER_RESULTS = [
    PaperResult('mars', 'Ours- (tricks only)', {'R1': 80.9, 'mAP': 72.4}),
    PaperResult('dukemtmc_videoreid', 'Ours- (tricks only)', {'R1': 85.3, 'mAP': 81.1}),
    PaperResult('dukemtmc_videoreid', 'Ours (with auxiliary information)', {'R1': 91.9, 'mAP': 89.9}),
]

def paper_results(dataset: str | None = None) -> list[PaperResult]:
    "The paper's rows, optionally for one dataset"
    if dataset is not None and dataset not in PAPER["datasets"]:
        raise ValueError(f"{dataset!r} is not a dataset of this paper; expected one of {PAPER['datasets']}")
    return [r for r in PAPER_RESULTS if dataset is None or r.dataset == dataset]
```"""
