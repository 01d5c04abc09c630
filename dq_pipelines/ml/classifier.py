"""The product-category text classifier: features, deterministic holdout split and metrics."""

import hashlib

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline

TEXT_COLUMNS = ("title", "description")


def text_features(df: pd.DataFrame) -> pd.Series:
    return df[list(TEXT_COLUMNS)].fillna("").agg(" ".join, axis=1)


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The rows a classifier learns from and is scored on: those with a label."""
    return df[df["label"].notna()].reset_index(drop=True)


def holdout_mask(ids: pd.Series, fraction: float) -> np.ndarray:
    """A product is in the holdout by a hash of its id, so the split is stable across runs."""
    buckets = ids.astype(str).map(lambda s: int(hashlib.md5(s.encode()).hexdigest()[:8], 16))
    return (buckets % 1000 < fraction * 1000).to_numpy()


def train_classifier(df: pd.DataFrame, max_features: int, alpha: float) -> Pipeline:
    """Fitted on `df`'s title, description and label; an optional `weight` column weighs each
    row (a weakly labelled query less than a labelled product), else each weighs 1."""
    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), max_features=max_features, min_df=2)),
            ("clf", SGDClassifier(loss="log_loss", alpha=alpha, random_state=0, max_iter=30)),
        ]
    )
    weights = df["weight"].fillna(1.0).to_numpy() if "weight" in df.columns else None
    return model.fit(text_features(df), df["label"], clf__sample_weight=weights)
