"""kb's one settings object: declared once, read from `KB_*` environment variables (or a .env file).

The same declaration feeds the CLI (`kb settings`), the README's settings table (checked by a test)
and the service. Unsafe values are refused outside development.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.engine.cache import RESULTS
from kb.engine.common_words import DEFAULT_LANGUAGE, LANGUAGES
from kb.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

    from indexer import BuildReport
    from kb.engine import Engine

EXAMPLE_KEY = "change-me"


def default_content_dir() -> Path:
    """The shipped help center: content/ in a clone, kb.default_content in an installed wheel."""
    clone = Path(__file__).resolve().parent.parent / "content"
    if (clone / "channels.yaml").exists():
        return clone
    # An installed wheel: content/ ships as kb.default_content, a folder beside this module. (Not
    # importlib.resources: for a package without __init__.py it gives a MultiplexedPath, whose str()
    # is no path.)
    return Path(__file__).resolve().parent / "default_content"


class Settings(BaseSettings):
    """Every setting of kb. Environment variable: `KB_` + the upper-cased name."""

    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "production",
        description="`development` relaxes the unsafe-default checks and logs for humans.",
    )
    content_dir: Path = Field(
        default_factory=default_content_dir, description="Folder of Markdown articles to serve."
    )
    index_dir: Path = Field(
        Path("var/index"),
        description="Folder holding the index versions (shared by workers/replicas).",
    )
    host: str = Field("127.0.0.1", description="Address `kb serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kb serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `kb serve`.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="`json` one line per event; `text` for humans; `auto`: text in development.",
    )
    max_query_chars: int = Field(
        500, ge=10, le=10000, description="Longest accepted query (chars)."
    )
    max_deflect_chars: int = Field(
        5000, ge=100, le=100000, description="Longest accepted ticket subject + body for /deflect."
    )
    max_limit: int = Field(50, ge=1, le=200, description="Largest `limit` a search may ask for.")
    default_limit: int = Field(
        5, ge=1, le=200, description="Answers returned when no `limit` is given."
    )
    fallback_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Below this confidence a search falls back to a channel."
    )
    topic_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description='Per-topic fallback thresholds, JSON, e.g. `{"billing": 0.6}`.',
    )
    filterable_fields: list[str] = Field(
        default_factory=lambda: ["topic"],
        description="Front-matter fields usable as `/search` filters and facets (JSON list).",
    )
    article_url: str = Field(
        "/articles/{id}#{anchor}",
        description="Deep-link template of an answer: `{id}`, `{anchor}`.",
    )
    typo_language: str = Field(
        DEFAULT_LANGUAGE,
        description="Language of the content: its common words are taken as meant, never corrected "
        "as typos (`en`, `de`, `es`, `fr`, `it`, `nl`, `pt`, …; `none` corrects any unknown word).",
    )
    timezone: str = Field(
        "UTC", description="Time zone for channel opening hours without their own."
    )
    reload_interval_s: float = Field(
        0.1, ge=0.05, le=60, description="How often a worker checks for a newly published index."
    )
    cache_size: int = Field(
        RESULTS,
        ge=0,
        le=1_000_000,
        description="Search results cached per worker (by text, and as many by meaning).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (JSON list).",
    )
    admin_key: str = Field(
        "", description="Key for /admin endpoints (`X-Admin-Key` header); empty turns them off."
    )
    agent_keys: list[str] = Field(
        default_factory=list,
        description="Keys that unlock `audience: internal` articles (`X-Agent-Key` header), JSON list.",
    )
    database_url: str = Field(
        "sqlite:///var/analytics.db",
        description="Analytics store: a SQLAlchemy URL (SQLite file by default, or postgresql+psycopg://…).",
    )
    retention_days: int = Field(90, ge=1, le=3650, description="Days search logs are kept.")
    rate_limit_per_minute: int = Field(
        600,
        ge=0,
        le=1_000_000,
        description="Requests per client per minute for the whole server, whatever the worker count "
        "(bursts up to the same); the client is the address after `KB_TRUSTED_PROXIES`; 0 turns the "
        "limit off.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="Proxies whose `X-Forwarded-For` names the client (JSON list of addresses or "
        'networks, e.g. `["10.0.0.0/8"]`); from any other peer the header is ignored.',
    )
    rate_limit_exempt: list[str] = Field(
        default_factory=list,
        description="Client networks never rate limited, e.g. an office or an internal help desk "
        'behind NAT (JSON list, e.g. `["192.168.0.0/16"]`).',
    )
    run_dir: Path | None = Field(
        None,
        description="Folder the workers of `kb serve` share while it runs (metrics, rate-limit "
        "counts), emptied of them at start; empty: a new temporary folder, removed at the end.",
    )
    watch: bool = Field(False, description="Rebuild the index when the content folder changes.")
    content_format: Literal["auto", "jekyll", "hugo", "docusaurus", "mkdocs", "plain"] = Field(
        "auto", description="Generator the articles are written for; `auto` tells per file."
    )
    index_unlisted: bool = Field(
        True,
        description="Index pages published but unlisted (`hidden`, `unlisted`, `sitemap: false`).",
    )
    component_text: dict[str, str] = Field(
        default_factory=dict,
        description='MDX components written as text, JSON: `{"PlanFeatureNote": "Available on the '
        "{plan} plan.\"}` (`{attribute}` is the tag's attribute); others with no text are left out.",
    )
    semantic: bool = Field(
        True,
        description="Match meaning as well as words where the `kb[semantic]` extra is installed "
        "(sentence vectors stored with the index); `off` searches by words alone.",
    )
    vector_cache: Path | None = Field(
        None,
        description="Folder where builds share sentence vectors: a build from nothing embeds only "
        "texts no build stored there.",
    )

    @field_validator("typo_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in (*LANGUAGES, "none"):
            raise ValueError(f"not one of: {', '.join(LANGUAGES)}, none")
        return value

    @field_validator("trusted_proxies", "rate_limit_exempt")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # a ValueError names the bad one
        return value

    @field_validator("topic_thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for topic, t in value.items():
            if not 0.0 <= t <= 1.0:
                raise ValueError(f"threshold for {topic!r} must be within 0..1")
        return value

    def threshold_for(self, topic: str | None) -> float:
        if topic and topic in self.topic_thresholds:
            return self.topic_thresholds[topic]
        return self.fallback_threshold

    def build_index(
        self,
        *,
        strict: bool = False,
        full: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BuildReport:
        """Build KB_CONTENT_DIR into a new version of KB_INDEX_DIR and switch it in: the one way
        `kb index`, `kb serve`, POST /admin/reindex and the content watcher build. Incremental
        unless `full`; on the semantic path the version gets its section vectors and its own
        confidence model (kb.engine.practice) before it goes live."""
        from indexer import build_index, encoder
        from kb.engine import practice

        def prepare(version: Path) -> None:
            practice.prepare_version(
                version,
                self.index_dir,
                semantic=self.semantic,
                language=self.typo_language,
                vector_cache=self.vector_cache,
            )

        return build_index(
            self.content_dir,
            self.index_dir,
            strict=strict,
            incremental=not full,
            default_channels=default_content_dir() / "channels.yaml",
            progress=progress,
            content_format=self.content_format,
            include_unlisted=self.index_unlisted,
            component_text=self.component_text,
            semantic=self.semantic and encoder.available(),
            before_publish=prepare,
            vector_cache=self.vector_cache,
        )

    def open_engine(self, **overrides: Any) -> Engine:
        """The search engine these settings describe, over KB_INDEX_DIR (kb.engine's front door)."""
        from kb.engine import open_engine

        options: dict[str, Any] = {
            "reload_interval_s": self.reload_interval_s,
            "timezone": self.timezone,
            "fallback_channels": default_content_dir() / "channels.yaml",
            "max_query_chars": self.max_query_chars,
            "max_limit": self.max_limit,
            "article_url": self.article_url,
            "filterable": self.filterable_fields,
            "thresholds": self.threshold_for,
            "cache_size": self.cache_size,
            "typo_language": self.typo_language,
            "semantic": self.semantic,
            "vector_cache": self.vector_cache,
        }
        return open_engine(self.index_dir, **{**options, **overrides})

    @property
    def admin_enabled(self) -> bool:
        """Admin endpoints exist only when a key is set."""
        return bool(self.admin_key)

    def check_production(self) -> None:
        """Refuse to serve with unsafe values outside development."""
        if self.env == "development":
            return
        if self.admin_key == EXAMPLE_KEY or any(k == EXAMPLE_KEY for k in self.agent_keys):
            raise ConfigError(
                f"a key is still the example value {EXAMPLE_KEY!r}; set a real one (or KB_ENV=development)"
            )
        if self.admin_key and len(self.admin_key) < 16:
            raise ConfigError("KB_ADMIN_KEY must be at least 16 characters")
        if any(len(k) < 16 for k in self.agent_keys):
            raise ConfigError("every KB_AGENT_KEYS entry must be at least 16 characters")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; a ConfigError naming each variable that is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"KB_{'_'.join(str(part) for part in e['loc'][:1]).upper()}: {e['msg']}"
            f" (given {e['input']!r})"
            for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"invalid setting: {problems}") from None
