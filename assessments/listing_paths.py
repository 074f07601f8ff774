"""E-commerce listing paths: the platforms a business can sell or take payments through, each
with ordered steps and the documents each step needs. Pure Python; the catalog lives in
``listing_paths.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import _parse
from ._parse import Where
from .errors import DefinitionError
from .model import Text
from .yaml_reader import YAMLError, load_yaml

CATALOG_FILE = Path(__file__).parent / "listing_paths.yaml"
KINDS = ("enterprise", "cooperative", "household_business", "household")
#: A sales channel (a marketplace, a portal, a website) or a way to accept digital payments.
CHANNELS = ("sales", "payment")


@dataclass(frozen=True)
class DocumentType:
    id: str
    name: Text


#: The documents a step may ask for; register new ones with ``register_document_type``.
DOCUMENT_TYPES: dict[str, DocumentType] = {}


def register_document_type(type_id: str, vi: str, en: str) -> DocumentType:
    """Add a document type that listing-path steps may name."""
    doc = DocumentType(type_id, Text(vi=vi, en=en))
    DOCUMENT_TYPES[type_id] = doc
    return doc


register_document_type(
    "registration_or_owner_id",
    "Giấy chứng nhận đăng ký kinh doanh, hoặc căn cước công dân của chủ hộ",
    "Business registration certificate, or the owner's citizen ID card",
)
register_document_type(
    "tax_code",
    "Mã số thuế (của doanh nghiệp, hộ kinh doanh hoặc cá nhân chủ hộ)",
    "Tax code (of the enterprise, the household business or the owner)",
)
register_document_type(
    "bank_or_ewallet",
    "Tài khoản ngân hàng hoặc ví điện tử đứng tên cơ sở hoặc chủ hộ",
    "Bank or e-wallet account in the name of the business or the owner",
)
register_document_type(
    "product_photos",
    "Ít nhất ba ảnh sản phẩm rõ nét, nền sáng",
    "At least three clear product photos on a light background",
)
register_document_type(
    "quality_certificate",
    "Giấy chứng nhận chất lượng (tự công bố sản phẩm, VietGAP, ISO…)",
    "Quality certificate (product self-declaration, VietGAP, ISO…)",
)
register_document_type(
    "origin_certificate",
    "Giấy tờ chứng minh nguồn gốc, xuất xứ hoặc mã truy xuất",
    "Proof of origin or a traceability code",
)
register_document_type(
    "food_safety_certificate",
    "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
    "Food-safety certificate of the premises",
)
register_document_type(
    "ocop_rating",
    "Giấy chứng nhận sản phẩm OCOP (số sao)",
    "OCOP product certificate (star rating)",
)


@dataclass(frozen=True)
class DocumentNeed:
    """A document a step needs; ``sectors`` limits it to businesses of those sectors."""

    type: DocumentType
    sectors: tuple[str, ...] = ()

    def applies(self, sector: str | None) -> bool:
        return not self.sectors or sector in self.sectors


@dataclass(frozen=True)
class Step:
    id: str
    title: Text
    instructions: Text
    documents: tuple[DocumentNeed, ...]

    def documents_for(self, sector: str | None) -> list[DocumentType]:
        """Return the documents this step needs from a business of ``sector``."""
        return [need.type for need in self.documents if need.applies(sector)]


@dataclass(frozen=True)
class ListingPath:
    id: str
    name: Text
    summary: Text
    channel: str
    #: Business kinds the path is offered to.
    kinds: tuple[str, ...]
    #: Sectors the path is offered to; empty means every sector.
    sectors: tuple[str, ...]
    url: str
    steps: tuple[Step, ...]

    def is_offered_to(self, kind: str, sector: str | None) -> bool:
        """Tell whether a business of this kind and sector may take the path."""
        return kind in self.kinds and (not self.sectors or sector in self.sectors)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class Catalog:
    paths: tuple[ListingPath, ...]

    def get(self, path_id: str) -> ListingPath | None:
        return next((p for p in self.paths if p.id == path_id), None)

    def offered_to(self, kind: str, sector: str | None) -> list[ListingPath]:
        """Return the paths offered to a business of this kind and sector, in catalog order."""
        return [p for p in self.paths if p.is_offered_to(kind, sector)]

    def ids(self, channel: str | None = None) -> list[str]:
        return [p.id for p in self.paths if channel is None or p.channel == channel]


@cache
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Load and validate the catalog file, raising DefinitionError naming the fault."""
    try:
        raw = load_yaml(path)
    except (OSError, YAMLError) as err:
        raise DefinitionError(Path(path).name, "", f"cannot read the catalog: {err}") from err
    return parse_catalog(raw, Path(path).name)


