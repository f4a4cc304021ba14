"""Names for a synthetic Norfolk: adolescents' first names of their birth years, adults' names and
surnames from Faker's en_GB lists, and the heritages of the county's larger communities.

Everything here is invented or a common name; no row is a real person. Surnames in Polish,
Lithuanian and Latvian take their feminine forms, as families record them.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import cache

from faker.providers.person.en_GB import Provider as FakerGB

from harbour.demo.rand import Weighted, chance, uniform

# Popular names of children born in England and Wales between about 2006 and 2016, weighted.
BOYS = {
    "Oliver": 9,
    "Jack": 9,
    "Harry": 9,
    "Charlie": 8,
    "Thomas": 7,
    "Jacob": 7,
    "Alfie": 8,
    "Riley": 7,
    "William": 6,
    "James": 6,
    "Joshua": 7,
    "George": 6,
    "Ethan": 6,
    "Noah": 5,
    "Samuel": 5,
    "Daniel": 5,
    "Oscar": 5,
    "Max": 5,
    "Mason": 6,
    "Logan": 5,
    "Lucas": 4,
    "Tyler": 6,
    "Dylan": 5,
    "Leo": 4,
    "Callum": 4,
    "Kayden": 4,
    "Jayden": 5,
    "Alexander": 4,
    "Lewis": 4,
    "Liam": 4,
    "Ryan": 4,
    "Kieran": 3,
    "Connor": 4,
    "Jake": 4,
    "Luke": 4,
    "Harvey": 5,
    "Archie": 5,
    "Freddie": 5,
    "Finley": 5,
    "Bailey": 4,
    "Brandon": 3,
    "Reece": 3,
    "Kai": 4,
    "Jamie": 3,
    "Ben": 2,
    "Aiden": 4,
    "Cameron": 3,
    "Corey": 2,
    "Owen": 3,
    "Toby": 4,
    "Louie": 4,
    "Frankie": 3,
    "Tommy": 3,
    "Ellis": 2,
    "Bradley": 2,
    "Nathan": 3,
    "Matthew": 3,
    "Benjamin": 3,
    "Joseph": 4,
    "Sonny": 2,
    "Theo": 3,
    "Ronnie": 2,
    "Mackenzie": 2,
}
GIRLS = {
    "Olivia": 9,
    "Amelia": 9,
    "Emily": 8,
    "Jessica": 8,
    "Lily": 8,
    "Sophie": 7,
    "Ruby": 7,
    "Chloe": 7,
    "Grace": 6,
    "Isabella": 6,
    "Mia": 6,
    "Ella": 6,
    "Evie": 7,
    "Charlotte": 6,
    "Megan": 5,
    "Holly": 5,
    "Lucy": 5,
    "Ellie": 6,
    "Hannah": 4,
    "Amber": 4,
    "Phoebe": 4,
    "Freya": 5,
    "Katie": 4,
    "Millie": 5,
    "Poppy": 5,
    "Isla": 4,
    "Daisy": 4,
    "Eva": 3,
    "Madison": 4,
    "Leah": 4,
    "Lacey": 3,
    "Courtney": 2,
    "Paige": 3,
    "Skye": 3,
    "Summer": 3,
    "Jade": 3,
    "Kayla": 3,
    "Abigail": 3,
    "Niamh": 2,
    "Scarlett": 3,
    "Erin": 3,
    "Caitlin": 3,
    "Bethany": 3,
    "Tia": 3,
    "Molly": 4,
    "Maisie": 4,
    "Libby": 3,
    "Rebecca": 2,
    "Keira": 3,
    "Alisha": 2,
    "Lexi": 3,
    "Harriet": 2,
    "Imogen": 2,
    "Darcey": 2,
    "Sienna": 2,
}
NEUTRAL = ["Alex", "Charlie", "Riley", "Jamie", "Sam", "Frankie", "Robin", "Ash", "Rowan", "Jordan", "Kit"]

IRISH_SURNAMES = [
    "Murphy",
    "O'Brien",
    "Doherty",
    "McDonagh",
    "Ward",
    "Connors",
    "Joyce",
    "Quinn",
    "Keane",
    "Maughan",
    "Gallagher",
    "Byrne",
    "Kavanagh",
    "Delaney",
    "Boswell",
    "Lee",
]
CARIBBEAN_SURNAMES = ["Campbell", "Williams", "Francis", "Grant", "Reid", "Thompson", "Clarke", "Henry"]
CARIBBEAN_BOYS = ["Tyrese", "Jaden", "Kai", "Andre", "Marcus", "Malachi", "Isaiah", "Jermaine", "Reuben"]
CARIBBEAN_GIRLS = ["Shanice", "Tiana", "Keisha", "Jada", "Aaliyah", "Nia", "Chantelle", "Imani"]


@dataclass(frozen=True)
class Heritage:
    """A family background: the names its children and adults are given, and its languages."""

    code: str
    boys: tuple[str, ...]
    girls: tuple[str, ...]
    men: tuple[str, ...]
    women: tuple[str, ...]
    surnames: tuple[str, ...]
    language: str = "English"
    # Share of children and of adults whose first language is ``language`` rather than English.
    child_language_share: float = 0.0
    adult_language_share: float = 0.0


def _heritage(
    code: str,
    boys: str,
    girls: str,
    surnames: str,
    *,
    language: str,
    child_language_share: float,
    adult_language_share: float,
) -> Heritage:
    b, g = tuple(boys.split()), tuple(girls.split())
    return Heritage(
        code, b, g, b, g, tuple(surnames.split()), language, child_language_share, adult_language_share
    )


HERITAGES: dict[str, Heritage] = {
    h.code: h
    for h in (
        _heritage(
            "polish",
            "Jakub Kacper Szymon Filip Mateusz Bartosz Michał Wiktor Dawid Oskar Kamil Adrian",
            "Zuzanna Julia Maja Lena Zofia Natalia Wiktoria Oliwia Aleksandra Martyna Weronika",
            "Nowak Kowalski Wiśniewski Wójcik Kamiński Lewandowski Zieliński Szymański Dąbrowski "
            "Kozłowski Mazur Krawczyk Jankowski Wojciechowski Kwiatkowski",
            language="Polish",
            child_language_share=0.5,
            adult_language_share=0.9,
        ),
        _heritage(
            "lithuanian",
            "Lukas Matas Nojus Dominykas Jonas Kajus Rokas Domantas Mantas Tomas",
            "Emilija Gabija Ugnė Austėja Lukrecija Kamilė Gabrielė Urtė Viltė Rugilė",
            "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas Butkus Paulauskas "
            "Urbonas Kavaliauskas Balčiūnas",
            language="Lithuanian",
            child_language_share=0.55,
            adult_language_share=0.9,
        ),
        _heritage(
            "portuguese",
            "João Rodrigo Tiago Diogo Gonçalo Rafael Miguel Afonso Duarte Martim",
            "Beatriz Mariana Inês Leonor Matilde Carolina Ana Sofia Margarida Lara",
            "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa Fernandes Gomes Lopes",
            language="Portuguese",
            child_language_share=0.5,
            adult_language_share=0.85,
        ),
        _heritage(
            "romanian",
            "Andrei Alexandru David Ștefan Luca Mihai Ionuț Gabriel Darius Cristian",
            "Maria Ioana Andreea Elena Alexandra Bianca Daria Sofia Denisa Larisa",
            "Popescu Ionescu Popa Radu Dumitru Stan Stoica Gheorghe Munteanu Constantin Lungu",
            language="Romanian",
            child_language_share=0.6,
            adult_language_share=0.9,
        ),
        _heritage(
            "latvian",
            "Roberts Kristaps Markuss Artūrs Daniels Gustavs Rihards Edgars",
            "Sofija Alise Anna Marta Emīlija Elza Paula Laura",
            "Bērziņš Kalniņš Ozoliņš Jansons Liepiņš Krūmiņš Ozols Vītols",
            language="Latvian",
            child_language_share=0.5,
            adult_language_share=0.85,
        ),
        _heritage(
            "indian",
            "Arjun Rohan Aarav Dev Kiran Vikram Ravi Nikhil Jai",
            "Priya Ananya Diya Isha Kavya Riya Anika Simran",
            "Patel Sharma Singh Gupta Mistry Shah Chauhan Kumar",
            language="Gujarati",
            child_language_share=0.05,
            adult_language_share=0.35,
        ),
        _heritage(
            "pakistani",
            "Mohammed Ali Hamza Ibrahim Zain Bilal Usman Ayaan Yusuf",
            "Aisha Zara Maryam Fatima Amna Hira Sana Iqra Khadija",
            "Khan Hussain Ahmed Iqbal Akhtar Rashid Mahmood Shah",
            language="Urdu",
            child_language_share=0.05,
            adult_language_share=0.4,
        ),
        _heritage(
            "bangladeshi",
            "Rahim Sami Tahmid Arif Nabil Rayhan Imran",
            "Nusrat Tasnim Sadia Farhana Ruksana Jannat",
            "Rahman Miah Uddin Islam Chowdhury Ali Hoque",
            language="Bengali",
            child_language_share=0.05,
            adult_language_share=0.45,
        ),
        _heritage(
            "chinese",
            "Wei Jun Hao Ming Kai Ethan Ryan",
            "Mei Lin Xin Yan Jia Chloe Grace",
            "Chen Wang Li Zhang Liu Wong Lam Cheung",
            language="Cantonese",
            child_language_share=0.05,
            adult_language_share=0.5,
        ),
        _heritage(
            "other-asian",
            "Rajan Bikash Jose Mark Prakash Nabin",
            "Anjali Maria Grace Sunita Jasmine Angel",
            "Gurung Rai Santos Reyes Tamang Limbu Cruz",
            language="Nepali",
            child_language_share=0.05,
            adult_language_share=0.4,
        ),
        _heritage(
            "african",
            "Chidi Emeka Kwame Kofi Tunde Abdi Samuel David Daniel Joshua",
            "Adaeze Chioma Ama Abena Amina Hodan Grace Blessing Favour Precious",
            "Okafor Adeyemi Mensah Owusu Osei Abdi Mohamed Nwosu Balogun Asante",
            language="Somali",
            child_language_share=0.05,
            adult_language_share=0.3,
        ),
        _heritage(
            "arab",
            "Omar Yusuf Ahmad Khaled Karim Hassan",
            "Layla Noor Yasmin Huda Rania Mariam",
            "Haddad Nasser Mansour Saleh Al-Sayed Hamdan",
            language="Arabic",
            child_language_share=0.2,
            adult_language_share=0.7,
        ),
        _heritage(
            "kurdish-afghan",
            "Aram Dara Reza Ahmad Sardar Farhad",
            "Shirin Narges Zhila Parisa Soma",
            "Ahmadi Karimi Rahimi Hosseini Mohammadi Amiri",
            language="Dari",
            child_language_share=0.35,
            adult_language_share=0.8,
        ),
    )
}

# Which heritage a family of each ethnicity has (British and Irish names come from Faker's lists).
ETHNICITY_HERITAGES: dict[str, dict[str, float]] = {
    "white-other": {"polish": 30, "lithuanian": 25, "portuguese": 20, "romanian": 15, "latvian": 10},
    "asian-indian": {"indian": 1},
    "asian-pakistani": {"pakistani": 1},
    "asian-bangladeshi": {"bangladeshi": 1},
    "asian-chinese": {"chinese": 1},
    "asian-other": {"other-asian": 1},
    "black-african": {"african": 1},
    "other-arab": {"arab": 1},
    "other-any": {"kurdish-afghan": 1},
}
# Where the county's Eastern European and Portuguese communities are larger, their mix differs.
TOWN_WHITE_OTHER: dict[str, dict[str, float]] = {
    "Thetford": {"portuguese": 35, "lithuanian": 30, "polish": 25, "romanian": 5, "latvian": 5},
    "Great Yarmouth": {"portuguese": 30, "lithuanian": 25, "polish": 25, "romanian": 10, "latvian": 10},
    "Gorleston-on-Sea": {"portuguese": 25, "lithuanian": 25, "polish": 30, "romanian": 10, "latvian": 10},
    "King's Lynn": {"polish": 35, "lithuanian": 30, "latvian": 15, "portuguese": 10, "romanian": 10},
    "Norwich": {"polish": 30, "romanian": 25, "portuguese": 15, "lithuanian": 15, "latvian": 15},
}


@dataclass(frozen=True)
class Pools:
    boys: Weighted[str]
    girls: Weighted[str]
    neutral: Weighted[str]
    men: Weighted[str]
    women: Weighted[str]
    surnames: Weighted[str]
    irish_surnames: Weighted[str]
    caribbean_boys: Weighted[str]
    caribbean_girls: Weighted[str]
    caribbean_surnames: Weighted[str]
    heritage_boys: dict[str, Weighted[str]]
    heritage_girls: dict[str, Weighted[str]]
    heritage_surnames: dict[str, Weighted[str]]


@cache
def pools() -> Pools:
    return Pools(
        boys=Weighted(BOYS),
        girls=Weighted(GIRLS),
        neutral=uniform(NEUTRAL),
        men=uniform(sorted(set(FakerGB.first_names_male))),
        women=uniform(sorted(set(FakerGB.first_names_female))),
        surnames=Weighted(sorted(FakerGB.last_names.items())),
        irish_surnames=uniform(IRISH_SURNAMES),
        caribbean_boys=uniform(CARIBBEAN_BOYS),
        caribbean_girls=uniform(CARIBBEAN_GIRLS),
        caribbean_surnames=uniform(CARIBBEAN_SURNAMES),
        heritage_boys={code: uniform(h.boys) for code, h in HERITAGES.items()},
        heritage_girls={code: uniform(h.girls) for code, h in HERITAGES.items()},
        heritage_surnames={code: uniform(h.surnames) for code, h in HERITAGES.items()},
    )


def family_surname(rng: random.Random, heritage: str) -> str:
    """A family's surname in its base (masculine) form."""
    p = pools()
    if heritage in p.heritage_surnames:
        if heritage == "portuguese" and chance(rng, 0.3):
            first, second = p.heritage_surnames[heritage].pick(rng), p.heritage_surnames[heritage].pick(rng)
            if first != second:
                return f"{first} {second}"
        return p.heritage_surnames[heritage].pick(rng)
    if heritage == "irish":
        return p.irish_surnames.pick(rng)
    if heritage == "caribbean" and chance(rng, 0.5):
        return p.caribbean_surnames.pick(rng)
    surname = p.surnames.pick(rng)
    if chance(rng, 0.04):
        other = p.surnames.pick(rng)
        if other != surname and "'" not in other + surname:
            return f"{surname}-{other}"
    return surname


