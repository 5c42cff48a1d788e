"""The realism model's constants: arrival shapes, dwell mix, zone profiles, names, plates.

Everything a reader may want to tune lives here; the simulation code only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Arrivals per hour per *empty* slot, relative to the zone's popularity, by local hour.
# Weekdays: a sharp morning commute peak, a lunch plateau, a softer evening peak.
WEEKDAY_SHAPE = np.array([
    0.04, 0.03, 0.02, 0.02, 0.03, 0.10, 0.45, 1.30, 1.80, 1.40, 0.95, 0.90,
    1.00, 0.95, 0.90, 0.95, 1.05, 1.10, 0.90, 0.65, 0.45, 0.30, 0.15, 0.08,
])
# Weekends: a late start, a broad midday shopping peak, an evening out.
WEEKEND_SHAPE = np.array([
    0.06, 0.05, 0.03, 0.02, 0.02, 0.03, 0.06, 0.15, 0.35, 0.70, 1.05, 1.35,
    1.45, 1.40, 1.30, 1.20, 1.05, 0.90, 0.80, 0.75, 0.60, 0.40, 0.22, 0.10,
])

GRACE_SECONDS = 15 * 60          # a stay of at most this long is free
CANCEL_SHARE = 0.008             # entries cancelled as mistaken, 1-10 minutes after entry
WHOLE_SECOND_SHARE = 0.05        # entries typed by an attendant: no microseconds
MAX_DWELL_HOURS = 96.0


@dataclass(frozen=True)
class ZoneProfile:
    name: str
    description: str
    popularity: float       # arrivals per hour per empty slot at shape 1.0
    rate_cents: int         # hourly_rate in cents
    dwell_scale: float      # stretches standard and long stays (an airport keeps cars for days)
    online_share: float     # share of sessions paid online first


_ZONES = (
    ("Central Station", "Multi-storey car park next to the main railway station", 3.0, 350, 1.0, 0.70),
    ("Old Town", "Underground garage beneath the market square", 2.2, 300, 0.9, 0.60),
    ("Shopping Mall", "Rooftop deck of the shopping centre", 1.5, 200, 0.8, 0.55),
    ("University", "Surface lot at the north campus", 0.8, 150, 1.1, 0.75),
    ("Hospital", "Visitor parking at the city hospital", 0.55, 250, 1.0, 0.50),
    ("Business Park", "Open-air lot between the office towers", 0.4, 220, 1.3, 0.80),
    ("Airport P3", "Long-stay car park at the airport", 0.25, 400, 3.0, 0.85),
    ("Harbour", "Waterfront lot by the ferry terminal", 0.35, 180, 1.2, 0.60),
    ("Riverside", "Quiet lot along the river promenade", 0.2, 120, 1.0, 0.50),
    ("Stadium", "Event parking at the stadium", 0.15, 100, 1.0, 0.45),
    ("Exhibition Centre", "Trade-fair car park", 0.3, 280, 1.1, 0.80),
    ("Zoo", "Family car park at the zoo entrance", 0.25, 160, 0.9, 0.50),
)


def zone_profiles(count: int, seed: int) -> list[ZoneProfile]:
    """`count` zones of differing popularity; beyond the catalog, numbered branches of it."""
    rng = np.random.default_rng([seed, 7001])
    profiles = []
    for index in range(count):
        name, description, popularity, rate, scale, online = _ZONES[index % len(_ZONES)]
        branch = index // len(_ZONES)
        if branch:
            name = f"{name} {branch + 1}"
            popularity *= float(rng.uniform(0.5, 1.2))
            rate = int(round(rate * float(rng.uniform(0.8, 1.2)) / 10) * 10)
        profiles.append(ZoneProfile(name, description, popularity, rate, scale, online))
    return profiles


def zone_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the prefix of a zone's slot numbers."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SLOT_TYPES = np.array(["regular", "compact", "ev", "handicapped", "motorcycle"])
SLOT_TYPE_SHARE = np.array([0.70, 0.12, 0.08, 0.05, 0.05])
VEHICLE_TYPES = np.array(["car", "ev", "van", "motorcycle"])
VEHICLE_TYPE_SHARE = np.array([0.80, 0.08, 0.06, 0.06])

# German plates: district code, 1-2 letters, 1-4 digits ("B-AB 1234"); EVs end in "E".
PLATE_DISTRICTS = np.array([
    "B", "M", "HH", "K", "F", "S", "D", "DO", "E", "L", "HB", "H", "N", "DD", "BN", "MS",
    "KA", "MA", "WI", "A", "AC", "BI", "BO", "GE", "KI", "LU", "MZ", "OS", "PB", "RO",
    "SB", "TR", "UL", "P", "HD", "FR", "GT", "OF", "HRO", "ERZ",
])
_LETTERS = [chr(65 + i) for i in range(26)]
PLATE_LETTERS = np.array(_LETTERS + [a + b for a in _LETTERS for b in _LETTERS])
PLATE_SPACE = len(PLATE_DISTRICTS) * len(PLATE_LETTERS) * 9999

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ibrahim", "Jonas",
    "Katharina", "Lukas", "Mia", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Sophie", "Tim",
    "Ursula", "Valentin", "Wiebke", "Xaver", "Yusuf", "Zoe", "Emma", "Leon", "Lea", "Finn",
    "Marie", "Elias", "Lina", "Maximilian", "Laura", "Julian", "Sara", "Mehmet", "Ayse", "Piotr",
    "Agnieszka", "Luca", "Giulia", "Mateo", "Chen", "Priya", "Omar", "Fatima", "Johanna", "Moritz",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun",
    "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Yilmaz",
    "Kaya", "Nowak", "Kowalski", "Rossi", "Garcia", "Nguyen", "Öztürk", "Haas", "Vogel", "Jung",
    "Berger", "Frank", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Ludwig",
)