def parse_catalog(raw: Any, source: str) -> Catalog:
    """Validate an already-parsed catalog; ``source`` names it in error messages."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("paths"), list) or not raw["paths"]:
        raise DefinitionError(source, "paths", "there must be a non-empty list of paths")
    paths: list[ListingPath] = []
    for index, item in enumerate(raw["paths"]):
        place = f"path {item.get('id', index + 1) if isinstance(item, Mapping) else index + 1}"
        path = _path(item, source, place)
        if any(p.id == path.id for p in paths):
            raise DefinitionError(source, place, "duplicate path id")
        paths.append(path)
    return Catalog(tuple(paths))


PATH_KEYS = {"id", "name", "summary", "channel", "kinds", "sectors", "url", "steps"}
STEP_KEYS = {"id", "title", "instructions", "documents"}


def _path(item: Any, source: str, place: str) -> ListingPath:
    if not isinstance(item, Mapping):
        raise DefinitionError(source, place, "a path must be a mapping")
    where = Where(source, place)
    required = ("id", "name", "summary", "channel", "kinds", "steps")
    _parse.check_keys(item, where, required, PATH_KEYS)
    if item["channel"] not in CHANNELS:
        raise DefinitionError(source, place, f"channel must be one of {', '.join(CHANNELS)}")
    kinds = _parse.id_list(item["kinds"], where, "kinds")
    for kind in kinds:
        if kind not in KINDS:
            raise DefinitionError(source, place, f"unknown business kind {kind!r}")
    if not kinds:
        raise DefinitionError(source, place, "'kinds' must name at least one business kind")
    raw_steps = item["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DefinitionError(source, place, "there must be a non-empty list of steps")
    steps: list[Step] = []
    for index, raw_step in enumerate(raw_steps):
        step_id = raw_step.get("id", index + 1) if isinstance(raw_step, Mapping) else index + 1
        step = _step(raw_step, source, f"{place}: step {step_id}")
        if any(s.id == step.id for s in steps):
            raise DefinitionError(source, f"{place}: step {step.id}", "duplicate step id")
        steps.append(step)
    return ListingPath(
        id=str(item["id"]),
        name=_parse.text(item["name"], where, "name"),
        summary=_parse.text(item["summary"], where, "summary"),
        channel=item["channel"],
        kinds=kinds,
        sectors=_parse.id_list(item.get("sectors"), where, "sectors"),
        url=str(item.get("url") or ""),
        steps=tuple(steps),
    )


def _step(item: Any, source: str, place: str) -> Step:
    if not isinstance(item, Mapping):
        raise DefinitionError(source, place, "a step must be a mapping")
    where = Where(source, place)
    _parse.check_keys(item, where, ("id", "title", "instructions"), STEP_KEYS)
    needs = []
    for raw in item.get("documents") or []:
        if isinstance(raw, str):
            raw = {"type": raw}
        if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
            raise DefinitionError(source, place, "a document is a type id or {type, sectors}")
        doc = DOCUMENT_TYPES.get(raw["type"])
        if doc is None:
            raise DefinitionError(source, place, f"unknown document type {raw['type']!r}")
        needs.append(DocumentNeed(doc, _parse.id_list(raw.get("sectors"), where, "sectors")))
    return Step(
        id=str(item["id"]),
        title=_parse.text(item["title"], where, "title"),
        instructions=_parse.text(item["instructions"], where, "instructions"),
        documents=tuple(needs),
    )
