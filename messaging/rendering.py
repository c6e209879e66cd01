"""Rendering templates with Django's engine in a sandbox: no loaders, no {% load %}/{% include %}/{% debug %}.

The context is the caller's JSON (dicts, lists, strings, numbers), never model instances or
settings, and Django refuses attribute names starting with an underscore, so a template can
reach nothing but the data it was given. HTML bodies are autoescaped; text parts are not.
"""

from typing import Any

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags

# Tags that read files, load code, print the interpreter state or need a request.
_FORBIDDEN_TAGS = {"debug", "load", "url", "csrf_token", "include", "extends", "block", "ssi"}
RENDERED_MAX_CHARS = 100_000


class TemplateError(ValueError):
    """A template that does not compile or cannot be rendered; the message is shown to the caller."""


def _sandboxed_engine(*, autoescape: bool) -> Engine:
    engine = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=autoescape, string_if_invalid="")
    tags = Library()
    tags.tags = {name: tag for name, tag in defaulttags.register.tags.items() if name not in _FORBIDDEN_TAGS}
    engine.template_builtins = [tags, defaultfilters.register]
    return engine


_TEXT = _sandboxed_engine(autoescape=False)
_HTML = _sandboxed_engine(autoescape=True)


def template_check(source: str, *, html: bool = False) -> None:
    """Raise TemplateError when `source` does not compile in the sandbox."""
    try:
        (_HTML if html else _TEXT).from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    """Return `source` rendered with `context` (autoescaped when html)."""
    if not source:
        return ""
    try:
        text = (_HTML if html else _TEXT).from_string(source).render(Context(context, autoescape=html))
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc
    except Exception as exc:  # a filter fed the wrong type (e.g. floatformat of a list)
        raise TemplateError(f"The template could not be rendered: {type(exc).__name__}: {exc}") from exc
    text = "".join((text,))  # a plain str: Django marks it safe, but it is data to every caller
    if len(text) > RENDERED_MAX_CHARS:
        raise TemplateError(f"The rendered text exceeds {RENDERED_MAX_CHARS} characters.")
    return text
