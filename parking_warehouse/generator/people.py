"""Users (a few admins and staff, many customers) and vehicles (owned or walk-in) as rows."""

from __future__ import annotations

import base64

import numpy as np

from parking_warehouse.generator.catalog import (
    FIRST_NAMES,
    LAST_NAMES,
    PLATE_DISTRICTS,
    PLATE_LETTERS,
    PLATE_SPACE,
    VEHICLE_TYPE_SHARE,
    VEHICLE_TYPES,
)
from parking_warehouse.generator.clock import format_datetimes

USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
    "is_staff", "is_active", "date_joined", "role", "phone_number", "updated_at",
)
VEHICLE_COLUMNS = ("id", "vehicle_number", "vehicle_type", "created_at", "updated_at", "owner_id")

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def user_rows(rng: np.random.Generator, first_id: int, joined_us: np.ndarray, roles: list[str],
              last_login_us: np.ndarray) -> list[tuple]:
    """Rows for users_customuser; `last_login_us` -1 means never logged in (NULL)."""
    n = len(joined_us)
    if n == 0:
        return []
    ids = np.arange(first_id, first_id + n)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    updated_us = np.maximum(joined_us, last_login_us)
    has_phone = rng.random(n) < 0.7
    phones = rng.integers(10_000_000, 999_999_999, n)
    active = rng.random(n) < 0.98
    secrets = rng.integers(0, 256, (n, 48), dtype=np.uint8)
    joined_text = format_datetimes(joined_us)
    login_text = format_datetimes(last_login_us, null=last_login_us < 0)
    updated_text = format_datetimes(updated_us)
    rows = []
    for i in range(n):
        uid = int(ids[i])
        first_name, last_name = FIRST_NAMES[first[i]], LAST_NAMES[last[i]]
        username = f"{first_name}.{last_name}{uid}".translate(_ASCII).lower()
        salt = base64.b64encode(secrets[i, :16].tobytes()).decode()[:22]
        digest = base64.b64encode(secrets[i, 16:].tobytes()).decode()
        role = roles[i]
        rows.append((
            uid, f"pbkdf2_sha256$870000${salt}${digest}", login_text[i], int(role == "admin"),
            username, first_name, last_name, f"{username}@example.org", int(role != "user"),
            int(active[i] or role != "user"), joined_text[i], role,
            f"+49 1{phones[i]:09d}"[:16] if has_phone[i] else None, updated_text[i],
        ))
    return rows


def _scramble(values: np.ndarray, seed: int, space: int) -> np.ndarray:
    """A keyed bijection of [0, space): a 4-round Feistel network on 30 bits, with cycle walking."""
    mask = np.uint64(0x7FFF)
    key = np.uint64(seed * 0x9E3779B1 % 2**32)

    def rounds(v: np.ndarray) -> np.ndarray:
        left, right = v >> np.uint64(15), v & mask
        for r in range(4):
            mixed = (right * np.uint64(0x9E3779B1) + key + np.uint64(r * 0x85EBCA77)) & np.uint64(0xFFFFFFFF)
            mixed ^= mixed >> np.uint64(13)
            left, right = right, left ^ (mixed & mask)
        return (left << np.uint64(15)) | right

    out = values.astype(np.uint64)
    pending = np.ones(len(out), dtype=bool)
    while pending.any():
        out[pending] = rounds(out[pending])
        pending = out >= np.uint64(space)
    return out.astype(np.int64)


def plates(ids: np.ndarray, seed: int, is_ev: np.ndarray) -> list[str]:
    """Unique German-style plates ("B-AB 1234", EVs "B-AB 1234E"): a keyed bijection of the id."""
    code = _scramble(np.asarray(ids, dtype=np.int64) % PLATE_SPACE, seed, PLATE_SPACE)
    digits = code % 9999 + 1
    code //= 9999
    letters = PLATE_LETTERS[code % len(PLATE_LETTERS)]
    district = PLATE_DISTRICTS[code // len(PLATE_LETTERS)]
    return [
        f"{d}-{letter} {number}{'E' if ev else ''}"
        for d, letter, number, ev in zip(district.tolist(), letters.tolist(), digits.tolist(), is_ev.tolist())
    ]


def vehicle_types(rng: np.random.Generator, n: int) -> np.ndarray:
    return VEHICLE_TYPES[rng.choice(len(VEHICLE_TYPES), n, p=VEHICLE_TYPE_SHARE)]


def assign_owners(rng: np.random.Generator, n: int, owned_share: float, next_user_id: int,
                  first_customer_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Owner id per vehicle (0: walk-in) and the mask of vehicles whose owner signs up with them.

    Of the owned vehicles, 85 % bring a new customer; the rest belong to an existing customer
    (a second car in the family).
    """
    owned = rng.random(n) < owned_share
    new_user = owned & (rng.random(n) < 0.85)
    existing_before = next_user_id - first_customer_id
    sequence = np.cumsum(new_user)
    known = existing_before + sequence - new_user  # customers that exist before each vehicle
    new_user |= owned & (known == 0)
    sequence = np.cumsum(new_user)
    owners = np.zeros(n, dtype=np.int64)
    owners[new_user] = next_user_id + sequence[new_user] - 1
    shared = owned & ~new_user
    known = existing_before + sequence - new_user
    owners[shared] = first_customer_id + np.floor(rng.random(int(shared.sum())) * known[shared]).astype(np.int64)
    return owners, new_user
