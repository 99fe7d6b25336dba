"""The record model: one pydantic class per kind, the single source of truth.

JSON Schemas (`registry/schemas/`), the contributor field reference and validation all come
from these classes. A kind declares its display field, its main URL field, which fields make a
record 'good' or 'complete', and which fields hold references to other records.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from . import vocab
from .types import (Count, Country, Doi, Flag, Prose, Slug, Spdx, Technique, Text, TimeZone, Url, When,
                    Year)


def _choice(values: dict[str, str]):
    return Literal[tuple(values)]  # type: ignore[valid-type]


FacilityKind = _choice(vocab.FACILITY_KINDS)
Consortium = _choice(vocab.CONSORTIA)
Category = _choice(vocab.SOFTWARE_CATEGORIES)
Support = _choice(vocab.SUPPORT_LEVELS)
SoftwareStatus = _choice(vocab.SOFTWARE_STATUS)
Presence = _choice(vocab.PRESENCE)
EventType = _choice(vocab.EVENT_TYPES)
CollabCategory = _choice(vocab.COLLABORATION_CATEGORIES)
Governance = _choice(vocab.GOVERNANCE)
CollabStatus = _choice(vocab.COLLABORATION_STATUS)
OpenDataKind = _choice(vocab.OPEN_DATA_KINDS)
ApiType = _choice(vocab.API_TYPES)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listing(Part):
    source: Text = Field(description="Harvest source name.")
    url: Url | None = Field(None, description="The record's page at that source.")


class Record(Part):
    """Fields every kind has."""

    kind: ClassVar[str]
    title_field: ClassVar[str] = "name"
    url_field: ClassVar[str]
    recommended: ClassVar[tuple[str, ...]] = ()
    links_to: ClassVar[tuple[tuple[str, str], ...]] = ()  # (pointer pattern, target kind)

    id: Slug = Field(description="Stable id; equals the file name without .yaml. Never changes.")
    description: Prose = Field(description="What it is, in a few sentences. A small Markdown subset is allowed.")
    references: list[Url] = Field(default_factory=list,
                                  description="Public pages the facts of this record come from.")
    hidden: Flag = Field(False, description="Curated only: keep this record (and its harvested twin) off the site.")
    withdrawn: Flag = Field(False, description="Harvested only: the source no longer lists this record.")
    also_listed: list[Listing] = Field(default_factory=list,
                                       description="Harvested only: other sources that list the same record.")


class Facility(Record):
    """A LEAPS or LENS facility, or a partner."""

    kind: ClassVar[str] = "facilities"
    url_field: ClassVar[str] = "website"
    recommended: ClassVar[tuple[str, ...]] = ("short_name", "type", "country", "city", "consortium", "data_portal",
                                              "indico", "ror", "github_orgs")

    name: Text = Field(description="Full name of the facility.")
    short_name: Text | None = Field(None, description="Acronym as people say it, e.g. ESRF.")
    type: FacilityKind | None = Field(None, description="Kind of source.")
    country: Country | None = Field(None, description="ISO 3166-1 alpha-2 code, e.g. FR.")
    city: Text | None = None
    consortium: Consortium | None = Field(None, description="LEAPS, LENS or partner.")
    operator: Text | None = Field(None, description="Organisation that runs the facility, if different.")
    website: Url = Field(description="Home page.")
    data_portal: Url | None = Field(None, description="Where users find the facility's data.")
    indico: Url | None = Field(None, description="The facility's Indico server.")
    github_orgs: list[Text] = Field(default_factory=list, description="GitHub organisation names.")
    gitlab_groups: list[Url] = Field(default_factory=list, description="GitLab groups (full URLs).")
    ror: str | None = Field(None, pattern=r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$",
                            description="ROR id without the https://ror.org/ prefix.")


class SoftwareFacility(Part):
    id: Slug = Field(description="Facility id.")
    support: Support = Field("uses", description="develops, supports or uses.")


class Packages(Part):
    pypi: Text | None = Field(None, description="Name on PyPI.")
    conda_forge: Text | None = Field(None, description="Name on conda-forge.")
    container: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$", max_length=200,
                                  description="Container image to pull, e.g. ghcr.io/org/tool:latest.")


class SoftwareFacts(Part):
    """Harvested facts about a code repository and its releases."""

    stars: Count | None = None
    forks: Count | None = None
    open_issues: Count | None = None
    archived: Flag | None = None
    last_commit: When | None = None
    latest_release: Text | None = None
    latest_release_date: When | None = None
    repository_license: Text | None = None
    topics: list[Text] = Field(default_factory=list)
    pypi_version: Text | None = None
    pypi_release_date: When | None = None
    versions: Count | None = None
    citations: Count | None = None
    views: Count | None = None
    downloads: Count | None = None


class Software(Record):
    """A piece of software used at PaN facilities."""

    kind: ClassVar[str] = "software"
    url_field: ClassVar[str] = "homepage"
    recommended: ClassVar[tuple[str, ...]] = ("repository", "license", "languages", "categories", "techniques",
                                              "facilities", "documentation", "doi", "status")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("facilities/*/id", "facilities"),
                                                          ("collaborations/*", "collaborations"))

    name: Text = Field(description="Name as its developers write it.")
    homepage: Url = Field(description="Home page (or the repository if there is no other).")
    repository: Url | None = Field(None, description="Source code repository.")
    license: Spdx | None = Field(
        None, description="SPDX licence id or expression, e.g. MIT or 'BSD-3-Clause OR GPL-3.0-only'.")
    languages: list[Text] = Field(default_factory=list, description="Programming languages.")
    categories: list[Category] = Field(default_factory=list, description="What it is for.")
    techniques: list[Technique] = Field(default_factory=list, description="PaNET technique ids.")
    facilities: list[SoftwareFacility] = Field(default_factory=list,
                                               description="Facilities and how they relate to it.")
    documentation: Url | None = None
    doi: Doi | None = Field(None, description="Software DOI, e.g. 10.5281/zenodo.591709.")
    packages: Packages | None = Field(None, description="Package names.")
    status: SoftwareStatus | None = None
    collaborations: list[Slug] = Field(default_factory=list, description="Related collaboration ids.")
    facts: SoftwareFacts | None = Field(None, description="Harvested facts; never edit by hand.")


class Event(Record):
    """A training event, school, workshop or conference."""

    kind: ClassVar[str] = "events"
    title_field: ClassVar[str] = "title"
    url_field: ClassVar[str] = "url"
    recommended: ClassVar[tuple[str, ...]] = ("end", "presence", "venue", "city", "country", "organisers",
                                              "event_type", "topics", "timezone")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("organisers/*", "facilities"),)

    title: Text
    start: When = Field(description="Start: date, or date-time with UTC offset.")
    end: When | None = Field(None, description="End: date, or date-time with UTC offset.")
    timezone: TimeZone | None = Field(None, description="The event's IANA time zone, e.g. Europe/Berlin.")
    presence: Presence | None = None
    venue: Text | None = None
    city: Text | None = None
    country: Country | None = None
    url: Url
    organisers: list[Slug] = Field(default_factory=list, description="Organising facility ids.")
    event_type: EventType | None = None
    topics: list[Text] = Field(default_factory=list)
    registration_deadline: When | None = None
    source: Text | None = Field(None, description="Where it was listed first (harvest source name).")


class Participant(Part):
    id: Slug = Field(description="Facility id.")
    joined: Year | None = Field(None, description="Year it joined, where known.")


class CollaborationFacts(Part):
    """Harvested activity of the collaboration's code organisations."""

    repositories: Count | None = None
    stars: Count | None = None
    last_activity: When | None = None


