"""Base class for topic messages: strict field names, a schema_version on every message."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """A message published on a warwire topic.

    ``extra="forbid"`` makes a misspelt field a validation error at the edge instead of a
    silently dropped value; consumers of newer minor versions should parse with ``model_validate``
    on a subclass that relaxes this if they need forward compatibility.
    """

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class Part(BaseModel):
    """A nested value object inside a message."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
