"""The request and response shapes of the HTTP API (they are its OpenAPI description)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StrictBool


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


# An integer as JSON Schema means it: 3 and 3.0, never true (pydantic's lax int would take it as 1).
Count = Annotated[int, BeforeValidator(_not_a_boolean)]


class SearchBody(BaseModel):
    q: str = Field(
        ...,
        description="The question, as typed. Plain text: never query syntax.",
        examples=["where is my refund"],
    )
    limit: Count | None = Field(
        None, description="How many answers (1..KB_MAX_LIMIT; default KB_DEFAULT_LIMIT)."
    )
    topic: str | None = Field(None, description="Only answers from this topic.")
    filters: dict[str, str] = Field(
        default_factory=dict,
        description="Other declared filterable front-matter fields, `{field: value}`.",
    )
    explain: StrictBool = Field(  # JSON true/false only: 0 or "yes" is not a boolean
        False, description="Include the signals behind scores and the channel choice."
    )


class SearchQuery(BaseModel):
    """The query parameters of GET /search (kb.web.fast_search reads and validates them itself)."""

    q: str = Field(..., description="The question, as typed (plain text, never query syntax).")
    limit: int | None = Field(None, description="Answers to return (1..KB_MAX_LIMIT).")
    topic: str | None = Field(None, description="Only answers from this topic.")
    filter: list[str] | None = Field(
        None, description="More filters as `field:value` on declared filterable fields."
    )
    explain: bool = Field(False, description="Include the signals behind scores and channel.")


class MoreSection(BaseModel):
    section: str
    heading: str
    url: str


class Answer(BaseModel):
    article: str = Field(..., description="Article id.")
    section: str = Field(..., description="Section anchor within the article.")
    title: str = Field(..., description="Article title.")
    heading: str = Field(
        ..., description="Heading path, e.g. 'Returns and refunds › Check your refund status'."
    )
    snippet: str = Field(
        ..., description="Matching text with matched words in <mark>; sanitized HTML."
    )
    url: str = Field(..., description="Deep link to the section.")
    score: float = Field(
        ..., description="BM25F score of the best section (comparable within one response)."
    )
    confidence: float = Field(
        ..., ge=0, le=1, description="Probability-like: how likely this answer is right."
    )
    topic: str
    more: list[MoreSection] = Field(
        default_factory=list, description="Other matching sections of the same article."
    )
    signals: dict[str, float] | None = Field(
        None, description="With explain=true: the confidence signals."
    )


class ChannelRef(BaseModel):
    id: str
    name: str
    opens_at: str | None = None


class ChannelChoice(BaseModel):
    id: str = Field(..., description="Channel id from channels.yaml.")
    name: str
    how: str = Field(..., description="How to reach it (where in the account).")
    best_for: str
    open_now: bool
    opens_at: str | None = Field(None, description="ISO time it next opens, when closed.")
    reason: str = Field(..., description="Why this channel was chosen.")
    preferred: ChannelRef | None = Field(
        None, description="The better-fitting channel, when it is closed."
    )


class SearchResponse(BaseModel):
    query: str
    did_you_mean: str | None = Field(
        None, description="The query with typo corrections, when any applied."
    )
    answers: list[Answer]
    confidence: float = Field(
        ..., ge=0, le=1, description="Confidence of the best answer (0 when none)."
    )
    fallback: bool = Field(
        ..., description="True when kb is not confident enough to answer: show the channel."
    )
    channel: ChannelChoice
    facets: dict[str, dict[str, int]] = Field(..., description="Matching articles per facet value.")
    total: int = Field(..., description="Matching articles considered.")
    took_ms: float
    index_version: str
    search_id: str | None = Field(None, description="Id to attach feedback and events to.")
    explain: dict[str, object] | None = None


class Suggestion(BaseModel):
    text: str
    article: str
    kind: str = Field(..., description="'title' or 'question'.")
    url: str


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[Suggestion]


class DeflectBody(BaseModel):
    subject: str = Field("", description="Ticket subject.")
    body: str = Field("", description="Ticket body. Subject + body up to KB_MAX_DEFLECT_CHARS.")
    limit: Count = Field(3, ge=1, le=10)


class DeflectResponse(BaseModel):
    answers: list[Answer]
    confidence: float
    deflect: bool = Field(
        ..., description="True when the answers likely solve it: show them before sending."
    )
    channel: ChannelChoice
    took_ms: float
    search_id: str | None = None


class ArticleSection(BaseModel):
    anchor: str
    heading: str
    path: list[str]
    url: str


class ArticleResponse(BaseModel):
    id: str
    title: str
    summary: str
    topic: str
    channel: str | None
    html: str = Field(..., description="The whole article, rendered and sanitized.")
    sections: list[ArticleSection]


class ArticleSummary(BaseModel):
    id: str
    title: str
    summary: str
    topic: str
    url: str = Field(
        ..., description="The article's page (JSON for API clients, HTML for a browser)."
    )


class ArticleList(BaseModel):
    """One page of articles in a stable order (topic, title, id)."""

    articles: list[ArticleSummary]
    total: int = Field(..., description="Articles that match, over every page.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "articles": [
                        {
                            "id": "returns-and-refunds",
                            "title": "Returns and refunds",
                            "summary": "Start a return, choose how to send it back and check your refund.",
                            "topic": "returns",
                            "url": "/articles/returns-and-refunds",
                        }
                    ],
                    "total": 2,
                    "next_cursor": "cmV0dXJucy1hbmQtcmVmdW5kcw",
                }
            ]
        }
    }


class TopicInfo(BaseModel):
    topic: str = Field(..., description="The topic as articles name it (filter with ?topic=).")
    title: str = Field(..., description="The topic's name for display.")
    articles: int = Field(..., description="Articles in this topic the caller may see.")
    description: str = Field(..., description="What the topic covers: its first article titles.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "topic": "returns",
                    "title": "Returns",
                    "articles": 2,
                    "description": "Cancel an order, Returns and refunds",
                }
            ]
        }
    }


class ChannelInfo(BaseModel):
    id: str
    name: str
    how: str
    best_for: str
    description: str
    open_now: bool
    opens_at: str | None
    has_hours: bool


class Problem(BaseModel):
    error: str = Field(..., description="Machine-readable error kind.")
    detail: str = Field(..., description="What was wrong, for a person.")


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    version: str | None = None
    articles: int | None = None
    chunks: int | None = None
    search: str | None = Field(
        None,
        description="`semantic` (words and meaning) or `words`: how the live version is searched.",
    )
    reason: str | None = None
