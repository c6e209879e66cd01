"""Rendering templates with Django's engine in a sandbox: no loaders, no {% load %}/{% include %}/{% debug %}.

The context is the caller's JSON (dicts, lists, strings, numbers), never model instances or
settings, and Django refuses attribute names starting with an underscore, so a template can
reach nothing but the data it was given. HTML bodies are autoescaped; text parts are not.

A variable the data does not give is an error naming it (MissingVariable); a variable is
optional when written with an explicit default, `{{ name|default:"friend" }}` (or
`default_if_none`). `{% if x %}` and `{% for x in xs %}` read missing values as empty, as
Django does. Every render runs under a budget (node renders, output characters, wall time),
so nested loops over a company's data cannot hold a worker or a request for minutes.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Library, Node, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, TextNode, VariableNode

# Tags that read files, load code, print the interpreter state or need a request; `lorem` makes
# text of any requested size.
_FORBIDDEN_TAGS = {"debug", "load", "url", "csrf_token", "include", "extends", "block", "ssi", "lorem"}
RENDERED_MAX_CHARS = 100_000
# A node render costs 5-25 µs (numbers are localized): 20,000 is far above any real template (a
# 500-line order table is ~5,000) and stops loops nested over a company's data within half a second.
MAX_NODE_RENDERS = 20_000
# Widths and precisions of the filters that pad or format: beyond these, a filter only allocates.
_MAX_FILTER_WIDTH = 1_000
_OPTIONAL_FILTERS = {"default", "default_if_none"}


class TemplateError(ValueError):
    """A template that does not compile or cannot be rendered; the message is shown to the caller."""


class MissingVariable(TemplateError):
    """The data lacks a variable the template reads without a default."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f'The template reads "{name}", which the data does not give: add it to the data, or make it '
            f'optional with a default, e.g. {{{{ {name}|default:"" }}}}.'
        )


class RenderBudgetExceeded(TemplateError):
    """The template did too much work (loops) or made too much text while rendering."""


class _RaiseOnMissing(str):
    """Django's `string_if_invalid`: formatting it with a missing variable's name raises MissingVariable."""

    def __mod__(self, var: Any) -> str:
        raise MissingVariable(str(var))


@dataclass
class _Budget:
    deadline: float
    renders: int = 0
    chars: int = 0

    def tick(self) -> None:
        self.renders += 1
        if self.renders > MAX_NODE_RENDERS:
            raise RenderBudgetExceeded(
                f"The template does too much work (more than {MAX_NODE_RENDERS} steps, e.g. loops inside loops)."
            )
        if self.renders % 256 == 0 and time.monotonic() > self.deadline:
            raise RenderBudgetExceeded("The template took too long to render.")

    def produced(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > RENDERED_MAX_CHARS:
            raise RenderBudgetExceeded(f"The rendered text exceeds {RENDERED_MAX_CHARS} characters.")


_budget: ContextVar[_Budget | None] = ContextVar("messaging_render_budget", default=None)


class _Optional:
    """`{{ x|default:"…" }}`: a missing `x` is None, so the default applies instead of an error."""

    def __init__(self, expression: FilterExpression) -> None:
        self.expression = expression

    def resolve(self, context: Context, ignore_failures: bool = False) -> Any:
        return self.expression.resolve(context, ignore_failures=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.expression, name)


def _capped(filter_func, *, arg_index: int = 1):
    """Wrap a padding/format filter so its width argument cannot ask for megabytes of spaces."""

    def capped(value: Any, arg: Any) -> Any:
        digits = "".join(c if c.isdigit() else " " for c in str(arg)).split()
        if any(int(d) > _MAX_FILTER_WIDTH for d in digits if len(d) < 12) or any(len(d) >= 12 for d in digits):
            raise TemplateError(f"{filter_func.__name__}: widths above {_MAX_FILTER_WIDTH} are not allowed.")
        return filter_func(value, arg)

    capped.__name__ = filter_func.__name__
    for attr in ("is_safe", "needs_autoescape", "expects_localtime"):
        if hasattr(filter_func, attr):
            setattr(capped, attr, getattr(filter_func, attr))
    return capped


def _sandboxed_engine(*, autoescape: bool) -> Engine:
    engine = Engine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        autoescape=autoescape,
        string_if_invalid=_RaiseOnMissing("%s"),
    )
    tags = Library()
    tags.tags = {name: tag for name, tag in defaulttags.register.tags.items() if name not in _FORBIDDEN_TAGS}
    filters = Library()
    filters.filters = dict(defaultfilters.register.filters)
    for name in ("ljust", "rjust", "center", "stringformat", "floatformat", "wordwrap"):
        if name in filters.filters:
            filters.filters[name] = _capped(filters.filters[name])
    engine.template_builtins = [tags, filters]
    return engine


_TEXT = _sandboxed_engine(autoescape=False)
_HTML = _sandboxed_engine(autoescape=True)


def _guard(node: Node) -> None:
    """Make one compiled node count against the render budget (and leaves count their text)."""
    original = node.render_annotated
    leaf = isinstance(node, (TextNode, VariableNode))

    def render_annotated(context: Context) -> str:
        budget = _budget.get()
        if budget is not None:
            budget.tick()
        text = original(context)
        if budget is not None and leaf:
            budget.produced(text)
        return text

    node.render_annotated = render_annotated  # type: ignore[method-assign]
    if isinstance(node, VariableNode):
        filters = node.filter_expression.filters
        if filters and getattr(filters[0][0], "__name__", "") in _OPTIONAL_FILTERS:
            node.filter_expression = _Optional(node.filter_expression)


def _compile(source: str, *, html: bool):
    template = (_HTML if html else _TEXT).from_string(source)
    for node in template.nodelist.get_nodes_by_type(Node):
        _guard(node)
    return template


def template_check(source: str, *, html: bool = False) -> None:
    """Raise TemplateError when `source` does not compile in the sandbox."""
    try:
        _compile(source, html=html)
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc


class Prepared:
    """A template compiled once and rendered for many recipients (bulk sends)."""

    def __init__(self, source: str, *, html: bool = False) -> None:
        self.html = html
        try:
            self.template = _compile(source, html=html) if source else None
        except TemplateSyntaxError as exc:
            raise TemplateError(str(exc)) from exc

    def render(self, context: dict[str, Any]) -> str:
        """Return the template rendered with `context` (autoescaped when html), within the render budget."""
        return _render(self.template, context, html=self.html) if self.template is not None else ""


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    """Return `source` rendered with `context` (autoescaped when html), within the render budget."""
    return Prepared(source, html=html).render(context)


def _render(template: Any, context: dict[str, Any], *, html: bool) -> str:
    token = _budget.set(_Budget(deadline=time.monotonic() + float(settings.MESSAGING_RENDER_TIMEOUT_SECONDS)))
    try:
        text = template.render(Context(context, autoescape=html))
    except TemplateError:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc
    except RecursionError as exc:
        raise RenderBudgetExceeded("The template nests too deeply to render.") from exc
    except Exception as exc:  # a filter fed the wrong type (e.g. floatformat of a list)
        raise TemplateError(f"The template could not be rendered: {type(exc).__name__}: {exc}") from exc
    finally:
        _budget.reset(token)
    text = "".join((text,))  # a plain str: Django marks it safe, but it is data to every caller
    if len(text) > RENDERED_MAX_CHARS:
        raise TemplateError(f"The rendered text exceeds {RENDERED_MAX_CHARS} characters.")
    return text