def surname_form(surname: str, heritage: str, *, female: bool, married: bool = False) -> str:
    """The form of a family surname a woman or girl bears in Polish, Lithuanian and Latvian."""
    if not female:
        return surname
    if heritage == "polish" and surname.endswith(("ski", "cki", "dzki")):
        return surname[:-1] + "a"
    if heritage == "lithuanian":
        for ending, girl, wife in (
            ("ius", "iūtė", "ienė"),
            ("as", "aitė", "ienė"),
            ("us", "utė", "ienė"),
            ("is", "ytė", "ienė"),
            ("ys", "ytė", "ienė"),
        ):
            if surname.endswith(ending):
                stem = surname[: -len(ending)]
                return stem + (wife if married else girl)
    if heritage == "latvian":
        if surname.endswith("š"):
            return surname[:-1] + "a"
        if surname.endswith("ns"):
            return surname[:-1] + "e"
        if surname.endswith("s"):
            return surname[:-1] + "a"
    return surname


def child_first_name(rng: random.Random, heritage: str, *, female: bool, neutral: bool = False) -> str:
    """A first name given at birth (``female`` picks the list; ``neutral`` sometimes picks a name
    used by anyone, for young people who are non-binary or describe themselves another way)."""
    p = pools()
    if neutral and chance(rng, 0.3):
        return p.neutral.pick(rng)
    if heritage in p.heritage_boys and chance(rng, 0.85):
        return (p.heritage_girls if female else p.heritage_boys)[heritage].pick(rng)
    if heritage == "caribbean" and chance(rng, 0.5):
        return (p.caribbean_girls if female else p.caribbean_boys).pick(rng)
    return (p.girls if female else p.boys).pick(rng)


