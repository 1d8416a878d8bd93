"""Parser and evaluator for Xero's ``where`` and ``order`` query parameters.

Supported: ``==``, ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``AND``/``&&``, ``OR``/``||``,
``NOT``/``!``, parentheses, dotted paths (``Contact.ContactID``), methods ``Contains``,
``StartsWith``, ``EndsWith``, ``ToLower``, ``ToUpper``, ``Equals``; literals: "strings",
numbers, true/false/null, ``DateTime(2024,1,31[,h,m,s])``, ``DateTime.Parse("...")`` and
``Guid("...")``.  A where clause compiles once into a Python predicate.
"""

from __future__ import annotations

import operator
import re
from datetime import datetime
from decimal import Decimal

from .util import UTC, is_uuid, parse_date_ms

TOKEN_RE = re.compile(
    r"""
    \s*(?:
      (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|>=|<=|&&|\|\||[=<>!(),.])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def unescape(text: str) -> str:
    """The value of a string literal's body: ``\\"`` -> ``"``, ``\\\\`` -> ``\\``, ``\\n``, ``\\uXXXX``.

    Characters outside ASCII are kept as they are (``unicode_escape`` would mangle them).
    """

    def one(m: re.Match) -> str:
        esc = m.group(1)
        if len(esc) == 5:
            return chr(int(esc[1:], 16))
        return ESCAPES.get(esc, esc)

    return ESCAPE_RE.sub(one, text) if "\\" in text else text


class WhereError(ValueError):
    """The where/order clause could not be parsed."""


class _Date(int):
    """Epoch ms coming from a DateTime literal (compares fields as dates)."""


class _Guid(str):
    """A Guid literal (compares case-insensitively)."""


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a where clause into (kind, value) tokens."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise WhereError(f"Unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def get_path(obj, path: list[str]):
    """Resolve a dotted path in nested dicts, case-insensitively."""
    cur = obj
    for part in path:
        if not isinstance(cur, dict):
            return None
        if part in cur:
            cur = cur[part]
            continue
        low = part.lower()
        for key, value in cur.items():
            if key.lower() == low:
                cur = value
                break
        else:
            return None
    return cur


def _coerce(left, right):  # noqa: PLR0911 - one early return per operand kind
    """Make two operands comparable (dates, guids, numbers, booleans)."""
    if isinstance(right, _Date) or isinstance(left, _Date):
        lm = left if isinstance(left, int) and not isinstance(left, bool) else parse_date_ms(left)
        rm = right if isinstance(right, int) and not isinstance(right, bool) else parse_date_ms(right)
        return lm, rm
    if isinstance(right, _Guid) or isinstance(left, _Guid):
        return (str(left).lower() if left is not None else None), (str(right).lower() if right is not None else None)
    if isinstance(right, Decimal) and isinstance(left, (int, float)) and not isinstance(left, bool):
        return Decimal(str(left)), right
    if isinstance(left, Decimal) and isinstance(right, (int, float)) and not isinstance(right, bool):
        return left, Decimal(str(right))
    if isinstance(left, str) and isinstance(right, str):
        if is_uuid(left) and is_uuid(right):
            return left.lower(), right.lower()
        lm, rm = (parse_date_ms(left) if left.startswith("/Date(") else None), None
        if lm is not None:
            rm = parse_date_ms(right)
            if rm is not None:
                return lm, rm
    return left, right


ORDERINGS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _compare(op: str, left, right) -> bool:
    left, right = _coerce(left, right)
    if op in ("==", "="):
        return left == right
    if op == "!=":
        return left != right
    if left is None or right is None or op not in ORDERINGS:
        return False
    try:
        return ORDERINGS[op](left, right)
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, offset=0):
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1].upper() != value.upper()):
            raise WhereError(f"Expected {value or 'a token'} but found {tok[1]!r}")
        self.i += 1
        return tok

    def at(self, *values) -> bool:
        kind, val = self.peek()
        return kind in ("op", "name") and val is not None and val.upper() in values

    def parse(self):
        fn = self.or_expr()
        if self.i != len(self.tokens):
            raise WhereError(f"Unexpected {self.peek()[1]!r}")
        return fn

    def or_expr(self):
        parts = [self.and_expr()]
        while self.at("OR", "||"):
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda o, ps=parts: any(p(o) for p in ps))

    def and_expr(self):
        parts = [self.not_expr()]
        while self.at("AND", "&&"):
            self.i += 1
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda o, ps=parts: all(p(o) for p in ps))

    def not_expr(self):
        if self.at("NOT", "!"):
            self.i += 1
            inner = self.not_expr()
            return lambda o: not inner(o)
        return self.comparison()

    def comparison(self):
        if self.peek()[1] == "(":
            save = self.i
            self.i += 1
            try:
                inner = self.or_expr()
                self.take(")")
                if not self.at("==", "=", "!=", ">", ">=", "<", "<="):
                    return inner
            except WhereError:
                pass
            self.i = save
        left = self.operand()
        if self.at("==", "=", "!=", ">", ">=", "<", "<="):
            op = self.take()[1]
            right = self.operand()
            return lambda o: _compare(op, left(o), right(o))
        return lambda o: bool(left(o))

    def operand(self):  # noqa: PLR0911 - one return per literal kind
        kind, val = self.peek()
        if kind == "str":
            self.i += 1
            lit = unescape(val[1:-1])
            return self.methods(lambda o, v=lit: v)
        if kind == "num":
            self.i += 1
            return lambda o, v=Decimal(val): v
        if val == "(":
            self.i += 1
            inner = self.operand()
            self.take(")")
            return inner
        if kind != "name":
            raise WhereError(f"Unexpected {val!r}")
        up = val.upper()
        if up in ("TRUE", "FALSE"):
            self.i += 1
            return lambda o, v=(up == "TRUE"): v
        if up == "NULL":
            self.i += 1
            return lambda o: None
        if up == "GUID" and self.peek(1)[1] == "(":
            self.i += 2
            text = self.take()[1].strip('"')
            self.take(")")
            if not is_uuid(text):
                raise WhereError(f"Invalid Guid {text!r}")
            guid = _Guid(text)
            return lambda o: guid
        if up == "DATETIME" and self.peek(1)[1] in ("(", "."):
            return self.datetime_literal()
        path = [self.take()[1]]
        while self.peek()[1] == "." and self.peek(1)[0] == "name" and self.peek(2)[1] != "(":
            self.i += 1
            path.append(self.take()[1])
        return self.methods(lambda o, p=path: get_path(o, p))

    def datetime_literal(self):
        self.take("DateTime")
        if self.peek()[1] == ".":
            self.i += 1
            self.take("Parse")
            self.take("(")
            text = self.take()[1].strip('"')
            self.take(")")
            ms = parse_date_ms(text)
            if ms is None:
                raise WhereError(f"Invalid date {text!r}")
            when = _Date(ms)
            return lambda o: when
        self.take("(")
        nums = [int(self.take()[1])]
        while self.peek()[1] == ",":
            self.i += 1
            nums.append(int(self.take()[1]))
        self.take(")")
        try:
            dt = datetime(*nums, tzinfo=UTC)
        except (TypeError, ValueError) as exc:
            raise WhereError(f"Invalid DateTime{tuple(nums)}") from exc
        when = _Date(int(dt.timestamp() * 1000))
        return lambda o: when

    def methods(self, base):
        while self.peek()[1] == "." and self.peek(1)[0] == "name" and self.peek(2)[1] == "(":
            self.i += 1
            name = self.take()[1].lower()
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.operand())
                if self.peek()[1] == ",":
                    self.i += 1
            self.take(")")
            base = _method(name, base, args)
        return base


def _method(name: str, base, args):
    if name == "tolower":
        return lambda o: v.lower() if isinstance(v := base(o), str) else v
    if name == "toupper":
        return lambda o: v.upper() if isinstance(v := base(o), str) else v
    if name in ("contains", "startswith", "endswith", "equals"):
        if len(args) != 1:
            raise WhereError(f"{name} takes one argument")
        arg = args[0]

        def call(o):
            v, a = base(o), arg(o)
            if not isinstance(v, str) or not isinstance(a, str):
                return v == a if name == "equals" else False
            if name == "contains":
                return a in v
            if name == "startswith":
                return v.startswith(a)
            if name == "endswith":
                return v.endswith(a)
            return v == a

        return call
    raise WhereError(f"Unsupported method {name}")


def compile_where(text: str):
    """Compile a where clause into ``predicate(obj) -> bool``."""
    if not text or not text.strip():
        return lambda o: True
    return _Parser(text).parse()


def sort_key_value(value):
    """A sortable key for any field value (dates by time, None first)."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float, Decimal)):
        return (2, float(value))
    if isinstance(value, str):
        if value.startswith("/Date("):
            ms = parse_date_ms(value)
            if ms is not None:
                return (2, float(ms))
        return (3, value.lower())
    return (4, str(value))


def apply_order(objs: list, order: str) -> list:
    """Sort objects by an ``order`` clause such as ``Name ASC, UpdatedDateUTC DESC``."""
    if not order or not order.strip():
        return objs
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise WhereError(f"Invalid order clause {order!r}")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise WhereError(f"Invalid order direction {words[1]!r}")
        keys.append((words[0].split("."), direction == "DESC"))
    out = list(objs)
    for path, desc in reversed(keys):
        out.sort(key=lambda o, p=path: sort_key_value(get_path(o, p)), reverse=desc)
    return out
