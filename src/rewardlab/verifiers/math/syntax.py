r"""The syntax tree of a math answer, read from LaTeX or plain text by a small recursive-descent parser.

Nodes are tuples whose first item names them:

=====================================  ===========================================================
``("num", Fraction, decimal)``          a number literal (``decimal``: written with a point)
``("sym", name)``                       a variable (``x``, ``x_1``, ``\alpha`` -> ``alpha``)
``("const", "pi"|"e"|"inf")``           :math:`\pi`, :math:`e`, :math:`\infty`
``("add", terms)`` ``("mul", factors)``  sums and products (implicit products included)
``("neg", x)`` ``("div", a, b)``        minus, quotient
``("pow", base, exponent)``             powers (``^``, ``**``)
``("fn", name, args)``                  ``sqrt`` (x, index), ``abs``, ``fact``, ``binom``, ``log``
                                        (x, base), ``sin`` ... and ``app`` of a named function
``("pm", a, b)``                        ``a \pm b`` (``a`` may be ``None``)
``("pct", x)`` ``("unit", x, words)``   ``x%``, ``x`` followed by unit words (``5 cm``)
``("word", w)`` ``("text", s)``         a bare word, the content of ``\text{}``
``("brack", open, items, close)``       ``(a, b)``, ``[a, b)``, ``\langle a, b \rangle``
``("set", items)`` ``("group", items)`` ``\{a, b\}``; bare braces ``{a, b}``
``("list", items)``                     a top-level list ``a, b and c``
``("matrix", rows)``                    ``pmatrix``, ``bmatrix``, ``array`` ...
``("rel", parts, ops)``                 ``=``, ``<``, ``\le``, ``\approx``, ``\in`` ... (chains)
``("ratio", parts)``                    ``a : b``
``("setop", op, a, b)``                 ``\cup``, ``\cap``, ``\setminus``
``("empty",)`` ``("reals",)``            :math:`\emptyset`, :math:`\mathbb{R}`
=====================================  ===========================================================

:func:`parse` raises :class:`Unreadable` for anything else (``\dots``, unbalanced brackets ...).

>>> parse(r"\frac12 + x^{2}")
('add', (('div', ('num', Fraction(1, 1), False), ('num', Fraction(2, 1), False)),
         ('pow', ('sym', 'x'), ('num', Fraction(2, 1), False))))
>>> parse("(0, 9]")[0], parse("x \\le 0")[0], parse("0 and k")[0]
('brack', 'rel', 'list')
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..common.boxes import BOX_COMMANDS
from .tokens import Token, TooLong, tidy, tokenize

__all__ = ["Node", "Unreadable", "parse"]

Node = tuple[Any, ...]
MAX_DEPTH = 60


class Unreadable(ValueError):
    """The text is not an answer this parser reads."""


FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "log", "ln", "lg", "exp", "sqrt", "det", "gcd", "lcm", "max", "min", "arg",
}  # fmt: skip
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip
FUNCTION_LETTERS = frozenset("fghFGHPQWST")
"""Single letters read as a function when a parenthesis follows (``f(x)``, ``P(A)``)."""
_RELATIONS = {
    "=": "=", "==": "=", ":=": "=", "<": "<", ">": ">", "<=": "<=", "=<": "<=", ">=": ">=", "=>": ">=",
    "!=": "!=", "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=",
    "\\geqslant": ">=", "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!=", "\\approx": "~",
    "\\simeq": "~", "\\in": "in", "\\notin": "notin", "\\subset": "subset", "\\subseteq": "subset",
    "\\equiv": "equiv", "\\to": "to", "\\rightarrow": "to", "\\implies": "implies", "\\Rightarrow": "implies",
}  # fmt: skip
_TEXT_CMDS = {
    "\\text", "\\textbf", "\\textit", "\\textrm", "\\textsf", "\\texttt", "\\textnormal", "\\mbox", "\\hbox",
    "\\mathrm", "\\mathbf", "\\mathit", "\\mathsf", "\\mathtt", "\\operatorname", "\\mathcal", "\\mathbb",
    "\\boldsymbol", "\\bm", "\\emph",
}  # fmt: skip
_DECOR_CMDS = {"\\vec", "\\overline", "\\overrightarrow", "\\hat", "\\bar", "\\widehat", "\\tilde", "\\overarc"}
_SEPARATOR_WORDS = {"and", "or"}
_INFINITY_WORDS = {"inf", "infinity", "infty"}
_OPERATION_WORDS = {
    "squared", "cubed", "doubled", "tripled", "halved", "inverted", "negated", "reciprocal", "times", "plus",
    "minus", "over", "divided", "multiplied", "factorial",
}  # fmt: skip
_MINUS_ONE = ("neg", ("num", Fraction(1), False))
_TEXT_WRAPPER = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{([^{}]*)\}")
_MATRIX_ENVS = {"pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array"}
_UNIT_WORDS_MIN = 2


class _Parser:
    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.toks = tokens
        self.pos = 0
        self.depth = 0

    # ---- helpers ------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token | None:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise Unreadable("unexpected end")
        self.pos += 1
        return tok

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text in texts

    def expect(self, text: str) -> None:
        tok = self.next()
        if tok.text != text:
            raise Unreadable(f"expected {text!r}, found {tok.text!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unreadable("nested too deep")

    def raw_group(self) -> str:
        """The source text of a ``{...}`` group (tokens joined), for ``\\text{}`` and friends."""
        self.expect("{")
        level, parts = 1, []
        while True:
            tok = self.next()
            if tok.text == "{":
                level += 1
            elif tok.text == "}":
                level -= 1
                if level == 0:
                    return "".join((" " if t.gap and i else "") + t.text for i, t in enumerate(parts))
            parts.append(tok)

    def separator(self) -> bool:
        """Whether the next token separates list items (``,``, ``;``, "and", "or", ``\\text{and}``)."""
        tok = self.peek()
        if tok is None:
            return False
        if tok.text in (",", ";"):
            return True
        if tok.kind == "word" and tok.text.lower() in _SEPARATOR_WORDS:
            return True
        return bool(tok.text in _TEXT_CMDS and self.at_text_separator())

    def at_text_separator(self) -> bool:
        save = self.pos
        try:
            self.pos += 1
            content = self.raw_group().strip().lower() if self.at("{") else ""
        except Unreadable:
            content = ""
        finally:
            self.pos = save
        return content in _SEPARATOR_WORDS or content == ","

    def skip_separator(self) -> str:
        tok = self.next()
        if tok.text in _TEXT_CMDS:
            return self.raw_group().strip().lower()
        return tok.text.lower()

    # ---- grammar ------------------------------------------------------------------------------
    def seq(self, closers: tuple[str, ...]) -> tuple[list[Node], bool]:
        """Items up to a closer (not consumed); whether ``;`` separated groups of items."""
        groups: list[list[Node]] = [[]]
        expecting = True
        while True:
            tok = self.peek()
            if tok is None or tok.text in closers:
                break
            if self.separator():
                sep = self.skip_separator()
                if sep == ";":
                    groups.append([])
                expecting = True
                continue
            if not expecting:
                raise Unreadable(f"two items without a separator at {tok.text!r}")
            groups[-1].append(self.relation())
            expecting = False
        groups = [g for g in groups if g]
        if len(groups) > 1 and any(len(g) > 1 for g in groups):
            return [g[0] if len(g) == 1 else ("brack", "(", tuple(g), ")") for g in groups], True
        return [item for g in groups for item in g], False

    def relation(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.text in _RELATIONS and tok.text not in ("=", ":="):
            # "\\le 3", "\\geq 0": a relation whose left side is left out, still a relation
            parts = [("sym", "_")]
        else:
            parts = [self.ratio()]
        ops: list[str] = []
        while True:
            tok = self.peek()
            if tok is None or tok.text not in _RELATIONS:
                break
            self.next()
            ops.append(_RELATIONS[tok.text])
            parts.append(self.ratio())
        return parts[0] if not ops else ("rel", tuple(parts), tuple(ops))

    def ratio(self) -> Node:
        parts = [self.setexpr()]
        while self.at(":", "\\colon"):
            self.next()
            parts.append(self.setexpr())
        return parts[0] if len(parts) == 1 else ("ratio", tuple(parts))

    def setexpr(self) -> Node:
        left = self.sum()
        while self.at("\\cup", "\\cap", "\\setminus", "\\backslash") or self.plain_union(left):
            op = {"\\cup": "cup", "\\cap": "cap", "U": "cup"}.get(self.next().text, "minus")
            left = ("setop", op, left, self.sum())
        return left

    def plain_union(self, left: Node) -> bool:
        """``(-inf, -1] U (0, inf)``: a capital U between two intervals is a union."""
        nxt = self.peek(1)
        return (
            self.at("U") and left[0] in ("brack", "setop", "set") and nxt is not None and nxt.text in ("(", "[", "\\{")
        )

    def sum(self) -> Node:
        self.enter()
        terms = [self.unary()]
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.text == "+":
                self.next()
                terms.append(self.term())
            elif tok.text == "-":
                self.next()
                terms.append(("neg", self.term()))
            elif tok.text in ("\\pm", "\\mp"):
                self.next()
                rest = self.term()
                left = terms[0] if len(terms) == 1 else ("add", tuple(terms))
                terms = [("pm", left, rest if tok.text == "\\pm" else ("neg", rest))]
            else:
                break
        self.depth -= 1
        return terms[0] if len(terms) == 1 else ("add", tuple(terms))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.text == "-":
            self.next()
            return ("neg", self.unary())
        if tok is not None and tok.text == "+":
            self.next()
            return self.unary()
        if tok is not None and tok.text in ("\\pm", "\\mp"):
            self.next()
            return ("pm", None, self.unary())
        return self.term()

    def term(self) -> Node:
        self.enter()
        factors: list[Node] = [self.signed_power()]
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.text in ("*", "\\cdot", "\\times", "\\ast"):
                self.next()
                factors.append(self.signed_power())
            elif tok.text in ("/", "\\div"):
                self.next()
                den = self.signed_power()
                factors = [("div", _product(factors), den)]
            elif self.starts_factor(tok) and not self.plain_union(factors[-1]):
                unit = self.unit_after(factors[-1])
                if unit is not None:
                    factors[-1] = unit
                    nxt = self.peek()
                    if nxt is not None and nxt.kind in ("num", "word"):
                        raise Unreadable("words between values: prose")
                    continue
                if tok.kind == "num" and _ends_in_number(factors[-1]):
                    raise Unreadable("two numbers side by side")
                factors.append(self.power())
            else:
                break
        self.depth -= 1
        return _product(factors)

    def signed_power(self) -> Node:
        if self.at("-"):
            self.next()
            return ("neg", self.signed_power())
        return self.power()

    def starts_factor(self, tok: Token) -> bool:
        if tok.kind in ("num", "word"):
            return tok.kind == "num" or tok.text.lower() not in _SEPARATOR_WORDS
        if tok.kind == "cmd":
            return tok.text not in _RELATIONS and tok.text not in (
                "\\cup", "\\cap", "\\setminus", "\\pm", "\\mp", "\\cdot", "\\times", "\\div", "\\}", "\\rangle",
                "\\end", "\\\\", "\\backslash", "\\ast", "\\quad", "\\colon",
            ) and not (tok.text in _TEXT_CMDS and self.at_text_separator())  # fmt: skip
        return tok.text in ("(", "[", "{", "|") and not (tok.text == "|" and self.in_abs)

    in_abs = False

    def unit_after(self, left: Node) -> Node | None:
        """``5 cm``, ``15 \\text{ cm}^2``: unit words after a number are a unit, not a product."""
        tok = self.peek()
        assert tok is not None
        if not _numeric_literal(left) and not (
            tok.kind == "word" and left[0] in ("fn", "pow", "div", "const") and self.words_end_here()
        ):
            return None
        if (
            tok.kind == "word"
            and tok.gap
            and len(tok.text) >= _UNIT_WORDS_MIN
            and tok.text.lower() not in FUNCTIONS
            and tok.text.lower() not in _SHORT_WORDS
            and tok.text.lower() not in _OPERATION_WORDS
        ):
            words = [self.next().text]
            while (t := self.peek()) is not None and t.kind == "word" and t.text.lower() not in _SEPARATOR_WORDS:
                words.append(self.next().text)
            self.skip_unit_power()
            return ("unit", left, " ".join(words))
        if tok.text in _TEXT_CMDS and tok.text not in ("\\mathrm", "\\operatorname", "\\mathbb"):
            save = self.pos
            self.next()
            content = self.raw_group().strip()
            if content and all(ch.isalpha() or ch in " .'/-^{}" for ch in content):
                self.skip_unit_power()
                return ("unit", left, content)
            self.pos = save
        return None

    def words_end_here(self) -> bool:
        """The words from here run to the end of the answer (or to a separator, relation, closer):
        trailing unit words after an expression ("3*sqrt(2) units")."""
        k = 0
        while (t := self.peek(k)) is not None and t.kind == "word" and t.text.lower() not in _SEPARATOR_WORDS:
            if (
                t.text.lower() in _SHORT_WORDS
                or t.text.lower() in FUNCTIONS
                or t.text.lower() in _OPERATION_WORDS
                or len(t.text) < _UNIT_WORDS_MIN
            ):
                return False
            k += 1
        after = self.peek(k)
        return k > 0 and (after is None or after.text in (",", ";", ")", "]", "}", "=") or after.text in _RELATIONS)

    def skip_unit_power(self) -> None:
        if self.at("^") and (t := self.peek(1)) is not None and t.text in ("2", "3", "{"):
            self.next()
            if self.at("{"):
                self.raw_group()
            else:
                self.next()

    def power(self) -> Node:
        base = self.postfix()
        if self.at("^", "**"):
            self.next()
            if self.at("\\circ"):
                self.next()
                return ("unit", base, "degrees")
            if self.at("{") and (t := self.peek(1)) is not None and t.text == "\\circ":
                self.raw_group()
                return ("unit", base, "degrees")
            exponent = self.exponent()
            if base[0] == "sym" and base[1] in FUNCTION_LETTERS and exponent == _MINUS_ONE and self.at("("):
                return self.maybe_apply(("sym", base[1] + "^{-1}"), force=True)  # f^{-1}(x): the inverse
            base = ("pow", base, exponent)
            return self.after_postfix(base)
        return base

    def exponent(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise Unreadable("missing exponent")
        if tok.text == "{":
            self.next()
            inner = self.relation()
            self.expect("}")
            return inner
        if tok.text in ("-", "+"):
            self.next()
            inner = self.exponent()
            return ("neg", inner) if tok.text == "-" else inner
        return self.postfix()

    def postfix(self) -> Node:
        return self.after_postfix(self.atom())

    def after_postfix(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok is None:
                return node
            if tok.text == "!" and not tok.gap:
                self.next()
                node = ("fn", "fact", (node,))
            elif tok.text == "%":
                self.next()
                node = ("pct", node)
            elif tok.text == "'" and node[0] == "sym":
                self.next()
                node = ("sym", node[1] + "'")
            elif tok.text == "_":
                self.next()
                sub = self.subscript()
                if node[0] == "sym":
                    node = ("sym", f"{node[1]}_{sub}")
                elif node[0] == "num" and not node[2]:
                    node = ("sym", f"{node[1]}_{sub}")  # 204_5: a numeral in base 5, read as written
                elif node[0] == "fn" and node[1] == "log" and node[2][1] is None:
                    raise Unreadable("log base written after its argument")
                else:
                    raise Unreadable("subscript on an expression")
            elif tok.text == "\\circ":
                self.next()
                node = ("unit", node, "degrees")
            else:
                return node

    def subscript(self) -> str:
        if self.at("{"):
            # 113_{\text{5}} is 113_5
            return "".join(_TEXT_WRAPPER.sub(r"\1", self.raw_group()).split())
        tok = self.next()
        if tok.kind == "num":
            return tok.text[0] if len(tok.text) > 1 and "." not in tok.text else tok.text
        return tok.text.lstrip("\\")

    def arg(self) -> Node:
        """One argument of ``\\frac``/``\\sqrt``/``\\binom``: a braced group or a single token."""
        tok = self.peek()
        if tok is None:
            raise Unreadable("missing argument")
        if tok.text == "{":
            self.next()
            inner = self.relation()
            self.expect("}")
            return inner
        if tok.kind == "num":
            self.next()
            if len(tok.text) > 1 and tok.text.isdigit():
                # \frac12: one digit per argument; put the rest back
                rest = Token("num", tok.text[1:], False)
                self.toks = (*self.toks[: self.pos], rest, *self.toks[self.pos :])
                return ("num", Fraction(int(tok.text[0])), False)
            return _number(tok.text)
        if tok.kind == "word":
            self.next()
            if len(tok.text) > 1:
                rest = Token("word", tok.text[1:], False)
                self.toks = (*self.toks[: self.pos], rest, *self.toks[self.pos :])
            return _letter(tok.text[0])
        return self.atom()

    def atom(self) -> Node:
        tok = self.next()
        kind, text = tok.kind, tok.text
        if kind == "num":
            return _number(text)
        if kind == "word":
            return self.word(text)
        if kind == "cmd":
            return self.command(text)
        if text in ("(", "["):
            items, grouped = self.seq((")", "]"))
            close = self.next().text
            if len(items) == 1 and not grouped and (text, close) == ("(", ")"):
                return items[0]
            if len(items) == 1 and not grouped and (text, close) == ("[", "]") and items[0][0] != "rel":
                return items[0]
            return ("brack", text, tuple(items), close)
        if text == "{":
            items, _ = self.seq(("}",))
            self.expect("}")
            if len(items) == 1:
                return items[0]
            return ("group", tuple(items))
        if text == "|":
            saved, self.in_abs = self.in_abs, True
            inner = self.sum()
            self.in_abs = saved
            self.expect("|")
            return ("fn", "abs", (inner,))
        raise Unreadable(f"unexpected {text!r}")

    def word(self, text: str) -> Node:
        low = text.lower()
        if low in FUNCTIONS:
            return self.function(low)
        if low == "pi":
            return ("const", "pi")
        if low in ("inf", "infinity", "infty", "oo"):
            return ("const", "inf")
        nxt = self.peek()
        if low in ("negative", "minus", "positive", "plus") and nxt is not None and nxt.text.lower() in _INFINITY_WORDS:
            self.next()  # "negative infinity"
            return ("neg", ("const", "inf")) if low in ("negative", "minus") else ("const", "inf")
        if low in _SEPARATOR_WORDS:
            raise Unreadable(f"'{text}' where a value is expected")
        if len(text) == 1:
            return self.maybe_apply(_letter(text))
        return ("word", text)

    def maybe_apply(self, node: Node, force: bool = False) -> Node:
        tok = self.peek()
        named = force or (node[0] == "sym" and node[1] in FUNCTION_LETTERS)
        if named and tok is not None and tok.text == "(" and not tok.gap:
            self.next()
            items, _ = self.seq((")",))
            self.expect(")")
            return ("fn", "app", (node[1], *items))
        return node

    def function(self, name: str) -> Node:
        if name == "sqrt":
            return ("fn", "sqrt", (self.arg() if not self.at("(") else self.atom(), None))
        base: Node | None = None
        power: Node | None = None
        if name == "log" and self.at("_"):
            self.next()
            base = self.arg() if not self.at("(") else self.atom()
        if self.at("^"):
            self.next()
            power = self.exponent()
        if self.at("("):
            self.next()
            items, _ = self.seq((")",))
            self.expect(")")
            if len(items) != 1 and name not in ("gcd", "lcm", "max", "min"):
                raise Unreadable(f"{name} of several arguments")
            arg: tuple[Node, ...] = tuple(items)
        else:
            arg = (self.signed_power(),)
        node: Node = ("fn", "log", (arg[0], base)) if name == "log" or base is not None else ("fn", name, arg)
        if name == "ln":
            node = ("fn", "log", (arg[0], ("const", "e")))
        elif name == "lg":
            node = ("fn", "log", (arg[0], ("num", Fraction(10), False)))
        return ("pow", node, power) if power is not None else node

    def command(self, text: str) -> Node:
        name = text[1:]
        if text == "\\frac":
            num = self.arg()
            return ("div", num, self.arg())
        if text in ("\\binom", "\\dbinom", "\\tbinom", "\\choose"):
            n = self.arg()
            return ("fn", "binom", (n, self.arg()))
        if text == "\\sqrt":
            index = None
            if self.at("["):
                self.next()
                index = self.relation()
                self.expect("]")
            return ("fn", "sqrt", (self.arg(), index))
        if text == "\\pi":
            return ("const", "pi")
        if text == "\\infty":
            return ("const", "inf")
        if text in ("\\emptyset", "\\varnothing"):
            return ("empty",)
        if name in FUNCTIONS:
            return self.function(name)
        if name in _GREEK:
            return self.maybe_apply(("sym", name))
        if text in _TEXT_CMDS:
            return self.text_command(text)
        if text in _DECOR_CMDS:
            inner = self.raw_group() if self.at("{") else self.next().text
            return ("sym", f"{name}:{''.join(inner.split())}")
        if name in BOX_COMMANDS:  # a box around (part of) an answer is transparent
            return self.arg()
        if text == "\\{":
            items, _ = self.seq(("\\}",))
            self.expect("\\}")
            return ("set", tuple(items))
        if text == "\\langle":
            items, _ = self.seq(("\\rangle",))
            self.expect("\\rangle")
            return ("brack", "(", tuple(items), ")")
        if text in ("\\lfloor", "\\lceil"):
            inner = self.sum()
            self.expect("\\rfloor" if text == "\\lfloor" else "\\rceil")
            return ("fn", "floor" if text == "\\lfloor" else "ceil", (inner,))
        if text == "\\begin":
            return self.environment()
        if text == "\\exp":
            return self.function("exp")
        raise Unreadable(f"unsupported command {text}")

    def text_command(self, text: str) -> Node:
        content = self.raw_group().strip() if self.at("{") else self.next().text
        if text == "\\operatorname" and content.lower() in FUNCTIONS:
            return self.function(content.lower())
        if text == "\\mathbb":
            return ("reals",) if content == "R" else ("sym", f"bb:{content}")
        if not content:
            raise Unreadable("empty text")
        if content in ("e",) and text in ("\\mathrm", "\\text", "\\mathit"):
            return ("const", "e")
        inner = _try_parse(content)
        if inner is not None and inner[0] not in ("word", "mul", "list"):
            return inner
        if len(content) == 1 and content.isalpha():
            return ("sym", content)
        return ("text", content)

    def environment(self) -> Node:
        env = self.raw_group().strip().rstrip("*")
        if env not in _MATRIX_ENVS:
            raise Unreadable(f"environment {env}")
        if env == "array" and self.at("{"):
            self.raw_group()  # column spec
        rows: list[list[Node]] = [[]]
        while True:
            if self.at("\\end"):
                self.next()
                self.raw_group()
                break
            if self.at("&"):
                self.next()
                continue
            if self.at("\\\\"):
                self.next()
                rows.append([])
                continue
            rows[-1].append(self.relation())
        rows = [r for r in rows if r]
        if not rows or len({len(r) for r in rows}) != 1:
            raise Unreadable("ragged matrix")
        return ("matrix", tuple(tuple(r) for r in rows))


_SHORT_WORDS = {
    "am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is", "it", "me", "my", "no", "of", "on",
    "or", "so", "to", "up", "us", "we",
}  # fmt: skip


def _prose_word(word: str) -> bool:
    """A word that makes a product prose (``so the count``), not a product of letters (``ab``)."""
    return len(word) >= 3 or word.lower() in _SHORT_WORDS


def _product(factors: list[Node]) -> Node:
    if len(factors) == 1:
        return factors[0]
    if any(f[0] == "word" and _prose_word(f[1]) for f in factors):
        raise Unreadable("prose")
    return ("mul", tuple(factors))


def _ends_in_number(node: Node) -> bool:
    return node[0] == "num" or (node[0] == "pow" and node[2][0] == "num")


def _number(text: str) -> Node:
    return ("num", Fraction(text), "." in text)


def _letter(ch: str) -> Node:
    if ch == "e":
        return ("const", "e")
    return ("sym", ch)


def _numeric_literal(node: Node) -> bool:
    if node[0] == "num":
        return True
    if node[0] == "neg":
        return _numeric_literal(node[1])
    if node[0] == "div":
        return _numeric_literal(node[1]) and _numeric_literal(node[2])
    return node[0] in ("pct",) and _numeric_literal(node[1])


def _try_parse(text: str) -> Node | None:
    try:
        return parse(text)
    except Unreadable:
        return None


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """The syntax tree of one answer (tidied first); :class:`Unreadable` when it is not read."""
    try:
        tokens = tokenize(tidy(text))
    except TooLong as exc:
        raise Unreadable(str(exc)) from None
    if not tokens:
        raise Unreadable("empty")
    if any(t.kind == "other" for t in tokens):
        raise Unreadable("unknown character")
    p = _Parser(tokens)
    try:
        items, _grouped = p.seq(())
    except RecursionError:
        raise Unreadable("nested too deep") from None
    if p.pos != len(p.toks):
        raise Unreadable(f"unexpected {p.toks[p.pos].text!r}")
    if not items:
        raise Unreadable("empty")
    if len(items) == 1:
        return items[0]
    return ("list", tuple(items))
