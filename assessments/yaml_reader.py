"""The one YAML reader for data files: safe, and only true/false are booleans.

PyYAML follows YAML 1.1, where yes/no/on/off are booleans, so an option id ``no`` would
become ``False``. Every data file in assessments/ and portal/ is read through here instead.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

YAMLError = yaml.YAMLError


#: libyaml's parser when PyYAML was built with it (its wheels are): the same documents, read
#: about seven times faster than by the pure-Python parser (half a second at each start of the
#: portal's processes). The resolvers below are Python either way.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe loader where only true/false are booleans, so ids yes/no/on/off stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_yaml(text: str) -> Any:
    """Parse YAML text; raises YAMLError."""
    return yaml.load(text, Loader=_Loader)


def load_yaml(path: str | PathLike[str]) -> Any:
    """Read and parse a UTF-8 YAML file; raises OSError or YAMLError."""
    return parse_yaml(Path(path).read_text(encoding="utf-8"))
