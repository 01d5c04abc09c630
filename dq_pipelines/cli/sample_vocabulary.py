"""What sample products are made of: categories, brands, the words of titles and queries, where
sellers ship from, and the vocabulary of the faults (confusable classes, drift, seller contacts).

Products depend on the seed only, so the same product id is the same product in every delivery
(unless the delivery drifts). The word lists are flattened into DuckDB list parameters (LISTS)
that the row SQL indexes into.
"""

from dataclasses import dataclass

import numpy as np

from dq_pipelines.cli.arguments import SAMPLE_SOURCES

CATEGORIES: tuple[str, ...] = (
    "chairs", "desks", "lamps", "sofas", "beds", "tables", "shelves", "rugs",
)  # fmt: skip
SOURCES = SAMPLE_SOURCES
UNKNOWN_CATEGORIES = ("gadgets", "misc", "garden", "toys")

BRANDS = ("Nordhem", "Casaluna", "Woodline", "Lumo", "Stilvoll", "Oakridge", "Vanta", "Hyggelig")
CATEGORY_WEIGHTS = (0.16, 0.12, 0.14, 0.10, 0.10, 0.14, 0.12, 0.12)
SHARED_ADJECTIVES = ("Modern", "Classic", "Compact", "Scandinavian", "Industrial", "Rustic")
SHARED_PHRASES = ("that suits any modern home", "made from responsibly sourced wood")


@dataclass(frozen=True)
class _Kind:
    """Vocabulary of one category.

    Shared words ("Modern", "wood", ...) and a few nouns listed under two categories ("Bench",
    "Sofa Bed", ...) keep a title classifier accurate (~99%) without being trivially perfect.
    """

    adjectives: tuple[str, ...]
    materials: tuple[str, ...]
    nouns: tuple[str, ...]
    extras: tuple[str, ...]  # optional descriptor appended to the title
    phrases: tuple[str, ...]  # category-specific end of the description sentence
    queries: tuple[str, ...]
    price_eur: tuple[float, float]


KINDS: dict[str, _Kind] = {
    "chairs": _Kind(("Ergonomic", "Swivel"), ("Mesh", "Leather", "Velvet", "Oak", "Rattan"),
        ("Office Chair", "Dining Chair", "Armchair", "Bar Stool", "Bench"),
        (" with Armrests", " Set of 2", " Stackable"),
        ("with lumbar support for long working days", "with a padded seat and sturdy legs"),
        ("office chair", "ergonomic chair", "dining chairs", "armchair", "bar stool"),
        (40, 900)),
    "desks": _Kind(("Ergonomic", "Height-Adjustable"), ("Walnut", "Oak", "Steel", "Bamboo"),
        ("Standing Desk", "Writing Desk", "Corner Desk", "Computer Desk", "Console Table"),
        (" 120cm", " 140cm", " 160cm", " with Drawers"),
        ("with room for two monitors and a keyboard", "with cable management for a home office"),
        ("standing desk", "writing desk", "corner desk", "computer desk", "oak desk"),
        (120, 2500)),
    "lamps": _Kind(("Dimmable", "Adjustable"), ("Brass", "Glass", "Linen", "Metal", "Oak"),
        ("Floor Lamp", "Desk Lamp", "Bedside Lamp", "Pendant Light", "Table Lamp"),
        (" with LED Bulb", " E27", " with USB Port"),
        ("with a warm white LED bulb and a fabric shade", "that gives soft light for reading"),
        ("floor lamp", "desk lamp", "bedside lamp", "pendant light", "reading lamp"),
        (15, 600)),
    "sofas": _Kind(("Cosy", "Modular"), ("Velvet", "Leather", "Linen", "Boucle"),
        ("Corner Sofa", "3-Seater Sofa", "Loveseat", "Sofa Bed", "Chaise Longue", "Daybed"),
        (" with Cushions", " Left Facing", " Right Facing"),
        ("with deep seat cushions for the living room", "that seats the whole family"),
        ("corner sofa", "leather couch", "3 seater sofa", "sofa bed", "velvet sofa"),
        (300, 5000)),
    "beds": _Kind(("Upholstered", "Storage"), ("Oak", "Pine", "Velvet", "Metal", "Walnut"),
        ("Double Bed", "King Size Bed", "Bunk Bed", "Bed Frame", "Sofa Bed", "Daybed"),
        (" 140x200", " 160x200", " with Slatted Base"),
        ("with a slatted base for a firm mattress", "with a padded headboard for the bedroom"),
        ("double bed frame", "king size bed", "bunk bed", "storage bed", "sofa bed"),
        (200, 4000)),
    "tables": _Kind(("Extendable", "Round"), ("Oak", "Walnut", "Marble", "Glass", "Pine"),
        ("Dining Table", "Coffee Table", "Side Table", "Console Table", "Bench"),
        (" for 6", " 180cm", " Set of 2"),
        ("that seats six for dinner", "with a scratch-resistant tabletop"),
        ("dining table", "coffee table", "side table", "extendable table", "round table"),
        (60, 3000)),
    "shelves": _Kind(("Floating", "Wall-Mounted"), ("Pine", "Oak", "Metal", "Bamboo"),
        ("Bookcase", "Wall Shelf", "Ladder Shelf", "Shelving Unit", "Cube Storage"),
        (" 5 Tier", " 80cm", " with Doors"),
        ("with adjustable shelves for books and plants", "that mounts on the wall with brackets"),
        ("wall shelf", "bookcase", "floating shelves", "storage shelf", "ladder shelf"),
        (20, 800)),
    "rugs": _Kind(("Hand-Woven", "Washable"), ("Wool", "Jute", "Cotton", "Polyester"),
        ("Area Rug", "Runner Rug", "Round Rug", "Shaggy Rug", "Kilim Rug"),
        (" 160x230", " 200x300", " 80x250"),
        ("with a soft low pile for the living room floor", "with a non-slip backing for hallways"),
        ("area rug", "wool rug", "runner rug", "round rug", "washable rug"),
        (25, 1500)),
}  # fmt: skip


