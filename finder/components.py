"""The NHS.UK components (nhsuk-frontend-jinja), loaded so that a component call costs one call.

Upstream, each component's ``macro.jinja`` is a macro whose body includes the component's
``template.jinja``, and that template starts with its own ``{% from … import … %}`` lines. So
every call of a component makes a new template context, and re-runs the imports (each one walks
the globals' ChainMap to decide whether the imported module can be reused): about a fifth of a
page's time. This loader hands Jinja the same macro with the template written into its body and
the imports moved to the top of the macro's module, where they run once when the module is
first imported. The upstream files are read as they are (the package is pinned in
pyproject.toml), and a component that does not have that shape is served unchanged;
tests/public/test_components.py renders every public page both ways and compares the bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from flask.templating import Environment as FlaskEnvironment
from jinja2 import BaseLoader, Environment, PackageLoader, Undefined, pass_environment
from markupsafe import Markup, escape

PACKAGE = "nhsuk_frontend_jinja"
# The components' attribute helper: served as this module's Python function (see attributes).
ATTRIBUTES = "nhsuk/macros/attributes.jinja"
_ATTRIBUTES_SOURCE = "{% set nhsukAttributes = nhsuk_attributes %}"
# The one shape of an upstream component macro.
_INCLUDE = re.compile(r'\{%-\s*include\s+"(?P<name>nhsuk/[\w/-]+/template\.jinja)"\s*-%\}')
# One import statement, its whitespace control kept: "{%- from "x" import a as b -%}".
_FROM = re.compile(r'\{%(?P<left>-?)\s*from\s+"[^"]+"\s+import\s+[\w\s,]+?\s*(?P<right>-?)%\}')
_LEADING = re.compile(r"\A(?:\s+|\{#.*?#\}|" + _FROM.pattern + r")*", re.DOTALL)


def inline(macro_source: str, template_source: str) -> str | None:
    """The component macro with its template written in, or None if it has another shape.

    The template's leading imports move above the macro (a ``from`` statement renders nothing,
    so each is replaced by an empty comment carrying the same whitespace control). The body
    sits in ``{% if true %}…{% endif %}`` so that the include's ``-`` trims the macro's own
    whitespace, as before, and not the template's output."""
    includes = _INCLUDE.findall(macro_source)
    if len(includes) != 1:
        return None
    head = _LEADING.match(template_source)
    leading = head.group(0) if head else ""
    imports = [m.group(0) for m in _FROM.finditer(leading)]
    if _FROM.search(template_source, len(leading)):
        return None  # an import further down (inside a block): leave the component as it is
    body = (
        _FROM.sub(lambda m: "{#" + m.group("left") + " " + m.group("right") + "#}", leading)
        + template_source[len(leading) :]
    )
    # At the top of a module, whitespace control does not matter: only its macros are used.
    return "".join(imports) + _INCLUDE.sub(
        lambda _m: "{%- if true %}" + body + "{% endif -%}", macro_source
    )


# What upstream replaces in JSON written into an attribute.
_JSON_IN_ATTRIBUTE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&'"})


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined)


@pass_environment
def attributes(environment: Environment, given: Any = None) -> Markup:
    """Upstream's ``nhsukAttributes`` macro (nhsuk/macros/attributes.jinja), in Python.

    Every element of every component calls it, mostly with nothing to add: as a macro, a
    fifth of the check-answers page's time. It gives the same attributes, in the same order,
    quoted and escaped the same way; only the blank lines the macro's own template lines leave
    inside the tag are gone (tests/public/test_components.py compares it with the macro)."""
    if isinstance(given, str):
        return Markup(given)  # noqa: S704 - upstream marks it safe too  # nosec B704
    if not isinstance(given, Mapping):
        return Markup()
    html = ""
    for name, item in given.items():
        options = item if isinstance(item, Mapping) else {"value": item, "optional": False}
        raw = options.get("value")
        value: Any = raw
        if _missing(raw):
            value, shown = None, ""
        elif isinstance(raw, Markup):
            value, shown = Undefined(), str(raw)  # upstream reads a `.val` Markup lacks
        elif options.get("type") == "array" and isinstance(raw, Iterable):
            shown = str(environment.call_filter("tojson", raw)).translate(_JSON_IN_ATTRIBUTE)
            value = Undefined()
        else:
            shown = str(escape(raw))
        optional = options.get("optional") is True
        if optional and value is True:
            html += f" {escape(name)}"
        elif not optional or (value is not None and value is not False):
            if isinstance(value, bool):
                shown = str(value).lower()
            quote = "'" if '"' in shown else '"'
            html += f" {escape(name)}={quote}{shown}{quote}"
    return Markup(html)  # noqa: S704 - every part escaped above  # nosec B704


class ComponentLoader(BaseLoader):
    """The upstream component templates, each macro with its template written in (see above)."""

    def __init__(self, upstream: BaseLoader | None = None) -> None:
        self.upstream = upstream or PackageLoader(PACKAGE)

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.upstream.get_source(environment, template)
        if template == ATTRIBUTES:
            return _ATTRIBUTES_SOURCE, filename, uptodate
        if template.startswith("nhsuk/") and template.endswith("/macro.jinja"):
            found = _INCLUDE.search(source)
            if found:
                inner, _file, _up = self.upstream.get_source(environment, found.group("name"))
                if not environment.keep_trailing_newline:  # as Jinja reads a template
                    inner = inner.removesuffix("\n").removesuffix("\r")
                inlined = inline(source, inner)
                if inlined is not None:
                    return inlined, filename, uptodate
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.upstream.list_templates()


class FlatEnvironment(FlaskEnvironment):
    """Flask's Jinja environment, with each template's globals one flat dict.

    Jinja chains a template's globals onto the environment's (a ``ChainMap``), so that globals
    added later still show; every ``{% from … import … %}`` a page runs then walks that chain
    for each of the forty-odd globals, about a twentieth of a page's time. Every global is set
    while the app is made (``create_app``), before any template is loaded, as Jinja asks."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}
