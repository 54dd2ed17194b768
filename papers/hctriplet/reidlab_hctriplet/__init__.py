"""HcTri: parameter-sharing two-stream network and hetero-center triplet loss for visible-thermal person re-identification

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

PAPER = dict(name='hctriplet', title='Parameter Sharing Exploration and Hetero-Center Triplet Loss for Visible-Thermal Person Re-Identification',
             citation='H. Liu, X. Tan, X. Zhou, IEEE Transactions on Multimedia 23:4414-4425 (2021), arXiv 2008.06223', upstream='hijune6/Hetero-center-triplet-loss-for-VT-Re-ID (a fork of mangye16/Cross-Modal-Re-ID-baseline)',
             task='visible-thermal (RGB-IR) cross-modality person re-identification', datasets=['sysu_mm01', 'regdb'])
PAPER_RESULTS = [
    PaperResult('sysu_mm01', 'all-search', {'R1': 61.68, 'R10': 93.1, 'R20': 97.17, 'mAP': 57.51, 'mINP': 39.54}),
    PaperResult('sysu_mm01', 'indoor-search', {'R1': 63.41, 'R10': 91.69, 'R20': 95.28, 'mAP': 68.17, 'mINP': 64.26}),
    PaperResult('regdb', 'visible->thermal', {'R1': 91.05, 'R10': 97.16, 'R20': 98.57, 'mAP': 83.28, 'mINP': 68.84}),
    PaperResult('regdb', 'thermal->visible', {'R1': 89.3, 'R10': 96.41, 'R20': 98.16, 'mAP': 81.46, 'mINP': 64.81}),
]

def paper_results(dataset: str | None = None) -> list[PaperResult]:
    "The paper's rows, optionally for one dataset"
    if dataset is not None and dataset not in PAPER["datasets"]:
        raise ValueError(f"{dataset!r} is not a dataset of this paper; expected one of {PAPER['datasets']}")
    return [r for r in PAPER_RESULTS if dataset is None or r.dataset == dataset]
```"""
