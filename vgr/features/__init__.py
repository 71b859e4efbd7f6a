"""The 20 voice.csv acoustic statistics, computed as the original R pipeline did."""

from vgr.features.extract import compute_features, extract_features
from vgr.features.names import FEATURE_NAMES, LABELS

__all__ = ["FEATURE_NAMES", "LABELS", "compute_features", "extract_features"]
