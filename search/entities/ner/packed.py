"""The recogniser's model in a file that loads fast: NumPy arrays of the same weights and lists.

``train.py`` writes the model as gzip JSON (``model.json.gz``, the readable record of a
training run) and packs it into ``model.npz``, which the recogniser loads: the weight matrix as
float32 (the precision the recogniser computes in), the feature names and word lists as
newline-joined UTF-8, the lower-case ratios as float64 (as JSON gives them), and the rest as a
small JSON header. Loading it takes a tenth of the JSON's time (docs/entities.md). The header
keeps the hash of the JSON file it was packed from: the recogniser's fingerprint, part of every
article's content hash, so packing the same weights again re-processes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PACKED_PATH = HERE / "model.npz"
SOURCE_PATH = HERE / "model.json.gz"
FORMAT = 1


def file_hash(path: str | Path) -> str:
    """Return the short SHA-256 of a file's bytes: the version of a model file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def weight_arrays(data: dict) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the feature names of model ``data`` (as ``model.json.gz`` holds it) in row order
    from row 1, its weight matrix (row 0 all zeros, for unknown features) and its bias, as
    float32, the precision the recogniser computes in."""
    classes = data["classes"]
    weights: dict[str, list[float]] = data["weights"]
    features = [k for k in weights if k != "__bias__"]
    matrix = np.zeros((len(features) + 1, len(classes)), dtype=np.float32)
    if features:
        matrix[1:] = np.asarray([weights[k] for k in features], dtype=np.float32)
    bias = np.asarray(weights.get("__bias__", [0.0] * len(classes)), dtype=np.float32)
    return features, matrix, bias


def pack(data: dict, source: str, path: str | Path = PACKED_PATH) -> None:
    """Write the model ``data`` (as ``model.json.gz`` holds it) to ``path``; ``source`` is the
    version of the JSON file it comes from (``file_hash``)."""
    classes = list(data["classes"])
    features, matrix, bias = weight_arrays(data)
    ratios: dict[str, float] = data["lower_ratio"]
    places, place_codes, place_kinds = _coded(data["places"])
    lexicon, lexicon_codes, lexicon_kinds = _coded(data.get("lexicon", {}))
    header = {"format": FORMAT, "source": source, "classes": classes,
              "threshold": data.get("threshold", 0.5),
              "lone_name_score": data.get("lone_name_score", 0.0), "meta": data.get("meta", {}),
              "place_kinds": place_kinds, "lexicon_kinds": lexicon_kinds}
    arrays: dict[str, Any] = {
        "header": _text(json.dumps(header, ensure_ascii=False)), "matrix": matrix, "bias": bias,
        "features": _text("\n".join(features)), "ratio_words": _text("\n".join(ratios)),
        "ratios": np.fromiter(ratios.values(), dtype=np.float64, count=len(ratios)),
        "place_names": _text("\n".join(places)), "places": place_codes,
        "lexicon_names": _text("\n".join(lexicon)), "lexicon": lexicon_codes,
    }
    buffer = io.BytesIO()  # written whole, so that a reader never sees half a file
    np.savez_compressed(buffer, **arrays)
    Path(path).write_bytes(buffer.getvalue())


def unpack(path: str | Path = PACKED_PATH) -> dict[str, Any]:
    """Return the parts of a packed model: ``classes``, ``features`` (names, in row order from
    row 1), ``matrix`` (row 0 all zeros, for unknown features), ``bias``, ``lower_ratio``,
    ``places``, ``lexicon``, ``threshold``, ``lone_name_score``, ``meta`` and ``source``.

    Raises:
        ValueError: the file is no packed model of this format.
    """
    with np.load(path, allow_pickle=False) as arrays:
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: not a packed model of format {FORMAT}")
        ratio_words = _words(arrays["ratio_words"])
        return {
            "classes": tuple(header["classes"]), "source": header["source"],
            "threshold": float(header["threshold"]),
            "lone_name_score": float(header["lone_name_score"]), "meta": header["meta"],
            "features": _words(arrays["features"]), "matrix": arrays["matrix"],
            "bias": arrays["bias"],
            "lower_ratio": dict(zip(ratio_words, arrays["ratios"].tolist(), strict=True)),
            "places": _decoded(arrays["place_names"], arrays["places"], header["place_kinds"]),
            "lexicon": _decoded(arrays["lexicon_names"], arrays["lexicon"],
                                header["lexicon_kinds"]),
        }


def _text(value: str) -> np.ndarray:
    return np.frombuffer(value.encode("utf-8"), dtype=np.uint8)


def _words(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def _coded(mapping: dict[str, str]) -> tuple[list[str], np.ndarray, list[str]]:
    """Return the names of a name -> kind mapping, each one's kind as a code, and the kinds."""
    kinds = sorted(set(mapping.values()))
    code = {kind: n for n, kind in enumerate(kinds)}
    codes = np.fromiter((code[v] for v in mapping.values()), dtype=np.uint8, count=len(mapping))
    return list(mapping), codes, kinds


def _decoded(names: np.ndarray, codes: np.ndarray, kinds: list[str]) -> dict[str, str]:
    return dict(zip(_words(names), [kinds[c] for c in codes.tolist()], strict=True))
