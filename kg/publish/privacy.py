"""The privacy filter of every publication: :mod:`kg.core.privacy`, where every layer that
writes an output (``iodm export`` included, which cannot import :mod:`kg.publish`) finds it."""

from kg.core.privacy import (
    CURATED_GRAPHS,
    IDENTITY_LINKS,
    INTERVIEW,
    LABEL_PROPERTIES,
    MIN_NAME_LENGTH,
    NAME_PROPERTIES,
    NAMED,
    PERSON_CLASSES,
    PERSON_LINKS,
    PROTECTED_LEVELS,
    SAME_AS_LINKS,
    TEXT_PROPERTIES,
    Filtered,
    protect,
    protected_quads,
    slug,
)

__all__ = [
    "CURATED_GRAPHS",
    "IDENTITY_LINKS",
    "INTERVIEW",
    "LABEL_PROPERTIES",
    "MIN_NAME_LENGTH",
    "NAMED",
    "NAME_PROPERTIES",
    "PERSON_CLASSES",
    "PERSON_LINKS",
    "PROTECTED_LEVELS",
    "SAME_AS_LINKS",
    "TEXT_PROPERTIES",
    "Filtered",
    "protect",
    "protected_quads",
    "slug",
]
