"""Linear classifiers over sublinear TF-IDF words, stored as plain JSON and applied without scikit-learn.

Why one module: the study-type model and the citation model are both a multinomial logistic regression over the
same word features; training uses scikit-learn, applying uses the arithmetic here, which is the same function the
trainers built their features with (tests check both against scikit-learn's TfidfVectorizer).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def words(text: str, ngrams: int = 1) -> Counter:
    """Lower-cased words, and with `ngrams=2` also adjacent word pairs ("not differ"), as scikit-learn counts them."""
    tokens = TOKEN.findall(text.lower())
    counts = Counter(tokens)
    if ngrams >= 2:
        counts.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return counts


def idf_of(counts: list[Counter], min_df: int) -> dict[str, float]:
    """Smoothed IDF (scikit-learn's formula) of the terms in at least `min_df` documents."""
    df = Counter(w for c in counts for w in c)
    n = len(counts)
    return {w: math.log((1 + n) / (1 + k)) + 1.0 for w, k in sorted(df.items()) if k >= min_df}


def features(counts: Counter, idf: dict[str, float], extra: dict[str, float]) -> dict[str, float]:
    """Sublinear TF-IDF of the known terms, L2-normalised, plus the indicators (names never collide: `w:` prefix)."""
    weights = {w: (1.0 + math.log(n)) * idf[w] for w, n in counts.items() if w in idf}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    return {**{"w:" + w: v / norm for w, v in weights.items()}, **extra}


@dataclass(frozen=True)
class LinearModel:
    classes: list[str]
    idf: dict[str, float]
    coef: dict[str, list[float]]
    intercept: list[float]

    def scores(self, feats: dict[str, float]) -> list[float]:
        out = list(self.intercept)
        for name, value in feats.items():
            row = self.coef.get(name)
            if row is not None:
                for i, c in enumerate(row):
                    out[i] += value * c
        return out

    def predict(self, feats: dict[str, float]) -> str:
        s = self.scores(feats)
        return self.classes[max(range(len(s)), key=s.__getitem__)]

    def probabilities(self, feats: dict[str, float]) -> dict[str, float]:
        """Softmax over the classes (scikit-learn's multinomial `predict_proba`)."""
        s = self.scores(feats)
        top = max(s)
        e = [math.exp(v - top) for v in s]
        total = sum(e)
        return {c: v / total for c, v in zip(self.classes, e, strict=True)}


def fit(feats: list[dict[str, float]], labels: list[str], idf: dict[str, float], c: float) -> LinearModel:
    """A multinomial logistic regression (lbfgs: deterministic) with its weights rounded for a stable JSON file;
    features whose weights all round to nothing are left out."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sort=True)
    clf = LogisticRegression(C=c, max_iter=5000).fit(vec.fit_transform(feats), labels)
    coef, intercept = clf.coef_, clf.intercept_
    if len(clf.classes_) == 2:  # one logit for the second class: as a softmax over two, half of it each way
        coef, intercept = [-coef[0] / 2, coef[0] / 2], [-intercept[0] / 2, intercept[0] / 2]
    names = vec.get_feature_names_out()
    rows = {str(name): [round(float(row[j]), 5) for row in coef] for j, name in enumerate(names)
            if any(abs(row[j]) >= 1e-4 for row in coef)}
    return LinearModel([str(k) for k in clf.classes_], {w: round(v, 5) for w, v in idf.items()}, rows,
                       [round(float(v), 5) for v in intercept])
