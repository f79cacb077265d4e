"""Import a framework library in CISO Assistant's YAML format as a framework.yaml.

CISO Assistant (intuitem, open source) publishes more than a hundred assessment
frameworks in one YAML form: ``objects.framework`` with ``min_score``, ``max_score``,
``scores_definition`` and a flat list of ``requirement_nodes``, each with ``urn``,
``ref_id``, ``depth``, ``parent_urn``, ``assessable``, ``name`` and ``description``.
``workbench import-framework`` turns one into the workbench's framework.yaml:

- the nodes at ``pillar_depth`` (default 1: the top level) become pillars, with equal
  weights;
- every assessable node becomes an indicator of the pillar above it, weight 1,
  organisation scope, keeping its ``urn`` and ``ref_id``; grouping nodes between a
  pillar and its indicators are folded into the pillar;
- the library's score range becomes the level scale, ``scores_definition`` its names;
- every indicator's default target is the level two thirds of the way up the scale
  (3 on 0-5 and on 1-4), for every entity type of its scope.

A small YAML file of overrides changes the defaults (docs/framework-import.md).
Anything the import cannot place is an error naming the node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench import vocab
from workbench.errors import DataFileError, WorkbenchError
from workbench.framework import Framework, Levels

Scope = Literal["national", "organisation"]

# CISO Assistant's own default when a framework gives no score range.
LIBRARY_DEFAULT_SCORES = (0, 100)
TARGET_SHARE_OF_SCALE = 2 / 3
TITLE_CHARACTERS = 80
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class FrameworkImportError(WorkbenchError):
    """A library the import cannot turn into a framework, naming the file and node."""


class ImportOverrides(BaseModel):
    """What an analyst may change in the import (the ``--overrides`` YAML file).

    Keys of ``scope``, ``weights`` and ``targets`` are node ``ref_id`` or ``urn``
    values. A scope or target given for a node applies to every indicator under it
    (the nearest node wins); a weight or crosswalk applies to the pillar or indicator
    it names.
    A target is one level for every entity type of the indicator's scope, or a
    mapping of entity type to level.
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    pillar_depth: int | None = Field(default=None, ge=1)
    implementation_groups: list[str] = Field(default_factory=list)
    scope: dict[str, Scope] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    targets: dict[str, int | dict[str, int]] = Field(default_factory=dict)
    # node -> {scheme: [codes]}: what the indicator maps to in other frameworks (e.g.
    # NIST CSF 2.0 subcategories), through which the shipped catalogue reaches it.
    crosswalk: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    default_target: int | None = None
    default_scope: Scope = "organisation"


@dataclass(frozen=True)
class Node:
    """One requirement node of the library, with its place in the tree."""

    position: int  # 1-based place in requirement_nodes, for messages
    urn: str
    ref_id: str
    name: str
    description: str
    assessable: bool
    parent: str | None
    depth: int
    implementation_groups: tuple[str, ...]
    raw: Mapping[str, Any]

    @property
    def label(self) -> str:
        """How a message names the node."""
        return f"requirement node {self.ref_id or self.urn} (#{self.position})"


@dataclass(frozen=True)
class ImportedFramework:
    """The framework.yaml mapping and what each part of the library became."""

    framework: dict[str, Any]
    pillars: list[dict[str, Any]]  # id, title, ref_id, indicators, weight
    nodes: int
    folded: int  # grouping nodes folded into their pillar
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (node, why)

    @property
    def indicators(self) -> int:
        return len(self.framework["indicators"])

    def yaml_text(self, source_name: str) -> str:
        header = (
            f"# Imported by `workbench import-framework` from {source_name}.\n"
            "# Pillars, indicators, weights, scopes and targets can be edited here (or the\n"
            "# import run again with --overrides); urn and ref_id name each library node.\n"
        )
        return header + yaml.safe_dump(self.framework, sort_keys=False, allow_unicode=True,
                                       width=100)


