#!/usr/bin/python3
"""scikit-learn peer for the classifier tests: trains on every exported split and prints test errors.

usage: sklearn_peer.py SPLIT_DIR TREES SEED
For every NAME-labeled.csv in SPLIT_DIR (NAME = rNN-uPP) it trains on it, tests on rNN-test.csv and
prints one JSON object per line: {"split": NAME, "RandomForest": error, "DecisionTree": error}.
"""
import csv
import glob
import json
import os
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r]
    x = np.array([[float(v) for v in r[:-1]] for r in body])
    y = np.array([r[-1] for r in body])
    assert header[-1] == "class", header
    return x, y


def main():
    directory, trees, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for labeled in sorted(glob.glob(os.path.join(directory, "*-labeled.csv"))):
        name = os.path.basename(labeled)[: -len("-labeled.csv")]
        x, y = load(labeled)
        tx, ty = load(os.path.join(directory, name.split("-")[0] + "-test.csv"))
        forest = RandomForestClassifier(n_estimators=trees, random_state=seed).fit(x, y)
        tree = DecisionTreeClassifier(random_state=seed).fit(x, y)
        print(json.dumps({
            "split": name,
            "RandomForest": float(np.mean(forest.predict(tx) != ty)),
            "DecisionTree": float(np.mean(tree.predict(tx) != ty)),
        }), flush=True)


if __name__ == "__main__":
    main()
