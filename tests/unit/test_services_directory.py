"""The services directory library (services_directory/): reading Open Referral UK 3.0 JSON and
UK 1.0 / HSDS 1.x tables, exporting and reading back, the need mapping and searching."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from services_directory.export import to_json, write_json
from services_directory.model import (
    Address,
    Contact,
    CostOption,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from services_directory.needs import NeedMatch, load_mapping, service_needs
from services_directory.readers import (
    DirectoryFileError,
    Problem,
    read_json,
    read_path,
    read_tables,
)
from services_directory.search import Hit, Index, postcode_district, search

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "directory" / "openreferral-uk"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "directory"
WIGAN = FIXTURES / "wigan"
PAGES = FIXTURES / "oruk3_pages.json"
MAPPING = load_mapping()


T = TypeVar("T")


def by_id(services: tuple[Service, ...] | list[Service]) -> dict[str, Service]:
    return {s.id: s for s in services}


# --- reading Open Referral UK 3.0 JSON -----------------------------------------------------


def test_the_reference_full_service_reads_with_every_part() -> None:
    result = read_path(REFERENCE / "service_full.json")
    assert result.problems == ()
    (service,) = result.services
    assert service.id == "ac148810-d857-441c-9679-408f346de14b"
    assert service.name == "Community Counselling"
    assert service.url == "http://example.com/counselling"
    assert service.email == "email@example.com"
    assert service.active
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert service.fees_description == "fees_description"  # given as "fees"
    assert service.last_modified == "2023-03-15T10:30:45.123Z"
    assert service.organization == Organization(
        "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
        "Example Organization Inc.",
        "Example Org is a non-profit organization dedicated to providing services to "
        "qualified beneficiaries",
        "http://example.com",
        "email@example.com",
    )
    assert service.schedules == (
        Schedule(
            "48102e86-bb50-41c4-8f1e-e269368c41d1",
            "The service is available from 10 am to 6pm weekdays. The service is not available on "
            "public holidays.",
            "TH,FR",
            "10:00:00",
            "18:00:00",
            "WEEKLY",
        ),
    )
    (area,) = service.service_areas
    assert area.id == "381c64f1-a724-4884-9c21-ac96c21cca3e"
    assert area.name and area.name.startswith("The service is available to all residents")
    assert service.cost_options == (
        CostOption(
            "1fdf4d39-3d80-484d-9f92-a8ffa08621e7",
            "Under 18s and Over 60s",
            35.0,
            "per 1 hour session",
        ),
    )
    assert service.is_free is False
    assert service.contacts == (
        Contact("1e7efce3-639b-4880-940c-b95cd30cdb50", "Ann Persona", "Reception Manager"),
    )
    # Its one service_at_location has only its own id: no location to keep.
    assert service.locations == ()
    # Its one attribute has no taxonomy term.
    assert service.taxonomy_terms == ()


def test_the_reference_full_service_survives_export_and_reading_again() -> None:
    first = read_path(REFERENCE / "service_full.json").services
    again = read_json(json.loads(json.dumps(to_json(first))), "again.json")
    assert again.problems == ()
    assert again.services == first


def test_a_location_given_only_by_id_is_kept_as_a_bare_location() -> None:
    data = {
        "id": "s1",
        "name": "Drop-in",
        "service_at_locations": [{"id": "sal", "location_id": "loc-9"}, {"id": "sal2"}],
    }
    (service,) = read_json(data, "one.json").services
    assert service.locations == (Location("loc-9"),)


def test_pages_of_an_api_dump_read_with_nested_records() -> None:
    result = read_path(PAGES)
    assert result.problems == ()
    shed, food, group = result.services
    assert [s.active for s in result.services] == [True, True, False]
    (location,) = shed.locations
    assert location.name == "Ince Community Centre"
    assert (location.latitude, location.longitude) == (53.5383, -2.6142)
    # The physical address is chosen over the postal one; address_2 joins address_1.
    assert location.address == Address(
        "Ince Green Lane, Ince-in-Makerfield", "Wigan", "WN2 2DF", "Greater Manchester", "GB"
    )
    assert shed.schedules[0].byday == "MO,TH"  # from the service_at_location
    assert shed.contacts[0].phones == ("07700 900111",)
    assert shed.phone == "07700 900111"
    assert shed.taxonomy_terms == (
        TaxonomyTerm(
            "5d1c3a4e-0000-4000-8000-000000000301",
            "Social groups",
            "esd:social-groups",
            "esd-service-types",
        ),
    )
    assert shed.postcode_districts == frozenset({"WN2"})
    assert shed.is_free is True  # "Free to join"
    assert food.phone == "01942 000010"
    assert food.taxonomy_terms[0].taxonomy == "esd-service-types"
    assert group.organization is None
    # One page on its own, and a single service object, read too.
    page = json.loads(PAGES.read_text(encoding="utf-8"))[0]
    assert [s.name for s in read_json(page, "p.json").services] == [shed.name, food.name]
    assert read_json(page["contents"][1], "s.json").services == (food,)


def test_bad_json_services_are_reported_and_the_rest_read() -> None:
    data = [
        {"id": "ok", "name": "Fine"},
        "not an object",
        {"name": "No id"},
        {"id": "young", "name": "Youth club", "minimum_age": "twelve", "maximum_age": 19.0},
        {
            "id": "loc",
            "name": "Lunch",
            "service_at_locations": [
                {"location": {"id": "l1", "latitude": "north", "longitude": -2.5}},
                {"location": {"name": "no id"}},
            ],
        },
        {"id": "ok", "name": "Fine again"},
        {"id": 7, "name": "Numbered", "contacts": [{"name": "no id"}], "phones": [{"n": 1}]},
    ]
    result = read_json(data, "feed.json")
    assert [s.name for s in result.services] == ["Fine again", "Youth club", "Lunch", "Numbered"]
    services = by_id(result.services)
    assert (services["young"].minimum_age, services["young"].maximum_age) == (None, 19)
    assert services["loc"].locations == (Location("l1", longitude=-2.5),)
    assert services["7"].contacts == ()
    assert services["7"].phones == ()
    found = {(p.row, p.field) for p in result.problems}
    assert found == {
        (1, None),
        (2, "id"),
        (3, "minimum_age"),
        (4, "service_at_locations[0].location.latitude"),
        (4, "service_at_locations[1].location.id"),
        (5, "id"),
        (6, "contacts[0].id"),
        (6, "phones[0].number"),
    }
    assert all(p.file == "feed.json" for p in result.problems)
    assert str(next(p for p in result.problems if p.row == 3)) == (
        "feed.json row 3, field minimum_age: not a whole number"
    )


# --- reading Open Referral UK 1.0 / HSDS 1.x tables ----------------------------------------


def check_wigan(services: tuple[Service, ...]) -> None:
    assert [s.id for s in services] == [
        "svc-befriending",
        "svc-money",
        "svc-walks",
        "svc-carers",
        "svc-lunch",
    ]
    found = by_id(services)
    befriending, money = found["svc-befriending"], found["svc-money"]
    walks, carers, lunch = found["svc-walks"], found["svc-carers"], found["svc-lunch"]
    assert befriending.organization == Organization(
        "org-befriending",
        "Wigan Borough Befriending Trust",
        "A local charity matching volunteers with people who feel lonely.",
        "https://befriending.example.org",
        "hello@befriending.example.org",
    )
    assert befriending.locations == (
        Location(
            "loc-wigan",
            "Wigan Life Centre",
            Address("The Wiend", "Wigan", "WN1 1NH", "Greater Manchester", "GB"),
            53.5448,
            -2.6318,
        ),
    )
    assert befriending.phone == "01942 000001"
    assert befriending.schedules[0].byday == "MO,TU,WE,TH,FR"
    assert (befriending.minimum_age, befriending.maximum_age) == (50, None)
    assert befriending.is_free is True
    assert befriending.taxonomy_terms == (
        TaxonomyTerm("esd-befriending", "Befriending", None, "esdServiceTypes"),
    )
    assert befriending.service_areas == (ServiceArea("area-1", "Wigan Borough"),)
    assert [loc.id for loc in money.locations] == ["loc-hindley", "loc-wigan"]
    assert money.postcode_districts == frozenset({"WN1", "WN2"})
    assert [t.name for t in money.taxonomy_terms] == ["Debt advice", "Benefits advice"]
    assert money.is_free is True  # fees "Free"
    assert walks.schedules[0].description == "Wednesdays at 10am from Hindley Library"  # by sal
    assert walks.phone is None  # the organization's phone is not the service's
    assert carers.phone == "07700 900003"  # the contact's
    assert carers.contacts[0].title == "Carers Support Worker"
    assert carers.is_free is False
    assert carers.name == "Carers Drop-in & Café"
    assert not lunch.active


def test_a_folder_of_uk_1_0_tables_reads() -> None:
    result = read_path(WIGAN)
    assert result.problems == ()
    check_wigan(result.services)


def test_a_zip_of_the_tables_reads_flat_or_in_a_folder(tmp_path: Path) -> None:
    flat, nested = tmp_path / "flat.zip", tmp_path / "nested.zip"
    with zipfile.ZipFile(flat, "w") as archive:
        for file in WIGAN.iterdir():
            archive.write(file, file.name)
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("readme.txt", "not a table")
        for file in WIGAN.iterdir():
            archive.write(file, f"export/wigan/{file.name}")
    for path in (flat, nested):
        result = read_path(path)
        assert result.problems == ()
        check_wigan(result.services)


def test_tables_are_found_by_file_name_without_a_datapackage(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    shutil.copytree(WIGAN, folder)
    (folder / "datapackage.json").unlink()
    check_wigan(read_path(folder).services)


def test_a_zip_of_json_reads(tmp_path: Path) -> None:
    path = tmp_path / "dump.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(PAGES, "pages/one.json")
    result = read_path(path)
    assert len(result.services) == 3
    assert result.services == read_path(PAGES).services


def test_bad_table_rows_are_reported_and_the_rest_read() -> None:
    tables = {
        "services": [
            {"id": "a", "name": "Alpha", "minimum_age": "twelve", "organization_id": "nope"},
            {"id": "", "name": "No id"},
            {"id": "b", "name": ""},
            {"id": "c", "name": "Gamma"},
            {"id": "a", "name": "Alpha again", "maximum_age": "65"},
        ],
        "locations": [{"id": "l1", "latitude": "53,5x", "longitude": "-2.6"}],
        "service_at_locations": [
            {"id": "x", "service_id": "c", "location_id": "l1"},
            {"id": "y", "service_id": "c", "location_id": "l9"},
            {"id": "z", "service_id": "zz", "location_id": "l1"},
        ],
        "eligibility": [{"id": "e", "service_id": "c", "minimum_age": "-3"}],
        "cost_options": [
            {"id": "k", "service_id": "c", "amount": "ten pounds"},
            {"service_id": "c", "amount": "1"},
        ],
        "service_taxonomies": [{"id": "t", "service_id": "c", "taxonomy_id": "missing"}],
        "taxonomies": [{"id": "q"}],
    }
    result = read_tables(tables, "upload")
    assert [s.name for s in result.services] == ["Alpha again", "Gamma"]
    gamma = by_id(result.services)["c"]
    assert gamma.locations == (Location("l1", latitude=None, longitude=-2.6),)
    assert gamma.cost_options == (CostOption("k"),)
    assert gamma.minimum_age is None
    assert by_id(result.services)["a"].maximum_age == 65
    found = {(p.file, p.row, p.field) for p in result.problems}
    assert found == {
        ("upload/services.csv", 1, "minimum_age"),
        ("upload/services.csv", 1, "organization_id"),
        ("upload/services.csv", 2, "id"),
        ("upload/services.csv", 3, "name"),
        ("upload/services.csv", 5, "id"),  # the same id again: this one wins
        ("upload/locations.csv", 1, "latitude"),
        ("upload/service_at_locations.csv", 2, "location_id"),
        ("upload/service_at_locations.csv", 3, "service_id"),
        ("upload/eligibility.csv", 1, "minimum_age"),
        ("upload/cost_options.csv", 1, "amount"),
        ("upload/cost_options.csv", 2, "id"),
        ("upload/service_taxonomies.csv", 1, "taxonomy_id"),
        ("upload/taxonomies.csv", 1, "name"),
    }
    plain = read_tables({"services": [{"id": "a", "name": "A", "minimum_age": "twelve"}]}, "")
    assert [str(p) for p in plain.problems] == [
        "services.csv row 1, field minimum_age: not a whole number"
    ]
    assert str(Problem("x.csv", None, None, "empty")) == "x.csv: empty"


def test_a_bad_cell_in_a_csv_file_is_reported_by_row(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    shutil.copytree(WIGAN, folder)
    text = (folder / "eligibility.csv").read_text(encoding="utf-8")
    (folder / "eligibility.csv").write_text(text.replace(",18,", ",eighteen,"), "utf-8")
    result = read_path(folder)
    assert [str(p) for p in result.problems] == [
        "upload/eligibility.csv row 2, field minimum_age: not a whole number"
    ]
    assert len(result.services) == 5
    assert by_id(result.services)["svc-carers"].minimum_age is None


@pytest.mark.parametrize(
    "make",
    ["missing", "not_json", "bad_zip", "no_services_folder", "zip_without_services", "scalar_json"],
)
def test_unreadable_files_raise_naming_the_file(tmp_path: Path, make: str) -> None:
    path = (
        tmp_path
        / {
            "missing": "gone.json",
            "not_json": "broken.json",
            "bad_zip": "fake.zip",
            "no_services_folder": "tables",
            "zip_without_services": "other.zip",
            "scalar_json": "number.json",
        }[make]
    )
    if make == "not_json":
        path.write_text("{not json", encoding="utf-8")
    elif make == "bad_zip":
        path.write_bytes(b"this is not a zip file")
    elif make == "no_services_folder":
        path.mkdir()
        (path / "locations.csv").write_text("id,name\nl1,Hall\n", encoding="utf-8")
    elif make == "zip_without_services":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("locations.csv", "id,name\nl1,Hall\n")
    elif make == "scalar_json":
        path.write_text("42", encoding="utf-8")
    with pytest.raises(DirectoryFileError) as raised:
        read_path(path)
    assert path.name in str(raised.value)


# --- export and the round trip -------------------------------------------------------------

WORDS = [
    "Wigan",
    "Leigh",
    "café",
    "Ysgol Gymraeg",
    "Mañana",
    "support",
    "group",
    "advice",
    "日本語",
    "O'Brien's",
    "drop-in",
    "  spaced  ",
    "",
    "walks",
    "carers",
]


def random_text(rng: random.Random, none_too: bool = True) -> str | None:
    if none_too and rng.random() < 0.3:
        return None
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))


def random_id(rng: random.Random, kind: str) -> str:
    return f"{kind}-{rng.randint(0, 10**9)}-{rng.choice(WORDS).strip() or 'x'}"


def random_service(rng: random.Random, number: int) -> Service:
    def text() -> str | None:
        return random_text(rng)

    def many(make: Callable[[], T], most: int) -> tuple[T, ...]:
        return tuple(make() for _ in range(rng.randint(0, most)))

    def location() -> Location:
        address = (
            None
            if rng.random() < 0.3
            else Address(
                text(),
                text(),
                rng.choice([None, "WN1 1AA", "wn2 3ab", "M1 1AE", "Wigan"]),
                text(),
                text(),
            )
        )
        return Location(
            random_id(rng, "loc"),
            text(),
            address,
            rng.choice([None, 53.5, -2.25, 0.0, 53.123456789]),
            rng.choice([None, -2.6, 1e-7]),
        )

    def contact() -> Contact:
        return Contact(
            random_id(rng, "contact"),
            text(),
            text(),
            text(),
            tuple(f"01942 {rng.randint(0, 999999):06d}" for _ in range(rng.randint(0, 2))),
        )

    def term() -> TaxonomyTerm:
        return TaxonomyTerm(
            random_id(rng, "term"),
            random_text(rng, False) or "Term",
            text(),
            rng.choice([None, "esd-service-types", "openActive"]),
        )

    return Service(
        id=f"svc-{number}-{rng.choice(WORDS)}",
        name=random_text(rng, False) or "Name",
        description=text(),
        url=text(),
        email=text(),
        status=rng.choice(["active", "inactive", "defunct", "temporarily closed"]),
        organization=None
        if rng.random() < 0.3
        else Organization(
            random_id(rng, "org"), random_text(rng, False) or "Org", text(), text(), text()
        ),
        locations=many(location, 3),
        contacts=many(contact, 2),
        phones=tuple(
            rng.choice(["01942 111111", "07700 900000", "+44 1942 222222"])
            for _ in range(rng.randint(0, 2))
        ),
        schedules=tuple(
            Schedule(
                random_id(rng, "sch"),
                text(),
                rng.choice([None, "MO", "TU,WE"]),
                rng.choice([None, "09:00"]),
                rng.choice([None, "17:00:00"]),
                rng.choice([None, "WEEKLY", "MONTHLY"]),
            )
            for _ in range(rng.randint(0, 2))
        ),
        minimum_age=rng.choice([None, 0, 16, 18, 50]),
        maximum_age=rng.choice([None, 25, 120]),
        cost_options=tuple(
            CostOption(
                random_id(rng, "cost"),
                text(),
                rng.choice([None, 0.0, 2.5, 35.0, 1234567.89]),
                text(),
                rng.choice([None, "GBP"]),
            )
            for _ in range(rng.randint(0, 2))
        ),
        fees_description=text(),
        taxonomy_terms=many(term, 3),
        service_areas=tuple(
            ServiceArea(random_id(rng, "area"), text(), text()) for _ in range(rng.randint(0, 2))
        ),
        last_modified=rng.choice([None, "2024-05-01T09:00:00Z", "2023-03-15"]),
    )


def test_any_services_survive_export_and_reading_again() -> None:
    rng = random.Random(20240501)
    services = [random_service(rng, n) for n in range(400)]
    services += [
        Service("bare", "Just a name"),
        Service("empty-texts", "E", description="", phones=("",), status=""),
    ]
    exported = json.loads(json.dumps(to_json(services), ensure_ascii=False))
    result = read_json(exported, "export.json")
    assert result.problems == ()
    assert result.services == tuple(services)


def test_the_export_is_open_referral_3_shaped_and_the_same_every_time() -> None:
    services = read_path(WIGAN).services
    first, second = to_json(services), to_json(services)
    assert first == second
    money = next(s for s in first if s["id"] == "svc-money")
    place = money["service_at_locations"][0]
    assert place["location_id"] == place["location"]["id"] == "loc-hindley"
    (address,) = place["location"]["addresses"]
    assert (address["postal_code"], address["address_type"]) == ("WN2 3AN", "physical")
    assert money["attributes"][0]["taxonomy_term"]["name"] == "Debt advice"
    assert money["attributes"][0]["taxonomy_term_id"] == "esd-debt"
    assert money["phones"][0]["number"] == "01942 000002"
    assert money["organization"]["name"] == "Makerfield Money Advice"
    assert read_json(first, "x").services == services


def test_written_json_reads_back(tmp_path: Path) -> None:
    services = read_path(WIGAN).services + read_path(PAGES).services
    path = tmp_path / "out.json"
    write_json(services, path)
    assert read_path(path).services == services


# --- the model -----------------------------------------------------------------------------


def test_model_properties() -> None:
    service = Service("s", "S", contacts=(Contact("c"), Contact("d", phones=("2", "3"))))
    assert service.phone == "2"
    assert replace(service, phones=("1",)).phone == "1"
    assert Service("s", "S").phone is None
    assert Service("s", "S").is_free is None
    assert Service("s", "S", fees_description="No charge").is_free is True
    assert Service("s", "S", fees_description="This is not free").is_free is None
    assert (
        Service(
            "s", "S", fees_description="free", cost_options=(CostOption("c", amount=3.0),)
        ).is_free
        is False
    )
    assert (
        Service(
            "s", "S", cost_options=(CostOption("c", amount=3.0), CostOption("d", amount=0.0))
        ).is_free
        is True
    )
    assert (
        Service("s", "S", cost_options=(CostOption("c", option="Free for carers"),)).is_free is True
    )
    assert Service("s", "S", status="inactive").active is False
    located = Service(
        "s",
        "S",
        locations=(
            Location("a", address=Address(None, None, "wn1 1aa")),
            Location("b", address=Address(None, None, "Wigan")),
            Location("c"),
        ),
    )
    assert located.postcode_districts == frozenset({"WN1"})


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("WN1 1AA", "WN1"),
        ("wn1", "WN1"),
        ("WN11AA", "WN1"),
        (" wn7 4nb ", "WN7"),
        ("M1 1AE", "M1"),
        ("W1A 1AA", "W1A"),
        ("EC1A 1BB", "EC1A"),
        ("WN11", "WN11"),
        ("Wigan", None),
        ("", None),
        ("1AA", None),
        ("WN1 1AA extra", None),
    ],
)
def test_postcode_district(text: str, district: str | None) -> None:
    assert postcode_district(text) == district


# --- needs ---------------------------------------------------------------------------------


def test_the_shipped_mapping_covers_linkbot_needs() -> None:
    codes = {
        "loneliness",
        "low_mood",
        "money",
        "housing",
        "caring",
        "bereavement",
        "getting_active",
        "alcohol_drugs",
        "work",
        "volunteering_learning",
        "transport",
        "other",
        "food",
    }
    assert codes | {"lonely", "carer", "activity"} == set(MAPPING)
    assert MAPPING["lonely"] is MAPPING["loneliness"]
    assert MAPPING["carer"].need == "caring"
    assert MAPPING["other"] == NeedMatch("other", frozenset(), ())
    assert "befriending" in MAPPING["loneliness"].taxonomy_terms
    assert "food bank" in MAPPING["money"].keywords


def test_needs_from_taxonomy_terms_and_words() -> None:
    found = {s.id: service_needs(s, MAPPING) for s in read_path(WIGAN).services}
    assert found["svc-befriending"] == {"loneliness"}
    assert found["svc-money"] == {"money"}
    assert found["svc-walks"] == {"getting_active"}
    assert found["svc-carers"] == {"caring"}
    assert found["svc-lunch"] == {"loneliness", "food"}  # "lunch club" in its name
    shed, food, group = read_path(PAGES).services
    assert service_needs(shed, MAPPING) == {"loneliness"}  # term code and "isolated"
    assert service_needs(food, MAPPING) == {"money", "food"}
    assert service_needs(group, MAPPING) == {"bereavement"}  # "Bereavement" in the name


def test_need_keywords_match_whole_words_only_and_terms_by_code(tmp_path: Path) -> None:
    path = tmp_path / "needs.json"
    path.write_text(
        json.dumps(
            {
                "_comment": "test",
                "walk": {"taxonomy_terms": ["OA-WALK"], "keywords": ["walk", "Drop-In"]},
                "none": {},
            }
        ),
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert set(mapping) == {"walk", "none"}

    def needs(**fields: Any) -> frozenset[str]:
        return service_needs(Service("s", **fields), mapping)

    assert needs(name="Sidewalk cafe") == frozenset()
    assert needs(name="Walkers", description="We walk.") == {"walk"}
    assert needs(name="A DROP IN") == {"walk"}
    assert needs(name="x", taxonomy_terms=(TaxonomyTerm("t", "Other", code="oa-walk"),)) == {"walk"}
    assert needs(name="x", taxonomy_terms=(TaxonomyTerm("t", "Walk"),)) == {"walk"}


@pytest.mark.parametrize(
    "content",
    ["{broken", "[]", '{"a": []}', '{"a": {"keywords": "x"}}', '{"a": {"also_codes": ["a"]}}'],
)
def test_a_bad_mapping_file_raises_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "my-needs.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DirectoryFileError, match=r"my-needs\.json"):
        load_mapping(path)


# --- search --------------------------------------------------------------------------------


def svc(
    sid: str,
    name: str,
    *,
    description: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    terms: tuple[str, ...] = (),
    status: str = "active",
    areas: tuple[str, ...] = (),
    organization: str | None = None,
) -> Service:
    locations = (
        ()
        if postcode is None and city is None
        else (Location(f"loc-{sid}", address=Address("1 High Street", city, postcode)),)
    )
    return Service(
        sid,
        name,
        description=description,
        status=status,
        locations=locations,
        taxonomy_terms=tuple(TaxonomyTerm(f"t-{t}", t) for t in terms),
        service_areas=tuple(ServiceArea(f"a-{a}", a) for a in areas),
        organization=Organization(f"o-{sid}", organization) if organization else None,
    )


SERVICES = [
    svc("walk-wigan", "Wigan Health Walks", postcode="WN1 2AB", city="Wigan", terms=("Walking",)),
    svc("walk-hindley", "Hindley Walking Group", postcode="WN2 3AN", city="Hindley"),
    svc(
        "walk-bolton",
        "Bolton Rambles",
        description="Short walks for beginners.",
        postcode="BL1 1AA",
        city="Bolton",
        terms=("Walking",),
    ),
    svc(
        "befriend",
        "Befriending Walks",
        description="Walk and talk with a volunteer",
        postcode="WN1 1AA",
        terms=("Befriending",),
    ),
    svc(
        "money",
        "Money Matters",
        description="Debt advice and a food bank voucher",
        areas=("Hindley",),
        organization="Citizens Advice Wigan",
    ),
    svc("closed", "Closed Walking Club", status="inactive", postcode="WN1 2AB"),
]


def ids(hits: list[Hit]) -> list[str]:
    return [h.service.id for h in hits]


def test_search_by_need_puts_more_needs_met_first() -> None:
    hits = search(SERVICES, needs=["getting_active", "loneliness"], mapping=MAPPING)
    assert ids(hits) == ["befriend", "walk-bolton", "walk-hindley", "walk-wigan"]
    assert hits[0].needs == {"getting_active", "loneliness"}
    assert all(h.score == 0 and h.distance_rank == 0 for h in hits)
    assert ids(search(SERVICES, needs=["lonely"], mapping=MAPPING)) == ["befriend"]  # alias
    assert ids(search(SERVICES, needs=["food"], mapping=MAPPING)) == ["money"]
    assert search(SERVICES, needs=["other"], mapping=MAPPING) == []
    assert search(SERVICES, needs=["no-such-need"], mapping=MAPPING) == []
    everything = search(SERVICES, mapping=MAPPING)
    assert "closed" not in ids(everything)
    assert len(everything) == 5


def test_search_by_need_ranks_nearer_services_next() -> None:
    hits = search(SERVICES, needs=["activity"], area="wn1 9zz", mapping=MAPPING)
    assert ids(hits) == ["befriend", "walk-wigan", "walk-hindley", "walk-bolton"]
    assert [h.distance_rank for h in hits] == [0, 0, 1, 2]
    near_hindley = search(SERVICES, needs=["activity"], area="WN2", mapping=MAPPING)
    assert ids(near_hindley)[:2] == ["walk-hindley", "befriend"]
    by_place = search(SERVICES, area="hindley", mapping=MAPPING)
    assert [(h.service.id, h.distance_rank) for h in by_place][:2] == [
        ("walk-hindley", 0),
        ("money", 0),
    ]  # a city, a service area; then by name
    assert all(h.distance_rank == 2 for h in by_place[2:])


def test_search_by_text_needs_every_word_and_weighs_the_name() -> None:
    hits = search(SERVICES, text="walks", mapping=MAPPING)
    # "walks" is stemmed to "walk". Name 3 + term 2; name 3 + description 1; term 2 +
    # description 1 and name 3 tie, then by name.
    assert ids(hits) == ["walk-wigan", "befriend", "walk-bolton", "walk-hindley"]
    assert [h.score for h in hits] == [5, 4, 3, 3]
    assert hits[0].score > hits[-1].score
    assert ids(search(SERVICES, text="walking for beginners", mapping=MAPPING)) == ["walk-bolton"]
    assert ids(search(SERVICES, text="citizens advice", mapping=MAPPING)) == ["money"]
    assert ids(search(SERVICES, text="WIGAN", mapping=MAPPING)) == ["walk-wigan", "money"]
    assert search(SERVICES, text="walk swimming", mapping=MAPPING) == []
    assert ids(search(SERVICES, text="alk", mapping=MAPPING)) == []  # starts of words only
    both = search(SERVICES, needs=["getting_active"], text="group", mapping=MAPPING)
    assert ids(both) == ["walk-hindley"]


def test_search_limit_and_index_agree() -> None:
    index = Index(SERVICES, MAPPING)
    assert len(index) == len(SERVICES)
    queries: list[tuple[list[str], str, str]] = [
        (["getting_active"], "", "WN2 3AN"),
        ([], "walk", ""),
        ([], "", "Hindley"),
        ([], "", ""),
    ]
    for needs, text, area in queries:
        full = search(SERVICES, needs=needs, text=text, area=area, mapping=MAPPING)
        assert index.search(needs=needs, text=text, area=area) == full
        assert (
            search(SERVICES, needs=needs, text=text, area=area, mapping=MAPPING, limit=2)
            == full[:2]
        )


def test_search_sees_a_changed_service_with_the_same_id() -> None:
    first = [svc("x", "Walking Netball")]
    assert ids(search(first, text="netball", mapping=MAPPING)) == ["x"]
    changed = [svc("x", "Chair Yoga")]
    assert search(changed, text="netball", mapping=MAPPING) == []
    assert ids(search(changed, text="yoga", mapping=MAPPING)) == ["x"]


def test_searching_five_thousand_services_finds_the_right_ones() -> None:
    rng = random.Random(5000)
    kinds = [
        ("Walking group", ("Walking",)),
        ("Debt advice clinic", ("Debt advice",)),
        ("Knit and natter", ()),
        ("Carers cafe", ("Carers",)),
        ("Food bank", ("Food banks",)),
    ]
    services = []
    for number in range(5000):
        name, terms = kinds[number % len(kinds)]
        district = f"WN{number % 8 + 1}" if number % 3 else f"BL{number % 4 + 1}"
        services.append(
            svc(
                f"s{number:05d}",
                f"{name} {number}",
                postcode=f"{district} 1AA",
                city=rng.choice(["Wigan", "Leigh", "Bolton"]),
                terms=terms,
                status="inactive" if number % 50 == 0 else "active",
            )
        )
    hits = search(services, needs=["money"], area="WN3 4XY", mapping=MAPPING)
    expected = [s for s in services if s.active and s.name.startswith(("Debt", "Food"))]
    assert {h.service.id for h in hits} == {s.id for s in expected}
    ranks = [h.distance_rank for h in hits]
    assert ranks == sorted(ranks)
    assert {h.service.postcode_districts for h in hits if h.distance_rank == 0} == {
        frozenset({"WN3"})
    }
    assert all(
        h.service.postcode_districts <= {"BL1", "BL2", "BL3", "BL4"}
        for h in hits
        if h.distance_rank == 2
    )
    names = [h.service.name.casefold() for h in hits if h.distance_rank == 0]
    assert names == sorted(names)
    knit = search(services, text="knit natter", limit=10, mapping=MAPPING)
    assert len(knit) == 10
    assert all(h.service.name.startswith("Knit") and h.service.active for h in knit)
    index = Index(services, MAPPING)
    assert index.search(needs=["money"], area="WN3 4XY") == hits
