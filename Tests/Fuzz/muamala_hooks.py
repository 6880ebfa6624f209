"""Schemathesis hooks for Muamala's API (loaded with SCHEMATHESIS_HOOKS=muamala_hooks).

`saudi-person-id`: a national ID (starts with 1) or an iqama number (starts with 2), ten
digits whose Luhn check passes. A pattern cannot say Luhn, so docs/openapi.yaml names the
format and this gives schemathesis numbers the daemon accepts.
"""
import schemathesis
from hypothesis import strategies as st


def luhn_check_digit(stem: str) -> str:
    total = 0
    for index, char in enumerate(reversed(stem)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


person_ids = st.builds(
    lambda prefix, body: prefix + body + luhn_check_digit(prefix + body),
    st.sampled_from(["1", "2"]),
    st.from_regex(r"\A[0-9]{8}\Z"),
)

schemathesis.openapi.format("saudi-person-id", person_ids)