def adult_first_name(rng: random.Random, heritage: str, *, female: bool) -> str:
    p = pools()
    if heritage in p.heritage_boys and chance(rng, 0.9):
        return (p.heritage_girls if female else p.heritage_boys)[heritage].pick(rng)
    return (p.women if female else p.men).pick(rng)


def middle_name(rng: random.Random, heritage: str, *, female: bool) -> str:
    p = pools()
    if heritage in p.heritage_boys:
        return (
            (p.heritage_girls if female else p.heritage_boys)[heritage].pick(rng) if chance(rng, 0.2) else ""
        )
    if not chance(rng, 0.6):
        return ""
    return (p.women if female else p.men).pick(rng)


# Names the same young person is recorded under by different people. In each group the first name
# is the one given at birth: it may be written as any of the others (Kayden/Kaden, Alexander/Alex),
# and any of the others may be written as it. Names given in another language are only ever
# anglicised or lose their accents (Jakub/Jacob, João/Joao), never the other way round.
VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Kayden", "Kaden", "Kaiden", "Caden"),
    ("Jayden", "Jaden", "Jaiden"),
    ("Aiden", "Aidan", "Ayden"),
    ("Alexander", "Alex", "Xander"),
    ("Jessica", "Jess", "Jessie"),
    ("Thomas", "Tom", "Tommy"),
    ("William", "Will", "Billy"),
    ("Joshua", "Josh"),
    ("Samuel", "Sam", "Sammy"),
    ("Daniel", "Dan", "Danny"),
    ("Matthew", "Matt"),
    ("Benjamin", "Ben"),
    ("Joseph", "Joe", "Joey"),
    ("James", "Jamie", "Jim"),
    ("Charlie", "Charles"),
    ("Charlotte", "Lottie"),
    ("Rebecca", "Becky", "Becca"),
    ("Katie", "Kate", "Katy"),
    ("Abigail", "Abbie", "Abby"),
    ("Isabella", "Bella", "Izzy", "Isabelle"),
    ("Olivia", "Liv", "Livvy"),
    ("Emily", "Emilie", "Em"),
    ("Alfie", "Alfred"),
    ("Freddie", "Frederick", "Freddy"),
    ("Archie", "Archibald"),
    ("Mohammed", "Muhammad", "Mohammad", "Mohamed"),
    ("Callum", "Calum", "Cal"),
    ("Connor", "Conor"),
    ("Kieran", "Kieron", "Ciaran"),
    ("Reece", "Rhys", "Reese"),
    ("Lacey", "Lacie"),
    ("Madison", "Maddie", "Maddison"),
    ("Ellie", "Elle"),
    ("Amelia", "Millie", "Milly"),
    ("Sophie", "Sophia", "Soph"),
    ("Megan", "Meg"),
    ("Hannah", "Hanna"),
    ("Leah", "Lea"),
    ("Tyler", "Ty"),
    ("Mackenzie", "Kenzie"),
    ("Nathan", "Nate"),
    ("Jacob", "Jake", "Jakob"),
    ("Lewis", "Louis"),
    ("Louie", "Lou"),
    ("Keira", "Kiera"),
    ("Caitlin", "Katelyn", "Kaitlyn"),
    ("Lexi", "Lexie", "Alexis"),
    ("Theo", "Theodore"),
    ("Luke", "Luc"),
    ("Lucas", "Lukas"),
)
ANGLICISED: dict[str, tuple[str, ...]] = {
    "Jakub": ("Kuba", "Jacob", "Jakob"),
    "Mateusz": ("Matt", "Mateus"),
    "Michał": ("Michal", "Michael"),
    "Szymon": ("Simon",),
    "Filip": ("Philip",),
    "Zuzanna": ("Zuza", "Susanna"),
    "Wiktoria": ("Victoria", "Vicky"),
    "Oliwia": ("Olivia",),
    "Aleksandra": ("Ola", "Alexandra"),
    "Lukas": ("Luke", "Lucas"),
    "Dominykas": ("Dominic",),
    "Emilija": ("Emily", "Emilia"),
    "Gabrielė": ("Gabriele", "Gabby"),
    "Ugnė": ("Ugne",),
    "Kamilė": ("Kamile",),
    "João": ("Joao", "John"),
    "Gonçalo": ("Goncalo",),
    "Inês": ("Ines",),
    "Beatriz": ("Bia", "Beatrice"),
    "Ștefan": ("Stefan",),
    "Ionuț": ("Ionut",),
    "Andreea": ("Andrea",),
    "Alexandru": ("Alex",),
    "Artūrs": ("Arturs", "Arthur"),
    "Emīlija": ("Emilija", "Emily"),
}