def read_library(path: Path) -> dict[str, Any]:
    """The library file's mapping; an error naming the file when it cannot be read."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataFileError(str(path), "the file is missing") from None
    except IsADirectoryError:
        raise DataFileError(str(path), "is a folder, not a library file") from None
    except UnicodeDecodeError:
        raise DataFileError(str(path), "the file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DataFileError(str(path), f"not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise DataFileError(str(path), "expected a CISO Assistant library (a mapping with objects.framework)")
    return raw


def read_overrides(path: Path) -> ImportOverrides:
    """The overrides file, checked; an error names the file and the key."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataFileError(str(path), f"cannot be read ({exc.__class__.__name__})") from None
    try:
        return ImportOverrides.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataFileError(str(path), f"{where}: {first['msg']}" if where else first["msg"]) from None


def _framework_object(library: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    objects = library.get("objects")
    if not isinstance(objects, Mapping):
        raise FrameworkImportError(f"{source}: no 'objects' mapping: not a CISO Assistant library")
    framework = objects.get("framework")
    if framework is None and isinstance(objects.get("frameworks"), list):
        frameworks = objects["frameworks"]
        if len(frameworks) != 1:
            raise FrameworkImportError(
                f"{source}: the library holds {len(frameworks)} frameworks; the import takes one")
        framework = frameworks[0]
    if not isinstance(framework, Mapping):
        raise FrameworkImportError(f"{source}: objects.framework is missing: the library holds "
                                   f"{', '.join(map(str, objects)) or 'nothing'}, no framework")
    if not isinstance(framework.get("requirement_nodes"), list) or not framework["requirement_nodes"]:
        raise FrameworkImportError(f"{source}: objects.framework has no requirement_nodes")
    return framework


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is None:
        return False
    raise ValueError(f"{what} must be true or false, got {value!r}")


def parse_nodes(framework: Mapping[str, Any], source: str) -> list[Node]:
    """The requirement nodes with their parents and depths worked out and checked.

    A node names its parent with ``parent_urn``; a library without parent_urn gives
    ``depth`` only, and the parent is then the nearest node above it one level up.
    """
    raw_nodes = framework["requirement_nodes"]
    by_urn: dict[str, int] = {}
    for index, raw in enumerate(raw_nodes, start=1):
        if not isinstance(raw, Mapping):
            raise FrameworkImportError(f"{source}: requirement node #{index} is not a mapping")
        urn = _text(raw.get("urn"))
        if not urn:
            raise FrameworkImportError(f"{source}: requirement node #{index} has no urn")
        if urn in by_urn:
            raise FrameworkImportError(
                f"{source}: requirement node #{index}: urn {urn} repeats node #{by_urn[urn]}")
        by_urn[urn] = index

    parents: dict[str, str | None] = {}
    last_at_depth: dict[int, str] = {}
    given_depths: dict[str, int | None] = {}
    for index, raw in enumerate(raw_nodes, start=1):
        urn = _text(raw["urn"])
        where = f"{source}: requirement node {_text(raw.get('ref_id')) or urn} (#{index})"
        depth = raw.get("depth")
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
            raise FrameworkImportError(f"{where}: depth must be a whole number from 1, got {depth!r}")
        given_depths[urn] = depth
        parent = _text(raw.get("parent_urn")) or None
        if parent is not None and parent not in by_urn:
            raise FrameworkImportError(f"{where}: parent_urn {parent} is not a node of the library")
        if parent is None and depth is not None and depth > 1:
            parent = last_at_depth.get(depth - 1)
            if parent is None:
                raise FrameworkImportError(
                    f"{where}: depth {depth} with no parent_urn and no node at depth {depth - 1} before it")
        parents[urn] = parent
        if depth is not None:
            last_at_depth[depth] = urn
            for deeper in [d for d in last_at_depth if d > depth]:
                del last_at_depth[deeper]

    depths: dict[str, int] = {}

    def depth_of(urn: str) -> int:
        chain = [urn]
        while chain[-1] not in depths and parents[chain[-1]] is not None:
            parent = parents[chain[-1]]
            if parent in chain:
                raise FrameworkImportError(
                    f"{source}: requirement node {urn}: its parent_urn chain loops back to itself")
            chain.append(parent)
        base = depths.get(chain[-1], 1)
        if chain[-1] not in depths:
            depths[chain[-1]] = base
        for offset, node in enumerate(reversed(chain[:-1]), start=1):
            depths[node] = base + offset
        return depths[urn]

    nodes = []
    for index, raw in enumerate(raw_nodes, start=1):
        urn = _text(raw["urn"])
        ref_id = _text(raw.get("ref_id"))
        where = f"{source}: requirement node {ref_id or urn} (#{index})"
        depth = depth_of(urn)
        given = given_depths[urn]
        if given is not None and given != depth:
            raise FrameworkImportError(
                f"{where}: depth {given} does not match its place under its parent (depth {depth})")
        try:
            assessable = _flag(raw.get("assessable"), "assessable")
        except ValueError as exc:
            raise FrameworkImportError(f"{where}: {exc}") from None
        groups = raw.get("implementation_groups") or []
        if isinstance(groups, str):
            groups = [groups]
        nodes.append(Node(
            position=index, urn=urn, ref_id=ref_id, name=_text(raw.get("name")),
            description=_text(raw.get("description")), assessable=assessable,
            parent=parents[urn], depth=depth,
            implementation_groups=tuple(_text(g) for g in groups), raw=raw,
        ))
    return nodes


def level_scale(framework: Mapping[str, Any], source: str) -> Levels:
    """The library's score range and level names (scores_definition)."""
    definitions = framework.get("scores_definition") or []
    names: dict[int, str] = {}
    for entry in definitions:
        score = entry.get("score") if isinstance(entry, Mapping) else None
        if isinstance(score, bool) or not isinstance(score, (int, float)) or score != int(score):
            raise FrameworkImportError(
                f"{source}: scores_definition: score {score!r} is not a whole number "
                "(levels are whole numbers)")
        names[int(score)] = _text(entry.get("name")) or str(int(score))
    low = framework.get("min_score", min(names) if names else LIBRARY_DEFAULT_SCORES[0])
    high = framework.get("max_score", max(names) if names else LIBRARY_DEFAULT_SCORES[1])
    for what, value in (("min_score", low), ("max_score", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise FrameworkImportError(f"{source}: {what} {value!r} is not a whole number")
    low, high = int(low), int(high)
    if low >= high:
        raise FrameworkImportError(f"{source}: min_score {low} is not below max_score {high}")
    outside = sorted(score for score in names if not low <= score <= high)
    if outside:
        raise FrameworkImportError(
            f"{source}: scores_definition gives scores {outside} outside {low}-{high}")
    return Levels(min=low, max=high, names={score: names[score] for score in sorted(names)})


def _title(node: Node) -> str:
    """The node's name, else its ref_id and the start of its description."""
    if node.name:
        return node.name
    if node.description:
        words, shown = node.description.split(), ""
        for word in words:
            if len(shown) + len(word) + 1 > TITLE_CHARACTERS:
                shown += "…"
                break
            shown = f"{shown} {word}".strip()
        return f"{node.ref_id}: {shown}" if node.ref_id else shown
    if node.ref_id:
        return node.ref_id
    raise FrameworkImportError(f"{node.label}: has no name, ref_id or description to title it")


def _unique_id(wanted: str, fallback: str, taken: set[str]) -> str:
    candidate = wanted if wanted and _SAFE_ID.match(wanted) else ""
    if not candidate:
        candidate = re.sub(r"[^A-Za-z0-9_.\-]+", "-", fallback).strip("-.") or "node"
    chosen, suffix = candidate, 2
    while chosen in taken:
        chosen, suffix = f"{candidate}-{suffix}", suffix + 1
    taken.add(chosen)
    return chosen


def _nearest(node: Node, table: Mapping[str, Any], by_urn: Mapping[str, Node]) -> Any:
    """The value ``table`` gives the node or its nearest ancestor (by ref_id or urn)."""
    current: Node | None = node
    while current is not None:
        for key in (current.urn, current.ref_id):
            if key and key in table:
                return table[key]
        current = by_urn.get(current.parent) if current.parent else None
    return None


def _library_id(library: Mapping[str, Any], framework: Mapping[str, Any]) -> str:
    wanted = _text(framework.get("ref_id") or library.get("ref_id")) or "imported"
    return re.sub(r"[^a-z0-9_.\-]+", "-", wanted.lower()).strip("-") or "imported"


def import_library(library: Mapping[str, Any], *, source: str = "library",
                   overrides: ImportOverrides | None = None,
                   pillar_depth: int | None = None) -> ImportedFramework:
    """The framework.yaml mapping for a CISO Assistant library (see the module's
    docstring for the defaults); ``pillar_depth`` beats the overrides' own."""
    overrides = overrides or ImportOverrides()
    depth_of_pillars = pillar_depth or overrides.pillar_depth or 1
    framework = _framework_object(library, source)
    nodes = parse_nodes(framework, source)
    by_urn = {node.urn: node for node in nodes}
    scale = level_scale(framework, source)
    _check_override_keys(overrides, nodes, source)

    deepest = max(node.depth for node in nodes)
    if depth_of_pillars > deepest:
        raise FrameworkImportError(
            f"{source}: pillar depth {depth_of_pillars}: the library's nodes go only to depth {deepest}")
    default_target = (overrides.default_target if overrides.default_target is not None
                      else scale.min + math.floor(
                          TARGET_SHARE_OF_SCALE * (scale.max - scale.min) + 0.5))
    _check_level(default_target, scale, f"{source}: default target")

    def pillar_of(node: Node) -> Node:
        current = node
        while current.depth > depth_of_pillars:
            current = by_urn[current.parent]
        return current

    left_out: list[tuple[str, str]] = []
    wanted_groups = set(overrides.implementation_groups)
    indicator_nodes = []
    for node in nodes:
        if not node.assessable:
            continue
        if wanted_groups and not wanted_groups & set(node.implementation_groups):
            left_out.append((node.ref_id or node.urn, "not in the implementation groups chosen"))
            continue
        if node.depth < depth_of_pillars:
            raise FrameworkImportError(
                f"{source}: {node.label} is assessable at depth {node.depth}, above the pillar "
                f"depth {depth_of_pillars}: choose --pillar-depth {node.depth} or less")
        indicator_nodes.append(node)
    if not indicator_nodes:
        raise FrameworkImportError(f"{source}: no assessable requirement node to make an indicator of")

    pillar_ids: set[str] = set()
    pillars: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if node.depth == depth_of_pillars and any(pillar_of(i) is node for i in indicator_nodes):
            weight = overrides.weights.get(node.urn, overrides.weights.get(node.ref_id, 1.0))
            pillars[node.urn] = {
                "id": _unique_id(node.ref_id.lower(), node.urn.rsplit(":", 1)[-1], pillar_ids),
                "title": _title(node), "weight": float(weight),
                "urn": node.urn, "ref_id": node.ref_id,
            }
        elif node.depth == depth_of_pillars:
            left_out.append((node.ref_id or node.urn, "a pillar with no assessable node under it"))

    indicator_ids: set[str] = set()
    indicators = []
    for node in indicator_nodes:
        scope = _nearest(node, overrides.scope, by_urn) or overrides.default_scope
        target = _nearest(node, overrides.targets, by_urn)
        target = default_target if target is None else target
        types = ("national",) if scope == "national" else vocab.ORGANISATION_ENTITY_TYPES
        if isinstance(target, int):
            target = {entity_type: target for entity_type in types}
        missing = [t for t in types if t not in target]
        if missing:
            raise FrameworkImportError(
                f"{source}: {node.label}: its target gives no level for {', '.join(missing)}")
        for entity_type, level in target.items():
            _check_level(level, scale, f"{source}: {node.label}: target for {entity_type}")
        indicator: dict[str, Any] = {
            "id": _unique_id(node.ref_id, node.urn.rsplit(":", 1)[-1], indicator_ids),
            "pillar": pillars[pillar_of(node).urn]["id"],
            "scope": scope,
            "title": _title(node),
            "weight": float(overrides.weights.get(node.urn, overrides.weights.get(node.ref_id, 1.0))),
            "target": {t: int(target[t]) for t in types},
            "urn": node.urn,
            "ref_id": node.ref_id,
        }
        crosswalk = overrides.crosswalk.get(node.urn) or overrides.crosswalk.get(node.ref_id)
        if crosswalk:
            indicator["crosswalk"] = {scheme: list(codes) for scheme, codes in crosswalk.items()}
        if node.description:
            indicator["description"] = node.description
        if node.implementation_groups:
            indicator["implementation_groups"] = list(node.implementation_groups)
        indicators.append(indicator)

    counts: dict[str, int] = {}
    for indicator in indicators:
        counts[indicator["pillar"]] = counts.get(indicator["pillar"], 0) + 1
    pillar_list = [{**p, "indicators": counts[p["id"]]} for p in pillars.values()]
    imported = {
        "id": overrides.id or _library_id(library, framework),
        "title": overrides.title or _text(framework.get("name") or library.get("name")) or "Imported framework",
        "sources": _sources(library, framework),
        "levels": {"min": scale.min, "max": scale.max, "names": dict(scale.names)},
        "imported_from": {key: _text(library.get(key)) for key in
                          ("urn", "ref_id", "name", "version", "publication_date", "provider",
                           "packager", "copyright") if library.get(key) is not None},
        "pillars": [{key: p[key] for key in ("id", "title", "weight", "urn", "ref_id")}
                    for p in pillar_list],
        "indicators": indicators,
    }
    _validated(imported, source)
    folded = sum(1 for node in nodes if not node.assessable and node.depth > depth_of_pillars)
    return ImportedFramework(framework=imported, pillars=pillar_list, nodes=len(nodes),
                             folded=folded, left_out=left_out)


def describe(imported: ImportedFramework) -> list[str]:
    """What became what, in lines an analyst reads after the import."""
    framework = imported.framework
    levels = framework["levels"]
    names = ", ".join(f"{k} {v}" for k, v in levels["names"].items()) or "no names (numbers only)"
    scopes: dict[str, int] = {}
    for indicator in framework["indicators"]:
        scopes[indicator["scope"]] = scopes.get(indicator["scope"], 0) + 1
    targets = sorted({level for i in framework["indicators"] for level in i["target"].values()})
    lines = [
        f"{framework['title']} ({framework['id']}): {imported.nodes} requirement nodes -> "
        f"{len(imported.pillars)} pillars, {imported.indicators} indicators",
        f"levels {levels['min']}-{levels['max']}: {names}",
    ]
    total_weight = sum(p["weight"] for p in imported.pillars)
    for pillar in imported.pillars:
        lines.append(
            f"  pillar {pillar['id']:<10} <- {pillar['ref_id'] or pillar['urn']}: {pillar['title']}; "
            f"{pillar['indicators']} indicator{'' if pillar['indicators'] == 1 else 's'}, "
            f"weight {pillar['weight']:g} "
            f"({pillar['weight'] / total_weight:.0%} of the overall score)")
    lines.append("indicators: every assessable node, weight 1 unless overridden; scope "
                 + ", ".join(f"{scope} {count}" for scope, count in sorted(scopes.items()))
                 + "; targets " + ", ".join(str(t) for t in targets))
    if imported.folded:
        lines.append(f"{imported.folded} grouping nodes between pillars and indicators were folded "
                     "into their pillar (each indicator keeps its urn and ref_id)")
    for node, why in imported.left_out:
        lines.append(f"left out: {node}: {why}")
    return lines


def _check_level(level: Any, scale: Levels, where: str) -> None:
    if isinstance(level, bool) or not isinstance(level, int) or not scale.min <= level <= scale.max:
        raise FrameworkImportError(
            f"{where}: {level!r} is not a level of the scale {scale.min}-{scale.max}")


def _check_override_keys(overrides: ImportOverrides, nodes: Iterable[Node], source: str) -> None:
    known = {key for node in nodes for key in (node.urn, node.ref_id) if key}
    for what in ("scope", "weights", "targets", "crosswalk"):
        unknown = sorted(set(getattr(overrides, what)) - known)
        if unknown:
            raise FrameworkImportError(
                f"overrides: {what}: {', '.join(unknown)} name no node of {source}")


def _sources(library: Mapping[str, Any], framework: Mapping[str, Any]) -> list[str]:
    name = _text(library.get("name") or framework.get("name"))
    parts = [name, _text(library.get("provider")) and f"provider {_text(library.get('provider'))}",
             library.get("version") is not None and f"library version {_text(library.get('version'))}",
             _text(library.get("publication_date")) and f"published {_text(library.get('publication_date'))}"]
    sources = [", ".join(p for p in parts if p)]
    if library.get("copyright"):
        sources.append(_text(library["copyright"]))
    if library.get("packager"):
        sources.append(f"YAML library by {_text(library['packager'])} (CISO Assistant), "
                       f"{_text(library.get('urn'))}")
    return [s for s in sources if s]


def _validated(imported: Mapping[str, Any], source: str) -> Framework:
    try:
        return Framework.model_validate(imported)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FrameworkImportError(f"{source}: the imported framework is not valid: {where}: {first['msg']}") from None
