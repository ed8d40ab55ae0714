#!/usr/bin/python3
"""Reference values for the model metrics (src/model/metrics.c), from scikit-learn
(Debian's python3-sklearn 1.2): random labelled scores, rounded so that ties occur, with
ROC-AUC, average precision, log loss and Brier score. Writes metrics.csv beside this file:
a header line, then per case the four values and the scores and labels as
space-separated lists.

Run: /usr/bin/python3 tests/data/model/make_reference.py
"""
import os

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

rng = np.random.default_rng(7)
out = open(os.path.join(os.path.dirname(__file__), "metrics.csv"), "w")
out.write("roc_auc,pr_auc,logloss,brier,scores,labels\n")
for n, rate, digits in ((50, 0.3, 1), (400, 0.05, 2), (1000, 0.5, 3), (300, 0.1, 6)):
    y = (rng.random(n) < rate).astype(int)
    p = np.clip(np.round(rng.random(n) * 0.6 + 0.4 * y * rng.random(n), digits), 0.0005, 0.9995)
    out.write("%.17g,%.17g,%.17g,%.17g,%s,%s\n" % (
        roc_auc_score(y, p), average_precision_score(y, p), log_loss(y, p), brier_score_loss(y, p),
        " ".join("%.17g" % x for x in p), " ".join(str(v) for v in y)))