class Collaboration(Record):
    """An IT collaboration between facilities."""

    kind: ClassVar[str] = "collaborations"
    url_field: ClassVar[str] = "website"
    recommended: ClassVar[tuple[str, ...]] = ("started", "category", "facilities", "repositories", "software",
                                              "governance", "meetings", "status")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("facilities/*/id", "facilities"),
                                                         ("software/*", "software"))

    name: Text
    started: Year | None = Field(None, description="Year it started.")
    ended: Year | None = None
    category: CollabCategory | None = None
    facilities: list[Participant] = Field(default_factory=list, description="Participating facilities.")
    website: Url
    repositories: list[Url] = Field(default_factory=list, description="Code organisations or repositories.")
    software: list[Slug] = Field(default_factory=list, description="Related software ids.")
    governance: Governance | None = None
    meetings: Url | None = Field(None, description="Meeting or Indico page.")
    status: CollabStatus | None = None
    facts: CollaborationFacts | None = None


class Api(Part):
    type: ApiType
    endpoint: Url | None = None


class OpenDataFacts(Part):
    """Harvested figures about the collection."""

    datasets: Count | None = None
    documents: Count | None = None
    dois: Count | None = None
    records: Count | None = None
    citations: Count | None = None
    views: Count | None = None
    downloads: Count | None = None
    latest_record: When | None = None


class OpenData(Record):
    """An open-data collection: a facility portal, a catalogue or a curated collection."""

    kind: ClassVar[str] = "open_data"
    url_field: ClassVar[str] = "url"
    recommended: ClassVar[tuple[str, ...]] = ("type", "facilities", "api", "license", "embargo_years",
                                              "techniques", "formats", "doi_prefix", "data_policy")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("facilities/*", "facilities"),)

    name: Text
    type: OpenDataKind | None = Field(None, description="Kind of collection.")
    facilities: list[Slug] = Field(default_factory=list, description="Facility ids.")
    url: Url
    api: Api | None = None
    license: Spdx | None = None
    embargo_years: Annotated[StrictInt, Field(ge=0, le=50)] | None = Field(
        None, description="Years before data become open.")
    techniques: list[Technique] = Field(default_factory=list)
    formats: list[Text] = Field(default_factory=list, description="e.g. NeXus/HDF5 NXtomo.")
    doi_prefix: str | None = Field(None, pattern=r"^10\.\d{4,9}$", description="e.g. 10.15151")
    data_policy: Url | None = None
    facts: OpenDataFacts | None = None


KINDS: dict[str, type[Record]] = {m.kind: m for m in (Facility, Software, Event, Collaboration, OpenData)}


def tier(model: type[Record], data: dict) -> str:
    """Completeness from the recommended fields: basic, good (half or more) or complete."""
    filled = sum(1 for f in model.recommended if data.get(f) not in (None, [], {}, ""))
    if filled == len(model.recommended):
        return "complete"
    return "good" if filled * 2 >= len(model.recommended) else "basic"


def title_of(kind: str, data: dict) -> str:
    return str(data.get(KINDS[kind].title_field) or data.get("id", ""))
