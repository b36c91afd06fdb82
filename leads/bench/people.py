"""The bench data's clients, kept compact: a few small integers per client in arrays; the
names, email and phone are derived from them and from the client's id when a row is
written, so a million leads can refer to 300 000 clients in little memory.

Phones are made directly in E.164 from a bijection of the client id (unique, valid Polish
mobile ranges) and written in one of the ways people type them; the slow phonenumbers
parse is left to check_phone_sample. Emails are unique too (the id is part of them) and
use reserved example domains only.
"""

from __future__ import annotations

import random
from array import array
from datetime import UTC, datetime

from django.core.management.base import CommandError

from crm.core.normalization import fold_name, normalize_email, normalize_phone
from leads.demo import data as demo
from leads.demo.identities import feminine_surname

# Flags of a client.
FEMALE, HAS_PHONE, HAS_EMAIL, COMPANY, WON_ONCE = 1, 2, 4, 8, 16
FIRST_NAMES = demo.FEMALE_FIRST_NAMES + demo.MALE_FIRST_NAMES
SURNAMES_MASCULINE = demo.SURNAMES
SURNAMES_FEMININE = tuple(feminine_surname(name) for name in demo.SURNAMES)
PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
PHONE_AND_EMAIL_SHARE = 0.80
PHONE_ONLY_SHARE = 0.12  # the rest have an email only
COMPANY_SHARE = 0.03
PESEL_SHARE = 0.25
DESCRIPTION_SHARE = 0.1


