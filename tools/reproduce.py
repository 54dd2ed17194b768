"""`make reproduce [DATA=/datasets] [ONLY='hctriplet ssan']`: run every nbs/*/reproduce_*.ipynb with papermill.

Demo preset on synthetic data without --data; with --data, the paper preset for every notebook whose
dataset folder (SYSU-MM01/, RegDB/, ...) is found there. Executed notebooks, result tables and
outputs/SUMMARY.md are written under outputs/. While a notebook runs, a progress line is printed when a
training run (a split, a trial) starts or ends and after its epochs (at most one every 30 s), each with the
elapsed time and an ETA (from the last run of the same notebook, else from the epoch times). Exits 1 naming the
notebooks that failed.
"""
import sys

from reidlab_common.reproduce import main

if __name__ == "__main__":
    sys.exit(main())
