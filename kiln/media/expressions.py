"""Safe arithmetic expressions in `t` (the frame index), as Deforum schedules write them.

The source is parsed with `ast` and checked node by node before anything runs: numbers, `t`, the constants
`pi` and `e`, `+ - * / ** %`, unary minus and plus, parentheses and calls to
sin, cos, tan, abs, sqrt, exp, log, floor, ceil, min and max. Everything else (names, attributes, subscripts,
strings, comparisons, keyword arguments, ...) is refused with its character position. Nothing is ever passed
to `eval`: a checked tree is compiled into plain Python closures over floats, so `**` cannot build huge
integers and a math error (division by zero, `sqrt(-1)`, overflow) raises `ExpressionError` with the position
of the operation that failed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "Expression", "ExpressionError", "compile_expression"]

Evaluator = Callable[[float], float]

CONSTANTS: Final[Mapping[str, float]] = MappingProxyType({"pi": math.pi, "e": math.e})
MAX_DEPTH = 100  # deeper trees are refused: no recursion limit is ever reached, at compile or at run time


def _log(x: float, base: float = math.e) -> float:
    return math.log(x, base)


# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: Final[Mapping[str, tuple[Callable[..., float], int, int | None]]] = MappingProxyType(
    {
        "sin": (math.sin, 1, 1),
        "cos": (math.cos, 1, 1),
        "tan": (math.tan, 1, 1),
        "abs": (abs, 1, 1),
        "sqrt": (math.sqrt, 1, 1),
        "exp": (math.exp, 1, 1),
        "log": (_log, 1, 2),
        "floor": (lambda x: float(math.floor(x)), 1, 1),
        "ceil": (lambda x: float(math.ceil(x)), 1, 1),
        "min": (min, 1, None),
        "max": (max, 1, None),
    }
)

_BINARY: Final[dict[type[ast.operator], tuple[str, Callable[[float, float], float]]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", math.pow),  # math.pow: a float or a ValueError, never a complex number
    ast.Mod: ("%", operator.mod),
}
_BINARY_SYMBOLS: Final[dict[type[ast.operator], str]] = {
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
}


class ExpressionError(ValueError):
    """An expression that is malformed, not allowed, or failed to evaluate; `position` indexes the source."""

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"position {position}: {reason}")


class Expression:
    """A checked expression: call it with `t` to get a float."""

    __slots__ = ("_run", "source", "uses_t")

    def __init__(self, source: str, run: Evaluator, uses_t: bool) -> None:
        self.source = source
        self.uses_t = uses_t
        self._run = run

    def __call__(self, t: float) -> float:
        return self._run(float(t))

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


def compile_expression(source: str) -> Expression:
    """Parses and checks `source`; raises `ExpressionError` naming the position of the first problem."""
    flat = source.replace("\r", " ").replace("\n", " ")  # one line, same length: positions stay true
    body = flat.strip()
    lead = len(flat) - len(flat.lstrip())
    if not body:
        raise ExpressionError(len(source), "expected a number or an expression")
    try:
        tree = ast.parse(body, mode="eval")
    except (RecursionError, MemoryError):
        raise ExpressionError(lead, "expression is too deeply nested") from None
    except SyntaxError as exc:
        offset = exc.offset if exc.offset and 0 < exc.offset <= len(body) else len(body) + 1
        raise ExpressionError(lead + offset - 1, f"invalid expression ({exc.msg})") from None
    compiler = _Compiler(body, lead)
    run = compiler.compile(tree.body)
    return Expression(source, run, compiler.uses_t)


class _Compiler:
    """Turns a checked tree into closures; positions are reported in characters of the original source."""

    def __init__(self, body: str, lead: int) -> None:
        self._encoded = body.encode()
        self._lead = lead
        self._depth = 0
        self.uses_t = False

    def _chars(self, byte_offset: int) -> int:
        # ast offsets count UTF-8 bytes; report characters of the original source
        return self._lead + len(self._encoded[:byte_offset].decode(errors="ignore"))

    def position(self, node: ast.expr) -> int:
        return self._chars(node.col_offset)

    def _operator_position(self, node: ast.BinOp, symbol: str) -> int:
        """Where the operator itself stands: between the end of the left operand and the start of the right."""
        start, end = node.left.end_col_offset or node.left.col_offset, node.right.col_offset
        found = self._encoded.find(symbol.encode(), start, end)
        return self.position(node) if found < 0 else self._chars(found)

    def fail(self, node: ast.expr, reason: str) -> ExpressionError:
        return ExpressionError(self.position(node), reason)

    def compile(self, node: ast.expr) -> Evaluator:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self.fail(node, f"expression is too deeply nested (more than {MAX_DEPTH} levels)")
            return self._compile(node)
        finally:
            self._depth -= 1

    def _compile(self, node: ast.expr) -> Evaluator:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.compile(node.operand)
            return (lambda t: -inner(t)) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self.fail(node, _describe(node))

    def _constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, f"only numbers are allowed, not {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(node, "this number is too large")
        return lambda t: number

    def _name(self, node: ast.Name) -> Evaluator:
        if node.id == "t":
            self.uses_t = True
            return lambda t: t
        if node.id in CONSTANTS:
            number = CONSTANTS[node.id]
            return lambda t: number
        if node.id in FUNCTIONS:
            raise self.fail(node, f"{node.id!r} is a function; call it like {node.id}(t)")
        raise self.fail(node, f"unknown name {node.id!r}; use t, pi, e or a number")

    def _binary(self, node: ast.BinOp) -> Evaluator:
        kind = type(node.op)
        if kind not in _BINARY:
            symbol = _BINARY_SYMBOLS.get(kind, kind.__name__)
            raise ExpressionError(
                self._operator_position(node, symbol), f"operator {symbol!r} is not allowed; use + - * / ** %"
            )
        symbol, apply = _BINARY[kind]
        left, right = self.compile(node.left), self.compile(node.right)
        position = self._operator_position(node, symbol)
        return lambda t: _checked(position, t, apply, left(t), right(t))

    def _call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only the built-in functions can be called: " + ", ".join(FUNCTIONS))
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(node, f"unknown function {name!r}; use one of " + ", ".join(FUNCTIONS))
        if node.keywords:
            raise self.fail(node, f"{name}() takes no keyword arguments")
        function, fewest, most = FUNCTIONS[name]
        count = len(node.args)
        if count < fewest or (most is not None and count > most):
            wanted = str(fewest) if most == fewest else f"{fewest} or more" if most is None else f"{fewest} to {most}"
            raise self.fail(node, f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {count}")
        args = [self.compile(arg) for arg in node.args]  # Starred args fail here: not an allowed node
        position = self.position(node)
        return lambda t: _checked(position, t, function, *(arg(t) for arg in args))


def _checked(position: int, t: float, function: Callable[..., float], *args: float) -> float:
    try:
        result = float(function(*args))
    except (ArithmeticError, ValueError) as exc:
        raise ExpressionError(position, f"{_math_message(exc)} at t={t:g}") from None
    if not math.isfinite(result):
        raise ExpressionError(position, f"result is not a finite number at t={t:g}")
    return result


def _math_message(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "number too large"
    return f"math error ({exc})"


_REFUSED: Final[Sequence[tuple[tuple[type[ast.AST], ...], str]]] = (
    ((ast.Attribute,), "attribute access is not allowed"),
    ((ast.Subscript,), "indexing is not allowed"),
    ((ast.Compare,), "comparisons are not allowed"),
    ((ast.BoolOp,), "'and' and 'or' are not allowed"),
    ((ast.IfExp,), "conditional expressions are not allowed"),
    ((ast.Lambda,), "lambda is not allowed"),
    ((ast.Starred,), "'*' unpacking is not allowed"),
    ((ast.List, ast.Tuple, ast.Set, ast.Dict), "lists, tuples, sets and dicts are not allowed"),
    ((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "comprehensions are not allowed"),
    ((ast.JoinedStr,), "strings are not allowed"),
    ((ast.NamedExpr,), "assignment is not allowed"),
    ((ast.UnaryOp,), "'not' and '~' are not allowed"),
)


def _describe(node: ast.expr) -> str:
    for kinds, reason in _REFUSED:
        if isinstance(node, kinds):
            return reason
    return f"{type(node).__name__} is not allowed"