class ClientBook:
    """Every client of one load, by id (first_id, first_id + 1, ...)."""

    def __init__(self, *, first_id: int, rng: random.Random) -> None:
        self.first_id = first_id
        self.rng = rng
        self.first_name = array("H")  # index into FIRST_NAMES
        self.surname = array("H")  # index into SURNAMES_*
        self.flags = array("B")
        self.branch = array("H")  # index of the branch team
        self.source = array("q")  # 0: none
        self.caretaker = array("q")
        self.created = array("d")  # epoch seconds
        self._folded: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.flags)

    def add(
        self,
        *,
        branch: int,
        source_id: int | None,
        caretaker: int,
        created: float,
        partner_id: int | None = None,
    ) -> int:
        """A new client; a partner (a household of two) is of the other sex and shares
        the family name. Returns the client's id."""
        rng = self.rng
        if partner_id is not None:
            partner = partner_id - self.first_id
            female = not self.flags[partner] & FEMALE
            surname = self.surname[partner]
        else:
            female = rng.random() < 0.5
            surname = rng.randrange(len(SURNAMES_MASCULINE))
        if female:
            first = rng.randrange(len(demo.FEMALE_FIRST_NAMES))
        else:
            first = len(demo.FEMALE_FIRST_NAMES) + rng.randrange(len(demo.MALE_FIRST_NAMES))
        draw = rng.random()
        flags = FEMALE if female else 0
        if draw < PHONE_AND_EMAIL_SHARE + PHONE_ONLY_SHARE:
            flags |= HAS_PHONE
        if draw < PHONE_AND_EMAIL_SHARE or draw >= PHONE_AND_EMAIL_SHARE + PHONE_ONLY_SHARE:
            flags |= HAS_EMAIL
        if partner_id is None and rng.random() < COMPANY_SHARE:
            flags |= COMPANY
        self.first_name.append(first)
        self.surname.append(surname)
        self.flags.append(flags)
        self.branch.append(branch)
        self.source.append(source_id or 0)
        self.caretaker.append(caretaker)
        self.created.append(created)
        return self.first_id + len(self.flags) - 1

    def caretaker_of(self, client_id: int) -> int:
        return self.caretaker[client_id - self.first_id]

    def mark_won(self, client_id: int) -> None:
        """The client signed a contract: the accounting system knows them."""
        self.flags[client_id - self.first_id] |= WON_ONCE

    # -- derived identity -----------------------------------------------------------------------

    def names(self, client_id: int) -> tuple[str, str]:
        index = client_id - self.first_id
        surnames = SURNAMES_FEMININE if self.flags[index] & FEMALE else SURNAMES_MASCULINE
        return FIRST_NAMES[self.first_name[index]], surnames[self.surname[index]]

    def folded(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = fold_name(text)
        return folded

    def email(self, client_id: int) -> str:
        if not self.flags[client_id - self.first_id] & HAS_EMAIL:
            return ""
        first, last = (self.folded(name).replace(" ", "") for name in self.names(client_id))
        local = (
            f"{first}.{last}",
            f"{first[0]}.{last}",
            f"{first}{last}",
            f"{last}.{first}",
            f"{first}_{last}",
        )[client_id % 5]
        domain = demo.EMAIL_DOMAINS[client_id // 5 % len(demo.EMAIL_DOMAINS)]
        email = f"{local}{client_id}@{domain}"
        return email.title() if client_id % 10 == 7 else email  # some people type capitals

    def phone(self, client_id: int) -> tuple[str, str]:
        """(as typed, E.164): a unique valid Polish mobile number for every client id."""
        if not self.flags[client_id - self.first_id] & HAS_PHONE:
            return "", ""
        prefixes = demo.MOBILE_PREFIXES
        # client id → (prefix, six digits) is a bijection: for a given prefix, the quotient
        # maps to distinct tails because 7919 is prime to 10**6.
        prefix = client_id % len(prefixes)
        tail = (client_id // len(prefixes) * 7919 + prefix * 104729 + 123457) % 1_000_000
        digits = f"{prefixes[prefix]}{tail:06d}"
        template = demo.PHONE_FORMATS[client_id // 3 % len(demo.PHONE_FORMATS)]
        return template.format(a=digits[:3], b=digits[3:6], c=digits[6:]), f"+48{digits}"

    def pesel(self, *, female: bool) -> str:
        rng = self.rng
        year = rng.randint(1955, 2003)
        month = rng.randint(1, 12) + (20 if year >= 2000 else 0)  # PESEL's century offset
        sex = rng.randrange(0, 10, 2) + (0 if female else 1)
        body = f"{year % 100:02d}{month:02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}{sex}"
        check = (10 - sum(w * int(d) for w, d in zip(PESEL_WEIGHTS, body, strict=True)) % 10) % 10
        return f"{body}{check}"

    # -- rows -------------------------------------------------------------------------------------

    def row(self, client_id: int, branch_id: int) -> tuple:
        """The client's row in database.CLIENT_COLUMNS order, lookup columns computed as
        Client.clean() computes them."""
        rng = self.rng
        index = client_id - self.first_id
        flags = self.flags[index]
        first, last = self.names(client_id)
        email = self.email(client_id)
        phone, e164 = self.phone(client_id)
        company = ""
        if flags & COMPANY:
            company = demo.COMPANY_CLIENT_NAMES[client_id % len(demo.COMPANY_CLIENT_NAMES)]
        created = datetime.fromtimestamp(self.created[index], UTC)
        caretaker = self.caretaker[index]
        has_pesel = rng.random() < PESEL_SHARE
        description = rng.choice(demo.CLIENT_NOTES) if rng.random() < DESCRIPTION_SHARE else ""
        return (
            client_id,
            "company" if company else "person",
            company,
            first,
            last,
            email,
            phone,
            self.pesel(female=bool(flags & FEMALE)) if has_pesel else "",
            f"SYM/{client_id:08d}" if flags & WON_ONCE else "",
            description,
            False,
            None,
            normalize_email(email),
            e164,
            self.folded(first),
            self.folded(last),
            self.folded(company),
            created,
            created,
            branch_id,
            caretaker,
            caretaker,
            self.source[index] or None,
        )

    def check_phone_sample(self, size: int = 500) -> None:
        """The fast path must agree with the normaliser the application uses."""
        step = max(1, len(self) // size)
        for index in range(0, len(self), step):
            typed, e164 = self.phone(self.first_id + index)
            if typed and normalize_phone(typed) != e164:
                raise CommandError(f"Generated phone {typed!r} does not normalise to {e164}.")
