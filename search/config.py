"""Settings: every tunable value with its default and help text, read once at the edge.

Precedence, in this one place: an explicit argument (CLI option, Flask test config), then the
environment variable (prefix ``NEWSFACET_``), then the default below.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .errors import ConfigError

ENGINES = ("whoosh", "typesense")
ENV_PREFIX = "NEWSFACET_"


def _setting(default: Any, help: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    """All settings of newsfacet. ``env`` metadata names the environment variable, if any."""

    index_dir: str = _setting("index", "Directory of the Whoosh index.", "INDEX")
    engine: str = _setting("whoosh", "Search engine: whoosh or typesense.", "ENGINE")
    entities_file: str | None = _setting(None, "Entity table (JSON or CSV); default: bundled.",
                                         "ENTITIES")
    typesense_nodes: str = _setting("http://127.0.0.1:8108", "Typesense nodes, comma-separated.",
                                    "TYPESENSE_NODES")
    typesense_api_key: str | None = _setting(None, "Typesense API key.", "TYPESENSE_API_KEY")
    typesense_collection: str = _setting("articles", "Typesense collection.",
                                         "TYPESENSE_COLLECTION")
    typesense_config: str | None = _setting(
        None, "File of NEWSFACET_TYPESENSE_*=value lines (API key, nodes), read where the "
        "environment does not set them; keeps the key off command lines.", "TYPESENSE_CONFIG")
    max_file_bytes: int = _setting(20_000_000, "Files larger than this are skipped.",
                                   "MAX_FILE_BYTES")
    max_text_chars: int = _setting(1_000_000, "Article text is cut at this many characters.",
                                   "MAX_TEXT_CHARS")
    max_query_chars: int = _setting(10_000, "Longest query accepted (a pasted paragraph).",
                                    "MAX_QUERY_CHARS")
    max_query_words: int = _setting(32, "A query of more plain words than this (a pasted "
                                        "paragraph) searches only this many, its rarest.",
                                    "MAX_QUERY_WORDS")
    max_page: int = _setting(1000, "Highest result page accepted.")
    max_per_page: int = _setting(100, "Most results on one page.")
    per_page: int = _setting(10, "Results on one page by default.")
    facet_size: int = _setting(100, "Most values listed per facet by default.")
    max_export: int = _setting(10_000, "Most articles in one CSV/JSON export.", "MAX_EXPORT")
    snippet_chars: int = _setting(240, "Length of a snippet in characters.")
    access_token: str | None = _setting(None, "Token required to read through the web server.",
                                        "ACCESS_TOKEN")
    allowed_hosts: str | None = _setting(
        None, "Host names the web server answers to besides its bound address (comma-separated "
        "name or name:port; * for any, when a proxy checks Host itself).", "ALLOWED_HOSTS")
    fetch_delay: float = _setting(1.0, "Seconds between two requests to one host.", "FETCH_DELAY")
    fetch_timeout: float = _setting(30.0, "Seconds to wait for a server before giving up.",
                                    "FETCH_TIMEOUT")
    fetch_retries: int = _setting(2, "Retries of a request that failed for a passing reason "
                                     "(5xx, timeout).", "FETCH_RETRIES")
    fetch_private: bool = _setting(False, "Fetch from loopback, private, link-local and reserved "
                                          "addresses (refused by default).", "FETCH_PRIVATE")
    max_pages: int = _setting(10_000, "Most pages fetched in one run of index or update.",
                              "MAX_PAGES")
    user_agent: str | None = _setting(None, "User agent sent when fetching; default "
                                            "newsfacet/VERSION (+URL).", "USER_AGENT")
    trust_index: bool = _setting(False, "Open an index folder owned by another user or "
                                 "writable by others (refused by default: an index folder is "
                                 "trusted input, Whoosh reads its table of contents as a "
                                 "pickle).", "TRUST_INDEX")
    lock_wait: float = _setting(30.0, "Seconds a run that writes the index (index, remove, "
                                "update) waits for another one holding it before giving up.",
                                "LOCK_WAIT")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Return settings from the environment, with non-None ``overrides`` winning."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            env = f.metadata.get("env")
            if env and ENV_PREFIX + env in environ and environ[ENV_PREFIX + env] != "":
                values[f.name] = _convert(f.name, environ[ENV_PREFIX + env], f.default)
        config_file = overrides.get("typesense_config") or values.get("typesense_config")
        if config_file:
            for name, value in read_config_file(config_file).items():
                values.setdefault(name, value)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied (None values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def validate(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")


def _convert(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, float):
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 <= value < float("inf"):
            raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be a number of seconds, "
                              f"not {raw!r}")
        return value
    if isinstance(default, bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be 1 or 0 (true or false), not {raw!r}")
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be a whole number, "
                              f"not {raw!r}") from None
    return raw



def read_config_file(path: str) -> dict[str, Any]:
    """Return the Typesense settings in a file of ``NEWSFACET_TYPESENSE_*=value`` lines.

    Blank lines and ``#`` comments are skipped; other names are refused, so a typo is noticed.
    """
    known = {ENV_PREFIX + f.metadata["env"]: f for f in fields(Settings)
             if (f.metadata.get("env") or "").startswith("TYPESENSE_")}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the Typesense config file {path}: {exc}") from exc
    values: dict[str, Any] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if not sep or name not in known or name == ENV_PREFIX + "TYPESENSE_CONFIG":
            raise ConfigError(f"{path}:{number}: expected NAME=value with NAME one of "
                              f"{', '.join(sorted(n for n in known if not n.endswith('CONFIG')))}")
        value = value.strip().strip('"').strip("'")
        if value:
            values[known[name].name] = value
    return values
