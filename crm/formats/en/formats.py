# The same dates and times as in Polish (29.06.2022, 14:44); English number separators.
from crm.formats.pl.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
