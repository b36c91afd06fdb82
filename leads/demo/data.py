"""The fixed ingredients of ``seed_demo``: names, investments, contractors, weights.

Kept apart from the command so that the story (seed_demo.py) reads without scrolling through
name lists. Everything here is fictional; emails use reserved example domains.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.core.models import Role
from investments.models import UnitKind

SEED = 2026
PERIOD_DAYS = 548  # 18 months of history, enough for month-by-month reports
BRANCH_NAME = "Poznań Centrum"
CLIENT_COUNT = 200
COMPANY_COUNT = 15
COUPLE_COUNT = 15  # households of two clients who buy together
LEAD_COUNT = 500
DELETED_INQUIRY_COUNT = 12  # spam, tests and duplicates, deleted with a reason
UNVERIFIED_INQUIRY_COUNT = 8  # fresh inquiries still waiting for "link or create a client"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str


# The passwords pass Django's validators; they are printed, so they are demo-only by nature.
DEMO_LOGINS = (
    DemoLogin("administrator", "lejek-admin-2026", Role.ADMINISTRATOR, "Katarzyna", "Lewandowska"),
    DemoLogin("kierownik", "lejek-kierownik-2026", Role.MANAGER, "Tomasz", "Kaczmarek"),
    DemoLogin("doradca1", "lejek-doradca-2026", Role.ADVISOR, "Anna", "Wiśniewska"),
    DemoLogin("doradca2", "lejek-doradca-2026", Role.ADVISOR, "Łukasz", "Zieliński"),
    DemoLogin("doradca3", "lejek-doradca-2026", Role.ADVISOR, "Małgorzata", "Wójcik"),
)


@dataclass(frozen=True)
class InvestmentSpec:
    name: str
    code: str
    city: str
    address: str
    price_per_m2: int  # the average list price of a flat, PLN/m²
    floors: int  # above the ground floor
    popularity: int  # how often households ask about it


INVESTMENTS = (
    InvestmentSpec("Akacjowa", "akacjowa", "Poznań",
                   "ul. Akacjowa 12, 60-175 Poznań", 11200, 4, 25),
    InvestmentSpec("Osiedle Nad Wartą", "nad-warta", "Poznań",
                   "ul. Wioślarska 30, 61-153 Poznań", 13100, 6, 25),
    InvestmentSpec("Zielone Jeżyce", "zielone-jezyce", "Poznań",
                   "ul. Kościelna 41, 60-537 Poznań", 12300, 4, 20),
    InvestmentSpec("Rezydencja Sołacz", "rezydencja-solacz", "Poznań",
                   "ul. Wołyńska 8, 60-637 Poznań", 13900, 3, 15),
    InvestmentSpec("Słoneczne Tarasy", "sloneczne-tarasy", "Swarzędz",
                   "ul. Poznańska 55, 62-020 Swarzędz", 9200, 3, 15),
)  # fmt: skip
FLATS_PER_INVESTMENT = 30
COMMERCIAL_PER_INVESTMENT = 2
PARKING_PER_INVESTMENT = 6
STORAGE_PER_INVESTMENT = 2
# Lead names for what is not a flat; a flat lead takes the default name from the settings.
LEAD_NAMES = {
    UnitKind.COMMERCIAL: "Zakup lokalu usługowego",
    UnitKind.PARKING: "Zakup miejsca postojowego",
    UnitKind.STORAGE: "Zakup komórki lokatorskiej",
}
FLAT_ROOMS_WEIGHTS = {1: 10, 2: 35, 3: 35, 4: 15, 5: 5}
FLAT_AREA_BY_ROOMS = {1: (25, 34), 2: (36, 50), 3: (52, 70), 4: (72, 95), 5: (95, 120)}

FEMALE_FIRST_NAMES = (
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Elżbieta",
    "Zofia", "Joanna", "Magdalena", "Monika", "Aleksandra", "Natalia", "Karolina", "Dorota",
    "Beata", "Justyna", "Paulina", "Marta", "Jadwiga", "Żaneta", "Grażyna", "Halina",
    "Weronika", "Julia", "Izabela", "Urszula",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Jan", "Michał", "Marcin", "Stanisław",
    "Jakub", "Adam", "Łukasz", "Mateusz", "Grzegorz", "Wojciech", "Mariusz", "Dariusz",
    "Zbigniew", "Jerzy", "Maciej", "Bartłomiej", "Przemysław", "Sławomir", "Rafał", "Kamil",
    "Szymon",
)  # fmt: skip
# Masculine forms; feminine ones are derived (Wiśniewski -> Wiśniewska, Konieczny -> Konieczna).
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski",
    "Król", "Wieczorek", "Jabłoński", "Wróbel", "Majewski", "Olszewski", "Stępień", "Jaworski",
    "Malinowski", "Górski", "Sikora", "Walczak", "Baran", "Rutkowski", "Michalak", "Szewczyk",
    "Ostrowski", "Tomaszewski", "Pietrzak", "Zalewski", "Wróblewski", "Marciniak", "Jasiński",
    "Zawadzki", "Bąk", "Jakubowski", "Sadowski", "Duda", "Włodarczyk", "Chmielewski",
    "Sokołowski", "Kaźmierczak", "Przybylski", "Ratajczak", "Nowicki", "Adamczak", "Konieczny",
    "Andrzejewski", "Śliwiński", "Żak", "Łuczak", "Błaszczyk", "Kubiak", "Maciejewski",
    "Szczepański", "Gołębiowski", "Wawrzyniak", "Józefowicz", "Ciesielski",
)  # fmt: skip
COMPANY_CLIENT_NAMES = (
    "Kaźmierczak Nieruchomości sp. z o.o.", "Warta Capital S.A.", "Lech-Inwest sp. z o.o.",
    "Biuro Rachunkowe Jeżyce s.c.", "Stomatologia Sołacz sp. z o.o.", "Apteka Pod Ratuszem s.c.",
    "Mieszkania na Wynajem Poznań sp. z o.o.", "Grupa Medyczna Rataje sp. z o.o.",
    "Kancelaria Adwokacka Łuczak i Wspólnicy sp.k.", "Piekarnia Wawrzyniak s.c.",
    "Wielkopolska Flota sp. z o.o.", "Studio Architektury Cytadela sp. z o.o.",
    "Fundacja Nowy Dom", "Ogrody Malta sp. z o.o.", "ProjektIT Garbary sp. z o.o.",
)  # fmt: skip
CONTRACTORS = (
    ("Wielkopolskie Centrum Kredytowe sp. z o.o.", "ul. Głogowska 120", "60-243"),
    ("Doradztwo Finansowe Maltańska sp. z o.o.", "ul. Maltańska 1", "61-131"),
    ("Bud-Mar Wykończenia Wnętrz sp. j.", "ul. Dąbrowskiego 77", "60-529"),
    ("Garbary Leasing S.A.", "ul. Garbary 48", "61-758"),
    ("Kancelaria Notarialna Ratajczak s.c.", "ul. Półwiejska 24", "61-888"),
    ("Inwest-Warta sp. z o.o.", "ul. Grunwaldzka 182", "60-166"),
    ("Rentier Poznań sp. z o.o.", "os. Bolesława Chrobrego 10", "60-681"),
    ("Meble Kaźmierczak sp. z o.o.", "ul. Bukowska 285", "60-189"),
    ("Agencja Nieruchomości Stary Rynek sp. z o.o.", "Stary Rynek 59", "61-772"),
    ("Ubezpieczenia Sołacz sp. z o.o.", "ul. Litewska 6", "60-605"),
)
POZNAN_TAX_OFFICE_PREFIXES = ("778", "779", "781", "782", "783", "972")
# Never real mailboxes: demo data must not be able to reach anybody, whatever later
# features do with client emails. RFC 2606 reserves these names.
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "poczta.example", "skrzynka.example")
# Polish mobile prefixes; each generated number is still checked with phonenumbers.
MOBILE_PREFIXES = tuple(
    f"{head}{tail}"
    for head in ("50", "51", "53", "60", "66", "69", "72", "73", "78", "79", "88")
    for tail in "0123456789"
)
# As people type phone numbers into forms; normalisation must turn each into E.164.
PHONE_FORMATS = (
    "{a} {b} {c}",
    "{a}-{b}-{c}",
    "{a}{b}{c}",
    "+48 {a} {b} {c}",
    "+48 {a}-{b}-{c}",
    "+48{a}{b}{c}",
    "0048 {a} {b} {c}",
    "(+48) {a} {b} {c}",
)

# Where inquiries come from, by the slugs seeded in clients/migrations/0003.
SOURCE_WEIGHTS = {
    "www": 30,
    "tabela-ofert": 15,
    "obido": 8,
    "rynekpierwotny": 15,
    "facebook": 12,
    "telefon": 10,
    "wizyta-w-biurze": 5,
    "recznie": 5,
}
COMPANY_SOURCE_WEIGHTS = {"www": 10, "telefon": 15, "wizyta-w-biurze": 5, "recznie": 10}
INTAKE_SOURCES = {"www", "tabela-ofert", "obido", "rynekpierwotny", "facebook"}
# The source whose embeddable inquiry form the demo turns on (/intake/www/).
FORM_SOURCE = "www"
# The assignment rules: an investment's own advisors first, then everyone in turn.
RULE_INVESTMENT_NAME = "Doradcy inwestycji"
RULE_EVERYONE_NAME = "Wszyscy doradcy po kolei"
EXTERNAL_ID_PREFIXES = {
    "www": "WWW",
    "tabela-ofert": "TO",
    "obido": "OB",
    "rynekpierwotny": "RP",
    "facebook": "FB",
}
# Open pipeline stages in order (Nowy ... Rezerwacja wstępna): where open leads sit now.
FRESH_STAGE_WEIGHTS = (50, 25, 10, 8, 3, 2, 1, 1)
SETTLED_STAGE_WEIGHTS = (6, 18, 14, 18, 12, 10, 10, 12)
# Where failed leads were when they failed; late failures are rarer.
FAILED_STAGE_WEIGHTS = (25, 20, 15, 15, 8, 10, 7, 4)
FAILURE_REASON_WEIGHTS = {
    "Cena": 25,
    "Brak kontaktu z klientem": 25,
    "Lokalizacja": 10,
    "Brak finansowania": 20,
    "Rezygnacja klienta": 10,
    "Wybór konkurencji": 10,
}
FAILURE_COMMENTS = {
    "Cena": ("Budżet ok. 10% poniżej ceny katalogowej.", "Oczekiwał rabatu, którego nie dajemy."),
    "Brak kontaktu z klientem": (
        "Trzy próby telefonu i e-mail bez odpowiedzi.",
        "Telefon wyłączony, brak odpowiedzi na maile.",
    ),
    "Lokalizacja": ("Szuka jednak bliżej centrum.", "Za daleko od szkoły dzieci."),
    "Brak finansowania": ("Bank odmówił kredytu.", "Zdolność kredytowa za niska na ten metraż."),
    "Rezygnacja klienta": ("Odkłada zakup o rok.", "Zmiana planów rodzinnych."),
    "Wybór konkurencji": (
        "Kupił mieszkanie z rynku wtórnego.",
        "Wybrał inwestycję konkurencji na Naramowicach.",
    ),
}
INQUIRY_MESSAGES = (
    "Dzień dobry, proszę o ofertę mieszkań {rooms}-pokojowych w inwestycji {investment}.",
    "Proszę o kontakt w sprawie mieszkania w inwestycji {investment}. Najlepiej po 16:00.",
    "Czy w inwestycji {investment} są jeszcze mieszkania z ogródkiem? Pozdrawiam, {first_name}",
    "Interesuje mnie mieszkanie ok. {area} m² i miejsce postojowe. Jaki jest termin oddania?",
    "Proszę o rzut i cenę mieszkania {rooms}-pokojowego. Finansowanie: kredyt hipoteczny.",
    "Dzień dobry, kiedy można obejrzeć mieszkanie pokazowe w inwestycji {investment}?",
    "",
)
CLIENT_NOTES = (
    "Szuka mieszkania dla córki na studia.",
    "Kupuje pod wynajem, pyta o rentowność.",
    "Preferuje kontakt telefoniczny po 17:00.",
    "Kredyt w trakcie analizy w banku.",
    "Chce mieszkanie z ogródkiem albo dużym balkonem.",
    "Sprzedaje obecne mieszkanie na Ratajach.",
)
SPAM = (
    ("", "", "oferta@pozycjonowanie.example", "", "Pozycjonowanie stron — rabat 50% tylko dziś!"),
    ("Marketing", "B2B", "kontakt@leadgen.example", "", "Sprzedamy bazę 10 000 kontaktów."),
    ("John", "Smith", "crypto@invest.example", "", "Earn 3000 EUR weekly, click the link."),
)

# -- Working the leads (leads/demo/work.py) ---------------------------------------------------

# How often each kind of conversation follows the first call, by how far the lead has got:
# (phone, email, meeting, sms) early in the pipeline and from "Wstępnie wybrany lokal" on.
EARLY_CONVERSATION_WEIGHTS = (60, 22, 6, 12)
LATE_CONVERSATION_WEIGHTS = (45, 18, 30, 7)
# What advisors write after a conversation; {investment} is the lead's investment.
CONVERSATION_NOTES = {
    "phone": (
        "Pierwszy kontakt. Klient szuka mieszkania w inwestycji {investment}, wysłałam ofertę.",
        "Omówiliśmy metraże i ceny. Klient przemyśli i oddzwoni.",
        "Nie odebrał, zostawiona wiadomość głosowa.",
        "Rozmowa o harmonogramie płatności 10/20/70.",
        "Klient pyta o termin oddania budynku i odbiory techniczne.",
        "Potwierdził zainteresowanie lokalem z ogródkiem, prosi o rzut.",
        "Bank zaakceptował wniosek kredytowy, klient chce rezerwować.",
        "Umówiliśmy spotkanie w biurze sprzedaży.",
        "Pyta o możliwość zmian lokatorskich (przesunięcie ścianki).",
        "Czeka na decyzję kredytową, kontakt za tydzień.",
    ),
    "email": (
        "Wysłane rzuty mieszkań i aktualny cennik inwestycji {investment}.",
        "Przesłany wzór umowy deweloperskiej i prospekt informacyjny.",
        "Klient odpisał z pytaniami o miejsce postojowe i komórkę.",
        "Potwierdzenie terminu spotkania mailowo.",
        "Wysłane zestawienie kosztów dodatkowych (notariusz, PCC).",
    ),
    "meeting": (
        "Spotkanie w biurze sprzedaży, oglądali mieszkanie pokazowe.",
        "Prezentacja na budowie inwestycji {investment}, klientom podoba się ekspozycja.",
        "Spotkanie z doradcą kredytowym, omówiona zdolność kredytowa.",
        "Negocjacje ceny i terminu płatności drugiej transzy.",
        "Omówione warunki rezerwacji i opłaty rezerwacyjnej.",
    ),
    "sms": (
        "Przypomnienie o jutrzejszym spotkaniu.",
        "Prośba o kontakt zwrotny.",
        "Klient potwierdził SMS-em, że oddzwoni po 17:00.",
    ),
}
# The next step an advisor plans, by kind.
NEXT_STEP_NOTES = {
    "phone": (
        "Zadzwonić po decyzji kredytowej.",
        "Oddzwonić w sprawie rzutu i ceny.",
        "Dopytać, czy oferta dotarła.",
        "Zapytać o termin spotkania w biurze.",
        "Potwierdzić wybór lokalu.",
    ),
    "email": ("Wysłać aktualny cennik.", "Przesłać wzór umowy rezerwacyjnej."),
    "meeting": (
        "Spotkanie w biurze sprzedaży.",
        "Oglądanie mieszkania pokazowego.",
        "Podpisanie umowy rezerwacyjnej.",
    ),
    "sms": ("Przypomnieć o spotkaniu.",),
}
NOTE_TEXTS = (
    "Klient prosi o kontakt wyłącznie mailowy w godzinach pracy.",
    "Żona decyduje o wyborze mieszkania, mąż o finansowaniu.",
    "Zainteresowany także drugim mieszkaniem pod wynajem.",
    "Kredyt w PKO BP, doradca kredytowy: pan Marek z Wielkopolskiego Centrum Kredytowego.",
    "Klient porównuje z ofertą konkurencji na Naramowicach.",
    "Sprzedaje obecne mieszkanie, zakup zależy od terminu sprzedaży.",
    "Prosi o rabat za zakup mieszkania z miejscem postojowym.",
    "Ważny termin oddania: dziecko zaczyna szkołę we wrześniu.",
    "Nie dzwonić przed 10:00, pracuje na nocne zmiany.",
    "Zapytać na budowie o możliwość zmian lokatorskich w łazience.",
)
MANAGER_NOTE_TEXTS = (
    "Klient dzwonił do biura, prosi o pilny kontakt.",
    "Rabat do 3% uzgodniony z zarządem — można zaproponować.",
)
OFFER_NOTES = (
    "Cena z miejscem postojowym w garażu podziemnym.",
    "Oferta ważna do podanej daty, harmonogram płatności 10/20/70.",
    "Rabat przy podpisaniu umowy w tym miesiącu.",
    "",
    "",
)
OFFER_CHANNEL_WEIGHTS = {"email": 70, "in_person": 20, "phone": 5, "post": 5}
RESERVATION_FEES = (None, 2000, 5000, 5000, 10000)
CONTRACT_NUMBER_PREFIXES = {"developer": "UD", "preliminary": "UP"}
# The "Ankieta zakupowa" questions' answers (migration 0014), by a word of the question.
SURVEY_CHOICE_WEIGHTS = {
    "finansowanie": {"Gotówka": 30, "Kredyt hipoteczny": 70},
    "termin": {"Od razu": 25, "Do 3 miesięcy": 40, "Do roku": 25, "Powyżej roku": 10},
    "cel": {"Na własne potrzeby": 65, "Inwestycja / wynajem": 25, "Dla rodziny": 10},
}
SURVEY_TEXT_ANSWERS = ("Balkon od południa.", "Blisko tramwaju.", "Bez uwag.")

# The developer the demo's consents are given to (fictional company data).
DEMO_CONTROLLER = {
    "name": "Akacjowa Development sp. z o.o.",
    "nip": "7781017624",
    "krs": "0000412345",
    "address": "ul. Półwiejska 42, 61-888 Poznań",
    "dpo_contact": "iod@akacjowa-development.example, ul. Półwiejska 42, 61-888 Poznań",
}
