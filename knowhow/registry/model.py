"""The record model: one pydantic class per kind, the single source of truth.

JSON Schemas (`registry/schemas/`), the contributor field reference and validation all come
from these classes. A kind declares its display field, its main URL field, which fields make a
record 'good' or 'complete', and which fields hold references to other records.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from . import vocab
from .types import (Count, Country, Doi, Flag, Prose, RecordRef, Slug, Spdx, Technique, Text, TimeZone, Url,
                    When, Year)


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
JobField = _choice(vocab.JOB_FIELDS)
JobContract = _choice(vocab.JOB_CONTRACTS)
GroupType = _choice(vocab.GROUP_TYPES)
GroupStatus = _choice(vocab.GROUP_STATUS)
LinkCategory = _choice(vocab.LINK_CATEGORIES)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listing(Part):
    source: Text = Field(description="Harvest source name.")
    url: Url | None = Field(None, description="The record's page at that source.")


class ReviewFlag(Part):
    code: Text = Field(description="Which cross-check, e.g. licence-mismatch, archived, moved.")
    field: Text = Field(description="The curated field the evidence contradicts.")
    message: Text
    evidence: Text | None = Field(None, description="Where the contradicting fact was found.")


class Record(Part):
    """Fields every kind has."""

    kind: ClassVar[str]
    title_field: ClassVar[str] = "name"
    url_field: ClassVar[str]
    recommended: ClassVar[tuple[str, ...]] = ()
    links_to: ClassVar[tuple[tuple[str, str], ...]] = ()  # (pointer pattern, target kind; "*": any kind)
    # Presentation, read by the site, the issue forms, the downloads and the field reference: adding
    # a kind means writing its class here (and its page template); nothing else lists the kinds.
    kind_label: ClassVar[str]  # one record, as a page says what it is: "Training or event"
    kind_plural: ClassVar[str]  # the registry, as a heading: "Events"
    kind_noun: ClassVar[str]  # in a sentence: "an event"
    schema_type: ClassVar[str]  # schema.org type of the record page
    form_file: ClassVar[str | None] = None  # its issue form in .github/ISSUE_TEMPLATE/; None: no form
    date_order: ClassVar[tuple[tuple[str, str], ...]] = ()  # (earlier, later) fields: later may not be before

    id: Slug = Field(description="Stable id; equals the file name without .yaml. Never changes.")
    description: Prose = Field(description="What it is, in a few sentences. A small Markdown subset is allowed.")
    references: list[Url] = Field(default_factory=list,
                                  description="Public pages the facts of this record come from.")
    hidden: Flag = Field(False, description="Curated only: keep this record (and its harvested twin) off the site.")
    withdrawn: Flag = Field(False, description="Harvested only: the source no longer lists this record.")
    also_listed: list[Listing] = Field(default_factory=list,
                                       description="Harvested only: other sources that list the same record.")
    review: list[ReviewFlag] = Field(default_factory=list,
                                     description="Harvested only: facts found at the sources that contradict the "
                                                 "curated record, for a curator to review.")


class ProposalDeadline(Part):
    deadline: When = Field(description="Date, or date-time with UTC offset, e.g. 2026-03-01T23:59:00+01:00.")
    timezone: TimeZone | None = Field(None, description="The facility's IANA time zone, e.g. Europe/Paris.")
    cycle: Text | None = Field(None, description="Proposal round or beamtime period, e.g. 2026-II.")
    url: Url | None = Field(None, description="The call page that states this deadline.")


class Facility(Record):
    """A LEAPS or LENS facility, or a partner."""

    kind: ClassVar[str] = "facilities"
    url_field: ClassVar[str] = "website"
    kind_label: ClassVar[str] = "Facility"
    kind_plural: ClassVar[str] = "Facilities"
    kind_noun: ClassVar[str] = "a facility"
    schema_type: ClassVar[str] = "ResearchOrganization"
    recommended: ClassVar[tuple[str, ...]] = ("short_name", "type", "country", "city", "consortium", "data_portal",
                                              "indico", "ror", "github_orgs")

    name: Text = Field(description="Full name of the facility.")
    short_name: Text | None = Field(None, description="Acronym as people say it, e.g. ESRF.")
    aliases: list[Text] = Field(default_factory=list,
                                description="Other names people use for it, e.g. DLS, PETRA III, XFEL.")
    type: FacilityKind | None = Field(None, description="Kind of source.")
    country: Country | None = Field(None, description="ISO 3166-1 alpha-2 code, e.g. FR.")
    city: Text | None = None
    consortium: Consortium | None = Field(None, description="LEAPS, LENS or partner.")
    operator: Text | None = Field(None, description="Organisation that runs the facility, if different.")
    website: Url = Field(description="Home page.")
    user_office: Url | None = Field(None, description="User office page: how to apply for beam time.")
    data_portal: Url | None = Field(None, description="Where users find the facility's data.")
    indico: Url | None = Field(None, description="The facility's Indico server.")
    github_orgs: list[Text] = Field(default_factory=list, description="GitHub organisation names.")
    gitlab_groups: list[Url] = Field(default_factory=list, description="GitLab groups (full URLs).")
    ror: str | None = Field(None, pattern=r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$",
                            description="The facility's own ROR id, without the https://ror.org/ prefix. "
                                        "Never the operator's: that goes in operator_ror.")
    operator_ror: str | None = Field(None, pattern=r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$",
                                     description="ROR id of the operating organisation, where the facility "
                                                 "has none of its own.")
    proposal_deadlines: list[ProposalDeadline] = Field(
        default_factory=list, description="Beamtime proposal deadlines: past ones stay, marked past.")


class SoftwareFacility(Part):
    id: Slug = Field(description="Facility id.")
    support: Support = Field("uses", description="develops, supports or uses.")


class Packages(Part):
    pypi: Text | None = Field(None, description="Name on PyPI.")
    conda_forge: Text | None = Field(None, description="Name on conda-forge.")
    container: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$", max_length=200,
                                  description="Container image to pull, e.g. ghcr.io/org/tool:latest.")


class Citation(Part):
    """How to cite the software: its CITATION.cff as harvested from the repository."""

    title: Text | None = None
    authors: list[Text] = Field(default_factory=list, description='Authors in order, "Given Family" or a team name.')
    version: Text | None = None
    date_released: When | None = Field(None, description="Release date of that version (YYYY-MM-DD).")
    doi: Doi | None = Field(None, description="The DOI the file asks people to cite.")
    url: Url | None = None
    repository: Url | None = Field(None, description="The source code repository.")


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
    concept_doi: Doi | None = Field(None, description="The DOI of every version together (Zenodo or DataCite).")
    citation: Citation | None = Field(None, description="From the repository's CITATION.cff.")


class Software(Record):
    """A piece of software used at PaN facilities."""

    kind: ClassVar[str] = "software"
    url_field: ClassVar[str] = "homepage"
    kind_label: ClassVar[str] = "Software"
    kind_plural: ClassVar[str] = "Software"
    kind_noun: ClassVar[str] = "software"
    schema_type: ClassVar[str] = "SoftwareApplication"
    form_file: ClassVar[str | None] = "1-software.yml"
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
    kind_label: ClassVar[str] = "Training or event"
    kind_plural: ClassVar[str] = "Events"
    kind_noun: ClassVar[str] = "an event"
    schema_type: ClassVar[str] = "Event"
    form_file: ClassVar[str | None] = "2-event.yml"
    date_order: ClassVar[tuple[tuple[str, str], ...]] = (("start", "end"),)
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
    kind_label: ClassVar[str] = "IT collaboration"
    kind_plural: ClassVar[str] = "Collaborations"
    kind_noun: ClassVar[str] = "a collaboration"
    schema_type: ClassVar[str] = "Project"
    form_file: ClassVar[str | None] = "4-collaboration.yml"
    date_order: ClassVar[tuple[tuple[str, str], ...]] = (("started", "ended"),)
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
    kind_label: ClassVar[str] = "Open-data collection"
    kind_plural: ClassVar[str] = "Open data"
    kind_noun: ClassVar[str] = "an open-data collection"
    schema_type: ClassVar[str] = "DataCatalog"
    form_file: ClassVar[str | None] = "3-open-data.yml"
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


class WebLink(Part):
    title: Text = Field(description="What the link leads to.")
    url: Url


class News(Record):
    """A news item about software, data and IT at the facilities, from WG3, LEAPS or LENS."""

    kind: ClassVar[str] = "news"
    title_field: ClassVar[str] = "title"
    url_field: ClassVar[str] = "url"
    kind_label: ClassVar[str] = "News"
    kind_plural: ClassVar[str] = "News"
    kind_noun: ClassVar[str] = "a news item"
    schema_type: ClassVar[str] = "NewsArticle"
    form_file: ClassVar[str | None] = "6-news.yml"
    recommended: ClassVar[tuple[str, ...]] = ("url", "body", "links", "related")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("related/*", "*"),)

    title: Text = Field(description="Headline.")
    date: When = Field(description="Date of the news: when it was announced, e.g. 2026-03-02.")
    description: Prose = Field(description="Summary: what happened, in one to three sentences "
                                           "(a small Markdown subset is allowed).")
    body: Prose | None = Field(None, description="The full text, if the portal publishes it (same Markdown subset).")
    url: Url | None = Field(None, description="The original announcement, if published elsewhere.")
    links: list[WebLink] = Field(default_factory=list, description="Further reading.")
    related: list[RecordRef] = Field(default_factory=list,
                                     description="Records it is about, as kind/id, e.g. software/silx.")


class Job(Record):
    """A job opening in software, data, IT or controls at a facility."""

    kind: ClassVar[str] = "jobs"
    title_field: ClassVar[str] = "title"
    url_field: ClassVar[str] = "url"
    kind_label: ClassVar[str] = "Job"
    kind_plural: ClassVar[str] = "Jobs"
    kind_noun: ClassVar[str] = "a job opening"
    schema_type: ClassVar[str] = "JobPosting"
    form_file: ClassVar[str | None] = "7-job.yml"
    recommended: ClassVar[tuple[str, ...]] = ("location", "contract", "closing_date", "posted")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("facility", "facilities"),)
    date_order: ClassVar[tuple[tuple[str, str], ...]] = (("posted", "closing_date"),)

    title: Text = Field(description="Job title as advertised.")
    facility: Slug = Field(description="Facility id of the employer.")
    field: JobField = Field(description="Area of work.")
    location: Text | None = Field(None, description="Town, or 'remote'.")
    contract: JobContract | None = Field(None, description="Kind of contract.")
    posted: When | None = Field(None, description="Date the opening was published.")
    closing_date: When | None = Field(None, description="Last day to apply (date, or date-time with UTC offset). "
                                                        "After it the job stays listed, marked closed.")
    url: Url = Field(description="The advertisement at the facility.")


class Funding(Record):
    """A funding call that facility IT, software and data work can apply to."""

    kind: ClassVar[str] = "funding"
    title_field: ClassVar[str] = "title"
    url_field: ClassVar[str] = "url"
    kind_label: ClassVar[str] = "Funding call"
    kind_plural: ClassVar[str] = "Funding"
    kind_noun: ClassVar[str] = "a funding call"
    schema_type: ClassVar[str] = "Grant"
    form_file: ClassVar[str | None] = "8-funding.yml"
    recommended: ClassVar[tuple[str, ...]] = ("programme", "call_id", "opens", "timezone", "topics")
    date_order: ClassVar[tuple[tuple[str, str], ...]] = (("opens", "deadline"),)

    title: Text = Field(description="Call title as the funder writes it.")
    funder: Text = Field(description="Who funds, e.g. European Commission.")
    programme: Text | None = Field(None, description="Programme, e.g. Horizon Europe, Research Infrastructures.")
    call_id: Text | None = Field(None, description="The funder's identifier of the call or topic.")
    opens: When | None = Field(None, description="Opening: date, or date-time with UTC offset.")
    deadline: When = Field(description="Deadline: date-time with UTC offset where the funder states the time "
                                        "(e.g. 2026-03-12T17:00:00+01:00), else the date.")
    timezone: TimeZone | None = Field(None, description="Time zone the funder states the deadline in, "
                                                        "e.g. Europe/Brussels.")
    topics: list[Text] = Field(default_factory=list, description="Subjects the call covers.")
    url: Url = Field(description="The call page at the funder.")


class Role(Part):
    role: Text = Field(description="e.g. Chair, Co-chair, Coordinator.")
    name: Text | None = Field(None, description="The person, as published for this role on the source page.")
    affiliation: Text | None = Field(None, description="Employer as published with the role, e.g. DESY.")
    facility: Slug | None = Field(None, description="Facility id of the employer, where it is one facility.")
    source: Url | None = Field(None, description="Public page that names the person in this role.")


class Group(Record):
    """WG3, one of its special interest groups, or a project it runs."""

    kind: ClassVar[str] = "groups"
    url_field: ClassVar[str] = "website"
    kind_label: ClassVar[str] = "Group"
    kind_plural: ClassVar[str] = "Groups"
    kind_noun: ClassVar[str] = "a group or project"
    schema_type: ClassVar[str] = "Organization"
    form_file: ClassVar[str | None] = "9-group.yml"
    recommended: ClassVar[tuple[str, ...]] = ("type", "mandate", "roles", "members", "meetings", "status")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (
        ("parent", "groups"), ("roles/*/facility", "facilities"), ("members/*", "facilities"),
        ("collaborations/*", "collaborations"), ("software/*", "software"))
    date_order: ClassVar[tuple[tuple[str, str], ...]] = (("started", "ended"),)

    name: Text = Field(description="Name of the group or project.")
    short_name: Text | None = Field(None, description="Short name, e.g. WG3.")
    type: GroupType | None = Field(None, description="Working group, special interest group or project.")
    parent: Slug | None = Field(None, description="Id of the group it belongs to.")
    mandate: Prose | None = Field(None, description="What it is charged with (Markdown subset).")
    roles: list[Role] = Field(default_factory=list, description="Chairs and coordinators by role and facility.")
    members: list[Slug] = Field(default_factory=list, description="Facility ids of member facilities.")
    website: Url = Field(description="Home page of the group.")
    mailing_list: Url | None = Field(None, description="Page to join the mailing list.")
    chat: Url | None = Field(None, description="Chat channel.")
    meetings: Url | None = Field(None, description="Indico category of its meetings.")
    meetings_source: Text | None = Field(None, description="Name of the harvest source (harvest/sources.yaml) "
                                                          "whose events are its meetings.")
    collaborations: list[Slug] = Field(default_factory=list, description="Related collaboration ids.")
    software: list[Slug] = Field(default_factory=list, description="Related software ids (its outcomes).")
    outcomes: list[WebLink] = Field(default_factory=list, description="Documents and results it published.")
    started: Year | None = None
    ended: Year | None = None
    status: GroupStatus | None = None


class Link(Record):
    """An important link: a policy, a standard or ontology, a service, a community code repository."""

    kind: ClassVar[str] = "links"
    url_field: ClassVar[str] = "url"
    kind_label: ClassVar[str] = "Link"
    kind_plural: ClassVar[str] = "Links"
    kind_noun: ClassVar[str] = "an important link"
    schema_type: ClassVar[str] = "WebPage"
    form_file: ClassVar[str | None] = "9-link.yml"
    recommended: ClassVar[tuple[str, ...]] = ("category", "software_category")
    links_to: ClassVar[tuple[tuple[str, str], ...]] = (("facilities/*", "facilities"),)

    name: Text = Field(description="Name of the page, document or service.")
    description: Prose = Field(description="What it is for, in a sentence.")
    url: Url
    category: LinkCategory = Field(description="Kind of link.")
    software_category: Category | None = Field(None, description="For code repositories: what the code is for.")
    facilities: list[Slug] = Field(default_factory=list, description="Facility ids that run or publish it.")


KINDS: dict[str, type[Record]] = {m.kind: m for m in (Facility, Software, Event, Collaboration, OpenData,
                                                       News, Job, Funding, Group, Link)}


def tier(model: type[Record], data: dict) -> str:
    """Completeness from the recommended fields: basic, good (half or more) or complete."""
    filled = sum(1 for f in model.recommended if data.get(f) not in (None, [], {}, ""))
    if filled == len(model.recommended):
        return "complete"
    return "good" if filled * 2 >= len(model.recommended) else "basic"


def title_of(kind: str, data: dict) -> str:
    return str(data.get(KINDS[kind].title_field) or data.get("id", ""))