class _Table:
    """Per-category word lists flattened into one DuckDB list, picked by category code."""

    def __init__(self, attr: str, shared: tuple[str, ...] = ()) -> None:
        lists = [getattr(KINDS[c], attr) + shared for c in CATEGORIES]
        self.values = [v for values in lists for v in values]
        self.count = np.array([len(values) for values in lists])
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def pick(self, rng: np.random.Generator, cats: np.ndarray) -> np.ndarray:
        """1-based positions in `values` (DuckDB lists are 1-based), one per category code."""
        return 1 + self.start[cats] + (rng.random(len(cats)) * self.count[cats]).astype(np.int64)


WORDS = {
    "adjectives": _Table("adjectives", SHARED_ADJECTIVES),
    "materials": _Table("materials"),
    "nouns": _Table("nouns"),
    "extras": _Table("extras", ("",) * 3),  # half the titles have no descriptor
    "phrases": _Table("phrases", SHARED_PHRASES),
}
QUERIES = _Table("queries")

# Class-conditional label flips (Faults.class_flipped_labels): each category is mislabelled as
# ONE confusable category, the one a hurried annotator would pick (similar use or room).
CONFUSABLE: dict[str, str] = {
    "chairs": "sofas", "desks": "tables", "lamps": "desks", "sofas": "beds",
    "beds": "sofas", "tables": "desks", "shelves": "tables", "rugs": "sofas",
}  # fmt: skip
ROGUE_ANNOTATOR = "ann_rogue"  # Faults.rogue_annotator: labels at random, alongside ann_01..05
ROGUE_SHARE = 0.2  # share of products the rogue annotator labels (one of their three labels)

# Drift (Faults.drift, a strength s in [0, 1]): categories drawn from (1 - s) * CATEGORY_WEIGHTS
# + s * DRIFT_CATEGORY_WEIGHTS (lamps and rugs take over), prices times DRIFT_PRICE_FACTOR ** s,
# and s * DRIFT_TITLE_SHARE of titles open with a word never seen before the drift.
DRIFT_CATEGORY_WEIGHTS = (0.05, 0.05, 0.30, 0.05, 0.05, 0.05, 0.10, 0.35)
DRIFT_PRICE_FACTOR = 1.5
DRIFT_TITLE_SHARE = 0.5
DRIFT_ADJECTIVES = ("Smart", "Outdoor", "Foldable", "Gaming", "Minimalist", "Boho")

# ships_from_postcode: UK-style postcodes of a few towns. The area (the first 2 characters) has
# one group per town, large enough for k-anonymity; a full postcode (district, sector and unit:
# 80,000 per area) is nearly unique at a few thousand products.
POSTCODE_AREAS = ("LS", "BS", "EH", "CF", "NG", "OX", "CB", "YO", "BN", "PL")  # Leeds ... Plymouth
POSTCODE_DISTRICTS = 20
POSTCODE_UNIT_LETTERS = tuple("ABDEFGHJLNPQRSTUWXYZ")  # the letters Royal Mail uses in units

# Seller contacts leaked into descriptions (Faults.pii_in_descriptions): reserved example
# domains and the UK's drama phone range (+44 7700 900000-900999), so no real person is named.
SELLER_FIRST_NAMES = ("anna", "jonas", "maria", "lukas", "sofia", "felix", "emma", "noah")
SELLER_LAST_NAMES = ("berg", "keller", "novak", "jansen", "moreau", "rossi", "smith", "lind")
SELLER_EMAIL = "Contact the seller: {first}.{last}{number}@example.com."
SELLER_PHONE = "Call the seller on +44 7700 900{number:03d}."

LISTS = {  # DuckDB list parameters the row SQL (sample_rows.py) indexes into with 1-based codes
    "categories": [*CATEGORIES, *UNKNOWN_CATEGORIES],
    "brands": list(BRANDS),
    "queries": QUERIES.values,
    **{name: table.values for name, table in WORDS.items()},
    # Drifted titles' words follow the regular adjectives, so regular codes keep their meaning.
    "adjectives": WORDS["adjectives"].values + list(DRIFT_ADJECTIVES),
    # Postcodes as outward code (e.g. LS6) and inward code (e.g. 3QT), each picked by one code.
    "outward_codes": [f"{a}{d}" for a in POSTCODE_AREAS for d in range(1, POSTCODE_DISTRICTS + 1)],
    "inward_codes": [f"{s}{u}{v}" for s in range(10) for u in POSTCODE_UNIT_LETTERS
                     for v in POSTCODE_UNIT_LETTERS],
}  # fmt: skip
PRICE_RANGE = np.log([KINDS[c].price_eur for c in CATEGORIES])
