#!/usr/bin/python3
"""An independent reading of a model `ppredict train` wrote: XGBoost's own Python package
loads models/<version>/model.json, predicts the training matrix's rows, and scikit-learn
computes the test window's ROC-AUC and average precision, the test window found from
meta.json the way the trainer defines it (a session belongs to the window of its first
row). Prints one JSON line: rows, positives, roc_auc, pr_auc.

Usage: check_model.py MATRIX MODEL_DIR   (Debian's python3-xgboost and python3-sklearn)
"""
import json
import sys
from datetime import datetime

import numpy as np
import xgboost
from sklearn.metrics import average_precision_score, roc_auc_score


def ms(text):
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def main():
    matrix, model_dir = sys.argv[1], sys.argv[2]
    raw = open(matrix, "rb").read()
    magic, rest = raw.split(b"\n", 1)
    assert magic == b"PPMATRIX2", magic
    header, data = rest.split(b"\n", 1)
    head = json.loads(header)
    rows, cols = head["rows"], head["cols"]
    off = 0
    labels = np.frombuffer(data, "<f4", rows, off); off += 4 * rows
    ts = np.frombuffer(data, "<i8", rows, off); off += 8 * rows
    group = np.frombuffer(data, "<u8", rows, off); off += 8 * rows
    values = np.frombuffer(data, "<f4", rows * cols, off).reshape(rows, cols)
    meta = json.load(open(model_dir + "/meta.json"))
    test_from = ms(meta["windows"]["test_from"])
    first = {}
    for g, t in zip(group.tolist(), ts.tolist()):
        if g not in first or t < first[g]:
            first[g] = t
    test = np.array([first[g] >= test_from for g in group.tolist()])
    booster = xgboost.Booster()
    booster.load_model(model_dir + "/model.json")
    p = booster.predict(xgboost.DMatrix(values[test], missing=np.nan))
    y = labels[test]
    print(json.dumps({"rows": int(test.sum()), "positives": int(y.sum()),
                      "roc_auc": roc_auc_score(y, p), "pr_auc": average_precision_score(y, p)}))


main()
