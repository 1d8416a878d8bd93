"""Names compared as a bookkeeper would: "Product Sales" is like "Sales",
"Other Income" like "Other Revenue", "Expenses" like "General Expenses".

Pure functions on strings, used by the suggested mappings
(``sync/mappings.py``). A name is reduced to its meaningful words: lower
case, singular, synonyms folded ("revenue" is "income"), filler words
dropped ("general", "other", "account"...). Two names are the *same* when
their normalised texts are equal, *similar* when they share words; the
score is the share of words in common (Jaccard). Digits alone are no word
(codes are compared elsewhere).
"""

import re

#: words that say nothing of what an account is for
STOP_WORDS = frozenset({
    "a", "an", "and", "the", "of", "for", "to", "on", "in", "at", "by", "from", "with",
    "general", "other", "misc", "miscellaneous", "sundry", "various",
    "account", "acct", "business",
})
#: words of the same meaning in charts of accounts
SYNONYMS = {"revenue": "income", "turnover": "income", "expenditure": "expense", "fee": "charge"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(name):
    """Lower case, words separated by one space, punctuation dropped."""
    return " ".join(_WORD.findall((name or "").lower()))


def singular(word):
    """"expenses" → "expense", "supplies" → "supply"; "business", "gas" stay."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(name):
    """The meaningful words of ``name`` (a set)."""
    found = set()
    for word in _WORD.findall((name or "").lower()):
        if word.isdigit() or word in STOP_WORDS:
            continue
        base = singular(word)
        found.add(SYNONYMS.get(base, base))
    return found


def same_name(left, right):
    return bool(normalise(left)) and normalise(left) == normalise(right)


def similarity(left, right):
    """Share of meaningful words in common (0 to 1)."""
    a, b = words(left), words(right)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def unique_best(candidates, score):
    """The one candidate with the highest positive ``score``, or None when
    none scores or several share the best score (no guess between equals)."""
    scored = [(score(candidate), candidate) for candidate in candidates]
    scored = [(value, candidate) for value, candidate in scored if value > 0]
    if not scored:
        return None
    best = max(value for value, _candidate in scored)
    top = [candidate for value, candidate in scored if value == best]
    return top[0] if len(top) == 1 else None
