"""framework.yaml: the assessment framework (pillars, indicators, targets, crosswalks).

The workbench ships one built on the five pillars of the ITU Global Cybersecurity
Agenda (``workbench/data/framework_gca.yaml``); a country may bring its own in the
same form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench import paths, vocab
from workbench.errors import DataFileError
from workbench.i18n import current_language


class Levels(BaseModel):
    """The framework's level scale: whole numbers from ``min`` to ``max``, with a name
    for each (a level without a name is called by its number). Without ``levels`` a
    framework uses 0-5 with the names of the shipped framework."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int = 0
    max: int = 5
    names: dict[int, str] = Field(default_factory=dict)
    # The names in French; a level without one is called by its English name.
    names_fr: dict[int, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, raw: object) -> object:
        if isinstance(raw, dict) and "names" not in raw and (
                raw.get("min", 0), raw.get("max", 5)) == (0, 5):
            return {"names_fr": dict(vocab.LEVELS_FR), **raw, "names": dict(vocab.LEVELS)}
        return raw

    @model_validator(mode="after")
    def _consistent(self) -> Levels:
        if self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        for field, names in (("names", self.names), ("names_fr", self.names_fr)):
            outside = sorted(k for k in names if not self.min <= k <= self.max)
            if outside:
                raise ValueError(f"{field} given for levels {outside} outside {self.min}-{self.max}")
            blank = sorted(k for k, v in names.items() if not str(v).strip())
            if blank:
                raise ValueError(f"{field}: level {blank[0]} has an empty name")
        return self

    @property
    def local_names(self) -> dict[int, str]:
        """The level names in the page's language (English where no translation is given)."""
        if current_language() == "fr":
            return {**self.names, **self.names_fr}
        return dict(self.names)

    def name(self, level: int) -> str:
        """The level's name in the page's language, or its number when the framework
        names none."""
        return self.local_names.get(int(level), str(int(level)))

    def normalised(self, level: float) -> float:
        """u = (level - min) / (max - min): 0 at the bottom of the scale, 1 at the top."""
        return (level - self.min) / (self.max - self.min)

    def contains(self, level: float) -> bool:
        return self.min <= level <= self.max


DEFAULT_LEVELS = Levels()


class _Titled(BaseModel):
    """A framework, pillar or indicator: an English ``title`` and, optionally, the
    same in French (``title_fr``); a page in French falls back to English where no
    French title is given."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: str
    title_fr: str | None = Field(default=None, min_length=1)

    @property
    def local_title(self) -> str:
        """The title in the page's language."""
        return (self.title_fr if current_language() == "fr" else None) or self.title


class Pillar(_Titled):
    id: str
    weight: float = Field(gt=0)


class Indicator(_Titled):
    id: str
    pillar: str
    scope: Literal["national", "organisation"]
    weight: float = Field(gt=0, description="weight within its pillar")
    target: dict[str, int] = Field(description="target level per entity type")
    # scheme -> the codes of that scheme the indicator maps to (many-to-many; a single
    # code may be written as a plain string)
    crosswalk: dict[str, list[str]] = Field(default_factory=dict)
    description: str = ""
    levels: dict[int, str] = Field(default_factory=dict, description="what each level looks like")
    sources: list[str] = Field(default_factory=list)

    @field_validator("crosswalk", mode="before")
    @classmethod
    def _codes_as_lists(cls, raw: object) -> object:
        if isinstance(raw, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in raw.items()}
        return raw

    @model_validator(mode="after")
    def _targets_cover_scope(self) -> Indicator:
        needed = ("national",) if self.scope == "national" else vocab.ORGANISATION_ENTITY_TYPES
        missing = [t for t in needed if t not in self.target]
        if missing:
            raise ValueError(f"indicator {self.id}: target has no level for {', '.join(missing)}")
        return self


class Framework(_Titled):
    id: str
    pillars: list[Pillar]
    indicators: list[Indicator]
    sources: list[str] = Field(default_factory=list)
    levels: Levels = Field(default_factory=Levels)

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        pillar_ids = [p.id for p in self.pillars]
        if len(set(pillar_ids)) != len(pillar_ids):
            raise ValueError("pillar ids repeat")
        indicator_ids = [i.id for i in self.indicators]
        repeated = sorted({i for i in indicator_ids if indicator_ids.count(i) > 1})
        if repeated:
            raise ValueError(f"indicator ids repeat: {', '.join(repeated)}")
        unknown = sorted({i.pillar for i in self.indicators} - set(pillar_ids))
        if unknown:
            raise ValueError(f"indicators name unknown pillars: {', '.join(unknown)}")
        for indicator in self.indicators:
            bad = {k: v for k, v in indicator.target.items() if not self.levels.contains(v)}
            if bad:
                raise ValueError(f"indicator {indicator.id}: targets must be levels "
                                 f"{self.levels.min}-{self.levels.max}, got {bad}")
        return self

    def pillars_frame(self) -> pd.DataFrame:
        """One row per pillar: pillar_id, title (in the page's language), weight."""
        return pd.DataFrame(
            [{"pillar_id": p.id, "title": p.local_title, "weight": p.weight}
             for p in self.pillars]
        )

    def indicators_frame(self) -> pd.DataFrame:
        """One row per indicator with its pillar weight, targets and crosswalk columns.

        Columns: indicator_id, pillar_id, scope, title (in the page's language), weight, pillar_weight,
        target_<entity_type> for each entity type named in any target, and
        crosswalk_<scheme> for each crosswalk scheme (its codes joined by "; ").
        """
        pillar_weight = {p.id: p.weight for p in self.pillars}
        rows = []
        for ind in self.indicators:
            row = {
                "indicator_id": ind.id,
                "pillar_id": ind.pillar,
                "scope": ind.scope,
                "title": ind.local_title,
                "weight": ind.weight,
                "pillar_weight": pillar_weight[ind.pillar],
            }
            row.update({f"target_{k}": v for k, v in ind.target.items()})
            row.update({f"crosswalk_{k}": "; ".join(v) for k, v in ind.crosswalk.items()})
            rows.append(row)
        frame = pd.DataFrame(rows)
        for col in [c for c in frame.columns if c.startswith("target_")]:
            frame[col] = frame[col].astype("Int64")
        return frame


def load_framework(path: Path | None = None) -> Framework:
    """Read a framework.yaml (the shipped GCA framework when ``path`` is None)."""
    path = path or paths.SHIPPED_FRAMEWORK
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataFileError(path.name, "the file is missing") from None
    except UnicodeDecodeError:
        raise DataFileError(path.name, "the file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DataFileError(path.name, f"not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise DataFileError(path.name, "expected a mapping with id, title, pillars, indicators")
    try:
        return Framework.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataFileError(path.name, f"{where}: {first['msg']}" if where else first["msg"]) from None
