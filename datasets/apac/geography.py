"""The APAC dataset's geography: data-centre metros, links, region quotas, adoption, sovereignty.

Plain data read by :mod:`datasets.apac.build`; sources and assumptions are in ``README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADOPTION",
    "LINKS",
    "METROS",
    "REGION_QUOTA",
    "SOVEREIGN",
    "US_STATES",
    "WAYPOINTS",
    "Metro",
]


@dataclass(frozen=True)
class Metro:
    site: str
    node: str
    country: str
    lat: float
    lon: float
    power_kw: float  # available for GPUs
    cost_factor: float
    pue: float


# ~40 data-centre metros: city-centre coordinates (WGS-84), ISO 3166-1 alpha-2.
METROS: tuple[Metro, ...] = (
    Metro("syd1", "Sydney", "AU", -33.8688, 151.2093, 2000, 1.08, 1.35),
    Metro("mel1", "Melbourne", "AU", -37.8136, 144.9631, 2000, 1.08, 1.30),
    Metro("bne1", "Brisbane", "AU", -27.4698, 153.0251, 800, 1.10, 1.40),
    Metro("per1", "Perth", "AU", -31.9505, 115.8605, 600, 1.12, 1.35),
    Metro("adl1", "Adelaide", "AU", -34.9285, 138.6007, 400, 1.12, 1.30),
    Metro("cbr1", "Canberra", "AU", -35.2809, 149.1300, 500, 1.10, 1.25),
    Metro("drw1", "Darwin", "AU", -12.4634, 130.8456, 200, 1.15, 1.50),
    Metro("akl1", "Auckland", "NZ", -36.8485, 174.7633, 800, 1.15, 1.25),
    Metro("wlg1", "Wellington", "NZ", -41.2865, 174.7762, 300, 1.18, 1.20),
    Metro("sin1", "Singapore", "SG", 1.3521, 103.8198, 300, 1.20, 1.45),
    Metro("hkg1", "Hong Kong", "HK", 22.3193, 114.1694, 600, 1.18, 1.45),
    Metro("tyo1", "Tokyo", "JP", 35.6762, 139.6503, 1500, 1.12, 1.35),
    Metro("osa1", "Osaka", "JP", 34.6937, 135.5023, 1500, 1.10, 1.35),
    Metro("fuk1", "Fukuoka", "JP", 33.5904, 130.4017, 400, 1.08, 1.35),
    Metro("sel1", "Seoul", "KR", 37.5665, 126.9780, 1200, 1.05, 1.35),
    Metro("pus1", "Busan", "KR", 35.1796, 129.0756, 500, 1.02, 1.35),
    Metro("tpe1", "Taipei", "TW", 25.0330, 121.5654, 1000, 1.05, 1.45),
    Metro("bom1", "Mumbai", "IN", 19.0760, 72.8777, 1500, 0.90, 1.55),
    Metro("maa1", "Chennai", "IN", 13.0827, 80.2707, 1500, 0.88, 1.55),
    Metro("del1", "Delhi", "IN", 28.7041, 77.1025, 1500, 0.90, 1.60),
    Metro("hyd1", "Hyderabad", "IN", 17.3850, 78.4867, 1200, 0.88, 1.55),
    Metro("blr1", "Bengaluru", "IN", 12.9716, 77.5946, 800, 0.90, 1.45),
    Metro("cgk1", "Jakarta", "ID", -6.2088, 106.8456, 1500, 0.95, 1.55),
    Metro("btm1", "Batam", "ID", 1.0456, 104.0305, 600, 0.92, 1.55),
    Metro("kul1", "Kuala Lumpur", "MY", 3.1390, 101.6869, 1200, 0.92, 1.50),
    Metro("jhb1", "Johor Bahru", "MY", 1.4927, 103.7414, 2000, 0.90, 1.50),
    Metro("bkk1", "Bangkok", "TH", 13.7563, 100.5018, 800, 0.95, 1.55),
    Metro("mnl1", "Manila", "PH", 14.5995, 120.9842, 600, 1.00, 1.55),
    Metro("sgn1", "Ho Chi Minh City", "VN", 10.8231, 106.6297, 500, 0.95, 1.55),
    Metro("han1", "Hanoi", "VN", 21.0278, 105.8342, 400, 0.95, 1.50),
    Metro("lax1", "Los Angeles", "US", 34.0522, -118.2437, 2500, 1.00, 1.35),
    Metro("sjc1", "San Jose", "US", 37.3382, -121.8863, 3000, 1.05, 1.30),
    Metro("sea1", "Seattle", "US", 47.6062, -122.3321, 1500, 0.95, 1.20),
    Metro("pdx1", "Portland", "US", 45.5152, -122.6784, 2000, 0.90, 1.20),
    Metro("phx1", "Phoenix", "US", 33.4484, -112.0740, 2000, 0.92, 1.40),
    Metro("slc1", "Salt Lake City", "US", 40.7608, -111.8910, 800, 0.92, 1.25),
    Metro("lon1", "London", "GB", 51.5074, -0.1278, 2000, 1.15, 1.25),
    Metro("fra1", "Frankfurt", "DE", 50.1109, 8.6821, 2000, 1.12, 1.25),
    Metro("ams1", "Amsterdam", "NL", 52.3676, 4.9041, 1500, 1.12, 1.20),
    Metro("mrs1", "Marseille", "FR", 43.2965, 5.3698, 600, 1.08, 1.30),
    Metro("par1", "Paris", "FR", 48.8566, 2.3522, 1200, 1.10, 1.25),
)

# Cable landing points / junctions: kind "waypoint" (never a region's attach node).
WAYPOINTS: tuple[tuple[str, str, float, float], ...] = (
    ("Guam", "GU", 13.4443, 144.7937),
    ("Hawaii", "US", 21.3069, -157.8583),
    ("Fiji", "FJ", -18.1248, 178.4501),
    ("Colombo", "LK", 6.9271, 79.8612),
    ("Djibouti", "DJ", 11.5721, 43.1456),
    ("Suez", "EG", 29.9668, 32.5498),
)

# (a, b, medium, capacity_gbps for the inference service's share, route it models)
LINKS: tuple[tuple[str, str, str, float, str], ...] = (
    # Australia / New Zealand, terrestrial
    ("Sydney", "Canberra", "land", 400, "terrestrial"),
    ("Canberra", "Melbourne", "land", 400, "terrestrial"),
    ("Sydney", "Melbourne", "land", 400, "terrestrial"),
    ("Sydney", "Brisbane", "land", 400, "terrestrial"),
    ("Melbourne", "Adelaide", "land", 200, "terrestrial"),
    ("Adelaide", "Perth", "land", 100, "terrestrial (Nullarbor)"),
    ("Adelaide", "Darwin", "land", 100, "terrestrial (Stuart Highway)"),
    ("Darwin", "Jakarta", "sea", 100, "Darwin-Jakarta-Singapore Cable"),
    ("Auckland", "Wellington", "land", 200, "terrestrial"),
    # Trans-Tasman and trans-Pacific
    ("Sydney", "Auckland", "sea", 200, "Tasman Global Access / Southern Cross NEXT"),
    ("Sydney", "Fiji", "sea", 100, "Southern Cross"),
    ("Fiji", "Hawaii", "sea", 100, "Southern Cross"),
    ("Hawaii", "San Jose", "sea", 100, "Southern Cross (Morro Bay)"),
    ("Auckland", "Hawaii", "sea", 100, "Hawaiki"),
    ("Hawaii", "Portland", "sea", 100, "Hawaiki (Pacific City, OR)"),
    ("Hawaii", "Los Angeles", "sea", 100, "SEA-US / AAG"),
    ("Sydney", "Guam", "sea", 100, "Australia-Japan Cable / JGA-S"),
    ("Guam", "Tokyo", "sea", 100, "JGA-N / Australia-Japan Cable"),
    ("Guam", "Hawaii", "sea", 100, "SEA-US / AAG"),
    ("Guam", "Manila", "sea", 100, "SEA-US / AAG"),
    ("Tokyo", "Los Angeles", "sea", 200, "JUPITER"),
    ("Tokyo", "Portland", "sea", 200, "FASTER"),
    ("Tokyo", "Seattle", "sea", 100, "PC-1"),
    # Australia -> Asia
    ("Sydney", "Perth", "sea", 200, "Indigo Central"),
    ("Perth", "Jakarta", "sea", 100, "Indigo West / ASC"),
    ("Jakarta", "Singapore", "sea", 200, "Indigo West / ASC"),
    # South-east and east Asia
    ("Singapore", "Batam", "sea", 200, "Singapore-Batam"),
    ("Batam", "Jakarta", "sea", 100, "B3J2"),
    ("Singapore", "Johor Bahru", "land", 400, "terrestrial"),
    ("Johor Bahru", "Kuala Lumpur", "land", 400, "terrestrial"),
    ("Kuala Lumpur", "Bangkok", "land", 100, "terrestrial"),
    ("Bangkok", "Ho Chi Minh City", "land", 40, "terrestrial via Cambodia"),
    ("Ho Chi Minh City", "Hanoi", "land", 100, "terrestrial"),
    ("Singapore", "Ho Chi Minh City", "sea", 100, "APG / AAG (Vung Tau)"),
    ("Ho Chi Minh City", "Hong Kong", "sea", 100, "APG / AAG"),
    ("Singapore", "Hong Kong", "sea", 200, "SJC / APG"),
    ("Hong Kong", "Manila", "sea", 100, "SJC / AAG"),
    ("Hong Kong", "Taipei", "sea", 200, "APG / SJC2"),
    ("Taipei", "Tokyo", "sea", 200, "APG / SJC2"),
    ("Hong Kong", "Tokyo", "sea", 100, "SJC"),
    ("Tokyo", "Osaka", "land", 400, "terrestrial"),
    ("Osaka", "Fukuoka", "land", 200, "terrestrial"),
    ("Fukuoka", "Busan", "sea", 100, "KJCN"),
    ("Busan", "Seoul", "land", 400, "terrestrial"),
    # India and the route to Europe
    ("Singapore", "Chennai", "sea", 200, "i2i / SEA-ME-WE 4"),
    ("Singapore", "Colombo", "sea", 100, "SEA-ME-WE 5"),
    ("Chennai", "Colombo", "sea", 100, "SEA-ME-WE 4"),
    ("Colombo", "Mumbai", "sea", 100, "SEA-ME-WE 4"),
    ("Mumbai", "Delhi", "land", 200, "terrestrial"),
    ("Mumbai", "Hyderabad", "land", 200, "terrestrial"),
    ("Hyderabad", "Chennai", "land", 200, "terrestrial"),
    ("Chennai", "Bengaluru", "land", 200, "terrestrial"),
    ("Bengaluru", "Mumbai", "land", 200, "terrestrial"),
    ("Mumbai", "Djibouti", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    ("Djibouti", "Suez", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    ("Suez", "Marseille", "sea", 100, "SEA-ME-WE 4 / AAE-1"),
    # US West, terrestrial
    ("Los Angeles", "San Jose", "land", 400, "terrestrial"),
    ("San Jose", "Portland", "land", 400, "terrestrial"),
    ("Portland", "Seattle", "land", 400, "terrestrial"),
    ("Los Angeles", "Phoenix", "land", 200, "terrestrial"),
    ("Phoenix", "Salt Lake City", "land", 200, "terrestrial"),
    ("Salt Lake City", "San Jose", "land", 200, "terrestrial (via Reno)"),
    # Europe
    ("Marseille", "Paris", "land", 400, "terrestrial"),
    ("Paris", "London", "land", 400, "terrestrial + Channel cables"),
    ("Paris", "Frankfurt", "land", 400, "terrestrial"),
    ("Frankfurt", "Amsterdam", "land", 400, "terrestrial"),
    ("Amsterdam", "London", "sea", 400, "North Sea cables"),
)

# Regions per country (most populous first); US limited to western states.
REGION_QUOTA: dict[str, int] = {
    "AU": 22, "NZ": 7, "SG": 1, "HK": 1, "JP": 24, "KR": 12, "TW": 8,
    "IN": 36, "ID": 22, "MY": 9, "TH": 10, "PH": 12, "VN": 12,
    "US": 30, "GB": 8, "DE": 8, "NL": 4, "FR": 8,
}  # fmt: skip
US_STATES = frozenset({"CA", "OR", "WA", "NV", "AZ", "UT", "ID"})
# Share of the population that uses the service (relative adoption), by country.
ADOPTION: dict[str, float] = {
    "AU": 1.0, "NZ": 1.0, "SG": 1.2, "HK": 1.0, "JP": 0.7, "KR": 0.9, "TW": 0.8,
    "IN": 0.15, "ID": 0.2, "MY": 0.5, "TH": 0.35, "PH": 0.3, "VN": 0.3,
    "US": 1.2, "GB": 0.5, "DE": 0.5, "NL": 0.5, "FR": 0.5,
}  # fmt: skip
# Data-sovereignty rules: the demand of these countries must be served at home.
SOVEREIGN = frozenset({"IN", "ID"})
