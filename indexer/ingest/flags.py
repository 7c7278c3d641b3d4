"""What a site does with a page, from its front matter: never publishes it, publishes it without
listing it, or serves it as a redirect to another page.

A page the site never publishes is never searched; one it publishes unlisted (a provider's setup
guide reachable only by link) stays searchable unless the operator leaves such pages out; a redirect
page is an alias of its target, not an article. Each decision is an `ArticleError` whose reason
starts with its kind (`NEVER_PUBLISHED`, `UNLISTED`, `REDIRECT`), so the build counts it apart from
malformed files, also when it crossed a process boundary as (path, reason).
"""

from __future__ import annotations

from typing import Any

from indexer.errors import ArticleError

NEVER_PUBLISHED = "never published"
UNLISTED = "unlisted, left out"
REDIRECT = "redirect"
KINDS = (NEVER_PUBLISHED, UNLISTED, REDIRECT)


def kind_of(reason: str) -> str | None:
    """The publishing decision a skip reason records, or None for a malformed file."""
    return next((kind for kind in KINDS if reason.startswith(kind)), None)


def _falsy(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no"))


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def _build_option(meta: dict[str, Any], key: str) -> Any:
    """Hugo's `build` options (`_build` before Hugo 0.123), e.g. `build.render: never`."""
    for name in ("build", "_build"):
        options = meta.get(name)
        if isinstance(options, dict) and key in options:
            return options[key]
    return None


def never_published(meta: dict[str, Any]) -> str | None:
    """The field that keeps the page off the site (`draft: true`, Jekyll's `published: false`,
    Hugo's `build.render: never`), or None when the site publishes it."""
    if _truthy(meta.get("draft")):
        return "draft: true"
    if _falsy(meta.get("published")):
        return "published: false"
    render = _build_option(meta, "render")
    if render is False or (isinstance(render, str) and render.lower() in ("never", "false")):
        return "build.render: never"
    if _truthy(meta.get("headless")):
        return "headless: true"
    return None


def unlisted(meta: dict[str, Any]) -> str | None:
    """The field that keeps a published page out of the site's lists and sitemap (`hidden: true`,
    Docusaurus's `unlisted: true`, `sitemap: false`, Hugo's `build.list: never`), or None."""
    for key in ("hidden", "unlisted", "nav_exclude"):
        if _truthy(meta.get(key)):
            return f"{key}: true"
    sitemap = meta.get("sitemap")
    if _falsy(sitemap) or (isinstance(sitemap, dict) and _truthy(sitemap.get("disable"))):
        return "sitemap: false"
    listed = _build_option(meta, "list")
    if listed is False or (isinstance(listed, str) and listed.lower() in ("never", "false")):
        return "build.list: never"
    return None


def redirect_target(meta: dict[str, Any]) -> str | None:
    """Where a redirect page sends its readers (jekyll-redirect-from's `redirect_to`), or None."""
    target = meta.get("redirect_to") or meta.get("redirect")
    if isinstance(target, list) and target:
        target = target[0]
    return str(target).strip() or None if isinstance(target, str) else None


def aliases(meta: dict[str, Any]) -> list[str]:
    """The other paths a page answers at (Hugo's `aliases`, jekyll-redirect-from's `redirect_from`)."""
    found: list[str] = []
    for key in ("aliases", "redirect_from"):
        value = meta.get(key)
        values = value if isinstance(value, list) else [value]
        found += [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return found


def partial(rel: str, generator: str) -> bool:
    """Whether the site makes no page of the file: Docusaurus leaves out every file or folder whose
    name starts with "_" (a partial, imported into pages: indexer.ingest.prepare inlines it)."""
    return generator == "docusaurus" and any(part.startswith("_") for part in rel.split("/"))


def check(rel: str, meta: dict[str, Any], include_unlisted: bool, generator: str) -> str | None:
    """Raise the ArticleError of a page the index leaves out; return the unlisted field of a page
    kept although unlisted, None for an ordinary page. `generator`: the site's (a rule of which
    files make pages is the site's, not one file's)."""
    if partial(rel, generator):
        raise ArticleError(rel, f"{NEVER_PUBLISHED} (a partial: its name starts with _)")
    field = never_published(meta)
    if field:
        raise ArticleError(rel, f"{NEVER_PUBLISHED} ({field})")
    target = redirect_target(meta)
    if target:
        raise ArticleError(rel, f"{REDIRECT} to {target}")
    hidden = unlisted(meta)
    if hidden and not include_unlisted:
        raise ArticleError(rel, f"{UNLISTED} ({hidden})")
    return hidden