@cache
def _variants() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {name: list(others) for name, others in ANGLICISED.items()}
    for group in VARIANT_GROUPS:
        given, *others = group
        found.setdefault(given, []).extend(others)
    for group in VARIANT_GROUPS:
        given, *others = group
        for name in others:
            found.setdefault(name, [given])  # the first group that has it decides
    return {name: tuple(dict.fromkeys(others)) for name, others in found.items()}


def has_variant(name: str) -> bool:
    return name in _variants()


def first_name_variant(rng: random.Random, name: str) -> str | None:
    """Another way the same first name gets written (Kayden/Kaden, Alexander/Alex), if there is one."""
    options = _variants().get(name)
    return rng.choice(options) if options else None


_POLISH_LETTERS = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_PHONETIC = (
    ("ph", "f"),
    ("ck", "k"),
    ("ey", "y"),
    ("ie", "y"),
    ("son", "sen"),
    ("ou", "ow"),
    ("th", "t"),
    ("ll", "l"),
    ("tt", "t"),
    ("w", "v"),
    ("z", "s"),
    ("ei", "ie"),
    ("Mc", "Mac"),
)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_POLISH_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def surname_typo(rng: random.Random, surname: str) -> str:
    """A plausible keying or hearing error in a surname, different from it."""
    if surname != strip_accents(surname) and chance(rng, 0.5):
        return strip_accents(surname)
    for _ in range(10):
        kind = rng.randrange(4)
        if kind == 0 and len(surname) > 3:  # two letters the wrong way round
            i = rng.randrange(1, len(surname) - 1)
            typo = surname[:i] + surname[i + 1] + surname[i] + surname[i + 2 :]
        elif kind == 1 and len(surname) > 4:  # a letter missed
            i = rng.randrange(1, len(surname))
            typo = surname[:i] + surname[i + 1 :]
        elif kind == 2 and len(surname) > 2:  # a letter doubled
            i = rng.randrange(1, len(surname))
            typo = surname[:i] + surname[i] + surname[i:]
        else:  # spelt as heard
            options = [(a, b) for a, b in _PHONETIC if a in surname] + [
                (b, a) for a, b in _PHONETIC if b in surname
            ]
            if not options:
                continue
            a, b = rng.choice(options)
            typo = surname.replace(a, b, 1)
        if typo and typo.lower() != surname.lower() and " -" not in typo and "- " not in typo:
            return typo
    return surname + "e"


NICKNAMES = [
    "Tiny",
    "Smudge",
    "Bugsy",
    "Ginge",
    "Rocket",
    "Shorty",
    "Chops",
    "Bam",
    "Skip",
    "Lil Man",
    "Spud",
    "Bubbles",
    "Duke",
    "Blue",
    "Ace",
    "Moose",
    "Kiddo",
    "Flash",
]


def nickname(rng: random.Random, first_name: str, last_name: str) -> str:
    """A name a young person is known by among friends (or that others use for them)."""
    roll = rng.random()
    variant = first_name_variant(rng, first_name)
    if roll < 0.35 and variant:
        return variant
    if roll < 0.55:
        return f"{first_name[0]}{last_name[0]}".upper()
    if roll < 0.7:
        return f"Little {first_name[0].upper()}"
    if roll < 0.8 and len(last_name) > 3 and last_name.isalpha():
        return last_name[:3] + "sy"
    return rng.choice(NICKNAMES)
