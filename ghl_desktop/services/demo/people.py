"""Realistic generated people: names, companies, E.164 phones, emails, sources, lifecycle
stages and lead scores (pure data; ``crm`` turns them into contacts)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.services.demo.common import Location, pick

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda", "David",
    "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas", "Jessica", "Charles", "Sarah",
    "Daniel", "Karen", "Matthew", "Lisa", "Anthony", "Nancy", "Mark", "Sandra", "Steven",
    "Ashley", "Andrew", "Emily", "Joshua", "Michelle", "Kevin", "Amanda", "Brian", "Melissa",
    "George", "Stephanie", "Timothy", "Rebecca", "Ronald", "Laura", "Jason", "Sharon", "Ryan",
    "Cynthia", "Jacob", "Amy", "Gary", "Angela", "Nicholas", "Anna", "Eric", "Olivia",
    "Jonathan", "Sofia", "Wei", "Priya", "Carlos", "Aisha", "Mateo", "Yuki", "Omar", "Fatima",
    "Diego", "Mei", "Arjun", "Chloe", "Luis", "Hannah", "Kwame", "Ingrid", "Tariq", "Elena",
    "Raj", "Camila", "Noah", "Zoe", "Andre", "Leila",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Chen", "Patel", "Kim", "Singh",
    "Okafor", "Kowalski", "Rossi", "Schneider", "Haddad", "Yamamoto", "O'Brien", "Murphy",
    "Cohen", "Shapiro", "Novak", "Larsen", "Dubois", "Costa", "Ivanova", "Mensah",
)  # fmt: skip
COMPANIES = (
    "Northwind Traders", "Contoso Ltd", "Fabrikam Inc", "Tailspin Toys", "Wide World Importers",
    "Blue Yonder Airlines", "Coho Winery", "Adventure Works", "Litware Inc", "Proseware",
    "Lucerne Publishing", "Margie's Travel", "Alpine Ski House", "Fourth Coffee", "Woodgrove Bank",
    "Trey Research", "Humongous Insurance", "Southridge Video", "Consolidated Messenger",
    "City Power & Light", "Relecloud", "Wingtip Toys", "VanArsdel Ltd", "Tailwind Traders",
    "Best For You Organics", "Nod Publishers", "A. Datum Corporation", "Graphic Design Institute",
    "Bellows College", "Munson's Pickles", "Brightline Dental", "Harbor & Finch Law",
    "Riverside Fitness", "Summit Realty Group", "Greenleaf Architects", "Pinnacle Accounting",
    "Maple Street Clinic", "Ironclad Security", "Lakeside Event Co", "Copperpot Media",
)  # fmt: skip
INDUSTRIES = (
    "technology", "hospitality", "healthcare", "retail", "finance", "education", "real estate",
    "professional services", "media", "manufacturing",
)  # fmt: skip
PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "200+")
SOURCES = (
    ("website_form", 30), ("facebook_ads", 14), ("google_ads", 14), ("referral", 12),
    ("walk_in", 10), ("instagram", 8), ("phone_call", 6), ("import", 6),
)  # fmt: skip
# (stage, weight, lowest lead score, highest lead score)
STAGES = (
    (LifecycleStage.SUBSCRIBER, 15, 0, 20), (LifecycleStage.LEAD, 33, 5, 45),
    (LifecycleStage.MQL, 10, 40, 65), (LifecycleStage.SQL, 10, 55, 80),
    (LifecycleStage.OPPORTUNITY, 10, 60, 90), (LifecycleStage.CUSTOMER, 19, 50, 100),
    (LifecycleStage.EVANGELIST, 3, 80, 100),
)  # fmt: skip
STREETS = (
    "Main St", "Broadway", "Park Ave", "Elm St", "Oak Ave", "Maple Dr", "Washington St",
    "Lake Shore Dr", "Madison Ave", "Hudson St", "Grand Ave", "State St",
)  # fmt: skip


@dataclass
class Person:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str
    address1: str
    city: str
    state: str
    postal_code: str
    source: str
    lifecycle_stage: LifecycleStage
    lead_score: int
    custom_fields: dict[str, Any] = field(default_factory=dict)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class PeopleFactory:
    """Generates unique people for one location (emails and phones never repeat)."""

    def __init__(self, location: Location, rng: random.Random) -> None:
        self.location = location
        self.rng = rng
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    def reserve(self, email: str | None, phone: str | None) -> None:
        if email:
            self.emails.add(email)
        if phone:
            self.phones.add(phone)

    def phone(self) -> str:
        # 555-01XX numbers are reserved for fiction in the North American plan.
        while True:
            area = pick(self.rng, self.location.area_codes)
            number = f"+1{area}55501{self.rng.randrange(100):02d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, first: str, last: str, company: str) -> str:
        domain = f"{slug(company)}.com" if company else pick(self.rng, PERSONAL_DOMAINS)
        local = f"{slug(first)}.{slug(last)}"
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate)
        return candidate

    def person(self) -> Person:
        rng = self.rng
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        company = pick(rng, COMPANIES) if rng.random() < 0.7 else ""
        has_email, has_phone = rng.random() < 0.95, rng.random() < 0.9
        if not (has_email or has_phone):
            has_email = True
        stage, _w, low, high = rng.choices(STAGES, weights=[s[1] for s in STAGES])[0]
        city, state, postal = pick(rng, self.location.cities)
        custom: dict[str, Any] = {}
        if company and rng.random() < 0.8:
            custom["company_size"] = pick(rng, COMPANY_SIZES)
            custom["industry"] = pick(rng, INDUSTRIES)
        if company and rng.random() < 0.3:
            custom["annual_revenue"] = rng.randrange(50, 5000) * 10_000
        return Person(
            first_name=first,
            last_name=last,
            email=self.email(first, last, company) if has_email else None,
            phone=self.phone() if has_phone else None,
            company=company,
            address1=f"{rng.randrange(1, 999)} {pick(rng, STREETS)}",
            city=city,
            state=state,
            postal_code=f"{postal}{rng.randrange(100):02d}",
            source=_weighted(rng, SOURCES),
            lifecycle_stage=stage,
            lead_score=rng.randint(low, high),
            custom_fields=custom,
        )
