"""Fictional Polish identities for ``seed_demo``: names, emails, phones, PESEL, NIP, REGON.

Every identifier is valid (checksums, phone ranges), because the models validate them and
the duplicate search works on them; none is unique to a real person by design, and emails
only use reserved example domains.
"""

from __future__ import annotations

import random

import phonenumbers
from stdnum.pl import nip as nip_number
from stdnum.pl import pesel as pesel_number
from stdnum.pl import regon as regon_number

from crm.core.normalization import fold_name

from . import data

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


class Identities:
    """Draws names and identifiers from one random generator, never the same email or
    phone twice, so that a demo duplicate is always a deliberate one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()

    def first_name(self, *, female: bool) -> str:
        return self.rng.choice(data.FEMALE_FIRST_NAMES if female else data.MALE_FIRST_NAMES)

    def surname(self, *, female: bool, family: str | None = None) -> str:
        masculine = family or self.rng.choice(data.SURNAMES)
        return feminine_surname(masculine) if female else masculine

    def email(self, first_name: str, last_name: str) -> str:
        first = fold_name(first_name).replace(" ", "")
        last = fold_name(last_name).replace(" ", "")
        local = self.rng.choice(
            (
                f"{first}.{last}",
                f"{first[0]}.{last}",
                f"{first}{last}{self.rng.randint(1, 99)}",
                f"{last}.{first}",
                f"{first}_{last}",
            )
        )
        email = self.unique_email(local)
        if self.rng.random() < 0.1:
            # Some people type capitals; the lookup column must still match them.
            email = email.title()
        return email

    def unique_email(self, local: str) -> str:
        domain = self.rng.choice(data.EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        while email in self.used_emails:
            email = f"{local}{self.rng.randint(2, 999)}@{domain}"
        self.used_emails.add(email)
        return email

    def mobile(self) -> str:
        """A valid Polish mobile number, written in one of the ways people type them."""
        while True:
            digits = self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randint(0, 999999):06d}"
            if self._claim_phone(digits):
                return format_phone(digits, self.rng.choice(data.PHONE_FORMATS))

    def landline(self) -> str:
        """A valid Poznań landline number, as printed on letterheads."""
        while True:
            digits = f"61{self.rng.randint(8000000, 8999999)}"
            if self._claim_phone(digits):
                return f"{digits[:2]} {digits[2:5]} {digits[5:7]} {digits[7:]}"

    def _claim_phone(self, digits: str) -> bool:
        """True for a valid Polish number not used yet (from then on it counts as used)."""
        number = phonenumbers.parse(digits, "PL")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if not phonenumbers.is_valid_number(number) or e164 in self.used_phones:
            return False
        self.used_phones.add(e164)
        return True

    def pesel(self, *, female: bool) -> str:
        rng = self.rng
        year = rng.randint(1955, 2003)
        month = rng.randint(1, 12) + (20 if year >= 2000 else 0)  # PESEL's century offset
        sex = rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
        body = f"{year % 100:02d}{month:02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}{sex}"
        return body + pesel_number.calc_check_digit(body)

    def nip(self) -> str:
        # python-stdnum validates a NIP but has no function for its check digit. A remainder
        # of 10 means that no valid NIP starts with these nine digits: draw again.
        while True:
            prefix = self.rng.choice(data.POZNAN_TAX_OFFICE_PREFIXES)
            body = f"{prefix}{self.rng.randint(0, 999999):06d}"
            check = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, body, strict=True)) % 11
            if check < 10 and nip_number.is_valid(f"{body}{check}"):
                return f"{body}{check}"

    def regon(self) -> str:
        body = f"30{self.rng.randint(0, 999999):06d}"  # 30: the Wielkopolska region
        return body + regon_number.calc_check_digit(body)

    def krs(self) -> str:
        return f"0000{self.rng.randint(100000, 999999)}"  # KRS has no checksum


def feminine_surname(surname: str) -> str:
    """Kowalski -> Kowalska, Konieczny -> Konieczna; Nowak stays Nowak."""
    return surname[:-1] + "a" if surname.endswith(("i", "y")) else surname


def format_phone(digits: str, template: str) -> str:
    """Nine national digits written the way the template shows ("600 100 200", ...)."""
    return template.format(a=digits[:3], b=digits[3:6], c=digits[6:])
